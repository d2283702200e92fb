//! Quadratic paths on crafted input (issue 15, "bounded time and memory"): sizes that
//! would not finish in reasonable time (or memory) if any step were O(n²), with asserts on
//! counts, caps and shared storage, never on timings.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use goattrib::model::{CauseKind, MAX_ORIGINS_NAMED};

use crate::harness::{peak_heap_growth, report};

/// A bundle (action graph + hash log, both crafted) of `fanin` leaf packages whose source
/// differs by `side`, one hub importing them all and a chain of `chain` packages above it.
fn fan_in_bundle(dir: &Path, side: &str, fanin: usize, chain: usize) -> PathBuf {
    let out = dir.join(side);
    std::fs::create_dir_all(&out).unwrap();
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
