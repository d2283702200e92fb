//! Analysis: assemble a build from its inputs, rebuild the action DAG, name the cause of
//! every miss, and summarise it all into the [`Report`]. Nothing here renders.

pub mod assemble;
pub mod cause;
pub mod graph;
pub mod inputs;
pub mod job;
mod report;

pub use assemble::{Assembled, assemble};
pub use report::analyze;

use crate::model::Report;

/// Assembles and analyses a build, with an optional baseline build to diff against.
pub fn report(current: crate::ingest::Inputs, baseline: Option<crate::ingest::Inputs>) -> Report {
    let current = assemble(current);
    let baseline = baseline.map(assemble);
    analyze(&current, baseline.as_ref())
}
