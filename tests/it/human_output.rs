//! Snapshots of what people read, from the built binary on the shipped fixtures: the
//! terminal tables of `report` and `compare`, compare's Markdown, the report folder's
//! `summary.md` and `metrics.txt`, and a skeleton of `index.html` (its tags and text).
//! Times, durations, sizes, absolute paths and temporary folders are redacted, so the
//! snapshots hold the words and the layout and are the same on every machine and run; the
//! figures themselves are pinned by the scenario tests. Bless after an intended change with
//! `INSTA_UPDATE=always cargo test --test it human_output::` and review the diff.

use std::path::Path;

use quick_xml::events::Event;

use crate::harness::{bin, joined, read, root, scenario, stderr, stdout};

/// Redactions applied to every snapshot, in order.
fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots");
    // Go's work directory and the capture script's folder, as the captures name them; then
    // this checkout and tempfile's folders, spelled as given and as resolved.
    let mut filters: Vec<(String, &str)> = vec![
        (r"/tmp/go-build[0-9]+".to_owned(), "[gowork]"),
        (r"/tmp/goattrib-fixtures".to_owned(), "[capture]"),
    ];
    for (dir, tail, name) in [
        (root(), "", "[root]"),
        (std::env::temp_dir(), r"/\.tmp[A-Za-z0-9]+", "[tmpdir]"),
    ] {
        let canonical = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        for d in [canonical, dir] {
            let text = d.display().to_string();
            let text = text.trim_end_matches('/');
            if text.len() > 1 {
                filters.push((format!("{}{tail}", regex_escape(text)), name));
            }
        }
    }
    filters.extend(
        [
            // Wall-clock times.
            (
                r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
                "[time]",
            ),
            (r"\b\d{2}:\d{2}:\d{2}(\.\d+)?\b", "[time]"),
            // Durations (1m30s, 472.4 ms, 8.47 s, 310.00 s) and sizes (19.1 KiB, 512 bytes).
            (r"\b\d+m\d+(\.\d+)?s\b", "[dur]"),
            (r"\b\d+(\.\d+)?\s?(ns|µs|us|ms|s|min|m|h)\b", "[dur]"),
            (
                r"\b\d+(\.\d+)?\s?(B|kB|KB|KiB|MB|MiB|GB|GiB|bytes)\b",
                "[size]",
            ),
            // OpenMetrics samples in seconds.
            (r"(?m)^(goattrib_\w*_seconds(\{[^}]*\})?) \S+$", "$1 [dur]"),
        ]
        .map(|(re, to)| (re.to_owned(), to)),
    );
    for (re, to) in &filters {
        s.add_filter(re, *to);
    }
    s
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

/// Runs the binary with `args`; it must exit 0 and print no warning.
fn output(args: &[&std::ffi::OsStr]) -> String {
    let o = bin().args(args).output().expect("goattrib runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn report_table_of_an_edit_against_warm() {
    let text = output(&[
        "report".as_ref(),
        "--width".as_ref(),
        "120".as_ref(),
        "--baseline".as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert!(text.contains("money.go changed"), "{text}");
    settings().bind(|| insta::assert_snapshot!("report_edit_propagates_table", text));
}

#[test]
fn report_table_of_a_job_whose_cache_restore_failed() {
    let text = output(&[
        "report".as_ref(),
        "--width".as_ref(),
        "120".as_ref(),
        "--baseline".as_ref(),
        joined("baseline").as_os_str(),
        joined("restore-failed/bundle").as_os_str(),
        joined("restore-failed/job.log.gz").as_os_str(),
    ]);
    assert!(text.contains("cache-not-restored"), "{text}");
    settings().bind(|| insta::assert_snapshot!("report_restore_failed_table", text));
}

fn compare(format: &str) -> String {
    output(&[
        "compare".as_ref(),
        "--width".as_ref(),
        "120".as_ref(),
        "--format".as_ref(),
        format.as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ])
}

#[test]
fn compare_table_of_warm_and_an_edit() {
    let text = compare("table");
    assert!(text.contains("dependency"), "{text}");
    settings().bind(|| insta::assert_snapshot!("compare_table", text));
}

#[test]
fn compare_markdown_of_warm_and_an_edit() {
    let text = compare("markdown");
    assert!(text.contains("money.go changed"), "{text}");
    settings().bind(|| insta::assert_snapshot!("compare_markdown", text));
}

/// The report folder of edit-propagates against warm.
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("reports");
    let o = bin()
        .args(["report", "--quiet", "--out"])
        .arg(&out)
        .arg("--baseline")
        .arg(scenario("warm"))
        .arg(scenario("edit-propagates"))
        .output()
        .expect("goattrib runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    dir
}

#[test]
fn report_folder_summary_and_metrics() {
    let dir = folder();
    let out = dir.path().join("reports");
    let summary = read(&out, "summary.md");
    let metrics = read(&out, "metrics.txt");
    assert!(metrics.ends_with("# EOF\n"), "{metrics}");
    settings().bind(|| {
        insta::assert_snapshot!("summary_md", summary);
        insta::assert_snapshot!("metrics_txt", metrics);
    });
}

#[test]
fn report_folder_index_html_skeleton() {
    let dir = folder();
    let skeleton = html_skeleton(&dir.path().join("reports/index.html"));
    assert!(skeleton.contains("svg [svg]"), "{skeleton}");
    settings().bind(|| insta::assert_snapshot!("index_html_skeleton", skeleton));
}

/// The page as an indented tree, one element a line: its name, `.class` and `#id`, `href`,
/// then its own text. The stylesheet and the SVG charts' bodies are left out (the charts have
/// their own tests).
fn html_skeleton(page: &Path) -> String {
    let html = std::fs::read_to_string(page).expect("index.html");
    let mut reader = quick_xml::Reader::from_str(&html);
    let mut lines: Vec<String> = Vec::new();
    let mut depth = 0usize;
    // Inside <svg> or <style>: the depth where it opened; nothing below is shown.
    let mut hidden: Option<usize> = None;
    let head = |e: &quick_xml::events::BytesStart| -> (String, String) {
        let name = e.name().as_ref().to_owned();
        let mut line = name.clone();
        for a in e.attributes() {
            let a = a.expect("well-formed attribute");
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("attribute unescapes");
            match a.key.as_ref() {
                "class" => line.push_str(&format!(" .{}", value.replace(' ', "."))),
                "id" => line.push_str(&format!(" #{value}")),
                "href" => line.push_str(&format!(" href={value}")),
                _ => {}
            }
        }
        (name, line)
    };
    // Text (with its entities) gathers here until the next tag: an element's first text goes
    // on its own line after `:`, text after a child on a line of its own, after `|`.
    let mut pending = String::new();
    let mut just_opened = false;
    let flush = |lines: &mut Vec<String>, pending: &mut String, depth: usize, opened: bool| {
        let text = pending.split_whitespace().collect::<Vec<_>>().join(" ");
        pending.clear();
        if text.is_empty() {
            return;
        }
        match lines.last_mut() {
            Some(last) if opened => {
                last.push_str(": ");
                last.push_str(&text);
            }
            _ => lines.push(format!("{}| {text}", "  ".repeat(depth))),
        }
    };
    loop {
        let event = reader.read_event().expect("index.html is well-formed");
        if matches!(
            event,
            Event::Start(_) | Event::Empty(_) | Event::End(_) | Event::Eof
        ) {
            flush(&mut lines, &mut pending, depth, just_opened);
        }
        match event {
            Event::Start(e) => {
                if hidden.is_none() {
                    let (name, mut line) = head(&e);
                    if name == "svg" || name == "style" {
                        line.push_str(if name == "svg" { " [svg]" } else { " [css]" });
                        hidden = Some(depth);
                    }
                    lines.push(format!("{}{line}", "  ".repeat(depth)));
                    just_opened = hidden.is_none();
                }
                depth += 1;
            }
            Event::Empty(e) if hidden.is_none() => {
                let (_, line) = head(&e);
                lines.push(format!("{}{line}", "  ".repeat(depth)));
                just_opened = false;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if hidden == Some(depth) {
                    hidden = None;
                }
                just_opened = false;
            }
            Event::Text(t) if hidden.is_none() => pending.push_str(&t.into_inner()),
            Event::GeneralRef(r) if hidden.is_none() => {
                match r.resolve_char_ref().expect("valid char ref") {
                    Some(c) => pending.push(c),
                    None => {
                        let name = r.into_inner();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => pending.push_str(text),
                            None => pending.push_str(&format!("&{name};")),
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
    lines.join("\n") + "\n"
}
