//! `report --out DIR`: renders every output of the report folder a GitLab job keeps as an
//! artifact, and writes them. The folder is created if missing and updated, never wiped:
//! each file is written to a temporary file in the same directory and renamed over the old
//! one, so a reader (or a job killed mid-write) sees the old file or the new one, never half.
//! Files this run does not produce (charts of an earlier run) are left alone and not linked.
//! Not for rendering itself: each file's renderer has its own module.

use std::path::{Path, PathBuf};

pub use crate::atomic::{OutError, write_atomic};
use crate::gate::GateOutcome;
use crate::model::Report;
use crate::render::{html, json, junit, markdown, metrics, perfetto, svg};

/// One rendered file: its name inside the folder and its bytes.
#[derive(Debug, Clone)]
pub struct OutFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Every file of the folder, rendered, plus what went wrong on the way that did not stop it.
#[derive(Debug, Default)]
pub struct Rendered {
    pub files: Vec<OutFile>,
    /// E.g. the charts could not be drawn: the rest is still written.
    pub warnings: Vec<String>,
}

/// Renders the folder's files. `gates` is `None` when no gate was asked for (no `junit.xml`).
pub fn render(report: &Report, gates: Option<&[GateOutcome]>) -> Rendered {
    render_with(report, gates, &[])
}

/// [`render`], with the bundle's compile profiles for the page's "Inside the compiler".
pub fn render_with(
    report: &Report,
    gates: Option<&[GateOutcome]>,
    compiler: &[crate::model::profile::PackageCost],
) -> Rendered {
    let mut r = Rendered::default();
    let charts = match svg::charts(report) {
        Ok(c) => c,
        Err(e) => {
            let mut msg = format!("charts not drawn: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            r.warnings.push(msg);
            Vec::new()
        }
    };
    let page = html::write(
        report,
        &html::Extras {
            charts: &charts,
            gates,
            compiler,
        },
    );
    r.files.push(file("index.html", page.into_bytes()));
    for c in &charts {
        r.files.push(file(c.file_name, c.svg.clone().into_bytes()));
    }
    r.files
        .push(file("summary.md", markdown::write(report).into_bytes()));
    let mut report_json = Vec::new();
    // Writing JSON into a Vec fails only if serialisation does; the file is then empty and
    // the warning says so.
    if let Err(e) = json::write(report, &mut report_json) {
        r.warnings.push(format!("report.json not rendered: {e}"));
    }
    r.files.push(file("report.json", report_json));
    r.files
        .push(file("metrics.txt", metrics::write(report).into_bytes()));
    r.files
        .push(file("trace.json", perfetto::write(report).into_bytes()));
    if let Some(cases) = gates {
        r.files
            .push(file("junit.xml", junit::write("gates", cases).into_bytes()));
    }
    r
}

fn file(name: &str, bytes: Vec<u8>) -> OutFile {
    OutFile {
        name: name.to_owned(),
        bytes,
    }
}

/// Writes `files` into `dir` (created if missing), each atomically. Returns the paths written.
pub fn write_folder(dir: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>, OutError> {
    std::fs::create_dir_all(dir).map_err(|source| OutError {
        action: "create directory",
        path: dir.to_owned(),
        source,
    })?;
    files
        .iter()
        .map(|f| {
            let path = dir.join(&f.name);
            write_atomic(&path, &f.bytes)?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, "x").unwrap();
        let e = write_folder(&blocker.join("sub"), &[file("a", vec![])]).unwrap_err();
        assert!(e.to_string().contains("file"), "{e}");
        assert_eq!(e.action, "create directory");
    }
}
