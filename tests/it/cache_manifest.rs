//! Manifest version 3 keeps the test and module cache evidence (issue 12): a manifest-only
//! baseline gives exactly the test causes and module causes the full bundle gives, on the
//! real `test-*` and `mod-*` captures, in `report --baseline` and `compare`; an older
//! manifest is read and said to lack them; `goattrib ci` diffs `go test` against its
//! `.goattrib/last/` manifest.

use std::path::{Path, PathBuf};

use goattrib::model::{CacheCause, Report};

use crate::harness::{report, scenario};

/// This build's manifest as this goattrib writes it, from its committed bundle.
fn manifest_of(name: &str, dir: &Path) -> PathBuf {
    let inputs = crate::harness::load_clean(&scenario(name));
    let data = goattrib::analysis::prepare(inputs);
    let path = dir.join(format!("{name}.manifest.json.gz"));
    let file = std::fs::File::create(&path).expect("create manifest");
    goattrib::ingest::manifest::write(&data, file).expect("write manifest");
    path
}

type Row = (String, bool, Option<CacheCause>);

fn test_rows(r: &Report) -> Vec<Row> {
    r.tests
        .as_ref()
        .map(|t| {
            t.results
                .iter()
                .map(|x| (x.package.clone(), x.cached, x.cause.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The packages that ran and their cause kinds.
fn ran(rows: &[Row]) -> Vec<(&str, &str)> {
    rows.iter()
        .filter_map(|(p, _, c)| {
            c.as_ref()
                .map(|c| (p.trim_start_matches("example.com/tc/"), c.kind))
        })
        .collect()
}

/// The head reported against the baseline's bundle and against its manifest alone.
fn both(head: &str, base: &str, dir: &Path) -> (Report, Report) {
    let manifest = manifest_of(base, dir);
    let full = report(&[scenario(head)], Some(&[scenario(base)]));
    let small = report(&[scenario(head)], Some(&[manifest]));
    (full, small)
}

#[test]
fn a_manifest_baseline_gives_the_bundles_test_causes() {
    let dir = tempfile::tempdir().unwrap();
    let all = |kind| {
        vec![
            ("clock", kind),
            ("config", kind),
            ("mathx", kind),
            ("stats", kind),
        ]
    };
    type Ran<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(&str, &str, Ran)> = vec![
        ("test-cached", "test-cold", vec![]),
        ("test-edit-dead", "test-cached", vec![]),
        (
            "test-edit",
            "test-edit-dead",
            vec![("mathx", "binary"), ("stats", "binary")],
        ),
        ("test-env", "test-edit", vec![("clock", "env")]),
        ("test-file", "test-env", vec![("config", "file")]),
        ("test-too-new", "test-file", vec![("config", "too-new")]),
        ("test-count1", "test-file", all("uncacheable")),
        ("test-fail", "test-file", vec![("stats", "failed")]),
        ("test-fail-again", "test-fail", vec![("stats", "failed")]),
    ];
    for (head, base, want) in cases {
        let (full, small) = both(head, base, dir.path());
        let (f, s) = (test_rows(&full), test_rows(&small));
        assert_eq!(ran(&s), want, "{head} against {base}'s manifest");
        assert_eq!(f, s, "{head}: the manifest baseline and the bundle differ");
        assert!(
            !small.warnings.iter().any(|w| w.contains("go test results")),
            "{head}: {:?}",
            small.warnings
        );
    }
    // The details that come from the baseline's evidence, not only the kinds.
    let (_, r) = both("test-env", "test-edit", dir.path());
    let clock = test_rows(&r)
        .into_iter()
        .find_map(|(p, _, c)| c.filter(|_| p.ends_with("/clock")))
        .expect("clock ran");
    assert_eq!(clock.changed, vec!["CI_JOB_STARTED_AT"]);
    assert!(
        clock.detail.starts_with(
            "the tests read $CI_JOB_STARTED_AT (value fingerprint f8433991 → f8433991"
        ) || clock
            .detail
            .contains("$CI_JOB_STARTED_AT (value fingerprint"),
        "{}",
        clock.detail
    );
    let (_, r) = both("test-fail-again", "test-fail", dir.path());
    let stats = test_rows(&r)
        .into_iter()
        .find_map(|(p, _, c)| c.filter(|_| p.ends_with("/stats")))
        .expect("stats ran");
    assert!(
        stats.detail.contains("failed in the baseline"),
        "{}",
        stats.detail
    );
}

fn module_cause(r: &Report) -> Option<(String, Vec<String>, Vec<String>)> {
    let m = r.module_cache.as_ref()?;
    let c = m.cause.as_ref()?;
    let downloads = m
        .downloads
        .iter()
        .map(|d| format!("{}@{}", d.module, d.version))
        .collect();
    Some((c.kind.to_owned(), c.changed.clone(), downloads))
}

#[test]
fn a_manifest_baseline_gives_the_bundles_module_causes() {
    let dir = tempfile::tempdir().unwrap();
    let (full, small) = both("mod-warm", "mod-cold", dir.path());
    assert!(full.module_cache.is_none() && small.module_cache.is_none());
    let (full, small) = both("mod-bump", "mod-warm", dir.path());
    assert_eq!(
        module_cause(&small),
        Some((
            "version-changed".to_owned(),
            vec![
                "example.org/textx v1.0.0 → v1.1.0".to_owned(),
                "example.org/units (new) v0.3.0".to_owned()
            ],
            vec![
                "example.org/textx@v1.1.0".to_owned(),
                "example.org/units@v0.3.0".to_owned()
            ]
        ))
    );
    assert_eq!(module_cause(&full), module_cause(&small));
    let (full, small) = both("mod-emptied", "mod-bump", dir.path());
    let got = module_cause(&small).expect("a module cause");
    assert_eq!(got.0, "cache-not-restored");
    assert_eq!(
        got.2,
        vec![
            "example.org/colorx@v1.2.0",
            "example.org/textx@v1.1.0",
            "example.org/units@v0.3.0"
        ]
    );
    assert_eq!(module_cause(&full), Some(got));
}

#[test]
fn compare_against_a_manifest_lists_the_same_reruns_and_downloads() {
    let dir = tempfile::tempdir().unwrap();
    let c = goattrib::analysis::compare::compare_paths(
        &manifest_of("test-edit", dir.path()),
        &scenario("test-env"),
    )
    .expect("compares");
    let got: Vec<(&str, &str)> = c
        .new_test_reruns
        .iter()
        .map(|r| (r.package.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(got, vec![("example.com/tc/clock", "env")]);
    let c = goattrib::analysis::compare::compare_paths(
        &manifest_of("test-edit-dead", dir.path()),
        &scenario("test-edit"),
    )
    .expect("compares");
    let got: Vec<(&str, &str)> = c
        .new_test_reruns
        .iter()
        .map(|r| (r.package.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("example.com/tc/mathx", "binary"),
            ("example.com/tc/stats", "binary")
        ]
    );
    let c = goattrib::analysis::compare::compare_paths(
        &manifest_of("mod-warm", dir.path()),
        &scenario("mod-bump"),
    )
    .expect("compares");
    let got: Vec<(String, &str)> = c
        .new_downloads
        .iter()
        .map(|d| (format!("{}@{}", d.module, d.version), d.cause.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("example.org/textx@v1.1.0".to_owned(), "version-changed"),
            ("example.org/units@v0.3.0".to_owned(), "version-changed")
        ]
    );
}

#[test]
fn the_manifest_keeps_no_env_value_and_no_proxy_password() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["test-env", "mod-cold"] {
        let path = manifest_of(name, dir.path());
        let mut json = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()),
            &mut json,
        )
        .unwrap();
        assert!(json.contains("\"version\":3"), "{name}");
        for secret in ["2026-12-01T19", "user:secret", "secret@", "user@"] {
            assert!(!json.contains(secret), "{secret} in {name}'s manifest");
        }
    }
}

#[test]
fn an_older_manifest_still_reads_and_says_it_lacks_test_results() {
    // The committed captures' manifests were written by an older goattrib (version 1).
    let old = scenario("test-edit").join("manifest.json.gz");
    let data = goattrib::ingest::manifest::read_file(&old).expect("a version 1 manifest reads");
    assert_eq!(data.caches.from_old_manifest, Some(1));
    let r = report(&[scenario("test-env")], Some(&[old]));
    assert!(
        r.warnings.iter().any(|w| w.starts_with(
            "the baseline is a version-1 manifest, which does not keep go test results"
        )),
        "{:?}",
        r.warnings
    );
}

/// Every file of `dir` an old mtime, as a checkout made long before the tests run (a file
/// the tests read within 2 s of its mtime is never cached: Go's modTimeCutoff).
fn settle(dir: &Path) {
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600);
    for e in std::fs::read_dir(dir).expect("read_dir") {
        let e = e.expect("entry");
        if e.file_type().expect("type").is_dir() {
            settle(&e.path());
        } else {
            let f = std::fs::File::options()
                .write(true)
                .open(e.path())
                .expect("open");
            f.set_modified(old).expect("set mtime");
        }
    }
}

#[test]
fn ci_diffs_go_test_against_its_manifest_only_baseline() {
    let Some(go) = crate::ci::go_1_27() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tc");
    crate::ci::copy_dir(
        &crate::harness::root().join("fixtures/gen/testcache/module"),
        &dir,
    );
    settle(&dir);
    let gocache = tmp.path().join("gocache");
    let pipeline = |started: &str| {
        let o = crate::harness::bin()
            .current_dir(&dir)
            .env("GOCACHE", &gocache)
            .env("GOPATH", tmp.path().join("gopath"))
            .env("GOFLAGS", "")
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOTELEMETRY", "off")
            .env("CI_JOB_STARTED_AT", started)
            .env_remove("GODEBUG")
            .env_remove("GOATTRIB_MAX_TEST_RERUNS")
            .env("COLUMNS", "100")
            .args(["ci", "--", go.to_str().unwrap(), "test", "./..."])
            .output()
            .expect("goattrib runs");
        assert_eq!(o.status.code(), Some(0), "{}", crate::harness::stderr(&o));
        let text = std::fs::read_to_string(dir.join("reports/report.json")).expect("report.json");
        let report: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        (o, report)
    };
    let ran = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["tests"]["results"]
            .as_array()
            .expect("tests.results")
            .iter()
            .filter(|x| !x["cause"].is_null())
            .map(|x| {
                (
                    x["package"].as_str().unwrap_or_default().to_owned(),
                    x["cause"]["kind"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    let (_, first) = pipeline("2026-12-01T19:00:00Z");
    assert_eq!(ran(&first).len(), 4, "the first pipeline runs every test");
    let last = dir.join(".goattrib/last/manifest.json.gz");
    assert!(last.is_file());
    assert!(
        !dir.join(".goattrib/last/build.stderr").exists(),
        "only the manifest is kept"
    );
    let (o, second) = pipeline("2026-12-01T19:30:00Z");
    assert_eq!(
        ran(&second),
        vec![("example.com/tc/clock".to_owned(), "env".to_owned())]
    );
    let clock = second["tests"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["package"] == "example.com/tc/clock")
        .unwrap();
    assert_eq!(
        clock["cause"]["changed"],
        serde_json::json!(["CI_JOB_STARTED_AT"])
    );
    let err = crate::harness::stderr(&o);
    assert!(!err.contains("go test results"), "{err}");
    let out = format!("{}{err}", crate::harness::stdout(&o));
    assert!(
        out.contains(
            "1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the tests."
        ),
        "{out}"
    );
    let json = serde_json::to_string(&second).unwrap();
    assert!(
        !json.contains("2026-12-01T19"),
        "an env value leaked into report.json"
    );
}

#[test]
fn report_baseline_on_the_command_line_reads_a_manifest_alone() {
    let dir = tempfile::tempdir().unwrap();
    let base = manifest_of("mod-warm", dir.path());
    let o = crate::harness::run_report(
        &["--format", "json", "--baseline", base.to_str().unwrap()],
        &[&scenario("mod-bump")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", crate::harness::stderr(&o));
    let r: serde_json::Value =
        serde_json::from_str(&crate::harness::stdout(&o)).expect("JSON on stdout");
    assert_eq!(r["module_cache"]["cause"]["kind"], "version-changed");
    assert_eq!(
        r["module_cache"]["cause"]["changed"],
        serde_json::json!([
            "example.org/textx v1.0.0 → v1.1.0",
            "example.org/units (new) v0.3.0"
        ])
    );
}
