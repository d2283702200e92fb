//! The root cause of every cache miss, from the real hash inputs.
//!
//! Each missed action's classified inputs are diffed against the baseline's under the same
//! key. An own change (any input but dependency IDs) names the cause, the broadest first
//! (toolchain, platform, env, flags, go directive, workdir, source: fixing a narrower change
//! alone would not have saved the rebuild); only dependency IDs changed → `dependency`, with
//! the origins found by walking down the graph; nothing changed → the entry was `evicted`.

use foldhash::{HashMap, HashMapExt, HashSet};

use rayon::prelude::*;

use super::graph::Dag;
use crate::model::{Build, CacheOutcome, Cause, CauseKind, InputClass, KeyInputs};

mod diff;
pub mod hints;
mod origins;

use diff::{Change, diff, is_dependency_change, source_detail};
use hints::{cold, evicted, hint, link_not_kept, new_action, no_baseline, unknown};
use origins::{OriginMemo, Walk, dependency, module_version_changes};

/// What a baseline contributes to cause analysis.
pub struct Baseline<'a> {
    pub build: &'a Build,
    pub inputs: &'a KeyInputs,
}

/// What the difference between an action's baseline inputs and its own says before the
/// graph is walked: nothing differs, an own change (the cause, whole), or only dependency
/// IDs differ (the changes, for the origin walk). It needs no other action's cause, so it is
/// found for every action at once, in parallel: on an all-miss build it is most of the work.
enum Diffed {
    Same,
    Own(Cause),
    Dependencies(Vec<Change>),
}

fn diffed(
    before: &[crate::model::Input],
    now: &[crate::model::Input],
    module: &str,
    cgo_switched: bool,
    versions: &HashMap<String, (String, String)>,
) -> Diffed {
    let changes = diff(before, now);
    if changes.is_empty() {
        return Diffed::Same;
    }
    let own: Vec<&Change> = changes
        .iter()
        .filter(|c| !is_dependency_change(c))
        .collect();
    if own.is_empty() {
        return Diffed::Dependencies(changes);
    }
    Diffed::Own(own_change(&own, &changes, cgo_switched, versions, module))
}

/// The cause a difference gives an action: its broadest own change, else `dependency` with
/// the origins walked down the graph; `None` when no input differs.
fn changed_cause(
    i: usize,
    diffed: Diffed,
    walk: &Walk,
    versions: &HashMap<String, (String, String)>,
    memo: &mut OriginMemo,
) -> Option<Cause> {
    match diffed {
        Diffed::Same => None,
        Diffed::Own(cause) => Some(cause),
        Diffed::Dependencies(changes) => {
            let deps_changed: Vec<&Change> = changes
                .iter()
                .filter(|c| c.class == InputClass::Import)
                .collect();
            Some(dependency(i, &changes, &deps_changed, walk, versions, memo))
        }
    }
}

/// Names every miss's cause. Returns one entry per action (`None` for non-misses).
pub fn attribute(
    build: &Build,
    graph: &Dag,
    current: &KeyInputs,
    baseline: Option<&Baseline>,
) -> Vec<Option<Cause>> {
    let actions = &build.actions;
    let mut causes: Vec<Option<Cause>> = vec![None; actions.len()];
    let warm = actions
        .iter()
        .any(|a| a.is_package_build() && a.cache == CacheOutcome::Hit);
    let build_index: HashMap<&str, usize> = actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.is_package_build())
        .map(|(i, a)| (a.package.as_str(), i))
        .collect();
    let versions = baseline
        .map(|b| module_version_changes(b.build, build))
        .unwrap_or_default();
    let cgo_switched = baseline.is_some_and(|b| {
        b.build.meta.cgo_enabled.is_some() && b.build.meta.cgo_enabled != build.meta.cgo_enabled
    });
    // Every diff first, in parallel: only the origin walk needs the causes found before.
    let mut diffs: Vec<Option<Diffed>> = match baseline {
        None => Vec::new(),
        Some(base) => actions
            .par_iter()
            .map(|a| {
                let hit = a.cache == CacheOutcome::Hit;
                if a.cache != CacheOutcome::Miss && !hit {
                    return None;
                }
                let key = a.hash_key()?;
                let (now, before) = (current.get(&key)?, base.inputs.get(&key)?);
                if hit && now == before {
                    return None;
                }
                Some(diffed(before, now, &a.module, cgo_switched, &versions))
            })
            .collect(),
    };
    let mut memo = OriginMemo::default();
    // The baseline's (mode, package) pairs, built the first time a key is missing from its
    // inputs: a scan of its actions per new action was quadratic.
    let mut in_baseline_index: Option<HashSet<(&crate::model::Mode, &str)>> = None;

    // Dependencies first, so a dependency-caused miss can read its deps' causes. A hit is
    // compared with the baseline too (kept only for the walk, dropped below): against an
    // older baseline a package served from the cache may still differ, and an importer's
    // origin is then found through it.
    for &i in &graph.order {
        let a = &actions[i];
        let hit = a.cache == CacheOutcome::Hit;
        if a.cache != CacheOutcome::Miss && !hit {
            continue;
        }
        let Some(key) = a.hash_key() else {
            continue;
        };
        if hit {
            if let Some(d) = diffs.get_mut(i).and_then(Option::take) {
                let walk = Walk {
                    actions,
                    graph,
                    build_index: &build_index,
                    causes: &causes,
                };
                let cause = changed_cause(i, d, &walk, &versions, &mut memo)
                    .unwrap_or_else(|| dependency(i, &[], &[], &walk, &versions, &mut memo));
                causes[i] = Some(cause);
            }
            continue;
        }
        let Some(base) = baseline else {
            causes[i] = Some(if warm { no_baseline() } else { cold() });
            continue;
        };
        if !current.contains_key(&key) {
            causes[i] = Some(unknown(
                "this build has no gocachehash input for the action",
                "record the build with `goattrib record` (it sets GODEBUG=gocachehash=1)",
            ));
            continue;
        }
        let Some(d) = diffs.get_mut(i).and_then(Option::take) else {
            let in_baseline = in_baseline_index
                .get_or_insert_with(|| {
                    base.build
                        .actions
                        .iter()
                        .map(|b| (&b.mode, b.package.as_str()))
                        .collect()
                })
                .contains(&(&a.mode, a.package.as_str()));
            causes[i] = Some(if base.inputs.is_empty() {
                unknown(
                    "the baseline has no gocachehash inputs to compare with",
                    "record the baseline with `goattrib record`, or pass its manifest.json.gz",
                )
            } else if in_baseline {
                unknown(
                    "the baseline ran this action but logged no hash inputs for it",
                    "make sure the baseline's build.stderr is complete",
                )
            } else {
                new_action()
            });
            continue;
        };
        let walk = Walk {
            actions,
            graph,
            build_index: &build_index,
            causes: &causes,
        };
        // Identical inputs, yet the action ran: the entry was gone (or a link is never kept).
        let cause = changed_cause(i, d, &walk, &versions, &mut memo).unwrap_or_else(|| {
            if a.mode == crate::model::Mode::Link {
                link_not_kept()
            } else {
                evicted()
            }
        });
        memo.found(a, &cause);
        causes[i] = Some(cause);
    }
    for (c, a) in causes.iter_mut().zip(actions) {
        if a.cache != CacheOutcome::Miss {
            *c = None;
        }
    }
    // Tools run on behalf of a package (cgo, asm...) share its build's cause: the build of
    // that package that depends on the tool (one per variant), else the package's build.
    // They run before the build action finishes, so this is a second pass.
    let mut tool_of: HashMap<usize, usize> = HashMap::new();
    for (b, a) in actions
        .iter()
        .enumerate()
        .filter(|(_, a)| a.is_package_build())
    {
        for d in graph.deps(b) {
            if actions[d].package == a.package && actions[d].hash_key().is_none() {
                tool_of.entry(d).or_insert(b);
            }
        }
    }
    for (i, a) in actions.iter().enumerate() {
        if a.cache == CacheOutcome::Miss && a.hash_key().is_none() {
            causes[i] = tool_of
                .get(&i)
                .or_else(|| build_index.get(a.package.as_str()))
                .and_then(|&b| causes[b].clone());
        }
    }
    causes
}

/// Drops changes that are consequences of another change in the same key: -trimpath
/// empties the linker's GOROOT and leaves the CGO_* flags out of the build info.
fn without_consequences<'a>(own: &[&'a Change]) -> Vec<&'a Change> {
    let trimpath = own
        .iter()
        .any(|c| c.name == "trimpath" || c.name == "build setting -trimpath");
    own.iter()
        .copied()
        .filter(|c| {
            let cgo_flags_dropped = c.name.starts_with("build setting CGO_")
                && c.name.ends_with("FLAGS")
                && c.after.is_none();
            !(trimpath && (c.name == "GOROOT" || cgo_flags_dropped))
        })
        .collect()
}

/// The changes most worth naming first: values that changed before inputs that appeared or
/// vanished, the key's own lines before the build info's copies of them.
fn salience(c: &Change) -> (bool, bool) {
    let from_build_info = c.name.starts_with("build setting") || c.name.starts_with("module ");
    (c.before.is_none() || c.after.is_none(), from_build_info)
}

/// A VCS build setting a main package is stamped with (`setBuildInfo` in
/// `cmd/go/internal/load/pkg.go`: `vcs`, `vcs.revision`, `vcs.time`, `vcs.modified`).
fn is_vcs_stamp(c: &Change) -> bool {
    c.class == InputClass::Source && c.name.starts_with("build setting vcs")
}

fn own_change(
    own: &[&Change],
    all: &[Change],
    cgo_switched: bool,
    versions: &HashMap<String, (String, String)>,
    module: &str,
) -> Cause {
    let filtered = without_consequences(own);
    let own: &[&Change] = if filtered.is_empty() { own } else { &filtered };
    let kind_of = |c: &Change| {
        // A file-set change that comes with CGO_ENABLED switching is the switch's doing.
        if cgo_switched
            && c.class == InputClass::Source
            && (c.before.is_none() || c.after.is_none())
        {
            CauseKind::Env
        } else if is_vcs_stamp(c) {
            CauseKind::Vcs
        } else {
            c.class.cause_kind()
        }
    };
    let kind = own
        .iter()
        .map(|c| kind_of(c))
        .min()
        .unwrap_or(CauseKind::Unknown);
    let mut top: Vec<&Change> = own.iter().copied().filter(|c| kind_of(c) == kind).collect();
    top.sort_by_key(|c| salience(c));
    let mut detail = match kind {
        CauseKind::Source => source_detail(&top),
        CauseKind::Env if cgo_switched && top.iter().all(|c| c.class == InputClass::Source) => {
            "CGO_ENABLED changed, and with it the package's file set".to_owned()
        }
        _ => top
            .iter()
            .take(3)
            .map(|c| c.describe())
            .collect::<Vec<_>>()
            .join("; "),
    };
    if let Some((from, to)) = versions.get(module) {
        detail.push_str(&format!(" (module {module} {from} → {to})"));
    }
    Cause {
        kind,
        hint: hint(kind).to_owned(),
        detail,
        origins: Default::default(),
        origin_set: None,
        origins_truncated: false,
        changed: all.iter().map(Change::describe).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::hashlog::classify;
    use crate::model::Input;

    fn inputs(lines: &[&str]) -> Vec<Input> {
        classify(&lines.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn diff_names_changed_added_and_removed_inputs() {
        let before = inputs(&[
            "go1.27.3",
            "file a.go X\n",
            "file b.go Y\n",
            "import fmt 1\n",
        ]);
        let after = inputs(&[
            "go1.27.3",
            "file a.go Z\n",
            "file c.go W\n",
            "import fmt 1\n",
        ]);
        let changes = diff(&before, &after);
        let own: Vec<&Change> = changes.iter().collect();
        assert_eq!(
            source_detail(&own),
            "a.go changed; c.go added; b.go removed"
        );
    }

    #[test]
    fn broadest_own_change_wins() {
        let before = inputs(&[
            "go1.27.3",
            "goos linux goarch amd64\n",
            "GOAMD64=v1\n",
            "file a.go X\n",
        ]);
        let after = inputs(&[
            "go1.27.3",
            "goos linux goarch arm64\n",
            "GOARM64=v8.0\n",
            "file a_arm64.go X\n",
        ]);
        let changes = diff(&before, &after);
        let own: Vec<&Change> = changes
            .iter()
            .filter(|c| !is_dependency_change(c))
            .collect();
        let cause = own_change(&own, &changes, false, &HashMap::new(), "std");
        assert_eq!(cause.kind, CauseKind::Platform);
        assert_eq!(cause.detail, "GOARCH: amd64 → arm64");
    }
}
