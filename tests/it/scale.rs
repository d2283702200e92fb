//! Truths of the Go 1.19 and PGO captures (`fixtures/gen/capture-scale.sh`, issue 16), read
//! from `goattrib report --format json`; `fixtures/scenarios/TRUTHS-scale.md` derives them from
//! the raw captures. The `#[ignore]`d tests pin the differences listed there (the issue 16 bug
//! list): un-ignore each with its fix.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::scenario;

const MONEY: &str = "example.com/shop/internal/money";
const CART: &str = "example.com/shop/internal/cart";
const REPORT: &str = "example.com/shop/internal/report";
const NATIVE: &str = "example.com/shop/internal/native";
const SHOP: &str = "example.com/shop/cmd/shop";
const FMTX: &str = "example.org/fmtx";
const SHOP_OWN: [&str; 6] = [SHOP, CART, MONEY, NATIVE, REPORT, FMTX];
const TEXT: &str = "example.com/pgo/internal/text";
const SCORE: &str = "example.com/pgo/internal/score";
const HOT: &str = "example.com/pgo/cmd/hot";
const COLD: &str = "example.com/pgo/cmd/cold";
const PREPROCESS: &str = "preprocess PGO profile";

fn report(name: &str, baseline: Option<&str>) -> Value {
    let mut cmd = assert_cmd::Command::cargo_bin("goattrib").unwrap();
    cmd.args(["report", "--format", "json"]);
    if let Some(b) = baseline {
        cmd.arg("--baseline").arg(scenario(b));
    }
    let out = cmd.arg(scenario(name)).output().unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn actions(r: &Value) -> &Vec<Value> {
    r["actions"].as_array().unwrap()
}

/// `pgo` for a build action compiled with the profile (it depends on the preprocess action),
/// `plain` for the other builds, `-` for everything else.
fn variant(r: &Value, a: &Value) -> &'static str {
    if a["mode"] != "build" {
        return "-";
    }
    let by_id: BTreeMap<u64, &Value> = actions(r)
        .iter()
        .map(|a| (a["id"].as_u64().unwrap(), a))
        .collect();
    let pgo = a["deps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| by_id.get(&d.as_u64()?))
        .any(|d| d["mode"] == PREPROCESS);
    if pgo { "pgo" } else { "plain" }
}

/// Every miss: (mode, package, variant) → (kind, origins).
fn misses(r: &Value) -> BTreeMap<(String, String, &'static str), (String, Vec<String>)> {
    actions(r)
        .iter()
        .filter(|a| a["cache"] == "miss")
        .map(|a| {
            let key = (
                a["mode"].as_str().unwrap().to_owned(),
                a["package"].as_str().unwrap().to_owned(),
                variant(r, a),
            );
            let c = &a["cause"];
            let origins = origin_set(r, c);
            let inline: Vec<String> = strings(&c["origins"]);
            assert_eq!(
                inline, origins,
                "the inline list is the whole set when it is short"
            );
            let kind = c["kind"].as_str().unwrap().to_owned();
            (key, (kind, origins))
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|o| o.as_str().unwrap().to_owned())
        .collect()
}

/// A cause's origins as a reader gets them whole: `origin_sets[cause.origin_set]`.
fn origin_set(r: &Value, c: &Value) -> Vec<String> {
    match c["origin_set"].as_u64() {
        Some(i) => {
            assert!(c.get("origins_truncated").is_none(), "{c}");
            strings(&r["origin_sets"][i as usize])
        }
        None => Vec::new(),
    }
}

fn key(mode: &str, package: &str, variant: &'static str) -> (String, String, &'static str) {
    (mode.to_owned(), package.to_owned(), variant)
}

fn cause(kind: &str, origins: &[&str]) -> (String, Vec<String>) {
    (
        kind.to_owned(),
        origins.iter().map(|o| o.to_string()).collect(),
    )
}

fn packages(r: &Value) -> (u64, u64, u64) {
    let p = &r["summary"]["packages"];
    let n = |f: &str| p[f].as_u64().unwrap();
    (n("hits"), n("misses"), n("installed"))
}

#[test]
fn go_1_19_edit_propagates_from_money() {
    let r = report("go1.19-edit", Some("go1.19-warm"));
    let mut want = BTreeMap::from([
        (key("build", MONEY, "plain"), cause("source", &[])),
        (key("link", SHOP, "-"), cause("dependency", &[MONEY])),
    ]);
    for p in [CART, REPORT, SHOP] {
        want.insert(key("build", p, "plain"), cause("dependency", &[MONEY]));
    }
    assert_eq!(misses(&r), want);
}

#[test]
fn go_1_19_deleted_entries_are_evicted() {
    let r = report("go1.19-evicted", Some("go1.19-edit"));
    let want = BTreeMap::from([
        (key("build", MONEY, "plain"), cause("evicted", &[])),
        (key("build", REPORT, "plain"), cause("evicted", &[])),
        (key("link", SHOP, "-"), cause("not-cached", &[])),
    ]);
    assert_eq!(misses(&r), want);
}

#[test]
fn go_1_19_moved_checkout_is_workdir() {
    let r = report("go1.19-moved", Some("go1.19-edit"));
    let mut want: BTreeMap<_, _> = SHOP_OWN
        .iter()
        .map(|p| (key("build", p, "plain"), cause("workdir", &[])))
        .collect();
    let mut own = SHOP_OWN.to_vec();
    own.sort();
    want.insert(key("link", SHOP, "-"), cause("dependency", &own));
    assert_eq!(misses(&r), want);
}

/// `origin_sets` (issue 15): each distinct set once, in the order the actions first name
/// it, and each cause group of `dependency` pointing at its set. In go1.19-moved the link
/// is the only dependency miss: one set, the six rebuilt packages; in go1.19-edit every
/// importer of money names one set, `[money]`.
#[test]
fn origin_sets_hold_each_distinct_set_once_and_resolve_to_the_truths() {
    let r = report("go1.19-moved", Some("go1.19-edit"));
    let mut own: Vec<String> = SHOP_OWN.iter().map(|p| p.to_string()).collect();
    own.sort();
    assert_eq!(r["origin_sets"], serde_json::json!([own]));
    let link = actions(&r)
        .iter()
        .find(|a| a["mode"] == "link" && a["package"] == SHOP)
        .unwrap();
    assert_eq!(origin_set(&r, &link["cause"]), own);
    let group: Vec<&Value> = r["causes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "dependency")
        .collect();
    assert_eq!(group.len(), 1);
    assert_eq!(group[0]["origin_set"], 0);
    assert_eq!(group[0]["origin"], own.join(", "));
    // Causes without origins name no set.
    assert!(
        actions(&r)
            .iter()
            .filter(|a| a["cause"]["kind"] == "workdir")
            .all(|a| a["cause"].get("origin_set").is_none())
    );

    let r = report("go1.19-edit", Some("go1.19-warm"));
    assert_eq!(r["origin_sets"], serde_json::json!([[MONEY]]));
    let named: Vec<&Value> = actions(&r)
        .iter()
        .filter(|a| a["cause"]["kind"] == "dependency")
        .collect();
    assert_eq!(named.len(), 4, "cart, report, shop and its link");
    assert!(named.iter().all(|a| a["cause"]["origin_set"] == 0));
}

#[test]
fn go_1_19_warm_only_relinks() {
    let r = report("go1.19-warm", Some("go1.19-cold"));
    let want = BTreeMap::from([(key("link", SHOP, "-"), cause("not-cached", &[]))]);
    assert_eq!(misses(&r), want);
}

#[test]
fn pgo_cold_builds_every_package_twice_and_all_is_cold() {
    let r = report("pgo-cold", None);
    assert_eq!(packages(&r), (0, 123, 0));
    let m = misses(&r);
    assert_eq!(m.len(), 126, "123 builds, 2 links, the profile");
    assert!(m.values().all(|(k, _)| k == "cold"), "{m:?}");
    let count = |v: &str| m.keys().filter(|(_, _, x)| *x == v).count();
    assert_eq!((count("plain"), count("pgo")), (61, 62));
    for p in [TEXT, SCORE, "fmt", "runtime"] {
        assert!(m.contains_key(&key("build", p, "plain")), "{p}");
        assert!(m.contains_key(&key("build", p, "pgo")), "{p}");
    }
    assert!(m.contains_key(&key(PREPROCESS, "", "-")));
}

#[test]
fn pgo_warm_hits_both_variants() {
    let r = report("pgo-warm", Some("pgo-cold"));
    assert_eq!(packages(&r), (123, 0, 0));
    let want = BTreeMap::from([
        (key("link", COLD, "-"), cause("not-cached", &[])),
        (key("link", HOT, "-"), cause("not-cached", &[])),
    ]);
    assert_eq!(misses(&r), want);
}

#[test]
fn pgo_edit_rebuilds_the_profiled_variant_from_text() {
    let r = report("pgo-edit", Some("pgo-warm"));
    assert_eq!(packages(&r), (117, 6, 0));
    let m = misses(&r);
    assert_eq!(m.len(), 8);
    assert_eq!(m[&key("build", TEXT, "plain")], cause("source", &[]));
    assert_eq!(m[&key("build", TEXT, "pgo")], cause("source", &[]));
    assert_eq!(
        m[&key("build", SCORE, "plain")],
        cause("dependency", &[TEXT])
    );
    for k in [
        key("build", SCORE, "pgo"),
        key("build", HOT, "pgo"),
        key("link", HOT, "-"),
    ] {
        assert_eq!(m[&k], cause("dependency", &[TEXT]), "{k:?}");
    }
}

#[test]
fn pgo_profile_change_rebuilds_only_the_profiled_variant() {
    let r = report("pgo-profile-changed", Some("pgo-edit"));
    assert_eq!(packages(&r), (61, 62, 0));
    let m = misses(&r);
    assert_eq!(m.len(), 65, "62 builds, 2 links, the profile");
    assert!(m.keys().all(|(mode, _, v)| *v == "pgo" || mode != "build"));
    assert_eq!(m[&key("link", COLD, "-")], cause("not-cached", &[]));
}

// --- The issue 16 bug list (TRUTHS-scale.md): un-ignore with the fix. ---

#[test]
fn go_1_19_standard_library_is_installed() {
    for (name, base, hits) in [
        ("go1.19-cold", None, 0),
        ("go1.19-warm", Some("go1.19-cold"), 6),
        ("go1.19-edit", Some("go1.19-warm"), 2),
        ("go1.19-evicted", Some("go1.19-edit"), 4),
        ("go1.19-moved", Some("go1.19-edit"), 0),
    ] {
        let r = report(name, base);
        assert_eq!((packages(&r).0, packages(&r).2), (hits, 42), "{name}");
        let fmt = actions(&r)
            .iter()
            .find(|a| a["mode"] == "build" && a["package"] == "fmt")
            .unwrap();
        assert_eq!(fmt["cache"], "installed", "{name}");
    }
}

#[test]
fn go_1_19_first_build_is_cold() {
    let r = report("go1.19-cold", None);
    let mut want: BTreeMap<_, _> = SHOP_OWN
        .iter()
        .map(|p| (key("build", p, "plain"), cause("cold", &[])))
        .collect();
    want.insert(key("link", SHOP, "-"), cause("cold", &[]));
    assert_eq!(misses(&r), want);
}

#[test]
fn pgo_edit_plain_main_has_text_as_its_only_origin() {
    let m = misses(&report("pgo-edit", Some("pgo-warm")));
    assert_eq!(
        m[&key("build", COLD, "plain")],
        cause("dependency", &[TEXT])
    );
    assert_eq!(m[&key("link", COLD, "-")], cause("dependency", &[TEXT]));
}

#[test]
fn pgo_profile_change_is_pgo() {
    let m = misses(&report("pgo-profile-changed", Some("pgo-edit")));
    let pgo: Vec<_> = m
        .iter()
        .filter(|((mode, _, _), _)| mode == "build" || mode == PREPROCESS)
        .collect();
    assert_eq!(pgo.len(), 63);
    assert!(pgo.iter().all(|(_, (k, _))| k == "pgo"), "{pgo:?}");
}

#[test]
fn pgo_profile_change_link_origins_include_the_main_package() {
    let m = misses(&report("pgo-profile-changed", Some("pgo-edit")));
    let (kind, origins) = &m[&key("link", HOT, "-")];
    assert_eq!(kind, "dependency");
    // Which PGO builds compile differently depends on the profile: cmd/hot always does.
    assert!(origins.iter().any(|o| o == HOT), "{origins:?}");
}

#[test]
fn interleaved_baseline_blocks_give_only_the_inputs_that_changed() {
    // pgo-warm's log interleaves the plain and PGO blocks of fmt, os, runtime, ... (their sums
    // prove the split); against it, only pgofile and imports changed in the PGO std builds.
    let r = report("pgo-profile-changed", Some("pgo-warm"));
    for a in actions(&r) {
        if a["cache"] != "miss" || a["mode"] != "build" || a["package"].as_str() == Some(TEXT) {
            continue;
        }
        for c in a["cause"]["changed"].as_array().unwrap() {
            let c = c.as_str().unwrap();
            assert!(
                !c.contains('\n') && !c.starts_with("file "),
                "{}: {c}",
                a["package"]
            );
        }
    }
}

#[test]
fn older_baseline_walks_through_hits_to_the_edit() {
    let m = misses(&report("pgo-profile-changed", Some("pgo-warm")));
    assert_eq!(m[&key("link", COLD, "-")], cause("dependency", &[TEXT]));
}

#[test]
fn a_manifest_of_the_interleaved_baseline_gives_the_bundle_causes() {
    // pgo-warm interleaves the plain and PGO blocks of fmt, os, runtime...: its manifest
    // must keep both variants apart as the bundle does (manifest version 2).
    let dir = tempfile::TempDir::new().unwrap();
    let path = dir.path().join("pgo-warm.manifest.json.gz");
    let data = goattrib::analysis::prepare(crate::harness::load_clean(&scenario("pgo-warm")));
    goattrib::ingest::manifest::write_file(&path, &data).unwrap();
    let causes = |r: goattrib::model::Report| -> Vec<(u64, Option<goattrib::model::Cause>)> {
        r.actions.into_iter().map(|a| (a.id, a.cause)).collect()
    };
    let current = || crate::harness::load_clean(&scenario("pgo-profile-changed"));
    let from_bundle = goattrib::analysis::report(
        current(),
        Some(crate::harness::load_clean(&scenario("pgo-warm"))),
    );
    let from_manifest =
        goattrib::analysis::report(current(), Some(crate::harness::load_clean(&path)));
    assert_eq!(causes(from_bundle), causes(from_manifest));
}
