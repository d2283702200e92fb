//! The GitLab job around a build: where the job's time went (sections, cache operations),
//! and the join no other tool makes: a build whose misses are `evicted` or `cold` in a job
//! whose cache restore missed or failed was not served because the CI cache never arrived.
//!
//! Reads the typed [`JobTrace`]; nothing here splits log lines (that is `ingest::gitlab_trace`).

use crate::ingest::gitlab_trace::{CacheOpKind, CacheOpOutcome, GoCommand, JobTrace};
use crate::model::{
    Action, CacheOutcome, CacheValue, Cause, CauseKind, JobCacheOp, JobSection, JobSectionTime, ms,
};

/// Sections the runner runs the job's own script in (`step_<name>`, `build_script` before 13.1).
fn is_script_section(name: &str) -> bool {
    name.starts_with("step_") || name == "build_script"
}

/// The restore attempt that decided the job's cache: the last one, since fallback keys
/// are tried in order until one hits.
fn failed_restore(job: &JobTrace) -> Option<&crate::ingest::gitlab_trace::CacheOp> {
    let restores: Vec<_> = job
        .cache_ops
        .iter()
        .filter(|c| c.op == CacheOpKind::Restore)
        .collect();
    if restores.iter().any(|c| c.outcome == CacheOpOutcome::Hit) {
        return None;
    }
    restores
        .into_iter()
        .rev()
        .find(|c| matches!(c.outcome, CacheOpOutcome::Miss | CacheOpOutcome::Failed))
}

/// Rewrites `evicted` and `cold` misses as `cache-not-restored` when the job trace shows the
/// restore missed or failed; adds both build directories to `workdir` causes when the
/// baseline's job ran elsewhere.
pub fn join_causes(
    causes: &mut [Option<Cause>],
    actions: &[Action],
    job: Option<&JobTrace>,
    baseline_job: Option<&JobTrace>,
) {
    let Some(job) = job else { return };
    if let Some(restore) = failed_restore(job) {
        let key = restore.key.as_deref().unwrap_or("(no key)");
        let message = restore.detail.as_deref().unwrap_or("the restore failed");
        for (a, cause) in actions.iter().zip(causes.iter_mut()) {
            let Some(c) = cause else { continue };
            // A link reruns whenever its output file is missing, cache or not.
            if a.mode == crate::model::Mode::Link
                || !matches!(c.kind, CauseKind::Evicted | CauseKind::Cold)
            {
                continue;
            }
            let was = c.kind;
            c.kind = CauseKind::CacheNotRestored;
            c.detail = format!(
                "the job's cache restore for key `{key}` did not hit ({message}), so GOCACHE started without this entry (was: {was})"
            );
            c.hint = format!(
                "the key `{key}` had no entry on this runner: add cache:fallback_keys or use a shared distributed cache"
            );
        }
    }
    let dirs = (
        baseline_job.and_then(|b| b.build_dir.as_deref()),
        job.build_dir.as_deref(),
    );
    if let (Some(before), Some(after)) = dirs
        && before != after
    {
        for c in causes
            .iter_mut()
            .flatten()
            .filter(|c| c.kind == CauseKind::Workdir)
        {
            c.detail = format!(
                "{} (the job's build directory moved: {before} → {after})",
                c.detail
            );
        }
    }
}

/// A warning when the job caches paths but GOCACHE is not under any of them: then the CI
/// cache never carries the Go build cache, however well it restores.
pub fn gocache_warning(job: &JobTrace, gocache: Option<&str>) -> Option<String> {
    let gocache = gocache?;
    let paths: Vec<&str> = job
        .cache_ops
        .iter()
        .flat_map(|c| c.paths.iter().map(String::as_str))
        .collect();
    if paths.is_empty() {
        return None;
    }
    let absolute = |p: &str| match (&job.build_dir, p.starts_with('/')) {
        (Some(dir), false) => format!(
            "{}/{}",
            dir.trim_end_matches('/'),
            p.trim_start_matches("./")
        ),
        _ => p.to_owned(),
    };
    let covered = paths.iter().any(|p| {
        let p = absolute(p);
        let p = p.trim_end_matches('/');
        gocache == p || gocache.starts_with(&format!("{p}/"))
    });
    (!covered).then(|| {
        format!(
            "GOCACHE ({gocache}) is not under any path the job caches ({}): the CI cache does not carry the Go build cache",
            paths.join(", ")
        )
    })
}

/// The job section of the report.
pub fn job_section(
    job: &JobTrace,
    actions: &[Action],
    baseline: Option<&[Action]>,
    go_wall_ns: Option<i64>,
    command: Option<&str>,
) -> JobSection {
    let start = job.start_ms;
    let sections: Vec<JobSectionTime> = job
        .sections
        .iter()
        .map(|s| JobSectionTime {
            name: s.name.clone(),
            start_ms: s
                .start_ms
                .zip(start)
                .map(|(s, j)| s.saturating_sub(j) as f64),
            duration_ms: s.duration_ms.map(|d| d as f64),
            parent: s.parent.clone(),
            closed: s.closed,
        })
        .collect();
    let cache: Vec<JobCacheOp> = job
        .cache_ops
        .iter()
        .map(|c| JobCacheOp {
            op: c.op,
            key: c.key.clone(),
            outcome: c.outcome,
            duration_ms: c.duration_ms.map(|d| d as f64),
            detail: c.detail.clone(),
            paths: c.paths.clone(),
        })
        .collect();
    let script_ms: Option<f64> = job
        .sections
        .iter()
        .filter(|s| is_script_section(&s.name))
        .filter_map(|s| s.duration_ms)
        .map(|d| d as f64)
        .reduce(|a, b| a + b);
    let go_build_ms = go_wall_ns.map(ms);
    let go_share_of_script = go_build_ms
        .zip(script_ms)
        .filter(|(_, s)| *s > 0.0)
        .map(|(g, s)| ((g / s).min(1.0) * 1000.0).round() / 1000.0);
    let command = go_command(job, command);
    let (go_build_start_ms, go_build_placed_by) = match (command.and_then(|c| c.ms), start) {
        (Some(at), Some(job_start)) => (
            Some(at.saturating_sub(job_start) as f64),
            Some("command-time"),
        ),
        _ => match (script_end_ms(job, start), go_build_ms) {
            (Some(end), Some(go)) => (Some((end - go).max(0.0)), Some("script-end")),
            _ => (None, None),
        },
    };
    let duration_ms = job
        .start_ms
        .zip(job.end_ms)
        .map(|(s, e)| e.saturating_sub(s) as f64);
    JobSection {
        runner_version: job.runner.version.clone(),
        runner_name: job.runner.name.clone(),
        executor: job.executor.clone(),
        image: job.image.clone(),
        status: job.outcome,
        status_detail: job.outcome_detail.clone(),
        exit_code: job.exit_code,
        duration_ms,
        started_unix_ms: start,
        build_dir: job.build_dir.clone(),
        fresh_clone: job.fresh_clone,
        has_timestamps: job.has_timestamps,
        sections,
        cache_value: cache_value(job, actions, baseline),
        cache,
        go_build_ms,
        go_share_of_script,
        go_build_start_ms,
        go_build_placed_by,
        go_command: command.map(|c| c.text.trim_start_matches("$ ").to_owned()),
    }
}

/// The script command that ran the recorded build: the one that ran `goattrib record`, else
/// the one that contains the recorded Go command, else the only Go build the script ran.
fn go_command<'a>(job: &'a JobTrace, recorded: Option<&str>) -> Option<&'a GoCommand> {
    let commands = &job.go_commands;
    commands
        .iter()
        .find(|c| c.text.contains("goattrib record"))
        .or_else(|| {
            let recorded = recorded?.trim();
            commands.iter().find(|c| c.text.contains(recorded))
        })
        .or_else(|| (commands.len() == 1).then(|| &commands[0]))
}

/// End of the last script section, relative to the job's start.
fn script_end_ms(job: &JobTrace, start: Option<i64>) -> Option<f64> {
    let start = start?;
    job.sections
        .iter()
        .filter(|s| is_script_section(&s.name))
        .filter_map(|s| s.end_ms)
        .max()
        .map(|end| end.saturating_sub(start) as f64)
}

/// Section time of the cache stages: the ops' own durations when timestamps gave them,
/// else the whole-second section durations.
fn stage_ms(job: &JobTrace, op: CacheOpKind, sections: &[&str]) -> f64 {
    let from_ops: Vec<u64> = job
        .cache_ops
        .iter()
        .filter(|c| c.op == op)
        .filter_map(|c| c.duration_ms)
        .collect();
    if !from_ops.is_empty() {
        return from_ops.iter().sum::<u64>() as f64;
    }
    job.sections
        .iter()
        .filter(|s| sections.iter().any(|n| s.name.starts_with(n)))
        .filter_map(|s| s.duration_ms)
        .sum::<u64>() as f64
}

/// What restoring the cache is worth: the compile/link time of packages that hit on one side
/// and missed on the other (a restored cache against a build that did without), next to
/// what restoring and saving cost. Needs a baseline build to know the other side.
fn cache_value(
    job: &JobTrace,
    actions: &[Action],
    baseline: Option<&[Action]>,
) -> Option<CacheValue> {
    let baseline = baseline?;
    let key = |a: &Action| (a.mode.clone(), a.package.clone());
    let other: std::collections::HashMap<(crate::model::Mode, String), &Action> = baseline
        .iter()
        .filter(|a| a.hash_key().is_some())
        .map(|a| (key(a), a))
        .collect();
    let mut avoided_ns: i64 = 0;
    for a in actions
        .iter()
        .filter(|a| a.mode == crate::model::Mode::Build)
    {
        let Some(b) = other.get(&key(a)) else {
            continue;
        };
        let miss_side = match (a.cache, b.cache) {
            (CacheOutcome::Hit, CacheOutcome::Miss) => b,
            (CacheOutcome::Miss, CacheOutcome::Hit) => a,
            _ => continue,
        };
        avoided_ns = avoided_ns.saturating_add(miss_side.duration_ns.unwrap_or(0));
    }
    let restore_ms = stage_ms(job, CacheOpKind::Restore, &["restore_cache"]);
    let save_ms = stage_ms(job, CacheOpKind::Save, &["archive_cache"]);
    let avoided_ms = ms(avoided_ns);
    let cost = restore_ms + save_ms;
    Some(CacheValue {
        restore_ms,
        save_ms,
        avoided_ms,
        payoff: (cost > 0.0).then(|| ((avoided_ms / cost) * 100.0).round() / 100.0),
    })
}
