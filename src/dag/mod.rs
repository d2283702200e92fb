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

use crate::ingest::Inputs;
use crate::ingest::gitlab_trace::JobTrace;
use crate::model::{Build, Report};

pub use cause::KeyInputs;

/// A build ready for analysis: its actions, its classified hash inputs and its job. A bundle
/// (through [`assemble`]) and a manifest ([`crate::manifest`]) both give one, so the cause
/// code reads the same thing whatever a build was read from.
#[derive(Debug, Default)]
pub struct BuildData {
    pub build: Build,
    pub inputs: KeyInputs,
    pub job: Option<JobTrace>,
}

impl From<Assembled> for BuildData {
    fn from(a: Assembled) -> Self {
        BuildData {
            inputs: cause::classify_log(&a.hashes),
            build: a.build,
            job: a.job,
        }
    }
}

/// Reads one build from its inputs: from its manifest when that is what was given (the
/// loader keeps a manifest only when no bundle file describes the build), else assembled
/// from the bundle's files.
pub fn prepare(mut inputs: Inputs) -> BuildData {
    match inputs.manifest.take() {
        Some(manifest) => crate::manifest::into_build_data(*manifest, inputs),
        None => assemble(inputs).into(),
    }
}

/// Reads and analyses a build, with an optional baseline build to diff against.
pub fn report(current: Inputs, baseline: Option<Inputs>) -> Report {
    let (current, baseline) = rayon::join(|| prepare(current), || baseline.map(prepare));
    analyze(&current, baseline.as_ref())
}
