//! Integration tests of the GitLab job trace parser on the real traces in
//! `../shared/gitlab-traces/` (see SOURCES.md there). Expected values were read off the
//! bytes by hand (marker seconds, FF_TIMESTAMPS times) and are hard-coded as truths.
//! Without that folder the tests skip with a printed line, and fail under `CI=true`.

use goattrib::ingest::gitlab_trace::{
    CacheOp, CacheOpKind, CacheOpOutcome, JobOutcome, JobTrace, MAX_LINE_BYTES, TraceOptions,
    parse, parse_with, sniff,
};
use std::io::{BufReader, Read};

use crate::harness::{joined, peak_heap_growth, shared_trace, shared_traces};

/// Parses one shared trace; `None` (test skipped, or failed under `CI=true`) when the
/// folder is absent.
fn load(name: &str) -> Option<JobTrace> {
    let path = shared_trace(name)?;
    let file =
        std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    Some(parse(BufReader::new(file)).unwrap_or_else(|e| panic!("parse {name}: {e}")))
}

fn sections(t: &JobTrace) -> Vec<(&str, u64)> {
    t.sections
        .iter()
        .map(|s| (s.name.as_str(), s.duration_ms.expect("duration")))
        .collect()
}

fn assert_flat_and_closed(t: &JobTrace) {
    for s in &t.sections {
        assert_eq!(s.parent, None, "{}", s.name);
        assert!(s.closed, "{}", s.name);
    }
}

fn script_texts(t: &JobTrace) -> Vec<&str> {
    t.script_lines.iter().map(|l| l.text.as_str()).collect()
}

fn cache(op: &CacheOp) -> (CacheOpKind, Option<&str>, CacheOpOutcome, Option<&str>) {
    (op.op, op.key.as_deref(), op.outcome, op.detail.as_deref())
}

#[test]
fn every_shared_trace_parses_cleanly() {
    let Some(dir) = shared_traces() else { return };
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "log") {
            continue;
        }
        count += 1;
        let bytes = std::fs::read(&path).expect("read");
        assert!(
            sniff(&bytes[..bytes.len().min(4096)]),
            "sniff {}",
            path.display()
        );
        let t = parse(&bytes[..]).expect("parse");
        assert!(
            t.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            t.warnings
        );
        assert!(!t.sections.is_empty(), "{}", path.display());
        for l in &t.script_lines {
            assert!(
                !l.text.contains('\u{1b}') && !l.text.contains('\r'),
                "{}: {:?}",
                path.display(),
                l.text
            );
        }
    }
    assert_eq!(count, 11, "the shared folder should hold 11 traces");
}

#[test]
fn runner_13_12_docker_machine_cache_miss_then_save() {
    let Some(t) = load("runner-13.12-docker-go-unit-test-cache-miss-then-save.log") else {
        return;
    };
    assert_eq!(t.runner.version.as_deref(), Some("13.12.0-rc1"));
    assert_eq!(t.runner.revision.as_deref(), Some("b21d5c5b"));
    assert_eq!(t.runner.name.as_deref(), Some("gitlab-org-docker"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("ih9XD9p3"));
    assert_eq!(t.runner.system_id, None);
    assert_eq!(
        t.runner.feature_flags,
        vec![
            "FF_GITLAB_REGISTRY_HELPER_IMAGE:true",
            "FF_SKIP_DOCKER_MACHINE_PROVISION_ON_CREATION_FAILURE:true"
        ]
    );
    assert_eq!(t.executor.as_deref(), Some("docker+machine"));
    assert_eq!(
        t.image.as_deref(),
        Some("registry.gitlab.com/gitlab-org/gitlab-runner/ci:1.13.8-12")
    );
    assert_eq!(
        sections(&t),
        vec![
            ("resolve_secrets", 0),
            ("prepare_executor", 47_000),
            ("prepare_script", 27_000),
            ("get_sources", 54_000),
            ("restore_cache", 1_000),
            ("download_artifacts", 5_000),
            ("step_script", 172_000),
            ("archive_cache", 1_000),
            ("upload_artifacts_on_success", 2_000),
            ("cleanup_file_variables", 1_000),
        ]
    );
    assert_flat_and_closed(&t);
    assert_eq!(t.sections[0].start_ms, Some(1_621_524_382_000));
    assert_eq!(
        (t.sections[6].start_line, t.sections[6].end_line),
        (47, Some(2572))
    );
    // Restore: the pre-14.9 helper's FATAL on a 404, then the runner's verdict.
    assert_eq!(t.cache_ops.len(), 2, "{:?}", t.cache_ops);
    assert_eq!(
        cache(&t.cache_ops[0]),
        (
            CacheOpKind::Restore,
            Some("unit test 1/8-v13-12-0-2"),
            CacheOpOutcome::Miss,
            Some("FATAL: file does not exist")
        )
    );
    assert_eq!(t.cache_ops[0].line, 34);
    assert_eq!(t.cache_ops[0].section.as_deref(), Some("restore_cache"));
    assert_eq!(t.cache_ops[0].duration_ms, Some(1_000));
    assert_eq!(
        cache(&t.cache_ops[1]),
        (
            CacheOpKind::Save,
            Some("unit test 1/8-v13-12-0-2"),
            CacheOpOutcome::Saved,
            None
        )
    );
    assert_eq!(
        t.cache_ops[1].paths,
        vec!["/builds/gitlab-org/gitlab-runner/.gocache-false/"]
    );
    assert_eq!(
        t.cache_ops[1].url.as_deref(),
        Some(
            "https://storage.googleapis.com/gitlab-org-ci-runners-cache/project/250833/unit%20test%201/8-v13-12-0-2"
        )
    );
    assert_eq!(t.cache_ops[1].duration_ms, Some(1_000));
    assert_eq!(
        t.build_dir.as_deref(),
        Some("/builds/gitlab-org/gitlab-runner")
    );
    assert_eq!(t.fresh_clone, Some(true));
    assert_eq!((t.outcome, t.exit_code), (JobOutcome::Success, None));
    assert_eq!(
        (t.start_ms, t.end_ms),
        (Some(1_621_524_382_000), Some(1_621_524_692_000))
    );
    assert!(!t.has_timestamps);
    // Go output is kept for later modules; the go tests' own "cache" log lines are not
    // mistaken for cache operations.
    let texts = script_texts(&t);
    assert_eq!(texts.first().copied(), Some("$ mkdir -p \"$GOCACHE\""));
    assert!(texts.contains(&"go: downloading github.com/BurntSushi/toml v0.3.1"));
    assert!(texts.contains(&"=== RUN   TestCacheOperations"));
    assert!(
        t.script_lines
            .iter()
            .all(|l| l.section.as_deref() == Some("step_script"))
    );
    assert_eq!(t.script_lines.iter().filter(|l| l.is_command).count(), 3);
    // The file ends with the old-style `\e[0;m` and no newline: one more line than `wc -l`.
    assert_eq!(t.lines, 2591);
}

#[test]
fn runner_11_4_docker_short_success() {
    let Some(t) = load("runner-11.4-docker-short-success.log") else {
        return;
    };
    assert_eq!(t.runner.version.as_deref(), Some("11.4.0-rc1"));
    assert_eq!(t.runner.revision.as_deref(), Some("1ff344e1"));
    assert_eq!(t.runner.name.as_deref(), Some("docker-auto-scale"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("ed2dce3a"));
    assert_eq!(t.executor.as_deref(), Some("docker"));
    assert_eq!(t.image.as_deref(), Some("alpine:3.7"));
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_script", 2_000),
            ("get_sources", 12_000),
            ("restore_cache", 2_000),
            ("download_artifacts", 1_000),
            ("build_script", 2_000),
            ("after_script", 1_000),
            ("archive_cache", 2_000),
            ("upload_artifacts_on_success", 1_000),
        ]
    );
    assert_flat_and_closed(&t);
    assert!(
        t.cache_ops.is_empty(),
        "empty cache sections: {:?}",
        t.cache_ops
    );
    assert_eq!(
        t.build_dir.as_deref(),
        Some("/builds/gitlab-org/gitlab-runner")
    );
    assert_eq!(t.fresh_clone, Some(true));
    assert_eq!(
        script_texts(&t),
        vec![
            "$ unset GPG_KEY",
            "$ if [ \"$(cat gl-code-quality-report.json)\" != \"[]\" ] ; then # collapsed multi-line command"
        ]
    );
    assert_eq!(t.outcome, JobOutcome::Success);
    assert_eq!(
        (t.start_ms, t.end_ms),
        (Some(1_540_587_289_000), Some(1_540_587_312_000))
    );
}

#[test]
fn runner_11_4_docker_artifacts_no_matching_files() {
    let Some(t) = load("runner-11.4-docker-build-artifacts-no-matching-files.log") else {
        return;
    };
    assert_eq!(t.runner.version.as_deref(), Some("11.4.0-rc1"));
    assert_eq!(t.runner.name.as_deref(), Some("prm-com-gitlab-org"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("bd091556"));
    assert_eq!(t.executor.as_deref(), Some("docker"));
    assert_eq!(
        t.image.as_deref(),
        Some("registry.gitlab.com/gitlab-org/gitlab-runner/ci:1.8.7-0")
    );
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_script", 1_000),
            ("get_sources", 13_000),
            ("restore_cache", 2_000),
            ("download_artifacts", 9_000),
            ("build_script", 45_000),
            ("after_script", 2_000),
            ("archive_cache", 1_000),
            ("upload_artifacts_on_success", 19_000),
        ]
    );
    assert_flat_and_closed(&t);
    // `WARNING: out/rpm/: no matching files` belongs to the artifacts upload, not a cache.
    assert!(t.cache_ops.is_empty(), "{:?}", t.cache_ops);
    assert_eq!(t.fresh_clone, Some(true));
    assert_eq!(t.outcome, JobOutcome::Success);
}

#[test]
fn runner_10_6_docker_cache_hit_and_policy_skip() {
    let Some(t) = load("gitlab-foss-sample_trace-runner-10.6-docker-cache-hit.log") else {
        return;
    };
    assert_eq!(t.runner.version.as_deref(), Some("10.6.0"));
    assert_eq!(t.runner.revision.as_deref(), Some("a3543a27"));
    assert_eq!(t.runner.name.as_deref(), Some("docker-auto-scale-com"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("30d62d59"));
    assert_eq!(t.executor.as_deref(), Some("docker"));
    assert_eq!(
        t.image.as_deref(),
        Some(
            "dev.gitlab.org:5005/gitlab/gitlab-build-images:ruby-2.3.6-golang-1.9-git-2.16-chrome-63.0-node-8.x-yarn-1.2-postgresql-9.6"
        )
    );
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_script", 1_000),
            ("get_sources", 9_000),
            ("restore_cache", 15_000),
            ("download_artifacts", 13_000),
            ("build_script", 373_000),
            ("after_script", 1_000),
            ("archive_cache", 1_000),
            ("upload_artifacts", 4_000),
        ]
    );
    assert_flat_and_closed(&t);
    assert_eq!(t.cache_ops.len(), 2, "{:?}", t.cache_ops);
    assert_eq!(
        cache(&t.cache_ops[0]),
        (
            CacheOpKind::Restore,
            Some("ruby-2.3.6-with-yarn"),
            CacheOpOutcome::Hit,
            None
        )
    );
    assert_eq!(
        t.cache_ops[0].url.as_deref(),
        Some(
            "http://runners-cache-5-internal.gitlab.com:444/runner/project/13083/ruby-2.3.6-with-yarn"
        )
    );
    // Alone in restore_cache, no FF_TIMESTAMPS: the section's whole seconds.
    assert_eq!(t.cache_ops[0].duration_ms, Some(15_000));
    assert_eq!(t.cache_ops[0].line, 43);
    assert_eq!(
        cache(&t.cache_ops[1]),
        (
            CacheOpKind::Save,
            Some("ruby-2.3.6-with-yarn"),
            CacheOpOutcome::Skipped,
            Some("Not uploading cache ruby-2.3.6-with-yarn due to policy")
        )
    );
    assert_eq!(t.cache_ops[1].duration_ms, None);
    // "Fetching changes for master with git depth set to 20..." alone: reuse not proven.
    assert_eq!((t.build_dir.as_deref(), t.fresh_clone), (None, None));
    assert_eq!(t.outcome, JobOutcome::Success);
    let texts = script_texts(&t);
    assert_eq!(
        texts.get(..2),
        Some(&["$ bundle --version", "Bundler version 1.16.1"][..])
    );
    assert!(texts.contains(&"819 examples, 0 failures, 92 pending"));
    assert_eq!(texts.last().copied(), Some("Thu Apr  5 11:25:14 UTC 2018"));
    assert_eq!(
        t.script_lines.last().and_then(|l| l.section.as_deref()),
        Some("after_script")
    );
    assert_eq!(t.lines, 3434);
}

const K8S_SECTIONS: [(&str, u64); 8] = [
    ("prepare_script", 3_000),
    ("get_sources", 1_000),
    ("restore_cache", 0),
    ("download_artifacts", 0),
    ("build_script", 1_000),
    ("after_script", 0),
    ("archive_cache", 0),
    ("upload_artifacts", 0),
];

fn assert_kitsune_header(t: &JobTrace) {
    assert_eq!(t.runner.version.as_deref(), Some("dev"));
    assert_eq!(t.runner.revision.as_deref(), Some("HEAD"));
    assert_eq!(t.runner.name.as_deref(), Some("kitsune minikube"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("a21b584f"));
    assert_eq!(t.executor.as_deref(), Some("kubernetes"));
    assert_eq!(t.image.as_deref(), Some("alpine:3.4"));
    assert_eq!(t.build_dir.as_deref(), Some("/nolith/ci-tests"));
    assert_eq!(t.fresh_clone, Some(true));
}

#[test]
fn kubernetes_chained_markers_with_cr() {
    let Some(t) = load("gitlab-foss-trace_with_sections-kubernetes-cr-preserved.log") else {
        return;
    };
    assert_kitsune_header(&t);
    assert_eq!(sections(&t), K8S_SECTIONS.to_vec());
    assert_flat_and_closed(&t);
    // Five markers share line 12: get_sources end … build_script start.
    let lines: Vec<_> = t
        .sections
        .iter()
        .map(|s| (s.start_line, s.end_line))
        .collect();
    assert_eq!(lines[2], (12, Some(12)));
    assert_eq!(lines[4], (12, Some(14)));
    assert!(t.cache_ops.is_empty());
    assert_eq!(script_texts(&t), vec!["$ whoami", "root"]);
    assert_eq!(t.outcome, JobOutcome::Success);
    assert_eq!(
        (t.start_ms, t.end_ms),
        (Some(1_506_004_954_000), Some(1_506_004_959_000))
    );
}

#[test]
fn kubernetes_trace_saved_twice_keeps_both_copies() {
    let Some(t) = load("gitlab-foss-trace_with_duplicate_sections-kubernetes.log") else {
        return;
    };
    assert_kitsune_header(&t);
    let twice: Vec<_> = K8S_SECTIONS
        .iter()
        .chain(K8S_SECTIONS.iter())
        .copied()
        .collect();
    assert_eq!(sections(&t), twice);
    assert_flat_and_closed(&t);
    assert_eq!(t.sections[8].start_line, 21);
    assert_eq!(
        script_texts(&t),
        vec!["$ whoami", "root", "$ whoami", "root"]
    );
    assert_eq!(t.outcome, JobOutcome::Success);
    assert_eq!(t.lines, 30);
}

#[test]
fn markers_only_shell_failed() {
    let Some(t) = load("markers-only-shell-job-failed-cr-preserved.log") else {
        return;
    };
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_executor", 18_000),
            ("prepare_script", 1_000),
            ("get_sources", 1_000),
            ("restore_cache", 0),
            ("download_artifacts", 2_000),
            ("build_script", 1_052_000),
            ("after_script", 1_000),
            ("upload_artifacts_on_failure", 2_000),
        ]
    );
    assert_flat_and_closed(&t);
    assert_eq!(t.outcome, JobOutcome::Failed);
    assert_eq!(t.exit_code, Some(1));
    assert_eq!(t.outcome_detail.as_deref(), Some("exit status 1"));
    assert_eq!(t.runner.version, None);
    assert_eq!(t.executor, None);
    assert!(t.script_lines.is_empty());
}

#[test]
fn markers_only_shell_succeeded() {
    let Some(t) = load("markers-only-shell-job-succeeded-cr-preserved.log") else {
        return;
    };
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_executor", 20_000),
            ("prepare_script", 0),
            ("get_sources", 26_000),
            ("restore_cache", 1_000),
            ("download_artifacts", 0),
            ("build_script", 140_000),
            ("after_script", 1_000),
            ("archive_cache", 0),
            ("upload_artifacts_on_success", 2_000),
        ]
    );
    assert_flat_and_closed(&t);
    assert_eq!((t.outcome, t.exit_code), (JobOutcome::Success, None));
    assert_eq!(
        (t.start_ms, t.end_ms),
        (Some(1_699_347_040_000), Some(1_699_347_230_000))
    );
}

fn assert_example_runner(t: &JobTrace) {
    assert_eq!(t.runner.version.as_deref(), Some("16.3.0"));
    assert_eq!(t.runner.revision.as_deref(), Some("8ec04662"));
    assert_eq!(t.runner.name.as_deref(), Some("example-runner"));
    assert_eq!(t.runner.token_or_id.as_deref(), Some("zbF4zAjwx"));
    assert_eq!(t.runner.system_id.as_deref(), Some("s_18faf34db374"));
    assert_eq!(t.executor.as_deref(), Some("shell"));
    assert_eq!(t.image, None);
    assert_eq!(
        t.build_dir.as_deref(),
        Some("/home/gitlab-runner/builds/zbF4zAjwx/0/root/test-project")
    );
    assert_eq!(t.fresh_clone, Some(false));
    assert_eq!(t.outcome, JobOutcome::Success);
}

#[test]
fn runner_16_3_shell_cr_preserved() {
    let Some(t) = load("runner-16.3-shell-bash-cr-preserved.from-readme-caret.log") else {
        return;
    };
    assert_example_runner(&t);
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_executor", 0),
            ("prepare_script", 0),
            ("get_sources", 0),
            ("step_script", 7_000),
            ("after_script", 6_000),
        ]
    );
    assert_flat_and_closed(&t);
    assert_eq!(
        script_texts(&t),
        vec![
            "$ echo \"before_script1\"",
            "before_script1",
            "$ sleep 5",
            "$ echo \"before_script2\"",
            "before_script2",
            "$ echo \"script1\"",
            "script1",
            "$ sleep 2",
            "$ echo \"script2\"",
            "script2",
            "$ echo \"after_script1\"",
            "after_script1",
            "$ sleep 6",
            "$ echo \"after_script2\"",
            "after_script2",
        ]
    );
    assert_eq!(t.script_lines[10].section.as_deref(), Some("after_script"));
}

#[test]
fn runner_16_3_shell_cr_turned_into_lf() {
    let Some(t) = load("runner-16.3-shell-bash-success.log") else {
        return;
    };
    assert_example_runner(&t);
    assert_eq!(
        sections(&t),
        vec![
            ("prepare_executor", 0),
            ("prepare_script", 0),
            ("get_sources", 1_000),
            ("step_script", 10_000),
            ("after_script", 6_000),
        ]
    );
    assert_flat_and_closed(&t);
    let texts = script_texts(&t);
    assert_eq!(texts.len(), 23);
    assert!(texts.contains(&"$ echo 'this # collapsed multi-line command"));
    assert!(texts.contains(&"newlines"));
}

#[test]
fn runner_18_7_ff_timestamps_without_esc_or_cr() {
    let Some(t) = load("runner-18.7-ff-timestamps-docker-machine-excerpt.no-esc-no-cr.log") else {
        return;
    };
    assert!(t.has_timestamps);
    assert_eq!(
        t.runner.version.as_deref(),
        Some("18.7.0~pre.433.g3a5f2314")
    );
    assert_eq!(t.runner.revision.as_deref(), Some("3a5f2314"));
    assert_eq!(
        t.runner.name.as_deref(),
        Some("green-5.saas-linux-small-amd64.runners-manager.gitlab.com/default")
    );
    assert_eq!(t.runner.token_or_id.as_deref(), Some("xS6Vzpvoq"));
    assert_eq!(t.runner.system_id.as_deref(), Some("s_6b1e4f06fcfd"));
    assert_eq!(t.executor.as_deref(), Some("docker+machine"));
    assert_eq!(t.image.as_deref(), Some("golang:1.24"));
    // Line times (µs, floored to ms), not the whole-second marker values.
    let got: Vec<_> = t
        .sections
        .iter()
        .map(|s| (s.name.as_str(), s.start_ms, s.end_ms, s.duration_ms))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "prepare_executor",
                Some(1_768_988_825_094),
                Some(1_768_988_846_583),
                Some(21_489)
            ),
            (
                "prepare_script",
                Some(1_768_988_846_583),
                Some(1_768_988_850_249),
                Some(3_666)
            ),
            (
                "get_sources",
                Some(1_768_988_850_249),
                Some(1_768_988_851_725),
                Some(1_476)
            ),
            (
                "restore_cache",
                Some(1_768_988_851_725),
                Some(1_768_988_878_161),
                Some(26_436)
            ),
            (
                "step_script",
                Some(1_768_988_878_161),
                Some(1_768_988_945_237),
                Some(67_076)
            ),
            (
                "after_script",
                Some(1_768_988_945_286),
                Some(1_768_988_945_787),
                Some(501)
            ),
        ]
    );
    assert_flat_and_closed(&t);
    assert_eq!(t.cache_ops.len(), 1, "{:?}", t.cache_ops);
    let op = &t.cache_ops[0];
    assert_eq!(
        cache(op),
        (
            CacheOpKind::Restore,
            Some("v0-23-0-protected"),
            CacheOpOutcome::Hit,
            None
        )
    );
    assert_eq!(
        op.url.as_deref(),
        Some(
            "https://storage.googleapis.com/gitlab-com-runners-cache/project/50817395/v0-23-0-protected"
        )
    );
    // 09:47:32.188078 (Checking) → 09:47:49.222685 (Successfully extracted).
    assert_eq!(op.duration_ms, Some(17_034));
    assert_eq!(op.line, 33);
    assert_eq!(
        t.build_dir.as_deref(),
        Some("/builds/gitlab-exporter/gitlab-exporter")
    );
    assert_eq!(t.fresh_clone, Some(true));
    assert_eq!((t.outcome, t.exit_code), (JobOutcome::Unknown, None));
    assert_eq!(
        (t.start_ms, t.end_ms),
        (Some(1_768_988_825_094), Some(1_768_988_945_787))
    );
    let cmd = t.script_lines.first().expect("script lines");
    assert_eq!(cmd.text, "$ make test REPORTS=1");
    assert!(cmd.is_command);
    assert_eq!(cmd.ms, Some(1_768_988_878_676));
    assert_eq!(cmd.stream.map(|s| (s.number, s.stderr)), Some((1, false)));
    assert_eq!(
        script_texts(&t),
        vec![
            "$ make test REPORTS=1",
            "Testing ./exporter/...",
            "",
            "DONE 2 tests in 0.016s",
            "$ echo \"METRIC_go_test_success 1\"",
            "METRIC_go_test_success 1",
            "$ echo \"METRIC_go_test_runtime{ref=\\\"$CI_COMMIT_REF_NAME\\\",short_sha=\\\"$CI_COMMIT_SHORT_SHA\\\"} $go_test_runtime\"",
            "METRIC_go_test_runtime{ref=\"main\",short_sha=\"eb48b511\"} 0.016",
            "",
        ]
    );
}

#[test]
fn script_lines_can_be_skipped_on_a_real_trace() {
    let Some(dir) = shared_traces() else { return };
    let bytes =
        std::fs::read(dir.join("runner-13.12-docker-go-unit-test-cache-miss-then-save.log"))
            .expect("read");
    let lean = parse_with(
        &bytes[..],
        &TraceOptions {
            keep_script_lines: false,
        },
    )
    .expect("parse");
    let full = parse(&bytes[..]).expect("parse");
    assert!(lean.script_lines.is_empty());
    assert_eq!(lean.sections, full.sections);
    assert_eq!(lean.cache_ops, full.cache_ops);
}

/// Without script lines kept, whole runs of script output are skipped unread (`skip.rs`):
/// the result must be exactly what reading every line gives, at any buffer size.
#[test]
fn skipping_unread_script_output_changes_nothing() {
    let Some(dir) = shared_traces() else { return };
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "log") {
            inputs.push((
                path.display().to_string(),
                std::fs::read(&path).expect("read"),
            ));
        }
    }
    for name in ["restore-failed", "restore-ok", "moved"] {
        let path = joined(name).join("job.log.gz");
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("open")),
            &mut bytes,
        )
        .expect("gunzip");
        inputs.push((path.display().to_string(), bytes));
    }
    assert!(inputs.len() >= 14, "{} traces", inputs.len());
    let lean_opts = TraceOptions {
        keep_script_lines: false,
    };
    for (name, bytes) in &inputs {
        let mut full = parse(&bytes[..]).expect("parse");
        full.script_lines.clear();
        for capacity in [7, 300, 8 * 1024, 1 << 20] {
            let lean = parse_with(BufReader::with_capacity(capacity, &bytes[..]), &lean_opts)
                .expect("parse");
            assert_eq!(lean, full, "{name} read {capacity} bytes at a time");
        }
    }
}

#[test]
fn json_uses_lowercase_enums() {
    let Some(t) = load("runner-13.12-docker-go-unit-test-cache-miss-then-save.log") else {
        return;
    };
    let v = serde_json::to_value(&t).expect("json");
    assert_eq!(v["outcome"], "success");
    assert_eq!(v["cache_ops"][0]["op"], "restore");
    assert_eq!(v["cache_ops"][0]["outcome"], "miss");
    assert_eq!(v["sections"][0]["name"], "resolve_secrets");
}

#[test]
fn sniff_rejects_other_formats() {
    assert!(!sniff(
        br#"{"ImportPath":"example.com/x","Action":"build-output"}"#
    ));
    assert!(!sniff(b"WORK=/tmp/go-build3141\nmkdir -p $WORK/b001/\ncat >/tmp/go-build3141/b001/importcfg << 'EOF' # internal\n"));
    assert!(!sniff(include_bytes!("../../Cargo.toml")));
}

/// Produces `len` bytes of `x` on demand, never holding them.
struct Lazy(usize);

impl Read for Lazy {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.min(buf.len());
        buf.get_mut(..n).unwrap_or_default().fill(b'x');
        self.0 -= n;
        Ok(n)
    }
}

#[test]
fn hundred_megabyte_line_in_bounded_memory() {
    const SIZE: usize = 100 * 1024 * 1024;
    let head = &b"section_start:1:step_script\r\x1b[0K\n$ go build -x\n"[..];
    let tail = &b"\nsection_end:9:step_script\r\x1b[0K\x1b[32;1mJob succeeded\x1b[0;m\n"[..];
    let reader = BufReader::with_capacity(64 * 1024, head.chain(Lazy(SIZE)).chain(tail));
    let (t, grew) = peak_heap_growth(|| parse(reader).expect("parse"));
    assert!(
        grew < 4 * 1024 * 1024,
        "parser held {grew} bytes at its peak"
    );
    assert_eq!(t.script_lines.len(), 2);
    assert_eq!(t.script_lines[1].text.len(), MAX_LINE_BYTES);
    assert_eq!(t.sections[0].duration_ms, Some(8_000));
    assert_eq!(t.outcome, JobOutcome::Success);
    assert_eq!(t.warnings.len(), 1, "{:?}", t.warnings);
}
