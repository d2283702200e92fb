//! `goattrib history add|prune|export|stats`: the job history behind the dashboard.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rayon::prelude::*;

use crate::error::{Error, exit};
use crate::history::{self, Store};
use crate::ingest::history as hingest;
use crate::model::history::{CI_META_FILE, JobRecord};

/// Where the history lives: a SQLite file, or a ClickHouse server.
#[derive(Debug, Args, Clone)]
#[group(required = true, multiple = false)]
pub struct StoreArgs {
    /// The SQLite history file (created by `history add` when missing).
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// A store address: clickhouse://HOST:PORT/DATABASE (or a SQLite file path).
    #[arg(long, value_name = "ADDRESS")]
    pub store: Option<String>,
}

impl StoreArgs {
    pub fn open(&self, create: bool) -> Result<Box<dyn Store>, Error> {
        let address = match (&self.db, &self.store) {
            (Some(db), _) => db.display().to_string(),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        };
        Ok(history::open(&address, create)?)
    }

    pub fn name(&self) -> String {
        match (&self.db, &self.store) {
            (Some(db), _) => db.display().to_string(),
            (None, Some(s)) => s.clone(),
            (None, None) => String::new(),
        }
    }
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Add jobs: report folders (`report --out`), report.json files, bundles (analysed now,
    /// with --baseline when given), GitLab job logs, and `history export` files (.jsonl, to
    /// move a history to another store). A job log right after a bundle is
    /// that bundle's job; alone, it is a job of its own. Adding a job again replaces it.
    ///
    /// Examples:
    ///   goattrib history add --db history.db reports/
    ///   goattrib history add --db history.db --baseline last-bundle build-bundle job.log
    ///   goattrib history add --db history.db --ci executor=docker --ci ref=main report.json
    #[command(verbatim_doc_comment)]
    Add(AddArgs),
    /// Delete jobs older than a span (`52w`, `90d`, `12m`, `1y`) before the newest job.
    Prune(PruneArgs),
    /// Print every job with its child rows, one JSON object per line, oldest first.
    Export(ExportArgs),
    /// Jobs, first and last job start, size on disk.
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(required = true, value_name = "INPUTS")]
    pub inputs: Vec<PathBuf>,
    /// Set or override job metadata: KEY=VALUE with KEY one of project, pipeline, job,
    /// job_name, ref, commit, runner, runner_description, executor, started_at (RFC 3339),
    /// simulated (true for metadata made up by a script). Repeatable.
    #[arg(long = "ci", value_name = "KEY=VALUE")]
    pub ci: Vec<String>,
    /// Baseline build for the bundles given (as `report --baseline`); repeatable.
    #[arg(long, value_name = "BUNDLE")]
    pub baseline: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PruneArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// How much history to keep, counted back from the newest job.
    #[arg(long, value_name = "SPAN", default_value = "52w")]
    pub keep: String,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Output format (one JSON object per job and line).
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
}

/// One job to add, as the inputs name it.
#[derive(Debug)]
enum Unit {
    /// A `report.json`, with the `ci.json` beside it when there is one.
    Report { json: PathBuf, ci: Option<PathBuf> },
    /// A `history export` file: many jobs, read one line at a time.
    Export(PathBuf),
    /// Files to analyse as one build (a bundle and its job log, or a job log alone).
    Build {
        inputs: Vec<PathBuf>,
        ci: Option<PathBuf>,
        has_log: bool,
    },
}

fn sibling(dir: &Path, name: &str) -> Option<PathBuf> {
    let p = dir.join(name);
    p.is_file().then_some(p)
}

fn is_job_log(path: &Path) -> bool {
    crate::ingest::read_head(path).is_some_and(|h| crate::ingest::gitlab_trace::sniff(&h))
}

fn job_logs_in(dir: &Path) -> Vec<PathBuf> {
    crate::ingest::dir_files(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("job.log"))
        })
        .collect()
}

/// Groups the inputs into jobs.
fn units(inputs: &[PathBuf]) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    for path in inputs {
        if path.is_dir() {
            if let Some(json) = sibling(path, "report.json") {
                units.push(Unit::Report {
                    json,
                    ci: sibling(path, CI_META_FILE),
                });
            } else if path.join("bundle").is_dir() {
                // A bundle and its job log side by side (`bundle/`, `job.log.gz`).
                let bundle = path.join("bundle");
                let logs = job_logs_in(path);
                let ci = sibling(&bundle, CI_META_FILE).or_else(|| sibling(path, CI_META_FILE));
                let has_log = !logs.is_empty();
                let mut inputs = vec![bundle];
                inputs.extend(logs);
                units.push(Unit::Build {
                    inputs,
                    ci,
                    has_log,
                });
            } else {
                units.push(Unit::Build {
                    inputs: vec![path.clone()],
                    ci: sibling(path, CI_META_FILE),
                    has_log: false,
                });
            }
            continue;
        }
        if is_job_log(path) {
            if let Some(Unit::Build {
                inputs, has_log, ..
            }) = units.last_mut()
                && !*has_log
                && inputs.first().is_some_and(|p| p.is_dir())
            {
                inputs.push(path.clone());
                *has_log = true;
                continue;
            }
            units.push(Unit::Build {
                inputs: vec![path.clone()],
                ci: None,
                has_log: true,
            });
            continue;
        }
        if path.extension().is_some_and(|e| e == "jsonl") {
            units.push(Unit::Export(path.clone()));
            continue;
        }
        let ci = path.parent().and_then(|d| sibling(d, CI_META_FILE));
        units.push(Unit::Report {
            json: path.clone(),
            ci,
        });
    }
    units
}

/// A failure to read one input, reported with its path.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("failed to read the report `{path}`: {source}")]
    Report {
        path: PathBuf,
        #[source]
        source: hingest::ViewError,
    },
    #[error("failed to read `{path}`: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to read the CI metadata `{path}`: {source}")]
    Ci {
        path: PathBuf,
        #[source]
        source: hingest::CiError,
    },
    #[error("failed to read the export `{path}` line {line}: expected a job record: {message}")]
    Export {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Store(Box<history::StoreError>),
    #[error("failed to analyse `{path}`: {source}")]
    Build {
        path: PathBuf,
        #[source]
        source: Box<Error>,
    },
}

fn first_path(unit: &Unit) -> PathBuf {
    match unit {
        Unit::Report { json, .. } => json.clone(),
        Unit::Build { inputs, .. } => inputs.first().cloned().unwrap_or_default(),
        Unit::Export(path) => path.clone(),
    }
}

/// Export files are streamed by `add_export`, never read as one job.
fn unreachable_export(path: &Path) -> Result<(Vec<u8>, &Option<PathBuf>), AddError> {
    Err(AddError::Io {
        path: path.to_owned(),
        source: std::io::Error::other("an export file is not one job"),
    })
}

/// Adds every job of a `history export` file (another store's history), line by line.
fn add_export(store: &dyn Store, path: &Path) -> Result<usize, AddError> {
    use std::io::BufRead;
    let file = std::fs::File::open(path).map_err(|source| AddError::Io {
        path: path.to_owned(),
        source,
    })?;
    let mut n = 0;
    let mut batch = Vec::with_capacity(1000);
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| AddError::Io {
            path: path.to_owned(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let record: JobRecord = serde_json::from_str(&line).map_err(|e| AddError::Export {
            path: path.to_owned(),
            line: i + 1,
            message: crate::ingest::serde_message(&e),
        })?;
        batch.push(record);
        n += 1;
        if batch.len() == 1000 {
            store
                .add_many(&batch)
                .map_err(|e| AddError::Store(Box::new(e)))?;
            batch.clear();
        }
    }
    store
        .add_many(&batch)
        .map_err(|e| AddError::Store(Box::new(e)))?;
    Ok(n)
}

fn read_unit(
    unit: &Unit,
    baseline: Option<&crate::model::BuildData>,
    overrides: &[String],
) -> Result<(JobRecord, bool), AddError> {
    let path = first_path(unit);
    let (json, ci) = match unit {
        Unit::Export(_) => unreachable_export(&path)?,
        Unit::Report { json, ci } => (
            std::fs::read(json).map_err(|source| AddError::Io {
                path: json.clone(),
                source,
            })?,
            ci,
        ),
        Unit::Build { inputs, ci, .. } => {
            let build = |e: Error| AddError::Build {
                path: path.clone(),
                source: Box::new(e),
            };
            let loaded = super::report::load(inputs).map_err(build)?;
            let report = crate::analysis::analyze(&crate::analysis::prepare(loaded), baseline);
            let json = serde_json::to_vec(&report).map_err(|e| AddError::Io {
                path: path.clone(),
                source: e.into(),
            })?;
            (json, ci)
        }
    };
    let mut record = hingest::job_record(&json).map_err(|source| AddError::Report {
        path: path.clone(),
        source,
    })?;
    if let Some(ci) = ci {
        let bytes = std::fs::read(ci).map_err(|source| AddError::Io {
            path: ci.clone(),
            source,
        })?;
        hingest::apply_ci_json(&mut record.job, &bytes).map_err(|source| AddError::Ci {
            path: ci.clone(),
            source,
        })?;
    }
    for kv in overrides {
        hingest::apply_override(&mut record.job, kv).map_err(|source| AddError::Ci {
            path: PathBuf::from("--ci"),
            source,
        })?;
    }
    if let Some(job) = &record.job.job {
        record.job.job_id = match &record.job.project {
            Some(p) => format!("{p}#{job}"),
            None => job.clone(),
        };
    }
    // No start time anywhere: the input's modification time stands in (and says so).
    let mut guessed = false;
    if record.job.started_at == 0 {
        guessed = true;
        record.job.started_at = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs() as i64);
    }
    Ok((record, guessed))
}

pub fn run(args: HistoryArgs) -> Result<i32, Error> {
    match args.command {
        HistoryCommand::Add(a) => add(a),
        HistoryCommand::Prune(a) => prune(a),
        HistoryCommand::Export(a) => export(a),
        HistoryCommand::Stats(a) => stats(a),
    }
}

fn add(args: AddArgs) -> Result<i32, Error> {
    // Check every --ci before reading anything.
    for kv in &args.ci {
        hingest::apply_override(&mut Default::default(), kv)
            .map_err(|e| Error::Usage(format!("--ci {kv}: {e}")))?;
    }
    let store = args.store.open(true)?;
    let baseline = if args.baseline.is_empty() {
        None
    } else {
        Some(crate::analysis::prepare(super::report::load(
            &args.baseline,
        )?))
    };
    let (exports, units): (Vec<Unit>, Vec<Unit>) = units(&args.inputs)
        .into_iter()
        .partition(|u| matches!(u, Unit::Export(_)));
    // Parsing and analysis in parallel; writes one job per transaction, in input order.
    let results: Vec<_> = units
        .par_iter()
        .map(|u| read_unit(u, baseline.as_ref(), &args.ci))
        .collect();
    let mut added = 0usize;
    let mut failed = 0usize;
    for result in results {
        match result {
            Ok((record, guessed)) => {
                if guessed {
                    eprintln!(
                        "goattrib: warning: job {} has no start time (no ci.json, job log or --ci started_at): using the input's modification time",
                        record.job.job_id
                    );
                }
                store.add(&record)?;
                added += 1;
            }
            Err(e) => {
                eprintln!("goattrib: {e}");
                failed += 1;
            }
        }
    }
    for u in &exports {
        if let Unit::Export(path) = u {
            match add_export(store.as_ref(), path) {
                Ok(n) => added += n,
                Err(AddError::Store(e)) => return Err(Error::History(*e)),
                Err(e) => {
                    eprintln!("goattrib: {e}");
                    failed += 1;
                }
            }
        }
    }
    store.settle()?;
    eprintln!(
        "goattrib: added {added} job(s) to {}{}",
        args.store.name(),
        if failed > 0 {
            format!("; {failed} input(s) could not be read")
        } else {
            String::new()
        }
    );
    Ok(match (added, failed) {
        (_, 0) => exit::OK,
        (0, _) => exit::ERROR,
        _ => exit::PARTIAL,
    })
}

fn prune(args: PruneArgs) -> Result<i32, Error> {
    let span = crate::analysis::dashboard::calendar::parse_span(&args.keep).ok_or_else(|| {
        Error::Usage(format!(
            "--keep {}: expected a span like 52w, 90d, 12m, 1y",
            args.keep
        ))
    })?;
    let store = args.store.open(true)?;
    let Some(last) = store.stats()?.last else {
        eprintln!("goattrib: the history is empty");
        return Ok(exit::OK);
    };
    let n = store.prune(last - span)?;
    eprintln!(
        "goattrib: pruned {n} job(s) that started more than {} before the newest",
        args.keep
    );
    Ok(exit::OK)
}

fn export(args: ExportArgs) -> Result<i32, Error> {
    let ExportFormat::Jsonl = args.format;
    let store = args.store.open(false)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    store.export(&mut |rec| {
        serde_json::to_writer(&mut out, &rec)?;
        out.write_all(b"\n")
    })?;
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(exit::OK),
    }
}

fn stats(args: StatsArgs) -> Result<i32, Error> {
    let store = args.store.open(false)?;
    let s = store.stats()?;
    let day = |t: Option<i64>| {
        t.map_or("-".to_owned(), |t| {
            crate::analysis::dashboard::calendar::format_day(t.div_euclid(86_400))
        })
    };
    let text = if args.json {
        serde_json::to_string(&s).unwrap_or_default()
    } else {
        format!(
            "jobs: {} ({} simulated)\nfirst: {}\nlast: {}\nsize: {}\nschema: {}",
            s.jobs,
            s.simulated,
            day(s.first),
            day(s.last),
            s.bytes.map_or("-".to_owned(), |b| format!("{b} bytes")),
            s.schema
        )
    };
    println!("{text}");
    Ok(exit::OK)
}
