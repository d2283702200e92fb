//! Terminal tables (comfy-table) for `profile`, `profile diff` and `spans`.

use std::io::Write;

use comfy_table::Cell;

use crate::model::profile::{ProfileDiff, ProfileReport};
use crate::model::spans::SpansReport;
use crate::render::table::{TableOptions, right, table};

use super::{delta, ns, share, value};

pub fn write_profile(
    r: &ProfileReport,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    let t = &r.sample_type;
    let filters = if r.tag_filters.is_empty() {
        String::new()
    } else {
        format!(" with {}", r.tag_filters.join(", "))
    };
    writeln!(
        out,
        "{} profile(s), {} {}{filters}: total {}",
        r.profiles.len(),
        t.kind,
        t.unit,
        value(r.total, t)
    )?;
    let mut tab = table(&["flat", "flat%", "cum", "cum%", "function"], opts);
    for f in r.functions.iter().take(opts.top) {
        tab.add_row(vec![
            right(value(f.flat, t)),
            right(share(f.flat, r.total)),
            right(value(f.cum, t)),
            right(share(f.cum, r.total)),
            Cell::new(&f.name),
        ]);
    }
    writeln!(
        out,
        "\nTop functions by flat ({} of {})\n{tab}",
        r.functions.len().min(opts.top),
        r.functions.len()
    )?;
    if let Some(top) = r
        .functions
        .first()
        .filter(|f| f.name == "runtime.asyncPreempt")
    {
        writeln!(
            out,
            "note: runtime.asyncPreempt ({}) is where goroutines were preempted, not work of \
             its own; the compiler-pass table counts those samples towards the pass that ran",
            share(top.flat, r.total)
        )?;
    }
    super::compiler::write_packages(&r.packages, out, opts, opts.top)?;
    if !r.tags.is_empty() {
        let mut tab = table(&["label", "value", "total", "share"], opts);
        for g in r.tags.iter().filter(|g| g.key != "span_id").take(opts.top) {
            tab.add_row(vec![
                Cell::new(&g.key),
                Cell::new(&g.value),
                right(value(g.total, t)),
                right(share(g.total, r.total)),
            ]);
        }
        let ids = r.tags.iter().filter(|g| g.key == "span_id").count();
        let note = if ids > 0 {
            format!(" ({ids} span_id values not listed)")
        } else {
            String::new()
        };
        writeln!(out, "\nLabels{note}\n{tab}")?;
    }
    for w in &r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

pub fn write_diff(
    d: &ProfileDiff,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    let t = &d.sample_type;
    writeln!(
        out,
        "{} {}: base {} → head {} ({}){}; noise floor {} and {:.0}% of the larger side",
        t.kind,
        t.unit,
        value(d.base_total, t),
        value(d.head_total, t),
        delta(d.head_total - d.base_total, t),
        if d.normalized {
            ", head normalised to base's total"
        } else {
            ""
        },
        value(d.min_delta, t),
        d.min_delta_fraction * 100.0
    )?;
    let mut tab = table(&["Δcum", "Δflat", "base cum", "head cum", "function"], opts);
    for f in d.functions.iter().take(opts.top) {
        tab.add_row(vec![
            right(delta(f.delta_cum, t)),
            right(delta(f.delta_flat, t)),
            right(value(f.base_cum, t)),
            right(value(f.head_cum, t)),
            Cell::new(&f.name),
        ]);
    }
    writeln!(
        out,
        "\nChanges above the noise floor ({})\n{tab}",
        d.functions.len()
    )?;
    let pk: Vec<_> = d.packages.iter().collect();
    if !pk.is_empty() {
        let mut tab = table(
            &["package", "base wall", "head wall", "base CPU", "head CPU"],
            opts,
        );
        let o = |v: Option<i64>| v.map_or("-".into(), |v| ns(v.max(0) as u64));
        for p in pk {
            tab.add_row(vec![
                Cell::new(&p.package),
                right(o(p.base_wall_ns)),
                right(o(p.head_wall_ns)),
                right(o(p.base_cpu_ns)),
                right(o(p.head_cpu_ns)),
            ]);
        }
        writeln!(out, "\nCompiled packages\n{tab}")?;
    }
    for w in &d.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}

pub fn write_spans(
    r: &SpansReport,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    let filters = if r.filters.is_empty() {
        String::new()
    } else {
        format!(" with {}", r.filters.join(", "))
    };
    if r.groups.is_empty() {
        writeln!(out, "no span{filters} among {} spans", r.spans_read)?;
    }
    for g in &r.groups {
        let top = g.children.first().filter(|c| c.total_ns > g.self_ns);
        let answer = match top {
            Some(c) => format!("; {:.0}% in {}", c.fraction * 100.0, c.name),
            None => String::new(),
        };
        writeln!(
            out,
            "{}{filters}: {} spans, p50 {}, p95 {}{answer}",
            g.name,
            g.count,
            ns(g.p50_ns),
            ns(g.p95_ns)
        )?;
        let mut tab = table(&["child span", "spans", "time", "share"], opts);
        for c in &g.children {
            tab.add_row(vec![
                Cell::new(&c.name),
                right(c.count),
                right(ns(c.total_ns)),
                right(format!("{:.1}%", c.fraction * 100.0)),
            ]);
        }
        let self_share = if g.total_ns == 0 {
            0.0
        } else {
            g.self_ns as f64 * 100.0 / g.total_ns as f64
        };
        tab.add_row(vec![
            Cell::new("(self)"),
            right(""),
            right(ns(g.self_ns)),
            right(format!("{self_share:.1}%")),
        ]);
        writeln!(out, "{tab}")?;
        if let Some(p) = &g.profile {
            writeln!(
                out,
                "CPU samples labelled with these spans' span_id: {} in {} of {} spans",
                value(p.total, &p.sample_type),
                p.spans_with_samples,
                g.count
            )?;
            let mut tab = table(&["flat", "flat%", "cum", "function"], opts);
            for f in p.functions.iter().take(opts.top) {
                tab.add_row(vec![
                    right(value(f.flat, &p.sample_type)),
                    right(share(f.flat, p.total)),
                    right(value(f.cum, &p.sample_type)),
                    Cell::new(&f.name),
                ]);
            }
            writeln!(out, "{tab}")?;
        }
        writeln!(out)?;
    }
    for w in &r.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
