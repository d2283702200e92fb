//! The `vcs` cause on real captures (`fixtures/gen/capture-vcs.sh`): a new commit that
//! touches no Go file rebuilds and relinks the main package only because Go stamps
//! `vcs.revision`/`vcs.time` into it; an untracked file flips `vcs.modified`. Also that
//! `record` kept Go's VCS commands out of the job log of that capture.

use crate::harness::{run_report, scenario, scenario_report, stderr};

const SHOP: &str = "example.com/shop/cmd/shop";

/// `(mode, package, kind, detail)` of every miss.
fn misses(name: &str, baseline: &str) -> Vec<(String, String, String, String)> {
    let r = scenario_report(name, Some(baseline));
    let mut v: Vec<_> = r
        .actions
        .iter()
        .filter(|a| a.cache == goattrib::model::CacheOutcome::Miss)
        .map(|a| {
            let c = a.cause.as_ref().expect("every miss has a cause");
            (
                a.mode.to_string(),
                a.package.clone(),
                c.kind.to_string(),
                c.detail.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_new_commit_rebuilds_and_relinks_the_main_package_as_vcs() {
    let m = misses("vcs-commit", "vcs-first");
    let kinds: Vec<(&str, &str, &str)> = m
        .iter()
        .map(|(mode, p, k, _)| (mode.as_str(), p.as_str(), k.as_str()))
        .collect();
    assert_eq!(kinds, [("build", SHOP, "vcs"), ("link", SHOP, "vcs")]);
    let build = &m[0].3;
    assert!(
        build.starts_with(
            "build setting vcs.revision: 899639f07dc6466ae4134df2cb9da7814044861f → \
             b6e8230d2209ff23b95c6c13b1f29bc356a19918; \
             build setting vcs.time: 2026-01-01T10:00:00Z → 2026-01-02T10:00:00Z"
        ),
        "{build}"
    );
    assert_eq!(
        m[1].3,
        "relinked: its main package's stamped VCS info changed"
    );
    let r = scenario_report("vcs-commit", Some("vcs-first"));
    let hint = &r
        .actions
        .iter()
        .find_map(|a| a.cause.as_ref())
        .expect("a cause")
        .hint;
    assert!(
        hint.contains("-buildvcs=false") && hint.contains(".gitignore"),
        "{hint}"
    );
}

#[test]
fn an_untracked_file_makes_the_module_dirty() {
    let m = misses("vcs-dirty", "vcs-commit");
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(
        m.iter().all(|(_, p, k, _)| p == SHOP && k == "vcs"),
        "{m:?}"
    );
    let build = &m[0].3;
    assert!(
        build.starts_with("build setting vcs.modified: false → true"),
        "{build}"
    );
    assert!(
        build.contains("+dirty"),
        "the main module's version says so: {build}"
    );
}

#[test]
fn vcs_can_be_forbidden_by_a_gate() {
    let base = scenario("vcs-first");
    let o = run_report(
        &[
            "--forbid-cause",
            "vcs",
            "--baseline",
            base.to_str().unwrap(),
        ],
        &[&scenario("vcs-commit")],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
}

#[test]
fn record_kept_gos_vcs_commands_out_of_the_log() {
    // The bundle has them (Go ran git under -x)...
    crate::harness::load_clean(&scenario("vcs-commit"));
    let stderr_gz = std::fs::read(scenario("vcs-commit").join("build.stderr.gz")).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&stderr_gz[..]), &mut text)
        .unwrap();
    assert!(text.contains("git status --porcelain"));
    assert!(
        text.lines()
            .any(|l| l.contains("s # cd ") && l.contains("; git "))
    );
    // ...the job log does not.
    let shown = std::fs::read_to_string(scenario(".terminal/vcs-commit.out")).unwrap();
    assert_eq!(shown, "", "record passed through: {shown}");
}
