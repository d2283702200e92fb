//! The other two Go caches as plain data: what a `go test` run and the module fetcher said
//! (the evidence `ingest` reads from the Go command's output), and the report sections
//! `"tests"` and `"module_cache"` of `goattrib.report/v1` that `analysis` derives from it.
//! Nothing here parses or decides a cause.

use serde::{Deserialize, Serialize};

/// One `testcache:` line (`GODEBUG=gocachetest=1`, `cmd/go/internal/test/test.go`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestcacheLine {
    /// `testcache: <pkg>: test ID <id> => <testID>` (1st lookup by link action ID, 2nd by
    /// the test binary's content ID).
    TestId { package: String, test_id: String },
    /// `testcache: <pkg>: input list not found: <err>`.
    InputListNotFound { package: String },
    /// `testcache: <pkg>: test ID <testID> => input ID <inputsID> => <key>`.
    InputId {
        package: String,
        test_id: String,
        input_id: String,
    },
    /// `testcache: <pkg>: test output not found: <err>`.
    OutputNotFound { package: String },
    /// `testcache: <pkg>: input file <abs path>: file used as input is too new`.
    TooNew { package: String, path: String },
    /// `testcache: <pkg>: save test ID <testID> => input ID <inputsID> => <key>`.
    Save {
        package: String,
        test_id: String,
        input_id: String,
    },
    /// A line without a package that disables the cache for the whole run:
    /// `caching disabled for test argument: <arg>`, `... in local directory mode`.
    Disabled { reason: String },
    /// `caching disabled for package outside of module root, GOPATH, or GOROOT: <pkg>`.
    OutsideModule { package: String },
}

impl TestcacheLine {
    pub fn package(&self) -> Option<&str> {
        match self {
            TestcacheLine::TestId { package, .. }
            | TestcacheLine::InputListNotFound { package }
            | TestcacheLine::InputId { package, .. }
            | TestcacheLine::OutputNotFound { package }
            | TestcacheLine::TooNew { package, .. }
            | TestcacheLine::Save { package, .. }
            | TestcacheLine::OutsideModule { package } => Some(package),
            TestcacheLine::Disabled { .. } => None,
        }
    }
}

/// One input of a `HASH[testInputs]` block: `env NAME <hash>`, `open <path> <hash>`,
/// `stat <path> <hash>`, `chdir <path> <hash>`. The hash is of the value or the file's
/// size and mtime, never the value itself (the value is only in `HASH[getenv]`, never kept).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TestInput {
    pub op: String,
    pub name: String,
    pub hash: String,
}

/// A `HASH[testInputs]` block; its final sum is the input ID that the next `testcache:`
/// line repeats. A block cut by a too-new file has no sum.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestInputsBlock {
    pub inputs: Vec<TestInput>,
    pub sum: Option<String>,
}

/// What a test package's result line said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TestOutcome {
    Pass,
    Fail,
    Skip,
    NoTestFiles,
}

/// A package-level `go test` result, from test2json events or plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct TestPackageResult {
    pub package: String,
    pub outcome: TestOutcome,
    pub elapsed_ms: Option<u64>,
    /// Replayed from the test cache (`(cached)`).
    pub cached: bool,
}

/// One `# get <url>: <status> (<s>s)` fetch of the `-x` trace (`cmd/go/internal/web/http.go`).
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleFetch {
    pub module: String,
    pub version: String,
    /// `info`, `mod`, `zip`, ...: the URL's file extension.
    pub file: String,
    pub ok: bool,
    pub ms: Option<f64>,
}

/// One object of `go mod download -json` (`cmd/go/internal/modcmd/download.go`
/// `ModuleJSON`): a module version now in GOMODCACHE, where, and the sizes of its cached
/// files as found on disk when the output was read (`None`: not there, or not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModDownloadEntry {
    pub module: String,
    pub version: String,
    /// `Dir`: the extracted source root.
    pub dir: Option<String>,
    /// Sizes of the `Zip`, `GoMod` and `Info` files.
    pub zip_bytes: Option<u64>,
    pub mod_bytes: Option<u64>,
    pub info_bytes: Option<u64>,
    /// `Error`: the download failed.
    pub error: Option<String>,
}

impl ModDownloadEntry {
    /// The bytes of its cached files, when every one that Go names was found.
    pub fn bytes(&self) -> Option<u64> {
        Some(self.zip_bytes? + self.mod_bytes.unwrap_or(0) + self.info_bytes.unwrap_or(0))
    }
}

/// The Go command's own evidence about the test and module caches in one build.
#[derive(Debug, Clone, Default)]
pub struct CacheEvidence {
    pub results: Vec<TestPackageResult>,
    pub testcache: Vec<TestcacheLine>,
    pub test_inputs: Vec<TestInputsBlock>,
    /// `go: downloading <module> <version>`, in order, as (module, version).
    pub downloading: Vec<(String, String)>,
    pub fetches: Vec<ModuleFetch>,
    /// `# get` lines seen (started fetches), so "no -x" can be told from "nothing fetched".
    pub fetches_started: usize,
    /// `go mod download -json` objects, in order.
    pub mod_download: Vec<ModDownloadEntry>,
    /// go env, when the bundle has it.
    pub gomodcache: Option<String>,
    pub goflags: Option<String>,
    /// GOPROXY with any user info removed.
    pub goproxy: Option<String>,
    /// The main module's directory (go list -m), to name test input files relative to it.
    pub module_dir: Option<String>,
    /// Set when the build was read from a manifest of this version, older than the one
    /// that keeps the test and module evidence (3): it has none, which is not "no tests".
    pub from_old_manifest: Option<u64>,
}

/// Whether two opaque IDs (test IDs, input IDs, input hashes) are the same: a manifest
/// keeps a prefix of each (`ingest::manifest`), the Go command prints them whole.
pub fn same_id(a: &str, b: &str) -> bool {
    let n = a.len().min(b.len());
    n > 0 && a.as_bytes()[..n] == b.as_bytes()[..n] && (a.len() == b.len() || n >= 12)
}

impl TestInput {
    /// The same input with the same value or file fingerprint.
    pub fn same(&self, other: &TestInput) -> bool {
        self.op == other.op && self.name == other.name && same_id(&self.hash, &other.hash)
    }
}

impl CacheEvidence {
    pub fn is_empty(&self) -> bool {
        self.results.is_empty()
            && self.testcache.is_empty()
            && self.downloading.is_empty()
            && self.fetches_started == 0
            && self.mod_download.is_empty()
    }

    /// Appends another stream's evidence (a bundle has `build.jsonl` and `build.stderr`).
    pub fn extend(&mut self, other: CacheEvidence) {
        // The first result of a package wins; a set keeps a job log of 150,000 results
        // linear (a scan per result was quadratic).
        let mut seen: std::collections::HashSet<String> =
            self.results.iter().map(|r| r.package.clone()).collect();
        for r in other.results {
            if seen.insert(r.package.clone()) {
                self.results.push(r);
            }
        }
        self.testcache.extend(other.testcache);
        self.test_inputs.extend(other.test_inputs);
        self.downloading.extend(other.downloading);
        self.fetches.extend(other.fetches);
        self.fetches_started += other.fetches_started;
        self.mod_download.extend(other.mod_download);
    }
}

/// Why a test package ran, or why modules were downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheCause {
    /// `binary`, `env`, `file`, `too-new`, `uncacheable`, `failed`, `cold`, `evicted`,
    /// `new`, `unknown` for tests; `cache-not-restored`, `version-changed`, `cold`,
    /// `vendor`, `unknown` for modules.
    pub kind: &'static str,
    pub detail: String,
    /// What changed: env var names, file paths relative to the module, `module from → to`.
    pub changed: Vec<String>,
    /// For `binary`: the action of the test binary's build whose cause this is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<u64>,
}

/// `"tests"` of `goattrib.report/v1`.
#[derive(Debug, Clone, Serialize)]
pub struct TestsSection {
    /// Packages with test files (cached + ran).
    pub packages: usize,
    pub cached: usize,
    pub ran: usize,
    /// `cached / packages`, `null` when there is none.
    pub cache_rate: Option<f64>,
    /// Summed elapsed time of the packages that ran.
    pub run_ms: f64,
    pub results: Vec<TestResultReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestResultReport {
    pub package: String,
    pub cached: bool,
    pub outcome: TestOutcome,
    pub elapsed_ms: Option<u64>,
    pub cause: Option<CacheCause>,
}

/// `"module_cache"` of `goattrib.report/v1`.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleCacheSection {
    pub gomodcache: Option<String>,
    /// Whether a CI cache path holds GOMODCACHE; `null` without a job trace or go env.
    pub cached_path: Option<bool>,
    /// GOPROXY without user info.
    pub goproxy: Option<String>,
    pub downloads: Vec<ModuleDownload>,
    /// `module@version` of what `go mod download -json` listed but the `-x` trace shows no
    /// fetch of: served from GOMODCACHE. Empty without both.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub served_from_cache: Vec<String>,
    pub downloaded: usize,
    /// Summed time of the fetches (they run in parallel).
    pub download_ms: f64,
    pub cause: Option<CacheCause>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ModuleDownload {
    pub module: String,
    pub version: String,
    /// `# get …: 200 OK` fetches of this module version seen in the `-x` trace.
    pub files: usize,
    /// The sizes of its `.zip` (plus `.mod` and `.info`) in GOMODCACHE, from
    /// `go mod download -json` read where the files are; `null` otherwise: the Go command's
    /// build output and `-x` trace give no sizes.
    pub bytes: Option<u64>,
    pub ms: Option<f64>,
}
