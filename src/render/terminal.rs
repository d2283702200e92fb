//! Text bound for a terminal or a CI log, made printable: job logs, compiler messages,
//! package names and flags come from merge requests, and an ESC sequence or a bidi
//! override in them must not recolour, move or reorder what a reviewer sees.
//!
//! [`Printable`] wraps the writer every terminal output goes through, so no table or
//! message can forget it. C0 controls (but newline and tab), DEL, C1 controls, the bidi
//! embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and bytes that are not
//! UTF-8 are shown as visible escapes: `\x1b`, `\u{202e}` in text; in JSON the same
//! character as a JSON escape (`\u001b`, `\u202e`), so the document means the same.

use std::io::{self, Write};

/// How an unprintable character is spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `\x1b`, `\u{202e}`: for tables and messages.
    Text,
    /// `\u001b`, `\u202e`: inside a JSON document, where it reads back as the same text.
    Json,
}

/// Whether `c` must not reach a terminal as it is.
pub fn is_unprintable(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every unprintable character escaped.
pub fn printable(text: &str, style: Style) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_unprintable) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push(&mut out, c, style);
    }
    std::borrow::Cow::Owned(out)
}

fn push(out: &mut String, c: char, style: Style) {
    use std::fmt::Write as _;
    if !is_unprintable(c) {
        out.push(c);
        return;
    }
    let n = u32::from(c);
    let _ = match style {
        Style::Text if n <= 0xff => write!(out, "\\x{n:02x}"),
        Style::Text => write!(out, "\\u{{{n:x}}}"),
        Style::Json => write!(out, "\\u{n:04x}"),
    };
}

/// A writer that makes everything written through it printable. Bytes that are not UTF-8
/// become `\xNN`; a character split across two writes is joined first.
///
/// Writes are gathered into chunks of [`CHUNK`] bytes before they are checked: serde_json
/// writes a document token by token, and checking (and forwarding) each token on its own
/// cost more than producing the report. Runs of plain ASCII, most of any output, are
/// forwarded as they are. What is gathered reaches `inner` on `flush` (or on drop).
pub struct Printable<W: Write> {
    inner: W,
    style: Style,
    /// Written but not yet checked; at most [`CHUNK`] bytes plus one write.
    pending: Vec<u8>,
}

/// How many bytes [`Printable`] gathers before it checks and forwards them.
const CHUNK: usize = 32 * 1024;

/// Printable ASCII, newline and tab: bytes forwarded without a second look.
fn is_plain(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t'
}

impl<W: Write> Printable<W> {
    pub fn new(inner: W, style: Style) -> Self {
        Printable {
            inner,
            style,
            pending: Vec::new(),
        }
    }

    /// Checks and forwards what is pending. An incomplete UTF-8 sequence at the end stays
    /// pending for the next write, unless `at_end`: then it is shown as bad bytes.
    fn drain(&mut self, at_end: bool) -> io::Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        let used = self.forward(&pending, at_end)?;
        pending.drain(..used);
        self.pending = pending;
        Ok(())
    }

    /// Checks and forwards `bytes`; returns how many were used (all but an incomplete UTF-8
    /// sequence at the end, unless `at_end`).
    fn forward(&mut self, all: &[u8], at_end: bool) -> io::Result<usize> {
        let mut bytes = all;
        let mut escaped = String::new();
        while !bytes.is_empty() {
            let plain = plain_prefix(bytes);
            if plain > 0 {
                self.inner.write_all(&bytes[..plain])?;
                bytes = &bytes[plain..];
                continue;
            }
            // One character (or one bad byte) that is not plain ASCII.
            let head = &bytes[..bytes.len().min(4)];
            let valid = match std::str::from_utf8(head) {
                Ok(text) => text,
                // Checked by from_utf8 just now.
                Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
            };
            escaped.clear();
            let used = match valid.chars().next() {
                Some(c) => {
                    push(&mut escaped, c, self.style);
                    c.len_utf8()
                }
                // A sequence cut by the end of what was written: wait for the rest.
                None if !at_end && is_incomplete(bytes) => break,
                None => {
                    use std::fmt::Write as _;
                    let _ = write!(escaped, "\\x{:02x}", bytes[0]);
                    1
                }
            };
            self.inner.write_all(escaped.as_bytes())?;
            bytes = &bytes[used..];
        }
        Ok(all.len() - bytes.len())
    }
}

/// How many bytes at the start of `bytes` are plain: checked 32 at a time without an early
/// exit (which the compiler turns into vector code), then byte by byte in the block that
/// holds the first other one.
fn plain_prefix(bytes: &[u8]) -> usize {
    const BLOCK: usize = 32;
    let mut start = 0;
    for block in bytes.chunks(BLOCK) {
        if block.iter().fold(true, |all, &b| all & is_plain(b)) {
            start += block.len();
            continue;
        }
        return start
            + block
                .iter()
                .position(|&b| !is_plain(b))
                .unwrap_or(block.len());
    }
    start
}

/// Whether `bytes` starts a UTF-8 sequence that is valid so far and only cut short.
fn is_incomplete(bytes: &[u8]) -> bool {
    bytes.len() < 4
        && matches!(std::str::from_utf8(bytes), Err(e) if e.valid_up_to() == 0 && e.error_len().is_none())
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() && buf.len() >= CHUNK {
            // Large enough on its own (a `BufWriter` above): no copy.
            let used = self.forward(buf, false)?;
            self.pending.extend_from_slice(&buf[used..]);
        } else {
            self.pending.extend_from_slice(buf);
            if self.pending.len() >= CHUNK {
                self.drain(false)?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.drain(true)?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for Printable<W> {
    /// Like `BufWriter`: what was gathered is written out; an error here has no one to
    /// report to (callers that care call `flush`).
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

/// A writer that folds every line longer than `width` characters at word boundaries, its
/// continuation lines indented like the line itself. Tables are already fitted by
/// comfy-table; this catches the free text around them (the headline, notes, warnings), so
/// a CI log's width holds for every line.
pub struct Fold<W: Write> {
    inner: W,
    width: usize,
    line: Vec<u8>,
}

impl<W: Write> Fold<W> {
    pub fn new(inner: W, width: usize) -> Self {
        Fold {
            inner,
            width: width.max(20),
            line: Vec::new(),
        }
    }

    fn emit_line(&mut self) -> io::Result<()> {
        let text = String::from_utf8_lossy(&self.line);
        if text.chars().count() <= self.width {
            self.inner.write_all(&self.line)?;
        } else {
            let indent: String = text.chars().take_while(|c| *c == ' ').collect();
            let options = textwrap::Options::new(self.width)
                .subsequent_indent(&indent)
                .break_words(false)
                .word_splitter(textwrap::WordSplitter::NoHyphenation);
            let folded = textwrap::wrap(&text, options).join("\n");
            self.inner.write_all(folded.as_bytes())?;
        }
        self.line.clear();
        Ok(())
    }
}

impl<W: Write> Write for Fold<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for piece in buf.split_inclusive(|&b| b == b'\n') {
            match piece.strip_suffix(b"\n") {
                Some(body) => {
                    self.line.extend_from_slice(body);
                    self.emit_line()?;
                    self.inner.write_all(b"\n")?;
                }
                None => self.line.extend_from_slice(piece),
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.line.is_empty() {
            self.emit_line()?;
        }
        self.inner.flush()
    }
}

/// One line for stderr (`goattrib: warning: ...`), made printable.
pub fn line(text: &str) -> std::borrow::Cow<'_, str> {
    printable(text, Style::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through(style: Style, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        let mut p = Printable::new(&mut out, style);
        for c in chunks {
            p.write_all(c).unwrap();
        }
        p.flush().unwrap();
        drop(p);
        String::from_utf8(out).unwrap()
    }

    /// Regression (issue 15): Go's `%q` decoding turned the text `\x1b` into a real ESC,
    /// and tables printed it raw.
    #[test]
    fn escapes_and_bidi_overrides_become_visible() {
        let hostile = "pkg\u{1b}[31mred\u{7}\u{202e}evil\u{2066}\u{85}\r";
        assert_eq!(
            printable(hostile, Style::Text),
            "pkg\\x1b[31mred\\x07\\u{202e}evil\\u{2066}\\x85\\x0d"
        );
        assert_eq!(
            printable(hostile, Style::Json),
            "pkg\\u001b[31mred\\u0007\\u202eevil\\u2066\\u0085\\u000d"
        );
        assert_eq!(printable("ok\ttab\nline é", Style::Text), "ok\ttab\nline é");
    }

    #[test]
    fn a_character_split_across_writes_is_kept_and_bad_bytes_are_shown() {
        let e = "é".as_bytes();
        assert_eq!(through(Style::Text, &[&e[..1], &e[1..], b"!"]), "é!");
        assert_eq!(through(Style::Text, &[b"a\xffb"]), "a\\xffb");
        assert_eq!(through(Style::Text, &[b"cut\xc3"]), "cut\\xc3");
    }

    /// A chunk boundary inside a character, and inside a run of bad bytes, changes nothing:
    /// the same text written whole and byte by byte reads the same.
    #[test]
    fn chunking_never_splits_a_character() {
        let mut text = Vec::new();
        for i in 0..CHUNK {
            text.extend_from_slice(if i % 7 == 0 {
                "é\u{202e}".as_bytes()
            } else {
                b"ab\xff"
            });
        }
        let whole = through(Style::Text, &[&text]);
        let pieces: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(through(Style::Text, &pieces), whole);
        // Writes as large as a chunk go through without a copy, each cut inside a character.
        let large: Vec<&[u8]> = text.chunks(CHUNK + 1).collect();
        assert!(large.len() > 2);
        assert_eq!(through(Style::Text, &large), whole);
        assert!(whole.contains("é\\u{202e}ab\\xff"), "{}", &whole[..60]);
        assert!(!whole.chars().any(is_unprintable));
    }

    #[test]
    fn long_free_text_folds_and_short_lines_stay() {
        let mut f = Fold::new(Vec::new(), 20);
        f.write_all(b"short\n  one two three four five six seven\nend")
            .unwrap();
        f.flush().unwrap();
        let text = String::from_utf8(f.inner).unwrap();
        assert_eq!(text, "short\n  one two three four\n  five six seven\nend");
        assert!(text.lines().all(|l| l.chars().count() <= 20));
    }

    #[test]
    fn escaped_json_reads_back_as_the_same_text() {
        let value = serde_json::json!({ "p": "a\u{202e}b\u{85}c\u{1b}" });
        let text = through(
            Style::Json,
            &[serde_json::to_string(&value).unwrap().as_bytes()],
        );
        assert!(!text.chars().any(is_unprintable), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
