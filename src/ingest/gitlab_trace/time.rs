//! Times inside GitLab traces: a small RFC 3339 parser (UTC or fixed offset) and the
//! FF_TIMESTAMPS line prefix. Not a general date library: no time zones, no formatting.

#[cfg(test)]
use crate::ingest::timestamp::days_from_civil;
use crate::ingest::timestamp::{byte_is, digits, parse_rfc3339_micros};
use crate::model::job::StreamId;

/// Length of the FF_TIMESTAMPS prefix: 27 bytes of time, a space, two hex digits of
/// stream, `O`/`E`, and the `' '`/`'+'` flag
/// (gitlab-runner `common/buildlogger/internal/timestamper/timestamper.go`).
pub(crate) const TS_PREFIX_LEN: usize = 32;

/// One parsed FF_TIMESTAMPS prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TsPrefix {
    pub(crate) ms: i64,
    pub(crate) stream: StreamId,
    /// `+`: this entry continues the previous one (the runner flushed at a `\r` or at 8 KiB).
    pub(crate) continuation: bool,
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Parses the FF_TIMESTAMPS prefix at the start of a physical line, in the exact shape
/// GitLab's log viewer accepts (`app/assets/javascripts/ci/job_log_viewer/lib/scanner.js`):
/// `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z [0-9a-f]{2}[EO][+ ]`.
/// `at_eol` allows a 31-byte line whose trailing space flag was trimmed by whoever saved it.
pub(crate) fn parse_ts_prefix(line: &[u8], at_eol: bool) -> Option<TsPrefix> {
    let flag = match line.get(31) {
        Some(b' ') => false,
        Some(b'+') => true,
        None if at_eol && line.len() == 31 => false,
        _ => return None,
    };
    if !(byte_is(line, 19, b".") && byte_is(line, 26, b"Z") && byte_is(line, 27, b" ")) {
        return None;
    }
    digits(line, 20, 6)?;
    let micros = parse_rfc3339_micros(line.get(..27)?)?;
    let hi = hex_val(*line.get(28)?)?;
    let lo = hex_val(*line.get(29)?)?;
    let stderr = match line.get(30) {
        Some(b'O') => false,
        Some(b'E') => true,
        _ => return None,
    };
    Some(TsPrefix {
        ms: micros.div_euclid(1_000),
        stream: StreamId {
            number: hi * 16 + lo,
            stderr,
        },
        continuation: flag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_rfc3339_ms(s: &str) -> Option<i64> {
        parse_rfc3339_micros(s.as_bytes()).map(|us| us.div_euclid(1_000))
    }

    #[test]
    fn days_from_civil_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
        assert_eq!(days_from_civil(2026, 1, 21), 20_474);
    }

    #[test]
    fn rfc3339_utc_with_micros() {
        // 1768988825 is the section_start second of the same line in the 18.7 excerpt.
        assert_eq!(
            parse_rfc3339_micros(b"2026-01-21T09:47:05.094269Z"),
            Some(1_768_988_825_094_269)
        );
        assert_eq!(
            parse_rfc3339_ms("2026-01-21T09:47:05.094269Z"),
            Some(1_768_988_825_094)
        );
    }

    #[test]
    fn rfc3339_offsets_fractions_and_leap_days() {
        assert_eq!(parse_rfc3339_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_rfc3339_ms("1969-12-31T23:59:59.5Z"), Some(-500));
        assert_eq!(
            parse_rfc3339_ms("2024-02-29T00:00:00.123456789Z"),
            Some(1_709_164_800_123)
        );
        assert_eq!(parse_rfc3339_ms("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("2023-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("2023-01-01T24:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms("2023-01-01T00:00:00"), None);
        assert_eq!(parse_rfc3339_ms("2023-01-01T00:00:00.Z"), None);
        assert_eq!(parse_rfc3339_ms("2023-01-01T00:00:00Zjunk"), None);
        assert_eq!(parse_rfc3339_ms("20é3-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_ms(""), None);
    }

    #[test]
    fn ts_prefix_new_line_and_continuation() {
        let p = parse_ts_prefix(b"2026-01-21T09:47:05.094269Z 00O section_start:1:x", false)
            .expect("prefix");
        assert_eq!(p.ms, 1_768_988_825_094);
        assert_eq!(
            p.stream,
            StreamId {
                number: 0,
                stderr: false
            }
        );
        assert!(!p.continuation);

        let p = parse_ts_prefix(b"2021-01-01T04:00:00.020010Z ffE+.", false).expect("prefix");
        assert_eq!(
            p.stream,
            StreamId {
                number: 255,
                stderr: true
            }
        );
        assert!(p.continuation);
    }

    #[test]
    fn ts_prefix_rejects_near_misses() {
        // Three fraction digits, missing stream, wrong stream letter, no flag.
        assert!(parse_ts_prefix(b"2026-01-21T09:47:05.094Z 00O x", false).is_none());
        assert!(parse_ts_prefix(b"2026-01-21T09:47:05.094269Z O hello", false).is_none());
        assert!(parse_ts_prefix(b"2026-01-21T09:47:05.094269Z 00X hello", false).is_none());
        assert!(parse_ts_prefix(b"2026-01-21T09:47:05.094269Z 00O", false).is_none());
        assert!(parse_ts_prefix(b"2026-01-21T09:47:05.094269Z 00O", true).is_some());
        assert!(parse_ts_prefix(b"time=\"2021-05-20T15:29:22Z\" level=warning", false).is_none());
    }
}
