//! `goattrib manifest`: writes the input manifest of a recorded build (what `record` already
//! puts in new bundles), e.g. to keep a small baseline from an older bundle.

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, Outcome};

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Bundle directories and files of the build.
    #[arg(required = true, value_name = "INPUTS")]
    pub inputs: Vec<PathBuf>,
    /// The manifest file to write.
    #[arg(short, long, default_value = crate::ingest::manifest::MANIFEST_FILE)]
    pub out: PathBuf,
}

pub fn run(args: ManifestArgs) -> Result<Outcome, Error> {
    let inputs = super::report::load(&args.inputs)?;
    let partial = !inputs.errors.is_empty();
    let data = crate::analysis::prepare(inputs);
    crate::ingest::manifest::write_file(&args.out, &data)?;
    Ok(Outcome {
        unreadable_input: partial,
        ..Outcome::default()
    })
}
