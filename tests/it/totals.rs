//! Numbers that agree (issue 16): on every scenario of SCENARIOS.md, each total of the JSON
//! report is the sum of its parts: time in misses over the cause rows and over the kinds,
//! miss counts over the cause rows, package counts over outcomes and over modules.

use crate::compare::scenarios;
use crate::harness::scenario_report;

/// Rows carry milliseconds rounded to the microsecond: a sum of n rows may differ from the
/// rounded total by half a microsecond per row.
fn close(total: f64, parts: &[f64]) -> bool {
    let sum: f64 = parts.iter().sum();
    (total - sum).abs() <= 0.0005 * (parts.len() as f64 + 1.0)
}

#[test]
fn every_total_is_the_sum_of_its_parts_on_every_scenario() {
    for (name, base) in scenarios() {
        let r = scenario_report(&name, base.as_deref());
        let s = &r.summary;
        let label = format!("{name} (baseline {base:?})");
        let cause_ms: Vec<f64> = r.causes.iter().map(|c| c.time_ms).collect();
        assert!(
            close(s.miss_ms, &cause_ms),
            "{label}: miss_ms {} but the causes add up to {}",
            s.miss_ms,
            cause_ms.iter().sum::<f64>()
        );
        let kind_ms: Vec<f64> = s.by_kind.iter().map(|k| k.time_ms).collect();
        assert!(close(s.miss_ms, &kind_ms), "{label}: by_kind time");
        let cause_actions: usize = r.causes.iter().map(|c| c.misses).sum();
        let kind_actions: usize = s.by_kind.iter().map(|k| k.actions).sum();
        assert_eq!(cause_actions, kind_actions, "{label}: actions per kind");
        let keyed_misses = r
            .actions
            .iter()
            .filter(|a| {
                a.cache == goattrib::model::CacheOutcome::Miss
                    && (a.mode.has_cache_key() || a.mode.as_str() == "preprocess PGO profile")
            })
            .count();
        assert_eq!(
            cause_actions, keyed_misses,
            "{label}: cause rows count every miss"
        );
        let cause_packages: usize = r.causes.iter().map(|c| c.packages).sum();
        let p = &s.packages;
        assert_eq!(
            cause_packages, p.misses,
            "{label}: package misses over causes"
        );
        assert_eq!(
            p.total,
            p.hits + p.misses + p.installed + p.not_run,
            "{label}: package outcomes"
        );
        let m = |f: fn(&goattrib::model::ModuleStats) -> usize| -> usize {
            r.modules.iter().map(f).sum()
        };
        assert_eq!(m(|m| m.packages), p.total, "{label}: packages over modules");
        assert_eq!(m(|m| m.hits), p.hits, "{label}: hits over modules");
        assert_eq!(m(|m| m.misses), p.misses, "{label}: misses over modules");
    }
}
