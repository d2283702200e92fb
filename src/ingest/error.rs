//! Why one input file could not be read: typed, so callers and tests tell the cases apart.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum IngestError {
    #[error("failed to read `{path}`")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// No bytes, or only white space: an output the Go command did not write to.
    #[error("failed to recognise `{path}`: the file is empty")]
    Empty { path: PathBuf },
    /// A read failed part-way, at a known offset of the (decompressed) stream.
    #[error("failed to read `{path}` at byte {offset}")]
    ReadAt {
        path: PathBuf,
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    /// A FIFO, socket or device: reading it could block forever.
    #[error("failed to read `{path}`: it is {what}, not a regular file")]
    NotAFile { path: PathBuf, what: &'static str },
    #[error("failed to recognise `{path}`: {reason}")]
    Unrecognized { path: PathBuf, reason: String },
    #[error("failed to parse `{path}` as {kind} at line {line}, column {column}: {message}")]
    /// `message` is serde's, without its own position.
    Parse {
        path: PathBuf,
        kind: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no input files in `{path}`")]
    EmptyBundle { path: PathBuf },
    #[error("failed to read `{path}` as a goattrib manifest")]
    Manifest {
        path: PathBuf,
        #[source]
        source: super::manifest::ManifestError,
    },
}
