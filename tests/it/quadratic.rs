//! Quadratic paths on crafted input (issue 15, "bounded time and memory"): sizes that
//! would not finish in reasonable time (or memory) if any step were O(n²), with asserts on
//! counts, caps and shared storage, never on timings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use goattrib::model::{CauseKind, MAX_ORIGIN_SET_NAMES, MAX_ORIGINS_LISTED, MAX_ORIGINS_NAMED};

use crate::harness::{peak_heap_growth, report};

/// A bundle (action graph + hash log, both crafted) of `fanin` leaf packages whose source
/// differs by `side`, one hub importing them all and a chain of `chain` packages above it.
fn fan_in_bundle(dir: &Path, side: &str, fanin: usize, chain: usize) -> PathBuf {
    let leaves: Vec<String> = (0..fanin)
        .map(|i| format!("example.com/w/leaf{i}"))
        .collect();
    let links: Vec<String> = (0..chain).map(|i| format!("example.com/w/c{i}")).collect();
    let hub = "example.com/w/hub".to_owned();
    let mut order: Vec<(String, Vec<usize>)> = leaves.iter().map(|l| (l.clone(), vec![])).collect();
    order.push((hub, (0..fanin).collect()));
    for (i, c) in links.iter().enumerate() {
        order.push((c.clone(), vec![fanin + i]));
    }
    bundle(dir, side, &order)
}

/// A "staircase" of `n` steps: step i imports step i-1 and a leaf of its own whose source
/// differs by `side`, so step i's origins are the leaves 0..=i: n distinct sets, n²/2 names.
fn staircase_bundle(dir: &Path, side: &str, n: usize) -> PathBuf {
    let mut order: Vec<(String, Vec<usize>)> = Vec::new();
    for i in 0..n {
        order.push((format!("example.com/s/leaf{i:05}"), vec![]));
        let below = if i == 0 {
            vec![]
        } else {
            vec![order.len() - 2]
        };
        let leaf = order.len() - 1;
        order.push((
            format!("example.com/s/step{i:05}"),
            [below, vec![leaf]].concat(),
        ));
    }
    bundle(dir, side, &order)
}

/// Packages in build order with the indexes of their imports; the ones importing nothing
/// have a source file whose content differs by `side`.
fn bundle(dir: &Path, side: &str, order: &[(String, Vec<usize>)]) -> PathBuf {
    let out = dir.join(side);
    std::fs::create_dir_all(&out).unwrap();
    let content = |p: &str| format!("{side}-{}", p.len() % 7);
    let (mut graph, mut log) = (Vec::new(), String::new());
    for (id, (p, deps)) in order.iter().enumerate() {
        let mut lines = vec![
            "\"go1.27.3\"".to_owned(),
            "\"compile\\n\"".to_owned(),
            format!("\"import \\\"{p}\\\"\\n\""),
        ];
        if deps.is_empty() {
            lines.push(format!("\"file x.go {}\\n\"", content(p)));
        }
        for &d in deps {
            lines.push(format!("\"import {} {side}{d}\\n\"", order[d].0));
        }
        writeln!(log, "HASH[build {p}]").unwrap();
        for l in &lines {
            writeln!(log, "HASH[build {p}]: {l}").unwrap();
        }
        writeln!(log, "HASH[build {p}]: {:064x}", id + 1).unwrap();
        graph.push(serde_json::json!({
            "ID": id, "Mode": "build", "Package": p, "Deps": deps,
            "TimeStart": "2026-11-25T13:22:37.000000000Z",
            "TimeDone": "2026-11-25T13:22:37.001000000Z",
            "Cmd": [format!("compile -p {p}")],
        }));
    }
    std::fs::write(
        out.join("actiongraph.json"),
        serde_json::to_vec(&graph).unwrap(),
    )
    .unwrap();
    std::fs::write(out.join("build.stderr"), log).unwrap();
    out
}

/// Regression: every miss above a wide fan-in copied all its imports' origins and joined
/// them into its detail (n×k strings, O(n·k²) time): 3,000 importers above 3,000 changed
/// packages held 9 million names and 180 MB of detail text. Now they share one set.
#[test]
fn wide_fan_in_under_a_long_chain_shares_one_origin_set() {
    const K: usize = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let base = fan_in_bundle(dir.path(), "base", K, K);
    let head = fan_in_bundle(dir.path(), "head", K, K);
    let (r, grew) = peak_heap_growth(|| report(&[head], Some(&[base])));
    let deps: Vec<_> = r
        .actions
        .iter()
        .filter_map(|a| a.cause.as_ref())
        .filter(|c| c.kind == CauseKind::Dependency)
        .collect();
    assert_eq!(deps.len(), K + 1, "the hub and every chain package");
    let first = &deps[0].origins;
    assert_eq!(first.len(), K);
    assert!(
        deps.iter().all(|c| c.origins.shares(first)),
        "one shared set"
    );
    let more = format!(
        "and {} more",
        goattrib::model::thousands(K - MAX_ORIGINS_NAMED)
    );
    assert!(
        deps.iter().all(|c| c.detail.ends_with(&more)),
        "{}",
        deps[0].detail
    );
    assert!(deps[0].detail.len() < 1_000, "{}", deps[0].detail);
    // One group for the whole chain, its origin listing the set once.
    let groups: Vec<_> = r
        .causes
        .iter()
        .filter(|c| c.kind == CauseKind::Dependency)
        .collect();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].misses, K + 1);
    let origin_time = r
        .origins
        .iter()
        .find(|o| o.package == "example.com/w/leaf0");
    assert_eq!(origin_time.map(|o| o.misses), Some(K + 2));
    // Copies would be K×K names (≈ 9 M strings, hundreds of MB).
    assert!(grew < 200 << 20, "peak heap growth {grew} bytes");
}

/// What a reader of `report.json` does: each action's whole origin set, from the
/// `origin_sets` table by its `origin_set` index, per package.
fn origin_sets_of(json: &serde_json::Value) -> Vec<(String, Vec<String>, bool)> {
    let table = json["origin_sets"].as_array().expect("origin_sets");
    json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["cause"]["origin_set"].is_u64())
        .map(|a| {
            let i = a["cause"]["origin_set"].as_u64().unwrap() as usize;
            let names = table[i]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_owned())
                .collect();
            let cut = a["cause"]["origins_truncated"] == true;
            (a["package"].as_str().unwrap().to_owned(), names, cut)
        })
        .collect()
}

/// Regression (issue 15): the JSON listed at most 100 origins per action, so it was not
/// complete; listing them all per action is K × K names. Each distinct set is now written
/// once in `origin_sets`, which every cause indexes: K names once, and a reader recovers
/// all K for every miss.
#[test]
fn wide_fan_in_report_json_lists_every_origin_once() {
    const K: usize = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let base = fan_in_bundle(dir.path(), "base", K, K);
    let head = fan_in_bundle(dir.path(), "head", K, K);
    let r = report(&[head], Some(&[base]));
    let mut bytes = Vec::new();
    goattrib::render::json::write(&r, &mut bytes).unwrap();
    // Inline lists of 100 per action and the set once: about 13 MB. Every set whole per
    // action would be K × K names, over 300 MB.
    assert!(
        bytes.len() < 20 << 20,
        "report.json is {} bytes",
        bytes.len()
    );
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(json["origin_sets"].as_array().unwrap().len(), 1);
    let mut leaves: Vec<String> = (0..K).map(|i| format!("example.com/w/leaf{i}")).collect();
    leaves.sort();
    let sets = origin_sets_of(&json);
    assert_eq!(sets.len(), K + 1, "the hub and every chain package");
    for (package, names, cut) in &sets {
        assert_eq!(names, &leaves, "{package}");
        assert!(!cut, "{package}");
    }
    // The inline list stays what the first v1 reports had: the first 100.
    let hub = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["package"] == "example.com/w/hub")
        .unwrap();
    assert_eq!(
        hub["cause"]["origins"].as_array().unwrap().len(),
        MAX_ORIGINS_LISTED
    );
    // The cause group names its set too, and its text stays short.
    let group = json["causes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "dependency")
        .unwrap();
    assert_eq!(group["origin_set"], 0);
    let more = format!(
        "and {} more",
        goattrib::model::thousands(K - MAX_ORIGINS_LISTED)
    );
    assert!(group["origin"].as_str().unwrap().ends_with(&more));

    // `compare` reading that report.json back resolves the whole set, shared by all.
    // BASE: the same report with every action a hit.
    let (b, h) = (dir.path().join("base.json"), dir.path().join("head.json"));
    std::fs::write(&h, &bytes).unwrap();
    let mut hits = json.clone();
    for a in hits["actions"].as_array_mut().unwrap() {
        a["cache"] = "hit".into();
        a["cause"] = serde_json::Value::Null;
    }
    // The schema first, as goattrib writes it (a reader recognises the document by it).
    hits.as_object_mut().unwrap().remove("schema");
    let rest = serde_json::to_string(&hits).unwrap();
    let doc = format!("{{\"schema\":\"goattrib.report/v1\",{}", &rest[1..]);
    std::fs::write(&b, doc).unwrap();
    let c = goattrib::analysis::compare::compare_paths(&b, &h).unwrap();
    let deps: Vec<_> = c
        .new_misses
        .iter()
        .filter(|m| m.cause.kind == CauseKind::Dependency)
        .collect();
    assert_eq!(deps.len(), K + 1, "{:?}", c.warnings);
    assert!(deps.iter().all(|m| m.cause.origins.len() == K));
    assert!(
        deps.iter()
            .all(|m| m.cause.origins.shares(&deps[0].cause.origins))
    );
}

/// Regression (issue 15): a staircase (step i imports step i-1 and a changed leaf of its
/// own) gives n distinct origin sets of 1..n names: n²/2 names in memory and in the JSON
/// (3,000 steps: 4.5 million). The build's sets hold at most `MAX_ORIGIN_SET_NAMES` names;
/// past it a set keeps its first 10 and a lower bound of its size, and the report says so.
#[test]
fn staircase_origin_sets_stop_at_the_name_budget_with_a_warning() {
    const N: usize = 3_000;
    let dir = tempfile::tempdir().unwrap();
    let base = staircase_bundle(dir.path(), "base", N);
    let head = staircase_bundle(dir.path(), "head", N);
    let (r, grew) = peak_heap_growth(|| report(&[head], Some(&[base])));
    let leaf = |i: usize| format!("example.com/s/leaf{i:05}");
    let steps: Vec<_> = r
        .actions
        .iter()
        .filter(|a| a.package.starts_with("example.com/s/step"))
        .map(|a| a.cause.as_ref().unwrap())
        .collect();
    assert_eq!(steps.len(), N);
    // Whole while the budget lasts: step i's origins are exactly leaves 0..=i.
    let whole = steps.iter().take_while(|c| c.origins.is_complete()).count();
    assert!(whole * (whole + 1) / 2 <= MAX_ORIGIN_SET_NAMES + whole);
    assert!(
        (whole + 1) * (whole + 2) / 2 > MAX_ORIGIN_SET_NAMES,
        "{whole}"
    );
    for (i, c) in steps.iter().enumerate().take(whole) {
        let expect: Vec<String> = (0..=i).map(leaf).collect();
        assert_eq!(c.origins.to_vec(), expect, "step {i}");
        assert!(!c.origins_truncated);
    }
    // Past it: the first 10 names, at least as many as the last whole set, said so.
    for c in &steps[whole..] {
        assert!(!c.origins.is_complete() && c.origins_truncated);
        let expect: Vec<String> = (0..MAX_ORIGINS_NAMED).map(leaf).collect();
        assert_eq!(c.origins.to_vec(), expect);
        assert!(c.origins.count() >= whole);
        assert!(
            c.detail.starts_with("rebuilt because at least "),
            "{}",
            c.detail
        );
        assert!(c.detail.ends_with(" and more"), "{}", c.detail);
    }
    // The sets kept in part are one stored set, not one per step.
    assert!(
        steps[whole..]
            .iter()
            .all(|c| c.origins.shares(&steps[whole].origins))
    );
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("origin sets capped")
                && w.contains(&goattrib::model::thousands(N - whole))),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.origin_sets.len(), whole + 1);
    // All n²/2 names would be hundreds of MB.
    assert!(grew < 300 << 20, "peak heap growth {grew} bytes");
    let mut bytes = Vec::new();
    goattrib::render::json::write(&r, &mut bytes).unwrap();
    assert!(
        bytes.len() < 80 << 20,
        "report.json is {} bytes",
        bytes.len()
    );
    let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let sets = origin_sets_of(&json);
    assert_eq!(sets.len(), N);
    for (i, (_, names, cut)) in sets.iter().enumerate() {
        assert_eq!(*cut, i >= whole, "step {i}");
        assert_eq!(
            names.len(),
            if i < whole { i + 1 } else { MAX_ORIGINS_NAMED }
        );
    }
}
