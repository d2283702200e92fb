//! The fuzzers' entry points (`goattrib::fuzzing`, driven by `fuzz/`) on the real captures,
//! so `cargo test` keeps them compiling and true, and replays of what the fuzzers found
//! (each named after its finding). Run the fuzzers themselves with `bash fuzz/run.sh`.

use std::io::Read;
use std::path::Path;

use crate::harness::{joined, root, scenario};

fn inflated(path: &Path) -> Vec<u8> {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if !raw.starts_with(&[0x1f, 0x8b]) {
        return raw;
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .expect("a fixture inflates");
    out
}

/// Real manifests (Go 1.19, PGO, tests, VCS, modules) decode, encode and decode again to
/// the same bytes (the assertion is inside `fuzzing::manifest`), and report.
#[test]
fn real_manifests_round_trip_through_the_codec() {
    for name in [
        "go1.19-edit",
        "pgo-edit",
        "test-env",
        "vcs-dirty",
        "mod-bump",
    ] {
        goattrib::fuzzing::manifest(&inflated(&scenario(name).join("manifest.json.gz")));
    }
}

/// A real build and its baseline, split at a NUL as the Go-output fuzzer reads them.
#[test]
fn go_output_entry_point_reports_a_real_build_and_its_baseline() {
    let mut data = inflated(&scenario("edit-propagates").join("build.stderr.gz"));
    data.push(0);
    data.extend(inflated(&scenario("warm").join("build.stderr.gz")));
    goattrib::fuzzing::go_output(&data);
    goattrib::fuzzing::hashlog(&data);
    goattrib::fuzzing::testcache(&inflated(&scenario("test-cached").join("build.jsonl.gz")));
}

#[test]
fn the_other_entry_points_take_real_captures() {
    goattrib::fuzzing::action_graph(&inflated(&scenario("warm").join("actiongraph.json.gz")));
    goattrib::fuzzing::debug_trace(&inflated(&scenario("warm").join("trace.json.gz")));
    goattrib::fuzzing::gitlab_trace(&inflated(&joined("restore-ok").join("job.log.gz")));
    let profiles = root().join("fixtures/profiles");
    goattrib::fuzzing::pprof(&inflated(&profiles.join("service/cpu.pprof")));
    goattrib::fuzzing::otlp(&inflated(&profiles.join("service/traces.otlp.jsonl")));
}

/// Regression (fuzz/action_graph, an OOM at 1 GiB): this action graph, found by the fuzzer
/// from a real capture, made the critical-path walk follow a loop of `next` links forever.
#[test]
fn fuzz_action_graph_critical_path_walk_ends() {
    let data =
        std::fs::read(root().join("fuzz/regressions/action_graph/critical-path-walk-oom.json"))
            .expect("the regression input");
    goattrib::fuzzing::action_graph(&data);
}

/// Regression (fuzz/hashlog, a timeout at 10 s): 25 `HASH[…]` headers of one key, six sums of
/// the empty input and a last sum that matches no block. The split search tried every order
/// of closing the identical empty blocks, up to 200,000 steps, each copying the group and
/// formatting every candidate's SHA-256. Now identical blocks are tried once, and every
/// search has a budget of steps and of work (per group and per log).
#[test]
fn fuzz_hashlog_split_search_of_identical_blocks_ends() {
    let data = std::fs::read(root().join("fuzz/regressions/hashlog/split-search-timeout.log"))
        .expect("the regression input");
    let started = std::time::Instant::now();
    goattrib::fuzzing::hashlog(&data);
    let mut builder = goattrib::ingest::hashlog::HashLogBuilder::default();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        builder.feed(&String::from_utf8_lossy(line), n as u64 + 1);
    }
    let log = builder.finish();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // No split is proven (the last sum is no block's): the guess pops the latest open block
    // at each of the 7 sums and leaves the other 18 open, all empty.
    assert_eq!(log.unproven_splits, 1);
    assert_eq!(log.records.len(), 25);
    assert_eq!(log.records.iter().filter(|r| r.sum.is_some()).count(), 7);
    assert!(log.records.iter().all(|r| r.inputs.is_empty()));
    assert_eq!(log.malformed, 0);
}
