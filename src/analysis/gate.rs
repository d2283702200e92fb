//! Cache-efficiency gates: thresholds a pipeline sets (`--min-hit-rate 0.9`,
//! `--max-new-misses 3`...), each checked against a finished report and written as one
//! JUnit test case. Any failed gate makes the command exit with status 3 (`error::exit`).
//!
//! The engine has no clap dependency: the parsers here return typed errors that the CLI
//! turns into argument errors.

use thiserror::Error;

use crate::model::{CacheOutcome, CauseKind, GateMeasure, GateOutcome, Report};

/// The gates of one `report` run; `None` / empty means not asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportGates {
    /// Fraction in [0, 1] of package compiles that must be cache hits.
    pub min_hit_rate: Option<f64>,
    /// Most package compiles allowed to miss.
    pub max_misses: Option<usize>,
    /// Longest critical path allowed, with the text the user wrote (`1m30s`).
    pub max_critical_path: Option<Limit>,
    /// Cause kinds no miss may have.
    pub forbid_causes: Vec<CauseKind>,
    /// Most test packages allowed to run instead of replaying a cached result.
    pub max_test_reruns: Option<usize>,
}

/// A duration limit and its spelling on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub ms: f64,
    pub text: String,
}

impl ReportGates {
    pub fn is_empty(&self) -> bool {
        self.min_hit_rate.is_none()
            && self.max_misses.is_none()
            && self.max_critical_path.is_none()
            && self.forbid_causes.is_empty()
            && self.max_test_reruns.is_none()
    }

    /// Checks every gate that was asked for, in a fixed order.
    pub fn check(&self, report: &Report) -> Vec<GateOutcome> {
        let mut out = Vec::new();
        let p = &report.summary.packages;
        if let Some(min) = self.min_hit_rate {
            out.push(GateOutcome {
                name: format!("min-hit-rate {min}"),
                // Nothing looked up (a job log without Go output, a build that stopped
                // first): there is no rate to hold against the limit.
                passed: p.hit_rate.is_none_or(|rate| rate >= min),
                measure: GateMeasure::HitRate {
                    rate: p.hit_rate,
                    min,
                    hits: p.hits,
                    lookups: p.hits + p.misses,
                },
            });
        }
        if let Some(max) = self.max_misses {
            out.push(GateOutcome {
                name: format!("max-misses {max}"),
                passed: p.misses <= max,
                measure: GateMeasure::Misses {
                    misses: p.misses,
                    max,
                },
            });
        }
        if let Some(limit) = &self.max_critical_path {
            let cp = report.summary.critical_path_ms;
            out.push(GateOutcome {
                name: format!("max-critical-path {}", limit.text),
                passed: cp <= limit.ms,
                measure: GateMeasure::CriticalPath {
                    ms: cp,
                    limit_ms: limit.ms,
                    limit_text: limit.text.clone(),
                },
            });
        }
        for &kind in &self.forbid_causes {
            let hits: Vec<&str> = report
                .actions
                .iter()
                .filter(|a| a.cache == CacheOutcome::Miss)
                .filter(|a| a.cause.as_ref().is_some_and(|c| c.kind == kind))
                .map(|a| a.package.as_str())
                .collect();
            let mut packages: Vec<String> = hits.iter().map(|p| p.to_string()).collect();
            packages.sort_unstable();
            packages.dedup();
            out.push(GateOutcome {
                name: format!("forbid-cause {kind}"),
                passed: hits.is_empty(),
                measure: GateMeasure::ForbiddenCause {
                    kind,
                    misses: hits.len(),
                    packages,
                },
            });
        }
        if let Some(max) = self.max_test_reruns {
            // No `go test` results: nothing ran, the gate passes.
            let packages: Vec<String> = report
                .tests
                .iter()
                .flat_map(|t| t.results.iter())
                .filter(|r| r.cause.is_some())
                .map(|r| r.package.clone())
                .collect();
            out.push(GateOutcome {
                name: format!("max-test-reruns {max}"),
                passed: packages.len() <= max,
                measure: GateMeasure::TestReruns {
                    ran: packages.len(),
                    max,
                    packages,
                },
            });
        }
        out
    }
}

/// Why a gate's value on the command line was rejected.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GateParseError {
    #[error(
        "`{0}` is not a duration: write a number and a unit, e.g. 90s, 1m30s, 1500ms, 1.5h \
         (units: ns, us, ms, s, m, h)"
    )]
    Duration(String),
    #[error(
        "`{0}` is not a hit rate: write a fraction between 0 and 1 (0.9) or a percentage (90%)"
    )]
    HitRate(String),
    #[error("`{given}` is not a cause kind; expected one of: {expected}")]
    CauseKind { given: String, expected: String },
}

/// Parses a Go-style duration (`time.ParseDuration`: `90s`, `1m30s`, `1500ms`, `1.5h`)
/// into milliseconds. Negative durations are refused: a limit is a length of time.
pub fn parse_duration_ms(text: &str) -> Result<f64, GateParseError> {
    let err = || GateParseError::Duration(text.to_owned());
    let s = text.trim();
    if s == "0" {
        return Ok(0.0);
    }
    let bytes = s.as_bytes();
    let (mut i, mut total) = (0, 0.0_f64);
    if bytes.is_empty() {
        return Err(err());
    }
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number: f64 = s[start..i].parse().map_err(|_| err())?;
        let unit_start = i;
        while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let scale = match &s[unit_start..i] {
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            _ => return Err(err()),
        };
        total += number * scale;
    }
    if total.is_finite() {
        Ok(total)
    } else {
        Err(err())
    }
}

/// Parses `0.9` or `90%` into a fraction in [0, 1].
pub fn parse_hit_rate(text: &str) -> Result<f64, GateParseError> {
    let err = || GateParseError::HitRate(text.to_owned());
    let s = text.trim();
    let rate = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map_err(|_| err())? / 100.0,
        None => s.parse::<f64>().map_err(|_| err())?,
    };
    if (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(err())
    }
}

/// Parses a cause kind as the JSON report spells it (`workdir`, `cache-not-restored`).
pub fn parse_cause_kind(text: &str) -> Result<CauseKind, GateParseError> {
    CauseKind::parse(text.trim()).ok_or_else(|| GateParseError::CauseKind {
        given: text.to_owned(),
        expected: CauseKind::ALL.map(CauseKind::as_str).join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        for (text, ms) in [
            ("90s", 90_000.0),
            ("1m30s", 90_000.0),
            ("1500ms", 1500.0),
            ("1.5h", 5_400_000.0),
            ("250us", 0.25),
            ("0", 0.0),
            ("2m", 120_000.0),
        ] {
            assert_eq!(parse_duration_ms(text), Ok(ms), "{text}");
        }
        for bad in ["", "90", "s", "1x", "-1s", "1m30", "..s", "1e400s"] {
            assert!(
                matches!(parse_duration_ms(bad), Err(GateParseError::Duration(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn hit_rates() {
        assert_eq!(parse_hit_rate("0.9"), Ok(0.9));
        assert_eq!(parse_hit_rate("90%"), Ok(0.9));
        for bad in ["1.5", "-0.1", "ninety", "NaN", "120%"] {
            assert!(parse_hit_rate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cause_kinds_are_the_json_spelling() {
        for kind in CauseKind::ALL {
            assert_eq!(parse_cause_kind(kind.as_str()), Ok(kind));
        }
        let err = parse_cause_kind("moved").unwrap_err();
        assert!(err.to_string().contains("workdir"), "{err}");
    }
}
