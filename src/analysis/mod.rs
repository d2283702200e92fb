//! Analysis: assemble a build from its inputs, rebuild the action DAG, name the cause of
//! every miss, summarise it all into the [`Report`], compare two builds and check gates.
//! Also profiles (`profile`), OpenTelemetry spans (`spans`) and the dashboard's figures
//! (`dashboard`). Nothing here parses a file
//! format (that is `ingest`) or renders (that is `render`).

pub mod assemble;
pub mod cause;
pub mod compare;
pub mod dashboard;
pub mod gate;
pub mod graph;
pub mod job;
pub mod modcache;
pub mod profile;
mod report;
pub mod spans;
pub mod testcache;

pub use assemble::assemble;
pub use report::analyze;

use crate::ingest::Inputs;
use crate::model::{BuildData, Report};

/// Reads one build from its inputs: from its manifest when that is what was given (the
/// loader keeps a manifest only when no bundle file describes the build), else assembled
/// from the bundle's files.
pub fn prepare(mut inputs: Inputs) -> BuildData {
    match inputs.manifest.take() {
        Some(manifest) => join_manifest(*manifest, inputs),
        None => assemble(inputs),
    }
}

/// Reads and analyses a build, with an optional baseline build to diff against.
pub fn report(current: Inputs, baseline: Option<Inputs>) -> Report {
    let (current, baseline) = rayon::join(|| prepare(current), || baseline.map(prepare));
    analyze(&current, baseline.as_ref())
}

/// A manifest read by the loader, joined with what else was given for the same build (a job
/// trace, the loader's warnings).
fn join_manifest(mut data: BuildData, mut inputs: Inputs) -> BuildData {
    if !inputs.job_traces.is_empty() {
        data.job = Some(inputs.job_traces.swap_remove(0));
    }
    let meta = &mut data.build.meta;
    meta.inputs = inputs
        .files
        .iter()
        .map(|(p, k)| format!("{} ({})", p.display(), k.describe()))
        .collect();
    data.build.warnings = inputs
        .warnings
        .iter()
        .map(ToString::to_string)
        .chain(inputs.errors.iter().map(|e| crate::model::error_chain(e)))
        .collect();
    data
}
