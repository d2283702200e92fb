//! Which spans match `--where key=value`, how long they took (count, p50, p95) and where
//! their time went among their direct children by name, self time included; with a CPU
//! profile, the samples labelled `span_id` of those spans (grafana/otel-profiling-go's
//! label). Renders nothing.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::profile::{LabelValue, Profile};
use crate::model::spans::{
    AttrValue, ChildTime, SPANS_SCHEMA, Span, SpanGroup, SpanProfile, SpansReport,
};

use super::profile::{ProfileAnalysisError, TagFilter, select, sort_top, top};

/// `--where key=value`: bool (`true`/`false`), int and string attributes compare by their
/// text, so `cache.miss=true` matches the OTLP `boolValue` true.
pub fn attr_matches(span: &Span, filter: &TagFilter) -> bool {
    span.attributes.iter().any(|(k, v)| {
        k == &filter.key
            && match v {
                AttrValue::Str(s) => s == &filter.value,
                other => other.to_string() == filter.value,
            }
    })
}

/// Nearest-rank percentile of sorted values (p in 0..=100).
fn percentile(sorted: &[u64], p: u64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p as usize * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// The length of the union of intervals, each clipped to `[lo, hi]`.
fn covered(mut iv: Vec<(u64, u64)>, lo: u64, hi: u64) -> u64 {
    iv.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(u64, u64)> = None;
    for (s, e) in iv {
        let (s, e) = (s.max(lo), e.min(hi));
        if s >= e {
            continue;
        }
        match cur {
            Some((cs, ce)) if s <= ce => cur = Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += ce - cs;
                cur = Some((s, e));
            }
            None => cur = Some((s, e)),
        }
    }
    if let Some((cs, ce)) = cur {
        total += ce - cs;
    }
    total
}

pub fn analyse(
    spans: &[Span],
    filters: &[TagFilter],
    profiles: &[Profile],
    warnings: Vec<String>,
) -> Result<SpansReport, ProfileAnalysisError> {
    let mut children: HashMap<(&str, &str), Vec<&Span>> = HashMap::new();
    for s in spans {
        if !s.parent_span_id.is_empty() {
            children
                .entry((s.trace_id.as_str(), s.parent_span_id.as_str()))
                .or_default()
                .push(s);
        }
    }
    let mut by_name: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for s in spans
        .iter()
        .filter(|s| filters.iter().all(|f| attr_matches(s, f)))
    {
        by_name.entry(s.name.as_str()).or_default().push(s);
    }
    let mut groups = Vec::new();
    for (name, selected) in by_name {
        let mut durations: Vec<u64> = selected.iter().map(|s| s.duration_ns()).collect();
        durations.sort_unstable();
        let total_ns: u64 = durations.iter().sum();
        let mut child_time: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
        let mut self_ns = 0;
        for s in &selected {
            let kids = children
                .get(&(s.trace_id.as_str(), s.span_id.as_str()))
                .map(Vec::as_slice)
                .unwrap_or_default();
            for k in kids {
                let e = child_time.entry(k.name.as_str()).or_default();
                e.0 += 1;
                e.1 += k
                    .end_ns
                    .min(s.end_ns)
                    .saturating_sub(k.start_ns.max(s.start_ns));
            }
            let busy = covered(
                kids.iter().map(|k| (k.start_ns, k.end_ns)).collect(),
                s.start_ns,
                s.end_ns,
            );
            self_ns += s.duration_ns() - busy;
        }
        let fraction = |ns: u64| {
            if total_ns == 0 {
                0.0
            } else {
                ns as f64 / total_ns as f64
            }
        };
        let mut kids: Vec<ChildTime> = child_time
            .into_iter()
            .map(|(name, (count, ns))| ChildTime {
                name: name.to_owned(),
                count,
                total_ns: ns,
                fraction: fraction(ns),
            })
            .collect();
        kids.sort_by(|a, b| b.total_ns.cmp(&a.total_ns).then(a.name.cmp(&b.name)));
        let profile = if profiles.is_empty() {
            None
        } else {
            Some(join_profile(&selected, profiles)?)
        };
        groups.push(SpanGroup {
            name: name.to_owned(),
            count: selected.len(),
            p50_ns: percentile(&durations, 50),
            p95_ns: percentile(&durations, 95),
            total_ns,
            children: kids,
            self_ns,
            profile,
        });
    }
    groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    Ok(SpansReport {
        schema: SPANS_SCHEMA.to_owned(),
        filters: filters.iter().map(ToString::to_string).collect(),
        spans_read: spans.len(),
        groups,
        warnings,
    })
}

/// Samples whose `span_id` label names one of `selected`, as a profile answer.
fn join_profile(
    selected: &[&Span],
    profiles: &[Profile],
) -> Result<SpanProfile, ProfileAnalysisError> {
    let ids: HashSet<&str> = selected.iter().map(|s| s.span_id.as_str()).collect();
    let mut with_samples: HashSet<String> = HashSet::new();
    let joined: Vec<Profile> = profiles
        .iter()
        .map(|p| {
            let mut q = p.clone();
            q.samples.retain(|s| {
                s.labels.iter().any(|(k, v)| {
                    let hit = k == "span_id" && matches!(v, LabelValue::Str(id) if ids.contains(id.to_ascii_lowercase().as_str()));
                    if hit && let LabelValue::Str(id) = v {
                        with_samples.insert(id.to_ascii_lowercase());
                    }
                    hit
                })
            });
            q
        })
        .collect();
    let sel = select(&joined, None)?;
    let mut t = top(&sel, &[]);
    sort_top(&mut t.functions);
    t.functions.truncate(20);
    Ok(SpanProfile {
        sample_type: sel.sample_type,
        total: t.total,
        spans_with_samples: with_samples.len(),
        functions: t.functions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&v, 50), 5);
        assert_eq!(percentile(&v, 95), 10);
        assert_eq!(percentile(&[7], 95), 7);
        assert_eq!(percentile(&[], 50), 0);
    }

    #[test]
    fn overlapping_children_count_once_for_self_time() {
        // Parent 0..100; children 10..40 and 30..60 overlap; 90..150 sticks out.
        assert_eq!(
            covered(vec![(10, 40), (30, 60), (90, 150)], 0, 100),
            50 + 10
        );
        assert_eq!(covered(vec![], 0, 100), 0);
    }
}
