//! Finds `section_start:` / `section_end:` markers inside one `\r`-delimited piece of a
//! trace line. Not for deciding nesting or durations (`sections.rs` does that).
//!
//! Shape, from gitlab-runner `helpers/build_section.go` and GitLab's
//! `lib/gitlab/regex.rb` (`build_trace_section_regex`):
//! `section_(start|end):<digits>:<[a-zA-Z0-9_.-]+>[\[k=v(, ?k=v)*\]]` then `\r\e[0K`.
//! The `\r` is often gone (saved copies turned it into `\n`, or it split the piece), so a
//! marker here must be followed by the end of the piece, an ESC, an ESC-less `[0K` /
//! `[…m` remnant, or only blanks. That keeps `echo "section_start:1:x"` text out.

use super::clean::remnant_len;
use memchr::memmem::Finder;
use std::sync::LazyLock;

/// Built once: every piece of every line is searched.
static SECTION_PREFIX: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"section_"));

/// Longest accepted section name; GitLab has no limit, but names are short identifiers.
const MAX_NAME: usize = 1_024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkerKind {
    Start,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Marker {
    pub(crate) kind: MarkerKind,
    /// Marker time in ms; `None` when the digits did not fit.
    pub(crate) ms: Option<i64>,
    pub(crate) name: String,
    pub(crate) options: Vec<(String, String)>,
    /// Byte range of the marker text (options included) inside the piece.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// All markers in `piece`, in order. Allocates nothing when there is none.
pub(crate) fn scan_markers(piece: &[u8]) -> Vec<Marker> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(rel) = piece.get(from..).and_then(|rest| SECTION_PREFIX.find(rest)) {
        let at = from + rel;
        match parse_marker_at(piece, at) {
            Some(m) => {
                from = m.end;
                found.push(m);
            }
            None => from = at + 1,
        }
    }
    found
}

fn parse_marker_at(piece: &[u8], at: usize) -> Option<Marker> {
    let rest = piece.get(at + "section_".len()..)?;
    let (kind, mut pos) = if rest.starts_with(b"start:") {
        (MarkerKind::Start, at + "section_start:".len())
    } else if rest.starts_with(b"end:") {
        (MarkerKind::End, at + "section_end:".len())
    } else {
        return None;
    };
    let digits = run_len(piece, pos, |b| b.is_ascii_digit());
    if digits == 0 || piece.get(pos + digits) != Some(&b':') {
        return None;
    }
    let ms = marker_ms(piece.get(pos..pos + digits)?);
    pos += digits + 1;
    let name_len = run_len(piece, pos, |b| {
        b.is_ascii_alphanumeric() || b"_.-".contains(&b)
    });
    if name_len == 0 || name_len > MAX_NAME {
        return None;
    }
    let name = String::from_utf8_lossy(piece.get(pos..pos + name_len)?).into_owned();
    pos += name_len;
    let mut options = Vec::new();
    if let Some((opts, len)) = parse_options(piece.get(pos..)?) {
        options = opts;
        pos += len;
    }
    if !terminated(piece.get(pos..)?) {
        return None;
    }
    Some(Marker {
        kind,
        ms,
        name,
        options,
        start: at,
        end: pos,
    })
}

fn run_len(s: &[u8], from: usize, pred: impl Fn(u8) -> bool) -> usize {
    s.get(from..)
        .map_or(0, |rest| rest.iter().take_while(|b| pred(**b)).count())
}

/// Marker digits are whole Unix seconds (`time.Now().UTC().Unix()`). GitLab's regex also
/// takes longer runs (its spec uses 13 digits); a value past year 5138 can only be ms.
fn marker_ms(digits: &[u8]) -> Option<i64> {
    let value = std::str::from_utf8(digits).ok()?.parse::<i64>().ok()?;
    if value >= 100_000_000_000 {
        Some(value)
    } else {
        value.checked_mul(1_000)
    }
}

/// `[key=value,key=value]` as built by `stringifySectionOptions` in `shells/abstract.go`;
/// GitLab also accepts a space after each comma.
fn parse_options(s: &[u8]) -> Option<(Vec<(String, String)>, usize)> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let close = s.iter().take(4_096).position(|b| *b == b']')?;
    let body = std::str::from_utf8(s.get(1..close)?).ok()?;
    let word = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let mut opts = Vec::new();
    for pair in body.split(',') {
        let (k, v) = pair.trim_start_matches(' ').split_once('=')?;
        if !word(k) || !word(v) {
            return None;
        }
        opts.push((k.to_owned(), v.to_owned()));
    }
    Some((opts, close + 1))
}

fn terminated(after: &[u8]) -> bool {
    match after.first() {
        None | Some(0x1b | b'\r' | b'\n') => true,
        Some(b'[') => remnant_len(after).is_some(),
        Some(_) => after.iter().all(|b| *b == b' ' || *b == b'\t'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(piece: &[u8]) -> Vec<(MarkerKind, Option<i64>, String)> {
        scan_markers(piece)
            .into_iter()
            .map(|m| (m.kind, m.ms, m.name))
            .collect()
    }

    #[test]
    fn plain_marker_and_position() {
        let piece = b"\x1b[0Ksection_start:1506004958:restore_cache";
        let found = scan_markers(piece);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, MarkerKind::Start);
        assert_eq!(found[0].ms, Some(1_506_004_958_000));
        assert_eq!(found[0].name, "restore_cache");
        assert_eq!((found[0].start, found[0].end), (4, piece.len()));
    }

    #[test]
    fn options_are_parsed() {
        let found = scan_markers(b"section_start:1627911560:section_27e4a11ba6450738[hide_duration=true,collapsed=true]\x1b[0K");
        assert_eq!(found[0].name, "section_27e4a11ba6450738");
        assert_eq!(
            found[0].options,
            vec![
                ("hide_duration".to_owned(), "true".to_owned()),
                ("collapsed".to_owned(), "true".to_owned())
            ]
        );
        let spaced = scan_markers(b"section_start:1:x[collapsed=true, a=b]");
        assert_eq!(spaced[0].options.len(), 2);
    }

    #[test]
    fn escless_chain_in_one_piece() {
        // 18.7 excerpt once its continuation entries are joined: no CR, no ESC.
        let piece =
            b"section_end:1768988846:prepare_executor[0Ksection_start:1768988846:prepare_script[0K";
        assert_eq!(
            names(piece),
            vec![
                (
                    MarkerKind::End,
                    Some(1_768_988_846_000),
                    "prepare_executor".to_owned()
                ),
                (
                    MarkerKind::Start,
                    Some(1_768_988_846_000),
                    "prepare_script".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn rejects_text_that_only_mentions_markers() {
        assert!(names(b"$ echo \"section_start:123:foo\"").is_empty());
        assert!(names(b"section_start:`date +%s`:foo").is_empty());
        assert!(names(b"section_start::foo").is_empty());
        assert!(names(b"section_middle:1:foo").is_empty());
        assert!(names(b"section_start:1:[0K").is_empty());
        assert!(names(b"-- create_table(\"ci_build_trace_section_names\"").is_empty());
    }

    #[test]
    fn huge_or_ms_timestamps() {
        assert_eq!(
            scan_markers(b"section_end:1506004958123:x")[0].ms,
            Some(1_506_004_958_123)
        );
        assert_eq!(
            scan_markers(b"section_end:99999999999999999999999:x")[0].ms,
            None
        );
    }
}
