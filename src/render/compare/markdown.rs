//! `summary.md` of `compare`: a merge-request comment saying how much slower (or faster)
//! HEAD was than BASE and why, in GitLab-flavoured Markdown. Every name from the build goes
//! through the report's escaping helpers (`render::markdown`).

use super::signed;
use super::table::change;
use crate::model::compare::Comparison;
use crate::render::markdown::{code, text};
use crate::render::table::{percent, seconds};

/// Rows per list.
const ROWS: usize = 15;

/// `summary.md` of `compare --out`.
pub struct Summary;

impl crate::render::Render<Comparison> for Summary {
    fn file_name(&self) -> &'static str {
        "summary.md"
    }

    fn render(&self, c: &Comparison) -> std::io::Result<Vec<u8>> {
        Ok(write(c).into_bytes())
    }
}

pub fn write(c: &Comparison) -> String {
    let mut md = String::new();
    let (b, h, d) = (&c.base, &c.head, &c.delta);
    let headline = match (d.wall_ms, b.wall_ms) {
        (Some(delta), Some(base)) if base > 0.0 => format!(
            "**HEAD took {} {} than BASE** ({:+.1}%), {} of it explained",
            seconds(delta.abs()),
            if delta >= 0.0 { "longer" } else { "less" },
            delta / base * 100.0,
            percent(Some(c.explained_share))
        ),
        _ => "**HEAD compared with BASE** (no wall time on one side)".to_owned(),
    };
    md.push_str(&format!("### goattrib compare\n\n{headline}\n\n"));
    md.push_str("| | BASE | HEAD | delta |\n|---|---:|---:|---:|\n");
    let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), seconds);
    md.push_str(&format!(
        "| wall time | {} | {} | {} |\n",
        opt(b.wall_ms),
        opt(h.wall_ms),
        d.wall_ms.map_or_else(|| "-".to_owned(), signed)
    ));
    md.push_str(&format!(
        "| critical path | {} | {} | {} |\n",
        seconds(b.critical_path_ms),
        seconds(h.critical_path_ms),
        signed(d.critical_path_ms)
    ));
    md.push_str(&format!(
        "| hits / misses | {} / {} | {} / {} | {:+} / {:+} |\n",
        b.hits, b.misses, h.hits, h.misses, d.hits, d.misses
    ));
    md.push_str(&format!(
        "| hit rate | {} | {} | {} |\n",
        percent(b.hit_rate),
        percent(h.hit_rate),
        d.hit_rate
            .map_or_else(|| "-".to_owned(), |r| format!("{:+.1} pt", r * 100.0))
    ));
    md.push_str(&format!(
        "| time in misses | {} | {} | {} |\n\n",
        seconds(b.miss_ms),
        seconds(h.miss_ms),
        signed(d.miss_ms)
    ));
    if !c.attribution.is_empty() {
        md.push_str("**Where the time went**\n\n");
        for a in c
            .attribution
            .iter()
            .filter(|a| a.time_ms != 0.0 || a.misses > 0)
            .take(ROWS)
        {
            let origin = a
                .origin
                .as_deref()
                .map(|o| {
                    let o = crate::model::name_some_joined(o, crate::model::MAX_ORIGINS_NAMED);
                    format!(", origin {}", code(&o))
                })
                .unwrap_or_default();
            md.push_str(&format!(
                "- {}: {} ({}, {}{origin})\n",
                signed(a.time_ms),
                text(&a.detail),
                change(a.change),
                code(a.kind.as_str())
            ));
        }
        md.push_str(&format!(
            "- {}: unexplained (scheduling, the go command's own work, noise)\n\n",
            signed(c.unexplained_ms)
        ));
    }
    if !c.new_misses.is_empty() {
        md.push_str(&format!(
            "<details><summary>{} new misses (hit in BASE, missed in HEAD)</summary>\n\n",
            c.new_misses.len()
        ));
        md.push_str("| package | cause | origins | detail |\n|---|---|---|---|\n");
        for m in c.new_misses.iter().take(ROWS) {
            let named = crate::model::MAX_ORIGINS_NAMED;
            let mut origins: Vec<String> = m
                .cause
                .origins
                .iter()
                .take(named)
                .map(|o| code(o))
                .collect();
            if !m.cause.origins.is_complete() {
                origins.push("and more".to_owned());
            } else if m.cause.origins.len() > named {
                let more = crate::model::thousands(m.cause.origins.len() - named);
                origins.push(format!("and {more} more"));
            }
            md.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code(&m.package),
                m.cause.kind,
                origins.join(", "),
                text(&m.cause.detail)
            ));
        }
        md.push_str("\n</details>\n\n");
    }
    if !c.fixed_misses.is_empty() {
        md.push_str(&format!(
            "{} misses of BASE were served from the cache in HEAD.\n\n",
            c.fixed_misses.len()
        ));
    }
    if !c.slower.is_empty() {
        md.push_str("**Slower with the same cache outcome**\n\n| package | BASE | HEAD |\n|---|---:|---:|\n");
        for s in c.slower.iter().take(5) {
            md.push_str(&format!(
                "| {} | {} | {} |\n",
                code(&s.package),
                seconds(s.base_ms),
                seconds(s.head_ms)
            ));
        }
        md.push('\n');
    }
    if let Some(job) = &c.job {
        let changed: Vec<_> = job
            .sections
            .iter()
            .filter(|s| s.delta_ms.is_some_and(|d| d != 0.0))
            .collect();
        if !changed.is_empty() || !job.changes.is_empty() {
            md.push_str("**GitLab jobs**\n\n");
            for s in changed {
                md.push_str(&format!(
                    "- {}: {}\n",
                    code(&s.name),
                    s.delta_ms.map_or_else(String::new, signed)
                ));
            }
            for ch in &job.changes {
                md.push_str(&format!("- {}\n", text(ch)));
            }
            for op in job.cache.iter().filter(|o| o.key_changed) {
                md.push_str(&format!(
                    "- cache {} key: {} → {}\n",
                    op.op,
                    code(op.base_key.as_deref().unwrap_or("-")),
                    code(op.head_key.as_deref().unwrap_or("-"))
                ));
            }
            md.push('\n');
        }
    }
    md.push_str(&crate::render::caches::compare_markdown(c));
    if !c.warnings.is_empty() {
        md.push_str(&format!(
            "<details><summary>{} warnings</summary>\n\n",
            c.warnings.len()
        ));
        for w in &c.warnings {
            md.push_str(&format!("- {}\n", text(w)));
        }
        md.push_str("\n</details>\n");
    }
    crate::render::markdown::fit_note(md)
}
