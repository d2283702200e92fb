//! Summarises an analysed build into the versioned [`Report`]: counts, hit rates per module,
//! time per cause and per origin, the critical path and every action.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use super::BuildData;
use super::cause::{Baseline, attribute};
use super::graph::Dag;
use crate::model::*;

pub fn analyze(current: &BuildData, baseline: Option<&BuildData>) -> Report {
    let build = &current.build;
    let actions = &build.actions;
    let graph = Dag::new(actions);
    let mut warnings = build.warnings.clone();
    if graph.cyclic {
        warnings.push(
            "the action graph has a cycle; dependency order and the critical path are approximate"
                .into(),
        );
    }
    if graph.dangling > 0 {
        warnings.push(format!(
            "{} dependency edge(s) name actions that are not in the graph",
            graph.dangling
        ));
    }
    let current_inputs = &current.inputs;
    let base = baseline.map(|b| Baseline {
        build: &b.build,
        inputs: &b.inputs,
    });
    if let Some(b) = baseline {
        warnings.extend(b.build.warnings.iter().map(|w| format!("baseline: {w}")));
    }
    if let Some(w) = current
        .job
        .as_ref()
        .and_then(|j| super::job::gocache_warning(j, build.meta.gocache.as_deref()))
    {
        warnings.push(w);
    }
    let mut causes = attribute(build, &graph, current_inputs, base.as_ref());
    super::job::join_causes(
        &mut causes,
        actions,
        current.job.as_ref(),
        baseline.and_then(|b| b.job.as_ref()),
    );

    let critical = graph.critical_path(actions);
    let on_path: foldhash::HashSet<usize> = critical.iter().copied().collect();
    let first_start = actions.iter().filter_map(|a| a.start_ns).min();

    let packages = counts(actions.iter().filter(|a| a.is_package_build()));
    // Every miss with a cause, the tool steps run for a package (cgo compile, asm) too:
    // the same actions the cause rows add up, so the total is the sum of its rows.
    let miss_ns = saturating_sum(
        actions
            .iter()
            .zip(&causes)
            .filter(|(a, c)| a.cache == CacheOutcome::Miss && c.is_some())
            .filter_map(|(a, _)| a.duration_ns),
    );

    let origin_sets = index_origin_sets(&mut causes);
    let cut = causes
        .iter()
        .flatten()
        .filter(|c| c.origins_truncated)
        .count();
    if cut > 0 {
        warnings.push(format!(
            "origin sets capped: this build's distinct origin sets would hold more than {} \
             names, so {} miss(es) name only the first {MAX_ORIGINS_NAMED} origins of theirs \
             (`origins_truncated`)",
            thousands(MAX_ORIGIN_SET_NAMES),
            thousands(cut)
        ));
    }
    let cause_rows = cause_stats(actions, &causes, &origin_sets);
    let tests = super::testcache::tests_section(current, baseline, &causes);
    warnings.extend(super::testcache::baseline_warning(current, baseline));
    let module_cache = super::modcache::module_cache_section(current, baseline);
    warnings.extend(
        module_cache
            .as_ref()
            .and_then(super::modcache::gomodcache_warning),
    );
    Report {
        schema: REPORT_SCHEMA,
        build: BuildSection {
            command: build.meta.command.clone(),
            exit_code: build.meta.exit_code,
            failed: build.meta.exit_code.is_some_and(|c| c != 0)
                || !build.meta.failed_packages.is_empty()
                || actions.iter().any(|a| a.failed),
            wall_ms: build.meta.wall_ns.map(ms),
            go_version: build.meta.go_version.clone(),
            goos: build.meta.goos.clone(),
            goarch: build.meta.goarch.clone(),
            main_module: build.meta.main_module.clone(),
            failed_packages: build.meta.failed_packages.clone(),
            diagnostics: build.meta.diagnostics.clone(),
        },
        summary: Summary {
            packages,
            critical_path_ms: ms(saturating_sum(
                critical.iter().filter_map(|&i| actions[i].duration_ns),
            )),
            miss_ms: ms(miss_ns),
            actions: actions.len(),
            by_kind: kind_stats(&cause_rows),
        },
        modules: module_stats(build),
        causes: cause_rows,
        origins: origin_stats(actions, &causes),
        critical_path: critical
            .iter()
            .map(|&i| CriticalStep {
                id: actions[i].id,
                mode: actions[i].mode.clone(),
                package: actions[i].package.clone(),
                cache: actions[i].cache,
                duration_ms: ms(actions[i].duration_ns.unwrap_or(0)),
            })
            .collect(),
        actions: actions
            .iter()
            .zip(causes)
            .enumerate()
            .map(|(i, (a, cause))| ActionReport {
                id: a.id,
                mode: a.mode.clone(),
                package: a.package.clone(),
                module: a.module.clone(),
                cache: a.cache,
                decided_by: a.evidence,
                start_ms: a
                    .start_ns
                    .zip(first_start)
                    .map(|(s, f)| ms(s.saturating_sub(f))),
                duration_ms: a.duration_ns.map(ms),
                cpu_ms: a.cpu_ns.map(ms),
                deps: a.deps.clone(),
                failed: a.failed,
                on_critical_path: on_path.contains(&i),
                cause,
            })
            .collect(),
        origin_sets,
        warnings,
        inputs: build.meta.inputs.clone(),
        tests,
        module_cache,
        compiler: None,
        baseline: baseline.map(|b| BaselineSection {
            inputs: b.build.meta.inputs.clone(),
            go_version: b.build.meta.go_version.clone(),
        }),
        job: current.job.as_ref().map(|j| {
            super::job::job_section(
                j,
                actions,
                baseline.map(|b| b.build.actions.as_slice()),
                build.meta.wall_ns,
                build.meta.command.as_deref(),
            )
        }),
    }
}

/// Durations come from user files: a sum must not overflow on absurd values.
fn saturating_sum(values: impl Iterator<Item = i64>) -> i64 {
    values.fold(0i64, i64::saturating_add)
}

fn counts<'a>(builds: impl Iterator<Item = &'a Action>) -> PackageCounts {
    let mut c = PackageCounts::default();
    for a in builds {
        c.total += 1;
        match a.cache {
            CacheOutcome::Hit => c.hits += 1,
            CacheOutcome::Miss => c.misses += 1,
            CacheOutcome::Installed => c.installed += 1,
            CacheOutcome::NoLookup => c.not_run += 1,
        }
    }
    c.hit_rate = rate(c.hits, c.misses);
    c
}

/// Hits over cache lookups; installed and never-run packages are neither.
fn rate(hits: usize, misses: usize) -> Option<f64> {
    let n = hits + misses;
    (n > 0).then(|| ((hits as f64 / n as f64) * 10_000.0).round() / 10_000.0)
}

fn module_stats(build: &Build) -> Vec<ModuleStats> {
    let mut by_module: BTreeMap<&str, Vec<&Action>> = BTreeMap::new();
    for a in build.actions.iter().filter(|a| a.is_package_build()) {
        by_module.entry(a.module.as_str()).or_default().push(a);
    }
    let info: HashMap<&str, &ModuleInfo> =
        build.modules.iter().map(|m| (m.path.as_str(), m)).collect();
    let mut stats: Vec<ModuleStats> = by_module
        .into_iter()
        .map(|(module, builds)| {
            let c = counts(builds.iter().copied());
            let miss_ns = saturating_sum(
                builds
                    .iter()
                    .filter(|a| a.cache == CacheOutcome::Miss)
                    .filter_map(|a| a.duration_ns),
            );
            let m = info.get(module);
            ModuleStats {
                module: module.to_owned(),
                version: if module == STD_MODULE {
                    build.meta.go_version.clone()
                } else {
                    m.and_then(|m| m.version.clone())
                },
                main: m.is_some_and(|m| m.main),
                packages: c.total,
                hits: c.hits,
                misses: c.misses,
                hit_rate: rate(c.hits, c.misses),
                miss_ms: ms(miss_ns),
            }
        })
        .collect();
    // std first, then the main module, then dependencies by path.
    stats.sort_by_key(|s| (s.module != STD_MODULE, !s.main, s.module.clone()));
    stats
}

/// The report's `origin_sets`: each distinct origin set of the causes once (one stored
/// set, or equal names in two), in the order the actions first name them. Each cause gets
/// its set's index and holds the table's copy, so equal sets are one stored set after.
/// Linear: a set's names are hashed once per stored set, not once per miss.
fn index_origin_sets(causes: &mut [Option<Cause>]) -> Vec<Origins> {
    use std::hash::{Hash, Hasher};
    let mut table: Vec<Origins> = Vec::new();
    let mut by_set: HashMap<usize, (Origins, usize)> = HashMap::new();
    let mut by_content: HashMap<u64, Vec<usize>> = HashMap::new();
    for c in causes.iter_mut().flatten() {
        if c.origins.is_empty() {
            continue;
        }
        let id = match by_set.get(&c.origins.key()) {
            Some((kept, id)) if kept.shares(&c.origins) => *id,
            _ => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                c.origins.as_slice().hash(&mut h);
                c.origins.is_complete().hash(&mut h);
                c.origins.count().hash(&mut h);
                let same = by_content.entry(h.finish()).or_default();
                let id = match same.iter().find(|&&i| table[i] == c.origins) {
                    Some(&i) => i,
                    None => {
                        table.push(c.origins.clone());
                        same.push(table.len() - 1);
                        table.len() - 1
                    }
                };
                by_set.insert(c.origins.key(), (c.origins.clone(), id));
                id
            }
        };
        c.origins = table[id].clone();
        c.origin_set = Some(id);
        c.origins_truncated = !c.origins.is_complete();
    }
    table
}

/// What a cause group is keyed by besides its kind: the package for `source`, the origin
/// set (its `origin_sets` index) for `dependency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum GroupOrigin<'a> {
    None,
    Package(&'a str),
    Set(usize),
}

fn group_origin<'a>(a: &'a Action, c: &Cause) -> GroupOrigin<'a> {
    match c.kind {
        CauseKind::Source => GroupOrigin::Package(&a.package),
        CauseKind::Dependency => c.origin_set.map_or(GroupOrigin::None, GroupOrigin::Set),
        _ => GroupOrigin::None,
    }
}

/// One group of misses: keyed actions, package compiles, time, the first cause seen.
struct Tally<'a> {
    misses: usize,
    packages: usize,
    ns: i64,
    first: &'a Cause,
}

fn cause_stats(actions: &[Action], causes: &[Option<Cause>], sets: &[Origins]) -> Vec<CauseStats> {
    // Groups are found by hash of the package or the set's index, so a long origin list is
    // never compared or joined per miss; the order comes from the sort below.
    let mut groups: HashMap<(CauseKind, GroupOrigin), Tally> = HashMap::new();
    for (a, c) in actions.iter().zip(causes) {
        let Some(c) = c else { continue };
        let entry = groups.entry((c.kind, group_origin(a, c))).or_insert(Tally {
            misses: 0,
            packages: 0,
            ns: 0,
            first: c,
        });
        // Tool actions (cgo, asm) add their time to their package's miss, not a count.
        entry.misses += usize::from(a.hash_key().is_some());
        entry.packages += usize::from(a.is_package_build());
        entry.ns = entry.ns.saturating_add(a.duration_ns.unwrap_or(0));
    }
    let mut stats: Vec<CauseStats> = groups
        .into_iter()
        .map(|((kind, origin), t)| CauseStats {
            kind,
            origin: match origin {
                GroupOrigin::None => None,
                GroupOrigin::Package(p) => Some(p.to_owned()),
                GroupOrigin::Set(i) => sets.get(i).map(|o| o.named(MAX_ORIGINS_LISTED, ", ")),
            },
            origin_set: match origin {
                GroupOrigin::Set(i) => Some(i),
                _ => None,
            },
            misses: t.misses,
            packages: t.packages,
            time_ms: ms(t.ns),
            detail: t.first.detail.clone(),
            hint: t.first.hint.clone(),
        })
        .collect();
    stats.sort_by(|a, b| {
        b.time_ms
            .total_cmp(&a.time_ms)
            .then(b.misses.cmp(&a.misses))
            .then(a.kind.cmp(&b.kind))
            .then(a.origin.cmp(&b.origin))
            .then(a.origin_set.cmp(&b.origin_set))
    });
    stats
}

/// The cause groups summed per kind, the most time first (ties: more actions, then the
/// legend order).
fn kind_stats(causes: &[CauseStats]) -> Vec<KindStats> {
    let mut by_kind: BTreeMap<CauseKind, KindStats> = BTreeMap::new();
    for c in causes {
        let e = by_kind.entry(c.kind).or_insert(KindStats {
            kind: c.kind,
            packages: 0,
            actions: 0,
            time_ms: 0.0,
        });
        e.packages += c.packages;
        e.actions += c.misses;
        e.time_ms += c.time_ms;
    }
    let mut kinds: Vec<KindStats> = by_kind.into_values().collect();
    kinds.sort_by(|a, b| {
        b.time_ms
            .total_cmp(&a.time_ms)
            .then(b.actions.cmp(&a.actions))
            .then(a.kind.cmp(&b.kind))
    });
    kinds
}

fn origin_stats(actions: &[Action], causes: &[Option<Cause>]) -> Vec<OriginStats> {
    let mut by_origin: BTreeMap<String, OriginStats> = BTreeMap::new();
    // An origin's own miss: any own-change kind on a package that others name as origin,
    // or any source change.
    for (a, c) in actions.iter().zip(causes) {
        let Some(c) = c else { continue };
        if a.is_package_build()
            && !matches!(
                c.kind,
                CauseKind::Dependency | CauseKind::Cold | CauseKind::Unknown | CauseKind::New
            )
        {
            by_origin
                .entry(a.package.clone())
                .or_insert_with(|| OriginStats {
                    package: a.package.clone(),
                    kind: c.kind,
                    detail: c.detail.clone(),
                    misses: 0,
                    time_ms: 0.0,
                });
        }
    }
    let mut time_ns: HashMap<String, i64> = HashMap::new();
    let mut credit = |pkg: &str, misses: usize, ns: i64| {
        if let Some(o) = by_origin.get_mut(pkg) {
            o.misses += misses;
            let t = time_ns.entry(pkg.to_owned()).or_default();
            *t = t.saturating_add(ns);
        }
    };
    // A dependency miss credits each of its origins; misses sharing one origin set are
    // summed first and credited once per set (a chain above a wide fan-in shares one).
    let mut per_set: HashMap<usize, (Origins, usize, i64)> = HashMap::new();
    for (a, c) in actions.iter().zip(causes) {
        let Some(c) = c else { continue };
        let misses = usize::from(a.hash_key().is_some());
        let ns = a.duration_ns.unwrap_or(0);
        if c.kind == CauseKind::Dependency {
            let e = per_set
                .entry(c.origins.key())
                .or_insert_with(|| (c.origins.clone(), 0, 0));
            if e.0.shares(&c.origins) {
                e.1 += misses;
                e.2 = e.2.saturating_add(ns);
            } else {
                for o in c.origins.iter() {
                    credit(o, misses, ns);
                }
            }
        } else if a.is_package_build() {
            credit(&a.package, misses, ns);
        }
    }
    for (set, misses, ns) in per_set.into_values() {
        for o in set.iter() {
            credit(o, misses, ns);
        }
    }
    // Build-wide kinds make every package its own origin; only origins that explain
    // something beyond themselves, or source changes, are worth listing.
    let mut list: Vec<OriginStats> = by_origin
        .into_values()
        .filter(|o| o.kind == CauseKind::Source || o.misses > 1)
        .map(|mut o| {
            o.time_ms = ms(time_ns.get(&o.package).copied().unwrap_or(0));
            o
        })
        .collect();
    list.sort_by(|a, b| {
        b.time_ms
            .total_cmp(&a.time_ms)
            .then(a.package.cmp(&b.package))
    });
    list
}
