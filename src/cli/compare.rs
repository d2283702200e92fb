//! `goattrib compare`: load two builds (at the same time), compare them, render, check gates.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::analysis::compare::gate::{CompareGates, Slowdown, parse_slowdown};
use crate::error::{Error, Outcome};
use crate::render::compare::{json, markdown, table};
use crate::render::out::write_folder;
use crate::render::terminal::{Fold, Printable, Style};

const GATES: &str =
    "Gates (each failed gate: exit 3 after writing everything, a failed JUnit case)";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// Tables for a terminal or a CI log.
    Table,
    /// One JSON object (`goattrib.compare/v1`).
    Json,
    /// The Markdown summary for a merge-request comment.
    Markdown,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The earlier build: a bundle or report folder, a manifest.json.gz or a report.json.
    #[arg(value_name = "BASE")]
    pub base: PathBuf,
    /// The later build, in any of the same forms.
    #[arg(value_name = "HEAD")]
    pub head: PathBuf,
    /// Another file of BASE's build, such as its GitLab job log; repeat for more.
    #[arg(long, value_name = "FILE")]
    pub base_with: Vec<PathBuf>,
    /// Another file of HEAD's build, such as its GitLab job log; repeat for more.
    #[arg(long, value_name = "FILE")]
    pub head_with: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CompareFormat::Table)]
    pub format: CompareFormat,
    /// Rows in the per-package tables.
    #[arg(long, default_value_t = 15)]
    pub top: usize,
    /// Table width in columns (default: COLUMNS, else the terminal's, else 120).
    #[arg(long)]
    pub width: Option<u16>,
    /// Tables as wide as their longest cell: nothing folded.
    #[arg(long, conflicts_with = "width")]
    pub wide: bool,
    /// Also write a folder: compare.json, summary.md, compare.svg and compare-packages.svg
    /// (diverging bars), and junit.xml when a gate is given. Each file is replaced
    /// atomically; other files are left alone.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print nothing on stdout (with --out: only write the folder).
    #[arg(short, long)]
    pub quiet: bool,
    /// Fail when HEAD's wall time exceeds BASE's by more than this: a percentage of BASE's
    /// wall time (10%) or a duration (30s, 1m30s).
    #[arg(long, value_name = "LIMIT", value_parser = parse_slowdown, help_heading = GATES)]
    pub max_slowdown: Option<Slowdown>,
    /// Fail when more than N actions missed in HEAD but hit in BASE.
    #[arg(long, value_name = "N", help_heading = GATES)]
    pub max_new_misses: Option<usize>,
}

pub fn run(args: CompareArgs) -> Result<Outcome, Error> {
    let side = |main: &PathBuf, with: &[PathBuf]| {
        std::iter::once(main.clone())
            .chain(with.iter().cloned())
            .collect::<Vec<_>>()
    };
    let c = crate::analysis::compare::compare_sides(
        &side(&args.base, &args.base_with),
        &side(&args.head, &args.head_with),
    )?;
    let gates = CompareGates {
        max_slowdown: args.max_slowdown.clone(),
        max_new_misses: args.max_new_misses,
    };
    let outcomes = gates.check(&c);
    let failed = outcomes.iter().any(|g| !g.passed);
    if let Some(dir) = &args.out {
        let rendered =
            crate::render::out::comparison(&c, (!gates.is_empty()).then_some(&outcomes[..]));
        for w in &rendered.warnings {
            say!("goattrib: warning: {w}");
        }
        write_folder(dir, &rendered.files)?;
    }
    if !args.quiet {
        let stdout = std::io::stdout();
        let style = match args.format {
            CompareFormat::Json => Style::Json,
            _ => Style::Text,
        };
        let width = super::width::table_width(args.width, args.wide);
        let buffered = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
        // Free text around the tables folds to the same width as the tables.
        let inner: Box<dyn Write> = match (args.format, width) {
            (CompareFormat::Table, Some(w)) => Box::new(Fold::new(buffered, usize::from(w))),
            _ => Box::new(buffered),
        };
        let mut out = Printable::new(inner, style);
        let written = match args.format {
            CompareFormat::Json => json::write(&c, &mut out),
            CompareFormat::Markdown => out.write_all(markdown::write(&c).as_bytes()),
            CompareFormat::Table => table::write(
                &c,
                &mut out,
                &table::TableOptions {
                    top: args.top,
                    width,
                    all: false,
                    full_critical_path: false,
                },
            ),
        };
        let written = written.and_then(|()| {
            if args.format == CompareFormat::Table && !outcomes.is_empty() {
                writeln!(out, "\nGates")?;
                for g in &outcomes {
                    let mark = if g.passed { "pass" } else { "FAIL" };
                    writeln!(
                        out,
                        "  {mark} {}: {}",
                        g.name,
                        crate::render::gate::message(g)
                    )?;
                }
            }
            out.flush()
        });
        match written {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(Error::Output(e)),
        }
    }
    if failed {
        for g in outcomes.iter().filter(|g| !g.passed) {
            say!(
                "goattrib: gate failed: {}: {}",
                g.name,
                crate::render::gate::message(g)
            );
        }
    }
    Ok(Outcome {
        unreadable_input: c.partial,
        gate_failed: failed,
        go_exit: None,
    })
}
