//! Cache-efficiency gates: thresholds a pipeline sets (`--min-hit-rate 0.9`,
//! `--max-new-misses 3`...), each checked against a finished report and written as one
//! JUnit test case. Any failed gate makes the command exit with [`crate::error::exit::GATE_FAILED`].

use serde::Serialize;

/// One checked gate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateOutcome {
    /// The gate as the user wrote it, e.g. `min-hit-rate 0.9`.
    pub name: String,
    pub passed: bool,
    /// What was measured against what was allowed, for a person: "hit rate 0.62 < 0.90".
    pub message: String,
}
