//! Entry points for the coverage-guided fuzzers in `fuzz/` (issue 15): one function per
//! input format, taking the raw bytes and running the real parse path, then the analysis
//! and the renderers the CLI runs on what the parse gives. Hidden from the docs; not an API.
//!
//! Each function must return (any `Err` the library gives is a fine answer); a panic, a
//! hang or an allocation past the fuzzer's limit is a finding. A function that has a
//! baseline splits its input at the first NUL byte: the bytes before are the build, the
//! bytes after its baseline, so the fuzzer reaches the cause code too.

use std::io::Cursor;

use crate::analysis;
use crate::ingest::{self, Inputs};
use crate::render;

/// The bytes before the first NUL and, when there is one, those after it.
fn split_baseline(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    }
}

/// Analyses a build (and its baseline) and renders every output `report --out` writes.
fn report_and_render(current: Inputs, baseline: Option<Inputs>) {
    let report = analysis::report(current, baseline);
    let rendered = render::out::report(&report, None, &[]);
    std::hint::black_box(rendered.files.len());
    // The table as the terminal gets it, folded to a width and through the printable writer.
    let mut out = render::terminal::Printable::new(
        render::terminal::Fold::new(std::io::sink(), 100),
        render::terminal::Style::Text,
    );
    let opts = render::table::TableOptions {
        top: 10,
        width: Some(100),
        all: true,
        full_critical_path: true,
    };
    let _ = render::table::write(&report, &mut out, &opts);
}

fn go_output_inputs(data: &[u8], diagnostics_only: bool) -> Inputs {
    let (out, warnings) = ingest::go_output::read_stream(&mut Cursor::new(data), diagnostics_only);
    std::hint::black_box(warnings.len());
    Inputs {
        go_output: vec![out],
        ..Inputs::default()
    }
}

/// `go build -json` events, `-x` text, `gocachehash` and `testcache:` lines: one stream.
pub fn go_output(data: &[u8]) {
    let (current, baseline) = split_baseline(data);
    let _ = go_output_inputs(current, true);
    report_and_render(
        go_output_inputs(current, false),
        baseline.map(|b| go_output_inputs(b, false)),
    );
}

/// `GODEBUG=gocachehash=1` lines alone, through the hash-log builder and classifier.
pub fn hashlog(data: &[u8]) {
    let mut builder = ingest::hashlog::HashLogBuilder::default();
    for (n, line) in data.split(|&b| b == b'\n').enumerate() {
        builder.feed(&String::from_utf8_lossy(line), n as u64 + 1);
    }
    let log = builder.finish();
    std::hint::black_box(log.classified());
    std::hint::black_box(log.first_by_key().len());
    std::hint::black_box(log.incomplete());
    for r in &log.records {
        std::hint::black_box(ingest::hashlog::classify_record(r));
        std::hint::black_box(r.action_id());
    }
}

/// `testcache:` lines, plain-text test results and module fetch lines.
pub fn testcache(data: &[u8]) {
    let mut ev = crate::model::CacheEvidence::default();
    let mut seen = foldhash::HashSet::default();
    for line in data.split(|&b| b == b'\n') {
        let line = String::from_utf8_lossy(line);
        if !ingest::testcache::feed(&mut ev, &line, &mut seen)
            && let Some(r) = ingest::testcache::parse_result(&line)
        {
            ev.results.push(r);
        }
    }
    std::hint::black_box(&ev);
    // And the same lines as Go output, through the analysis of the test cache.
    go_output(data);
}

fn action_graph_inputs(data: &[u8]) -> Option<Inputs> {
    let graph = ingest::actiongraph::parse(data).ok()?;
    Some(Inputs {
        action_graph: Some(graph),
        ..Inputs::default()
    })
}

/// `-debug-actiongraph` JSON.
pub fn action_graph(data: &[u8]) {
    let (current, baseline) = split_baseline(data);
    if let Some(inputs) = action_graph_inputs(current) {
        report_and_render(inputs, baseline.and_then(action_graph_inputs));
    }
}

/// `-debug-trace` Chrome trace JSON: the whole parse and the command-span scan.
pub fn debug_trace(data: &[u8]) {
    std::hint::black_box(ingest::chrome_trace::scan_command_span(Cursor::new(data)).ok());
    if let Ok(trace) = ingest::chrome_trace::parse(data) {
        report_and_render(
            Inputs {
                chrome_trace: Some(trace),
                ..Inputs::default()
            },
            None,
        );
    }
}

/// A GitLab job trace, with the Go output its script printed, as `report JOB.log` reads it.
pub fn gitlab_trace(data: &[u8]) {
    let opts = ingest::gitlab_trace::TraceOptions::default();
    let mut script = crate::ingest::go_output::GoOutputBuilder::default();
    let mut on_line = |line: &str| script.feed(line);
    let Ok(trace) = ingest::gitlab_trace::parse_streaming(Cursor::new(data), &opts, &mut on_line)
    else {
        return;
    };
    report_and_render(
        Inputs {
            job_traces: vec![trace],
            job_go_output: vec![script.finish()],
            ..Inputs::default()
        },
        None,
    );
}

/// The manifest codec: decode, and when that works, encode → decode → encode, which must
/// give the same bytes twice (the codec loses nothing it keeps); then the report.
pub fn manifest(data: &[u8]) {
    let Ok(first) = ingest::manifest::read(data) else {
        return;
    };
    let encode = |d: &crate::model::BuildData| {
        let mut gz = Vec::new();
        ingest::manifest::write(d, &mut gz).map(|()| gunzip(&gz))
    };
    let Ok(once) = encode(&first) else { return };
    let second = match ingest::manifest::read(&once) {
        Ok(d) => d,
        Err(e) => panic!("a manifest this goattrib wrote does not read back: {e}"),
    };
    let Ok(twice) = encode(&second) else { return };
    assert!(
        once == twice,
        "the manifest round trip changed the encoding"
    );
    report_and_render(
        Inputs {
            manifest: Some(Box::new(second)),
            ..Inputs::default()
        },
        None,
    );
}

fn gunzip(gz: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    // The bytes were just written by flate2: reading them back cannot fail.
    let _ = flate2::read::GzDecoder::new(gz).read_to_end(&mut out);
    out
}

/// A pprof profile (gzipped or not), through `goattrib profile`'s analysis.
pub fn pprof(data: &[u8]) {
    let Ok(profile) = ingest::pprof::decode_profile(data, "fuzz.pprof") else {
        return;
    };
    let profiles = [profile];
    let opts = analysis::profile::ProfileOptions::default();
    if let Ok(report) = analysis::profile::analyse(&profiles, &[], &opts) {
        std::hint::black_box(report.functions.len());
    }
    if let Ok(sel) = analysis::profile::select(&profiles, None) {
        std::hint::black_box(analysis::profile::folded(&sel, &[]).len());
    }
    std::hint::black_box(analysis::spans::analyse(&[], &[], &profiles, Vec::new()).ok());
}

/// OTLP/JSON spans (one `TracesData` per line), through `goattrib spans`' analysis.
pub fn otlp(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(spans) = ingest::otlp::parse_spans(&text, "fuzz.otlp.jsonl") else {
        return;
    };
    std::hint::black_box(analysis::spans::analyse(&spans, &[], &[], Vec::new()).ok());
}
