//! A line reader with bounded memory: lines longer than a cap are cut, not buffered.

use std::io::{self, BufRead};

/// The lines of `text` as [`str::lines`] gives them (split at `\n`, a `\r` before it
/// dropped), found with the vectorised `memchr`: a `build-output` event's `Output` is
/// a whole heredoc of short lines, where the standard searcher was a tenth of the parse.
pub(crate) fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = (!text.is_empty()).then_some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        let Some(i) = memchr::memchr(b'\n', r.as_bytes()) else {
            // The last line, with no `\n`: a `\r` here ends nothing, so it stays.
            rest = None;
            return Some(r);
        };
        rest = Some(&r[i + 1..]).filter(|n| !n.is_empty());
        let line = &r[..i];
        Some(line.strip_suffix('\r').unwrap_or(line))
    })
}

pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    cap: usize,
    /// Lines that were longer than the cap.
    pub long_lines: u64,
    /// Whether the last line read ended with `\n` (false: the input was cut mid-line).
    pub ended_with_newline: bool,
    /// Bytes of the last line (and its newline) still in the reader's buffer: a line found
    /// whole in it is lent from there, uncopied, and consumed at the next call.
    lent: usize,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R, cap: usize) -> Self {
        LineReader {
            reader,
            buf: Vec::with_capacity(4096),
            cap,
            long_lines: 0,
            ended_with_newline: true,
            lent: 0,
        }
    }

    /// The next line without its `\n`, or `None` at the end. Bytes past the cap are
    /// skipped in place, so a 100 MB line costs `cap` bytes of memory.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        self.reader.consume(std::mem::take(&mut self.lent));
        // Nearly every line lies whole in the reader's buffer: lend it from there.
        let whole = match self.reader.fill_buf() {
            Ok(available) => memchr::memchr(b'\n', available).filter(|&end| end <= self.cap),
            Err(_) => None,
        };
        if let Some(end) = whole {
            self.lent = end + 1;
            self.ended_with_newline = true;
            // A buffer that holds bytes is returned again as it is, without a read.
            let available = self.reader.fill_buf()?;
            return Ok(Some(&available[..end]));
        }
        self.buf.clear();
        let mut cut = false;
        let mut read_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                if !read_any {
                    return Ok(None);
                }
                self.ended_with_newline = false;
                break;
            }
            read_any = true;
            let (chunk, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            let room = self.cap.saturating_sub(self.buf.len());
            if chunk.len() > room {
                cut = true;
            }
            self.buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let consumed = done.unwrap_or(available.len());
            self.reader.consume(consumed);
            if done.is_some() {
                self.ended_with_newline = true;
                break;
            }
        }
        if cut {
            self.long_lines += 1;
        }
        Ok(Some(&self.buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_are_the_standard_lines() {
        for text in [
            "", "a", "a\n", "\n", "a\n\nb", "a\r\nb\r", "\r\n\r\n", "x\ny\n\n",
        ] {
            assert_eq!(
                text_lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn cuts_long_lines_and_notices_missing_newline() {
        let data = format!("short\n{}\nlast", "x".repeat(100));
        let mut r = LineReader::new(io::Cursor::new(data), 10);
        assert_eq!(r.next_line().unwrap().unwrap(), b"short");
        assert_eq!(r.next_line().unwrap().unwrap(), b"xxxxxxxxxx");
        assert_eq!(r.next_line().unwrap().unwrap(), b"last");
        assert!(!r.ended_with_newline);
        assert!(r.next_line().unwrap().is_none());
        assert_eq!(r.long_lines, 1);
    }

    /// Lines lent from the reader's buffer and lines gathered across its refills read alike.
    #[test]
    fn lines_across_buffer_refills_read_whole() {
        let data: String = (0..500)
            .map(|i| format!("line {i} {}\n", "y".repeat(i % 37)))
            .collect();
        for capacity in [1, 7, 64, 4096] {
            let reader = io::BufReader::with_capacity(capacity, io::Cursor::new(data.clone()));
            let mut r = LineReader::new(reader, 1 << 20);
            let mut got = Vec::new();
            while let Some(line) = r.next_line().unwrap() {
                got.push(String::from_utf8(line.to_vec()).unwrap());
            }
            assert_eq!(
                got,
                data.lines().collect::<Vec<_>>(),
                "buffer of {capacity}"
            );
            assert!(r.ended_with_newline);
        }
    }
}
