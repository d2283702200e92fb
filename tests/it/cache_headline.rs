//! The caches in the headline (issue 12): the first lines of `report`'s terminal output,
//! of summary.md and of the HTML page say how many test packages re-ran and why and how
//! many modules were downloaded and why — from a job log alone too.

use std::path::PathBuf;

use crate::harness::{read, root, run_report, scenario, stderr, stdout};

fn caches_dir() -> PathBuf {
    root().join("fixtures/scenarios/.caches")
}

#[test]
fn the_terminal_headline_says_why_tests_reran() {
    let o = run_report(
        &["--baseline", scenario("test-edit").to_str().unwrap()],
        &[&scenario("test-env")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().take(2).collect();
    assert_eq!(
        lines,
        vec![
            "All 141 package compiles came from the build cache.",
            "1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the tests."
        ]
    );
}

#[test]
fn a_job_log_alone_opens_with_the_module_downloads_and_their_cause() {
    let o = run_report(&[], &[&caches_dir().join("mod-emptied.job.log.gz")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().next(),
        Some("3 modules downloaded (205.0 ms): the cache for .go/pkg/mod was not restored.")
    );
    let o = run_report(&[], &[&caches_dir().join("text-env.job.log.gz")]);
    assert_eq!(
        stdout(&o).lines().next(),
        Some("1 of 4 test packages re-ran: 1 because an env var or file the tests read changed.")
    );
}

#[test]
fn summary_md_and_the_page_carry_the_same_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let o = run_report(
        &[
            "--out",
            dir.path().to_str().unwrap(),
            "--baseline",
            scenario("test-edit").to_str().unwrap(),
        ],
        &[&scenario("test-env")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = read(dir.path(), "summary.md");
    let head: Vec<&str> = md.lines().take(5).collect();
    assert_eq!(
        head,
        vec![
            "### goattrib: Go build cache",
            "",
            "All 141 package compiles came from the build cache.",
            "",
            "1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the tests."
        ]
    );
    let html = read(dir.path(), "index.html");
    assert!(
        html.contains(
            "<p class=\"answer\">1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the tests.</p>"
        ),
        "{html}"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = run_report(
        &["--out", dir.path().to_str().unwrap()],
        &[&caches_dir().join("mod-emptied.job.log.gz")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = read(dir.path(), "summary.md");
    assert_eq!(
        md.lines().nth(4),
        Some("3 modules downloaded (205.0 ms): the cache for .go/pkg/mod was not restored.")
    );
}
