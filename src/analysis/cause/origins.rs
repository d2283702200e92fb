//! `dependency` misses: walking down the graph to the packages whose own inputs changed
//! (where the change started), with module version changes `from → to`.

use std::collections::{BTreeSet, VecDeque};

use foldhash::{HashMap, HashMapExt, HashSet};

use super::diff::Change;
use super::hints::hint;
use crate::analysis::graph::Dag;
use crate::model::{
    Action, Build, Cause, CauseKind, InputClass, MAX_ORIGIN_SET_NAMES, MAX_ORIGINS_NAMED, Origins,
    name_some, thousands,
};

/// What the walk reads: the actions, their edges, and the causes found so far (dependencies
/// come first in graph order; a hit's entry is its diff against the baseline, if any).
pub(super) struct Walk<'a> {
    pub(super) actions: &'a [Action],
    pub(super) graph: &'a Dag,
    pub(super) build_index: &'a HashMap<&'a str, usize>,
    pub(super) causes: &'a [Option<Cause>],
}

impl<'a> Walk<'a> {
    /// The build action of `package` that action `i` depends on, found over its `Deps`
    /// edges (nearest first): a package compiled in several variants (plain and PGO, plain
    /// and for its tests) has one build per variant, and only the edges say which one an
    /// importer used. By name only when the edges do not reach it (`-x` text has no graph).
    /// `near` holds what one walk from `i` found, so k imports cost one walk, not k.
    fn dep_build(&self, i: usize, package: &str, near: &mut Nearest<'a>) -> Option<usize> {
        if package.contains(" [") {
            // Never an import path; the exact walk keeps the old matching for it.
            return self.dep_build_walk(i, package);
        }
        if near.direct.is_none() {
            let mut direct = HashMap::new();
            for j in self.graph.deps(i).filter(|&j| j != i) {
                if let Some(key) = self.build_key(j) {
                    direct.entry(key).or_insert(j);
                }
            }
            near.direct = Some(direct);
        }
        if let Some(&j) = near.direct.as_ref().and_then(|d| d.get(package)) {
            return Some(j);
        }
        if near.all.is_none() {
            // Breadth first from `i`, as the walk per package was: the first build of each
            // package in that order is the one a walk for it would have stopped at.
            let mut all = HashMap::new();
            let mut seen: HashSet<usize> = HashSet::from_iter([i]);
            let mut queue: VecDeque<usize> = self.graph.deps(i).collect();
            while let Some(j) = queue.pop_front() {
                if !seen.insert(j) {
                    continue;
                }
                if let Some(key) = self.build_key(j) {
                    all.entry(key).or_insert(j);
                }
                queue.extend(self.graph.deps(j));
            }
            near.all = Some(all);
        }
        near.all
            .as_ref()
            .and_then(|a| a.get(package).copied())
            .or_else(|| self.build_index.get(package).copied().filter(|&j| j != i))
    }

    /// The package a package build action builds, without its ` [variant]` suffix.
    fn build_key(&self, j: usize) -> Option<&'a str> {
        let a: &'a Action = self.actions.get(j)?;
        if !a.is_package_build() {
            return None;
        }
        Some(a.package.split(" [").next().unwrap_or(&a.package))
    }

    /// The walk for one package, for names the keyed walk cannot look up.
    fn dep_build_walk(&self, i: usize, package: &str) -> Option<usize> {
        let is_it = |j: usize| {
            let a = &self.actions[j];
            a.is_package_build()
                && (a.package == package
                    || a.package
                        .strip_prefix(package)
                        .is_some_and(|rest| rest.starts_with(" [")))
        };
        let mut seen: HashSet<usize> = HashSet::from_iter([i]);
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

/// What one walk down from an action found: the builds it depends on directly, then (only
/// when an import is not among them) every build below it, by package.
#[derive(Default)]
struct Nearest<'a> {
    direct: Option<HashMap<&'a str, usize>>,
    all: Option<HashMap<&'a str, usize>>,
}

/// What the origin walk remembers across misses, so that shared origin sets are worked
/// on once: the module-upgrade text of each shared set, the rebuilt packages per module,
/// and how many names the build's distinct sets hold (against [`MAX_ORIGIN_SET_NAMES`]).
#[derive(Default)]
pub(super) struct OriginMemo {
    /// Per shared set (keyed by its address, the set kept alive beside it): the
    /// ` (module …)` text its origins give when no module line of the key changed.
    upgraded: HashMap<usize, (Origins, String)>,
    /// Missed package builds whose own inputs changed, per module (the packages a module
    /// version change rebuilt), in the order their causes were found.
    rebuilt: HashMap<String, Vec<String>>,
    /// The first [`MAX_ORIGINS_NAMED`] of each module's `rebuilt`, sorted.
    first_rebuilt: HashMap<String, Vec<String>>,
    /// The origin set of a module-only change: per (module, rebuilt so far) list.
    module_sets: HashMap<Vec<(String, usize)>, Origins>,
    /// Names held by the distinct sets made so far.
    held: usize,
    /// Whether one shared set holds every name of another, per (bigger, smaller) pair.
    covers: HashMap<(usize, usize), (Origins, Origins, bool)>,
    /// Names looked up in other sets to find they were covered (bounded by
    /// [`MAX_COVER_LOOKUPS`]: past it, unions are made, which the name budget bounds).
    lookups: usize,
}

/// Names looked up to find that a set already holds another (a set shared rather than a
/// union made): each distinct pair is checked once, and all checks of one build stop here.
const MAX_COVER_LOOKUPS: usize = 50_000_000;

impl OriginMemo {
    /// Called for each miss as its cause is found.
    pub(super) fn found(&mut self, action: &Action, cause: &Cause) {
        if action.is_package_build()
            && action.cache == crate::model::CacheOutcome::Miss
            && cause.kind != CauseKind::Dependency
        {
            self.rebuilt
                .entry(action.module.clone())
                .or_default()
                .push(action.package.clone());
            let first = self.first_rebuilt.entry(action.module.clone()).or_default();
            if let Err(at) = first.binary_search(&action.package)
                && at < MAX_ORIGINS_NAMED
            {
                first.insert(at, action.package.clone());
                first.truncate(MAX_ORIGINS_NAMED);
            }
        }
    }

    /// Whether `big` (complete, sorted) holds every name of `small` (complete).
    fn covers(&mut self, big: &Origins, small: &Origins) -> bool {
        let key = (big.key(), small.key());
        if let Some((b, s, yes)) = self.covers.get(&key)
            && b.shares(big)
            && s.shares(small)
        {
            return *yes;
        }
        if self.lookups.saturating_add(small.len()) > MAX_COVER_LOOKUPS {
            return false;
        }
        self.lookups += small.len();
        let yes = small
            .iter()
            .all(|n| big.binary_search_by(|o| o.as_str().cmp(n)).is_ok());
        self.covers.insert(key, (big.clone(), small.clone(), yes));
        yes
    }

    /// The union of the dependencies' origin sets and single names, sharing a set when it
    /// already holds all of them (the usual case: a chain of importers above one change).
    /// A new set is made whole while the build's sets hold fewer than
    /// [`MAX_ORIGIN_SET_NAMES`] names; past that, only its first names (see [`Origins`]).
    fn union(&mut self, sets: &[&Origins], names: BTreeSet<String>) -> Origins {
        if let Some(big) = sets.iter().copied().max_by_key(|s| s.count())
            && big.is_complete()
        {
            let within = |n: &str| big.binary_search_by(|o| o.as_str().cmp(n)).is_ok();
            let mut covered = names.iter().all(|n| within(n));
            for s in sets {
                if !covered {
                    break;
                }
                covered = s.shares(big) || (s.is_complete() && self.covers(big, s));
            }
            if covered {
                return big.clone();
            }
        }
        let complete = sets.iter().all(|s| s.is_complete());
        let bound = sets
            .iter()
            .fold(names.len(), |n, s| n.saturating_add(s.len()));
        if complete
            && (bound <= MAX_ORIGINS_NAMED
                || self.held.saturating_add(bound) <= MAX_ORIGIN_SET_NAMES)
        {
            let mut all = names;
            for s in sets {
                all.extend(s.iter().cloned());
            }
            self.held += all.len();
            return all.into_iter().collect();
        }
        // The first names of the whole set are the first of its parts' first names.
        let mut first: BTreeSet<&str> = names
            .iter()
            .take(MAX_ORIGINS_NAMED)
            .map(String::as_str)
            .collect();
        for s in sets {
            first.extend(s.iter().take(MAX_ORIGINS_NAMED).map(String::as_str));
        }
        let first: Vec<String> = first
            .into_iter()
            .take(MAX_ORIGINS_NAMED)
            .map(str::to_owned)
            .collect();
        let at_least = sets
            .iter()
            .map(|s| s.count())
            .fold(names.len().max(first.len()), usize::max);
        self.kept_in_part(first, at_least, sets)
    }

    /// A set past the budget: an input set holding just that, or a new one.
    fn kept_in_part(&mut self, first: Vec<String>, at_least: usize, like: &[&Origins]) -> Origins {
        if let Some(s) = like
            .iter()
            .find(|s| !s.is_complete() && s.count() == at_least && s.as_slice() == first)
        {
            return (*s).clone();
        }
        self.held += first.len();
        Origins::truncated(first, at_least)
    }
}

pub(super) fn dependency(
    i: usize,
    changes: &[Change],
    deps_changed: &[&Change],
    walk: &Walk,
    versions: &HashMap<String, (String, String)>,
    memo: &mut OriginMemo,
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
            origins: vec![actions[i].package.clone()].into(),
            origin_set: None,
            origins_truncated: false,
            changed: changes.iter().map(Change::describe).collect(),
        };
    }
    let mut names: BTreeSet<String> = BTreeSet::new();
    let mut sets: Vec<&Origins> = Vec::new();
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
    let mut near = Nearest::default();
    for c in considered {
        // A vet key names its own package's compile by action ID only; a link names its
        // main package's archive as `main package`.
        let own = (c.name == "vetted package" || c.name == "main package")
            .then_some(actions[i].package.as_str());
        let Some(pkg) = c.name.strip_prefix("import ").or(own) else {
            continue;
        };
        match walk
            .dep_build(i, pkg, &mut near)
            .and_then(|j| causes[j].as_ref())
        {
            Some(dep) if dep.kind == CauseKind::Dependency => {
                if !sets.iter().any(|s| s.shares(&dep.origins)) {
                    sets.push(&dep.origins);
                }
            }
            _ => {
                names.insert(pkg.to_owned());
            }
        }
    }
    // Only the build info's module versions changed (a main package whose imports kept
    // their export data): the origins are the module's rebuilt packages, or the module.
    let module_changes: Vec<&Change> = changes
        .iter()
        .filter(|c| c.class == InputClass::ModuleVersion)
        .collect();
    let origins = if sets.iter().all(|s| s.is_empty()) && names.is_empty() {
        module_origins(&module_changes, memo)
    } else {
        memo.union(&sets, names)
    };
    let mut detail = match origins.as_slice() {
        _ if !origins.is_complete() => format!(
            "rebuilt because at least {} packages changed: {}",
            thousands(origins.count()),
            origins.named(MAX_ORIGINS_NAMED, ", ")
        ),
        [] => "only dependency IDs changed".to_owned(),
        [one] => format!("rebuilt because {one} changed"),
        many => format!(
            "rebuilt because {} packages changed: {}",
            many.len(),
            name_some(many, MAX_ORIGINS_NAMED, ", ")
        ),
    };
    let upgraded_of = |origins: &Origins| -> BTreeSet<String> {
        origins
            .iter()
            .filter_map(|o| {
                let module = build_index
                    .get(o.as_str())
                    .map(|&j| actions[j].module.as_str())?;
                versions
                    .get(module)
                    .map(|(f, t)| format!("{module} {f} → {t}"))
            })
            .collect()
    };
    let module_text = |upgraded: BTreeSet<String>| {
        if upgraded.is_empty() {
            String::new()
        } else {
            format!(
                " (module {})",
                upgraded.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
    };
    if module_changes.is_empty() {
        // The text depends on the origins alone: worked out once per shared set.
        let key = origins.key();
        let text = match memo.upgraded.get(&key) {
            Some((kept, text)) if kept.shares(&origins) => text.clone(),
            _ => {
                let text = module_text(upgraded_of(&origins));
                memo.upgraded.insert(key, (origins.clone(), text.clone()));
                text
            }
        };
        detail.push_str(&text);
    } else {
        let upgraded: BTreeSet<String> = upgraded_of(&origins)
            .into_iter()
            .chain(module_changes.iter().map(|c| match (&c.before, &c.after) {
                (Some(b), Some(a)) => {
                    format!("{} {b} → {a}", c.name.trim_start_matches("module "))
                }
                _ => c.describe(),
            }))
            .collect();
        detail.push_str(&module_text(upgraded));
    }
    Cause {
        kind: CauseKind::Dependency,
        detail,
        hint: hint(CauseKind::Dependency).to_owned(),
        origins,
        origin_set: None,
        origins_truncated: false,
        changed: changes.iter().map(Change::describe).collect(),
    }
}

/// The origins of a miss whose only change is module versions: each module's rebuilt
/// packages so far, else the module; one shared set per distinct answer.
fn module_origins(module_changes: &[&Change], memo: &mut OriginMemo) -> Origins {
    let key: Vec<(String, usize)> = module_changes
        .iter()
        .map(|c| {
            let module = c
                .name
                .trim_start_matches("module ")
                .trim_start_matches("replace ");
            let n = memo.rebuilt.get(module).map_or(0, Vec::len);
            (module.to_owned(), n)
        })
        .collect();
    if let Some(o) = memo.module_sets.get(&key) {
        return o.clone();
    }
    let bound = key
        .iter()
        .fold(0usize, |n, (_, k)| n.saturating_add((*k).max(1)));
    let whole =
        bound <= MAX_ORIGINS_NAMED || memo.held.saturating_add(bound) <= MAX_ORIGIN_SET_NAMES;
    let mut origins = BTreeSet::new();
    for (module, _) in &key {
        match memo.rebuilt.get(module.as_str()) {
            Some(rebuilt) if !rebuilt.is_empty() => {
                if whole {
                    origins.extend(rebuilt.iter().cloned());
                } else if let Some(first) = memo.first_rebuilt.get(module.as_str()) {
                    // Past the budget: the first names only.
                    origins.extend(first.iter().cloned());
                }
            }
            _ => {
                origins.insert(module.clone());
            }
        }
    }
    let origins: Origins = if whole {
        memo.held += origins.len();
        origins.into_iter().collect()
    } else {
        let first: Vec<String> = origins.into_iter().take(MAX_ORIGINS_NAMED).collect();
        let at_least = key
            .iter()
            .filter_map(|(m, _)| memo.rebuilt.get(m.as_str()).map(Vec::len))
            .fold(first.len(), usize::max);
        memo.kept_in_part(first, at_least, &[])
    };
    memo.module_sets.insert(key, origins.clone());
    origins
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
