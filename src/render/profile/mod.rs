//! Outputs of `goattrib profile`, `profile diff` and `spans`: terminal tables (`table.rs`),
//! Markdown (`markdown.rs`), flame graphs through inferno (`flame.rs`). They take finished
//! answers from `analysis::profile` / `analysis::spans` and compute nothing but words.

pub mod compiler;
pub mod flame;
pub mod html;
pub mod markdown;
pub mod table;

use crate::model::profile::ValueType;

/// A value in the sample type's unit, for a person: `1.23 s`, `420 ms`, `3.1 MB`, `17`.
pub fn value(v: i64, t: &ValueType) -> String {
    let a = v.unsigned_abs() as f64;
    let sign = if v < 0 { "-" } else { "" };
    match t.unit.as_str() {
        "nanoseconds" if a >= 1e9 => format!("{sign}{:.2} s", a / 1e9),
        "nanoseconds" if a >= 1e6 => format!("{sign}{:.0} ms", a / 1e6),
        "nanoseconds" if a >= 1e3 => format!("{sign}{:.0} µs", a / 1e3),
        "nanoseconds" => format!("{sign}{a} ns"),
        "bytes" if a >= 1024.0 * 1024.0 => format!("{sign}{:.1} MB", a / 1024.0 / 1024.0),
        "bytes" if a >= 1024.0 => format!("{sign}{:.1} kB", a / 1024.0),
        "bytes" => format!("{sign}{a} B"),
        _ => v.to_string(),
    }
}

/// A signed value: `+120 ms`, `-3.1 MB`.
pub fn delta(v: i64, t: &ValueType) -> String {
    if v > 0 {
        format!("+{}", value(v, t))
    } else {
        value(v, t)
    }
}

/// `v` as a share of `total`: `12.5%`.
pub fn share(v: i64, total: i64) -> String {
    if total == 0 {
        "-".to_owned()
    } else {
        format!("{:.1}%", v as f64 * 100.0 / total as f64)
    }
}

/// Nanoseconds for a person.
pub fn ns(v: u64) -> String {
    value(
        i64::try_from(v).unwrap_or(i64::MAX),
        &ValueType {
            kind: String::new(),
            unit: "nanoseconds".into(),
        },
    )
}
