//! Every file of one build (bundle directories and loose files), parsed in parallel and
//! merged in path order, so the result is the same at any thread count.

use std::path::PathBuf;

use rayon::prelude::*;

use super::sniff::sniff_path;
use super::{
    IngestError, InputKind, Inputs, ParseOptions, Parsed, Warning, expand, parse::parse_file_as,
};

/// Loads bundles and loose files: every file is parsed in parallel, then merged in path
/// order so the result is the same at any thread count. A file that fails is recorded in
/// `errors` and the others still load.
pub fn load(paths: &[PathBuf]) -> Result<Inputs, IngestError> {
    let files = expand(paths)?;
    let kinds: Vec<Option<InputKind>> = files.par_iter().map(|p| sniff_path(p)).collect();
    let has = |kind| kinds.contains(&Some(kind));
    let opts = ParseOptions {
        trace_wall_only: has(InputKind::ActionGraph),
        skip_job_script: has(InputKind::ActionGraph) || has(InputKind::GoOutput),
        x_diagnostics_only: has(InputKind::ActionGraph),
    };
    // A bundle's manifest says what its files say: when the files are there, they are read.
    let build_files = has(InputKind::ActionGraph) || has(InputKind::GoOutput);
    let parse_all = |opts: ParseOptions| -> Vec<_> {
        files
            .par_iter()
            .zip(&kinds)
            .filter(|(_, k)| !(build_files && **k == Some(InputKind::Manifest)))
            .map(|(p, k)| (p.clone(), parse_file_as(p, *k, opts)))
            .collect()
    };
    let mut results = parse_all(opts);
    // The shortcuts trust the action graph; when it could not be read, the Go output and
    // the trace are read in full instead (a rare path, so simply everything again).
    let graph_read = results
        .iter()
        .any(|(_, r)| matches!(r, Ok((InputKind::ActionGraph, _, _))));
    if opts.x_diagnostics_only && !graph_read {
        results = parse_all(ParseOptions {
            skip_job_script: opts.skip_job_script,
            ..ParseOptions::default()
        });
    }
    let mut inputs = Inputs::default();
    for (path, result) in results {
        let source = path.display().to_string();
        let (kind, parsed, warnings) = match result {
            Ok(ok) => ok,
            // An empty file in a bundle is an output the Go command did not write to
            // (build.jsonl before Go 1.24); only a file named on its own is an error.
            Err(IngestError::Empty { .. }) if !paths.contains(&path) => continue,
            Err(e) => {
                inputs.errors.push(e);
                continue;
            }
        };
        inputs.files.push((path.clone(), kind));
        inputs.warnings.extend(warnings);
        let duplicate = |what: &str| Warning {
            source: source.clone(),
            message: format!("a second {what} was given; this one is ignored"),
        };
        match parsed {
            Parsed::GoOutput(out) => inputs.go_output.push(*out),
            Parsed::ActionGraph(g) if inputs.action_graph.is_none() => {
                inputs.action_graph = Some(g)
            }
            Parsed::ChromeTrace(t) if inputs.chrome_trace.is_none() => {
                inputs.chrome_trace = Some(t)
            }
            Parsed::GoEnv(e) if inputs.go_env.is_none() => inputs.go_env = Some(e),
            Parsed::GoModules(m) => inputs.modules.extend(m),
            Parsed::GoModDownload(m) => inputs.mod_download.extend(m),
            Parsed::ModulesTxt(m) => inputs.vendored.extend(m),
            Parsed::GitLabTrace(t, go) => {
                inputs.job_traces.push(*t);
                inputs.job_go_output.extend(go.map(|g| *g));
            }
            Parsed::Command(c) if inputs.command.is_none() => inputs.command = Some(c),
            Parsed::ExitCode(c) if inputs.exit_code.is_none() => inputs.exit_code = Some(c),
            Parsed::Manifest(m) if inputs.manifest.is_none() => inputs.manifest = Some(m),
            Parsed::Manifest(_) => inputs.warnings.push(duplicate("manifest")),
            Parsed::ActionGraph(_) => inputs.warnings.push(duplicate("action graph")),
            Parsed::ChromeTrace(_) => inputs.warnings.push(duplicate("Chrome trace")),
            Parsed::GoEnv(_) => inputs.warnings.push(duplicate("go env")),
            Parsed::Command(_) => inputs.warnings.push(duplicate("command file")),
            Parsed::ExitCode(_) => inputs.warnings.push(duplicate("exit code file")),
        }
    }
    Ok(inputs)
}
