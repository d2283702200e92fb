//! The input manifest (`manifest.json.gz`): everything `report --baseline` and `compare`
//! need from a build, in a small versioned file instead of the whole `gocachehash` log.
//!
//! Per action key it keeps the classified hash inputs (class, name, value; opaque IDs cut to
//! [`crate::model::ID_CHARS`]); per action its mode, package, module, cache outcome, timing and deps; the
//! modules with their versions; the build facts the cause code reads (Go version, platform,
//! CGO_ENABLED, wall time); and the job facts of the GitLab join (build directory, cache
//! operations, sections). Nothing else: no `-x` text, no compiler messages.
//!
//! Every string is stored once in a table and referred to by index; the JSON is gzipped.
//! A manifest is recognised by content (its `format` field), like every other input.
//!
//! Format changelog (`version`):
//! - 1: first version. Times are microseconds: action starts relative to `t0_ns`
//!   (nanoseconds since the Unix epoch), durations and CPU times absolute.
//!
//! Not for rendering or analysis: it reads and writes [`BuildData`], nothing more.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::job::{
    CacheOp, CacheOpKind, CacheOutcome as JobCacheOutcome, JobOutcome, JobTrace, RunnerInfo,
    Section,
};
use crate::model::{
    Action, Build, BuildData, BuildMeta, CacheOutcome, Evidence, ID_CHARS, Input, InputClass, Mode,
    ModuleInfo, shorten_id,
};

/// The value of the `format` field, how a manifest is recognised.
pub const MANIFEST_FORMAT: &str = "goattrib.manifest";
/// The format version this goattrib writes and reads.
pub const MANIFEST_VERSION: u64 = 1;
/// The file name `record` (and `report --out`) write.
pub const MANIFEST_FILE: &str = "manifest.json.gz";

#[derive(Debug, Error)]
pub enum ManifestError {
    #[error(
        "manifest format version {found} is not supported (this goattrib reads version {MANIFEST_VERSION}); write it again with this goattrib"
    )]
    Version { found: u64 },
    #[error("not a goattrib manifest (its `format` is `{found}`, expected `{MANIFEST_FORMAT}`)")]
    Format { found: String },
    #[error("invalid manifest JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the manifest is inconsistent: {0}")]
    Invalid(String),
    #[error("failed to read the manifest")]
    Io(#[from] io::Error),
}

/// Whether the start of a (decompressed) file is a manifest: a JSON object whose first field
/// names the format. Any version is recognised, so an unknown one gets a clear error.
pub fn sniff(head: &str) -> bool {
    let head = head.trim_start();
    let start: String = head
        .chars()
        .take(256)
        .filter(|c| !c.is_whitespace())
        .collect();
    start.starts_with('{') && start.contains(&format!("\"format\":\"{MANIFEST_FORMAT}\""))
}

// ---- the stored format (private: only `read` and `write` see it) ----

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u64,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: String,
    version: u64,
    /// Every string, once.
    strings: Vec<String>,
    /// Opaque IDs of exactly `ID_CHARS` characters, concatenated: a value reference past the
    /// end of `strings` points here.
    ids: String,
    meta: StoredMeta,
    t0_ns: Option<i64>,
    /// (path, version, main).
    modules: Vec<(u32, Option<u32>, bool)>,
    actions: Vec<StoredAction>,
    /// Input names grouped by class and common prefix (`import `, `file `...), each name a
    /// string after the prefix; a name's reference is its position across the groups.
    names: Vec<(InputClass, String, Vec<u32>)>,
    /// (key's mode, key's package, [name ref, value, name ref, value, ...]), the inputs in
    /// the order Go hashed them.
    keys: Vec<(u32, Option<u32>, Vec<u32>)>,
    job: Option<StoredJob>,
}

#[derive(Serialize, Deserialize, Default)]
struct StoredMeta {
    command: Option<String>,
    exit_code: Option<i32>,
    go_version: Option<String>,
    goos: Option<String>,
    goarch: Option<String>,
    main_module: Option<String>,
    gocache: Option<String>,
    cgo_enabled: Option<String>,
    wall_ns: Option<i64>,
    failed_packages: Vec<String>,
}

/// (id, mode, package, module, cache, evidence, start µs, duration µs, cpu µs, failed,
/// key when it is not `mode package`, deps sorted and delta-coded: the first ID, then each
/// one's distance from the one before).
#[derive(Serialize, Deserialize)]
struct StoredAction(
    u64,
    u32,
    u32,
    u32,
    CacheOutcome,
    Evidence,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    bool,
    Option<u32>,
    Vec<u64>,
);

#[derive(Serialize, Deserialize)]
struct StoredJob {
    runner_version: Option<String>,
    runner_name: Option<String>,
    executor: Option<String>,
    image: Option<String>,
    build_dir: Option<String>,
    fresh_clone: Option<bool>,
    outcome: JobOutcome,
    outcome_detail: Option<String>,
    exit_code: Option<i32>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
    has_timestamps: bool,
    sections: Vec<StoredSection>,
    cache: Vec<StoredCacheOp>,
}

/// (name, start ms, end ms, duration ms, parent, closed).
type StoredSection = (
    String,
    Option<i64>,
    Option<i64>,
    Option<u64>,
    Option<String>,
    bool,
);

#[derive(Serialize, Deserialize)]
struct StoredCacheOp {
    op: CacheOpKind,
    key: Option<String>,
    outcome: JobCacheOutcome,
    duration_ms: Option<u64>,
    detail: Option<String>,
    paths: Vec<String>,
}

// ---- writing ----

#[derive(Default)]
struct Interner {
    strings: Vec<String>,
    index: HashMap<String, u32>,
    /// IDs by their position in the ID table, numbered after every string once all are in.
    ids: Vec<String>,
    id_index: HashMap<String, u32>,
}

/// Name prefixes stored once per group rather than in every name.
const NAME_PREFIXES: [&str; 5] = ["import ", "file ", "module ", "build setting ", "replace "];

fn is_id(value: &str) -> bool {
    value.len() == ID_CHARS
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Interner {
    fn add(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.strings.len() as u32;
        self.strings.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }

    /// An input value: an ID goes to the ID table (its reference is fixed up in `value_ref`).
    fn value(&mut self, v: &str) -> Value {
        if !is_id(v) {
            return Value::String(self.add(v));
        }
        if let Some(&i) = self.id_index.get(v) {
            return Value::Id(i);
        }
        let i = self.ids.len() as u32;
        self.ids.push(v.to_owned());
        self.id_index.insert(v.to_owned(), i);
        Value::Id(i)
    }

    fn value_ref(&self, v: Value) -> u32 {
        match v {
            Value::String(i) => i,
            Value::Id(i) => self.strings.len() as u32 + i,
        }
    }
}

#[derive(Clone, Copy)]
enum Value {
    String(u32),
    Id(u32),
}

fn us(ns: i64) -> i64 {
    // Round half away from zero, as `model::ms` does, so times read back show the same.
    (ns as f64 / 1_000.0).round() as i64
}

fn to_stored(data: &BuildData) -> Stored {
    let mut t = Interner::default();
    let build = &data.build;
    let t0_ns = build.actions.iter().filter_map(|a| a.start_ns).min();
    let actions = build
        .actions
        .iter()
        .map(|a| {
            let default_key = format!("{} {}", a.mode, a.package);
            StoredAction(
                a.id,
                t.add(a.mode.as_str()),
                t.add(&a.package),
                t.add(&a.module),
                a.cache,
                a.evidence,
                a.start_ns
                    .zip(t0_ns)
                    .map(|(s, t0)| us(s.saturating_sub(t0))),
                a.duration_ns.map(us),
                a.cpu_ns.map(us),
                a.failed,
                a.key
                    .as_deref()
                    .filter(|k| *k != default_key)
                    .map(|k| t.add(k)),
                delta_code(&a.deps),
            )
        })
        .collect();
    let modules = build
        .modules
        .iter()
        .map(|m| {
            (
                t.add(&m.path),
                m.version.as_deref().map(|v| t.add(v)),
                m.main,
            )
        })
        .collect();
    // Keys sorted, so the same build always gives the same bytes.
    let mut sorted: Vec<(&String, &Vec<Input>)> = data.inputs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    type NameKey = (InputClass, &'static str, u32);
    let mut name_refs: BTreeMap<NameKey, u32> = BTreeMap::new();
    let mut pending = Vec::with_capacity(sorted.len());
    for (key, inputs) in sorted {
        let (mode, package) = match key.split_once(' ') {
            Some((m, p)) => (t.add(m), Some(t.add(p))),
            None => (t.add(key), None),
        };
        let list: Vec<(NameKey, Value)> = inputs
            .iter()
            .map(|i| {
                // Already short when classified by `classify_log`; made sure of here.
                let mut short = i.clone();
                shorten_id(&mut short);
                let prefix = NAME_PREFIXES
                    .into_iter()
                    .find(|p| i.name.starts_with(p))
                    .unwrap_or("");
                let name = t.add(&i.name[prefix.len()..]);
                ((i.class, prefix, name), t.value(&short.value))
            })
            .collect();
        pending.push((mode, package, list));
    }
    for (_, _, list) in &pending {
        for (name, _) in list {
            name_refs.insert(*name, 0);
        }
    }
    // Number the names group by group, in (class, prefix, string index) order.
    let mut names: Vec<(InputClass, String, Vec<u32>)> = Vec::new();
    for (n, ((class, prefix, name), r)) in name_refs.iter_mut().enumerate() {
        *r = n as u32;
        match names.last_mut() {
            Some((c, p, list)) if c == class && p == prefix => list.push(*name),
            _ => names.push((*class, (*prefix).to_owned(), vec![*name])),
        }
    }
    let keys = pending
        .into_iter()
        .map(|(mode, package, list)| {
            let flat = list
                .into_iter()
                .flat_map(|(name, value)| [name_refs[&name], t.value_ref(value)])
                .collect();
            (mode, package, flat)
        })
        .collect();
    let m = &build.meta;
    Stored {
        format: MANIFEST_FORMAT.to_owned(),
        version: MANIFEST_VERSION,
        ids: t.ids.concat(),
        strings: t.strings,
        meta: StoredMeta {
            command: m.command.clone(),
            exit_code: m.exit_code,
            go_version: m.go_version.clone(),
            goos: m.goos.clone(),
            goarch: m.goarch.clone(),
            main_module: m.main_module.clone(),
            gocache: m.gocache.clone(),
            cgo_enabled: m.cgo_enabled.clone(),
            wall_ns: m.wall_ns,
            failed_packages: m.failed_packages.clone(),
        },
        t0_ns,
        modules,
        actions,
        names,
        keys,
        job: data.job.as_ref().map(store_job),
    }
}

fn store_job(j: &JobTrace) -> StoredJob {
    StoredJob {
        runner_version: j.runner.version.clone(),
        runner_name: j.runner.name.clone(),
        executor: j.executor.clone(),
        image: j.image.clone(),
        build_dir: j.build_dir.clone(),
        fresh_clone: j.fresh_clone,
        outcome: j.outcome,
        outcome_detail: j.outcome_detail.clone(),
        exit_code: j.exit_code,
        start_ms: j.start_ms,
        end_ms: j.end_ms,
        has_timestamps: j.has_timestamps,
        sections: j
            .sections
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.start_ms,
                    s.end_ms,
                    s.duration_ms,
                    s.parent.clone(),
                    s.closed,
                )
            })
            .collect(),
        cache: j
            .cache_ops
            .iter()
            .map(|c| StoredCacheOp {
                op: c.op,
                key: c.key.clone(),
                outcome: c.outcome,
                duration_ms: c.duration_ms,
                detail: c.detail.clone(),
                paths: c.paths.clone(),
            })
            .collect(),
    }
}

/// Writes a build's manifest as gzipped JSON.
pub fn write(data: &BuildData, out: impl Write) -> io::Result<()> {
    let stored = to_stored(data);
    let mut gz = flate2::GzBuilder::new().write(out, flate2::Compression::best());
    serde_json::to_writer(&mut gz, &stored)?;
    gz.finish()?.flush()
}

/// Writes a build's manifest to `path` (normally `<dir>/manifest.json.gz`) atomically, so
/// a reader never sees half a manifest.
pub fn write_file(path: &Path, data: &BuildData) -> Result<(), crate::atomic::OutError> {
    let mut bytes = Vec::new();
    write(data, &mut bytes).map_err(|source| crate::atomic::OutError {
        action: "encode",
        path: path.to_owned(),
        source,
    })?;
    crate::atomic::write_atomic(path, &bytes)
}

fn delta_code(deps: &[u64]) -> Vec<u64> {
    let mut sorted = deps.to_vec();
    sorted.sort_unstable();
    let mut prev = 0;
    sorted
        .into_iter()
        .map(|d| {
            let step = d - prev;
            prev = d;
            step
        })
        .collect()
}

// ---- reading ----

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
    if header.version != MANIFEST_VERSION {
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

fn from_stored(s: Stored) -> Result<BuildData, ManifestError> {
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

    #[test]
    fn sniffs_any_version_but_only_manifests() {
        assert!(sniff(r#"{"format":"goattrib.manifest","version":7}"#));
        assert!(sniff("{ \"format\": \"goattrib.manifest\", \"version\": 1"));
        assert!(!sniff(r#"{"GOARCH":"amd64","format":"x"}"#));
        assert!(!sniff("HASH[build fmt]"));
        // Regression: a multi-byte character across the sniffed prefix's end.
        assert!(!sniff(&format!("{{{}", "é".repeat(200))));
    }

    #[test]
    fn rejects_unknown_versions_and_broken_tables_without_panicking() {
        let e = read(br#"{"format":"goattrib.manifest","version":2,"strings":[]}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Version { found: 2 }), "{e}");
        assert!(e.to_string().contains("version 2 is not supported"));
        let e = read(br#"{"format":"other","version":1}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Format { .. }));
        let e = read(br#"{"format":"goattrib.manifest","version":1,"strings":[1]}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Json { .. }), "{e}");
        let bad = r#"{"format":"goattrib.manifest","version":1,"strings":["a"],"meta":{"failed_packages":[]},
            "ids":"","t0_ns":null,"modules":[[0,9,true]],"actions":[],"names":[],"keys":[],"job":null}"#;
        let e = read(bad.as_bytes()).unwrap_err();
        assert!(matches!(e, ManifestError::Invalid(_)), "{e}");
        let e = read(b"{\"format\":\"goattrib.manifest\",\"version\":1").unwrap_err();
        assert!(matches!(e, ManifestError::Json { .. }), "{e}");
    }

    #[test]
    fn round_trips_inputs_actions_and_job() {
        let mut data = BuildData::default();
        data.inputs.insert(
            "build fmt".into(),
            vec![
                Input {
                    class: InputClass::Toolchain,
                    name: "go version".into(),
                    value: "go1.27.3".into(),
                },
                Input {
                    class: InputClass::Import,
                    name: "import errors".into(),
                    value: "c5XmRCotzylGYG5HEnNE".into(),
                },
            ],
        );
        data.build.actions.push(Action {
            id: 3,
            mode: "build".into(),
            package: "fmt".into(),
            module: "std".into(),
            deps: vec![1, 2, 7],
            cache: CacheOutcome::Miss,
            evidence: Evidence::ActionGraph,
            start_ns: Some(1_000_000_000),
            duration_ns: Some(2_500_000),
            cpu_ns: None,
            failed: false,
            key: Some("build fmt [fmt.test]".into()),
        });
        data.build.meta.wall_ns = Some(5_000_000);
        let mut bytes = Vec::new();
        write(&data, &mut bytes).unwrap();
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut json)
            .unwrap();
        assert!(sniff(&String::from_utf8_lossy(&json)));
        let back = read(&json).unwrap();
        assert_eq!(back.build.actions, data.build.actions);
        assert_eq!(back.build.meta.wall_ns, Some(5_000_000));
        let inputs = &back.inputs["build fmt"];
        assert_eq!(inputs[0], data.inputs["build fmt"][0]);
        assert_eq!(
            inputs[1].value, "c5XmRCot",
            "opaque IDs keep {ID_CHARS} chars"
        );
    }
}
