//! `job-timeline.svg`, "Job timeline": the GitLab job's sections on a time axis (nested
//! sections indented), the CI cache restore and save called out, and the Go build placed
//! inside the script section.

use std::collections::{BTreeSet, HashMap};

use super::bars::{Outline, Panel, Row, Seg, axis_range, panel_chart};
use super::draw::LegendItem;
use super::text::{TimeUnit, clean, duration};
use super::{Chart, ChartError};
use crate::model::{CacheOpKind, CacheOpOutcome, CauseKind, JobCacheOp, JobSection, Report};
use crate::render::palette::{self, Rgb};

pub(crate) const FILE: &str = "job-timeline.svg";
const MAX_MS: f64 = 1e12;
const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
const SCRIPT_SECTIONS: [&str; 2] = ["step_script", "build_script"];
/// Section rows drawn at most: the longest ones (the script and cache sections always
/// among them), in trace order; the rest are folded into one row that counts them and
/// their time. A log printing 50,000 section markers would otherwise draw 50,000 rows.
pub const MAX_SECTION_ROWS: usize = 40;

/// Legend classes, in legend order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Section,
    Restored,
    NotRestored,
    GoBuild,
}

impl Class {
    fn fill(self) -> Rgb {
        match self {
            Class::Section => WHITE,
            Class::Restored => palette::HIT,
            Class::NotRestored => palette::cause(CauseKind::CacheNotRestored),
            Class::GoBuild => palette::INK,
        }
    }

    fn item(self, approximate: bool) -> LegendItem {
        let label = match self {
            Class::Section => "job section",
            Class::Restored => "CI cache restored",
            Class::NotRestored => "CI cache not restored (restore missed or failed)",
            Class::GoBuild if approximate => {
                "Go build (approximate: placed at the end of the script section)"
            }
            Class::GoBuild => "Go build",
        };
        LegendItem {
            outline: self == Class::Section,
            ..LegendItem::new(self.fill(), label)
        }
    }
}

fn outcome(o: CacheOpOutcome) -> &'static str {
    match o {
        CacheOpOutcome::Hit => "hit",
        CacheOpOutcome::Miss => "miss",
        CacheOpOutcome::Failed => "failed",
        CacheOpOutcome::Skipped => "skipped",
        CacheOpOutcome::Saved => "saved",
        CacheOpOutcome::Unknown => "outcome unknown",
    }
}

/// "CI cache restore: miss (FATAL: file does not exist)" for each op of one kind.
fn ops_note(ops: &[&JobCacheOp], what: &str) -> String {
    ops.iter()
        .map(|o| {
            let mut s = format!("CI cache {what}: {}", outcome(o.outcome));
            if let Some(d) = &o.detail {
                s.push_str(&format!(" ({d})"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn valid(ms: Option<f64>) -> Option<f64> {
    ms.filter(|v| v.is_finite() && v.abs() < MAX_MS)
}

/// Each section name's parent, from the first section of that name: built once, so
/// placing every row does not search the sections again (50,000 nested ones were
/// quadratic).
fn parents(job: &JobSection) -> HashMap<&str, Option<&str>> {
    let mut map = HashMap::with_capacity(job.sections.len());
    for s in &job.sections {
        map.entry(s.name.as_str()).or_insert(s.parent.as_deref());
    }
    map
}

/// Whether a section is always drawn: where the Go build and the CI cache are shown.
fn always_drawn(name: &str) -> bool {
    SCRIPT_SECTIONS.contains(&name) || name == "restore_cache" || name.starts_with("archive_cache")
}

/// The timed sections the chart draws (at most [`MAX_SECTION_ROWS`], in trace order), and
/// the number and summed time of those it folds. O(n log n) in the sections.
fn drawn(job: &JobSection) -> (Vec<usize>, usize, f64) {
    let timed: Vec<(usize, f64)> = job
        .sections
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            valid(s.start_ms)?;
            Some((i, valid(s.duration_ms)?.max(0.0)))
        })
        .collect();
    if timed.len() <= MAX_SECTION_ROWS {
        return (timed.into_iter().map(|(i, _)| i).collect(), 0, 0.0);
    }
    let mut ranked = timed.clone();
    // Always-drawn sections first, then the longest; ties keep trace order.
    ranked.sort_by(|a, b| {
        let (fa, fb) = (
            always_drawn(&job.sections[a.0].name),
            always_drawn(&job.sections[b.0].name),
        );
        fb.cmp(&fa).then(b.1.total_cmp(&a.1)).then(a.0.cmp(&b.0))
    });
    let mut keep: Vec<usize> = ranked[..MAX_SECTION_ROWS].iter().map(|r| r.0).collect();
    keep.sort_unstable();
    let folded_ms = ranked[MAX_SECTION_ROWS..].iter().map(|r| r.1).sum();
    (keep, timed.len() - MAX_SECTION_ROWS, folded_ms)
}

fn depth<'a>(parents: &HashMap<&'a str, Option<&'a str>>, mut parent: Option<&'a str>) -> i32 {
    let mut d = 0;
    while let Some(p) = parent {
        d += 1;
        if d >= 4 {
            break;
        }
        parent = parents.get(p).copied().flatten();
    }
    d
}

pub(crate) fn chart(report: &Report) -> Result<Option<Chart>, ChartError> {
    let Some(job) = &report.job else {
        return Ok(None);
    };
    let restores: Vec<&JobCacheOp> = job
        .cache
        .iter()
        .filter(|c| c.op == CacheOpKind::Restore)
        .collect();
    let saves: Vec<&JobCacheOp> = job
        .cache
        .iter()
        .filter(|c| c.op == CacheOpKind::Save)
        .collect();
    let restore_class = if restores.iter().any(|o| o.outcome == CacheOpOutcome::Hit) {
        Class::Restored
    } else if restores
        .iter()
        .any(|o| matches!(o.outcome, CacheOpOutcome::Miss | CacheOpOutcome::Failed))
    {
        Class::NotRestored
    } else {
        Class::Section
    };
    let total = valid(job.duration_ms).filter(|d| *d > 0.0);
    let go_ms = valid(job.go_build_ms).filter(|d| *d >= 0.0);
    let approximate = job.go_build_placed_by != Some("command-time");
    let mut used = BTreeSet::new();
    let mut rows = Vec::new();
    let mut max_end: f64 = 0.0;
    let mut go_placed = false;
    let parents = parents(job);
    let (shown, folded, folded_ms) = drawn(job);
    for s in shown.iter().map(|&i| &job.sections[i]) {
        let (Some(start), Some(dur)) = (valid(s.start_ms), valid(s.duration_ms)) else {
            continue;
        };
        let (start, end) = (start, start + dur.max(0.0));
        max_end = max_end.max(end);
        let mut note = duration(end - start);
        // Shares under 1% would only read "0%".
        if let Some(share) = total
            .map(|t| (end - start) / t * 100.0)
            .filter(|s| *s >= 1.0)
        {
            note.push_str(&format!(" ({share:.0}% of the job)"));
        }
        let mut class = Class::Section;
        if s.name == "restore_cache" && !restores.is_empty() {
            class = restore_class;
            note = format!("{note}, {}", ops_note(&restores, "restore"));
        } else if s.name.starts_with("archive_cache") && !saves.is_empty() {
            note = format!("{note}, {}", ops_note(&saves, "save"));
        }
        if !s.closed {
            note.push_str(", never closed");
        }
        used.insert(class);
        let indent = depth(&parents, s.parent.as_deref());
        rows.push(Row {
            label: s.name.clone(),
            indent: indent * 14,
            segs: vec![Seg {
                from: start,
                to: end,
                fill: class.fill(),
                outline: Outline::Strong,
            }],
            note,
        });
        if let Some(go) = go_ms.filter(|_| SCRIPT_SECTIONS.contains(&s.name.as_str()) && !go_placed)
        {
            // With FF_TIMESTAMPS the build starts at its script command's time; without,
            // the report places it at the end of the script (an estimate, and said so).
            go_placed = true;
            used.insert(Class::GoBuild);
            let from = valid(job.go_build_start_ms)
                .unwrap_or(end - go)
                .clamp(start, end);
            let mut note = duration(go);
            if let Some(share) = job.go_share_of_script.filter(|v| v.is_finite()) {
                note.push_str(&format!(" ({:.1}% of {})", share * 100.0, s.name));
            }
            if approximate {
                note.push_str(", position approximate");
            }
            rows.push(Row {
                label: "go build".to_owned(),
                indent: (indent + 1) * 14,
                segs: vec![Seg {
                    from,
                    to: (from + go).min(end.max(from)),
                    fill: Class::GoBuild.fill(),
                    outline: Outline::None,
                }],
                note,
            });
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let folded_text = (folded > 0).then(|| {
        format!(
            "{} shorter sections folded ({} in all)",
            crate::model::thousands(folded),
            duration(folded_ms)
        )
    });
    if let Some(text) = &folded_text {
        rows.push(Row {
            label: format!("{} more", crate::model::thousands(folded)),
            indent: 0,
            segs: Vec::new(),
            note: text.clone(),
        });
    }
    let x_max = total.unwrap_or(0.0).max(max_end);
    let unit = TimeUnit::for_range(x_max);

    let title =
        "Job timeline: where the CI job's time went, and whether the cache came back".to_owned();
    let mut subtitle = format!(
        "GitLab job {}: sections from the runner's trace{}",
        total.map_or("of unknown length".to_owned(), |t| format!(
            "of {}",
            duration(t)
        )),
        if job.has_timestamps {
            ""
        } else {
            " (whole seconds: no FF_TIMESTAMPS)"
        }
    );
    if folded_text.is_some() {
        subtitle.push_str(&format!("; the {MAX_SECTION_ROWS} longest shown"));
    }
    let mut alt = format!(
        "The GitLab job took {}",
        total.map_or("an unknown time".to_owned(), duration)
    );
    let longest = job
        .sections
        .iter()
        .filter_map(|s| valid(s.duration_ms).map(|d| (s, d)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((s, d)) = longest {
        alt.push_str(&format!(
            ", most of it in {} ({})",
            clean(&s.name),
            duration(d)
        ));
    }
    if let Some(r) = restores.first() {
        alt.push_str(&format!("; the cache restore was a {}", outcome(r.outcome)));
    }
    if let (Some(go), true) = (go_ms, go_placed) {
        alt.push_str(&format!("; the Go build took {}", duration(go)));
        if approximate {
            alt.push_str(" (its position in the script is approximate)");
        }
    }
    if let Some(text) = &folded_text {
        alt.push_str(&format!("; {text}"));
    }
    alt.push('.');

    let tick = move |v: f64| unit.tick(v);
    let x_desc = format!("time since the job started ({})", unit.name());
    // Sections nest, so their names are indented from the left, in a fixed column.
    let panel = Panel {
        label_px: 210,
        labels_left: true,
        right_px: 24,
        grow_right: false,
        ..Panel::bars(&rows, axis_range([x_max]), x_desc, &tick)
    };
    let items: Vec<LegendItem> = used.iter().map(|c| c.item(approximate)).collect();
    panel_chart(FILE, title, &subtitle, alt, &panel, &items).map(Some)
}
