//! `timeline.svg`, "Build timeline": one lane per reconstructed worker slot, one bar per
//! action, misses coloured by cause, hits faint, the critical path outlined. Actions
//! narrower than a pixel that sit next to each other in a lane are drawn as one block
//! coloured by what dominates it, so 3,000 actions give a readable, small picture.

use std::collections::{BTreeMap, BTreeSet};

use plotters::prelude::*;

use super::draw::{
    Area, DrawResult, LegendItem, PAD, RIGHT_MIDDLE, SMALL_PX, Tint, WIDTH, color, faint_outline,
    font, render_chart, tint_legend, x_axis,
};
use super::text::{TimeUnit, duration, plural};
use super::{Chart, ChartError};
use crate::model::Report;
use crate::render::{lanes, palette};

pub(crate) const FILE: &str = "timeline.svg";
/// Lanes drawn at most; more (only from odd input) share rows.
pub(crate) const MAX_ROWS: usize = 64;
/// Times beyond this many milliseconds (30 years) are taken as garbage.
const MAX_MS: f64 = 1e12;
const LABEL_PX: i32 = 64;
const AXIS_PX: i32 = 46;

/// One action, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Item {
    pub start: f64,
    pub end: f64,
    pub tint: Tint,
    pub critical: bool,
}

/// What is drawn: one action, or adjacent tiny actions merged; in pixels from the plot's left.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub x0: f64,
    pub x1: f64,
    pub tint: Tint,
    pub critical: bool,
    pub actions: usize,
}

struct Acc {
    x0: f64,
    x1: f64,
    weights: BTreeMap<Tint, (f64, usize)>,
    critical: bool,
    actions: usize,
}

impl Acc {
    fn block(self) -> Block {
        let tint = self
            .weights
            .iter()
            .max_by(|a, b| (a.1.0).total_cmp(&b.1.0).then(a.1.1.cmp(&b.1.1)))
            .map_or(Tint::Hit, |(t, _)| *t);
        Block {
            x0: self.x0,
            x1: self.x1,
            tint,
            critical: self.critical,
            actions: self.actions,
        }
    }
}

/// The blocks of one lane: `items` sorted by start, `t0` the time at the plot's left edge,
/// `px_per_ms` the scale. An item at least a pixel wide is its own block; runs of narrower
/// items less than a pixel apart become one block, coloured by the tint with the most time.
pub(crate) fn aggregate(items: &[Item], t0: f64, px_per_ms: f64) -> Vec<Block> {
    let mut out = Vec::new();
    let mut acc: Option<Acc> = None;
    for it in items {
        let (x0, x1) = ((it.start - t0) * px_per_ms, (it.end - t0) * px_per_ms);
        if x1 - x0 >= 1.0 {
            out.extend(acc.take().map(Acc::block));
            out.push(Block {
                x0,
                x1,
                tint: it.tint,
                critical: it.critical,
                actions: 1,
            });
            continue;
        }
        match &mut acc {
            Some(a) if x0 - a.x1 < 1.0 => {
                a.x1 = a.x1.max(x1);
                let w = a.weights.entry(it.tint).or_default();
                w.0 += it.end - it.start;
                w.1 += 1;
                a.critical |= it.critical;
                a.actions += 1;
            }
            _ => {
                out.extend(acc.take().map(Acc::block));
                acc = Some(Acc {
                    x0,
                    x1,
                    weights: BTreeMap::from([(it.tint, (it.end - it.start, 1))]),
                    critical: it.critical,
                    actions: 1,
                });
            }
        }
    }
    out.extend(acc.map(Acc::block));
    out
}

/// Actions with usable times, and their lane rows.
fn items(report: &Report) -> (Vec<Item>, Vec<usize>, usize) {
    let items: Vec<Item> = report
        .actions
        .iter()
        .filter_map(|a| {
            let (s, d) = (a.start_ms?, a.duration_ms?);
            if !(s.is_finite() && d.is_finite() && s.abs() < MAX_MS && d.abs() < MAX_MS) {
                return None;
            }
            Some(Item {
                start: s,
                end: s + d.max(0.0),
                tint: Tint::of(a),
                critical: a.on_critical_path,
            })
        })
        .collect();
    let spans: Vec<(f64, f64)> = items.iter().map(|i| (i.start, i.end)).collect();
    let (lane, count) = lanes::assign(&spans);
    let rows = count.clamp(1, MAX_ROWS);
    let row: Vec<usize> = lane.iter().map(|&l| l * rows / count.max(1)).collect();
    (items, row, count)
}

pub(crate) fn chart(report: &Report) -> Result<Option<Chart>, ChartError> {
    let (items, row_of, lane_count) = items(report);
    if items.is_empty() {
        return Ok(None);
    }
    let rows = lane_count.clamp(1, MAX_ROWS);
    let t0 = items.iter().map(|i| i.start).fold(f64::INFINITY, f64::min);
    let mut t1 = items
        .iter()
        .map(|i| i.end)
        .fold(f64::NEG_INFINITY, f64::max);
    if t1 - t0 <= 0.0 {
        t1 = t0 + 1.0;
    }
    let unit = TimeUnit::for_range((t1 - t0).max(t1.abs()));
    let row_px = (360 / rows as i32).clamp(5, 36);
    let plot_h = row_px * rows as i32;

    let mut by_row: Vec<Vec<Item>> = vec![Vec::new(); rows];
    for (it, &r) in items.iter().zip(&row_of) {
        by_row[r.min(rows - 1)].push(*it);
    }
    for r in &mut by_row {
        r.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.end.total_cmp(&b.end)));
    }

    let used: BTreeSet<Tint> = items.iter().map(|i| i.tint).collect();
    let any_critical = items.iter().any(|i| i.critical);
    let misses = items.iter().filter(|i| i.tint != Tint::Hit).count();
    let mut kinds: BTreeMap<Tint, usize> = BTreeMap::new();
    for i in items.iter().filter(|i| i.tint != Tint::Hit) {
        *kinds.entry(i.tint).or_default() += 1;
    }
    let mut kinds: Vec<(Tint, usize)> = kinds.into_iter().collect();
    kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let kinds_text: Vec<String> = kinds
        .iter()
        .take(3)
        .map(|(t, n)| match t {
            Tint::Cause(k) => format!("{n} {k}"),
            _ => format!("{n} without a known cause"),
        })
        .collect();

    let title = "Build timeline: what ran when, and which actions missed the cache".to_owned();
    let mut alt = format!(
        "{} ran over {} on up to {} worker {}; {}",
        plural(items.len(), "action", "actions"),
        duration(t1 - t0),
        lane_count,
        if lane_count == 1 { "lane" } else { "lanes" },
        plural(
            misses,
            "ran its tool (a cache miss)",
            "ran their tools (cache misses)"
        ),
    );
    if !kinds_text.is_empty() {
        alt.push_str(&format!(": {}", kinds_text.join(", ")));
    }
    alt.push_str(&format!(
        "; the critical path is {}.",
        duration(report.summary.critical_path_ms)
    ));

    let mut legend_items = tint_legend(&used, "cache hit, or no tool ran");
    if any_critical {
        legend_items.push(LegendItem {
            hollow: true,
            ..LegendItem::new(palette::INK, "on the critical path (outlined)")
        });
    }

    // Layout is fixed, so the scale is known before drawing: aggregate first, to say in the
    // subtitle how much was merged.
    let plot_w = f64::from(WIDTH as i32 - 2 * PAD - LABEL_PX - 8);
    let px_per_ms = plot_w / (t1 - t0);
    let blocks: Vec<Vec<Block>> = by_row.iter().map(|r| aggregate(r, t0, px_per_ms)).collect();
    let merged: usize = blocks
        .iter()
        .flatten()
        .filter(|b| b.actions > 1)
        .map(|b| b.actions)
        .sum();
    let mut subtitle = format!(
        "{} on {} worker lanes, reconstructed from start and end times",
        plural(items.len(), "action", "actions"),
        lane_count
    );
    if lane_count > rows {
        subtitle.push_str(&format!(" ({rows} rows shown)"));
    }
    if merged > 0 {
        subtitle.push_str(&format!(
            "; {merged} actions under a pixel wide drawn as blocks"
        ));
    }
    let tick = move |v: &f64| unit.tick(*v - t0);
    let area_h = plot_h + AXIS_PX + 6;
    let lanes = |root: &Area, top: i32| {
        let (_, rest) = root.split_vertically(top);
        let (area, _) = rest.split_vertically(area_h);
        draw_lanes(&area, &blocks, (t0, t1), rows, &unit, &tick)
    };
    // The legend 6 px under the lanes' area.
    render_chart(
        FILE,
        title,
        &subtitle,
        alt,
        area_h + 6,
        &legend_items,
        lanes,
    )
    .map(Some)
}

fn draw_lanes(
    area: &Area,
    blocks: &[Vec<Block>],
    (t0, t1): (f64, f64),
    rows: usize,
    unit: &TimeUnit,
    tick: &dyn Fn(&f64) -> String,
) -> DrawResult {
    let n = rows as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_top(6)
        .margin_left(PAD as u32)
        .margin_right((PAD + 8) as u32)
        .x_label_area_size(AXIS_PX as u32)
        .y_label_area_size(LABEL_PX as u32)
        .build_cartesian_2d(t0..t1, 0f64..n)?;
    let desc = format!("time since the build started ({})", unit.name());
    x_axis(&mut chart, 10, tick, &desc)?;
    let base = area.get_base_pixel();
    let at = |x: f64, y: f64| {
        let (a, b) = chart.backend_coord(&(x, y));
        (a - base.0, b - base.1)
    };
    let (left, _) = at(t0, 0.0);
    let (right, _) = at(t1, 0.0);
    let label_every = rows.div_ceil(16).max(1);
    let mut outlines = Vec::new();
    for (r, lane) in blocks.iter().enumerate() {
        let (_, y_top) = at(t0, n - r as f64);
        let (_, y_bottom) = at(t0, n - r as f64 - 1.0);
        let gap = ((y_bottom - y_top) / 6).max(if y_bottom - y_top > 3 { 1 } else { 0 });
        let (y0, y1) = (y_top + gap, y_bottom - gap);
        if r % label_every == 0 {
            area.draw(&Text::new(
                format!("{}", r + 1),
                (left - 8, (y0 + y1) / 2),
                font(SMALL_PX, palette::INK, RIGHT_MIDDLE),
            ))?;
        }
        for b in lane {
            let x0 = left + b.x0.floor().max(0.0) as i32;
            let mut x1 = (left + b.x1.ceil() as i32).clamp(x0 + 1, right.max(x0 + 1));
            // A hairline of white between wide neighbours, so back-to-back actions read
            // as separate bars.
            if x1 - x0 >= 4 {
                x1 -= 1;
            }
            let rect = [(x0, y0), (x1, y1)];
            area.draw(&Rectangle::new(rect, color(b.tint.fill()).filled()))?;
            // Outlines on blocks of a pixel or two would only blacken them.
            if b.critical && x1 - x0 >= 3 {
                outlines.push(rect);
            } else if b.tint.outline() && x1 - x0 >= 4 {
                area.draw(&Rectangle::new(rect, faint_outline()))?;
            }
        }
    }
    for rect in outlines {
        area.draw(&Rectangle::new(rect, color(palette::INK).stroke_width(1)))?;
    }
    // The lane axis title, rotated, left of the lane numbers.
    let (_, y_mid) = at(t0, n / 2.0);
    area.draw(&Text::new(
        "worker lane",
        (PAD, y_mid),
        font(SMALL_PX, palette::INK, super::draw::CENTER_TOP).transform(FontTransform::Rotate270),
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CauseKind;

    fn item(start: f64, end: f64, tint: Tint) -> Item {
        Item {
            start,
            end,
            tint,
            critical: false,
        }
    }

    #[test]
    fn adjacent_slivers_merge_into_one_block_of_the_dominant_tint() {
        let src = Tint::Cause(CauseKind::Source);
        let items = [
            item(0.0, 0.1, Tint::Hit),
            item(0.1, 0.5, src),
            item(0.5, 0.6, Tint::Hit),
            item(1.0, 30.0, Tint::Hit),
            item(40.0, 40.2, src),
        ];
        // 1 px per ms: the first three are under a pixel and touch.
        let blocks = aggregate(&items, 0.0, 1.0);
        assert_eq!(blocks.len(), 3, "{blocks:?}");
        assert_eq!((blocks[0].actions, blocks[0].tint), (3, src));
        assert_eq!((blocks[1].actions, blocks[1].x1), (1, 30.0));
        assert_eq!((blocks[2].actions, blocks[2].tint), (1, src));
    }

    #[test]
    fn wide_bars_are_never_merged() {
        let items: Vec<Item> = (0..10)
            .map(|i| item(f64::from(i) * 10.0, f64::from(i) * 10.0 + 9.0, Tint::Hit))
            .collect();
        assert_eq!(aggregate(&items, 0.0, 1.0).len(), 10);
    }
}
