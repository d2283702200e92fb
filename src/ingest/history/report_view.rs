//! Reads a `goattrib.report/v1` JSON document (our own contract, as a reader outside the
//! analysis would) into the history's [`JobRecord`]: only the fields the history keeps.

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::model::history::{
    CauseRow, HitRow, JobRecord, JobRow, MissRow, ModuleRow, Restore, SectionRow, UNATTRIBUTED,
};

#[derive(Deserialize)]
struct View {
    schema: String,
    build: BuildView,
    summary: SummaryView,
    #[serde(default)]
    modules: Vec<ModuleView>,
    #[serde(default)]
    causes: Vec<CauseView>,
    #[serde(default)]
    actions: Vec<ActionView>,
    job: Option<JobView>,
}

#[derive(Deserialize)]
struct BuildView {
    wall_ms: Option<f64>,
    go_version: Option<String>,
    goos: Option<String>,
    goarch: Option<String>,
    #[serde(default)]
    failed: bool,
}

#[derive(Deserialize)]
struct SummaryView {
    packages: PackagesView,
    critical_path_ms: f64,
}

#[derive(Deserialize)]
struct PackagesView {
    total: i64,
    hits: i64,
    misses: i64,
}

#[derive(Deserialize)]
struct ModuleView {
    module: String,
    version: Option<String>,
    main: bool,
    packages: i64,
    hits: i64,
    misses: i64,
    miss_ms: f64,
}

#[derive(Deserialize)]
struct CauseView {
    kind: String,
    origin: Option<String>,
    misses: i64,
    time_ms: f64,
}

#[derive(Deserialize)]
struct ActionView {
    mode: String,
    package: String,
    cache: String,
    duration_ms: Option<f64>,
    cause: Option<CauseKindView>,
}

#[derive(Deserialize)]
struct CauseKindView {
    kind: String,
}

#[derive(Deserialize)]
struct JobView {
    runner_name: Option<String>,
    executor: Option<String>,
    started_unix_ms: Option<i64>,
    #[serde(default)]
    sections: Vec<SectionView>,
    #[serde(default)]
    cache: Vec<CacheOpView>,
}

#[derive(Deserialize)]
struct SectionView {
    name: String,
    start_ms: Option<f64>,
    duration_ms: Option<f64>,
}

#[derive(Deserialize)]
struct CacheOpView {
    op: String,
    outcome: String,
    duration_ms: Option<f64>,
}

/// What a report could not give: the problem, for the caller's one-line error.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("expected a goattrib.report/v1 document, found schema `{0}`")]
    Schema(String),
    #[error("expected a goattrib report: {0}")]
    Json(String),
}

fn us(ms: f64) -> i64 {
    (ms * 1000.0).round() as i64
}

/// The modes `report` counts miss time for (`Action::hash_key`).
fn counts_time(mode: &str) -> bool {
    matches!(mode, "build" | "link" | "vet")
}

/// The job a report describes. `started_at` and the CI metadata are the caller's to fill
/// when the report's job log did not give them; `job_id` is content-derived.
pub fn job_record(json: &[u8]) -> Result<JobRecord, ViewError> {
    let view: View = serde_json::from_slice(json)
        .map_err(|e| ViewError::Json(crate::ingest::serde_message(&e)))?;
    if view.schema != crate::model::REPORT_SCHEMA {
        return Err(ViewError::Schema(view.schema));
    }
    let mut misses = Vec::new();
    let mut hits = Vec::new();
    let mut busy_us = 0i64;
    for a in &view.actions {
        let d = a.duration_ms.map_or(0, us);
        busy_us = busy_us.saturating_add(d);
        match a.cache.as_str() {
            "miss" if counts_time(&a.mode) => misses.push(MissRow {
                mode: a.mode.clone(),
                package: a.package.clone(),
                cause: a
                    .cause
                    .as_ref()
                    .map_or_else(|| UNATTRIBUTED.to_owned(), |c| c.kind.clone()),
                duration_us: d,
            }),
            "hit" => hits.push(HitRow {
                mode: a.mode.clone(),
                package: a.package.clone(),
            }),
            _ => {}
        }
    }
    let miss_us = misses.iter().map(|m| m.duration_us).sum();
    let job = view.job.as_ref();
    let restores: Vec<&CacheOpView> = job
        .map(|j| j.cache.iter().filter(|c| c.op == "restore").collect())
        .unwrap_or_default();
    // Fallback keys are tried in order: any hit served the job, else the last attempt says.
    let restore = if restores.iter().any(|c| c.outcome == "hit") {
        Restore::Hit
    } else {
        restores
            .iter()
            .rev()
            .find_map(|c| match c.outcome.as_str() {
                "miss" => Some(Restore::Miss),
                "failed" => Some(Restore::Failed),
                _ => None,
            })
            .unwrap_or(Restore::None)
    };
    let op_us = |op: &str| -> Option<i64> {
        let ops: Vec<i64> = job?
            .cache
            .iter()
            .filter(|c| c.op == op)
            .filter_map(|c| c.duration_ms.map(us))
            .collect();
        (!ops.is_empty()).then(|| ops.iter().sum())
    };
    // Sections are the fallback when the ops carry no times of their own.
    let section_us = |name: &str| -> Option<i64> {
        job?.sections
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.duration_ms.map(us))
    };
    let row = JobRow {
        job_id: content_id(&view),
        executor: job.and_then(|j| j.executor.clone()),
        runner_description: job.and_then(|j| j.runner_name.clone()),
        started_at: job
            .and_then(|j| j.started_unix_ms)
            .map_or(0, |ms| ms.div_euclid(1000)),
        wall_us: view.build.wall_ms.map(us),
        critical_path_us: us(view.summary.critical_path_ms),
        busy_us,
        hits: view.summary.packages.hits,
        misses: view.summary.packages.misses,
        packages: view.summary.packages.total,
        miss_us,
        restore: job.map(|_| restore),
        restore_us: op_us("restore").or_else(|| section_us("restore_cache")),
        save_us: op_us("save").or_else(|| section_us("archive_cache")),
        go_version: view.build.go_version.clone(),
        goos: view.build.goos.clone(),
        goarch: view.build.goarch.clone(),
        failed: view.build.failed,
        ..JobRow::default()
    };
    Ok(JobRecord {
        job: row,
        modules: view
            .modules
            .iter()
            .map(|m| ModuleRow {
                module: m.module.clone(),
                version: m.version.clone(),
                main: m.main,
                packages: m.packages,
                hits: m.hits,
                misses: m.misses,
                miss_us: us(m.miss_ms),
            })
            .collect(),
        causes: view
            .causes
            .iter()
            .map(|c| CauseRow {
                kind: c.kind.clone(),
                origin: c.origin.clone(),
                misses: c.misses,
                time_us: us(c.time_ms),
            })
            .collect(),
        misses,
        hits,
        sections: job
            .map(|j| {
                j.sections
                    .iter()
                    .map(|s| SectionRow {
                        name: s.name.clone(),
                        start_us: s.start_ms.map(us),
                        duration_us: s.duration_ms.map(us),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// A stable id for a job that has no GitLab job id: the hash of what the build measured
/// (toolchain, platform, wall time, every action's mode, package, outcome and duration),
/// so the same build added twice, from its bundle or its report, is one job.
fn content_id(view: &View) -> String {
    let mut h = Sha256::new();
    let b = &view.build;
    for part in [&b.go_version, &b.goos, &b.goarch] {
        h.update(part.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
    }
    h.update(format!("{:?}", b.wall_ms.map(us)).as_bytes());
    for a in &view.actions {
        h.update(a.mode.as_bytes());
        h.update([0]);
        h.update(a.package.as_bytes());
        h.update([0]);
        h.update(a.cache.as_bytes());
        h.update(format!("{:?}\n", a.duration_ms.map(us)).as_bytes());
    }
    if let Some(ms) = view.job.as_ref().and_then(|j| j.started_unix_ms) {
        h.update(ms.to_string().as_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("content:{hex}")
}
