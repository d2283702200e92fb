//! The dashboard's trend charts (plotters SVG): hit rate with its p25–p75 band, p50/p95 wall
//! time, time lost to misses stacked by cause, and CI cache restore outcomes, one slot per
//! period. Empty periods stay empty (a gap), bars keep a readable width from 1 to 104+
//! periods, and at most a dozen x labels are drawn so they never overlap.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::model::history::{Dashboard, Period};
use crate::render::palette::{self, Rgb};

const WIDTH: u32 = 960;
const HEIGHT: u32 = 260;
const LEFT: u32 = 64;
const MAX_LABELS: usize = 12;

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn style(px: f64, pos: Pos) -> TextStyle<'static> {
    TextStyle {
        font: FontDesc::new(FontFamily::SansSerif, px * 1.24, FontStyle::Normal),
        color: rgb(palette::INK).to_backend_color(),
        pos,
    }
}

/// One chart's SVG and its one-sentence description.
pub struct TrendChart {
    pub alt: String,
    pub svg: String,
}

/// A series segment: consecutive non-empty periods, so gaps stay gaps.
fn segments(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => cur.push((i as f64, *v)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

type Res = Result<(), Box<dyn std::error::Error>>;
type Ctx<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws one chart: y from 0 to `y_max`, `y_fmt` for its labels, then `draw` the series.
fn chart(
    title: &str,
    periods: &[Period],
    y_max: f64,
    y_fmt: &dyn Fn(&f64) -> String,
    legend: &[(String, Rgb)],
    draw: &dyn Fn(&mut Ctx<'_, '_>, f64) -> Res,
) -> Result<String, Box<dyn std::error::Error>> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let n = periods.len().max(1);
        let mut c = ChartBuilder::on(&root)
            .margin_top(34)
            .margin_right(16)
            .margin_bottom(8)
            .x_label_area_size(28)
            .y_label_area_size(LEFT)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..y_max.max(1e-9))?;
        c.configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(5)
            .y_label_formatter(y_fmt)
            .label_style(style(11.5, Pos::new(HPos::Right, VPos::Center)))
            .bold_line_style(rgb(palette::INK).mix(0.1))
            .light_line_style(TRANSPARENT)
            .axis_style(rgb(palette::INK).mix(0.5))
            .draw()?;
        // Half a bar in period units: at most 30% of a slot and 22 px.
        let px_per_slot = f64::from(WIDTH - LEFT - 16) / n as f64;
        let half = (0.3f64).min(22.0 / px_per_slot);
        draw(&mut c, half)?;
        let step = n.div_ceil(MAX_LABELS);
        let month = n > 1 && periods.iter().all(|p| p.start.ends_with("-01"));
        for (i, p) in periods.iter().enumerate().step_by(step) {
            let (x, y) = c.backend_coord(&(i as f64, 0.0));
            // Months as YYYY-MM; a few periods as MM-DD; many as whole dates, never repeated.
            let label = match (month, n > 20) {
                (true, _) => p.start.get(..7).unwrap_or(&p.start),
                (false, false) => p.start.get(5..).unwrap_or(&p.start),
                (false, true) => p.start.as_str(),
            };
            root.draw(&Text::new(
                label.to_owned(),
                (x, y + 6),
                style(11.0, Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
        root.draw(&Text::new(
            title.to_owned(),
            (12, 8),
            style(15.0, Pos::new(HPos::Left, VPos::Top)),
        ))?;
        let mut x = WIDTH as i32 - 16;
        for (name, colour) in legend.iter().rev() {
            let w = (name.chars().count() as i32) * 7 + 22;
            x -= w;
            root.draw(&Rectangle::new(
                [(x, 12), (x + 11, 23)],
                rgb(*colour).filled(),
            ))?;
            root.draw(&Text::new(
                name.clone(),
                (x + 15, 17),
                style(11.5, Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        root.present()?;
    }
    Ok(buf)
}

const RATE: Rgb = Rgb(0x00, 0x72, 0xb2);
const BAND: Rgb = Rgb(0xa6, 0xc8, 0xe6);
const P95: Rgb = Rgb(0xd5, 0x5e, 0x00);

fn pct(v: &f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn secs(v: &f64) -> String {
    if *v >= 120.0 {
        format!("{:.0} min", v / 60.0)
    } else {
        format!("{v:.0} s")
    }
}

fn line(c: &mut Ctx<'_, '_>, values: &[Option<f64>], colour: Rgb) -> Res {
    for seg in segments(values) {
        c.draw_series(LineSeries::new(seg.clone(), rgb(colour).stroke_width(2)))?;
        c.draw_series(
            seg.into_iter()
                .map(|p| Circle::new(p, 3, rgb(colour).filled())),
        )?;
    }
    Ok(())
}

/// The four trend charts of a dashboard.
pub fn trends(d: &Dashboard) -> Vec<TrendChart> {
    let p = &d.periods;
    let mut out = Vec::new();
    let unit = &d.bucket;
    // 1. Hit rate with the band of the jobs' own rates.
    let rate: Vec<Option<f64>> = p.iter().map(|x| x.stats.hit_rate).collect();
    let svg = chart(
        "Package hit rate",
        p,
        1.0,
        &pct,
        &[
            ("pooled".to_owned(), RATE),
            ("p25–p75 of jobs".to_owned(), BAND),
        ],
        &|c, half| {
            c.draw_series(p.iter().enumerate().filter_map(|(i, x)| {
                let (lo, hi) = (x.stats.hit_rate_p25?, x.stats.hit_rate_p75?);
                let i = i as f64;
                // A band of zero height still shows as a line.
                Some(Rectangle::new(
                    [(i - half, lo), (i + half, hi.max(lo + 0.004))],
                    rgb(BAND).filled(),
                ))
            }))?;
            line(c, &rate, RATE)
        },
    );
    let last = p.iter().rev().find_map(|x| x.stats.hit_rate);
    out.push(TrendChart {
        alt: format!(
            "Package hit rate per {unit} over {} periods; latest {}.",
            p.len(),
            last.map_or("-".to_owned(), |r| pct(&r))
        ),
        svg: svg.unwrap_or_default(),
    });
    // 2. Wall time p50 / p95.
    let p50: Vec<Option<f64>> = p
        .iter()
        .map(|x| x.stats.wall_ms_p50.map(|v| v / 1000.0))
        .collect();
    let p95: Vec<Option<f64>> = p
        .iter()
        .map(|x| x.stats.wall_ms_p95.map(|v| v / 1000.0))
        .collect();
    let max = p95
        .iter()
        .chain(&p50)
        .flatten()
        .fold(0.0f64, |a, b| a.max(*b))
        * 1.1;
    let svg = chart(
        "Go build wall time",
        p,
        max,
        &secs,
        &[("p50".to_owned(), RATE), ("p95".to_owned(), P95)],
        &|c, _| {
            line(c, &p95, P95)?;
            line(c, &p50, RATE)
        },
    );
    out.push(TrendChart {
        alt: format!("p50 and p95 wall time of the Go build per {unit}."),
        svg: svg.unwrap_or_default(),
    });
    // 3. Lost time stacked by cause.
    let kinds: Vec<String> = {
        let mut k: Vec<String> = crate::model::CauseKind::ALL
            .iter()
            .map(|c| c.as_str().to_owned())
            .filter(|k| {
                p.iter()
                    .any(|x| x.stats.miss_ms_by_cause.get(k).is_some_and(|v| *v > 0.0))
            })
            .collect();
        if p.iter().any(|x| {
            x.stats
                .miss_ms_by_cause
                .contains_key(crate::model::history::UNATTRIBUTED)
        }) {
            k.push(crate::model::history::UNATTRIBUTED.to_owned());
        }
        k
    };
    let colour = |k: &str| {
        crate::model::CauseKind::ALL
            .iter()
            .find(|c| c.as_str() == k)
            .map_or(palette::MISS_UNATTRIBUTED, |c| palette::cause(*c))
    };
    let max = p
        .iter()
        .map(|x| x.stats.miss_ms / 1000.0)
        .fold(0.0f64, f64::max)
        * 1.1;
    let legend: Vec<(String, Rgb)> = kinds.iter().map(|k| (k.clone(), colour(k))).collect();
    let svg = chart(
        "Time lost to cache misses, by cause",
        p,
        max,
        &secs,
        &legend,
        &|c, half| {
            for (i, x) in p.iter().enumerate() {
                let mut base = 0.0;
                for k in &kinds {
                    let v = x.stats.miss_ms_by_cause.get(k).copied().unwrap_or(0.0) / 1000.0;
                    if v <= 0.0 {
                        continue;
                    }
                    let i = i as f64;
                    c.draw_series(std::iter::once(Rectangle::new(
                        [(i - half, base), (i + half, base + v)],
                        rgb(colour(k)).filled(),
                    )))?;
                    base += v;
                }
            }
            Ok(())
        },
    );
    out.push(TrendChart {
        alt: format!(
            "Summed compile and link time of missed actions per {unit}, stacked by root cause."
        ),
        svg: svg.unwrap_or_default(),
    });
    // 4. Restore outcomes.
    let outcomes = [
        ("hit", Rgb(0x11, 0x77, 0x33)),
        ("miss", Rgb(0xdd, 0xcc, 0x77)),
        (
            "failed",
            palette::cause(crate::model::CauseKind::CacheNotRestored),
        ),
        ("none", palette::HIT),
    ];
    let max = p.iter().map(|x| x.stats.jobs as f64).fold(0.0f64, f64::max) * 1.1;
    let legend: Vec<(String, Rgb)> = outcomes
        .iter()
        .map(|(n, c)| ((*n).to_owned(), *c))
        .collect();
    let svg = chart(
        "CI cache restore outcome (jobs)",
        p,
        max.max(1.0),
        // Whole jobs only: no repeated labels on a small axis.
        &|v| {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}")
            } else {
                String::new()
            }
        },
        &legend,
        &|c, half| {
            for (i, x) in p.iter().enumerate() {
                let r = &x.stats.restore;
                let mut base = 0.0;
                for ((_, col), v) in outcomes.iter().zip([r.hit, r.miss, r.failed, r.none]) {
                    if v == 0 {
                        continue;
                    }
                    let i = i as f64;
                    c.draw_series(std::iter::once(Rectangle::new(
                        [(i - half, base), (i + half, base + v as f64)],
                        rgb(*col).filled(),
                    )))?;
                    base += v as f64;
                }
            }
            Ok(())
        },
    );
    out.push(TrendChart {
        alt: format!(
            "Jobs per {unit} by how their CI cache restore went: hit, miss, failed or none."
        ),
        svg: svg.unwrap_or_default(),
    });
    out
}
