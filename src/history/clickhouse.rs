//! The ClickHouse history (`--store clickhouse://HOST:PORT/DB`), over the HTTP interface
//! with `ureq`: `INSERT … FORMAT JSONEachRow` and `SELECT … FORMAT JSONEachRow`, in SQL that
//! Debian's ClickHouse 18.16 and current releases both run (no DateTime64, window functions,
//! `JOIN` without ANY/ALL, or RowBinary; every joined subquery has an alias, which current
//! releases require — checked on chdb by `tests/it/history.rs`).
//!
//! A job is its `jobs` row (a `ReplacingMergeTree` on `job_id`, versioned by the time it was
//! added) plus child rows carrying the same version. The child rows are written first and
//! the job row last, so a job appears whole or not at all, and every query reads only the
//! children of a job's newest version: re-adding a job replaces it. The dashboard queries
//! compute exactly what the SQLite store's do (same ranks, integer sums).

use std::io::BufRead;
use std::time::Duration;

use serde_json::{Value, json};

use super::query::{Dialect, ch_quote};
use super::{
    Aggregate, CauseRunner, CauseTime, Dimension, Filter, GroupKey, LEVELS, Metric, RankedValue,
    Stats, Store, StoreError, rank_of,
};
use crate::model::history::{
    CauseRow, HitRow, JobRecord, JobRow, MissRow, ModuleRow, PackageTotal, Restore, SectionRow,
    us_to_ms,
};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

pub struct ClickHouse {
    /// `http://host:port/`.
    base: String,
    db: String,
    address: String,
    agent: ureq::Agent,
}

fn tables(db: &str) -> Vec<String> {
    let job_cols = "job_id String, version UInt64, simulated UInt8,
        project Nullable(String), pipeline Nullable(String), job Nullable(String),
        job_name Nullable(String), ref_name Nullable(String), commit_sha Nullable(String),
        runner Nullable(String), runner_description Nullable(String), executor Nullable(String),
        concurrent_id Nullable(String), project_dir Nullable(String), started_at Int64,
        wall_us Nullable(Int64), critical_path_us Int64, busy_us Int64, hits Int64, misses Int64,
        packages Int64, miss_us Int64, restore Nullable(String), restore_us Nullable(Int64),
        save_us Nullable(Int64), go_version Nullable(String), goos Nullable(String),
        goarch Nullable(String), failed UInt8";
    vec![
        format!("CREATE DATABASE IF NOT EXISTS {db}"),
        format!("CREATE TABLE IF NOT EXISTS {db}.goattrib_schema (version Int64) ENGINE = TinyLog"),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.jobs ({job_cols})
             ENGINE = ReplacingMergeTree(version) ORDER BY job_id"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.job_misses (job_id String, version UInt64,
               seq UInt32, mode String, package String, goos String, goarch String,
               cause String, duration_us Int64)
             ENGINE = MergeTree ORDER BY (job_id, version, seq)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.job_hits (job_id String, version UInt64,
               mode String, package String, goos String, goarch String, n Int64)
             ENGINE = MergeTree ORDER BY (job_id, version, mode, package)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.job_modules (job_id String, version UInt64,
               seq UInt32, module String, module_version Nullable(String), main UInt8,
               packages Int64, hits Int64, misses Int64, miss_us Int64)
             ENGINE = MergeTree ORDER BY (job_id, version, seq)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.job_causes (job_id String, version UInt64,
               seq UInt32, kind String, origin Nullable(String), misses Int64, time_us Int64)
             ENGINE = MergeTree ORDER BY (job_id, version, seq)"
        ),
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.job_sections (job_id String, version UInt64,
               seq UInt32, name String, start_us Nullable(Int64), duration_us Nullable(Int64))
             ENGINE = MergeTree ORDER BY (job_id, version, seq)"
        ),
    ]
}

fn int(v: &Value) -> i64 {
    match v {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => s.parse().unwrap_or(0),
        _ => 0,
    }
}

fn opt_int(v: &Value) -> Option<i64> {
    (!v.is_null()).then(|| int(v))
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or("").to_owned()
}

impl ClickHouse {
    /// Connects to `clickhouse://HOST:PORT/DB`, creating the database and tables when
    /// missing, and refuses a store whose schema is newer than this build's.
    pub fn connect(address: &str) -> Result<ClickHouse, StoreError> {
        let bad = || StoreError::Address(address.to_owned());
        let rest = address.strip_prefix("clickhouse://").ok_or_else(bad)?;
        let (host, db) = rest.split_once('/').ok_or_else(bad)?;
        let db = db.trim_end_matches('/');
        let valid =
            |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid(db) || host.is_empty() || host.contains(['/', '?', '#', '@']) {
            return Err(bad());
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(600)))
            .build()
            .into();
        let ch = ClickHouse {
            base: format!("http://{host}/"),
            db: db.to_owned(),
            address: address.to_owned(),
            agent,
        };
        for sql in tables(db) {
            ch.exec("create the tables", &sql, None)?;
        }
        let rows = ch.select(
            "read the schema version",
            &format!("SELECT max(version) AS v, count() AS n FROM {db}.goattrib_schema"),
        )?;
        let (version, n) = rows
            .first()
            .map_or((0, 0), |r| (int(&r["v"]), int(&r["n"])));
        if n > 0 && version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: address.into(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if n == 0 {
            ch.exec(
                "record the schema version",
                &format!("INSERT INTO {db}.goattrib_schema (version) VALUES ({SCHEMA_VERSION})"),
                None,
            )?;
        }
        Ok(ch)
    }

    fn error(&self, what: &'static str, detail: String) -> StoreError {
        StoreError::ClickHouse {
            what,
            url: self.address.clone(),
            detail: detail.lines().next().unwrap_or("").trim().to_owned(),
        }
    }

    fn post(
        &self,
        what: &'static str,
        query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<ureq::http::Response<ureq::Body>, StoreError> {
        let req = self
            .agent
            .post(&self.base)
            .query("output_format_json_quote_64bit_integers", "0");
        // A statement goes in the body, unless the body is the data to insert.
        let sent = match body {
            Some(data) => req.query("query", query).send(&data[..]),
            None => req.send(query.as_bytes()),
        };
        let mut resp = sent.map_err(|e| self.error(what, e.to_string()))?;
        if !resp.status().is_success() {
            let msg = resp
                .body_mut()
                .read_to_string()
                .unwrap_or_else(|e| e.to_string());
            return Err(self.error(what, format!("HTTP {}: {msg}", resp.status().as_u16())));
        }
        Ok(resp)
    }

    fn exec(&self, what: &'static str, sql: &str, body: Option<Vec<u8>>) -> Result<(), StoreError> {
        let t = super::sql_log::start();
        let logged = t.and(body.clone());
        let mut resp = self.post(what, sql, body)?;
        resp.body_mut()
            .read_to_string()
            .map(|_| ())
            .map_err(|e| self.error(what, e.to_string()))?;
        super::sql_log::record(t, "clickhouse", sql, logged.as_deref(), None);
        Ok(())
    }

    /// Rows of a `SELECT` (the query without its FORMAT).
    fn select(&self, what: &'static str, sql: &str) -> Result<Vec<Value>, StoreError> {
        let t = super::sql_log::start();
        let resp = self.post(what, &format!("{sql} FORMAT JSONEachRow"), None)?;
        let reader = std::io::BufReader::new(resp.into_body().into_reader());
        let mut rows = Vec::new();
        for line in reader.lines() {
            let line = line.map_err(|e| self.error(what, e.to_string()))?;
            if line.trim().is_empty() {
                continue;
            }
            rows.push(serde_json::from_str(&line).map_err(|e| self.error(what, e.to_string()))?);
        }
        super::sql_log::record(t, "clickhouse", sql, None, Some(&rows));
        Ok(rows)
    }

    fn insert(&self, table: &str, rows: &[Value]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut body = Vec::new();
        for r in rows {
            // Serialising a Value into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut body, r);
            body.push(b'\n');
        }
        self.exec(
            "insert rows",
            &format!("INSERT INTO {}.{table} FORMAT JSONEachRow", self.db),
            Some(body),
        )
    }

    /// The newest version of every filtered job, with its key.
    fn jobs_sql(&self, filter: &Filter, key: &str) -> String {
        format!(
            "SELECT *, {key} AS k FROM {}.jobs FINAL WHERE {}",
            self.db,
            filter.conditions_inline()
        )
    }

    /// The newest version of every filtered job once per key of `keys`: `ki` the key's
    /// index, `k` its value (one pass over the jobs answers every key).
    fn jobs_keyed(&self, filter: &Filter, keys: &[GroupKey]) -> String {
        let values = keys
            .iter()
            .map(|k| format!("assumeNotNull({})", k.sql(Dialect::ClickHouse)))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT *, arrayJoin(range({n})) AS ki, arrayElement([{values}], ki + 1) AS k
             FROM {db}.jobs FINAL WHERE {cond}",
            n = keys.len(),
            db = self.db,
            cond = filter.conditions_inline()
        )
    }

    /// `(job_id, version)` of the filtered jobs, for the child tables.
    fn live(&self, filter: &Filter) -> String {
        format!(
            "(job_id, version) IN (SELECT job_id, version FROM {}.jobs FINAL WHERE {})",
            self.db,
            filter.conditions_inline()
        )
    }
}

/// One job's rows for every table, all carrying `version`.
fn job_rows(rec: &JobRecord, version: u64) -> Rows {
    let j = &rec.job;
    let id = &j.job_id;
    let goos = j.goos.as_deref().unwrap_or("");
    let goarch = j.goarch.as_deref().unwrap_or("");
    let misses: Vec<Value> = rec
        .misses
        .iter()
        .enumerate()
        .map(|(seq, m)| {
            json!({"job_id": id, "version": version, "seq": seq, "mode": m.mode,
                   "package": m.package, "goos": goos, "goarch": goarch, "cause": m.cause,
                   "duration_us": m.duration_us})
        })
        .collect();
    let mut counts = std::collections::BTreeMap::<(&str, &str), i64>::new();
    for h in &rec.hits {
        *counts.entry((&h.mode, &h.package)).or_default() += 1;
    }
    let hits: Vec<Value> = counts
        .into_iter()
        .map(|((mode, package), n)| {
            json!({"job_id": id, "version": version, "mode": mode, "package": package,
                   "goos": goos, "goarch": goarch, "n": n})
        })
        .collect();
    let modules: Vec<Value> = rec
        .modules
        .iter()
        .enumerate()
        .map(|(seq, m)| {
            json!({"job_id": id, "version": version, "seq": seq, "module": m.module,
                   "module_version": m.version, "main": u8::from(m.main), "packages": m.packages,
                   "hits": m.hits, "misses": m.misses, "miss_us": m.miss_us})
        })
        .collect();
    let causes: Vec<Value> = rec
        .causes
        .iter()
        .enumerate()
        .map(|(seq, c)| {
            json!({"job_id": id, "version": version, "seq": seq, "kind": c.kind,
                   "origin": c.origin, "misses": c.misses, "time_us": c.time_us})
        })
        .collect();
    let sections: Vec<Value> = rec
        .sections
        .iter()
        .enumerate()
        .map(|(seq, s)| {
            json!({"job_id": id, "version": version, "seq": seq, "name": s.name,
                   "start_us": s.start_us, "duration_us": s.duration_us})
        })
        .collect();
    let row = json!({
        "job_id": id, "version": version, "simulated": u8::from(j.simulated),
        "project": j.project, "pipeline": j.pipeline, "job": j.job, "job_name": j.job_name,
        "ref_name": j.ref_name, "commit_sha": j.commit, "runner": j.runner,
        "runner_description": j.runner_description, "executor": j.executor,
        "concurrent_id": j.concurrent_id, "project_dir": j.project_dir,
        "started_at": j.started_at, "wall_us": j.wall_us,
        "critical_path_us": j.critical_path_us, "busy_us": j.busy_us, "hits": j.hits,
        "misses": j.misses, "packages": j.packages, "miss_us": j.miss_us,
        "restore": j.restore.map(Restore::as_str), "restore_us": j.restore_us,
        "save_us": j.save_us, "go_version": j.go_version, "goos": j.goos,
        "goarch": j.goarch, "failed": u8::from(j.failed),
    });
    [misses, hits, modules, causes, sections, vec![row]]
}

/// The rows of one job, per table, in insert order (the job row last).
type Rows = [Vec<Value>; 6];
const TABLES: [&str; 6] = [
    "job_misses",
    "job_hits",
    "job_modules",
    "job_causes",
    "job_sections",
    "jobs",
];

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl Store for ClickHouse {
    fn add(&self, rec: &JobRecord) -> Result<(), StoreError> {
        self.add_many(std::slice::from_ref(rec))
    }

    fn add_many(&self, records: &[JobRecord]) -> Result<(), StoreError> {
        let mut all: Rows = Default::default();
        let base = now_ns();
        for (i, rec) in records.iter().enumerate() {
            // Later records of one batch win, as they would one by one.
            let rows = job_rows(rec, base + i as u64);
            for (acc, r) in all.iter_mut().zip(rows) {
                acc.extend(r);
            }
        }
        // Children first, the job rows last: a job is visible only once it is whole.
        for (table, rows) in TABLES.iter().zip(&all) {
            self.insert(table, rows)?;
        }
        Ok(())
    }

    fn prune(&self, before: i64) -> Result<i64, StoreError> {
        let db = &self.db;
        let n = self
            .select(
                "count jobs to prune",
                &format!("SELECT count() AS n FROM {db}.jobs FINAL WHERE started_at < {before}"),
            )?
            .first()
            .map_or(0, |r| int(&r["n"]));
        // Children of old versions go with them; mutations run in the background.
        self.exec(
            "prune jobs",
            &format!("ALTER TABLE {db}.jobs DELETE WHERE started_at < {before}"),
            None,
        )?;
        Ok(n)
    }

    fn export(
        &self,
        sink: &mut dyn FnMut(JobRecord) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let db = &self.db;
        let jobs = self.select(
            "read the jobs",
            &format!("SELECT * FROM {db}.jobs FINAL ORDER BY started_at, job_id"),
        )?;
        for r in jobs {
            let id = ch_quote(&text(&r["job_id"]));
            let v = int(&r["version"]);
            let child = |table: &str, order: &str| {
                self.select(
                    "read a job's rows",
                    &format!(
                        "SELECT * FROM {db}.{table} WHERE job_id = {id} AND version = {v} ORDER BY {order}"
                    ),
                )
            };
            let job = JobRow {
                job_id: text(&r["job_id"]),
                simulated: int(&r["simulated"]) != 0,
                project: opt_str(&r["project"]),
                pipeline: opt_str(&r["pipeline"]),
                job: opt_str(&r["job"]),
                job_name: opt_str(&r["job_name"]),
                ref_name: opt_str(&r["ref_name"]),
                commit: opt_str(&r["commit_sha"]),
                runner: opt_str(&r["runner"]),
                runner_description: opt_str(&r["runner_description"]),
                executor: opt_str(&r["executor"]),
                concurrent_id: opt_str(&r["concurrent_id"]),
                project_dir: opt_str(&r["project_dir"]),
                started_at: int(&r["started_at"]),
                wall_us: opt_int(&r["wall_us"]),
                critical_path_us: int(&r["critical_path_us"]),
                busy_us: int(&r["busy_us"]),
                hits: int(&r["hits"]),
                misses: int(&r["misses"]),
                packages: int(&r["packages"]),
                miss_us: int(&r["miss_us"]),
                restore: r["restore"].as_str().map(Restore::parse),
                restore_us: opt_int(&r["restore_us"]),
                save_us: opt_int(&r["save_us"]),
                go_version: opt_str(&r["go_version"]),
                goos: opt_str(&r["goos"]),
                goarch: opt_str(&r["goarch"]),
                failed: int(&r["failed"]) != 0,
            };
            let record = JobRecord {
                job,
                misses: child("job_misses", "seq")?
                    .iter()
                    .map(|m| MissRow {
                        mode: text(&m["mode"]),
                        package: text(&m["package"]),
                        cause: text(&m["cause"]),
                        duration_us: int(&m["duration_us"]),
                    })
                    .collect(),
                hits: child("job_hits", "mode, package")?
                    .iter()
                    .flat_map(|h| {
                        let row = HitRow {
                            mode: text(&h["mode"]),
                            package: text(&h["package"]),
                        };
                        std::iter::repeat_n(row, usize::try_from(int(&h["n"])).unwrap_or(0))
                    })
                    .collect(),
                modules: child("job_modules", "seq")?
                    .iter()
                    .map(|m| ModuleRow {
                        module: text(&m["module"]),
                        version: opt_str(&m["module_version"]),
                        main: int(&m["main"]) != 0,
                        packages: int(&m["packages"]),
                        hits: int(&m["hits"]),
                        misses: int(&m["misses"]),
                        miss_us: int(&m["miss_us"]),
                    })
                    .collect(),
                causes: child("job_causes", "seq")?
                    .iter()
                    .map(|c| CauseRow {
                        kind: text(&c["kind"]),
                        origin: opt_str(&c["origin"]),
                        misses: int(&c["misses"]),
                        time_us: int(&c["time_us"]),
                    })
                    .collect(),
                sections: child("job_sections", "seq")?
                    .iter()
                    .map(|s| SectionRow {
                        name: text(&s["name"]),
                        start_us: opt_int(&s["start_us"]),
                        duration_us: opt_int(&s["duration_us"]),
                    })
                    .collect(),
            };
            if let Err(e) = sink(record) {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(());
                }
                return Err(self.error("write the export", e.to_string()));
            }
        }
        Ok(())
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let db = &self.db;
        let rows = self.select(
            "count the jobs",
            &format!(
                "SELECT count() AS n, sum(simulated) AS s, min(started_at) AS a,
                   max(started_at) AS b FROM {db}.jobs FINAL"
            ),
        )?;
        let r = rows.first().cloned().unwrap_or(Value::Null);
        let jobs = int(&r["n"]);
        let bytes = self
            .select(
                "read the size",
                &format!(
                    "SELECT sum(bytes) AS b FROM system.parts WHERE database = {} AND active",
                    ch_quote(db)
                ),
            )
            .ok()
            .and_then(|rows| rows.first().map(|r| int(&r["b"]) as u64));
        Ok(Stats {
            jobs,
            simulated: int(&r["s"]),
            first: (jobs > 0).then(|| int(&r["a"])),
            last: (jobs > 0).then(|| int(&r["b"])),
            bytes,
            schema: SCHEMA_VERSION,
        })
    }

    fn bounds(&self, filter: &Filter) -> Result<Option<(i64, i64)>, StoreError> {
        let rows = self.select(
            "read the range",
            &format!(
                "SELECT count() AS n, min(started_at) AS a, max(started_at) AS b FROM ({})",
                self.jobs_sql(filter, "1")
            ),
        )?;
        Ok(rows
            .first()
            .filter(|r| int(&r["n"]) > 0)
            .map(|r| (int(&r["a"]), int(&r["b"]))))
    }

    fn aggregate(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
    ) -> Result<Vec<Vec<Aggregate>>, StoreError> {
        let db = &self.db;
        let live_all =
            format!("(job_id, version) IN (SELECT job_id, version FROM {db}.jobs FINAL)");
        // Each miss's price: element ⌊n/2⌋ (0-based) of its package's sorted durations.
        let prices = format!(
            "SELECT mode, package, goos, goarch,
               arrayElement(arraySort(groupArray(duration_us)), intDiv(count(), 2) + 1) AS price,
               toInt64(1) AS priced
             FROM {db}.job_misses WHERE {live_all} GROUP BY mode, package, goos, goarch"
        );
        let saved = format!(
            "SELECT job_id, sum(n * price) AS s, sum(n * (1 - priced)) AS unpriced
             FROM (SELECT job_id, mode, package, goos, goarch, n FROM {db}.job_hits
                   WHERE {live}) AS h
             ANY LEFT JOIN ({prices}) AS p USING (mode, package, goos, goarch)
             GROUP BY job_id",
            live = self.live(filter)
        );
        let sql = format!(
            "SELECT ki, k, count() AS t_jobs, sum(hits) AS t_hits, sum(misses) AS t_misses,
               sum(miss_us) AS t_miss_us, sum(saved_us) AS t_saved_us,
               sum(unpriced) AS t_unpriced, sum(cost_us) AS t_cost_us, ifNull(sum(wall_us + saved_us), 0) AS with_cache,
               ifNull(sum(wall_us + cost_us), 0) AS without_cache,
               countIf(ifNull(restore, 'none') = 'hit') AS r_hit,
               countIf(ifNull(restore, 'none') = 'miss') AS r_miss,
               countIf(ifNull(restore, 'none') = 'failed') AS r_failed,
               countIf(ifNull(restore, 'none') = 'none') AS r_none
             FROM (
               SELECT ki, k, hits, misses, miss_us, wall_us, restore, unpriced,
                 ifNull(restore_us, 0) + ifNull(save_us, 0) AS cost_us,
                 if(ifNull(wall_us, 0) > 0 AND busy_us > ifNull(wall_us, 0),
                    intDiv(s * ifNull(wall_us, 0), busy_us), s) AS saved_us
               FROM ({jobs}) AS j ANY LEFT JOIN ({saved}) AS s USING job_id)
             GROUP BY ki, k ORDER BY ki, k",
            jobs = self.jobs_keyed(filter, keys)
        );
        let rows = self.select("aggregate the jobs", &sql)?;
        Ok(by_key(keys, &rows, |r| Aggregate {
            key: text(&r["k"]),
            jobs: int(&r["t_jobs"]),
            hits: int(&r["t_hits"]),
            misses: int(&r["t_misses"]),
            miss_us: int(&r["t_miss_us"]),
            saved_us: int(&r["t_saved_us"]),
            unpriced_hits: int(&r["t_unpriced"]),
            cost_us: int(&r["t_cost_us"]),
            with_cache_us: int(&r["with_cache"]),
            without_cache_us: int(&r["without_cache"]),
            restore_hit: int(&r["r_hit"]),
            restore_miss: int(&r["r_miss"]),
            restore_failed: int(&r["r_failed"]),
            restore_none: int(&r["r_none"]),
        }))
    }

    fn miss_by_cause(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
    ) -> Result<Vec<Vec<CauseTime>>, StoreError> {
        // Each job's time per cause first (a few per job), then joined to its keys.
        let sql = format!(
            "SELECT ki, k, cause, sum(t_job) AS t
             FROM (SELECT job_id, cause, sum(duration_us) AS t_job FROM {db}.job_misses
                   WHERE {live} GROUP BY job_id, cause) AS m
             ALL INNER JOIN (SELECT job_id, ki, k FROM ({jobs})) AS j USING job_id
             GROUP BY ki, k, cause ORDER BY ki, k, cause",
            db = self.db,
            live = self.live(filter),
            jobs = self.jobs_keyed(filter, keys)
        );
        let rows = self.select("sum miss time by cause", &sql)?;
        Ok(by_key(keys, &rows, |r| {
            (text(&r["k"]), text(&r["cause"]), int(&r["t"]))
        }))
    }

    fn percentiles(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
        metric: Metric,
    ) -> Result<Vec<Vec<RankedValue>>, StoreError> {
        keys.iter()
            .map(|&key| self.percentiles_of(filter, key, metric))
            .collect()
    }
    fn cause_runners(&self, filter: &Filter) -> Result<Vec<CauseRunner>, StoreError> {
        let runner = GroupKey::Group(Dimension::Runner).sql(Dialect::ClickHouse);
        let sql = format!(
            "SELECT kind, origin, runner, uniqExact(job_id) AS jobs, sum(misses) AS t_misses,
               sum(time_us) AS t
             FROM (SELECT job_id, kind, origin, misses, time_us FROM {db}.job_causes
                   WHERE {live}) AS c
             ALL INNER JOIN (SELECT job_id, {runner} AS runner FROM ({jobs})) AS j USING job_id
             GROUP BY kind, origin, runner ORDER BY kind, origin, runner",
            db = self.db,
            live = self.live(filter),
            jobs = self.jobs_sql(filter, "1")
        );
        Ok(self
            .select("sum the causes", &sql)?
            .iter()
            .map(|r| CauseRunner {
                kind: text(&r["kind"]),
                origin: opt_str(&r["origin"]),
                runner: text(&r["runner"]),
                jobs: int(&r["jobs"]),
                misses: int(&r["t_misses"]),
                time_us: int(&r["t"]),
            })
            .collect())
    }

    fn packages(&self, filter: &Filter, limit: i64) -> Result<Vec<PackageTotal>, StoreError> {
        let sql = format!(
            "SELECT package, mode, count() AS n, sum(duration_us) AS t, uniqExact(job_id) AS jobs
             FROM {db}.job_misses WHERE {live}
             GROUP BY package, mode ORDER BY t DESC, package, mode LIMIT {limit}",
            db = self.db,
            live = self.live(filter)
        );
        Ok(self
            .select("sum the packages", &sql)?
            .iter()
            .map(|r| PackageTotal {
                package: text(&r["package"]),
                mode: text(&r["mode"]),
                misses: int(&r["n"]),
                time_ms: us_to_ms(int(&r["t"])),
                jobs: int(&r["jobs"]),
            })
            .collect())
    }

    fn groups(
        &self,
        filter: &Filter,
        dim: Dimension,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let k = GroupKey::Group(dim).sql(Dialect::ClickHouse);
        let sql = format!(
            "SELECT k, count() AS n FROM ({}) GROUP BY k ORDER BY n DESC, k LIMIT {limit}",
            self.jobs_sql(filter, &k)
        );
        Ok(self
            .select("list the groups", &sql)?
            .iter()
            .map(|r| text(&r["k"]))
            .collect())
    }
}

impl ClickHouse {
    /// One key's ranks: every job's value in one sorted array per key value.
    fn percentiles_of(
        &self,
        filter: &Filter,
        key: GroupKey,
        metric: Metric,
    ) -> Result<Vec<RankedValue>, StoreError> {
        let k = key.sql(Dialect::ClickHouse);
        // Sorted by the value, as SQLite's window does; the integers come back.
        let (x, num, den, present) = match metric {
            Metric::HitRate => (
                "hits / (hits + misses)",
                "hits",
                "hits + misses",
                "hits + misses > 0",
            ),
            Metric::WallUs => (
                "assumeNotNull(wall_us)",
                "assumeNotNull(wall_us)",
                "toInt64(1)",
                "isNotNull(wall_us)",
            ),
            Metric::RestoreUs => (
                "assumeNotNull(restore_us)",
                "assumeNotNull(restore_us)",
                "toInt64(1)",
                "isNotNull(restore_us)",
            ),
        };
        let picks = LEVELS
            .iter()
            .map(|l| {
                format!(
                    "arrayElement(sorted, least(intDiv(count() * {l}, 100), count() - 1) + 1) AS p{l}"
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT k, count() AS n, arraySort(x -> tupleElement(x, 1), groupArray(tuple(toFloat64({x}), toInt64({num}), toInt64({den})))) AS sorted, {picks}
             FROM ({jobs}) WHERE {present} GROUP BY k ORDER BY k",
            jobs = self.jobs_sql(filter, &k)
        );
        let mut out = Vec::new();
        for r in self.select("rank the jobs", &sql)? {
            let n = int(&r["n"]);
            for l in LEVELS {
                let p = &r[format!("p{l}")];
                let (num, den) = (int(&p[1]), int(&p[2]));
                if den != 0 {
                    out.push(RankedValue {
                        key: text(&r["k"]),
                        rank: rank_of(l, n),
                        n,
                        value: num as f64 / den as f64,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Rows with a key index `ki` split into one list per key, in order.
fn by_key<T>(keys: &[GroupKey], rows: &[Value], row: impl Fn(&Value) -> T) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = keys.iter().map(|_| Vec::new()).collect();
    for r in rows {
        if let Some(list) = usize::try_from(int(&r["ki"]))
            .ok()
            .and_then(|i| out.get_mut(i))
        {
            list.push(row(r));
        }
    }
    out
}
