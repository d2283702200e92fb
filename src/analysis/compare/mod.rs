//! `goattrib compare`: why one pipeline's Go build was slower (or faster) than another's.
//!
//! Each side is read as a build with hash inputs (bundle, manifest) or as a finished report
//! (`load`). HEAD's misses get their causes from analysing HEAD with BASE as its baseline;
//! then both finished reports are paired action by action and the wall-time delta is shared
//! among causes (`attribute`, which documents how parallel time is counted). Nothing here
//! renders: the result is the [`Comparison`] contract.

mod attribute;
mod caches;
pub mod gate;
mod load;
pub mod side;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::ingest::IngestError;
use crate::model::compare::*;
use crate::model::{CacheOutcome, CauseKind, MAX_ORIGINS_LISTED, Origins};
use attribute::{Busy, Group, Groups};
pub use load::Loaded;
use side::{ActionView, Side, ms, us};

#[derive(Debug, Error)]
pub enum CompareError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error("no usable input in `{path}`: {reason}")]
    NoInput { path: PathBuf, reason: String },
    #[error(
        "failed to parse `{path}` as a goattrib report at line {line}, column {column}: {message}"
    )]
    Report {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("`{path}` is a `{found}` report; this goattrib compares `goattrib.report/v1`")]
    Schema { path: PathBuf, found: String },
    #[error("failed to read back an analysed report")]
    Internal(#[from] serde_json::Error),
}

/// How many regressed actions `slower` lists.
const SLOWER_ROWS: usize = 25;

/// Compares two builds given as paths (bundle or report folder, manifest, report.json).
/// Both are read at the same time.
pub fn compare_paths(base: &Path, head: &Path) -> Result<Comparison, CompareError> {
    compare_sides(&[base.to_owned()], &[head.to_owned()])
}

/// Compares two builds, each given as its main path plus extra files of the same build
/// (a GitLab job log).
pub fn compare_sides(base: &[PathBuf], head: &[PathBuf]) -> Result<Comparison, CompareError> {
    let (b, h) = rayon::join(|| load::load(base), || load::load(head));
    compare_loaded(b?, h?)
}

/// Analyses what needs analysing and compares.
pub fn compare_loaded(base: Loaded, head: Loaded) -> Result<Comparison, CompareError> {
    let mut warnings = Vec::new();
    let mut partial = false;
    let (base, head) = match (base, head) {
        (
            Loaded::Build {
                data: b,
                source: bs,
                partial: bp,
            },
            Loaded::Build {
                data: h,
                source: hs,
                partial: hp,
            },
        ) => {
            let diffable = !b.inputs.is_empty();
            if !diffable {
                warnings.push(
                    "BASE has no gocachehash inputs: HEAD's new misses are not diffed against it \
                     (record BASE with `goattrib record`, or pass its manifest.json.gz)"
                        .to_owned(),
                );
            }
            partial_warning(&mut warnings, "BASE", bp);
            partial_warning(&mut warnings, "HEAD", hp);
            partial = bp || hp;
            let (br, hr) = rayon::join(
                || crate::analysis::analyze(&b, None),
                || crate::analysis::analyze(&h, diffable.then_some(&*b)),
            );
            (Side::from_report(&br, bs)?, Side::from_report(&hr, hs)?)
        }
        (
            Loaded::Report(b),
            Loaded::Build {
                data: h,
                source,
                partial: hp,
            },
        ) => {
            partial_warning(&mut warnings, "HEAD", hp);
            partial = hp;
            warnings.push(
                "BASE is a report.json without hash inputs: HEAD's new misses are not diffed \
                 against it (pass BASE's bundle or manifest.json.gz for their root causes)"
                    .to_owned(),
            );
            let hr = crate::analysis::analyze(&h, None);
            (*b, Side::from_report(&hr, source)?)
        }
        (
            Loaded::Build {
                data: b,
                source,
                partial: bp,
            },
            Loaded::Report(h),
        ) => {
            partial_warning(&mut warnings, "BASE", bp);
            partial = bp;
            warnings.push(head_report_warning());
            let br = crate::analysis::analyze(&b, None);
            (Side::from_report(&br, source)?, *h)
        }
        (Loaded::Report(b), Loaded::Report(h)) => {
            warnings.push(head_report_warning());
            (*b, *h)
        }
    };
    let mut c = compare(&base, &head, warnings);
    c.partial = partial;
    Ok(c)
}

fn head_report_warning() -> String {
    "HEAD is a report.json: its causes are the ones in it, computed against that report's own \
     baseline, not against BASE"
        .to_owned()
}

fn partial_warning(warnings: &mut Vec<String>, side: &str, partial: bool) {
    if partial {
        warnings.push(format!(
            "{side}: some input files could not be read (see the warnings below)"
        ));
    }
}

/// Pairs key: mode, package, whether it is the package's PGO variant (built plain and with
/// a profile, one package is two actions, in either order), and the occurrence of that
/// triple (a few modes repeat).
type PairKey<'a> = (&'a str, &'a str, bool, usize);

fn index(actions: &[ActionView]) -> BTreeMap<PairKey<'_>, &ActionView> {
    let profiles: std::collections::HashSet<u64> = actions
        .iter()
        .filter(|a| a.mode.as_str() == crate::analysis::assemble::PREPROCESS_PGO)
        .map(|a| a.id)
        .collect();
    let mut seen: HashMap<(&str, &str, bool), usize> = HashMap::new();
    actions
        .iter()
        .map(|a| {
            let pgo = a.mode.has_cache_key() && a.deps.iter().any(|d| profiles.contains(d));
            let n = seen.entry((a.mode.as_str(), &a.package, pgo)).or_default();
            *n += 1;
            ((a.mode.as_str(), a.package.as_str(), pgo, *n - 1), a)
        })
        .collect()
}

/// The origin a new miss is grouped under, as `report` names its cause groups (at most
/// [`MAX_ORIGINS_LISTED`] origins, "… and N more"). The text of a shared set is made once,
/// not once per miss (keyed by the set, which `texts` keeps alive).
fn group_origin(a: &ActionView, texts: &mut HashMap<usize, (Origins, String)>) -> Option<String> {
    let c = a.cause.as_ref()?;
    match c.kind {
        CauseKind::Source => Some(a.package.clone()),
        CauseKind::Dependency if !c.origins.is_empty() => {
            let key = c.origins.key();
            match texts.get(&key) {
                Some((kept, text)) if kept.shares(&c.origins) => Some(text.clone()),
                _ => {
                    let text = c.origins.named(MAX_ORIGINS_LISTED, ", ");
                    texts.insert(key, (c.origins.clone(), text.clone()));
                    Some(text)
                }
            }
        }
        _ => None,
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Compares two finished sides. Pure: the same sides give the same bytes.
pub fn compare(base: &Side, head: &Side, mut warnings: Vec<String>) -> Comparison {
    let mut origin_texts = HashMap::new();
    let b_index = index(&base.actions);
    let h_index = index(&head.actions);
    let mut groups: Groups = BTreeMap::new();
    let mut new_misses = Vec::new();
    let mut fixed_misses = Vec::new();
    let mut slower = Vec::new();
    let mut keys: Vec<&PairKey> = b_index.keys().chain(h_index.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let (b, h) = (b_index.get(key).copied(), h_index.get(key).copied());
        let (change, kind, origin, cause_of) = match (b, h) {
            (Some(b), Some(h)) => {
                match (b.cache == CacheOutcome::Miss, h.cache == CacheOutcome::Miss) {
                    (false, true) => {
                        let kind = h.cause.as_ref().map_or(CauseKind::Unknown, |c| c.kind);
                        (
                            Change::NewMiss,
                            AttributionKind::Cause(kind),
                            group_origin(h, &mut origin_texts),
                            Some(h),
                        )
                    }
                    (true, false) => {
                        let kind = b.cause.as_ref().map_or(CauseKind::Unknown, |c| c.kind);
                        (Change::Fixed, AttributionKind::Cause(kind), None, Some(b))
                    }
                    _ => (Change::SameOutcome, AttributionKind::Duration, None, None),
                }
            }
            (None, Some(h)) if h.cache == CacheOutcome::Miss => {
                let kind = h.cause.as_ref().map_or(CauseKind::New, |c| c.kind);
                (
                    Change::Added,
                    AttributionKind::Cause(kind),
                    group_origin(h, &mut origin_texts),
                    Some(h),
                )
            }
            (None, Some(_)) => (Change::Added, AttributionKind::Added, None, None),
            (Some(_), None) => (Change::Removed, AttributionKind::Removed, None, None),
            (None, None) => continue,
        };
        let (b_us, h_us) = (
            b.map_or(0, ActionView::duration_us),
            h.map_or(0, ActionView::duration_us),
        );
        let delta = h_us.saturating_sub(b_us);
        let keyed = h.or(b).is_some_and(ActionView::is_keyed);
        let g = groups
            .entry((change, kind, origin))
            .or_insert_with(|| Group {
                detail: cause_of
                    .and_then(|a| a.cause.as_ref())
                    .map(|c| c.detail.clone())
                    .unwrap_or_default(),
                ..Group::default()
            });
        g.misses += usize::from(keyed && change != Change::SameOutcome);
        g.action_us = g.action_us.saturating_add(delta);
        let opt_ms = |a: Option<&ActionView>| a.and_then(|a| a.duration_ms);
        match (change, b, h) {
            (Change::NewMiss, _, Some(h)) if keyed => new_misses.push(NewMiss {
                package: h.package.clone(),
                mode: h.mode.clone(),
                module: h.module.clone(),
                cause: h.cause_ref().unwrap_or(CauseRef {
                    kind: CauseKind::Unknown,
                    detail: "no cause was computed".to_owned(),
                    origins: Origins::default(),
                }),
                base_ms: opt_ms(b),
                head_ms: opt_ms(Some(h)),
            }),
            (Change::Fixed, Some(b), _) if keyed => fixed_misses.push(FixedMiss {
                package: b.package.clone(),
                mode: b.mode.clone(),
                module: b.module.clone(),
                base_cause: b.cause.as_ref().map(|c| c.kind),
                base_ms: opt_ms(Some(b)),
                head_ms: opt_ms(h),
            }),
            (Change::SameOutcome, Some(b), Some(h))
                if delta > 0 && b.duration_ms.is_some() && h.duration_ms.is_some() =>
            {
                slower.push(Slower {
                    package: h.package.clone(),
                    mode: h.mode.clone(),
                    cache: h.cache,
                    base_ms: ms(b_us),
                    head_ms: ms(h_us),
                    delta_ms: ms(delta),
                })
            }
            _ => {}
        }
    }
    for ((change, kind, _), g) in groups.iter_mut() {
        g.detail = group_detail(*change, *kind, g);
    }
    let cost = |m: &NewMiss| us(m.head_ms.unwrap_or(0.0)) - us(m.base_ms.unwrap_or(0.0));
    new_misses.sort_by(|a, b| cost(b).cmp(&cost(a)).then(a.package.cmp(&b.package)));
    fixed_misses.sort_by(|a, b| {
        us(b.base_ms.unwrap_or(0.0))
            .cmp(&us(a.base_ms.unwrap_or(0.0)))
            .then(a.package.cmp(&b.package))
    });
    slower.sort_by(|a, b| {
        b.delta_ms
            .total_cmp(&a.delta_ms)
            .then(a.package.cmp(&b.package))
    });
    slower.truncate(SLOWER_ROWS);

    let packages = |s: &Side| -> Vec<String> {
        s.actions
            .iter()
            .filter(|a| a.mode == crate::model::Mode::Build)
            .map(|a| a.package.clone())
            .collect()
    };
    let (b_pk, h_pk) = (packages(base), packages(head));
    let (b_set, h_set): (HashSet<&String>, HashSet<&String>) =
        (b_pk.iter().collect(), h_pk.iter().collect());
    let mut added: Vec<String> = h_pk
        .iter()
        .filter(|p| !b_set.contains(p))
        .cloned()
        .collect();
    let mut removed: Vec<String> = b_pk
        .iter()
        .filter(|p| !h_set.contains(p))
        .cloned()
        .collect();
    added.sort();
    added.dedup();
    removed.sort();
    removed.dedup();

    let busy = |s: &Side| Busy {
        wall_us: s.wall_us(),
        busy_us: s
            .actions
            .iter()
            .fold(0i64, |a, x| a.saturating_add(x.duration_us())),
    };
    let (b_busy, h_busy) = (busy(base), busy(head));
    let delta_us = h_busy
        .wall_us
        .zip(b_busy.wall_us)
        .map(|(h, b)| h.saturating_sub(b));
    if delta_us.is_none() {
        warnings.push(
            "a side has no wall time (a build without timings): the delta is not attributed"
                .to_owned(),
        );
    }
    let shares = attribute::share(groups, b_busy, h_busy, delta_us);
    for (name, s) in [("BASE", base), ("HEAD", head)] {
        warnings.extend(s.warnings.iter().map(|w| format!("{name}: {w}")));
    }
    Comparison {
        partial: false,
        schema: COMPARE_SCHEMA,
        base: summary(base, b_busy),
        head: summary(head, h_busy),
        delta: Delta {
            wall_ms: delta_us.map(ms),
            critical_path_ms: ms(
                us(head.summary.critical_path_ms) - us(base.summary.critical_path_ms)
            ),
            miss_ms: ms(us(head.summary.miss_ms) - us(base.summary.miss_ms)),
            hits: head.summary.packages.hits as i64 - base.summary.packages.hits as i64,
            misses: head.summary.packages.misses as i64 - base.summary.packages.misses as i64,
            hit_rate: head
                .summary
                .packages
                .hit_rate
                .zip(base.summary.packages.hit_rate)
                .map(|(h, b)| ((h - b) * 10_000.0).round() / 10_000.0),
        },
        attribution: shares.rows,
        unexplained_ms: ms(shares.unexplained_us),
        explained_share: shares.explained_share,
        new_misses,
        fixed_misses,
        slower,
        added,
        removed,
        modules: module_deltas(base, head),
        job: job_delta(base, head, &mut warnings),
        new_test_reruns: caches::new_test_reruns(base.tests.as_ref(), head.tests.as_ref()),
        new_downloads: caches::new_downloads(
            base.module_cache.as_ref(),
            head.module_cache.as_ref(),
        ),
        warnings,
    }
}

/// A group's line for a person; renderers put the time in front.
fn group_detail(change: Change, kind: AttributionKind, g: &Group) -> String {
    let n = g.misses;
    let packages = plural(n, "package", "packages");
    let what = match change {
        Change::NewMiss | Change::Added if kind == AttributionKind::Cause(CauseKind::New) => {
            return format!(
                "{} the baseline did not build",
                plural(n, "action", "actions")
            );
        }
        Change::NewMiss | Change::Added if kind != AttributionKind::Added && n > 0 => {
            format!("{packages} rebuilt")
        }
        Change::NewMiss => "tool runs (cgo, asm...) rebuilt".to_owned(),
        Change::Added if kind != AttributionKind::Added => {
            "tool runs (cgo, asm...) rebuilt".to_owned()
        }
        Change::Added => return "actions only HEAD has, that did not run".to_owned(),
        Change::Fixed if n > 0 => {
            return format!("{packages} served from the cache again (missed in BASE: {kind})");
        }
        Change::Fixed => return format!("tool runs no longer needed (missed in BASE: {kind})"),
        Change::SameOutcome => {
            return "actions with the same cache outcome ran longer or shorter".to_owned();
        }
        Change::Removed => return "actions only BASE had".to_owned(),
    };
    if g.detail.is_empty() {
        what
    } else if let Some(rest) = g.detail.strip_prefix("rebuilt ") {
        // "3 packages rebuilt because example.com/m/x changed".
        format!("{what} {rest}")
    } else {
        format!("{what}: {}", g.detail)
    }
}

fn summary(s: &Side, busy: Busy) -> SideSummary {
    SideSummary {
        source: s.source.clone(),
        wall_ms: s.wall_us().map(ms),
        critical_path_ms: s.summary.critical_path_ms,
        hits: s.summary.packages.hits,
        misses: s.summary.packages.misses,
        hit_rate: s.summary.packages.hit_rate,
        miss_ms: s.summary.miss_ms,
        packages: s.summary.packages.total,
        parallelism: busy.parallelism(),
        go_version: s.build.go_version.clone(),
        goos: s.build.goos.clone(),
        goarch: s.build.goarch.clone(),
    }
}

fn module_deltas(base: &Side, head: &Side) -> Vec<ModuleDelta> {
    // First-seen order; lookups by map (each side's first entry of a name, as a scan found).
    fn first(side: &Side) -> HashMap<&str, &side::ModuleView> {
        let mut map = HashMap::new();
        for m in &side.modules {
            map.entry(m.module.as_str()).or_insert(m);
        }
        map
    }
    let (in_base, in_head) = (first(base), first(head));
    let mut seen: HashSet<&str> = HashSet::new();
    let mut names: Vec<&str> = Vec::new();
    for m in head.modules.iter().chain(&base.modules) {
        if seen.insert(m.module.as_str()) {
            names.push(&m.module);
        }
    }
    names
        .into_iter()
        .map(|name| {
            let b = in_base.get(name).copied();
            let h = in_head.get(name).copied();
            ModuleDelta {
                module: name.to_owned(),
                base_hit_rate: b.and_then(|m| m.hit_rate),
                head_hit_rate: h.and_then(|m| m.hit_rate),
                base_misses: b.map_or(0, |m| m.misses),
                head_misses: h.map_or(0, |m| m.misses),
                base_miss_ms: b.map_or(0.0, |m| m.miss_ms),
                head_miss_ms: h.map_or(0.0, |m| m.miss_ms),
            }
        })
        .collect()
}

fn job_delta(base: &Side, head: &Side, warnings: &mut Vec<String>) -> Option<JobDelta> {
    let (b, h) = match (&base.job, &head.job) {
        (Some(b), Some(h)) => (b, h),
        (None, None) => return None,
        (b, _) => {
            let only = if b.is_some() { "BASE" } else { "HEAD" };
            warnings.push(format!(
                "only {only} comes with a GitLab job trace: no job section deltas"
            ));
            return None;
        }
    };
    // Each side's first section of a name, by map: 50,000 sections were quadratic.
    fn first(job: &side::JobView) -> HashMap<&str, Option<f64>> {
        let mut map = HashMap::new();
        for x in &job.sections {
            map.entry(x.name.as_str()).or_insert(x.duration_ms);
        }
        map
    }
    let (b_first, h_first) = (first(b), first(h));
    let mut seen: HashSet<&str> = HashSet::new();
    let mut sections: Vec<SectionDelta> = Vec::new();
    for s in h.sections.iter().chain(&b.sections) {
        if !seen.insert(s.name.as_str()) {
            continue;
        }
        let find = |map: &HashMap<&str, Option<f64>>| map.get(s.name.as_str()).copied().flatten();
        let (bm, hm) = (find(&b_first), find(&h_first));
        sections.push(SectionDelta {
            name: s.name.clone(),
            base_ms: bm,
            head_ms: hm,
            delta_ms: hm.zip(bm).map(|(h, b)| ms(us(h) - us(b))),
        });
    }
    let mut changes = Vec::new();
    for (what, bv, hv) in [
        ("runner", &b.runner_version, &h.runner_version),
        ("executor", &b.executor, &h.executor),
        ("image", &b.image, &h.image),
        ("build directory", &b.build_dir, &h.build_dir),
    ] {
        if bv != hv {
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(unknown)".to_owned());
            changes.push(format!("{what}: {} → {}", show(bv), show(hv)));
        }
    }
    let mut cache = Vec::new();
    for op in ["restore", "save"] {
        let ops = |job: &side::JobView| -> Vec<side::CacheOpView> {
            job.cache.iter().filter(|c| c.op == op).cloned().collect()
        };
        let (bo, ho) = (ops(b), ops(h));
        for i in 0..bo.len().max(ho.len()) {
            let (x, y) = (bo.get(i), ho.get(i));
            cache.push(CacheOpDelta {
                op: op.to_owned(),
                base_key: x.and_then(|c| c.key.clone()),
                head_key: y.and_then(|c| c.key.clone()),
                base_outcome: x.map(|c| c.outcome.clone()),
                head_outcome: y.map(|c| c.outcome.clone()),
                base_ms: x.and_then(|c| c.duration_ms),
                head_ms: y.and_then(|c| c.duration_ms),
                key_changed: x.map(|c| &c.key) != y.map(|c| &c.key),
            });
        }
    }
    Some(JobDelta {
        sections,
        changes,
        cache,
    })
}
