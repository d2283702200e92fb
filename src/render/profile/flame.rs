//! Flame graphs as SVG through inferno (its own search, zoom and tooltips, all inline:
//! nothing is fetched when the file is opened), and differential ones for `profile diff`
//! (inferno's `differential`: red grew, blue shrank).

use crate::model::profile::ValueType;

fn options<'a>(title: &str, t: &ValueType) -> inferno::flamegraph::Options<'a> {
    let mut o = inferno::flamegraph::Options::default();
    o.title = title.to_owned();
    o.count_name = if t.unit == "count" {
        t.kind.clone()
    } else {
        t.unit.clone()
    };
    // Same input, same bytes: no random colours.
    o.hash = true;
    o.deterministic = true;
    o
}

/// The flame graph of folded stacks (`root;..;leaf value` lines).
pub fn flame(folded: &[String], title: &str, t: &ValueType) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut o = options(title, t);
    if folded.is_empty() {
        // inferno answers empty input with an SVG that says so, and an error: keep the SVG.
        o.subtitle = Some("no samples".into());
        let _ = inferno::flamegraph::from_lines(&mut o, std::iter::empty(), &mut out);
        return Ok(out);
    }
    inferno::flamegraph::from_lines(&mut o, folded.iter().map(String::as_str), &mut out)?;
    Ok(out)
}

/// HEAD's flame graph coloured by the change from BASE.
pub fn differential(
    base: &[String],
    head: &[String],
    normalize: bool,
    title: &str,
    t: &ValueType,
) -> std::io::Result<Vec<u8>> {
    let (b, h) = (base.join("\n"), head.join("\n"));
    let mut diffed = Vec::new();
    inferno::differential::from_readers(
        inferno::differential::Options {
            normalize,
            ..Default::default()
        },
        b.as_bytes(),
        h.as_bytes(),
        &mut diffed,
    )?;
    let text = String::from_utf8_lossy(&diffed);
    let mut out = Vec::new();
    let mut o = options(title, t);
    inferno::flamegraph::from_lines(&mut o, text.lines(), &mut out)?;
    Ok(out)
}
