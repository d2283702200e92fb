//! The JSON report contract, `goattrib.report/v1`.
//!
//! Field names listed in the contract are stable; fields may be added, never renamed or
//! removed, within a schema version. Changelog:
//! - v1: first version. Times are milliseconds (3 decimals); `hit_rate` is a fraction in
//!   [0, 1], `null` when there is nothing to count.
//! - v1, added: `compiler` (only with `record --profile` bundles): per profiled package, the
//!   compile's `wall_ns`, `cpu_ns`, CPU by compiler pass (`phases`) and `-bench` wall times
//!   (`bench_phases`), all in nanoseconds.
//! - v1, added: `origin_sets`, every distinct origin set whole and once (an array of sorted
//!   arrays of package paths, in first-use order), and `origin_set`, an index into it, on
//!   each `actions[].cause` with origins and each `dependency` row of `causes`. The inline
//!   `actions[].cause.origins` keeps at most 100 names (`MAX_ORIGINS_LISTED`) and
//!   `causes[].origin` names at most 100 ("… and N more"): `origin_sets[origin_set]` is
//!   the complete list. `origins_truncated: true` on a cause (absent when false) marks a
//!   set kept only in part: the build's distinct sets would have held more than
//!   250,000 names (`MAX_ORIGIN_SET_NAMES`), so it holds its first 10, and a warning
//!   says so.

use serde::Serialize;

use super::{CacheOutcome, Cause, CauseKind, Evidence, Origins};

pub const REPORT_SCHEMA: &str = "goattrib.report/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub build: BuildSection,
    pub summary: Summary,
    pub modules: Vec<ModuleStats>,
    pub causes: Vec<CauseStats>,
    /// Per origin package: every miss it explains (its own and its dependents').
    pub origins: Vec<OriginStats>,
    pub critical_path: Vec<CriticalStep>,
    pub actions: Vec<ActionReport>,
    /// Every distinct origin set the causes name, each whole and once, in the order the
    /// actions first name them: `actions[].cause.origin_set` and `causes[].origin_set`
    /// index it.
    #[serde(serialize_with = "super::serialize_whole")]
    pub origin_sets: Vec<Origins>,
    pub warnings: Vec<String>,
    /// The files read, with the format recognised in each.
    pub inputs: Vec<String>,
    pub baseline: Option<BaselineSection>,
    /// The GitLab job the build ran in, when its trace was given.
    pub job: Option<JobSection>,
    /// `go test` results and why each ran (absent when the command ran no tests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests: Option<super::TestsSection>,
    /// Module downloads and their cause (absent when nothing was downloaded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_cache: Option<super::ModuleCacheSection>,
    /// Inside the compiler: the compile profiles of a `record --profile` bundle (absent
    /// without them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compiler: Option<CompilerSection>,
}

/// `"compiler"`: `record --profile` profiles exactly the compiles that ran (the misses).
#[derive(Debug, Clone, Serialize)]
pub struct CompilerSection {
    /// One entry per profiled package, in name order.
    pub packages: Vec<super::profile::PackageCost>,
}

pub use super::job::{CacheOpKind, CacheOpOutcome, JobOutcome};

/// What the runner did, from the raw job trace: where the job's time went.
#[derive(Debug, Clone, Serialize)]
pub struct JobSection {
    pub runner_version: Option<String>,
    pub runner_name: Option<String>,
    pub executor: Option<String>,
    pub image: Option<String>,
    pub status: JobOutcome,
    pub status_detail: Option<String>,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<f64>,
    /// When the job started, in milliseconds since the Unix epoch (from the trace's first
    /// section marker or timestamp), for the job history.
    pub started_unix_ms: Option<i64>,
    pub build_dir: Option<String>,
    pub fresh_clone: Option<bool>,
    /// Whether lines carried FF_TIMESTAMPS times (sub-second precision).
    pub has_timestamps: bool,
    pub sections: Vec<JobSectionTime>,
    pub cache: Vec<JobCacheOp>,
    /// The Go build's wall time and its share of the script section, when both are known.
    pub go_build_ms: Option<f64>,
    pub go_share_of_script: Option<f64>,
    /// Where the Go build starts on the job's timeline (relative to the job's start), and
    /// how that was found: `command-time` (the FF_TIMESTAMPS time of the script command
    /// that ran it) or `script-end` (no per-line times: the build is assumed to end the
    /// script section, so the start is approximate).
    pub go_build_start_ms: Option<f64>,
    pub go_build_placed_by: Option<&'static str>,
    /// The script command that ran the build, as the runner echoed it.
    pub go_command: Option<String>,
    /// Restore and save time against the compile time the restored cache avoided.
    pub cache_value: Option<CacheValue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobSectionTime {
    pub name: String,
    /// Relative to the job's start.
    pub start_ms: Option<f64>,
    pub duration_ms: Option<f64>,
    pub parent: Option<String>,
    pub closed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobCacheOp {
    pub op: CacheOpKind,
    pub key: Option<String>,
    pub outcome: CacheOpOutcome,
    pub duration_ms: Option<f64>,
    pub detail: Option<String>,
    pub paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CacheValue {
    pub restore_ms: f64,
    pub save_ms: f64,
    /// Compile and link time spent in one build and not the other: what a restored cache
    /// saves (the baseline is the other build).
    pub avoided_ms: f64,
    /// `avoided_ms / (restore_ms + save_ms)`, when the cache costs anything.
    pub payoff: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildSection {
    pub command: Option<String>,
    pub exit_code: Option<i32>,
    pub failed: bool,
    pub wall_ms: Option<f64>,
    pub go_version: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
    pub main_module: Option<String>,
    pub failed_packages: Vec<String>,
    /// Compiler and linker messages, when the build failed.
    pub diagnostics: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub packages: PackageCounts,
    pub critical_path_ms: f64,
    /// Time spent in missed package compiles and links.
    pub miss_ms: f64,
    pub actions: usize,
    /// Misses per cause kind, the most time first: what the headline and the cause chart
    /// say, counted once here so every output gives the same numbers.
    pub by_kind: Vec<KindStats>,
}

/// The misses of one cause kind. `packages` counts package compiles (what "packages
/// rebuilt" and the hit rate count), `actions` every action that missed under a cache key
/// of its own (compiles, links, vets): the causes table shows both.
#[derive(Debug, Clone, Serialize)]
pub struct KindStats {
    pub kind: CauseKind,
    pub packages: usize,
    pub actions: usize,
    pub time_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PackageCounts {
    pub total: usize,
    pub hits: usize,
    pub misses: usize,
    pub hit_rate: Option<f64>,
    /// Up to date in `GOROOT/pkg` (old Go): neither hit nor miss.
    pub installed: usize,
    /// Never reached: the build stopped first.
    pub not_run: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleStats {
    pub module: String,
    pub version: Option<String>,
    pub main: bool,
    pub packages: usize,
    pub hits: usize,
    pub misses: usize,
    pub hit_rate: Option<f64>,
    pub miss_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CauseStats {
    pub kind: CauseKind,
    /// For `source` the package whose files changed, for `dependency` the origins
    /// (joined with `, `; past [`super::MAX_ORIGINS_LISTED`] the first ones and
    /// "and N more"); `null` for build-wide kinds.
    pub origin: Option<String>,
    /// For `dependency`: the group's origin set, whole, in the report's `origin_sets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_set: Option<usize>,
    /// Actions that missed under a cache key of their own (compiles, links, vets).
    pub misses: usize,
    /// Of those, package compiles.
    pub packages: usize,
    pub time_ms: f64,
    /// The detail of the first miss of the group, and what to do.
    pub detail: String,
    pub hint: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OriginStats {
    pub package: String,
    pub kind: CauseKind,
    pub detail: String,
    /// The origin's own miss plus every dependent it caused.
    pub misses: usize,
    pub time_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CriticalStep {
    pub id: u64,
    pub mode: super::Mode,
    pub package: String,
    pub cache: CacheOutcome,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionReport {
    pub id: u64,
    pub mode: super::Mode,
    pub package: String,
    pub module: String,
    pub cache: CacheOutcome,
    pub decided_by: Evidence,
    /// Relative to the first action's start.
    pub start_ms: Option<f64>,
    pub duration_ms: Option<f64>,
    pub cpu_ms: Option<f64>,
    pub deps: Vec<u64>,
    pub failed: bool,
    pub on_critical_path: bool,
    pub cause: Option<Cause>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaselineSection {
    pub inputs: Vec<String>,
    pub go_version: Option<String>,
}

/// Milliseconds with microsecond precision, from nanoseconds.
pub fn ms(ns: i64) -> f64 {
    (ns as f64 / 1_000.0).round() / 1_000.0
}
