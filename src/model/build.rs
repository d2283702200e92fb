//! One build as the analysis sees it: its actions (nodes of Go's action graph), their cache
//! outcome, the modules and the facts about the Go command that ran.

use serde::{Deserialize, Serialize};

use super::{JobTrace, KeyInputs, Mode};

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
    /// The action has no cache lookup of its own (`nop`, `build check cache`, ...), or was
    /// never reached. Spelled `none` in the JSON contract.
    #[serde(rename = "none")]
    NoLookup,
}

impl CacheOutcome {
    pub const ALL: [CacheOutcome; 4] = [
        CacheOutcome::Hit,
        CacheOutcome::Miss,
        CacheOutcome::Installed,
        CacheOutcome::NoLookup,
    ];

    /// As the JSON contract spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Installed => "installed",
            CacheOutcome::NoLookup => "none",
        }
    }
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

impl Evidence {
    pub const ALL: [Evidence; 4] = [
        Evidence::ActionGraph,
        Evidence::XCommand,
        Evidence::XCachedArchive,
        Evidence::XInstalledArchive,
    ];
}

/// One node of the build's action graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub id: u64,
    /// Go's mode (`build`, `link`, `build check cache`, ...).
    pub mode: Mode,
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
        self.mode
            .has_cache_key()
            .then(|| format!("{} {}", self.mode, self.package))
    }

    /// Package compile actions: what hit rates are counted over.
    pub fn is_package_build(&self) -> bool {
        self.mode == Mode::Build
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

/// A finished build: actions in graph order plus metadata.
#[derive(Debug, Clone, Default)]
pub struct Build {
    pub meta: BuildMeta,
    pub actions: Vec<Action>,
    pub modules: Vec<ModuleInfo>,
    pub warnings: Vec<String>,
}

/// A build ready for analysis: its actions, its classified hash inputs and its job. A bundle
/// (assembled from its files) and a manifest both give one, so the cause code reads the same
/// thing whatever a build was read from.
#[derive(Debug, Default)]
pub struct BuildData {
    pub build: Build,
    pub inputs: KeyInputs,
    pub job: Option<JobTrace>,
    /// What the Go command said about the test and module caches (not in manifests yet).
    pub caches: super::CacheEvidence,
}
