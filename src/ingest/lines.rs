//! A line reader with bounded memory: lines longer than a cap are cut, not buffered.

use std::io::{self, BufRead};

pub struct LineReader<R> {
    reader: R,
    buf: Vec<u8>,
    cap: usize,
    /// Lines that were longer than the cap.
    pub long_lines: u64,
    /// Whether the last line read ended with `\n` (false: the input was cut mid-line).
    pub ended_with_newline: bool,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(reader: R, cap: usize) -> Self {
        LineReader {
            reader,
            buf: Vec::with_capacity(4096),
            cap,
            long_lines: 0,
            ended_with_newline: true,
        }
    }

    /// The next line without its `\n`, or `None` at the end. Bytes past the cap are
    /// skipped in place, so a 100 MB line costs `cap` bytes of memory.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
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
}
