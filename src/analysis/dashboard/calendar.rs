//! Calendar arithmetic of dashboard periods: `YYYY-MM-DD` days, the period after one, and
//! `--since 12w` spans. Proleptic Gregorian, UTC.

use crate::history::Bucket;
use crate::ingest::timestamp::days_from_civil;

/// `(year, month, day)` of a day number since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub fn format_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Day number of `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// The first day of the period after the one starting on `day`.
pub fn next_start(bucket: Bucket, day: i64) -> i64 {
    match bucket {
        Bucket::Day => day + 1,
        Bucket::Week => day + 7,
        Bucket::Month => {
            let (y, m, _) = civil_from_days(day);
            if m == 12 {
                days_from_civil(y + 1, 1, 1)
            } else {
                days_from_civil(y, m + 1, 1)
            }
        }
    }
}

/// The first day of the period containing `day`.
pub fn period_start(bucket: Bucket, day: i64) -> i64 {
    match bucket {
        Bucket::Day => day,
        // 1970-01-01 was a Thursday: day 4 is a Monday.
        Bucket::Week => day - (day - 4).rem_euclid(7),
        Bucket::Month => {
            let (y, m, _) = civil_from_days(day);
            days_from_civil(y, m, 1)
        }
    }
}

/// Seconds in a span like `12w`, `90d`, `6m` (30-day months), `1y` (365 days), `36h`.
pub fn parse_span(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    let secs = match unit {
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        'm' => 30 * 86_400,
        'y' => 365 * 86_400,
        _ => return None,
    };
    (n >= 0).then_some(n.checked_mul(secs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let d = parse_day("2026-11-05").unwrap(); // a Thursday
        assert_eq!(format_day(period_start(Bucket::Week, d)), "2026-11-02");
        assert_eq!(
            format_day(period_start(Bucket::Week, parse_day("2026-11-08").unwrap())),
            "2026-11-02"
        );
        assert_eq!(
            format_day(next_start(Bucket::Month, parse_day("2026-12-01").unwrap())),
            "2027-01-01"
        );
        assert_eq!(parse_span("12w"), Some(12 * 7 * 86_400));
        assert_eq!(parse_span("12x"), None);
    }
}
