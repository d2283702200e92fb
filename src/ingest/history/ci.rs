//! The job's CI metadata: `ci.json` as `record` writes it (GitLab predefined variables from
//! a fixed allow-list, [`CI_ALLOW_LIST`]) and `history add --ci KEY=VALUE` overrides.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::history::{CI_ALLOW_LIST, CI_KEYS, CI_META_SCHEMA, JobRow};

/// `ci.json`: `{"schema": "goattrib.ci/v1", "vars": {"CI_JOB_ID": "...", ...}}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CiMeta {
    pub schema: String,
    pub vars: BTreeMap<String, String>,
}

impl CiMeta {
    /// The allow-listed variables of an environment; nothing else is ever copied.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> CiMeta {
        let vars = CI_ALLOW_LIST
            .iter()
            .filter_map(|k| {
                get(k)
                    .filter(|v| !v.is_empty())
                    .map(|v| ((*k).to_owned(), v))
            })
            .collect();
        CiMeta {
            schema: CI_META_SCHEMA.to_owned(),
            vars,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CiError {
    #[error("expected {CI_META_SCHEMA} metadata: {0}")]
    Json(String),
    #[error("expected KEY=VALUE with KEY one of {keys}, got `{0}`", keys = CI_KEYS.join(", "))]
    Override(String),
    #[error("expected an RFC 3339 time like 2026-11-02T10:00:00Z for started_at, got `{0}`")]
    Time(String),
}

/// Seconds since the epoch of an RFC 3339 time.
pub fn parse_time(s: &str) -> Option<i64> {
    crate::ingest::timestamp::parse_rfc3339_micros(s.trim().as_bytes())
        .map(|us| us.div_euclid(1_000_000))
}

/// Fills the job's metadata from `ci.json`'s bytes; fields already set are kept, except
/// those GitLab's own variables say better (job id, project, ref, commit, runner id).
pub fn apply_ci_json(row: &mut JobRow, bytes: &[u8]) -> Result<(), CiError> {
    let meta: CiMeta = serde_json::from_slice(bytes)
        .map_err(|e| CiError::Json(crate::ingest::serde_message(&e)))?;
    if meta.schema != CI_META_SCHEMA {
        return Err(CiError::Json(format!("schema is `{}`", meta.schema)));
    }
    // Only allow-listed names are read, whatever else a hand-edited file holds.
    let var = |k: &str| {
        CI_ALLOW_LIST
            .contains(&k)
            .then(|| meta.vars.get(k).cloned())
            .flatten()
    };
    let set = |field: &mut Option<String>, k: &str| {
        if let Some(v) = var(k) {
            *field = Some(v);
        }
    };
    set(&mut row.project, "CI_PROJECT_PATH");
    set(&mut row.pipeline, "CI_PIPELINE_ID");
    set(&mut row.job, "CI_JOB_ID");
    set(&mut row.job_name, "CI_JOB_NAME");
    set(&mut row.ref_name, "CI_COMMIT_REF_NAME");
    set(&mut row.commit, "CI_COMMIT_SHA");
    set(&mut row.runner, "CI_RUNNER_ID");
    set(&mut row.runner_description, "CI_RUNNER_DESCRIPTION");
    set(&mut row.concurrent_id, "CI_CONCURRENT_ID");
    set(&mut row.project_dir, "CI_PROJECT_DIR");
    if let Some(t) = var("CI_JOB_STARTED_AT").and_then(|t| parse_time(&t)) {
        row.started_at = t;
    }
    Ok(())
}

/// Applies one `--ci KEY=VALUE`.
pub fn apply_override(row: &mut JobRow, kv: &str) -> Result<(), CiError> {
    let (k, v) = kv
        .split_once('=')
        .ok_or_else(|| CiError::Override(kv.to_owned()))?;
    let v = v.to_owned();
    let field = match k.trim() {
        "project" => &mut row.project,
        "pipeline" => &mut row.pipeline,
        "job" => &mut row.job,
        "job_name" => &mut row.job_name,
        "ref" => &mut row.ref_name,
        "commit" => &mut row.commit,
        "runner" => &mut row.runner,
        "runner_description" => &mut row.runner_description,
        "executor" => &mut row.executor,
        "started_at" => {
            row.started_at = parse_time(&v).ok_or(CiError::Time(v))?;
            return Ok(());
        }
        "simulated" => {
            row.simulated = matches!(v.as_str(), "1" | "true" | "yes");
            return Ok(());
        }
        _ => return Err(CiError::Override(kv.to_owned())),
    };
    *field = Some(v);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allow_listed_variables_are_copied() {
        let env = |k: &str| match k {
            "CI_JOB_ID" => Some("42".to_owned()),
            "CI_JOB_TOKEN" | "CI_REGISTRY_PASSWORD" => Some("secret".to_owned()),
            _ => None,
        };
        let meta = CiMeta::from_env(|k| env(k));
        assert_eq!(meta.vars.len(), 1);
        assert_eq!(meta.vars["CI_JOB_ID"], "42");
    }

    #[test]
    fn started_at_parses_rfc3339() {
        assert_eq!(parse_time("2026-11-02T00:00:00Z"), Some(1_793_577_600));
        let mut row = JobRow::default();
        assert!(apply_override(&mut row, "started_at=yesterday").is_err());
        assert!(apply_override(&mut row, "token=x").is_err());
        apply_override(&mut row, "executor=docker").unwrap();
        assert_eq!(row.executor.as_deref(), Some("docker"));
    }
}
