//! The SQLite history (one file, the default): schema version and migrations, WAL and a busy
//! timeout so concurrent `history add` processes all land, one transaction per job, and the
//! dashboard's aggregations as SQL: the filtered jobs once into a narrow temporary table
//! and their sums per (day, CI group), the child rows from the rollups (`rollup.rs`), each
//! package's price from a cache `history add` keeps, and one sorted pass per percentile
//! metric for every key at once.
//!
//! A file that is not a database, not a goattrib history, or from a newer schema is refused
//! with one line and never touched.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params, params_from_iter};
use sha2::Digest;

use super::query::Dialect;
use super::{
    Aggregate, CauseRunner, CauseTime, Dimension, Filter, GroupKey, LEVELS, Metric, RankedValue,
    Stats, Store, StoreError, rank_of,
};
use crate::model::history::{
    CauseRow, HitRow, JobRecord, JobRow, MissRow, ModuleRow, PackageTotal, Restore, SectionRow,
    us_to_ms,
};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 3;

mod rollup;

/// Migrations: entry `i` takes a file from version `i` to `i + 1` (0 = empty file).
fn migrations() -> [String; 3] {
    [
        MIGRATION_1.to_owned(),
        rollup::migration_2(),
        rollup::migration_3(),
    ]
}

/// Version 1: the jobs and their child rows.
const MIGRATION_1: &str = r#"
CREATE TABLE goattrib_schema (version INTEGER NOT NULL);
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  job_id TEXT NOT NULL UNIQUE,
  simulated INTEGER NOT NULL,
  project TEXT, pipeline TEXT, job TEXT, job_name TEXT, ref_name TEXT, commit_sha TEXT,
  runner TEXT, runner_description TEXT, executor TEXT, concurrent_id TEXT, project_dir TEXT,
  started_at INTEGER NOT NULL,
  wall_us INTEGER, critical_path_us INTEGER NOT NULL, busy_us INTEGER NOT NULL,
  hits INTEGER NOT NULL, misses INTEGER NOT NULL, packages INTEGER NOT NULL,
  miss_us INTEGER NOT NULL,
  restore TEXT, restore_us INTEGER, save_us INTEGER,
  go_version TEXT, goos TEXT, goarch TEXT, failed INTEGER NOT NULL,
  hitset INTEGER REFERENCES hitsets (id)
);
CREATE INDEX jobs_started_at ON jobs (started_at);
-- One row per (mode, package, GOOS, GOARCH): what a hit is priced by.
CREATE TABLE pkgs (
  id INTEGER PRIMARY KEY,
  mode TEXT NOT NULL, package TEXT NOT NULL, goos TEXT NOT NULL, goarch TEXT NOT NULL,
  UNIQUE (mode, package, goos, goarch)
);
CREATE TABLE job_modules (
  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  module TEXT NOT NULL, version TEXT, main INTEGER NOT NULL, packages INTEGER NOT NULL,
  hits INTEGER NOT NULL, misses INTEGER NOT NULL, miss_us INTEGER NOT NULL,
  PRIMARY KEY (job, seq)
) WITHOUT ROWID;
CREATE TABLE job_causes (
  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  kind TEXT NOT NULL, origin TEXT, misses INTEGER NOT NULL, time_us INTEGER NOT NULL,
  PRIMARY KEY (job, seq)
) WITHOUT ROWID;
CREATE TABLE job_misses (
  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  pkg INTEGER NOT NULL REFERENCES pkgs (id), cause TEXT NOT NULL, duration_us INTEGER NOT NULL,
  PRIMARY KEY (job, seq)
) WITHOUT ROWID;
CREATE INDEX job_misses_price ON job_misses (pkg, duration_us);
-- A job's cache hits, stored once per distinct set (most jobs of a project share a few):
-- the savings are priced per set, not per job.
CREATE TABLE hitsets (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE hitset_pkgs (
  hitset INTEGER NOT NULL REFERENCES hitsets (id), pkg INTEGER NOT NULL REFERENCES pkgs (id),
  n INTEGER NOT NULL,
  PRIMARY KEY (hitset, pkg)
) WITHOUT ROWID;
-- Miss time per job and cause: the dashboard's stacked bars without a scan of every miss.
CREATE TABLE job_cause_time (
  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, cause TEXT NOT NULL,
  time_us INTEGER NOT NULL,
  PRIMARY KEY (job, cause)
) WITHOUT ROWID;
CREATE TABLE job_sections (
  job INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
  name TEXT NOT NULL, start_us INTEGER, duration_us INTEGER,
  PRIMARY KEY (job, seq)
) WITHOUT ROWID;
INSERT INTO goattrib_schema (version) VALUES (0);
"#;

pub struct Sqlite {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// The filter `temp.f` holds the jobs of (a dashboard asks many questions of one).
    filtered: Mutex<Option<Filter>>,
}

impl Sqlite {
    /// Opens (and with `create`, makes or migrates) the history file.
    pub fn open(path: &Path, create: bool) -> Result<Sqlite, StoreError> {
        let path_buf = path.to_path_buf();
        if !create && !path.exists() {
            return Err(StoreError::Missing { path: path_buf });
        }
        let err = |what: &'static str| {
            let path = path_buf.clone();
            move |source| StoreError::Sqlite { what, path, source }
        };
        let flags = if create {
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(err("open the file"))?;
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(err("set the busy timeout"))?;
        // Every statement `history add` runs per job stays prepared.
        conn.set_prepared_statement_cache_capacity(64);
        let store = Sqlite {
            path: path_buf.clone(),
            conn: Mutex::new(conn),
            filtered: Mutex::new(None),
        };
        let version = store.version()?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: path_buf,
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        {
            let conn = store.lock();
            // Temporary tables and sorts in a file behind a bounded cache: memory does not grow with
            // the number of jobs.
            conn.execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768; PRAGMA temp_store = FILE;
                 PRAGMA temp.cache_size = -32768",
            )
            .map_err(err("enable foreign keys"))?;
            if create {
                // WAL: readers never block the writer, and a killed writer loses only its
                // own open transaction.
                switch_to_wal(&conn).map_err(err("switch to WAL"))?;
                conn.pragma_update(None, "synchronous", "NORMAL")
                    .map_err(err("set synchronous"))?;
            }
        }
        if version < SCHEMA_VERSION {
            if !create {
                if version == 0 {
                    return Err(StoreError::NotHistory {
                        path: path_buf,
                        what: "it has no goattrib tables".to_owned(),
                    });
                }
                // An older goattrib's history: a reader brings it up to date first.
                drop(store);
                return Sqlite::open(path, true);
            }
            store.migrate()?;
            // Migration 3 leaves the hit prices to compute.
            store.settle()?;
        }
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: take it anyway.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn sql_err(&self, what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |source| match &source {
            rusqlite::Error::SqliteFailure(e, _)
                if matches!(
                    e.code,
                    rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
                ) =>
            {
                StoreError::NotHistory {
                    path: self.path.clone(),
                    what: source.to_string(),
                }
            }
            _ => StoreError::Sqlite {
                what,
                path: self.path.clone(),
                source,
            },
        }
    }

    /// The file's schema version: 0 for an empty database.
    fn version(&self) -> Result<i64, StoreError> {
        let conn = self.lock();
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(self.sql_err("read the schema"))?;
        if tables == 0 {
            return Ok(0);
        }
        let has: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'goattrib_schema'",
                [],
                |r| r.get(0),
            )
            .map_err(self.sql_err("read the schema"))?;
        if has == 0 {
            return Err(StoreError::NotHistory {
                path: self.path.clone(),
                what: "a SQLite database without a goattrib_schema table".to_owned(),
            });
        }
        conn.query_row("SELECT max(version) FROM goattrib_schema", [], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .map(|v| v.unwrap_or(0))
        .map_err(self.sql_err("read the schema version"))
    }

    /// Brings the file to [`SCHEMA_VERSION`] in one transaction; concurrent openers wait on
    /// the write lock and find the work done.
    fn migrate(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql_err("start the migration"))?;
        let has: i64 = tx
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'goattrib_schema'",
                [],
                |r| r.get(0),
            )
            .map_err(self.sql_err("read the schema"))?;
        let mut version: i64 = if has == 0 {
            0
        } else {
            tx.query_row("SELECT max(version) FROM goattrib_schema", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map_err(self.sql_err("read the schema version"))?
            .unwrap_or(0)
        };
        while version < SCHEMA_VERSION {
            let step = usize::try_from(version).unwrap_or(usize::MAX);
            let Some(sql) = migrations().into_iter().nth(step) else {
                break;
            };
            tx.execute_batch(&sql)
                .map_err(self.sql_err("migrate the schema"))?;
            version += 1;
            tx.execute("UPDATE goattrib_schema SET version = ?1", [version])
                .map_err(self.sql_err("record the schema version"))?;
        }
        tx.commit().map_err(self.sql_err("commit the migration"))
    }

    fn with_filter<T>(
        &self,
        filter: &Filter,
        sql: impl FnOnce(&str) -> String,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let (cond, values) = filter.conditions();
        let sql = sql(&cond);
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&sql)
            .map_err(self.sql_err("prepare a query"))?;
        let rows = stmt
            .query_map(params_from_iter(values.iter()), row)
            .map_err(self.sql_err("run a query"))?;
        rows.collect::<Result<Vec<T>, _>>()
            .map_err(self.sql_err("read a query's rows"))
    }
}

impl Sqlite {
    /// Makes `temp.f` hold the jobs `filter` keeps (with the prices of their hits) and
    /// `temp.fd` their sums per day and CI group, unless they already do.
    fn filter_jobs(&self, filter: &Filter) -> Result<(), StoreError> {
        let mut done = self.filtered.lock().unwrap_or_else(|p| p.into_inner());
        if done.as_ref() == Some(filter) {
            return Ok(());
        }
        let conn = self.lock();
        let t = super::sql_log::start();
        make_prices(&conn).map_err(self.sql_err("price the hits"))?;
        super::sql_log::record(t, "sqlite", "-- make_prices", None, None);
        self.batch(&conn, "price the hits", PRICES)?;
        let (cond, values) = filter.conditions();
        self.batch(&conn, "select the jobs", FILTERED)?;
        let t = super::sql_log::start();
        let fill = fill_filtered(&cond);
        conn.execute(&fill, params_from_iter(values.iter()))
            .map_err(self.sql_err("select the jobs"))?;
        super::sql_log::record(t, "sqlite", &fill, None, None);
        self.batch(&conn, "sum the jobs", &by_day())?;
        *done = Some(filter.clone());
        Ok(())
    }

    fn rows<T>(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let t = super::sql_log::start();
        let conn = self.lock();
        let mut stmt = conn.prepare(sql).map_err(self.sql_err("prepare a query"))?;
        let rows = stmt
            .query_map(params, row)
            .map_err(self.sql_err("run a query"))?;
        let out = rows
            .collect::<Result<Vec<T>, _>>()
            .map_err(self.sql_err("read a query's rows"));
        super::sql_log::record(t, "sqlite", sql, None, None);
        out
    }

    /// Runs statements without rows, logged like queries.
    fn batch(&self, conn: &Connection, what: &'static str, sql: &str) -> Result<(), StoreError> {
        let t = super::sql_log::start();
        conn.execute_batch(sql).map_err(self.sql_err(what))?;
        super::sql_log::record(t, "sqlite", sql, None, None);
        Ok(())
    }

    /// Prices every package whose cached price a job's misses made stale, in one write
    /// transaction (so no job committed meanwhile is missed: its own transaction made the
    /// price stale again).
    fn settle_prices(&self) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql_err("start a transaction"))?;
        let t = super::sql_log::start();
        price_stale(&tx, "main.pkg_prices").map_err(self.sql_err("price the packages"))?;
        super::sql_log::record(t, "sqlite", "-- settle prices", None, None);
        tx.commit().map_err(self.sql_err("commit the prices"))
    }
}

/// The CI columns of a rollup row (`r` joined to its group `g`), named as in `jobs`, with
/// the day's start as `started_at`: the group and period keys read the same.
const ROLLED_COLS: &str = "r.day * 86400 AS started_at, g.project, g.ref_name, g.job_name,
    g.executor, g.runner, g.runner_description";
/// The same for a weekly rollup row, with its Monday as `started_at`.
const WEEKLY_COLS: &str = "(r.week * 7 - 3) * 86400 AS started_at, g.project, g.ref_name,
    g.job_name, g.executor, g.runner, g.runner_description";
const JOB_COLS: &str = "jobs.started_at, jobs.project, jobs.ref_name, jobs.job_name,
    jobs.executor, jobs.runner, jobs.runner_description";
/// The CI columns of `g` beside the rows of `temp.f` (`f`) or `temp.fd` (`fd`).
const GROUP_COLS: &str =
    "g.project, g.ref_name, g.job_name, g.executor, g.runner, g.runner_description";

/// The filtered jobs, narrow, with what each one's cache saved and cost (`temp.f`): made
/// once per filter, then every per-job question of a dashboard (ranks) reads it instead of
/// the wide `jobs` rows, and its sums per (day, CI group) go to `temp.fd`, which every
/// total reads. Savings: each hit set's priced hits (`hitset_saved`), over the job's
/// parallelism.
const FILTERED: &str = "
    DROP TABLE IF EXISTS temp.f;
    CREATE TEMP TABLE f (
      id INTEGER PRIMARY KEY, started_at INTEGER, grp INTEGER, hits INTEGER, misses INTEGER,
      miss_us INTEGER, wall_us INTEGER, restore TEXT, restore_us INTEGER, cost_us INTEGER,
      unpriced INTEGER, saved_us INTEGER);";

fn fill_filtered(cond: &str) -> String {
    format!(
        "INSERT INTO temp.f SELECT id, started_at, grp, hits, misses, miss_us, wall_us, restore,
           restore_us, coalesce(restore_us, 0) + coalesce(save_us, 0), coalesce(hs.unpriced, 0),
           CASE WHEN wall_us > 0 AND busy_us > wall_us
             THEN coalesce(hs.s, 0) * wall_us / busy_us ELSE coalesce(hs.s, 0) END
         FROM jobs LEFT JOIN temp.hitset_saved hs ON hs.hitset = jobs.hitset WHERE {cond}"
    )
}

/// `temp.fd`: the sums of `temp.f` per UTC day and CI group, with how many jobs have each
/// percentile's value (what [`Sqlite::percentiles`] ranks among).
fn by_day() -> String {
    format!(
        "DROP TABLE IF EXISTS temp.fd;
         CREATE TEMP TABLE fd AS SELECT {day} AS day, grp, count(*) AS jobs,
           sum(hits) AS hits, sum(misses) AS misses, sum(miss_us) AS miss_us,
           sum(saved_us) AS saved_us, sum(unpriced) AS unpriced, sum(cost_us) AS cost_us,
           sum(wall_us + saved_us) AS with_cache, sum(wall_us + cost_us) AS without_cache,
           count(CASE WHEN restore = 'hit' THEN 1 END) AS r_hit,
           count(CASE WHEN restore = 'miss' THEN 1 END) AS r_miss,
           count(CASE WHEN restore = 'failed' THEN 1 END) AS r_failed,
           count(CASE WHEN restore IS NULL OR restore = 'none' THEN 1 END) AS r_none,
           count(CASE WHEN hits + misses > 0 THEN 1 END) AS n_rate,
           count(wall_us) AS n_wall, count(restore_us) AS n_restore
         FROM temp.f GROUP BY 1, 2;",
        day = "((started_at - (((started_at % 86400) + 86400) % 86400)) / 86400)"
    )
}

/// `temp.fd` with its CI columns and the day's start as `started_at`, so group and period
/// keys read as over `jobs`.
fn by_day_keyed() -> String {
    format!(
        "(SELECT fd.day * 86400 AS started_at, {GROUP_COLS}, fd.* FROM temp.fd
           JOIN job_groups g ON g.id = fd.grp)"
    )
}

/// A package's price: element ⌊n/2⌋ of its misses' sorted durations, from the
/// `(pkg, duration_us)` index (a window over every miss sorts them all: 40× slower at
/// 100k jobs); `None` when it never missed.
fn price_of(conn: &Connection, pkg: i64) -> rusqlite::Result<Option<i64>> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM job_misses WHERE pkg = ?1")?
        .query_row([pkg], |r| r.get(0))?;
    if n == 0 {
        return Ok(None);
    }
    conn.prepare_cached(
        "SELECT duration_us FROM job_misses WHERE pkg = ?1 ORDER BY duration_us
         LIMIT 1 OFFSET ?2",
    )?
    .query_row(params![pkg, n / 2], |r| r.get(0))
    .optional()
}

/// Prices the packages that have no row in `main.pkg_prices` into `table` (that one, or
/// the dashboard's own temporary copy). SQLite takes no correlated OFFSET, so the loop
/// over packages (one row each) is ours.
fn price_stale(conn: &Connection, table: &str) -> rusqlite::Result<()> {
    let stale: Vec<i64> = conn
        .prepare("SELECT id FROM pkgs WHERE id NOT IN (SELECT pkg FROM main.pkg_prices)")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut ins = conn.prepare(&format!("INSERT INTO {table} (pkg, price) VALUES (?1, ?2)"))?;
    for pkg in stale {
        ins.execute(params![pkg, price_of(conn, pkg)?])?;
    }
    Ok(())
}

/// Each package's price (the median duration of that package's misses anywhere in the
/// history, same mode, GOOS and GOARCH) in `temp.prices`, once per connection: the cached
/// ones (`pkg_prices`, kept by `history add`), and those a job made stale since, computed
/// here (a dashboard only reads the file).
fn make_prices(conn: &Connection) -> rusqlite::Result<()> {
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM temp.sqlite_master WHERE name = 'prices'",
        [],
        |r| r.get(0),
    )?;
    if exists > 0 {
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TEMP TABLE prices (pkg INTEGER PRIMARY KEY, price INTEGER);
         INSERT INTO temp.prices SELECT pkg, price FROM main.pkg_prices;",
    )?;
    price_stale(conn, "temp.prices")
}

const PRICES: &str = "
    CREATE TEMP TABLE IF NOT EXISTS hitset_saved AS
      SELECT h.hitset, sum(p.price * h.n) AS s,
        sum(CASE WHEN p.price IS NULL THEN h.n ELSE 0 END) AS unpriced
      FROM hitset_pkgs h LEFT JOIN temp.prices p ON p.pkg = h.pkg GROUP BY h.hitset;
    CREATE INDEX IF NOT EXISTS temp.hitset_saved_id ON hitset_saved (hitset);";

/// Turns WAL on once per file. Changing the journal mode does not wait on the busy handler
/// when another process holds the file, so a first write from several processes at once
/// retries here for up to a minute.
fn switch_to_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let mode: rusqlite::Result<String> =
            conn.query_row("PRAGMA journal_mode", [], |r| r.get(0));
        let result = match mode {
            Ok(m) if m.eq_ignore_ascii_case("wal") => return Ok(()),
            Ok(_) => conn.pragma_update(None, "journal_mode", "WAL"),
            Err(e) => Err(e),
        };
        match result {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(e),
            Ok(()) => {}
        }
    }
}

fn restore_text(r: Option<Restore>) -> Option<&'static str> {
    r.map(Restore::as_str)
}

/// Whether a query keyed by `key` may read the weekly rollups: not by day or month, which
/// a week can straddle.
fn weekly(key: GroupKey) -> bool {
    !matches!(
        key,
        GroupKey::Period(super::Bucket::Day | super::Bucket::Month)
    )
}

impl Store for Sqlite {
    fn add(&self, rec: &JobRecord) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql_err("start a transaction"))?;
        let j = &rec.job;
        let e = |w| self.sql_err(w);
        let old: Option<i64> = tx
            .query_row("SELECT id FROM jobs WHERE job_id = ?1", [&j.job_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(e("replace the job"))?;
        // The prices of the packages a job misses change with it.
        let stale =
            "DELETE FROM pkg_prices WHERE pkg IN (SELECT pkg FROM job_misses WHERE job = ?1)";
        if let Some(old) = old {
            tx.prepare_cached(stale)
                .and_then(|mut st| st.execute([old]))
                .map_err(e("replace the job"))?;
            rollup::roll_job(&tx, old, -1).map_err(e("update the rollups"))?;
            tx.execute("DELETE FROM jobs WHERE id = ?1", [old])
                .map_err(e("replace the job"))?;
        }
        tx.execute(
            "INSERT INTO jobs (job_id, simulated, project, pipeline, job, job_name, ref_name,
               commit_sha, runner, runner_description, executor, concurrent_id, project_dir,
               started_at, wall_us, critical_path_us, busy_us, hits, misses, packages, miss_us,
               restore, restore_us, save_us, go_version, goos, goarch, failed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
               ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)",
            params![
                j.job_id,
                j.simulated,
                j.project,
                j.pipeline,
                j.job,
                j.job_name,
                j.ref_name,
                j.commit,
                j.runner,
                j.runner_description,
                j.executor,
                j.concurrent_id,
                j.project_dir,
                j.started_at,
                j.wall_us,
                j.critical_path_us,
                j.busy_us,
                j.hits,
                j.misses,
                j.packages,
                j.miss_us,
                restore_text(j.restore),
                j.restore_us,
                j.save_us,
                j.go_version,
                j.goos,
                j.goarch,
                j.failed,
            ],
        )
        .map_err(e("insert the job"))?;
        let id = tx.last_insert_rowid();
        let goos = j.goos.as_deref().unwrap_or("");
        let goarch = j.goarch.as_deref().unwrap_or("");
        {
            let mut intern = tx
                .prepare_cached(
                    "INSERT INTO pkgs (mode, package, goos, goarch) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT DO UPDATE SET mode = excluded.mode RETURNING id",
                )
                .map_err(e("prepare the package insert"))?;
            let mut pkg = |mode: &str, package: &str| -> Result<i64, StoreError> {
                intern
                    .query_row(params![mode, package, goos, goarch], |r| r.get(0))
                    .map_err(e("insert a package"))
            };
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO job_misses (job, seq, pkg, cause, duration_us)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(e("prepare the miss insert"))?;
            for (seq, m) in rec.misses.iter().enumerate() {
                let p = pkg(&m.mode, &m.package)?;
                ins.execute(params![id, seq as i64, p, m.cause, m.duration_us])
                    .map_err(e("insert a miss"))?;
            }
            let mut by_cause = std::collections::BTreeMap::<&str, i64>::new();
            for m in &rec.misses {
                *by_cause.entry(m.cause.as_str()).or_default() += m.duration_us;
            }
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO job_cause_time (job, cause, time_us) VALUES (?1, ?2, ?3)",
                )
                .map_err(e("prepare the cause time insert"))?;
            for (cause, us) in by_cause {
                ins.execute(params![id, cause, us])
                    .map_err(e("insert a cause time"))?;
            }
            let mut counts = std::collections::BTreeMap::<i64, i64>::new();
            for h in &rec.hits {
                *counts.entry(pkg(&h.mode, &h.package)?).or_default() += 1;
            }
            if !counts.is_empty() {
                let key: String = counts.iter().map(|(p, n)| format!("{p}:{n},")).collect();
                let digest = sha2::Sha256::digest(key.as_bytes());
                let key: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                let known: Option<i64> = tx
                    .query_row("SELECT id FROM hitsets WHERE key = ?1", [&key], |r| {
                        r.get(0)
                    })
                    .optional()
                    .map_err(e("look up the hit set"))?;
                let set = match known {
                    Some(set) => set,
                    None => {
                        tx.execute("INSERT INTO hitsets (key) VALUES (?1)", [&key])
                            .map_err(e("insert a hit set"))?;
                        let set = tx.last_insert_rowid();
                        let mut ins = tx
                            .prepare_cached(
                                "INSERT INTO hitset_pkgs (hitset, pkg, n) VALUES (?1, ?2, ?3)",
                            )
                            .map_err(e("prepare the hit insert"))?;
                        for (p, n) in &counts {
                            ins.execute(params![set, p, n]).map_err(e("insert a hit"))?;
                        }
                        set
                    }
                };
                tx.execute(
                    "UPDATE jobs SET hitset = ?1 WHERE id = ?2",
                    params![set, id],
                )
                .map_err(e("link the hit set"))?;
            }
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO job_modules (job, seq, module, version, main, packages, hits,
                       misses, miss_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )
                .map_err(e("prepare the module insert"))?;
            for (seq, m) in rec.modules.iter().enumerate() {
                ins.execute(params![
                    id, seq as i64, m.module, m.version, m.main, m.packages, m.hits, m.misses,
                    m.miss_us
                ])
                .map_err(e("insert a module"))?;
            }
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO job_causes (job, seq, kind, origin, misses, time_us)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(e("prepare the cause insert"))?;
            for (seq, c) in rec.causes.iter().enumerate() {
                ins.execute(params![
                    id, seq as i64, c.kind, c.origin, c.misses, c.time_us
                ])
                .map_err(e("insert a cause"))?;
            }
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO job_sections (job, seq, name, start_us, duration_us)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(e("prepare the section insert"))?;
            for (seq, s) in rec.sections.iter().enumerate() {
                ins.execute(params![id, seq as i64, s.name, s.start_us, s.duration_us])
                    .map_err(e("insert a section"))?;
            }
        }
        tx.prepare_cached(stale)
            .and_then(|mut st| st.execute([id]))
            .map_err(e("insert the job"))?;
        rollup::roll_job(&tx, id, 1).map_err(e("update the rollups"))?;
        tx.commit().map_err(e("commit the job"))
    }

    fn prune(&self, before: i64) -> Result<i64, StoreError> {
        let mut guard = self.lock();
        // One transaction: the rollups never disagree with the jobs.
        let conn = guard
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(self.sql_err("start a transaction"))?;
        let n = conn
            .execute("DELETE FROM jobs WHERE started_at < ?1", [before])
            .map_err(self.sql_err("prune jobs"))?;
        rollup::after_prune(&conn, before).map_err(self.sql_err("update the rollups"))?;
        conn.execute(
            "DELETE FROM hitset_pkgs WHERE hitset NOT IN
               (SELECT hitset FROM jobs WHERE hitset IS NOT NULL)",
            [],
        )
        .map_err(self.sql_err("prune hit sets"))?;
        conn.execute(
            "DELETE FROM hitsets WHERE id NOT IN (SELECT hitset FROM jobs WHERE hitset IS NOT NULL)",
            [],
        )
        .map_err(self.sql_err("prune hit sets"))?;
        conn.execute(
            "DELETE FROM pkgs WHERE id NOT IN (SELECT pkg FROM job_misses)
               AND id NOT IN (SELECT pkg FROM hitset_pkgs)",
            [],
        )
        .map_err(self.sql_err("prune packages"))?;
        conn.execute("DELETE FROM pkg_prices", [])
            .and_then(|_| price_stale(&conn, "main.pkg_prices"))
            .map_err(self.sql_err("price the packages"))?;
        conn.commit().map_err(self.sql_err("commit the prune"))?;
        Ok(n as i64)
    }

    fn export(
        &self,
        sink: &mut dyn FnMut(JobRecord) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        let conn = self.lock();
        let e = |w| self.sql_err(w);
        let mut jobs = conn
            .prepare(
                "SELECT id, job_id, simulated, project, pipeline, job, job_name, ref_name,
                   commit_sha, runner, runner_description, executor, concurrent_id, project_dir,
                   started_at, wall_us, critical_path_us, busy_us, hits, misses, packages,
                   miss_us, restore, restore_us, save_us, go_version, goos, goarch, failed
                 FROM jobs ORDER BY started_at, job_id",
            )
            .map_err(e("prepare the export"))?;
        let mut rows = jobs.query([]).map_err(e("read the jobs"))?;
        let mut misses = conn
            .prepare(
                "SELECT p.mode, p.package, m.cause, m.duration_us FROM job_misses m
                 JOIN pkgs p ON p.id = m.pkg WHERE m.job = ?1 ORDER BY m.seq",
            )
            .map_err(e("prepare the export"))?;
        let mut hits = conn
            .prepare(
                "SELECT p.mode, p.package, h.n FROM jobs j JOIN hitset_pkgs h ON h.hitset = j.hitset
                 JOIN pkgs p ON p.id = h.pkg WHERE j.id = ?1 ORDER BY p.mode, p.package",
            )
            .map_err(e("prepare the export"))?;
        let mut modules = conn
            .prepare(
                "SELECT module, version, main, packages, hits, misses, miss_us FROM job_modules
                 WHERE job = ?1 ORDER BY seq",
            )
            .map_err(e("prepare the export"))?;
        let mut causes = conn
            .prepare(
                "SELECT kind, origin, misses, time_us FROM job_causes WHERE job = ?1 ORDER BY seq",
            )
            .map_err(e("prepare the export"))?;
        let mut sections = conn
            .prepare(
                "SELECT name, start_us, duration_us FROM job_sections WHERE job = ?1 ORDER BY seq",
            )
            .map_err(e("prepare the export"))?;
        while let Some(r) = rows.next().map_err(e("read the jobs"))? {
            let id: i64 = r.get(0).map_err(e("read a job"))?;
            let job = (|| -> rusqlite::Result<JobRow> {
                Ok(JobRow {
                    job_id: r.get(1)?,
                    simulated: r.get(2)?,
                    project: r.get(3)?,
                    pipeline: r.get(4)?,
                    job: r.get(5)?,
                    job_name: r.get(6)?,
                    ref_name: r.get(7)?,
                    commit: r.get(8)?,
                    runner: r.get(9)?,
                    runner_description: r.get(10)?,
                    executor: r.get(11)?,
                    concurrent_id: r.get(12)?,
                    project_dir: r.get(13)?,
                    started_at: r.get(14)?,
                    wall_us: r.get(15)?,
                    critical_path_us: r.get(16)?,
                    busy_us: r.get(17)?,
                    hits: r.get(18)?,
                    misses: r.get(19)?,
                    packages: r.get(20)?,
                    miss_us: r.get(21)?,
                    restore: r.get::<_, Option<String>>(22)?.map(|s| Restore::parse(&s)),
                    restore_us: r.get(23)?,
                    save_us: r.get(24)?,
                    go_version: r.get(25)?,
                    goos: r.get(26)?,
                    goarch: r.get(27)?,
                    failed: r.get(28)?,
                })
            })()
            .map_err(e("read a job"))?;
            let misses = misses
                .query_map([id], |r| {
                    Ok(MissRow {
                        mode: r.get(0)?,
                        package: r.get(1)?,
                        cause: r.get(2)?,
                        duration_us: r.get(3)?,
                    })
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(e("read a job's misses"))?;
            let hits = hits
                .query_map([id], |r| {
                    let n: i64 = r.get(2)?;
                    Ok((
                        HitRow {
                            mode: r.get(0)?,
                            package: r.get(1)?,
                        },
                        n,
                    ))
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(e("read a job's hits"))?
                .into_iter()
                .flat_map(|(h, n)| std::iter::repeat_n(h, usize::try_from(n).unwrap_or(0)))
                .collect();
            let modules = modules
                .query_map([id], |r| {
                    Ok(ModuleRow {
                        module: r.get(0)?,
                        version: r.get(1)?,
                        main: r.get(2)?,
                        packages: r.get(3)?,
                        hits: r.get(4)?,
                        misses: r.get(5)?,
                        miss_us: r.get(6)?,
                    })
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(e("read a job's modules"))?;
            let causes = causes
                .query_map([id], |r| {
                    Ok(CauseRow {
                        kind: r.get(0)?,
                        origin: r.get(1)?,
                        misses: r.get(2)?,
                        time_us: r.get(3)?,
                    })
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(e("read a job's causes"))?;
            let sections = sections
                .query_map([id], |r| {
                    Ok(SectionRow {
                        name: r.get(0)?,
                        start_us: r.get(1)?,
                        duration_us: r.get(2)?,
                    })
                })
                .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
                .map_err(e("read a job's sections"))?;
            let record = JobRecord {
                job,
                modules,
                causes,
                misses,
                hits,
                sections,
            };
            if let Err(err) = sink(record) {
                if err.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(());
                }
                return Err(StoreError::Sqlite {
                    what: "write the export",
                    path: self.path.clone(),
                    source: rusqlite::Error::ToSqlConversionFailure(Box::new(err)),
                });
            }
        }
        Ok(())
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        let conn = self.lock();
        let (jobs, simulated, first, last) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(simulated), 0), min(started_at), max(started_at)
                 FROM jobs",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .map_err(self.sql_err("count the jobs"))?;
        drop(conn);
        let wal = {
            let mut p = self.path.clone().into_os_string();
            p.push("-wal");
            std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
        };
        Ok(Stats {
            jobs,
            simulated,
            first,
            last,
            bytes: std::fs::metadata(&self.path).ok().map(|m| m.len() + wal),
            schema: SCHEMA_VERSION,
        })
    }

    fn bounds(&self, filter: &Filter) -> Result<Option<(i64, i64)>, StoreError> {
        let rows = self.with_filter(
            filter,
            |c| format!("SELECT min(started_at), max(started_at) FROM jobs WHERE {c}"),
            |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
        )?;
        Ok(rows.into_iter().next().and_then(|(a, b)| a.zip(b)))
    }

    fn aggregate(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
    ) -> Result<Vec<Vec<Aggregate>>, StoreError> {
        keys.iter().map(|&k| self.aggregate_of(filter, k)).collect()
    }

    fn miss_by_cause(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
    ) -> Result<Vec<Vec<CauseTime>>, StoreError> {
        keys.iter()
            .map(|&k| self.miss_by_cause_of(filter, k))
            .collect()
    }

    fn percentiles(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
        metric: Metric,
    ) -> Result<Vec<Vec<RankedValue>>, StoreError> {
        // Sorted by the value; returned as integers, divided here.
        let (x, num, den, present, count) = match metric {
            Metric::HitRate => (
                "CAST(hits AS REAL) / (hits + misses)",
                "hits",
                "hits + misses",
                "hits + misses > 0",
                "n_rate",
            ),
            Metric::WallUs => ("wall_us", "wall_us", "1", "wall_us IS NOT NULL", "n_wall"),
            Metric::RestoreUs => (
                "restore_us",
                "restore_us",
                "1",
                "restore_us IS NOT NULL",
                "n_restore",
            ),
        };
        self.filter_jobs(filter)?;
        // How many values each key ranks among, from the sums per day: key → (n, seen).
        let mut counts: Vec<std::collections::HashMap<String, (i64, i64)>> = Vec::new();
        for key in keys {
            let sql = format!(
                "SELECT {k} AS k, sum({count}) AS n FROM {fd} GROUP BY k HAVING n > 0",
                k = key.sql(Dialect::Sqlite),
                fd = by_day_keyed()
            );
            let rows = self.rows(&sql, [], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
            counts.push(rows.into_iter().map(|(k, n)| (k, (n, 0))).collect());
        }
        let mut out: Vec<Vec<RankedValue>> = vec![Vec::new(); keys.len()];
        if keys.is_empty() {
            return Ok(out);
        }
        // One sort of the jobs by the value for every key at once: each key's running count
        // says when a row is at one of its ranks (memory: one counter per key value).
        let cols = keys
            .iter()
            .enumerate()
            .map(|(i, k)| format!("{} AS k{i}", k.sql(Dialect::Sqlite)))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {cols}, {num}, {den} FROM (
               SELECT f.started_at, {GROUP_COLS}, f.hits, f.misses, f.wall_us, f.restore_us
               FROM temp.f f JOIN job_groups g ON g.id = f.grp WHERE {present})
             ORDER BY {x}"
        );
        let t = super::sql_log::start();
        let conn = self.lock();
        let mut stmt = conn
            .prepare(&sql)
            .map_err(self.sql_err("prepare a query"))?;
        let mut rows = stmt.query([]).map_err(self.sql_err("run a query"))?;
        let n_keys = keys.len();
        while let Some(r) = rows.next().map_err(self.sql_err("read a query's rows"))? {
            let read = |i: usize| r.get::<_, i64>(i);
            let (num, den) = (read(n_keys), read(n_keys + 1));
            let (num, den) = num
                .and_then(|a| den.map(|b| (a, b)))
                .map_err(self.sql_err("read a query's rows"))?;
            for (i, (counts, out)) in counts.iter_mut().zip(out.iter_mut()).enumerate() {
                let k = r
                    .get_ref(i)
                    .and_then(|v| v.as_str().map_err(Into::into))
                    .map_err(self.sql_err("read a query's rows"))?;
                let Some((n, seen)) = counts.get_mut(k) else {
                    continue;
                };
                let rank = *seen;
                *seen += 1;
                if LEVELS.iter().any(|&l| rank_of(l, *n) == rank) {
                    out.push(RankedValue {
                        key: k.to_owned(),
                        rank,
                        n: *n,
                        value: num as f64 / den as f64,
                    });
                }
            }
        }
        super::sql_log::record(t, "sqlite", &sql, None, None);
        for o in &mut out {
            o.sort_by(|a, b| (&a.key, a.rank).cmp(&(&b.key, b.rank)));
        }
        Ok(out)
    }

    fn cause_runners(&self, filter: &Filter) -> Result<Vec<CauseRunner>, StoreError> {
        let runner = GroupKey::Group(Dimension::Runner).sql(Dialect::Sqlite);
        let sp = rollup::split(filter, true);
        let sql = format!(
            "SELECT kind, origin, {runner} AS k, sum(n), sum(misses), sum(time_us) FROM (
               SELECT {WEEKLY_COLS}, r.kind,
                   CASE WHEN r.has_origin THEN r.origin END AS origin, r.n, r.misses, r.time_us
                 FROM week_causes r JOIN job_groups g ON g.id = r.grp WHERE {weekly}
               UNION ALL
               SELECT {ROLLED_COLS}, r.kind,
                   CASE WHEN r.has_origin THEN r.origin END AS origin, r.n, r.misses, r.time_us
                 FROM day_causes r JOIN job_groups g ON g.id = r.grp WHERE {daily}
               UNION ALL
               SELECT {JOB_COLS}, c.kind, c.origin, 1, c.misses, c.time_us
                 FROM jobs CROSS JOIN job_causes c ON c.job = jobs.id WHERE {rest})
             GROUP BY kind, origin, k ORDER BY kind, origin, k",
            weekly = sp.weekly,
            daily = sp.daily,
            rest = sp.rest
        );
        self.rows(&sql, rollup::values(&sp), |r| {
            Ok(CauseRunner {
                kind: r.get(0)?,
                origin: r.get(1)?,
                runner: r.get(2)?,
                jobs: r.get(3)?,
                misses: r.get(4)?,
                time_us: r.get(5)?,
            })
        })
    }

    fn packages(&self, filter: &Filter, limit: i64) -> Result<Vec<PackageTotal>, StoreError> {
        let sp = rollup::split(filter, true);
        // Summed per package inside each part, then per package name and mode across
        // GOOS/GOARCH.
        let sql = format!(
            "SELECT p.package, p.mode, sum(t.n), sum(t.us), sum(t.jobs) FROM (
               SELECT r.pkg, sum(r.n) AS n, sum(r.us) AS us, sum(r.jobs) AS jobs
                 FROM week_pkg_misses r JOIN job_groups g ON g.id = r.grp WHERE {weekly}
                 GROUP BY r.pkg
               UNION ALL
               SELECT r.pkg, sum(r.n), sum(r.us), sum(r.jobs) FROM day_pkg_misses r
                 JOIN job_groups g ON g.id = r.grp WHERE {daily} GROUP BY r.pkg
               UNION ALL
               SELECT m.pkg, count(*), sum(m.duration_us), count(DISTINCT m.job)
                 FROM jobs CROSS JOIN job_misses m ON m.job = jobs.id WHERE {rest}
                 GROUP BY m.pkg) t
             JOIN pkgs p ON p.id = t.pkg GROUP BY p.package, p.mode
             ORDER BY sum(t.us) DESC, p.package, p.mode LIMIT {limit}",
            weekly = sp.weekly,
            daily = sp.daily,
            rest = sp.rest
        );
        self.rows(&sql, rollup::values(&sp), |r| {
            Ok(PackageTotal {
                package: r.get(0)?,
                mode: r.get(1)?,
                misses: r.get(2)?,
                time_ms: us_to_ms(r.get(3)?),
                jobs: r.get(4)?,
            })
        })
    }

    fn settle(&self) -> Result<(), StoreError> {
        self.settle_prices()
    }

    fn groups(
        &self,
        filter: &Filter,
        dim: Dimension,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let k = GroupKey::Group(dim).sql(Dialect::Sqlite);
        self.with_filter(
            filter,
            |c| {
                format!(
                    "SELECT {k} AS k FROM jobs WHERE {c} GROUP BY k ORDER BY count(*) DESC, k
                     LIMIT {limit}"
                )
            },
            |r| r.get(0),
        )
    }
}

/// One key at a time: the sums read `temp.fd` and the rollups, a few thousand rows.
impl Sqlite {
    fn aggregate_of(&self, filter: &Filter, key: GroupKey) -> Result<Vec<Aggregate>, StoreError> {
        let k = key.sql(Dialect::Sqlite);
        self.filter_jobs(filter)?;
        let sql = format!(
            "SELECT {k} AS k, sum(jobs), sum(hits), sum(misses), sum(miss_us),
               sum(saved_us), sum(unpriced), sum(cost_us),
               coalesce(sum(with_cache), 0), coalesce(sum(without_cache), 0),
               sum(r_hit), sum(r_miss), sum(r_failed), sum(r_none)
             FROM {fd} GROUP BY k ORDER BY k",
            fd = by_day_keyed()
        );
        self.rows(&sql, [], |r| {
            Ok(Aggregate {
                key: r.get(0)?,
                jobs: r.get(1)?,
                hits: r.get(2)?,
                misses: r.get(3)?,
                miss_us: r.get(4)?,
                saved_us: r.get(5)?,
                unpriced_hits: r.get(6)?,
                cost_us: r.get(7)?,
                with_cache_us: r.get(8)?,
                without_cache_us: r.get(9)?,
                restore_hit: r.get(10)?,
                restore_miss: r.get(11)?,
                restore_failed: r.get(12)?,
                restore_none: r.get(13)?,
            })
        })
    }

    fn miss_by_cause_of(
        &self,
        filter: &Filter,
        key: GroupKey,
    ) -> Result<Vec<CauseTime>, StoreError> {
        let k = key.sql(Dialect::Sqlite);
        let sp = rollup::split(filter, weekly(key));
        let sql = format!(
            "SELECT {k} AS k, cause, sum(time_us) FROM (
               SELECT {WEEKLY_COLS}, r.cause, r.time_us FROM week_cause_time r
                 JOIN job_groups g ON g.id = r.grp WHERE {weekly}
               UNION ALL
               SELECT {ROLLED_COLS}, r.cause, r.time_us FROM day_cause_time r
                 JOIN job_groups g ON g.id = r.grp WHERE {daily}
               UNION ALL
               SELECT {JOB_COLS}, m.cause, m.time_us FROM jobs
                 CROSS JOIN job_cause_time m ON m.job = jobs.id WHERE {rest})
             GROUP BY k, cause ORDER BY k, cause",
            weekly = sp.weekly,
            daily = sp.daily,
            rest = sp.rest
        );
        self.rows(&sql, rollup::values(&sp), |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
    }
}
