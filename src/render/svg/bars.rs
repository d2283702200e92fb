//! A horizontal bar panel: one labelled row per item, each bar made of coloured segments on
//! a shared x axis, with a note at the bar's end. The top-packages, module, cause, job and
//! compare charts are all this.

use plotters::prelude::*;

use super::draw::{
    Area, DrawResult, LEFT_MIDDLE, LegendItem, MUTED, RIGHT_MIDDLE, SMALL_PX, TEXT_PX, color,
    faint_outline, font, render_chart, x_axis,
};
use super::text::{fit_end, fit_middle, width_px};
use super::{Chart, ChartError};
use crate::render::palette::{self, Rgb};

/// How a segment is outlined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outline {
    None,
    /// For light fills that would vanish on white.
    Faint,
    /// Ink, to call the segment out.
    Strong,
}

#[derive(Debug, Clone)]
pub(crate) struct Seg {
    pub from: f64,
    pub to: f64,
    pub fill: Rgb,
    pub outline: Outline,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Row {
    pub label: String,
    /// Label indent in pixels (nested job sections).
    pub indent: i32,
    pub segs: Vec<Seg>,
    /// Shown beside the bar: the value, counts.
    pub note: String,
}

pub(crate) struct Panel<'a> {
    pub rows: &'a [Row],
    /// The x axis range; must not be empty.
    pub x: (f64, f64),
    /// Axis title, with the unit.
    pub x_desc: String,
    pub x_tick: &'a dyn Fn(f64) -> String,
    /// Width of the label column.
    pub label_px: i32,
    /// Labels left-aligned (job sections, indented) or right-aligned against the axis.
    pub labels_left: bool,
    /// Room kept right of the plot for notes; the least when `grow_right`.
    pub right_px: i32,
    /// Widen the right margin until the notes right of the bars fit (bar charts); without
    /// it notes that do not fit go left of their bar (timelines).
    pub grow_right: bool,
    /// A vertical line at x = 0 (diverging bars).
    pub zero_line: bool,
}

impl<'a> Panel<'a> {
    /// The usual bar panel: bars from the left, labels right-aligned in a column fit to them,
    /// notes right of the bars.
    pub(crate) fn bars(
        rows: &'a [Row],
        x: (f64, f64),
        x_desc: String,
        x_tick: &'a dyn Fn(f64) -> String,
    ) -> Self {
        Panel {
            rows,
            x,
            x_desc,
            x_tick,
            label_px: label_px(rows.iter().map(|r| r.label.as_str())),
            labels_left: false,
            right_px: 40,
            grow_right: true,
            zero_line: false,
        }
    }
}

pub(crate) const ROW_PX: i32 = 24;

/// A label column just wide enough for the widest of `labels`, within 90..=300 pixels.
pub(crate) fn label_px<'a>(labels: impl IntoIterator<Item = &'a str>) -> i32 {
    let widest = labels
        .into_iter()
        .map(|l| width_px(l, TEXT_PX))
        .fold(0.0, f64::max);
    (widest.ceil() as i32 + 24).clamp(90, 300)
}
const AXIS_PX: i32 = 46;

/// A chart that is one panel: the heading, the panel `p`, the legend `items` under it.
pub(crate) fn panel_chart(
    file_name: &'static str,
    title: String,
    subtitle: &str,
    alt: String,
    p: &Panel,
    items: &[LegendItem],
) -> Result<Chart, ChartError> {
    let panel_h = panel_height(p.rows.len());
    let body = |root: &Area, top: i32| {
        let (_, rest) = root.split_vertically(top);
        let (area, _) = rest.split_vertically(panel_h);
        draw_panel(&area, p)
    };
    // The legend 8 px under the panel.
    render_chart(file_name, title, subtitle, alt, panel_h + 8, items, body)
}

/// Height a panel of `rows` rows needs.
pub(crate) fn panel_height(rows: usize) -> i32 {
    (rows.min(1_000) as i32) * ROW_PX + AXIS_PX + 6
}

/// A finite, non-empty axis range covering `values` and 0.
pub(crate) fn axis_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi - lo <= 0.0 || !(hi - lo).is_finite() {
        hi = lo + 1.0;
    }
    (lo, hi)
}

/// The largest x a row's bar reaches, and whether the bar lies left of zero.
fn extent(row: &Row) -> (f64, bool) {
    let ends = row
        .segs
        .iter()
        .filter(|s| s.from.is_finite() && s.to.is_finite());
    let hi = ends
        .clone()
        .map(|s| s.from.max(s.to))
        .fold(f64::NEG_INFINITY, f64::max);
    let lo = ends.map(|s| s.from.min(s.to)).fold(f64::INFINITY, f64::min);
    (hi, hi <= 0.0 && lo < 0.0)
}

const MAX_NOTE_PX: f64 = 520.0;

fn notes(p: &Panel) -> (Vec<String>, Vec<f64>) {
    let notes: Vec<String> = p
        .rows
        .iter()
        .map(|r| fit_end(&r.note, MAX_NOTE_PX, SMALL_PX))
        .collect();
    let widths = notes.iter().map(|t| width_px(t, SMALL_PX)).collect();
    (notes, widths)
}

/// The right margin `p` will use in an area `area_w` wide: with `grow_right`, the one that
/// lets every note right of its bar fit, within limits. Panels that must share a scale
/// take the largest and set it as `right_px`.
pub(crate) fn right_margin(area_w: i32, p: &Panel) -> i32 {
    right_margin_for(area_w, p, &notes(p).1)
}

fn right_margin_for(area_w: i32, p: &Panel, notes: &[f64]) -> i32 {
    let least = p.right_px.max(8);
    if !p.grow_right {
        return least;
    }
    let (x0, x1) = p.x;
    let mut right = least;
    for _ in 0..3 {
        let plot_w = f64::from((area_w - super::draw::PAD - p.label_px - right).max(50));
        let need = p
            .rows
            .iter()
            .zip(notes)
            .filter_map(|(r, w)| {
                let (hi, negative) = extent(r);
                let frac = if hi.is_finite() {
                    ((hi - x0) / (x1 - x0)).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (!negative).then(|| w + 10.0 - (1.0 - frac) * plot_w)
            })
            .fold(0.0, f64::max);
        right = (need.ceil() as i32).clamp(least, 360);
    }
    right
}

pub(crate) fn draw_panel(area: &Area, p: &Panel) -> DrawResult {
    let n = p.rows.len().max(1) as f64;
    let (x0, x1) = p.x;
    let (notes, note_w) = notes(p);
    let right = right_margin_for(area.dim_in_pixel().0 as i32, p, &note_w);
    let mut chart = ChartBuilder::on(area)
        .margin_top(4)
        .margin_left(super::draw::PAD as u32)
        .margin_right(right as u32)
        .x_label_area_size(AXIS_PX as u32)
        .y_label_area_size(p.label_px.max(0) as u32)
        .build_cartesian_2d(x0..x1, 0f64..n)?;
    let tick = |v: &f64| (p.x_tick)(*v);
    x_axis(&mut chart, 8, &tick, &p.x_desc)?;
    let base = area.get_base_pixel();
    let px = |x: f64, y: f64| {
        let (a, b) = chart.backend_coord(&(x.clamp(x0, x1), y));
        (a - base.0, b - base.1)
    };
    if p.zero_line && x0 < 0.0 && x1 > 0.0 {
        area.draw(&PathElement::new(
            vec![px(0.0, 0.0), px(0.0, n)],
            color(palette::INK).stroke_width(1),
        ))?;
    }
    let (plot_left, _) = px(x0, 0.0);
    let (plot_right, _) = px(x1, 0.0);
    let canvas_right = area.dim_in_pixel().0 as i32 - 4;
    for (i, row) in p.rows.iter().enumerate() {
        let top = n - i as f64;
        let (_, y_top) = px(x0, top - 0.18);
        let (_, y_bottom) = px(x0, top - 0.82);
        let (_, y_mid) = px(x0, top - 0.5);
        let label_max = f64::from(p.label_px - 12 - row.indent);
        let label = fit_middle(&row.label, label_max, TEXT_PX);
        let label_x = if p.labels_left {
            plot_left - p.label_px + row.indent
        } else {
            plot_left - 8
        };
        let align = if p.labels_left {
            LEFT_MIDDLE
        } else {
            RIGHT_MIDDLE
        };
        area.draw(&Text::new(
            label,
            (label_x, y_mid),
            font(TEXT_PX, palette::INK, align),
        ))?;
        let (mut lo, mut hi) = (i32::MAX, i32::MIN);
        for s in &row.segs {
            if !(s.from.is_finite() && s.to.is_finite()) {
                continue;
            }
            let (mut a, _) = px(s.from.min(s.to), 0.0);
            let (mut b, _) = px(s.from.max(s.to), 0.0);
            // A bar too short to see still shows as one pixel.
            if b - a < 1 {
                if b >= plot_right {
                    a = b - 1;
                } else {
                    b = a + 1;
                }
            }
            let rect = [(a, y_top), (b, y_bottom)];
            area.draw(&Rectangle::new(rect, color(s.fill).filled()))?;
            match s.outline {
                Outline::None => {}
                Outline::Faint => area.draw(&Rectangle::new(rect, faint_outline()))?,
                Outline::Strong => {
                    area.draw(&Rectangle::new(rect, color(palette::INK).stroke_width(1)))?
                }
            }
            lo = lo.min(a);
            hi = hi.max(b);
        }
        if notes[i].is_empty() {
            continue;
        }
        let (lo, hi) = if lo > hi {
            let (z, _) = px(0.0_f64.clamp(x0, x1), 0.0);
            (z, z)
        } else {
            (lo, hi)
        };
        let w = note_w[i].ceil() as i32;
        let room_right = canvas_right - hi - 6;
        let room_left = lo - 6 - plot_left;
        let negative = extent(row).1;
        let right = match (w <= room_right, w <= room_left) {
            (true, true) => !negative,
            (true, false) => true,
            (false, true) => false,
            (false, false) => room_right >= room_left,
        };
        let room = if right { room_right } else { room_left };
        let note = if w <= room {
            notes[i].clone()
        } else {
            fit_end(&notes[i], f64::from(room.max(40)), SMALL_PX)
        };
        let (x, align) = if right {
            (hi + 6, LEFT_MIDDLE)
        } else {
            (lo - 6, RIGHT_MIDDLE)
        };
        area.draw(&Text::new(note, (x, y_mid), font(SMALL_PX, MUTED, align)))?;
    }
    Ok(())
}
