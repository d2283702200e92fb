//! `compare` for the test and module caches: test packages that ran in HEAD but were
//! replayed (or absent) in BASE, and module versions HEAD downloaded that BASE did not, each
//! with HEAD's cause. Reads both sides through serde views of `"tests"` / `"module_cache"`.

use serde::Deserialize;

use crate::model::compare::{NewDownload, NewTestRerun};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TestsView {
    #[serde(default)]
    pub results: Vec<TestResultView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TestResultView {
    pub package: String,
    #[serde(default)]
    pub cached: bool,
    pub cause: Option<CauseView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CauseView {
    pub kind: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ModuleCacheView {
    #[serde(default)]
    pub downloads: Vec<DownloadView>,
    pub cause: Option<CauseView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DownloadView {
    pub module: String,
    pub version: String,
}

/// Test packages HEAD re-ran that BASE replayed or did not run at all, by package.
pub fn new_test_reruns(base: Option<&TestsView>, head: Option<&TestsView>) -> Vec<NewTestRerun> {
    let Some(head) = head else {
        return Vec::new();
    };
    let ran_in_base = |p: &str| {
        base.is_some_and(|b| {
            b.results
                .iter()
                .any(|r| r.package == p && r.cause.is_some())
        })
    };
    let mut out: Vec<NewTestRerun> = head
        .results
        .iter()
        .filter_map(|r| Some((r, r.cause.as_ref()?)))
        .filter(|(r, _)| !ran_in_base(&r.package))
        .map(|(r, c)| NewTestRerun {
            package: r.package.clone(),
            kind: c.kind.clone(),
            detail: c.detail.clone(),
            changed: c.changed.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.package.cmp(&b.package));
    out
}

/// Module versions HEAD downloaded and BASE did not, with HEAD's cause of its downloads.
pub fn new_downloads(
    base: Option<&ModuleCacheView>,
    head: Option<&ModuleCacheView>,
) -> Vec<NewDownload> {
    let Some(head) = head else {
        return Vec::new();
    };
    let in_base = |d: &DownloadView| {
        base.is_some_and(|b| {
            b.downloads
                .iter()
                .any(|x| x.module == d.module && x.version == d.version)
        })
    };
    let mut out: Vec<NewDownload> = head
        .downloads
        .iter()
        .filter(|d| !in_base(d))
        .map(|d| NewDownload {
            module: d.module.clone(),
            version: d.version.clone(),
            cause: head
                .cause
                .as_ref()
                .map_or("unknown".to_owned(), |c| c.kind.clone()),
            detail: head
                .cause
                .as_ref()
                .map(|c| c.detail.clone())
                .unwrap_or_default(),
        })
        .collect();
    out.sort_by(|a, b| (&a.module, &a.version).cmp(&(&b.module, &b.version)));
    out
}
