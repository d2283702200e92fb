//! `goattrib compare` and the input manifest, on the real captures in `fixtures/scenarios/`
//! (SCENARIOS.md says what changed in each and against which baseline).
//!
//! Manifest: on every scenario, a manifest gives exactly the causes its bundle gives, as a
//! baseline and as the build analysed, and stays within 5% of the hash log it replaces.
//! Compare: each cause kind's time is attributed, and attributions plus the unexplained
//! remainder add up to the measured wall-time delta, to the millisecond.

use std::io::Read;
use std::path::{Path, PathBuf};

use goattrib::model::{CacheOutcome, CauseKind, Report};

use crate::harness::{bin, joined, load_clean, scenario};

const MONEY: &str = "example.com/shop/internal/money";
const CART: &str = "example.com/shop/internal/cart";
const REPORT: &str = "example.com/shop/internal/report";
const SHOP: &str = "example.com/shop/cmd/shop";

/// Every scenario with its baseline, from SCENARIOS.md.
pub(crate) fn scenarios() -> Vec<(String, Option<String>)> {
    let text = std::fs::read_to_string(scenario("SCENARIOS.md")).expect("SCENARIOS.md");
    let rows: Vec<(String, Option<String>)> = text
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let (name, base) = (*cells.get(1)?, *cells.get(2)?);
            if name.is_empty() || name == "scenario" || name.starts_with("---") {
                return None;
            }
            Some((name.to_owned(), (base != "-").then(|| base.to_owned())))
        })
        .collect();
    assert!(rows.len() >= 20, "{rows:?}");
    rows
}

/// Writes a scenario's manifest with the library's writer, as `record` does.
fn manifest_of(name: &str, dir: &Path) -> PathBuf {
    let path = dir.join(format!("{name}.manifest.json.gz"));
    let data = goattrib::analysis::prepare(load_clean(&scenario(name)));
    goattrib::ingest::manifest::write_file(&path, &data).expect("manifest written");
    path
}

/// Everything about causes a report says: per action, per cause group, per origin.
fn causes(r: &Report) -> serde_json::Value {
    let actions: Vec<_> = r
        .actions
        .iter()
        .map(|a| (&a.mode, &a.package, a.cache, &a.cause))
        .collect();
    serde_json::json!({
        "actions": actions,
        "causes": r.causes,
        "origins": r.origins,
        "packages": r.summary.packages,
        "modules": r.modules,
    })
}

#[test]
fn manifest_gives_the_same_causes_as_its_bundle_on_every_scenario() {
    let dir = tempfile::tempdir().unwrap();
    for (name, base) in scenarios() {
        let manifest = manifest_of(&name, dir.path());
        // As the build analysed, against the bundle's own baseline (or none).
        let base_inputs = || base.as_deref().map(|b| load_clean(&scenario(b)));
        let from_bundle = goattrib::analysis::report(load_clean(&scenario(&name)), base_inputs());
        let from_manifest = goattrib::analysis::report(load_clean(&manifest), base_inputs());
        assert_eq!(
            causes(&from_bundle),
            causes(&from_manifest),
            "{name} analysed from its manifest"
        );
        assert_eq!(from_bundle.build.wall_ms, from_manifest.build.wall_ms);
        // As the baseline of the build that follows it.
        if let Some(base) = &base {
            let base_manifest = manifest_of(base, dir.path());
            let with_bundle = goattrib::analysis::report(
                load_clean(&scenario(&name)),
                Some(load_clean(&scenario(base))),
            );
            let with_manifest = goattrib::analysis::report(
                load_clean(&scenario(&name)),
                Some(load_clean(&base_manifest)),
            );
            assert_eq!(
                causes(&with_bundle),
                causes(&with_manifest),
                "{name} --baseline {base} manifest"
            );
        }
    }
}

/// Bytes of the `HASH` lines in a bundle's stderr: the log a manifest replaces.
fn hash_log_bytes(bundle: &Path) -> usize {
    let mut text = Vec::new();
    let file = std::fs::File::open(bundle.join("build.stderr.gz")).unwrap();
    flate2::read::MultiGzDecoder::new(file)
        .read_to_end(&mut text)
        .unwrap();
    text.split(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"HASH"))
        .map(|l| l.len() + 1)
        .sum()
}

#[test]
fn manifest_is_at_most_five_percent_of_the_hash_log() {
    let dir = tempfile::tempdir().unwrap();
    for (name, _) in scenarios() {
        let log = hash_log_bytes(&scenario(&name));
        if log == 0 {
            continue;
        }
        let size = std::fs::metadata(manifest_of(&name, dir.path()))
            .unwrap()
            .len() as usize;
        let share = size as f64 / log as f64;
        eprintln!(
            "{name}: manifest {size} B, hash log {log} B ({:.2}%)",
            share * 100.0
        );
        assert!(share <= 0.05, "{name}: {size} B is {share:.3} of {log} B");
    }
}

#[test]
fn manifest_is_recognised_in_a_bundle_and_the_bundle_files_win() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    for entry in std::fs::read_dir(scenario("edit-propagates")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, bundle.join(path.file_name().unwrap())).unwrap();
    }
    // A manifest of another build beside the files: the files describe this build.
    std::fs::copy(
        manifest_of("warm", dir.path()),
        bundle.join("manifest.json.gz"),
    )
    .unwrap();
    let inputs = load_clean(&bundle);
    assert!(inputs.manifest.is_none());
    let r = goattrib::analysis::report(inputs, Some(load_clean(&scenario("warm"))));
    let money = r
        .actions
        .iter()
        .find(|a| a.mode == "build" && a.package == MONEY)
        .unwrap();
    assert_eq!(money.cause.as_ref().unwrap().kind, CauseKind::Source);
}

#[test]
fn unknown_manifest_version_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    std::fs::write(
        &path,
        r#"{"format":"goattrib.manifest","version":99,"strings":[]}"#,
    )
    .unwrap();
    let inputs = goattrib::ingest::load(std::slice::from_ref(&path)).unwrap();
    let err = inputs.errors.first().expect("an error");
    assert!(
        matches!(err, goattrib::ingest::IngestError::Manifest { .. }),
        "{err:?}"
    );
    let text = goattrib::model::error_chain(err);
    assert!(!text.contains('\n'), "{text}");
    assert!(
        text.contains("m.json") && text.contains("version 99 is not supported"),
        "{text}"
    );
    let out = bin()
        .args(["report", "--baseline"])
        .arg(&path)
        .arg(scenario("warm"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // An unreadable baseline is a warning and a baseline-free report (exit 1), not an error:
    // the build itself was readable (issue 11: the first pipeline has no baseline yet).
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("version 99 is not supported"), "{stderr}");
    assert!(stderr.contains("baseline not used"), "{stderr}");
}

#[test]
fn malformed_manifests_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(manifest_of("warm", dir.path())).unwrap();
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&good[..])
        .read_to_end(&mut json)
        .unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("cut", json[..json.len() / 2].to_vec()),
        ("cut-gzip", good[..good.len() / 2].to_vec()),
        (
            "bad-index",
            String::from_utf8_lossy(&json)
                .replacen("\"keys\":[[", "\"keys\":[[999999,", 1)
                .into_bytes(),
        ),
        (
            "wrong-type",
            String::from_utf8_lossy(&json)
                .replacen("\"strings\":[", "\"strings\":[1,", 1)
                .into_bytes(),
        ),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let inputs = goattrib::ingest::load(std::slice::from_ref(&path)).unwrap();
        assert_eq!(inputs.errors.len(), 1, "{name}: {:?}", inputs.errors);
        assert!(inputs.manifest.is_none(), "{name}");
    }
}

// ---- compare ----

fn compare(base: &str, head: &str) -> goattrib::model::compare::Comparison {
    goattrib::analysis::compare::compare_paths(&scenario(base), &scenario(head))
        .expect("compare runs")
}

/// Attributions plus the unexplained remainder are the measured delta, to the millisecond.
fn assert_sums(c: &goattrib::model::compare::Comparison) {
    let delta = c.delta.wall_ms.expect("both sides have a wall time");
    let sum: f64 = c.attribution.iter().map(|a| a.time_ms).sum::<f64>() + c.unexplained_ms;
    assert!(
        (sum - delta).abs() < 0.001,
        "attribution {sum} != delta {delta}"
    );
    assert!(
        (0.0..=1.0).contains(&c.explained_share),
        "{}",
        c.explained_share
    );
    assert_eq!(
        c.delta.wall_ms,
        c.head
            .wall_ms
            .zip(c.base.wall_ms)
            .map(|(h, b)| ((h - b) * 1000.0).round() / 1000.0)
    );
}

fn kinds_of_new_misses(
    c: &goattrib::model::compare::Comparison,
) -> std::collections::BTreeMap<String, (CauseKind, Vec<String>)> {
    c.new_misses
        .iter()
        .filter(|m| m.mode == "build")
        .map(|m| (m.package.clone(), (m.cause.kind, m.cause.origins.to_vec())))
        .collect()
}

#[test]
fn goarch_change_is_attributed_to_platform() {
    let c = compare("vendor-upgrade", "goarch-arm64");
    assert_sums(&c);
    assert!(c.new_misses.len() > 60, "{}", c.new_misses.len());
    assert!(
        c.new_misses
            .iter()
            .filter(|m| m.mode == "build")
            .all(|m| m.cause.kind == CauseKind::Platform),
        "{:?}",
        kinds_of_new_misses(&c)
    );
    let top = &c.attribution[0];
    assert_eq!(top.kind, "platform");
    assert!(top.time_ms > 0.0 && top.misses > 60, "{top:?}");
    assert!(top.detail.contains("GOARCH"), "{}", top.detail);
}

#[test]
fn edit_is_attributed_to_its_origin() {
    let c = compare("warm", "edit-propagates");
    assert_sums(&c);
    let got = kinds_of_new_misses(&c);
    let origin = vec![MONEY.to_owned()];
    assert_eq!(got[MONEY], (CauseKind::Source, vec![]));
    for p in [CART, REPORT] {
        assert_eq!(got[p], (CauseKind::Dependency, origin.clone()), "{p}");
    }
    assert_eq!(got.len(), 4, "{got:?}");
    let dep = c
        .attribution
        .iter()
        .find(|a| a.kind == "dependency")
        .expect("a dependency group");
    assert_eq!(dep.origin.as_deref(), Some(MONEY));
    let src = c.attribution.iter().find(|a| a.kind == "source").unwrap();
    assert_eq!((src.origin.as_deref(), src.misses), (Some(MONEY), 1));
    assert!(src.detail.contains("money.go changed"), "{}", src.detail);
    assert!(c.fixed_misses.is_empty());
}

#[test]
fn evicted_entries_are_attributed_to_eviction() {
    let c = compare("warm2", "evicted");
    assert_sums(&c);
    let got = kinds_of_new_misses(&c);
    assert_eq!(got[MONEY].0, CauseKind::Evicted);
    assert_eq!(got[REPORT].0, CauseKind::Evicted);
    let ev = c.attribution.iter().find(|a| a.kind == "evicted").unwrap();
    assert_eq!(ev.misses, 2);
}

#[test]
fn nothing_changed_gives_no_new_misses() {
    let c = compare("warm", "warm2");
    assert_sums(&c);
    assert!(c.new_misses.is_empty() && c.fixed_misses.is_empty());
    assert!(c.added.is_empty() && c.removed.is_empty());
    assert_eq!(c.base.hits, c.head.hits);
}

#[test]
fn warm_after_cold_fixes_every_miss_and_is_faster() {
    let c = compare("cold", "warm");
    assert_sums(&c);
    assert!(c.delta.wall_ms.unwrap() < 0.0, "{:?}", c.delta);
    assert_eq!(c.fixed_misses.len(), 67);
    assert!(c.new_misses.is_empty());
    let fixed = c
        .attribution
        .iter()
        .find(|a| a.change == goattrib::model::compare::Change::Fixed)
        .unwrap();
    assert!(fixed.time_ms < 0.0, "{fixed:?}");
    assert!(
        c.fixed_misses
            .iter()
            .all(|m| m.base_cause == Some(CauseKind::Cold))
    );
    assert_eq!(c.head.hit_rate, Some(1.0));
    assert_eq!(c.base.hit_rate, Some(0.0));
}

#[test]
fn every_cause_kind_scenario_sums_to_the_measured_delta() {
    for (name, base) in scenarios() {
        let Some(base) = base else { continue };
        let c = compare(&base, &name);
        if c.delta.wall_ms.is_some() {
            assert_sums(&c);
        }
        for m in &c.new_misses {
            assert_ne!(m.cause.kind, CauseKind::Unknown, "{base} → {name}: {m:?}");
        }
    }
}

#[test]
fn compare_reads_manifests_and_report_json_too() {
    let dir = tempfile::tempdir().unwrap();
    let base = manifest_of("warm", dir.path());
    let head = manifest_of("edit-propagates", dir.path());
    let c = goattrib::analysis::compare::compare_paths(&base, &head).unwrap();
    let from_bundles = compare("warm", "edit-propagates");
    assert_eq!(kinds_of_new_misses(&c), kinds_of_new_misses(&from_bundles));
    assert_eq!(c.delta.wall_ms, from_bundles.delta.wall_ms);
    // report.json files: the causes come from the report, with a warning.
    let json = |name: &str, base: &str| {
        let r = goattrib::analysis::report(
            load_clean(&scenario(name)),
            Some(load_clean(&scenario(base))),
        );
        let path = dir.path().join(format!("{name}.report.json"));
        std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
        path
    };
    let c = goattrib::analysis::compare::compare_paths(
        &json("warm", "cold"),
        &json("edit-propagates", "warm"),
    )
    .unwrap();
    assert_eq!(kinds_of_new_misses(&c), kinds_of_new_misses(&from_bundles));
    assert_sums(&c);
    assert!(
        c.warnings.iter().any(|w| w.contains("own baseline")),
        "{:?}",
        c.warnings
    );
}

#[test]
fn json_contract_has_the_promised_fields() {
    let c = compare("warm", "edit-propagates");
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["schema"], "goattrib.compare/v1");
    for side in ["base", "head"] {
        for f in ["wall_ms", "critical_path_ms", "hits", "misses", "hit_rate"] {
            assert!(v[side].get(f).is_some(), "{side}.{f}");
        }
    }
    for f in ["wall_ms", "critical_path_ms", "miss_ms"] {
        assert!(v["delta"].get(f).is_some(), "delta.{f}");
    }
    for f in ["kind", "origin", "misses", "time_ms"] {
        assert!(v["attribution"][0].get(f).is_some(), "attribution[].{f}");
    }
    for f in [
        "unexplained_ms",
        "explained_share",
        "fixed_misses",
        "slower",
        "added",
        "removed",
        "warnings",
    ] {
        assert!(v.get(f).is_some(), "{f}");
    }
    for f in ["kind", "detail", "origins"] {
        assert!(v["new_misses"][0]["cause"].get(f).is_some(), "cause.{f}");
    }
    assert!(v["new_misses"][0]["package"].is_string());
    let _ = CacheOutcome::Hit;
    let _ = SHOP;
}

#[test]
fn cli_compare_writes_json_markdown_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let run = bin()
        .args([
            "compare",
            "--format",
            "json",
            "--max-new-misses",
            "2",
            "--out",
        ])
        .arg(&out)
        .arg(scenario("warm"))
        .arg(scenario("edit-propagates"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(3), "{stdout}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["schema"], "goattrib.compare/v1");
    assert!(out.join("compare.json").is_file());
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    assert!(junit.contains("max-new-misses 2"), "{junit}");
    assert!(out.join("compare.svg").is_file() && out.join("compare-packages.svg").is_file());
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains("money.go changed"), "{md}");
    // Within the gates: exit 0; the table names the cause.
    let run = bin()
        .args(["compare", "--max-new-misses", "10", "--width", "120"])
        .arg(scenario("warm"))
        .arg(scenario("edit-propagates"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("dependency"), "{stdout}");
}

#[test]
fn job_traces_give_section_and_cache_deltas_also_through_manifests() {
    let side = |name: &str| vec![joined(name).join("bundle"), joined(name).join("job.log.gz")];
    let c =
        goattrib::analysis::compare::compare_sides(&side("restore-ok"), &side("restore-failed"))
            .unwrap();
    assert_sums(&c);
    let job = c.job.as_ref().expect("both sides have a job");
    let restore = job.cache.iter().find(|o| o.op == "restore").unwrap();
    assert_eq!(
        (
            restore.base_outcome.as_deref(),
            restore.head_outcome.as_deref()
        ),
        (Some("hit"), Some("miss"))
    );
    assert!(job.sections.iter().any(|s| s.name == "restore_cache"));
    assert!(
        c.new_misses
            .iter()
            .filter(|m| m.mode == "build")
            .all(|m| m.cause.kind == CauseKind::CacheNotRestored),
        "{:?}",
        c.new_misses.first()
    );
    // The same through manifests written from bundle + job log.
    let dir = tempfile::tempdir().unwrap();
    let manifest = |name: &str| {
        let path = dir.path().join(format!("{name}.json.gz"));
        let data = goattrib::analysis::prepare(goattrib::ingest::load(&side(name)).unwrap());
        goattrib::ingest::manifest::write_file(&path, &data).unwrap();
        path
    };
    let m = goattrib::analysis::compare::compare_paths(
        &manifest("restore-ok"),
        &manifest("restore-failed"),
    )
    .unwrap();
    assert_eq!(m.new_misses.len(), c.new_misses.len());
    let mjob = m.job.as_ref().expect("the manifests keep the jobs");
    assert_eq!(mjob.cache.len(), job.cache.len());
    assert_eq!(m.delta.wall_ms, c.delta.wall_ms);
}
