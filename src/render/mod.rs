//! Renderers: each takes a finished [`crate::model::Report`] and writes one output format.
//! They compute nothing; adding an output touches its file, `Format` and a test.

pub mod compare;
pub mod dashboard;
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

use crate::model::{ActionReport, CacheOutcome, JobOutcome, JobSection, Report};

/// Missed actions, the costliest first (ties by id, so every output lists them alike).
pub fn misses_by_time(report: &Report) -> Vec<&ActionReport> {
    let mut misses: Vec<&ActionReport> = report
        .actions
        .iter()
        .filter(|a| a.cache == CacheOutcome::Miss)
        .collect();
    misses.sort_by(|a, b| {
        b.duration_ms
            .unwrap_or(0.0)
            .total_cmp(&a.duration_ms.unwrap_or(0.0))
            .then(a.id.cmp(&b.id))
    });
    misses
}

/// The job's outcome in words: `succeeded`, `failed (reason)`, ...
pub fn job_status(job: &JobSection) -> String {
    match job.status {
        JobOutcome::Success => "succeeded".to_owned(),
        JobOutcome::Failed => format!(
            "failed{}",
            job.status_detail
                .as_deref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        JobOutcome::Canceled => "canceled".to_owned(),
        JobOutcome::Unknown => "outcome not in the log".to_owned(),
    }
}
