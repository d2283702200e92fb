//! `goattrib ci`: the one line a GitLab job needs — record, report against the previous
//! pipeline's baseline, write the report folder, rotate the baseline, apply the gates.
//! It composes `record` and `report` (no analysis of its own); the exit code is decided by
//! [`crate::error::exit_code`] like every other command's.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::analysis::gate::Limit;
use crate::error::{Error, Outcome};
use crate::ingest::manifest::MANIFEST_FILE;
use crate::model::CauseKind;

use super::report::{Format, ReportArgs};

const GATES: &str =
    "Gates (flags or GOATTRIB_* variables; a failed gate: exit 3 after writing everything)";

#[derive(Debug, Args)]
#[command(after_long_help = CI_EXAMPLE)]
pub struct CiArgs {
    /// Report folder to write (index.html, summary.md, report.json, metrics.txt,
    /// junit.xml when a gate is given, manifest.json.gz).
    #[arg(long, value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,
    /// Bundle directory `record` writes this build's evidence to.
    #[arg(long, value_name = "DIR", default_value = ".goattrib/bundle")]
    pub bundle: PathBuf,
    /// The previous pipeline's baseline: read before the build is reported, replaced by
    /// this build's manifest.json.gz after it. Keep it in the job's `cache:` (with
    /// `when: always`).
    #[arg(long, value_name = "DIR", default_value = ".goattrib/last")]
    pub last: PathBuf,
    /// Rows in the "top misses" table.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Table width in columns (default: COLUMNS, else the terminal's, else 120).
    #[arg(long)]
    pub width: Option<u16>,
    /// Tables as wide as their longest cell: nothing folded.
    #[arg(long, conflicts_with = "width")]
    pub wide: bool,
    /// Echo the -x command trace too (it is always saved in the bundle).
    #[arg(long)]
    pub show_commands: bool,
    /// Fail (exit 3) when fewer package compiles than this came from the cache:
    /// a fraction (0.9) or a percentage (90%).
    #[arg(long, value_name = "RATE", env = "GOATTRIB_MIN_HIT_RATE",
          value_parser = |s: &str| unset_or(s, super::report::hit_rate_arg), help_heading = GATES)]
    pub min_hit_rate: Option<Unset<f64>>,
    /// Fail when more than N package compiles missed the cache.
    #[arg(long, value_name = "N", env = "GOATTRIB_MAX_MISSES", help_heading = GATES,
          value_parser = |s: &str| unset_or(s, |s| s.trim().parse::<usize>().map_err(|e| e.to_string())))]
    pub max_misses: Option<Unset<usize>>,
    /// Fail when more than N test packages ran instead of replaying their cached result.
    #[arg(long, value_name = "N", env = "GOATTRIB_MAX_TEST_RERUNS", help_heading = GATES,
          value_parser = |s: &str| unset_or(s, |s| s.trim().parse::<usize>().map_err(|e| e.to_string())))]
    pub max_test_reruns: Option<Unset<usize>>,
    /// Fail when the critical path is longer than this (Go duration syntax: 90s, 1m30s).
    #[arg(long, value_name = "DURATION", env = "GOATTRIB_MAX_CRITICAL_PATH",
          value_parser = |s: &str| unset_or(s, super::report::duration_arg), help_heading = GATES)]
    pub max_critical_path: Option<Unset<Limit>>,
    /// Fail when any miss has one of these causes, e.g. workdir,evicted.
    #[arg(long, value_name = "KIND,...", env = "GOATTRIB_FORBID_CAUSE", value_delimiter = ',',
          value_parser = |s: &str| unset_or(s, super::report::cause_arg), help_heading = GATES)]
    pub forbid_cause: Vec<Unset<CauseKind>>,
    /// The Go command: go build|install|test|vet [flags] [packages].
    #[arg(last = true, required = true, value_name = "GO COMMAND")]
    pub go: Vec<String>,
}

const CI_EXAMPLE: &str = "\
In .gitlab-ci.yml (one line; cache .goattrib/last/ and GOCACHE with `when: always`):
  script:
    - goattrib ci --min-hit-rate 90% -- go build ./...

What happens, in order:
  1. record: runs the Go command with goattrib's signals into .goattrib/bundle/,
     passing through only what the build would have printed
  2. report: against .goattrib/last/manifest.json.gz when it is there (the previous
     pipeline's build: every miss gets a root cause); without one on the first pipeline
  3. writes reports/ (keep it as an artifact) and prints the table
  4. rotates the baseline: this build's manifest.json.gz replaces .goattrib/last/'s
     (only when the Go command succeeded)
  5. exits with the Go command's code when it failed, else 3 when a gate failed, else 0

Examples:
  goattrib ci -- go build ./...
  goattrib ci --out reports/ --max-misses 20 -- go test ./...
  GOATTRIB_FORBID_CAUSE=workdir,evicted goattrib ci -- go build -trimpath ./...";

pub fn run(args: CiArgs) -> Result<Outcome, Error> {
    let record = crate::record::RecordOptions {
        out_dir: args.bundle.clone(),
        argv: args.go.clone(),
        show_commands: args.show_commands,
        profile: false,
    };
    let go_exit = crate::record::record(&record)?;
    if go_exit != 0 {
        say!("goattrib: the Go command exited with {go_exit}; reporting what it did");
    }

    let last = args.last.join(MANIFEST_FILE);
    let baseline = if last.is_file() {
        vec![last.clone()]
    } else {
        say!(
            "goattrib: note: no baseline at {} yet (the first pipeline, or the cache was not \
             restored): this report has no root causes against a previous build; this build \
             becomes the next pipeline's baseline",
            last.display()
        );
        Vec::new()
    };
    let report = ReportArgs {
        inputs: vec![args.bundle.clone()],
        baseline,
        format: Format::Table,
        top: args.top,
        width: args.width,
        wide: args.wide,
        all: false,
        critical_path: super::report::CriticalPath::Folded,
        out: Some(args.out.clone()),
        quiet: false,
        min_hit_rate: args.min_hit_rate.and_then(|u| u.0),
        max_misses: args.max_misses.and_then(|u| u.0),
        max_test_reruns: args.max_test_reruns.and_then(|u| u.0),
        max_critical_path: args.max_critical_path.clone().and_then(|u| u.0),
        forbid_cause: args.forbid_cause.iter().filter_map(|u| u.0).collect(),
    };
    // A report that could not be made at all (no usable bundle) still must not lose the
    // Go command's own verdict.
    let reported = super::report::run(report);

    if go_exit == 0 {
        rotate(&args.bundle, &args.last)?;
        say!(
            "goattrib: baseline for the next pipeline: {}",
            args.last.join(MANIFEST_FILE).display()
        );
    } else {
        say!("goattrib: baseline kept: a failed build is not the next pipeline's baseline");
    }
    match reported {
        // A partly unreadable baseline was already said as a warning; the job's verdict is
        // the build's and the gates'.
        Ok(o) => Ok(Outcome {
            unreadable_input: false,
            gate_failed: o.gate_failed,
            go_exit: Some(go_exit),
        }),
        Err(e) if go_exit != 0 => {
            say!(
                "goattrib: warning: no report: {}",
                crate::model::error_chain(&e)
            );
            Ok(Outcome {
                go_exit: Some(go_exit),
                ..Outcome::default()
            })
        }
        Err(e) => Err(e),
    }
}

/// A gate's value, or none when it was given empty: a CI/CD component passes every input,
/// and `GOATTRIB_MAX_MISSES=""` must mean "no such gate", not a parse error.
#[derive(Debug, Clone)]
pub struct Unset<T>(Option<T>);

fn unset_or<T>(s: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Unset<T>, String> {
    if s.trim().is_empty() {
        Ok(Unset(None))
    } else {
        parse(s).map(|v| Unset(Some(v)))
    }
}

/// Copies the bundle's manifest into the baseline folder, atomically (a job cancelled
/// half-way leaves the old baseline whole).
fn rotate(bundle: &Path, last: &Path) -> Result<(), Error> {
    let from = bundle.join(MANIFEST_FILE);
    let to = last.join(MANIFEST_FILE);
    let bytes = std::fs::read(&from).map_err(|source| {
        Error::OutFolder(crate::atomic::OutError {
            action: "read the new baseline",
            path: from.clone(),
            source,
        })
    })?;
    std::fs::create_dir_all(last).map_err(|source| {
        Error::OutFolder(crate::atomic::OutError {
            action: "create the baseline folder",
            path: last.to_owned(),
            source,
        })
    })?;
    crate::atomic::write_atomic(&to, &bytes)?;
    Ok(())
}
