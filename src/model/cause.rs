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
    /// importer above a wide fan-in holds the same set, not a copy of it. In JSON the first
    /// [`MAX_ORIGINS_LISTED`]; the whole set is the report's `origin_sets[origin_set]`.
    pub origins: Origins,
    /// The report's index of `origins` in its `origin_sets` table (set when the report is
    /// assembled; absent when there are no origins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin_set: Option<usize>,
    /// The set is only its first names: the build's origin sets held more names in all
    /// than [`MAX_ORIGIN_SET_NAMES`] (set with `origin_set`; absent when false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub origins_truncated: bool,
    /// The hash inputs that differ from the baseline, as `what: before → after`.
    pub changed: Vec<String>,
}

/// A shared, immutable list of origin packages: cloning it costs one reference count, so a
/// chain of n misses above k changed packages holds one set of k names, not n×k strings.
/// Serialises as a plain JSON array of its first [`MAX_ORIGINS_LISTED`] names (the
/// report's `origin_sets` table holds each set whole: [`serialize_whole`]).
///
/// A set is complete unless the build's distinct sets outgrew [`MAX_ORIGIN_SET_NAMES`]:
/// past it a new set keeps only its first [`MAX_ORIGINS_NAMED`] names (still the first of
/// the whole set, in order) and a lower bound of its size.
#[derive(Debug, Clone)]
pub struct Origins(Arc<OriginSet>);

#[derive(Debug)]
struct OriginSet {
    names: Box<[String]>,
    /// `names.len()` when complete, else a lower bound of the whole set's size.
    at_least: usize,
    complete: bool,
}

impl Default for Origins {
    fn default() -> Self {
        Vec::new().into()
    }
}

impl Origins {
    /// The first names of a set too large to keep, sorted, and a lower bound of its size.
    pub fn truncated(first: Vec<String>, at_least: usize) -> Origins {
        let at_least = at_least.max(first.len());
        Origins(Arc::new(OriginSet {
            names: first.into(),
            at_least,
            complete: false,
        }))
    }

    /// Whether `self` and `other` are the same stored set (not merely equal).
    pub fn shares(&self, other: &Origins) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The stored set's identity, for maps keyed by set (keep the set alive beside the key,
    /// and check [`Origins::shares`], since a freed set's address can be reused).
    pub fn key(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    /// The names, as a slice: all of them, or the first ones when not complete.
    pub fn as_slice(&self) -> &[String] {
        &self.0.names
    }

    /// Whether the slice is the whole set.
    pub fn is_complete(&self) -> bool {
        self.0.complete
    }

    /// The size of the set: exact when complete, else a lower bound.
    pub fn count(&self) -> usize {
        self.0.at_least
    }

    /// [`name_some`] over the set, saying "and more" for a set only known in part.
    pub fn named(&self, max: usize, sep: &str) -> String {
        if self.is_complete() {
            return name_some(self.as_slice(), max, sep);
        }
        let mut out = name_some(&self.as_slice()[..max.min(self.len())], max, sep);
        out.push_str(" and more");
        out
    }
}

impl std::ops::Deref for Origins {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0.names
    }
}

impl From<Vec<String>> for Origins {
    fn from(v: Vec<String>) -> Self {
        Origins(Arc::new(OriginSet {
            at_least: v.len(),
            names: v.into(),
            complete: true,
        }))
    }
}

impl FromIterator<String> for Origins {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<_>>().into()
    }
}

impl PartialEq for Origins {
    fn eq(&self, other: &Self) -> bool {
        self.shares(other)
            || (self.0.names == other.0.names
                && self.0.complete == other.0.complete
                && self.0.at_least == other.0.at_least)
    }
}

impl PartialEq<Vec<String>> for Origins {
    fn eq(&self, other: &Vec<String>) -> bool {
        *self.0.names == **other
    }
}

impl PartialEq<[&str]> for Origins {
    fn eq(&self, other: &[&str]) -> bool {
        self.0.names.len() == other.len() && self.0.names.iter().zip(other).all(|(a, b)| a == b)
    }
}

/// Origins one action's cause lists inline in JSON (`actions[].cause.origins`, kept for
/// readers of the first v1 reports). A wide fan-in under a long chain gives each of n
/// misses the same k origins; listing all inline would make the document n × k names (a
/// crafted bundle: 900 MB). The whole set is written once in the report's `origin_sets`.
pub const MAX_ORIGINS_LISTED: usize = 100;

/// Names all distinct origin sets of one build may hold together (≈ 15 MB of names). A
/// "staircase" (package i imports package i-1 and a changed leaf of its own) gives every
/// miss a distinct set one name larger than the last: n misses, n²/2 names. Past the
/// budget a new set keeps its first [`MAX_ORIGINS_NAMED`] names and a lower bound of its
/// size, and the report warns. Real builds stay far below (Go's 606 dependents of an edit
/// in `strconv` share one set of one name).
pub const MAX_ORIGIN_SET_NAMES: usize = 250_000;

impl Serialize for Origins {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.names.iter().take(MAX_ORIGINS_LISTED))
    }
}

/// Serialises a table of origin sets with every name of each (the report's
/// `origin_sets`).
pub fn serialize_whole<S: serde::Serializer>(sets: &[Origins], s: S) -> Result<S::Ok, S::Error> {
    struct Whole<'a>(&'a Origins);
    impl Serialize for Whole<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_seq(self.0.0.names.iter())
        }
    }
    s.collect_seq(sets.iter().map(Whole))
}

impl<'de> Deserialize<'de> for Origins {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(d).map(Origins::from)
    }
}

/// Origins named in one line of text (a cause's detail, a table cell, a headline) before
/// the rest are counted: "a, b, c and 1,204 more". The JSON lists every one, once per
/// distinct set (`origin_sets`).
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
