//! `index.html`: the report folder's one self-contained page (inline CSS and SVG, no
//! JavaScript, no network). The answer comes first: how many packages rebuilt and why, then
//! the headline numbers, the charts, the causes with their hints, and the details.
//!
//! Every element goes through quick-xml's writer: text and attribute values are escaped by
//! it, so a package path or log line holding `<script>` stays text. Only two things are
//! written unescaped: the constant stylesheet and the charts' SVG, which `render::svg` built
//! with the same writer. Not for the terminal tables (`table.rs`).

use std::io::Result;

use quick_xml::Writer;
use quick_xml::events::{BytesText, Event};

use crate::model::GateOutcome;
use crate::model::{ActionReport, CacheOutcome, CauseKind, JobSection, Report};
use crate::render::junit::xml_safe;
use crate::render::svg::Chart;
use crate::render::table::{percent, seconds};
use crate::render::{headline, palette};

pub(crate) type W = Writer<Vec<u8>>;

/// `index.html`, with what the page shows besides the report.
pub struct Page<'a> {
    pub charts: &'a [Chart],
    /// The gates checked, when any were asked for.
    pub gates: Option<&'a [GateOutcome]>,
    /// Compile profiles of the bundle (`record --profile`), by package; empty: no section.
    pub compiler: &'a [crate::model::profile::PackageCost],
}

/// Rows of the "top misses" table before the rest folds away.
const TOP_MISSES: usize = 15;

const CSS: &str = r#"
:root{--ink:#222;--muted:#5c5c5c;--line:#ddd;--bg:#fff;--soft:#f5f5f4;--bad:#b42318;--good:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.sub{color:var(--muted);margin:0 0 16px;font-size:13px;word-break:break-all}
.answer{font-size:20px;line-height:1.4;margin:14px 0 6px;font-weight:600}
.when{font-size:15px;margin:0 0 18px;color:#333}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:10px;margin:8px 0 4px}
.card{background:var(--soft);border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:24px;line-height:1.2}
.card span{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.banner{border-left:5px solid var(--bad);background:#fef3f2;padding:10px 14px;border-radius:4px;margin:12px 0}
.banner.ok{border-color:var(--good);background:#effaf1}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:4px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.pkg{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
.hint{color:var(--muted);display:block;margin-top:2px}
.hint::before{content:"\2192\00a0"}
.sw{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px;border:1px solid rgba(0,0,0,.25)}
.kind{white-space:nowrap;font-weight:600}
.bar{display:block;height:6px;border-radius:3px;background:#888;margin-top:3px;min-width:2px}
.pass{color:var(--good);font-weight:700}.fail{color:var(--bad);font-weight:700}
figure{margin:10px 0 22px}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:13px;color:var(--muted);margin-top:4px}
pre{background:#1f2328;color:#f0f0f0;padding:12px 14px;border-radius:6px;overflow-x:auto;font-size:12.5px;line-height:1.5;white-space:pre-wrap;word-break:break-word}
details summary{cursor:pointer;color:var(--muted);margin:6px 0}
ul.plain{padding-left:18px;margin:4px 0}
footer{margin-top:36px;color:var(--muted);font-size:12px}
"#;

/// The page for `report`.
impl crate::render::Render<Report> for Page<'_> {
    fn file_name(&self) -> &'static str {
        "index.html"
    }

    fn render(&self, report: &Report) -> std::io::Result<Vec<u8>> {
        Ok(write(report, self).into_bytes())
    }
}

pub fn write(report: &Report, extras: &Page<'_>) -> String {
    let mut w = Writer::new(Vec::new());
    // Writing into a Vec cannot fail.
    if page(&mut w, report, extras).is_err() {
        return String::new();
    }
    let mut out = String::from_utf8(w.into_inner()).unwrap_or_default();
    out.push('\n');
    out
}

fn page(w: &mut W, r: &Report, x: &Page<'_>) -> Result<()> {
    w.write_event(Event::DocType(BytesText::from_escaped("html")))?;
    node(w, "html", &[("lang", "en")], |w| {
        node(w, "head", &[], |w| {
            w.create_element("meta")
                .with_attribute(("charset", "utf-8"))
                .write_empty()?;
            w.create_element("meta")
                .with_attributes([
                    ("name", "viewport"),
                    ("content", "width=device-width, initial-scale=1"),
                ])
                .write_empty()?;
            el(w, "title", &[], &title(r))?;
            node(w, "style", &[], |w| {
                w.write_event(Event::Text(BytesText::from_escaped(CSS)))
            })
        })?;
        node(w, "body", &[], |w| {
            node(w, "main", &[], |w| {
                header(w, r)?;
                if let Some(gates) = x.gates {
                    gates_section(w, gates)?;
                }
                diagnostics(w, r)?;
                numbers(w, r)?;
                causes(w, r)?;
                charts(w, x.charts)?;
                origins(w, r)?;
                misses(w, r)?;
                if !x.compiler.is_empty() {
                    crate::render::profile::html::section(w, x.compiler)?;
                }
                modules(w, r)?;
                test_and_module_caches(w, r)?;
                critical_path(w, r)?;
                if let Some(job) = &r.job {
                    job_section(w, job)?;
                }
                warnings(w, r)?;
                inputs(w, r)?;
                node(w, "footer", &[], |w| {
                    text(
                        w,
                        &format!(
                            "goattrib {} · {} · the same data as report.json",
                            env!("CARGO_PKG_VERSION"),
                            r.schema
                        ),
                    )
                })
            })
        })
    })
}

fn title(r: &Report) -> String {
    let p = &r.summary.packages;
    format!(
        "Go build cache: {} hit rate, {} misses",
        percent(p.hit_rate),
        p.misses
    )
}

fn header(w: &mut W, r: &Report) -> Result<()> {
    el(
        w,
        "h1",
        &[],
        "Go build: where the time went and why the cache missed",
    )?;
    let b = &r.build;
    let mut sub = Vec::new();
    if let Some(c) = &b.command {
        sub.push(c.clone());
    }
    let platform = format!(
        "{} {}/{}",
        b.go_version.as_deref().unwrap_or("go?"),
        b.goos.as_deref().unwrap_or("?"),
        b.goarch.as_deref().unwrap_or("?")
    );
    sub.push(platform);
    if let Some(m) = &b.main_module {
        sub.push(format!("module {m}"));
    }
    match &r.baseline {
        Some(base) => sub.push(format!(
            "compared with a baseline build{}",
            base.go_version
                .as_deref()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default()
        )),
        None => sub.push("no baseline: causes are limited".to_owned()),
    }
    el(w, "p", &[("class", "sub")], &sub.join(" · "))?;
    el(w, "p", &[("class", "answer")], &headline::sentence(r))?;
    if let Some(c) = headline::caches_sentence(r) {
        el(w, "p", &[("class", "answer")], &c)?;
    }
    if let Some(t) = headline::time_sentence(r) {
        el(w, "p", &[("class", "when")], &t)?;
    }
    Ok(())
}

fn gates_section(w: &mut W, gates: &[GateOutcome]) -> Result<()> {
    let failed = gates.iter().filter(|g| !g.passed).count();
    let class = if failed == 0 { "banner ok" } else { "banner" };
    node(w, "div", &[("class", class)], |w| {
        el(
            w,
            "strong",
            &[],
            &if failed == 0 {
                format!("All {} gates passed", gates.len())
            } else {
                format!("{failed} of {} gates failed", gates.len())
            },
        )?;
        node(w, "ul", &[("class", "plain")], |w| {
            for g in gates {
                node(w, "li", &[], |w| {
                    let (class, word) = if g.passed {
                        ("pass", "pass")
                    } else {
                        ("fail", "FAIL")
                    };
                    el(w, "span", &[("class", class)], word)?;
                    text(
                        w,
                        &format!(" {}: {}", g.name, crate::render::gate::message(g)),
                    )
                })?;
            }
            Ok(())
        })
    })
}

fn diagnostics(w: &mut W, r: &Report) -> Result<()> {
    let b = &r.build;
    if !b.failed {
        return Ok(());
    }
    node(w, "div", &[("class", "banner")], |w| {
        let mut s = match b.exit_code {
            Some(c) => format!("The build failed (exit {c})"),
            None => "The build failed".to_owned(),
        };
        if !b.failed_packages.is_empty() {
            s.push_str(&format!(" in {}", b.failed_packages.join(", ")));
        }
        if r.summary.packages.not_run > 0 {
            s.push_str(&format!(
                "; {} packages were never reached",
                r.summary.packages.not_run
            ));
        }
        el(w, "strong", &[], &s)
    })?;
    if !b.diagnostics.is_empty() {
        el(w, "h2", &[], "Compiler messages")?;
        el(w, "pre", &[], &b.diagnostics.join("\n"))?;
    }
    Ok(())
}

fn numbers(w: &mut W, r: &Report) -> Result<()> {
    let s = &r.summary;
    let p = &s.packages;
    let cards = [
        (percent(p.hit_rate), "cache hit rate".to_owned()),
        (
            p.misses.to_string(),
            format!("misses of {} packages", p.hits + p.misses),
        ),
        (
            r.build.wall_ms.map_or("-".into(), seconds),
            "wall time".to_owned(),
        ),
        (seconds(s.critical_path_ms), "critical path".to_owned()),
        (seconds(s.miss_ms), "time in misses".to_owned()),
    ];
    node(w, "div", &[("class", "cards")], |w| {
        for (value, label) in &cards {
            node(w, "div", &[("class", "card")], |w| {
                el(w, "b", &[], value)?;
                el(w, "span", &[], label)
            })?;
        }
        Ok(())
    })
}

fn charts(w: &mut W, charts: &[Chart]) -> Result<()> {
    if charts.is_empty() {
        return Ok(());
    }
    el(w, "h2", &[], "Charts")?;
    for c in charts {
        node(w, "figure", &[], |w| {
            // Inline SVG in HTML needs no XML prolog; everything before `<svg` is dropped.
            let svg = c.svg.find("<svg").map_or("", |i| &c.svg[i..]);
            w.write_event(Event::Text(BytesText::from_escaped(svg)))?;
            // The title is drawn inside the chart; the caption says what it shows.
            node(w, "figcaption", &[], |w| {
                text(w, &format!("{} · ", c.alt))?;
                el(w, "a", &[("href", c.file_name)], c.file_name)
            })
        })?;
    }
    Ok(())
}

fn swatch(w: &mut W, kind: CauseKind) -> Result<()> {
    let style = format!("background:{}", palette::cause(kind).hex());
    node(w, "span", &[("class", "kind")], |w| {
        el(w, "span", &[("class", "sw"), ("style", &style)], "")?;
        text(w, kind.as_str())
    })
}

fn causes(w: &mut W, r: &Report) -> Result<()> {
    if r.causes.is_empty() {
        return Ok(());
    }
    el(w, "h2", &[], "Why the cache missed")?;
    let total: f64 = r.causes.iter().map(|c| c.time_ms).sum();
    node(w, "table", &[], |w| {
        head(
            w,
            &[
                "cause",
                "origin",
                "packages",
                "actions",
                "time",
                "why / what to do",
            ],
        )?;
        for c in &r.causes {
            node(w, "tr", &[], |w| {
                node(w, "td", &[], |w| swatch(w, c.kind))?;
                el(
                    w,
                    "td",
                    &[("class", "pkg")],
                    &crate::model::name_some_joined(
                        c.origin.as_deref().unwrap_or(""),
                        crate::model::MAX_ORIGINS_NAMED,
                    ),
                )?;
                el(w, "td", &[("class", "n")], &c.packages.to_string())?;
                el(w, "td", &[("class", "n")], &c.misses.to_string())?;
                node(w, "td", &[("class", "n")], |w| {
                    text(w, &seconds(c.time_ms))?;
                    bar(w, c.time_ms, total, palette::cause(c.kind).hex())
                })?;
                node(w, "td", &[], |w| {
                    text(w, &c.detail)?;
                    el(w, "span", &[("class", "hint")], &c.hint)
                })
            })?;
        }
        Ok(())
    })
}

fn origins(w: &mut W, r: &Report) -> Result<()> {
    if r.origins.is_empty() {
        return Ok(());
    }
    el(w, "h2", &[], "Where the rebuilds started")?;
    node(w, "table", &[], |w| {
        head(w, &["origin", "cause", "rebuilds", "time", "what changed"])?;
        for o in &r.origins {
            node(w, "tr", &[], |w| {
                el(w, "td", &[("class", "pkg")], &o.package)?;
                node(w, "td", &[], |w| swatch(w, o.kind))?;
                el(w, "td", &[("class", "n")], &o.misses.to_string())?;
                el(w, "td", &[("class", "n")], &seconds(o.time_ms))?;
                el(w, "td", &[], &o.detail)
            })?;
        }
        Ok(())
    })
}

fn misses(w: &mut W, r: &Report) -> Result<()> {
    let misses = crate::render::misses_by_time(r);
    if misses.is_empty() {
        return Ok(());
    }
    let max = misses.first().and_then(|a| a.duration_ms).unwrap_or(0.0);
    el(w, "h2", &[], &format!("Misses by cost ({})", misses.len()))?;
    let (top, rest) = misses.split_at(misses.len().min(TOP_MISSES));
    miss_table(w, top, max)?;
    if !rest.is_empty() {
        node(w, "details", &[], |w| {
            el(w, "summary", &[], &format!("{} more misses", rest.len()))?;
            miss_table(w, rest, max)
        })?;
    }
    Ok(())
}

fn miss_table(w: &mut W, rows: &[&ActionReport], max: f64) -> Result<()> {
    node(w, "table", &[], |w| {
        head(w, &["package", "mode", "time", "cause", "detail"])?;
        for a in rows {
            node(w, "tr", &[], |w| {
                el(w, "td", &[("class", "pkg")], &a.package)?;
                el(w, "td", &[], a.mode.as_str())?;
                node(w, "td", &[("class", "n")], |w| {
                    text(w, &a.duration_ms.map_or("-".into(), seconds))?;
                    let colour = a
                        .cause
                        .as_ref()
                        .map_or(palette::MISS_UNATTRIBUTED, |c| palette::cause(c.kind));
                    bar(w, a.duration_ms.unwrap_or(0.0), max, colour.hex())
                })?;
                match &a.cause {
                    Some(c) => {
                        node(w, "td", &[], |w| swatch(w, c.kind))?;
                        el(w, "td", &[], &c.detail)
                    }
                    None => {
                        el(w, "td", &[], "")?;
                        el(w, "td", &[], "")
                    }
                }
            })?;
        }
        Ok(())
    })
}

fn modules(w: &mut W, r: &Report) -> Result<()> {
    if r.modules.is_empty() {
        return Ok(());
    }
    el(w, "h2", &[], "Hit rate per module")?;
    node(w, "table", &[], |w| {
        head(
            w,
            &[
                "module",
                "version",
                "packages",
                "hits",
                "misses",
                "hit rate",
                "miss time",
            ],
        )?;
        for m in &r.modules {
            node(w, "tr", &[], |w| {
                let name = if m.main {
                    format!("{} (main)", m.module)
                } else {
                    m.module.clone()
                };
                el(w, "td", &[("class", "pkg")], &name)?;
                el(w, "td", &[], m.version.as_deref().unwrap_or(""))?;
                for n in [m.packages, m.hits, m.misses] {
                    el(w, "td", &[("class", "n")], &n.to_string())?;
                }
                el(w, "td", &[("class", "n")], &percent(m.hit_rate))?;
                el(w, "td", &[("class", "n")], &seconds(m.miss_ms))
            })?;
        }
        Ok(())
    })
}

/// `go test` results and module downloads, each with why (`render::caches` words).
fn test_and_module_caches(w: &mut W, r: &Report) -> Result<()> {
    let Some(headline) = crate::render::caches::headline(r) else {
        return Ok(());
    };
    el(w, "h2", &[], "Test results and module downloads")?;
    el(w, "p", &[], &headline)?;
    if let Some(t) = &r.tests {
        node(w, "table", &[], |w| {
            head(w, &["test package", "result", "time", "why it ran"])?;
            for x in &t.results {
                node(w, "tr", &[], |w| {
                    el(w, "td", &[("class", "pkg")], &x.package)?;
                    let result = match (x.outcome, x.cached) {
                        (crate::model::TestOutcome::NoTestFiles, _) => "no test files",
                        (crate::model::TestOutcome::Fail, _) => "FAIL",
                        (crate::model::TestOutcome::Skip, _) => "skip",
                        (_, true) => "ok (cached)",
                        (_, false) => "ok",
                    };
                    el(w, "td", &[], result)?;
                    let time = x.elapsed_ms.map_or("-".into(), |ms| seconds(ms as f64));
                    el(w, "td", &[("class", "n")], &time)?;
                    let why = x
                        .cause
                        .as_ref()
                        .map_or(String::new(), |c| format!("{}: {}", c.kind, c.detail));
                    el(w, "td", &[], &why)
                })?;
            }
            Ok(())
        })?;
    }
    if let Some(m) = r.module_cache.as_ref().filter(|m| !m.downloads.is_empty()) {
        node(w, "table", &[], |w| {
            head(w, &["module", "version", "files", "time"])?;
            for d in &m.downloads {
                node(w, "tr", &[], |w| {
                    el(w, "td", &[("class", "pkg")], &d.module)?;
                    el(w, "td", &[], &d.version)?;
                    el(w, "td", &[("class", "n")], &d.files.to_string())?;
                    el(
                        w,
                        "td",
                        &[("class", "n")],
                        &d.ms.map_or("-".into(), seconds),
                    )
                })?;
            }
            Ok(())
        })?;
        if let Some(c) = &m.cause {
            el(w, "p", &[], &format!("{}: {}", c.kind, c.detail))?;
        }
    }
    Ok(())
}

fn critical_path(w: &mut W, r: &Report) -> Result<()> {
    if r.critical_path.is_empty() {
        return Ok(());
    }
    // Steps of no consequence (cache checks of a few ms) fold away with the rest.
    let max = r
        .critical_path
        .iter()
        .map(|s| s.duration_ms)
        .fold(0.0, f64::max);
    el(
        w,
        "h2",
        &[],
        &format!(
            "Critical path ({} steps, {})",
            r.critical_path.len(),
            seconds(r.summary.critical_path_ms)
        ),
    )?;
    node(w, "details", &[], |w| {
        el(
            w,
            "summary",
            &[],
            "the chain of dependent actions that set the build's length",
        )?;
        node(w, "table", &[], |w| {
            head(w, &["#", "mode", "package", "cache", "time"])?;
            for (i, s) in r.critical_path.iter().enumerate() {
                node(w, "tr", &[], |w| {
                    el(w, "td", &[("class", "n")], &(i + 1).to_string())?;
                    el(w, "td", &[], s.mode.as_str())?;
                    el(w, "td", &[("class", "pkg")], &s.package)?;
                    el(w, "td", &[], s.cache.as_str())?;
                    node(w, "td", &[("class", "n")], |w| {
                        text(w, &seconds(s.duration_ms))?;
                        let colour = if s.cache == CacheOutcome::Miss {
                            palette::INK
                        } else {
                            palette::HIT
                        };
                        bar(w, s.duration_ms, max, colour.hex())
                    })
                })?;
            }
            Ok(())
        })
    })
}

fn job_section(w: &mut W, job: &JobSection) -> Result<()> {
    el(w, "h2", &[], "GitLab job")?;
    let mut facts = vec![crate::render::job_status(job)];
    if let Some(d) = job.duration_ms {
        facts.push(format!("took {}", seconds(d)));
    }
    for (label, value) in [
        ("runner", job.runner_version.as_deref()),
        ("executor", job.executor.as_deref()),
        ("image", job.image.as_deref()),
        ("build dir", job.build_dir.as_deref()),
    ] {
        if let Some(v) = value {
            facts.push(format!("{label} {v}"));
        }
    }
    if let Some(fresh) = job.fresh_clone {
        facts.push(
            if fresh {
                "fresh clone"
            } else {
                "reused checkout"
            }
            .to_owned(),
        );
    }
    el(w, "p", &[("class", "sub")], &facts.join(" · "))?;
    if let (Some(go), Some(share)) = (job.go_build_ms, job.go_share_of_script) {
        el(
            w,
            "p",
            &[],
            &format!(
                "The Go build took {} = {} of the script section.",
                seconds(go),
                percent(Some(share))
            ),
        )?;
    }
    if let Some(v) = &job.cache_value {
        el(
            w,
            "p",
            &[],
            &format!(
                "The CI cache costs {} (restore {} + save {}) and avoids {} of compiling{}.",
                seconds(v.restore_ms + v.save_ms),
                seconds(v.restore_ms),
                seconds(v.save_ms),
                seconds(v.avoided_ms),
                v.payoff
                    .map(|p| format!(": it pays off {p:.1}×"))
                    .unwrap_or_default()
            ),
        )?;
    }
    let total = job.duration_ms.filter(|d| *d > 0.0).unwrap_or(0.0);
    if !job.sections.is_empty() {
        node(w, "table", &[], |w| {
            head(w, &["section", "starts at", "duration", "share of job"])?;
            for s in &job.sections {
                node(w, "tr", &[], |w| {
                    let mut name = match &s.parent {
                        Some(p) => format!("\u{a0}\u{a0}{} (in {p})", s.name),
                        None => s.name.clone(),
                    };
                    if !s.closed {
                        name.push_str(" (never closed)");
                    }
                    el(w, "td", &[("class", "pkg")], &name)?;
                    el(
                        w,
                        "td",
                        &[("class", "n")],
                        &s.start_ms.map_or("-".into(), seconds),
                    )?;
                    el(
                        w,
                        "td",
                        &[("class", "n")],
                        &s.duration_ms.map_or("-".into(), seconds),
                    )?;
                    node(w, "td", &[("class", "n")], |w| {
                        let d = s.duration_ms.unwrap_or(0.0);
                        if total > 0.0 {
                            text(w, &percent(Some(d / total)))?;
                        }
                        bar(w, d, total, palette::INK.hex())
                    })
                })?;
            }
            Ok(())
        })?;
    }
    if !job.cache.is_empty() {
        el(w, "h2", &[], "CI cache")?;
        node(w, "table", &[], |w| {
            head(w, &["operation", "key", "outcome", "time", "detail"])?;
            for c in &job.cache {
                node(w, "tr", &[], |w| {
                    el(w, "td", &[], c.op.as_str())?;
                    el(w, "td", &[("class", "pkg")], c.key.as_deref().unwrap_or(""))?;
                    el(w, "td", &[], c.outcome.as_str())?;
                    el(
                        w,
                        "td",
                        &[("class", "n")],
                        &c.duration_ms.map_or("-".into(), seconds),
                    )?;
                    el(w, "td", &[], c.detail.as_deref().unwrap_or(""))
                })?;
            }
            Ok(())
        })?;
    }
    Ok(())
}

fn warnings(w: &mut W, r: &Report) -> Result<()> {
    if r.warnings.is_empty() {
        return Ok(());
    }
    el(w, "h2", &[], &format!("Warnings ({})", r.warnings.len()))?;
    list(w, &r.warnings)
}

fn inputs(w: &mut W, r: &Report) -> Result<()> {
    el(w, "h2", &[], "Inputs")?;
    list(w, &r.inputs)?;
    if let Some(b) = &r.baseline {
        el(w, "p", &[], "Baseline:")?;
        list(w, &b.inputs)?;
    }
    Ok(())
}

fn list(w: &mut W, items: &[String]) -> Result<()> {
    node(w, "ul", &[("class", "plain")], |w| {
        for i in items {
            el(w, "li", &[], i)?;
        }
        Ok(())
    })
}

fn head(w: &mut W, cols: &[&str]) -> Result<()> {
    node(w, "thead", &[], |w| {
        node(w, "tr", &[], |w| {
            for c in cols {
                let numeric = matches!(
                    *c,
                    "misses"
                        | "time"
                        | "rebuilds"
                        | "packages"
                        | "hits"
                        | "hit rate"
                        | "miss time"
                        | "#"
                        | "starts at"
                        | "duration"
                        | "share of job"
                );
                el(w, "th", if numeric { &[("class", "n")] } else { &[] }, c)?;
            }
            Ok(())
        })
    })
}

/// A proportional bar under a number; a plain span, so it needs no script and prints.
fn bar(w: &mut W, value: f64, max: f64, colour: String) -> Result<()> {
    if !(max > 0.0 && value.is_finite()) {
        return Ok(());
    }
    let pct = (value / max * 100.0).clamp(0.0, 100.0);
    let style = format!("width:{pct:.1}%;background:{colour};margin-left:auto");
    el(w, "span", &[("class", "bar"), ("style", &style)], "")
}

/// An element around escaped text. Never `write_empty`: `<td/>` is not an empty cell in HTML.
/// Shared by every page goattrib writes (the report, the dashboard).
pub(crate) fn el(w: &mut W, tag: &str, attrs: &[(&str, &str)], body: &str) -> Result<()> {
    w.create_element(tag)
        .with_attributes(attrs.iter().copied())
        .write_text_content(BytesText::new(&xml_safe(body)))?;
    Ok(())
}

/// An element around whatever `inner` writes.
pub(crate) fn node(
    w: &mut W,
    tag: &str,
    attrs: &[(&str, &str)],
    inner: impl FnOnce(&mut W) -> Result<()>,
) -> Result<()> {
    w.create_element(tag)
        .with_attributes(attrs.iter().copied())
        .write_inner_content(inner)?;
    Ok(())
}

fn text(w: &mut W, s: &str) -> Result<()> {
    w.write_event(Event::Text(BytesText::new(&xml_safe(s))))
}
