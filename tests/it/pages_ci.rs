//! The README's history-and-Pages snippet (the yaml block marked
//! `<!-- tested: gitlab-ci-local pages -->`), run for real through gitlab-ci-local over three
//! pipelines of the fixture project: the history grows through its cache, and the `pages`
//! job's `public/index.html` has every job and the pooled hit rate of the builds' own
//! reports, and loads in headless Chromium without console errors.
//!
//! What gitlab-ci-local cannot express: `resource_group` is ignored (its jobs run one
//! pipeline at a time here, which is what the resource group guarantees on GitLab; the
//! concurrent-writers case is `history::eight_concurrent_writers_lose_nothing`), and there
//! is no Pages deployment: the `pages` job's `public/` artifact is what is checked.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::root;

const MARK: &str = "<!-- tested: gitlab-ci-local pages -->";

fn sh(dir: &Path, program: &str, args: &[&str]) {
    let o = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        o.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Build-mode (hits, misses) of a report, counted as `report` does.
fn build_counts(report: &Path) -> (i64, i64) {
    let text = std::fs::read_to_string(report).expect("report.json artifact");
    let r: serde_json::Value = serde_json::from_str(&text).expect("json");
    let actions = r["actions"].as_array().expect("actions");
    let count = |c: &str| {
        actions
            .iter()
            .filter(|a| a["mode"] == "build" && a["cache"] == c)
            .count() as i64
    };
    (count("hit"), count("miss"))
}

#[test]
fn readme_pages_snippet_publishes_the_history_over_three_pipelines() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let blocks = crate::gitlab_ci::tested_blocks_with(&readme, MARK);
    assert_eq!(blocks.len(), 1, "one history + pages snippet");
    let yaml = &blocks[0];
    assert!(yaml.contains("resource_group: goattrib-history") && yaml.contains("pages:"));
    let Some(go) = crate::ci::go_1_27() else {
        return;
    };
    let Some(gcl) = crate::gitlab_ci::gitlab_ci_local() else {
        return;
    };
    let Some(chrome) = crate::harness::chromium() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("shop");
    crate::ci::copy_dir(&root().join("fixtures/gen/project"), &dir);
    std::fs::write(dir.join(".gitlab-ci.yml"), yaml).expect("yaml");
    std::fs::write(
        dir.join(".gitignore"),
        ".cache/\n.goattrib/\nreports/\nbuild-bundle/\nlast-bundle/\npublic/\n.gitlab-ci-local/\n",
    )
    .expect(".gitignore");
    sh(&dir, "git", &["init", "-q", "-b", "main"]);
    sh(&dir, "git", &["add", "-A"]);
    let commit = [
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@example.com",
        "commit",
        "-q",
        "-m",
        "first",
    ];
    sh(&dir, "git", &commit);
    let goattrib = assert_cmd::cargo::cargo_bin("goattrib");
    let path = format!(
        "{}:{}:{}",
        go.parent().expect("go/bin").display(),
        goattrib.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let gcl_dir = dir.join(".gitlab-ci-local");
    let (mut hits, mut misses) = (0, 0);
    for pipeline in 1..=3i64 {
        // The build job's GOCACHE is `$CI_PROJECT_DIR/.cache/go-build`: its build folder.
        let o = Command::new(&gcl)
            .current_dir(&dir)
            .env("PATH", &path)
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOTELEMETRY", "off")
            .env("GOFLAGS", "")
            .args(["--force-shell-executor", "--shell-isolation", "--no-color"])
            .arg("--no-artifacts-to-source")
            .arg("--variable")
            .arg(format!(
                "CI_PROJECT_DIR={}",
                gcl_dir.join("builds/build").display()
            ))
            .output()
            .expect("gitlab-ci-local runs");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        for job in ["build", "history", "pages"] {
            assert!(
                log.contains(&format!(" PASS  {job}")),
                "pipeline {pipeline}: {job} did not pass\n{log}"
            );
        }
        let (h, m) = build_counts(&gcl_dir.join("artifacts/build/reports/report.json"));
        hits += h;
        misses += m;
        // The history in the job's cache has every pipeline's job.
        let db = gcl_dir.join("cache/goattrib-history/.goattrib/history.db");
        let stats = Command::new(&goattrib)
            .args(["history", "stats", "--json", "--db"])
            .arg(&db)
            .output()
            .expect("stats");
        let s: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats json");
        assert_eq!(s["jobs"], pipeline, "pipeline {pipeline}: {s}\n{log}");
    }
    assert!(misses > 60, "the first build was cold: {misses} misses");
    let public = gcl_dir.join("artifacts/pages/public");
    let index = public.join("index.html");
    let html = std::fs::read_to_string(&index).expect("public/index.html from the pages job");
    let dash: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(public.join("dashboard.json")).expect("dashboard.json"),
    )
    .expect("dashboard json");
    assert_eq!(dash["jobs"], 3);
    let period = dash["periods"]
        .as_array()
        .and_then(|p| p.iter().rfind(|p| p["jobs"].as_i64() > Some(0)))
        .expect("a period with jobs");
    assert_eq!(period["jobs"], 3, "all three pipelines ran this week");
    assert_eq!(
        (period["hits"].as_i64(), period["misses"].as_i64()),
        (Some(hits), Some(misses))
    );
    let rate = hits as f64 / (hits + misses) as f64;
    let shown = format!("{:.1}%", rate * 100.0);
    assert!(html.contains(&shown), "the page shows the hit rate {shown}");
    let dom = crate::harness::run_chromium(&chrome, &["--dump-dom".to_owned()], &index);
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE"),
        "{log}"
    );
    assert!(String::from_utf8_lossy(&dom.stdout).contains("</html>"));
    let _: PathBuf = index;
}
