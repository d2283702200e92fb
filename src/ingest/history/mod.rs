//! Codecs of the job history's inputs: a `goattrib.report/v1` document read into a job's
//! rows (`report_view`), and the job's CI metadata (`ci.json`, `--ci KEY=VALUE`, in `ci`).
//! Nothing here analyses a build: bundles are turned into reports by the caller.

pub mod ci;
pub mod report_view;

pub use ci::{CiError, apply_ci_json, apply_override, parse_time};
pub use report_view::{ViewError, job_record};
