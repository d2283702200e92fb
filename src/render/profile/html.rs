//! The report page's "Inside the compiler" section: for each package whose compile was
//! profiled (`record --profile` profiles exactly the misses), its wall time, CPU and the
//! compiler passes that CPU went to, and the `-bench` front-end / back-end split.
//! Written through quick-xml events, so package names are escaped.

use std::io::Result;

use quick_xml::Writer;
use quick_xml::events::BytesText;

use crate::model::profile::PackageCost;

use super::ns;

type W = Writer<Vec<u8>>;

fn el(w: &mut W, tag: &str, body: &str) -> Result<()> {
    w.create_element(tag)
        .write_text_content(BytesText::new(body))?;
    Ok(())
}

/// Passes by CPU, the largest first: `escape 61%, ssa 20%, noder 9%`.
pub fn top_passes(p: &PackageCost, n: usize) -> String {
    let cpu = p.cpu_ns.unwrap_or(0);
    let mut phases: Vec<(&String, &i64)> = p.phases.iter().collect();
    phases.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    phases
        .iter()
        .take(n)
        .filter(|_| cpu > 0)
        .map(|(k, v)| format!("{k} {:.0}%", **v as f64 * 100.0 / cpu as f64))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn section(w: &mut W, packages: &[PackageCost]) -> Result<()> {
    let mut rows: Vec<&PackageCost> = packages.iter().collect();
    rows.sort_by(|a, b| {
        b.cpu_ns
            .unwrap_or(0)
            .cmp(&a.cpu_ns.unwrap_or(0))
            .then(b.wall_ns.cmp(&a.wall_ns))
            .then(a.package.cmp(&b.package))
    });
    w.create_element("section")
        .with_attribute(("id", "compiler"))
        .write_inner_content(|w| {
            el(w, "h2", "Inside the compiler")?;
            el(
                w,
                "p",
                "Compile CPU profiles of the packages that missed (record --profile): where each \
                 compile's CPU went, by compiler pass (cmd/compile/internal/<pass>), and the \
                 compiler's own front-end / back-end timings (-bench).",
            )?;
            w.create_element("table").write_inner_content(|w| {
                w.create_element("tr").write_inner_content(|w| {
                    for h in [
                        "package",
                        "wall",
                        "CPU",
                        "CPU by compiler pass",
                        "front end",
                        "back end",
                    ] {
                        el(w, "th", h)?;
                    }
                    Ok(())
                })?;
                for p in rows.iter().take(30) {
                    w.create_element("tr").write_inner_content(|w| {
                        let o = |v: Option<i64>| v.map_or("-".to_owned(), |v| ns(v.max(0) as u64));
                        el(w, "td", &p.package)?;
                        el(
                            w,
                            "td",
                            &o(p.wall_ns.or_else(|| p.bench_phases.get("total").copied())),
                        )?;
                        el(w, "td", &o(p.cpu_ns))?;
                        el(w, "td", &top_passes(p, 3))?;
                        el(w, "td", &o(p.bench_phases.get("fe:subtotal").copied()))?;
                        el(w, "td", &o(p.bench_phases.get("be:subtotal").copied()))?;
                        Ok(())
                    })?;
                }
                Ok(())
            })?;
            Ok(())
        })?;
    Ok(())
}
