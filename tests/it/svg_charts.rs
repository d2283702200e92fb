//! The SVG charts (issue 4) drawn from real fixtures and from synthetic reports: each is
//! valid XML, shows the bars and labels the report holds, in the palette's colours, stays
//! small for big builds and carries hostile package names as text, never as markup.
//!
//! `GOATTRIB_SVG_PREVIEW=/tmp/svg-preview cargo test --test it svg_charts::` also writes the
//! charts of the fixtures there, to look at.

use std::collections::BTreeMap;
use std::path::PathBuf;

use goattrib::model::{ActionReport, CacheOutcome, Cause, CauseKind, Evidence, Report};
use goattrib::render::palette;
use goattrib::render::svg::{self, Chart, DivergingBar};
use quick_xml::events::Event;

use crate::harness::{joined, report, scenario};

const MONEY: &str = "example.com/shop/internal/money";
const HOSTILE: &str = "\"><script>alert(1)</script><img onerror=x src=y>";

fn edit_propagates() -> Report {
    report(&[scenario("edit-propagates")], Some(&[scenario("warm")]))
}

fn restore_failed() -> Report {
    report(
        &[
            joined("restore-failed/bundle"),
            joined("restore-failed/job.log.gz"),
        ],
        Some(&[joined("baseline")]),
    )
}

/// One element of a parsed SVG: name, attributes and its text content.
#[derive(Debug, Clone)]
struct El {
    name: String,
    attrs: BTreeMap<String, String>,
    text: String,
}

impl El {
    fn attr(&self, k: &str) -> &str {
        self.attrs.get(k).map_or("", String::as_str)
    }
    fn num(&self, k: &str) -> f64 {
        self.attr(k).parse().unwrap_or(f64::NAN)
    }
}

/// Parses `svg` with quick-xml (panicking on invalid XML) into its elements in order.
fn parse(svg: &str) -> Vec<El> {
    // quick-xml does not check characters; XML 1.0 allows no C0 control but tab and newline.
    let bad = svg.chars().find(|&c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
    });
    assert_eq!(bad, None, "a character XML 1.0 cannot hold");
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut out: Vec<El> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let element = |e: &quick_xml::events::BytesStart| El {
        name: e.name().as_ref().to_owned(),
        attrs: e
            .attributes()
            .map(|a| {
                let a = a.expect("well-formed attribute");
                (
                    a.key.as_ref().to_owned(),
                    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .expect("attribute unescapes")
                        .into_owned(),
                )
            })
            .collect(),
        text: String::new(),
    };
    loop {
        match reader.read_event().expect("the SVG is well-formed XML") {
            Event::Start(e) => {
                out.push(element(&e));
                open.push(out.len() - 1);
            }
            Event::Empty(e) => out.push(element(&e)),
            Event::End(_) => {
                open.pop().expect("balanced tags");
            }
            Event::Text(t) => {
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().expect("valid char ref") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.into_inner())
                        .expect("only predefined entities")
                        .to_owned(),
                };
                if let Some(&i) = open.last() {
                    out[i].text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(open.is_empty(), "unclosed elements");
    for el in &mut out {
        el.text = el.text.trim().to_owned();
    }
    out
}

fn by_file<'a>(charts: &'a [Chart], file: &str) -> &'a Chart {
    charts
        .iter()
        .find(|c| c.file_name == file)
        .unwrap_or_else(|| panic!("no chart {file}"))
}

fn fill_of(kind: CauseKind) -> String {
    palette::cause(kind).hex()
}

/// Filled rectangles of this colour.
fn rects_filled<'a>(els: &'a [El], hex: &str) -> Vec<&'a El> {
    els.iter()
        .filter(|e| e.name == "rect" && e.attr("fill").eq_ignore_ascii_case(hex))
        .collect()
}

fn texts(els: &[El]) -> Vec<&str> {
    els.iter()
        .filter(|e| e.name == "text")
        .map(|e| e.text.as_str())
        .collect()
}

fn preview(name: &str, charts: &[Chart]) {
    let Some(dir) = std::env::var_os("GOATTRIB_SVG_PREVIEW") else {
        return;
    };
    let dir = PathBuf::from(dir).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for c in charts {
        std::fs::write(dir.join(c.file_name), &c.svg).unwrap();
    }
}

#[test]
fn edit_propagates_gives_four_charts_in_reading_order_all_valid_xml() {
    let r = edit_propagates();
    let charts = svg::charts(&r).unwrap();
    preview("edit-propagates-vs-warm", &charts);
    let names: Vec<_> = charts.iter().map(|c| c.file_name).collect();
    assert_eq!(
        names,
        [
            "timeline.svg",
            "top-packages.svg",
            "module-hit-rate.svg",
            "causes.svg"
        ],
        "no job trace, so no job timeline"
    );
    for c in &charts {
        let els = parse(&c.svg);
        assert_eq!(els[0].name, "svg");
        let title = els.iter().find(|e| e.name == "title").unwrap();
        assert_eq!(title.text, c.title);
        let desc = els.iter().find(|e| e.name == "desc").unwrap();
        assert_eq!(desc.text, c.alt);
        assert!(c.alt.ends_with('.') && !c.alt.contains('\n'), "{}", c.alt);
        assert!(
            texts(&els).contains(&c.title.as_str()),
            "{}: title drawn",
            c.file_name
        );
    }
}

#[test]
fn timeline_colours_each_miss_by_its_cause_and_outlines_the_critical_path() {
    let r = edit_propagates();
    let charts = svg::charts(&r).unwrap();
    let els = parse(&by_file(&charts, "timeline.svg").svg);
    // money's compile is the one source miss; three importers' compiles and the link are
    // dependency misses. Each is wider than a pixel, so each is its own bar; plus one
    // legend swatch per colour.
    assert_eq!(rects_filled(&els, &fill_of(CauseKind::Source)).len(), 1 + 1);
    assert_eq!(
        rects_filled(&els, &fill_of(CauseKind::Dependency)).len(),
        4 + 1
    );
    // Every other action is a hit or ran no tool: faint; nothing else is coloured.
    let allowed = [
        palette::HIT.hex(),
        fill_of(CauseKind::Source),
        fill_of(CauseKind::Dependency),
        palette::INK.hex(),
        "#ffffff".to_owned(),
    ];
    for e in els
        .iter()
        .filter(|e| e.name == "rect" && e.attr("fill") != "none")
    {
        let fill = e.attr("fill").to_ascii_lowercase();
        assert!(allowed.contains(&fill), "unexpected fill {fill}");
    }
    assert!(!rects_filled(&els, &palette::HIT.hex()).is_empty());
    let outlined = els
        .iter()
        .filter(|e| {
            e.name == "rect"
                && e.attr("fill") == "none"
                && e.attr("stroke").eq_ignore_ascii_case(&palette::INK.hex())
        })
        .count();
    assert!(
        outlined >= 2,
        "critical path outlined (and its legend swatch)"
    );
    let t = texts(&els);
    for label in [
        "miss: source",
        "miss: dependency",
        "on the critical path (outlined)",
    ] {
        assert!(t.contains(&label), "legend {label} in {t:?}");
    }
    assert!(
        t.iter()
            .any(|t| t.starts_with("time since the build started (ms)")),
        "{t:?}"
    );
}

#[test]
fn top_packages_shows_the_twenty_slowest_compiles_with_cause_colours() {
    let r = edit_propagates();
    let charts = svg::charts(&r).unwrap();
    let els = parse(&by_file(&charts, "top-packages.svg").svg);
    let mut builds: Vec<&ActionReport> = r.actions.iter().filter(|a| a.mode == "build").collect();
    builds.sort_by(|a, b| {
        b.duration_ms
            .unwrap()
            .total_cmp(&a.duration_ms.unwrap())
            .then(a.package.cmp(&b.package))
    });
    builds.truncate(20);
    let hits = builds
        .iter()
        .filter(|a| a.cache == CacheOutcome::Hit)
        .count();
    // The four misses are the slowest compiles.
    assert_eq!(hits, 16);
    assert_eq!(rects_filled(&els, &palette::HIT.hex()).len(), hits + 1);
    assert_eq!(rects_filled(&els, &fill_of(CauseKind::Source)).len(), 1 + 1);
    assert_eq!(
        rects_filled(&els, &fill_of(CauseKind::Dependency)).len(),
        3 + 1
    );
    let t = texts(&els);
    // Every row has its package's name, and the names fit (short ones whole).
    for a in &builds {
        let shown = t.iter().any(|t| {
            *t == a.package
                || (t.contains('…') && a.package.ends_with(t.rsplit('…').next().unwrap()))
        });
        assert!(shown, "label for {} in {t:?}", a.package);
    }
    assert!(t.contains(&MONEY));
    assert!(t.contains(&"compile time (ms)"), "{t:?}");
    // The slowest bar is the longest.
    let widths = |hex: String| -> Vec<f64> {
        rects_filled(&els, &hex)
            .iter()
            .map(|e| e.num("width"))
            .collect()
    };
    let dep_max = widths(fill_of(CauseKind::Dependency))
        .into_iter()
        .fold(0.0, f64::max);
    let hit_max = widths(palette::HIT.hex()).into_iter().fold(0.0, f64::max);
    assert!(dep_max > hit_max);
}

#[test]
fn module_hit_rate_splits_each_module_into_hits_and_misses_by_cause() {
    let r = edit_propagates();
    let charts = svg::charts(&r).unwrap();
    let els = parse(&by_file(&charts, "module-hit-rate.svg").svg);
    let t = texts(&els);
    for note in ["61/61 hits (100%)", "1/5 hits (20%)", "1/1 hits (100%)"] {
        assert!(t.contains(&note), "{note} in {t:?}");
    }
    for label in ["std go1.27.3", "example.com/shop (main)"] {
        assert!(t.contains(&label), "{label} in {t:?}");
    }
    assert!(t.contains(&"packages served from the cache (%)"));
    // example.com/shop: 1 hit, 1 source miss, 3 dependency misses of 5 packages.
    let source = rects_filled(&els, &fill_of(CauseKind::Source));
    let dep = rects_filled(&els, &fill_of(CauseKind::Dependency));
    assert_eq!(
        (source.len(), dep.len()),
        (1 + 1, 1 + 1),
        "one bar segment each + legend"
    );
    let (s, d) = (source[0].num("width"), dep[0].num("width"));
    assert!((d - 3.0 * s).abs() <= 3.0, "3 misses vs 1: {d} vs {s}");
    assert_eq!(source[0].num("y"), dep[0].num("y"), "same row");
}

#[test]
fn causes_chart_shows_time_per_kind_and_the_origin() {
    let r = edit_propagates();
    let charts = svg::charts(&r).unwrap();
    let c = by_file(&charts, "causes.svg");
    let els = parse(&c.svg);
    let t = texts(&els);
    assert!(t.contains(&"dependency") && t.contains(&"source"), "{t:?}");
    assert!(t.contains(&MONEY), "origin row {t:?}");
    assert!(
        t.iter()
            .any(|t| t.starts_with("5 misses") && t.contains("money.go changed")),
        "{t:?}"
    );
    // Bars: dependency (kind row), source (kind row) and money's origin row in source's
    // colour; lengths in proportion to time.
    let dep = rects_filled(&els, &fill_of(CauseKind::Dependency));
    let src = rects_filled(&els, &fill_of(CauseKind::Source));
    assert_eq!((dep.len(), src.len()), (1 + 1, 2 + 1));
    let dep_ms: f64 = r
        .causes
        .iter()
        .filter(|c| c.kind == CauseKind::Dependency)
        .map(|c| c.time_ms)
        .sum();
    let origin_ms = r.origins[0].time_ms;
    let ratio = src[1].num("width") / dep[0].num("width");
    assert!((ratio - origin_ms / dep_ms).abs() < 0.02, "{ratio}");
    assert!(
        c.alt.contains("5 misses") || c.alt.contains("dependency"),
        "{}",
        c.alt
    );
}

#[test]
fn restore_failed_job_timeline_calls_out_the_restore_and_places_the_go_build() {
    let r = restore_failed();
    let charts = svg::charts(&r).unwrap();
    preview("joined-restore-failed", &charts);
    assert_eq!(charts.last().unwrap().file_name, "job-timeline.svg");
    let c = by_file(&charts, "job-timeline.svg");
    let els = parse(&c.svg);
    let t = texts(&els);
    for s in &r.job.as_ref().unwrap().sections {
        assert!(t.contains(&s.name.as_str()), "{} in {t:?}", s.name);
    }
    assert!(t.contains(&"go build"));
    assert!(
        t.iter()
            .any(|t| t.ends_with("CI cache restore: miss (FATAL: file does not exist)")),
        "{t:?}"
    );
    assert!(
        t.iter().any(|t| t.contains("approximate")),
        "legend says approximate"
    );
    assert!(
        c.alt.contains("approximate") && c.alt.contains("miss"),
        "{}",
        c.alt
    );
    // restore_cache is drawn in the cache-not-restored colour (bar + legend swatch).
    let vermillion = rects_filled(&els, &fill_of(CauseKind::CacheNotRestored));
    assert_eq!(vermillion.len(), 2);
    // The Go build sits inside step_script, ending where it ends.
    let x_of = |label: &str| -> (f64, f64) {
        let i = els
            .iter()
            .position(|e| e.name == "text" && e.text == label)
            .unwrap();
        let y = els[i].num("y");
        let bar = els
            .iter()
            .filter(|e| e.name == "rect" && e.attr("fill") != "none")
            .find(|e| e.num("y") < y && y < e.num("y") + e.num("height"))
            .unwrap();
        (bar.num("x"), bar.num("x") + bar.num("width"))
    };
    let (go0, go1) = x_of("go build");
    let (s0, s1) = x_of("step_script");
    assert!(
        s0 <= go0 && go1 <= s1 && (s1 - go1).abs() <= 1.0,
        "{go0}..{go1} in {s0}..{s1}"
    );
    // The build's misses are all cache-not-restored: the timeline says so in that colour.
    let tl = parse(&by_file(&charts, "timeline.svg").svg);
    assert!(rects_filled(&tl, &fill_of(CauseKind::CacheNotRestored)).len() > 10);
    assert_eq!(rects_filled(&tl, &fill_of(CauseKind::Source)).len(), 0);
}

/// Regression (issue 15): the job chart drew one row per section, so a job log printing
/// 50,000 section markers gave a 50,000-row SVG. It draws the longest
/// `MAX_SECTION_ROWS` (the real trace's script and cache sections among them) and one row
/// that counts the rest and their time.
#[test]
fn fifty_thousand_sections_fold_into_the_longest_rows_and_one_count() {
    use goattrib::model::JobSectionTime;
    use goattrib::render::svg::MAX_JOB_SECTION_ROWS as MAX_SECTION_ROWS;
    const N: usize = 50_000;
    let mut r = restore_failed();
    let job = r.job.as_mut().unwrap();
    // The real trace's sections that last at least a second (one lasts 0 s).
    let real: Vec<String> = job
        .sections
        .iter()
        .filter(|s| s.duration_ms.is_some_and(|d| d >= 1_000.0))
        .map(|s| s.name.clone())
        .collect();
    let first = job.sections.len();
    // 50,000 short sections inside the script, 1 ms each, and one long one of 100 s.
    for i in 0..N {
        job.sections.push(JobSectionTime {
            name: format!("noise_{i}"),
            start_ms: Some(1_000.0 + i as f64),
            duration_ms: Some(if i == 7 { 100_000.0 } else { 1.0 }),
            parent: Some("step_script".to_owned()),
            closed: true,
        });
    }
    let total = job.sections.len();
    assert!(real.len() >= 8 && first > real.len(), "{first} sections");
    let charts = svg::charts(&r).unwrap();
    let c = by_file(&charts, "job-timeline.svg");
    assert!(c.svg.len() < 64 << 10, "{} bytes", c.svg.len());
    let els = parse(&c.svg);
    let t = texts(&els);
    // The long noise section beats the 1 ms ones, which beat the 0 s real one.
    assert!(t.contains(&"noise_7"), "{t:?}");
    for name in &real {
        assert!(t.contains(&name.as_str()), "{name} in {t:?}");
    }
    let noise = t.iter().filter(|x| x.starts_with("noise_")).count();
    assert_eq!(
        noise,
        MAX_SECTION_ROWS - first + 1,
        "one real section is folded"
    );
    let folded = total - MAX_SECTION_ROWS;
    let count = goattrib::model::thousands(folded);
    // The folded ones: 1 ms noise sections and the 0 s real one.
    let text = format!(
        "{count} shorter sections folded ({:.2} s in all)",
        (N - noise) as f64 / 1_000.0
    );
    assert!(t.contains(&format!("{count} more").as_str()), "{t:?}");
    assert!(t.iter().any(|x| x.contains(&text)), "{text} in {t:?}");
    let shown = format!("the {MAX_SECTION_ROWS} longest shown");
    assert!(t.iter().any(|x| x.contains(&shown)), "{t:?}");
    assert!(c.alt.contains(&text), "{}", c.alt);
}

fn rename(r: &mut Report, from: &str, to: &str) {
    for a in &mut r.actions {
        if a.package == from {
            a.package = to.to_owned();
        }
    }
    for o in &mut r.origins {
        if o.package == from {
            o.package = to.to_owned();
        }
    }
    for m in &mut r.modules {
        if m.module == "example.com/shop" {
            m.module = format!("{to}\u{1}\u{7}");
        }
    }
}

fn assert_inert(svg: &str) {
    let els = parse(svg);
    for e in &els {
        assert!(
            !["script", "img", "foreignObject", "a"].contains(&e.name.as_str()),
            "markup from a label: <{}>",
            e.name
        );
        assert!(
            !e.attrs.keys().any(|k| k.starts_with("on")),
            "event handler attribute on <{}>",
            e.name
        );
    }
    assert!(!svg.contains("<script"));
}

#[test]
fn hostile_package_names_stay_text() {
    let mut r = edit_propagates();
    rename(&mut r, MONEY, HOSTILE);
    let charts = svg::charts(&r).unwrap();
    assert_eq!(charts.len(), 4);
    let mut shown = 0;
    for c in &charts {
        assert_inert(&c.svg);
        let els = parse(&c.svg);
        shown += texts(&els)
            .iter()
            .filter(|t| t.contains("<script>"))
            .count();
    }
    assert!(shown >= 2, "the name is drawn, as text");
    let bars = [DivergingBar {
        label: HOSTILE.to_owned(),
        value_ms: 5.0,
        kind: Some(CauseKind::Source),
    }];
    let svg = svg::diverging_bars(HOSTILE, &bars).unwrap();
    assert_inert(&svg);
    assert!(
        texts(&parse(&svg))
            .iter()
            .any(|t| t.starts_with("\"><script>"))
    );
}

fn action(
    id: u64,
    start: f64,
    dur: f64,
    cache: CacheOutcome,
    kind: Option<CauseKind>,
) -> ActionReport {
    ActionReport {
        id,
        mode: "build".into(),
        package: format!("example.com/big/pkg{id:04}"),
        module: "example.com/big".to_owned(),
        cache,
        decided_by: Evidence::ActionGraph,
        start_ms: Some(start),
        duration_ms: Some(dur),
        cpu_ms: None,
        deps: vec![],
        failed: false,
        on_critical_path: id.is_multiple_of(97),
        cause: kind.map(|kind| Cause {
            kind,
            detail: "d".to_owned(),
            hint: "h".to_owned(),
            origins: Default::default(),
            origin_set: None,
            origins_truncated: false,
            changed: vec![],
        }),
    }
}

/// 3,000 actions on 8 workers over about a minute: most are sub-millisecond cache
/// checks and hits, some are long compiles.
fn big_report() -> Report {
    let mut r = edit_propagates();
    r.job = None;
    let mut actions = Vec::new();
    let mut worker_free = [0.0f64; 8];
    for id in 0..3_000u64 {
        let w = (id % 8) as usize;
        let (dur, cache, kind) = match id % 10 {
            0 => (
                400.0 + (id % 13) as f64 * 90.0,
                CacheOutcome::Miss,
                Some(CauseKind::Dependency),
            ),
            1 => (30.0, CacheOutcome::Miss, Some(CauseKind::Source)),
            2..=5 => (0.05 + (id % 7) as f64 * 0.02, CacheOutcome::Hit, None),
            _ => (0.3, CacheOutcome::NoLookup, None),
        };
        let start = worker_free[w];
        worker_free[w] = start + dur + 0.01;
        actions.push(action(id, start, dur, cache, kind));
    }
    r.actions = actions;
    r
}

#[test]
fn three_thousand_actions_give_a_small_svg_without_slivers() {
    let r = big_report();
    let charts = svg::charts(&r).unwrap();
    preview("synthetic-3000", &charts);
    let tl = by_file(&charts, "timeline.svg");
    let els = parse(&tl.svg);
    let rects = els.iter().filter(|e| e.name == "rect").count();
    assert!(tl.svg.len() < 1_500_000, "{} bytes", tl.svg.len());
    assert!(rects < 4_000, "{rects} rects");
    // Merging: far fewer rects than actions, every drawn bar at least a pixel wide.
    assert!(rects < 2_000, "{rects} rects for 3,000 actions");
    assert!(
        els.iter()
            .filter(|e| e.name == "rect")
            .all(|e| e.num("width") >= 1.0)
    );
    // Long compiles are all there: 300 dependency misses, each wide enough to be its own bar.
    assert_eq!(
        rects_filled(&els, &fill_of(CauseKind::Dependency)).len(),
        300 + 1
    );
    let top = by_file(&charts, "top-packages.svg");
    let label_rows = texts(&parse(&top.svg))
        .iter()
        .filter(|t| t.starts_with("example.com/big/pkg"))
        .count();
    assert_eq!(label_rows, 20);
}

#[test]
fn odd_times_and_empty_reports_do_not_panic() {
    let mut r = big_report();
    r.actions.truncate(40);
    let odd = [
        f64::NAN,
        -5.0,
        f64::INFINITY,
        1e300,
        -1e300,
        0.0,
        f64::MIN_POSITIVE,
    ];
    for (i, a) in r.actions.iter_mut().enumerate() {
        a.start_ms = Some(odd[i % odd.len()]);
        a.duration_ms = Some(odd[(i / 7) % odd.len()]);
    }
    r.causes.iter_mut().for_each(|c| c.time_ms = f64::NAN);
    r.origins.iter_mut().for_each(|o| o.time_ms = -1.0);
    for c in svg::charts(&r).unwrap() {
        parse(&c.svg);
    }
    let mut empty = edit_propagates();
    empty.actions.clear();
    empty.modules.clear();
    empty.causes.clear();
    empty.origins.clear();
    empty.critical_path.clear();
    assert!(svg::charts(&empty).unwrap().is_empty());
    // A job with no timed sections has no job chart.
    let mut job_only = restore_failed();
    job_only.actions.clear();
    job_only
        .job
        .as_mut()
        .unwrap()
        .sections
        .iter_mut()
        .for_each(|s| s.start_ms = None);
    job_only.job.as_mut().unwrap().duration_ms = Some(f64::NAN);
    for c in svg::charts(&job_only).unwrap() {
        assert_ne!(c.file_name, "job-timeline.svg");
        parse(&c.svg);
    }
    parse(&svg::diverging_bars("nothing", &[]).unwrap());
}

#[test]
fn diverging_bars_put_slower_right_and_faster_left_of_zero() {
    let bars = [
        DivergingBar {
            label: "a".into(),
            value_ms: 1_500.0,
            kind: Some(CauseKind::Flags),
        },
        DivergingBar {
            label: "b".into(),
            value_ms: -700.0,
            kind: None,
        },
        DivergingBar {
            label: "c".into(),
            value_ms: 300.0,
            kind: None,
        },
        DivergingBar {
            label: "d".into(),
            value_ms: f64::NAN,
            kind: None,
        },
    ];
    let svg = svg::diverging_bars("Compared with main: what got slower", &bars).unwrap();
    let els = parse(&svg);
    let zero_x = els
        .iter()
        // The axes are drawn faint; the zero line is the one opaque line.
        .find(|e| e.name == "polyline" && e.attr("opacity") == "1")
        .map(|e| {
            let p = e.attr("points");
            p.split([',', ' ']).next().unwrap().parse::<f64>().unwrap()
        })
        .expect("zero line");
    let flags = rects_filled(&els, &fill_of(CauseKind::Flags));
    assert_eq!(flags.len(), 2);
    assert!(
        (flags[0].num("x") - zero_x).abs() <= 1.0,
        "slower starts at zero"
    );
    let faster = rects_filled(&els, &palette::HIT.hex());
    assert!(
        faster[0].num("x") + faster[0].num("width") <= zero_x + 1.0,
        "faster ends at zero"
    );
    let unknown = rects_filled(&els, &palette::MISS_UNATTRIBUTED.hex());
    assert!((unknown[0].num("x") - zero_x).abs() <= 1.0);
    // 1,500 ms is five times 300 ms.
    let ratio = flags[0].num("width") / unknown[0].num("width");
    assert!((ratio - 5.0).abs() < 0.2, "{ratio}");
    let t = texts(&els);
    for s in [
        "+1.50 s slower",
        "700 ms faster",
        "+300 ms slower",
        "unknown",
        "faster",
        "flags",
    ] {
        assert!(t.contains(&s), "{s} in {t:?}");
    }
}
