//! `dependency` misses: walking down the graph to the packages whose own inputs changed
//! (where the change started), with module version changes `from → to`.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use super::diff::Change;
use super::hints::hint;
use crate::analysis::graph::Dag;
use crate::model::{Action, Build, Cause, CauseKind, InputClass};

/// What the walk reads: the actions, their edges, and the causes found so far (dependencies
/// come first in graph order; a hit's entry is its diff against the baseline, if any).
pub(super) struct Walk<'a> {
    pub(super) actions: &'a [Action],
    pub(super) graph: &'a Dag,
    pub(super) build_index: &'a HashMap<&'a str, usize>,
    pub(super) causes: &'a [Option<Cause>],
}

impl Walk<'_> {
    /// The build action of `package` that action `i` depends on, found over its `Deps`
    /// edges (nearest first): a package compiled in several variants (plain and PGO, plain
    /// and for its tests) has one build per variant, and only the edges say which one an
    /// importer used. By name only when the edges do not reach it (`-x` text has no graph).
    fn dep_build(&self, i: usize, package: &str) -> Option<usize> {
        let is_it = |j: usize| {
            let a = &self.actions[j];
            a.is_package_build()
                && (a.package == package
                    || a.package
                        .strip_prefix(package)
                        .is_some_and(|rest| rest.starts_with(" [")))
        };
        let mut seen: HashSet<usize> = HashSet::from([i]);
        let mut queue: VecDeque<usize> = self.graph.deps(i).collect();
        while let Some(j) = queue.pop_front() {
            if !seen.insert(j) {
                continue;
            }
            if is_it(j) {
                return Some(j);
            }
            queue.extend(self.graph.deps(j));
        }
        self.build_index.get(package).copied().filter(|&j| j != i)
    }
}

pub(super) fn dependency(
    i: usize,
    changes: &[Change],
    deps_changed: &[&Change],
    walk: &Walk,
    versions: &HashMap<String, (String, String)>,
) -> Cause {
    let (actions, build_index, causes) = (walk.actions, walk.build_index, walk.causes);
    // A link whose only changed input is its main package, rebuilt for a new commit's
    // stamped VCS info: the relink is the commit's doing too.
    let own_main = build_index
        .get(actions[i].package.as_str())
        .filter(|&&j| j != i)
        .and_then(|&j| causes[j].as_ref());
    if let ([only], Some(main)) = (deps_changed, own_main)
        && only.name == "main package"
        && main.kind == CauseKind::Vcs
    {
        return Cause {
            kind: CauseKind::Vcs,
            detail: "relinked: its main package's stamped VCS info changed".to_owned(),
            hint: hint(CauseKind::Vcs).to_owned(),
            origins: vec![actions[i].package.clone()],
            changed: changes.iter().map(Change::describe).collect(),
        };
    }
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
        // A vet key names its own package's compile by action ID only; a link names its
        // main package's archive as `main package`.
        let own = (c.name == "vetted package" || c.name == "main package")
            .then_some(actions[i].package.as_str());
        let Some(pkg) = c.name.strip_prefix("import ").or(own) else {
            continue;
        };
        match walk.dep_build(i, pkg).and_then(|j| causes[j].as_ref()) {
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
                        && a.cache == crate::model::CacheOutcome::Miss
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
pub(super) fn module_version_changes(
    base: &Build,
    now: &Build,
) -> HashMap<String, (String, String)> {
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
