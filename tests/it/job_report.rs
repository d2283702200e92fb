//! The GitLab job in the report: the job section from real runner traces, and the join of
//! the trace's cache restore with the build's misses (`cache-not-restored`).
//! Traces come from `../shared/gitlab-traces/` (not copied here); the tests say so and skip
//! where that folder is absent, and fail under `CI=true`.

use goattrib::model::{CacheOpOutcome, CauseKind, JobOutcome, Report};

use crate::harness::{joined, report, scenario, shared_trace, shared_traces};

const MISS_TRACE: &str = "runner-13.12-docker-go-unit-test-cache-miss-then-save.log";
const HIT_TRACE: &str = "gitlab-foss-sample_trace-runner-10.6-docker-cache-hit.log";

#[test]
fn a_job_log_alone_gives_the_job_timeline_and_cache_table() {
    let Some(trace) = shared_trace(MISS_TRACE) else {
        return;
    };
    let r = report(&[trace], None);
    let job = r.job.expect("job section");
    assert_eq!(job.runner_version.as_deref(), Some("13.12.0-rc1"));
    assert_eq!(job.executor.as_deref(), Some("docker+machine"));
    assert_eq!(job.status, JobOutcome::Success);
    assert_eq!(job.duration_ms, Some(310_000.0));
    let step = job
        .sections
        .iter()
        .find(|s| s.name == "step_script")
        .unwrap();
    assert_eq!(
        (step.start_ms, step.duration_ms),
        (Some(134_000.0), Some(172_000.0))
    );
    let restore = &job.cache[0];
    assert_eq!(
        (restore.key.as_deref(), restore.outcome),
        (Some("unit test 1/8-v13-12-0-2"), CacheOpOutcome::Miss)
    );
    assert_eq!(job.cache[1].outcome, CacheOpOutcome::Saved);
    assert_eq!(job.fresh_clone, Some(true));
}

#[test]
fn failed_restore_turns_evicted_misses_into_cache_not_restored() {
    let Some(trace) = shared_trace(MISS_TRACE) else {
        return;
    };
    let r = report(&[scenario("evicted"), trace], Some(&[scenario("warm2")]));
    for p in [
        "example.com/shop/internal/money",
        "example.com/shop/internal/report",
    ] {
        let a = r
            .actions
            .iter()
            .find(|a| a.mode == "build" && a.package == p)
            .unwrap();
        let c = a.cause.as_ref().unwrap();
        assert_eq!(c.kind, CauseKind::CacheNotRestored, "{p}");
        assert!(
            c.detail.contains("unit test 1/8-v13-12-0-2"),
            "{}",
            c.detail
        );
        assert!(c.hint.contains("fallback"), "{}", c.hint);
    }
    // The link reruns whenever its output is missing: not the cache's doing.
    let link = r.actions.iter().find(|a| a.mode == "link").unwrap();
    assert_eq!(link.cause.as_ref().unwrap().kind, CauseKind::NotCached);
    // The bundle is the truth for the build: the trace's own Go test output is not counted.
    assert_eq!(r.summary.packages.total, 67);
    // The job caches .gocache-false/ but this build's GOCACHE lives elsewhere: say so.
    assert!(
        r.warnings.iter().any(|w| w.starts_with(
            "GOCACHE (/tmp/goattrib-fixtures/gocache) is not under any path the job caches"
        )),
        "{:?}",
        r.warnings
    );
    let value = r.job.unwrap().cache_value.unwrap();
    assert_eq!((value.restore_ms, value.save_ms), (1000.0, 1000.0));
    assert!(value.avoided_ms > 0.0);
}

#[test]
fn restored_cache_leaves_evicted_misses_alone() {
    let Some(trace) = shared_trace(HIT_TRACE) else {
        return;
    };
    let r = report(&[scenario("evicted"), trace], Some(&[scenario("warm2")]));
    let kinds: Vec<CauseKind> = r
        .actions
        .iter()
        .filter(|a| a.mode == "build")
        .filter_map(|a| a.cause.as_ref().map(|c| c.kind))
        .collect();
    assert_eq!(kinds, vec![CauseKind::Evicted, CauseKind::Evicted]);
    assert_eq!(r.job.unwrap().cache[0].outcome, CacheOpOutcome::Hit);
}

#[test]
fn a_cold_build_in_a_job_whose_restore_missed_is_cache_not_restored() {
    let Some(trace) = shared_trace(MISS_TRACE) else {
        return;
    };
    let r = report(&[scenario("cold"), trace], None);
    let kinds: std::collections::BTreeSet<CauseKind> = r
        .actions
        .iter()
        .filter(|a| a.mode == "build")
        .filter_map(|a| a.cause.as_ref().map(|c| c.kind))
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        vec![CauseKind::CacheNotRestored]
    );
}

#[test]
fn every_shared_trace_reports_without_error() {
    let Some(dir) = shared_traces() else { return };
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "log") {
            let r = report(std::slice::from_ref(&path), None);
            assert!(r.job.is_some(), "{}", path.display());
            n += 1;
        }
    }
    assert_eq!(n, 11);
}

fn package_causes(r: &Report) -> std::collections::BTreeMap<CauseKind, usize> {
    let mut m = std::collections::BTreeMap::new();
    for a in r.actions.iter().filter(|a| a.mode == "build") {
        if let Some(c) = &a.cause {
            *m.entry(c.kind).or_insert(0) += 1;
        }
    }
    m
}

#[test]
fn joined_restore_failed_makes_every_package_miss_cache_not_restored() {
    let r = report(
        &[
            joined("restore-failed/bundle"),
            joined("restore-failed/job.log.gz"),
        ],
        Some(&[joined("baseline")]),
    );
    assert_eq!(
        package_causes(&r),
        [(CauseKind::CacheNotRestored, 67)].into_iter().collect()
    );
    let job = r.job.unwrap();
    assert_eq!(job.cache[0].outcome, CacheOpOutcome::Miss);
    assert_eq!(job.executor.as_deref(), Some("docker+machine"));
}

#[test]
fn joined_same_build_with_a_restore_hit_stays_evicted() {
    // Only the restore_cache section differs from restore-failed's log.
    let r = report(
        &[
            joined("restore-failed/bundle"),
            joined("restore-ok-same-build/job.log.gz"),
        ],
        Some(&[joined("baseline")]),
    );
    assert_eq!(
        package_causes(&r),
        [(CauseKind::Evicted, 67)].into_iter().collect()
    );
}

#[test]
fn joined_restore_ok_has_no_package_misses() {
    let r = report(
        &[joined("restore-ok/bundle"), joined("restore-ok/job.log.gz")],
        Some(&[joined("baseline")]),
    );
    assert_eq!(r.summary.packages.misses, 0);
    assert_eq!(r.job.unwrap().cache[0].outcome, CacheOpOutcome::Hit);
}

#[test]
fn a_job_log_alone_reads_the_go_x_output_inside_it() {
    let r = report(&[joined("restore-failed/job.log.gz")], None);
    let p = &r.summary.packages;
    assert_eq!((p.total, p.hits, p.misses), (67, 0, 67));
    // No baseline and nothing cached, in a job whose restore missed.
    assert_eq!(
        package_causes(&r),
        [(CauseKind::CacheNotRestored, 67)].into_iter().collect()
    );
    let r = report(&[joined("restore-ok/job.log.gz")], None);
    let p = &r.summary.packages;
    assert_eq!((p.total, p.hits, p.misses), (67, 67, 0));
}

#[test]
fn the_bundle_wins_over_the_go_output_in_the_log() {
    let with_log = report(
        &[
            joined("restore-ok/bundle"),
            joined("restore-failed/job.log.gz"),
        ],
        None,
    );
    // The log's -x text says 67 misses; the bundle (the truth) says 67 hits.
    assert_eq!(with_log.summary.packages.hits, 67);
    assert_eq!(with_log.summary.packages.total, 67);
}

#[test]
fn without_line_times_the_go_build_is_placed_at_the_end_of_the_script() {
    let r = report(
        &[
            joined("restore-failed/bundle"),
            joined("restore-failed/job.log.gz"),
        ],
        None,
    );
    let job = r.job.expect("job section");
    assert_eq!(
        job.go_command.as_deref(),
        Some("goattrib record --show-commands -o build-bundle -- go build -o bin/ ./...")
    );
    assert_eq!(job.go_build_placed_by, Some("script-end"));
    let step = job
        .sections
        .iter()
        .find(|s| s.name == "step_script")
        .unwrap();
    let script_end = step.start_ms.unwrap() + step.duration_ms.unwrap();
    let go = job.go_build_ms.expect("the bundle's wall time");
    assert!(go > 0.0);
    assert_eq!(job.go_build_start_ms, Some(script_end - go));
}

/// The real 18.7 FF_TIMESTAMPS trace, with its one script command (`$ make test REPORTS=1`)
/// renamed to the Go command it runs, keeping the runner's time for that line.
#[test]
fn with_ff_timestamps_the_go_build_starts_at_its_command_line() {
    let Some(trace) =
        shared_trace("runner-18.7-ff-timestamps-docker-machine-excerpt.no-esc-no-cr.log")
    else {
        return;
    };
    let text = std::fs::read_to_string(trace).unwrap();
    assert!(text.contains("$ make test REPORTS=1"));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("job.log");
    std::fs::write(
        &log,
        text.replace("$ make test REPORTS=1", "$ go test ./..."),
    )
    .unwrap();
    let r = report(&[scenario("go-test"), log], None);
    let job = r.job.clone().expect("job section");
    assert_eq!(job.go_command.as_deref(), Some("go test ./..."));
    assert_eq!(job.go_build_placed_by, Some("command-time"));
    // 09:47:58.676964 (the command line) - 09:47:05.094219 (the first line), in whole ms.
    assert_eq!(job.go_build_start_ms, Some(53_582.0));
    let charts = goattrib::render::svg::charts(&r).expect("charts");
    let chart = charts
        .iter()
        .find(|c| c.file_name == "job-timeline.svg")
        .expect("job timeline");
    assert!(chart.alt.contains("the Go build took"), "{}", chart.alt);
    assert!(!chart.alt.contains("approximate"), "{}", chart.alt);
}

/// The moved pair (`fixtures/joined/moved/`, EXPECTED.md "The moved pair"): the same project
/// built on the same GOCACHE, first in checkout A (`…/builds/runner-1/shop`), then in a fresh
/// copy at checkout B (`…/builds/runner-2/shop`); each job log's get_sources names its checkout
/// and both restores hit. A and B are derived from that layout, not from the work directory
/// compose.sh ran in.
const MOVED_MISSES: [&str; 6] = [
    "example.com/shop/cmd/shop",
    "example.com/shop/internal/cart",
    "example.com/shop/internal/money",
    "example.com/shop/internal/native",
    "example.com/shop/internal/report",
    "example.org/fmtx",
];

fn moved_report(baseline_job_log: bool) -> Report {
    let mut baseline = vec![joined("moved/baseline-bundle")];
    if baseline_job_log {
        baseline.push(joined("moved/baseline-job.log.gz"));
    }
    report(
        &[joined("moved/bundle"), joined("moved/job.log.gz")],
        Some(&baseline),
    )
}

/// The two checkouts, A and B, from the current job's build directory.
fn moved_dirs(r: &Report) -> (String, String) {
    let b = r
        .job
        .as_ref()
        .and_then(|j| j.build_dir.clone())
        .expect("build dir");
    let root = b
        .strip_suffix("/builds/runner-2/shop")
        .unwrap_or_else(|| panic!("{b} is not checkout B"));
    (format!("{root}/builds/runner-1/shop"), b)
}

#[test]
fn joined_moved_workdir_misses_name_both_build_directories() {
    let r = moved_report(true);
    let (a, b) = moved_dirs(&r);
    let job = r.job.as_ref().unwrap();
    // As the frame says: `Initialized empty Git repository`, `Created fresh repository.`.
    assert_eq!(job.fresh_clone, Some(true));
    assert_eq!(job.cache[0].outcome, CacheOpOutcome::Hit);
    // The baseline's own job log names checkout A.
    let base = report(
        &[
            joined("moved/baseline-bundle"),
            joined("moved/baseline-job.log.gz"),
        ],
        None,
    );
    assert_eq!(base.job.unwrap().build_dir.as_deref(), Some(a.as_str()));
    assert_eq!(base.summary.packages.misses, 0);

    let p = &r.summary.packages;
    assert_eq!((p.total, p.hits, p.misses), (67, 61, 6));
    assert_eq!(
        package_causes(&r),
        [(CauseKind::Workdir, 6)].into_iter().collect()
    );
    let workdir: Vec<&str> = r
        .actions
        .iter()
        .filter(|a| a.mode == "build")
        .filter(|a| {
            a.cause
                .as_ref()
                .is_some_and(|c| c.kind == CauseKind::Workdir)
        })
        .map(|a| a.package.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(workdir, MOVED_MISSES);
    let moved = format!("(the job's build directory moved: {a} → {b})");
    for act in r.actions.iter().filter(|x| x.mode == "build") {
        let Some(c) = &act.cause else { continue };
        assert!(c.detail.ends_with(&moved), "{}: {}", act.package, c.detail);
        // The bundles' own package directories, under A and under B.
        assert!(
            c.changed
                .iter()
                .any(|ch| ch.starts_with("package directory: ")
                    && ch.contains(&format!("{a}/"))
                    && ch.contains(&format!(" → {b}/"))),
            "{}: {:?}",
            act.package,
            c.changed
        );
    }
    // Both restores hit: nothing, the link and cgo steps included, is cache-not-restored.
    assert!(
        r.actions
            .iter()
            .filter_map(|x| x.cause.as_ref())
            .all(|c| c.kind != CauseKind::CacheNotRestored)
    );
}

#[test]
fn joined_moved_without_the_baseline_job_log_names_only_the_package_directories() {
    // The join needs both jobs' build directories; the causes themselves come from the bundles.
    let r = moved_report(false);
    let (a, b) = moved_dirs(&r);
    assert_eq!(
        package_causes(&r),
        [(CauseKind::Workdir, 6)].into_iter().collect()
    );
    for act in r.actions.iter().filter(|x| x.mode == "build") {
        let Some(c) = &act.cause else { continue };
        assert!(!c.detail.contains("build directory moved"), "{}", c.detail);
        assert!(c.detail.contains(&format!("{a}/")), "{}", c.detail);
        assert!(c.detail.contains(&format!(" → {b}/")), "{}", c.detail);
    }
}
