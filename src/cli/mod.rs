//! Command-line arguments (clap derive lives only here) and their conversion into engine calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Outcome};

mod ci;
mod compare;
mod docs;
mod manifest;
mod report;
mod width;
pub use ci::CiArgs;
pub use compare::CompareArgs;
pub use manifest::ManifestArgs;
pub use report::ReportArgs;

/// Where a Go build's time went, and why the Go build cache missed.
///
/// Record a build in CI with `goattrib record`, then read it with `goattrib report`.
/// With `--baseline` (the previous pipeline's bundle), every cache miss gets a root cause:
/// the changed source file, the dependency where a change started, GOOS/GOARCH, flags,
/// environment, toolchain, a moved checkout, or an evicted cache entry.
#[derive(Debug, Parser)]
#[command(name = "goattrib", version = env!("GOATTRIB_VERSION"), max_term_width = 100)]
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
    /// actiongraph.json, trace.json, go-env.json, modules.json, vendor/modules.txt,
    /// manifest.json.gz, a GitLab job's raw log), in any order; each file's format is
    /// recognised from its content, and any may be gzipped.
    ///
    /// Examples:
    ///   goattrib report build-bundle
    ///   goattrib report --baseline last-bundle build-bundle
    ///   goattrib report --format json build-bundle > report.json
    ///   goattrib report build-bundle job.log          # with the GitLab job's raw log
    ///   goattrib report --out reports/ --min-hit-rate 0.9 --baseline last-bundle build-bundle
    #[command(verbatim_doc_comment)]
    Report(ReportArgs),
    /// Write a build's input manifest (manifest.json.gz): its classified hash inputs, actions
    /// and timings, at a few percent of the hash log's size. `record` writes one into every
    /// bundle; use this for older bundles. Pass it wherever a baseline bundle goes.
    Manifest(ManifestArgs),
    /// Why one pipeline's Go build was slower (or faster) than another's: headline deltas,
    /// the wall-time delta attributed to causes, new and fixed misses with their root
    /// causes, regressions, and the GitLab jobs' section deltas.
    ///
    /// BASE and HEAD are bundles, report folders, manifest.json.gz or report.json files.
    ///
    /// Examples:
    ///   goattrib compare last-bundle build-bundle
    ///   goattrib compare --format json BASE HEAD
    ///   goattrib compare --out reports/compare --max-slowdown 10% BASE HEAD
    #[command(verbatim_doc_comment)]
    Compare(CompareArgs),
    /// The one line a GitLab job needs: record the Go command, report against the previous
    /// pipeline's baseline (.goattrib/last/), write reports/, keep this build as the next
    /// baseline, apply the gates.
    ///
    /// Example (.gitlab-ci.yml):  script: [goattrib ci --min-hit-rate 90% -- go build ./...]
    Ci(CiArgs),
    /// Print a shell completion script: goattrib completions bash > /etc/bash_completion.d/goattrib
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): goattrib man > goattrib.1
    Man,
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

/// Runs the parsed command line; [`crate::error::exit_code`] turns the result into the
/// process exit code.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Commands::Record(args) => {
            let opts = crate::record::RecordOptions {
                out_dir: args.out,
                argv: args.go,
                show_commands: args.show_commands,
            };
            let code = crate::record::record(&opts)?;
            Ok(Outcome {
                go_exit: Some(code),
                ..Outcome::default()
            })
        }
        Commands::Report(args) => report::run(args),
        Commands::Manifest(args) => manifest::run(args),
        Commands::Compare(args) => compare::run(args),
        Commands::Ci(args) => ci::run(args),
        Commands::Completions { shell } => docs::completions(shell),
        Commands::Man => docs::man(),
    }
}
