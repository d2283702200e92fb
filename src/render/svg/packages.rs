//! `top-packages.svg`, "Where the time went": the slowest package compiles, coloured by the
//! cause of their miss (hits faint).

use std::collections::BTreeSet;

use super::Chart;
use super::ChartError;
use super::bars::{Outline, Panel, Row, Seg, axis_range, panel_chart};
use super::draw::{Tint, tint_legend};
use super::text::{TimeUnit, clean, duration};
use crate::model::{ActionReport, Report};

pub(crate) const FILE: &str = "top-packages.svg";
/// Rows shown.
pub(crate) const TOP: usize = 20;

fn compile_ms(a: &ActionReport) -> Option<f64> {
    a.duration_ms.filter(|d| d.is_finite()).map(|d| d.max(0.0))
}

pub(crate) fn chart(report: &Report) -> Result<Option<Chart>, ChartError> {
    let mut builds: Vec<(&ActionReport, f64)> = report
        .actions
        .iter()
        .filter(|a| a.mode == crate::model::Mode::Build)
        .filter_map(|a| compile_ms(a).map(|d| (a, d)))
        .collect();
    if builds.is_empty() {
        return Ok(None);
    }
    let total = builds.len();
    builds.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.package.cmp(&b.0.package))
    });
    // Go can build one import path in two configurations (a tool and a target package):
    // such rows carry their action id so they do not read as a repeated row.
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (a, _) in &builds {
        *seen.entry(a.package.as_str()).or_default() += 1;
    }
    builds.truncate(TOP);
    let max = builds.iter().map(|b| b.1).fold(0.0, f64::max);
    let unit = TimeUnit::for_range(max);
    let mut used = BTreeSet::new();
    let rows: Vec<Row> = builds
        .iter()
        .map(|(a, ms)| {
            let tint = Tint::of(a);
            used.insert(tint);
            let what = match tint {
                Tint::Hit => "hit".to_owned(),
                Tint::Cause(k) => format!("miss: {k}"),
                Tint::Unattributed => "miss".to_owned(),
            };
            Row {
                label: if seen.get(a.package.as_str()).is_some_and(|&n| n > 1) {
                    format!("{} (action {})", a.package, a.id)
                } else {
                    a.package.clone()
                },
                indent: 0,
                segs: vec![Seg {
                    from: 0.0,
                    to: *ms,
                    fill: tint.fill(),
                    outline: if tint.outline() {
                        Outline::Faint
                    } else {
                        Outline::None
                    },
                }],
                note: format!("{} ({what})", duration(*ms)),
            }
        })
        .collect();
    let misses = builds.iter().filter(|b| Tint::of(b.0) != Tint::Hit).count();
    let title = format!(
        "Where the time went: the {} slowest package compiles",
        rows.len()
    );
    let shown: f64 = builds.iter().map(|b| b.1).sum();
    let subtitle = format!(
        "{} of {} package compiles; misses coloured by cause, hits faint",
        rows.len(),
        total
    );
    let alt = format!(
        "The {} slowest of {} package compiles take {} in all, {} of them cache misses; the slowest is {} at {}.",
        rows.len(),
        total,
        duration(shown),
        misses,
        clean(&builds[0].0.package),
        duration(builds[0].1),
    );
    let tick = move |v: f64| unit.tick(v);
    let x_desc = format!("compile time ({})", unit.name());
    let panel = Panel::bars(&rows, axis_range([max]), x_desc, &tick);
    let items = tint_legend(&used, "cache hit");
    panel_chart(FILE, title, &subtitle, alt, &panel, &items).map(Some)
}
