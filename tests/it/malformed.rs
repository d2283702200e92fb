//! Malformed-input tests: every input format and the CLI fed empty, whitespace-only,
//! truncated, binary, huge-line, non-UTF-8, CRLF, gzipped and truncated-gzip input, plus a
//! deterministic mini-fuzz. Each test pins one case exactly: the typed error and its
//! message, or the warnings of a partial result. The rule pinned: a clear one-line error
//! naming the file and position, a partial result with a warning for a truncated log,
//! never a panic.
//!
//! Not for well-formed parsing (the parsers' unit tests) nor GitLab job traces (their own
//! test crate).

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use goattrib::ingest::go_output::{GoOutput, GoOutputBuilder};
use goattrib::ingest::hashlog::HashLogBuilder;
use goattrib::ingest::xtext::{ArchiveSource, XTextBuilder};
use goattrib::ingest::{
    IngestError, InputKind, LineReader, MAX_LINE_BYTES, Parsed, Warning, actiongraph, chrome_trace,
    go_env, go_modules, modules_txt, parse_file, sniff,
};
use tempfile::TempDir;

use crate::harness::{bin, scenario};

// ---------------------------------------------------------------------------------------
// Seeds: small hand-made samples of every format, shaped like what Go writes.
// ---------------------------------------------------------------------------------------

/// `go build -json -x` (Go >= 1.24: `-x` text inside `build-output` events) and test events.
const GO_JSON: &str = concat!(
    "{\"ImportPath\":\"\",\"Action\":\"build-output\",\"Output\":\"WORK=/tmp/go-build123\\n\"}\n",
    "{\"ImportPath\":\"example.com/m/cmd/x\",\"Action\":\"build-output\",\"Output\":\"mkdir -p $WORK/b001/\\n\"}\n",
    "{\"ImportPath\":\"example.com/m/cmd/x\",\"Action\":\"build-output\",\"Output\":\"cat >/tmp/go-build123/b001/importcfg << 'EOF' # internal\\npackagefile fmt=/root/.cache/go-build/ef/efb97225890f490e10576186f1fe19094c0bcfbfc5b8d293abb6d6240771784a-d\\nEOF\\n\"}\n",
    "{\"ImportPath\":\"example.com/m/cmd/x\",\"Action\":\"build-output\",\"Output\":\"/go/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a -trimpath \\\"$WORK/b001=>\\\" -p main -lang=go1.22 -complete -importcfg $WORK/b001/importcfg -pack ./main.go\\n\"}\n",
    "{\"ImportPath\":\"example.com/m/cmd/x\",\"Action\":\"build-fail\"}\n",
    "{\"Time\":\"2026-01-01T00:00:00Z\",\"Action\":\"output\",\"Package\":\"example.com/m\",\"Output\":\"ok  \\texample.com/m\\t(cached)\\n\"}\n",
    "{\"Time\":\"2026-01-01T00:00:00Z\",\"Action\":\"pass\",\"Package\":\"example.com/m\",\"Elapsed\":0.5}\n",
);

/// Plain `-x` stderr with `GODEBUG=gocachehash=1` lines interleaved, as `build.stderr`.
const GO_STDERR: &str = concat!(
    "WORK=/tmp/go-build42\n",
    "HASH[build fmt]\n",
    "HASH[build fmt]: \"go1.27.3\"\n",
    "HASH[build fmt]: \"compile\\n\"\n",
    "HASH[build fmt]: \"goos linux goarch amd64\\n\"\n",
    "HASH[build fmt]: \"compile compile version go1.27.3 [] [\\\"-N\\\" \\\"-l\\\"]\\n\"\n",
    "HASH[build fmt]: \"import \\\"fmt\\\"\\n\"\n",
    "HASH[build fmt]: \"file print.go 4ba1c0ffee\\n\"\n",
    "HASH /usr/lib/go/src/fmt/print.go: 4ba1c0ffee\n",
    "HASH[build fmt]: 667ec719478996c8daf58a648889bd21a85b0162e7019a56e59ed98008949c32\n",
    "HASH[link example.com/m/cmd/x]\n",
    "HASH[link example.com/m/cmd/x]: \"go1.27.3\"\n",
    "HASH[link example.com/m/cmd/x]: \"modinfo \\\"0w\\\\xaf\\\\f\\\\tmod\\\\texample.com/m\\\\t(devel)\\\\t\\\\ndep\\\\texample.org/fmtx\\\\tv1.1.0\\\\t\\\\n\\\"\"\n",
    "HASH[link example.com/m/cmd/x]: 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    "mkdir -p $WORK/b003/\n",
    "cat >/tmp/go-build42/b003/importcfg << 'EOF' # internal\n",
    "packagefile fmt=/root/.cache/go-build/ef/efb97225890f490e10576186f1fe19094c0bcfbfc5b8d293abb6d6240771784a-d\n",
    "packagefile example.com/m/money=$WORK/b004/_pkg_.a\n",
    "EOF\n",
    "/go/pkg/tool/linux_amd64/compile -o $WORK/b003/_pkg_.a -trimpath \"$WORK/b003=>\" -p main -lang=go1.22 -complete -importcfg $WORK/b003/importcfg -pack ./main.go\n",
    "cat >/tmp/go-build42/b001/importcfg.link << 'EOF' # internal\n",
    "packagefile example.com/m/cmd/x=/tmp/go-build42/b003/_pkg_.a\n",
    "EOF\n",
    "GOROOT='/go' /go/pkg/tool/linux_amd64/link -o $WORK/b001/exe/a.out -importcfg $WORK/b001/importcfg.link -buildmode=exe\n",
    "./main.go:3:2: undefined: y\n",
);

const ACTIONGRAPH: &str = concat!(
    "[\n",
    "\t{\"ID\":0,\"Mode\":\"link\",\"Package\":\"example.com/m/cmd/x\",\"Deps\":[1,2],\"ActionID\":\"a0\",\"TimeStart\":\"2026-01-01T00:00:02Z\",\"TimeDone\":\"2026-01-01T00:00:03.5Z\",\"Cmd\":[\"link -o x\"],\"CmdReal\":1500000000,\"CmdUser\":1000000000,\"CmdSys\":200000000},\n",
    "\t{\"ID\":1,\"Mode\":\"build\",\"Package\":\"example.com/m/cmd/x\",\"Deps\":[2],\"ActionID\":\"a1\",\"TimeStart\":\"2026-01-01T00:00:01Z\",\"TimeDone\":\"2026-01-01T00:00:02Z\",\"Cmd\":[\"compile -p main\"]},\n",
    "\t{\"ID\":2,\"Mode\":\"build\",\"Package\":\"fmt\",\"Deps\":[],\"ActionID\":\"a2\",\"TimeStart\":\"2026-01-01T00:00:00Z\",\"TimeDone\":\"2026-01-01T00:00:00.1Z\",\"Cmd\":null}\n",
    "]\n",
);

const TRACE: &str = concat!(
    "[{\"name\":\"Running build command\",\"ph\":\"B\",\"ts\":100,\"pid\":0,\"tid\":0}\n",
    ",{\"name\":\"Executing action (build fmt)\",\"ph\":\"B\",\"ts\":110,\"pid\":0,\"tid\":3}\n",
    ",{\"name\":\"Executing action (build fmt)\",\"ph\":\"E\",\"ts\":150,\"pid\":0,\"tid\":3}\n",
    ",{\"name\":\"Running build command\",\"ph\":\"E\",\"ts\":900,\"pid\":0,\"tid\":0}\n",
    "]\n",
);

const GO_ENV: &str = concat!(
    "{\n",
    "\t\"GOARCH\": \"amd64\",\n",
    "\t\"GOOS\": \"linux\",\n",
    "\t\"GOROOT\": \"/usr/local/go\",\n",
    "\t\"GOVERSION\": \"go1.27.3\",\n",
    "\t\"CGO_ENABLED\": \"1\"\n",
    "}\n",
);

const MODULES: &str = concat!(
    "{\n\t\"Path\": \"example.com/m\",\n\t\"Main\": true,\n\t\"GoVersion\": \"1.22\"\n}\n",
    "{\n\t\"Path\": \"example.org/fmtx\",\n\t\"Version\": \"v1.1.0\"\n}\n",
);

const MODULES_TXT: &str = concat!(
    "# example.org/fmtx v1.1.0\n",
    "## explicit; go 1.20\n",
    "example.org/fmtx\n",
    "example.org/fmtx/inner\n",
    "# a/b => ./b\n",
);

const COMMAND: &str = "go build ./...\n";
const EXIT_CODE: &str = "1\n";

/// Every seed with the kind it must be recognised as.
const SEEDS: &[(&str, &str, InputKind)] = &[
    ("build.jsonl", GO_JSON, InputKind::GoOutput),
    ("build.stderr", GO_STDERR, InputKind::GoOutput),
    ("actiongraph.json", ACTIONGRAPH, InputKind::ActionGraph),
    ("trace.json", TRACE, InputKind::ChromeTrace),
    ("go-env.json", GO_ENV, InputKind::GoEnv),
    ("modules.json", MODULES, InputKind::GoModules),
    ("modules.txt", MODULES_TXT, InputKind::ModulesTxt),
    ("command", COMMAND, InputKind::Command),
    ("exit_code", EXIT_CODE, InputKind::ExitCode),
];

/// The tiny action graph the CLI tests use as their one good input.
const GOOD_GRAPH: &str = r#"[{"ID":1,"Mode":"build","Package":"fmt","Deps":[],"ActionID":"x","TimeStart":"2026-01-01T00:00:00Z","TimeDone":"2026-01-01T00:00:01Z","Cmd":null}]"#;

// ---------------------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------------------

type ParseResult = Result<(InputKind, Parsed, Vec<Warning>), IngestError>;

/// One input written to a fresh temporary directory.
struct Case {
    _dir: TempDir,
    path: PathBuf,
}

impl Case {
    fn new(name: &str, bytes: &[u8]) -> Case {
        let dir = tempfile::tempdir().expect("create temp dir");
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).expect("write input");
        Case { _dir: dir, path }
    }

    fn parse(&self) -> ParseResult {
        parse_file(&self.path)
    }

    /// Parses and expects success, returning what was parsed and the warnings' messages
    /// (after checking every warning names this file).
    fn parse_ok(&self) -> (InputKind, Parsed, Vec<String>) {
        match self.parse() {
            Ok((kind, parsed, warnings)) => {
                let source = self.path.display().to_string();
                for w in &warnings {
                    assert_eq!(w.source, source, "warning does not name its file: {w}");
                }
                (
                    kind,
                    parsed,
                    warnings.into_iter().map(|w| w.message).collect(),
                )
            }
            Err(e) => panic!("expected `{}` to parse, got: {e}", self.path.display()),
        }
    }

    fn parse_err(&self) -> IngestError {
        match self.parse() {
            Ok((kind, parsed, _)) => panic!("expected an error, got {kind:?}: {parsed:?}"),
            Err(e) => {
                let text = e.to_string();
                assert!(!text.contains('\n'), "error is not one line: {text:?}");
                assert!(
                    text.contains(&format!("`{}`", self.path.display())),
                    "error does not name the file: {text}"
                );
                e
            }
        }
    }

    fn go_output(&self) -> (GoOutput, Vec<String>) {
        match self.parse_ok() {
            (InputKind::GoOutput, Parsed::GoOutput(out), w) => (*out, w),
            (kind, parsed, _) => panic!("expected Go output, got {kind:?}: {parsed:?}"),
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("finish gzip")
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

const GENERIC_REASON: &str = "expected Go build output (-json/-x/gocachehash), an action graph, \
     a Chrome trace, go env -json, go list -m -json, vendor/modules.txt";

fn assert_unrecognized(e: &IngestError, path: &Path, reason_start: &str) {
    match e {
        IngestError::Unrecognized { path: p, reason } => {
            assert_eq!(p, path);
            assert!(reason.starts_with(reason_start), "reason: {reason}");
            assert!(
                e.to_string()
                    .starts_with(&format!("failed to recognise `{}`: ", path.display())),
                "{e}"
            );
        }
        // The typed variant for an empty file; the message reads as before.
        IngestError::Empty { path: p } if reason_start == "the file is empty" => {
            assert_eq!(p, path);
            assert_eq!(
                e.to_string(),
                format!(
                    "failed to recognise `{}`: the file is empty",
                    path.display()
                )
            );
        }
        other => panic!("expected Unrecognized, got {other:?}"),
    }
}

/// Asserts a `Parse` error of `kind` at `line`/`column`, and that the message says so.
fn assert_parse_at(e: &IngestError, path: &Path, kind: InputKind, line: usize, column: usize) {
    match e {
        IngestError::Parse {
            path: p,
            kind: k,
            line: l,
            column: c,
            ..
        } => {
            assert_eq!(
                (p.as_path(), *k, *l, *c),
                (path, kind.describe(), line, column),
                "{e}"
            );
            let prefix = format!(
                "failed to parse `{}` as {} at line {line}, column {column}: ",
                path.display(),
                kind.describe()
            );
            assert!(e.to_string().starts_with(&prefix), "{e}");
        }
        other => panic!("expected Parse, got {other:?}"),
    }
}

/// Where a JSON parser reports running out of input: the last byte's line and column.
fn eof_position(bytes: &[u8]) -> (usize, usize) {
    let line = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = bytes.len() - bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (line, column)
}

/// xorshift64*: deterministic, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Random bytes that are certainly binary: a NUL first, invalid UTF-8 next.
fn garbage(seed: u64, n: usize) -> Vec<u8> {
    let mut bytes = vec![0x00, 0xff, 0xfe, 0xc3];
    bytes.extend(Rng(seed).bytes(n));
    bytes
}

// ---------------------------------------------------------------------------------------
// Empty and whitespace-only files
// ---------------------------------------------------------------------------------------

#[test]
fn empty_file_is_unrecognized_as_empty() {
    let case = Case::new("build.jsonl", b"");
    assert_unrecognized(&case.parse_err(), &case.path, "the file is empty");
}

#[test]
fn whitespace_only_file_is_unrecognized_as_empty() {
    let case = Case::new("actiongraph.json", b" \n\t\r\n  \n\x0c");
    assert_unrecognized(&case.parse_err(), &case.path, "the file is empty");
}

#[test]
fn gzipped_empty_file_is_unrecognized_as_empty() {
    let case = Case::new("build.jsonl.gz", &gzip(b"\n\n"));
    assert_unrecognized(&case.parse_err(), &case.path, "the file is empty");
}

#[test]

fn bom_only_file_is_unrecognized_as_empty() {
    let case = Case::new("go-env.json", b"\xef\xbb\xbf\r\n");
    assert_unrecognized(&case.parse_err(), &case.path, "the file is empty");
}

#[test]
fn sniff_answers_none_for_empty_whitespace_and_garbage() {
    assert_eq!(sniff(b""), None);
    assert_eq!(sniff(b" \r\n\t"), None);
    assert_eq!(sniff(b"\xef\xbb\xbf"), None);
    assert_eq!(sniff(&garbage(1, 4096)), None);
    // A lone `[` could be an action graph or a trace: not enough to say.
    assert_eq!(sniff(b"["), None);
    assert_eq!(sniff(b"{"), None);
}

// ---------------------------------------------------------------------------------------
// Truncated mid-record
// ---------------------------------------------------------------------------------------

#[test]
fn action_graph_cut_mid_object_is_parse_error_with_position() {
    let case = Case::new(
        "actiongraph.json",
        br#"[{"ID":1,"Mode":"build","Package":"fm"#,
    );
    assert_parse_at(&case.parse_err(), &case.path, InputKind::ActionGraph, 1, 37);
}

#[test]
fn action_graph_cut_on_line_three_names_line_three() {
    let cut = ACTIONGRAPH
        .find("\"Cmd\":[\"compile")
        .expect("seed has a compile");
    let bytes = &ACTIONGRAPH.as_bytes()[..cut + 8];
    let (line, column) = eof_position(bytes);
    assert_eq!(line, 3);
    let case = Case::new("actiongraph.json", bytes);
    assert_parse_at(
        &case.parse_err(),
        &case.path,
        InputKind::ActionGraph,
        line,
        column,
    );
}

#[test]
fn action_graph_with_wrong_field_type_says_what_was_expected() {
    let case = Case::new("actiongraph.json", br#"[{"ID":"one","Mode":"build"}]"#);
    let e = case.parse_err();
    assert_parse_at(&e, &case.path, InputKind::ActionGraph, 1, 12);
    assert!(e.to_string().contains("expected u64"), "{e}");
}

#[test]
fn action_graph_without_id_names_the_missing_field() {
    let case = Case::new("actiongraph.json", b"[\n{\"Mode\":\"build\"}\n]");
    let e = case.parse_err();
    assert_parse_at(&e, &case.path, InputKind::ActionGraph, 2, 16);
    assert!(e.to_string().contains("missing field `ID`"), "{e}");
}

#[test]
fn go_env_cut_mid_object_is_parse_error_with_position() {
    let cut = GO_ENV.find("/usr/local").expect("seed has GOROOT") + 4;
    let bytes = &GO_ENV.as_bytes()[..cut];
    assert_eq!(eof_position(bytes), (4, 16));
    let case = Case::new("go-env.json", bytes);
    assert_parse_at(&case.parse_err(), &case.path, InputKind::GoEnv, 4, 16);
}

#[test]
fn chrome_trace_cut_mid_object_is_parse_error_with_position() {
    let cut = TRACE.find("\"ts\":150").expect("seed has ts 150") + 3;
    let bytes = &TRACE.as_bytes()[..cut];
    assert_eq!(eof_position(bytes), (3, 52));
    let case = Case::new("trace.json", bytes);
    assert_parse_at(&case.parse_err(), &case.path, InputKind::ChromeTrace, 3, 52);
}

#[test]
fn chrome_trace_cut_between_events_keeps_spans_and_warns() {
    // Go writes `,{event}` per event and the closing `]` last: a killed build ends at a `,`.
    let cut = TRACE
        .find(",{\"name\":\"Running build command\",\"ph\":\"E\"")
        .expect("seed has the end event");
    let case = Case::new("trace.json", &TRACE.as_bytes()[..cut + 1]);
    let (kind, parsed, warnings) = case.parse_ok();
    assert_eq!(kind, InputKind::ChromeTrace);
    let Parsed::ChromeTrace(trace) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(trace.actions.len(), 1);
    assert_eq!(trace.unclosed, 1);
    assert_eq!(
        warnings,
        vec!["1 trace span(s) never ended: the build was cut short"]
    );
}

#[test]
fn module_list_cut_mid_object_keeps_earlier_modules_and_warns() {
    let cut = MODULES.find("v1.1.0").expect("seed has a version") + 2;
    let case = Case::new("modules.json", &MODULES.as_bytes()[..cut]);
    let (kind, parsed, warnings) = case.parse_ok();
    assert_eq!(kind, InputKind::GoModules);
    let Parsed::GoModules(modules) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(modules.len(), 1);
    assert_eq!(modules[0].path, "example.com/m");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("module list cut at line 8, column 15: "),
        "{warnings:?}"
    );
    assert!(warnings[0].ends_with("; kept 1 module(s)"), "{warnings:?}");
}

#[test]
fn modules_txt_cut_mid_line_keeps_the_partial_package() {
    let case = Case::new(
        "modules.txt",
        b"# example.org/fmtx v1.1.0\n## explicit\nexample.org/fm",
    );
    let (kind, parsed, warnings) = case.parse_ok();
    assert_eq!(kind, InputKind::ModulesTxt);
    let Parsed::ModulesTxt(modules) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(modules[0].packages, vec!["example.org/fm"]);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn gocachehash_line_cut_mid_quote_at_end_warns_truncated() {
    let case = Case::new("build.stderr", b"HASH[build fmt]\nHASH[build fmt]: \"go1.2");
    let (_, warnings) = case.go_output();
    assert_eq!(
        warnings,
        vec![
            "the file ends mid-line at line 2: the build output may be truncated",
            "1 malformed gocachehash line(s) (first at line 2); expected `HASH[key]: \"input\"`",
            "1 hash record(s) have no final sum: the log was cut short",
        ]
    );
}

#[test]
fn gocachehash_line_cut_mid_quote_is_malformed() {
    // Interleaved stderr can cut a hash line; the next line carries on normally.
    let case = Case::new(
        "build.stderr",
        concat!(
            "HASH[build fmt]\n",
            "HASH[build fmt]: \"go1.2\n",
            "HASH[build fmt]: 667ec719478996c8daf58a648889bd21a85b0162e7019a56e59ed98008949c32\n",
        )
        .as_bytes(),
    );
    let (out, warnings) = case.go_output();
    assert_eq!(
        out.hashes.record("build fmt").unwrap().inputs,
        Vec::<String>::new()
    );
    assert_eq!(
        warnings,
        vec!["1 malformed gocachehash line(s) (first at line 2); expected `HASH[key]: \"input\"`"]
    );
}

#[test]
fn gocachehash_line_with_bad_escape_is_malformed() {
    let case = Case::new(
        "build.stderr",
        b"HASH[build fmt]\nHASH[build fmt]: \"go\\q\"\nHASH[build fmt]: nothex\nHASH[build fmt\n",
    );
    let (out, warnings) = case.go_output();
    assert_eq!(out.hashes.malformed, 3);
    assert_eq!(
        warnings,
        vec![
            "3 malformed gocachehash line(s) (first at line 2); expected `HASH[key]: \"input\"`",
            "1 hash record(s) have no final sum: the log was cut short",
        ]
    );
}

#[test]
fn xtext_heredoc_never_closed_keeps_its_entries() {
    let case = Case::new(
        "build.stderr",
        b"WORK=/tmp/go-build1\ncat >/tmp/go-build1/b001/importcfg << 'EOF' # internal\npackagefile fmt=$WORK/b002/_pkg_.a\n",
    );
    let (out, _) = case.go_output();
    assert_eq!(
        out.xtrace.importcfgs["b001"][0].source,
        ArchiveSource::Work("b002".into())
    );
}

#[test]

fn xtext_heredoc_never_closed_is_warned() {
    let case = Case::new(
        "build.stderr",
        concat!(
            "WORK=/tmp/go-build1\n",
            "cat >/tmp/go-build1/b001/importcfg << 'EOF' # internal\n",
            "packagefile fmt=$WORK/b002/_pkg_.a\n",
            "/go/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a -p main ./main.go\n",
        )
        .as_bytes(),
    );
    let (_, warnings) = case.go_output();
    // Every later line was swallowed as importcfg content: say so, with the heredoc's line.
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("EOF") && w.contains("line 2")),
        "{warnings:?}"
    );
}

#[test]
fn json_event_stream_cut_mid_line_warns_truncated_and_bad_json() {
    let cut = GO_JSON
        .find("\"Action\":\"build-fail\"")
        .expect("seed has build-fail");
    let case = Case::new("build.jsonl", &GO_JSON.as_bytes()[..cut + 5]);
    let (out, warnings) = case.go_output();
    assert_eq!(out.json_events, 4);
    assert_eq!(out.xtrace.compiles.len(), 1);
    assert_eq!(
        warnings,
        vec![
            "the file ends mid-line at line 5: the build output may be truncated",
            "1 line(s) starting with `{` are not valid JSON events (first at line 5); skipped",
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Binary garbage
// ---------------------------------------------------------------------------------------

#[test]
fn binary_garbage_is_unrecognized_naming_the_path() {
    let case = Case::new("build.jsonl", &garbage(7, 64 * 1024));
    assert_unrecognized(&case.parse_err(), &case.path, GENERIC_REASON);
}

#[test]
fn gzipped_binary_garbage_is_unrecognized() {
    let case = Case::new("build.jsonl.gz", &gzip(&garbage(8, 8192)));
    assert_unrecognized(&case.parse_err(), &case.path, GENERIC_REASON);
}

#[test]
fn binary_garbage_after_an_action_graph_is_parse_error_at_its_line() {
    let mut bytes = ACTIONGRAPH.as_bytes().to_vec();
    bytes.extend(garbage(9, 512));
    let case = Case::new("actiongraph.json", &bytes);
    assert_parse_at(&case.parse_err(), &case.path, InputKind::ActionGraph, 6, 1);
}

#[test]
fn binary_garbage_inside_go_output_is_skipped() {
    let mut bytes = GO_STDERR.as_bytes().to_vec();
    bytes.extend(garbage(10, 2048));
    bytes.extend(b"\n{\x00\xff not json\n");
    bytes.extend(GO_JSON.as_bytes());
    let case = Case::new("build.stderr", &bytes);
    let (out, warnings) = case.go_output();
    assert_eq!(out.json_events, 7);
    assert_eq!(
        out.hashes
            .record("build fmt")
            .unwrap()
            .sum
            .as_deref()
            .map(str::len),
        Some(64)
    );
    assert!(out.bad_json_lines >= 1);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("are not valid JSON events")),
        "{warnings:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Huge lines
// ---------------------------------------------------------------------------------------

const HUGE: usize = 20 * 1024 * 1024;

#[test]
fn line_reader_caps_a_20_mb_line() {
    let mut data = b"first\n".to_vec();
    data.resize(data.len() + HUGE, b'x');
    data.extend(b"\nlast");
    let mut reader = LineReader::new(Cursor::new(data), MAX_LINE_BYTES);
    assert_eq!(reader.next_line().expect("read").expect("line"), b"first");
    let long = reader.next_line().expect("read").expect("line");
    assert_eq!(long.len(), MAX_LINE_BYTES);
    assert_eq!(reader.next_line().expect("read").expect("line"), b"last");
    assert!(!reader.ended_with_newline);
    assert!(reader.next_line().expect("read").is_none());
    assert_eq!(reader.long_lines, 1);
}

#[test]
fn huge_single_line_in_go_output_is_cut_with_warning() {
    let mut bytes =
        b"WORK=/tmp/go-build1\n{\"ImportPath\":\"x\",\"Action\":\"build-output\",\"Output\":\""
            .to_vec();
    bytes.resize(bytes.len() + HUGE, b'a');
    bytes.extend(b"\"}\nHASH[build fmt]\nHASH[build fmt]: \"go1.27.3\"\n");
    let case = Case::new("build.jsonl", &bytes);
    let (out, warnings) = case.go_output();
    // The line after the giant one is still read.
    assert_eq!(
        out.hashes.record("build fmt").unwrap().inputs,
        vec!["go1.27.3"]
    );
    assert_eq!(out.bad_json_lines, 1, "the cut event no longer decodes");
    assert_eq!(
        warnings,
        vec![
            format!("1 line(s) longer than {MAX_LINE_BYTES} bytes were cut"),
            "1 line(s) starting with `{` are not valid JSON events (first at line 2); skipped"
                .to_owned(),
            "1 hash record(s) have no final sum: the log was cut short".to_owned(),
        ]
    );
}

#[test]
fn huge_unterminated_last_line_warns_cut_and_truncated() {
    let mut bytes = b"HASH[build fmt]: \"go1.27.3\"\nWORK=".to_vec();
    bytes.resize(bytes.len() + HUGE, b'/');
    let case = Case::new("build.stderr", &bytes);
    let (out, warnings) = case.go_output();
    assert_eq!(
        out.xtrace.work_dir.as_ref().map(String::len),
        Some(MAX_LINE_BYTES - "WORK=".len())
    );
    assert_eq!(
        warnings,
        vec![
            format!("1 line(s) longer than {MAX_LINE_BYTES} bytes were cut"),
            "the file ends mid-line at line 2: the build output may be truncated".to_owned(),
            "1 hash record(s) have no final sum: the log was cut short".to_owned(),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Non-UTF-8 bytes inside otherwise valid lines
// ---------------------------------------------------------------------------------------

#[test]
fn non_utf8_in_go_output_lines_is_replaced_not_fatal() {
    let case = Case::new(
        "build.stderr",
        b"WORK=/tmp/go-build1\nHASH[build fmt]: \"go1\xff\"\n/go/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a -p caf\xe9 ./caf\xe9.go\n{\"ImportPath\":\"x\xfe\",\"Action\":\"build-fail\"}\n",
    );
    let (out, warnings) = case.go_output();
    assert_eq!(
        out.hashes.record("build fmt").unwrap().inputs,
        vec!["go1\u{fffd}"]
    );
    assert_eq!(out.xtrace.compiles[0].package, "caf\u{fffd}");
    assert_eq!(out.build_failed, vec!["x\u{fffd}"]);
    assert_eq!(
        warnings,
        vec!["1 hash record(s) have no final sum: the log was cut short"]
    );
}

#[test]
fn non_utf8_in_action_graph_is_parse_error_at_its_byte() {
    let case = Case::new(
        "actiongraph.json",
        b"[{\"ID\":1,\"Mode\":\"build\",\n\"Package\":\"fm\xff\"}]",
    );
    assert_parse_at(&case.parse_err(), &case.path, InputKind::ActionGraph, 2, 14);
}

#[test]
fn non_utf8_in_go_env_is_parse_error_at_its_byte() {
    let case = Case::new("go-env.json", b"{\"GOROOT\":\"/usr/\xfflocal/go\"}");
    assert_parse_at(&case.parse_err(), &case.path, InputKind::GoEnv, 1, 17);
}

#[test]
fn non_utf8_in_module_list_keeps_earlier_modules_and_warns() {
    let mut bytes = MODULES.as_bytes().to_vec();
    bytes.extend(b"{\"Path\":\"example.org/\xff\"}\n");
    let case = Case::new("modules.json", &bytes);
    let (_, parsed, warnings) = case.parse_ok();
    let Parsed::GoModules(modules) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(modules.len(), 2);
    assert!(
        warnings[0].starts_with("module list cut at line 10, column 22: "),
        "{warnings:?}"
    );
}

#[test]
fn non_utf8_in_modules_txt_is_replaced() {
    let case = Case::new(
        "modules.txt",
        b"# example.org/fmtx v1.1.0\n## explicit\nexample.org/fmtx/\xff\n",
    );
    let (_, parsed, warnings) = case.parse_ok();
    let Parsed::ModulesTxt(modules) = parsed else {
        panic!("{parsed:?}")
    };
    assert_eq!(modules[0].packages, vec!["example.org/fmtx/\u{fffd}"]);
    assert!(warnings.is_empty());
}

// ---------------------------------------------------------------------------------------
// CRLF line endings
// ---------------------------------------------------------------------------------------

#[test]
fn crlf_go_output_parses_like_lf() {
    for (name, text) in [("build.stderr", GO_STDERR), ("build.jsonl", GO_JSON)] {
        let (lf, lf_warnings) = Case::new(name, text.as_bytes()).go_output();
        let (cr, cr_warnings) = Case::new(name, crlf(text).as_bytes()).go_output();
        assert_eq!(cr_warnings, lf_warnings, "{name}");
        assert_eq!(cr.json_events, lf.json_events, "{name}");
        assert_eq!(cr.xtrace.compiles, lf.xtrace.compiles, "{name}");
        assert_eq!(cr.xtrace.links, lf.xtrace.links, "{name}");
        assert_eq!(cr.xtrace.importcfgs, lf.xtrace.importcfgs, "{name}");
        assert_eq!(cr.xtrace.work_dir, lf.xtrace.work_dir, "{name}");
        assert_eq!(cr.hashes.records, lf.hashes.records, "{name}");
        assert_eq!(cr.hashes.malformed, 0, "{name}");
    }
}

#[test]
fn crlf_json_and_text_formats_parse_like_lf() {
    for &(name, text, kind) in SEEDS {
        let (lf_kind, lf, lf_warnings) = Case::new(name, text.as_bytes()).parse_ok();
        let (cr_kind, cr, cr_warnings) = Case::new(name, crlf(text).as_bytes()).parse_ok();
        assert_eq!((lf_kind, cr_kind), (kind, kind), "{name}");
        assert_eq!(cr_warnings, lf_warnings, "{name}");
        if kind != InputKind::GoOutput {
            assert_eq!(format!("{cr:?}"), format!("{lf:?}"), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Gzip
// ---------------------------------------------------------------------------------------

#[test]
fn every_seed_gzipped_parses_like_plain() {
    for &(name, text, kind) in SEEDS {
        let (_, plain, plain_warnings) = Case::new(name, text.as_bytes()).parse_ok();
        let (gz_kind, gz, gz_warnings) =
            Case::new(&format!("{name}.gz"), &gzip(text.as_bytes())).parse_ok();
        assert_eq!(gz_kind, kind, "{name}");
        assert!(
            plain_warnings.is_empty() || kind == InputKind::GoOutput,
            "{name}: {plain_warnings:?}"
        );
        assert_eq!(gz_warnings, plain_warnings, "{name}");
        if kind != InputKind::GoOutput {
            assert_eq!(format!("{gz:?}"), format!("{plain:?}"), "{name}");
        }
    }
}

#[test]
fn concatenated_gzip_members_are_read_whole() {
    let (first, second) = GO_STDERR.split_at(GO_STDERR.find("mkdir").expect("seed has mkdir"));
    let mut bytes = gzip(first.as_bytes());
    bytes.extend(gzip(second.as_bytes()));
    let (out, _) = Case::new("build.stderr.gz", &bytes).go_output();
    assert_eq!(out.xtrace.compiles.len(), 1);
    assert_eq!(out.hashes.records.len(), 2);
}

#[test]
fn truncated_gzip_is_io_error_naming_the_path() {
    let full = gzip(ACTIONGRAPH.as_bytes());
    let case = Case::new("actiongraph.json.gz", &full[..full.len() / 2]);
    let e = case.parse_err();
    let IngestError::Io { path, source } = &e else {
        panic!("expected Io, got {e:?}")
    };
    assert_eq!(path, &case.path);
    assert_eq!(source.kind(), std::io::ErrorKind::UnexpectedEof);
    // The message names the file; the cause is its source, said once in the chain.
    assert_eq!(
        goattrib::model::error_chain(&e),
        format!(
            "failed to read `{}`: incomplete deflate stream",
            case.path.display()
        )
    );
}

#[test]
fn gzip_magic_alone_is_io_error() {
    let case = Case::new("build.jsonl.gz", b"\x1f\x8b");
    let e = case.parse_err();
    let IngestError::Io { source, .. } = &e else {
        panic!("expected Io, got {e:?}")
    };
    assert_eq!(source.kind(), std::io::ErrorKind::UnexpectedEof);
}

#[test]

fn truncated_gzip_go_output_keeps_what_was_read_and_warns() {
    // Big enough that the sniffing head decompresses fine and the cut comes later.
    let text = GO_STDERR.repeat(2000);
    let full = gzip(text.as_bytes());
    let case = Case::new("build.stderr.gz", &full[..full.len() * 3 / 4]);
    let (out, warnings) = case.go_output();
    assert!(out.xtrace.compiles.len() > 100);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("gzip") && w.contains("truncated")),
        "{warnings:?}"
    );
}

// ---------------------------------------------------------------------------------------
// UTF-8 byte order marks: sniffing skips them, so the parsers must too
// ---------------------------------------------------------------------------------------

#[test]

fn utf8_bom_before_go_env_is_skipped() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(GO_ENV.as_bytes());
    let (kind, _, warnings) = Case::new("go-env.json", &bytes).parse_ok();
    assert_eq!(kind, InputKind::GoEnv);
    assert!(warnings.is_empty());
}

#[test]

fn utf8_bom_before_action_graph_is_skipped() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(ACTIONGRAPH.as_bytes());
    let (kind, _, _) = Case::new("actiongraph.json", &bytes).parse_ok();
    assert_eq!(kind, InputKind::ActionGraph);
}

#[test]

fn utf8_bom_before_json_events_keeps_the_first_event() {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(GO_JSON.as_bytes());
    let (out, _) = Case::new("build.jsonl", &bytes).go_output();
    assert_eq!(out.json_events, 7);
    assert_eq!(out.xtrace.work_dir.as_deref(), Some("/tmp/go-build123"));
}

// ---------------------------------------------------------------------------------------
// Error message shape
// ---------------------------------------------------------------------------------------

#[test]

fn parse_error_message_states_the_position_once() {
    let case = Case::new(
        "actiongraph.json",
        br#"[{"ID":1,"Mode":"build","Package":"fm"#,
    );
    let text = case.parse_err().to_string();
    assert_eq!(
        text,
        format!(
            "failed to parse `{}` as -debug-actiongraph JSON at line 1, column 37: EOF while parsing a string",
            case.path.display()
        )
    );
}

// ---------------------------------------------------------------------------------------
// Analysis on hostile values: the report must not panic on numbers that do not fit
// ---------------------------------------------------------------------------------------

fn report_of(graph: &str) -> goattrib::model::Report {
    let case = Case::new("actiongraph.json", graph.as_bytes());
    let inputs = goattrib::ingest::load(std::slice::from_ref(&case.path)).expect("load");
    assert!(inputs.errors.is_empty(), "{:?}", inputs.errors);
    goattrib::analysis::report(inputs, None)
}

#[test]

fn action_spanning_six_centuries_does_not_panic() {
    let report = report_of(
        r#"[{"ID":1,"Mode":"build","Package":"fmt","Cmd":["c"],"TimeStart":"1680-01-01T00:00:00Z","TimeDone":"2260-01-01T00:00:00Z"}]"#,
    );
    assert_eq!(report.actions.len(), 1);
}

#[test]

fn cpu_times_at_i64_max_do_not_panic() {
    let report = report_of(
        r#"[{"ID":1,"Mode":"build","Package":"fmt","Cmd":["c"],"CmdUser":9223372036854775807,"CmdSys":1}]"#,
    );
    assert_eq!(report.actions.len(), 1);
}

#[test]

fn chained_durations_that_overflow_do_not_panic() {
    let report = report_of(concat!(
        r#"[{"ID":1,"Mode":"build","Package":"a.b/x","Deps":[2],"Cmd":["c"],"TimeStart":"1970-01-01T00:00:00Z","TimeDone":"2262-01-01T00:00:00Z"},"#,
        r#"{"ID":2,"Mode":"build","Package":"a.b/y","Cmd":["c"],"TimeStart":"1970-01-01T00:00:00Z","TimeDone":"2262-01-01T00:00:00Z"}]"#,
    ));
    assert_eq!(report.actions.len(), 2);
}

#[test]

fn trace_timestamps_in_nanoseconds_do_not_panic() {
    // A trace written in nanoseconds instead of microseconds: `ts * 1000` saturates to i64::MAX.
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = r#"[{"ID":1,"Mode":"build","Package":"a.b/x","Cmd":["c"]},{"ID":2,"Mode":"build","Package":"a.b/y","Cmd":["c"]}]"#;
    let trace = concat!(
        r#"[{"name":"Executing action (build a.b/x)","ph":"B","ts":1767225600000000000,"tid":1}"#,
        r#",{"name":"Executing action (build a.b/x)","ph":"E","ts":1767225601000000000,"tid":1}"#,
        r#",{"name":"Executing action (build a.b/y)","ph":"B","ts":0,"tid":2}"#,
        r#",{"name":"Executing action (build a.b/y)","ph":"E","ts":1,"tid":2}]"#,
    );
    std::fs::write(dir.path().join("actiongraph.json"), graph).expect("write");
    std::fs::write(dir.path().join("trace.json"), trace).expect("write");
    let inputs = goattrib::ingest::load(&[dir.path().to_path_buf()]).expect("load");
    assert!(inputs.errors.is_empty(), "{:?}", inputs.errors);
    let report = goattrib::analysis::report(inputs, None);
    assert_eq!(report.actions.len(), 2);
}

// ---------------------------------------------------------------------------------------
// Mini-fuzz: mutated seeds through every parser; nothing may panic
// ---------------------------------------------------------------------------------------

/// Mutations per seed; `GOATTRIB_FUZZ_ROUNDS=20000` runs a longer (still deterministic) hunt.
fn rounds(default: usize) -> usize {
    std::env::var("GOATTRIB_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Bytes that matter to some parser: JSON and Go-quote syntax, line breaks, markers.
#[rustfmt::skip]
const TOKENS: &[&[u8]] = &[
    b"{", b"}", b"[", b"]", b"\"", b"\\", b"\\x", b"\\u", b"\\U0011", b",", b":",
    b"\n", b"\r\n", b"\x00", b"\xff", b"\xe9", b"\xef\xbb\xbf", b"'",
    b"HASH[", b"]: ", b"EOF", b"$WORK/", b"cat >$WORK/b001/importcfg << 'EOF'",
    b"packagefile ", b".go:", b"# ", b"-o",
];

fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 => b.truncate(at),
            1 => {
                if at < b.len() {
                    b[at] ^= 1 << rng.below(8);
                }
            }
            2 => {
                if at < b.len() {
                    b[at] = rng.next() as u8;
                }
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                b.splice(at..at, token.iter().copied());
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                if at < end {
                    b.drain(at..end);
                }
            }
            _ => {
                let end = (at + rng.below(128)).min(b.len());
                let copy = b[at..end].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, copy);
            }
        }
    }
    b
}

/// Feeds bytes to every parser directly, as lines where the parser is line-fed.
fn feed_every_parser(bytes: &[u8]) {
    let _ = sniff(bytes);
    let _ = actiongraph::parse(bytes);
    let _ = chrome_trace::parse(bytes);
    let _ = go_env::parse(bytes);
    let _ = go_modules::parse(bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = modules_txt::parse(&text);
    let mut output = GoOutputBuilder::default();
    let mut hashes = HashLogBuilder::default();
    let mut xtext = XTextBuilder::default();
    let mut lines = LineReader::new(Cursor::new(bytes), 97);
    let mut line_no = 0;
    while let Some(line) = lines.next_line().expect("reading memory cannot fail") {
        line_no += 1;
        let line = String::from_utf8_lossy(line);
        output.feed(&line);
        if !hashes.feed(&line, line_no) {
            xtext.feed(&line, Some("example.com/m"), line_no);
        }
    }
    let _ = output.finish();
    let _ = hashes.finish();
    let _ = xtext.finish();
}

#[test]
fn fuzz_every_parser_on_mutated_seeds() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for &(_, text, _) in SEEDS {
        for _ in 0..rounds(300) {
            feed_every_parser(&mutate(&mut rng, text.as_bytes()));
        }
    }
}

#[test]
fn fuzz_parse_file_on_mutated_seeds() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let dir = tempfile::tempdir().expect("temp dir");
    for &(name, text, _) in SEEDS {
        for i in 0..rounds(300) {
            // A fresh name each time: overwriting a file makes ext4 flush it (auto_da_alloc).
            let path = dir.path().join(format!("{i}-{name}"));
            let mut bytes = mutate(&mut rng, text.as_bytes());
            if i % 5 == 0 {
                // Gzip some, and cut some of those.
                bytes = gzip(&bytes);
                if i % 10 == 0 {
                    bytes.truncate(rng.below(bytes.len() + 1));
                }
            }
            std::fs::write(&path, &bytes).expect("write input");
            if let Err(e) = parse_file(&path) {
                let text = e.to_string();
                assert!(!text.contains('\n'), "multi-line error: {text:?}");
                assert!(text.contains(&format!("`{}`", path.display())), "{text}");
            }
        }
    }
}

#[test]
fn fuzz_report_on_mutated_bundles() {
    // Whole bundles through load, analysis and the JSON renderer, one mutated file each.
    let mut rng = Rng(0xdead_beef_cafe_f00d);
    let bundle = |mutated: Option<(usize, &[u8])>| {
        let dir = tempfile::tempdir().expect("temp dir");
        for (i, &(name, text, _)) in SEEDS.iter().enumerate() {
            let bytes = match mutated {
                Some((at, bytes)) if at == i => bytes,
                _ => text.as_bytes(),
            };
            std::fs::write(dir.path().join(name), bytes).expect("write input");
        }
        dir
    };
    let baseline = bundle(None);
    for round in 0..rounds(60) {
        let at = round % SEEDS.len();
        let bytes = mutate(&mut rng, SEEDS[at].1.as_bytes());
        let current = bundle(Some((at, &bytes)));
        let inputs = goattrib::ingest::load(&[current.path().to_path_buf()]).expect("load bundle");
        let base = goattrib::ingest::load(&[baseline.path().to_path_buf()]).expect("load baseline");
        let report = goattrib::analysis::report(inputs, Some(base));
        let mut out = Vec::new();
        goattrib::render::json::write(&report, &mut out).expect("render into memory");
    }
}

// ---------------------------------------------------------------------------------------
// CLI end to end
// ---------------------------------------------------------------------------------------

fn stderr_lines(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// One error line naming `path`; any further lines are indented `caused by:` / `hint:`.
fn assert_one_error_line(output: &std::process::Output, path: &Path) {
    let lines = stderr_lines(output);
    assert!(!lines.is_empty(), "no stderr");
    assert!(lines[0].starts_with("goattrib: error: "), "{lines:?}");
    assert!(
        lines[0].contains(&format!("`{}`", path.display())),
        "{lines:?}"
    );
    for extra in &lines[1..] {
        assert!(
            extra.starts_with("  caused by: ") || extra.starts_with("  hint: "),
            "{lines:?}"
        );
    }
}

#[test]
fn cli_report_on_empty_file_exits_2_naming_it() {
    let case = Case::new("build.jsonl", b"");
    let output = bin().arg("report").arg(&case.path).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output, &case.path);
    assert_eq!(
        stderr_lines(&output)[0],
        format!(
            "goattrib: error: no usable input among 1 file(s): failed to recognise `{}`: the file is empty",
            case.path.display()
        )
    );
}

#[test]
fn cli_report_on_nonexistent_path_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-bundle");
    let output = bin().arg("report").arg(&missing).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_one_error_line(&output, &missing);
    assert!(
        stderr_lines(&output)[0].contains("failed to read"),
        "{:?}",
        stderr_lines(&output)
    );
}

#[test]
fn cli_report_on_empty_directory_exits_2_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = bin().arg("report").arg(dir.path()).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output, dir.path());
    assert_eq!(
        stderr_lines(&output)[0],
        format!(
            "goattrib: error: no input files in `{}`",
            dir.path().display()
        )
    );
}

#[test]
fn cli_report_on_garbage_only_exits_2() {
    let case = Case::new("build.jsonl", &garbage(11, 1000));
    let output = bin().arg("report").arg(&case.path).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output, &case.path);
}

#[test]
fn cli_report_on_truncated_action_graph_exits_2_with_position() {
    let case = Case::new(
        "actiongraph.json",
        br#"[{"ID":1,"Mode":"build","Package":"fm"#,
    );
    let output = bin().arg("report").arg(&case.path).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    assert_one_error_line(&output, &case.path);
    assert!(
        stderr_lines(&output)[0].contains("at line 1, column 37"),
        "{:?}",
        stderr_lines(&output)
    );
}

fn good_and_garbage_bundle() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("actiongraph.json"), GOOD_GRAPH).expect("write");
    std::fs::write(dir.path().join("junk.bin"), garbage(12, 1000)).expect("write");
    dir
}

#[test]
fn cli_report_on_good_and_garbage_exits_1_with_report() {
    let dir = good_and_garbage_bundle();
    let junk = dir.path().join("junk.bin");
    let output = bin()
        .args(["report", "--width", "100"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("fmt"), "{stdout}");
    assert!(
        stdout.contains(&format!("failed to recognise `{}`", junk.display())),
        "{stdout}"
    );
}

#[test]
fn cli_report_json_parses_and_carries_schema_and_warning() {
    let dir = good_and_garbage_bundle();
    let junk = dir.path().join("junk.bin");
    let output = bin()
        .args(["report", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert_eq!(json["schema"], "goattrib.report/v1");
    assert_eq!(json["summary"]["packages"]["hits"], 1);
    let warnings = json["warnings"].as_array().expect("warnings array");
    let expected = format!("failed to recognise `{}`", junk.display());
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.starts_with(&expected))),
        "{warnings:?}"
    );
}

#[test]
fn cli_report_with_a_missing_file_beside_a_good_one_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = dir.path().join("actiongraph.json");
    std::fs::write(&good, GOOD_GRAPH).expect("write");
    let missing = dir.path().join("build.jsonl");
    let output = bin()
        .args(["report", "--format", "json"])
        .arg(&good)
        .arg(&missing)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let expected = format!("failed to read `{}`", missing.display());
    assert!(
        json["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.starts_with(&expected))),
        "{json}"
    );
}

#[test]
fn cli_report_on_truncated_log_exits_0_with_warning() {
    // A readable but truncated log is not an unreadable input: a full report, with a warning.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("actiongraph.json"), GOOD_GRAPH).expect("write");
    let cut = GO_JSON
        .find("\"Action\":\"build-fail\"")
        .expect("seed has build-fail");
    std::fs::write(dir.path().join("build.jsonl"), &GO_JSON[..cut + 5]).expect("write");
    let output = bin()
        .args(["report", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let log = dir.path().join("build.jsonl");
    let expected = format!("{}: the file ends mid-line at line 5", log.display());
    assert!(
        json["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .any(|w| w.as_str().is_some_and(|w| w.starts_with(&expected))),
        "{json}"
    );
}

/// A scenario bundle gunzipped into a temporary directory, each file passed through `edit`
/// (its plain name and bytes) on the way.
fn unpacked_scenario(name: &str, edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> TempDir {
    let src = scenario(name);
    let dir = TempDir::new().unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let plain = path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches(".gz")
            .to_owned();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::MultiGzDecoder::new(std::fs::File::open(&path).unwrap()),
            &mut bytes,
        )
        .unwrap();
        std::fs::write(dir.path().join(&plain), edit(&plain, bytes)).unwrap();
    }
    dir
}

/// With an action graph in the bundle, the `-x` text is read only for compiler messages;
/// when that graph turns out unreadable, the `-x` text is read in full and still gives the
/// build (a cut graph must not cost the whole report).
#[test]
fn a_cut_action_graph_falls_back_to_the_x_text() {
    let dir = unpacked_scenario("edit-propagates", |name, mut bytes| {
        if name == "actiongraph.json" {
            bytes.truncate(bytes.len() / 2);
        }
        bytes
    });
    let inputs = goattrib::ingest::load(&[dir.path().to_owned()]).unwrap();
    assert_eq!(inputs.errors.len(), 1, "the cut graph is reported");
    assert!(inputs.action_graph.is_none());
    let report = goattrib::analysis::report(inputs, None);
    let mut missed: Vec<&str> = report
        .actions
        .iter()
        .filter(|a| a.mode == "build" && a.cache == goattrib::model::CacheOutcome::Miss)
        .map(|a| a.package.as_str())
        .collect();
    missed.sort_unstable();
    assert_eq!(
        missed,
        [
            "example.com/shop/cmd/shop",
            "example.com/shop/internal/cart",
            "example.com/shop/internal/money",
            "example.com/shop/internal/report",
        ]
    );
}

/// A plain trace.json is read only at its two ends for the command's span (the wall time);
/// the answer must be the one a full read gives, and a trace whose end was cut must still
/// be read in full (its unclosed spans reported).
#[test]
fn a_large_plain_trace_is_read_at_its_ends_with_the_same_wall_time() {
    let src = scenario("edit-propagates");
    let expected = goattrib::analysis::report(
        goattrib::ingest::load(std::slice::from_ref(&src)).unwrap(),
        None,
    )
    .build
    .wall_ms
    .expect("wall time");
    let unpack = |cut_end: bool| -> TempDir {
        unpacked_scenario("edit-propagates", |name, bytes| {
            if name != "trace.json" {
                return bytes;
            }
            // Pad the middle with other events, far past the two 64 KiB windows.
            let text = String::from_utf8(bytes).unwrap();
            // After `[` and the first event: the filler events start with a comma.
            let second = text.match_indices('\n').nth(1).unwrap().0;
            let (head, rest) = text.split_at(second + 1);
            let filler =
                ",{\"name\":\"filler\",\"ph\":\"i\",\"ts\":1,\"pid\":0,\"tid\":9}\n".repeat(8_000);
            let mut padded = format!("{head}{filler}{rest}");
            if cut_end {
                // A killed build: the last events (the span's end among them) never written.
                for _ in 0..3 {
                    let keep = padded.trim_end().rfind('\n').unwrap();
                    padded.truncate(keep);
                }
                assert!(!padded.ends_with(']'));
            }
            assert!(padded.len() > 300 * 1024);
            padded.into_bytes()
        })
    };
    let whole = unpack(false);
    let r = goattrib::analysis::report(
        goattrib::ingest::load(&[whole.path().to_owned()]).unwrap(),
        None,
    );
    assert_eq!(r.build.wall_ms, Some(expected));

    let cut = unpack(true);
    let inputs = goattrib::ingest::load(&[cut.path().to_owned()]).unwrap();
    assert!(
        inputs
            .warnings
            .iter()
            .any(|w| w.to_string().contains("never ended")),
        "{:?} {:?}",
        inputs.warnings,
        inputs.errors
    );
}
