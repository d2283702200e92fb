//! The module cache (issue 12): which module versions each capture downloaded, the `-x`
//! fetches of each and the cause, exactly as `fixtures/scenarios/TRUTHS-caches.md` says;
//! a job log alone; `compare`'s newly downloaded modules; no proxy password anywhere.

use std::path::PathBuf;

use goattrib::model::Report;

use crate::harness::{report, root, scenario, scenario_report};

fn downloads(r: &Report) -> Vec<(String, usize)> {
    r.module_cache
        .as_ref()
        .map(|m| {
            m.downloads
                .iter()
                .map(|d| (format!("{}@{}", d.module, d.version), d.files))
                .collect()
        })
        .unwrap_or_default()
}

fn kind(r: &Report) -> Option<&str> {
    r.module_cache.as_ref()?.cause.as_ref().map(|c| c.kind)
}

fn caches(name: &str) -> PathBuf {
    root().join("fixtures/scenarios/.caches").join(name)
}

fn dl(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    list.iter().map(|(m, n)| (m.to_string(), *n)).collect()
}

#[test]
fn cold_downloads_both_modules() {
    let r = scenario_report("mod-cold", None);
    // The recorded build's stderr has only the zip fetches (TRUTHS: the .mod/.info fetches
    // went to record's parallel `go list -m`).
    assert_eq!(
        downloads(&r),
        dl(&[
            ("example.org/colorx@v1.2.0", 1),
            ("example.org/textx@v1.0.0", 1)
        ])
    );
    assert_eq!(kind(&r), Some("cold"));
    let m = r.module_cache.as_ref().unwrap();
    assert_eq!(m.downloaded, 2);
    assert_eq!(m.download_ms, 158.0);
    assert!(
        m.gomodcache
            .as_deref()
            .unwrap()
            .ends_with("/banner/.go/pkg/mod")
    );
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("secret"), "the proxy password leaked");
    // Go's `Redacted` form: the user name stays, the password becomes a fingerprint.
    assert!(
        json.contains("https://user:<redacted:"),
        "the proxy is shown redacted: {json}"
    );
}

#[test]
fn the_x_twin_counts_info_mod_and_zip_per_module() {
    let r = report(&[caches("mod-cold-x").join("stderr.gz")], None);
    assert_eq!(
        downloads(&r),
        dl(&[
            ("example.org/colorx@v1.2.0", 3),
            ("example.org/textx@v1.0.0", 3)
        ])
    );
    let r = report(&[caches("mod-emptied-x").join("stderr.gz")], None);
    assert_eq!(
        downloads(&r),
        dl(&[
            ("example.org/colorx@v1.2.0", 3),
            ("example.org/textx@v1.1.0", 3),
            ("example.org/units@v0.3.0", 3)
        ])
    );
}

#[test]
fn warm_downloads_nothing() {
    let r = scenario_report("mod-warm", Some("mod-cold"));
    assert!(r.module_cache.is_none());
}

#[test]
fn a_bump_names_the_versions_that_changed() {
    let r = scenario_report("mod-bump", Some("mod-warm"));
    assert_eq!(
        downloads(&r),
        dl(&[
            ("example.org/textx@v1.1.0", 1),
            ("example.org/units@v0.3.0", 1)
        ])
    );
    assert_eq!(kind(&r), Some("version-changed"));
    let c = r.module_cache.as_ref().unwrap().cause.as_ref().unwrap();
    assert_eq!(
        c.changed,
        vec![
            "example.org/textx v1.0.0 → v1.1.0",
            "example.org/units (new) v0.3.0"
        ]
    );
}

#[test]
fn an_emptied_module_cache_downloads_everything_again() {
    let r = scenario_report("mod-emptied", Some("mod-bump"));
    assert_eq!(
        downloads(&r),
        dl(&[
            ("example.org/colorx@v1.2.0", 1),
            ("example.org/textx@v1.1.0", 1),
            ("example.org/units@v0.3.0", 1)
        ])
    );
    assert_eq!(kind(&r), Some("cache-not-restored"));
}

#[test]
fn a_job_log_alone_says_the_module_cache_was_not_restored() {
    let r = report(&[caches("mod-emptied.job.log.gz")], None);
    assert_eq!(kind(&r), Some("cache-not-restored"));
    assert_eq!(r.module_cache.as_ref().unwrap().downloaded, 3);
    // This capture's terminal output still has record's `# get` lines (record now keeps them
    // out of the terminal), hence a time; a re-capture gives the sentence without one.
    let h = goattrib::render::caches::headline(&r).unwrap_or_default();
    assert!(
        h.starts_with("3 modules downloaded")
            && h.ends_with(": the cache for .go/pkg/mod was not restored"),
        "{h}"
    );
    let c = r.module_cache.as_ref().unwrap().cause.as_ref().unwrap();
    assert!(
        c.detail
            .contains("key `unit test 1/8-v13-12-0-2`: FATAL: file does not exist")
    );
}

#[test]
fn gomodcache_outside_the_cached_paths_is_a_warning() {
    // mod-cold's GOMODCACHE with the text-env job log, whose cache holds only `.gocache-false/`.
    let r = report(&[scenario("mod-cold"), caches("text-env.job.log.gz")], None);
    let m = r.module_cache.as_ref().unwrap();
    assert_eq!(m.cached_path, Some(false));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("GOMODCACHE (") && w.contains("GOPATH: $CI_PROJECT_DIR/.go")),
        "{:?}",
        r.warnings
    );
    assert_eq!(kind(&r), Some("not-cached"));
}

#[test]
fn compare_lists_the_newly_downloaded_modules() {
    let c =
        goattrib::analysis::compare::compare_paths(&scenario("mod-warm"), &scenario("mod-bump"))
            .expect("compares");
    let got: Vec<(String, &str)> = c
        .new_downloads
        .iter()
        .map(|d| (format!("{}@{}", d.module, d.version), d.cause.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("example.org/textx@v1.1.0".to_owned(), "version-changed"),
            ("example.org/units@v0.3.0".to_owned(), "version-changed")
        ]
    );
}
