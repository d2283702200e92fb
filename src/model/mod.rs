//! The typed model every layer shares: plain data and the versioned contracts. Nothing here
//! parses, analyses or renders; everything else depends on it and it depends on nothing.
//!
//! - `build`: actions of one build, their cache outcome, modules, build facts;
//! - `cause`: cause kinds and the cause of one miss;
//! - `inputs`: classified cache-key inputs;
//! - `job`: what a GitLab job trace says;
//! - `gate`: checked gates;
//! - `report`, `compare`: the JSON contracts `goattrib.report/v1`, `goattrib.compare/v1`.

mod build;
mod cause;
pub mod compare;
mod gate;
mod inputs;
pub mod job;
mod report;

pub use build::*;
pub use cause::*;
pub use gate::*;
pub use inputs::*;
pub use job::JobTrace;
pub use report::*;

#[cfg(test)]
mod tests;
