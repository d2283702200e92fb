//! The dashboard's numbers (`goattrib.dashboard/v1`) from a history [`Store`]: the store
//! aggregates (SQL), this module only divides, picks percentile ranks, fills empty periods
//! and compares the last period with the one before.

pub mod calendar;

use std::collections::BTreeMap;

use crate::history::{
    Aggregate, Bucket, CauseRunner, CauseTime, Dimension, Filter, GroupKey, LEVELS, Metric,
    RankedValue, Store, StoreError, rank_of,
};
use crate::model::history::{
    CauseTotal, Change, DASHBOARD_SCHEMA, Dashboard, GroupStats, Period, PeriodStats,
    RestoreCounts, SummaryCard, us_to_ms,
};

/// Rows kept in the per-group and top-N tables.
pub const TABLE_ROWS: i64 = 50;

#[derive(Debug, Clone)]
pub struct DashboardOptions {
    pub bucket: Bucket,
    pub filter: Filter,
}

/// Percentile values per key: `(key, level) → value`.
type Ranks = BTreeMap<(String, i64), f64>;

fn ranks(rows: Vec<RankedValue>) -> Ranks {
    let mut out = Ranks::new();
    for r in rows {
        for level in LEVELS {
            if rank_of(level, r.n) == r.rank {
                out.insert((r.key.clone(), level), r.value);
            }
        }
    }
    out
}

fn rate(hits: i64, misses: i64) -> Option<f64> {
    let n = hits + misses;
    (n > 0).then(|| hits as f64 / n as f64)
}

fn by_cause(rows: &[CauseTime], key: &str) -> BTreeMap<String, f64> {
    rows.iter()
        .filter(|(k, _, _)| k == key)
        .map(|(_, cause, us)| (cause.clone(), us_to_ms(*us)))
        .collect()
}

fn period_stats(a: &Aggregate, causes: &[CauseTime], hr: &Ranks, wall: &Ranks) -> PeriodStats {
    let at = |r: &Ranks, level| r.get(&(a.key.clone(), level)).copied();
    PeriodStats {
        jobs: a.jobs,
        hits: a.hits,
        misses: a.misses,
        hit_rate: rate(a.hits, a.misses),
        hit_rate_p25: at(hr, 25),
        hit_rate_p50: at(hr, 50),
        hit_rate_p75: at(hr, 75),
        wall_ms_p50: at(wall, 50).map(|us| us / 1000.0),
        wall_ms_p95: at(wall, 95).map(|us| us / 1000.0),
        miss_ms: us_to_ms(a.miss_us),
        miss_ms_by_cause: by_cause(causes, &a.key),
        saved_ms: us_to_ms(a.saved_us),
        cost_ms: us_to_ms(a.cost_us),
        speedup: (a.without_cache_us > 0)
            .then(|| a.with_cache_us as f64 / a.without_cache_us as f64),
        unpriced_hits: a.unpriced_hits,
        restore: RestoreCounts {
            hit: a.restore_hit,
            miss: a.restore_miss,
            failed: a.restore_failed,
            none: a.restore_none,
        },
    }
}

/// The dimensions of the group tables, in the order of their percentile lists.
const TABLES: [Dimension; 3] = [Dimension::Executor, Dimension::Runner, Dimension::Ref];

fn group_table(
    dim: Dimension,
    aggs: &[Aggregate],
    causes: &[CauseTime],
    wall: &Ranks,
    restore: &Ranks,
) -> Vec<GroupStats> {
    let mut rows: Vec<GroupStats> = aggs
        .iter()
        .map(|a| GroupStats {
            key: BTreeMap::from([(dim.as_str().replace('-', "_"), a.key.clone())]),
            jobs: a.jobs,
            hits: a.hits,
            misses: a.misses,
            hit_rate: rate(a.hits, a.misses),
            wall_ms_p50: wall.get(&(a.key.clone(), 50)).map(|us| us / 1000.0),
            restore_ms_p50: restore.get(&(a.key.clone(), 50)).map(|us| us / 1000.0),
            miss_ms: us_to_ms(a.miss_us),
            miss_ms_by_cause: by_cause(causes, &a.key),
        })
        .collect();
    rows.sort_by(|a, b| b.jobs.cmp(&a.jobs).then_with(|| a.name().cmp(b.name())));
    rows.truncate(TABLE_ROWS as usize);
    rows
}

/// `a − b`, rounded to 6 decimals so a change of 0 prints as 0.
fn diff(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    Some(((a? - b?) * 1e6).round() / 1e6)
}

fn change(cur: &PeriodStats, prev: &PeriodStats) -> Change {
    Change {
        jobs: Some(cur.jobs - prev.jobs),
        hit_rate: diff(cur.hit_rate, prev.hit_rate),
        wall_ms_p50: diff(cur.wall_ms_p50, prev.wall_ms_p50),
        wall_ms_p95: diff(cur.wall_ms_p95, prev.wall_ms_p95),
        miss_ms: diff(Some(cur.miss_ms), Some(prev.miss_ms)),
        saved_ms: diff(Some(cur.saved_ms), Some(prev.saved_ms)),
        speedup: diff(cur.speedup, prev.speedup),
    }
}

/// Causes and origins over all runners, most lost time first, with the runner that lost
/// the most to each.
fn roll_up_causes(rows: Vec<CauseRunner>) -> Vec<CauseTotal> {
    let mut by: BTreeMap<(String, Option<String>), (CauseTotal, i64, i64)> = BTreeMap::new();
    for r in rows {
        let e = by
            .entry((r.kind.clone(), r.origin.clone()))
            .or_insert_with(|| {
                (
                    CauseTotal {
                        kind: r.kind.clone(),
                        origin: r.origin.clone(),
                        jobs: 0,
                        misses: 0,
                        time_ms: 0.0,
                        share: 0.0,
                        top_runner: None,
                    },
                    0,
                    -1,
                )
            });
        e.0.jobs += r.jobs;
        e.0.misses += r.misses;
        e.1 += r.time_us;
        // Rows come sorted by runner: the first with the most time wins a tie.
        if r.time_us > e.2 {
            e.2 = r.time_us;
            e.0.top_runner = Some(r.runner.clone());
        }
    }
    let mut out: Vec<(CauseTotal, i64)> = by
        .into_values()
        .map(|(mut c, us, _)| {
            c.time_ms = us_to_ms(us);
            (c, us)
        })
        .collect();
    out.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then_with(|| (&a.0.kind, &a.0.origin).cmp(&(&b.0.kind, &b.0.origin)))
    });
    out.truncate(TABLE_ROWS as usize);
    out.into_iter().map(|(c, _)| c).collect()
}

/// Every number of the dashboard.
pub fn build(store: &dyn Store, opts: &DashboardOptions) -> Result<Dashboard, StoreError> {
    let filter = &opts.filter;
    let bucket = opts.bucket;
    let key = GroupKey::Period(bucket);
    let groups = TABLES.map(GroupKey::Group);
    // Each question asked once for the periods and every group table.
    let all = [key, groups[0], groups[1], groups[2]];
    let mut all_aggs = store.aggregate(filter, &all)?.into_iter();
    let aggs = all_aggs.next().unwrap_or_default();
    let group_aggs: Vec<Vec<Aggregate>> = all_aggs.collect();
    let mut all_causes = store.miss_by_cause(filter, &all)?.into_iter();
    let causes = all_causes.next().unwrap_or_default();
    let group_causes: Vec<Vec<CauseTime>> = all_causes.collect();
    let hr = ranks(
        store
            .percentiles(filter, &[key], Metric::HitRate)?
            .pop()
            .unwrap_or_default(),
    );
    let mut walls = store
        .percentiles(filter, &all, Metric::WallUs)?
        .into_iter()
        .map(ranks);
    let wall = walls.next().unwrap_or_default();
    let group_walls: Vec<Ranks> = walls.collect();
    let restores: Vec<Ranks> = store
        .percentiles(filter, &groups, Metric::RestoreUs)?
        .into_iter()
        .map(ranks)
        .collect();
    let none = Ranks::new();
    let table = |i: usize| {
        group_table(
            TABLES[i],
            group_aggs.get(i).map_or(&[][..], Vec::as_slice),
            group_causes.get(i).map_or(&[][..], Vec::as_slice),
            group_walls.get(i).unwrap_or(&none),
            restores.get(i).unwrap_or(&none),
        )
    };
    let by_start: BTreeMap<i64, &Aggregate> = aggs
        .iter()
        .filter_map(|a| calendar::parse_day(&a.key).map(|d| (d, a)))
        .collect();
    // Every period from the first to the last, empty ones included: a chart shows a gap.
    let mut periods = Vec::new();
    if let (Some((&first, _)), Some((&last, _))) =
        (by_start.first_key_value(), by_start.last_key_value())
    {
        let mut day = first;
        while day <= last {
            let stats = by_start
                .get(&day)
                .map(|a| period_stats(a, &causes, &hr, &wall))
                .unwrap_or_default();
            periods.push(Period {
                start: calendar::format_day(day),
                stats,
            });
            day = calendar::next_start(bucket, day);
        }
    }
    let jobs = aggs.iter().map(|a| a.jobs).sum();
    let total_miss_us: i64 = aggs.iter().map(|a| a.miss_us).sum();
    let current = periods.iter().rposition(|p| p.stats.jobs > 0);
    let summary = match current {
        Some(i) => {
            let cur = periods[i].clone();
            let prev = i.checked_sub(1).map(|j| periods[j].clone());
            SummaryCard {
                change: prev
                    .as_ref()
                    .map(|p| change(&cur.stats, &p.stats))
                    .unwrap_or_default(),
                current: Some(cur),
                previous: prev,
            }
        }
        None => SummaryCard::default(),
    };
    let mut cause_rows = roll_up_causes(store.cause_runners(filter)?);
    let cause_total: f64 = cause_rows.iter().map(|c| c.time_ms).sum::<f64>().max(0.0);
    let lost = us_to_ms(total_miss_us).max(cause_total);
    for c in &mut cause_rows {
        c.share = if lost > 0.0 { c.time_ms / lost } else { 0.0 };
    }
    let mut warnings = Vec::new();
    for p in &periods {
        let s = &p.stats;
        if s.jobs > 0 && s.cost_ms > s.saved_ms {
            warnings.push(format!(
                "{} of {}: the CI cache cost more than it saved ({:.1} s restore + save against {:.1} s of wall time saved)",
                bucket.as_str(),
                p.start,
                s.cost_ms / 1000.0,
                s.saved_ms / 1000.0
            ));
        }
    }
    let stats = store.stats()?;
    if stats.simulated > 0 {
        warnings.push(format!(
            "{} of {} jobs in the history carry simulated CI metadata (made by a fixture script)",
            stats.simulated, stats.jobs
        ));
    }
    let until = periods.last().map(|p| {
        calendar::format_day(
            calendar::next_start(bucket, calendar::parse_day(&p.start).unwrap_or(0)) - 1,
        )
    });
    Ok(Dashboard {
        schema: DASHBOARD_SCHEMA.to_owned(),
        bucket: bucket.as_str().to_owned(),
        since: periods.first().map(|p| p.start.clone()),
        until,
        jobs,
        summary,
        executors: table(0),
        runners: table(1),
        refs: table(2),
        causes: cause_rows,
        packages: store.packages(filter, TABLE_ROWS)?,
        warnings,
        periods,
    })
}
