//! RFC 3339 timestamps as Go's `time.Time` marshals them (`2026-11-25T12:44:37.116284861Z`).
//!
//! The action graph and FF_TIMESTAMPS job-trace prefixes carry them; a small civil-calendar
//! parser avoids a date crate for one format. Not for local-time formats or leap-second
//! arithmetic.

/// Parses an RFC 3339 date-time into nanoseconds since the Unix epoch (microsecond
/// precision: Go's nanoseconds are more than durations in milliseconds need).
/// Returns `None` for malformed text and for Go's zero time (`0001-01-01T00:00:00Z`),
/// which the action graph uses for "never happened".
pub(crate) fn parse_rfc3339_nanos(s: &str) -> Option<i64> {
    if digits(s.as_bytes(), 0, 4)? <= 1 {
        return None;
    }
    parse_rfc3339_micros(s.as_bytes())?.checked_mul(1_000)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads exactly `n` ASCII digits at `at`.
pub(crate) fn digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let field = s.get(at..at.checked_add(n)?)?;
    field.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

pub(crate) fn byte_is(s: &[u8], at: usize, allowed: &[u8]) -> bool {
    s.get(at).is_some_and(|b| allowed.contains(b))
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` into microseconds since the epoch.
/// The whole input must be the timestamp. Leap second 60 is accepted as in RFC 3339.
pub(crate) fn parse_rfc3339_micros(s: &[u8]) -> Option<i64> {
    let year = digits(s, 0, 4)?;
    let month = digits(s, 5, 2)?;
    let day = digits(s, 8, 2)?;
    let hour = digits(s, 11, 2)?;
    let minute = digits(s, 14, 2)?;
    let second = digits(s, 17, 2)?;
    if !(byte_is(s, 4, b"-") && byte_is(s, 7, b"-") && byte_is(s, 10, b"Tt ")) {
        return None;
    }
    if !(byte_is(s, 13, b":") && byte_is(s, 16, b":")) {
        return None;
    }
    let year = i64::from(year);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut pos = 19;
    let mut micros: i64 = 0;
    if byte_is(s, pos, b".") {
        pos += 1;
        let frac_len = s
            .get(pos..)?
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if frac_len == 0 {
            return None;
        }
        for i in 0..6 {
            let d = if i < frac_len {
                digits(s, pos + i, 1)?
            } else {
                0
            };
            micros = micros * 10 + i64::from(d);
        }
        pos += frac_len;
    }
    let offset_secs = parse_offset(s.get(pos..)?)?;
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour) * 3_600 + i64::from(minute) * 60 + i64::from(second)
        - offset_secs;
    secs.checked_mul(1_000_000)?.checked_add(micros)
}

/// `Z`, `z` or `±HH:MM`, and nothing after it. Returns the offset in seconds.
fn parse_offset(rest: &[u8]) -> Option<i64> {
    match rest {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), ..] if rest.len() == 6 && rest.get(3) == Some(&b':') => {
            let h = digits(rest, 1, 2)?;
            let m = digits(rest, 4, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h) * 3_600 + i64::from(m) * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_action_graph_times() {
        assert_eq!(parse_rfc3339_nanos("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_nanos("2026-11-25T12:44:37.116284861Z"),
            Some(1_795_610_677_116_284_000)
        );
        assert_eq!(
            parse_rfc3339_nanos("2026-11-25T13:44:37.5+01:00"),
            Some(1_795_610_677_500_000_000)
        );
    }

    #[test]
    fn rejects_zero_time_and_garbage() {
        assert_eq!(parse_rfc3339_nanos("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_nanos("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339_nanos("2026-11-25T12:44:37."), None);
        assert_eq!(parse_rfc3339_nanos("yesterday"), None);
        assert_eq!(parse_rfc3339_nanos("2026-11-25T12:44:37Zjunk"), None);
    }
}
