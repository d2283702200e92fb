//! Renderers: each takes a finished [`crate::model::Report`] and writes one output format.
//! They compute nothing; adding an output touches its file, `Format` and a test.

pub mod compare;
pub mod headline;
pub mod html;
pub mod json;
pub mod junit;
pub mod lanes;
pub mod markdown;
pub mod metrics;
pub mod out;
pub mod palette;
pub mod perfetto;
pub mod svg;
pub mod table;

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for a terminal or a CI log.
    Table,
    /// One JSON object (`goattrib.report/v1`).
    Json,
}
