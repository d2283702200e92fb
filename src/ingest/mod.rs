//! Input formats: one codec per format, each returning a typed model, plus the registry
//! that recognises a file's format from its content (never its name), opens gzip
//! transparently and loads independent files in parallel.
//!
//! - `files`: listing bundles, opening (gzip), reading a file's head;
//! - `sniff`: which format a file holds, from its first bytes;
//! - `parse`: one file through its codec;
//! - `load`: every file of one build, in parallel, merged into [`Inputs`].
//!
//! Not for analysis: nothing here decides hits, misses or causes (that is `analysis`).

pub mod actiongraph;
pub mod chrome_trace;
mod error;
mod files;
pub mod gitlab_trace;
pub mod go_env;
pub mod go_modules;
pub mod go_output;
pub(crate) mod gostring;
pub mod hashlog;
pub mod history;
mod lines;
mod load;
pub mod manifest;
pub mod modules_txt;
pub mod otlp;
mod parse;
pub mod pprof;
pub mod redact;
mod scrub;
mod sniff;
pub mod testcache;
pub(crate) mod timestamp;
pub mod xtext;

use std::path::PathBuf;

pub use error::IngestError;
pub(crate) use files::read_head;
pub use files::{
    DEFAULT_MAX_INFLATED, InflateLimit, dir_files, expand, max_inflated, open, set_max_inflated,
};
pub use lines::LineReader;
pub use load::load;
pub use parse::{ParseOptions, parse_file, parse_file_with};
pub use sniff::sniff;

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
    /// A goattrib input manifest (`manifest.json.gz`, see [`manifest`]).
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

/// A line longer than this is cut (and counted); keeps memory bounded on garbage input.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

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
    Manifest(Box<crate::model::BuildData>),
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
    pub manifest: Option<Box<crate::model::BuildData>>,
    pub warnings: Vec<Warning>,
    /// Files that could not be read; the others are still analysed.
    pub errors: Vec<IngestError>,
}

/// serde's message without the ` at line N column M` it appends (the error states it once).
pub(crate) fn serde_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}
