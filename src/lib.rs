//! goattrib: where a Go build's time went and why the Go build cache missed.
//!
//! The library is the engine: `ingest` parses each input format into a typed model,
//! `dag` rebuilds the action graph and names the cause of every miss, `render` turns the
//! finished [`model::Report`] into tables, JSON and files. The CLI (`cli`) is thin.

pub mod analysis;
pub mod atomic;
pub mod cli;
pub mod compare;
pub mod dag;
pub mod error;
pub mod gate;
pub mod history;
pub mod ingest;
pub mod manifest;
pub mod model;
pub mod record;
pub mod render;
