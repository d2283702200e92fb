//! The root cause of every cache miss, from the real hash inputs.
//!
//! Each missed action's classified inputs are diffed against the baseline's under the same
//! key. An own change (any input but dependency IDs) names the cause, the broadest first
//! (toolchain, platform, env, flags, go directive, workdir, source: fixing a narrower change
//! alone would not have saved the rebuild); only dependency IDs changed → `dependency`, with
//! the origins found by walking down the graph; nothing changed → the entry was `evicted`.

use std::collections::{BTreeSet, HashMap};

use super::graph::ActionGraph;
use crate::model::{Build, CacheOutcome, Cause, CauseKind, Input, InputClass, KeyInputs};

/// What a baseline contributes to cause analysis.
pub struct Baseline<'a> {
    pub build: &'a Build,
    pub inputs: &'a KeyInputs,
}

/// One input that differs between baseline and current.
#[derive(Debug, Clone, PartialEq)]
struct Change {
    class: InputClass,
    name: String,
    before: Option<String>,
    after: Option<String>,
}

impl Change {
    fn describe(&self) -> String {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) if b.len() > 60 && b.contains(',') => {
                format!("{}: {}", self.name, list_diff(b, a))
            }
            (Some(b), Some(a)) => format!("{}: {} → {}", self.name, show(b), show(a)),
            (None, Some(a)) => format!("{}: added {}", self.name, show(a)),
            (Some(b), None) => format!("{}: removed {}", self.name, show(b)),
            (None, None) => self.name.clone(),
        }
    }
}

/// `a=1,b=2` → `a=1,b=3`: shows only the items that differ (`-b=2 +b=3`).
fn list_diff(before: &str, after: &str) -> String {
    let split = |v: &str| -> BTreeSet<String> {
        v.trim_matches('"').split(',').map(str::to_owned).collect()
    };
    let (b, a) = (split(before), split(after));
    let removed = b.difference(&a).map(|x| format!("-{x}"));
    let added = a.difference(&b).map(|x| format!("+{x}"));
    let items: Vec<String> = removed.chain(added).collect();
    if items.is_empty() {
        format!("{} → {}", show(before), show(after))
    } else {
        show(&items.join(" "))
    }
}

fn show(v: &str) -> String {
    if v.is_empty() {
        "(empty)".to_owned()
    } else if v.chars().count() > 120 {
        let cut: String = v.chars().take(117).collect();
        format!("{cut}...")
    } else {
        v.to_owned()
    }
}

fn diff(before: &[Input], after: &[Input]) -> Vec<Change> {
    let index = |inputs: &[Input]| -> HashMap<String, (InputClass, String)> {
        let mut m: HashMap<String, (InputClass, String)> = HashMap::with_capacity(inputs.len());
        for i in inputs {
            m.entry(i.name.clone())
                .and_modify(|(_, v)| {
                    v.push('\n');
                    v.push_str(&i.value);
                })
                .or_insert((i.class, i.value.clone()));
        }
        m
    };
    let (b, a) = (index(before), index(after));
    let mut names: BTreeSet<&String> = b.keys().collect();
    names.extend(a.keys());
    names
        .into_iter()
        .filter_map(|name| {
            let (bv, av) = (b.get(name), a.get(name));
            if bv.map(|x| &x.1) == av.map(|x| &x.1) {
                return None;
            }
            let mut class = av.or(bv).map(|x| x.0)?;
            let both = bv.is_some() && av.is_some();
            // The cgo tool line: present on both sides but different is a new cgo tool,
            // appearing or vanishing is cgo switched on or off.
            if name == "cgo" && both {
                class = InputClass::Toolchain;
            }
            // A tool line that appears or vanishes is not a new tool: the asm line follows the
            // package's .s files, the C compiler lines follow cgo being on (`buildActionID`).
            if class == InputClass::Toolchain && !both {
                if name.starts_with("asm") {
                    class = InputClass::Source;
                } else if name.starts_with("CC")
                    || name.starts_with("CXX")
                    || name.starts_with("FC")
                {
                    class = InputClass::Env;
                }
            }
            Some(Change {
                class,
                name: name.clone(),
                before: bv.map(|x| x.1.clone()),
                after: av.map(|x| x.1.clone()),
            })
        })
        .collect()
}

fn is_dependency_change(c: &Change) -> bool {
    matches!(
        c.class,
        InputClass::Import | InputClass::ModuleVersion | InputClass::Identity
    )
}

/// Names every miss's cause. Returns one entry per action (`None` for non-misses).
pub fn attribute(
    build: &Build,
    graph: &ActionGraph,
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

    // Dependencies first, so a dependency-caused miss can read its deps' causes.
    for &i in &graph.order {
        let a = &actions[i];
        if a.cache != CacheOutcome::Miss {
            continue;
        }
        let Some(key) = a.hash_key() else {
            continue;
        };
        let Some(base) = baseline else {
            causes[i] = Some(if warm { no_baseline() } else { cold() });
            continue;
        };
        let Some(now) = current.get(&key) else {
            causes[i] = Some(unknown(
                "this build has no gocachehash input for the action",
                "record the build with `goattrib record` (it sets GODEBUG=gocachehash=1)",
            ));
            continue;
        };
        let Some(before) = base.inputs.get(&key) else {
            let in_baseline = base
                .build
                .actions
                .iter()
                .any(|b| b.mode == a.mode && b.package == a.package);
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
        let changes = diff(before, now);
        let own: Vec<&Change> = changes
            .iter()
            .filter(|c| !is_dependency_change(c))
            .collect();
        causes[i] = Some(if own.is_empty() {
            let deps_changed: Vec<&Change> = changes
                .iter()
                .filter(|c| c.class == InputClass::Import)
                .collect();
            if deps_changed.is_empty() && changes.is_empty() {
                if a.mode == crate::model::Mode::Link {
                    link_not_kept()
                } else {
                    evicted()
                }
            } else {
                dependency(
                    i,
                    &changes,
                    &deps_changed,
                    actions,
                    &build_index,
                    &causes,
                    &versions,
                )
            }
        } else {
            own_change(&own, &changes, cgo_switched, &versions, &a.module)
        });
    }
    // Tools run on behalf of a package (cgo, asm...) share its build's cause; they run
    // before the build action finishes, so this is a second pass.
    for (i, a) in actions.iter().enumerate() {
        if a.cache == CacheOutcome::Miss && a.hash_key().is_none() {
            causes[i] = build_index
                .get(a.package.as_str())
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
        origins: Vec::new(),
        changed: all.iter().map(Change::describe).collect(),
    }
}

fn source_detail(changes: &[&Change]) -> String {
    let mut parts = Vec::new();
    for (what, pick) in [("changed", 0u8), ("added", 1), ("removed", 2)] {
        let files: Vec<&str> = changes
            .iter()
            .filter(|c| match pick {
                0 => c.before.is_some() && c.after.is_some(),
                1 => c.before.is_none(),
                _ => c.after.is_none(),
            })
            .map(|c| c.name.strip_prefix("file ").unwrap_or(&c.name))
            .collect();
        if !files.is_empty() {
            parts.push(format!("{} {what}", files.join(", ")));
        }
    }
    parts.join("; ")
}

fn dependency(
    i: usize,
    changes: &[Change],
    deps_changed: &[&Change],
    actions: &[crate::model::Action],
    build_index: &HashMap<&str, usize>,
    causes: &[Option<Cause>],
    versions: &HashMap<String, (String, String)>,
) -> Cause {
    let mut origins: BTreeSet<String> = BTreeSet::new();
    // A link's import list grows or shrinks because some package's imports changed; that
    // package is among the changed values, so added or removed entries are not origins.
    let changed_values: Vec<&&Change> = deps_changed
        .iter()
        .filter(|c| c.before.is_some() && c.after.is_some())
        .collect();
    let considered: Vec<&&Change> = if changed_values.is_empty() {
        deps_changed.iter().collect()
    } else {
        changed_values
    };
    for c in considered {
        // A vet key names its own package's compile by action ID only.
        let own = (c.name == "vetted package").then_some(actions[i].package.as_str());
        let Some(pkg) = c.name.strip_prefix("import ").or(own) else {
            continue;
        };
        match build_index
            .get(pkg)
            .filter(|&&j| j != i)
            .and_then(|&j| causes[j].as_ref())
        {
            Some(dep) if dep.kind == CauseKind::Dependency => {
                origins.extend(dep.origins.iter().cloned())
            }
            _ => {
                origins.insert(pkg.to_owned());
            }
        }
    }
    // Only the build info's module versions changed (a main package whose imports kept
    // their export data): the origins are the module's rebuilt packages, or the module.
    let module_changes: Vec<&Change> = changes
        .iter()
        .filter(|c| c.class == InputClass::ModuleVersion)
        .collect();
    if origins.is_empty() {
        for c in &module_changes {
            let module = c
                .name
                .trim_start_matches("module ")
                .trim_start_matches("replace ");
            let rebuilt: Vec<String> = actions
                .iter()
                .zip(causes)
                .filter(|(a, cause)| {
                    a.module == module
                        && a.is_package_build()
                        && cause
                            .as_ref()
                            .is_some_and(|c| c.kind != CauseKind::Dependency)
                })
                .map(|(a, _)| a.package.clone())
                .collect();
            if rebuilt.is_empty() {
                origins.insert(module.to_owned());
            } else {
                origins.extend(rebuilt);
            }
        }
    }
    let origins: Vec<String> = origins.into_iter().collect();
    let mut detail = match origins.as_slice() {
        [] => "only dependency IDs changed".to_owned(),
        [one] => format!("rebuilt because {one} changed"),
        many => format!(
            "rebuilt because {} packages changed: {}",
            many.len(),
            many.join(", ")
        ),
    };
    let upgraded: BTreeSet<String> = origins
        .iter()
        .filter_map(|o| {
            let module = build_index
                .get(o.as_str())
                .map(|&j| actions[j].module.as_str())?;
            versions
                .get(module)
                .map(|(f, t)| format!("{module} {f} → {t}"))
        })
        .chain(module_changes.iter().map(|c| match (&c.before, &c.after) {
            (Some(b), Some(a)) => format!("{} {b} → {a}", c.name.trim_start_matches("module ")),
            _ => c.describe(),
        }))
        .collect();
    if !upgraded.is_empty() {
        detail.push_str(&format!(
            " (module {})",
            upgraded.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    Cause {
        kind: CauseKind::Dependency,
        detail,
        hint: hint(CauseKind::Dependency).to_owned(),
        origins,
        changed: changes.iter().map(Change::describe).collect(),
    }
}

/// Modules whose version differs between the builds: path → (before, after).
fn module_version_changes(base: &Build, now: &Build) -> HashMap<String, (String, String)> {
    let before: HashMap<&str, &str> = base
        .modules
        .iter()
        .filter_map(|m| Some((m.path.as_str(), m.version.as_deref()?)))
        .collect();
    now.modules
        .iter()
        .filter_map(|m| {
            let after = m.version.as_deref()?;
            let b = before.get(m.path.as_str())?;
            (b != &after).then(|| (m.path.clone(), ((*b).to_owned(), after.to_owned())))
        })
        .collect()
}

/// The hint for each kind: what a team can do about it.
pub fn hint(kind: CauseKind) -> &'static str {
    match kind {
        CauseKind::Source => {
            "expected after an edit; fewer importers of a hot package means fewer rebuilds"
        }
        CauseKind::Dependency => {
            "rebuilt because a package it imports changed; fix or accept the origin"
        }
        CauseKind::Platform => {
            "key the CI cache by GOOS/GOARCH so builds for other platforms do not evict each other"
        }
        CauseKind::Env => {
            "pin GOAMD64/CGO_ENABLED/CC in the job's variables and put them in the cache key"
        }
        CauseKind::Flags => {
            "use the same build flags in every job sharing the cache, or give each flag set its own cache key"
        }
        CauseKind::Toolchain => {
            "pin the Go image version and key the cache by Go version: a new toolchain rebuilds everything"
        }
        CauseKind::GoDirective => "the go line (or //go:debug defaults) changed: a one-off rebuild",
        CauseKind::Workdir => {
            "build with -trimpath or pin GIT_CLONE_PATH so the checkout path is the same on every runner"
        }
        CauseKind::Evicted => {
            "the entry was gone from GOCACHE: check the CI cache was restored and is not trimmed"
        }
        CauseKind::NotCached => {
            "expected for go build in CI: only go run/go test binaries and an up-to-date install target are reused"
        }
        CauseKind::CacheNotRestored => {
            "the job's cache had no entry for its key on this runner: add cache:fallback_keys or use a shared distributed cache"
        }
        CauseKind::New => "a package or action the baseline did not build: expected for new code",
        CauseKind::Cold => {
            "persist GOCACHE between jobs: GOCACHE=$CI_PROJECT_DIR/.cache/go-build under cache:paths"
        }
        CauseKind::Unknown => "give the missing input named in the detail",
    }
}

fn simple(kind: CauseKind, detail: &str) -> Cause {
    Cause {
        kind,
        detail: detail.to_owned(),
        hint: hint(kind).to_owned(),
        origins: Vec::new(),
        changed: Vec::new(),
    }
}

fn cold() -> Cause {
    simple(
        CauseKind::Cold,
        "no action was served from the build cache: a first build on an empty GOCACHE",
    )
}

fn evicted() -> Cause {
    simple(
        CauseKind::Evicted,
        "hash inputs identical to the baseline, yet the action ran: its cache entry was gone",
    )
}

/// `go build` keeps no linked binary in GOCACHE (`useCache` in `work/buildid.go` reuses only
/// an up-to-date target file, `go run`/`go test` binaries and the main-package shortcut).
fn link_not_kept() -> Cause {
    simple(
        CauseKind::NotCached,
        "link inputs identical to the baseline: go build keeps no linked binary in GOCACHE, so the link reruns whenever its output file is missing",
    )
}

fn new_action() -> Cause {
    simple(CauseKind::New, "the baseline has no such action")
}

fn no_baseline() -> Cause {
    unknown(
        "no baseline to compare this action's hash inputs with",
        "pass --baseline with the previous build's bundle or manifest",
    )
}

fn unknown(detail: &str, hint: &str) -> Cause {
    Cause {
        kind: CauseKind::Unknown,
        detail: detail.to_owned(),
        hint: hint.to_owned(),
        origins: Vec::new(),
        changed: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::hashlog::classify;

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
