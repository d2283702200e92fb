//! End-to-end unit tests of `parse` on small hand-made traces, one per malformed case.
//! The real traces are exercised in `tests/gitlab_trace.rs`.

use super::*;
use std::io::{BufReader, Read};

fn parse_bytes(input: &[u8]) -> JobTrace {
    parse(input).expect("parse")
}

fn names_and_durations(t: &JobTrace) -> Vec<(&str, Option<u64>, bool)> {
    t.sections
        .iter()
        .map(|s| (s.name.as_str(), s.duration_ms, s.closed))
        .collect()
}

#[test]
fn empty_input_is_an_error() {
    assert!(matches!(parse(&b""[..]), Err(TraceError::Empty)));
    assert!(matches!(parse(&b"\n \r\n"[..]), Err(TraceError::Empty)));
    assert_eq!(
        parse(&b""[..]).err().map(|e| e.to_string()),
        Some("empty job trace".to_owned())
    );
}

#[test]
fn read_error_reports_the_offset() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = self.0.min(buf.len()).min(4);
            buf[..n].fill(b'a');
            self.0 -= n;
            Ok(n)
        }
    }
    let err = parse(BufReader::new(Failing(10))).expect_err("must fail");
    assert!(
        matches!(err, TraceError::Read { offset: 10, .. }),
        "{err:?}"
    );
    // The cause is the source, not repeated in the message: a chain prints each once.
    assert_eq!(err.to_string(), "failed to read the job trace at byte 10");
    assert_eq!(
        crate::model::error_chain(&err),
        "failed to read the job trace at byte 10: disk on fire"
    );
}

#[test]
fn minimal_success_trace() {
    let t = parse_bytes(
        b"\x1b[0KRunning with gitlab-runner 17.5.0 (abcdef12)\x1b[0;m\n\
\x1b[0K  on my runner t0k3n, system ID: r_123\x1b[0;m\n\
section_start:100:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting \"step_script\" stage of the job script\x1b[0;m\x1b[0;m\n\
\x1b[32;1m$ go build -x ./...\x1b[0;m\n\
WORK=/tmp/go-build1\n\
section_end:103:step_script\r\x1b[0K\x1b[32;1mJob succeeded\x1b[0;m\n",
    );
    assert_eq!(t.runner.version.as_deref(), Some("17.5.0"));
    assert_eq!(t.runner.revision.as_deref(), Some("abcdef12"));
    assert_eq!(t.runner.name.as_deref(), Some("my runner"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("t0k3n"));
    assert_eq!(t.runner.system_id.as_deref(), Some("r_123"));
    assert_eq!(
        names_and_durations(&t),
        vec![("step_script", Some(3_000), true)]
    );
    assert_eq!(t.outcome, JobOutcome::Success);
    assert_eq!((t.start_ms, t.end_ms), (Some(100_000), Some(103_000)));
    let lines: Vec<_> = t
        .script_lines
        .iter()
        .map(|l| (l.text.as_str(), l.is_command))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("$ go build -x ./...", true),
            ("WORK=/tmp/go-build1", false)
        ]
    );
    assert!(t.warnings.is_empty(), "{:?}", t.warnings);
    assert_eq!(t.lines, 6);
}

#[test]
fn script_lines_can_be_dropped() {
    let input =
        b"section_start:1:step_script\r\x1b[0K\nhello\nsection_end:2:step_script\r\x1b[0K\n";
    let t = parse_with(
        &input[..],
        &TraceOptions {
            keep_script_lines: false,
        },
    )
    .expect("parse");
    assert!(t.script_lines.is_empty());
    assert_eq!(t.sections.len(), 1);
}

#[test]
fn job_output_cannot_fake_runner_messages() {
    let t = parse_bytes(
        b"section_start:1:step_script\r\x1b[0K\n\
Job succeeded\n\
Running with gitlab-runner 99.0.0 (ffffffff)\n\
Checking cache for fake...\n\
Initialized empty Git repository in /tmp/test/.git/\n\
section_end:2:step_script\r\x1b[0K\x1b[31;1mERROR: Job failed: exit code 3\x1b[0;m\n",
    );
    assert_eq!(t.outcome, JobOutcome::Failed);
    assert_eq!(t.exit_code, Some(3));
    assert_eq!(t.runner.version, None);
    assert!(t.cache_ops.is_empty());
    assert_eq!(t.build_dir, None);
    assert_eq!(t.script_lines.len(), 4);
}

#[test]
fn failure_wordings() {
    let outcome = |line: &str| {
        let t = parse_bytes(format!("\x1b[31;1m{line}\x1b[0;m\n").as_bytes());
        (t.outcome, t.exit_code, t.outcome_detail)
    };
    assert_eq!(
        outcome("ERROR: Job failed: command terminated with exit code 137"),
        (
            JobOutcome::Failed,
            Some(137),
            Some("command terminated with exit code 137".into())
        )
    );
    assert_eq!(
        outcome("ERROR: Job failed: execution took longer than 1h0m0s seconds"),
        (
            JobOutcome::Failed,
            None,
            Some("timed out: execution took longer than 1h0m0s seconds".into())
        )
    );
    assert_eq!(
        outcome("ERROR: Job failed: canceled").0,
        JobOutcome::Canceled
    );
    assert_eq!(
        outcome("ERROR: Job failed (system failure): prepare environment: exit status 1"),
        (
            JobOutcome::Failed,
            Some(1),
            Some("system failure: prepare environment: exit status 1".into())
        )
    );
}

#[test]
fn missing_section_end_is_closed_at_last_time() {
    let t = parse_bytes(b"section_start:10:step_script\r\x1b[0K\nsection_start:12:user\r\x1b[0K\nwork\nsection_end:15:other\r\x1b[0K\n");
    assert_eq!(
        names_and_durations(&t),
        vec![
            ("step_script", Some(5_000), false),
            ("user", Some(3_000), false)
        ]
    );
    assert_eq!(t.sections[1].parent.as_deref(), Some("step_script"));
    // One for the stray end, one per unclosed section.
    assert_eq!(t.warnings.len(), 3, "{:?}", t.warnings);
    assert_eq!(t.outcome, JobOutcome::Unknown);
}

#[test]
fn duplicate_section_names_stay_separate() {
    let once = b"section_start:1:get_sources\r\x1b[0K\nsection_end:3:get_sources\r\x1b[0K\x1b[32;1mJob succeeded\n\x1b[0;m\n";
    let twice = [&once[..], &once[..]].concat();
    let t = parse_bytes(&twice);
    assert_eq!(
        names_and_durations(&t),
        vec![
            ("get_sources", Some(2_000), true),
            ("get_sources", Some(2_000), true)
        ]
    );
    assert_eq!(t.sections[1].start_line, 4);
    assert_eq!(t.sections[1].parent, None);
    assert_eq!(t.outcome, JobOutcome::Success);
}

#[test]
fn timestamps_going_backwards_clamp_to_zero() {
    let t = parse_bytes(b"section_start:200:x\r\x1b[0K\nsection_end:150:x\r\x1b[0K\n");
    assert_eq!(t.sections[0].duration_ms, Some(0));
    assert!(
        t.warnings.iter().any(|w| w.contains("before it starts")),
        "{:?}",
        t.warnings
    );
    assert_eq!((t.start_ms, t.end_ms), (Some(150_000), Some(200_000)));
}

#[test]
fn truncated_mid_line_keeps_what_was_there() {
    let t = parse_bytes(b"section_start:1:restore_cache\r\x1b[0K\n\x1b[32;1mChecking cache for k...\x1b[0;m\nDownloading cache from https://exa");
    assert_eq!(t.cache_ops.len(), 1);
    assert_eq!(t.cache_ops[0].outcome, CacheOpOutcome::Unknown);
    assert!(!t.sections[0].closed);
    assert!(
        t.warnings.iter().any(|w| w.contains("middle of line 3")),
        "{:?}",
        t.warnings
    );
}

#[test]
fn binary_garbage_and_invalid_utf8_never_panic() {
    let mut garbage: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    garbage.extend_from_slice(b"\rsection_start:\xff:\xfe\x1b[\x1b]\n\x1b");
    let t = parse_bytes(&garbage);
    assert!(t.sections.is_empty());
    assert!(
        t.warnings.iter().any(|w| w.contains("not UTF-8")),
        "{:?}",
        t.warnings
    );

    let t = parse_bytes(b"section_start:1:step_script\r\x1b[0K\nok \xc3\x28 bad\n");
    assert_eq!(t.script_lines[0].text, "ok \u{fffd}( bad");
}

#[test]
fn ff_timestamps_with_continuations() {
    let t = parse_bytes(
        b"2026-01-21T09:47:58.161233Z 00O section_end:1768988878:restore_cache\n\
2026-01-21T09:47:58.161237Z 00O+[0Ksection_start:1768988878:step_script\n\
2026-01-21T09:47:58.161846Z 00O+[0K[0K[36;1mExecuting \"step_script\" stage of the job script[0;m[0;m\n\
2026-01-21T09:47:58.676964Z 01O [32;1m$ make test[0;m\n\
2026-01-21T09:47:58.683888Z 01E half a li\n\
2026-01-21T09:47:58.683999Z 01E+ne\n\
2026-01-21T09:49:05.237211Z 00O section_end:1768988945:step_script\n",
    );
    assert!(t.has_timestamps);
    assert_eq!(t.sections.len(), 1);
    let s = &t.sections[0];
    assert_eq!(
        (s.name.as_str(), s.start_ms, s.end_ms),
        (
            "step_script",
            Some(1_768_988_878_161),
            Some(1_768_988_945_237)
        )
    );
    assert_eq!(s.duration_ms, Some(67_076));
    let texts: Vec<_> = t
        .script_lines
        .iter()
        .map(|l| (l.text.as_str(), l.ms))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("$ make test", Some(1_768_988_878_676)),
            ("half a line", Some(1_768_988_878_683))
        ]
    );
    assert_eq!(
        t.script_lines[1].stream,
        Some(StreamId {
            number: 1,
            stderr: true
        })
    );
    // The stray end of restore_cache (its start was before the excerpt) is reported.
    assert!(
        t.warnings.iter().any(|w| w.contains("restore_cache")),
        "{:?}",
        t.warnings
    );
}

/// A reader that produces `len` bytes of `x` then `\n` lazily, never all at once.
struct LazyLine {
    left: usize,
    newline_sent: bool,
}

impl Read for LazyLine {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            if self.newline_sent || buf.is_empty() {
                return Ok(0);
            }
            self.newline_sent = true;
            buf[0] = b'\n';
            return Ok(1);
        }
        let n = self.left.min(buf.len());
        buf[..n].fill(b'x');
        self.left -= n;
        Ok(n)
    }
}

#[test]
fn hundred_megabyte_line_is_capped() {
    let size = 100 * 1024 * 1024;
    let head = &b"section_start:1:step_script\r\x1b[0K\n"[..];
    let tail = &b"section_end:2:step_script\r\x1b[0K\x1b[32;1mJob succeeded\x1b[0;m\n"[..];
    let reader = head
        .chain(LazyLine {
            left: size,
            newline_sent: false,
        })
        .chain(tail);
    let t = parse(BufReader::with_capacity(64 * 1024, reader)).expect("parse");
    assert_eq!(t.script_lines.len(), 1);
    assert_eq!(t.script_lines[0].text.len(), MAX_LINE_BYTES);
    assert_eq!(t.sections[0].duration_ms, Some(1_000));
    assert_eq!(t.outcome, JobOutcome::Success);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
    assert!(t.warnings[0].contains("longer than 65536 bytes"));
    assert_eq!(t.lines, 3);
}

#[test]
fn log_limit_message_is_a_warning() {
    let t = parse_bytes(b"\n\x1b[33;1mJob's log exceeded limit of 4194304 bytes.\nJob execution will continue but no more output will be collected.\x1b[0;m\n");
    assert!(
        t.warnings
            .iter()
            .any(|w| w.contains("Job's log exceeded limit of 4194304 bytes.")),
        "{:?}",
        t.warnings
    );
}

#[test]
fn nested_user_section_with_options() {
    let t = parse_bytes(
        b"section_start:10:step_script\r\x1b[0K\n\
\x1b[0Ksection_start:11:go_build[collapsed=true]\r\x1b[0KBuilding\n\
go build -x ./cmd/a\n\
\x1b[0Ksection_end:14:go_build\r\x1b[0K\n\
section_end:15:step_script\r\x1b[0K\n",
    );
    let s = &t.sections[1];
    assert_eq!(s.name, "go_build");
    assert_eq!(s.parent.as_deref(), Some("step_script"));
    assert_eq!(s.options, vec![("collapsed".to_owned(), "true".to_owned())]);
    assert_eq!(s.duration_ms, Some(3_000));
    let lines: Vec<_> = t
        .script_lines
        .iter()
        .map(|l| (l.text.as_str(), l.section.as_deref()))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Building", Some("go_build")),
            ("go build -x ./cmd/a", Some("go_build"))
        ]
    );
}

#[test]
fn warning_flood_is_capped() {
    let flood = "section_end:1:nothing\r\x1b[0K\n".repeat(1_000);
    let t = parse_bytes(flood.as_bytes());
    assert_eq!(t.warnings.len(), warn::MAX_WARNINGS + 1);
    assert_eq!(
        t.warnings.last().map(String::as_str),
        Some("800 more warnings were not kept")
    );
}

#[test]
fn byte_order_mark_before_timestamps() {
    let t = parse_bytes(b"\xef\xbb\xbf2026-01-21T09:47:05.094219Z 00O [0KRunning with gitlab-runner 18.7.0 (3a5f2314)[0;m\n");
    assert!(t.has_timestamps);
    assert_eq!(t.runner.version.as_deref(), Some("18.7.0"));
}

#[test]
fn progress_bar_continuations_show_the_last_frame() {
    // timestamper_test.go: a write with `\r` but no `\n` is its own `+` entry.
    let t = parse_bytes(
        b"section_start:1:step_script\r\x1b[0K\n\
2021-01-01T04:00:00.010000Z 01E downloading 10%\r\n\
2021-01-01T04:00:00.020010Z 01E+downloading 90%\r\n\
2021-01-01T04:00:00.030000Z 01E+downloading 100%\n\
2021-01-01T04:00:00.040000Z 01O done\n",
    );
    let texts: Vec<_> = t
        .script_lines
        .iter()
        .map(|l| (l.text.as_str(), l.ms))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("downloading 100%", Some(1_609_473_600_010)),
            ("done", Some(1_609_473_600_040))
        ]
    );
    assert_eq!(t.end_ms, Some(1_609_473_600_040));
}
