//! `goattrib profile` and `goattrib profile diff`: read pprof files (and `-bench` phase
//! files), print pprof's figures, write a flame graph folder, compare two sides with a gate.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::analysis::profile::diff::{self, DiffOptions};
use crate::analysis::profile::{self as analysis, ProfileOptions, TagFilter};
use crate::error::{Error, Outcome};
use crate::ingest::pprof::load;
use crate::model::profile::Profile;
use crate::model::{GateMeasure, GateOutcome};
use crate::render::out::{OutFile, write_folder};
use crate::render::profile::{flame, markdown, table as ptable};
use crate::render::table::TableOptions;
use crate::render::terminal::{Printable, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProfileFormat {
    /// Tables for a terminal or a CI log.
    Table,
    /// One JSON object (`goattrib.profile/v1`, `goattrib.profile-diff/v1` for diff).
    Json,
    /// Markdown for a merge-request comment.
    Markdown,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ProfileArgs {
    #[command(subcommand)]
    pub command: Option<ProfileCommand>,
    /// pprof files (gzipped or raw) and directories of them; `-bench` output files too.
    #[arg(required = true, value_name = "FILES|DIRS")]
    pub inputs: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
    /// Also write DIR/flame.svg (inferno; search and tooltips work offline),
    /// DIR/folded.txt, DIR/top.md and DIR/profile.json.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Common {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ProfileFormat::Table)]
    pub format: ProfileFormat,
    /// Sample type to use (cpu, samples, alloc_space, inuse_space, contentions, delay...);
    /// default: the profile's default, as go tool pprof.
    #[arg(long, value_name = "NAME")]
    pub sample: Option<String>,
    /// Keep only samples with this pprof label (like go tool pprof -tagfocus, exact
    /// match); repeat to require several.
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Vec<TagFilter>,
    /// Rows per table.
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Table width in columns (default: the terminal's).
    #[arg(long)]
    pub width: Option<u16>,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Compare two sides: per-function Δflat and Δcum above a noise floor, per-package Δwall
    /// and ΔCPU of compile profiles, a differential flame graph, a regression gate.
    ///
    /// BASE and HEAD are pprof files or directories of them (each side merged).
    ///
    /// Examples:
    ///   goattrib profile diff base.pprof head.pprof
    ///   goattrib profile diff --normalize --format markdown base/ head/ > comment.md
    ///   goattrib profile diff --max-regression 10% --out diff/ base.pprof head.pprof
    #[command(verbatim_doc_comment)]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    #[arg(value_name = "HEAD")]
    pub head: PathBuf,
    #[command(flatten)]
    pub common: Common,
    /// Scale HEAD to BASE's total first (compare shapes, not amounts).
    #[arg(long)]
    pub normalize: bool,
    /// Noise floor: changes at most this large are not listed. A Go duration (20ms) for
    /// time profiles, a number in the sample unit otherwise. A change must also exceed
    /// --min-delta-percent of the larger side. Default: 20ms (0 for other units).
    #[arg(long, value_name = "AMOUNT")]
    pub min_delta: Option<String>,
    /// The relative part of the noise floor, in percent of the larger side.
    #[arg(long, value_name = "PERCENT", default_value_t = 5.0)]
    pub min_delta_percent: f64,
    /// Fail (exit 3) when HEAD's total, or a listed function's cum, grew by more than this
    /// (10% or 0.1) of BASE's.
    #[arg(long, value_name = "RATE", value_parser = rate_arg)]
    pub max_regression: Option<f64>,
    /// Also write DIR/diff.svg (differential flame graph: red grew, blue shrank),
    /// DIR/diff.md, DIR/diff.json and, with a gate, DIR/junit.xml.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

fn rate_arg(s: &str) -> Result<f64, String> {
    crate::analysis::gate::parse_hit_rate(s).map_err(|_| {
        format!("`{s}` is not a regression limit: write a percentage (10%) or a fraction (0.1)")
    })
}

fn table_opts(c: &Common) -> TableOptions {
    TableOptions {
        top: c.top,
        width: super::width::table_width(c.width, false),
        all: false,
        full_critical_path: false,
    }
}

pub fn run(args: ProfileArgs) -> Result<Outcome, Error> {
    if let Some(ProfileCommand::Diff(d)) = args.command {
        return run_diff(d);
    }
    let loaded = load(&args.inputs);
    for f in &loaded.failed {
        say!("goattrib: warning: {f}");
    }
    if loaded.profiles.is_empty() && loaded.bench.is_empty() {
        return Err(Error::NoUsableInput {
            count: args.inputs.len(),
            first: loaded
                .failed
                .first()
                .cloned()
                .unwrap_or_else(|| "no pprof file found".into()),
        });
    }
    let opts = ProfileOptions {
        sample: args.common.sample.clone(),
        tags: args.common.tag.clone(),
    };
    let mut report = if loaded.profiles.is_empty() {
        // -bench lines alone still give the per-package phases.
        crate::model::profile::ProfileReport {
            schema: crate::model::profile::PROFILE_SCHEMA.to_owned(),
            profiles: Vec::new(),
            sample_type: crate::model::profile::ValueType {
                kind: "cpu".into(),
                unit: "nanoseconds".into(),
            },
            total: 0,
            tag_filters: Vec::new(),
            functions: Vec::new(),
            packages: analysis::compile::packages(&[], &loaded.bench, &[]),
            tags: Vec::new(),
            warnings: Vec::new(),
        }
    } else {
        analysis::analyse(&loaded.profiles, &loaded.bench, &opts).map_err(Error::Profile)?
    };
    let mut warnings = loaded.warnings;
    warnings.extend(loaded.failed.iter().cloned());
    warnings.append(&mut report.warnings);
    report.warnings = warnings;
    let json = || serde_json::to_vec_pretty(&report).unwrap_or_default();
    if let Some(dir) = &args.out {
        let sel = analysis::select(&loaded.profiles, opts.sample.as_deref());
        let folded = match &sel {
            Ok(s) => analysis::folded(s, &opts.tags),
            Err(_) => Vec::new(),
        };
        let title = match report.tag_filters.as_slice() {
            [] => format!("{} ({})", report.sample_type.kind, report.sample_type.unit),
            f => format!(
                "{} ({}) with {}",
                report.sample_type.kind,
                report.sample_type.unit,
                f.join(", ")
            ),
        };
        let svg = flame::flame(&folded, &title, &report.sample_type).map_err(Error::Output)?;
        let mut folded_text = folded.join("\n");
        folded_text.push('\n');
        let mut json_bytes = json();
        json_bytes.push(b'\n');
        write_folder(
            dir,
            &[
                OutFile {
                    name: "flame.svg".into(),
                    bytes: svg,
                },
                OutFile {
                    name: "folded.txt".into(),
                    bytes: folded_text.into_bytes(),
                },
                OutFile {
                    name: "top.md".into(),
                    bytes: markdown::write_profile(&report, args.common.top).into_bytes(),
                },
                OutFile {
                    name: "profile.json".into(),
                    bytes: json_bytes,
                },
            ],
        )?;
    }
    let mut stdout = Printable::new(
        std::io::stdout().lock(),
        if args.common.format == ProfileFormat::Json {
            Style::Json
        } else {
            Style::Text
        },
    );
    let written = match args.common.format {
        ProfileFormat::Json => stdout.write_all(&json()).and_then(|()| writeln!(stdout)),
        ProfileFormat::Markdown => {
            stdout.write_all(markdown::write_profile(&report, args.common.top).as_bytes())
        }
        ProfileFormat::Table => {
            ptable::write_profile(&report, &mut stdout, &table_opts(&args.common))
        }
    };
    done(written)?;
    Ok(Outcome {
        unreadable_input: !loaded.failed.is_empty(),
        ..Outcome::default()
    })
}

/// A closed stdout (`| head`) is not an error.
fn done(r: std::io::Result<()>) -> Result<(), Error> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.map_err(Error::Output),
    }
}

fn min_delta_arg(s: &str, unit: &str) -> Result<i64, Error> {
    let bad = || {
        Error::BadArgument(format!(
            "failed to read --min-delta `{s}`: expected a Go duration (20ms) or a number in the sample unit"
        ))
    };
    if let Ok(v) = s.trim().parse::<i64>() {
        return Ok(v);
    }
    if unit == "nanoseconds" {
        return crate::analysis::gate::parse_duration_ms(s)
            .map(|ms| (ms * 1e6).round() as i64)
            .map_err(|_| bad());
    }
    Err(bad())
}

fn run_diff(args: DiffArgs) -> Result<Outcome, Error> {
    let base = load(std::slice::from_ref(&args.base));
    let head = load(std::slice::from_ref(&args.head));
    for f in base.failed.iter().chain(&head.failed) {
        say!("goattrib: warning: {f}");
    }
    for (side, l, p) in [("BASE", &base, &args.base), ("HEAD", &head, &args.head)] {
        if l.profiles.is_empty() {
            return Err(Error::NoUsableInput {
                count: 1,
                first: l
                    .failed
                    .first()
                    .cloned()
                    .unwrap_or_else(|| format!("{side} `{}` has no pprof file", p.display())),
            });
        }
    }
    let mut opts = DiffOptions {
        sample: args.common.sample.clone(),
        tags: args.common.tag.clone(),
        normalize: args.normalize,
        min_delta: None,
        min_delta_fraction: args.min_delta_percent / 100.0,
    };
    if let Some(m) = &args.min_delta {
        let unit = analysis::select(&base.profiles, opts.sample.as_deref())
            .map(|s| s.sample_type.unit)
            .unwrap_or_default();
        opts.min_delta = Some(min_delta_arg(m, &unit)?);
    }
    let mut d = diff::diff(&base.profiles, &head.profiles, &opts).map_err(Error::Profile)?;
    let mut warnings: Vec<String> = base.failed.iter().chain(&head.failed).cloned().collect();
    warnings.append(&mut d.warnings);
    d.warnings = warnings;
    let failures: Vec<String> = args
        .max_regression
        .map(|limit| diff::regressions(&d, limit))
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let t = &d.sample_type;
            let what = match &r.function {
                Some(f) => format!("{f}: cum"),
                None => "total".to_owned(),
            };
            format!(
                "{what} {} → {} ({:+.1}%)",
                crate::render::profile::value(r.base, t),
                crate::render::profile::value(r.head, t),
                r.grew * 100.0
            )
        })
        .collect();
    let json = || {
        let mut v = serde_json::to_vec_pretty(&d).unwrap_or_default();
        v.push(b'\n');
        v
    };
    if let Some(dir) = &args.out {
        let fold = |profiles: &[Profile]| {
            analysis::select(profiles, Some(d.sample_type.kind.as_str()))
                .map(|s| analysis::folded(&s, &opts.tags))
                .unwrap_or_default()
        };
        let title = format!(
            "{} ({}): HEAD against BASE",
            d.sample_type.kind, d.sample_type.unit
        );
        let svg = flame::differential(
            &fold(&base.profiles),
            &fold(&head.profiles),
            args.normalize,
            &title,
            &d.sample_type,
        )
        .map_err(Error::Output)?;
        let mut files = vec![
            OutFile {
                name: "diff.svg".into(),
                bytes: svg,
            },
            OutFile {
                name: "diff.md".into(),
                bytes: markdown::write_diff(&d, args.common.top, &failures).into_bytes(),
            },
            OutFile {
                name: "diff.json".into(),
                bytes: json(),
            },
        ];
        if let Some(limit) = args.max_regression {
            let outcome = GateOutcome {
                name: format!("max-regression {:.0}%", limit * 100.0),
                passed: failures.is_empty(),
                measure: GateMeasure::Regression {
                    failures: failures.clone(),
                },
            };
            files.push(OutFile {
                name: "junit.xml".into(),
                bytes: crate::render::junit::write("profile-diff", &[outcome]).into_bytes(),
            });
        }
        write_folder(dir, &files)?;
    }
    let mut stdout = Printable::new(
        std::io::stdout().lock(),
        if args.common.format == ProfileFormat::Json {
            Style::Json
        } else {
            Style::Text
        },
    );
    let written = match args.common.format {
        ProfileFormat::Json => stdout.write_all(&json()),
        ProfileFormat::Markdown => {
            stdout.write_all(markdown::write_diff(&d, args.common.top, &failures).as_bytes())
        }
        ProfileFormat::Table => ptable::write_diff(&d, &mut stdout, &table_opts(&args.common))
            .and_then(|()| {
                for f in &failures {
                    writeln!(stdout, "regression: {f}")?;
                }
                Ok(())
            }),
    };
    done(written)?;
    if !failures.is_empty() {
        say!("goattrib: max-regression failed: {}", failures.join("; "));
    }
    Ok(Outcome {
        unreadable_input: !(base.failed.is_empty() && head.failed.is_empty()),
        gate_failed: !failures.is_empty(),
        go_exit: None,
    })
}
