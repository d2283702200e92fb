//! SVG charts of a finished report (issue 4), drawn with plotters' SVG backend: the build
//! timeline, where the time went, hit rate per module, root causes and the GitLab job, plus
//! the diverging bars `goattrib compare` uses. Not for HTML pages: they embed these strings.
//!
//! Text is untrusted (package names come from merge requests). plotters-svg escapes `<>&"'`
//! in every text node and attribute; `text::clean` removes the characters XML cannot hold
//! at all; the `<title>`/`<desc>` added here go through quick-xml's escaper.
//!
//! Fonts: plotters is built without a font feature, so it uses its crude built-in text
//! estimate. For SVG that costs nothing: the viewer lays the text out with its own
//! sans-serif face, which no measurement here could know. Where layout depends on a label's
//! width (truncation, notes beside bars), `text::width_px` estimates it.

mod bars;
mod causes;
mod compare;
mod draw;
mod job;
mod modules;
mod packages;
mod text;
mod timeline;

use crate::model::Report;

pub use compare::{DivergingBar, diverging_bars};
pub use job::MAX_SECTION_ROWS as MAX_JOB_SECTION_ROWS;

/// One chart, ready to be written to `file_name` or inlined in a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub file_name: &'static str,
    /// What the picture answers; also the SVG's `<title>`.
    pub title: String,
    /// A one-sentence text summary; also the SVG's `<desc>`.
    pub alt: String,
    pub svg: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("failed to draw the chart `{chart}`")]
    Draw {
        chart: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Draws one chart, or `None` when the report has no data for it.
type ChartFn = fn(&Report) -> Result<Option<Chart>, ChartError>;

/// All charts that have data for this report, in reading order. `alt` is a one-sentence
/// text summary.
pub fn charts(report: &Report) -> Result<Vec<Chart>, ChartError> {
    let builders: [ChartFn; 5] = [
        timeline::chart,
        packages::chart,
        modules::chart,
        causes::chart,
        job::chart,
    ];
    let mut out = Vec::new();
    for build in builders {
        if let Some(chart) = build(report)? {
            out.push(chart);
        }
    }
    Ok(out)
}
