//! `compare` in the terminal (comfy-table): the headline numbers side by side, where the
//! delta went, new and fixed misses, regressions, modules and the GitLab jobs.

use std::io::Write;

use comfy_table::Cell;

use super::signed;
use crate::model::compare::{Change, Comparison};
pub use crate::render::table::TableOptions;
use crate::render::table::{percent, right, seconds, table};

fn opt_s(ms: Option<f64>) -> String {
    ms.map_or_else(|| "-".to_owned(), seconds)
}

fn more(title: &str, shown: usize, total: usize) -> String {
    if total > shown {
        format!("{title} ({total}, {} more not shown)", total - shown)
    } else {
        format!("{title} ({total})")
    }
}

pub fn write(c: &Comparison, out: &mut dyn Write, opts: &TableOptions) -> std::io::Result<()> {
    writeln!(out, "BASE: {}\nHEAD: {}", c.base.source, c.head.source)?;
    let (b, h, d) = (&c.base, &c.head, &c.delta);
    let mut t = table(&["", "BASE", "HEAD", "delta"], opts);
    t.add_row(vec![
        Cell::new("wall time"),
        right(opt_s(b.wall_ms)),
        right(opt_s(h.wall_ms)),
        right(d.wall_ms.map_or_else(|| "-".to_owned(), signed)),
    ]);
    t.add_row(vec![
        Cell::new("critical path"),
        right(seconds(b.critical_path_ms)),
        right(seconds(h.critical_path_ms)),
        right(signed(d.critical_path_ms)),
    ]);
    t.add_row(vec![
        Cell::new("package hits / misses"),
        right(format!("{} / {}", b.hits, b.misses)),
        right(format!("{} / {}", h.hits, h.misses)),
        right(format!("{:+} / {:+}", d.hits, d.misses)),
    ]);
    t.add_row(vec![
        Cell::new("hit rate"),
        right(percent(b.hit_rate)),
        right(percent(h.hit_rate)),
        right(
            d.hit_rate
                .map_or("-".into(), |r| format!("{:+.1} pt", r * 100.0)),
        ),
    ]);
    t.add_row(vec![
        Cell::new("time in misses"),
        right(seconds(b.miss_ms)),
        right(seconds(h.miss_ms)),
        right(signed(d.miss_ms)),
    ]);
    t.add_row(vec![
        Cell::new("parallelism"),
        right(b.parallelism.map_or("-".into(), |p| format!("{p:.2}×"))),
        right(h.parallelism.map_or("-".into(), |p| format!("{p:.2}×"))),
        Cell::new(""),
    ]);
    writeln!(out, "{t}")?;

    if !c.attribution.is_empty() || c.unexplained_ms != 0.0 {
        let mut t = table(
            &["time", "change", "cause", "origin", "misses", "what"],
            opts,
        );
        for a in &c.attribution {
            t.add_row(vec![
                right(signed(a.time_ms)),
                Cell::new(change(a.change)),
                Cell::new(a.kind),
                Cell::new(crate::model::name_some_joined(
                    a.origin.as_deref().unwrap_or(""),
                    crate::model::MAX_ORIGINS_NAMED,
                )),
                right(a.misses),
                Cell::new(&a.detail),
            ]);
        }
        t.add_row(vec![
            right(signed(c.unexplained_ms)),
            Cell::new(""),
            Cell::new("unexplained"),
            Cell::new(""),
            Cell::new(""),
            Cell::new("scheduling, the go command's own work, noise"),
        ]);
        writeln!(
            out,
            "\nWhere the wall-time delta went ({} explained)\n{t}",
            percent(Some(c.explained_share))
        )?;
    }

    if !c.new_misses.is_empty() {
        let mut t = table(
            &["package", "mode", "time", "cause", "origins", "detail"],
            opts,
        );
        for m in c.new_misses.iter().take(opts.top) {
            t.add_row(vec![
                Cell::new(&m.package),
                Cell::new(&m.mode),
                right(opt_s(m.head_ms)),
                Cell::new(m.cause.kind),
                Cell::new(m.cause.origins.named(crate::model::MAX_ORIGINS_NAMED, ", ")),
                Cell::new(&m.cause.detail),
            ]);
        }
        let title = more(
            "New misses: hit in BASE, missed in HEAD",
            opts.top,
            c.new_misses.len(),
        );
        writeln!(out, "\n{title}\n{t}")?;
    }
    if !c.fixed_misses.is_empty() {
        let mut t = table(&["package", "mode", "BASE time", "missed in BASE as"], opts);
        for m in c.fixed_misses.iter().take(opts.top) {
            t.add_row(vec![
                Cell::new(&m.package),
                Cell::new(&m.mode),
                right(opt_s(m.base_ms)),
                Cell::new(m.base_cause.map_or("", |k| k.as_str())),
            ]);
        }
        let title = more(
            "Fixed misses: missed in BASE, not in HEAD",
            opts.top,
            c.fixed_misses.len(),
        );
        writeln!(out, "\n{title}\n{t}")?;
    }
    if !c.slower.is_empty() {
        let mut t = table(&["package", "mode", "cache", "BASE", "HEAD", "delta"], opts);
        for s in c.slower.iter().take(opts.top) {
            t.add_row(vec![
                Cell::new(&s.package),
                Cell::new(&s.mode),
                Cell::new(s.cache.as_str()),
                right(seconds(s.base_ms)),
                right(seconds(s.head_ms)),
                right(signed(s.delta_ms)),
            ]);
        }
        writeln!(out, "\nSlower with the same cache outcome\n{t}")?;
    }
    let changed_modules: Vec<_> = c
        .modules
        .iter()
        .filter(|m| m.base_hit_rate != m.head_hit_rate || m.base_misses != m.head_misses)
        .collect();
    if !changed_modules.is_empty() {
        let mut t = table(
            &["module", "BASE hit rate", "HEAD hit rate", "misses"],
            opts,
        );
        for m in changed_modules {
            t.add_row(vec![
                Cell::new(&m.module),
                right(percent(m.base_hit_rate)),
                right(percent(m.head_hit_rate)),
                right(format!("{} → {}", m.base_misses, m.head_misses)),
            ]);
        }
        writeln!(out, "\nHit rate per module (modules that changed)\n{t}")?;
    }
    for (title, list) in [
        ("Packages only in HEAD", &c.added),
        ("Packages only in BASE", &c.removed),
    ] {
        if !list.is_empty() {
            let shown: Vec<&str> = list.iter().take(opts.top).map(String::as_str).collect();
            writeln!(
                out,
                "\n{}: {}",
                more(title, shown.len(), list.len()),
                shown.join(", ")
            )?;
        }
    }
    if let Some(job) = &c.job {
        let mut t = table(&["job section", "BASE", "HEAD", "delta"], opts);
        for s in &job.sections {
            t.add_row(vec![
                Cell::new(&s.name),
                right(opt_s(s.base_ms)),
                right(opt_s(s.head_ms)),
                right(s.delta_ms.map_or_else(|| "-".to_owned(), signed)),
            ]);
        }
        writeln!(out, "\nGitLab jobs\n{t}")?;
        for ch in &job.changes {
            writeln!(out, "  {ch}")?;
        }
        if !job.cache.is_empty() {
            let mut t = table(&["cache", "BASE key", "HEAD key", "BASE", "HEAD"], opts);
            for op in &job.cache {
                t.add_row(vec![
                    Cell::new(&op.op),
                    Cell::new(op.base_key.as_deref().unwrap_or("-")),
                    Cell::new(op.head_key.as_deref().unwrap_or("-")),
                    Cell::new(op.base_outcome.as_deref().unwrap_or("-")),
                    Cell::new(op.head_outcome.as_deref().unwrap_or("-")),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    crate::render::caches::write_compare_table(c, out, opts)?;
    if !c.warnings.is_empty() {
        writeln!(out, "\nWarnings")?;
        for w in &c.warnings {
            writeln!(out, "  - {w}")?;
        }
    }
    Ok(())
}

pub(crate) fn change(c: Change) -> &'static str {
    match c {
        Change::NewMiss => "new miss",
        Change::Fixed => "fixed",
        Change::SameOutcome => "same outcome",
        Change::Added => "added",
        Change::Removed => "removed",
    }
}
