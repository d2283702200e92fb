//! The Go command's own output streams: `go build -json` / `go test -json` events, plain
//! `-x` text and `GODEBUG=gocachehash=1` lines, in any mix, as they land in `build.jsonl`,
//! `build.stderr` or a CI log that merged stdout and stderr.
//!
//! Each line is routed once: a JSON event (`cmd/go/internal/work/shell.go` BuildEvent,
//! `cmd/test2json` TestEvent) carries `-x` text in `Output`, which goes to [`super::xtext`];
//! `HASH` lines go to [`super::hashlog`]; `testcache:`, `go: downloading`, `# get` and plain
//! test result lines to [`super::testcache`]; everything else is offered to the `-x` parser,
//! which ignores what it does not know. Nothing here decides hits or misses.

use foldhash::HashSet;
use std::borrow::Cow;
use std::io::BufRead;

use serde::Deserialize;

use super::hashlog::{HashLog, HashLogBuilder};
use super::xtext::{XTextBuilder, XTrace};
use super::{LineReader, MAX_LINE_BYTES};
use crate::model::{CacheEvidence, TestOutcome, TestPackageResult};

/// Borrowed where the JSON has no escapes: most fields of most events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawEvent<'a> {
    #[serde(default, borrow)]
    import_path: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    action: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    output: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    package: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    test: Option<Cow<'a, str>>,
    #[serde(default)]
    elapsed: Option<f64>,
}

/// A package-level `go test -json` result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    pub package: String,
    /// `pass`, `fail` or `skip`.
    pub action: String,
    pub elapsed_ms: Option<u64>,
    /// The result was replayed from the test cache (`(cached)` in its output).
    pub cached: bool,
}

#[derive(Debug, Default)]
pub struct GoOutput {
    pub xtrace: XTrace,
    pub hashes: HashLog,
    /// Packages that had a `build-fail` event.
    pub build_failed: Vec<String>,
    pub tests: Vec<TestResult>,
    /// Test and module cache evidence: `testcache:` lines, `HASH[testInputs]` blocks,
    /// package results (events or plain text), module downloads and fetches.
    pub caches: CacheEvidence,
    pub json_events: u64,
    /// Lines that looked like JSON but did not decode, with the first one's line number.
    pub bad_json_lines: u64,
    pub first_bad_json_line: Option<u64>,
    pub lines: u64,
}

impl GoOutput {
    pub fn is_empty(&self) -> bool {
        self.json_events == 0 && self.hashes.is_empty() && self.xtrace.is_empty()
    }

    /// Also nothing about the test or module caches.
    pub fn says_nothing(&self) -> bool {
        self.is_empty() && self.caches.is_empty()
    }
}

#[derive(Default)]
pub struct GoOutputBuilder {
    xtext: XTextBuilder,
    hashes: HashLogBuilder,
    out: GoOutput,
    cached_packages: Vec<String>,
    no_test_files: Vec<String>,
    /// Packages with a plain-text result already (see `testcache::feed`).
    result_packages: HashSet<String>,
}

impl GoOutputBuilder {
    /// A builder that reads `-x` text only for the compiler's messages: for a build whose
    /// action graph gives the actions.
    pub fn diagnostics_only() -> Self {
        Self {
            xtext: XTextBuilder::diagnostics_only(),
            ..Self::default()
        }
    }

    pub fn feed(&mut self, line: &str) {
        self.out.lines += 1;
        let line_no = self.out.lines;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('{') {
            match serde_json::from_str::<RawEvent>(line) {
                Ok(event) => self.event(event, line_no),
                Err(_) => {
                    self.out.bad_json_lines += 1;
                    self.out.first_bad_json_line.get_or_insert(line_no);
                }
            }
            return;
        }
        // Hash lines first: most lines of a build's stderr are, and none is a test cache
        // line (those start `testcache: `, `go: downloading `, `# get ` or a result word).
        if self.hashes.feed(line, line_no) {
            return;
        }
        if !super::testcache::feed(&mut self.out.caches, line, &mut self.result_packages) {
            self.xtext.feed(line, None, line_no);
        }
    }

    fn event(&mut self, e: RawEvent<'_>, line_no: u64) {
        self.out.json_events += 1;
        let action = e.action.as_deref().unwrap_or("");
        if let Some(import_path) = &e.import_path {
            // BuildEvent (`go build -json`, and the build part of `go test -json`).
            match action {
                "build-output" => {
                    for piece in super::lines::text_lines(e.output.as_deref().unwrap_or("")) {
                        self.xtext.feed(piece, Some(import_path), line_no);
                    }
                }
                "build-fail" => self.out.build_failed.push(import_path.clone().into_owned()),
                _ => {}
            }
            return;
        }
        // TestEvent. Only package-level results (no `Test`) are kept.
        let Some(package) = e.package.map(Cow::into_owned) else {
            return;
        };
        if e.test.is_some() {
            return;
        }
        match action {
            "output" if e.output.as_deref().is_some_and(|o| o.contains("(cached)")) => {
                self.cached_packages.push(package);
            }
            "output"
                if e.output
                    .as_deref()
                    .is_some_and(|o| o.contains("[no test files]")) =>
            {
                self.no_test_files.push(package);
            }
            "pass" | "fail" | "skip" => self.out.tests.push(TestResult {
                package,
                action: action.to_owned(),
                elapsed_ms: e.elapsed.map(|s| (s * 1000.0).round().max(0.0) as u64),
                cached: false,
            }),
            _ => {}
        }
    }

    pub fn finish(mut self) -> GoOutput {
        // Sets, not list scans: a test2json stream of n packages is read in O(n).
        let cached: HashSet<&str> = self.cached_packages.iter().map(String::as_str).collect();
        let no_test_files: HashSet<&str> = self.no_test_files.iter().map(String::as_str).collect();
        for t in &mut self.out.tests {
            t.cached = cached.contains(t.package.as_str());
        }
        self.out.xtrace = self.xtext.finish();
        self.out.hashes = self.hashes.finish();
        self.out.caches.test_inputs = std::mem::take(&mut self.out.hashes.test_inputs);
        // test2json results take the place of any plain-text line for the same package.
        let plain = std::mem::take(&mut self.out.caches.results);
        for t in &self.out.tests {
            let outcome = match t.action.as_str() {
                "fail" => TestOutcome::Fail,
                "skip" if no_test_files.contains(t.package.as_str()) => TestOutcome::NoTestFiles,
                "skip" => TestOutcome::Skip,
                _ => TestOutcome::Pass,
            };
            self.out.caches.results.push(TestPackageResult {
                package: t.package.clone(),
                outcome,
                elapsed_ms: t.elapsed_ms,
                cached: t.cached,
            });
        }
        let with_json: HashSet<&str> = self.out.tests.iter().map(|t| t.package.as_str()).collect();
        for r in plain {
            if !with_json.contains(r.package.as_str()) {
                self.out.caches.results.push(r);
            }
        }
        self.out
    }
}

/// Whether the head of a file is Go command output this module reads.
pub(crate) fn sniff(head: &str) -> bool {
    head.lines().take(200).any(|l| {
        l.starts_with("HASH[")
            || l.starts_with("testcache: ")
            || l.starts_with("go: downloading ")
            || l.starts_with("# get ")
            || l.starts_with("WORK=")
            || l.starts_with("mkdir -p $WORK")
            || l.starts_with("{\"ImportPath\"")
            || (l.starts_with('{')
                && l.contains("\"Action\"")
                && (l.contains("\"Package\"") || l.contains("\"ImportPath\"")))
    })
}

/// Reads a whole Go output stream line by line (bounded lines, non-UTF-8 lines decoded
/// lossily), and says in words what was odd about it: a cut stream, an unclosed heredoc,
/// long lines, broken JSON events, malformed or incomplete hash records.
pub(crate) fn read_stream(
    reader: &mut dyn BufRead,
    diagnostics_only: bool,
) -> (GoOutput, Vec<String>) {
    let mut warnings = Vec::new();
    let mut builder = if diagnostics_only {
        GoOutputBuilder::diagnostics_only()
    } else {
        GoOutputBuilder::default()
    };
    let mut lines = LineReader::new(reader, MAX_LINE_BYTES);
    loop {
        match lines.next_line() {
            // `from_utf8` checks ASCII a word at a time; the lossy path is for the
            // rare line that is not UTF-8.
            Ok(Some(line)) => match std::str::from_utf8(line) {
                Ok(text) => builder.feed(text),
                Err(_) => builder.feed(&String::from_utf8_lossy(line)),
            },
            Ok(None) => break,
            // A cut gzip stream (a killed job's upload): keep what was read.
            Err(e) if e.kind() != std::io::ErrorKind::Interrupted => {
                warnings.push(format!(
                        "the stream is truncated (gzip or read error: {e}); kept the lines read before it"
                    ));
                break;
            }
            Err(_) => continue,
        }
    }
    let out = builder.finish();
    if let Some(line) = out.xtrace.unclosed_heredoc {
        warnings.push(format!(
                "the -x heredoc opened at line {line} never closed (no `EOF`): later lines were read as its content"
            ));
    }
    if lines.long_lines > 0 {
        warnings.push(format!(
            "{} line(s) longer than {} bytes were cut",
            lines.long_lines, MAX_LINE_BYTES
        ));
    }
    if !lines.ended_with_newline && out.lines > 0 {
        warnings.push(format!(
            "the file ends mid-line at line {}: the build output may be truncated",
            out.lines
        ));
    }
    if let Some(line) = out.first_bad_json_line {
        warnings.push(format!(
                "{} line(s) starting with `{{` are not valid JSON events (first at line {line}); skipped",
                out.bad_json_lines
            ));
    }
    if let Some(line) = out.hashes.first_malformed_line {
        warnings.push(format!(
                "{} malformed gocachehash line(s) (first at line {line}); expected `HASH[key]: \"input\"`",
                out.hashes.malformed
            ));
    }
    let incomplete = out.hashes.incomplete();
    if incomplete > 0 {
        warnings.push(format!(
            "{incomplete} hash record(s) have no final sum: the log was cut short"
        ));
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> GoOutput {
        let mut b = GoOutputBuilder::default();
        for line in text.lines() {
            b.feed(line);
        }
        b.finish()
    }

    #[test]
    fn routes_events_hash_lines_and_text() {
        let out = parse(concat!(
            "{\"ImportPath\":\"\",\"Action\":\"build-output\",\"Output\":\"WORK=/tmp/go-build1\\n\"}\n",
            "{\"ImportPath\":\"example.com/m/cmd/x\",\"Action\":\"build-output\",\"Output\":\"/go/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a -p main ./x.go\\n\"}\n",
            "HASH[build example.com/m/cmd/x]: \"compile\\n\"\n",
            "{\"ImportPath\":\"example.com/m/cmd/x\",\"Action\":\"build-fail\"}\n",
            "{\"Time\":\"2026-01-01T00:00:00Z\",\"Action\":\"output\",\"Package\":\"example.com/m\",\"Output\":\"ok  \\texample.com/m\\t(cached)\\n\"}\n",
            "{\"Time\":\"2026-01-01T00:00:00Z\",\"Action\":\"pass\",\"Package\":\"example.com/m\",\"Elapsed\":0.5}\n",
            "{\"broken\n",
        ));
        assert_eq!(out.json_events, 5);
        assert_eq!(out.xtrace.work_dir.as_deref(), Some("/tmp/go-build1"));
        assert_eq!(out.xtrace.compiles[0].package, "example.com/m/cmd/x");
        assert_eq!(
            out.hashes
                .record("build example.com/m/cmd/x")
                .unwrap()
                .inputs,
            vec!["compile\n"]
        );
        assert_eq!(out.build_failed, vec!["example.com/m/cmd/x"]);
        assert_eq!(out.tests[0].elapsed_ms, Some(500));
        assert!(out.tests[0].cached);
        assert_eq!((out.bad_json_lines, out.first_bad_json_line), (1, Some(7)));
    }
}
