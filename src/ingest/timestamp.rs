//! RFC 3339 timestamps as Go's `time.Time` marshals them (`2026-11-25T12:44:37.116284861Z`).
//!
//! The action graph carries them; a tiny civil-calendar parser avoids a date crate for one
//! format. Not for local-time formats or leap-second arithmetic.

/// Parses an RFC 3339 date-time into nanoseconds since the Unix epoch.
/// Returns `None` for malformed text and for Go's zero time (`0001-01-01T00:00:00Z`),
/// which the action graph uses for "never happened".
pub(crate) fn parse_rfc3339_nanos(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    if year <= 1 {
        return None;
    }
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos: i64 = 0;
    if let Some((&b'.', frac)) = rest.split_first() {
        let len = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, &c) in frac[..len].iter().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + i64::from(c - b'0');
            }
        }
        for _ in len..9 {
            nanos *= 10;
        }
        rest = &frac[len..];
    }
    let offset_seconds = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let value = digits(&[*h1, *h2])? * 3600 + digits(&[*m1, *m2])? * 60;
            if *sign == b'+' { value } else { -value }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_action_graph_times() {
        assert_eq!(parse_rfc3339_nanos("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_nanos("2026-11-25T12:44:37.116284861Z"),
            Some(1_795_610_677_116_284_861)
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
