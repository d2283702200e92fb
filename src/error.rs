//! The top-level error and the exit codes every command documents (see README).

use thiserror::Error;

use crate::ingest::IngestError;
use crate::record::RecordError;

/// Exit codes. `record` exits with the Go command's own code instead of `OK`.
pub mod exit {
    /// The report was produced from every input.
    pub const OK: i32 = 0;
    /// The report was produced, but some inputs could not be read (see the warnings).
    pub const PARTIAL: i32 = 1;
    /// Nothing usable: bad arguments, no readable input, or output could not be written.
    pub const ERROR: i32 = 2;
    /// The report was produced, and at least one gate (`--min-hit-rate`...) failed.
    pub const GATE_FAILED: i32 = 3;
}

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("no usable input among {count} file(s): {first}")]
    NoUsableInput { count: usize, first: String },
    #[error("failed to write output: {0}")]
    Output(#[source] std::io::Error),
    #[error(transparent)]
    Compare(#[from] crate::compare::CompareError),
    /// A file of `report --out DIR` could not be written.
    #[error(transparent)]
    OutFolder(#[from] crate::atomic::OutError),
    /// The job history could not be opened, read or written.
    #[error(transparent)]
    History(#[from] crate::history::StoreError),
    /// An argument clap could not check by itself.
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        exit::ERROR
    }

    /// What to try next, when there is something useful to say.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Ingest(IngestError::Unrecognized { .. }) | Error::NoUsableInput { .. } => Some(
                "pass a bundle written by `goattrib record`, or the Go command's own files \
                 (build.jsonl, build.stderr, actiongraph.json, trace.json, go env -json output)",
            ),
            Error::Record(RecordError::NotGo(_)) => {
                Some("example: goattrib record -o bundle -- go build ./...")
            }
            _ => None,
        }
    }
}
