//! Two sides compared (`profile diff BASE HEAD`): per-function Δflat and Δcum above a noise
//! floor, per-package Δwall and ΔCPU of compile profiles, and the `--max-regression` gate.
//! With `normalize`, HEAD's values are scaled to BASE's total first, so a side that simply
//! ran longer does not look slower everywhere.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::profile::{
    FunctionCost, FunctionDelta, PROFILE_DIFF_SCHEMA, PackageDelta, Profile, ProfileDiff,
};

use super::{ProfileAnalysisError, TagFilter, compile, select, top};

/// The default noise floor for time-valued profiles: 20 ms.
pub const DEFAULT_MIN_DELTA_NS: i64 = 20_000_000;
/// The default noise floor relative to the larger side of a value.
pub const DEFAULT_MIN_DELTA_FRACTION: f64 = 0.05;

#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub sample: Option<String>,
    pub tags: Vec<TagFilter>,
    pub normalize: bool,
    /// In the sample type's unit; `None`: 20 ms for nanoseconds, 0 otherwise.
    pub min_delta: Option<i64>,
    pub min_delta_fraction: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions {
            sample: None,
            tags: Vec::new(),
            normalize: false,
            min_delta: None,
            min_delta_fraction: DEFAULT_MIN_DELTA_FRACTION,
        }
    }
}

/// Whether a change of `a` → `b` is above the floor: larger than `min` and than
/// `fraction` of the larger side.
fn above_floor(a: i64, b: i64, min: i64, fraction: f64) -> bool {
    let d = (b - a).unsigned_abs() as f64;
    d > min as f64 && d > fraction * a.max(b).unsigned_abs() as f64
}

pub fn diff(
    base: &[Profile],
    head: &[Profile],
    opts: &DiffOptions,
) -> Result<ProfileDiff, ProfileAnalysisError> {
    let bsel = select(base, opts.sample.as_deref())?;
    // HEAD uses BASE's sample type, so both sides measure the same thing.
    let hsel = select(head, Some(bsel.sample_type.kind.as_str()))?;
    let b = top(&bsel, &opts.tags);
    let h = top(&hsel, &opts.tags);
    let min_delta = opts
        .min_delta
        .unwrap_or(if bsel.sample_type.unit == "nanoseconds" {
            DEFAULT_MIN_DELTA_NS
        } else {
            0
        });
    let scale = |v: i64| -> i64 {
        if opts.normalize && h.total != 0 {
            ((v as f64) * (b.total as f64) / (h.total as f64)).round() as i64
        } else {
            v
        }
    };
    let by_name = |fs: &[FunctionCost]| -> BTreeMap<String, (i64, i64)> {
        fs.iter()
            .map(|f| (f.name.clone(), (f.flat, f.cum)))
            .collect()
    };
    let bm = by_name(&b.functions);
    let hm = by_name(&h.functions);
    let names: BTreeSet<&String> = bm.keys().chain(hm.keys()).collect();
    let mut functions = Vec::new();
    for name in names {
        let (bf, bc) = bm.get(name).copied().unwrap_or((0, 0));
        let (hf, hc) = hm
            .get(name)
            .map(|&(f, c)| (scale(f), scale(c)))
            .unwrap_or((0, 0));
        if !above_floor(bf, hf, min_delta, opts.min_delta_fraction)
            && !above_floor(bc, hc, min_delta, opts.min_delta_fraction)
        {
            continue;
        }
        functions.push(FunctionDelta {
            name: name.clone(),
            base_flat: bf,
            head_flat: hf,
            base_cum: bc,
            head_cum: hc,
            delta_flat: hf - bf,
            delta_cum: hc - bc,
            delta_cum_fraction: (bc != 0).then(|| (hc - bc) as f64 / bc as f64),
        });
    }
    functions.sort_by(|x, y| {
        y.delta_cum
            .abs()
            .cmp(&x.delta_cum.abs())
            .then(y.delta_flat.abs().cmp(&x.delta_flat.abs()))
            .then(x.name.cmp(&y.name))
    });
    let bp = compile::packages(base, &[], &opts.tags);
    let hp = compile::packages(head, &[], &opts.tags);
    let mut packages: BTreeMap<String, PackageDelta> = BTreeMap::new();
    for (side, list) in [(0, bp), (1, hp)] {
        for p in list {
            let d = packages
                .entry(p.package.clone())
                .or_insert_with(|| PackageDelta {
                    package: p.package.clone(),
                    base_wall_ns: None,
                    head_wall_ns: None,
                    base_cpu_ns: None,
                    head_cpu_ns: None,
                });
            if side == 0 {
                d.base_wall_ns = p.wall_ns;
                d.base_cpu_ns = p.cpu_ns;
            } else {
                d.head_wall_ns = p.wall_ns;
                d.head_cpu_ns = p.cpu_ns;
            }
        }
    }
    let mut warnings = bsel.warnings;
    warnings.extend(hsel.warnings);
    Ok(ProfileDiff {
        schema: PROFILE_DIFF_SCHEMA.to_owned(),
        sample_type: bsel.sample_type,
        base_total: b.total,
        head_total: if opts.normalize {
            scale(h.total)
        } else {
            h.total
        },
        normalized: opts.normalize,
        min_delta,
        min_delta_fraction: opts.min_delta_fraction,
        functions,
        packages: packages.into_values().collect(),
        warnings,
    })
}

/// One thing that grew more than `--max-regression` allows.
#[derive(Debug, Clone, PartialEq)]
pub struct Regression {
    /// A function name, or `None` for the profile's total.
    pub function: Option<String>,
    pub base: i64,
    pub head: i64,
    /// The growth, as a fraction of what it is measured against.
    pub grew: f64,
}

/// `--max-regression`: the failures. The gate fails when the total grew by more than
/// `limit` (a fraction of BASE's total), or a function above the noise floor grew its cum
/// by more than `limit` of its BASE cum (a function new in HEAD: of BASE's total).
pub fn regressions(d: &ProfileDiff, limit: f64) -> Vec<Regression> {
    let mut out = Vec::new();
    if d.base_total > 0 {
        let grew = (d.head_total - d.base_total) as f64 / d.base_total as f64;
        if grew > limit {
            out.push(Regression {
                function: None,
                base: d.base_total,
                head: d.head_total,
                grew,
            });
        }
    }
    for f in &d.functions {
        let grew = match f.delta_cum_fraction {
            Some(x) => x,
            None if d.base_total > 0 => f.delta_cum as f64 / d.base_total as f64,
            None => continue,
        };
        if f.delta_cum > 0 && grew > limit {
            out.push(Regression {
                function: Some(f.name.clone()),
                base: f.base_cum,
                head: f.head_cum,
                grew,
            });
        }
    }
    out
}
