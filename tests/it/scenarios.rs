//! Known truths of the real captures in `fixtures/scenarios/` (made by
//! `fixtures/gen/capture.sh`): which packages missed, with which cause and origins.
//! SCENARIOS.md beside the captures says what changed in each and against which baseline.

use goattrib::model::{CacheOutcome, CauseKind, Report};
use std::collections::BTreeMap;

use crate::harness::{scenario, scenario_report};

const MAIN: &str = "example.com/shop";
const MONEY: &str = "example.com/shop/internal/money";
const CART: &str = "example.com/shop/internal/cart";
const REPORT: &str = "example.com/shop/internal/report";
const NATIVE: &str = "example.com/shop/internal/native";
const SHOP: &str = "example.com/shop/cmd/shop";
const FMTX: &str = "example.org/fmtx";

/// Missed package builds: package → (cause kind, origins).
fn build_misses(r: &Report) -> BTreeMap<String, (CauseKind, Vec<String>)> {
    r.actions
        .iter()
        .filter(|a| a.mode == "build" && a.cache == CacheOutcome::Miss)
        .map(|a| {
            let c = a.cause.as_ref().expect("every miss has a cause");
            (a.package.clone(), (c.kind, c.origins.to_vec()))
        })
        .collect()
}

fn cause_of<'a>(r: &'a Report, mode: &str, package: &str) -> &'a goattrib::model::Cause {
    r.actions
        .iter()
        .find(|a| a.mode == mode && a.package == package)
        .and_then(|a| a.cause.as_ref())
        .unwrap_or_else(|| panic!("no cause for {mode} {package}"))
}

fn main_module_misses(r: &Report) -> BTreeMap<String, (CauseKind, Vec<String>)> {
    build_misses(r)
        .into_iter()
        .filter(|(p, _)| p.starts_with(MAIN) || p.starts_with(FMTX))
        .collect()
}

fn only(kind: CauseKind, packages: &[&str]) -> BTreeMap<String, (CauseKind, Vec<String>)> {
    packages
        .iter()
        .map(|p| (p.to_string(), (kind, vec![])))
        .collect()
}

fn module<'a>(r: &'a Report, path: &str) -> &'a goattrib::model::ModuleStats {
    r.modules
        .iter()
        .find(|m| m.module == path)
        .unwrap_or_else(|| panic!("no module {path}"))
}

const ALL_OWN: [&str; 6] = [SHOP, CART, MONEY, NATIVE, REPORT, FMTX];

#[test]
fn cold_build_misses_everything_and_is_cold() {
    let r = scenario_report("cold", None);
    let p = &r.summary.packages;
    assert_eq!(
        (p.total, p.hits, p.misses, p.hit_rate),
        (67, 0, 67, Some(0.0))
    );
    assert!(
        build_misses(&r)
            .values()
            .all(|(k, _)| *k == CauseKind::Cold)
    );
    assert_eq!(cause_of(&r, "link", SHOP).kind, CauseKind::Cold);
    let std = module(&r, "std");
    assert_eq!(
        (std.packages, std.misses, std.version.as_deref()),
        (61, 61, Some("go1.27.3"))
    );
    let main = module(&r, MAIN);
    assert!(main.main);
    assert_eq!((main.packages, main.misses), (5, 5));
    assert_eq!(module(&r, FMTX).version.as_deref(), Some("v1.0.0"));
    assert_eq!(r.build.main_module.as_deref(), Some(MAIN));
    assert_eq!(
        (r.build.goos.as_deref(), r.build.goarch.as_deref()),
        (Some("linux"), Some("amd64"))
    );
    assert_eq!(r.build.exit_code, Some(0));
    assert!(r.build.wall_ms.is_some_and(|w| w > 0.0));
    assert!(r.summary.critical_path_ms > 0.0 && !r.critical_path.is_empty());
    // The cgo tool actions share their package's cause.
    let cgo = r
        .actions
        .iter()
        .find(|a| a.mode == "cgo run" && a.package == NATIVE)
        .unwrap();
    assert_eq!(cgo.cause.as_ref().map(|c| c.kind), Some(CauseKind::Cold));
}

#[test]
fn warm_build_hits_everything_and_only_relinks() {
    let r = scenario_report("warm", Some("cold"));
    let p = &r.summary.packages;
    assert_eq!(
        (p.total, p.hits, p.misses, p.hit_rate),
        (67, 67, 0, Some(1.0))
    );
    let link = cause_of(&r, "link", SHOP);
    assert_eq!(link.kind, CauseKind::NotCached);
    assert!(
        link.detail.contains("keeps no linked binary"),
        "{}",
        link.detail
    );
}

#[test]
fn edit_propagates_to_importers_with_money_as_origin() {
    let r = scenario_report("edit-propagates", Some("warm"));
    let origin = vec![MONEY.to_owned()];
    let mut expect = only(CauseKind::Source, &[MONEY]);
    for p in [CART, REPORT, SHOP] {
        expect.insert(p.to_owned(), (CauseKind::Dependency, origin.clone()));
    }
    assert_eq!(build_misses(&r), expect);
    assert_eq!(cause_of(&r, "build", MONEY).detail, "money.go changed");
    assert_eq!(cause_of(&r, "link", SHOP).origins, origin);
    // Time is attributed per origin: money's own miss and its three importers.
    let o = r.origins.iter().find(|o| o.package == MONEY).unwrap();
    assert_eq!((o.kind, o.misses), (CauseKind::Source, 5));
}

#[test]
fn edit_with_identical_export_data_keeps_importers_cached() {
    let r = scenario_report("edit-same-export", Some("edit-propagates"));
    assert_eq!(build_misses(&r), only(CauseKind::Source, &[MONEY]));
}

#[test]
fn vendored_module_upgrade_names_versions() {
    let r = scenario_report("vendor-upgrade", Some("edit-same-export"));
    let fmtx = cause_of(&r, "build", FMTX);
    assert_eq!(fmtx.kind, CauseKind::Source);
    assert!(fmtx.detail.contains("v1.0.0 → v1.1.0"), "{}", fmtx.detail);
    let origin = vec![FMTX.to_owned()];
    for p in [REPORT, SHOP] {
        let c = cause_of(&r, "build", p);
        assert_eq!(
            (c.kind, &c.origins.to_vec()),
            (CauseKind::Dependency, &origin),
            "{p}"
        );
        assert!(
            c.detail.contains("example.org/fmtx v1.0.0 → v1.1.0"),
            "{}",
            c.detail
        );
    }
    assert_eq!(build_misses(&r).len(), 3);
    assert_eq!(module(&r, FMTX).version.as_deref(), Some("v1.1.0"));
}

#[test]
fn goarch_change_is_platform_everywhere() {
    let r = scenario_report("goarch-arm64", Some("vendor-upgrade"));
    assert_eq!(r.build.goarch.as_deref(), Some("arm64"));
    let misses = build_misses(&r);
    assert_eq!(main_module_misses(&r), only(CauseKind::Platform, &ALL_OWN));
    // Packages the amd64 build never compiled (arm64-only imports) are new; all else platform.
    assert!(
        misses
            .values()
            .all(|(k, _)| matches!(k, CauseKind::Platform | CauseKind::New))
    );
    assert!(
        misses
            .values()
            .filter(|(k, _)| *k == CauseKind::Platform)
            .count()
            >= 60
    );
    assert_eq!(cause_of(&r, "build", MONEY).detail, "GOARCH: amd64 → arm64");
    assert_eq!(r.summary.packages.hits, 0);
}

#[test]
fn gcflags_rebuild_only_the_packages_they_apply_to() {
    let r = scenario_report("gcflags", Some("vendor-upgrade"));
    assert_eq!(
        build_misses(&r),
        only(CauseKind::Flags, &[SHOP, CART, MONEY, NATIVE, REPORT])
    );
    assert!(cause_of(&r, "build", CART).detail.contains("-N -l"));
    assert_eq!(module(&r, "std").misses, 0);
}

#[test]
fn build_tags_change_the_file_set() {
    let r = scenario_report("tags", Some("vendor-upgrade"));
    let money = cause_of(&r, "build", MONEY);
    assert_eq!(
        (money.kind, money.detail.as_str()),
        (CauseKind::Source, "premium.go added")
    );
    let origin = vec![MONEY.to_owned()];
    for p in [CART, REPORT] {
        assert_eq!(build_misses(&r)[p], (CauseKind::Dependency, origin.clone()));
    }
    // The main package's build info records -tags: its own change wins over the dependency.
    let shop = cause_of(&r, "build", SHOP);
    assert_eq!(shop.kind, CauseKind::Flags);
    assert!(shop.detail.contains("-tags"), "{}", shop.detail);
}

#[test]
fn trimpath_is_flags_for_every_package() {
    let r = scenario_report("trimpath", Some("vendor-upgrade"));
    assert!(
        build_misses(&r)
            .values()
            .all(|(k, _)| *k == CauseKind::Flags)
    );
    assert_eq!(r.summary.packages.misses, 67);
    assert_eq!(cause_of(&r, "link", SHOP).kind, CauseKind::Flags);
}

#[test]
fn goamd64_level_is_env() {
    let r = scenario_report("goamd64-v3", Some("vendor-upgrade"));
    assert!(build_misses(&r).values().all(|(k, _)| *k == CauseKind::Env));
    assert_eq!(
        cause_of(&r, "build", CART).detail,
        "arch level: GOAMD64=v1 → GOAMD64=v3"
    );
}

#[test]
fn cgo_off_is_env_for_cgo_packages() {
    let r = scenario_report("cgo-off", Some("vendor-upgrade"));
    let misses = build_misses(&r);
    assert_eq!(misses[NATIVE].0, CauseKind::Env);
    assert_eq!(misses["os/user"].0, CauseKind::Env);
    assert_eq!(misses[SHOP].0, CauseKind::Env);
    assert!(
        cause_of(&r, "build", SHOP)
            .detail
            .starts_with("build setting CGO_ENABLED: 1 → 0")
    );
    assert_eq!(
        misses[REPORT],
        (CauseKind::Dependency, vec!["os/user".to_owned()])
    );
    // The pure-Go os/user needs packages the cgo build never compiled.
    assert_eq!(misses["bufio"].0, CauseKind::New);
    assert_eq!(
        cause_of(&r, "link", SHOP).origins,
        vec![SHOP.to_owned(), NATIVE.to_owned(), "os/user".to_owned()]
    );
}

#[test]
fn go_directive_change_rebuilds_the_main_module() {
    let r = scenario_report("go-directive", Some("vendor-upgrade"));
    assert_eq!(
        build_misses(&r),
        only(CauseKind::GoDirective, &[SHOP, CART, MONEY, NATIVE, REPORT])
    );
    assert_eq!(
        cause_of(&r, "build", MONEY).detail,
        "go directive: 1.22 → 1.23"
    );
}

#[test]
fn moved_checkout_is_workdir() {
    let r = scenario_report("moved", Some("vendor-upgrade"));
    assert_eq!(main_module_misses(&r), only(CauseKind::Workdir, &ALL_OWN));
    assert_eq!(module(&r, "std").misses, 0);
    let money = cause_of(&r, "build", MONEY);
    assert!(
        money.detail.contains("runner-1") && money.detail.contains("runner-2"),
        "{}",
        money.detail
    );
    assert!(money.hint.contains("-trimpath"));
}

#[test]
fn deleted_cache_entries_are_evicted() {
    let r = scenario_report("evicted", Some("warm2"));
    assert_eq!(build_misses(&r), only(CauseKind::Evicted, &[MONEY, REPORT]));
}

#[test]
fn compile_error_fails_the_build_and_stops_dependents() {
    let r = scenario_report("compile-error", Some("warm2"));
    assert!(r.build.failed);
    assert_eq!(r.build.exit_code, Some(1));
    assert_eq!(r.build.failed_packages, vec![CART.to_owned()]);
    assert_eq!(build_misses(&r), only(CauseKind::Source, &[CART]));
    assert!(
        r.build
            .diagnostics
            .iter()
            .any(|d| d.contains("undefinedBonus"))
    );
    assert_eq!(r.summary.packages.not_run, 2);
    let not_run: Vec<&str> = r
        .actions
        .iter()
        .filter(|a| a.mode == "build" && a.cache == CacheOutcome::NoLookup)
        .map(|a| a.package.as_str())
        .collect();
    assert_eq!(not_run, vec![SHOP, REPORT]);
}

#[test]
fn go_test_variants_and_vet_are_new_against_a_build_baseline() {
    let r = scenario_report("go-test", Some("warm2"));
    let variant = format!("{MONEY} [{MONEY}.test]");
    assert_eq!(cause_of(&r, "build", &variant).kind, CauseKind::New);
    assert_eq!(cause_of(&r, "vet", CART).kind, CauseKind::New);
    assert_eq!(
        module(&r, MAIN).packages,
        7,
        "5 packages, the test variant and the test main"
    );
}

#[test]
fn older_toolchain_is_toolchain_everywhere() {
    let r = scenario_report("toolchain-go1.26", Some("warm2"));
    assert_eq!(r.build.go_version.as_deref(), Some("go1.26.6"));
    assert_eq!(main_module_misses(&r), only(CauseKind::Toolchain, &ALL_OWN));
    assert!(
        build_misses(&r)
            .values()
            .all(|(k, _)| matches!(k, CauseKind::Toolchain | CauseKind::New))
    );
}

#[test]
fn go_1_23_without_build_json_reads_x_text_from_stderr() {
    let r = scenario_report("go1.23-edit", Some("go1.23-cold"));
    assert_eq!(r.build.go_version.as_deref(), Some("go1.23.9"));
    let origin = vec![MONEY.to_owned()];
    let mut expect = only(CauseKind::Source, &[MONEY]);
    for p in [CART, REPORT, SHOP] {
        expect.insert(p.to_owned(), (CauseKind::Dependency, origin.clone()));
    }
    assert_eq!(build_misses(&r), expect);
}

#[test]
fn x_text_alone_still_gives_hits_misses_and_edges() {
    let stderr = scenario("go1.23-edit").join("build.stderr.gz");
    let r = goattrib::analysis::report(goattrib::ingest::load(&[stderr]).unwrap(), None);
    let missed: Vec<String> = build_misses(&r).into_keys().collect();
    assert_eq!(missed, vec![SHOP, CART, MONEY, REPORT]);
    assert!(
        r.actions
            .iter()
            .all(|a| a.decided_by != goattrib::model::Evidence::ActionGraph)
    );
    let hits = r
        .actions
        .iter()
        .filter(|a| a.cache == CacheOutcome::Hit)
        .count();
    assert!(
        hits >= 4,
        "cached imports named by the rebuilt packages' importcfgs: {hits}"
    );
    let cart = r
        .actions
        .iter()
        .find(|a| a.mode == "build" && a.package == CART)
        .unwrap();
    let money = r
        .actions
        .iter()
        .find(|a| a.mode == "build" && a.package == MONEY)
        .unwrap();
    assert!(
        cart.deps.contains(&money.id),
        "edge cart → money from cart's importcfg"
    );
    // Without a baseline, a warm build's misses are undecided, and say what would decide.
    let c = cause_of(&r, "build", MONEY);
    assert_eq!(c.kind, CauseKind::Unknown);
    assert!(c.hint.contains("--baseline"));
}

#[test]
fn json_contract_has_the_promised_fields() {
    let r = scenario_report("edit-propagates", Some("warm"));
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["schema"], "goattrib.report/v1");
    for f in [
        "command",
        "exit_code",
        "failed",
        "wall_ms",
        "go_version",
        "goos",
        "goarch",
        "main_module",
    ] {
        assert!(v["build"].get(f).is_some(), "build.{f}");
    }
    for f in ["total", "hits", "misses", "hit_rate"] {
        assert!(
            v["summary"]["packages"].get(f).is_some(),
            "summary.packages.{f}"
        );
    }
    assert!(v["summary"]["critical_path_ms"].is_number());
    for f in [
        "module", "version", "packages", "hits", "misses", "hit_rate", "miss_ms",
    ] {
        assert!(v["modules"][0].get(f).is_some(), "modules[].{f}");
    }
    for f in ["kind", "origin", "misses", "time_ms"] {
        assert!(v["causes"][0].get(f).is_some(), "causes[].{f}");
    }
    let miss = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["cache"] == "miss")
        .unwrap();
    for f in [
        "id",
        "mode",
        "package",
        "module",
        "cache",
        "start_ms",
        "duration_ms",
        "deps",
        "cause",
    ] {
        assert!(miss.get(f).is_some(), "actions[].{f}");
    }
    for f in ["kind", "detail", "hint", "origins", "changed"] {
        assert!(miss["cause"].get(f).is_some(), "actions[].cause.{f}");
    }
    assert!(v["warnings"].is_array());
    // Every distinct origin set once, and each cause with origins pointing at its own.
    let sets = v["origin_sets"].as_array().expect("origin_sets");
    for a in v["actions"].as_array().unwrap() {
        let c = &a["cause"];
        let inline = c["origins"].as_array().map_or(0, Vec::len);
        match c["origin_set"].as_u64() {
            Some(i) => assert_eq!(sets[i as usize], c["origins"], "{}", a["package"]),
            None => assert_eq!(inline, 0, "{}", a["package"]),
        }
    }
}

#[test]
fn output_is_identical_at_one_and_many_threads() {
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            serde_json::to_string(&scenario_report("cgo-off", Some("vendor-upgrade"))).unwrap()
        })
    };
    assert_eq!(run(1), run(4));
}

/// What `goattrib record` printed while capturing: the build as the user would have seen it.
fn terminal(name: &str) -> String {
    std::fs::read_to_string(scenario(".terminal").join(format!("{name}.out")))
        .expect("terminal capture")
}

#[test]
fn record_passes_compiler_errors_through_and_keeps_its_own_signals_out() {
    let out = terminal("compile-error");
    assert!(out.contains("# example.com/shop/internal/cart"), "{out}");
    assert!(out.contains("undefined: undefinedBonus"), "{out}");
    for noise in ["HASH[", "mkdir -p $WORK", "packagefile ", "\"ImportPath\""] {
        assert!(!out.contains(noise), "{noise} leaked: {out}");
    }
    // A successful build prints nothing, as `go build` does.
    assert_eq!(terminal("cold"), "");
    // Go 1.23 prints -x on stderr: hidden too.
    assert!(!terminal("go1.23-edit").contains("compile -o"));
}

#[test]
fn record_turns_test_events_back_into_go_test_text() {
    let out = terminal("go-test");
    assert!(
        out.contains("ok  \texample.com/shop/internal/money"),
        "{out}"
    );
    assert!(!out.contains("\"Action\""), "{out}");
    // The test binary's command line is part of the -x trace.
    assert!(!out.contains("$WORK"), "{out}");
}
