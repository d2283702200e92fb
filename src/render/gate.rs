//! Gates in words: what a checked gate measured against what was allowed, one line for a
//! person ("hit rate 0.62 < 0.90 (...)"), used by the terminal, the page and `junit.xml`.

use crate::model::{GateMeasure, GateOutcome};
use crate::render::table::seconds;

/// The gate's measurement as one line.
pub fn message(gate: &GateOutcome) -> String {
    let cmp = |ok: bool, pass: &'static str, fail: &'static str| if ok { pass } else { fail };
    match &gate.measure {
        GateMeasure::HitRate {
            rate: Some(rate),
            min,
            hits,
            lookups,
        } => format!(
            "hit rate {rate:.2} {} {min:.2} ({hits} of {lookups} package compiles from the cache)",
            cmp(rate >= min, ">=", "<")
        ),
        GateMeasure::HitRate { rate: None, .. } => {
            "no package compile was looked up in the cache: nothing to gate".to_owned()
        }
        GateMeasure::Misses { misses, max } => format!(
            "{misses} package compiles missed the cache {} {max} allowed",
            cmp(misses <= max, "<=", ">")
        ),
        GateMeasure::CriticalPath {
            ms,
            limit_ms,
            limit_text,
        } => format!(
            "critical path {} {} {limit_text} allowed",
            seconds(*ms),
            cmp(ms <= limit_ms, "<=", ">")
        ),
        GateMeasure::ForbiddenCause {
            kind, misses: 0, ..
        } => format!("no miss was caused by {kind}"),
        GateMeasure::ForbiddenCause {
            kind,
            misses,
            packages,
        } => {
            let shown = packages
                .iter()
                .take(5)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let more = packages.len().saturating_sub(5);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            format!("{misses} misses caused by {kind}: {shown}{more}")
        }
        GateMeasure::Slowdown {
            delta_ms: Some(delta),
            allowed_ms: Some(allowed),
        } => format!(
            "HEAD is {} {} than BASE; {} {} allowed",
            seconds(delta.abs()),
            cmp(*delta >= 0.0, "slower", "faster"),
            cmp(delta <= allowed, "<=", ">"),
            seconds(*allowed)
        ),
        GateMeasure::Slowdown { .. } => {
            "a side has no wall time: the slowdown cannot be checked".to_owned()
        }
        GateMeasure::Regression { failures } if failures.is_empty() => {
            "no regression above the limit".to_owned()
        }
        GateMeasure::Regression { failures } => failures.join("; "),
        GateMeasure::NewMisses { count, max } => format!(
            "{count} new cache misses (hit in BASE, missed in HEAD) {} {max} allowed",
            cmp(count <= max, "<=", ">")
        ),
        GateMeasure::TestReruns { ran, max, packages } => format!(
            "{ran} test package(s) ran instead of replaying a cached result {} {max} allowed{}",
            cmp(ran <= max, "<=", ">"),
            if packages.is_empty() {
                String::new()
            } else {
                format!(" ({})", packages.join(", "))
            }
        ),
    }
}
