//! What the module cache (GOMODCACHE) cost a build: which module versions were downloaded
//! (`go: downloading`, `modfetch/fetch.go`), the `-x` fetches of each (`web/http.go`), and
//! why: the CI cache did not restore GOMODCACHE, GOMODCACHE is not under a cached path,
//! `go.mod` changed a version (diffed against the baseline's `go list -m`), or the first run.
//! The report's `"module_cache"` section. Not for parsing (that is `ingest::testcache`).

use std::collections::BTreeMap;

use crate::model::{
    BuildData, CacheCause, CacheOpKind, CacheOpOutcome, JobTrace, ModuleCacheSection,
    ModuleDownload,
};

/// The `"module_cache"` section, when modules were downloaded or the module cache setup
/// is worth a word (vendor mode, GOMODCACHE outside the CI cache).
pub fn module_cache_section(
    current: &BuildData,
    baseline: Option<&BuildData>,
) -> Option<ModuleCacheSection> {
    let ev = &current.caches;
    let mut downloads: BTreeMap<(&str, &str), ModuleDownload> = BTreeMap::new();
    let zips = ev.fetches.iter().filter(|f| f.ok && f.file == "zip");
    let listed = ev.downloading.iter().map(|(m, v)| (m.as_str(), v.as_str()));
    for (module, version) in listed.chain(zips.map(|f| (f.module.as_str(), f.version.as_str()))) {
        // A fetched zip's module path may carry the proxy's path prefix: match by suffix.
        let module = ev
            .downloading
            .iter()
            .map(|(m, _)| m.as_str())
            .find(|m| *m == module || module.ends_with(&format!("/{m}")))
            .unwrap_or(module);
        downloads
            .entry((module, version))
            .or_insert_with(|| ModuleDownload {
                module: module.to_owned(),
                version: version.to_owned(),
                files: 0,
                bytes: None,
                ms: None,
            });
    }
    for d in downloads.values_mut() {
        let fetches = ev.fetches.iter().filter(|f| {
            f.ok && f.version == d.version
                && (f.module == d.module || f.module.ends_with(&format!("/{}", d.module)))
        });
        for f in fetches {
            d.files += 1;
            if let Some(ms) = f.ms {
                d.ms = Some(round3(d.ms.unwrap_or(0.0) + ms));
            }
        }
    }
    for d in downloads.values_mut() {
        d.bytes = ev
            .mod_download
            .iter()
            .find(|e| e.module == d.module && e.version == d.version)
            .and_then(|e| e.bytes());
    }
    let downloads: Vec<ModuleDownload> = downloads.into_values().collect();
    // `go mod download -json` lists every module it made sure of; with a `-x` trace, the
    // ones without a fetch came from GOMODCACHE. Without the trace, nobody can tell.
    let x_flag = current
        .build
        .meta
        .command
        .as_deref()
        .is_some_and(|c| c.split_whitespace().any(|a| a == "-x"));
    let traced = x_flag || ev.fetches_started > 0 || !ev.fetches.is_empty();
    let served_from_cache: Vec<String> = if traced {
        ev.mod_download
            .iter()
            .filter(|e| e.error.is_none())
            .filter(|e| {
                !downloads
                    .iter()
                    .any(|d| d.module == e.module && d.version == e.version)
            })
            .map(|e| format!("{}@{}", e.module, e.version))
            .collect()
    } else {
        Vec::new()
    };
    let vendor = ev
        .goflags
        .as_deref()
        .is_some_and(|f| f.split_whitespace().any(|a| a == "-mod=vendor"))
        || current
            .build
            .meta
            .command
            .as_deref()
            .is_some_and(|c| c.split_whitespace().any(|a| a == "-mod=vendor"));
    let job = current.job.as_ref();
    // In vendor mode GOMODCACHE is not read, so where it lives does not matter.
    let cached_path = job
        .filter(|_| !vendor)
        .and_then(|j| covered(j, ev.gomodcache.as_deref()));
    if downloads.is_empty() && served_from_cache.is_empty() && !vendor && cached_path != Some(false)
    {
        return None;
    }
    let download_ms = round3(downloads.iter().filter_map(|d| d.ms).sum());
    let cause = if vendor && downloads.is_empty() {
        Some(CacheCause {
            kind: "vendor",
            detail: "vendor mode (-mod=vendor): modules come from vendor/, no module cache is used"
                .into(),
            changed: vec![],
            action: None,
        })
    } else if downloads.is_empty() {
        None
    } else {
        Some(why_downloaded(current, baseline, &downloads, cached_path))
    };
    Some(ModuleCacheSection {
        gomodcache: ev.gomodcache.clone(),
        cached_path,
        goproxy: ev.goproxy.clone(),
        downloaded: downloads.len(),
        downloads,
        served_from_cache,
        download_ms,
        cause,
    })
}

/// The warning when GOMODCACHE is not under any path the job caches.
pub fn gomodcache_warning(section: &ModuleCacheSection) -> Option<String> {
    (section.cached_path == Some(false)).then(|| {
        format!(
            "GOMODCACHE ({}) is not under any path the job caches: every job downloads its modules again; set `GOPATH: $CI_PROJECT_DIR/.go` and cache `.go/pkg/mod/`",
            section.gomodcache.as_deref().unwrap_or("?")
        )
    })
}

fn why_downloaded(
    current: &BuildData,
    baseline: Option<&BuildData>,
    downloads: &[ModuleDownload],
    cached_path: Option<bool>,
) -> CacheCause {
    let cause = |kind, detail: String, changed| CacheCause {
        kind,
        detail,
        changed,
        action: None,
    };
    if let Some(job) = &current.job
        && let Some(op) = job.cache_ops.iter().find(|o| {
            o.op == CacheOpKind::Restore
                && matches!(o.outcome, CacheOpOutcome::Miss | CacheOpOutcome::Failed)
        })
    {
        let path = module_cache_path(job, current.caches.gomodcache.as_deref())
            .unwrap_or_else(|| "the module cache".to_owned());
        let path = if path.contains('/') || path.starts_with('.') {
            format!("the cache for {path}")
        } else {
            path
        };
        return cause(
            "cache-not-restored",
            format!(
                "{path} was not restored (key `{}`: {})",
                op.key.as_deref().unwrap_or("?"),
                op.detail.as_deref().unwrap_or(op.outcome.as_str())
            ),
            vec![],
        );
    }
    if cached_path == Some(false) {
        return cause(
            "not-cached",
            "GOMODCACHE is not under any path the job caches".into(),
            vec![],
        );
    }
    let Some(base) = baseline else {
        return cause(
            "cold",
            "the first run: the module cache was empty".into(),
            vec![],
        );
    };
    let before: BTreeMap<&str, Option<&str>> = base
        .build
        .modules
        .iter()
        .filter(|m| !m.main)
        .map(|m| (m.path.as_str(), m.version.as_deref()))
        .collect();
    let mut changed = Vec::new();
    let mut unexplained = Vec::new();
    for d in downloads {
        match before.get(d.module.as_str()) {
            Some(Some(v)) if *v == d.version => {
                unexplained.push(format!("{}@{}", d.module, d.version))
            }
            Some(Some(v)) => changed.push(format!("{} {v} → {}", d.module, d.version)),
            _ => changed.push(format!("{} (new) {}", d.module, d.version)),
        }
    }
    if unexplained.is_empty() {
        return cause(
            "version-changed",
            format!(
                "go.mod / go.sum changed versions since the baseline: {}",
                changed.join(", ")
            ),
            changed,
        );
    }
    cause(
        "cache-not-restored",
        format!(
            "the baseline already had {}: GOMODCACHE no longer held them (emptied, or the CI cache did not restore it)",
            unexplained.join(", ")
        ),
        changed,
    )
}

/// Whether GOMODCACHE is under a path the job's cache ops name; `None` when either is unknown.
fn covered(job: &JobTrace, gomodcache: Option<&str>) -> Option<bool> {
    let gomodcache = gomodcache?;
    let paths: Vec<String> = job
        .cache_ops
        .iter()
        .flat_map(|c| c.paths.iter().map(|p| absolute(job, p)))
        .collect();
    if paths.is_empty() {
        return None;
    }
    Some(paths.iter().any(|p| {
        let p = p.trim_end_matches('/');
        gomodcache == p || gomodcache.starts_with(&format!("{p}/"))
    }))
}

/// The cached path that holds the module cache, relative to the checkout (`.go/pkg/mod`).
fn module_cache_path(job: &JobTrace, gomodcache: Option<&str>) -> Option<String> {
    let paths = job.cache_ops.iter().flat_map(|c| c.paths.iter());
    let path = paths.into_iter().find(|p| {
        let abs = absolute(job, p);
        let abs = abs.trim_end_matches('/');
        match gomodcache {
            Some(m) => m == abs || m.starts_with(&format!("{abs}/")),
            None => abs.ends_with("pkg/mod"),
        }
    })?;
    let abs = absolute(job, path);
    let rel = match &job.build_dir {
        Some(dir) => abs
            .strip_prefix(dir.trim_end_matches('/'))
            .map(|r| r.trim_start_matches('/').to_owned())
            .unwrap_or(abs.clone()),
        None => abs.clone(),
    };
    Some(rel.trim_end_matches('/').to_owned())
}

fn absolute(job: &JobTrace, p: &str) -> String {
    match (&job.build_dir, p.starts_with('/')) {
        (Some(dir), false) => format!(
            "{}/{}",
            dir.trim_end_matches('/'),
            p.trim_start_matches("./")
        ),
        _ => p.to_owned(),
    }
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
