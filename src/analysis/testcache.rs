//! Why each `go test` package result was replayed or ran again, from the Go command's own
//! evidence (`testcache:` lines, `HASH[testInputs]` blocks, the build causes of the test
//! binary) diffed against a baseline: the report's `"tests"` section. Not for parsing (that
//! is `ingest::testcache`) nor for words beyond one detail line per cause (that is `render`).
//!
//! Go looks a result up twice (`cmd/go/internal/test/test.go` `tryCacheWithID`): by the link
//! action ID, then, when that misses, by the linked test binary's content ID, so an edit that
//! leaves the binary identical still replays `(cached)`. A failed run stores nothing.

use std::collections::BTreeMap;

use crate::ingest::Inputs;
use crate::model::{
    Action, BuildData, CacheCause, CacheEvidence, CacheOutcome, Cause, TestInput, TestInputsBlock,
    TestOutcome, TestResultReport, TestcacheLine, TestsSection,
};

/// Takes the cache evidence of every Go output stream of one build, plus the go env facts
/// the module cache analysis needs.
pub fn evidence(inputs: &mut Inputs) -> CacheEvidence {
    let mut ev = CacheEvidence::default();
    for out in &mut inputs.go_output {
        ev.extend(std::mem::take(&mut out.caches));
    }
    if let Some(env) = &inputs.go_env {
        ev.gomodcache = env.get("GOMODCACHE").map(str::to_owned);
        ev.goflags = env.get("GOFLAGS").map(str::to_owned);
        // Redacted at ingest, like every value: user info is a fingerprint.
        ev.goproxy = env.get("GOPROXY").map(str::to_owned);
    }
    ev.module_dir = inputs
        .modules
        .iter()
        .find(|m| m.main)
        .and_then(|m| m.dir.clone());
    ev
}

/// What the `testcache:` lines say about one package.
#[derive(Debug, Default)]
struct PackageLines<'a> {
    test_ids: Vec<&'a str>,
    list_not_found: usize,
    input_ids: Vec<&'a str>,
    output_not_found: bool,
    too_new: Option<&'a str>,
    saved: bool,
    outside_module: bool,
}

fn by_package(ev: &CacheEvidence) -> BTreeMap<&str, PackageLines<'_>> {
    let mut map: BTreeMap<&str, PackageLines> = BTreeMap::new();
    for line in &ev.testcache {
        let Some(package) = line.package() else {
            continue;
        };
        let p = map.entry(package).or_default();
        match line {
            TestcacheLine::TestId { test_id, .. } => p.test_ids.push(test_id),
            TestcacheLine::InputListNotFound { .. } => p.list_not_found += 1,
            TestcacheLine::InputId {
                test_id, input_id, ..
            } => {
                p.test_ids.push(test_id);
                p.input_ids.push(input_id);
            }
            TestcacheLine::OutputNotFound { .. } => p.output_not_found = true,
            TestcacheLine::TooNew { path, .. } => p.too_new = Some(path),
            TestcacheLine::Save {
                test_id, input_id, ..
            } => {
                p.saved = true;
                p.test_ids.push(test_id);
                p.input_ids.push(input_id);
            }
            TestcacheLine::OutsideModule { .. } => p.outside_module = true,
            TestcacheLine::Disabled { .. } => {}
        }
    }
    map
}

/// The warning when a baseline was given but holds no `go test` results to diff against.
pub fn baseline_warning(current: &BuildData, baseline: Option<&BuildData>) -> Option<String> {
    let base = baseline?;
    (!current.caches.results.is_empty() && base.caches.results.is_empty()).then(|| {
        "the baseline has no go test results (a manifest does not keep them; give the baseline bundle): why each test ran is not diffed against it".to_owned()
    })
}

/// The `"tests"` section, when the build ran tests. `causes` are the build causes of
/// `current`'s actions, in action order.
pub fn tests_section(
    current: &BuildData,
    baseline: Option<&BuildData>,
    causes: &[Option<Cause>],
) -> Option<TestsSection> {
    let ev = &current.caches;
    if ev.results.is_empty() {
        return None;
    }
    let lines = by_package(ev);
    // A baseline read from a manifest has no test evidence (manifests do not keep it yet):
    // diffing against it would call every package `new`.
    let baseline = baseline.filter(|b| !b.caches.results.is_empty());
    let base_lines = baseline.map(|b| by_package(&b.caches));
    let disabled: Vec<&str> = ev
        .testcache
        .iter()
        .filter_map(|l| match l {
            TestcacheLine::Disabled { reason } => Some(reason.as_str()),
            _ => None,
        })
        .fold(Vec::new(), |mut v, r| {
            if !v.contains(&r) {
                v.push(r);
            }
            v
        });
    let ctx = Ctx {
        current,
        baseline,
        causes,
        disabled: &disabled,
    };
    let mut results: Vec<TestResultReport> = ev
        .results
        .iter()
        .map(|r| {
            let ran = !r.cached && r.outcome != TestOutcome::NoTestFiles;
            let empty = PackageLines::default();
            let cause = ran.then(|| {
                let mine = lines.get(r.package.as_str()).unwrap_or(&empty);
                let theirs = base_lines.as_ref().map(|b| b.get(r.package.as_str()));
                ctx.cause(&r.package, r.outcome, mine, theirs)
            });
            TestResultReport {
                package: r.package.clone(),
                cached: r.cached,
                outcome: r.outcome,
                elapsed_ms: r.elapsed_ms,
                cause,
            }
        })
        .collect();
    results.sort_by(|a, b| a.package.cmp(&b.package));
    let with_tests = results
        .iter()
        .filter(|r| r.outcome != TestOutcome::NoTestFiles);
    let packages = with_tests.clone().count();
    let cached = with_tests.clone().filter(|r| r.cached).count();
    let run_ms = with_tests
        .filter(|r| !r.cached)
        .filter_map(|r| r.elapsed_ms)
        .sum::<u64>() as f64;
    Some(TestsSection {
        packages,
        cached,
        ran: packages - cached,
        cache_rate: (packages > 0).then(|| cached as f64 / packages as f64),
        run_ms,
        results,
    })
}

struct Ctx<'a> {
    current: &'a BuildData,
    baseline: Option<&'a BuildData>,
    causes: &'a [Option<Cause>],
    disabled: &'a [&'a str],
}

fn cause(kind: &'static str, detail: String, changed: Vec<String>) -> CacheCause {
    CacheCause {
        kind,
        detail,
        changed,
        action: None,
    }
}

impl Ctx<'_> {
    fn cause(
        &self,
        package: &str,
        outcome: TestOutcome,
        mine: &PackageLines,
        theirs: Option<Option<&PackageLines>>,
    ) -> CacheCause {
        let why = self.why_ran(package, mine, theirs);
        if outcome != TestOutcome::Fail || why.kind == "failed" {
            return why;
        }
        let mut changed = why.changed.clone();
        changed.dedup();
        CacheCause {
            kind: "failed",
            detail: format!(
                "the package failed (failures are never cached); it ran because {}: {}",
                why.kind, why.detail
            ),
            changed,
            action: why.action,
        }
    }

    fn why_ran(
        &self,
        package: &str,
        mine: &PackageLines,
        theirs: Option<Option<&PackageLines>>,
    ) -> CacheCause {
        if mine.outside_module {
            return cause(
                "uncacheable",
                "caching disabled for a package outside of the module root, GOPATH or GOROOT"
                    .into(),
                vec![],
            );
        }
        if mine.test_ids.is_empty() && !self.disabled.is_empty() {
            return cause(
                "uncacheable",
                format!(
                    "caching disabled for {} (every package of the run)",
                    self.disabled.join(", ")
                ),
                self.disabled.iter().map(|s| (*s).to_owned()).collect(),
            );
        }
        if let Some(path) = mine.too_new {
            let rel = self.relative(package, path);
            return cause(
                "too-new",
                format!(
                    "{rel} was modified less than 2 s before the test read it (Go's modTimeCutoff): a file that new is never cached; fresh checkouts hit this"
                ),
                vec![rel],
            );
        }
        if mine.output_not_found && !mine.input_ids.is_empty() {
            return self.inputs_changed(package, mine, theirs.flatten());
        }
        if mine.list_not_found > 0 || !mine.test_ids.is_empty() {
            return self.no_input_list(package, mine, theirs);
        }
        cause(
            "unknown",
            "no testcache lines for this package (run with GODEBUG=gocachetest=1 to say why)"
                .into(),
            vec![],
        )
    }

    /// The input list was found (same test binary and flags) but not the output: an input
    /// the tests read changed. Which one, the `HASH[testInputs]` blocks tell.
    fn inputs_changed(
        &self,
        package: &str,
        mine: &PackageLines,
        theirs: Option<&PackageLines>,
    ) -> CacheCause {
        let now = block(&self.current.caches, &mine.input_ids);
        let before = self
            .baseline
            .zip(theirs)
            .and_then(|(b, t)| block(&b.caches, &t.input_ids));
        let Some(now) = now else {
            return cause(
                "inputs",
                "an environment variable or file the tests read changed (the input ID is new); the hash log of `goattrib record` names which".into(),
                vec![],
            );
        };
        let Some(before) = before else {
            let read: Vec<String> = now
                .inputs
                .iter()
                .filter(|i| !(i.op == "env" && i.name == "GODEBUG"))
                .map(|i| self.input_name(package, i))
                .collect();
            return cause(
                "inputs",
                format!(
                    "an input the tests read changed since the saved result (no baseline to diff; they read: {})",
                    if read.is_empty() {
                        "nothing but GODEBUG".to_owned()
                    } else {
                        read.join(", ")
                    }
                ),
                read,
            );
        };
        let changed: Vec<(&TestInput, Option<&TestInput>)> = now
            .inputs
            .iter()
            .filter(|i| !before.inputs.contains(i))
            .map(|i| {
                (
                    i,
                    before
                        .inputs
                        .iter()
                        .find(|b| b.op == i.op && b.name == i.name),
                )
            })
            .collect();
        let envs: Vec<_> = changed.iter().filter(|(i, _)| i.op == "env").collect();
        if !envs.is_empty() {
            let names: Vec<String> = envs.iter().map(|(i, _)| i.name.clone()).collect();
            let prints: Vec<String> = envs
                .iter()
                .map(|(i, b)| match b {
                    Some(b) => format!(
                        "${} (value fingerprint {} → {})",
                        i.name,
                        fingerprint(&b.hash),
                        fingerprint(&i.hash)
                    ),
                    None => format!("${} (newly read)", i.name),
                })
                .collect();
            return cause(
                "env",
                format!("the tests read {} and its value changed", prints.join(", ")),
                names,
            );
        }
        if !changed.is_empty() {
            let names: Vec<String> = changed
                .iter()
                .map(|(i, _)| self.relative(package, &i.name))
                .collect();
            return cause(
                "file",
                format!(
                    "a file the tests opened or stat'ed changed: {} (Go hashes its size and mtime, not its content: a touch or a fresh checkout changes it too)",
                    names.join(", ")
                ),
                names,
            );
        }
        let gone: Vec<String> = before
            .inputs
            .iter()
            .filter(|b| !now.inputs.contains(b))
            .map(|i| self.input_name(package, i))
            .collect();
        cause(
            "inputs",
            format!(
                "the tests no longer read {}",
                if gone.is_empty() {
                    "the same inputs".to_owned()
                } else {
                    gone.join(", ")
                }
            ),
            gone,
        )
    }

    /// No input list for any of the package's test IDs: never run with this test binary and
    /// flags, or its last run failed, or the entry is gone.
    fn no_input_list(
        &self,
        package: &str,
        mine: &PackageLines,
        theirs: Option<Option<&PackageLines>>,
    ) -> CacheCause {
        let Some(theirs) = theirs else {
            return cause(
                "cold",
                "no saved result for its test IDs: the first run with this test binary and flags"
                    .into(),
                vec![],
            );
        };
        let base_result = self
            .baseline
            .and_then(|b| b.caches.results.iter().find(|r| r.package == package));
        let (Some(theirs), Some(base_result)) = (theirs, base_result) else {
            return cause(
                "new",
                "the baseline did not test this package".into(),
                vec![],
            );
        };
        let same_binary = mine.test_ids.iter().any(|t| theirs.test_ids.contains(t));
        if same_binary && base_result.outcome == TestOutcome::Fail {
            return cause(
                "failed",
                "the same test binary failed in the baseline: a failed run stores nothing".into(),
                vec![],
            );
        }
        if same_binary {
            return cause(
                "evicted",
                "the baseline saved a result for this test binary; it is gone (evicted, or the cache was not restored)".into(),
                vec![],
            );
        }
        self.binary(package)
    }

    /// The test binary changed: the build cause of its compile or link.
    fn binary(&self, package: &str) -> CacheCause {
        let actions = &self.current.build.actions;
        let names = [
            format!("{package} [{package}.test]"),
            package.to_owned(),
            format!("{package}_test [{package}.test]"),
            format!("{package}.test"),
        ];
        let found = names.iter().find_map(|name| {
            actions
                .iter()
                .zip(self.causes)
                .find(|(a, c)| is_binary_step(a, name) && c.is_some())
        });
        match found {
            Some((a, Some(c))) => CacheCause {
                kind: "binary",
                detail: format!(
                    "the test binary changed: {} of {} missed ({}: {})",
                    a.mode, a.package, c.kind, c.detail
                ),
                changed: c.changed.clone(),
                action: Some(a.id),
            },
            _ => cause(
                "binary",
                "the test binary changed (its test IDs differ from the baseline's)".into(),
                vec![],
            ),
        }
    }

    fn input_name(&self, package: &str, i: &TestInput) -> String {
        if i.op == "env" {
            format!("${}", i.name)
        } else {
            self.relative(package, &i.name)
        }
    }

    /// A path relative to the main module's directory, else to where the package's own
    /// directory sits in it.
    fn relative(&self, package: &str, path: &str) -> String {
        if let Some(dir) = &self.current.caches.module_dir
            && let Some(rel) = path.strip_prefix(dir.trim_end_matches('/'))
            && let Some(rel) = rel.strip_prefix('/')
        {
            return rel.to_owned();
        }
        let main = self.current.build.meta.main_module.as_deref().unwrap_or("");
        if let Some(sub) = package.strip_prefix(main).and_then(|s| s.strip_prefix('/'))
            && let Some(at) = path.find(&format!("/{sub}/"))
        {
            return path[at + 1..].to_owned();
        }
        path.to_owned()
    }
}

/// The `HASH[testInputs]` block whose sum is the latest of these input IDs.
fn block<'a>(ev: &'a CacheEvidence, ids: &[&str]) -> Option<&'a TestInputsBlock> {
    ids.iter().rev().find_map(|id| {
        ev.test_inputs
            .iter()
            .find(|b| b.sum.as_deref() == Some(*id))
    })
}

fn is_binary_step(a: &Action, name: &str) -> bool {
    a.cache == CacheOutcome::Miss && a.package == name && (a.mode == "build" || a.mode == "link")
}

/// A short fingerprint of a hashed value: never the value itself.
fn fingerprint(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
}
