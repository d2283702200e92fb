//! The job history's rows (one job, its modules, causes, misses, hits and sections) and the
//! `goattrib.dashboard/v1` contract: what `history add` stores and what `dashboard` prints.
//!
//! Times in rows are integer microseconds, so sums are exact and every store adds them up to
//! the same number. Dashboard times are milliseconds (3 decimals).
//!
//! `goattrib.dashboard/v1` changelog:
//! - v1: first version. Fields may be added, never renamed or removed, within v1.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const DASHBOARD_SCHEMA: &str = "goattrib.dashboard/v1";

/// The file `record` writes into a bundle with the job's GitLab metadata.
pub const CI_META_FILE: &str = "ci.json";
/// The schema tag inside `ci.json`.
pub const CI_META_SCHEMA: &str = "goattrib.ci/v1";

/// The GitLab predefined variables `record` copies into `ci.json`; never any other
/// variable (tokens and passwords are never among them).
pub const CI_ALLOW_LIST: [&str; 16] = [
    "CI_PROJECT_PATH",
    "CI_PIPELINE_ID",
    "CI_JOB_ID",
    "CI_JOB_NAME",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_SHA",
    "CI_RUNNER_ID",
    "CI_RUNNER_DESCRIPTION",
    "CI_RUNNER_TAGS",
    "CI_JOB_STARTED_AT",
    "CI_CONCURRENT_ID",
    "CI_PROJECT_DIR",
    "CI_SERVER_VERSION",
    "CI_PIPELINE_SOURCE",
    "CI_DEFAULT_BRANCH",
    "CI_RUNNER_EXECUTABLE_ARCH",
];

/// The keys `history add --ci KEY=VALUE` sets.
pub const CI_KEYS: [&str; 11] = [
    "project",
    "pipeline",
    "job",
    "job_name",
    "ref",
    "commit",
    "runner",
    "runner_description",
    "executor",
    "started_at",
    "simulated",
];

/// How the job's CI cache restore went, from its job log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Restore {
    Hit,
    Miss,
    Failed,
    /// No job log, or the job restores no cache.
    None,
}

impl Restore {
    pub const ALL: [Restore; 4] = [Restore::Hit, Restore::Miss, Restore::Failed, Restore::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Restore::Hit => "hit",
            Restore::Miss => "miss",
            Restore::Failed => "failed",
            Restore::None => "none",
        }
    }

    pub fn parse(s: &str) -> Restore {
        match s {
            "hit" => Restore::Hit,
            "miss" => Restore::Miss,
            "failed" => Restore::Failed,
            _ => Restore::None,
        }
    }
}

/// One job of the history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobRow {
    /// GitLab's job id, or `content:<hash>` derived from the report when there is none.
    pub job_id: String,
    /// The metadata was made up by a fixture script, not read from a real job.
    pub simulated: bool,
    pub project: Option<String>,
    pub pipeline: Option<String>,
    pub job: Option<String>,
    pub job_name: Option<String>,
    #[serde(rename = "ref")]
    pub ref_name: Option<String>,
    pub commit: Option<String>,
    pub runner: Option<String>,
    pub runner_description: Option<String>,
    pub executor: Option<String>,
    pub concurrent_id: Option<String>,
    pub project_dir: Option<String>,
    /// Seconds since the Unix epoch (UTC).
    pub started_at: i64,
    pub wall_us: Option<i64>,
    pub critical_path_us: i64,
    /// Summed action time, for the job's parallelism (busy ÷ wall).
    pub busy_us: i64,
    /// Package compiles (`mode == "build"`) as `report` counts them.
    pub hits: i64,
    pub misses: i64,
    pub packages: i64,
    /// Time in missed compiles and links (Σ of the miss rows).
    pub miss_us: i64,
    pub restore: Option<Restore>,
    pub restore_us: Option<i64>,
    pub save_us: Option<i64>,
    pub go_version: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
    pub failed: bool,
}

impl JobRow {
    pub fn hit_rate(&self) -> Option<f64> {
        let n = self.hits + self.misses;
        (n > 0).then(|| self.hits as f64 / n as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleRow {
    pub module: String,
    pub version: Option<String>,
    pub main: bool,
    pub packages: i64,
    pub hits: i64,
    pub misses: i64,
    pub miss_us: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseRow {
    pub kind: String,
    pub origin: Option<String>,
    pub misses: i64,
    pub time_us: i64,
}

/// One missed action (compile, link, vet) of a job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissRow {
    pub mode: String,
    pub package: String,
    /// The cause kind, or `unattributed` when the report named none.
    pub cause: String,
    pub duration_us: i64,
}

/// One action of a job served from the cache: what the savings are priced over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HitRow {
    pub mode: String,
    pub package: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionRow {
    pub name: String,
    pub start_us: Option<i64>,
    pub duration_us: Option<i64>,
}

/// Everything stored for one job; `history export` prints one per line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    pub job: JobRow,
    pub modules: Vec<ModuleRow>,
    pub causes: Vec<CauseRow>,
    pub misses: Vec<MissRow>,
    pub hits: Vec<HitRow>,
    pub sections: Vec<SectionRow>,
}

/// The cause name of a miss the report gave no cause for.
pub const UNATTRIBUTED: &str = "unattributed";

/// `goattrib.dashboard/v1`: the numbers of the dashboard page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub schema: String,
    pub bucket: String,
    /// First and last day covered (`YYYY-MM-DD`), both included.
    pub since: Option<String>,
    pub until: Option<String>,
    pub jobs: i64,
    pub periods: Vec<Period>,
    pub summary: SummaryCard,
    pub executors: Vec<GroupStats>,
    pub runners: Vec<GroupStats>,
    pub refs: Vec<GroupStats>,
    pub causes: Vec<CauseTotal>,
    pub packages: Vec<PackageTotal>,
    pub warnings: Vec<String>,
}

/// One period's figures; `start` is its first day (a Monday for weeks).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Period {
    pub start: String,
    #[serde(flatten)]
    pub stats: PeriodStats,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PeriodStats {
    pub jobs: i64,
    pub hits: i64,
    pub misses: i64,
    /// Σ hits ÷ Σ (hits + misses) over the period's jobs.
    pub hit_rate: Option<f64>,
    /// Over the jobs' own hit rates.
    pub hit_rate_p25: Option<f64>,
    pub hit_rate_p50: Option<f64>,
    pub hit_rate_p75: Option<f64>,
    pub wall_ms_p50: Option<f64>,
    pub wall_ms_p95: Option<f64>,
    pub miss_ms: f64,
    pub miss_ms_by_cause: BTreeMap<String, f64>,
    /// Wall time the cache saved: each hit priced at the median duration of its package's
    /// misses, divided by the job's parallelism.
    pub saved_ms: f64,
    /// Restore + save time of the jobs' CI cache.
    pub cost_ms: f64,
    /// Σ (wall + saved) ÷ Σ (wall + cost).
    pub speedup: Option<f64>,
    /// Hits no miss anywhere in the history prices.
    pub unpriced_hits: i64,
    pub restore: RestoreCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreCounts {
    pub hit: i64,
    pub miss: i64,
    pub failed: i64,
    pub none: i64,
}

/// This period against the previous one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryCard {
    pub current: Option<Period>,
    pub previous: Option<Period>,
    pub change: Change,
}

/// `current − previous`; rates in points of a fraction, times in ms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub jobs: Option<i64>,
    pub hit_rate: Option<f64>,
    pub wall_ms_p50: Option<f64>,
    pub wall_ms_p95: Option<f64>,
    pub miss_ms: Option<f64>,
    pub saved_ms: Option<f64>,
    pub speedup: Option<f64>,
}

/// One executor, runner or ref over the whole range.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    /// `{"executor": "docker"}`: the dimension and the group's value (`(none)` when the
    /// jobs did not say).
    #[serde(flatten)]
    pub key: BTreeMap<String, String>,
    pub jobs: i64,
    pub hits: i64,
    pub misses: i64,
    pub hit_rate: Option<f64>,
    pub wall_ms_p50: Option<f64>,
    pub restore_ms_p50: Option<f64>,
    pub miss_ms: f64,
    pub miss_ms_by_cause: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CauseTotal {
    pub kind: String,
    pub origin: Option<String>,
    pub jobs: i64,
    pub misses: i64,
    pub time_ms: f64,
    /// Of all cause time in the range.
    pub share: f64,
    /// The runner whose jobs lost the most time to it.
    pub top_runner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageTotal {
    pub package: String,
    pub mode: String,
    pub misses: i64,
    pub time_ms: f64,
    pub jobs: i64,
}

impl GroupStats {
    pub fn name(&self) -> &str {
        self.key.values().next().map_or("", String::as_str)
    }
}

/// Milliseconds (3 decimals) from integer microseconds.
pub fn us_to_ms(us: i64) -> f64 {
    us as f64 / 1000.0
}
