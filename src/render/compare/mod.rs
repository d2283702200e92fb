//! Renderers of a finished [`crate::model::compare::Comparison`]: terminal tables, JSON,
//! the Markdown summary for a merge-request comment and the diverging bar charts. They
//! pick and order rows; they compute nothing.

pub mod chart;
pub mod json;
pub mod markdown;
pub mod table;

/// `+38.2 s`, `-350.0 ms`: a signed duration for a delta.
pub fn signed(ms: f64) -> String {
    let sign = if ms > 0.0 {
        "+"
    } else if ms < 0.0 {
        "-"
    } else {
        "±"
    };
    format!("{sign}{}", crate::render::table::seconds(ms.abs()))
}
