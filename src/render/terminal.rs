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
pub struct Printable<W: Write> {
    inner: W,
    style: Style,
    /// The start of a UTF-8 sequence the last write ended in (at most 3 bytes).
    pending: Vec<u8>,
}

impl<W: Write> Printable<W> {
    pub fn new(inner: W, style: Style) -> Self {
        Printable {
            inner,
            style,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        let mut out = String::new();
        loop {
            match std::str::from_utf8(bytes) {
                Ok(text) => {
                    out.push_str(&printable(text, self.style));
                    break;
                }
                Err(e) => {
                    let (good, rest) = bytes.split_at(e.valid_up_to());
                    // Checked by from_utf8 just now.
                    out.push_str(&printable(
                        std::str::from_utf8(good).unwrap_or_default(),
                        self.style,
                    ));
                    match e.error_len() {
                        Some(bad) => {
                            for b in &rest[..bad] {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                            bytes = &rest[bad..];
                        }
                        // An incomplete sequence at the end: wait for the next write.
                        None => {
                            self.pending.extend_from_slice(rest);
                            break;
                        }
                    }
                }
            }
        }
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: Write> Write for Printable<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.emit(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.emit(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            let mut out = String::new();
            for b in rest {
                out.push_str(&format!("\\x{b:02x}"));
            }
            self.inner.write_all(out.as_bytes())?;
        }
        self.inner.flush()
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
        let mut p = Printable::new(Vec::new(), style);
        for c in chunks {
            p.write_all(c).unwrap();
        }
        p.flush().unwrap();
        String::from_utf8(p.inner).unwrap()
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
