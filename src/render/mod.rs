//! Renderers: each takes a finished [`crate::model::Report`] and writes one output format.
//! They compute nothing; adding an output touches its file, `Format` and a test.

pub mod json;
pub mod lanes;
pub mod palette;
pub mod table;

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for a terminal or a CI log.
    Table,
    /// One JSON object (`goattrib.report/v1`).
    Json,
}
