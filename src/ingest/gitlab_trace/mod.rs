//! Parser for GitLab CI raw job traces (job logs as the runner sends them): runner,
//! executor, sections with durations, cache operations, outcome, and the job's script
//! output for later modules. Not for Go build output itself, and not for GitLab's API
//! JSON; it never fetches anything.
//!
//! The format is defined by gitlab-runner (`helpers/build_section.go`,
//! `common/buildlogger/`, `shells/abstract.go`, `commands/helpers/cache_*.go`); the
//! working notes are in `shared/gitlab-traces/FORMAT.md`. Parsing streams the input and
//! keeps at most [`MAX_LINE_BYTES`] per line, so a 100 MB line costs no more than a
//! short one. Damage (cut lines, lost `section_end`, lost CR or ESC bytes, invalid UTF-8)
//! gives a partial result with [`JobTrace::warnings`], never an error or a panic.
//!
//! ```no_run
//! let file = std::fs::File::open("job.log").unwrap();
//! let trace = goattrib::ingest::gitlab_trace::parse(std::io::BufReader::new(file)).unwrap();
//! println!("{:?} in {} sections", trace.outcome, trace.sections.len());
//! ```

mod analyze;
mod assemble;
mod cache;
mod clean;
mod marker;
mod sections;
mod skip;
mod sniff;
mod time;
mod warn;

use std::io::{BufRead, ErrorKind};

pub use crate::model::job::{
    CacheOp, CacheOpKind, CacheOpOutcome, GoCommand, JobOutcome, JobTrace, RunnerInfo, ScriptLine,
    Section, StreamId,
};
pub use analyze::MAX_SCRIPT_BYTES;
pub use assemble::MAX_LINE_BYTES;
pub use sniff::sniff;

/// Why a trace could not be parsed at all.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("failed to read the job trace at byte {offset}")]
    Read {
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    /// No bytes, or only whitespace.
    #[error("empty job trace")]
    Empty,
}

/// What to keep while parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceOptions {
    /// Keep the job's own output lines in [`JobTrace::script_lines`] (up to
    /// [`MAX_SCRIPT_BYTES`]).
    pub keep_script_lines: bool,
}

impl Default for TraceOptions {
    /// Same as [`parse`]: script lines are kept.
    fn default() -> Self {
        Self {
            keep_script_lines: true,
        }
    }
}

/// Parses a whole trace, keeping the script lines.
///
/// # Errors
/// [`TraceError::Read`] when the reader fails, [`TraceError::Empty`] when the input has
/// no bytes other than whitespace. Damaged traces are not errors: see `warnings`.
pub fn parse<R: BufRead>(reader: R) -> Result<JobTrace, TraceError> {
    parse_with(reader, &TraceOptions::default())
}

/// Parses a whole trace from `reader`.
///
/// # Errors
/// As for [`parse`].
pub fn parse_with<R: BufRead>(reader: R, opts: &TraceOptions) -> Result<JobTrace, TraceError> {
    parse_inner(reader, opts, None)
}

/// Parses a trace and hands every line of the job's own output to `on_script_line` as it
/// streams (the runner's `$ command` echoes excepted), so a reader of that output never
/// needs the lines kept.
///
/// # Errors
/// As for [`parse`].
pub fn parse_streaming<R: BufRead>(
    reader: R,
    opts: &TraceOptions,
    on_script_line: &mut dyn FnMut(&str),
) -> Result<JobTrace, TraceError> {
    parse_inner(reader, opts, Some(on_script_line))
}

/// Reads through `fill_buf`/`consume` rather than `read_until`, so that one line with no
/// `\n` is never held whole: the assembler keeps only a bounded prefix of it.
fn parse_inner<R: BufRead>(
    mut reader: R,
    opts: &TraceOptions,
    sink: Option<analyze::ScriptSink<'_>>,
) -> Result<JobTrace, TraceError> {
    let mut asm = assemble::Assembler::new();
    let mut analyzer = analyze::Analyzer::new(opts, sink);
    let mut skipper = skip::Skipper::default();
    let mut offset: u64 = 0;
    let mut any_text = false;
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(source) => return Err(TraceError::Read { offset, source }),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        any_text = any_text || buf.iter().any(|b| !b.is_ascii_whitespace());
        let mut rest = buf;
        if offset == 0 {
            // Traces saved by Windows editors may start with a UTF-8 byte order mark.
            rest = rest.strip_prefix(b"\xef\xbb\xbf").unwrap_or(rest);
        }
        skipper.new_buffer();
        let mut pos = 0;
        loop {
            pos = skipper.skip(rest, pos, &mut asm, &mut analyzer);
            let Some(i) = rest.get(pos..).and_then(|r| memchr::memchr(b'\n', r)) else {
                break;
            };
            asm.bytes(rest.get(pos..pos + i).unwrap_or_default(), &mut analyzer);
            asm.newline(&mut analyzer);
            pos += i + 1;
        }
        asm.bytes(rest.get(pos..).unwrap_or_default(), &mut analyzer);
        reader.consume(len);
        offset += len as u64;
    }
    if !any_text {
        return Err(TraceError::Empty);
    }
    asm.finish(&mut analyzer);
    Ok(analyzer.finish(
        asm.lines(),
        asm.saw_timestamps(),
        asm.saw_invalid_utf8(),
        asm.last_line_cut(),
    ))
}

#[cfg(test)]
mod tests;
