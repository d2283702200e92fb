//! Reads one side of `goattrib compare`: a bundle directory, a report folder, a manifest or a
//! `report.json`. Bundle and manifest files go through the ingest registry (recognised by
//! content); a report.json is read through the report contract's serde view.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::CompareError;
use super::side::Side;
use crate::ingest::{self, InputKind};
use crate::model::BuildData;

/// What a side was read as.
pub enum Loaded {
    /// A bundle or a manifest: actions with hash inputs, ready for cause analysis.
    Build {
        data: Box<BuildData>,
        source: String,
        /// Some file could not be read (its error is among the build's warnings).
        partial: bool,
    },
    /// A finished report: its causes were computed against its own baseline.
    Report(Box<Side>),
}

fn head(path: &Path) -> Option<String> {
    ingest::read_head(path).map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// A `goattrib report --format json` document (any schema version, so a later one gets a
/// clear error rather than a guess).
fn is_report_json(head: &str) -> bool {
    let t = head.trim_start_matches('\u{feff}').trim_start();
    let start: String = t.chars().take(512).collect();
    start.starts_with('{') && start.contains("\"goattrib.report/")
}

/// Reads one side from its paths: the first is the build (a bundle or report folder, a
/// manifest or a report.json), any others add files of the same build (its job log).
pub fn load(paths: &[PathBuf]) -> Result<Loaded, CompareError> {
    let Some(first) = paths.first() else {
        return Err(CompareError::NoInput {
            path: PathBuf::new(),
            reason: "no path given".to_owned(),
        });
    };
    let mut build_files = Vec::new();
    let mut report = None;
    for path in paths {
        if path.is_dir() {
            let (files, r) = scan_dir(path)?;
            build_files.extend(files);
            if report.is_none() {
                report = r;
            }
        } else if head(path).is_some_and(|h| is_report_json(&h)) {
            report.get_or_insert_with(|| path.clone());
        } else {
            build_files.push(path.clone());
        }
    }
    // A build's own files (or its manifest) carry hash inputs: they win over a report.json.
    if !build_files.is_empty() {
        return load_build(&build_files, first);
    }
    match report {
        Some(r) => load_report(&r),
        None => Err(CompareError::NoInput {
            path: first.clone(),
            reason: "no bundle file, manifest or report.json in it".to_owned(),
        }),
    }
}

/// A bundle or a report folder: the files the ingest registry recognises, and the first
/// report.json. Files of neither kind (charts, pages) are left alone.
fn scan_dir(dir: &Path) -> Result<(Vec<PathBuf>, Option<PathBuf>), CompareError> {
    let files = ingest::dir_files(dir)?;
    let mut build_files = Vec::new();
    let mut report = None;
    for f in files {
        let Some(h) = head(&f) else { continue };
        if is_report_json(&h) {
            report.get_or_insert(f);
        } else if ingest::sniff(h.as_bytes()).is_some() {
            build_files.push(f);
        }
    }
    Ok((build_files, report))
}

fn load_build(paths: &[PathBuf], shown: &Path) -> Result<Loaded, CompareError> {
    let mut inputs = ingest::load(paths)?;
    if inputs.files.is_empty() {
        let reason = inputs.errors.drain(..).next().map_or_else(
            || "nothing readable".to_owned(),
            |e| crate::model::error_chain(&e),
        );
        return Err(CompareError::NoInput {
            path: shown.to_owned(),
            reason,
        });
    }
    let partial = !inputs.errors.is_empty();
    let manifest = inputs.files.iter().any(|(_, k)| *k == InputKind::Manifest);
    let source = format!(
        "{} ({})",
        shown.display(),
        if manifest { "manifest" } else { "bundle" }
    );
    Ok(Loaded::Build {
        data: Box::new(crate::analysis::prepare(inputs)),
        source,
        partial,
    })
}

fn load_report(path: &Path) -> Result<Loaded, CompareError> {
    let mut bytes = Vec::new();
    ingest::open(path)?
        .read_to_end(&mut bytes)
        .map_err(|source| ingest::IngestError::Io {
            path: path.to_owned(),
            source,
        })?;
    let mut side: Side = serde_json::from_slice(&bytes).map_err(|e| CompareError::Report {
        path: path.to_owned(),
        line: e.line(),
        column: e.column(),
        message: ingest::serde_message(&e),
    })?;
    if side.schema != crate::model::REPORT_SCHEMA {
        return Err(CompareError::Schema {
            path: path.to_owned(),
            found: side.schema,
        });
    }
    side.source = format!("{} (report.json)", path.display());
    side.resolve_origins();
    Ok(Loaded::Report(Box::new(side)))
}
