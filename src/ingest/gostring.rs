//! Decoding of Go's `%q` string literals, as printed by `GODEBUG=gocachehash=1` and `-x`.
//!
//! Go quotes with `strconv.Quote`: `\a \b \f \n \r \t \v \\ \"`, `\xNN` for bytes that are
//! not valid UTF-8, `\uNNNN` / `\UNNNNNNNN` for unprintable runes, and (rarely, from other
//! writers) octal `\NNN`. The result is bytes, because `\xNN` may produce invalid UTF-8.

/// Decodes the Go quoted string `s` (with or without its surrounding quotes).
/// Returns `None` when the literal is malformed (bad escape, truncated).
pub(crate) fn unquote(s: &str) -> Option<Vec<u8>> {
    // A literal that opens a quote must close it: a line cut mid-input is malformed.
    let inner = match s.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => s,
    };
    let bytes = inner.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // The text up to the next escape, in one copy: most literals have none.
        let Some(run) = memchr::memchr(b'\\', &bytes[i..]) else {
            out.extend_from_slice(&bytes[i..]);
            break;
        };
        out.extend_from_slice(&bytes[i..i + run]);
        i += run;
        let esc = *bytes.get(i + 1)?;
        i += 2;
        match esc {
            b'a' => out.push(0x07),
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'\\' => out.push(b'\\'),
            b'"' => out.push(b'"'),
            b'\'' => out.push(b'\''),
            b'x' => {
                out.push(hex_value(bytes.get(i..i + 2)?)? as u8);
                i += 2;
            }
            b'u' | b'U' => {
                let width = if esc == b'u' { 4 } else { 8 };
                let code = hex_value(bytes.get(i..i + width)?)?;
                i += width;
                let ch = char::from_u32(code)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            b'0'..=b'7' => {
                let digits = bytes.get(i - 1..i + 2)?;
                let mut value: u32 = 0;
                for d in digits {
                    if !(b'0'..=b'7').contains(d) {
                        return None;
                    }
                    value = value * 8 + u32::from(d - b'0');
                }
                out.push(u8::try_from(value).ok()?);
                i += 2;
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Like [`unquote`], replacing invalid UTF-8 with U+FFFD.
pub(crate) fn unquote_lossy(s: &str) -> Option<String> {
    let inner = match s.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"')?,
        None => s,
    };
    // Most inputs hold only one-character escapes (every one ends in `\n`): those are
    // decoded as text, with no second UTF-8 check. `\x`, `\u` and octal take the byte path.
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(at) = memchr::memchr(b'\\', rest.as_bytes()) {
        out.push_str(&rest[..at]);
        let decoded = match rest.as_bytes().get(at + 1)? {
            b'a' => '\x07',
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'v' => '\x0b',
            b'\\' => '\\',
            b'"' => '"',
            b'\'' => '\'',
            _ => {
                return unquote(s).map(|b| match String::from_utf8(b) {
                    Ok(s) => s,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                });
            }
        };
        out.push(decoded);
        // The escape is two ASCII bytes: what follows starts a character.
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    Some(out)
}

fn hex_value(digits: &[u8]) -> Option<u32> {
    let mut value: u32 = 0;
    for &d in digits {
        value = value.checked_mul(16)? + char::from(d).to_digit(16)?;
    }
    Some(value)
}

/// Splits a Go `%q`-formatted `[]string` (`["-N" "-l"]`, `[]`) into its elements.
/// Returns `None` when `s` is not such a list.
pub(crate) fn split_quoted_list(s: &str) -> Option<Vec<String>> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let mut rest = inner.trim_start();
    while !rest.is_empty() {
        let end = closing_quote(rest)?;
        items.push(unquote_lossy(&rest[..=end])?);
        rest = rest[end + 1..].trim_start();
    }
    Some(items)
}

/// Index of the quote that closes the Go literal starting at `s[0] == '"'`.
pub(crate) fn closing_quote(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_go_escapes() {
        assert_eq!(unquote(r#""compile\n""#).unwrap(), b"compile\n");
        assert_eq!(
            unquote(r#""import \"fmt\"\n""#).unwrap(),
            b"import \"fmt\"\n"
        );
        assert_eq!(unquote(r#""0w\xaf\f""#).unwrap(), b"0w\xaf\x0c");
        assert_eq!(unquote_lossy(r#""\u00e9""#).unwrap(), "é");
        assert_eq!(unquote(r#""\101""#).unwrap(), b"A");
    }

    #[test]
    fn rejects_malformed_literals() {
        assert_eq!(unquote(r#""abc\"#), None);
        assert_eq!(unquote(r#""\xZZ""#), None);
        assert_eq!(unquote(r#""\q""#), None);
        assert_eq!(unquote(r#""\U0011FFFF""#), None);
        assert_eq!(unquote(r#""\777""#), None);
    }

    #[test]
    fn splits_flag_lists() {
        assert_eq!(split_quoted_list("[]").unwrap(), Vec::<String>::new());
        assert_eq!(
            split_quoted_list(r#"["-N" "-l" "a\"b"]"#).unwrap(),
            vec!["-N", "-l", "a\"b"]
        );
        assert_eq!(split_quoted_list(r#"["-N"#), None);
    }
}
