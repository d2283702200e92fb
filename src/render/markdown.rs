//! `summary.md`: a short Markdown summary to paste in a merge-request comment: the headline,
//! the top causes and the top misses. Link-free, and every string that came from a log or a
//! package path is neutralised: names go in code spans (no HTML, no autolinks, no mentions
//! inside them), free text has every Markdown- and HTML-significant character escaped and
//! every word that GitLab could turn into a mention, a reference or a link put in a code
//! span; every cell is capped, and the whole comment stays under GitLab's note limit.
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

/// GitLab's limit on a note (a merge-request comment), in characters.
const NOTE_LIMIT: usize = 1_000_000;

/// `md` cut at a line boundary to fit a GitLab note, with a line saying so.
pub(crate) fn fit_note(mut md: String) -> String {
    const NOTE: &str = "\n_(truncated to fit a GitLab comment: see the full report)_\n";
    if md.chars().count() <= NOTE_LIMIT {
        return md;
    }
    let keep = NOTE_LIMIT - NOTE.len();
    let cut = md.char_indices().nth(keep).map_or(md.len(), |(at, _)| at);
    let cut = md[..cut].rfind('\n').map_or(cut, |nl| nl + 1);
    md.truncate(cut);
    md.push_str(NOTE);
    md
}

pub fn write(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### goattrib: Go build cache\n");
    let _ = writeln!(out, "{}\n", text(&headline::sentence(report)));
    if let Some(c) = headline::caches_sentence(report) {
        // The sentence quotes names in backticks: each becomes an (inert) code span.
        let parts: String = c
            .split('`')
            .enumerate()
            .map(|(i, part)| if i % 2 == 1 { code(part) } else { text(part) })
            .collect();
        let _ = writeln!(out, "{parts}\n");
    }
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
                c.origin
                    .as_deref()
                    .map(|o| code(&crate::model::name_some_joined(
                        o,
                        crate::model::MAX_ORIGINS_NAMED
                    )))
                    .unwrap_or_default(),
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
    out.push_str(&crate::render::profile::compiler::markdown(report, TOP));
    out.push_str(&crate::render::caches::markdown(report));
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "{} warning(s) in the report.", report.warnings.len());
    }
    fit_note(out)
}

/// A code span around a name: nothing inside is Markdown, HTML, a link or a mention.
/// `|` is escaped because GFM splits table cells before inline parsing, and line breaks
/// become spaces so the span stays on its row.
pub(crate) fn code(s: &str) -> String {
    let s = capped(s);
    // Code spans cannot escape anything: a string with HTML-significant characters is
    // written as escaped text instead, so no raw `<` reaches the file at all.
    if s.contains(['<', '>', '&', '"', '\'', '`']) {
        return text(&s);
    }
    span(&s)
}

/// The longest a name or a text may be in one cell: a merge request can make a package
/// name or a compiler message as long as it likes.
const CELL_CHARS: usize = 200;

/// `s` cut to [`CELL_CHARS`] characters, with an ellipsis when cut.
fn capped(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(CELL_CHARS) {
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}…", &s[..cut])),
        None => std::borrow::Cow::Borrowed(s),
    }
}

/// A code span of text without backticks or HTML characters: GitLab expands no reference,
/// mention or link inside one.
fn span(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("`{}`", s.replace('|', "\\|"))
}

/// Whether a word of free text could become a live reference once GitLab renders it: a
/// mention (`@user`, `@all`), an issue, merge request, milestone, epic, label, snippet or
/// vulnerability reference (`#123`, `!456`, `%m`, `&7`, `~bug`, `$9`, `[vulnerability:1]`),
/// a bare URL or an e-mail address (autolinked).
fn is_live(word: &str) -> bool {
    word.contains(['@', '#', '!', '%', '&', '~', '$'])
        || word.contains("://")
        || word.to_ascii_lowercase().starts_with("www.")
}

/// Free text with every character that starts Markdown or HTML inline syntax (emphasis,
/// code, links, images, raw HTML, entities, table cells, strikethrough, math)
/// backslash-escaped (CommonMark 2.4: any ASCII punctuation may be), on one line. The text
/// never starts a line of block syntax: it follows a table pipe or a number.
pub(crate) fn text(s: &str) -> String {
    let s = capped(s);
    let mut out = String::with_capacity(s.len() + 8);
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // A word that could turn into a mention, a reference or a link goes in a code span
        // (inert in GitLab); HTML characters in it are written as entities, outside it.
        if is_live(word) && !word.contains(['<', '>', '"', '`']) {
            out.push_str(&span(word));
        } else if is_live(word) {
            for part in word.split_inclusive(['<', '>', '"', '`']) {
                let (body, sep) = match part.char_indices().last() {
                    Some((at, c)) if "<>\"`".contains(c) => (&part[..at], Some(c)),
                    _ => (part, None),
                };
                if !body.is_empty() {
                    out.push_str(&span(body));
                }
                if let Some(c) = sep {
                    escape_into(&mut out, &c.to_string());
                }
            }
        } else {
            escape_into(&mut out, word);
        }
    }
    out
}

fn escape_into(out: &mut String, s: &str) {
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
        assert!(t.contains("`[x](http://e)`"), "no link: {t}");
        assert_eq!(code("a/b|c\nd"), "`a/b\\|c d`");
        assert_eq!(code("<img>"), "&lt;img&gt;");
        assert_eq!(fenced(&["x ``` y"]), "````text\nx ``` y\n````");
    }
}

#[cfg(test)]
mod markdown_safety {
    use super::*;

    /// Regression (issue 15): `@all`, `#123`, bare URLs and e-mail addresses in a job's
    /// messages became live mentions, references and links in the merge-request comment.
    #[test]
    fn mentions_references_and_links_are_inert() {
        let t = text(
            "ping @all and @alice about #123 !456 %v1 &7 ~bug see https://evil.example/x or a@b.io, fine",
        );
        for live in [
            "@all",
            "@alice",
            "#123",
            "!456",
            "%v1",
            "&7",
            "~bug",
            "https://evil.example/x",
            "a@b.io,",
        ] {
            assert!(
                t.contains(&format!("`{live}`")),
                "{live} not in a code span: {t}"
            );
        }
        assert!(t.starts_with("ping "), "{t}");
        assert!(t.ends_with(" fine"), "{t}");
        // HTML characters next to a mention stay outside the span, as entities.
        let t = text("<@all>");
        assert_eq!(t, "&lt;`@all`&gt;");
    }

    #[test]
    fn cells_and_the_whole_note_are_capped() {
        let long = "x".repeat(5000);
        assert!(code(&long).chars().count() < 210);
        assert!(text(&long).ends_with('…'));
        let huge = "line\n".repeat(300_000);
        let fitted = fit_note(huge);
        assert!(fitted.chars().count() <= NOTE_LIMIT);
        assert!(
            fitted.ends_with("see the full report)_\n"),
            "{}",
            &fitted[fitted.len() - 80..]
        );
    }
}
