//! One side of a comparison: what `compare` reads of a finished report, whether the report
//! was just computed from a bundle or manifest, or read back from a `report.json`.
//!
//! Both go through the same serde view of the `goattrib.report/v1` contract, so a comparison
//! of two report.json files and one of the bundles they came from agree by construction.

use serde::Deserialize;

use crate::model::compare::CauseRef;
use std::collections::HashMap;

use crate::model::{CacheOutcome, CauseKind, Mode, Origins, Report};

/// The fields of `goattrib.report/v1` a comparison reads.
#[derive(Debug, Clone, Deserialize)]
pub struct Side {
    #[serde(default)]
    pub schema: String,
    pub build: BuildView,
    pub summary: SummaryView,
    #[serde(default)]
    pub modules: Vec<ModuleView>,
    #[serde(default)]
    pub actions: Vec<ActionView>,
    #[serde(default)]
    pub job: Option<JobView>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub tests: Option<super::caches::TestsView>,
    #[serde(default)]
    pub module_cache: Option<super::caches::ModuleCacheView>,
    /// Every distinct origin set, whole (`actions[].cause.origin_set` indexes it; absent
    /// from reports written before it was added).
    #[serde(default)]
    pub origin_sets: Vec<Origins>,
    /// What was read; set by the loader.
    #[serde(skip)]
    pub source: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct BuildView {
    pub wall_ms: Option<f64>,
    pub go_version: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SummaryView {
    pub packages: PackagesView,
    #[serde(default)]
    pub critical_path_ms: f64,
    #[serde(default)]
    pub miss_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PackagesView {
    #[serde(default)]
    pub total: usize,
    #[serde(default)]
    pub hits: usize,
    #[serde(default)]
    pub misses: usize,
    pub hit_rate: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ModuleView {
    pub module: String,
    #[serde(default)]
    pub misses: usize,
    pub hit_rate: Option<f64>,
    #[serde(default)]
    pub miss_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionView {
    #[serde(default)]
    pub id: u64,
    pub mode: Mode,
    pub package: String,
    /// What the action waits for: a build listing the `preprocess PGO profile` action is
    /// its package's PGO variant.
    #[serde(default)]
    pub deps: Vec<u64>,
    #[serde(default)]
    pub module: String,
    pub cache: CacheOutcome,
    pub duration_ms: Option<f64>,
    pub cause: Option<CauseView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CauseView {
    pub kind: CauseKind,
    #[serde(default)]
    pub detail: String,
    /// The whole set once [`Side::resolve_origins`] has run (inline, a report lists only
    /// the first 100).
    #[serde(default)]
    pub origins: Origins,
    #[serde(default)]
    pub origin_set: Option<usize>,
    #[serde(default)]
    pub origins_truncated: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobView {
    pub runner_version: Option<String>,
    pub executor: Option<String>,
    pub image: Option<String>,
    pub build_dir: Option<String>,
    #[serde(default)]
    pub sections: Vec<SectionView>,
    #[serde(default)]
    pub cache: Vec<CacheOpView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SectionView {
    pub name: String,
    pub duration_ms: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CacheOpView {
    pub op: String,
    pub key: Option<String>,
    pub outcome: String,
    pub duration_ms: Option<f64>,
}

impl Side {
    /// A report just computed. It goes through its own JSON, as a report.json would.
    pub fn from_report(report: &Report, source: String) -> Result<Side, serde_json::Error> {
        let mut side: Side = serde_json::from_value(serde_json::to_value(report)?)?;
        side.source = source;
        side.resolve_origins();
        Ok(side)
    }

    /// Gives each cause its whole origin set from `origin_sets` (shared, not copied: a
    /// chain of misses above a wide fan-in holds one set), marked as kept in part where
    /// the report says so. A cause without an index keeps its inline list (a report from
    /// before `origin_sets`); an index past the table is warned about and ignored.
    pub fn resolve_origins(&mut self) {
        let table = std::mem::take(&mut self.origin_sets);
        let mut in_part: HashMap<usize, Origins> = HashMap::new();
        let mut bad = 0usize;
        for c in self.actions.iter_mut().filter_map(|a| a.cause.as_mut()) {
            let Some(i) = c.origin_set else { continue };
            let Some(set) = table.get(i) else {
                bad += 1;
                continue;
            };
            c.origins = if c.origins_truncated {
                in_part
                    .entry(i)
                    .or_insert_with(|| Origins::truncated(set.to_vec(), set.len()))
                    .clone()
            } else {
                set.clone()
            };
        }
        if bad > 0 {
            self.warnings.push(format!(
                "{bad} cause(s) name an origin set past the report's {} (`origin_set`): \
                 their inline origins are used",
                table.len()
            ));
        }
        self.origin_sets = table;
    }

    /// The wall time in whole microseconds.
    pub fn wall_us(&self) -> Option<i64> {
        self.build.wall_ms.map(us)
    }
}

impl ActionView {
    /// Package compiles, links and vets: the actions with a cache key, counted as misses.
    pub fn is_keyed(&self) -> bool {
        self.mode.has_cache_key()
    }

    pub fn duration_us(&self) -> i64 {
        self.duration_ms.map_or(0, us)
    }

    pub fn cause_ref(&self) -> Option<CauseRef> {
        self.cause.as_ref().map(|c| CauseRef {
            kind: c.kind,
            detail: c.detail.clone(),
            origins: c.origins.clone(),
        })
    }
}

/// Milliseconds (microsecond precision) to whole microseconds; absurd values saturate.
pub fn us(ms: f64) -> i64 {
    let v = (ms * 1_000.0).round();
    if v.is_nan() { 0 } else { v as i64 }
}

/// Whole microseconds to milliseconds.
pub fn ms(us: i64) -> f64 {
    us as f64 / 1_000.0
}
