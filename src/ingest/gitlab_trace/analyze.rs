//! Gives meaning to the assembled lines and markers: runner header, executor, sources,
//! job outcome, script output, and (through `cache.rs` / `sections.rs`) caches and
//! sections. Not for byte-level cleaning (`assemble.rs`, `clean.rs`).
//!
//! Runner messages are only believed where the runner prints them: outside the job's own
//! script sections. Cache messages are only believed inside the cache sections. The job's
//! output (think gitlab-runner's own unit tests) often prints the same words.

use super::TraceOptions;
use super::assemble::{EventSink, LogicalLine};
use super::cache::CacheTracker;
use super::marker::{Marker, MarkerKind};
use super::sections::SectionTracker;
use super::warn::Warnings;
use crate::model::job::{GoCommand, JobOutcome, JobTrace, RunnerInfo, ScriptLine};

/// Total bytes of script text kept.
pub const MAX_SCRIPT_BYTES: usize = 256 * 1024 * 1024;

/// `$ go build` lines kept; a script that runs more is a loop, not a build worth placing.
const MAX_GO_COMMANDS: usize = 64;

/// Built once: every line of the trace is searched.
static CANCELED_EXTERNALLY: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"script canceled externally"));

/// Lines after `Running with …` in which the `  on <runner>` line is looked for.
const HEADER_WINDOW: u64 = 5;

/// Stage names from gitlab-runner `common/build.go` (`BuildStage` constants), plus the
/// older `build_script` (≤ 13.0) and `upload_artifacts` (10.x).
const RUNNER_STAGES: &[&str] = &[
    "resolve_secrets",
    "prepare_executor",
    "prepare_script",
    "get_sources",
    "clear_worktree",
    "restore_cache",
    "download_artifacts",
    "archive_cache",
    "archive_cache_on_failure",
    "upload_artifacts",
    "upload_artifacts_on_success",
    "upload_artifacts_on_failure",
    "cleanup_file_variables",
];

/// Sections whose content is the job's own output.
fn is_script_section(name: &str) -> bool {
    name.starts_with("step_") || name == "build_script" || name == "after_script"
}

fn is_cache_section(name: &str) -> bool {
    name == "restore_cache" || name.starts_with("archive_cache")
}

/// Class bits of [`SectionTracker::classified`].
const SCRIPT: usize = 0;
const CACHE: usize = 1;
const FOREIGN: usize = 2;

fn classify(name: &str) -> u8 {
    (u8::from(is_script_section(name)) << SCRIPT)
        | (u8::from(is_cache_section(name)) << CACHE)
        | (u8::from(!RUNNER_STAGES.contains(&name)) << FOREIGN)
}

/// Receives each line of the job's own output (not the runner's `$ command` echoes), as
/// it streams: the Go output parser reads a job log without the lines being kept.
pub type ScriptSink<'s> = &'s mut dyn FnMut(&str);

pub(crate) struct Analyzer<'s> {
    keep_script_lines: bool,
    script_sink: Option<ScriptSink<'s>>,
    go_commands: Vec<GoCommand>,
    runner: RunnerInfo,
    header_line: Option<u64>,
    executor: Option<String>,
    executor_from_prepare: bool,
    image: Option<String>,
    build_dir: Option<String>,
    fresh_clone: Option<bool>,
    sections: SectionTracker,
    cache: CacheTracker,
    outcome: JobOutcome,
    outcome_detail: Option<String>,
    exit_code: Option<i32>,
    canceled_hint: bool,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    script_lines: Vec<ScriptLine>,
    script_bytes: usize,
    script_cap_warned: bool,
    warnings: Warnings,
}

impl<'s> Analyzer<'s> {
    pub(crate) fn new(opts: &TraceOptions, script_sink: Option<ScriptSink<'s>>) -> Self {
        Self {
            keep_script_lines: opts.keep_script_lines,
            script_sink,
            go_commands: Vec::new(),
            runner: RunnerInfo::default(),
            header_line: None,
            executor: None,
            executor_from_prepare: false,
            image: None,
            build_dir: None,
            fresh_clone: None,
            sections: SectionTracker::classified(classify),
            cache: CacheTracker::default(),
            outcome: JobOutcome::Unknown,
            outcome_detail: None,
            exit_code: None,
            canceled_hint: false,
            first_ms: None,
            last_ms: None,
            script_lines: Vec::new(),
            script_bytes: 0,
            script_cap_warned: false,
            warnings: Warnings::default(),
        }
    }

    /// Nothing reads the job's own output lines beyond markers, commands and a few messages
    /// (see `skip.rs`): no sink for them and they are not kept.
    pub(crate) fn wants_script_lines_only_for_markers(&self) -> bool {
        self.script_sink.is_none() && !self.keep_script_lines
    }

    /// A script section is open: its lines are the job's own output.
    pub(crate) fn in_script_section(&self) -> bool {
        self.sections.any_open_in(SCRIPT)
    }

    /// The FF_TIMESTAMPS time of a line skipped unread.
    pub(crate) fn note_entry_time(&mut self, ms: i64) {
        self.note_time(Some(ms));
    }

    fn note_time(&mut self, ms: Option<i64>) {
        if let Some(ms) = ms {
            self.first_ms = Some(self.first_ms.map_or(ms, |f| f.min(ms)));
            self.last_ms = Some(self.last_ms.map_or(ms, |l| l.max(ms)));
        }
    }

    /// Builds the result. `lines`, `has_timestamps` and the flags come from the assembler.
    pub(crate) fn finish(
        mut self,
        lines: u64,
        has_timestamps: bool,
        invalid_utf8: bool,
        cut: bool,
    ) -> JobTrace {
        if invalid_utf8 {
            self.warnings.push(
                "trace has bytes that are not UTF-8; they were replaced with U+FFFD".to_owned(),
            );
        }
        if cut {
            self.warnings.push(format!(
                "trace ends in the middle of line {lines} (no final newline); it may be cut short"
            ));
        }
        if self.outcome == JobOutcome::Unknown && self.canceled_hint {
            self.outcome = JobOutcome::Canceled;
        }
        let sections = self.sections.finish(self.last_ms, &mut self.warnings);
        let cache_ops = self
            .cache
            .finish(&sections, has_timestamps, &mut self.warnings);
        JobTrace {
            runner: self.runner,
            executor: self.executor,
            image: self.image,
            build_dir: self.build_dir,
            fresh_clone: self.fresh_clone,
            sections,
            cache_ops,
            outcome: self.outcome,
            outcome_detail: self.outcome_detail,
            exit_code: self.exit_code,
            start_ms: self.first_ms,
            end_ms: self.last_ms,
            has_timestamps,
            script_lines: self.script_lines,
            go_commands: self.go_commands,
            warnings: self.warnings.into_vec(),
            lines,
        }
    }

    /// Runner header, executor, sources and outcome lines.
    fn runner_line(&mut self, t: &str, line: u64) {
        let trimmed = t.trim();
        if self.header(trimmed, line)
            || self.runner_on_line(t, line)
            || self.executor_line(trimmed)
            || self.sources_line(trimmed)
        {
            return;
        }
        self.outcome_line(trimmed);
    }

    /// `Running with gitlab-runner 13.12.0-rc1 (b21d5c5b)` (`common/build.go`,
    /// `printRunningWithHeader`); `gitlab-ci-multi-runner` before 10.0.
    fn header(&mut self, t: &str, line: u64) -> bool {
        let Some(rest) = t
            .strip_prefix("Running with gitlab-runner ")
            .or_else(|| t.strip_prefix("Running with gitlab-ci-multi-runner "))
        else {
            return false;
        };
        if self.runner.version.is_none() {
            let mut words = rest.split_whitespace();
            self.runner.version = words.next().map(str::to_owned);
            self.runner.revision = words
                .next()
                .and_then(|w| w.strip_prefix('(')?.strip_suffix(')'))
                .map(str::to_owned);
            self.header_line = Some(line);
        }
        true
    }

    /// `  on <name> <token>[, system ID: <id>]`, `  on kitsune minikube (a21b584f)`, and
    /// `  feature flags: …`, just after the header.
    fn runner_on_line(&mut self, t: &str, line: u64) -> bool {
        let Some(header) = self.header_line else {
            return false;
        };
        if line > header + HEADER_WINDOW {
            return false;
        }
        let body = t.trim_start();
        if let Some(flags) = body.strip_prefix("feature flags:") {
            self.runner.feature_flags = flags
                .split(',')
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .map(str::to_owned)
                .collect();
            return true;
        }
        let Some(rest) = body.strip_prefix("on ").filter(|_| t.starts_with(' ')) else {
            return false;
        };
        if self.runner.name.is_some() {
            return true;
        }
        let (who, system_id) = match rest.split_once(", system ID: ") {
            Some((w, id)) => (w, Some(id.trim().to_owned())),
            None => (rest, None),
        };
        let who = who.trim();
        let (name, token) = match who.rsplit_once(' ') {
            Some((n, tok)) => (n.trim(), Some(tok)),
            None => (who, None),
        };
        self.runner.name = Some(name.to_owned());
        self.runner.token_or_id =
            token.map(|tok| tok.trim_start_matches('(').trim_end_matches(')').to_owned());
        self.runner.system_id = system_id;
        true
    }

    /// `Preparing the "docker+machine" executor` (stage header, preferred) and the
    /// executors' own `Using … executor…` lines.
    fn executor_line(&mut self, t: &str) -> bool {
        if let Some(name) = t
            .strip_prefix("Preparing the \"")
            .and_then(|r| r.strip_suffix("\" executor"))
        {
            self.executor = Some(name.trim().to_ascii_lowercase());
            self.executor_from_prepare = true;
            return true;
        }
        let Some(rest) = t.strip_prefix("Using ") else {
            return false;
        };
        let Some(kind) = executor_from_using(rest) else {
            return false;
        };
        if !self.executor_from_prepare {
            self.executor = Some(kind);
        }
        if self.image.is_none() {
            self.image = rest
                .split_once(" executor with image ")
                .and_then(|(_, img)| img.split_whitespace().next())
                .map(str::to_owned);
        }
        true
    }

    /// get_sources messages (`shells/abstract.go` and git's own output).
    fn sources_line(&mut self, t: &str) -> bool {
        if let Some(dir) = t.strip_prefix("Initialized empty Git repository in ") {
            self.set_build_dir(dir);
            self.fresh_clone = Some(true);
        } else if let Some(dir) = t.strip_prefix("Reinitialized existing Git repository in ") {
            self.set_build_dir(dir);
            self.fresh_clone = Some(false);
        } else if t == "Created fresh repository." || t.starts_with("Cloning repository") {
            self.fresh_clone = Some(true);
        } else if let Some(dir) = t
            .strip_prefix("Cloning into '")
            .and_then(|r| r.strip_suffix("'..."))
        {
            self.set_build_dir(dir);
            self.fresh_clone = Some(true);
        } else {
            return false;
        }
        true
    }

    fn set_build_dir(&mut self, git_dir: &str) {
        if self.build_dir.is_some() {
            return;
        }
        let d = git_dir.trim().trim_end_matches(['/', '\\']);
        let d = d
            .strip_suffix(".git")
            .map_or(d, |p| p.trim_end_matches(['/', '\\']));
        if !d.is_empty() {
            self.build_dir = Some(d.to_owned());
        }
    }

    /// `setTraceStatus` in `common/build.go`. The last verdict wins (a trace saved twice).
    fn outcome_line(&mut self, t: &str) {
        if t == "Job succeeded" {
            self.outcome = JobOutcome::Success;
            self.outcome_detail = None;
            self.exit_code = None;
            return;
        }
        let (reason, system) =
            if let Some(r) = t.strip_prefix("ERROR: Job failed (system failure):") {
                (r.trim(), true)
            } else if let Some(r) = t.strip_prefix("ERROR: Job failed:") {
                (r.trim(), false)
            } else if t == "ERROR: Job failed" {
                ("", false)
            } else {
                return;
            };
        let lower = reason.to_ascii_lowercase();
        self.exit_code = exit_code_in(reason);
        self.outcome = if lower.contains("canceled") || lower.contains("cancelled") {
            JobOutcome::Canceled
        } else {
            JobOutcome::Failed
        };
        let detail = if lower.contains("execution took longer than") {
            format!("timed out: {reason}")
        } else if system {
            format!("system failure: {reason}")
        } else {
            reason.to_owned()
        };
        self.outcome_detail = (!detail.is_empty()).then_some(detail);
    }

    fn script_line(&mut self, l: &LogicalLine<'_>) {
        if l.text.is_empty() && l.had_marker {
            return;
        }
        // With FF_TIMESTAMPS, stream 00 is the runner itself (timestamper.go).
        if l.stream.is_some_and(|s| s.number == 0) {
            return;
        }
        let t = l.text.trim();
        let stage_header = (t.starts_with("Executing \"")
            && t.ends_with("\" stage of the job script"))
            || t == "Running after_script"
            || t == "Running after script...";
        if stage_header || (l.stream.is_none() && is_executor_notice(t)) {
            return;
        }
        let is_command = l.text.starts_with("$ ");
        if is_command {
            if self.go_commands.len() < MAX_GO_COMMANDS && runs_go_build(l.text) {
                self.go_commands.push(GoCommand {
                    text: l.text.to_owned(),
                    ms: l.ms,
                    line: l.line,
                });
            }
        } else if let Some(sink) = self.script_sink.as_mut() {
            sink(l.text);
        }
        if self.keep_script_lines {
            self.keep_script_line(l, is_command);
        }
    }

    fn keep_script_line(&mut self, l: &LogicalLine<'_>, is_command: bool) {
        // Charge the struct too, so a flood of empty lines is bounded as well.
        let cost = l.text.len() + std::mem::size_of::<ScriptLine>();
        if self.script_bytes.saturating_add(cost) > MAX_SCRIPT_BYTES {
            if !self.script_cap_warned {
                self.script_cap_warned = true;
                self.warnings.push(format!(
                    "script output past {MAX_SCRIPT_BYTES} bytes was not kept (from line {})",
                    l.line
                ));
            }
            return;
        }
        self.script_bytes += cost;
        let section = self.sections.innermost().map(|(_, n)| n.to_owned());
        self.script_lines.push(ScriptLine {
            text: l.text.to_owned(),
            section,
            ms: l.ms,
            is_command,
            stream: l.stream,
        });
    }

    /// Messages that matter wherever they appear.
    fn anywhere_line(&mut self, t: &str) {
        // helpers/trace/buffer.go, writeLimitExceededMessage.
        if t.starts_with("Job's log exceeded limit of ") {
            self.warnings.push(format!(
                "the runner stopped collecting output: {}",
                t.trim()
            ));
        }
        if CANCELED_EXTERNALLY.find(t.as_bytes()).is_some() || t.trim() == "Job canceled" {
            self.canceled_hint = true;
        }
    }
}

/// `$ go build ./...`, `$ go test -json ./...`, `$ goattrib record -o b -- go build`: a
/// script command that runs a Go build (possibly after `VAR=value` or `time`).
fn runs_go_build(echo: &str) -> bool {
    let mut words = echo.trim_start_matches("$ ").split_whitespace();
    let mut word = words.next();
    while let Some(w) = word {
        if w.contains('=') && !w.starts_with('-') || w == "time" || w == "env" {
            word = words.next();
            continue;
        }
        let tool = w.rsplit('/').next().unwrap_or(w);
        return match tool {
            "goattrib" => words.next() == Some("record"),
            "go" => matches!(
                words.find(|w| !w.starts_with('-')),
                Some("build" | "install" | "test" | "vet" | "run")
            ),
            _ => false,
        };
    }
    false
}

/// `Docker executor with image x ...` → `docker`; `Shell (bash) executor...` → `shell`;
/// `VirtualBox version 6.1 executor...` → `virtualbox`. Executors print these from their
/// `Prepare` (e.g. `executors/shell/shell.go`, `executors/docker/docker.go`).
fn executor_from_using(rest: &str) -> Option<String> {
    let (head, _) = rest.split_once(" executor")?;
    let word = head.split([' ', '(']).next()?.trim();
    if word.is_empty()
        || !word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'+')
    {
        return None;
    }
    let kind = word.to_ascii_lowercase();
    let known = [
        "docker",
        "kubernetes",
        "shell",
        "ssh",
        "custom",
        "virtualbox",
        "parallels",
        "instance",
        "docker-autoscaler",
        "docker+machine",
        "docker-windows",
        "docker-ssh",
    ];
    known.contains(&kind.as_str()).then_some(kind)
}

/// Lines the docker executors print inside step_script before running it
/// (`executors/docker/internal/pull`, `executors/docker/docker.go`). Without stream
/// numbers they are told from job output only by their wording.
fn is_executor_notice(t: &str) -> bool {
    [
        "Using docker image ",
        "Using effective pull policy of ",
        "Pulling docker image ",
        "Authenticating with credentials from ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
}

/// `exit code 1`, `exit status 1`, `command terminated with exit code 137`.
fn exit_code_in(reason: &str) -> Option<i32> {
    ["exit code ", "exit status "].iter().find_map(|needle| {
        let (_, after) = reason.split_once(needle)?;
        let end = after
            .char_indices()
            .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
            .map_or(after.len(), |(i, _)| i);
        after.get(..end)?.parse().ok()
    })
}

impl EventSink for Analyzer<'_> {
    fn marker(&mut self, m: &Marker, line: u64, entry_ms: Option<i64>) {
        // Prefer the FF_TIMESTAMPS time: markers only carry whole seconds.
        let ms = entry_ms.or(m.ms);
        self.note_time(ms);
        match m.kind {
            MarkerKind::Start => {
                self.sections
                    .start(&m.name, &m.options, ms, line, &mut self.warnings)
            }
            MarkerKind::End => {
                if is_cache_section(&m.name) {
                    self.cache.section_ended();
                }
                self.sections.end(&m.name, ms, line, &mut self.warnings);
            }
        }
    }

    fn line(&mut self, l: &LogicalLine<'_>) {
        self.note_time(l.ms);
        self.anywhere_line(l.text);
        let in_script = self.sections.any_open_in(SCRIPT);
        let in_cache = self.sections.any_open_in(CACHE);
        let in_foreign = self.sections.any_open_in(FOREIGN);
        // With FF_TIMESTAMPS, stream 00 is the runner itself wherever it writes.
        let runner_stream = l.stream.is_some_and(|s| s.number == 0);
        if in_script {
            self.script_line(l);
            if runner_stream {
                self.runner_line(l.text, l.line);
            }
            return;
        }
        if in_cache || self.sections.innermost().is_none() {
            self.cache
                .on_line(l.text, l.line, l.ms, self.sections.innermost());
        }
        if !in_foreign || runner_stream {
            self.runner_line(l.text, l.line);
        }
    }

    fn time(&mut self, ms: i64) {
        self.note_time(Some(ms));
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code_in("exit code 1"), Some(1));
        assert_eq!(exit_code_in("exit status 2"), Some(2));
        assert_eq!(
            exit_code_in("command terminated with exit code 137"),
            Some(137)
        );
        assert_eq!(exit_code_in("exit code -1"), Some(-1));
        assert_eq!(
            exit_code_in("execution took longer than 1h0m0s seconds"),
            None
        );
        assert_eq!(exit_code_in("exit code 99999999999"), None);
    }

    #[test]
    fn executor_names() {
        let e = |s: &str| executor_from_using(s);
        assert_eq!(
            e("Docker executor with image golang:1.24 ...").as_deref(),
            Some("docker")
        );
        assert_eq!(e("Shell (bash) executor...").as_deref(), Some("shell"));
        assert_eq!(e("Shell executor...").as_deref(), Some("shell"));
        assert_eq!(
            e("VirtualBox version 6.1 executor...").as_deref(),
            Some("virtualbox")
        );
        assert_eq!(e("Parallels 17 executor...").as_deref(), Some("parallels"));
        assert_eq!(e("attach strategy to execute scripts..."), None);
        assert_eq!(e("effective pull policy of [always] for container x"), None);
    }
}
