//! `-debug-trace=FILE`: Chrome trace events written by `cmd/go/internal/trace`.
//!
//! Only `B`/`E` pairs per `tid` (no `dur`, no `args`); the builder names each action span
//! `Executing action (<mode> <pkg>)` (`work/exec.go`). A trace cannot tell a hit from a
//! miss; it gives action times when the action graph is missing, and the command's wall
//! time (`Running build command` on tid 0). Flow events are ignored.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct RawEvent {
    #[serde(default)]
    name: String,
    #[serde(default)]
    ph: String,
    #[serde(default)]
    ts: f64,
    #[serde(default)]
    tid: u64,
}

/// One closed span, in microseconds since the epoch as the trace writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub name: String,
    pub tid: u64,
    pub start_us: f64,
    pub end_us: f64,
}

#[derive(Debug, Clone, Default)]
pub struct ChromeTrace {
    /// `Executing action (...)` spans: (mode, package, span).
    pub actions: Vec<(String, String, Span)>,
    /// The whole command (`Running build command`, or the outermost tid-0 span).
    pub command: Option<Span>,
    /// Spans whose begin had no end (the build was killed).
    pub unclosed: usize,
}

pub fn parse(bytes: &[u8]) -> Result<ChromeTrace, serde_json::Error> {
    let events: Vec<RawEvent> = match serde_json::from_slice(bytes) {
        Ok(events) => events,
        // Go writes the closing `]` last; a killed build leaves it out. Retry closed.
        Err(first) => {
            let mut fixed = bytes.to_vec();
            while fixed
                .last()
                .is_some_and(|b| b.is_ascii_whitespace() || *b == b',')
            {
                fixed.pop();
            }
            fixed.push(b']');
            serde_json::from_slice(&fixed).map_err(|_| first)?
        }
    };
    let mut open: std::collections::HashMap<(u64, String), Vec<f64>> = Default::default();
    let mut trace = ChromeTrace::default();
    for e in events {
        match e.ph.as_str() {
            "B" => open.entry((e.tid, e.name)).or_default().push(e.ts),
            "E" => {
                let Some(start) = open.get_mut(&(e.tid, e.name.clone())).and_then(Vec::pop) else {
                    continue;
                };
                let span = Span {
                    name: e.name,
                    tid: e.tid,
                    start_us: start,
                    end_us: e.ts.max(start),
                };
                if let Some((mode, pkg)) = action_of(&span.name) {
                    trace.actions.push((mode, pkg, span));
                } else if span.tid == 0
                    && trace
                        .command
                        .as_ref()
                        .is_none_or(|c| span.end_us - span.start_us > c.end_us - c.start_us)
                {
                    trace.command = Some(span);
                }
            }
            _ => {}
        }
    }
    trace.unclosed = open.values().map(Vec::len).sum();
    Ok(trace)
}

/// Only the command's span, found by scanning for its name: when an action graph gives the
/// actions, the trace's only contribution is the wall time, and this skips parsing the other
/// events (most of a large trace's cost) and never holds the file. Go writes one event per
/// line. `None` when the span is not there; the caller then parses the whole trace.
///
/// # Errors
/// A read error of `reader`.
pub fn scan_command_span(reader: impl std::io::BufRead) -> std::io::Result<Option<ChromeTrace>> {
    static NAME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"\"Running build command\""));
    let (mut begin, mut end) = (None, None);
    // Event lines are short; a longer one cannot be the span's.
    let mut lines = super::lines::LineReader::new(reader, 64 * 1024);
    while let Some(line) = lines.next_line()? {
        if NAME.find(line).is_none() {
            continue;
        }
        let line = line.trim_ascii();
        let line = line.strip_prefix(b"[").unwrap_or(line);
        let line = line.strip_prefix(b",").unwrap_or(line).trim_ascii();
        let line = line.strip_suffix(b"]").unwrap_or(line);
        let Ok(e) = serde_json::from_slice::<RawEvent>(line.strip_suffix(b",").unwrap_or(line))
        else {
            continue;
        };
        match e.ph.as_str() {
            "B" if begin.is_none() => begin = Some(e.ts),
            "E" => end = Some(e.ts),
            _ => {}
        }
    }
    let (Some(start_us), Some(end_us)) = (begin, end) else {
        return Ok(None);
    };
    Ok(Some(ChromeTrace {
        actions: Vec::new(),
        command: Some(Span {
            name: "Running build command".to_owned(),
            tid: 0,
            start_us,
            end_us: end_us.max(start_us),
        }),
        unclosed: 0,
    }))
}

/// The command's span from the first and last 64 KiB of a plain (not gzipped) trace: Go
/// writes its begin event first and its end event last, so a large trace is not read for
/// its wall time. `None` for a gzipped file (it cannot be read from its end) or when the
/// span is not in those windows; the caller then scans the whole stream.
///
/// # Errors
/// A read error of the file.
pub fn command_span_at_ends(path: &std::path::Path) -> std::io::Result<Option<ChromeTrace>> {
    use std::fs::File;
    use std::io::{Read, Seek, SeekFrom};
    const WINDOW: u64 = 64 * 1024;
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let mut ends = Vec::with_capacity(2 * WINDOW as usize + 1);
    (&mut file).take(WINDOW).read_to_end(&mut ends)?;
    if ends.starts_with(&[0x1f, 0x8b]) {
        return Ok(None);
    }
    if len > 2 * WINDOW {
        // The tail's first line is cut at the window's edge: it fails to parse, and is skipped.
        ends.push(b'\n');
        file.seek(SeekFrom::Start(len - WINDOW))?;
        file.take(WINDOW).read_to_end(&mut ends)?;
    } else {
        file.read_to_end(&mut ends)?;
    }
    scan_command_span(&ends[..])
}

/// `Executing action (build check cache fmt)` → (`build check cache`, `fmt`).
/// Modes contain spaces; the package is the last word unless it is a test variant
/// (`fmt [fmt.test]`), so known modes are matched first.
fn action_of(name: &str) -> Option<(String, String)> {
    let inner = name.strip_prefix("Executing action (")?.strip_suffix(')')?;
    for mode in crate::model::Mode::KNOWN_LONGEST_FIRST {
        if let Some(rest) = inner.strip_prefix(mode) {
            if let Some(pkg) = rest.strip_prefix(' ') {
                return Some(((*mode).to_owned(), pkg.to_owned()));
            }
            if rest.is_empty() {
                return Some(((*mode).to_owned(), String::new()));
            }
        }
    }
    let (mode, pkg) = inner.split_once(' ').unwrap_or((inner, ""));
    Some((mode.to_owned(), pkg.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_command_span_without_parsing_the_rest() {
        let t = scan_command_span(
            &b"[\n{\"name\":\"Running build command\",\"ph\":\"B\",\"ts\":100,\"pid\":0,\"tid\":0}\n,{\"name\":\"x\",\"ph\":\"B\"\n,{\"name\":\"Running build command\",\"ph\":\"E\",\"ts\":900,\"pid\":0,\"tid\":0}\n"[..],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            t.command.map(|c| (c.start_us, c.end_us)),
            Some((100.0, 900.0))
        );
        assert!(
            scan_command_span(&b"[{\"name\":\"other\"}]"[..])
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn pairs_spans_per_thread_and_names_actions() {
        let t = parse(
            br#"[{"name":"Running build command","ph":"B","ts":100,"pid":0,"tid":0}
            ,{"name":"Executing action (build check cache fmt [fmt.test])","ph":"B","ts":110,"tid":3}
            ,{"name":"Executing action (build check cache fmt [fmt.test])","ph":"E","ts":150,"tid":3}
            ,{"name":"Running build command","ph":"E","ts":900,"tid":0}
            ,{"name":"Executing action (link x)","ph":"B","ts":200,"tid":4}"#,
        )
        .unwrap();
        assert_eq!(t.actions.len(), 1);
        assert_eq!(t.actions[0].0, "build check cache");
        assert_eq!(t.actions[0].1, "fmt [fmt.test]");
        assert_eq!(
            t.command.as_ref().map(|c| c.end_us - c.start_us),
            Some(800.0)
        );
        assert_eq!(t.unclosed, 1);
    }
}
