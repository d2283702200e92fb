//! The dashboard site's pages: one self-contained `index.html` (inline CSS and SVG, no
//! JavaScript, no network) per dashboard: the summary card with changes, the trends, the
//! savings, and the tables of causes, packages, executors, runners and refs. Takes a
//! finished [`Dashboard`] and computes nothing but formatting.
//!
//! Every element goes through quick-xml's writer, so CI metadata and package names are
//! escaped; the only unescaped pieces are the constant stylesheet and the charts' SVG,
//! which plotters wrote (escaping its text itself).

mod charts;

use std::io::Result;

use quick_xml::Writer;
use quick_xml::events::{BytesText, Event};

use crate::model::history::{Dashboard, GroupStats, Period};
use crate::render::junit::xml_safe;
use crate::render::palette;

use crate::render::html::{W, el, node};

const CSS: &str = r#"
:root{--ink:#222;--muted:#5c5c5c;--line:#ddd;--soft:#f5f5f4;--bad:#b42318;--good:#1a7f37}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:22px;margin:0 0 2px}
h2{font-size:17px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid var(--line)}
.sub{color:var(--muted);margin:0 0 16px;font-size:13px}
.answer{font-size:19px;font-weight:600;margin:12px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:10px;margin:8px 0}
.card{background:var(--soft);border-radius:8px;padding:10px 14px}
.card b{display:block;font-size:23px;line-height:1.2}
.card span{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card i{font-style:normal;font-size:12.5px;display:block;color:var(--muted)}
.card i.up{color:var(--good)}.card i.down{color:var(--bad)}
.banner{border-left:5px solid var(--bad);background:#fef3f2;padding:8px 14px;border-radius:4px;margin:8px 0}
.note{border-left:5px solid #888;background:var(--soft);padding:8px 14px;border-radius:4px;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:4px 0}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.pkg{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
.sw{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;vertical-align:-1px}
figure{margin:10px 0 22px}
figure svg{max-width:100%;height:auto;display:block}
figcaption{font-size:13px;color:var(--muted)}
details summary{cursor:pointer;color:var(--muted);margin:6px 0}
nav a{margin-right:12px}
footer{margin-top:36px;color:var(--muted);font-size:12px}
"#;

/// One page; `links` are the `--group-by` pages to list (name, file).
pub fn page(d: &Dashboard, title: &str, links: &[(String, String)]) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    // Writing into a Vec cannot fail.
    if write_page(&mut w, d, title, links).is_err() {
        return Vec::new();
    }
    let mut out = w.into_inner();
    out.push(b'\n');
    out
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn dur(ms: Option<f64>) -> String {
    let Some(ms) = ms else { return "-".to_owned() };
    let s = ms / 1000.0;
    if s.abs() >= 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else if s.abs() >= 120.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{s:.1} s")
    }
}

fn write_page(w: &mut W, d: &Dashboard, title: &str, links: &[(String, String)]) -> Result<()> {
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
            el(w, "title", &[], title)?;
            node(w, "style", &[], |w| {
                w.write_event(Event::Text(BytesText::from_escaped(CSS)))
            })
        })?;
        node(w, "body", &[], |w| {
            node(w, "main", &[], |w| {
                el(w, "h1", &[], title)?;
                el(
                    w,
                    "p",
                    &[("class", "sub")],
                    &format!(
                        "{} jobs · {} to {} · per {} (by job start, UTC)",
                        d.jobs,
                        d.since.as_deref().unwrap_or("-"),
                        d.until.as_deref().unwrap_or("-"),
                        d.bucket
                    ),
                )?;
                if !links.is_empty() {
                    node(w, "nav", &[], |w| {
                        for (name, file) in links {
                            el(w, "a", &[("href", file)], name)?;
                        }
                        Ok(())
                    })?;
                }
                summary(w, d)?;
                for warning in &d.warnings {
                    el(w, "p", &[("class", "banner")], warning)?;
                }
                node(w, "section", &[], |w| {
                    el(w, "h2", &[], "Trends")?;
                    for c in charts::trends(d) {
                        node(w, "figure", &[], |w| {
                            w.write_event(Event::Text(BytesText::from_escaped(c.svg.as_str())))?;
                            el(w, "figcaption", &[], &c.alt)
                        })?;
                    }
                    Ok(())
                })?;
                causes(w, d)?;
                packages(w, d)?;
                groups(w, "Executors", "executor", &d.executors)?;
                groups(w, "Runners", "runner", &d.runners)?;
                groups(w, "Branches and tags", "ref", &d.refs)?;
                periods(w, &d.periods, &d.bucket)?;
                node(w, "footer", &[], |w| {
                    w.write_event(Event::Text(BytesText::new(&format!(
                        "goattrib {} · {} · the same numbers as dashboard.json. A hit saves its package's median miss time (same mode, GOOS/GOARCH, anywhere in the history) divided by the job's parallelism; speedup = Σ(wall + saved) ÷ Σ(wall + restore + save).",
                        env!("CARGO_PKG_VERSION"),
                        d.schema
                    ))))?;
                    Ok(())
                })
            })
        })
    })
}

fn card(w: &mut W, label: &str, value: &str, change: Option<(String, bool)>) -> Result<()> {
    node(w, "div", &[("class", "card")], |w| {
        el(w, "span", &[], label)?;
        el(w, "b", &[], value)?;
        match change {
            Some((text, good)) => el(
                w,
                "i",
                &[("class", if good { "up" } else { "down" })],
                &text,
            ),
            None => el(w, "i", &[], "no previous period"),
        }
    })
}

fn summary(w: &mut W, d: &Dashboard) -> Result<()> {
    let Some(cur) = &d.summary.current else {
        return el(w, "p", &[("class", "note")], "No jobs in this range.");
    };
    let s = &cur.stats;
    let unit = &d.bucket;
    let prev = d.summary.previous.as_ref().filter(|p| p.stats.jobs > 0);
    let ch = &d.summary.change;
    let vs = format!("from the previous {unit}");
    el(
        w,
        "p",
        &[("class", "answer")],
        &format!(
            "{unit} of {}: {} of package compiles came from the cache{}; misses cost {}, the cache saved {}.",
            cur.start,
            pct(s.hit_rate),
            s.speedup
                .map(|x| format!(" ({x:.1}× faster than without it)"))
                .unwrap_or_default(),
            dur(Some(s.miss_ms)),
            dur(Some(s.saved_ms)),
        ),
    )?;
    node(w, "div", &[("class", "cards")], |w| {
        let c = |v: Option<f64>, f: &dyn Fn(f64) -> String, higher_good: bool| {
            prev.and(v).map(|v| {
                (
                    format!("{}{} {vs}", if v >= 0.0 { "+" } else { "" }, f(v)),
                    (v >= 0.0) == higher_good,
                )
            })
        };
        card(
            w,
            "jobs",
            &s.jobs.to_string(),
            c(ch.jobs.map(|j| j as f64), &|v| format!("{v:.0}"), true),
        )?;
        card(
            w,
            "package hit rate",
            &pct(s.hit_rate),
            c(ch.hit_rate, &|v| format!("{:.1} pts", v * 100.0), true),
        )?;
        card(
            w,
            "p50 wall time",
            &dur(s.wall_ms_p50),
            c(ch.wall_ms_p50, &|v| dur(Some(v)), false),
        )?;
        card(
            w,
            "p95 wall time",
            &dur(s.wall_ms_p95),
            c(ch.wall_ms_p95, &|v| dur(Some(v)), false),
        )?;
        card(
            w,
            "time lost to misses",
            &dur(Some(s.miss_ms)),
            c(ch.miss_ms, &|v| dur(Some(v)), false),
        )?;
        card(
            w,
            "time saved by the cache",
            &dur(Some(s.saved_ms)),
            c(ch.saved_ms, &|v| dur(Some(v)), true),
        )?;
        card(
            w,
            "speedup",
            &s.speedup.map_or("-".to_owned(), |x| format!("{x:.2}×")),
            c(ch.speedup, &|v| format!("{v:.2}×"), true),
        )
    })
}

fn swatch(w: &mut W, kind: &str) -> Result<()> {
    let colour = crate::model::CauseKind::ALL
        .iter()
        .find(|c| c.as_str() == kind)
        .map_or(palette::MISS_UNATTRIBUTED, |c| palette::cause(*c));
    let style = format!("background:{}", colour.hex());
    w.create_element("span")
        .with_attributes([("class", "sw"), ("style", style.as_str())])
        .write_text_content(BytesText::new(""))?;
    w.write_event(Event::Text(BytesText::new(&xml_safe(kind))))
}

fn head(w: &mut W, cols: &[(&str, bool)]) -> Result<()> {
    node(w, "tr", &[], |w| {
        for (c, num) in cols {
            el(w, "th", if *num { &[("class", "n")] } else { &[] }, c)?;
        }
        Ok(())
    })
}

fn causes(w: &mut W, d: &Dashboard) -> Result<()> {
    el(w, "h2", &[], "Top recurring causes")?;
    if d.causes.is_empty() {
        return el(
            w,
            "p",
            &[("class", "note")],
            "No miss had a named cause in this range.",
        );
    }
    node(w, "table", &[], |w| {
        head(
            w,
            &[
                ("cause", false),
                ("origin", false),
                ("share of lost time", true),
                ("jobs", true),
                ("misses", true),
                ("time", true),
                ("most on runner", false),
            ],
        )?;
        for c in &d.causes {
            node(w, "tr", &[], |w| {
                node(w, "td", &[], |w| swatch(w, &c.kind))?;
                el(
                    w,
                    "td",
                    &[("class", "pkg")],
                    c.origin.as_deref().unwrap_or("-"),
                )?;
                el(w, "td", &[("class", "n")], &pct(Some(c.share)))?;
                el(w, "td", &[("class", "n")], &c.jobs.to_string())?;
                el(w, "td", &[("class", "n")], &c.misses.to_string())?;
                el(w, "td", &[("class", "n")], &dur(Some(c.time_ms)))?;
                el(w, "td", &[], c.top_runner.as_deref().unwrap_or("-"))
            })?;
        }
        Ok(())
    })
}

fn packages(w: &mut W, d: &Dashboard) -> Result<()> {
    el(w, "h2", &[], "Packages that miss most")?;
    node(w, "table", &[], |w| {
        head(
            w,
            &[
                ("package", false),
                ("mode", false),
                ("misses", true),
                ("jobs", true),
                ("time", true),
            ],
        )?;
        for p in &d.packages {
            node(w, "tr", &[], |w| {
                el(w, "td", &[("class", "pkg")], &p.package)?;
                el(w, "td", &[], &p.mode)?;
                el(w, "td", &[("class", "n")], &p.misses.to_string())?;
                el(w, "td", &[("class", "n")], &p.jobs.to_string())?;
                el(w, "td", &[("class", "n")], &dur(Some(p.time_ms)))
            })?;
        }
        Ok(())
    })
}

fn top_causes(g: &GroupStats) -> String {
    let mut c: Vec<(&String, &f64)> = g
        .miss_ms_by_cause
        .iter()
        .filter(|(_, v)| **v > 0.0)
        .collect();
    c.sort_by(|a, b| b.1.total_cmp(a.1).then(a.0.cmp(b.0)));
    c.iter()
        .take(3)
        .map(|(k, v)| format!("{k} {}", dur(Some(**v))))
        .collect::<Vec<_>>()
        .join(", ")
}

fn groups(w: &mut W, title: &str, what: &str, rows: &[GroupStats]) -> Result<()> {
    el(w, "h2", &[], title)?;
    node(w, "table", &[], |w| {
        head(
            w,
            &[
                (what, false),
                ("jobs", true),
                ("hit rate", true),
                ("p50 wall", true),
                ("p50 restore", true),
                ("lost to misses", true),
                ("by cause", false),
            ],
        )?;
        for g in rows {
            node(w, "tr", &[], |w| {
                el(w, "td", &[("class", "pkg")], g.name())?;
                el(w, "td", &[("class", "n")], &g.jobs.to_string())?;
                el(w, "td", &[("class", "n")], &pct(g.hit_rate))?;
                el(w, "td", &[("class", "n")], &dur(g.wall_ms_p50))?;
                el(w, "td", &[("class", "n")], &dur(g.restore_ms_p50))?;
                el(w, "td", &[("class", "n")], &dur(Some(g.miss_ms)))?;
                el(w, "td", &[], &top_causes(g))
            })?;
        }
        Ok(())
    })
}

fn periods(w: &mut W, periods: &[Period], unit: &str) -> Result<()> {
    el(w, "h2", &[], &format!("Every {unit}"))?;
    node(w, "details", &[], |w| {
        el(
            w,
            "summary",
            &[],
            &format!("{} periods, newest first", periods.len()),
        )?;
        node(w, "table", &[], |w| {
            head(
                w,
                &[
                    ("start", false),
                    ("jobs", true),
                    ("hit rate", true),
                    ("p25–p75", true),
                    ("p50 wall", true),
                    ("p95 wall", true),
                    ("lost", true),
                    ("saved", true),
                    ("cost", true),
                    ("speedup", true),
                ],
            )?;
            for p in periods.iter().rev() {
                let s = &p.stats;
                node(w, "tr", &[], |w| {
                    el(w, "td", &[], &p.start)?;
                    el(w, "td", &[("class", "n")], &s.jobs.to_string())?;
                    el(w, "td", &[("class", "n")], &pct(s.hit_rate))?;
                    el(
                        w,
                        "td",
                        &[("class", "n")],
                        &format!("{}–{}", pct(s.hit_rate_p25), pct(s.hit_rate_p75)),
                    )?;
                    el(w, "td", &[("class", "n")], &dur(s.wall_ms_p50))?;
                    el(w, "td", &[("class", "n")], &dur(s.wall_ms_p95))?;
                    el(w, "td", &[("class", "n")], &dur(Some(s.miss_ms)))?;
                    el(w, "td", &[("class", "n")], &dur(Some(s.saved_ms)))?;
                    el(w, "td", &[("class", "n")], &dur(Some(s.cost_ms)))?;
                    el(
                        w,
                        "td",
                        &[("class", "n")],
                        &s.speedup.map_or("-".to_owned(), |x| format!("{x:.2}×")),
                    )
                })?;
            }
            Ok(())
        })
    })
}
