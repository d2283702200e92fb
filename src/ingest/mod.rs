//! Input formats: one parser module per format, each returning a typed model.

pub mod gitlab_trace;
