//! The typed model every analysis and renderer shares: actions of one build, their cache
//! outcome and the cause of each miss, and the versioned JSON report (`report.rs`).

pub mod compare;
pub mod history;
mod report;

pub use report::*;

use serde::{Deserialize, Serialize};

/// Whether an action was served from the build cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheOutcome {
    /// The action's output came from GOCACHE; its tool did not run.
    Hit,
    /// The action ran its tool.
    Miss,
    /// Up to date as an installed archive in `GOROOT/pkg` (Go <= 1.19 standard library):
    /// not run, yet not a cache hit either.
    Installed,
    /// The action has no cache lookup of its own (`nop`, `build check cache`, ...).
    None,
}

/// How the cache outcome was decided, so a reader can judge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// `-debug-actiongraph`: `Cmd` non-null means the tool ran.
    ActionGraph,
    /// `-x`: a compile or link command ran for the package.
    XCommand,
    /// `-x`: an importcfg named the package's archive inside GOCACHE.
    XCachedArchive,
    /// `-x`: an importcfg named an installed archive under `GOROOT/pkg`.
    XInstalledArchive,
}

/// One node of the build's action graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: u64,
    /// Go's mode string (`build`, `link`, `build check cache`, ...).
    pub mode: String,
    /// Import path, with the test variant suffix when there is one (`fmt [fmt.test]`).
    pub package: String,
    /// Module path the package belongs to (`std` for the standard library).
    pub module: String,
    pub deps: Vec<u64>,
    pub cache: CacheOutcome,
    pub evidence: Evidence,
    /// Nanoseconds since the Unix epoch.
    pub start_ns: Option<i64>,
    pub duration_ns: Option<i64>,
    /// User + system CPU time of the tool, when Go measured it.
    pub cpu_ns: Option<i64>,
    pub failed: bool,
    /// The `gocachehash` key this action's inputs are logged under, matched by action ID
    /// when the graph and the hash log agree on one (see `dag::assemble`).
    pub key: Option<String>,
}

impl Action {
    /// The `gocachehash` key this action's inputs are logged under.
    pub fn hash_key(&self) -> Option<String> {
        if let Some(k) = &self.key {
            return Some(k.clone());
        }
        match self.mode.as_str() {
            "build" | "link" | "vet" => Some(format!("{} {}", self.mode, self.package)),
            _ => None,
        }
    }

    /// Package compile actions: what hit rates are counted over.
    pub fn is_package_build(&self) -> bool {
        self.mode == "build"
    }
}

/// A module that packages of the build belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub path: String,
    pub version: Option<String>,
    pub main: bool,
}

pub const STD_MODULE: &str = "std";
/// Packages whose module could not be determined.
pub const UNKNOWN_MODULE: &str = "(unknown)";

/// Facts about the Go command that ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BuildMeta {
    pub command: Option<String>,
    pub exit_code: Option<i32>,
    pub go_version: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
    pub main_module: Option<String>,
    /// GOCACHE as the build saw it (go env), to check it is among the CI cache's paths.
    pub gocache: Option<String>,
    /// `CGO_ENABLED` as the build saw it (go env or the build info), for cause analysis.
    pub cgo_enabled: Option<String>,
    /// The command's wall time, from the trace or from the span of the actions.
    pub wall_ns: Option<i64>,
    /// Packages that reported `build-fail`.
    pub failed_packages: Vec<String>,
    /// Compiler and linker messages, for failed builds.
    pub diagnostics: Vec<String>,
    pub inputs: Vec<String>,
}

/// The root cause of one cache miss: exactly one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseKind {
    Toolchain,
    Platform,
    Env,
    Flags,
    GoDirective,
    Workdir,
    Source,
    Dependency,
    Evicted,
    /// The job trace shows the CI cache restore missed or failed: the build started cold.
    CacheNotRestored,
    /// Inputs identical, but the output is never kept in GOCACHE: `go build` does not cache
    /// linked binaries, so a link reruns whenever its output file is missing.
    NotCached,
    New,
    Cold,
    Unknown,
}

impl CauseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::Toolchain => "toolchain",
            CauseKind::Platform => "platform",
            CauseKind::Env => "env",
            CauseKind::Flags => "flags",
            CauseKind::GoDirective => "go-directive",
            CauseKind::Workdir => "workdir",
            CauseKind::Source => "source",
            CauseKind::Dependency => "dependency",
            CauseKind::Evicted => "evicted",
            CauseKind::CacheNotRestored => "cache-not-restored",
            CauseKind::NotCached => "not-cached",
            CauseKind::New => "new",
            CauseKind::Cold => "cold",
            CauseKind::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for CauseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why one action missed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cause {
    pub kind: CauseKind,
    /// One line for a person.
    pub detail: String,
    /// What to do about it.
    pub hint: String,
    /// For `dependency`: the packages where the change started.
    pub origins: Vec<String>,
    /// The hash inputs that differ from the baseline, as `what: before → after`.
    pub changed: Vec<String>,
}

/// A finished build: actions in graph order plus metadata.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub meta: BuildMeta,
    pub actions: Vec<Action>,
    pub modules: Vec<ModuleInfo>,
    pub warnings: Vec<String>,
}
