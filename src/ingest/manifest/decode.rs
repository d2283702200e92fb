//! Reading a manifest: the header first (a later version gets a clear error, not a parse
//! error), then every index checked against its table before it is used.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use super::schema::*;
use super::{MANIFEST_FORMAT, MANIFEST_VERSION, ManifestError};
use crate::model::job::{CacheOp, JobTrace, RunnerInfo, Section};
use crate::model::{
    Action, Build, BuildData, BuildMeta, ID_CHARS, Input, InputClass, Mode, ModuleInfo,
};

fn delta_decode(steps: &[u64]) -> Result<Vec<u64>, ManifestError> {
    let mut at: u64 = 0;
    steps
        .iter()
        .map(|&s| {
            at = at
                .checked_add(s)
                .ok_or_else(|| ManifestError::Invalid("an action ID is out of range".into()))?;
            Ok(at)
        })
        .collect()
}

fn json_err(e: serde_json::Error) -> ManifestError {
    ManifestError::Json {
        line: e.line(),
        column: e.column(),
        message: crate::ingest::serde_message(&e),
    }
}

/// Reads a manifest from its decompressed JSON bytes.
pub fn read(bytes: &[u8]) -> Result<BuildData, ManifestError> {
    // The version first: a later version's fields must not give a confusing parse error.
    let header: Header = serde_json::from_slice(bytes).map_err(json_err)?;
    if header.format != MANIFEST_FORMAT {
        return Err(ManifestError::Format {
            found: header.format,
        });
    }
    // Version 1 has the same fields: it reads as it always did.
    if !(1..=MANIFEST_VERSION).contains(&header.version) {
        return Err(ManifestError::Version {
            found: header.version,
        });
    }
    let stored: Stored = serde_json::from_slice(bytes).map_err(json_err)?;
    from_stored(stored)
}

/// Reads a manifest file (gzipped or not).
pub fn read_file(path: &Path) -> Result<BuildData, ManifestError> {
    let mut bytes = Vec::new();
    crate::ingest::open(path)
        .map_err(|e| ManifestError::Invalid(e.to_string()))?
        .read_to_end(&mut bytes)?;
    read(&bytes)
}

pub(super) fn from_stored(s: Stored) -> Result<BuildData, ManifestError> {
    let strings = &s.strings;
    let get = |i: u32| -> Result<&str, ManifestError> {
        strings.get(i as usize).map(String::as_str).ok_or_else(|| {
            ManifestError::Invalid(format!(
                "string {i} is referred to, but the table has {}",
                strings.len()
            ))
        })
    };
    if !s.ids.is_ascii() || !s.ids.len().is_multiple_of(ID_CHARS) {
        return Err(ManifestError::Invalid(format!(
            "the ID table is not made of {ID_CHARS}-character IDs"
        )));
    }
    let value = |i: u32| -> Result<&str, ManifestError> {
        match (i as usize).checked_sub(strings.len()) {
            None => get(i),
            Some(id) => s
                .ids
                .get(id * ID_CHARS..(id + 1) * ID_CHARS)
                .ok_or_else(|| ManifestError::Invalid(format!("value {i} is out of range"))),
        }
    };
    let mut names: Vec<(InputClass, String)> = Vec::new();
    for (class, prefix, list) in &s.names {
        for &n in list {
            names.push((*class, format!("{prefix}{}", get(n)?)));
        }
    }
    let mut inputs = HashMap::with_capacity(s.keys.len());
    for (mode, package, flat) in &s.keys {
        let key = match package {
            Some(p) => format!("{} {}", get(*mode)?, get(*p)?),
            None => get(*mode)?.to_owned(),
        };
        if flat.len() % 2 != 0 {
            return Err(ManifestError::Invalid(format!(
                "the inputs of key `{key}` are not name/value pairs"
            )));
        }
        let list = flat
            .chunks_exact(2)
            .map(|pair| {
                let (class, name) = names.get(pair[0] as usize).ok_or_else(|| {
                    ManifestError::Invalid(format!(
                        "input name {} is referred to, but there are {}",
                        pair[0],
                        names.len()
                    ))
                })?;
                Ok(Input {
                    class: *class,
                    name: name.clone(),
                    value: value(pair[1])?.to_owned(),
                })
            })
            .collect::<Result<Vec<Input>, ManifestError>>()?;
        inputs.insert(key, list);
    }
    let ns = |us: i64| us.saturating_mul(1_000);
    let actions = s
        .actions
        .iter()
        .map(|a| {
            let (mode, package) = (get(a.1)?.to_owned(), get(a.2)?.to_owned());
            Ok(Action {
                id: a.0,
                key: a.10.map(get).transpose()?.map(str::to_owned),
                mode: Mode::parse(&mode),
                package,
                module: get(a.3)?.to_owned(),
                cache: a.4,
                evidence: a.5,
                start_ns: a.6.zip(s.t0_ns).map(|(us, t0)| t0.saturating_add(ns(us))),
                duration_ns: a.7.map(ns),
                cpu_ns: a.8.map(ns),
                failed: a.9,
                deps: delta_decode(&a.11)?,
            })
        })
        .collect::<Result<Vec<Action>, ManifestError>>()?;
    let modules = s
        .modules
        .iter()
        .map(|&(path, version, main)| {
            Ok(ModuleInfo {
                path: get(path)?.to_owned(),
                version: version.map(get).transpose()?.map(str::to_owned),
                main,
            })
        })
        .collect::<Result<Vec<ModuleInfo>, ManifestError>>()?;
    let m = s.meta;
    let meta = BuildMeta {
        command: m.command,
        exit_code: m.exit_code,
        go_version: m.go_version,
        goos: m.goos,
        goarch: m.goarch,
        main_module: m.main_module,
        gocache: m.gocache,
        cgo_enabled: m.cgo_enabled,
        wall_ns: m.wall_ns,
        failed_packages: m.failed_packages,
        diagnostics: Vec::new(),
        inputs: Vec::new(),
    };
    Ok(BuildData {
        build: Build {
            meta,
            actions,
            modules,
            warnings: Vec::new(),
        },
        inputs,
        job: s.job.map(load_job),
        caches: Default::default(),
    })
}

fn load_job(j: StoredJob) -> JobTrace {
    JobTrace {
        runner: RunnerInfo {
            version: j.runner_version,
            name: j.runner_name,
            ..RunnerInfo::default()
        },
        executor: j.executor,
        image: j.image,
        build_dir: j.build_dir,
        fresh_clone: j.fresh_clone,
        sections: j
            .sections
            .into_iter()
            .map(
                |(name, start_ms, end_ms, duration_ms, parent, closed)| Section {
                    name,
                    start_ms,
                    end_ms,
                    duration_ms,
                    parent,
                    options: Vec::new(),
                    closed,
                    start_line: 0,
                    end_line: None,
                },
            )
            .collect(),
        cache_ops: j
            .cache
            .into_iter()
            .map(|c| CacheOp {
                op: c.op,
                key: c.key,
                outcome: c.outcome,
                duration_ms: c.duration_ms,
                detail: c.detail,
                paths: c.paths,
                size_bytes: None,
                url: None,
                line: 0,
                section: None,
            })
            .collect(),
        outcome: j.outcome,
        outcome_detail: j.outcome_detail,
        exit_code: j.exit_code,
        start_ms: j.start_ms,
        end_ms: j.end_ms,
        has_timestamps: j.has_timestamps,
        script_lines: Vec::new(),
        go_commands: Vec::new(),
        warnings: Vec::new(),
        lines: 0,
    }
}
