//! `goattrib report`: load a build (and its baseline), analyse it, render it.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, exit};
use crate::render::{self, Format, table::TableOptions};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Bundle directories and files of the build to analyse.
    #[arg(required = true, value_name = "INPUTS")]
    pub inputs: Vec<PathBuf>,
    /// The build to compare hash inputs with (usually the previous pipeline's bundle);
    /// repeat to give several loose files.
    #[arg(long, value_name = "BUNDLE")]
    pub baseline: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Rows in the "top misses" table.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Table width in columns (default: the terminal's).
    #[arg(long)]
    pub width: Option<u16>,
}

pub(crate) fn load(paths: &[PathBuf]) -> Result<crate::ingest::Inputs, Error> {
    let mut inputs = crate::ingest::load(paths)?;
    if inputs.files.is_empty() {
        let count = inputs.errors.len();
        let first = inputs
            .errors
            .drain(..)
            .next()
            .map(|e| e.to_string())
            .unwrap_or_default();
        return Err(Error::NoUsableInput { count, first });
    }
    Ok(inputs)
}

pub fn run(args: ReportArgs) -> Result<i32, Error> {
    // The build and its baseline are independent: load them at the same time.
    let (current, baseline) = rayon::join(
        || load(&args.inputs),
        || {
            (!args.baseline.is_empty())
                .then(|| load(&args.baseline))
                .transpose()
        },
    );
    let (current, baseline) = (current?, baseline?);
    let partial = !current.errors.is_empty();
    let report = crate::dag::report(current, baseline);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let written = match args.format {
        Format::Json => render::json::write(&report, &mut out),
        Format::Table => render::table::write(
            &report,
            &mut out,
            &TableOptions {
                top: args.top,
                width: args.width,
            },
        ),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => {}
        // `goattrib report x | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(exit::OK),
        Err(e) => return Err(Error::Output(e)),
    }
    Ok(if partial { exit::PARTIAL } else { exit::OK })
}
