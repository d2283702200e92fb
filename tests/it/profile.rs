//! `goattrib profile`, `profile diff` and `spans` on the real captures of
//! `fixtures/gen/profiles/capture.sh`: totals, flat and cum equal to the real
//! `go tool pprof` (its `-top` tables stored beside each profile), label filtering, merged
//! compile profiles, corrupt and truncated files, the OTLP/JSON written by the
//! OpenTelemetry Python SDK, and the flame graph in headless Chromium.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

/// The committed captures, or a fresh capture's folder (`GOATTRIB_PROFILES`, as CI sets it
/// after re-running `fixtures/gen/profiles/capture.sh`).
fn fixtures() -> PathBuf {
    match std::env::var_os("GOATTRIB_PROFILES") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/profiles"),
    }
}

fn fixture(rel: &str) -> PathBuf {
    fixtures().join(rel)
}

fn goattrib<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    assert_cmd::Command::cargo_bin("goattrib")
        .expect("the goattrib binary is built")
        .args(args)
        .output()
        .expect("goattrib runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `go tool pprof -top` in base units: the total and every row's flat and cum by name.
struct Truth {
    total: i64,
    /// "Showing nodes accounting for X": with -tagfocus, the samples kept.
    shown: i64,
    rows: BTreeMap<String, (i64, i64)>,
}

fn number(field: &str) -> i64 {
    let digits = field.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    digits
        .parse()
        .unwrap_or_else(|_| panic!("`{field}` is not a pprof value"))
}

fn truth(rel: &str) -> Truth {
    let text = std::fs::read_to_string(fixture(rel)).expect("truth file");
    let mut total = None;
    let mut shown = None;
    let mut rows = BTreeMap::new();
    let mut in_table = false;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Showing nodes accounting for ") {
            // "..., 100% of 1000000000ns total"
            let of = rest.rsplit(" of ").next().unwrap();
            shown = Some(number(rest.split(',').next().unwrap().trim()));
            total = Some(number(of.trim_end_matches(" total").trim()));
            continue;
        }
        if line.trim_start().starts_with("flat ") {
            in_table = true;
            continue;
        }
        if !in_table || line.starts_with("Dropped") {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let name = fields[5..].join(" ");
        // pprof marks inlined nodes in the name column; the function is the same.
        let name = name
            .trim_end_matches(" (inline)")
            .trim_end_matches(" (partial-inline)")
            .to_owned();
        let prev = rows.insert(name.clone(), (number(fields[0]), number(fields[3])));
        assert!(prev.is_none(), "{rel}: {name} twice");
    }
    Truth {
        total: total.expect("a Showing line"),
        shown: shown.expect("a Showing line"),
        rows,
    }
}

/// goattrib's JSON functions as name → (flat, cum).
fn functions(report: &Value) -> BTreeMap<String, (i64, i64)> {
    report["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                (f["flat"].as_i64().unwrap(), f["cum"].as_i64().unwrap()),
            )
        })
        .collect()
}

fn assert_matches_truth(args: &[&str], files: &[PathBuf], truth_file: &str) {
    let mut argv: Vec<std::ffi::OsString> =
        vec!["profile".into(), "--format".into(), "json".into()];
    argv.extend(args.iter().map(Into::into));
    argv.extend(files.iter().map(|f| f.clone().into_os_string()));
    let out = goattrib(&argv);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let t = truth(truth_file);
    // With a tag filter pprof keeps the whole profile's total and shows the kept part;
    // without one, its total also counts samples without frames (no node shows them).
    let want = if args.contains(&"--tag") {
        t.shown
    } else {
        t.total
    };
    assert_eq!(report["total"].as_i64(), Some(want), "{truth_file}: total");
    assert_eq!(
        functions(&report),
        t.rows,
        "{truth_file}: flat and cum by function"
    );
}

#[test]
fn service_cpu_profile_equals_go_tool_pprof() {
    assert_matches_truth(&[], &[fixture("service/cpu.pprof")], "service/cpu.top.txt");
    assert_matches_truth(
        &[],
        &[fixture("service/head.pprof")],
        "service/head.top.txt",
    );
}

#[test]
fn go_test_cpu_and_memory_profiles_equal_go_tool_pprof() {
    assert_matches_truth(&[], &[fixture("test/cpu.pprof")], "test/cpu.top.txt");
    assert_matches_truth(
        &["--sample", "alloc_space"],
        &[fixture("test/mem.pprof")],
        "test/mem.alloc_space.top.txt",
    );
    assert_matches_truth(
        &["--sample", "alloc_objects"],
        &[fixture("test/mem.pprof")],
        "test/mem.alloc_objects.top.txt",
    );
}

#[test]
fn block_and_trace_derived_profiles_equal_go_tool_pprof() {
    assert_matches_truth(&[], &[fixture("test/block.pprof")], "test/block.top.txt");
    assert_matches_truth(&[], &[fixture("trace/sched.pprof")], "trace/sched.top.txt");
    let r = json_of(&goattrib([
        "profile",
        "--format",
        "json",
        fixture("test/block.pprof").to_str().unwrap(),
        fixture("trace/sched.pprof").to_str().unwrap(),
        fixture("test/cpu.pprof").to_str().unwrap(),
    ]));
    let kinds: Vec<&str> = r["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["test", "trace", "test"]);
    // Both are delay/nanoseconds; the CPU profile has no such samples and is named as skipped.
    assert_eq!(r["sample_type"]["type"], "delay");
    assert_eq!(
        r["total"].as_i64(),
        Some(truth("test/block.top.txt").total + truth("trace/sched.top.txt").total)
    );
    let warnings = r["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].as_str().unwrap().contains("cpu.pprof"),
        "{warnings:?}"
    );
}

fn compile_profiles() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixture("compile"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cpuprof"))
        .collect();
    v.sort();
    v
}

#[test]
fn each_compile_profile_equals_go_tool_pprof() {
    let files = compile_profiles();
    assert_eq!(files.len(), 8);
    for f in files {
        let name = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".cpuprof", ".top.txt");
        assert_matches_truth(&[], std::slice::from_ref(&f), &format!("compile/{name}"));
    }
}

/// The merge uses each file's own symbols: the 0-sample profiles sort first and must not
/// change the figures (go tool pprof needs -symbolize=none for the same answer).
#[test]
fn merged_compile_profiles_equal_go_tool_pprof() {
    assert_matches_truth(&[], &compile_profiles(), "compile/merged.top.txt");
    // A directory gives the same merge (and reads bench.txt beside the profiles).
    assert_matches_truth(&[], &[fixture("compile")], "compile/merged.top.txt");
}

#[test]
fn diff_of_compile_profiles_compares_packages() {
    let d = json_of(&goattrib([
        "profile",
        "diff",
        "--format",
        "json",
        fixture("compile").to_str().unwrap(),
        fixture("compile").to_str().unwrap(),
    ]));
    assert_eq!(d["functions"].as_array().unwrap().len(), 0);
    let packages = d["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 8);
    for p in packages {
        assert_eq!(p["base_wall_ns"], p["head_wall_ns"]);
        assert_eq!(p["base_cpu_ns"], p["head_cpu_ns"]);
    }
    let runtime = packages.iter().find(|p| p["package"] == "runtime").unwrap();
    assert_eq!(
        runtime["base_cpu_ns"].as_i64(),
        Some(truth("compile/runtime.top.txt").total)
    );
}

#[test]
fn tag_filter_equals_tagfocus() {
    assert_matches_truth(
        &["--tag", "cache.miss=true"],
        &[fixture("service/cpu.pprof")],
        "service/cpu.miss.top.txt",
    );
}

/// `go tool pprof -tags`: "950000000ns (95.00%): true" under "cache.miss:".
fn pprof_tags(rel: &str) -> BTreeMap<(String, String), i64> {
    let text = std::fs::read_to_string(fixture(rel)).unwrap();
    let mut key = String::new();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let l = line.trim();
        if let Some((k, rest)) = l.split_once(": Total ") {
            key = k.to_owned();
            let _ = rest;
        } else if let Some((v, value)) = l.split_once(" (") {
            let value = value.split_once("): ").unwrap().1;
            out.insert((key.clone(), value.to_owned()), number(v));
        }
    }
    out
}

#[test]
fn label_totals_equal_go_tool_pprof_tags() {
    let report = json_of(&goattrib([
        "profile",
        "--format",
        "json",
        fixture("service/cpu.pprof").to_str().unwrap(),
    ]));
    let ours: BTreeMap<(String, String), i64> = report["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                (
                    t["key"].as_str().unwrap().to_owned(),
                    t["value"].as_str().unwrap().to_owned(),
                ),
                t["total"].as_i64().unwrap(),
            )
        })
        .collect();
    let theirs = pprof_tags("service/cpu.tags.txt");
    assert_eq!(ours, theirs);
    assert!(theirs[&("cache.miss".to_owned(), "true".to_owned())] > 0);
}

#[test]
fn compile_profiles_by_package_and_pass() {
    let report = json_of(&goattrib([
        "profile",
        "--format",
        "json",
        fixture("compile").to_str().unwrap(),
    ]));
    let packages = report["packages"].as_array().unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["package"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "example.com/shop/internal/cart",
            "example.com/shop/internal/money",
            "example.com/shop/internal/native",
            "example.com/shop/internal/report",
            "fmt",
            "main",
            "runtime",
            "strconv"
        ]
    );
    let runtime = &packages[6];
    let cpu = runtime["cpu_ns"].as_i64().unwrap();
    assert_eq!(cpu, truth("compile/runtime.top.txt").total);
    // Every sample lands in exactly one pass.
    let phases: i64 = runtime["phases"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(phases, cpu);
    for pass in ["ssa", "ssagen"] {
        assert!(
            runtime["phases"][pass].as_i64().unwrap_or(0) > 0,
            "{pass} in {runtime}"
        );
    }
    // -bench lines cover the 0-sample packages too: money's `total` is its line in bench.txt.
    let bench = std::fs::read_to_string(fixture("compile/bench.txt")).unwrap();
    let line = bench
        .lines()
        .find(|l| l.starts_with("BenchmarkCompile:example.com/shop/internal/money:total "))
        .unwrap();
    let ns: i64 = line.split_whitespace().nth(2).unwrap().parse().unwrap();
    let money = &packages[1];
    assert_eq!(money["bench_phases"]["total"].as_i64(), Some(ns));
    // Usually 0 samples (a few ms of compile), sometimes one: whatever pprof says.
    assert_eq!(
        money["cpu_ns"].as_i64(),
        Some(truth("compile/example.com%2Fshop%2Finternal%2Fmoney.top.txt").total)
    );
    assert!(money["wall_ns"].as_i64().unwrap() > 0);
    assert!(money["bench_phases"]["fe:parse"].as_i64().unwrap() > 0);
}

#[test]
fn truncated_and_corrupt_profiles_name_the_byte_offset_and_the_rest_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(fixture("service/cpu.pprof")).unwrap();
    let cut_gz = dir.path().join("cut.pprof");
    std::fs::write(&cut_gz, &good[..good.len() / 2]).unwrap();
    // The raw protobuf, cut inside a record.
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&good[..])
        .read_to_end(&mut raw)
        .unwrap();
    let cut_raw = dir.path().join("cut.pb");
    std::fs::write(&cut_raw, &raw[..raw.len() - 7]).unwrap();
    let out = goattrib([
        "profile",
        "--format",
        "json",
        cut_gz.to_str().unwrap(),
        fixture("service/cpu.pprof").to_str().unwrap(),
        cut_raw.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "failed to decompress `{}` at byte offset",
            cut_gz.display()
        )),
        "{stderr}"
    );
    let raw_msg = format!(
        "failed to decode pprof `{}` at byte offset ",
        cut_raw.display()
    );
    let at = stderr.find(&raw_msg).unwrap_or_else(|| panic!("{stderr}"));
    let offset: usize = stderr[at + raw_msg.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The offset is the start of the last, cut record: inside the file, not at its end.
    assert!(
        offset < raw.len() - 7 && offset > raw.len() / 2,
        "{offset} of {}",
        raw.len()
    );
    let report = json_of(&out);
    assert_eq!(report["profiles"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["total"].as_i64(),
        Some(truth("service/cpu.top.txt").total)
    );
    assert_eq!(report["warnings"].as_array().unwrap().len(), 2);

    // Nothing usable at all: exit 2.
    let garbage = dir.path().join("garbage.pprof");
    std::fs::write(&garbage, b"\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff").unwrap();
    let out = goattrib(["profile", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at byte offset 0"));
}

#[test]
fn diff_deltas_equal_go_tool_pprof_diff_base_and_the_gate_fails() {
    let dir = tempfile::tempdir().unwrap();
    let out = goattrib([
        "profile",
        "diff",
        "--format",
        "json",
        "--min-delta",
        "0",
        "--min-delta-percent",
        "0",
        "--max-regression",
        "10%",
        "--out",
        dir.path().to_str().unwrap(),
        fixture("service/cpu.pprof").to_str().unwrap(),
        fixture("service/head.pprof").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = json_of(&out);
    let t = truth("service/diff.top.txt");
    let head = truth("service/head.top.txt");
    let base = truth("service/cpu.top.txt");
    assert_eq!(d["base_total"].as_i64(), Some(base.total));
    assert_eq!(d["head_total"].as_i64(), Some(head.total));
    let ours: BTreeMap<String, (i64, i64)> = d["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                (
                    f["delta_flat"].as_i64().unwrap(),
                    f["delta_cum"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    // pprof -diff_base lists every function of either side, unchanged ones with 0 0.
    let changed: BTreeMap<String, (i64, i64)> =
        t.rows.into_iter().filter(|(_, v)| *v != (0, 0)).collect();
    assert_eq!(ours, changed);
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("failures=\"1\"") && junit.contains("sha256"),
        "{junit}"
    );
    for f in ["diff.svg", "diff.md", "diff.json"] {
        assert!(dir.path().join(f).metadata().unwrap().len() > 0, "{f}");
    }
    // --normalize: HEAD scaled to BASE's total, so only the shape can differ.
    let n = json_of(&goattrib([
        "profile",
        "diff",
        "--format",
        "json",
        "--normalize",
        fixture("service/cpu.pprof").to_str().unwrap(),
        fixture("service/head.pprof").to_str().unwrap(),
    ]));
    assert_eq!(n["normalized"], true);
    assert_eq!(n["head_total"].as_i64(), Some(base.total));
    let md = std::fs::read_to_string(dir.path().join("diff.md")).unwrap();
    assert!(
        md.contains("**regression**") && md.contains("`crypto/sha256.Sum256`"),
        "{md}"
    );
    // With the default floor (20 ms and 5%), 10-ms noise is not listed.
    let d = json_of(&goattrib([
        "profile",
        "diff",
        "--format",
        "json",
        fixture("service/cpu.pprof").to_str().unwrap(),
        fixture("service/head.pprof").to_str().unwrap(),
    ]));
    for f in d["functions"].as_array().unwrap() {
        let (df, dc) = (
            f["delta_flat"].as_i64().unwrap(),
            f["delta_cum"].as_i64().unwrap(),
        );
        assert!(df.abs() > 20_000_000 || dc.abs() > 20_000_000, "{f}");
    }
}

// ---- spans --------------------------------------------------------------------------

/// The SDK's spans, read independently: (trace, span id, parent, name, start, end, miss).
struct OtlpSpan {
    trace: String,
    id: String,
    parent: String,
    name: String,
    start: u64,
    end: u64,
    miss: Option<bool>,
}

fn otlp_spans() -> Vec<OtlpSpan> {
    let text = std::fs::read_to_string(fixture("service/traces.otlp.jsonl")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        for rs in doc["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    let miss = s["attributes"].as_array().and_then(|a| {
                        a.iter()
                            .find(|kv| kv["key"] == "cache.miss")
                            .and_then(|kv| kv["value"]["boolValue"].as_bool())
                    });
                    out.push(OtlpSpan {
                        trace: s["traceId"].as_str().unwrap().to_owned(),
                        id: s["spanId"].as_str().unwrap().to_owned(),
                        parent: s["parentSpanId"].as_str().unwrap_or("").to_owned(),
                        name: s["name"].as_str().unwrap().to_owned(),
                        start: s["startTimeUnixNano"].as_str().unwrap().parse().unwrap(),
                        end: s["endTimeUnixNano"].as_str().unwrap().parse().unwrap(),
                        miss,
                    });
                }
            }
        }
    }
    out
}

#[test]
fn spans_where_cache_miss_answers_from_the_sdk_written_otlp() {
    let spans = otlp_spans();
    assert_eq!(spans.len(), 40 * 3 + 10 * 2, "40 requests, 10 misses");
    let misses: Vec<&OtlpSpan> = spans.iter().filter(|s| s.miss == Some(true)).collect();
    let mut durations: Vec<u64> = misses.iter().map(|s| s.end - s.start).collect();
    durations.sort_unstable();
    let mut child: BTreeMap<&str, u64> = BTreeMap::new();
    for m in &misses {
        for c in spans
            .iter()
            .filter(|c| c.trace == m.trace && c.parent == m.id)
        {
            *child.entry(c.name.as_str()).or_default() += c.end - c.start;
        }
    }
    let out = goattrib([
        "spans",
        "--format",
        "json",
        "--where",
        "cache.miss=true",
        "--profile",
        fixture("service/cpu.pprof").to_str().unwrap(),
        fixture("service/traces.otlp.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    assert_eq!(r["spans_read"].as_u64(), Some(spans.len() as u64));
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    let g = &groups[0];
    assert_eq!(g["name"], "cache.Get");
    assert_eq!(g["count"].as_u64(), Some(10));
    // Nearest rank: the 5th and the 10th of 10.
    assert_eq!(g["p50_ns"].as_u64(), Some(durations[4]));
    assert_eq!(g["p95_ns"].as_u64(), Some(durations[9]));
    let kids: BTreeMap<&str, u64> = g["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["total_ns"].as_u64().unwrap()))
        .collect();
    assert_eq!(kids, child);
    let total: u64 = durations.iter().sum();
    assert_eq!(
        g["self_ns"].as_u64().unwrap() + child.values().sum::<u64>(),
        total
    );
    // The samples labelled with these spans' span_id are exactly pprof's cache.miss=true.
    let tags = pprof_tags("service/cpu.tags.txt");
    let p = &g["profile"];
    assert_eq!(
        p["total"].as_i64(),
        Some(tags[&("cache.miss".to_owned(), "true".to_owned())])
    );
    assert_eq!(p["spans_with_samples"].as_u64(), Some(10));

    let table = goattrib([
        "spans",
        "--where",
        "cache.miss=true",
        fixture("service/traces.otlp.jsonl").to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.starts_with("cache.Get with cache.miss=true: 10 spans, p50 "),
        "{text}"
    );
    assert!(text.contains("in redis.Dial"), "{text}");

    // Hits: 30 spans, no redis.Dial child.
    let r = json_of(&goattrib([
        "spans",
        "--format",
        "json",
        "--where",
        "cache.miss=false",
        fixture("service/traces.otlp.jsonl").to_str().unwrap(),
    ]));
    assert_eq!(r["groups"][0]["count"].as_u64(), Some(30));
    assert_eq!(r["groups"][0]["children"].as_array().unwrap().len(), 0);
}

#[test]
fn spans_reports_a_broken_line_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("service/traces.otlp.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().take(3).collect();
    lines[2] = &lines[2][..lines[2].len() / 2];
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let out = goattrib([
        "spans",
        bad.to_str().unwrap(),
        fixture("service/traces.otlp.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "failed to read OTLP/JSON `{}` line 3",
            bad.display()
        )),
        "{stderr}"
    );
}

// ---- flame graph --------------------------------------------------------------------

#[test]
fn out_folder_flame_graph_opens_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let out = goattrib([
        "profile",
        "--tag",
        "cache.miss=true",
        "--out",
        dir.path().to_str().unwrap(),
        fixture("service/cpu.pprof").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let folded = std::fs::read_to_string(dir.path().join("folded.txt")).unwrap();
    let sum: i64 = folded
        .lines()
        .map(|l| number(l.rsplit(' ').next().unwrap()))
        .sum();
    assert_eq!(sum, truth("service/cpu.miss.top.txt").shown);
    assert!(
        folded
            .lines()
            .all(|l| l.starts_with("runtime.main;main.main;")),
        "{folded}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("profile.json")).unwrap())
            .unwrap();
    assert_eq!(json["schema"], "goattrib.profile/v1");
    assert!(
        std::fs::read_to_string(dir.path().join("top.md"))
            .unwrap()
            .contains("`crypto/internal/fips140/sha256.blockSHANI`")
    );
    let svg_path = dir.path().join("flame.svg");
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    // Offline: the script is inline and nothing is loaded from elsewhere.
    assert!(
        svg.contains("<script"),
        "inferno's search and tooltips are inline"
    );
    assert!(!svg.contains("src=\"http") && !svg.contains("href=\"http"));
    let Some(bin) = crate::harness::chromium() else {
        return;
    };
    let dom = crate::harness::run_chromium(&bin, &["--dump-dom".to_owned()], &svg_path);
    assert!(dom.status.success());
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<svg") && dom.contains("sha256.blockSHANI"),
        "{}",
        &dom[..dom.len().min(2000)]
    );
    // inferno's init() ran: it fills in the details line's text node.
    assert!(dom.contains("id=\"details\""), "details element present");
    let png = dir.path().join("flame.png");
    let shot = crate::harness::run_chromium(
        &bin,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,800".to_owned(),
        ],
        &svg_path,
    );
    assert!(shot.status.success());
    assert!(
        png.metadata().map(|m| m.len()).unwrap_or(0) > 5_000,
        "a non-empty screenshot"
    );
}

// ---- record --profile ---------------------------------------------------------------

/// The Go toolchain the fixtures use: `GOATTRIB_GO`, or the one capture.sh installs.
fn go_toolchain() -> Option<PathBuf> {
    if let Some(go) = std::env::var_os("GOATTRIB_GO") {
        return Some(PathBuf::from(go));
    }
    let p = PathBuf::from("/tmp/goattrib-fixtures/toolchains/1.27.3/go/bin/go");
    p.is_file().then_some(p)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

fn go_env(cmd: &mut std::process::Command, gocache: &Path) {
    cmd.env("GOCACHE", gocache)
        .env("GOFLAGS", "-mod=vendor")
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOENV", "off")
        .env("GOTELEMETRY", "off");
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn record_profile_keeps_cache_keys_and_profiles_exactly_the_misses() {
    let Some(go) = go_toolchain() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs the Go toolchain (bash fixtures/gen/capture.sh installs it)"
        );
        eprintln!("skipped: no Go toolchain");
        return;
    };
    // One GOCACHE for every run of this test: only the first compiles the standard library.
    let gocache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("profile-gocache");
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("shop");
    copy_dir(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/gen/project"),
        &src,
    );
    let plain = |what: &str| {
        let mut c = std::process::Command::new(&go);
        c.args(["build", "-x", "-o", "/dev/null", "./..."])
            .current_dir(&src);
        go_env(&mut c, &gocache);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.contains("/compile "))
            .count()
    };
    plain("plain build");
    let record = |bundle: &Path| {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("goattrib"));
        c.arg("record")
            .arg("--profile")
            .arg("-o")
            .arg(bundle)
            .arg("--")
            .arg(&go);
        c.args(["build", "-o", "/dev/null", "./..."])
            .current_dir(&src);
        go_env(&mut c, &gocache);
        let out = c.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // After a plain build, a --profile build hits everything: it compiles (profiles) nothing.
    let warm = dir.path().join("warm");
    record(&warm);
    assert_eq!(files_in(&warm.join("profiles")), Vec::<String>::new());
    // A comment in money: money alone recompiles, and only it is profiled.
    let money = src.join("internal/money/money.go");
    let mut text = std::fs::read_to_string(&money).unwrap();
    text.push_str("\n// a comment: export data unchanged\n");
    std::fs::write(&money, text).unwrap();
    let edit = dir.path().join("edit");
    record(&edit);
    assert_eq!(
        files_in(&edit.join("profiles")),
        [
            "example.com%2Fshop%2Finternal%2Fmoney.bench.txt",
            "example.com%2Fshop%2Finternal%2Fmoney.cpuprof"
        ]
    );
    // And the plain build that follows finds the --profile build's results in the cache.
    assert_eq!(plain("plain build after --profile"), 0);
    let report = json_of(&goattrib([
        "profile",
        "--format",
        "json",
        edit.join("profiles").to_str().unwrap(),
    ]));
    let packages = report["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0]["package"], "example.com/shop/internal/money");
    assert!(packages[0]["wall_ns"].as_i64().unwrap() > 0);
    assert!(packages[0]["bench_phases"]["total"].as_i64().unwrap() > 0);
    // The report page of that bundle shows the compile, in "Inside the compiler".
    let out_dir = dir.path().join("report");
    let out = goattrib([
        "report",
        "-q",
        "--out",
        out_dir.to_str().unwrap(),
        edit.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    let at = html
        .find("<h2>Inside the compiler</h2>")
        .expect("the section");
    assert!(html[at..].contains("<td>example.com/shop/internal/money</td>"));
}
