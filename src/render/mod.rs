//! Renderers: each takes a finished [`crate::model::Report`] (or
//! [`crate::model::compare::Comparison`]) and writes one output format. They compute
//! nothing; words and colours live here. A file of an output folder is a [`Render`]er,
//! listed in `out.rs`; adding one touches its file, that list and a test.

pub mod caches;
pub mod compare;
pub mod dashboard;
pub mod gate;
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
pub mod profile;
pub mod svg;
pub mod table;
pub mod terminal;

/// One file of an output folder, rendered from a finished report or comparison.
pub trait Render<T: ?Sized> {
    /// The file's name inside the folder.
    fn file_name(&self) -> &'static str;
    /// The file's bytes.
    fn render(&self, input: &T) -> std::io::Result<Vec<u8>>;
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
