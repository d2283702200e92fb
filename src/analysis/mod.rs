//! Computation over ingested data that is not the build graph: profiles (`profile`) and
//! OpenTelemetry spans (`spans`). Depends on `model` only; renders nothing.

pub mod profile;
pub mod spans;
