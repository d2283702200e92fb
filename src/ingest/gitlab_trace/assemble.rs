//! Rebuilds logical trace lines from a byte stream, in bounded memory: FF_TIMESTAMPS
//! prefixes and `+` continuations, `\r` overwrites, and section markers found anywhere.
//! Not for understanding what a line says (`analyze.rs` does that).
//!
//! A physical line (ended by `\n`) is split at `\r` into *pieces*. With FF_TIMESTAMPS a
//! `+` entry continues the previous logical line (gitlab-runner
//! `common/buildlogger/internal/timestamper/timestamper.go` flushes an entry at a write
//! holding `\r` and past 8 KiB), and it continues the piece too: the runner cuts an entry
//! wherever its buffer fills, so a marker can start in one entry and end in the next. Each
//! marker still gets the time and line of the entry it starts in. Markers are reported as
//! their piece ends; the
//! displayed text (markers removed) is what follows the last `\r`, and it is reported when
//! the next logical line starts, because only then is it known that no `+` entry follows.

use super::clean::to_text;
use super::marker::{Marker, scan_markers};
use super::time::{TS_PREFIX_LEN, parse_ts_prefix};
use crate::model::job::StreamId;
use memchr::memchr;

/// Bytes kept per piece and per displayed line; the rest of a longer one is dropped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// One finished logical line, as displayed.
#[derive(Debug)]
pub(crate) struct LogicalLine<'a> {
    pub(crate) text: &'a str,
    /// Physical line (1-based) where it started.
    pub(crate) line: u64,
    pub(crate) ms: Option<i64>,
    pub(crate) stream: Option<StreamId>,
    /// The line held at least one section marker.
    pub(crate) had_marker: bool,
}

/// Receives what the assembler finds, in trace order.
pub(crate) trait EventSink {
    /// A section marker; `entry_ms` is the FF_TIMESTAMPS time of its entry, if any.
    fn marker(&mut self, marker: &Marker, line: u64, entry_ms: Option<i64>);
    fn line(&mut self, line: &LogicalLine<'_>);
    /// Every FF_TIMESTAMPS time seen, including those of `+` entries.
    fn time(&mut self, ms: i64);
    fn warn(&mut self, message: String);
}

#[derive(Debug, Default)]
pub(crate) struct Assembler {
    /// Number of the current physical line (1-based once bytes arrive).
    phys: u64,
    /// Start-of-line bytes held back until we know whether they are a prefix.
    prefix: Vec<u8>,
    at_line_start: bool,
    saw_prefix: bool,
    /// A logical line is in progress.
    open: bool,
    line_no: u64,
    line_ms: Option<i64>,
    line_stream: Option<StreamId>,
    had_marker: bool,
    entry_ms: Option<i64>,
    display: Vec<u8>,
    /// A `\r` was seen: the next non-empty piece replaces `display`.
    pending_cr: bool,
    piece: Vec<u8>,
    piece_started: bool,
    piece_ms: Option<i64>,
    piece_line: u64,
    /// Where `+` entries began inside the current piece: (offset, entry time, line).
    piece_entries: Vec<(usize, Option<i64>, u64)>,
    /// The current physical line began with an FF_TIMESTAMPS prefix.
    line_timestamped: bool,
    truncated_warned: bool,
    invalid_utf8: bool,
    scratch: Vec<u8>,
    /// The last physical line ended without `\n` and showed text.
    cut_last_line: bool,
}

impl Assembler {
    pub(crate) fn new() -> Self {
        Self {
            at_line_start: true,
            ..Self::default()
        }
    }

    /// Physical lines seen so far.
    pub(crate) fn lines(&self) -> u64 {
        self.phys
    }

    pub(crate) fn saw_timestamps(&self) -> bool {
        self.saw_prefix
    }

    pub(crate) fn saw_invalid_utf8(&self) -> bool {
        self.invalid_utf8
    }

    pub(crate) fn last_line_cut(&self) -> bool {
        self.cut_last_line
    }

    /// At the start of a physical line, nothing held back.
    pub(crate) fn at_line_start(&self) -> bool {
        self.at_line_start && self.prefix.is_empty()
    }

    /// Ends the pending logical line: the caller knows the next line starts a new one.
    pub(crate) fn end_line(&mut self, sink: &mut impl EventSink) {
        self.finish_logical(sink);
    }

    /// Counts whole physical lines that were skipped unread (`skip.rs`).
    pub(crate) fn skip_lines(&mut self, n: u64) {
        self.phys += n;
    }

    /// Bytes of the current physical line; `data` holds no `\n`.
    pub(crate) fn bytes(&mut self, mut data: &[u8], sink: &mut impl EventSink) {
        if data.is_empty() {
            return;
        }
        if self.at_line_start {
            if self.prefix.is_empty() {
                self.phys += 1;
            }
            let take = (TS_PREFIX_LEN - self.prefix.len()).min(data.len());
            self.prefix
                .extend_from_slice(data.get(..take).unwrap_or_default());
            data = data.get(take..).unwrap_or_default();
            if self.prefix.len() < TS_PREFIX_LEN {
                return;
            }
            self.resolve_prefix(false, sink);
        }
        self.content(data, sink);
    }

    /// The `\n` that ends the current physical line.
    pub(crate) fn newline(&mut self, sink: &mut impl EventSink) {
        if self.at_line_start {
            if self.prefix.is_empty() {
                self.phys += 1;
            }
            self.resolve_prefix(true, sink);
        }
        // A timestamped entry's piece may go on in a `+` entry: the next prefix decides.
        if !self.line_timestamped {
            self.end_piece(sink);
        }
        self.at_line_start = true;
    }

    /// End of input.
    pub(crate) fn finish(&mut self, sink: &mut impl EventSink) {
        let partial = !self.at_line_start || !self.prefix.is_empty();
        if self.at_line_start && !self.prefix.is_empty() {
            self.resolve_prefix(true, sink);
        }
        self.end_piece(sink);
        if partial && self.open {
            let mut bad = false;
            let tail = to_text(&self.display, &mut self.scratch, &mut bad);
            self.cut_last_line = !tail.trim().is_empty();
        }
        self.finish_logical(sink);
    }

    /// Decides whether the held-back start of the line is an FF_TIMESTAMPS prefix.
    fn resolve_prefix(&mut self, at_eol: bool, sink: &mut impl EventSink) {
        self.at_line_start = false;
        let held = std::mem::take(&mut self.prefix);
        let rest = match parse_ts_prefix(&held, at_eol) {
            Some(p) => {
                self.saw_prefix = true;
                self.line_timestamped = true;
                sink.time(p.ms);
                if p.continuation && self.open {
                    if self.piece_started && self.piece.len() < MAX_LINE_BYTES {
                        // Empty entries add no bytes: one record per offset keeps this bounded.
                        let entry = (self.piece.len(), Some(p.ms), self.phys);
                        match self.piece_entries.last_mut() {
                            Some(last) if last.0 == entry.0 => *last = entry,
                            _ => self.piece_entries.push(entry),
                        }
                    }
                } else {
                    self.finish_logical(sink);
                    self.start_logical(Some(p.ms), Some(p.stream));
                }
                self.entry_ms = Some(p.ms);
                held.get(TS_PREFIX_LEN..).unwrap_or_default()
            }
            None => {
                self.line_timestamped = false;
                self.finish_logical(sink);
                self.start_logical(None, None);
                self.entry_ms = None;
                &held[..]
            }
        };
        self.content(rest, sink);
        self.prefix = held;
        self.prefix.clear();
    }

    fn start_logical(&mut self, ms: Option<i64>, stream: Option<StreamId>) {
        self.open = true;
        self.line_no = self.phys;
        self.line_ms = ms;
        self.line_stream = stream;
    }

    fn finish_logical(&mut self, sink: &mut impl EventSink) {
        if !self.open {
            return;
        }
        self.end_piece(sink);
        let text = to_text(&self.display, &mut self.scratch, &mut self.invalid_utf8);
        sink.line(&LogicalLine {
            text: &text,
            line: self.line_no,
            ms: self.line_ms,
            stream: self.line_stream,
            had_marker: self.had_marker,
        });
        self.display.clear();
        self.pending_cr = false;
        self.had_marker = false;
        self.open = false;
    }

    /// Content bytes (no prefix, no `\n`): split at `\r`.
    fn content(&mut self, mut data: &[u8], sink: &mut impl EventSink) {
        while let Some(i) = memchr(b'\r', data) {
            self.piece_bytes(data.get(..i).unwrap_or_default(), sink);
            self.end_piece(sink);
            self.pending_cr = true;
            data = data.get(i + 1..).unwrap_or_default();
        }
        self.piece_bytes(data, sink);
    }

    fn piece_bytes(&mut self, data: &[u8], sink: &mut impl EventSink) {
        if data.is_empty() {
            return;
        }
        if !self.piece_started {
            self.piece_started = true;
            self.piece_ms = self.entry_ms;
            self.piece_line = self.phys;
            if std::mem::take(&mut self.pending_cr) {
                // Terminal semantics: text after `\r` overwrites the line.
                self.display.clear();
            }
        }
        let room = MAX_LINE_BYTES.saturating_sub(self.piece.len());
        if data.len() > room {
            self.note_truncated(sink);
        }
        self.piece
            .extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
    }

    /// Reports the markers of the finished piece and adds the rest of it to the display.
    fn end_piece(&mut self, sink: &mut impl EventSink) {
        if !self.piece_started {
            return;
        }
        self.piece_started = false;
        let piece = std::mem::take(&mut self.piece);
        let markers = scan_markers(&piece);
        let mut kept_from = 0;
        let entries = std::mem::take(&mut self.piece_entries);
        for m in &markers {
            let (ms, line) = entries
                .iter()
                .rev()
                .find(|(at, _, _)| *at <= m.start)
                .map_or((self.piece_ms, self.piece_line), |&(_, ms, line)| {
                    (ms, line)
                });
            sink.marker(m, line, ms);
            self.push_display(piece.get(kept_from..m.start).unwrap_or_default(), sink);
            kept_from = m.end;
        }
        self.had_marker |= !markers.is_empty();
        self.push_display(piece.get(kept_from..).unwrap_or_default(), sink);
        self.piece = piece;
        self.piece.clear();
        self.piece_entries = entries;
        self.piece_entries.clear();
    }

    fn push_display(&mut self, data: &[u8], sink: &mut impl EventSink) {
        let room = MAX_LINE_BYTES.saturating_sub(self.display.len());
        if data.len() > room {
            self.note_truncated(sink);
        }
        self.display
            .extend_from_slice(data.get(..room.min(data.len())).unwrap_or_default());
    }

    fn note_truncated(&mut self, sink: &mut impl EventSink) {
        if !self.truncated_warned {
            self.truncated_warned = true;
            sink.warn(format!(
                "some lines are longer than {MAX_LINE_BYTES} bytes; only their first {MAX_LINE_BYTES} bytes were kept (first at line {})",
                self.phys
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::gitlab_trace::marker::MarkerKind;

    #[derive(Default)]
    struct Rec {
        events: Vec<String>,
        warnings: Vec<String>,
    }

    impl EventSink for Rec {
        fn marker(&mut self, m: &Marker, line: u64, entry_ms: Option<i64>) {
            let kind = if m.kind == MarkerKind::Start {
                "start"
            } else {
                "end"
            };
            self.events
                .push(format!("{kind}:{} l{line} {entry_ms:?}", m.name));
        }
        fn line(&mut self, l: &LogicalLine<'_>) {
            self.events
                .push(format!("line l{} {:?} {:?}", l.line, l.ms, l.text));
        }
        fn time(&mut self, _ms: i64) {}
        fn warn(&mut self, message: String) {
            self.warnings.push(message);
        }
    }

    /// Feeds `input` in chunks of `chunk` bytes, splitting at `\n` like `parse_with`.
    fn run(input: &[u8], chunk: usize) -> Rec {
        let mut asm = Assembler::new();
        let mut rec = Rec::default();
        for part in input.chunks(chunk.max(1)) {
            let mut rest = part;
            while let Some(i) = memchr(b'\n', rest) {
                asm.bytes(&rest[..i], &mut rec);
                asm.newline(&mut rec);
                rest = &rest[i + 1..];
            }
            asm.bytes(rest, &mut rec);
        }
        asm.finish(&mut rec);
        rec
    }

    #[test]
    fn chained_markers_on_one_line() {
        let input = b"section_end:1:a\r\x1b[0Ksection_start:1:b\r\x1b[0Ksection_end:2:b\r\x1b[0K\x1b[32;1m$ whoami\x1b[0;m\n";
        for chunk in [1, 3, 1024] {
            assert_eq!(
                run(input, chunk).events,
                vec![
                    "end:a l1 None",
                    "start:b l1 None",
                    "end:b l1 None",
                    "line l1 None \"$ whoami\""
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn crlf_and_cr_overwrite() {
        let rec = run(
            b"one\r\nprogress 10%\rprogress 100%\nerased\r\x1b[0K\n",
            1024,
        );
        assert_eq!(
            rec.events,
            vec![
                "line l1 None \"one\"",
                "line l2 None \"progress 100%\"",
                "line l3 None \"\""
            ]
        );
    }

    #[test]
    fn markers_ended_by_newline_instead_of_cr() {
        let rec = run(b"section_start:1699355739:prepare_executor\n\x1b[0K\x1b[0K\x1b[36;1mPreparing the \"shell\" executor\x1b[0;m\n", 7);
        assert_eq!(
            rec.events,
            vec![
                "start:prepare_executor l1 None",
                "line l1 None \"\"",
                "line l2 None \"Preparing the \\\"shell\\\" executor\""
            ]
        );
    }

    #[test]
    fn timestamp_continuation_joins_entries_with_their_own_times() {
        let input = b"2026-01-21T09:47:26.583005Z 00O section_end:1768988846:prepare_executor\n\
2026-01-21T09:47:26.583007Z 00O+[0Ksection_start:1768988846:prepare_script\n\
2026-01-21T09:47:26.583103Z 00O+[0K[0K[36;1mPreparing environment[0;m[0;m\n\
2026-01-21T09:47:30.067573Z 01O Running on runner...\n";
        let rec = run(input, 5);
        assert_eq!(
            rec.events,
            vec![
                "end:prepare_executor l1 Some(1768988846583)",
                "start:prepare_script l2 Some(1768988846583)",
                "line l1 Some(1768988846583) \"Preparing environment\"",
                "line l4 Some(1768988850067) \"Running on runner...\"",
            ]
        );
    }

    #[test]
    fn marker_split_across_entries_is_found_with_its_entry_time() {
        // The runner cut an entry where its 8 KiB buffer filled, inside a marker.
        let input = b"2026-01-21T09:47:26.000001Z 01O some output section_st\n\
2026-01-21T09:47:27.000002Z 01O+art:1768988847:build_go\r\x1b[0Kcompiling\n\
2026-01-21T09:47:28.000003Z 01O done\n";
        let rec = run(input, 7);
        assert_eq!(
            rec.events,
            vec![
                "start:build_go l1 Some(1768988846000)",
                "line l1 Some(1768988846000) \"compiling\"",
                "line l3 Some(1768988848000) \"done\"",
            ]
        );
    }

    #[test]
    fn real_cr_before_continuation_overwrites() {
        // Runner <= 19.0 with CR intact: `…\r\n<ts> 00O+\e[0K…`.
        let input =
            b"2026-01-21T09:47:05.094269Z 00O section_start:1768988825:prepare_executor\r\n\
2026-01-21T09:47:05.094270Z 00O+\x1b[0K\x1b[36;1mPreparing the \"docker\" executor\x1b[0;m\n";
        let rec = run(input, 1024);
        assert_eq!(rec.events.len(), 2);
        assert_eq!(
            rec.events[1],
            "line l1 Some(1768988825094) \"Preparing the \\\"docker\\\" executor\""
        );
    }

    #[test]
    fn truncated_mid_line_flags_the_cut() {
        let mut asm = Assembler::new();
        let mut rec = Rec::default();
        asm.bytes(b"ok", &mut rec);
        asm.newline(&mut rec);
        asm.bytes(b"Downloading cache fr", &mut rec);
        asm.finish(&mut rec);
        assert!(asm.last_line_cut());
        assert_eq!(asm.lines(), 1 + 1);
    }

    #[test]
    fn long_piece_is_capped_and_warned_once() {
        let mut long = vec![b'x'; MAX_LINE_BYTES * 3];
        long.extend_from_slice(b"\rsection_end:5:s\n");
        let rec = run(&long, 4096);
        assert_eq!(rec.warnings.len(), 1);
        // The marker after the over-long piece is still found.
        assert_eq!(rec.events[0], "end:s l1 None");
    }
}
