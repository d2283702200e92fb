//! The job history store: one [`Store`] trait, SQLite (`sqlite`, the default, one file) and
//! ClickHouse (`clickhouse`, over HTTP) behind it. Every dashboard figure is aggregated by
//! the store's own SQL (SQLite's percentiles: the store sorts, a counter per key picks the
//! ranks from the stream), so memory does not grow with the number of jobs; callers get a
//! few rows per period or group. Depends on `model` only.

use std::path::PathBuf;

use crate::model::history::{JobRecord, PackageTotal};

pub mod clickhouse;
mod query;
mod sql_log;
pub mod sqlite;

pub use query::{Bucket, Dimension, Filter, GroupKey};

/// Raw sums of one period or group, straight from the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregate {
    pub key: String,
    pub jobs: i64,
    pub hits: i64,
    pub misses: i64,
    pub miss_us: i64,
    /// Wall time saved (each job's priced hits over its parallelism).
    pub saved_us: i64,
    pub unpriced_hits: i64,
    pub cost_us: i64,
    /// Σ over jobs with a wall time of (wall + saved) and of (wall + cost).
    pub with_cache_us: i64,
    pub without_cache_us: i64,
    pub restore_hit: i64,
    pub restore_miss: i64,
    pub restore_failed: i64,
    pub restore_none: i64,
}

/// One percentile-candidate row: the value at 0-based rank `rank` of `n` sorted values.
/// Stores return integers (`num`, `den`) and the value is divided here, so every store gives
/// the same bits.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedValue {
    pub key: String,
    pub rank: i64,
    pub n: i64,
    pub value: f64,
}

/// One cause's misses on one runner's jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct CauseRunner {
    pub kind: String,
    pub origin: Option<String>,
    pub runner: String,
    pub jobs: i64,
    pub misses: i64,
    pub time_us: i64,
}

/// One key's miss time for one cause kind: `(key, kind, µs)`.
pub type CauseTime = (String, String, i64);

/// What the percentiles are taken over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Each job's own package hit rate (jobs with at least one package compile).
    HitRate,
    WallUs,
    RestoreUs,
}

/// The percentile levels the dashboard reads, in percent.
pub const LEVELS: [i64; 4] = [25, 50, 75, 95];

/// The 0-based rank of percentile `level` among `n` sorted values: `⌊n·level/100⌋`, the
/// rule of ClickHouse's `quantileExact`, in integers so every store agrees.
pub fn rank_of(level: i64, n: i64) -> i64 {
    (n * level / 100).min(n - 1)
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Stats {
    pub jobs: i64,
    pub simulated: i64,
    /// First and last job start, seconds since the epoch.
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub bytes: Option<u64>,
    pub schema: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "failed to open the history at `{path}`: not a goattrib history ({what}); it was left as it is"
    )]
    NotHistory { path: PathBuf, what: String },
    #[error(
        "failed to open the history at `{path}`: it has schema version {found}, this goattrib reads up to {supported}; upgrade goattrib (the file was left as it is)"
    )]
    Newer {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("failed to open the history at `{path}`: no such file")]
    Missing { path: PathBuf },
    #[error("failed to {what} in the history at `{path}`")]
    Sqlite {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("failed to {what} on ClickHouse at `{url}`: {detail}")]
    ClickHouse {
        what: &'static str,
        url: String,
        detail: String,
    },
    #[error(
        "failed to read the store address `{0}`: expected clickhouse://HOST:PORT/DATABASE or sqlite path"
    )]
    Address(String),
}

/// The history behind one backend.
pub trait Store: Send + Sync {
    /// Adds one job in one transaction, replacing a job with the same id.
    fn add(&self, record: &JobRecord) -> Result<(), StoreError>;
    /// Adds many jobs (a `history export` file); each still replaces its namesake. Stores
    /// that pay per request batch them.
    fn add_many(&self, records: &[JobRecord]) -> Result<(), StoreError> {
        records.iter().try_for_each(|r| self.add(r))
    }
    /// Brings what the store derives from many jobs (SQLite's cached hit prices) up to
    /// date after a batch of adds. Queries are right without it, only slower.
    fn settle(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Deletes jobs that started before `before` (seconds); returns how many.
    fn prune(&self, before: i64) -> Result<i64, StoreError>;
    /// Every job, oldest first, one at a time.
    fn export(
        &self,
        sink: &mut dyn FnMut(JobRecord) -> std::io::Result<()>,
    ) -> Result<(), StoreError>;
    fn stats(&self) -> Result<Stats, StoreError>;
    /// First and last start among the filtered jobs.
    fn bounds(&self, filter: &Filter) -> Result<Option<(i64, i64)>, StoreError>;
    /// Sums per key (a period or a group), keys sorted, for each of `keys` (one list each,
    /// in order): a store may go over the jobs once for all of them.
    fn aggregate(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
    ) -> Result<Vec<Vec<Aggregate>>, StoreError>;
    /// Miss time per key and cause kind, for each of `keys`.
    fn miss_by_cause(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
    ) -> Result<Vec<Vec<CauseTime>>, StoreError>;
    /// The values at the [`LEVELS`] ranks per key, for each of `keys` (one list each, in
    /// order): a store may rank the jobs once for all of them.
    fn percentiles(
        &self,
        filter: &Filter,
        keys: &[GroupKey],
        metric: Metric,
    ) -> Result<Vec<Vec<RankedValue>>, StoreError>;
    /// Cause time per (kind, origin, runner); the caller rolls them up.
    fn cause_runners(&self, filter: &Filter) -> Result<Vec<CauseRunner>, StoreError>;
    /// Packages by miss time, most first.
    fn packages(&self, filter: &Filter, limit: i64) -> Result<Vec<PackageTotal>, StoreError>;
    /// The distinct values of a dimension among the filtered jobs, most jobs first.
    fn groups(
        &self,
        filter: &Filter,
        dim: Dimension,
        limit: i64,
    ) -> Result<Vec<String>, StoreError>;
}

/// Opens the store an address names: `clickhouse://HOST:PORT/DB`, else a SQLite file path.
/// `create` makes a missing SQLite file (for writers); readers get [`StoreError::Missing`].
pub fn open(address: &str, create: bool) -> Result<Box<dyn Store>, StoreError> {
    if address.starts_with("clickhouse://") {
        return Ok(Box::new(clickhouse::ClickHouse::connect(address)?));
    }
    Ok(Box::new(sqlite::Sqlite::open(
        std::path::Path::new(address),
        create,
    )?))
}
