//! The stored format of a manifest (private to the codec: only `read` and `write` see it).
//! Changing a field here changes the file format: bump `MANIFEST_VERSION` and say so in
//! the changelog in `mod.rs`.

use serde::{Deserialize, Serialize};

use crate::model::job::{CacheOpKind, CacheOpOutcome, JobOutcome};
use crate::model::{CacheOutcome, Evidence, InputClass, TestOutcome};

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
    /// Version 3: the test and module cache evidence. Absent in versions 1 and 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) caches: Option<StoredCaches>,
}

/// What the test-cache and module-cache analyses read from a baseline. Strings are
/// references into `strings`; opaque IDs (test IDs, input IDs, input hashes) are kept to
/// their first `TEST_ID_CHARS` characters, env values only as that prefix of Go's hash.
#[derive(Serialize, Deserialize, Default)]
pub(super) struct StoredCaches {
    /// (package, outcome, elapsed ms, replayed from the cache).
    pub(super) results: Vec<(u32, TestOutcome, Option<u64>, bool)>,
    /// `testcache:` lines in order: (kind, package — or the reason of `disabled`, test ID,
    /// input ID — or the path of `too-new`).
    pub(super) lines: Vec<(LineKind, u32, Option<u32>, Option<u32>)>,
    /// `HASH[testInputs]` blocks: (sum, [op, name, hash, op, name, hash, ...]).
    pub(super) blocks: Vec<(Option<u32>, Vec<u32>)>,
    /// `go: downloading` (module, version).
    pub(super) downloading: Vec<(u32, u32)>,
    /// `-x` fetches: (module, version, file, 200 OK, µs).
    pub(super) fetches: Vec<(u32, u32, u32, bool, Option<i64>)>,
    pub(super) fetches_started: usize,
    /// `go mod download -json`: (module, version, zip bytes, mod bytes, info bytes, error).
    #[serde(default)]
    pub(super) mod_download: Vec<StoredModDownload>,
    pub(super) gomodcache: Option<String>,
    pub(super) goflags: Option<String>,
    pub(super) goproxy: Option<String>,
    pub(super) module_dir: Option<String>,
}

pub(super) type StoredModDownload = (
    u32,
    u32,
    Option<u64>,
    Option<u64>,
    Option<u64>,
    Option<String>,
);

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(super) enum LineKind {
    TestId,
    ListNotFound,
    InputId,
    OutputNotFound,
    TooNew,
    Save,
    Disabled,
    OutsideModule,
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
