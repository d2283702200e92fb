//! Turns parsed inputs into one [`Build`]: actions with their cache outcome, timings and
//! module, from the best evidence at hand (the action graph first, `-x` text otherwise).
//!
//! Evidence rules come from GO-SIGNALS.md and `cmd/go/internal/work`: an action-graph node
//! ran its tool exactly when `Cmd` is non-null; in `-x` text a compile line means the package
//! was built, and an importcfg entry pointing into GOCACHE means it was served from the cache.

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt, HashSet};

use crate::ingest::actiongraph::ActionGraph;
use crate::ingest::hashlog::{HashLog, classify_record};
use crate::ingest::xtext::{ArchiveSource, XTrace};
use crate::ingest::{Inputs, chrome_trace::ChromeTrace};
use crate::model::{
    Action, Build, BuildData, BuildMeta, CacheOutcome, Evidence, KeyInputs, Mode, ModuleInfo,
    STD_MODULE, UNKNOWN_MODULE,
};

/// The mode of the action that turns a `default.pgo` into the compiler's form (Go >= 1.23).
pub const PREPROCESS_PGO: &str = "preprocess PGO profile";

/// Assembles a build from a bundle's files: its actions from the best evidence given, their
/// classified hash inputs (the hash log itself is not kept: the report never shows it) and
/// its job.
pub fn assemble(mut inputs: Inputs) -> BuildData {
    let mut warnings: Vec<String> = inputs.warnings.iter().map(ToString::to_string).collect();
    if inputs.job_traces.len() > 1 {
        warnings.push(format!(
            "{} job traces given; only the first is used",
            inputs.job_traces.len()
        ));
    }
    let job = (!inputs.job_traces.is_empty()).then(|| inputs.job_traces.swap_remove(0));
    // The Go output inside a job log serves only when no bundle file describes the build:
    // the bundle is the truth, and the same build must not be counted twice.
    let bundle_has_build =
        inputs.action_graph.is_some() || inputs.go_output.iter().any(|o| !o.is_empty());
    if !bundle_has_build && let Some(out) = inputs.job_go_output.drain(..).next() {
        warnings.push(
            "the build comes from the Go output in the job log (-x text): no timings".to_owned(),
        );
        inputs.go_output.push(out);
    }
    let caches = super::testcache::evidence(&mut inputs);
    let hashes = merge_hashes(&mut inputs);
    let xtrace = best_xtrace(&mut inputs);
    let failed_packages: Vec<String> = inputs
        .go_output
        .iter()
        .flat_map(|o| o.build_failed.iter().cloned())
        .collect();

    // Go <= 1.19 installs std in GOROOT/pkg; its graph gives those actions no Target or
    // Built, only the -x importcfgs name the installed archives.
    let installed: HashSet<&str> = xtrace
        .iter()
        .flat_map(|x| x.importcfgs.values().chain(x.link_importcfgs.values()))
        .flatten()
        .filter(|pf| pf.source == ArchiveSource::Installed)
        .map(|pf| pf.package.as_str())
        .collect();
    let mut actions = if let Some(graph) = &inputs.action_graph {
        from_action_graph(graph, &installed)
    } else if let Some(x) = &xtrace {
        warnings.push(
            "no action graph: hits, misses and edges come from -x text; packages served from the cache \
             and never named by a rebuilt package are not visible, and there are no timings"
                .to_owned(),
        );
        from_xtrace(x)
    } else {
        Vec::new()
    };
    if actions.is_empty() {
        warnings.push(
            "no actions found: give an action graph (-debug-actiongraph) or -x output".to_owned(),
        );
    }
    let matched = match &inputs.action_graph {
        Some(graph) => match_hash_keys(&mut actions, graph, &hashes),
        None => vec![None; actions.len()],
    };
    let key_inputs = inputs_by_action(&actions, &matched, &hashes);
    if hashes.unproven_splits > 0 {
        warnings.push(format!(
            "{} groups of interleaved hash blocks of one key could not be split by their sums; \
             their inputs may be mixed up",
            hashes.unproven_splits
        ));
    }
    if let Some(trace) = &inputs.chrome_trace {
        fill_times_from_trace(&mut actions, trace);
    }
    let failed: HashSet<&str> = failed_packages.iter().map(String::as_str).collect();
    for a in &mut actions {
        if a.mode == Mode::Build && failed.contains(a.package.as_str()) {
            a.failed = true;
        }
    }

    let env = inputs.go_env.as_ref();
    let modules = known_modules(&inputs, &hashes);
    let main_module = modules.iter().find(|m| m.main).map(|m| m.path.clone());
    let first = hashes.first_by_key();
    let module_index = ModuleIndex::new(&modules);
    for (a, m) in actions.iter_mut().zip(&matched) {
        let record = m.or_else(|| first.get(format!("build {}", a.package).as_str()).copied());
        let standard = record.map(|i| &hashes.records[i]).is_some_and(|r| {
            r.inputs
                .iter()
                .any(|i| i.starts_with("omitdebug") && i.contains("standard true"))
        });
        a.module = module_index.module_of(&a.package, standard);
    }

    let salt = hashes
        .records
        .iter()
        .find_map(|r| r.inputs.first())
        .filter(|s| s.starts_with("go"));
    let platform = hashes
        .records
        .iter()
        .flat_map(|r| r.inputs.iter())
        .find_map(|i| i.strip_prefix("goos ").map(str::to_owned));
    let (goos, goarch) = match platform
        .as_deref()
        .map(|p| p.trim().split(' ').collect::<Vec<_>>())
    {
        Some(w) if w.len() >= 3 => (Some(w[0].to_owned()), Some(w[2].to_owned())),
        _ => (None, None),
    };
    let meta = BuildMeta {
        command: inputs.command.clone(),
        exit_code: inputs.exit_code,
        go_version: env
            .and_then(|e| e.get("GOVERSION"))
            .map(str::to_owned)
            .or_else(|| salt.cloned()),
        goos: env.and_then(|e| e.get("GOOS")).map(str::to_owned).or(goos),
        goarch: env
            .and_then(|e| e.get("GOARCH"))
            .map(str::to_owned)
            .or(goarch),
        main_module,
        gocache: env.and_then(|e| e.get("GOCACHE")).map(str::to_owned),
        cgo_enabled: env
            .and_then(|e| e.vars.get("CGO_ENABLED").cloned())
            .or_else(|| modinfo_setting(&hashes, "CGO_ENABLED")),
        wall_ns: wall_time(&actions, inputs.chrome_trace.as_ref()),
        failed_packages,
        diagnostics: xtrace
            .map(|x| {
                if x.diagnostics_cut > 0 {
                    warnings.push(format!(
                        "compiler messages were cut: {} bytes past the limits ({} KiB a line, {} KiB a package, {} MiB in all)",
                        x.diagnostics_cut,
                        crate::ingest::xtext::MAX_DIAGNOSTIC_LINE_BYTES >> 10,
                        crate::ingest::xtext::MAX_DIAGNOSTIC_BYTES_PER_PACKAGE >> 10,
                        crate::ingest::xtext::MAX_DIAGNOSTIC_BYTES >> 20,
                    ));
                }
                x.diagnostics
            })
            .unwrap_or_default(),
        inputs: inputs
            .files
            .iter()
            .map(|(p, k)| format!("{} ({})", p.display(), k.describe()))
            .collect(),
    };
    warnings.extend(inputs.errors.iter().map(|e| crate::model::error_chain(e)));
    BuildData {
        build: Build {
            meta,
            actions,
            modules,
            warnings,
        },
        inputs: key_inputs,
        job,
        caches,
    }
}

/// Joins graph actions to their hash records by action ID: one key can have several blocks
/// (`go test` compiles the package under test twice under one key, `-pgo` compiles every
/// package a profiled main imports a second time) and only the ID tells them apart. A matched
/// test variant takes Go's display name, `P [P.test]`. Every action gets a key of its own: a
/// PGO variant's is its block's key with ` @pgo` (` @pgo <profile dir>` when the build has
/// several profiles), so a baseline pairs it with the same variant. Returns each action's
/// record.
fn match_hash_keys(
    actions: &mut [Action],
    graph: &ActionGraph,
    hashes: &HashLog,
) -> Vec<Option<usize>> {
    let by_id: HashMap<String, usize> = hashes
        .records
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((r.action_id()?, i)))
        .collect();
    let mut matched = vec![None; actions.len()];
    for ((a, g), m) in actions.iter_mut().zip(&graph.actions).zip(&mut matched) {
        let Some(&r) = g.action_id.as_deref().and_then(|id| by_id.get(id)) else {
            continue;
        };
        let key = &hashes.records[r].key;
        if let Some((mode, package)) = key.split_once(' ')
            && a.mode == mode
            && package != a.package
            && package.starts_with(&a.package)
        {
            a.package = package.to_owned();
        }
        a.key = Some(key.clone());
        *m = Some(r);
    }
    // The profiles: the preprocess actions, each with the directory of its default.pgo
    // (its key is `preprocess PGO profile <absolute path>`).
    let profiles: HashMap<u64, String> = actions
        .iter()
        .filter(|a| a.mode.as_str() == PREPROCESS_PGO)
        .map(|a| {
            let path = a
                .key
                .as_deref()
                .and_then(|k| k.strip_prefix(PREPROCESS_PGO));
            let dir: Vec<&str> = path
                .unwrap_or("")
                .trim()
                .rsplit('/')
                .skip(1)
                .take(2)
                .collect();
            let dir: Vec<&str> = dir.into_iter().rev().collect();
            (a.id, dir.join("/"))
        })
        .collect();
    let qualifier = |id: u64| -> String {
        if profiles.len() > 1 {
            format!(" @pgo {}", profiles.get(&id).map_or("", String::as_str))
        } else {
            " @pgo".to_owned()
        }
    };
    for a in actions.iter_mut() {
        if a.mode.as_str() == PREPROCESS_PGO {
            // The key names the profile's absolute path: a moved checkout must still pair.
            let suffix = if profiles.len() > 1 {
                format!(" {}", profiles.get(&a.id).map_or("", String::as_str))
            } else {
                String::new()
            };
            a.key = Some(format!("{PREPROCESS_PGO}{suffix}"));
        } else if a.mode.has_cache_key()
            && let Some(&p) = a.deps.iter().find(|d| profiles.contains_key(d))
        {
            let base = a
                .key
                .take()
                .unwrap_or_else(|| format!("{} {}", a.mode, a.package));
            a.key = Some(format!("{base}{}", qualifier(p)));
        }
    }
    matched
}

/// The classified inputs under each action's key; hash records no action claimed (no graph,
/// or an action ID the graph lacks) under their own key, the first record of a key winning.
fn inputs_by_action(actions: &[Action], matched: &[Option<usize>], hashes: &HashLog) -> KeyInputs {
    use rayon::prelude::*;
    let mut classified: Vec<Option<Vec<crate::model::Input>>> = hashes
        .records
        .par_iter()
        .map(|r| Some(classify_record(r)))
        .collect();
    let mut out = KeyInputs::with_capacity(hashes.records.len());
    for (a, m) in actions.iter().zip(matched) {
        if let (Some(r), Some(key)) = (m, a.key.as_ref())
            && let Some(inputs) = classified.get_mut(*r).and_then(Option::take)
        {
            out.entry(key.clone()).or_insert(inputs);
        }
    }
    for (r, inputs) in hashes.records.iter().zip(classified) {
        if let Some(inputs) = inputs {
            out.entry(r.key.clone()).or_insert(inputs);
        }
    }
    out
}

/// Hash records from every stream, later streams adding keys the earlier ones lack.
fn merge_hashes(inputs: &mut Inputs) -> HashLog {
    let mut merged = HashLog::default();
    for out in &mut inputs.go_output {
        let log = std::mem::take(&mut out.hashes);
        merged.malformed += log.malformed;
        merged.unproven_splits += log.unproven_splits;
        if merged.records.is_empty() {
            merged.records = log.records;
            continue;
        }
        let known: HashSet<String> = merged.records.iter().map(|r| r.key.clone()).collect();
        merged
            .records
            .extend(log.records.into_iter().filter(|r| !known.contains(&r.key)));
    }
    merged
}

/// The `-x` trace with the most commands. A bundle has it in one stream (`build.jsonl` on
/// Go >= 1.24, `build.stderr` before); taking one avoids counting the same build twice.
fn best_xtrace(inputs: &mut Inputs) -> Option<XTrace> {
    let best = inputs
        .go_output
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.xtrace.is_empty() || !o.xtrace.diagnostics.is_empty())
        .max_by_key(|(i, o)| (o.xtrace.command_lines, std::cmp::Reverse(*i)))
        .map(|(i, _)| i)?;
    Some(std::mem::take(&mut inputs.go_output[best].xtrace))
}

fn from_action_graph(graph: &ActionGraph, installed_archives: &HashSet<&str>) -> Vec<Action> {
    // Every action that looked the cache up got an ActionID; one without it never ran its
    // lookup (a dependency failed first). Old graphs without any ActionID can't tell.
    let has_action_ids = graph.actions.iter().any(|g| g.action_id.is_some());
    graph
        .actions
        .iter()
        .map(|g| {
            let ran = g.ran_tool;
            let installed = g.built.as_deref().or(g.target.as_deref()).is_some_and(|t| {
                t.ends_with(".a") && t.contains("/pkg/") && !t.contains("go-build")
            }) || (g.built.is_none()
                && g.target.is_none()
                && installed_archives.contains(g.package.as_str()));
            let cache = if ran {
                CacheOutcome::Miss
            } else if g.mode == "build" && installed {
                CacheOutcome::Installed
            } else if Mode::parse(&g.mode).has_cache_key() {
                let never_started = g.time_start_ns.is_none() && g.time_done_ns.is_none();
                if never_started || (has_action_ids && g.action_id.is_none()) {
                    // Never started: the build stopped before reaching it.
                    CacheOutcome::NoLookup
                } else {
                    CacheOutcome::Hit
                }
            } else {
                CacheOutcome::NoLookup
            };
            let duration_ns = match (g.time_start_ns, g.time_done_ns) {
                (Some(s), Some(d)) => Some(d.saturating_sub(s).max(0)),
                _ => None,
            };
            let cpu_ns = match (g.cmd_user_ns, g.cmd_sys_ns) {
                (None, None) => None,
                (u, s) => Some(u.unwrap_or(0).saturating_add(s.unwrap_or(0))),
            };
            Action {
                id: g.id,
                mode: Mode::parse(&g.mode),
                package: g.package.clone(),
                module: String::new(),
                deps: g.deps.clone(),
                cache,
                evidence: Evidence::ActionGraph,
                start_ns: g.time_start_ns,
                duration_ns,
                cpu_ns,
                failed: g.failed,
                key: None,
            }
        })
        .collect()
}

/// Synthesises actions from `-x` text: a compile line is a miss with edges from its
/// importcfg; an archive in GOCACHE is a hit; a link line is a link miss.
fn from_xtrace(x: &XTrace) -> Vec<Action> {
    let mut by_package: BTreeMap<String, Action> = BTreeMap::new();
    let mut objdir_package: HashMap<&str, &str> = x.package_of_objdir();
    for c in &x.compiles {
        let package = c.event_package.as_deref().unwrap_or(&c.package);
        objdir_package.insert(c.objdir.as_str(), package);
    }
    let new_action = |mode: &str, package: &str, cache, evidence| Action {
        id: 0,
        mode: Mode::parse(mode),
        package: package.to_owned(),
        module: String::new(),
        deps: Vec::new(),
        cache,
        evidence,
        start_ns: None,
        duration_ns: None,
        cpu_ns: None,
        failed: false,
        key: None,
    };
    for c in &x.compiles {
        let package = objdir_package
            .get(c.objdir.as_str())
            .copied()
            .unwrap_or(&c.package);
        by_package.insert(
            format!("build {package}"),
            new_action("build", package, CacheOutcome::Miss, Evidence::XCommand),
        );
    }
    for entries in x.importcfgs.values().chain(x.link_importcfgs.values()) {
        for pf in entries {
            let (cache, evidence) = match pf.source {
                ArchiveSource::Cache => (CacheOutcome::Hit, Evidence::XCachedArchive),
                ArchiveSource::Installed => (CacheOutcome::Installed, Evidence::XInstalledArchive),
                _ => continue,
            };
            by_package
                .entry(format!("build {}", pf.package))
                .or_insert_with(|| new_action("build", &pf.package, cache, evidence));
        }
    }
    for l in &x.links {
        let main = x
            .link_importcfgs
            .get(&l.objdir)
            .and_then(|e| e.first())
            .map(|pf| pf.package.as_str())
            .or(l.event_package.as_deref())
            .unwrap_or("");
        by_package.insert(
            format!("link {main}"),
            new_action("link", main, CacheOutcome::Miss, Evidence::XCommand),
        );
    }
    // Stable IDs in key order, then edges through the importcfgs.
    let ids: HashMap<String, u64> = by_package
        .keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), i as u64))
        .collect();
    let dep_ids = |entries: Option<&Vec<crate::ingest::xtext::PackageFile>>| -> Vec<u64> {
        entries
            .into_iter()
            .flatten()
            .filter_map(|pf| ids.get(&format!("build {}", pf.package)).copied())
            .collect()
    };
    let compile_deps: HashMap<String, Vec<u64>> = x
        .compiles
        .iter()
        .map(|c| {
            let package = objdir_package
                .get(c.objdir.as_str())
                .copied()
                .unwrap_or(&c.package);
            (
                format!("build {package}"),
                dep_ids(x.importcfgs.get(&c.objdir)),
            )
        })
        .collect();
    let link_deps: HashMap<String, Vec<u64>> = x
        .links
        .iter()
        .filter_map(|l| {
            let entries = x.link_importcfgs.get(&l.objdir)?;
            Some((
                format!("link {}", entries.first()?.package),
                dep_ids(Some(entries)),
            ))
        })
        .collect();
    by_package
        .into_iter()
        .map(|(key, mut a)| {
            a.id = ids[&key];
            a.deps = compile_deps
                .get(&key)
                .or_else(|| link_deps.get(&key))
                .cloned()
                .unwrap_or_default();
            a
        })
        .collect()
}

/// Fills start and duration of actions that have none from `Executing action (...)` spans.
fn fill_times_from_trace(actions: &mut [Action], trace: &ChromeTrace) {
    let spans: HashMap<(&str, &str), &crate::ingest::chrome_trace::Span> = trace
        .actions
        .iter()
        .map(|(m, p, s)| ((m.as_str(), p.as_str()), s))
        .collect();
    for a in actions.iter_mut().filter(|a| a.start_ns.is_none()) {
        if let Some(s) = spans.get(&(a.mode.as_str(), a.package.as_str())) {
            // Float-to-int casts saturate, so absurd trace times cannot overflow here.
            a.start_ns = Some((s.start_us * 1000.0) as i64);
            a.duration_ns = Some(((s.end_us - s.start_us) * 1000.0) as i64);
        }
    }
}

/// The command's wall time: the trace's outermost span, else the span of all actions.
fn wall_time(actions: &[Action], trace: Option<&ChromeTrace>) -> Option<i64> {
    if let Some(c) = trace.and_then(|t| t.command.as_ref()) {
        return Some(((c.end_us - c.start_us) * 1000.0) as i64);
    }
    let start = actions.iter().filter_map(|a| a.start_ns).min()?;
    let end = actions
        .iter()
        .filter_map(|a| Some(a.start_ns?.saturating_add(a.duration_ns?)))
        .max()?;
    Some(end.saturating_sub(start))
}

/// A `build K=V` setting from the first modinfo that has it.
fn modinfo_setting(hashes: &HashLog, key: &str) -> Option<String> {
    let needle = format!("\\nbuild\\t{key}=");
    hashes
        .records
        .iter()
        .flat_map(|r| r.inputs.iter())
        .find_map(|i| {
            let at = i.find(&needle)? + needle.len();
            let value = &i[at..];
            Some(value[..value.find("\\n").unwrap_or(value.len())].to_owned())
        })
}

/// Every module the inputs name, main module first, then by path.
fn known_modules(inputs: &Inputs, hashes: &HashLog) -> Vec<ModuleInfo> {
    let mut modules: BTreeMap<String, ModuleInfo> = BTreeMap::new();
    let mut add = |path: &str, version: Option<&str>, main: bool| {
        if path.is_empty() {
            return;
        }
        let m = modules
            .entry(path.to_owned())
            .or_insert_with(|| ModuleInfo {
                path: path.to_owned(),
                version: None,
                main,
            });
        m.main |= main;
        if m.version.is_none() {
            m.version = version
                .filter(|v| !v.is_empty() && *v != "(devel)")
                .map(str::to_owned);
        }
    };
    for m in &inputs.modules {
        add(&m.path, m.version.as_deref(), m.main);
    }
    for m in &inputs.vendored {
        add(&m.path, Some(&m.version), false);
    }
    // modinfo in the hash inputs of main packages: `mod` is the main module, `dep` the others.
    for record in &hashes.records {
        for raw in record.inputs.iter().filter(|i| i.starts_with("modinfo ")) {
            let Some(text) =
                crate::ingest::gostring::unquote_lossy(raw["modinfo ".len()..].trim_end())
            else {
                continue;
            };
            for line in text.lines() {
                let f: Vec<&str> = line.split('\t').collect();
                match f.as_slice() {
                    ["mod", path, version, ..] => add(path, Some(version), true),
                    ["dep", path, version, ..] => add(path, Some(version), false),
                    _ => {}
                }
            }
        }
    }
    let mut list: Vec<ModuleInfo> = modules.into_values().collect();
    list.sort_by(|a, b| b.main.cmp(&a.main).then_with(|| a.path.cmp(&b.path)));
    list
}

/// Known module paths for module lookup by prefix: a package's module is found with one
/// hash lookup per `/` of its path instead of a scan over every module.
pub struct ModuleIndex<'a> {
    paths: HashSet<&'a str>,
}

impl<'a> ModuleIndex<'a> {
    pub fn new(modules: &'a [ModuleInfo]) -> Self {
        ModuleIndex {
            paths: modules.iter().map(|m| m.path.as_str()).collect(),
        }
    }

    /// The module of a package: std, the longest matching known module, or unknown.
    pub fn module_of(&self, package: &str, standard: bool) -> String {
        let base = package.split(" [").next().unwrap_or(package);
        let base = base.strip_suffix(".test").unwrap_or(base);
        let base = base.strip_suffix("_test").unwrap_or(base);
        if standard {
            return STD_MODULE.to_owned();
        }
        // The path itself, then each prefix ending before a `/`, longest first.
        let mut candidate = base;
        loop {
            if !candidate.is_empty() && self.paths.contains(candidate) {
                return candidate.to_owned();
            }
            match candidate.rfind('/') {
                Some(cut) => candidate = &candidate[..cut],
                None => break,
            }
        }
        let first = base.split('/').next().unwrap_or(base);
        if !first.is_empty() && !first.contains('.') {
            return STD_MODULE.to_owned();
        }
        UNKNOWN_MODULE.to_owned()
    }
}

/// The module of a package: std, the longest matching known module, or unknown.
pub fn module_of(package: &str, standard: bool, modules: &[ModuleInfo]) -> String {
    ModuleIndex::new(modules).module_of(package, standard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_by_longest_prefix_then_std_rule() {
        let mods = vec![
            ModuleInfo {
                path: "example.com/shop".into(),
                version: None,
                main: true,
            },
            ModuleInfo {
                path: "example.com/shop/tools".into(),
                version: Some("v1.0.0".into()),
                main: false,
            },
        ];
        assert_eq!(
            module_of("example.com/shop/internal/money", false, &mods),
            "example.com/shop"
        );
        assert_eq!(
            module_of(
                "example.com/shop/tools/gen [example.com/shop/tools/gen.test]",
                false,
                &mods
            ),
            "example.com/shop/tools"
        );
        assert_eq!(module_of("fmt", false, &mods), "std");
        assert_eq!(
            module_of("example.com/shopping", false, &mods),
            UNKNOWN_MODULE
        );
        assert_eq!(module_of("", false, &mods), UNKNOWN_MODULE);
    }

    /// The scan the prefix index replaced: every module, a string formatted per module.
    fn module_by_scan(package: &str, modules: &[ModuleInfo]) -> String {
        let base = package.split(" [").next().unwrap_or(package);
        let best = modules
            .iter()
            .filter(|m| base == m.path || base.starts_with(&format!("{}/", m.path)))
            .max_by_key(|m| m.path.len());
        match best {
            Some(m) => m.path.clone(),
            None if !base.split('/').next().unwrap_or("").contains('.') && !base.is_empty() => {
                STD_MODULE.to_owned()
            }
            None => UNKNOWN_MODULE.to_owned(),
        }
    }

    #[test]
    fn the_prefix_index_agrees_with_a_scan_over_every_module() {
        // 300 modules, some nested in others, and 2,000 packages across them and outside.
        let mods: Vec<ModuleInfo> = (0..300)
            .map(|i| ModuleInfo {
                path: if i % 10 == 0 {
                    format!("example.com/m{}/sub", i - i % 20)
                } else {
                    format!("example.com/m{i}")
                },
                version: None,
                main: i == 1,
            })
            .collect();
        let packages: Vec<String> = (0..2_000)
            .map(|i| match i % 4 {
                0 => format!("example.com/m{}/sub/p{i}", (i / 4) % 300),
                1 => format!("example.com/m{}/p{i} [example.com/m1.test]", (i / 4) % 300),
                2 => format!("example.org/x{i}/y"),
                _ => format!("internal/p{i}"),
            })
            .collect();
        let index = ModuleIndex::new(&mods);
        let t = std::time::Instant::now();
        let fast: Vec<String> = packages.iter().map(|p| index.module_of(p, false)).collect();
        let fast_t = t.elapsed();
        let t = std::time::Instant::now();
        let slow: Vec<String> = packages.iter().map(|p| module_by_scan(p, &mods)).collect();
        let slow_t = t.elapsed();
        assert_eq!(fast, slow);
        eprintln!("module lookup, 2,000 packages × 300 modules: index {fast_t:?}, scan {slow_t:?}");
    }
}
