//! Reading a manifest: the header first (a later version gets a clear error, not a parse
//! error), then every index checked against its table before it is used.

use foldhash::{HashMap, HashMapExt};
use std::io::Read;
use std::path::Path;

use super::schema::*;
use super::{MANIFEST_FORMAT, MANIFEST_VERSION, ManifestError};
use crate::model::job::{CacheOp, JobTrace, RunnerInfo, Section};
use crate::model::{
    Action, Build, BuildData, BuildMeta, CacheEvidence, ID_CHARS, Input, InputClass,
    ModDownloadEntry, Mode, ModuleFetch, ModuleInfo, TestInput, TestInputsBlock, TestPackageResult,
    TestcacheLine,
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
    // Versions 1 and 2 have the same fields less `caches`: they read as they always did.
    if !(1..=MANIFEST_VERSION).contains(&header.version) {
        return Err(ManifestError::Version {
            found: header.version,
        });
    }
    let stored: Stored = serde_json::from_slice(bytes).map_err(json_err)?;
    let mut data = from_stored(stored, expansion_limit(bytes.len()))?;
    if header.version < 3 {
        data.caches.from_old_manifest = Some(header.version);
    }
    Ok(data)
}

/// Decoded bytes a manifest may expand to, per byte of its JSON. A real manifest's string
/// references expand it about as much as the hash log it replaces (a few dozen times);
/// a crafted one (one long string referred to millions of times) would ask for hundreds
/// of GiB from a few KB of gzip.
pub const EXPANSION_PER_BYTE: u64 = 64;

/// The expansion always allowed, whatever the manifest's size.
pub const EXPANSION_FLOOR: u64 = 256 << 20;

/// The most bytes the strings, names and inputs of a manifest of `len` JSON bytes may take
/// once decoded.
pub fn expansion_limit(len: usize) -> u64 {
    (len as u64)
        .saturating_mul(EXPANSION_PER_BYTE)
        .max(EXPANSION_FLOOR)
}

/// Adds up what decoding will allocate, before anything is allocated: each reference is
/// checked against its table and its string's length counted.
struct Budget {
    used: u64,
    limit: u64,
}

impl Budget {
    fn take(&mut self, bytes: usize) -> Result<(), ManifestError> {
        // Each string and input also costs its own header.
        self.used = self
            .used
            .saturating_add(bytes as u64)
            .saturating_add(std::mem::size_of::<Input>() as u64);
        if self.used > self.limit {
            return Err(ManifestError::Invalid(format!(
                "its string references expand to more than {} bytes (the limit is {EXPANSION_PER_BYTE} times the manifest's size, at least {} MiB)",
                self.limit,
                EXPANSION_FLOOR >> 20
            )));
        }
        Ok(())
    }
}

/// Reads a manifest file (gzipped or not).
pub fn read_file(path: &Path) -> Result<BuildData, ManifestError> {
    let mut bytes = Vec::new();
    crate::ingest::open(path)
        .map_err(|e| ManifestError::Invalid(e.to_string()))?
        .read_to_end(&mut bytes)?;
    read(&bytes)
}

pub(super) fn from_stored(s: Stored, limit: u64) -> Result<BuildData, ManifestError> {
    let strings = &s.strings;
    let mut budget = Budget { used: 0, limit };
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
    // Every count and reference against the file first: the names, then each key's pairs,
    // with the bytes they will take, so a crafted manifest is refused before allocating.
    let mut name_lens: Vec<usize> = Vec::new();
    for (_, prefix, list) in &s.names {
        for &n in list {
            let len = prefix.len().saturating_add(get(n)?.len());
            budget.take(len)?;
            name_lens.push(len);
        }
    }
    for (mode, package, flat) in &s.keys {
        let key_len = get(*mode)?.len() + package.map_or(Ok(0), |p| get(p).map(|p| p.len() + 1))?;
        budget.take(key_len)?;
        for pair in flat.chunks_exact(2) {
            let name = name_lens.get(pair[0] as usize).copied().ok_or_else(|| {
                ManifestError::Invalid(format!(
                    "input name {} is referred to, but there are {}",
                    pair[0],
                    name_lens.len()
                ))
            })?;
            budget.take(name.saturating_add(value(pair[1])?.len()))?;
        }
    }
    let mut names: Vec<(InputClass, String)> = Vec::with_capacity(name_lens.len());
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
    let caches = match &s.caches {
        Some(c) => load_caches(c, &get)?,
        None => CacheEvidence::default(),
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
        caches,
    })
}

/// The test and module evidence, every reference checked against the string table. Every
/// list is as long as the one parsed from the file, so nothing is allocated past its size.
fn load_caches<'a>(
    c: &StoredCaches,
    get: &dyn Fn(u32) -> Result<&'a str, ManifestError>,
) -> Result<CacheEvidence, ManifestError> {
    let own = |i: u32| get(i).map(str::to_owned);
    let opt = |i: Option<u32>, what: &str, kind: &str| -> Result<String, ManifestError> {
        match i {
            Some(i) => own(i),
            None => Err(ManifestError::Invalid(format!(
                "a `{kind}` testcache line has no {what}"
            ))),
        }
    };
    let results = c
        .results
        .iter()
        .map(|&(package, outcome, elapsed_ms, cached)| {
            Ok(TestPackageResult {
                package: own(package)?,
                outcome,
                elapsed_ms,
                cached,
            })
        })
        .collect::<Result<Vec<_>, ManifestError>>()?;
    let testcache = c
        .lines
        .iter()
        .map(|&(kind, first, a, b)| {
            let package = own(first)?;
            Ok(match kind {
                LineKind::TestId => TestcacheLine::TestId {
                    package,
                    test_id: opt(a, "test ID", "test-id")?,
                },
                LineKind::ListNotFound => TestcacheLine::InputListNotFound { package },
                LineKind::InputId => TestcacheLine::InputId {
                    package,
                    test_id: opt(a, "test ID", "input-id")?,
                    input_id: opt(b, "input ID", "input-id")?,
                },
                LineKind::OutputNotFound => TestcacheLine::OutputNotFound { package },
                LineKind::TooNew => TestcacheLine::TooNew {
                    package,
                    path: opt(b, "path", "too-new")?,
                },
                LineKind::Save => TestcacheLine::Save {
                    package,
                    test_id: opt(a, "test ID", "save")?,
                    input_id: opt(b, "input ID", "save")?,
                },
                LineKind::Disabled => TestcacheLine::Disabled { reason: package },
                LineKind::OutsideModule => TestcacheLine::OutsideModule { package },
            })
        })
        .collect::<Result<Vec<_>, ManifestError>>()?;
    let test_inputs = c
        .blocks
        .iter()
        .map(|(sum, flat)| {
            if flat.len() % 3 != 0 {
                return Err(ManifestError::Invalid(
                    "a test inputs block is not (op, name, hash) triples".into(),
                ));
            }
            let inputs = flat
                .chunks_exact(3)
                .map(|t| {
                    Ok(TestInput {
                        op: own(t[0])?,
                        name: own(t[1])?,
                        hash: own(t[2])?,
                    })
                })
                .collect::<Result<Vec<_>, ManifestError>>()?;
            Ok(TestInputsBlock {
                inputs,
                sum: sum.map(own).transpose()?,
            })
        })
        .collect::<Result<Vec<_>, ManifestError>>()?;
    let downloading = c
        .downloading
        .iter()
        .map(|&(m, v)| Ok((own(m)?, own(v)?)))
        .collect::<Result<Vec<_>, ManifestError>>()?;
    let fetches = c
        .fetches
        .iter()
        .map(|&(module, version, file, ok, us)| {
            Ok(ModuleFetch {
                module: own(module)?,
                version: own(version)?,
                file: own(file)?,
                ok,
                ms: us.map(|us| us as f64 / 1_000.0),
            })
        })
        .collect::<Result<Vec<_>, ManifestError>>()?;
    let mod_download = c
        .mod_download
        .iter()
        .map(|(module, version, zip, m, info, error)| {
            Ok(ModDownloadEntry {
                module: own(*module)?,
                version: own(*version)?,
                dir: None,
                zip_bytes: *zip,
                mod_bytes: *m,
                info_bytes: *info,
                error: error.clone(),
            })
        })
        .collect::<Result<Vec<_>, ManifestError>>()?;
    Ok(CacheEvidence {
        results,
        testcache,
        test_inputs,
        downloading,
        fetches,
        fetches_started: c.fetches_started,
        mod_download,
        gomodcache: c.gomodcache.clone(),
        goflags: c.goflags.clone(),
        goproxy: c.goproxy.clone(),
        module_dir: c.module_dir.clone(),
        from_old_manifest: None,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 15): each reference copied its string, so one 100 KB string
    /// referred to 200,000 times asked for 40 GB from well under 1 MB of JSON. It is now
    /// refused, with the limit named, before the names or inputs are allocated.
    #[test]
    fn string_reference_bomb_is_refused_before_allocating() {
        let long = "A".repeat(100_000);
        let pairs = vec!["0"; 400_000].join(",");
        let json = format!(
            r#"{{"format":"goattrib.manifest","version":2,"strings":["{long}","build"],"ids":"",
            "meta":{{"failed_packages":[]}},"t0_ns":null,"modules":[],"actions":[],
            "names":[["source","",[0]]],"keys":[[1,null,[{pairs}]]],"job":null}}"#
        );
        assert!(json.len() < 1 << 20);
        let e = read(json.as_bytes()).unwrap_err();
        let ManifestError::Invalid(message) = &e else {
            panic!("{e}")
        };
        assert!(message.contains("expand to more than"), "{message}");
        assert!(message.contains("256 MiB"), "{message}");
    }

    #[test]
    fn a_bad_name_reference_is_refused_before_allocating() {
        let json = r#"{"format":"goattrib.manifest","version":2,"strings":["build"],"ids":"",
            "meta":{"failed_packages":[]},"t0_ns":null,"modules":[],"actions":[],
            "names":[],"keys":[[0,null,[7,0]]],"job":null}"#;
        let e = read(json.as_bytes()).unwrap_err();
        assert!(e.to_string().contains("input name 7"), "{e}");
    }

    #[test]
    fn expansion_limit_grows_with_the_file() {
        assert_eq!(expansion_limit(10), EXPANSION_FLOOR);
        assert_eq!(expansion_limit(100 << 20), (100 << 20) * EXPANSION_PER_BYTE);
    }
}
