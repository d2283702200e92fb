//! The test result cache (issue 12): which packages of each `go test` capture ran and why,
//! exactly as `fixtures/scenarios/TRUTHS-caches.md` says; plain-text runs and a job log
//! alone; `compare`'s newly re-run tests; no env value ever reaches an output.

use std::path::PathBuf;

use goattrib::model::Report;

use crate::harness::{report, root, scenario, scenario_report};

const PKGS: [&str; 4] = ["clock", "config", "mathx", "stats"];

/// `(package tail, cached, cause kind)` for the four packages with tests, in order.
fn rows(r: &Report) -> Vec<(String, bool, Option<String>)> {
    let t = r.tests.as_ref().expect("a tests section");
    t.results
        .iter()
        .filter(|x| x.package != "example.com/tc/cmd/tctool")
        .map(|x| {
            (
                x.package.trim_start_matches("example.com/tc/").to_owned(),
                x.cached,
                x.cause.as_ref().map(|c| c.kind.to_owned()),
            )
        })
        .collect()
}

/// Packages that ran, with their cause kinds; every other package is `(cached)`.
fn check(name: &str, base: Option<&str>, ran: &[(&str, &str)]) -> Report {
    let r = scenario_report(name, base);
    let t = r.tests.as_ref().expect("a tests section");
    let tctool = t
        .results
        .iter()
        .find(|x| x.package == "example.com/tc/cmd/tctool")
        .expect("tctool listed");
    assert_eq!(
        tctool.outcome,
        goattrib::model::TestOutcome::NoTestFiles,
        "{name}"
    );
    assert!(tctool.cause.is_none());
    let want: Vec<(String, bool, Option<String>)> = PKGS
        .iter()
        .map(|p| match ran.iter().find(|(q, _)| q == p) {
            Some((_, kind)) => (p.to_string(), false, Some(kind.to_string())),
            None => (p.to_string(), true, None),
        })
        .collect();
    assert_eq!(rows(&r), want, "{name} against {base:?}");
    assert_eq!((t.packages, t.ran), (4, ran.len()), "{name}");
    r
}

fn cause_of<'a>(r: &'a Report, pkg: &str) -> &'a goattrib::model::CacheCause {
    r.tests
        .as_ref()
        .and_then(|t| t.results.iter().find(|x| x.package.ends_with(pkg)))
        .and_then(|x| x.cause.as_ref())
        .expect("a cause")
}

#[test]
fn cold_run_reruns_everything_as_cold() {
    let all: Vec<(&str, &str)> = PKGS.iter().map(|p| (*p, "cold")).collect();
    check("test-cold", None, &all);
    check("go1.23-test", None, &all);
}

#[test]
fn cached_and_an_edit_that_leaves_the_binary_identical_replay_everything() {
    let r = check("test-cached", Some("test-cold"), &[]);
    assert_eq!(r.tests.as_ref().unwrap().cache_rate, Some(1.0));
    // mathx.go gained an unused func: its compile ran, yet the linked binary is the same and
    // Go's second lookup (by content ID) hits.
    let r = check("test-edit-dead", Some("test-cached"), &[]);
    assert!(
        r.actions
            .iter()
            .any(|a| a.package.starts_with("example.com/tc/mathx")
                && a.cache == goattrib::model::CacheOutcome::Miss)
    );
}

#[test]
fn a_source_edit_reruns_mathx_and_stats_because_their_test_binary_changed() {
    let r = check(
        "test-edit",
        Some("test-edit-dead"),
        &[("mathx", "binary"), ("stats", "binary")],
    );
    let mathx = cause_of(&r, "mathx");
    assert!(
        mathx.detail.contains("source: mathx.go changed"),
        "{}",
        mathx.detail
    );
    let stats = cause_of(&r, "stats");
    assert!(stats.detail.contains("dependency"), "{}", stats.detail);
    // Linked to the build action whose cause it is.
    let id = stats.action.expect("linked to an action");
    let a = r.actions.iter().find(|a| a.id == id).expect("that action");
    assert_eq!(
        a.package,
        "example.com/tc/stats [example.com/tc/stats.test]"
    );
    assert_eq!(a.cache, goattrib::model::CacheOutcome::Miss);
}

#[test]
fn an_env_var_read_by_the_tests_is_named_never_its_value() {
    let r = check("test-env", Some("test-edit"), &[("clock", "env")]);
    let c = cause_of(&r, "clock");
    assert_eq!(c.changed, vec!["CI_JOB_STARTED_AT"]);
    let json = serde_json::to_string(&r).unwrap();
    for secret in [
        "2026-12-01T19:30:00Z",
        "2026-12-01T19:00:00Z",
        "gocachetest=1,gocachehash=1",
    ] {
        assert!(!json.contains(secret), "{secret} leaked into the report");
    }
    let md = goattrib::render::markdown::write(&r);
    assert!(
        md.contains("CI\\_JOB\\_STARTED\\_AT") && !md.contains("2026-12-01T19"),
        "{md}"
    );
}

#[test]
fn a_changed_testdata_file_is_named_relative_to_the_module_as_size_and_mtime() {
    let r = check("test-file", Some("test-env"), &[("config", "file")]);
    let c = cause_of(&r, "config");
    assert_eq!(c.changed, vec!["config/testdata/config.txt"]);
    assert!(
        c.detail.contains("size and mtime, not its content"),
        "{}",
        c.detail
    );
}

#[test]
fn a_file_touched_just_before_the_run_is_too_new() {
    let r = check("test-too-new", Some("test-file"), &[("config", "too-new")]);
    assert_eq!(
        cause_of(&r, "config").changed,
        vec!["config/testdata/config.txt"]
    );
}

#[test]
fn count1_makes_every_package_uncacheable() {
    let all: Vec<(&str, &str)> = PKGS.iter().map(|p| (*p, "uncacheable")).collect();
    let r = check("test-count1", Some("test-file"), &all);
    assert_eq!(
        cause_of(&r, "clock").changed,
        vec!["test argument -test.count=1"]
    );
}

#[test]
fn a_failing_package_is_never_cached() {
    let r = check("test-fail", Some("test-file"), &[("stats", "failed")]);
    let c = cause_of(&r, "stats");
    assert!(c.detail.contains("binary"), "{}", c.detail);
    let r = check("test-fail-again", Some("test-fail"), &[("stats", "failed")]);
    let c = cause_of(&r, "stats");
    assert!(c.detail.contains("failed in the baseline"), "{}", c.detail);
}

fn caches(name: &str) -> PathBuf {
    root().join("fixtures/scenarios/.caches").join(name)
}

#[test]
fn plain_text_runs_give_the_same_results() {
    let results = |name: &str| {
        let r = report(&[caches(name).join("output.gz")], None);
        rows(&r)
            .into_iter()
            .map(|(p, cached, _)| (p, cached))
            .collect::<Vec<_>>()
    };
    let all = |cached: bool| {
        PKGS.iter()
            .map(|p| (p.to_string(), cached))
            .collect::<Vec<_>>()
    };
    assert_eq!(results("text-first"), all(false));
    assert_eq!(results("text-cached"), all(true));
    assert_eq!(results("text-go1.23-first"), all(false));
    assert_eq!(results("text-go1.23-cached"), all(true));
    let mut env = all(true);
    env[0].1 = false;
    assert_eq!(results("text-env"), env);
    let mut fail = all(true);
    fail[3].1 = false;
    assert_eq!(results("text-fail"), fail);
    let r = report(&[caches("text-count1").join("output.gz")], None);
    assert!(
        rows(&r)
            .iter()
            .all(|(_, c, k)| !c && k.as_deref() == Some("uncacheable"))
    );
}

#[test]
fn a_job_log_alone_says_which_tests_reran() {
    let r = report(&[caches("text-env.job.log.gz")], None);
    assert_eq!(
        rows(&r),
        vec![
            ("clock".into(), false, Some("inputs".into())),
            ("config".into(), true, None),
            ("mathx".into(), true, None),
            ("stats".into(), true, None),
        ]
    );
    assert_eq!(
        goattrib::render::caches::headline(&r).as_deref(),
        Some("1 of 4 test packages re-ran: 1 because an env var or file the tests read changed")
    );
}

#[test]
fn the_headline_names_the_env_var() {
    let r = scenario_report("test-env", Some("test-edit"));
    assert_eq!(
        goattrib::render::caches::headline(&r).as_deref(),
        Some("1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the tests")
    );
}

#[test]
fn compare_lists_the_newly_rerun_tests_with_their_causes() {
    let c =
        goattrib::analysis::compare::compare_paths(&scenario("test-edit"), &scenario("test-env"))
            .expect("compares");
    let got: Vec<(&str, &str)> = c
        .new_test_reruns
        .iter()
        .map(|r| (r.package.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(got, vec![("example.com/tc/clock", "env")]);
    let c = goattrib::analysis::compare::compare_paths(
        &scenario("test-edit-dead"),
        &scenario("test-edit"),
    )
    .expect("compares");
    let got: Vec<(&str, &str)> = c
        .new_test_reruns
        .iter()
        .map(|r| (r.package.as_str(), r.kind.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("example.com/tc/mathx", "binary"),
            ("example.com/tc/stats", "binary")
        ]
    );
}

#[test]
fn max_test_reruns_gate_fails_with_exit_3() {
    let o = crate::harness::run_report(
        &[
            "--max-test-reruns",
            "0",
            "--baseline",
            scenario("test-edit").to_str().unwrap(),
        ],
        &[&scenario("test-env")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", crate::harness::stderr(&o));
    assert!(crate::harness::stderr(&o).contains("max-test-reruns 0: 1 test package(s) ran"));
}

#[test]
fn the_report_folder_shows_tests_in_html_markdown_and_metrics_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let o = crate::harness::run_report(
        &[
            "--out",
            dir.path().to_str().unwrap(),
            "--baseline",
            scenario("test-edit").to_str().unwrap(),
        ],
        &[&scenario("test-env")],
    );
    assert_eq!(o.status.code(), Some(0), "{}", crate::harness::stderr(&o));
    let html = crate::harness::read(dir.path(), "index.html");
    assert!(html.contains("Test results and module downloads"));
    assert!(html.contains("env: the tests read $CI_JOB_STARTED_AT"));
    let metrics = crate::harness::read(dir.path(), "metrics.txt");
    assert!(
        metrics.contains("\ngoattrib_test_cache_rate 0.75\n"),
        "{metrics}"
    );
    assert!(metrics.contains("\ngoattrib_tests_ran 1\n"), "{metrics}");
    for f in ["index.html", "summary.md", "metrics.txt", "report.json"] {
        let text = crate::harness::read(dir.path(), f);
        assert!(
            !text.contains("2026-12-01T19"),
            "an env value leaked into {f}"
        );
    }
}

#[test]
fn a_manifest_baseline_without_test_results_is_said_not_guessed() {
    let r = report(
        &[scenario("test-env")],
        Some(&[scenario("test-edit").join("manifest.json.gz")]),
    );
    assert_eq!(rows(&r)[0], ("clock".into(), false, Some("inputs".into())));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.starts_with("the baseline is a version-1 manifest"))
    );
}
