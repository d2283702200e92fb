//! "Inside the compiler" as a terminal table and a Markdown table: per compiled package,
//! its compile's wall time, CPU and the compiler passes that CPU went to. Shared by
//! `goattrib profile` and `goattrib report` (its `compiler` section, from `record --profile`
//! bundles); the HTML page's version is `html.rs`. Computes nothing but words.

use std::fmt::Write as _;
use std::io::Write;

use comfy_table::Cell;

use crate::model::Report;
use crate::model::profile::PackageCost;
use crate::render::markdown::code;
use crate::render::table::{TableOptions, right, table};

use super::{ns, share};

/// The costliest first: CPU, then wall, then name (JSON keeps name order).
fn by_cost(packages: &[PackageCost]) -> Vec<&PackageCost> {
    let mut rows: Vec<&PackageCost> = packages.iter().collect();
    rows.sort_by(|a, b| {
        b.cpu_ns
            .unwrap_or(0)
            .cmp(&a.cpu_ns.unwrap_or(0))
            .then(b.wall_ns.cmp(&a.wall_ns))
            .then(a.package.cmp(&b.package))
    });
    rows
}

/// The compile's wall time: the profile's duration, else the `-bench` total.
fn wall(p: &PackageCost) -> String {
    p.wall_ns
        .or_else(|| p.bench_phases.get("total").copied())
        .map_or("-".into(), |w| ns(w.max(0) as u64))
}

fn cpu(p: &PackageCost) -> String {
    p.cpu_ns.map_or("-".into(), |c| ns(c.max(0) as u64))
}

/// The `n` passes with the most CPU, each with its share of the compile's CPU; `name`
/// spells a pass name for the output (plain, or a Markdown code span).
fn top_passes(p: &PackageCost, n: usize, name: impl Fn(&str) -> String) -> String {
    let mut phases: Vec<(&String, &i64)> = p.phases.iter().collect();
    phases.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let cpu = p.cpu_ns.unwrap_or(0);
    phases
        .iter()
        .take(n)
        .map(|(k, v)| format!("{} {}", name(k), share(**v, cpu)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table of the `top` costliest packages, titled with how many of how many it shows.
pub fn write_packages(
    packages: &[PackageCost],
    out: &mut dyn Write,
    opts: &TableOptions,
    top: usize,
) -> std::io::Result<()> {
    if packages.is_empty() {
        return Ok(());
    }
    let mut tab = table(
        &["package", "wall", "CPU", "top compiler passes (CPU)"],
        opts,
    );
    for p in by_cost(packages).into_iter().take(top) {
        tab.add_row(vec![
            Cell::new(&p.package),
            right(wall(p)),
            right(cpu(p)),
            Cell::new(top_passes(p, 3, str::to_owned)),
        ]);
    }
    writeln!(
        out,
        "\nInside the compiler, by package ({} of {}, the most CPU first)\n{tab}",
        packages.len().min(top),
        packages.len()
    )
}

/// The report's section, when its bundle has compile profiles; folded to `--top` rows
/// unless `--all`.
pub fn write_report(
    report: &Report,
    out: &mut dyn Write,
    opts: &TableOptions,
) -> std::io::Result<()> {
    let Some(c) = &report.compiler else {
        return Ok(());
    };
    let top = if opts.all { c.packages.len() } else { opts.top };
    write_packages(&c.packages, out, opts, top)
}

/// summary.md's table: the `top` costliest compiles, then how many more.
pub fn markdown(report: &Report, top: usize) -> String {
    let mut out = String::new();
    let Some(c) = report.compiler.as_ref().filter(|c| !c.packages.is_empty()) else {
        return out;
    };
    let _ = writeln!(
        out,
        "| inside the compiler | wall | CPU | top passes (CPU) |"
    );
    let _ = writeln!(out, "|---|--:|--:|---|");
    for p in by_cost(&c.packages).into_iter().take(top) {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code(&p.package),
            wall(p),
            cpu(p),
            top_passes(p, 3, code),
        );
    }
    if c.packages.len() > top {
        let _ = writeln!(
            out,
            "\n{} more compiles in the report.",
            c.packages.len() - top
        );
    }
    out.push('\n');
    out
}
