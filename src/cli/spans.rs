//! `goattrib spans`: OpenTelemetry spans selected by attribute, their durations and where
//! their time went among their child spans; with `--profile`, their CPU samples.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::analysis::profile::TagFilter;
use crate::error::{Error, Outcome};
use crate::ingest::otlp;
use crate::render::profile::table as ptable;
use crate::render::table::TableOptions;
use crate::render::terminal::{Printable, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpansFormat {
    /// Tables for a terminal or a CI log.
    Table,
    /// One JSON object (`goattrib.spans/v1`).
    Json,
}

#[derive(Debug, Args)]
pub struct SpansArgs {
    /// OTLP/JSON files (the Collector's file exporter: one TracesData object per line) or
    /// the Go SDK's stdouttrace output (span objects, compact or pretty-printed).
    #[arg(required = true, value_name = "FILES")]
    pub inputs: Vec<PathBuf>,
    /// Keep spans with this attribute (bool, string or int, compared as written:
    /// cache.miss=true); repeat to require several.
    #[arg(long = "where", value_name = "KEY=VALUE")]
    pub filters: Vec<TagFilter>,
    /// CPU profiles whose samples carry the pprof label span_id (grafana/otel-profiling-go,
    /// pprof.Do): join them to the selected spans.
    #[arg(long, value_name = "PPROF")]
    pub profile: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SpansFormat::Table)]
    pub format: SpansFormat,
    /// Rows per table.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Table width in columns (default: the terminal's).
    #[arg(long)]
    pub width: Option<u16>,
}

pub fn run(args: SpansArgs) -> Result<Outcome, Error> {
    let mut spans = Vec::new();
    let mut failed = Vec::new();
    for f in &args.inputs {
        match otlp::read_spans(f) {
            Ok(s) => spans.extend(s),
            Err(e) => {
                say!("goattrib: warning: {e}");
                failed.push(e.to_string());
            }
        }
    }
    if spans.is_empty() && !failed.is_empty() {
        return Err(Error::NoUsableInput {
            count: args.inputs.len(),
            first: failed[0].clone(),
        });
    }
    let loaded = crate::ingest::pprof::load(&args.profile);
    for f in &loaded.failed {
        say!("goattrib: warning: {f}");
    }
    failed.extend(loaded.failed.iter().cloned());
    let report =
        crate::analysis::spans::analyse(&spans, &args.filters, &loaded.profiles, failed.clone())
            .map_err(Error::Profile)?;
    let mut stdout = Printable::new(
        std::io::stdout().lock(),
        if args.format == SpansFormat::Json {
            Style::Json
        } else {
            Style::Text
        },
    );
    let written = match args.format {
        SpansFormat::Json => serde_json::to_writer_pretty(&mut stdout, &report)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(stdout)),
        SpansFormat::Table => ptable::write_spans(
            &report,
            &mut stdout,
            &TableOptions {
                top: args.top,
                width: super::width::table_width(args.width, false),
                all: false,
                full_critical_path: false,
            },
        ),
    };
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(Error::Output(e)),
        _ => {}
    }
    Ok(Outcome {
        unreadable_input: !failed.is_empty(),
        ..Outcome::default()
    })
}
