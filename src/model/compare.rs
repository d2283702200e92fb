//! The JSON contract of `goattrib compare`, `goattrib.compare/v1`: two builds side by side,
//! and the wall-time delta attributed to causes.
//!
//! Field names listed in the README's contract are stable; fields may be added, never renamed
//! or removed, within a schema version. Changelog:
//! - v1: first version. Times are milliseconds with microsecond precision; a delta is HEAD
//!   minus BASE (positive: HEAD is slower). `attribution[].time_ms` plus `unexplained_ms`
//!   equal `delta.wall_ms`.
//! - v1: `new_misses[].cause.origins` lists at most 100 origins (`MAX_ORIGINS_LISTED`) and
//!   `attribution[].origin` names at most 100 ("… and N more"), as `report`'s causes do;
//!   both come from the whole sets, also when a side is a report.json (`origin_sets`).

use serde::Serialize;

use super::{CacheOutcome, CauseKind};

pub const COMPARE_SCHEMA: &str = "goattrib.compare/v1";

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// Some input file of either side could not be read (its error is among the warnings):
    /// the exit status says so. Not part of the JSON contract.
    #[serde(skip)]
    pub partial: bool,
    pub schema: &'static str,
    pub base: SideSummary,
    pub head: SideSummary,
    pub delta: Delta,
    /// The wall-time delta by cause, largest share first.
    pub attribution: Vec<Attribution>,
    /// The part of `delta.wall_ms` no attribution accounts for.
    pub unexplained_ms: f64,
    /// The explained part of the delta, in [0, 1].
    pub explained_share: f64,
    /// Missed in HEAD, served from the cache (or not run) in BASE.
    pub new_misses: Vec<NewMiss>,
    /// Missed in BASE, not in HEAD.
    pub fixed_misses: Vec<FixedMiss>,
    /// Same cache outcome on both sides, longest regression first: the machine or the code
    /// got slower.
    pub slower: Vec<Slower>,
    /// Packages only HEAD builds, and only BASE.
    pub added: Vec<String>,
    pub removed: Vec<String>,
    /// Hit rate per module on both sides.
    pub modules: Vec<ModuleDelta>,
    /// Both sides ran in GitLab jobs whose traces were given.
    pub job: Option<JobDelta>,
    /// Test packages HEAD ran that BASE replayed from the test cache (or did not run).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_test_reruns: Vec<NewTestRerun>,
    /// Module versions HEAD downloaded that BASE did not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub new_downloads: Vec<NewDownload>,
    pub warnings: Vec<String>,
}

/// A test package HEAD re-ran, with HEAD's cause (`binary`, `env`, `file`, ...).
#[derive(Debug, Clone, Serialize)]
pub struct NewTestRerun {
    pub package: String,
    pub kind: String,
    pub detail: String,
    pub changed: Vec<String>,
}

/// A module version HEAD downloaded, with the cause of HEAD's downloads.
#[derive(Debug, Clone, Serialize)]
pub struct NewDownload {
    pub module: String,
    pub version: String,
    pub cause: String,
    pub detail: String,
}

/// One side's headline numbers.
#[derive(Debug, Clone, Serialize)]
pub struct SideSummary {
    /// What was read: a bundle, a manifest or a report.json.
    pub source: String,
    pub wall_ms: Option<f64>,
    pub critical_path_ms: f64,
    /// Package compile actions: served from the cache, and run.
    pub hits: usize,
    pub misses: usize,
    pub hit_rate: Option<f64>,
    /// Time spent in missed package compiles and links.
    pub miss_ms: f64,
    pub packages: usize,
    /// Summed action time over wall time: how many actions ran at once, on average.
    pub parallelism: Option<f64>,
    pub go_version: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
}

/// HEAD minus BASE.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    /// `null` when a side has no wall time (a build without timings).
    pub wall_ms: Option<f64>,
    pub critical_path_ms: f64,
    pub miss_ms: f64,
    pub hits: i64,
    pub misses: i64,
    pub hit_rate: Option<f64>,
}

/// What a group of actions is to the delta.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Missed in HEAD, not in BASE; `kind` is HEAD's cause.
    NewMiss,
    /// Missed in BASE, not in HEAD; `kind` is BASE's cause.
    Fixed,
    /// The same cache outcome on both sides; only the duration changed (`kind` `duration`).
    SameOutcome,
    /// Only in HEAD; `kind` is its cause when it missed (`new`), else `added`.
    Added,
    /// Only in BASE (`kind` `removed`).
    Removed,
}

/// What a group of the attribution is: a cause kind, or an action whose outcome did not
/// change (`duration`), or one on a single side (`added`, `removed`). Serialised as one
/// string, the cause kind's own spelling for a cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttributionKind {
    Cause(CauseKind),
    Duration,
    Added,
    Removed,
}

impl AttributionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttributionKind::Cause(k) => k.as_str(),
            AttributionKind::Duration => "duration",
            AttributionKind::Added => "added",
            AttributionKind::Removed => "removed",
        }
    }

    /// The cause kind, when the group is one.
    pub fn cause(self) -> Option<CauseKind> {
        match self {
            AttributionKind::Cause(k) => Some(k),
            _ => None,
        }
    }

    /// Every value, for round-trip tests.
    pub fn all() -> impl Iterator<Item = AttributionKind> {
        CauseKind::ALL
            .into_iter()
            .map(AttributionKind::Cause)
            .chain([
                AttributionKind::Duration,
                AttributionKind::Added,
                AttributionKind::Removed,
            ])
    }

    pub fn parse(text: &str) -> Option<AttributionKind> {
        Self::all().find(|k| k.as_str() == text)
    }
}

impl PartialEq<&str> for AttributionKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for AttributionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// Groups with equal times are listed in the order of their spelling, as before the kind
// was typed: the JSON's order does not change.
impl Ord for AttributionKind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for AttributionKind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Serialize for AttributionKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for AttributionKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        AttributionKind::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown attribution kind `{text}`")))
    }
}

/// One cause's share of the wall-time delta.
#[derive(Debug, Clone, Serialize)]
pub struct Attribution {
    pub change: Change,
    /// A cause kind (`platform`, `source`, ...), or `duration`, `added`, `removed`.
    pub kind: AttributionKind,
    /// For `source` the package, for `dependency` the origin(s); `null` otherwise.
    pub origin: Option<String>,
    /// Package compiles and links in the group.
    pub misses: usize,
    /// This group's share of `delta.wall_ms`.
    pub time_ms: f64,
    /// The group's summed action-time delta before it was scaled to wall time.
    pub action_ms: f64,
    /// One line for a person: the cause's detail.
    pub detail: String,
}

/// A cause as the comparison shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CauseRef {
    pub kind: CauseKind,
    pub detail: String,
    /// The whole set, shared with the side it came from; the JSON lists its first
    /// [`super::MAX_ORIGINS_LISTED`].
    pub origins: super::Origins,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewMiss {
    pub package: String,
    pub mode: super::Mode,
    pub module: String,
    pub cause: CauseRef,
    pub base_ms: Option<f64>,
    pub head_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FixedMiss {
    pub package: String,
    pub mode: super::Mode,
    pub module: String,
    /// Why it missed in BASE, as far as BASE alone (or its report) tells.
    pub base_cause: Option<CauseKind>,
    pub base_ms: Option<f64>,
    pub head_ms: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Slower {
    pub package: String,
    pub mode: super::Mode,
    pub cache: CacheOutcome,
    pub base_ms: f64,
    pub head_ms: f64,
    pub delta_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleDelta {
    pub module: String,
    pub base_hit_rate: Option<f64>,
    pub head_hit_rate: Option<f64>,
    pub base_misses: usize,
    pub head_misses: usize,
    pub base_miss_ms: f64,
    pub head_miss_ms: f64,
}

/// The GitLab jobs around the two builds.
#[derive(Debug, Clone, Serialize)]
pub struct JobDelta {
    pub sections: Vec<SectionDelta>,
    /// Runner, executor, image or build directory changes, as `what: before → after`.
    pub changes: Vec<String>,
    pub cache: Vec<CacheOpDelta>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionDelta {
    pub name: String,
    pub base_ms: Option<f64>,
    pub head_ms: Option<f64>,
    pub delta_ms: Option<f64>,
}

/// The n-th cache restore (or save) of each job.
#[derive(Debug, Clone, Serialize)]
pub struct CacheOpDelta {
    pub op: String,
    pub base_key: Option<String>,
    pub head_key: Option<String>,
    pub base_outcome: Option<String>,
    pub head_outcome: Option<String>,
    pub base_ms: Option<f64>,
    pub head_ms: Option<f64>,
    pub key_changed: bool,
}
