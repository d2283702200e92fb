//! The stored format of a manifest (private to the codec: only `read` and `write` see it).
//! Changing a field here changes the file format: bump `MANIFEST_VERSION` and say so in
//! the changelog in `mod.rs`.

use serde::{Deserialize, Serialize};

use crate::model::job::{CacheOpKind, CacheOpOutcome, JobOutcome};
use crate::model::{CacheOutcome, Evidence, InputClass};

#[derive(Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) format: String,
    pub(super) version: u64,
}

#[derive(Serialize, Deserialize)]
pub(super) struct Stored {
    pub(super) format: String,
    pub(super) version: u64,
    /// Every string, once.
    pub(super) strings: Vec<String>,
    /// Opaque IDs of exactly `ID_CHARS` characters, concatenated: a value reference past the
    /// end of `strings` points here.
    pub(super) ids: String,
    pub(super) meta: StoredMeta,
    pub(super) t0_ns: Option<i64>,
    /// (path, version, main).
    pub(super) modules: Vec<(u32, Option<u32>, bool)>,
    pub(super) actions: Vec<StoredAction>,
    /// Input names grouped by class and common prefix (`import `, `file `...), each name a
    /// string after the prefix; a name's reference is its position across the groups.
    pub(super) names: Vec<(InputClass, String, Vec<u32>)>,
    /// (key's mode, key's package, [name ref, value, name ref, value, ...]), the inputs in
    /// the order Go hashed them.
    pub(super) keys: Vec<(u32, Option<u32>, Vec<u32>)>,
    pub(super) job: Option<StoredJob>,
}

#[derive(Serialize, Deserialize, Default)]
pub(super) struct StoredMeta {
    pub(super) command: Option<String>,
    pub(super) exit_code: Option<i32>,
    pub(super) go_version: Option<String>,
    pub(super) goos: Option<String>,
    pub(super) goarch: Option<String>,
    pub(super) main_module: Option<String>,
    pub(super) gocache: Option<String>,
    pub(super) cgo_enabled: Option<String>,
    pub(super) wall_ns: Option<i64>,
    pub(super) failed_packages: Vec<String>,
}

/// (id, mode, package, module, cache, evidence, start µs, duration µs, cpu µs, failed,
/// key when it is not `mode package`, deps sorted and delta-coded: the first ID, then each
/// one's distance from the one before).
#[derive(Serialize, Deserialize)]
pub(super) struct StoredAction(
    pub(super) u64,
    pub(super) u32,
    pub(super) u32,
    pub(super) u32,
    pub(super) CacheOutcome,
    pub(super) Evidence,
    pub(super) Option<i64>,
    pub(super) Option<i64>,
    pub(super) Option<i64>,
    pub(super) bool,
    pub(super) Option<u32>,
    pub(super) Vec<u64>,
);

#[derive(Serialize, Deserialize)]
pub(super) struct StoredJob {
    pub(super) runner_version: Option<String>,
    pub(super) runner_name: Option<String>,
    pub(super) executor: Option<String>,
    pub(super) image: Option<String>,
    pub(super) build_dir: Option<String>,
    pub(super) fresh_clone: Option<bool>,
    pub(super) outcome: JobOutcome,
    pub(super) outcome_detail: Option<String>,
    pub(super) exit_code: Option<i32>,
    pub(super) start_ms: Option<i64>,
    pub(super) end_ms: Option<i64>,
    pub(super) has_timestamps: bool,
    pub(super) sections: Vec<StoredSection>,
    pub(super) cache: Vec<StoredCacheOp>,
}

/// (name, start ms, end ms, duration ms, parent, closed).
pub(super) type StoredSection = (
    String,
    Option<i64>,
    Option<i64>,
    Option<u64>,
    Option<String>,
    bool,
);

#[derive(Serialize, Deserialize)]
pub(super) struct StoredCacheOp {
    pub(super) op: CacheOpKind,
    pub(super) key: Option<String>,
    pub(super) outcome: CacheOpOutcome,
    pub(super) duration_ms: Option<u64>,
    pub(super) detail: Option<String>,
    pub(super) paths: Vec<String>,
}
