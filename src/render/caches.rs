//! Words for the test result cache and the module cache (`"tests"`, `"module_cache"`): the
//! one-sentence headline, the terminal tables and the Markdown section. Computes nothing
//! beyond grouping rows for a sentence.

use std::io::Write;

use comfy_table::Cell;

use crate::model::{CacheCause, ModuleCacheSection, Report, TestOutcome, TestsSection};
use crate::render::markdown::{code, text};
use crate::render::table::{TableOptions, percent, right, seconds, table};

/// "1 of 4 test packages re-ran: 1 because `CI_JOB_STARTED_AT` is read by the tests;
/// 3 modules downloaded (205.0 ms): the cache for .go/pkg/mod was not restored".
pub fn headline(report: &Report) -> Option<String> {
    let tests = report.tests.as_ref().map(tests_sentence);
    let modules = report.module_cache.as_ref().and_then(modules_sentence);
    match (tests, modules) {
        (Some(t), Some(m)) => Some(format!("{t}; {m}")),
        (t, m) => t.or(m),
    }
}

/// [`headline`] for the report's opening lines: the module part only when modules were
/// downloaded (vendor mode or a warm module cache is no news there; the section says it).
pub fn answer(report: &Report) -> Option<String> {
    let tests = report.tests.as_ref().map(tests_sentence);
    let modules = report
        .module_cache
        .as_ref()
        .filter(|m| m.downloaded > 0)
        .and_then(modules_sentence);
    match (tests, modules) {
        (Some(t), Some(m)) => Some(format!("{t}; {m}")),
        (t, m) => t.or(m),
    }
}

fn tests_sentence(t: &TestsSection) -> String {
    let mut s = format!("{} of {} test packages re-ran", t.ran, t.packages);
    let mut groups: Vec<(String, usize)> = Vec::new();
    for c in t.results.iter().filter_map(|r| r.cause.as_ref()) {
        let reason = reason(c);
        match groups.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => groups.push((reason, 1)),
        }
    }
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if !groups.is_empty() {
        let parts: Vec<String> = groups
            .iter()
            .map(|(r, n)| format!("{n} because {r}"))
            .collect();
        s.push_str(": ");
        s.push_str(&parts.join(", "));
    }
    s
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a test ran, as the end of "N because …".
fn reason(c: &CacheCause) -> String {
    match c.kind {
        "env" => format!("{} is read by the tests", quoted(&c.changed)),
        "file" => format!(
            "{} changed (size or mtime: Go does not hash content)",
            quoted(&c.changed)
        ),
        "too-new" => format!(
            "{} was modified under 2 s before the run",
            quoted(&c.changed)
        ),
        "uncacheable" => format!("caching is disabled ({})", c.changed.join(", ")),
        "binary" => "the test binary changed".to_owned(),
        "failed" => "the package failed (never cached)".to_owned(),
        "cold" => "no result was saved yet (first run)".to_owned(),
        "evicted" => "the saved result was gone".to_owned(),
        "new" => "the package is new".to_owned(),
        "inputs" => "an env var or file the tests read changed".to_owned(),
        _ => "of an unknown reason".to_owned(),
    }
}

fn modules_sentence(m: &ModuleCacheSection) -> Option<String> {
    if m.downloaded == 0 && !m.served_from_cache.is_empty() {
        let n = m.served_from_cache.len();
        return Some(format!(
            "no module downloaded: {n} module{} served from the module cache",
            if n == 1 { "" } else { "s" }
        ));
    }
    let cause = m.cause.as_ref()?;
    if m.downloaded == 0 {
        return Some(cause.detail.clone());
    }
    let why = match cause.kind {
        "cache-not-restored" => cause
            .detail
            .split(" (key ")
            .next()
            .unwrap_or(&cause.detail)
            .to_owned(),
        "version-changed" => format!("go.mod changed {}", cause.changed.join(", ")),
        "cold" => "the first run (empty module cache)".to_owned(),
        _ => cause.detail.clone(),
    };
    // Fetch times come from `-x` `# get` lines only; without them there is no time to give.
    let time = if m.downloads.iter().any(|d| d.ms.is_some()) {
        format!(" ({})", seconds(m.download_ms))
    } else {
        String::new()
    };
    Some(format!(
        "{} module{} downloaded{time}: {why}",
        m.downloaded,
        if m.downloaded == 1 { "" } else { "s" },
    ))
}

/// A byte count in words: `676 B`, `12.3 KiB`, `4.5 MiB`.
fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

fn outcome(r: TestOutcome, cached: bool) -> &'static str {
    match (r, cached) {
        (TestOutcome::Pass, true) => "ok (cached)",
        (TestOutcome::Pass, false) => "ok",
        (TestOutcome::Fail, _) => "FAIL",
        (TestOutcome::Skip, _) => "skip",
        (TestOutcome::NoTestFiles, _) => "no test files",
    }
}

/// The terminal tables: one row per test package, then the module downloads.
pub fn write_table(
    report: &Report,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    if let Some(t) = &report.tests {
        let mut tab = table(&["test package", "result", "time", "why it ran"], opts);
        for r in &t.results {
            tab.add_row(vec![
                Cell::new(&r.package),
                Cell::new(outcome(r.outcome, r.cached)),
                right(r.elapsed_ms.map_or("-".into(), |ms| seconds(ms as f64))),
                Cell::new(
                    r.cause
                        .as_ref()
                        .map_or("-".into(), |c| format!("{}: {}", c.kind, c.detail)),
                ),
            ]);
        }
        writeln!(
            out,
            "\nTests: {} ({} test cache rate, {} spent in packages that ran)\n{tab}",
            tests_sentence(t),
            percent(t.cache_rate),
            seconds(t.run_ms)
        )?;
    }
    if let Some(m) = &report.module_cache {
        writeln!(
            out,
            "\nModule cache{}{}",
            m.gomodcache
                .as_deref()
                .map(|g| format!(" (GOMODCACHE {g})"))
                .unwrap_or_default(),
            modules_sentence(m)
                .map(|s| format!(": {s}"))
                .unwrap_or_default()
        )?;
        if !m.downloads.is_empty() {
            // Sizes are known only with `go mod download -json` read where the files are.
            let sized = m.downloads.iter().any(|d| d.bytes.is_some());
            let mut head = vec!["module", "version", "files", "fetch time"];
            if sized {
                head.push("size");
            }
            let mut tab = table(&head, opts);
            for d in &m.downloads {
                let mut row = vec![
                    Cell::new(&d.module),
                    Cell::new(&d.version),
                    right(d.files),
                    right(d.ms.map_or("-".into(), seconds)),
                ];
                if sized {
                    row.push(right(d.bytes.map_or("-".into(), size)));
                }
                tab.add_row(row);
            }
            writeln!(out, "{tab}")?;
        }
        if let Some(c) = m.cause.as_ref().filter(|_| m.downloaded > 0) {
            writeln!(out, "  {}: {}", c.kind, c.detail)?;
        }
    }
    Ok(())
}

/// The Markdown section (empty when the run had neither tests nor downloads).
pub fn markdown(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let Some(head) = headline(report) else {
        return out;
    };
    let _ = writeln!(out, "#### Test and module caches\n\n{}\n", text(&head));
    if let Some(t) = &report.tests {
        let ran: Vec<_> = t.results.iter().filter(|r| r.cause.is_some()).collect();
        if !ran.is_empty() {
            let _ = writeln!(out, "| test package | result | why it ran |");
            let _ = writeln!(out, "|---|---|---|");
            for r in ran {
                let c = r.cause.as_ref();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} |",
                    code(&r.package),
                    outcome(r.outcome, r.cached),
                    c.map_or("-".into(), |c| format!(
                        "{}: {}",
                        code(c.kind),
                        text(&c.detail)
                    ))
                );
            }
            let _ = writeln!(out);
        }
    }
    if let Some(m) = &report.module_cache
        && !m.downloads.is_empty()
    {
        let _ = writeln!(out, "| downloaded module | version | files | fetch time |");
        let _ = writeln!(out, "|---|---|--:|--:|");
        for d in &m.downloads {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&d.module),
                code(&d.version),
                d.files,
                d.ms.map_or("-".into(), seconds)
            );
        }
        let _ = writeln!(out);
    }
    out
}

/// `compare`'s terminal lines: newly re-run tests and newly downloaded modules.
pub fn write_compare_table(
    c: &crate::model::compare::Comparison,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    if !c.new_test_reruns.is_empty() {
        let mut tab = table(&["test package", "cause", "why it ran in HEAD"], opts);
        for r in &c.new_test_reruns {
            tab.add_row(vec![
                Cell::new(&r.package),
                Cell::new(&r.kind),
                Cell::new(&r.detail),
            ]);
        }
        writeln!(
            out,
            "\nTests re-run in HEAD, replayed from the test cache in BASE ({})\n{tab}",
            c.new_test_reruns.len()
        )?;
    }
    if !c.new_downloads.is_empty() {
        let mut tab = table(&["module", "version", "cause"], opts);
        for d in &c.new_downloads {
            tab.add_row(vec![
                Cell::new(&d.module),
                Cell::new(&d.version),
                Cell::new(format!("{}: {}", d.cause, d.detail)),
            ]);
        }
        writeln!(
            out,
            "\nModules downloaded in HEAD, not in BASE ({})\n{tab}",
            c.new_downloads.len()
        )?;
    }
    Ok(())
}

/// `compare`'s Markdown section for the same.
pub fn compare_markdown(c: &crate::model::compare::Comparison) -> String {
    use std::fmt::Write as _;
    let mut md = String::new();
    if !c.new_test_reruns.is_empty() {
        let _ = writeln!(md, "| test re-run in HEAD | cause | why |\n|---|---|---|");
        for r in &c.new_test_reruns {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                code(&r.package),
                code(&r.kind),
                text(&r.detail)
            );
        }
        md.push('\n');
    }
    if !c.new_downloads.is_empty() {
        let _ = writeln!(
            md,
            "| downloaded in HEAD | version | cause |\n|---|---|---|"
        );
        for d in &c.new_downloads {
            let _ = writeln!(
                md,
                "| {} | {} | {} |",
                code(&d.module),
                code(&d.version),
                code(&d.cause)
            );
        }
        md.push('\n');
    }
    md
}
