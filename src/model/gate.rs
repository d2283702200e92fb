//! Checked gates, as numbers: what was measured against what was allowed. The words
//! ("hit rate 0.62 < 0.90") are the renderers' (`render::gate`).

use super::CauseKind;

/// One checked gate.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOutcome {
    /// The gate as the user wrote it, e.g. `min-hit-rate 0.9`.
    pub name: String,
    pub passed: bool,
    pub measure: GateMeasure,
}

/// What a gate measured, per gate.
#[derive(Debug, Clone, PartialEq)]
pub enum GateMeasure {
    /// `--min-hit-rate`: `rate` is `None` when nothing was looked up (the gate passes).
    HitRate {
        rate: Option<f64>,
        min: f64,
        hits: usize,
        lookups: usize,
    },
    /// `--max-misses`: package compiles that missed.
    Misses { misses: usize, max: usize },
    /// `--max-critical-path`, with the limit as the user spelled it (`1m30s`).
    CriticalPath {
        ms: f64,
        limit_ms: f64,
        limit_text: String,
    },
    /// `--forbid-cause`: how many misses had the kind, and their packages (sorted, unique).
    ForbiddenCause {
        kind: CauseKind,
        misses: usize,
        packages: Vec<String>,
    },
    /// `compare --max-slowdown`: HEAD − BASE wall time against what was allowed; either is
    /// `None` when a side has no wall time (the gate then fails).
    Slowdown {
        delta_ms: Option<f64>,
        allowed_ms: Option<f64>,
    },
    /// `compare --max-new-misses`.
    NewMisses { count: usize, max: usize },
    /// `--max-test-reruns`: test packages that ran (not `(cached)`), and which (sorted).
    TestReruns {
        ran: usize,
        max: usize,
        packages: Vec<String>,
    },
    /// `profile diff --max-regression`: the functions or packages over the limit, in words.
    Regression { failures: Vec<String> },
}
