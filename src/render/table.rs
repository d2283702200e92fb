//! Terminal tables (comfy-table): summary, per-module hit rate, root causes with time,
//! origins, top misses by cost and the critical path. By default sized for a CI log on a
//! thousand packages: the cause rows after the first [`CAUSE_ROWS`] and the cheap steps of
//! the critical path are folded into one line each, saying what was folded; `all` shows
//! everything. The JSON report is always complete.

use std::io::Write;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use crate::model::{JobSection, Report};

/// Options for the tables.
#[derive(Debug, Clone, Copy)]
pub struct TableOptions {
    /// Rows in the "top misses" and "critical path" tables.
    pub top: usize,
    /// Total width, long cells folded to fit; `None`: as wide as the longest cell.
    pub width: Option<u16>,
    /// Every cause row, every miss and every critical-path step.
    pub all: bool,
    /// Every critical-path step.
    pub full_critical_path: bool,
}

/// Cause rows shown before the rest is folded.
pub const CAUSE_ROWS: usize = 10;
/// Costliest critical-path steps shown when the path is folded.
pub const PATH_STEPS: usize = 10;
/// Origins named in a cause row before the rest is counted.
const ORIGIN_NAMES: usize = 3;
/// Characters of a cause row's detail before it is cut.
const DETAIL_CHARS: usize = 160;

/// `a, b, c, d, e` → `a, b, c and 2 more`.
fn fold_list(list: &str, keep: usize) -> String {
    let items: Vec<&str> = list.split(", ").filter(|s| !s.is_empty()).collect();
    if items.len() <= keep {
        return list.to_owned();
    }
    format!(
        "{} and {} more",
        items[..keep].join(", "),
        items.len() - keep
    )
}

/// A detail cut to `max` characters, with `…` where it was cut.
fn fold_text(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

pub(crate) fn table(header: &[&str], opts: &TableOptions) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_header(header.iter().map(Cell::new));
    match opts.width {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(w);
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t
}

pub(crate) fn right(text: impl ToString) -> Cell {
    Cell::new(text).set_alignment(CellAlignment::Right)
}

pub fn seconds(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// The GitLab job: sections with their share of the job, then the cache operations.
fn write_job(job: &JobSection, out: &mut dyn Write, opts: &TableOptions) -> std::io::Result<()> {
    let mut head = format!("GitLab job: {}", crate::render::job_status(job));
    for (label, value) in [
        ("runner", job.runner_version.as_deref()),
        ("executor", job.executor.as_deref()),
        ("image", job.image.as_deref()),
        ("build dir", job.build_dir.as_deref()),
    ] {
        if let Some(v) = value {
            head.push_str(&format!(", {label} {v}"));
        }
    }
    if let Some(fresh) = job.fresh_clone {
        head.push_str(if fresh {
            " (fresh clone)"
        } else {
            " (reused checkout)"
        });
    }
    writeln!(out, "{head}")?;
    let total = job.duration_ms.filter(|d| *d > 0.0);
    let mut t = table(&["section", "starts at", "duration", "share of job"], opts);
    for s in &job.sections {
        let name = match &s.parent {
            Some(p) => format!("  {} (in {p})", s.name),
            None => s.name.clone(),
        };
        let name = if s.closed {
            name
        } else {
            format!("{name} (never closed)")
        };
        let share = s
            .duration_ms
            .zip(total)
            .map(|(d, t)| percent(Some(d / t)))
            .unwrap_or_default();
        t.add_row(vec![
            Cell::new(name),
            right(s.start_ms.map_or("-".into(), seconds)),
            right(s.duration_ms.map_or("-".into(), seconds)),
            right(share),
        ]);
    }
    let total_text = total.map_or("unknown".into(), seconds);
    writeln!(out, "\nWhere the job's time went (total {total_text})\n{t}")?;
    if let (Some(go), Some(share)) = (job.go_build_ms, job.go_share_of_script) {
        writeln!(
            out,
            "the Go build took {} = {} of the script section",
            seconds(go),
            percent(Some(share))
        )?;
    }
    if !job.cache.is_empty() {
        let mut t = table(&["cache", "key", "outcome", "time", "detail"], opts);
        for c in &job.cache {
            t.add_row(vec![
                Cell::new(c.op.as_str()),
                Cell::new(c.key.as_deref().unwrap_or("")),
                Cell::new(c.outcome.as_str()),
                right(c.duration_ms.map_or("-".into(), seconds)),
                Cell::new(c.detail.as_deref().unwrap_or("")),
            ]);
        }
        writeln!(out, "\nCI cache\n{t}")?;
    }
    if let Some(v) = &job.cache_value {
        writeln!(
            out,
            "the cache costs {} (restore {} + save {}) and avoids {} of compiling{}",
            seconds(v.restore_ms + v.save_ms),
            seconds(v.restore_ms),
            seconds(v.save_ms),
            seconds(v.avoided_ms),
            v.payoff
                .map(|p| format!(": pays off {p:.1}×"))
                .unwrap_or_default()
        )?;
    }
    writeln!(out)
}

pub fn write(report: &Report, out: &mut dyn Write, opts: &TableOptions) -> std::io::Result<()> {
    if let Some(job) = &report.job {
        // A job log without build evidence: the caches are the answer, so they come first.
        if report.actions.is_empty()
            && let Some(c) = crate::render::headline::caches_sentence(report)
        {
            writeln!(out, "{c}")?;
        }
        write_job(job, out, opts)?;
        if report.actions.is_empty() {
            crate::render::caches::write_table(report, out, opts)?;
            return write_warnings(report, out);
        }
    }
    let b = &report.build;
    let s = &report.summary;
    writeln!(out, "{}", crate::render::headline::sentence(report))?;
    if let Some(c) = crate::render::headline::caches_sentence(report) {
        writeln!(out, "{c}")?;
    }
    let mut t = table(&["build", ""], opts);
    t.add_row(vec![
        Cell::new("command"),
        Cell::new(b.command.as_deref().unwrap_or("(not recorded)")),
    ]);
    let status = match (b.failed, b.exit_code) {
        (true, Some(c)) => format!("FAILED (exit {c})"),
        (true, None) => "FAILED".to_owned(),
        (false, Some(c)) => format!("ok (exit {c})"),
        (false, None) => "ok".to_owned(),
    };
    t.add_row(vec![Cell::new("status"), Cell::new(status)]);
    let platform = format!(
        "{} {}/{}",
        b.go_version.as_deref().unwrap_or("go?"),
        b.goos.as_deref().unwrap_or("?"),
        b.goarch.as_deref().unwrap_or("?")
    );
    t.add_row(vec![Cell::new("toolchain"), Cell::new(platform)]);
    if let Some(m) = &b.main_module {
        t.add_row(vec![Cell::new("main module"), Cell::new(m)]);
    }
    t.add_row(vec![
        Cell::new("wall time"),
        Cell::new(b.wall_ms.map_or("-".into(), seconds)),
    ]);
    t.add_row(vec![
        Cell::new("critical path"),
        Cell::new(seconds(s.critical_path_ms)),
    ]);
    let p = &s.packages;
    let mut packages = format!(
        "{} packages: {} hits, {} misses ({} hit rate)",
        p.total,
        p.hits,
        p.misses,
        percent(p.hit_rate)
    );
    if p.installed > 0 {
        packages.push_str(&format!(", {} installed in GOROOT/pkg", p.installed));
    }
    if p.not_run > 0 {
        packages.push_str(&format!(", {} not reached", p.not_run));
    }
    t.add_row(vec![Cell::new("cache"), Cell::new(packages)]);
    t.add_row(vec![
        Cell::new("time in misses"),
        Cell::new(seconds(s.miss_ms)),
    ]);
    writeln!(out, "{t}")?;

    if !report.modules.is_empty() {
        let mut t = table(
            &[
                "module",
                "version",
                "packages",
                "hits",
                "misses",
                "hit rate",
                "miss time",
            ],
            opts,
        );
        for m in &report.modules {
            let name = if m.main {
                format!("{} (main)", m.module)
            } else {
                m.module.clone()
            };
            t.add_row(vec![
                Cell::new(name),
                Cell::new(m.version.as_deref().unwrap_or("")),
                right(m.packages),
                right(m.hits),
                right(m.misses),
                right(percent(m.hit_rate)),
                right(seconds(m.miss_ms)),
            ]);
        }
        writeln!(out, "\nCache hit rate per module\n{t}")?;
    }

    if !report.causes.is_empty() {
        let mut t = table(
            &[
                "cause",
                "origin",
                "packages",
                "actions",
                "time",
                "why / what to do",
            ],
            opts,
        );
        let shown = if opts.all {
            report.causes.len()
        } else {
            CAUSE_ROWS
        };
        for c in report.causes.iter().take(shown) {
            let origin = c.origin.as_deref().unwrap_or("");
            let (origin, detail) = if opts.all {
                (origin.to_owned(), c.detail.clone())
            } else {
                (
                    fold_list(origin, ORIGIN_NAMES),
                    fold_text(&c.detail, DETAIL_CHARS),
                )
            };
            t.add_row(vec![
                Cell::new(c.kind),
                Cell::new(origin),
                right(c.packages),
                right(c.misses),
                right(seconds(c.time_ms)),
                Cell::new(format!("{detail}\n→ {}", c.hint)),
            ]);
        }
        let rest = &report.causes[shown.min(report.causes.len())..];
        if !rest.is_empty() {
            let actions: usize = rest.iter().map(|c| c.misses).sum();
            let ms: f64 = rest.iter().map(|c| c.time_ms).sum();
            t.add_row(vec![
                Cell::new(format!("and {} more", rest.len())),
                Cell::new(""),
                right(rest.iter().map(|c| c.packages).sum::<usize>()),
                right(actions),
                right(seconds(ms)),
                Cell::new("smaller causes, folded (--all lists them)"),
            ]);
        }
        writeln!(out, "\nRoot causes of cache misses\n{t}")?;
    }

    if !report.origins.is_empty() {
        let mut t = table(
            &["origin", "cause", "rebuilds", "time", "what changed"],
            opts,
        );
        let shown = if opts.all {
            report.origins.len()
        } else {
            CAUSE_ROWS
        };
        for o in report.origins.iter().take(shown) {
            t.add_row(vec![
                Cell::new(&o.package),
                Cell::new(o.kind),
                right(o.misses),
                right(seconds(o.time_ms)),
                Cell::new(&o.detail),
            ]);
        }
        let rest = &report.origins[shown.min(report.origins.len())..];
        if !rest.is_empty() {
            t.add_row(vec![
                Cell::new(format!("and {} more", rest.len())),
                Cell::new(""),
                right(rest.iter().map(|o| o.misses).sum::<usize>()),
                right(seconds(rest.iter().map(|o| o.time_ms).sum())),
                Cell::new("smaller origins, folded (--all lists them)"),
            ]);
        }
        writeln!(out, "\nWhere the rebuilds started\n{t}")?;
    }

    let misses = crate::render::misses_by_time(report);
    if !misses.is_empty() {
        let mut t = table(&["package", "mode", "time", "cause", "detail"], opts);
        let top = if opts.all { misses.len() } else { opts.top };
        for a in misses.iter().take(top) {
            let (kind, detail) = a
                .cause
                .as_ref()
                .map_or(("", ""), |c| (c.kind.as_str(), c.detail.as_str()));
            t.add_row(vec![
                Cell::new(&a.package),
                Cell::new(&a.mode),
                right(a.duration_ms.map_or("-".into(), seconds)),
                Cell::new(kind),
                Cell::new(detail),
            ]);
        }
        let more = misses.len().saturating_sub(top);
        let title = if more > 0 {
            format!("Top misses by cost ({more} more)")
        } else {
            "Top misses by cost".to_owned()
        };
        writeln!(out, "\n{title}\n{t}")?;
    }
    crate::render::profile::compiler::write_report(report, out, opts)?;

    if !report.critical_path.is_empty() {
        write_critical_path(report, out, opts)?;
    }

    crate::render::caches::write_table(report, out, opts)?;
    if !b.diagnostics.is_empty() {
        writeln!(out, "\nCompiler messages")?;
        for d in b.diagnostics.iter().take(40) {
            writeln!(out, "  {d}")?;
        }
    }
    write_warnings(report, out)
}

/// The critical path, its cheap steps folded in place (one row per run of them) unless
/// everything is asked for, and a line saying what was folded.
fn write_critical_path(
    report: &Report,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    let path = &report.critical_path;
    let full = opts.all || opts.full_critical_path || path.len() <= PATH_STEPS + 2;
    let mut costly: Vec<usize> = (0..path.len()).collect();
    costly.sort_by(|&a, &b| {
        path[b]
            .duration_ms
            .total_cmp(&path[a].duration_ms)
            .then(a.cmp(&b))
    });
    let keep: std::collections::HashSet<usize> = if full {
        (0..path.len()).collect()
    } else {
        costly.into_iter().take(PATH_STEPS).collect()
    };
    let mut t = table(&["#", "mode", "package", "cache", "time"], opts);
    let step_row = |t: &mut Table, i: usize| {
        let step = &path[i];
        t.add_row(vec![
            right(i + 1),
            Cell::new(&step.mode),
            Cell::new(&step.package),
            Cell::new(step.cache.as_str()),
            right(seconds(step.duration_ms)),
        ]);
    };
    // Runs of cheap steps: one row each, a run of one shown as itself.
    let (mut folded, mut folded_ms, mut rows) = (0usize, 0.0f64, 0usize);
    let mut i = 0;
    while i < path.len() {
        if keep.contains(&i) {
            step_row(&mut t, i);
            i += 1;
            continue;
        }
        let first = i;
        while i < path.len() && !keep.contains(&i) {
            i += 1;
        }
        if i - first == 1 {
            step_row(&mut t, first);
            continue;
        }
        let ms: f64 = path[first..i].iter().map(|s| s.duration_ms).sum();
        folded += i - first;
        folded_ms += ms;
        rows += 1;
        t.add_row(vec![
            right(format!("{}–{}", first + 1, i)),
            Cell::new(""),
            Cell::new(format!("({} cheaper steps)", i - first)),
            Cell::new(""),
            right(seconds(ms)),
        ]);
    }
    writeln!(
        out,
        "\nCritical path ({} steps, {})\n{t}",
        path.len(),
        seconds(report.summary.critical_path_ms)
    )?;
    if folded > 0 {
        writeln!(
            out,
            "{folded} cheaper steps ({}) are folded into {rows} rows around the {PATH_STEPS} \
             costliest (--critical-path full shows every step)",
            seconds(folded_ms)
        )?;
    }
    Ok(())
}

fn write_warnings(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    if !report.warnings.is_empty() {
        writeln!(out, "\nWarnings")?;
        for w in &report.warnings {
            writeln!(out, "  - {w}")?;
        }
    }
    Ok(())
}
