//! goattrib: where a Go build's time went and why the Go build cache missed.
//!
//! The library is the engine; its layers run one way, each importing only the layers
//! below it (`tests/it/layers.rs` reads every `use crate::` line and fails on an upward one):
//!
//! | layer | what it holds | may use |
//! |---|---|---|
//! | `model` | plain data and the versioned contracts (actions, modes, cause kinds, key inputs, the job trace, gates, the JSON reports) | nothing |
//! | `atomic` | writing a file so a reader never sees half of it | nothing |
//! | `toolexec` | goattrib as the Go command's `-toolexec` program (`record --profile`) | nothing |
//! | `ingest` | one codec per input format (the manifest among them), sniffing, gzip, loading | `model`, `atomic` |
//! | `history` | the job-history store (SQLite, ClickHouse) behind one `Store` trait | `model` |
//! | `analysis` | assembling a build, the action DAG, causes, compare, gates | `ingest` and below |
//! | `render` | words, colours and every output format, behind one `Render` trait | `analysis` and below |
//! | `record` | running the Go command and writing its bundle | `analysis` and below |
//! | `cli` | clap arguments, one file per command; the exit code of a run (`error`) | everything |
//! | `fuzzing` | one entry point per input format for the fuzzers in `fuzz/` (hidden) | `render` and below |

pub mod analysis;
pub mod atomic;
pub mod cli;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod history;
pub mod ingest;
pub mod model;
pub mod record;
pub mod render;
pub mod toolexec;
