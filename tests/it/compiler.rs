//! "Inside the compiler" in `goattrib report`: the terminal table, `report.json`'s
//! `compiler` section and summary.md's table, on the real `record --profile` bundle of a cold
//! build (`fixtures/gen/profiles/capture-bundle.sh`), with each package's CPU equal to the real
//! `go tool pprof`'s total and its wall-clock `-bench` total equal to its bench file's line.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{root, run, scenario, stderr, stdout};

fn bundle_dir() -> PathBuf {
    root().join("fixtures/profiles/bundle")
}

fn bundle() -> PathBuf {
    bundle_dir().join("cold")
}

fn report_json(path: &Path) -> Value {
    let out = run(&[
        OsStr::new("report"),
        OsStr::new("--format"),
        OsStr::new("json"),
        path.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("report prints JSON")
}

/// Package → the real pprof's total CPU of its compile profile (truth.txt).
fn pprof_totals() -> BTreeMap<String, i64> {
    std::fs::read_to_string(bundle_dir().join("truth.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            let (file, total) = l.split_once(' ').unwrap();
            let stem = file.strip_suffix(".cpuprof").unwrap();
            let package = percent_encoding::percent_decode_str(stem)
                .decode_utf8()
                .unwrap()
                .into_owned();
            (package, total.parse().unwrap())
        })
        .collect()
}

/// The `total` line of the package's own -bench file, read as text.
fn bench_total(package: &str) -> i64 {
    let escaped = package.replace('/', "%2F");
    let text = std::fs::read_to_string(
        bundle()
            .join("profiles")
            .join(format!("{escaped}.bench.txt")),
    )
    .unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("BenchmarkCompile:") && l.contains(":total "))
        .unwrap();
    line.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn report_json_has_every_missed_compile_with_pprof_s_cpu() {
    let r = report_json(&bundle());
    assert_eq!(r["schema"], "goattrib.report/v1");
    let truth = pprof_totals();
    assert_eq!(
        truth.len(),
        67,
        "a cold build of fixtures/gen/project: 67 packages"
    );
    let packages = r["compiler"]["packages"].as_array().unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["package"].as_str().unwrap())
        .collect();
    // One entry per profile, in name order; a main package's bench lines (named `main` by
    // the compiler) join its import path.
    assert_eq!(names, truth.keys().map(String::as_str).collect::<Vec<_>>());
    assert!(names.contains(&"example.com/shop/cmd/shop") && !names.contains(&"main"));
    // Exactly the packages the report calls misses.
    let mut missed: Vec<&str> = r["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["mode"] == "build" && a["cache"] == "miss")
        .map(|a| a["package"].as_str().unwrap())
        .collect();
    missed.sort_unstable();
    assert_eq!(missed, names);
    assert_eq!(r["summary"]["packages"]["misses"].as_u64(), Some(67));
    for p in packages {
        let name = p["package"].as_str().unwrap();
        let cpu = p["cpu_ns"].as_i64().unwrap();
        assert_eq!(cpu, truth[name], "{name}");
        // Every sample in exactly one pass.
        let phases: i64 = p["phases"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_i64().unwrap())
            .sum();
        assert_eq!(phases, cpu, "{name}");
        assert_eq!(
            p["bench_phases"]["total"].as_i64(),
            Some(bench_total(name)),
            "{name}"
        );
        assert!(p["wall_ns"].as_i64().unwrap() > 0, "{name}");
    }
    let runtime = packages.iter().find(|p| p["package"] == "runtime").unwrap();
    assert_eq!(runtime["cpu_ns"].as_i64(), Some(6_160_000_000));
    assert_eq!(runtime["phases"]["ssa"].as_i64(), Some(2_060_000_000));
    // The same figures as `goattrib profile` gives for the bundle's profiles.
    let out = run(&[
        OsStr::new("profile"),
        OsStr::new("--format"),
        OsStr::new("json"),
        bundle().join("profiles").as_os_str(),
    ]);
    let prof: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(&prof["packages"], &r["compiler"]["packages"]);

    // A bundle without profiles has no section at all.
    let plain = report_json(&scenario("cold"));
    assert!(plain.get("compiler").is_none());
}

/// The table's lines, from its title to its closing border.
fn section(text: &str) -> String {
    let at = text
        .find("\nInside the compiler")
        .unwrap_or_else(|| panic!("no compiler table in {text}"));
    let rest = &text[at + 1..];
    let end = rest.find('└').unwrap();
    let end = end + rest[end..].find('\n').unwrap_or(rest.len() - end);
    rest[..end].to_owned()
}

#[test]
fn report_table_shows_the_costliest_compiles_folded_to_top() {
    let out = run(&[
        OsStr::new("report"),
        OsStr::new("--width"),
        OsStr::new("100"),
        bundle().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let table = section(&text);
    assert!(
        table.starts_with("Inside the compiler, by package (10 of 67, the most CPU first)"),
        "{table}"
    );
    // Right after the misses: "this package missed" and then "where its compile went".
    assert!(text.find("Top misses by cost").unwrap() < text.find("Inside the compiler").unwrap());
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.set_snapshot_path("snapshots");
    s.bind(|| insta::assert_snapshot!("report_compiler_table", table));

    let all = stdout(&run(&[
        OsStr::new("report"),
        OsStr::new("--all"),
        bundle().as_os_str(),
    ]));
    let rows = section(&all).lines().filter(|l| l.starts_with("│")).count();
    assert_eq!(rows, 1 + 67, "header and every package");
    let plain = stdout(&run(&[OsStr::new("report"), scenario("cold").as_os_str()]));
    assert!(!plain.contains("Inside the compiler"));
}

#[test]
fn report_folder_summary_and_json_carry_the_compiler_figures() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        OsStr::new("report"),
        OsStr::new("-q"),
        OsStr::new("--out"),
        dir.path().as_os_str(),
        bundle().as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
    assert!(
        md.contains(
            "| inside the compiler | wall | CPU | top passes (CPU) |\n|---|--:|--:|---|\n\
             | `runtime` | 26.52 s | 6.16 s | `ssa` 33.4%, `runtime` 15.3%, `noder` 8.1% |\n"
        ),
        "{md}"
    );
    assert!(md.contains("\n62 more compiles in the report.\n"), "{md}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(json["compiler"], report_json(&bundle())["compiler"]);
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains("<h2>Inside the compiler</h2>"));
}
