//! Every documented exit code (README "Exit codes") of `report`, `compare` and `manifest`,
//! each from a small real capture of `fixtures/scenarios/` plus, where a code needs one, a
//! hand-made garbage file. Each test also pins what was still produced or said, so a code
//! is never right by accident. Not for the error texts themselves (`malformed`).

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

use crate::harness::{run, scenario, stderr, stdout};

const MONEY: &str = "example.com/shop/internal/money";

/// A temporary folder holding `junk.log`: bytes no input format recognises.
fn garbage() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("junk.log");
    std::fs::write(
        &path,
        b"\x00\x01\x02 this is not a Go build \xff\xfe\n".repeat(8),
    )
    .expect("garbage written");
    (dir, path)
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(o)))
}

/// The report's `(package, cause kind)` of every missed package build.
fn build_miss_causes(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter(|a| a["mode"] == "build" && a["cache"] == "miss")
        .map(|a| {
            (
                a["package"].as_str().unwrap_or_default().to_owned(),
                a["cause"]["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

/// edit-propagates against warm: the four packages that rebuilt and why (SCENARIOS.md).
fn edit_propagates_causes() -> Vec<(String, String)> {
    [
        ("example.com/shop/cmd/shop", "dependency"),
        ("example.com/shop/internal/cart", "dependency"),
        (MONEY, "source"),
        ("example.com/shop/internal/report", "dependency"),
    ]
    .iter()
    .map(|(p, k)| (p.to_string(), k.to_string()))
    .collect()
}

/// Whether stderr names `path` (errors that stop the run are said there).
fn names(o: &Output, path: &Path) -> bool {
    stderr(o).contains(&path.display().to_string())
}

/// Whether the JSON's `warnings` say `path` could not be recognised (compare puts the
/// side first: `HEAD: failed to recognise ...`).
fn warned(v: &serde_json::Value, path: &Path) -> bool {
    let expected = format!("failed to recognise `{}`", path.display());
    v["warnings"].as_array().is_some_and(|ws| {
        ws.iter()
            .any(|w| w.as_str().is_some_and(|w| w.contains(&expected)))
    })
}

// ---- report ------------------------------------------------------------------------------

#[test]
fn report_exits_0_when_every_input_is_read() {
    let o = run(&[
        "report".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--baseline".as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert_eq!(build_miss_causes(&json(&o)), edit_propagates_causes());
    assert_eq!(json(&o)["warnings"], serde_json::json!([]));
}

#[test]
fn report_exits_1_when_one_input_among_readable_ones_is_unreadable() {
    let (_dir, junk) = garbage();
    let o = run(&[
        "report".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--baseline".as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
        junk.as_os_str(),
    ]);
    assert_eq!(code(&o), Some(1), "{}", stderr(&o));
    // The report of the readable inputs is whole, and the unreadable file is named.
    let v = json(&o);
    assert_eq!(build_miss_causes(&v), edit_propagates_causes());
    assert!(warned(&v, &junk), "{}", v["warnings"]);
}

#[test]
fn report_exits_1_when_the_baseline_is_partly_unreadable() {
    let (_dir, junk) = garbage();
    let o = run(&[
        "report".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--baseline".as_ref(),
        scenario("warm").as_os_str(),
        "--baseline".as_ref(),
        junk.as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(1), "{}", stderr(&o));
    // The readable part of the baseline still gives every cause, and the rest is named.
    let v = json(&o);
    assert_eq!(build_miss_causes(&v), edit_propagates_causes());
    assert!(
        warned(&v, &junk) || names(&o, &junk),
        "{} {}",
        v["warnings"],
        stderr(&o)
    );
}

#[test]
fn report_exits_2_when_no_input_is_usable() {
    let (_dir, junk) = garbage();
    let o = run(&["report".as_ref(), junk.as_os_str()]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert!(names(&o, &junk), "{}", stderr(&o));
}

/// The build itself was readable: a baseline that is not is a warning and a report without
/// one (the first pipeline has no baseline yet), so every miss has no known cause.
#[test]
fn report_exits_1_when_the_baseline_is_wholly_unreadable() {
    let (_dir, junk) = garbage();
    let o = run(&[
        "report".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--baseline".as_ref(),
        junk.as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let unknown: Vec<(String, String)> = edit_propagates_causes()
        .into_iter()
        .map(|(p, _)| (p, "unknown".to_owned()))
        .collect();
    assert_eq!(build_miss_causes(&v), unknown);
    assert!(warned(&v, &junk), "{}", v["warnings"]);
    assert!(stderr(&o).contains("baseline not used"), "{}", stderr(&o));
}

#[test]
fn report_exits_2_on_a_bad_argument() {
    for bad in [
        &["--min-hit-rate", "1.5"][..],
        &["--forbid-cause", "gremlins"],
        &["--no-such-flag"],
    ] {
        let warm = scenario("warm");
        let mut args: Vec<&std::ffi::OsStr> = vec!["report".as_ref()];
        args.extend(bad.iter().map(std::ffi::OsStr::new));
        args.push(warm.as_os_str());
        let o = run(&args);
        assert_eq!(code(&o), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(o.stdout.is_empty(), "{bad:?}: {}", stdout(&o));
        assert!(stderr(&o).contains(bad[0]), "{bad:?}: {}", stderr(&o));
    }
    // No input at all is a bad command line too.
    let o = run(&["report".as_ref()]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
}

#[test]
fn report_exits_3_when_a_gate_fails_and_still_prints_the_report() {
    let o = run(&[
        "report".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--max-misses".as_ref(),
        "3".as_ref(),
        "--forbid-cause".as_ref(),
        "flags".as_ref(),
        "--baseline".as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
    assert_eq!(build_miss_causes(&json(&o)), edit_propagates_causes());
    let err = stderr(&o);
    assert!(err.contains("gate failed: max-misses"), "{err}");
    assert!(err.contains("gates: 1 passed, 1 failed"), "{err}");
}

// ---- compare -----------------------------------------------------------------------------

fn compare(extra: &[&std::ffi::OsStr]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["compare".as_ref(), "--format".as_ref()];
    args.push("json".as_ref());
    args.extend(extra);
    run(&args)
}

/// The compare JSON's new build misses as `(package, cause kind)`.
fn new_miss_causes(c: &serde_json::Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = c["new_misses"]
        .as_array()
        .expect("new_misses")
        .iter()
        .filter(|m| m["mode"] == "build")
        .map(|m| {
            (
                m["package"].as_str().unwrap_or_default().to_owned(),
                m["cause"]["kind"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn compare_exits_0_when_both_sides_are_read() {
    let o = compare(&[
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    assert_eq!(new_miss_causes(&json(&o)), edit_propagates_causes());
}

#[test]
fn compare_exits_1_when_an_extra_file_of_one_side_is_unreadable() {
    let (_dir, junk) = garbage();
    let o = compare(&[
        "--head-with".as_ref(),
        junk.as_os_str(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(1), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(new_miss_causes(&v), edit_propagates_causes());
    assert!(
        warned(&v, &junk) || names(&o, &junk),
        "{} {}",
        v["warnings"],
        stderr(&o)
    );
}

#[test]
fn compare_exits_2_when_a_side_is_unusable_or_an_argument_is_bad() {
    let (_dir, junk) = garbage();
    let o = compare(&[junk.as_os_str(), scenario("edit-propagates").as_os_str()]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "{}", stdout(&o));
    assert!(names(&o, &junk), "{}", stderr(&o));

    let o = compare(&[
        "--max-slowdown".as_ref(),
        "fast".as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--max-slowdown"), "{}", stderr(&o));

    // HEAD missing.
    let o = compare(&[scenario("warm").as_os_str()]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
}

#[test]
fn compare_exits_3_when_a_gate_fails() {
    let o = compare(&[
        "--max-new-misses".as_ref(),
        "3".as_ref(),
        scenario("warm").as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(3), "{}", stderr(&o));
    assert_eq!(new_miss_causes(&json(&o)), edit_propagates_causes());
    assert!(
        stderr(&o).contains("gate failed: max-new-misses"),
        "{}",
        stderr(&o)
    );
}

// ---- manifest ----------------------------------------------------------------------------

#[test]
fn manifest_exits_0_and_writes_a_baseline_that_gives_the_same_causes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("warm.manifest.json.gz");
    let o = run(&[
        "manifest".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        scenario("warm").as_os_str(),
    ]);
    assert_eq!(code(&o), Some(0), "{}", stderr(&o));
    let r = run(&[
        "report".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--baseline".as_ref(),
        out.as_os_str(),
        scenario("edit-propagates").as_os_str(),
    ]);
    assert_eq!(code(&r), Some(0), "{}", stderr(&r));
    assert_eq!(build_miss_causes(&json(&r)), edit_propagates_causes());
}

#[test]
fn manifest_exits_2_on_no_usable_input_or_a_bad_argument() {
    let (dir, junk) = garbage();
    let out = dir.path().join("m.json.gz");
    let o = run(&[
        "manifest".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
        junk.as_os_str(),
    ]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(names(&o, &junk), "{}", stderr(&o));
    assert!(!out.exists(), "no manifest from garbage");

    let o = run(&["manifest".as_ref()]);
    assert_eq!(code(&o), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("INPUTS"), "{}", stderr(&o));
}
