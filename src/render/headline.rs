//! The answer first: one plain sentence saying how many packages rebuilt and why, and one
//! saying where the time went, shared by the HTML page and the Markdown summary. Plain text:
//! each renderer escapes it for its own markup. Not for tables.

use std::collections::HashSet;

use crate::model::{ActionReport, CacheOutcome, CauseKind, Report, name_some};

use crate::render::table::seconds;

/// The test result cache and module cache in one sentence, for the headline beside
/// [`sentence`]: "1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the
/// tests; 3 modules downloaded (205.0 ms): the cache for .go/pkg/mod was not restored."
/// `None` when the run had neither tests nor module downloads.
pub fn caches_sentence(report: &Report) -> Option<String> {
    crate::render::caches::answer(report).map(|h| format!("{h}."))
}

/// What a miss of this kind means, in words a reader needs no glossary for.
pub fn because(kind: CauseKind) -> &'static str {
    match kind {
        CauseKind::Toolchain => "the Go toolchain changed",
        CauseKind::Platform => "the target platform changed",
        CauseKind::Env => "the build environment changed",
        CauseKind::Flags => "build flags changed",
        CauseKind::GoDirective => "the go directive changed",
        CauseKind::Workdir => "the checkout moved",
        CauseKind::Pgo => "the PGO profile (default.pgo) changed",
        CauseKind::Source => "their source changed",
        CauseKind::Vcs => "a new commit changed their stamped VCS info",
        CauseKind::Dependency => "a package they import changed",
        CauseKind::Evicted => "their cache entries were gone",
        CauseKind::CacheNotRestored => "the CI cache was not restored",
        CauseKind::NotCached => "go build keeps no linked binary in the cache",
        CauseKind::New => "they are new since the baseline",
        CauseKind::Cold => "the build cache was empty",
        CauseKind::Unknown => "of something the inputs do not show",
    }
}

fn is_package_miss(a: &ActionReport) -> bool {
    a.mode == crate::model::Mode::Build && a.cache == CacheOutcome::Miss
}

/// "4 of 67 packages rebuilt: 3 because a package they import changed (started at
/// example.com/shop/internal/money), 1 because their source changed (money.go changed)."
pub fn sentence(report: &Report) -> String {
    let p = &report.summary.packages;
    if report.actions.is_empty() {
        return if report.job.is_some() {
            "The job log holds no Go build evidence: see the job's timeline below.".to_owned()
        } else {
            "No Go build actions were found in the inputs.".to_owned()
        };
    }
    let counted = p.hits + p.misses;
    if p.misses == 0 {
        let failed = if report.build.failed {
            " The build failed before anything needed rebuilding."
        } else {
            ""
        };
        return if counted == 1 {
            format!("The one package compile came from the build cache.{failed}")
        } else {
            format!("All {counted} package compiles came from the build cache.{failed}")
        };
    }
    let mut parts = Vec::new();
    let mut unattributed = 0;
    for kind in CauseKind::ALL {
        let group: Vec<&ActionReport> = report
            .actions
            .iter()
            .filter(|a| is_package_miss(a))
            .filter(|a| a.cause.as_ref().is_some_and(|c| c.kind == kind))
            .collect();
        // The count is the report's own (summary.by_kind), so the sentence and the causes
        // table say the same number.
        let packages = report
            .summary
            .by_kind
            .iter()
            .find(|k| k.kind == kind)
            .map_or(0, |k| k.packages);
        if packages == 0 {
            continue;
        }
        parts.push((packages, kind, detail(kind, &group, report)));
    }
    for a in report.actions.iter().filter(|a| is_package_miss(a)) {
        if a.cause.is_none() {
            unattributed += 1;
        }
    }
    // Most rebuilds first; ties keep the legend order.
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    let mut s = format!("{} of {} packages rebuilt", p.misses, counted);
    if !parts.is_empty() {
        s.push_str(": ");
        let said: Vec<String> = parts
            .iter()
            .map(|(n, kind, detail)| {
                let why = because(*kind);
                match detail {
                    Some(d) => format!("{n} because {why} ({d})"),
                    None => format!("{n} because {why}"),
                }
            })
            .collect();
        s.push_str(&said.join(", "));
    }
    if unattributed > 0 {
        s.push_str(&format!(
            "{}{unattributed} for reasons unknown without a baseline (pass --baseline)",
            if parts.is_empty() { ": " } else { ", " }
        ));
    }
    s.push('.');
    s
}

/// The specifics behind a kind: the origins for source and dependency misses, the first
/// group detail otherwise (`GOARCH: amd64 → arm64`).
fn detail(kind: CauseKind, group: &[&ActionReport], report: &Report) -> Option<String> {
    match kind {
        CauseKind::Source | CauseKind::Dependency => {
            // First-seen order; a set lookup per name and each shared origin set read
            // once (a chain above a wide fan-in repeats one set thousands of times).
            let mut origins: Vec<&str> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            // Addresses of sets the report holds for the whole call: none is freed here.
            let mut sets_read: HashSet<usize> = HashSet::new();
            // A set kept only in part (past the build's origin budget) has more names.
            let mut in_part = false;
            for a in group {
                let Some(c) = &a.cause else { continue };
                let names: &[String] = if kind == CauseKind::Source {
                    std::slice::from_ref(&a.package)
                } else {
                    if !c.origins.is_empty() && !sets_read.insert(c.origins.key()) {
                        continue;
                    }
                    in_part |= !c.origins.is_complete();
                    &c.origins
                };
                for n in names {
                    if seen.insert(n.as_str()) {
                        origins.push(n.as_str());
                    }
                }
            }
            if origins.is_empty() {
                return None;
            }
            let list = if in_part {
                format!(
                    "{} and more",
                    name_some(&origins[..origins.len().min(3)], 3, ", ")
                )
            } else {
                name_some(&origins, 3, ", ")
            };
            Some(if kind == CauseKind::Source {
                let first = group.first().and_then(|a| a.cause.as_ref());
                match first {
                    Some(c) if group.len() == 1 => format!("{}: {}", list, c.detail),
                    _ => list,
                }
            } else {
                format!("started at {list}")
            })
        }
        _ => report
            .causes
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| c.detail.clone())
            .filter(|d| !d.is_empty()),
    }
}

/// Where the time went: wall time, critical path, time in misses, the costliest miss.
pub fn time_sentence(report: &Report) -> Option<String> {
    if report.actions.is_empty() {
        return None;
    }
    let s = &report.summary;
    let mut out = match report.build.wall_ms {
        Some(w) => format!(
            "The build took {}; its critical path was {}",
            seconds(w),
            seconds(s.critical_path_ms)
        ),
        None => format!("The critical path was {}", seconds(s.critical_path_ms)),
    };
    out.push_str(&format!(
        ", and {} went to actions that missed the cache",
        seconds(s.miss_ms)
    ));
    let worst = report
        .actions
        .iter()
        .filter(|a| a.cache == CacheOutcome::Miss)
        .filter_map(|a| a.duration_ms.map(|d| (d, a)))
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.id.cmp(&a.1.id)));
    if let Some((d, a)) = worst {
        out.push_str(&format!(
            "; the costliest was {} {} ({}{})",
            a.mode,
            a.package,
            seconds(d),
            a.cause
                .as_ref()
                .map(|c| format!(", {}", c.kind))
                .unwrap_or_default()
        ));
    }
    out.push('.');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(head: &str, base: &str) -> Report {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scenarios");
        let load = |n: &str| crate::ingest::load(&[dir.join(n)]).expect("fixture loads");
        crate::analysis::report(load(head), Some(load(base)))
    }

    /// Regression (issue 10.7): the sentence said "3 ... 1 ..." above a `dependency` row of
    /// 4 (3 compiles and the link). Every output now counts packages the same way.
    #[test]
    fn the_sentence_and_the_causes_count_packages_alike() {
        let r = report("edit-propagates", "warm");
        assert_eq!(
            sentence(&r),
            "4 of 67 packages rebuilt: 3 because a package they import changed (started at \
             example.com/shop/internal/money), 1 because their source changed \
             (example.com/shop/internal/money: money.go changed)."
        );
        let dependency: usize = r
            .causes
            .iter()
            .filter(|c| c.kind == CauseKind::Dependency)
            .map(|c| c.packages)
            .sum();
        assert_eq!(dependency, 3);
        let packages: usize = r.summary.by_kind.iter().map(|k| k.packages).sum();
        assert_eq!(packages, r.summary.packages.misses);
        let actions: usize = r.summary.by_kind.iter().map(|k| k.actions).sum();
        assert_eq!(actions, r.causes.iter().map(|c| c.misses).sum::<usize>());
    }
}
