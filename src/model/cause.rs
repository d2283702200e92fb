//! Cause kinds and the cause of one miss: the vocabulary every layer shares.

use serde::{Deserialize, Serialize};

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
    /// The PGO profile's content changed (`pgofile`, the `preprocess PGO profile` action's
    /// `input`): every package under the profiled main package compiles again.
    Pgo,
    Source,
    /// Only the VCS build info a main package is stamped with changed (`vcs.revision`,
    /// `vcs.time`, `vcs.modified`): every new commit.
    Vcs,
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
    /// Every kind in the order legends and tables list them: own changes broadest first
    /// (the order the cause code ranks them), then the cache-side kinds, then the rest.
    pub const ALL: [CauseKind; 16] = [
        CauseKind::Toolchain,
        CauseKind::Platform,
        CauseKind::Env,
        CauseKind::Flags,
        CauseKind::GoDirective,
        CauseKind::Workdir,
        CauseKind::Pgo,
        CauseKind::Source,
        CauseKind::Vcs,
        CauseKind::Dependency,
        CauseKind::Evicted,
        CauseKind::CacheNotRestored,
        CauseKind::NotCached,
        CauseKind::New,
        CauseKind::Cold,
        CauseKind::Unknown,
    ];

    /// The kind as the JSON report spells it (`workdir`, `cache-not-restored`).
    pub fn parse(text: &str) -> Option<CauseKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::Toolchain => "toolchain",
            CauseKind::Platform => "platform",
            CauseKind::Env => "env",
            CauseKind::Flags => "flags",
            CauseKind::GoDirective => "go-directive",
            CauseKind::Workdir => "workdir",
            CauseKind::Pgo => "pgo",
            CauseKind::Source => "source",
            CauseKind::Vcs => "vcs",
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
