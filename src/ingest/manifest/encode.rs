//! Writing a manifest: every string interned once, opaque IDs packed, dependency lists
//! delta-coded, keys sorted so one build always gives the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::path::Path;

use super::schema::*;
use super::{MANIFEST_FORMAT, MANIFEST_VERSION, TEST_ID_CHARS};
use crate::model::job::JobTrace;
use crate::model::{
    BuildData, CacheEvidence, ID_CHARS, Input, InputClass, TestcacheLine, shorten_id,
};

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

pub(super) fn to_stored(data: &BuildData) -> Stored {
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
    // Before the keys are flattened: an ID's reference counts the strings, all of them.
    let caches = store_caches(&data.caches, &mut t);
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
        caches,
        strings: t.strings,
    }
}

/// An opaque ID cut to [`TEST_ID_CHARS`]: equal prefixes are equal IDs (`model::same_id`).
fn short(id: &str) -> &str {
    id.char_indices()
        .nth(TEST_ID_CHARS)
        .map_or(id, |(cut, _)| &id[..cut])
}

/// The test and module evidence a baseline is diffed by; `None` when the build has none
/// (the field is then left out, and the manifest is as small as version 2's).
fn store_caches(ev: &CacheEvidence, t: &mut Interner) -> Option<StoredCaches> {
    if ev.is_empty() && ev.gomodcache.is_none() && ev.goflags.is_none() {
        return None;
    }
    let results = ev
        .results
        .iter()
        .map(|r| (t.add(&r.package), r.outcome, r.elapsed_ms, r.cached))
        .collect();
    let id = |t: &mut Interner, s: &str| t.add(short(s));
    let lines = ev
        .testcache
        .iter()
        .map(|l| match l {
            TestcacheLine::TestId { package, test_id } => {
                (LineKind::TestId, t.add(package), Some(id(t, test_id)), None)
            }
            TestcacheLine::InputListNotFound { package } => {
                (LineKind::ListNotFound, t.add(package), None, None)
            }
            TestcacheLine::InputId {
                package,
                test_id,
                input_id,
            } => (
                LineKind::InputId,
                t.add(package),
                Some(id(t, test_id)),
                Some(id(t, input_id)),
            ),
            TestcacheLine::OutputNotFound { package } => {
                (LineKind::OutputNotFound, t.add(package), None, None)
            }
            TestcacheLine::TooNew { package, path } => {
                (LineKind::TooNew, t.add(package), None, Some(t.add(path)))
            }
            TestcacheLine::Save {
                package,
                test_id,
                input_id,
            } => (
                LineKind::Save,
                t.add(package),
                Some(id(t, test_id)),
                Some(id(t, input_id)),
            ),
            TestcacheLine::Disabled { reason } => (LineKind::Disabled, t.add(reason), None, None),
            TestcacheLine::OutsideModule { package } => {
                (LineKind::OutsideModule, t.add(package), None, None)
            }
        })
        .collect();
    let blocks = ev
        .test_inputs
        .iter()
        .map(|b| {
            let sum = b.sum.as_deref().map(|s| id(t, s));
            let flat = b
                .inputs
                .iter()
                .flat_map(|i| [t.add(&i.op), t.add(&i.name), id(t, &i.hash)])
                .collect();
            (sum, flat)
        })
        .collect();
    let downloading = ev
        .downloading
        .iter()
        .map(|(m, v)| (t.add(m), t.add(v)))
        .collect();
    let fetches = ev
        .fetches
        .iter()
        .map(|f| {
            (
                t.add(&f.module),
                t.add(&f.version),
                t.add(&f.file),
                f.ok,
                f.ms.map(|ms| (ms * 1_000.0).round() as i64),
            )
        })
        .collect();
    let mod_download = ev
        .mod_download
        .iter()
        .map(|d| {
            (
                t.add(&d.module),
                t.add(&d.version),
                d.zip_bytes,
                d.mod_bytes,
                d.info_bytes,
                d.error.clone(),
            )
        })
        .collect();
    Some(StoredCaches {
        results,
        lines,
        blocks,
        downloading,
        fetches,
        fetches_started: ev.fetches_started,
        mod_download,
        gomodcache: ev.gomodcache.clone(),
        goflags: ev.goflags.clone(),
        goproxy: ev.goproxy.clone(),
        module_dir: ev.module_dir.clone(),
    })
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
    // The default level: within 0.1% of the best one's size on the real captures (the
    // manifest share test prints them), in about a third of its time, which `record` pays
    // after every build.
    let gz = flate2::GzBuilder::new().write(out, flate2::Compression::default());
    // serde_json writes a few bytes at a time, and flate2 zero-fills its 32 KB output buffer
    // on every write: a buffer in front makes the writes few (the same deflate stream, which
    // does not depend on how its input is cut: nothing is flushed in between).
    let mut buffered = io::BufWriter::with_capacity(64 << 10, gz);
    serde_json::to_writer(&mut buffered, &stored)?;
    let gz = buffered
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?;
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
