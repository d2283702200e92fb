//! `goattrib spans` on the OpenTelemetry Go SDK's `stdouttrace` output
//! (`fixtures/gen/profiles/capture-otel.sh`: otel-go 1.1.0, compact and WithPrettyPrint) and
//! on the same spans as OTLP/JSON from the Python SDK: identical answers, exact figures from
//! an independent reading of the OTLP file, the CPU samples labelled `span_id` joined as the
//! real `go tool pprof -tags` counts them, and truncated or malformed files named with the
//! byte where they break.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{root, run, stderr};

fn capture(name: &str) -> PathBuf {
    std::env::var_os("GOATTRIB_PROFILES")
        .map_or_else(|| root().join("fixtures/profiles"), PathBuf::from)
        .join("otel-go")
        .join(name)
}

const FILES: [&str; 3] = [
    "stdouttrace.jsonl",
    "stdouttrace.pretty.json",
    "traces.otlp.jsonl",
];

fn spans_json(filter: &str, file: &Path) -> Value {
    let profile = capture("cpu.pprof");
    let out = run(&[
        OsStr::new("spans"),
        OsStr::new("--format"),
        OsStr::new("json"),
        OsStr::new("--where"),
        OsStr::new(filter),
        OsStr::new("--profile"),
        profile.as_os_str(),
        file.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("spans prints JSON")
}

/// `go tool pprof -tags`: (key, value) → total in ns.
fn pprof_tags() -> BTreeMap<(String, String), i64> {
    let text = std::fs::read_to_string(capture("cpu.tags.txt")).unwrap();
    let mut key = String::new();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let t = line.trim();
        if let Some((k, _)) = t.split_once(": Total ") {
            key = k.to_owned();
        } else if let Some((ns, value)) = t
            .split_once("ns (")
            .and_then(|(ns, rest)| rest.split_once("): ").map(|(_, v)| (ns, v)))
        {
            out.insert((key.clone(), value.to_owned()), ns.parse().unwrap());
        }
    }
    out
}

/// (span id, parent id, name, duration, cache.miss) of every span, from the OTLP file.
fn otlp_truth() -> Vec<(String, String, String, u64, Option<bool>)> {
    let text = std::fs::read_to_string(capture("traces.otlp.jsonl")).unwrap();
    let mut out = Vec::new();
    for line in text.lines() {
        let doc: Value = serde_json::from_str(line).unwrap();
        for rs in doc["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    let ns = |k: &str| s[k].as_str().unwrap().parse::<u64>().unwrap();
                    let miss = s["attributes"].as_array().and_then(|a| {
                        a.iter()
                            .find(|kv| kv["key"] == "cache.miss")
                            .and_then(|kv| kv["value"]["boolValue"].as_bool())
                    });
                    out.push((
                        s["spanId"].as_str().unwrap().to_owned(),
                        s["parentSpanId"].as_str().unwrap_or("").to_owned(),
                        s["name"].as_str().unwrap().to_owned(),
                        ns("endTimeUnixNano") - ns("startTimeUnixNano"),
                        miss,
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn stdouttrace_compact_and_pretty_answer_exactly_as_the_otlp_of_the_same_spans() {
    let truth = otlp_truth();
    assert_eq!(truth.len(), 40 * 3 + 10 * 2, "40 requests, 10 misses");
    let misses: Vec<_> = truth.iter().filter(|s| s.4 == Some(true)).collect();
    let mut durations: Vec<u64> = misses.iter().map(|s| s.3).collect();
    durations.sort_unstable();
    let mut child: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for m in &misses {
        for c in truth.iter().filter(|c| c.1 == m.0) {
            let e = child.entry(c.2.as_str()).or_default();
            e.0 += 1;
            e.1 += c.3;
        }
    }
    assert_eq!(
        child.keys().copied().collect::<Vec<_>>(),
        ["db.Query", "redis.Dial"]
    );

    let reports: Vec<Value> = FILES
        .iter()
        .map(|f| spans_json("cache.miss=true", &capture(f)))
        .collect();
    // The very same report from all three files, the OTLP one included.
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[0], reports[2]);
    let r = &reports[0];
    assert_eq!(r["spans_read"].as_u64(), Some(truth.len() as u64));
    assert_eq!(r["warnings"].as_array().map(Vec::len), Some(0));
    let g = &r["groups"][0];
    assert_eq!(r["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(g["name"], "cache.Get");
    assert_eq!(g["count"].as_u64(), Some(10));
    assert_eq!(g["p50_ns"].as_u64(), Some(durations[4]));
    assert_eq!(g["p95_ns"].as_u64(), Some(durations[9]));
    assert_eq!(g["total_ns"].as_u64(), Some(durations.iter().sum()));
    let kids: BTreeMap<&str, (u64, u64)> = g["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                (
                    c["count"].as_u64().unwrap(),
                    c["total_ns"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(kids, child);
    assert_eq!(
        g["self_ns"].as_u64().unwrap() + child.values().map(|c| c.1).sum::<u64>(),
        durations.iter().sum::<u64>()
    );
    // The CPU samples labelled with these spans' span_id (the Go SDK's ids): exactly the
    // real pprof's cache.miss=true total, and every miss span has some.
    let tags = pprof_tags();
    let p = &g["profile"];
    assert_eq!(
        p["total"].as_i64(),
        Some(tags[&("cache.miss".to_owned(), "true".to_owned())])
    );
    let sampled = misses
        .iter()
        .filter(|m| tags.contains_key(&("span_id".to_owned(), m.0.clone())))
        .count();
    assert_eq!(p["spans_with_samples"].as_u64(), Some(sampled as u64));
    assert_eq!(sampled, 10);

    // Hits: 30 cache.Get spans without children, from either stdouttrace shape.
    for f in &FILES[..2] {
        let r = spans_json("cache.miss=false", &capture(f));
        assert_eq!(r["groups"][0]["count"].as_u64(), Some(30));
        assert_eq!(r["groups"][0]["children"].as_array().map(Vec::len), Some(0));
    }
    // Int attributes compare as written.
    let r = spans_json("request.index=7", &capture(FILES[1]));
    assert_eq!(r["groups"][0]["name"], "GET /item");
    assert_eq!(r["groups"][0]["count"].as_u64(), Some(1));
}

#[test]
fn a_truncated_pretty_file_names_the_byte_where_its_last_span_began() {
    let text = std::fs::read_to_string(capture("stdouttrace.pretty.json")).unwrap();
    let cut = &text[..text.len() * 2 / 3];
    // Pretty objects open with "{" alone on a line.
    let began = cut.rfind("\n{\n").unwrap() + 1;
    let line = cut[..began].matches('\n').count() + 1;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("cut.json");
    std::fs::write(&bad, cut).unwrap();
    let good = capture("stdouttrace.jsonl");
    let out = run(&[OsStr::new("spans"), bad.as_os_str(), good.as_os_str()]);
    // The other file is still reported, and the exit code tells the truth.
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("GET /item: 40 spans"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let want = format!(
        "failed to read stdouttrace `{}` at byte {began} (line {line}): the file ends inside a span object (truncated?)",
        bad.display()
    );
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
}

#[test]
fn a_malformed_compact_line_names_its_byte() {
    let text = std::fs::read_to_string(capture("stdouttrace.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[4] = lines[4].replacen("\"SpanKind\":1", "\"SpanKind\":one", 1);
    let broken = lines.join("\n");
    let at = broken.find("\"SpanKind\":one").unwrap() + "\"SpanKind\":".len();
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, &broken).unwrap();
    // Its only input unreadable: exit 2, the error naming the byte.
    let out = run(&[OsStr::new("spans"), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let prefix = format!(
        "failed to read stdouttrace `{}` at byte {at} (line 5 column ",
        bad.display()
    );
    assert!(stderr(&out).contains(&prefix), "{}", stderr(&out));
}

#[test]
fn spans_without_timestamps_are_refused_with_the_reason() {
    let text = std::fs::read_to_string(capture("stdouttrace.jsonl")).unwrap();
    let first = text.lines().next().unwrap();
    let start = first.find("\"StartTime\":\"").unwrap() + 13;
    let end = start + first[start..].find('"').unwrap();
    // What the exporter writes under WithoutTimestamps: Go's zero time.
    let zeroed = format!("{}0001-01-01T00:00:00Z{}", &first[..start], &first[end..]);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("zero.jsonl");
    std::fs::write(&bad, zeroed).unwrap();
    let out = run(&[OsStr::new("spans"), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!(
            "failed to read stdouttrace `{}`: the span at byte 0 has no valid StartTime",
            bad.display()
        )),
        "{}",
        stderr(&out)
    );
}
