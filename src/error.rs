//! The top-level error and the one place a run's exit code is decided (see the README's
//! exit-code table).

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

/// What a finished run says about its exit status: every fact the exit-code table reads,
/// gathered by the command, turned into one code by [`exit_code`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Some input (of the build or of its baseline, of either side of a comparison)
    /// could not be read; the output still came from the rest.
    pub unreadable_input: bool,
    /// At least one gate failed.
    pub gate_failed: bool,
    /// The Go command's own exit code, when goattrib ran one (`record`).
    pub go_exit: Option<i32>,
}

/// The process exit code of a run. A failed Go command's own code comes first (the job
/// must fail as the build did), then a failed gate (the answer the pipeline asked for),
/// then unreadable inputs; an error that stopped the run is 2.
pub fn exit_code(result: &Result<Outcome, Error>) -> i32 {
    match result {
        Err(_) => exit::ERROR,
        Ok(Outcome {
            go_exit: Some(code),
            ..
        }) if *code != 0 => *code,
        Ok(o) if o.gate_failed => exit::GATE_FAILED,
        Ok(o) if o.unreadable_input => exit::PARTIAL,
        Ok(_) => exit::OK,
    }
}

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Record(#[from] RecordError),
    #[error("no usable input among {count} file(s): {first}")]
    NoUsableInput { count: usize, first: String },
    #[error("failed to write output")]
    Output(#[source] std::io::Error),
    #[error(transparent)]
    Compare(#[from] crate::analysis::compare::CompareError),
    /// `profile` / `spans`: nothing to compute with these options.
    #[error(transparent)]
    Profile(#[from] crate::analysis::profile::ProfileAnalysisError),
    #[error("{0}")]
    BadArgument(String),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_code_per_outcome_in_the_documented_order() {
        let ok = |o: Outcome| exit_code(&Ok(o));
        assert_eq!(ok(Outcome::default()), exit::OK);
        let partial = Outcome {
            unreadable_input: true,
            ..Outcome::default()
        };
        assert_eq!(ok(partial), exit::PARTIAL);
        let gate = Outcome {
            gate_failed: true,
            ..partial
        };
        assert_eq!(
            ok(gate),
            exit::GATE_FAILED,
            "a failed gate wins over unreadable input"
        );
        let go_failed = Outcome {
            go_exit: Some(1),
            ..gate
        };
        assert_eq!(ok(go_failed), 1, "the Go command's failure wins");
        let go_ok = Outcome {
            go_exit: Some(0),
            ..Outcome::default()
        };
        assert_eq!(ok(go_ok), exit::OK);
        let err = Error::NoUsableInput {
            count: 0,
            first: String::new(),
        };
        assert_eq!(exit_code(&Err(err)), exit::ERROR);
    }
}
