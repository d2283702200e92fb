//! Command-line arguments (clap derive lives only here) and their conversion into engine calls.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, exit};
use crate::render::{self, Format, table::TableOptions};

/// Where a Go build's time went, and why the Go build cache missed.
///
/// Record a build in CI with `goattrib record`, then read it with `goattrib report`.
/// With `--baseline` (the previous pipeline's bundle), every cache miss gets a root cause:
/// the changed source file, the dependency where a change started, GOOS/GOARCH, flags,
/// environment, toolchain, a moved checkout, or an evicted cache entry.
#[derive(Debug, Parser)]
#[command(name = "goattrib", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Commands,
}

#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Run a Go command and capture the evidence into a bundle directory.
    ///
    /// Adds -x, -json, -debug-actiongraph and -debug-trace, sets GODEBUG=gocachehash=1,
    /// and passes the output through as the plain text the build would have printed.
    /// Exits with the Go command's exit code.
    ///
    /// Example: goattrib record -o build-bundle -- go build ./...
    Record(RecordArgs),
    /// Analyse a recorded build: hits and misses, per-module hit rate, critical path,
    /// and the root cause of every miss.
    ///
    /// INPUTS are bundle directories and/or loose files (build.jsonl, build.stderr,
    /// actiongraph.json, trace.json, go-env.json, modules.json, vendor/modules.txt), in any
    /// order; each file's format is recognised from its content, and any may be gzipped.
    ///
    /// Examples:
    ///   goattrib report build-bundle
    ///   goattrib report --baseline last-bundle build-bundle
    ///   goattrib report --format json build-bundle > report.json
    #[command(verbatim_doc_comment)]
    Report(ReportArgs),
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Bundle directory to write (created if missing; files in it are replaced).
    #[arg(short, long, default_value = "goattrib-bundle")]
    pub out: PathBuf,
    /// Echo the -x command trace too (it is always saved in the bundle).
    #[arg(long)]
    pub show_commands: bool,
    /// The Go command: go build|install|test|vet [flags] [packages].
    #[arg(last = true, required = true, value_name = "GO COMMAND")]
    pub go: Vec<String>,
}

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

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Commands::Record(args) => {
            let opts = crate::record::RecordOptions {
                out_dir: args.out,
                argv: args.go,
                show_commands: args.show_commands,
            };
            Ok(crate::record::record(&opts)?)
        }
        Commands::Report(args) => report(args),
    }
}

fn load(paths: &[PathBuf]) -> Result<crate::ingest::Inputs, Error> {
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

fn report(args: ReportArgs) -> Result<i32, Error> {
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
