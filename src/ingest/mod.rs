//! Input formats: one parser module per format, each returning a typed model, plus the
//! registry that recognises a file's format from its content (never its name), opens
//! gzip transparently and loads independent files in parallel.
//!
//! Not for analysis: nothing here decides hits, misses or causes (that is `dag`).

pub mod actiongraph;
pub mod chrome_trace;
pub mod gitlab_trace;
pub mod go_env;
pub mod go_modules;
pub mod go_output;
pub(crate) mod gostring;
pub mod hashlog;
pub mod history;
mod lines;
pub mod modules_txt;
pub(crate) mod timestamp;
pub mod xtext;

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

pub use lines::LineReader;

/// Action modes of `cmd/go/internal/work` (and `test`), longest first so that a prefix
/// match picks `build check cache` over `build`. Modes contain spaces.
pub const KNOWN_MODES_LONGEST_FIRST: &[&str] = &[
    "write coverage meta-data file",
    "go install -buildmode=shared",
    "go build -buildmode=shared",
    "preprocess PGO profile",
    "test print (nop)",
    "build check cache",
    "go install (tools)",
    "built-in package",
    "build-install",
    "link-install",
    "install header",
    "shlib packages",
    "swigDoIntSize",
    "collect cgo",
    "cgo compile",
    "gccgo stdlib",
    "test barrier",
    "test build",
    "test clean",
    "test print",
    "go install",
    "go build",
    "go test",
    "go tool",
    "go run",
    "shlibname",
    "testmain",
    "test run",
    "cgo run",
    "atomic",
    "build",
    "cover",
    "link",
    "nop",
    "set",
    "vet",
];

/// What a file holds, decided from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputKind {
    /// `go build -json` / `go test -json` events, `-x` text and/or `gocachehash` lines.
    GoOutput,
    ActionGraph,
    ChromeTrace,
    GoEnv,
    GoModules,
    ModulesTxt,
    GitLabTrace,
    /// The bundle's `command` file: the Go command line that ran.
    Command,
    /// The bundle's `exit_code` file.
    ExitCode,
    /// A goattrib input manifest (`manifest.json.gz`, see [`crate::manifest`]).
    Manifest,
}

impl InputKind {
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::GoOutput => "Go command output (-json events, -x text, gocachehash)",
            InputKind::ActionGraph => "-debug-actiongraph JSON",
            InputKind::ChromeTrace => "-debug-trace Chrome trace",
            InputKind::GoEnv => "go env -json",
            InputKind::GoModules => "go list -m -json",
            InputKind::ModulesTxt => "vendor/modules.txt",
            InputKind::GitLabTrace => "GitLab job trace",
            InputKind::Command => "recorded command line",
            InputKind::ExitCode => "recorded exit code",
            InputKind::Manifest => "goattrib manifest",
        }
    }
}

#[derive(Debug, Error)]
pub enum IngestError {
    #[error("failed to read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to recognise `{path}`: {reason}")]
    Unrecognized { path: PathBuf, reason: String },
    #[error("failed to parse `{path}` as {kind} at line {line}, column {column}: {message}")]
    /// `message` is serde's, without its own position.
    Parse {
        path: PathBuf,
        kind: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no input files in `{path}`")]
    EmptyBundle { path: PathBuf },
    #[error("failed to read `{path}` as a goattrib manifest: {source}")]
    Manifest {
        path: PathBuf,
        #[source]
        source: crate::manifest::ManifestError,
    },
}

/// A warning about one input, shown in every output.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    pub source: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.source.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.source, self.message)
        }
    }
}

/// One parsed file.
#[derive(Debug)]
pub enum Parsed {
    GoOutput(Box<go_output::GoOutput>),
    ActionGraph(actiongraph::ActionGraph),
    ChromeTrace(chrome_trace::ChromeTrace),
    GoEnv(go_env::GoEnv),
    GoModules(Vec<go_modules::GoModule>),
    ModulesTxt(Vec<modules_txt::VendoredModule>),
    /// A job trace, and the Go output its script printed (when it was read for it).
    GitLabTrace(
        Box<gitlab_trace::JobTrace>,
        Option<Box<go_output::GoOutput>>,
    ),
    Command(String),
    ExitCode(i32),
    Manifest(Box<crate::dag::BuildData>),
}

/// Everything read from the inputs of one build (a bundle directory and/or loose files).
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<(PathBuf, InputKind)>,
    pub go_output: Vec<go_output::GoOutput>,
    pub action_graph: Option<actiongraph::ActionGraph>,
    pub chrome_trace: Option<chrome_trace::ChromeTrace>,
    pub go_env: Option<go_env::GoEnv>,
    pub modules: Vec<go_modules::GoModule>,
    pub vendored: Vec<modules_txt::VendoredModule>,
    pub job_traces: Vec<gitlab_trace::JobTrace>,
    /// Go output printed inside the job logs: the build's only record when no bundle file
    /// describes it.
    pub job_go_output: Vec<go_output::GoOutput>,
    pub command: Option<String>,
    pub exit_code: Option<i32>,
    /// A manifest, kept only when no bundle file describes the build (the files are the truth).
    pub manifest: Option<Box<crate::dag::BuildData>>,
    pub warnings: Vec<Warning>,
    /// Files that could not be read; the others are still analysed.
    pub errors: Vec<IngestError>,
}

const EMPTY: &str = "the file is empty";

/// How many bytes are looked at to recognise a format.
const SNIFF_BYTES: usize = 64 * 1024;
/// A line longer than this is cut (and counted); keeps memory bounded on garbage input.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The files of one directory, sorted by name, hidden ones (temporaries of an atomic write)
/// left out.
pub fn dir_files(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            // `ci.json` is the job's CI metadata (read by `history add`), not build evidence.
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == crate::model::history::CI_META_FILE)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Expands directories (bundles) into their files, sorted, so output never depends on
/// directory order. Hidden files are skipped.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = dir_files(path)?;
            if found.is_empty() {
                return Err(IngestError::EmptyBundle { path: path.clone() });
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Opens a file, decompressing gzip when the magic bytes say so.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = BufReader::with_capacity(256 * 1024, File::open(path).map_err(io)?);
    let gz = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    if gz {
        let decoder = flate2::bufread::MultiGzDecoder::new(file);
        Ok(Box::new(BufReader::with_capacity(256 * 1024, decoder)))
    } else {
        Ok(Box::new(file))
    }
}

/// Recognises a format from the start of a file's (decompressed) content.
pub fn sniff(head: &[u8]) -> Option<InputKind> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return None;
    }
    if crate::manifest::sniff(text) {
        return Some(InputKind::Manifest);
    }
    if gitlab_trace::sniff(head) {
        return Some(InputKind::GitLabTrace);
    }
    if let Some(rest) = text.strip_prefix('[') {
        let rest = rest.trim_start();
        if rest.starts_with(']') || rest.contains("\"Mode\"") {
            return Some(InputKind::ActionGraph);
        }
        if rest.contains("\"ph\"") {
            return Some(InputKind::ChromeTrace);
        }
        return None;
    }
    if go_output::sniff(text) {
        return Some(InputKind::GoOutput);
    }
    if go_env::sniff(text) {
        return Some(InputKind::GoEnv);
    }
    if go_modules::sniff(text) {
        return Some(InputKind::GoModules);
    }
    if modules_txt::sniff(text) {
        return Some(InputKind::ModulesTxt);
    }
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    if lines.all(|l| l.trim().is_empty()) {
        if first.parse::<i32>().is_ok() {
            return Some(InputKind::ExitCode);
        }
        let program = first.split_whitespace().next().unwrap_or("");
        let stem = Path::new(program).file_stem().and_then(|s| s.to_str());
        if stem == Some("go") && first.contains(' ') {
            return Some(InputKind::Command);
        }
    }
    None
}

/// What the other files of the same build make unnecessary to parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// An action graph is present: a Chrome trace only needs its command span.
    pub trace_wall_only: bool,
    /// Bundle files describe the build: a job trace's script output is not needed
    /// (the bundle is the truth), so it is not kept.
    pub skip_job_script: bool,
    /// An action graph is present: it gives the actions, hits and misses, so the `-x` text
    /// in the Go output is read only for the compiler's messages.
    pub x_diagnostics_only: bool,
}

/// Reads and parses one file.
pub fn parse_file(path: &Path) -> Result<(InputKind, Parsed, Vec<Warning>), IngestError> {
    parse_file_with(path, ParseOptions::default())
}

/// The kind of a file from its first bytes, without parsing it.
fn sniff_path(path: &Path) -> Option<InputKind> {
    let head = read_head(path)?;
    sniff(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head))
}

/// The first bytes of a file, decompressed: what recognising its format looks at.
pub(crate) fn read_head(path: &Path) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    open(path)
        .ok()?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

/// Reads and parses one file, skipping work `opts` says is not needed.
pub fn parse_file_with(
    path: &Path,
    opts: ParseOptions,
) -> Result<(InputKind, Parsed, Vec<Warning>), IngestError> {
    let mut reader = open(path)?;
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    // Sniff on the decompressed head without consuming it: read it into a buffer,
    // then chain it in front of the rest of the stream.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    // A UTF-8 byte order mark is not part of any of these formats.
    if head.starts_with(b"\xef\xbb\xbf") {
        head.drain(..3);
    }
    let Some(kind) = sniff(&head) else {
        let reason = if head.iter().all(u8::is_ascii_whitespace) {
            EMPTY.to_owned()
        } else {
            "expected Go build output (-json/-x/gocachehash), an action graph, a Chrome trace, \
             go env -json, go list -m -json, vendor/modules.txt or a GitLab job trace"
                .to_owned()
        };
        return Err(IngestError::Unrecognized {
            path: path.to_owned(),
            reason,
        });
    };
    // `Chain` of two `BufRead`s is itself one: no extra buffer, no extra copy.
    let mut reader: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(head).chain(reader));
    let source = path.display().to_string();
    let mut warnings = Vec::new();
    let parse_err = |kind: InputKind, e: serde_json::Error| IngestError::Parse {
        path: path.to_owned(),
        kind: kind.describe(),
        line: e.line(),
        column: e.column(),
        message: serde_message(&e),
    };
    let whole = |reader: &mut Box<dyn BufRead + Send>| -> Result<Vec<u8>, IngestError> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    };
    let parsed = match kind {
        InputKind::GoOutput => {
            let mut builder = if opts.x_diagnostics_only {
                go_output::GoOutputBuilder::diagnostics_only()
            } else {
                go_output::GoOutputBuilder::default()
            };
            let mut lines = LineReader::new(&mut reader, MAX_LINE_BYTES);
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
                        warnings.push(Warning {
                            source: source.clone(),
                            message: format!(
                                "the stream is truncated (gzip or read error: {e}); kept the lines read before it"
                            ),
                        });
                        break;
                    }
                    Err(_) => continue,
                }
            }
            let out = builder.finish();
            if let Some(line) = out.xtrace.unclosed_heredoc {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "the -x heredoc opened at line {line} never closed (no `EOF`): later lines were read as its content"
                    ),
                });
            }
            if lines.long_lines > 0 {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "{} line(s) longer than {} bytes were cut",
                        lines.long_lines, MAX_LINE_BYTES
                    ),
                });
            }
            if !lines.ended_with_newline && out.lines > 0 {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "the file ends mid-line at line {}: the build output may be truncated",
                        out.lines
                    ),
                });
            }
            if let Some(line) = out.first_bad_json_line {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "{} line(s) starting with `{{` are not valid JSON events (first at line {line}); skipped",
                        out.bad_json_lines
                    ),
                });
            }
            if let Some(line) = out.hashes.first_malformed_line {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "{} malformed gocachehash line(s) (first at line {line}); expected `HASH[key]: \"input\"`",
                        out.hashes.malformed
                    ),
                });
            }
            let incomplete = out.hashes.incomplete();
            if incomplete > 0 {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "{incomplete} hash record(s) have no final sum: the log was cut short"
                    ),
                });
            }
            Parsed::GoOutput(Box::new(out))
        }
        InputKind::ActionGraph => Parsed::ActionGraph(
            actiongraph::parse(&whole(&mut reader)?).map_err(|e| parse_err(kind, e))?,
        ),
        InputKind::ChromeTrace => {
            let quick = if opts.trace_wall_only {
                match chrome_trace::command_span_at_ends(path).map_err(io)? {
                    Some(span) => Some(span),
                    None => chrome_trace::scan_command_span(&mut reader).map_err(io)?,
                }
            } else {
                None
            };
            let trace = match quick {
                Some(t) => t,
                None => {
                    // The scan read the stream: read the file again, in full.
                    let bytes = if opts.trace_wall_only {
                        whole(&mut open(path)?)?
                    } else {
                        whole(&mut reader)?
                    };
                    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                    chrome_trace::parse(bytes).map_err(|e| parse_err(kind, e))?
                }
            };
            if trace.unclosed > 0 {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "{} trace span(s) never ended: the build was cut short",
                        trace.unclosed
                    ),
                });
            }
            Parsed::ChromeTrace(trace)
        }
        InputKind::GoEnv => {
            Parsed::GoEnv(go_env::parse(&whole(&mut reader)?).map_err(|e| parse_err(kind, e))?)
        }
        InputKind::GoModules => {
            let (modules, err) = go_modules::parse(&whole(&mut reader)?);
            if let Some(e) = err {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "module list cut at line {}, column {}: {}; kept {} module(s)",
                        e.line(),
                        e.column(),
                        serde_message(&e),
                        modules.len()
                    ),
                });
            }
            Parsed::GoModules(modules)
        }
        InputKind::ModulesTxt => Parsed::ModulesTxt(modules_txt::parse(&String::from_utf8_lossy(
            &whole(&mut reader)?,
        ))),
        InputKind::GitLabTrace => {
            let trace_opts = gitlab_trace::ParseOptions {
                keep_script_lines: false,
            };
            // The job's output is read for Go's output as it streams, unless a bundle
            // file describes the build (the bundle is then the truth).
            let mut go = (!opts.skip_job_script).then(go_output::GoOutputBuilder::default);
            let parsed = match go.as_mut() {
                Some(builder) => gitlab_trace::parse_streaming(reader, &trace_opts, &mut |line| {
                    builder.feed(line)
                }),
                None => gitlab_trace::parse_with(reader, &trace_opts),
            };
            let trace = parsed.map_err(|e| IngestError::Unrecognized {
                path: path.to_owned(),
                reason: e.to_string(),
            })?;
            warnings.extend(trace.warnings.iter().map(|m| Warning {
                source: source.clone(),
                message: m.clone(),
            }));
            let go = go.map(|b| b.finish()).filter(|o| !o.is_empty());
            Parsed::GitLabTrace(Box::new(trace), go.map(Box::new))
        }
        InputKind::Manifest => Parsed::Manifest(Box::new(
            crate::manifest::read(&whole(&mut reader)?).map_err(|source| {
                IngestError::Manifest {
                    path: path.to_owned(),
                    source,
                }
            })?,
        )),
        InputKind::Command => Parsed::Command(
            String::from_utf8_lossy(&whole(&mut reader)?)
                .trim()
                .to_owned(),
        ),
        InputKind::ExitCode => {
            let text = String::from_utf8_lossy(&whole(&mut reader)?)
                .trim()
                .to_owned();
            Parsed::ExitCode(text.parse().map_err(|_| IngestError::Unrecognized {
                path: path.to_owned(),
                reason: format!("expected an exit code, found `{text}`"),
            })?)
        }
    };
    Ok((kind, parsed, warnings))
}

/// serde's message without the ` at line N column M` it appends (the error states it once).
pub(crate) fn serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// Loads bundles and loose files: every file is parsed in parallel, then merged in path
/// order so the result is the same at any thread count. A file that fails is recorded in
/// `errors` and the others still load.
pub fn load(paths: &[PathBuf]) -> Result<Inputs, IngestError> {
    let files = expand(paths)?;
    let kinds: Vec<Option<InputKind>> = files.par_iter().map(|p| sniff_path(p)).collect();
    let has = |kind| kinds.contains(&Some(kind));
    let opts = ParseOptions {
        trace_wall_only: has(InputKind::ActionGraph),
        skip_job_script: has(InputKind::ActionGraph) || has(InputKind::GoOutput),
        x_diagnostics_only: has(InputKind::ActionGraph),
    };
    // A bundle's manifest says what its files say: when the files are there, they are read.
    let build_files = has(InputKind::ActionGraph) || has(InputKind::GoOutput);
    let parse_all = |opts: ParseOptions| -> Vec<_> {
        files
            .par_iter()
            .zip(&kinds)
            .filter(|(_, k)| !(build_files && **k == Some(InputKind::Manifest)))
            .map(|(p, _)| (p.clone(), parse_file_with(p, opts)))
            .collect()
    };
    let mut results = parse_all(opts);
    // The shortcuts trust the action graph; when it could not be read, the Go output and
    // the trace are read in full instead (a rare path, so simply everything again).
    let graph_read = results
        .iter()
        .any(|(_, r)| matches!(r, Ok((InputKind::ActionGraph, _, _))));
    if opts.x_diagnostics_only && !graph_read {
        results = parse_all(ParseOptions {
            skip_job_script: opts.skip_job_script,
            ..ParseOptions::default()
        });
    }
    let mut inputs = Inputs::default();
    for (path, result) in results {
        let source = path.display().to_string();
        let (kind, parsed, warnings) = match result {
            Ok(ok) => ok,
            // An empty file in a bundle is an output the Go command did not write to
            // (build.jsonl before Go 1.24); only a file named on its own is an error.
            Err(IngestError::Unrecognized { reason, .. })
                if reason == EMPTY && !paths.contains(&path) =>
            {
                continue;
            }
            Err(e) => {
                inputs.errors.push(e);
                continue;
            }
        };
        inputs.files.push((path.clone(), kind));
        inputs.warnings.extend(warnings);
        let duplicate = |what: &str| Warning {
            source: source.clone(),
            message: format!("a second {what} was given; this one is ignored"),
        };
        match parsed {
            Parsed::GoOutput(out) => inputs.go_output.push(*out),
            Parsed::ActionGraph(g) if inputs.action_graph.is_none() => {
                inputs.action_graph = Some(g)
            }
            Parsed::ChromeTrace(t) if inputs.chrome_trace.is_none() => {
                inputs.chrome_trace = Some(t)
            }
            Parsed::GoEnv(e) if inputs.go_env.is_none() => inputs.go_env = Some(e),
            Parsed::GoModules(m) => inputs.modules.extend(m),
            Parsed::ModulesTxt(m) => inputs.vendored.extend(m),
            Parsed::GitLabTrace(t, go) => {
                inputs.job_traces.push(*t);
                inputs.job_go_output.extend(go.map(|g| *g));
            }
            Parsed::Command(c) if inputs.command.is_none() => inputs.command = Some(c),
            Parsed::ExitCode(c) if inputs.exit_code.is_none() => inputs.exit_code = Some(c),
            Parsed::Manifest(m) if inputs.manifest.is_none() => inputs.manifest = Some(m),
            Parsed::Manifest(_) => inputs.warnings.push(duplicate("manifest")),
            Parsed::ActionGraph(_) => inputs.warnings.push(duplicate("action graph")),
            Parsed::ChromeTrace(_) => inputs.warnings.push(duplicate("Chrome trace")),
            Parsed::GoEnv(_) => inputs.warnings.push(duplicate("go env")),
            Parsed::Command(_) => inputs.warnings.push(duplicate("command file")),
            Parsed::ExitCode(_) => inputs.warnings.push(duplicate("exit code file")),
        }
    }
    Ok(inputs)
}
