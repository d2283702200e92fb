//! The diverging bar chart of `goattrib compare`: one bar per item, right of zero when it
//! got slower, left when it got faster. The caller picks, orders and labels the items.

use std::collections::BTreeSet;

use super::ChartError;
use super::bars::{Outline, Panel, Row, Seg, axis_range, panel_chart};
use super::draw::LegendItem;
use super::text::{TimeUnit, duration, plural};
use crate::model::CauseKind;
use crate::render::palette;

pub(crate) const NAME: &str = "compare.svg";
/// Rows drawn at most, so a huge comparison still gives a readable, sane-sized picture.
pub(crate) const MAX_BARS: usize = 200;

/// Generic diverging horizontal bar chart for `goattrib compare` (positive = slower,
/// negative = faster).
#[derive(Debug, Clone, PartialEq)]
pub struct DivergingBar {
    pub label: String,
    pub value_ms: f64,
    /// Colours the bar with the cause's colour; without one, slower bars are dark grey and
    /// faster bars faint.
    pub kind: Option<CauseKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Kind(CauseKind),
    Slower,
    Faster,
}

impl Class {
    fn of(b: &DivergingBar, v: f64) -> Class {
        match b.kind {
            Some(k) => Class::Kind(k),
            None if v > 0.0 => Class::Slower,
            None => Class::Faster,
        }
    }

    fn item(self) -> LegendItem {
        match self {
            Class::Kind(k) => LegendItem::new(palette::cause(k), k.as_str()),
            Class::Slower => LegendItem::new(palette::MISS_UNATTRIBUTED, "slower (cause unknown)"),
            Class::Faster => LegendItem {
                outline: true,
                ..LegendItem::new(palette::HIT, "faster")
            },
        }
    }
}

/// Generic diverging horizontal bar chart for `goattrib compare` (positive = slower,
/// negative = faster). Bars are drawn in the order given, at most [`MAX_BARS`].
pub fn diverging_bars(title: &str, bars: &[DivergingBar]) -> Result<String, ChartError> {
    let shown = &bars[..bars.len().min(MAX_BARS)];
    let value = |b: &DivergingBar| {
        if b.value_ms.is_finite() {
            b.value_ms
        } else {
            0.0
        }
    };
    let mut used = BTreeSet::new();
    let rows: Vec<Row> = shown
        .iter()
        .map(|b| {
            let v = value(b);
            let class = Class::of(b, v);
            used.insert(class);
            let faint = class == Class::Faster;
            Row {
                label: b.label.clone(),
                indent: 0,
                segs: vec![Seg {
                    from: 0.0,
                    to: v,
                    fill: class.item().fill,
                    outline: if faint { Outline::Faint } else { Outline::None },
                }],
                note: if !b.value_ms.is_finite() {
                    "unknown".to_owned()
                } else if v > 0.0 {
                    format!("+{} slower", duration(v))
                } else if v < 0.0 {
                    format!("{} faster", duration(-v))
                } else {
                    "no change".to_owned()
                },
            }
        })
        .collect();
    let lo = shown.iter().map(value).fold(0.0, f64::min);
    let hi = shown.iter().map(value).fold(0.0, f64::max);
    let unit = TimeUnit::for_range(lo.abs().max(hi));
    // Room left of the most negative bar for its note.
    let x = axis_range([lo * 1.45, hi]);
    let slower = shown.iter().filter(|b| value(b) > 0.0).count();
    let faster = shown.iter().filter(|b| value(b) < 0.0).count();
    let mut subtitle = format!(
        "{} slower, {} faster; right of zero = slower, left = faster",
        slower, faster
    );
    if bars.len() > shown.len() {
        subtitle.push_str(&format!(
            " (first {} of {})",
            shown.len(),
            plural(bars.len(), "item", "items")
        ));
    }
    let alt = format!(
        "{}: {} slower (in all {}), {} faster (in all {}).",
        super::text::clean(title),
        plural(slower, "item", "items"),
        duration(shown.iter().map(value).filter(|v| *v > 0.0).sum()),
        faster,
        duration(-shown.iter().map(value).filter(|v| *v < 0.0).sum::<f64>()),
    );
    let tick = move |v: f64| unit.tick(v);
    let x_desc = format!("change in time ({}): + slower, − faster", unit.name());
    let panel = Panel {
        zero_line: true,
        ..Panel::bars(&rows, x, x_desc, &tick)
    };
    let items: Vec<LegendItem> = used.iter().map(|c| c.item()).collect();
    Ok(panel_chart(NAME, title.to_owned(), &subtitle, alt, &panel, &items)?.svg)
}
