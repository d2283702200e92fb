//! `module-hit-rate.svg`, "Cache hit rate per module": for the standard library, the main
//! module and each dependency, the share of its packages served from the cache, with the
//! rest split by the cause of the misses.

use std::collections::{BTreeMap, BTreeSet};

use super::bars::{Outline, Panel, Row, Seg, panel_chart};
use super::draw::{Tint, tint_legend};
use super::text::{clean, trim_number};
use super::{Chart, ChartError};
use crate::model::{CacheOutcome, ModuleStats, Report, STD_MODULE};
use crate::render::palette;

pub(crate) const FILE: &str = "module-hit-rate.svg";

fn label(m: &ModuleStats) -> String {
    let mut s = m.module.clone();
    if let Some(v) = &m.version {
        s.push(' ');
        s.push_str(v);
    }
    if m.main {
        s.push_str(" (main)");
    }
    s
}

pub(crate) fn chart(report: &Report) -> Result<Option<Chart>, ChartError> {
    let mut modules: Vec<&ModuleStats> = report.modules.iter().filter(|m| m.packages > 0).collect();
    if modules.is_empty() {
        return Ok(None);
    }
    // std, then the main module(s), then dependencies in the report's order.
    modules.sort_by_key(|m| match (m.module == STD_MODULE, m.main) {
        (true, _) => 0,
        (_, true) => 1,
        _ => 2,
    });
    // Misses per module and tint, from the package compiles.
    let mut missed: BTreeMap<&str, BTreeMap<Tint, usize>> = BTreeMap::new();
    for a in &report.actions {
        if a.mode == crate::model::Mode::Build && a.cache == CacheOutcome::Miss {
            *missed
                .entry(a.module.as_str())
                .or_default()
                .entry(Tint::of(a))
                .or_insert(0) += 1;
        }
    }
    let mut used = BTreeSet::new();
    let rows: Vec<Row> = modules
        .iter()
        .map(|m| {
            let per = 100.0 / m.packages as f64;
            let mut segs = vec![Seg {
                from: 0.0,
                to: 100.0,
                fill: palette::Rgb(0xff, 0xff, 0xff),
                outline: Outline::Faint,
            }];
            let mut at = 0.0;
            let mut push = |tint: Tint, count: usize, segs: &mut Vec<Seg>| {
                if count == 0 {
                    return;
                }
                let to = (at + count as f64 * per).min(100.0);
                segs.push(Seg {
                    from: at,
                    to,
                    fill: tint.fill(),
                    outline: Outline::None,
                });
                used.insert(tint);
                at = to;
            };
            push(Tint::Hit, m.hits, &mut segs);
            let tints = missed.get(m.module.as_str()).cloned().unwrap_or_default();
            let mut counted = 0;
            for (tint, count) in tints {
                push(tint, count, &mut segs);
                counted += count;
            }
            push(
                Tint::Unattributed,
                m.misses.saturating_sub(counted),
                &mut segs,
            );
            let note = match m.hit_rate {
                Some(r) => format!(
                    "{}/{} hits ({}%)",
                    m.hits,
                    m.packages,
                    trim_number((r * 100.0 * 10.0).round() / 10.0)
                ),
                None => format!("{} packages, none counted", m.packages),
            };
            Row {
                label: label(m),
                indent: 0,
                segs,
                note,
            }
        })
        .collect();
    let title = "Cache hit rate per module: how much of each module came from the cache".to_owned();
    let subtitle =
        "share of each module's packages served from the Go build cache; misses coloured by cause"
            .to_owned();
    let parts: Vec<String> = modules
        .iter()
        .map(|m| {
            format!(
                "{} {}/{}",
                if m.module == STD_MODULE {
                    "std".to_owned()
                } else {
                    clean(&m.module)
                },
                m.hits,
                m.packages
            )
        })
        .collect();
    let alt = format!(
        "Packages served from the cache per module: {}.",
        parts.join(", ")
    );
    let tick = |v: f64| trim_number(v);
    let x_desc = "packages served from the cache (%)".to_owned();
    let panel = Panel::bars(&rows, (0.0, 100.0), x_desc, &tick);
    let items = tint_legend(&used, "cache hit");
    panel_chart(FILE, title, &subtitle, alt, &panel, &items).map(Some)
}
