//! The compiler's `-bench=FILE` output: Go benchmark-format lines such as
//! `BenchmarkCompile:<pkg>:fe:parse  1  3441379 ns/op  31.76 %  37 lines`
//! (cmd/compile/internal/base/timings.go). Other lines (`commit:`, `goos:`) are skipped.

use std::path::Path;

use thiserror::Error;

use crate::model::profile::BenchPhase;

#[derive(Debug, Error)]
pub enum BenchError {
    #[error("failed to read `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "failed to read `{path}` line {line}: expected `BenchmarkCompile:<pkg>:<phase> N <ns> ns/op`"
    )]
    Line { path: String, line: usize },
}

/// Whether a file's first bytes look like `-bench` output.
pub fn looks_like_bench(head: &[u8]) -> bool {
    head.starts_with(b"commit: ") || head.starts_with(b"BenchmarkCompile:")
}

pub fn read_bench(path: &Path) -> Result<Vec<BenchPhase>, BenchError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| BenchError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut phases = parse_bench(&text, &shown)?;
    // cmd/compile names a main package `main` in its -bench lines (its -p path), but
    // `record --profile` writes one file per package, `<url.PathEscape(import path)>.bench.txt`
    // like the `.cpuprof` beside it: the file name says which `main` it was.
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".bench.txt"))
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        });
    if let Some(package) = stem {
        for p in phases.iter_mut().filter(|p| p.package == "main") {
            p.package.clone_from(&package);
        }
    }
    Ok(phases)
}

pub fn parse_bench(text: &str, path: &str) -> Result<Vec<BenchPhase>, BenchError> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("BenchmarkCompile:") else {
            continue;
        };
        let bad = || BenchError::Line {
            path: path.to_owned(),
            line: n + 1,
        };
        let mut fields = rest.split_whitespace();
        let name = fields.next().ok_or_else(bad)?;
        let _iterations = fields.next().ok_or_else(bad)?;
        let ns = fields
            .next()
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(bad)?;
        if fields.next() != Some("ns/op") {
            return Err(bad());
        }
        // The package path has no ':'; phases do (`fe:parse`), `total` does not.
        let (package, phase) = name.split_once(':').ok_or_else(bad)?;
        out.push(BenchPhase {
            package: package.to_owned(),
            phase: phase.to_owned(),
            ns,
        });
    }
    Ok(out)
}
