//! `summary.md`: a short Markdown summary to paste in a merge-request comment: the headline,
//! the top causes and the top misses. Link-free, and every string that came from a log or a
//! package path is neutralised: names go in code spans (no HTML, no autolinks, no mentions
//! inside them), free text has every Markdown- and HTML-significant character escaped.
//! Not the full report: that is `index.html`.

use std::fmt::Write;

use crate::model::Report;
use crate::render::headline;
use crate::render::table::{percent, seconds};

/// Rows in each table.
const TOP: usize = 5;

/// `summary.md` of the report folder.
pub struct Summary;

impl crate::render::Render<Report> for Summary {
    fn file_name(&self) -> &'static str {
        "summary.md"
    }

    fn render(&self, report: &Report) -> std::io::Result<Vec<u8>> {
        Ok(write(report).into_bytes())
    }
}

pub fn write(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### goattrib: Go build cache\n");
    let _ = writeln!(out, "{}\n", text(&headline::sentence(report)));
    let s = &report.summary;
    let _ = writeln!(
        out,
        "**hit rate** {} · **misses** {} · **wall** {} · **critical path** {} · **time in misses** {}\n",
        percent(s.packages.hit_rate),
        s.packages.misses,
        report.build.wall_ms.map_or("-".into(), seconds),
        seconds(s.critical_path_ms),
        seconds(s.miss_ms),
    );
    if report.build.failed {
        let _ = writeln!(
            out,
            "**The build failed**{}.\n",
            if report.build.failed_packages.is_empty() {
                String::new()
            } else {
                format!(
                    " in {}",
                    report
                        .build
                        .failed_packages
                        .iter()
                        .map(|p| code(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        );
        if !report.build.diagnostics.is_empty() {
            let lines: Vec<&str> = report
                .build
                .diagnostics
                .iter()
                .take(10)
                .map(String::as_str)
                .collect();
            let _ = writeln!(out, "{}\n", fenced(&lines));
        }
    }
    if !report.causes.is_empty() {
        let _ = writeln!(out, "| cause | origin | packages | actions | time | why |");
        let _ = writeln!(out, "|---|---|--:|--:|--:|---|");
        for c in report.causes.iter().take(TOP) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code(c.kind.as_str()),
                c.origin.as_deref().map(code).unwrap_or_default(),
                c.packages,
                c.misses,
                seconds(c.time_ms),
                text(&c.detail),
            );
        }
        if report.causes.len() > TOP {
            let _ = writeln!(
                out,
                "\n{} more causes in the report.",
                report.causes.len() - TOP
            );
        }
        out.push('\n');
    }
    let misses = crate::render::misses_by_time(report);
    if !misses.is_empty() {
        let _ = writeln!(out, "| top misses | mode | time | cause |");
        let _ = writeln!(out, "|---|---|--:|---|");
        for a in misses.iter().take(TOP) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&a.package),
                text(a.mode.as_str()),
                a.duration_ms.map_or("-".into(), seconds),
                a.cause
                    .as_ref()
                    .map(|c| code(c.kind.as_str()))
                    .unwrap_or_default(),
            );
        }
        out.push('\n');
    }
    out.push_str(&crate::render::caches::markdown(report));
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "{} warning(s) in the report.", report.warnings.len());
    }
    out
}

/// A code span around a name: nothing inside is Markdown, HTML, a link or a mention.
/// `|` is escaped because GFM splits table cells before inline parsing, and line breaks
/// become spaces so the span stays on its row.
pub(crate) fn code(s: &str) -> String {
    // Code spans cannot escape anything: a string with HTML-significant characters is
    // written as escaped text instead, so no raw `<` reaches the file at all.
    if s.contains(['<', '>', '&', '"', '\'', '`']) {
        return text(s);
    }
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("`{}`", s.replace('|', "\\|"))
}

/// Free text with every character that starts Markdown or HTML inline syntax (emphasis,
/// code, links, images, raw HTML, entities, table cells, strikethrough, math)
/// backslash-escaped (CommonMark 2.4: any ASCII punctuation may be), on one line. The text
/// never starts a line of block syntax: it follows a table pipe or a number.
pub(crate) fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            // Entity references, not backslashes, for HTML's characters: CommonMark decodes
            // them to the literal character, and the file holds no `<` at all.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '!' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block whose fence no line can close.
fn fenced(lines: &[&str]) -> String {
    let longest = lines
        .iter()
        .map(|l| longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let mut out = format!("{fence}text\n");
    for l in lines {
        let l: String = l
            .chars()
            .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
            .collect();
        out.push_str(&l);
        out.push('\n');
    }
    out.push_str(&fence);
    out
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        let t = text(r#"<script>alert(1)</script> "><img src=x onerror=alert(1)> [x](http://e)"#);
        assert!(!t.contains("<script"), "{t}");
        assert!(!t.contains("<img"), "{t}");
        assert!(t.contains(r"\[x\](http://e)"), "no link: {t}");
        assert_eq!(code("a/b|c\nd"), "`a/b\\|c d`");
        assert_eq!(code("<img>"), "&lt;img&gt;");
        assert_eq!(fenced(&["x ``` y"]), "````text\nx ``` y\n````");
    }
}
