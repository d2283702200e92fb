//! `goattrib report`: load a build (and its baseline), analyse it, render it.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::analysis::gate::{self, Limit, ReportGates};
use crate::error::{Error, Outcome};
use crate::model::CauseKind;
use crate::model::GateOutcome;
use crate::render::terminal::{Fold, Printable, Style};
use crate::render::{self, table::TableOptions};

/// `--format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Tables for a terminal or a CI log.
    Table,
    /// One JSON object (`goattrib.report/v1`).
    Json,
}

/// How much of the critical path the table shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CriticalPath {
    Folded,
    Full,
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
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Show everything in the table: every cause row, every miss, every critical-path step
    /// (by default the long tails are folded into one line each; JSON is always complete).
    #[arg(long)]
    pub all: bool,
    /// The critical path in the table: its costliest steps (`folded`) or every step.
    #[arg(long, value_enum, default_value_t = CriticalPath::Folded, value_name = "HOW")]
    pub critical_path: CriticalPath,
    /// Table width in columns (default: COLUMNS, else the terminal's, else 120).
    #[arg(long)]
    pub width: Option<u16>,
    /// Tables as wide as their longest cell: nothing folded (for logs kept as files).
    #[arg(long, conflicts_with = "width")]
    pub wide: bool,
    /// Also write a report folder for a GitLab job to keep as an artifact.
    ///
    /// DIR is created if missing and updated in place (each file replaced atomically;
    /// other files are left alone). It gets: index.html (one self-contained page: the
    /// answer, charts, causes, misses, modules, critical path, job, compiler messages),
    /// the charts as .svg files, summary.md (for a merge-request comment), report.json
    /// (the same as --format json), metrics.txt (OpenMetrics, for
    /// artifacts:reports:metrics), trace.json (open it in ui.perfetto.dev) and, when a gate
    /// is given, junit.xml (one test case per gate, for artifacts:reports:junit).
    /// The table (or JSON) is still printed unless --quiet.
    #[arg(long, value_name = "DIR", help_heading = "Report folder")]
    pub out: Option<PathBuf>,
    /// Print nothing on stdout (with --out: only write the folder).
    #[arg(short, long, help_heading = "Report folder")]
    pub quiet: bool,
    /// Fail (exit 3) when fewer package compiles than this came from the cache:
    /// a fraction (0.9) or a percentage (90%).
    #[arg(
        long,
        value_name = "RATE",
        value_parser = hit_rate_arg,
        help_heading = "Gates (each failed gate: exit 3 after writing everything, a failed JUnit case)"
    )]
    pub min_hit_rate: Option<f64>,
    /// Fail when more than N package compiles missed the cache.
    #[arg(
        long,
        value_name = "N",
        help_heading = "Gates (each failed gate: exit 3 after writing everything, a failed JUnit case)"
    )]
    pub max_misses: Option<usize>,
    /// Fail when the critical path is longer than this: Go duration syntax, e.g. 90s,
    /// 1m30s, 1500ms.
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = duration_arg,
        help_heading = "Gates (each failed gate: exit 3 after writing everything, a failed JUnit case)"
    )]
    pub max_critical_path: Option<Limit>,
    /// Fail when any miss has one of these causes, e.g. workdir,evicted (a moved checkout,
    /// a cache entry that was gone). Kinds: toolchain, platform, env, flags, go-directive,
    /// workdir, source, vcs, dependency, evicted, cache-not-restored, not-cached, new, cold,
    /// unknown.
    #[arg(
        long,
        value_name = "KIND,...",
        value_delimiter = ',',
        value_parser = cause_arg,
        help_heading = "Gates (each failed gate: exit 3 after writing everything, a failed JUnit case)"
    )]
    pub forbid_cause: Vec<CauseKind>,
    /// Fail when more than N test packages ran instead of replaying their cached result
    /// (`go test`; the report's "tests" section says why each ran).
    #[arg(
        long,
        value_name = "N",
        help_heading = "Gates (each failed gate: exit 3 after writing everything, a failed JUnit case)"
    )]
    pub max_test_reruns: Option<usize>,
}

pub(super) fn hit_rate_arg(s: &str) -> Result<f64, String> {
    gate::parse_hit_rate(s).map_err(|e| e.to_string())
}

pub(super) fn duration_arg(s: &str) -> Result<Limit, String> {
    gate::parse_duration_ms(s)
        .map(|ms| Limit {
            ms,
            text: s.trim().to_owned(),
        })
        .map_err(|e| e.to_string())
}

pub(super) fn cause_arg(s: &str) -> Result<CauseKind, String> {
    gate::parse_cause_kind(s).map_err(|e| e.to_string())
}

impl ReportArgs {
    fn gates(&self) -> ReportGates {
        let mut forbid = self.forbid_cause.clone();
        forbid.sort();
        forbid.dedup();
        ReportGates {
            min_hit_rate: self.min_hit_rate,
            max_misses: self.max_misses,
            max_critical_path: self.max_critical_path.clone(),
            forbid_causes: forbid,
            max_test_reruns: self.max_test_reruns,
        }
    }
}

pub(crate) fn load(paths: &[PathBuf]) -> Result<crate::ingest::Inputs, Error> {
    let mut inputs = crate::ingest::load(paths)?;
    if inputs.files.is_empty() {
        let count = inputs.errors.len();
        let first = inputs
            .errors
            .drain(..)
            .next()
            .map(|e| crate::model::error_chain(&e))
            .unwrap_or_default();
        return Err(Error::NoUsableInput { count, first });
    }
    Ok(inputs)
}

pub fn run(args: ReportArgs) -> Result<Outcome, Error> {
    // Reads one build and readies it for analysis; says whether some input was unreadable.
    let read = |paths: &[PathBuf]| -> Result<(crate::model::BuildData, bool), Error> {
        let inputs = load(paths)?;
        let partial = !inputs.errors.is_empty();
        Ok((crate::analysis::prepare(inputs), partial))
    };
    // The build and its baseline are independent: read them at the same time.
    let (current, baseline) = rayon::join(
        || read(&args.inputs),
        || {
            (!args.baseline.is_empty())
                .then(|| read(&args.baseline))
                .transpose()
        },
    );
    let (current, mut partial) = current?;
    // A baseline that cannot be read at all (the first pipeline has none yet) is a warning
    // and a baseline-free report, not an error: the build's own report is still the answer.
    let mut baseline_warning = None;
    let baseline = match baseline {
        Ok(Some((data, baseline_partial))) => {
            partial |= baseline_partial;
            Some(data)
        }
        Ok(None) => None,
        Err(e) => {
            partial = true;
            baseline_warning = Some(format!(
                "baseline not used: {}; reported without one",
                crate::model::error_chain(&e)
            ));
            None
        }
    };
    let mut report = crate::analysis::analyze(&current, baseline.as_ref());
    let compiler = compile_profiles(&args.inputs);
    report.compiler =
        (!compiler.is_empty()).then_some(crate::model::CompilerSection { packages: compiler });
    if let Some(w) = baseline_warning {
        say!("goattrib: warning: {w}");
        report.warnings.push(w);
    }
    let gates = args.gates();
    let outcomes: Option<Vec<GateOutcome>> = (!gates.is_empty()).then(|| gates.check(&report));
    if !args.quiet {
        print(&report, &args)?;
    }
    if let Some(dir) = &args.out {
        let mut rendered = render::out::report(
            &report,
            outcomes.as_deref(),
            report.compiler.as_ref().map_or(&[][..], |c| &c.packages),
        );
        // The next pipeline's baseline, without the whole hash log (see `compare`).
        let mut manifest = Vec::new();
        crate::ingest::manifest::write(&current, &mut manifest).map_err(Error::Output)?;
        rendered.files.push(render::out::OutFile {
            name: crate::ingest::manifest::MANIFEST_FILE.to_owned(),
            bytes: manifest,
        });
        // The job's CI metadata travels with its report, for `history add`.
        let ci = crate::model::history::CI_META_FILE;
        if let Some(bytes) = args
            .inputs
            .iter()
            .find_map(|i| std::fs::read(i.join(ci)).ok())
        {
            rendered.files.push(render::out::OutFile {
                name: ci.to_owned(),
                bytes,
            });
        }
        for w in &rendered.warnings {
            say!("goattrib: warning: {w}");
        }
        render::out::write_folder(dir, &rendered.files)?;
        let names: Vec<&str> = rendered.files.iter().map(|f| f.name.as_str()).collect();
        say!(
            "goattrib: wrote {} files to {}: {}",
            names.len(),
            dir.display(),
            names.join(", ")
        );
    }
    let mut gate_failed = false;
    if let Some(outcomes) = &outcomes {
        for g in outcomes.iter().filter(|g| !g.passed) {
            say!(
                "goattrib: gate failed: {}: {}",
                g.name,
                crate::render::gate::message(g)
            );
            gate_failed = true;
        }
        let failed = outcomes.iter().filter(|g| !g.passed).count();
        say!(
            "goattrib: gates: {} passed, {failed} failed",
            outcomes.len() - failed
        );
    }
    // The process ends next: freeing both builds (hundreds of thousands of small strings,
    // a tenth of a large report's time) would be work nobody waits for.
    std::mem::forget((current, baseline, report));
    Ok(Outcome {
        unreadable_input: partial,
        gate_failed,
        go_exit: None,
    })
}

/// The table or JSON on stdout. A closed pipe (`| head`) stops the printing, not the run.
fn print(report: &crate::model::Report, args: &ReportArgs) -> Result<(), Error> {
    let stdout = std::io::stdout();
    let style = match args.format {
        Format::Json => Style::Json,
        _ => Style::Text,
    };
    let width = super::width::table_width(args.width, args.wide);
    let buffered = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    // Free text around the tables folds to the same width as the tables.
    let inner: Box<dyn Write> = match (args.format, width) {
        (Format::Table, Some(w)) => Box::new(Fold::new(buffered, usize::from(w))),
        _ => Box::new(buffered),
    };
    let mut out = Printable::new(inner, style);
    let written = match args.format {
        Format::Json => render::json::write(report, &mut out),
        Format::Table => render::table::write(
            report,
            &mut out,
            &TableOptions {
                top: args.top,
                width,
                all: args.all,
                full_critical_path: args.critical_path == CriticalPath::Full,
            },
        ),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::Output(e)),
    }
}

/// The per-package compile figures of `record --profile` bundles among `inputs`
/// (`BUNDLE/profiles/`); unreadable profiles are left out (`goattrib profile` names them).
fn compile_profiles(inputs: &[PathBuf]) -> Vec<crate::model::profile::PackageCost> {
    let dirs: Vec<PathBuf> = inputs
        .iter()
        .map(|i| i.join("profiles"))
        .filter(|d| d.is_dir())
        .collect();
    if dirs.is_empty() {
        return Vec::new();
    }
    let loaded = crate::ingest::pprof::load(&dirs);
    crate::analysis::profile::compile::packages(&loaded.profiles, &loaded.bench, &[])
}
