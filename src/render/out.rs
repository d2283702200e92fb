//! Output folders: `report --out DIR` (the folder a GitLab job keeps as an artifact) and
//! `compare --out DIR`. Each folder is a list of [`Render`]ers over the finished report or
//! comparison; this file only runs them and writes their files. The folder is created if
//! missing and updated, never wiped: each file is written to a temporary file in the same
//! directory and renamed over the old one, so a reader (or a job killed mid-write) sees the
//! old file or the new one, never half. Files this run does not produce are left alone.

use std::path::{Path, PathBuf};

pub use crate::atomic::{OutError, write_atomic};
use crate::model::compare::Comparison;
use crate::model::{GateOutcome, Report};
use crate::render::{Render, compare, html, json, junit, markdown, metrics, perfetto, svg};

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

impl Rendered {
    /// Runs each renderer over `input`; one that fails leaves its file out, with a warning.
    fn run<T: ?Sized>(&mut self, input: &T, renderers: &[&dyn Render<T>]) {
        for r in renderers {
            match r.render(input) {
                Ok(bytes) => self.push(r.file_name(), bytes),
                Err(e) => self
                    .warnings
                    .push(format!("{} not rendered: {e}", r.file_name())),
            }
        }
    }

    fn push(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.push(OutFile {
            name: name.to_owned(),
            bytes,
        });
    }
}

/// The report folder's files. `gates` is `None` when no gate was asked for (no `junit.xml`);
/// `compiler` holds the bundle's compile profiles for the page's "Inside the compiler".
pub fn report(
    report: &Report,
    gates: Option<&[GateOutcome]>,
    compiler: &[crate::model::profile::PackageCost],
) -> Rendered {
    let mut r = Rendered::default();
    let charts = match svg::charts(report) {
        Ok(c) => c,
        Err(e) => {
            r.warnings.push(format!(
                "charts not drawn: {}",
                crate::model::error_chain(&e)
            ));
            Vec::new()
        }
    };
    let page = html::Page {
        charts: &charts,
        gates,
        compiler,
    };
    let junit = gates.map(|cases| junit::Junit {
        suite: "gates",
        cases,
    });
    let mut renderers: Vec<&dyn Render<Report>> = vec![
        &page,
        &markdown::Summary,
        &json::Json,
        &metrics::OpenMetrics,
        &perfetto::Perfetto,
    ];
    if let Some(j) = &junit {
        renderers.push(j);
    }
    r.run(report, &renderers[..1]);
    for c in &charts {
        r.push(c.file_name, c.svg.clone().into_bytes());
    }
    r.run(report, &renderers[1..]);
    r
}

/// `compare --out`'s files: compare.json, summary.md, the charts and, with gates, junit.xml.
pub fn comparison(c: &Comparison, gates: Option<&[GateOutcome]>) -> Rendered {
    let mut r = Rendered::default();
    r.run(c, &[&compare::json::Json, &compare::markdown::Summary]);
    match compare::chart::charts(c) {
        Ok(charts) => {
            for (name, svg) in charts {
                r.push(name, svg.into_bytes());
            }
        }
        // The charts are extras: the rest is still written.
        Err(e) => r.warnings.push(crate::model::error_chain(&e)),
    }
    if let Some(cases) = gates {
        r.run(
            c,
            &[&junit::Junit {
                suite: "compare",
                cases,
            }],
        );
    }
    r
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
        let file = OutFile {
            name: "a".into(),
            bytes: vec![],
        };
        let e = write_folder(&blocker.join("sub"), &[file]).unwrap_err();
        assert!(e.to_string().contains("file"), "{e}");
        assert_eq!(e.action, "create directory");
    }
}
