//! Text for the charts: make untrusted strings safe for XML, estimate their width, shorten
//! them to fit, and format times. Not for escaping: plotters' SVG backend escapes `<>&"'`
//! in text and attributes (plotters-svg 0.3.7 `escape_and_push`); this removes what no
//! escaping can carry (control characters are not allowed in XML 1.0 at all).

/// Replaces characters XML 1.0 cannot hold (C0 controls but tab, U+FFFE/U+FFFF) and the
/// other controls and line breaks (a label is one line) with U+FFFD or a space.
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

/// Advance width of one character in em for a typical sans-serif face (Helvetica, Arial and
/// DejaVu Sans differ by about 10%; the viewer picks the face, so this can only estimate).
fn advance_em(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | ' ' => 0.3,
        'f' | 't' | 'r' | 'I' | '/' | '(' | ')' | '[' | ']' | '-' | '"' => 0.38,
        'm' | 'w' | 'M' | 'W' | '@' | '%' => 0.88,
        'A'..='Z' => 0.68,
        '0'..='9' => 0.58,
        c if c.is_ascii() => 0.56,
        // CJK and other wide scripts.
        c if c >= '\u{1100}' && unicode_wide(c) => 1.0,
        _ => 0.62,
    }
}

fn unicode_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x1F300..=0x1FAFF | 0x20000..=0x3FFFD)
}

/// Estimated width in pixels of `text` at `font_px`, erring wide (DejaVu Sans, a common
/// fallback, is about 10% wider than Helvetica): text that fits here fits on screen.
pub(crate) fn width_px(text: &str, font_px: f64) -> f64 {
    text.chars().map(advance_em).sum::<f64>() * font_px * 1.12
}

/// `text` cleaned and, when wider than `max_px`, shortened in the middle with an ellipsis:
/// for import paths both the host and the last elements say something.
pub(crate) fn fit_middle(text: &str, max_px: f64, font_px: f64) -> String {
    let text = clean(text);
    if width_px(&text, font_px) <= max_px {
        return text;
    }
    let chars: Vec<char> = text.chars().collect();
    let budget = (max_px / font_px / 1.12 - advance_em('…')).max(0.0);
    // Keep about a third from the front and the rest from the end.
    let (mut head, mut tail) = (0usize, 0usize);
    let (mut head_em, mut tail_em) = (0.0, 0.0);
    while head + tail < chars.len() {
        let take_head = head_em * 2.0 <= tail_em;
        let c = if take_head {
            chars[head]
        } else {
            chars[chars.len() - 1 - tail]
        };
        let w = advance_em(c);
        if head_em + tail_em + w > budget {
            break;
        }
        if take_head {
            head += 1;
            head_em += w;
        } else {
            tail += 1;
            tail_em += w;
        }
    }
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `text` cleaned and, when wider than `max_px`, cut at the end with an ellipsis.
pub(crate) fn fit_end(text: &str, max_px: f64, font_px: f64) -> String {
    let text = clean(text);
    if width_px(&text, font_px) <= max_px {
        return text;
    }
    let budget = (max_px / font_px / 1.12 - advance_em('…')).max(0.0);
    let mut used = 0.0;
    let mut out = String::new();
    for c in text.chars() {
        used += advance_em(c);
        if used > budget {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The unit of a time axis: seconds once the range reaches two seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeUnit {
    Ms,
    S,
}

impl TimeUnit {
    pub(crate) fn for_range(max_abs_ms: f64) -> Self {
        if max_abs_ms >= 2_000.0 {
            TimeUnit::S
        } else {
            TimeUnit::Ms
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            TimeUnit::Ms => "ms",
            TimeUnit::S => "s",
        }
    }

    /// A tick label: the number in this unit, without the unit (the axis title says it).
    pub(crate) fn tick(self, ms: f64) -> String {
        let v = match self {
            TimeUnit::Ms => ms,
            TimeUnit::S => ms / 1_000.0,
        };
        trim_number(v)
    }
}

/// A number with at most two decimals and no trailing zeros; `-0` is `0`.
pub(crate) fn trim_number(v: f64) -> String {
    if !v.is_finite() {
        return "?".to_owned();
    }
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// A duration for a label: `12.3 ms`, `4.56 s`, `3 min 20 s`.
pub(crate) fn duration(ms: f64) -> String {
    if !ms.is_finite() {
        return "?".to_owned();
    }
    let sign = if ms < 0.0 { "−" } else { "" };
    let a = ms.abs();
    if a >= 120_000.0 {
        let s = (a / 1_000.0).round() as u64;
        format!("{sign}{} min {} s", s / 60, s % 60)
    } else if a >= 1_000.0 {
        format!("{sign}{:.2} s", a / 1_000.0)
    } else if a >= 10.0 {
        format!("{sign}{a:.0} ms")
    } else {
        format!("{sign}{a:.1} ms")
    }
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_removes_what_xml_cannot_hold() {
        assert_eq!(
            clean("a\u{0}b\u{1b}[31m\nc\u{FFFF}"),
            "a\u{FFFD}b\u{FFFD}[31m c\u{FFFD}"
        );
        assert_eq!(
            clean("<script>&"),
            "<script>&",
            "escaping is the backend's job"
        );
    }

    #[test]
    fn fitting_keeps_both_ends_and_respects_the_width() {
        let p = "example.com/some/very/long/import/path/internal/money";
        let short = fit_middle(p, 170.0, 12.0);
        assert!(
            short.starts_with("example") && short.ends_with("money"),
            "{short}"
        );
        assert!(short.contains('…'));
        assert!(width_px(&short, 12.0) <= 170.0);
        assert_eq!(fit_middle("fmt", 150.0, 12.0), "fmt");
        let end = fit_end(p, 100.0, 12.0);
        assert!(end.starts_with("example") && end.ends_with('…'), "{end}");
        assert!(width_px(&end, 12.0) <= 100.0);
        assert_eq!(fit_middle(p, 0.0, 12.0), "…");
    }

    #[test]
    fn numbers_and_durations() {
        assert_eq!(trim_number(2.50), "2.5");
        assert_eq!(trim_number(-0.0001), "0");
        assert_eq!(trim_number(f64::NAN), "?");
        assert_eq!(duration(9.94), "9.9 ms");
        assert_eq!(duration(357.3), "357 ms");
        assert_eq!(duration(8468.0), "8.47 s");
        assert_eq!(duration(-1500.0), "−1.50 s");
        assert_eq!(duration(310_000.0), "5 min 10 s");
        assert_eq!(TimeUnit::for_range(2_000.0).tick(1_500.0), "1.5");
    }
}
