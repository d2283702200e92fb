//! Command-line arguments (clap derive lives only here) and their conversion into engine calls.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Outcome};

/// Prints one line on stderr made printable: warnings and gate messages quote job logs,
/// package names and file names, which a merge request chooses.
macro_rules! say {
    ($($arg:tt)*) => {
        eprintln!("{}", $crate::render::terminal::line(&format!($($arg)*)))
    };
}

mod ci;
mod compare;
mod dashboard;
mod docs;
mod history;
mod manifest;
mod profile;
mod report;
mod spans;
mod width;
pub use ci::CiArgs;
pub use compare::CompareArgs;
pub use dashboard::DashboardArgs;
pub use history::HistoryArgs;
pub use manifest::ManifestArgs;
pub use profile::ProfileArgs;
pub use report::ReportArgs;
pub use spans::SpansArgs;

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
    /// The most bytes one gzipped input may inflate to (a bomb stops with an error naming
    /// the file): 256MiB by default; e.g. 1GiB, 512MB, 100000000.
    #[arg(long, global = true, value_name = "SIZE", value_parser = size_arg)]
    pub max_inflated_size: Option<u64>,
    /// Keep secrets in what is read and written: tokens, URL user info, secret-named
    /// values (`-X main.apiKey=...`, GOAUTH) are otherwise replaced by `<redacted:3f2a9c>`
    /// fingerprints. For local debugging only: never in CI, where reports, bundles and
    /// merge-request comments are seen by others.
    #[arg(long, global = true)]
    pub no_redact: bool,
}

/// `256MiB`, `1GiB`, `512MB`, `100000000`: a byte count.
fn size_arg(text: &str) -> Result<u64, String> {
    let s = text.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size: write e.g. 256MiB, 1GiB or 100000000"))?;
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" => 1_000,
        "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "`{other}` is not a size unit: use B, KB, KiB, MB, MiB, GB or GiB"
            ));
        }
    };
    n.checked_mul(scale)
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("`{text}` is not a usable size"))
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
    /// Top functions, compile passes and labels of pprof files (compiler -cpuprofile,
    /// go test -cpuprofile/-memprofile, runtime/pprof, go tool trace -pprof), with
    /// pprof's own flat and cum; several files are merged; flame graph folder with --out.
    /// `profile diff BASE HEAD` compares two sides with a regression gate.
    ///
    /// Exit codes: 0 ok; 1 some file unreadable (the others are still reported); 2 nothing
    /// usable; 3 a gate failed.
    ///
    /// Examples:
    ///   goattrib profile build-bundle/profiles/
    ///   goattrib profile --format json cpu.pprof
    ///   goattrib profile --out flame/ cpu.pprof
    ///   goattrib profile --tag cache.miss=true cpu.pprof
    ///   goattrib profile --sample alloc_space mem.pprof
    ///   goattrib profile diff base.pprof head.pprof --max-regression 10%
    #[command(verbatim_doc_comment)]
    Profile(ProfileArgs),
    /// OpenTelemetry spans (OTLP/JSON files) selected by attribute: how many, p50/p95, and
    /// where their time went among their child spans, self time included.
    ///
    /// Examples:
    ///   goattrib spans traces.jsonl --where cache.miss=true
    ///   goattrib spans traces.jsonl --where cache.miss=true --profile cpu.pprof
    ///   goattrib spans --format json traces.jsonl --where cache.miss=true
    #[command(verbatim_doc_comment)]
    Spans(SpansArgs),
    /// The job history behind the dashboard: add jobs (report folders, report.json,
    /// bundles, job logs), prune, export, stats. SQLite by default (--db FILE), or
    /// ClickHouse (--store clickhouse://HOST:PORT/DB).
    History(HistoryArgs),
    /// Weekly cache-efficiency dashboard from the history: a static site (--out DIR, for
    /// GitLab Pages) or its numbers (--format json, goattrib.dashboard/v1).
    ///
    /// Examples:
    ///   goattrib dashboard --db history.db --out public/
    ///   goattrib dashboard --db history.db --format json --since 12w
    ///   goattrib dashboard --db history.db --out public/ --group-by executor
    #[command(verbatim_doc_comment)]
    Dashboard(DashboardArgs),
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
    /// Also write compile CPU profiles and -bench phase timings of exactly the packages
    /// that miss into BUNDLE/profiles/ (goattrib becomes the -toolexec program and leaves
    /// cache keys unchanged). Read them with `goattrib profile BUNDLE/profiles/`.
    #[arg(long)]
    pub profile: bool,
    /// The Go command: go build|install|test|vet [flags] [packages].
    #[arg(last = true, required = true, value_name = "GO COMMAND")]
    pub go: Vec<String>,
}

/// Runs the parsed command line; [`crate::error::exit_code`] turns the result into the
/// process exit code.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    if let Some(limit) = cli.max_inflated_size {
        crate::ingest::set_max_inflated(limit);
    }
    crate::ingest::redact::set_enabled(!cli.no_redact);
    match cli.command {
        Commands::Record(args) => {
            let opts = crate::record::RecordOptions {
                out_dir: args.out,
                argv: args.go,
                show_commands: args.show_commands,
                profile: args.profile,
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
        Commands::Profile(args) => profile::run(args),
        Commands::Spans(args) => spans::run(args),
        Commands::History(args) => history::run(args).map(from_code),
        Commands::Dashboard(args) => dashboard::run(args).map(from_code),
    }
}

/// The outcome a command that still computes its own exit code (0, 1 or 3) stands for.
fn from_code(code: i32) -> Outcome {
    Outcome {
        unreadable_input: code == crate::error::exit::PARTIAL,
        gate_failed: code == crate::error::exit::GATE_FAILED,
        go_exit: None,
    }
}
