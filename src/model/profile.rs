//! Profiles as goattrib models them (decoded pprof files, with every stack resolved to
//! function names) and the versioned JSON contract `goattrib.profile/v1` that
//! `goattrib profile --format json` prints and `--out` writes as `profile.json`.
//!
//! Changelog of `goattrib.profile/v1`: first version. `goattrib.profile-diff/v1`: first version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The schema string of [`ProfileReport`].
pub const PROFILE_SCHEMA: &str = "goattrib.profile/v1";
/// The schema string of [`ProfileDiff`].
pub const PROFILE_DIFF_SCHEMA: &str = "goattrib.profile-diff/v1";

/// Where a profile came from, guessed from its mapping and file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    /// `go build -gcflags=-cpuprofile=DIR/` or `record --profile`: the compiler's own CPU.
    Compile,
    /// `go test -cpuprofile/-memprofile/...`: the test binary.
    Test,
    /// `runtime/pprof` or `net/http/pprof` in a program.
    Runtime,
    /// `go tool trace -pprof=net|sync|syscall|sched`.
    Trace,
}

/// A sample type: `cpu`/`nanoseconds`, `alloc_space`/`bytes`, ...
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ValueType {
    #[serde(rename = "type")]
    pub kind: String,
    pub unit: String,
}

/// One function of a profile's function table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    pub file: String,
}

/// A pprof label value: string or number (with its unit, when the profile gives one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelValue {
    Str(String),
    Num { value: i64, unit: Option<String> },
}

impl std::fmt::Display for LabelValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabelValue::Str(s) => f.write_str(s),
            LabelValue::Num { value, unit: None } => write!(f, "{value}"),
            LabelValue::Num {
                value,
                unit: Some(u),
            } => write!(f, "{value}{u}"),
        }
    }
}

/// One sample: its stack as indexes into [`Profile::functions`], innermost frame first
/// (inlined frames expanded, as pprof does), one value per sample type, and its labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub stack: Vec<u32>,
    pub values: Vec<i64>,
    pub labels: Vec<(String, LabelValue)>,
}

/// One decoded profile file.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The path as the user gave it.
    pub file: String,
    pub kind: ProfileKind,
    /// The compiled package, for compile profiles.
    pub package: Option<String>,
    pub sample_types: Vec<ValueType>,
    /// pprof's default sample type: `default_sample_type` if set, else the last one.
    pub default_sample: usize,
    pub duration_ns: i64,
    pub functions: Vec<Function>,
    pub samples: Vec<Sample>,
}

/// One line of the compiler's `-bench` output: a phase's wall time for one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchPhase {
    pub package: String,
    /// `fe:parse`, `be:compilefuncs`, `total`, ...
    pub phase: String,
    pub ns: i64,
}

/// `goattrib.profile/v1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileReport {
    pub schema: String,
    pub profiles: Vec<ProfileSummary>,
    pub sample_type: ValueType,
    /// The sum of the chosen sample value over the samples kept (after `--tag`).
    pub total: i64,
    /// `--tag` filters applied, as `key=value`.
    pub tag_filters: Vec<String>,
    /// Every function with a non-zero flat or cum, the largest flat first.
    pub functions: Vec<FunctionCost>,
    /// Compile profiles and `-bench` lines, by package (name order).
    pub packages: Vec<PackageCost>,
    /// Label values and the total of the samples that carry them.
    pub tags: Vec<TagTotal>,
    pub warnings: Vec<String>,
}

/// One input file of a [`ProfileReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub file: String,
    pub kind: ProfileKind,
    pub package: Option<String>,
    pub sample_types: Vec<ValueType>,
    pub duration_ns: i64,
    pub samples: usize,
}

/// pprof's flat and cum of one function (by name, as `-granularity=functions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionCost {
    pub name: String,
    pub file: String,
    /// Samples whose innermost frame (inlined frames included) is this function.
    pub flat: i64,
    /// Samples with this function anywhere in the stack, each sample counted once.
    pub cum: i64,
}

/// A compiled package: wall and CPU from its compile profile, CPU by compiler pass, and
/// the `-bench` phase wall times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageCost {
    pub package: String,
    /// `duration_nanos` of the compile profile (the compile's wall time).
    pub wall_ns: Option<i64>,
    /// Sum of `cpu/nanoseconds` of the compile profile.
    pub cpu_ns: Option<i64>,
    /// CPU by compiler pass (`cmd/compile/internal/<pass>`), see `analysis::profile::compile`.
    pub phases: BTreeMap<String, i64>,
    /// Wall time by `-bench` phase (`fe:parse`, `be:compilefuncs`, `total`, ...).
    pub bench_phases: BTreeMap<String, i64>,
}

/// One label value and the total of the chosen sample value over samples carrying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagTotal {
    pub key: String,
    pub value: String,
    pub total: i64,
}

/// `goattrib.profile-diff/v1`: HEAD against BASE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileDiff {
    pub schema: String,
    pub sample_type: ValueType,
    pub base_total: i64,
    pub head_total: i64,
    /// Values were scaled to each side's total (then expressed in BASE's units).
    pub normalized: bool,
    /// The noise floor used: a change must exceed both.
    pub min_delta: i64,
    pub min_delta_fraction: f64,
    /// Functions whose flat or cum changed by more than the noise floor, the largest
    /// |Δcum| first.
    pub functions: Vec<FunctionDelta>,
    /// Compile profiles on either side, by package.
    pub packages: Vec<PackageDelta>,
    pub warnings: Vec<String>,
}

/// One function's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionDelta {
    pub name: String,
    pub base_flat: i64,
    pub head_flat: i64,
    pub base_cum: i64,
    pub head_cum: i64,
    pub delta_flat: i64,
    pub delta_cum: i64,
    /// Δcum relative to BASE's cum (None when BASE has none).
    pub delta_cum_fraction: Option<f64>,
}

/// One compiled package's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageDelta {
    pub package: String,
    pub base_wall_ns: Option<i64>,
    pub head_wall_ns: Option<i64>,
    pub base_cpu_ns: Option<i64>,
    pub head_cpu_ns: Option<i64>,
}
