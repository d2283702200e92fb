//! Daily and weekly rollups of the SQLite history: per (UTC day or ISO week, CI group) the
//! miss time per cause, the causes and origins, and the misses per package, kept in step
//! with the job rows by `history add` (+1 for the new job, −1 for the one it replaces) and
//! `history prune`. The dashboard reads whole weeks of its range from the weekly tables
//! (schema version 3; unless it groups by day or month), the days around them from the
//! daily ones (version 2), and only the jobs of a partial first or last day from the child
//! tables, so it never scans every miss of the history. Not for per-job figures
//! (percentiles, savings): those stay on `jobs`.

use rusqlite::{Connection, params_from_iter};

use crate::history::Filter;

/// The UTC day number (days since 1970-01-01, floored) of `started_at` in seconds.
fn day_of(col: &str) -> String {
    format!("(({col} - ((({col} % 86400) + 86400) % 86400)) / 86400)")
}

/// The ISO week number of a day number: weeks start on Monday, and week 0 is the one of
/// 1970-01-01 (a Thursday), whose Monday is day −3.
fn week_of_day(day: &str) -> String {
    format!("((({day}) + 3 - (((({day}) + 3) % 7) + 7) % 7) / 7)")
}

/// The first day of week `w`.
pub(super) fn week_start(w: i64) -> i64 {
    w * 7 - 3
}

/// The CI group key: every column a dashboard filters or groups jobs by.
pub(super) fn group_key(t: &str) -> String {
    format!(
        "json_array({t}.project, {t}.ref_name, {t}.job_name, {t}.executor, {t}.runner, {t}.runner_description)"
    )
}

/// Migration 1 → 2: the daily tables, filled from the jobs already there.
pub(super) fn migration_2() -> String {
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
        roll_sql("1 = 1", 1, &[Level::Day])
    )
}

/// Migration 2 → 3: the weekly tables (filled from the jobs already there), each job's CI
/// group on its row, and the cached hit prices (filled by `Sqlite::settle` right after).
pub(super) fn migration_3() -> String {
    format!(
        "CREATE TABLE week_cause_time (
           week INTEGER NOT NULL, grp INTEGER NOT NULL REFERENCES job_groups (id),
           cause TEXT NOT NULL, n INTEGER NOT NULL, time_us INTEGER NOT NULL,
           PRIMARY KEY (week, grp, cause)) WITHOUT ROWID;
         CREATE TABLE week_causes (
           week INTEGER NOT NULL, grp INTEGER NOT NULL REFERENCES job_groups (id),
           kind TEXT NOT NULL, has_origin INTEGER NOT NULL, origin TEXT NOT NULL,
           n INTEGER NOT NULL, misses INTEGER NOT NULL, time_us INTEGER NOT NULL,
           PRIMARY KEY (week, grp, kind, has_origin, origin)) WITHOUT ROWID;
         CREATE TABLE week_pkg_misses (
           week INTEGER NOT NULL, grp INTEGER NOT NULL REFERENCES job_groups (id),
           pkg INTEGER NOT NULL REFERENCES pkgs (id), n INTEGER NOT NULL, us INTEGER NOT NULL,
           jobs INTEGER NOT NULL,
           PRIMARY KEY (week, grp, pkg)) WITHOUT ROWID;
         -- A package's price (the median of its misses' durations, NULL when it never
         -- missed), or no row when a job since changed its misses.
         CREATE TABLE pkg_prices (pkg INTEGER PRIMARY KEY, price INTEGER);
         ALTER TABLE jobs ADD COLUMN grp INTEGER REFERENCES job_groups (id);
         UPDATE jobs SET grp = (SELECT g.id FROM job_groups g WHERE g.key = {key});
         {roll}",
        key = group_key("jobs"),
        roll = roll_sql("1 = 1", 1, &[Level::Week])
    )
}

/// A rollup grain.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Day,
    Week,
}

impl Level {
    fn prefix(self) -> &'static str {
        match self {
            Level::Day => "day",
            Level::Week => "week",
        }
    }

    /// The grain of `j.started_at`.
    fn of_job(self) -> String {
        match self {
            Level::Day => day_of("j.started_at"),
            Level::Week => week_of_day(&day_of("j.started_at")),
        }
    }
}

/// Adds (`sign` 1) or takes away (−1) the rollups at `levels` of the jobs matching `cond`
/// (over `jobs j`), as one script.
fn roll_sql(cond: &str, sign: i64, levels: &[Level]) -> String {
    roll_statements(cond, &sign.to_string(), levels).join(";\n") + ";"
}

/// The statements of [`roll_sql`], with `sign` an SQL expression (a literal, or a
/// parameter of a cached statement).
fn roll_statements(cond: &str, sign: &str, levels: &[Level]) -> Vec<String> {
    let key = group_key("j");
    let mut sql = vec![format!(
        "INSERT INTO job_groups (key, project, ref_name, job_name, executor, runner,
           runner_description)
         SELECT DISTINCT {key}, j.project, j.ref_name, j.job_name, j.executor, j.runner,
           j.runner_description FROM jobs j WHERE {cond}
         ON CONFLICT (key) DO NOTHING"
    )];
    for &level in levels {
        let t = level.prefix();
        let at = level.of_job();
        sql.push(format!(
            "INSERT INTO {t}_cause_time ({t}, grp, cause, n, time_us)
         SELECT {at}, g.id, c.cause, {sign} * count(*), {sign} * sum(c.time_us)
         FROM jobs j, job_cause_time c, job_groups g
         WHERE c.job = j.id AND g.key = {key} AND ({cond}) GROUP BY 1, 2, 3
         ON CONFLICT ({t}, grp, cause) DO UPDATE SET n = n + excluded.n,
           time_us = time_us + excluded.time_us"
        ));
        sql.push(format!(
            "INSERT INTO {t}_causes ({t}, grp, kind, has_origin, origin, n, misses, time_us)
         SELECT {at}, g.id, c.kind, c.origin IS NOT NULL, coalesce(c.origin, ''),
           {sign} * count(*), {sign} * sum(c.misses), {sign} * sum(c.time_us)
         FROM jobs j, job_causes c, job_groups g
         WHERE c.job = j.id AND g.key = {key} AND ({cond}) GROUP BY 1, 2, 3, 4, 5
         ON CONFLICT ({t}, grp, kind, has_origin, origin) DO UPDATE SET n = n + excluded.n,
           misses = misses + excluded.misses, time_us = time_us + excluded.time_us"
        ));
        sql.push(format!(
            "INSERT INTO {t}_pkg_misses ({t}, grp, pkg, n, us, jobs)
         SELECT {at}, g.id, m.pkg, {sign} * count(*), {sign} * sum(m.duration_us),
           {sign} * count(DISTINCT m.job)
         FROM jobs j, job_misses m, job_groups g
         WHERE m.job = j.id AND g.key = {key} AND ({cond}) GROUP BY 1, 2, 3
         ON CONFLICT ({t}, grp, pkg) DO UPDATE SET n = n + excluded.n, us = us + excluded.us,
           jobs = jobs + excluded.jobs"
        ));
    }
    sql
}

/// Drops rollup rows no job contributes to any more, at `level` from `from` to `to`.
fn sweep(conn: &Connection, level: Level, from: i64, to: i64) -> rusqlite::Result<()> {
    let t = level.prefix();
    for table in ["cause_time", "causes", "pkg_misses"] {
        conn.execute(
            &format!("DELETE FROM {t}_{table} WHERE {t} BETWEEN ?1 AND ?2 AND n = 0"),
            [from, to],
        )?;
    }
    Ok(())
}

const LEVELS: [Level; 2] = [Level::Day, Level::Week];

/// Adds (`sign` 1) or takes away (−1) one job's rows (by its rowid), inside the caller's
/// transaction: before a job is deleted, after its child rows are in. Adding also links
/// the job to its CI group.
pub(super) fn roll_job(conn: &Connection, id: i64, sign: i64) -> rusqlite::Result<()> {
    // Cached statements with the job and the sign as parameters: `history add` runs
    // them once per job.
    for sql in roll_statements("j.id = ?1", "?2", &LEVELS) {
        let mut st = conn.prepare_cached(&sql)?;
        match st.parameter_count() {
            1 => st.execute([id])?,
            _ => st.execute([id, sign])?,
        };
    }
    if sign > 0 {
        conn.prepare_cached(&format!(
            "UPDATE jobs SET grp = (SELECT g.id FROM job_groups g WHERE g.key = {})
             WHERE id = ?1",
            group_key("jobs")
        ))?
        .execute([id])?;
    } else {
        let (day, week): (i64, i64) = conn.query_row(
            &format!(
                "SELECT {}, {} FROM jobs j WHERE j.id = ?1",
                Level::Day.of_job(),
                Level::Week.of_job()
            ),
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        sweep(conn, Level::Day, day, day)?;
        sweep(conn, Level::Week, week, week)?;
    }
    Ok(())
}

/// After the jobs before `before` were deleted: no job is left on earlier days and weeks,
/// and the day and the week of `before` are counted again from the jobs they still have.
pub(super) fn after_prune(conn: &Connection, before: i64) -> rusqlite::Result<()> {
    let day = before.div_euclid(86400);
    let week = (day + 3).div_euclid(7);
    for (level, at, start, end) in [
        (Level::Day, day, day * 86400, (day + 1) * 86400),
        (
            Level::Week,
            week,
            week_start(week) * 86400,
            week_start(week + 1) * 86400,
        ),
    ] {
        let t = level.prefix();
        for table in ["cause_time", "causes", "pkg_misses"] {
            conn.execute(&format!("DELETE FROM {t}_{table} WHERE {t} <= ?1"), [at])?;
        }
        conn.execute_batch(&roll_sql(
            &format!("j.started_at >= {start} AND j.started_at < {end}"),
            1,
            &[level],
        ))?;
        sweep(conn, level, at, at)?;
    }
    Ok(())
}

/// Where a query over the filtered jobs reads from: the weekly rollups for the whole
/// weeks of the range, the daily ones for the other whole days, the jobs themselves for
/// the rest.
pub(super) struct Split {
    /// Over `r` (a weekly rollup table) joined to `g` (`job_groups`), with `?` placeholders.
    pub weekly: String,
    /// Over `r` (a daily rollup table) joined to `g`, with `?` placeholders.
    pub daily: String,
    /// Over `jobs`, with `?` placeholders.
    pub rest: String,
    /// The values of `weekly`'s placeholders, then `daily`'s, then `rest`'s.
    pub values: Vec<String>,
}

/// No day bound: far outside any job's start, and small enough to multiply by 86400.
const FAR: i64 = 1_000_000_000_000;

/// Splits the filter's range; `weeks` false (a query keyed by day or month, which a week
/// can straddle) reads no weekly rows.
pub(super) fn split(filter: &Filter, weeks: bool) -> Split {
    let lo = filter.since.map_or(-FAR, |s| -(-s).div_euclid(86400));
    let hi = filter.until.map_or(FAR, |u| u.div_euclid(86400)).max(lo);
    // The whole weeks in [lo, hi): their Monday on or after lo, their Sunday before hi.
    let (wlo, whi) = match weeks {
        true => {
            let wlo = -(-(lo + 3)).div_euclid(7);
            (wlo, (hi + 3).div_euclid(7).max(wlo))
        }
        false => (0, 0),
    };
    let dims = Filter {
        since: None,
        until: None,
        ..filter.clone()
    };
    let (dims_cond, dims_values) = dims.conditions();
    let (cond, values) = filter.conditions();
    let weekly = format!("r.week >= {wlo} AND r.week < {whi} AND {dims_cond}");
    let days = match wlo < whi {
        true => format!(
            "((r.day >= {lo} AND r.day < {}) OR (r.day >= {} AND r.day < {hi}))",
            week_start(wlo),
            week_start(whi)
        ),
        false => format!("r.day >= {lo} AND r.day < {hi}"),
    };
    let daily = format!("{days} AND {dims_cond}");
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
        weekly,
        daily,
        rest,
        values: [dims_values.clone(), dims_values, values].concat(),
    }
}

/// The placeholder values of a [`Split`] query, for rusqlite.
pub(super) fn values(s: &Split) -> impl rusqlite::Params + '_ {
    params_from_iter(s.values.iter())
}
