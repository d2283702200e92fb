//! Daily rollups of the SQLite history (schema version 2): per (UTC day, CI group) the miss
//! time per cause, the causes and origins, and the misses per package, kept in step with
//! the job rows by `history add` (+1 for the new job, −1 for the one it replaces) and
//! `history prune`. The dashboard reads whole days of its range from them and only the
//! jobs of a partial first or last day from the child tables, so it no longer scans every
//! miss of the history. Not for per-job figures (percentiles, savings): those stay on `jobs`.

use rusqlite::{Connection, params_from_iter};

use crate::history::Filter;

/// The UTC day number (days since 1970-01-01, floored) of `started_at` in seconds.
fn day_of(col: &str) -> String {
    format!("(({col} - ((({col} % 86400) + 86400) % 86400)) / 86400)")
}

/// The CI group key: every column a dashboard filters or groups jobs by.
fn group_key(t: &str) -> String {
    format!(
        "json_array({t}.project, {t}.ref_name, {t}.job_name, {t}.executor, {t}.runner, {t}.runner_description)"
    )
}

/// Migration 1 → 2: the tables, filled from the jobs already there.
pub(super) fn migration() -> String {
    format!(
        "CREATE TABLE job_groups (
           id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,
           project TEXT, ref_name TEXT, job_name TEXT, executor TEXT, runner TEXT,
           runner_description TEXT);
         CREATE TABLE day_cause_time (
           day INTEGER NOT NULL, grp INTEGER NOT NULL REFERENCES job_groups (id),
           cause TEXT NOT NULL, n INTEGER NOT NULL, time_us INTEGER NOT NULL,
           PRIMARY KEY (day, grp, cause)) WITHOUT ROWID;
         CREATE TABLE day_causes (
           day INTEGER NOT NULL, grp INTEGER NOT NULL REFERENCES job_groups (id),
           kind TEXT NOT NULL, has_origin INTEGER NOT NULL, origin TEXT NOT NULL,
           n INTEGER NOT NULL, misses INTEGER NOT NULL, time_us INTEGER NOT NULL,
           PRIMARY KEY (day, grp, kind, has_origin, origin)) WITHOUT ROWID;
         CREATE TABLE day_pkg_misses (
           day INTEGER NOT NULL, grp INTEGER NOT NULL REFERENCES job_groups (id),
           pkg INTEGER NOT NULL REFERENCES pkgs (id), n INTEGER NOT NULL, us INTEGER NOT NULL,
           jobs INTEGER NOT NULL,
           PRIMARY KEY (day, grp, pkg)) WITHOUT ROWID;
         {}",
        roll_sql("1 = 1", 1)
    )
}

/// Adds (`sign` 1) or takes away (−1) the rollups of the jobs matching `cond` (over `jobs`).
fn roll_sql(cond: &str, sign: i64) -> String {
    let day = day_of("j.started_at");
    let key = group_key("j");
    format!(
        "INSERT INTO job_groups (key, project, ref_name, job_name, executor, runner,
           runner_description)
         SELECT DISTINCT {key}, j.project, j.ref_name, j.job_name, j.executor, j.runner,
           j.runner_description FROM jobs j WHERE {cond}
         ON CONFLICT (key) DO NOTHING;
         INSERT INTO day_cause_time (day, grp, cause, n, time_us)
         SELECT {day}, g.id, c.cause, {sign} * count(*), {sign} * sum(c.time_us)
         FROM jobs j, job_cause_time c, job_groups g
         WHERE c.job = j.id AND g.key = {key} AND ({cond}) GROUP BY 1, 2, 3
         ON CONFLICT (day, grp, cause) DO UPDATE SET n = n + excluded.n,
           time_us = time_us + excluded.time_us;
         INSERT INTO day_causes (day, grp, kind, has_origin, origin, n, misses, time_us)
         SELECT {day}, g.id, c.kind, c.origin IS NOT NULL, coalesce(c.origin, ''),
           {sign} * count(*), {sign} * sum(c.misses), {sign} * sum(c.time_us)
         FROM jobs j, job_causes c, job_groups g
         WHERE c.job = j.id AND g.key = {key} AND ({cond}) GROUP BY 1, 2, 3, 4, 5
         ON CONFLICT (day, grp, kind, has_origin, origin) DO UPDATE SET n = n + excluded.n,
           misses = misses + excluded.misses, time_us = time_us + excluded.time_us;
         INSERT INTO day_pkg_misses (day, grp, pkg, n, us, jobs)
         SELECT {day}, g.id, m.pkg, {sign} * count(*), {sign} * sum(m.duration_us),
           {sign} * count(DISTINCT m.job)
         FROM jobs j, job_misses m, job_groups g
         WHERE m.job = j.id AND g.key = {key} AND ({cond}) GROUP BY 1, 2, 3
         ON CONFLICT (day, grp, pkg) DO UPDATE SET n = n + excluded.n, us = us + excluded.us,
           jobs = jobs + excluded.jobs;"
    )
}

/// Drops rollup rows no job contributes to any more, on days `[from, to]`.
fn sweep(conn: &Connection, from: i64, to: i64) -> rusqlite::Result<()> {
    for t in ["day_cause_time", "day_causes", "day_pkg_misses"] {
        conn.execute(
            &format!("DELETE FROM {t} WHERE day BETWEEN ?1 AND ?2 AND n = 0"),
            [from, to],
        )?;
    }
    Ok(())
}

/// Adds (`sign` 1) or takes away (−1) one job's rows (by its rowid), inside the caller's
/// transaction: before a job is deleted, after its child rows are in.
pub(super) fn roll_job(conn: &Connection, id: i64, sign: i64) -> rusqlite::Result<()> {
    conn.execute_batch(&roll_sql(&format!("j.id = {id}"), sign))?;
    if sign < 0 {
        let day: i64 = conn.query_row(
            &format!(
                "SELECT {} FROM jobs j WHERE j.id = ?1",
                day_of("j.started_at")
            ),
            [id],
            |r| r.get(0),
        )?;
        sweep(conn, day, day)?;
    }
    Ok(())
}

/// After the jobs before `before` were deleted: no job is left on earlier days, and the
/// day of `before` is counted again from the jobs it still has.
pub(super) fn after_prune(conn: &Connection, before: i64) -> rusqlite::Result<()> {
    let day = before.div_euclid(86400);
    for t in ["day_cause_time", "day_causes", "day_pkg_misses"] {
        conn.execute(&format!("DELETE FROM {t} WHERE day <= ?1"), [day])?;
    }
    let start = day * 86400;
    conn.execute_batch(&roll_sql(
        &format!(
            "j.started_at >= {start} AND j.started_at < {}",
            start + 86400
        ),
        1,
    ))?;
    sweep(conn, day, day)
}

/// Where a query over the filtered jobs reads from: the rollups for the whole days of the
/// range, the jobs themselves for the rest.
pub(super) struct Split {
    /// Over `r` (a rollup table) joined to `g` (`job_groups`), with `?` placeholders.
    pub rolled: String,
    /// Over `jobs`, with `?` placeholders.
    pub rest: String,
    /// The values of `rolled`'s placeholders, then `rest`'s.
    pub values: Vec<String>,
}

/// No day bound: far outside any job's start, and small enough to multiply by 86400.
const FAR: i64 = 1_000_000_000_000;

pub(super) fn split(filter: &Filter) -> Split {
    let lo = filter.since.map_or(-FAR, |s| -(-s).div_euclid(86400));
    let hi = filter.until.map_or(FAR, |u| u.div_euclid(86400)).max(lo);
    let dims = Filter {
        since: None,
        until: None,
        ..filter.clone()
    };
    let (dims_cond, dims_values) = dims.conditions();
    let (cond, values) = filter.conditions();
    let rolled = format!("r.day >= {lo} AND r.day < {hi} AND {dims_cond}");
    // The partial first and last days; none without a bound.
    let mut edges = Vec::new();
    if let Some(s) = filter.since {
        edges.push(format!(
            "(jobs.started_at >= {s} AND jobs.started_at < {})",
            lo * 86400
        ));
    }
    if let Some(u) = filter.until {
        edges.push(format!(
            "(jobs.started_at >= {} AND jobs.started_at < {u})",
            hi * 86400
        ));
    }
    let (rest, values) = match edges.is_empty() {
        true => ("0 = 1".to_owned(), Vec::new()),
        false => (format!("{cond} AND ({})", edges.join(" OR ")), values),
    };
    Split {
        rolled,
        rest,
        values: dims_values.into_iter().chain(values).collect(),
    }
}

/// The placeholder values of a [`Split`] query, for rusqlite.
pub(super) fn values(s: &Split) -> impl rusqlite::Params + '_ {
    params_from_iter(s.values.iter())
}
