//! The typed result of parsing one GitLab job trace. Plain data: no parsing here.
//!
//! Times are milliseconds since the Unix epoch (`i64`), durations are milliseconds
//! (`u64`); `None` means the trace did not say.

use serde::{Deserialize, Serialize};

/// Everything the parser learned from one job trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobTrace {
    pub runner: RunnerInfo,
    /// Normalised executor name: `docker`, `docker+machine`, `kubernetes`, `shell`, …
    pub executor: Option<String>,
    /// Job image from `Using … executor with image <image> ...`.
    pub image: Option<String>,
    /// Project directory, from `Initialized empty Git repository in <dir>/.git/` and kin.
    pub build_dir: Option<String>,
    /// `true`: the job started from an empty clone; `false`: an existing checkout was reused.
    pub fresh_clone: Option<bool>,
    pub sections: Vec<Section>,
    pub cache_ops: Vec<CacheOp>,
    pub outcome: JobOutcome,
    /// What the runner gave as the reason for a failure or cancellation.
    pub outcome_detail: Option<String>,
    pub exit_code: Option<i32>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    /// Lines carried FF_TIMESTAMPS prefixes.
    pub has_timestamps: bool,
    /// The job's own output (empty unless `ingest::gitlab_trace::TraceOptions::keep_script_lines`).
    pub script_lines: Vec<ScriptLine>,
    /// Script commands that ran a Go build (`$ go build …`, `$ goattrib record …`), with
    /// their FF_TIMESTAMPS time: where the build sits on the job's timeline.
    pub go_commands: Vec<GoCommand>,
    pub warnings: Vec<String>,
    /// Physical lines read.
    pub lines: u64,
}

/// From `Running with gitlab-runner <version> (<revision>)` and the `  on …` line after it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunnerInfo {
    pub version: Option<String>,
    pub revision: Option<String>,
    pub name: Option<String>,
    pub token_or_id: Option<String>,
    pub system_id: Option<String>,
    /// Entries of the `  feature flags: FF_X:true, …` line, as written (`FF_X:true`).
    pub feature_flags: Vec<String>,
}

/// One `section_start` … `section_end` pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub name: String,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub duration_ms: Option<u64>,
    /// The section that was open when this one started.
    pub parent: Option<String>,
    /// `[key=value,…]` options in the start marker (`collapsed`, `hide_duration`).
    pub options: Vec<(String, String)>,
    /// `false` when no matching `section_end` was seen; the end is then inferred.
    pub closed: bool,
    /// Physical line (1-based) of the start marker.
    pub start_line: u64,
    pub end_line: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheOpKind {
    Restore,
    Save,
}

impl CacheOpKind {
    pub const ALL: [CacheOpKind; 2] = [CacheOpKind::Restore, CacheOpKind::Save];

    /// As the JSON contracts and the manifest spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOpKind::Restore => "restore",
            CacheOpKind::Save => "save",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheOpOutcome {
    Hit,
    Miss,
    Failed,
    Skipped,
    Saved,
    Unknown,
}

impl CacheOpOutcome {
    pub const ALL: [CacheOpOutcome; 6] = [
        CacheOpOutcome::Hit,
        CacheOpOutcome::Miss,
        CacheOpOutcome::Failed,
        CacheOpOutcome::Skipped,
        CacheOpOutcome::Saved,
        CacheOpOutcome::Unknown,
    ];

    /// As the JSON contracts and the manifest spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOpOutcome::Hit => "hit",
            CacheOpOutcome::Miss => "miss",
            CacheOpOutcome::Failed => "failed",
            CacheOpOutcome::Skipped => "skipped",
            CacheOpOutcome::Saved => "saved",
            CacheOpOutcome::Unknown => "unknown",
        }
    }
}

/// One cache restore attempt (each fallback key is its own attempt) or one cache save.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheOp {
    pub op: CacheOpKind,
    pub key: Option<String>,
    pub outcome: CacheOpOutcome,
    pub duration_ms: Option<u64>,
    /// The helper's message that explains the outcome (e.g. `FATAL: file does not exist`).
    pub detail: Option<String>,
    /// Cache paths the archiver reported (matched or not matched).
    pub paths: Vec<String>,
    pub size_bytes: Option<u64>,
    pub url: Option<String>,
    /// Physical line (1-based) where the operation started.
    pub line: u64,
    pub section: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobOutcome {
    Success,
    Failed,
    Canceled,
    Unknown,
}

impl JobOutcome {
    pub const ALL: [JobOutcome; 4] = [
        JobOutcome::Success,
        JobOutcome::Failed,
        JobOutcome::Canceled,
        JobOutcome::Unknown,
    ];

    /// As the JSON contracts and the manifest spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            JobOutcome::Success => "success",
            JobOutcome::Failed => "failed",
            JobOutcome::Canceled => "canceled",
            JobOutcome::Unknown => "unknown",
        }
    }
}

/// FF_TIMESTAMPS stream of a line: `00` runner, `01` job script, `0f`+ services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StreamId {
    pub number: u8,
    pub stderr: bool,
}

/// A script command that runs a Go build, as the runner echoed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoCommand {
    /// The echo line, `$ ` included.
    pub text: String,
    pub ms: Option<i64>,
    /// Physical line (1-based).
    pub line: u64,
}

/// One displayed line of the job's own output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScriptLine {
    pub text: String,
    /// Innermost open section.
    pub section: Option<String>,
    pub ms: Option<i64>,
    /// The runner's `$ <command>` echo line.
    pub is_command: bool,
    pub stream: Option<StreamId>,
}
