//! `goattrib report --out DIR`: the report folder on real fixtures (files, contents, the
//! JSON being `--format json`), gates with exit 3 and their JUnit file, the OpenMetrics rules,
//! the Trace Event Format, atomic updates of an existing folder, hostile package names and log
//! lines, and a headless Chromium look at the page (skipped when Chromium is absent, a
//! failure under `CI=true`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Output;

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

use crate::harness::{chromium, joined, read, run_chromium, run_report, scenario, stderr};

const HOSTILE_SCRIPT: &str = "<script>alert(1)</script>";
const HOSTILE_IMG: &str = r#""><img src=x onerror=alert(1)>"#;
const MONEY: &str = "example.com/shop/internal/money";

/// edit-propagates against warm, written to a fresh folder.
fn edit_propagates(extra: &[&str]) -> (tempfile::TempDir, Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let mut flags = vec!["--out", out.to_str().unwrap(), "--baseline"];
    let warm = scenario("warm");
    flags.push(warm.to_str().unwrap());
    flags.extend(extra);
    let o = run_report(&flags, &[&scenario("edit-propagates")]);
    (dir, o)
}

const FILES: [&str; 5] = [
    "index.html",
    "summary.md",
    "report.json",
    "metrics.txt",
    "trace.json",
];

#[test]
fn folder_holds_every_file_with_the_known_causes() {
    let (dir, o) = edit_propagates(&["--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "--quiet prints nothing on stdout");
    let out = dir.path().join("reports");
    for f in FILES {
        assert!(out.join(f).metadata().unwrap().len() > 0, "{f}");
    }
    assert!(!out.join("junit.xml").exists(), "no gate, no junit.xml");
    let err = stderr(&o);
    assert!(err.contains("wrote") && err.contains("index.html"), "{err}");

    let html = read(&out, "index.html");
    // The answer first: the sentence comes before any table.
    let answer = html.find("4 of 67 packages rebuilt").expect(&html);
    assert!(answer < html.find("<table").unwrap());
    for needle in [
        "3 because a package they import changed",
        "1 because their source changed",
        "money.go changed",
        MONEY,
        "example.com/shop/cmd/shop",
        "fix or accept the origin",
        "94.0%",
        "Hit rate per module",
        "Critical path (36 steps",
        // The palette's colours for the two kinds.
        "background:#aa4499",
        "background:#cc6677",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}");
    }
    assert!(!html.contains("<script"), "no JavaScript");
    // Every chart file of the folder is inlined and linked.
    let charts: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert!(!charts.is_empty(), "charts written beside the page");
    assert_eq!(html.matches("<svg").count(), charts.len());
    for c in &charts {
        assert!(html.contains(&format!("href=\"{c}\"")), "{c} not linked");
        assert!(read(&out, c).contains("<svg"), "{c}");
    }
    for fetch in ["src=", "href=\"http", "url(", "@import", "<link"] {
        assert!(!html.contains(fetch), "no network: {fetch}");
    }

    let md = read(&out, "summary.md");
    for needle in [
        "4 of 67 packages rebuilt",
        &format!("`{MONEY}`"),
        "money.go changed",
    ] {
        assert!(md.contains(needle), "summary.md lacks {needle}:\n{md}");
    }
    assert!(
        !md.contains("](") && !md.contains("http"),
        "link-free:\n{md}"
    );
}

#[test]
fn report_json_is_format_json() {
    let (dir, o) = edit_propagates(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let file = std::fs::read(dir.path().join("reports/report.json")).unwrap();
    assert_eq!(file, o.stdout, "report.json differs from what was printed");
    let alone = run_report(
        &[
            "--format",
            "json",
            "--baseline",
            scenario("warm").to_str().unwrap(),
        ],
        &[&scenario("edit-propagates")],
    );
    assert_eq!(
        file, alone.stdout,
        "report.json differs from a run without --out"
    );
}

#[test]
fn out_still_prints_the_table() {
    let (_dir, o) = edit_propagates(&["--width", "120"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("Root causes of cache misses"), "{table}");
}

#[test]
fn compile_error_shows_the_compiler_messages() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_report(
        &[
            "-q",
            "--out",
            dir.path().to_str().unwrap(),
            "--baseline",
            scenario("warm2").to_str().unwrap(),
        ],
        &[&scenario("compile-error")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = read(dir.path(), "index.html");
    for needle in [
        "The build failed (exit 1) in example.com/shop/internal/cart",
        "Compiler messages",
        "undefined: undefinedBonus",
        "2 packages were never reached",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}");
    }
    // The failure is said before the numbers.
    assert!(html.find("Compiler messages").unwrap() < html.find("class=\"cards\"").unwrap());
    let md = read(dir.path(), "summary.md");
    assert!(md.contains("undefined: undefinedBonus"), "{md}");
    assert!(md.contains("**The build failed**"), "{md}");
}

#[test]
fn job_section_and_cache_not_restored() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_report(
        &[
            "-q",
            "--out",
            dir.path().to_str().unwrap(),
            "--baseline",
            joined("baseline").to_str().unwrap(),
        ],
        &[
            &joined("restore-failed/bundle"),
            &joined("restore-failed/job.log.gz"),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = read(dir.path(), "index.html");
    for needle in [
        "67 of 67 packages rebuilt: 67 because the CI cache was not restored",
        "GitLab job",
        "CI cache",
        "FATAL: file does not exist",
        "step_script",
        "docker+machine",
    ] {
        assert!(html.contains(needle), "index.html lacks {needle}");
    }
    let md = read(dir.path(), "summary.md");
    assert!(md.contains("`cache-not-restored`"), "{md}");
    let metrics = read(dir.path(), "metrics.txt");
    assert!(metrics.contains("goattrib_miss_seconds{cause=\"cache-not-restored\"}"));
    let trace = trace_events(&read(dir.path(), "trace.json"));
    let job = trace
        .iter()
        .find(|e| {
            e["ph"] == "M" && e["name"] == "process_name" && e["args"]["name"] == "GitLab job"
        })
        .expect("a GitLab job process");
    let pid = job["pid"].clone();
    assert!(
        trace
            .iter()
            .any(|e| e["pid"] == pid && e["ph"] == "X" && e["name"] == "step_script")
    );
}

// ---- gates --------------------------------------------------------------------------

/// `(testcase name, failure message)` from a JUnit file, read back with quick-xml.
fn junit_cases(xml: &str) -> (BTreeMap<String, Option<String>>, BTreeMap<String, String>) {
    let mut reader = Reader::from_str(xml);
    let mut cases = BTreeMap::new();
    let mut counts = BTreeMap::new();
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().expect("junit.xml is well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let attr = |name: &str| {
                    e.attributes()
                        .map(|a| a.unwrap())
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| {
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned()
                        })
                };
                match e.name().as_ref() {
                    "testsuite" => {
                        for k in ["tests", "failures", "name"] {
                            counts.insert(k.to_owned(), attr(k).unwrap());
                        }
                    }
                    "testcase" => {
                        let name = attr("name").unwrap();
                        cases.insert(name.clone(), None);
                        current = Some(name);
                    }
                    "failure" => {
                        let name = current.clone().expect("failure inside a testcase");
                        cases.insert(name, Some(attr("message").unwrap()));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (cases, counts)
}

#[test]
fn gates_pass() {
    let (dir, o) = edit_propagates(&[
        "-q",
        "--min-hit-rate",
        "0.9",
        "--max-misses",
        "4",
        "--max-critical-path",
        "1m30s",
        "--forbid-cause",
        "workdir,evicted",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (cases, counts) = junit_cases(&read(&dir.path().join("reports"), "junit.xml"));
    assert_eq!(counts["tests"], "5");
    assert_eq!(counts["failures"], "0");
    assert!(cases.values().all(Option::is_none), "{cases:?}");
    assert!(cases.contains_key("forbid-cause workdir"));
    assert!(stderr(&o).contains("5 passed, 0 failed"));
}

#[test]
fn failed_gates_exit_3_after_writing_everything() {
    let (dir, o) = edit_propagates(&[
        "-q",
        "--min-hit-rate",
        "95%",
        "--max-misses",
        "3",
        "--max-critical-path",
        "1500ms",
        "--forbid-cause",
        "source",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let out = dir.path().join("reports");
    for f in FILES.iter().chain(&["junit.xml"]) {
        assert!(out.join(f).exists(), "{f} written despite the failed gates");
    }
    let (cases, counts) = junit_cases(&read(&out, "junit.xml"));
    assert_eq!(
        (counts["tests"].as_str(), counts["failures"].as_str()),
        ("4", "3")
    );
    let msg = |k: &str| cases[k].clone().unwrap_or_default();
    assert!(
        msg("min-hit-rate 0.95").contains("hit rate 0.94 < 0.95"),
        "{cases:?}"
    );
    assert!(
        msg("max-misses 3").contains("4 package compiles"),
        "{cases:?}"
    );
    assert_eq!(
        cases["max-critical-path 1500ms"], None,
        "425 ms is within 1.5 s"
    );
    assert!(msg("forbid-cause source").contains(MONEY), "{cases:?}");
    let err = stderr(&o);
    assert!(err.contains("gate failed: min-hit-rate 0.95"), "{err}");
    // The page says it too.
    assert!(read(&out, "index.html").contains("3 of 4 gates failed"));
}

#[test]
fn gates_work_without_out() {
    let o = run_report(
        &[
            "--max-critical-path",
            "100ms",
            "--baseline",
            scenario("warm").to_str().unwrap(),
        ],
        &[&scenario("edit-propagates")],
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Critical path"));
    let err = stderr(&o);
    assert!(
        err.contains("gate failed: max-critical-path 100ms: critical path 425.1 ms > 100ms"),
        "{err}"
    );
    assert!(!err.contains("wrote"), "{err}");
}

#[test]
fn bad_gate_values_are_argument_errors() {
    let edit = scenario("edit-propagates");
    for (flags, says) in [
        (
            &["--forbid-cause", "workdir,moved"][..],
            "expected one of: toolchain",
        ),
        (&["--max-critical-path", "90"], "is not a duration"),
        (&["--min-hit-rate", "1.5"], "is not a hit rate"),
        (
            &["--max-misses", "many"],
            "invalid value 'many' for '--max-misses <N>'",
        ),
    ] {
        let o = run_report(flags, &[&edit]);
        assert_eq!(o.status.code(), Some(2), "{flags:?}");
        assert!(stderr(&o).contains(says), "{flags:?}: {}", stderr(&o));
    }
}

// ---- OpenMetrics ---------------------------------------------------------------------

/// Checks the OpenMetrics 1.0 text-format rules the metrics file relies on; returns the
/// samples as `name{labels} -> value`.
fn check_openmetrics(text: &str) -> BTreeMap<String, f64> {
    let name_ok = |n: &str| {
        let mut c = n.chars();
        c.next()
            .is_some_and(|f| f.is_ascii_alphabetic() || f == '_' || f == ':')
            && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == ':')
    };
    assert!(text.ends_with("# EOF\n"), "ends with # EOF and a newline");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.iter().filter(|l| **l == "# EOF").count(), 1);
    let mut types: BTreeMap<String, String> = BTreeMap::new();
    let mut units: BTreeMap<String, String> = BTreeMap::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut samples = BTreeMap::new();
    for line in &lines[..lines.len() - 1] {
        if let Some(meta) = line.strip_prefix("# ") {
            let mut parts = meta.splitn(3, ' ');
            let (kind, family, rest) = (
                parts.next().unwrap(),
                parts.next().expect("metadata names a family"),
                parts.next().unwrap_or(""),
            );
            assert!(name_ok(family), "family name {family}");
            if current.as_deref() != Some(family) {
                if let Some(prev) = current.replace(family.to_owned()) {
                    done.insert(prev);
                }
                assert!(
                    !done.contains(family),
                    "{family} interleaved with another family"
                );
            }
            match kind {
                "TYPE" => {
                    assert!(
                        types.insert(family.to_owned(), rest.to_owned()).is_none(),
                        "one TYPE per family: {family}"
                    );
                    assert!(
                        ["gauge", "counter", "info", "stateset", "unknown"].contains(&rest),
                        "type {rest}"
                    );
                }
                "UNIT" => {
                    assert!(
                        family.ends_with(&format!("_{rest}")),
                        "{family} ends in _{rest}"
                    );
                    units.insert(family.to_owned(), rest.to_owned());
                }
                "HELP" => assert!(!rest.contains('\n')),
                other => panic!("unknown metadata {other}"),
            }
            continue;
        }
        assert!(!line.starts_with('#'), "comment lines are metadata: {line}");
        let (series, value) = line.rsplit_once(' ').expect("sample: name value");
        let name = series.split('{').next().unwrap();
        assert!(name_ok(name), "sample name {name}");
        assert_eq!(
            Some(name),
            current.as_deref(),
            "sample after its family's metadata"
        );
        assert_eq!(types.get(name).map(String::as_str), Some("gauge"));
        for reserved in ["_total", "_created", "_count", "_sum", "_bucket", "_info"] {
            assert!(!name.ends_with(reserved), "gauge {name} uses {reserved}");
        }
        if name.ends_with("_seconds") {
            assert_eq!(
                units.get(name).map(String::as_str),
                Some("seconds"),
                "{name}"
            );
        }
        if let Some(labels) = series.strip_prefix(name).and_then(|l| l.strip_prefix('{')) {
            let labels = labels.strip_suffix('}').expect("labels close");
            // label="value" with only \\, \" and \n escapes inside.
            let (lname, lvalue) = labels.split_once('=').unwrap();
            assert!(name_ok(lname));
            let inner = lvalue
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap();
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                assert_ne!(c, '"', "unescaped quote in {line}");
                if c == '\\' {
                    assert!(matches!(chars.next(), Some('\\' | '"' | 'n')), "{line}");
                }
            }
        }
        let v: f64 = value.parse().expect("value is a number");
        assert!(v.is_finite());
        assert!(
            samples.insert(series.to_owned(), v).is_none(),
            "duplicate {series}"
        );
    }
    samples
}

#[test]
fn metrics_follow_openmetrics() {
    let (dir, _) = edit_propagates(&["-q"]);
    let samples = check_openmetrics(&read(&dir.path().join("reports"), "metrics.txt"));
    assert_eq!(samples["goattrib_cache_misses"], 4.0);
    assert_eq!(samples["goattrib_cache_hits"], 63.0);
    assert!((samples["goattrib_cache_hit_ratio"] - 0.9403).abs() < 1e-4);
    assert!((samples["goattrib_critical_path_seconds"] - 0.425).abs() < 1e-3);
    assert!(samples.contains_key("goattrib_build_wall_seconds"));
    let by_cause: f64 = samples
        .iter()
        .filter(|(k, _)| k.starts_with("goattrib_miss_seconds{cause="))
        .map(|(_, v)| v)
        .sum();
    assert!(samples.contains_key("goattrib_miss_seconds{cause=\"source\"}"));
    assert!(samples.contains_key("goattrib_miss_seconds{cause=\"dependency\"}"));
    assert!(by_cause > 0.4 && by_cause < 0.41, "{by_cause}");
    for (paths, baseline) in [
        (vec![scenario("cold")], None),
        (vec![scenario("compile-error")], Some(scenario("warm2"))),
        (vec![joined("restore-failed/job.log.gz")], None),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut flags = vec!["-q", "--out", dir.path().to_str().unwrap()];
        if let Some(b) = &baseline {
            flags.extend(["--baseline", b.to_str().unwrap()]);
        }
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let o = run_report(&flags, &refs);
        assert!(o.status.success(), "{paths:?}: {}", stderr(&o));
        check_openmetrics(&read(dir.path(), "metrics.txt"));
    }
}

// ---- trace.json ----------------------------------------------------------------------

fn trace_events(json: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(json).expect("trace.json is JSON");
    v["traceEvents"].as_array().expect("traceEvents").clone()
}

#[test]
fn trace_follows_the_trace_event_format() {
    let (dir, _) = edit_propagates(&["-q"]);
    let events = trace_events(&read(&dir.path().join("reports"), "trace.json"));
    let mut named_threads = BTreeSet::new();
    let mut spans: BTreeMap<(u64, u64), Vec<(f64, f64)>> = BTreeMap::new();
    for e in &events {
        let pid = e["pid"].as_u64().expect("integer pid");
        let tid = e["tid"].as_u64().expect("integer tid");
        match e["ph"].as_str() {
            Some("M") => {
                assert!(e["args"]["name"].is_string() || e["args"]["sort_index"].is_number());
                if e["name"] == "thread_name" {
                    named_threads.insert((pid, tid));
                }
            }
            Some("X") => {
                let ts = e["ts"].as_f64().expect("ts in µs");
                let dur = e["dur"].as_f64().expect("dur in µs");
                assert!(ts >= 0.0 && dur >= 0.0);
                assert!(e["name"].is_string());
                spans.entry((pid, tid)).or_default().push((ts, ts + dur));
            }
            other => panic!("unexpected phase {other:?}"),
        }
    }
    let link = events
        .iter()
        .find(|e| e["name"] == "link example.com/shop/cmd/shop")
        .expect("the link is an event");
    assert_eq!(link["args"]["cache"], "miss");
    assert_eq!(link["args"]["cause"], "dependency");
    // 357.3 ms, in microseconds.
    assert!(
        (link["dur"].as_f64().unwrap() - 357_300.0).abs() < 100.0,
        "{link}"
    );
    for (thread, mut s) in spans {
        assert!(
            named_threads.contains(&thread),
            "{thread:?} has a thread_name"
        );
        s.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in s.windows(2) {
            assert!(w[0].1 <= w[1].0, "{thread:?}: {w:?} overlap on one lane");
        }
    }
}

// ---- folder updates ------------------------------------------------------------------

#[test]
fn existing_folder_is_updated_atomically_not_wiped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("stale-chart.svg"), "<svg/>").unwrap();
    std::fs::write(out.join("notes.txt"), "kept").unwrap();
    std::fs::write(out.join("index.html"), "old page").unwrap();
    // A hard link keeps the old file's content only if index.html is replaced by a rename,
    // not truncated and rewritten in place.
    std::fs::hard_link(out.join("index.html"), dir.path().join("old-index.html")).unwrap();
    let run = || {
        run_report(
            &["-q", "--out", out.to_str().unwrap()],
            &[&scenario("edit-propagates")],
        )
    };
    assert!(run().status.success());
    assert_eq!(read(dir.path(), "old-index.html"), "old page");
    let first = read(&out, "index.html");
    assert!(first.starts_with("<!DOCTYPE html>"));
    assert_eq!(read(&out, "notes.txt"), "kept");
    assert_eq!(read(&out, "stale-chart.svg"), "<svg/>");
    assert!(
        !first.contains("stale-chart.svg"),
        "stale charts are not linked"
    );
    assert!(run().status.success());
    assert_eq!(read(&out, "index.html"), first, "deterministic");
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') || n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn unwritable_folder_is_an_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let target = file.join("reports");
    let o = run_report(
        &["-q", "--out", target.to_str().unwrap()],
        &[&scenario("edit-propagates")],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("failed to create directory") && err.contains("not-a-dir"),
        "{err}"
    );
}

// ---- hostile names -------------------------------------------------------------------

/// A copy of a bundle with `example.com/shop/internal/cart` renamed to a package path
/// holding markup, and the compiler message too, in every file (JSON-escaped in JSON).
fn hostile_bundle(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let evil = format!("example.com/shop/internal/{HOSTILE_SCRIPT}{HOSTILE_IMG}");
    let json = |s: &str| {
        let q = serde_json::to_string(s).unwrap();
        q[1..q.len() - 1].to_owned()
    };
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_end(&mut bytes)
            .unwrap();
        let name = name.trim_end_matches(".gz");
        let mut text = String::from_utf8(bytes).unwrap();
        if name.ends_with(".json") || name.ends_with(".jsonl") {
            text = text.replace(
                "undefined: undefinedBonus",
                &format!(
                    "undefined: {}",
                    json(&format!("{HOSTILE_SCRIPT}{HOSTILE_IMG}"))
                ),
            );
            text = text.replace("example.com/shop/internal/cart", &json(&evil));
        } else {
            text = text.replace("example.com/shop/internal/cart", &evil);
        }
        std::fs::write(to.join(name), text).unwrap();
    }
}

fn hostile_report(dir: &Path) -> PathBuf {
    hostile_bundle(&scenario("compile-error"), &dir.join("current"));
    hostile_bundle(&scenario("warm2"), &dir.join("base"));
    let out = dir.join("reports");
    let o = run_report(
        &[
            "-q",
            "--out",
            out.to_str().unwrap(),
            "--baseline",
            dir.join("base").to_str().unwrap(),
            "--forbid-cause",
            "source",
        ],
        &[&dir.join("current")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    out
}

#[test]
fn hostile_package_names_and_log_lines_stay_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = hostile_report(dir.path());
    let html = read(&out, "index.html");
    assert!(!html.contains("<script"), "raw <script> in index.html");
    assert!(!html.contains("<img"), "raw <img> in index.html");
    assert!(
        !html.contains("onerror=alert(1)>"),
        "unescaped markup in index.html"
    );
    // Shown, escaped: as the package (tables, failed package) and as the compiler message.
    assert!(
        html.matches("&lt;script&gt;alert(1)&lt;/script&gt;")
            .count()
            >= 3
    );
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));

    let md = read(&out, "summary.md");
    // Compiler messages go in a fenced code block, which CommonMark shows verbatim (no
    // HTML inside it is interpreted); everything outside the fence is escaped.
    let (before, rest) = md.split_once("```text\n").expect("a fenced block");
    let (fenced, after) = rest.split_once("\n```\n").expect("the fence closes");
    assert!(
        fenced.contains(HOSTILE_SCRIPT) && !fenced.contains("```"),
        "{fenced}"
    );
    for outside in [before, after] {
        assert!(
            !outside.contains("<script") && !outside.contains("<img"),
            "{md}"
        );
    }
    assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");

    let (cases, _) = junit_cases(&read(&out, "junit.xml"));
    let failure = cases["forbid-cause source"].clone().unwrap();
    assert!(
        failure.contains(HOSTILE_SCRIPT) && failure.contains(HOSTILE_IMG),
        "{failure}"
    );

    let events = trace_events(&read(&out, "trace.json"));
    assert!(
        events
            .iter()
            .any(|e| e["name"].as_str().is_some_and(|n| n.contains(HOSTILE_IMG)))
    );
    check_openmetrics(&read(&out, "metrics.txt"));
}

// ---- headless Chromium ---------------------------------------------------------------

#[test]
fn chromium_renders_the_page_without_errors() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (edit_dir, _) = edit_propagates(&["-q"]);
    let page = edit_dir.path().join("reports/index.html");
    let png = dir.path().join("index.png");
    let shot = run_chromium(
        &bin,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2400".to_owned(),
        ],
        &page,
    );
    let bytes = std::fs::read(&png).unwrap_or_default();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000,
        "screenshot: {} bytes; chromium said: {}",
        bytes.len(),
        String::from_utf8_lossy(&shot.stderr)
    );
    let log = String::from_utf8_lossy(&shot.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE"),
        "{log}"
    );

    // The hostile page: its DOM, as Chromium parsed it, holds no injected element.
    let hostile = hostile_report(dir.path()).join("index.html");
    let dom = run_chromium(&bin, &["--dump-dom".to_owned()], &hostile);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom_text.contains("</html>"),
        "no DOM dumped: {}",
        stderr(&dom)
    );
    assert!(
        !dom_text.contains("<script"),
        "a script element was injected"
    );
    assert!(!dom_text.contains("<img"), "an img element was injected");
    assert!(dom_text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE"),
        "{log}"
    );
}

/// `report --out` keeps the build's manifest: next pipeline's baseline, small, and good for
/// the same causes as the bundle it came from.
#[test]
fn the_folder_keeps_a_manifest_that_serves_as_the_next_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let o = run_report(
        &["--quiet", "--out", out.to_str().unwrap()],
        &[&scenario("warm")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = out.join("manifest.json.gz");
    assert!(manifest.is_file());
    let causes = |baseline: &Path| -> Vec<serde_json::Value> {
        let o = run_report(
            &["--format", "json", "--baseline", baseline.to_str().unwrap()],
            &[&scenario("edit-propagates")],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| serde_json::json!([a["package"], a["mode"], a["cause"]]))
            .collect()
    };
    let from_manifest = causes(&manifest);
    assert_eq!(from_manifest, causes(&scenario("warm")));
    let money_source = from_manifest
        .iter()
        .any(|a| a[0] == MONEY && a[1] == "build" && a[2]["kind"] == "source");
    assert!(money_source, "{from_manifest:?}");
}
