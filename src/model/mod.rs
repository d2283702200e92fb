//! The typed model every layer shares: plain data and the versioned contracts. Nothing here
//! parses, analyses or renders; everything else depends on it and it depends on nothing.
//!
//! - `build`, `mode`: actions of one build, their cache outcome, modules, build facts;
//! - `cause`: cause kinds and the cause of one miss;
//! - `inputs`: classified cache-key inputs;
//! - `job`: what a GitLab job trace says;
//! - `gate`: checked gates;
//! - `testcache`: the test result cache and module downloads (evidence and report sections);
//! - `report`, `compare`: the JSON contracts `goattrib.report/v1`, `goattrib.compare/v1`;
//! - `profile`, `spans`: pprof profiles and OpenTelemetry spans (`goattrib.profile/v1`).

mod build;
mod cause;
pub mod compare;
mod gate;
pub mod history;
mod inputs;
pub mod job;
mod mode;
pub mod profile;
mod report;
pub mod spans;
mod testcache;

pub use build::*;
pub use cause::*;
pub use gate::*;
pub use inputs::*;
pub use job::JobTrace;
pub use mode::Mode;
pub use report::*;
pub use testcache::*;

/// An error and its causes on one line (`failed to read `x`: permission denied`), for
/// where an error becomes a warning in a report rather than a message with a cause chain.
/// Error messages name their own context only and never repeat their source, so each part
/// appears once.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests;
