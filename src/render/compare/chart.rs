//! The comparison's diverging bar charts, drawn by `render::svg`: `compare.svg` (the wall-time
//! delta by cause, plus the unexplained rest) and `compare-packages.svg` (per package, the
//! action-time delta of new misses, fixed misses and the largest regressions), coloured with
//! the report's palette.

use crate::model::compare::{Change, Comparison};

use crate::render::svg::{ChartError, DivergingBar, diverging_bars};

/// Package rows drawn at most.
const PACKAGE_BARS: usize = 40;

/// `(file name, SVG)` of each chart that has something to draw.
pub fn charts(c: &Comparison) -> Result<Vec<(&'static str, String)>, ChartError> {
    let mut out = Vec::new();
    let mut causes: Vec<DivergingBar> = c
        .attribution
        .iter()
        .filter(|a| a.time_ms != 0.0)
        .map(|a| {
            let what = match a.change {
                Change::Fixed => format!("fixed ({})", a.kind),
                _ => a.kind.to_string(),
            };
            DivergingBar {
                label: match &a.origin {
                    Some(o) => format!("{what}: {o}"),
                    None => what,
                },
                value_ms: a.time_ms,
                kind: match a.change {
                    Change::NewMiss | Change::Added => a.kind.cause(),
                    _ => None,
                },
            }
        })
        .collect();
    if c.unexplained_ms != 0.0 {
        causes.push(DivergingBar {
            label: "unexplained".to_owned(),
            value_ms: c.unexplained_ms,
            kind: None,
        });
    }
    if !causes.is_empty() {
        out.push((
            "compare.svg",
            diverging_bars("Wall-time delta by cause (HEAD − BASE)", &causes)?,
        ));
    }
    let mut packages: Vec<DivergingBar> = Vec::new();
    let d = |b: Option<f64>, h: Option<f64>| h.unwrap_or(0.0) - b.unwrap_or(0.0);
    packages.extend(c.new_misses.iter().map(|m| DivergingBar {
        label: format!("{} ({})", m.package, m.mode),
        value_ms: d(m.base_ms, m.head_ms),
        kind: Some(m.cause.kind),
    }));
    packages.extend(c.fixed_misses.iter().map(|m| DivergingBar {
        label: format!("{} ({}, fixed)", m.package, m.mode),
        value_ms: d(m.base_ms, m.head_ms),
        kind: None,
    }));
    packages.extend(c.slower.iter().map(|s| DivergingBar {
        label: format!("{} ({}, slower)", s.package, s.mode),
        value_ms: s.delta_ms,
        kind: None,
    }));
    packages.sort_by(|a, b| b.value_ms.abs().total_cmp(&a.value_ms.abs()));
    packages.truncate(PACKAGE_BARS);
    if !packages.is_empty() {
        out.push((
            "compare-packages.svg",
            diverging_bars("Action-time delta per package (HEAD − BASE)", &packages)?,
        ));
    }
    Ok(out)
}
