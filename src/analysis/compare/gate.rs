//! `compare`'s gates: `--max-slowdown 10%` (or a duration, `30s`) and `--max-new-misses N`,
//! checked against a finished [`Comparison`]; each is one JUnit case, as `report`'s gates.

use crate::analysis::gate::parse_duration_ms;
use crate::model::compare::Comparison;
use crate::model::{GateMeasure, GateOutcome};

/// The most HEAD may be slower than BASE.
#[derive(Debug, Clone, PartialEq)]
pub enum Slowdown {
    /// A fraction of BASE's wall time (`10%` is 0.1).
    Share { fraction: f64, text: String },
    /// Milliseconds (`30s`, `1m`).
    Time { ms: f64, text: String },
}

/// Parses `10%` or a Go duration (`30s`, `1m30s`); the error is one line for the user.
pub fn parse_slowdown(text: &str) -> Result<Slowdown, String> {
    let s = text.trim();
    let err = || {
        format!(
            "`{text}` is not a slowdown: write a percentage of BASE's wall time (10%) or a \
             duration (30s, 1m30s)"
        )
    };
    match s.strip_suffix('%') {
        Some(p) => match p.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(Slowdown::Share {
                fraction: v / 100.0,
                text: s.to_owned(),
            }),
            _ => Err(err()),
        },
        None => parse_duration_ms(s)
            .map(|ms| Slowdown::Time {
                ms,
                text: s.to_owned(),
            })
            .map_err(|_| err()),
    }
}

/// The gates of one `compare` run; all `None` means none was asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompareGates {
    pub max_slowdown: Option<Slowdown>,
    pub max_new_misses: Option<usize>,
}

impl CompareGates {
    pub fn is_empty(&self) -> bool {
        self.max_slowdown.is_none() && self.max_new_misses.is_none()
    }

    pub fn check(&self, c: &Comparison) -> Vec<GateOutcome> {
        let mut out = Vec::new();
        if let Some(limit) = &self.max_slowdown {
            let text = match limit {
                Slowdown::Share { text, .. } | Slowdown::Time { text, .. } => text,
            };
            let name = format!("max-slowdown {text}");
            let allowed = match limit {
                Slowdown::Share { fraction, .. } => c.base.wall_ms.map(|b| b * fraction),
                Slowdown::Time { ms, .. } => Some(*ms),
            };
            out.push(GateOutcome {
                name,
                // Without both wall times the slowdown is unknown: the gate cannot pass.
                passed: matches!((c.delta.wall_ms, allowed), (Some(d), Some(a)) if d <= a),
                measure: GateMeasure::Slowdown {
                    delta_ms: c.delta.wall_ms,
                    allowed_ms: allowed,
                },
            });
        }
        if let Some(max) = self.max_new_misses {
            let n = c.new_misses.len();
            out.push(GateOutcome {
                name: format!("max-new-misses {max}"),
                passed: n <= max,
                measure: GateMeasure::NewMisses { count: n, max },
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slowdowns_are_shares_or_durations() {
        assert!(
            matches!(parse_slowdown("10%"), Ok(Slowdown::Share { fraction, .. }) if (fraction - 0.1).abs() < 1e-12)
        );
        assert!(matches!(parse_slowdown("1m30s"), Ok(Slowdown::Time { ms, .. }) if ms == 90_000.0));
        for bad in ["", "ten%", "-5%", "10"] {
            assert!(parse_slowdown(bad).is_err(), "{bad}");
        }
    }
}
