//! `top.md` of `profile --out` and the Markdown of `profile diff` (for a merge-request
//! comment). Every name goes through the report's Markdown escaping (`render::markdown`).

use std::fmt::Write;

use crate::model::profile::{ProfileDiff, ProfileReport};
use crate::render::markdown::{code, text};

use super::{delta, share, value};

pub fn write_profile(r: &ProfileReport, top: usize) -> String {
    let t = &r.sample_type;
    let mut out = String::new();
    let _ = writeln!(out, "### goattrib: profile\n");
    let _ = writeln!(
        out,
        "{} profile(s), {} {}{}: **total {}**\n",
        r.profiles.len(),
        text(&t.kind),
        text(&t.unit),
        if r.tag_filters.is_empty() {
            String::new()
        } else {
            format!(
                " with {}",
                r.tag_filters
                    .iter()
                    .map(|f| code(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        text(&value(r.total, t))
    );
    let _ = writeln!(
        out,
        "| flat | flat% | cum | cum% | function |\n|---:|---:|---:|---:|---|"
    );
    for f in r.functions.iter().take(top) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            text(&value(f.flat, t)),
            share(f.flat, r.total),
            text(&value(f.cum, t)),
            share(f.cum, r.total),
            code(&f.name)
        );
    }
    for w in &r.warnings {
        let _ = writeln!(out, "\n> warning: {}", text(w));
    }
    out
}

pub fn write_diff(d: &ProfileDiff, top: usize, failures: &[String]) -> String {
    let t = &d.sample_type;
    let mut out = String::new();
    let _ = writeln!(out, "### goattrib: profile diff\n");
    let _ = writeln!(
        out,
        "{} {}: base **{}** → head **{}** ({}){}\n",
        text(&t.kind),
        text(&t.unit),
        text(&value(d.base_total, t)),
        text(&value(d.head_total, t)),
        text(&delta(d.head_total - d.base_total, t)),
        if d.normalized {
            ", head normalised to base's total"
        } else {
            ""
        }
    );
    for f in failures {
        let _ = writeln!(out, "- **regression**: {}", text(f));
    }
    if !failures.is_empty() {
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "| Δcum | Δflat | base cum | head cum | function |\n|---:|---:|---:|---:|---|"
    );
    for f in d.functions.iter().take(top) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            text(&delta(f.delta_cum, t)),
            text(&delta(f.delta_flat, t)),
            text(&value(f.base_cum, t)),
            text(&value(f.head_cum, t)),
            code(&f.name)
        );
    }
    let _ = writeln!(
        out,
        "\n{} function(s) changed by more than {} and {:.0}% of the larger side.",
        d.functions.len(),
        text(&value(d.min_delta, t)),
        d.min_delta_fraction * 100.0
    );
    out
}
