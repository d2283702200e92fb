//! Cause kinds and the cause of one miss: the vocabulary every layer shares.

use std::sync::Arc;

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
    /// For `dependency`: the packages where the change started, sorted. Shared: every
    /// importer above a wide fan-in holds the same set, not a copy of it.
    pub origins: Origins,
    /// The hash inputs that differ from the baseline, as `what: before → after`.
    pub changed: Vec<String>,
}

/// A shared, immutable list of origin packages: cloning it costs one reference count, so a
/// chain of n misses above k changed packages holds one set of k names, not n×k strings.
/// Serialises as a plain JSON array of strings.
#[derive(Debug, Clone, Default)]
pub struct Origins(Arc<[String]>);

impl Origins {
    /// Whether `self` and `other` are the same stored set (not merely equal).
    pub fn shares(&self, other: &Origins) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The names, as a slice.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl std::ops::Deref for Origins {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl From<Vec<String>> for Origins {
    fn from(v: Vec<String>) -> Self {
        Origins(v.into())
    }
}

impl FromIterator<String> for Origins {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Origins(iter.into_iter().collect())
    }
}

impl PartialEq for Origins {
    fn eq(&self, other: &Self) -> bool {
        self.shares(other) || self.0 == other.0
    }
}

impl PartialEq<Vec<String>> for Origins {
    fn eq(&self, other: &Vec<String>) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<[&str]> for Origins {
    fn eq(&self, other: &[&str]) -> bool {
        self.0.len() == other.len() && self.0.iter().zip(other).all(|(a, b)| a == b)
    }
}

/// Origins one action's cause lists in JSON. A wide fan-in under a long chain gives each of
/// n misses the same k origins; listing all would make the document n × k names (a crafted
/// bundle: 900 MB). Real builds stay far below (an edit in `strconv` gives each of Go's
/// 606 dependents one origin); the report's top-level `origins` counts every origin.
pub const MAX_ORIGINS_LISTED: usize = 100;

impl Serialize for Origins {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().take(MAX_ORIGINS_LISTED))
    }
}

impl<'de> Deserialize<'de> for Origins {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Origins::from)
    }
}

/// Origins named in one line of text (a cause's detail, a table cell, a headline) before
/// the rest are counted: "a, b, c and 1,204 more". The JSON lists up to
/// [`MAX_ORIGINS_LISTED`].
pub const MAX_ORIGINS_NAMED: usize = 10;

/// `a, b, c` or, past `max`, `a, b, c and 1,204 more`: what every text output prints for
/// a list of origins, so none of them joins thousands of names.
pub fn name_some<S: AsRef<str>>(names: &[S], max: usize, sep: &str) -> String {
    let mut out = String::new();
    for (i, n) in names.iter().take(max).enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(n.as_ref());
    }
    let more = names.len().saturating_sub(max);
    if more > 0 {
        out.push_str(&format!(" and {} more", thousands(more)));
    }
    out
}

/// [`name_some`] over a list already joined with `, ` (a cause group's `origin`).
pub fn name_some_joined(list: &str, max: usize) -> String {
    let names: Vec<&str> = list.split(", ").collect();
    if names.len() <= max {
        return list.to_owned();
    }
    name_some(&names, max, ", ")
}

/// 1204 → `1,204`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
