//! pprof figures with pprof's own definitions: `total`, `flat` (innermost frame, inlined
//! frames included) and `cum` (anywhere in the stack, once per sample), by function name
//! as `go tool pprof -granularity=functions`; label filters (`--tag`), label totals,
//! merging of several files (each with its own symbols) and folded stacks for flame graphs.
//! Compile profiles per package and pass: `compile.rs`; two sides compared: `diff.rs`.

pub mod compile;
pub mod diff;

use std::collections::{BTreeMap, HashMap};

use thiserror::Error;

use crate::model::profile::{
    FunctionCost, LabelValue, PROFILE_SCHEMA, Profile, ProfileReport, ProfileSummary, Sample,
    TagTotal, ValueType,
};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ProfileAnalysisError {
    #[error("failed to pick sample type `{wanted}`: no profile has it (they have: {have})")]
    NoSuchSample { wanted: String, have: String },
    #[error("failed to analyse profiles: none was given")]
    NoProfiles,
    #[error("failed to read tag filter `{0}`: expected KEY=VALUE")]
    BadTag(String),
}

/// `--tag key=value`: keep samples carrying that label (string value, or number as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagFilter {
    pub key: String,
    pub value: String,
}

impl std::str::FromStr for TagFilter {
    type Err = ProfileAnalysisError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok(TagFilter {
                key: k.to_owned(),
                value: v.to_owned(),
            }),
            _ => Err(ProfileAnalysisError::BadTag(s.to_owned())),
        }
    }
}

impl std::fmt::Display for TagFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

/// What to compute.
#[derive(Debug, Clone, Default)]
pub struct ProfileOptions {
    /// `--sample NAME`; the first profile's default sample type otherwise.
    pub sample: Option<String>,
    /// All must match (like several `-tagfocus`).
    pub tags: Vec<TagFilter>,
}

/// Whether a sample carries every label of `tags`.
pub fn sample_matches(sample: &Sample, tags: &[TagFilter]) -> bool {
    tags.iter().all(|t| {
        sample.labels.iter().any(|(k, v)| {
            k == &t.key
                && match v {
                    LabelValue::Str(s) => s == &t.value,
                    num => num.to_string() == t.value || matches!(num, LabelValue::Num { value, .. } if value.to_string() == t.value),
                }
        })
    })
}

/// The profiles that have the chosen sample type, with its index in each; warnings for
/// the others.
pub struct Selection<'a> {
    pub sample_type: ValueType,
    pub used: Vec<(&'a Profile, usize)>,
    pub warnings: Vec<String>,
}

/// Picks the sample type: `--sample NAME`, else the first profile's default.
pub fn select<'a>(
    profiles: &'a [Profile],
    sample: Option<&str>,
) -> Result<Selection<'a>, ProfileAnalysisError> {
    let first = profiles.first().ok_or(ProfileAnalysisError::NoProfiles)?;
    let sample_type = match sample {
        Some(name) => profiles
            .iter()
            .flat_map(|p| p.sample_types.iter())
            .find(|t| t.kind == name)
            .cloned()
            .ok_or_else(|| {
                let mut have: Vec<&str> = profiles
                    .iter()
                    .flat_map(|p| p.sample_types.iter().map(|t| t.kind.as_str()))
                    .collect();
                have.sort_unstable();
                have.dedup();
                ProfileAnalysisError::NoSuchSample {
                    wanted: name.to_owned(),
                    have: have.join(", "),
                }
            })?,
        None => match first.sample_types.get(first.default_sample) {
            Some(t) => t.clone(),
            None => ValueType {
                kind: "samples".into(),
                unit: "count".into(),
            },
        },
    };
    let mut used = Vec::new();
    let mut warnings = Vec::new();
    for p in profiles {
        match p.sample_types.iter().position(|t| *t == sample_type) {
            Some(i) => used.push((p, i)),
            // A 0-sample compile profile still says cpu/nanoseconds; only truly other
            // profiles land here.
            None => warnings.push(format!(
                "skipped `{}`: it has no `{}` samples (use --sample to pick another type)",
                p.file, sample_type.kind
            )),
        }
    }
    Ok(Selection {
        sample_type,
        used,
        warnings,
    })
}

/// flat and cum by function name over the selected profiles; total; label totals.
pub struct Top {
    pub total: i64,
    /// Unsorted; names are unique.
    pub functions: Vec<FunctionCost>,
    pub tags: Vec<TagTotal>,
}

/// pprof's figures. Each file's stacks are resolved with its own function table, so a
/// 0-sample file first in the list cannot change the others (PPROF-NOTES §5).
pub fn top(sel: &Selection<'_>, tags: &[TagFilter]) -> Top {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut functions: Vec<FunctionCost> = Vec::new();
    let mut seen: Vec<u64> = Vec::new();
    let mut stamp = 0u64;
    let mut total = 0i64;
    let mut tag_totals: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (p, vi) in &sel.used {
        let global: Vec<usize> = p
            .functions
            .iter()
            .map(|f| {
                *index.entry(f.name.as_str()).or_insert_with(|| {
                    functions.push(FunctionCost {
                        name: f.name.clone(),
                        file: f.file.clone(),
                        flat: 0,
                        cum: 0,
                    });
                    seen.push(0);
                    functions.len() - 1
                })
            })
            .collect();
        for s in &p.samples {
            if !sample_matches(s, tags) {
                continue;
            }
            let v = s.values[*vi];
            total += v;
            for (k, lv) in &s.labels {
                *tag_totals.entry((k.clone(), lv.to_string())).or_default() += v;
            }
            stamp += 1;
            if let Some(&leaf) = s.stack.first() {
                functions[global[leaf as usize]].flat += v;
            }
            for &f in &s.stack {
                let g = global[f as usize];
                if seen[g] != stamp {
                    seen[g] = stamp;
                    functions[g].cum += v;
                }
            }
        }
    }
    functions.retain(|f| f.flat != 0 || f.cum != 0);
    Top {
        total,
        functions,
        tags: tag_totals
            .into_iter()
            .map(|((key, value), total)| TagTotal { key, value, total })
            .collect(),
    }
}

/// pprof's `-top` order: flat descending, then cum descending, then name.
pub fn sort_top(functions: &mut [FunctionCost]) {
    functions.sort_by(|a, b| {
        b.flat
            .cmp(&a.flat)
            .then(b.cum.cmp(&a.cum))
            .then(a.name.cmp(&b.name))
    });
}

/// The whole `goattrib.profile/v1` answer.
pub fn analyse(
    profiles: &[Profile],
    bench: &[crate::model::profile::BenchPhase],
    opts: &ProfileOptions,
) -> Result<ProfileReport, ProfileAnalysisError> {
    let sel = select(profiles, opts.sample.as_deref())?;
    let mut t = top(&sel, &opts.tags);
    sort_top(&mut t.functions);
    Ok(ProfileReport {
        schema: PROFILE_SCHEMA.to_owned(),
        profiles: profiles
            .iter()
            .map(|p| ProfileSummary {
                file: p.file.clone(),
                kind: p.kind,
                package: p.package.clone(),
                sample_types: p.sample_types.clone(),
                duration_ns: p.duration_ns,
                samples: p.samples.len(),
            })
            .collect(),
        sample_type: sel.sample_type.clone(),
        total: t.total,
        tag_filters: opts.tags.iter().map(ToString::to_string).collect(),
        functions: t.functions,
        packages: compile::packages(profiles, bench, &opts.tags),
        tags: t.tags,
        warnings: sel.warnings,
    })
}

/// Folded stacks (`root;...;leaf value`, one line per distinct stack, sorted) for inferno.
/// `;` inside a name would split a frame, so it becomes `:`.
pub fn folded(sel: &Selection<'_>, tags: &[TagFilter]) -> Vec<String> {
    let mut stacks: BTreeMap<String, i64> = BTreeMap::new();
    let mut line = String::new();
    for (p, vi) in &sel.used {
        for s in &p.samples {
            let v = s.values[*vi];
            if v == 0 || !sample_matches(s, tags) {
                continue;
            }
            line.clear();
            for (n, &f) in s.stack.iter().rev().enumerate() {
                if n > 0 {
                    line.push(';');
                }
                line.extend(p.functions[f as usize].name.chars().map(|c| match c {
                    ';' => ':',
                    '\n' | '\r' => ' ',
                    c => c,
                }));
            }
            if line.is_empty() {
                line.push_str("[no frames]");
            }
            *stacks.entry(line.clone()).or_default() += v;
        }
    }
    stacks
        .into_iter()
        .map(|(stack, v)| format!("{stack} {v}"))
        .collect()
}
