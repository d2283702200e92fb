//! Fast path over the job's own output when nothing reads it: with a bundle describing the
//! build, a script section's lines matter only where they hold a section marker, a `$ `
//! command echo, or a message that matters anywhere (`… canceled`, `Job's log exceeded …`).
//! Runs of lines with none of those are counted, not assembled: the patterns are searched
//! for all at once, in one SIMD pass per buffer (aho-corasick's packed searcher), instead of
//! line by line.
//!
//! Only whole lines are skipped, only at a line start, and only when the next line is a new
//! entry (not an FF_TIMESTAMPS `+` continuation), so the assembler's state is the same as if
//! it had read them. With FF_TIMESTAMPS each skipped line's time is still noted, and a line
//! of the runner's own stream (`00`) is never skipped.

use aho_corasick::{AhoCorasick, MatchKind};
use std::sync::LazyLock;

use super::analyze::Analyzer;
use super::assemble::Assembler;
use super::time::{TS_PREFIX_LEN, parse_ts_prefix};

/// What makes a script line matter to the analyzer (see `Analyzer::line`).
static PATTERNS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(["section_", "$ ", "anceled", "Job's log exceeded"])
        .ok()
});

/// Where the next pattern occurs in the current buffer, so the buffer is searched once.
#[derive(Debug, Default)]
pub(crate) struct Skipper {
    /// Offset of the next match at or after where the last search began; `usize::MAX` when
    /// there is none; `None` before the first search in this buffer.
    next: Option<usize>,
}

impl Skipper {
    /// Forgets the position: a new buffer begins.
    pub(crate) fn new_buffer(&mut self) {
        self.next = None;
    }

    /// Offset of the first interesting byte at or after `from`.
    fn next_interesting(&mut self, buf: &[u8], from: usize) -> usize {
        match self.next {
            Some(at) if at >= from => at,
            _ => {
                let found = match (PATTERNS.as_ref(), buf.get(from..)) {
                    (Some(ac), Some(rest)) => {
                        ac.find(rest).map_or(usize::MAX, |m| from + m.start())
                    }
                    // No searcher (cannot happen with these patterns): skip nothing.
                    _ => from,
                };
                self.next = Some(found);
                found
            }
        }
    }

    /// Skips the boring whole lines of `buf` from `pos` (a line start) and returns the new
    /// position; returns `pos` when nothing can be skipped there.
    pub(crate) fn skip(
        &mut self,
        buf: &[u8],
        pos: usize,
        asm: &mut Assembler,
        analyzer: &mut Analyzer<'_>,
    ) -> usize {
        if !asm.at_line_start() || !analyzer.wants_script_lines_only_for_markers() {
            return pos;
        }
        let Some(rest) = buf.get(pos..) else {
            return pos;
        };
        let Some(first_end) = memchr::memchr(b'\n', rest) else {
            return pos;
        };
        let timestamped = asm.saw_timestamps();
        if timestamped {
            match parse_ts_prefix(rest.get(..first_end).unwrap_or_default(), true) {
                Some(p) if !p.continuation => {}
                _ => return pos,
            }
        }
        // The next line starts a new logical line: end the pending one now, so markers it
        // held are known (a section may have closed) before deciding to skip.
        asm.end_line(analyzer);
        if !analyzer.in_script_section() {
            return pos;
        }
        let stop = self.next_interesting(buf, pos);
        // Whole lines that end before the first interesting byte.
        let region_end = match buf
            .get(pos..stop.min(buf.len()))
            .and_then(|r| memchr::memrchr(b'\n', r))
        {
            Some(i) => pos + i + 1,
            None => return pos,
        };
        let region = buf.get(pos..region_end).unwrap_or_default();
        // Invalid UTF-8 must still be warned about: leave such a run to the normal path.
        if std::str::from_utf8(region).is_err() {
            return pos;
        }
        if !timestamped {
            asm.skip_lines(memchr::memchr_iter(b'\n', region).count() as u64);
            return region_end;
        }
        let mut at = pos;
        let mut skipped = 0u64;
        while let Some(end) = buf
            .get(at..region_end)
            .and_then(|r| memchr::memchr(b'\n', r))
        {
            let line = buf.get(at..at + end).unwrap_or_default();
            match parse_ts_prefix(
                line.get(..TS_PREFIX_LEN.min(line.len()))
                    .unwrap_or_default(),
                true,
            ) {
                Some(p) if !p.continuation && p.stream.number != 0 => {
                    analyzer.note_entry_time(p.ms);
                }
                _ => break,
            }
            skipped += 1;
            at += end + 1;
        }
        asm.skip_lines(skipped);
        at
    }
}
