//! What every chart shares: the canvas and its `<title>`/`<desc>`, fonts, the heading, the
//! x axis, the colour of an action or package (`Tint`) and the legend.

use std::collections::BTreeSet;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::text::{clean, fit_end, width_px};
use super::{Chart, ChartError};
use crate::model::{ActionReport, CacheOutcome, CauseKind};
use crate::render::palette::{self, Rgb};

pub(crate) type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
pub(crate) type DrawResult<T = ()> = Result<T, DrawingAreaErrorKind<std::io::Error>>;
/// A chart's plot with both axes in f64.
pub(crate) type Plot<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Width of every chart, in pixels.
pub(crate) const WIDTH: u32 = 960;
/// Left and right padding of the canvas.
pub(crate) const PAD: i32 = 16;
pub(crate) const TITLE_PX: f64 = 18.0;
pub(crate) const TEXT_PX: f64 = 12.5;
pub(crate) const SMALL_PX: f64 = 11.5;
/// Secondary text: subtitles and notes.
pub(crate) const MUTED: Rgb = Rgb(0x55, 0x55, 0x55);

pub(crate) fn color(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// A text style of `px` pixels. plotters writes `font-size` as the size divided by 1.24.
pub(crate) fn font(px: f64, c: Rgb, pos: Pos) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal),
        color: color(c).to_backend_color(),
        pos,
    }
}

pub(crate) fn bold(px: f64, c: Rgb, pos: Pos) -> TextStyle<'static> {
    let mut s = font(px, c, pos);
    s.font = s.font.style(FontStyle::Bold);
    s
}

const fn anchor(h_pos: HPos, v_pos: VPos) -> Pos {
    Pos { h_pos, v_pos }
}

pub(crate) const LEFT_MIDDLE: Pos = anchor(HPos::Left, VPos::Center);
pub(crate) const RIGHT_MIDDLE: Pos = anchor(HPos::Right, VPos::Center);
pub(crate) const CENTER_TOP: Pos = anchor(HPos::Center, VPos::Top);
pub(crate) const LEFT_TOP: Pos = anchor(HPos::Left, VPos::Top);

/// The x axis every chart draws the same way: `x_labels` ticks written by `tick`, the
/// axis title `desc`, faint vertical grid lines, no y labels (rows label themselves).
pub(crate) fn x_axis(
    chart: &mut Plot,
    x_labels: usize,
    tick: &dyn Fn(&f64) -> String,
    desc: &str,
) -> DrawResult {
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_labels(x_labels)
        .x_label_formatter(tick)
        .x_desc(desc)
        .label_style(font(SMALL_PX, palette::INK, LEFT_MIDDLE))
        .axis_desc_style(font(TEXT_PX, palette::INK, LEFT_MIDDLE))
        .bold_line_style(color(palette::INK).mix(0.12))
        .light_line_style(TRANSPARENT)
        .axis_style(color(palette::INK).mix(0.6))
        .draw()
}

/// Draws one chart laid out top to bottom: the heading, a body drawn by `body` (given the
/// canvas and the y where the body starts), then the legend `body_px` below that y.
pub(crate) fn render_chart(
    file_name: &'static str,
    title: String,
    subtitle: &str,
    alt: String,
    body_px: i32,
    items: &[LegendItem],
    body: impl FnOnce(&Area, i32) -> DrawResult,
) -> Result<Chart, ChartError> {
    let height = HEADING_PX + body_px + legend_height(items) + 8;
    let svg = render(file_name, height as u32, &title, &alt, |root| {
        let top = heading(root, &title, subtitle)?;
        body(root, top)?;
        legend(root, items, top + body_px)
    })?;
    Ok(Chart {
        file_name,
        title,
        alt,
        svg,
    })
}

/// Draws one chart into a string: a white canvas, `draw`, then the accessible `<title>`
/// and `<desc>`. Drawing errors carry the chart's file name.
fn render(
    chart: &'static str,
    height: u32,
    title: &str,
    alt: &str,
    draw: impl FnOnce(&Area) -> DrawResult,
) -> Result<String, ChartError> {
    let wrap = |e: DrawingAreaErrorKind<std::io::Error>| ChartError::Draw {
        chart,
        source: Box::new(e),
    };
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height.clamp(40, 20_000)))
            .into_drawing_area();
        root.fill(&WHITE).map_err(wrap)?;
        draw(&root).map_err(wrap)?;
        root.present().map_err(wrap)?;
    }
    Ok(with_title(buf, title, alt))
}

/// Puts `<title>` and `<desc>` first inside `<svg>`, where screen readers look.
fn with_title(svg: String, title: &str, alt: &str) -> String {
    let Some(open_end) = svg
        .find("<svg")
        .and_then(|i| svg[i..].find('>').map(|j| i + j + 1))
    else {
        return svg;
    };
    let (head, rest) = svg.split_at(open_end);
    format!(
        "{head}\n<title>{}</title>\n<desc>{}</desc>{rest}",
        quick_xml::escape::escape(clean(title).as_str()),
        quick_xml::escape::escape(clean(alt).as_str()),
    )
}

/// The title (what the picture answers) and a muted line under it; returns the height used.
fn heading(area: &Area, title: &str, subtitle: &str) -> DrawResult<i32> {
    let max = f64::from(WIDTH) - 2.0 * f64::from(PAD);
    area.draw(&Text::new(
        fit_end(title, max, TITLE_PX),
        (PAD, 12),
        bold(TITLE_PX, palette::INK, LEFT_TOP),
    ))?;
    if subtitle.is_empty() {
        return Ok(HEADING_PX - 20);
    }
    area.draw(&Text::new(
        fit_end(subtitle, max, TEXT_PX),
        (PAD, 38),
        font(TEXT_PX, MUTED, LEFT_TOP),
    ))?;
    Ok(HEADING_PX)
}

/// Height of a heading with a subtitle.
const HEADING_PX: i32 = 62;

/// The colour class of an action, package or segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Tint {
    /// A cache hit, or an action that ran no tool.
    Hit,
    Cause(CauseKind),
    /// A miss without a known cause.
    Unattributed,
}

impl Tint {
    pub(crate) fn of(a: &ActionReport) -> Tint {
        match (a.cache, &a.cause) {
            (CacheOutcome::Miss, Some(c)) => Tint::Cause(c.kind),
            (CacheOutcome::Miss, None) => Tint::Unattributed,
            _ => Tint::Hit,
        }
    }

    pub(crate) fn fill(self) -> Rgb {
        match self {
            Tint::Hit => palette::HIT,
            Tint::Cause(k) => palette::cause(k),
            Tint::Unattributed => palette::MISS_UNATTRIBUTED,
        }
    }

    /// Hits are nearly white: they get a faint outline so they show on white.
    pub(crate) fn outline(self) -> bool {
        self == Tint::Hit
    }

    fn legend(self, hit_label: &str) -> String {
        match self {
            Tint::Hit => hit_label.to_owned(),
            Tint::Cause(k) => format!("miss: {k}"),
            Tint::Unattributed => "miss: cause unknown".to_owned(),
        }
    }
}

/// A faint outline for light fills.
pub(crate) fn faint_outline() -> ShapeStyle {
    color(palette::INK).mix(0.35).stroke_width(1)
}

/// One legend entry: a swatch and what it means.
#[derive(Debug, Clone)]
pub(crate) struct LegendItem {
    pub fill: Rgb,
    pub outline: bool,
    /// Draw the swatch as an outline only (for "critical path" and the like).
    pub hollow: bool,
    pub label: String,
}

impl LegendItem {
    pub(crate) fn new(fill: Rgb, label: impl Into<String>) -> Self {
        LegendItem {
            fill,
            outline: false,
            hollow: false,
            label: label.into(),
        }
    }
}

/// Legend entries for the tints used, in the palette's order.
pub(crate) fn tint_legend(used: &BTreeSet<Tint>, hit_label: &str) -> Vec<LegendItem> {
    used.iter()
        .map(|t| LegendItem {
            fill: t.fill(),
            outline: t.outline(),
            hollow: false,
            label: t.legend(hit_label),
        })
        .collect()
}

const SWATCH: i32 = 12;
const LEGEND_ROW: i32 = 20;

/// Where each legend entry goes when the legend flows left to right within `width`;
/// returns the positions and the height used.
fn legend_layout(items: &[LegendItem], width: i32) -> (Vec<(i32, i32, String)>, i32) {
    let mut out = Vec::new();
    let (mut x, mut y) = (0, 0);
    for item in items {
        let label = fit_end(&item.label, f64::from(width - SWATCH - 6), TEXT_PX);
        let w = SWATCH + 6 + width_px(&label, TEXT_PX).ceil() as i32 + 18;
        if x > 0 && x + w > width {
            x = 0;
            y += LEGEND_ROW;
        }
        out.push((x, y, label));
        x += w;
    }
    let height = if items.is_empty() { 0 } else { y + LEGEND_ROW };
    (out, height)
}

fn legend_height(items: &[LegendItem]) -> i32 {
    legend_layout(items, WIDTH as i32 - 2 * PAD).1
}

/// Draws the legend with its top-left corner at (`PAD`, `top`).
fn legend(area: &Area, items: &[LegendItem], top: i32) -> DrawResult {
    let (places, _) = legend_layout(items, WIDTH as i32 - 2 * PAD);
    for (item, (x, y, label)) in items.iter().zip(places) {
        let (x, y) = (PAD + x, top + y);
        let swatch = [(x, y + 2), (x + SWATCH, y + 2 + SWATCH)];
        if item.hollow {
            area.draw(&Rectangle::new(swatch, color(item.fill).stroke_width(2)))?;
        } else {
            area.draw(&Rectangle::new(swatch, color(item.fill).filled()))?;
            if item.outline {
                area.draw(&Rectangle::new(swatch, faint_outline()))?;
            }
        }
        area.draw(&Text::new(
            label,
            (x + SWATCH + 6, y + 2 + SWATCH / 2),
            font(TEXT_PX, palette::INK, LEFT_MIDDLE),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_and_desc_are_escaped_and_first() {
        let svg = render("t.svg", 100, "a <b> & c", "x\u{1}\"y\"", |_| Ok(())).unwrap();
        let i = svg.find("<title>a &lt;b&gt; &amp; c</title>").unwrap();
        assert!(i < svg.find("<rect").unwrap());
        assert!(svg.contains("<desc>x\u{FFFD}&quot;y&quot;</desc>"), "{svg}");
    }

    #[test]
    fn legend_wraps_within_the_width() {
        let items: Vec<_> = (0..30)
            .map(|i| LegendItem::new(palette::HIT, format!("entry number {i}")))
            .collect();
        let (places, h) = legend_layout(&items, 400);
        assert!(h > LEGEND_ROW);
        assert!(places.iter().all(|(x, _, _)| *x < 400));
    }
}
