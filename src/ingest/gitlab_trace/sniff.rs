//! Says whether the first few KiB of an input look like a GitLab job trace.
//! Not a validator: a yes only means "worth parsing as a trace".

use super::clean::{remnant_len, strip_ansi};
use super::marker::scan_markers;
use super::time::parse_ts_prefix;

/// Bytes of each line looked at; runner phrases sit at the start.
const SNIFF_LINE_BYTES: usize = 1_024;

/// Phrases only the runner prints at the start of a displayed line (`common/build.go`,
/// `shells/abstract.go`).
const RUNNER_PHRASES: &[&str] = &[
    "Running with gitlab-runner ",
    "Running with gitlab-ci-multi-runner ",
    "Job succeeded",
    "ERROR: Job failed",
    "Checking cache for ",
    "Preparing the \"",
    "Getting source from Git repository",
    "Executing \"step_script\" stage of the job script",
];

/// `true` when `head` (the first few KiB) has section markers, the runner header,
/// FF_TIMESTAMPS prefixes or other runner-only lines. JSON and Go `-x` output say no.
#[must_use]
pub fn sniff(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let first = head.get(start..).unwrap_or_default();
    match first.first() {
        None | Some(b'{') => return false,
        // A JSON array, unless it is an ESC-less `[0K` the way a damaged trace starts.
        Some(b'[') if remnant_len(first).is_none() => return false,
        _ => {}
    }
    let mut cleaned = Vec::new();
    for raw in head.split(|b| *b == b'\n') {
        if parse_ts_prefix(raw, true).is_some() {
            return true;
        }
        for piece in raw.split(|b| *b == b'\r') {
            if !scan_markers(piece).is_empty() {
                return true;
            }
            cleaned.clear();
            strip_ansi(
                piece
                    .get(..piece.len().min(SNIFF_LINE_BYTES))
                    .unwrap_or_default(),
                &mut cleaned,
            );
            let text = String::from_utf8_lossy(&cleaned);
            let text = text.trim_start();
            if RUNNER_PHRASES.iter().any(|p| text.starts_with(p)) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_yes_to_trace_shapes() {
        assert!(sniff(
            b"\x1b[0KRunning with gitlab-runner 16.3.0 (8ec04662)\x1b[0;m\n"
        ));
        assert!(sniff(
            b"section_start:1695299370:prepare_executor\r\x1b[0K\n"
        ));
        assert!(sniff(
            b"2026-01-21T09:47:05.094219Z 00O [0KRunning with gitlab-runner 18.7.0\n"
        ));
        assert!(sniff(
            b"[0KRunning with gitlab-runner 18.7.0 (3a5f2314)[0;m\n"
        ));
        assert!(sniff(b"Running with gitlab-ci-multi-runner 1.4.2 (bcc1794)\nUsing Docker executor with image golang:1.8 ...\n"));
        assert!(sniff(b"\x1b[32;1mChecking cache for default...\x1b[0;m\n"));
        assert!(sniff(b"\xef\xbb\xbf2026-01-21T09:47:05.094219Z 00O x\n"));
    }

    #[test]
    fn says_no_to_other_inputs() {
        assert!(!sniff(b""));
        assert!(!sniff(b"   \n"));
        assert!(!sniff(b"{\"Action\":\"run\",\"Test\":\"TestX\"}\n"));
        assert!(!sniff(b"[{\"section_start\": 1}]"));
        assert!(!sniff(b"WORK=/tmp/go-build123\nmkdir -p $WORK/b001/\ncd /src\n/usr/lib/go/pkg/tool/linux_amd64/compile -o $WORK/b001/_pkg_.a\n"));
        assert!(!sniff(
            b"=== RUN   TestCacheOperations\n--- PASS: TestCacheOperations (0.00s)\n"
        ));
        assert!(!sniff(b"\x00\x01\x02\xff\xfe binary"));
    }
}
