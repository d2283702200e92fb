//! `causes.svg`, "Root-cause attribution": the time and number of misses per cause kind,
//! then the origins (the changes that set off the misses) that cost the most.

use std::collections::BTreeSet;

use super::bars::{
    Outline, Panel, Row, Seg, axis_range, draw_panel, label_px, panel_height, right_margin,
};
use super::draw::{Area, LEFT_TOP, TEXT_PX, Tint, WIDTH, bold, render_chart, tint_legend};
use super::text::{TimeUnit, clean, duration, plural};
use super::{Chart, ChartError};
use crate::model::{CauseKind, Report};
use crate::render::palette;

pub(crate) const FILE: &str = "causes.svg";
/// Origins shown.
pub(crate) const TOP_ORIGINS: usize = 10;
const SUBHEAD_PX: i32 = 26;

fn finite(ms: f64) -> f64 {
    if ms.is_finite() { ms.max(0.0) } else { 0.0 }
}

fn bar(kind: CauseKind, ms: f64) -> Vec<Seg> {
    vec![Seg {
        from: 0.0,
        to: ms,
        fill: palette::cause(kind),
        outline: Outline::None,
    }]
}

fn time_panel<'a>(
    rows: &'a [Row],
    label_px: i32,
    x: (f64, f64),
    x_desc: &str,
    x_tick: &'a dyn Fn(f64) -> String,
) -> Panel<'a> {
    Panel {
        label_px,
        ..Panel::bars(rows, x, x_desc.to_owned(), x_tick)
    }
}

pub(crate) fn chart(report: &Report) -> Result<Option<Chart>, ChartError> {
    if report.causes.is_empty() {
        return Ok(None);
    }
    let kinds: Vec<(CauseKind, usize, f64)> = report
        .summary
        .by_kind
        .iter()
        .map(|k| (k.kind, k.actions, finite(k.time_ms)))
        .collect();
    let mut origins: Vec<_> = report.origins.iter().collect();
    origins.sort_by(|a, b| {
        finite(b.time_ms)
            .total_cmp(&finite(a.time_ms))
            .then(b.misses.cmp(&a.misses))
            .then(a.package.cmp(&b.package))
    });
    let origins_total = origins.len();
    origins.truncate(TOP_ORIGINS);

    let max = kinds
        .iter()
        .map(|k| k.2)
        .chain(origins.iter().map(|o| finite(o.time_ms)))
        .fold(0.0, f64::max);
    let unit = TimeUnit::for_range(max);
    let mut used = BTreeSet::new();
    let kind_rows: Vec<Row> = kinds
        .iter()
        .map(|&(k, n, t)| {
            used.insert(Tint::Cause(k));
            Row {
                label: k.to_string(),
                indent: 0,
                segs: bar(k, t),
                note: format!("{}, {}", plural(n, "miss", "misses"), duration(t)),
            }
        })
        .collect();
    let origin_rows: Vec<Row> = origins
        .iter()
        .map(|o| {
            used.insert(Tint::Cause(o.kind));
            Row {
                label: o.package.clone(),
                indent: 0,
                segs: bar(o.kind, finite(o.time_ms)),
                note: format!(
                    "{}, {}: {}",
                    plural(o.misses, "miss", "misses"),
                    duration(finite(o.time_ms)),
                    o.detail
                ),
            }
        })
        .collect();

    let total_misses: usize = kinds.iter().map(|k| k.1).sum();
    let total_ms: f64 = kinds.iter().map(|k| k.2).sum();
    let title = "Root-cause attribution: why the cache missed and what it cost".to_owned();
    let subtitle = format!(
        "{} costing {}, by cause kind{}",
        plural(total_misses, "miss", "misses"),
        duration(total_ms),
        if origin_rows.is_empty() {
            ""
        } else {
            " and by the change that set them off"
        }
    );
    let top = &kinds[0];
    let mut alt = format!(
        "{} cost {}; the largest cause is {} with {} and {}",
        plural(total_misses, "miss", "misses"),
        duration(total_ms),
        top.0,
        plural(top.1, "miss", "misses"),
        duration(top.2)
    );
    if let Some(o) = origins.first() {
        alt.push_str(&format!(
            ", and the costliest origin is {} ({}) with {}",
            clean(&o.package),
            o.kind,
            plural(o.misses, "miss", "misses")
        ));
    }
    alt.push('.');

    let items = tint_legend(&used, "cache hit");
    let kinds_h = panel_height(kind_rows.len());
    let origins_h = if origin_rows.is_empty() {
        0
    } else {
        SUBHEAD_PX + panel_height(origin_rows.len())
    };
    let tick = move |v: f64| unit.tick(v);
    let x_desc = format!("time in missed actions ({})", unit.name());
    let x = axis_range([max]);
    let origins_head = if origins_total > origin_rows.len() {
        format!(
            "By origin: the {} costliest of {origins_total} changes that set misses off",
            origin_rows.len()
        )
    } else {
        "By origin: the change that set the misses off (its own miss and its dependents')"
            .to_owned()
    };
    let body_px = SUBHEAD_PX + kinds_h + origins_h + 8;
    let body = |root: &Area, mut y: i32| {
        let subhead = |text: &str, y: i32| {
            root.draw(&plotters::element::Text::new(
                text.to_owned(),
                (super::draw::PAD, y + 6),
                bold(TEXT_PX, palette::INK, LEFT_TOP),
            ))
        };
        subhead("By cause kind", y)?;
        y += SUBHEAD_PX;
        // Both panels share one scale, so one label column and one right margin.
        let labels = label_px(
            kind_rows
                .iter()
                .chain(&origin_rows)
                .map(|r| r.label.as_str()),
        );
        let width = WIDTH as i32;
        let right = right_margin(width, &time_panel(&kind_rows, labels, x, &x_desc, &tick)).max(
            right_margin(width, &time_panel(&origin_rows, labels, x, &x_desc, &tick)),
        );
        let panel = |rows: &[Row], y: i32, h: i32| {
            let (_, rest) = root.split_vertically(y);
            let (area, _) = rest.split_vertically(h);
            draw_panel(
                &area,
                &Panel {
                    right_px: right,
                    grow_right: false,
                    ..time_panel(rows, labels, x, &x_desc, &tick)
                },
            )
        };
        panel(&kind_rows, y, kinds_h)?;
        y += kinds_h;
        if !origin_rows.is_empty() {
            subhead(&origins_head, y)?;
            y += SUBHEAD_PX;
            let h = panel_height(origin_rows.len());
            panel(&origin_rows, y, h)?;
        }
        Ok(())
    };
    render_chart(FILE, title, &subtitle, alt, body_px, &items, body).map(Some)
}
