//! Which files of the given paths are profiles or `-bench` output (recognised by content,
//! directories searched recursively in name order), read in parallel; a file that cannot be
//! read is named with its error and the others are still returned.

use std::path::{Path, PathBuf};

use crate::model::profile::{BenchPhase, Profile};

use super::{PprofError, looks_like_bench, looks_like_pprof, read_bench, read_profile};

/// Files to read: the files given, and the pprof-looking and `-bench` files of directories
/// (recursively, sorted, so the output does not depend on directory order).
fn expand(inputs: &[PathBuf], warnings: &mut Vec<String>) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut profiles = Vec::new();
    let mut bench = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = Vec::new();
            walk(input, &mut found, warnings);
            found.sort();
            for f in found {
                match sniff(&f) {
                    Sniffed::Pprof => profiles.push(f),
                    Sniffed::Bench => bench.push(f),
                    Sniffed::Other => {}
                }
            }
        } else if sniff(input) == Sniffed::Bench {
            bench.push(input.clone());
        } else {
            profiles.push(input.clone());
        }
    }
    (profiles, bench)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, warnings: &mut Vec<String>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            warnings.push(format!("failed to list `{}`: {e}", dir.display()));
            return;
        }
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out, warnings);
        } else {
            out.push(p);
        }
    }
}

#[derive(PartialEq)]
enum Sniffed {
    Pprof,
    Bench,
    Other,
}

fn sniff(path: &Path) -> Sniffed {
    use std::io::Read;
    let mut head = [0u8; 64];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if looks_like_bench(head) {
        Sniffed::Bench
    } else if head.starts_with(&[0x1f, 0x8b]) {
        // Peek inside: a gzipped request log is not a profile.
        let mut inner = [0u8; 1];
        let ok = std::fs::File::open(path)
            .map(flate2::read::GzDecoder::new)
            .and_then(|mut d| d.read(&mut inner))
            .is_ok_and(|n| n == 1 && looks_like_pprof(&inner) && inner[0] != 0x1f);
        if ok { Sniffed::Pprof } else { Sniffed::Other }
    } else if looks_like_pprof(head)
        && path
            .extension()
            .is_some_and(|e| e != "txt" && e != "md" && e != "json")
    {
        Sniffed::Pprof
    } else {
        Sniffed::Other
    }
}

/// Everything read from one side: profiles, bench lines, per-file failures.
pub struct Loaded {
    pub profiles: Vec<Profile>,
    pub bench: Vec<BenchPhase>,
    pub failed: Vec<String>,
    pub warnings: Vec<String>,
}

pub fn load(inputs: &[PathBuf]) -> Loaded {
    let mut warnings = Vec::new();
    let (files, bench_files) = expand(inputs, &mut warnings);
    let mut failed = Vec::new();
    let results: Vec<Result<Profile, PprofError>> = {
        use rayon::prelude::*;
        files.par_iter().map(|f| read_profile(f)).collect()
    };
    let mut profiles = Vec::new();
    for r in results {
        match r {
            Ok(p) => profiles.push(p),
            Err(e) => failed.push(error_chain(&e)),
        }
    }
    let mut bench = Vec::new();
    for f in bench_files {
        match read_bench(&f) {
            Ok(b) => bench.extend(b),
            Err(e) => failed.push(error_chain(&e)),
        }
    }
    Loaded {
        profiles,
        bench,
        failed,
        warnings,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}
