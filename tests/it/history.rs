//! `history add` and `dashboard`: the numbers against an independent computation over the
//! same real reports, concurrent writers, replace-on-re-add, refused files, and the site in
//! headless Chromium.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("goattrib")
}

fn goattrib(args: &[&str]) -> Output {
    Command::new(bin()).args(args).output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The generated history (104 weeks × 2 jobs from the real fixture reports), made once.
fn history() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let out = Command::new("python3")
            .arg(root().join("fixtures/gen/history/make-history.py"))
            .arg(&dir)
            .args(["104", "2"])
            .env("GOATTRIB", bin())
            .output()
            .unwrap();
        assert!(out.status.success(), "make-history: {}", stderr(&out));
        dir
    })
}

fn db() -> String {
    history().join("history.db").display().to_string()
}

fn dashboard_json(extra: &[&str]) -> Value {
    let db = db();
    let mut args = vec!["dashboard", "--db", db.as_str(), "--format", "json"];
    args.extend(extra);
    let out = goattrib(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

// ---- an independent computation from the same reports ----------------------------------

fn us(ms: f64) -> i64 {
    (ms * 1000.0).round() as i64
}

/// Days since 1970-01-01 of `YYYY-MM-DD…`.
fn days(s: &str) -> i64 {
    let y: i64 = s[0..4].parse().unwrap();
    let m: i64 = s[5..7].parse().unwrap();
    let d: i64 = s[8..10].parse().unwrap();
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// The Monday of the week `started_at` falls in, as `YYYY-MM-DD`, found by counting back
/// from a known Monday (2026-11-02) in whole weeks.
fn monday(started_at: &str) -> String {
    let known = days("2026-11-02");
    let d = days(started_at);
    let weeks = (d - known).div_euclid(7);
    let target = known + weeks * 7;
    // Walk a calendar to format it.
    let mut y = 1970i64;
    let mut left = target;
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    loop {
        let n = if leap(y) { 366 } else { 365 };
        if left < n {
            break;
        }
        left -= n;
        y += 1;
    }
    let lens = [
        31,
        if leap(y) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let mut m = 0;
    while left >= lens[m] {
        left -= lens[m];
        m += 1;
    }
    format!("{y:04}-{:02}-{:02}", m + 1, left + 1)
}

struct Job {
    week: String,
    executor: String,
    report: Value,
}

fn jobs() -> Vec<Job> {
    let plan = std::fs::read_to_string(history().join("jobs.jsonl")).unwrap();
    let mut reports: BTreeMap<String, Value> = BTreeMap::new();
    plan.lines()
        .map(|l| {
            let p: Value = serde_json::from_str(l).unwrap();
            let name = p["report"].as_str().unwrap().to_owned();
            let report = reports
                .entry(name.clone())
                .or_insert_with(|| {
                    let path = history().join("reports").join(&name).join("report.json");
                    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
                })
                .clone();
            Job {
                week: monday(p["started_at"].as_str().unwrap()),
                executor: p["executor"].as_str().unwrap().to_owned(),
                report,
            }
        })
        .collect()
}

fn price_key(a: &Value, r: &Value) -> (String, String, String, String) {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    (
        s(&a["mode"]),
        s(&a["package"]),
        s(&r["build"]["goos"]),
        s(&r["build"]["goarch"]),
    )
}

/// What the cache saved in one job: each hit at the median of its package's misses in the
/// whole history (element ⌊n/2⌋ of the sorted durations), over the job's parallelism.
fn saved_us(job: &Value, prices: &BTreeMap<(String, String, String, String), i64>) -> i64 {
    let actions = job["actions"].as_array().unwrap();
    let saved: i64 = actions
        .iter()
        .filter(|a| a["cache"] == "hit")
        .filter_map(|a| prices.get(&price_key(a, job)))
        .sum();
    let busy: i64 = actions
        .iter()
        .map(|a| a["duration_ms"].as_f64().map_or(0, us))
        .sum();
    match job["build"]["wall_ms"].as_f64().map(us) {
        Some(wall) if wall > 0 && busy > wall => saved * wall / busy,
        _ => saved,
    }
}

fn prices(jobs: &[Job]) -> BTreeMap<(String, String, String, String), i64> {
    let mut all: BTreeMap<_, Vec<i64>> = BTreeMap::new();
    for j in jobs {
        for a in j.report["actions"].as_array().unwrap() {
            let mode = a["mode"].as_str().unwrap();
            if a["cache"] == "miss" && matches!(mode, "build" | "link" | "vet") {
                all.entry(price_key(a, &j.report))
                    .or_default()
                    .push(a["duration_ms"].as_f64().map_or(0, us));
            }
        }
    }
    all.into_iter()
        .map(|(k, mut v)| {
            v.sort();
            (k, v[v.len() / 2])
        })
        .collect()
}

/// serde_json's default float parsing may be one ULP off the printed value.
#[track_caller]
fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or(f64::NAN);
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: {got} != {want}"
    );
}

fn rank(sorted: &[f64], level: usize) -> f64 {
    sorted[(sorted.len() * level / 100).min(sorted.len() - 1)]
}

#[test]
fn weekly_hit_rate_and_savings_match_an_independent_computation() {
    let jobs = jobs();
    let prices = prices(&jobs);
    let d = dashboard_json(&[]);
    assert_eq!(d["schema"], "goattrib.dashboard/v1");
    assert_eq!(d["bucket"], "week");
    assert_eq!(d["jobs"], 208);
    let periods = d["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 104, "two years of weeks, one slot each");
    let mut weeks: BTreeMap<&str, Vec<&Job>> = BTreeMap::new();
    for j in &jobs {
        weeks.entry(j.week.as_str()).or_default().push(j);
    }
    let mut checked = 0;
    for p in periods {
        let start = p["start"].as_str().unwrap();
        let Some(js) = weeks.get(start) else {
            assert_eq!(p["jobs"], 0, "{start}");
            continue;
        };
        let hits: i64 = js
            .iter()
            .map(|j| j.report["summary"]["packages"]["hits"].as_i64().unwrap())
            .sum();
        let misses: i64 = js
            .iter()
            .map(|j| j.report["summary"]["packages"]["misses"].as_i64().unwrap())
            .sum();
        assert_eq!(p["jobs"], js.len() as i64, "{start}");
        assert_eq!(p["hits"], hits, "{start}");
        assert_eq!(p["misses"], misses, "{start}");
        close(&p["hit_rate"], hits as f64 / (hits + misses) as f64, start);
        let mut rates: Vec<f64> = js
            .iter()
            .map(|j| {
                let p = &j.report["summary"]["packages"];
                let (h, m) = (p["hits"].as_f64().unwrap(), p["misses"].as_f64().unwrap());
                h / (h + m)
            })
            .collect();
        rates.sort_by(f64::total_cmp);
        close(&p["hit_rate_p25"], rank(&rates, 25), start);
        close(&p["hit_rate_p50"], rank(&rates, 50), start);
        close(&p["hit_rate_p75"], rank(&rates, 75), start);
        let saved: i64 = js.iter().map(|j| saved_us(&j.report, &prices)).sum();
        close(&p["saved_ms"], saved as f64 / 1000.0, start);
        let by_cause: f64 = p["miss_ms_by_cause"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_f64().unwrap())
            .sum();
        assert!(
            (by_cause - p["miss_ms"].as_f64().unwrap()).abs() < 1e-6,
            "{start}: by cause adds up"
        );
        checked += 1;
    }
    assert!(checked > 60, "{checked} weeks with jobs");
}

#[test]
fn executor_table_matches_an_independent_computation() {
    let jobs = jobs();
    let d = dashboard_json(&[]);
    let rows = d["executors"].as_array().unwrap();
    let names: Vec<&str> = rows
        .iter()
        .map(|r| r["executor"].as_str().unwrap())
        .collect();
    let mut expected = vec!["docker", "kubernetes", "shell"];
    expected.sort();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    for row in rows {
        let ex = row["executor"].as_str().unwrap();
        let js: Vec<&Job> = jobs.iter().filter(|j| j.executor == ex).collect();
        let hits: i64 = js
            .iter()
            .map(|j| j.report["summary"]["packages"]["hits"].as_i64().unwrap())
            .sum();
        let misses: i64 = js
            .iter()
            .map(|j| j.report["summary"]["packages"]["misses"].as_i64().unwrap())
            .sum();
        assert_eq!(row["jobs"], js.len() as i64, "{ex}");
        assert_eq!(row["hits"], hits, "{ex}");
        assert_eq!(row["misses"], misses, "{ex}");
        let mut walls: Vec<f64> = js
            .iter()
            .filter_map(|j| j.report["build"]["wall_ms"].as_f64().map(|w| us(w) as f64))
            .collect();
        walls.sort_by(f64::total_cmp);
        close(&row["wall_ms_p50"], rank(&walls, 50) / 1000.0, ex);
    }
    // The seed question: kubernetes pods (no distributed cache) lose the cache.
    let rate = |ex: &str| {
        rows.iter().find(|r| r["executor"] == ex).unwrap()["hit_rate"]
            .as_f64()
            .unwrap()
    };
    assert!(rate("kubernetes") < 0.3 && rate("shell") > 0.8, "{rows:?}");
}

#[test]
fn simulated_jobs_say_so_and_labels_are_kept_verbatim() {
    let d = dashboard_json(&[]);
    let warnings = d["warnings"].to_string();
    assert!(
        warnings.contains("208 of 208 jobs in the history carry simulated CI metadata"),
        "{warnings}"
    );
    assert!(
        d["refs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ref"] == "fix/<b>escape</b>&\"quote\"")
    );
    let stats = goattrib(&["history", "stats", "--db", &db(), "--json"]);
    let s: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(s["jobs"], 208);
    assert_eq!(s["simulated"], 208);
}

#[test]
fn one_week_range_and_previous_week_change() {
    let d = dashboard_json(&["--since", "1w", "--until", "2026-11-30"]);
    let periods = d["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 1, "{periods:?}");
    assert_eq!(periods[0]["start"], "2026-11-23");
    assert_eq!(d["summary"]["current"]["start"], "2026-11-23");
    // Month buckets start on the 1st.
    let m = dashboard_json(&["--bucket", "month"]);
    assert!(
        m["periods"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["start"].as_str().unwrap().ends_with("-01"))
    );
    assert_eq!(m["jobs"], 208);
}

// ---- the store's guarantees ------------------------------------------------------------

fn report_folder(name: &str) -> String {
    history().join("reports").join(name).display().to_string()
}

fn job_count(db: &str) -> i64 {
    let out = goattrib(&["history", "stats", "--db", db, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s: Value = serde_json::from_slice(&out.stdout).unwrap();
    s["jobs"].as_i64().unwrap()
}

#[test]
fn eight_concurrent_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db").display().to_string();
    let reports = ["warm", "cold", "job-restore-ok", "job-moved"];
    for round in 0..3 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                Command::new(bin())
                    .args(["history", "add", "--db", &db])
                    .arg("--ci")
                    .arg(format!("job={}", round * 8 + i))
                    .args(["--ci", "started_at=2026-11-02T10:00:00Z"])
                    .arg(report_folder(reports[i % reports.len()]))
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
        }
    }
    assert_eq!(job_count(&db), 24);
    rollups_match(&db);
    let export = goattrib(&["history", "export", "--db", &db]);
    let ids: std::collections::BTreeSet<String> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["job"]["job_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 24);
}

#[test]
fn adding_a_job_again_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db").display().to_string();
    let add = |args: &[&str]| {
        let mut a = vec!["history", "add", "--db", db.as_str()];
        a.extend(args);
        let out = goattrib(&a);
        assert!(out.status.success(), "{}", stderr(&out));
    };
    let warm = report_folder("warm");
    add(&["--ci", "job=7", "--ci", "executor=shell", &warm]);
    add(&["--ci", "job=7", "--ci", "executor=docker", &warm]);
    assert_eq!(job_count(&db), 1);
    let export = goattrib(&["history", "export", "--db", &db]);
    let rec: Value =
        serde_json::from_slice(export.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(rec["job"]["executor"], "docker", "the second add won");
    assert_eq!(rec["job"]["hits"], 67);
    // No job id: a content-derived one; the bundle analysed now and its report folder are
    // the same build, so one job.
    let scen = root().join("fixtures/scenarios");
    let (bundle, base) = (
        scen.join("warm").display().to_string(),
        scen.join("cold").display().to_string(),
    );
    add(&["--baseline", &base, &bundle]);
    add(&[&warm]);
    add(&[&history()
        .join("reports/warm/report.json")
        .display()
        .to_string()]);
    assert_eq!(job_count(&db), 2);
    rollups_match(&db);
}

#[test]
fn a_job_log_fills_executor_runner_restore_and_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db").display().to_string();
    let j = root().join("fixtures/joined");
    let out = goattrib(&[
        "history",
        "add",
        "--db",
        &db,
        "--baseline",
        &j.join("baseline").display().to_string(),
        &j.join("restore-failed/bundle").display().to_string(),
        &j.join("restore-failed/job.log.gz").display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = goattrib(&["history", "export", "--db", &db]);
    let rec: Value =
        serde_json::from_slice(export.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let job = &rec["job"];
    assert_eq!(job["executor"], "docker+machine");
    // The frame says `FATAL: file does not exist`: the key had no cache, a miss.
    assert_eq!(job["restore"], "miss");
    assert_eq!(job["hits"], 0);
    assert_eq!(job["misses"], 67);
    // The frame's first section marker: 1621524382 (2021-05-20).
    assert_eq!(job["started_at"], 1_621_524_382);
    assert!(
        rec["misses"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["cause"] == "cache-not-restored")
    );
    assert!(!rec["sections"].as_array().unwrap().is_empty());
}

#[test]
fn a_corrupt_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&path, &garbage).unwrap();
    let db = path.display().to_string();
    for args in [
        vec!["history", "add", "--db", db.as_str(), "--ci", "job=1", ""],
        vec!["dashboard", "--db", db.as_str(), "--format", "json"],
        vec!["history", "stats", "--db", db.as_str()],
    ] {
        let mut args = args;
        let warm = report_folder("warm");
        if args.last() == Some(&"") {
            args.pop();
            args.push(&warm);
        }
        let out = goattrib(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(
            err.contains("not a goattrib history") && err.contains("h.db"),
            "{err}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            garbage,
            "the file was left as it is"
        );
    }
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    let db = path.display().to_string();
    let out = goattrib(&[
        "history",
        "add",
        "--db",
        &db,
        "--ci",
        "job=1",
        &report_folder("warm"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE goattrib_schema SET version = 99", [])
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let out = goattrib(&[
        "history",
        "add",
        "--db",
        &db,
        "--ci",
        "job=2",
        &report_folder("cold"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("schema version 99") && err.contains("reads up to 3"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // A SQLite file of someone else's.
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute("CREATE TABLE t (x)", [])
        .unwrap();
    let out = goattrib(&[
        "dashboard",
        "--db",
        &other.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not a goattrib history"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_version_1_file_is_migrated_and_gives_the_same_dashboard() {
    // A version 1 file is today's file without the rollups, the jobs' group column and
    // the cached prices (migrations 2 and 3 only add them): take them away, and a reader
    // migrates it back.
    migrated_file_gives_the_same_dashboard(
        "DROP TABLE week_cause_time; DROP TABLE week_causes; DROP TABLE week_pkg_misses;
         DROP TABLE pkg_prices; ALTER TABLE jobs DROP COLUMN grp;
         DROP TABLE day_cause_time; DROP TABLE day_causes; DROP TABLE day_pkg_misses;
         DROP TABLE job_groups; UPDATE goattrib_schema SET version = 1;",
        &[
            vec![],
            vec!["--bucket", "day", "--since", "3w", "--until", "2026-11-30"],
            vec!["--executor", "docker"],
        ],
    );
}

#[test]
fn a_version_2_file_is_migrated_and_gives_the_same_dashboard() {
    // A version 2 file (the previous release's) is today's file without the weekly
    // rollups, the jobs' group column and the cached prices: take them away, and a
    // reader migrates it back.
    migrated_file_gives_the_same_dashboard(
        "DROP TABLE week_cause_time; DROP TABLE week_causes; DROP TABLE week_pkg_misses;
         DROP TABLE pkg_prices; ALTER TABLE jobs DROP COLUMN grp;
         UPDATE goattrib_schema SET version = 2;",
        &[
            vec![],
            vec!["--bucket", "day", "--since", "3w", "--until", "2026-11-30"],
            vec![
                "--bucket",
                "month",
                "--since",
                "10w",
                "--until",
                "2026-11-27T13:00:00Z",
            ],
            vec!["--executor", "docker"],
        ],
    );
}

/// A copy of the shipped history made old by `downgrade`: every dashboard in `cases` reads
/// as from today's file, the file is at version 3 after, and its rollups match its rows.
fn migrated_file_gives_the_same_dashboard(downgrade: &str, cases: &[Vec<&str>]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.db");
    std::fs::copy(history().join("history.db"), &path).unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(downgrade)
        .unwrap();
    let db = path.display().to_string();
    for extra in cases {
        let mut args = vec!["dashboard", "--db", db.as_str(), "--format", "json"];
        args.extend(extra);
        let out = goattrib(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let got: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got, dashboard_json(extra), "{extra:?}");
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: i64 = conn
        .query_row("SELECT max(version) FROM goattrib_schema", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 3);
    drop(conn);
    rollups_match(&db);
}

/// The rollups agree with the rows they sum after re-adds and a prune.
fn rollups_match(db: &str) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        q("SELECT coalesce(sum(n), 0) FROM day_pkg_misses"),
        q("SELECT count(*) FROM job_misses")
    );
    assert_eq!(
        q("SELECT coalesce(sum(time_us), 0) FROM day_cause_time"),
        q("SELECT coalesce(sum(time_us), 0) FROM job_cause_time")
    );
    assert_eq!(
        q("SELECT coalesce(sum(n), 0) FROM day_causes"),
        q("SELECT count(*) FROM job_causes")
    );
    assert_eq!(q("SELECT count(*) FROM day_pkg_misses WHERE n <= 0"), 0);
    // The weekly rollups hold the same sums, one row per (ISO week, group).
    for (week, day) in [
        ("week_pkg_misses", "day_pkg_misses"),
        ("week_cause_time", "day_cause_time"),
        ("week_causes", "day_causes"),
    ] {
        assert_eq!(
            q(&format!("SELECT coalesce(sum(n), 0) FROM {week}")),
            q(&format!("SELECT coalesce(sum(n), 0) FROM {day}")),
            "{week}"
        );
        assert_eq!(q(&format!("SELECT count(*) FROM {week} WHERE n <= 0")), 0);
    }
    assert_eq!(
        q(
            "SELECT count(*) FROM (SELECT (day + 3) / 7 AS w, grp, pkg, sum(n) AS n, sum(us) AS us
             FROM day_pkg_misses GROUP BY 1, 2, 3) d
           LEFT JOIN week_pkg_misses w ON w.week = d.w AND w.grp = d.grp AND w.pkg = d.pkg
           WHERE w.n IS NOT d.n OR w.us IS NOT d.us"
        ),
        0,
        "a week is the sum of its days (the fixture's days are after 1970)"
    );
    assert_eq!(q("SELECT count(*) FROM jobs WHERE grp IS NULL"), 0);
    // Every cached price is element ⌊n/2⌋ of its package's sorted miss durations.
    assert_eq!(
        q("SELECT count(*) FROM pkg_prices c LEFT JOIN (
             SELECT pkg, duration_us FROM (SELECT pkg, duration_us,
               row_number() OVER (PARTITION BY pkg ORDER BY duration_us) - 1 AS i,
               count(*) OVER (PARTITION BY pkg) AS n FROM job_misses) WHERE i = n / 2) m
             ON m.pkg = c.pkg WHERE c.price IS NOT m.duration_us"),
        0
    );
    assert_eq!(
        q("SELECT count(*) FROM pkgs WHERE id NOT IN (SELECT pkg FROM pkg_prices)"),
        0,
        "history add leaves no stale price"
    );
}

#[test]
fn prune_keeps_the_last_weeks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.db").display().to_string();
    std::fs::copy(history().join("history.db"), &db).unwrap();
    let out = goattrib(&["history", "prune", "--db", &db, "--keep", "52w"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = jobs()
        .iter()
        .filter(|j| j.week.as_str() >= "2025-11-24")
        .count() as i64;
    let n = job_count(&db);
    assert!(
        (expected - 2..=expected + 2).contains(&n),
        "{n} vs about {expected}"
    );
    assert!(n < 208);
    rollups_match(&db);
    // Partial days at both ends come from the jobs, whole days from the rollups: the same
    // numbers as a history that never had the older jobs.
    let out = goattrib(&[
        "dashboard",
        "--db",
        &db,
        "--format",
        "json",
        "--since",
        "10d",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

// ---- the site in headless Chromium ----------------------------------------------------

fn site(extra: &[&str]) -> PathBuf {
    let out = tempfile::tempdir().unwrap().keep();
    let db = db();
    let o = out.display().to_string();
    let mut args = vec![
        "dashboard",
        "--db",
        db.as_str(),
        "--out",
        o.as_str(),
        "--group-by",
        "ref",
    ];
    args.extend(extra);
    let r = goattrib(&args);
    assert!(r.status.success(), "{}", stderr(&r));
    out
}

#[test]
fn the_site_reads_well_in_chromium_at_1_and_104_weeks() {
    let Some(chrome) = crate::harness::chromium() else {
        return;
    };
    for (weeks, extra) in [
        (104, vec![]),
        (1, vec!["--since", "1w", "--until", "2026-11-30"]),
    ] {
        let dir = site(&extra);
        let index = dir.join("index.html");
        let html = std::fs::read_to_string(&index).unwrap();
        assert!(
            !html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"),
            "self-contained, no JS"
        );
        // No more than a dozen x labels per chart: they never overlap.
        for svg in html.split("<svg").skip(1) {
            let is_date = |t: &str| {
                let b = t.as_bytes();
                let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
                (b.len() == 10 && digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-')
                    || (b.len() == 7 && digits(0..4) && b[4] == b'-' && digits(5..7))
                    || (b.len() == 5 && digits(0..2) && b[2] == b'-' && digits(3..5))
            };
            let labels = svg
                .split("</text>")
                .filter_map(|chunk| chunk.rsplit('>').next())
                .filter(|t| is_date(t.trim()))
                .count();
            assert!(
                (1..=12).contains(&labels),
                "{weeks} weeks: {labels} x labels"
            );
        }
        let png = dir.join("shot.png");
        let shot = crate::harness::run_chromium(
            &chrome,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1280,3000".to_owned(),
            ],
            &index,
        );
        let bytes = std::fs::read(&png).unwrap_or_default();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{weeks} weeks: screenshot {} bytes",
            bytes.len()
        );
        let log = stderr(&shot);
        assert!(
            !log.contains("Uncaught") && !log.contains(":CONSOLE"),
            "{log}"
        );
        let dom = crate::harness::run_chromium(&chrome, &["--dump-dom".to_owned()], &index);
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert!(dom.contains("</html>"));
        if weeks == 104 {
            assert!(
                dom.contains("fix/&lt;b&gt;escape&lt;/b&gt;&amp;\"quote\""),
                "the ref is text"
            );
            assert!(!dom.contains("<b>escape"), "no element was injected");
        }
        // The group pages exist and are linked.
        let pages: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("ref-"))
            .collect();
        assert!(!pages.is_empty());
        for p in &pages {
            assert!(html.contains(&format!("href=\"{p}\"")), "{p} linked");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}

// ---- ClickHouse: the same numbers from a real server ----------------------------------

/// A ClickHouse server for the test: `GOATTRIB_CLICKHOUSE=HOST:PORT` when one is running,
/// else one started by `.ci/clickhouse.sh` and stopped (by its PID) when dropped.
struct Server {
    addr: String,
    pid: Option<String>,
    dir: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(pid) = &self.pid {
            let _ = Command::new("kill").arg(pid).status();
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn clickhouse() -> Option<Server> {
    if let Ok(addr) = std::env::var("GOATTRIB_CLICKHOUSE") {
        return Some(Server {
            addr,
            pid: None,
            dir: None,
        });
    }
    let ci = std::env::var("CI").as_deref() == Ok("true");
    let have = Path::new("/usr/sbin/clickhouse-server").exists()
        || Path::new("/usr/bin/clickhouse-server").exists();
    if !have && !ci {
        println!("skipped: clickhouse-server not installed (bash .ci/clickhouse.sh installs it)");
        return None;
    }
    let out = Command::new("bash")
        .arg(root().join(".ci/clickhouse.sh"))
        .arg("start")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ClickHouse did not start: {}",
        stderr(&out)
    );
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let var = |name: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
    };
    Some(Server {
        addr: var("GOATTRIB_CLICKHOUSE").unwrap(),
        pid: var("GOATTRIB_CLICKHOUSE_PID"),
        dir: var("GOATTRIB_CLICKHOUSE_DIR"),
    })
}

fn ch_exec(addr: &str, sql: &str) {
    let resp = ureq::post(format!("http://{addr}/"))
        .send(sql.as_bytes())
        .unwrap();
    assert!(resp.status().is_success());
}

#[test]
fn clickhouse_and_sqlite_give_the_same_dashboard() {
    let Some(server) = clickhouse() else { return };
    let ch_db = format!("goattrib_test_{}", std::process::id());
    let store = format!("clickhouse://{}/{ch_db}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("history.jsonl");
    let out = goattrib(&["history", "export", "--db", &db()]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(&export, &out.stdout).unwrap();
    let export = export.display().to_string();
    for _ in 0..2 {
        // Twice: a re-added job replaces the old one.
        let out = goattrib(&["history", "add", "--store", &store, &export]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let stats = goattrib(&["history", "stats", "--store", &store, "--json"]);
    let s: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!(s["jobs"], 208, "{}", stderr(&stats));
    for extra in [
        vec![],
        vec!["--bucket", "month", "--executor", "docker"],
        vec!["--bucket", "day", "--since", "3w", "--until", "2026-11-30"],
        vec!["--ref", "fix/<b>escape</b>&\"quote\""],
    ] {
        let sqlite_db = db();
        let mut a = vec!["dashboard", "--db", sqlite_db.as_str(), "--format", "json"];
        a.extend(&extra);
        let from_sqlite = goattrib(&a);
        let mut b = vec!["dashboard", "--store", store.as_str(), "--format", "json"];
        b.extend(&extra);
        let from_ch = goattrib(&b);
        assert!(from_ch.status.success(), "{}", stderr(&from_ch));
        assert!(
            from_sqlite.stdout == from_ch.stdout,
            "{extra:?}: the stores disagree\nsqlite: {}\nclickhouse: {}",
            String::from_utf8_lossy(&from_sqlite.stdout)
                .chars()
                .take(2000)
                .collect::<String>(),
            String::from_utf8_lossy(&from_ch.stdout)
                .chars()
                .take(2000)
                .collect::<String>()
        );
    }
    // A store written by a newer goattrib is refused.
    let newer = format!("goattrib_newer_{}", std::process::id());
    ch_exec(
        &server.addr,
        &format!("CREATE DATABASE IF NOT EXISTS {newer}"),
    );
    ch_exec(
        &server.addr,
        &format!("CREATE TABLE {newer}.goattrib_schema (version Int64) ENGINE = TinyLog"),
    );
    ch_exec(
        &server.addr,
        &format!("INSERT INTO {newer}.goattrib_schema VALUES (99)"),
    );
    let out = goattrib(&[
        "history",
        "stats",
        "--store",
        &format!("clickhouse://{}/{newer}", server.addr),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("schema version 99"),
        "{}",
        stderr(&out)
    );
    ch_exec(&server.addr, &format!("DROP DATABASE {ch_db}"));
    ch_exec(&server.addr, &format!("DROP DATABASE {newer}"));
}

#[test]
fn ci_json_in_a_bundle_is_not_build_evidence_and_travels_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    for f in std::fs::read_dir(root().join("fixtures/scenarios/warm")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, bundle.join(f.file_name().unwrap())).unwrap();
    }
    let ci = r#"{"schema":"goattrib.ci/v1","vars":{"CI_JOB_ID":"4242","CI_PROJECT_PATH":"shop/app","CI_COMMIT_REF_NAME":"main","CI_RUNNER_DESCRIPTION":"docker-7","CI_JOB_STARTED_AT":"2026-11-24T09:30:00Z","CI_JOB_TOKEN":"must-not-be-read"}}"#;
    std::fs::write(bundle.join("ci.json"), ci).unwrap();
    let out_dir = dir.path().join("reports");
    let base = root().join("fixtures/scenarios/cold").display().to_string();
    let out = goattrib(&[
        "report",
        "--quiet",
        "--out",
        &out_dir.display().to_string(),
        "--baseline",
        &base,
        &bundle.display().to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "ci.json is no unreadable input: {}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(out_dir.join("ci.json")).unwrap(),
        ci
    );
    let db = dir.path().join("h.db").display().to_string();
    let out = goattrib(&[
        "history",
        "add",
        "--db",
        &db,
        &out_dir.display().to_string(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = goattrib(&["history", "export", "--db", &db]);
    let text = String::from_utf8_lossy(&export.stdout).into_owned();
    let rec: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(rec["job"]["job_id"], "shop/app#4242");
    assert_eq!(rec["job"]["ref"], "main");
    assert_eq!(rec["job"]["runner_description"], "docker-7");
    assert_eq!(rec["job"]["started_at"], 1_795_512_600);
    assert!(!text.contains("must-not-be-read"));
}

// ---- the same ClickHouse statements on a current engine (chdb) ------------------------

/// chdb (a current ClickHouse engine, from PyPI) in a folder of its own: installed with pip
/// when missing; under `CI=true` a failed install fails the test.
fn chdb() -> Option<PathBuf> {
    let dir = std::env::var_os("GOATTRIB_CHDB_DIR")
        .map_or_else(|| PathBuf::from("/tmp/goattrib-chdb"), PathBuf::from);
    let have = |d: &Path| d.join("chdb").is_dir();
    if !have(&dir) {
        let status = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg("--target")
            .arg(&dir)
            .arg("chdb")
            .status();
        if !status.is_ok_and(|s| s.success()) || !have(&dir) {
            crate::harness::skip_or_fail("chdb (python3 -m pip install --target DIR chdb)");
            return None;
        }
    }
    Some(dir)
}

#[test]
fn a_current_clickhouse_engine_gives_the_old_servers_answers() {
    let Some(server) = clickhouse() else { return };
    let Some(chdb) = chdb() else { return };
    let ch_db = format!("goattrib_chdb_{}", std::process::id());
    let store = format!("clickhouse://{}/{ch_db}", server.addr);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("history.jsonl");
    let out = goattrib(&["history", "export", "--db", &db()]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(&export, &out.stdout).unwrap();
    let log = dir.path().join("sql.jsonl");
    let run = |args: &[&str]| {
        let out = Command::new(bin())
            .args(args)
            .env("GOATTRIB_HISTORY_SQL_LOG", &log)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    let export = export.display().to_string();
    // Twice: the replacing reads (FINAL, newest versions) are exercised too.
    run(&["history", "add", "--store", &store, &export]);
    run(&["history", "add", "--store", &store, &export]);
    run(&["history", "stats", "--store", &store]);
    for extra in [
        vec![],
        vec!["--bucket", "month", "--executor", "docker"],
        vec!["--bucket", "day", "--since", "3w", "--until", "2026-11-30"],
        vec!["--ref", "fix/<b>escape</b>&\"quote\""],
    ] {
        let mut a = vec!["dashboard", "--store", store.as_str(), "--format", "json"];
        a.extend(&extra);
        run(&a);
    }
    let n = std::fs::read_to_string(&log).unwrap().lines().count();
    assert!(n > 30, "{n} statements logged");
    let out = Command::new("python3")
        .arg(root().join("tests/it/chdb_replay.py"))
        .arg(&log)
        .env("PYTHONPATH", &chdb)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    println!("{text}");
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(text.contains("0 failed or different"), "{text}");
    ch_exec(&server.addr, &format!("DROP DATABASE {ch_db}"));
}
