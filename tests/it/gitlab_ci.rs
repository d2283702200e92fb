//! The README's GitLab snippets, run for real: every fenced yaml block of README.md marked
//! `<!-- tested: gitlab-ci-local -->` becomes a `.gitlab-ci.yml` of the fixture project and
//! runs through gitlab-ci-local (shell executor, Go 1.27.3 on PATH, no network) over five
//! pipelines: cold, warm (no package compile missed), an edit (the right causes), a failing
//! gate (the job fails with 3, the new baseline and GOCACHE are still cached) and the next
//! pipeline (passes). `.ci/gitlab-ci-local.sh` installs what it needs; without it this test
//! is skipped, and under `CI=true` it installs it or fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{in_ci, root, skip_or_fail};

const MARK: &str = "<!-- tested: gitlab-ci-local -->";
const MONEY: &str = "example.com/shop/internal/money";

fn tested_blocks(markdown: &str) -> Vec<String> {
    tested_blocks_with(markdown, MARK)
}

/// The yaml blocks that follow `mark` in a Markdown file.
pub fn tested_blocks_with(markdown: &str, mark: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = markdown;
    while let Some(at) = rest.find(mark) {
        rest = &rest[at + mark.len()..];
        let Some(body) = rest.trim_start().strip_prefix("```yaml\n") else {
            continue;
        };
        if let Some(end) = body.find("\n```") {
            blocks.push(body[..end + 1].to_owned());
        }
    }
    blocks
}

/// README.md's tested blocks: the README cannot drift from what is run.
fn snippets() -> Vec<String> {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let blocks = tested_blocks(&readme);
    assert!(!blocks.is_empty(), "README.md has no `{MARK}` blocks");
    blocks
}

pub fn gitlab_ci_local() -> Option<PathBuf> {
    let dir = std::env::var_os("GOATTRIB_GCL_DIR").map_or_else(
        || PathBuf::from("/tmp/goattrib-gitlab-ci-local"),
        PathBuf::from,
    );
    let bin = dir.join("node_modules/.bin/gitlab-ci-local");
    if !bin.exists() && in_ci() {
        let status = Command::new("bash")
            .arg(root().join(".ci/gitlab-ci-local.sh"))
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            ".ci/gitlab-ci-local.sh failed and CI=true"
        );
    }
    if bin.exists() {
        return Some(bin);
    }
    skip_or_fail("gitlab-ci-local (bash .ci/gitlab-ci-local.sh installs it)");
    None
}

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

struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    job: String,
    gcl: PathBuf,
    path: String,
}

impl Repo {
    fn new(yaml: &str, gcl: PathBuf, go_bin: &Path) -> Repo {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("shop");
        crate::ci::copy_dir(&root().join("fixtures/gen/project"), &dir);
        crate::ci::copy_dir(&root().join("templates"), &dir.join("templates"));
        std::fs::write(dir.join(".gitlab-ci.yml"), yaml).expect("yaml");
        // The README's .gitignore lines, and gitlab-ci-local's own folder.
        std::fs::write(
            dir.join(".gitignore"),
            ".cache/\n.goattrib/\nreports/\nbin/\n.gitlab-ci-local/\n",
        )
        .expect(".gitignore");
        sh(&dir, "git", &["init", "-q", "-b", "main"]);
        let job = if yaml.contains("templates/goattrib.yml") {
            "goattrib".to_owned()
        } else {
            yaml.lines()
                .find(|l| !l.starts_with([' ', '#']) && l.ends_with(':'))
                .expect("a job")
                .trim_end_matches(':')
                .to_owned()
        };
        let goattrib = assert_cmd::cargo::cargo_bin("goattrib");
        let path = format!(
            "{}:{}:{}",
            go_bin.display(),
            goattrib.parent().expect("bin dir").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let repo = Repo {
            _tmp: tmp,
            dir,
            job,
            gcl,
            path,
        };
        repo.commit("first commit");
        repo
    }

    fn commit(&self, message: &str) {
        sh(&self.dir, "git", &["add", "-A"]);
        sh(
            &self.dir,
            "git",
            &[
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "commit",
                "-q",
                "-m",
                message,
            ],
        );
    }

    /// One pipeline of the job; returns (the job's exit code, its log).
    fn pipeline(&self, vars: &[&str]) -> (i32, String) {
        let project = self.dir.join(".gitlab-ci-local/builds").join(&self.job);
        let mut cmd = Command::new(&self.gcl);
        cmd.current_dir(&self.dir)
            .env("PATH", &self.path)
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOTELEMETRY", "off")
            .env("GOFLAGS", "")
            .args(["--force-shell-executor", "--shell-isolation", "--no-color"])
            .arg("--no-artifacts-to-source")
            .arg("--variable")
            .arg(format!("CI_PROJECT_DIR={}", project.display()));
        for v in vars {
            cmd.args(["--variable", v]);
        }
        let o = cmd.arg(&self.job).output().expect("gitlab-ci-local runs");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let code = if log.contains(&format!(" PASS  {}", self.job)) {
            0
        } else {
            // `<job> finished in … FAIL <n>`
            log.lines()
                .find_map(|l| l.split(" FAIL ").nth(1)?.trim().parse().ok())
                .unwrap_or(-1)
        };
        (code, log)
    }

    fn artifact(&self, name: &str) -> PathBuf {
        self.dir
            .join(".gitlab-ci-local/artifacts")
            .join(&self.job)
            .join("reports")
            .join(name)
    }

    fn build_misses(&self) -> Vec<(String, String)> {
        let text =
            std::fs::read_to_string(self.artifact("report.json")).expect("report.json artifact");
        let r: serde_json::Value = serde_json::from_str(&text).expect("json");
        let mut v: Vec<(String, String)> = r["actions"]
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

    /// The baseline in the job's saved cache (the one key the job uses on main).
    fn cached_baseline(&self) -> Vec<u8> {
        let cache = self.dir.join(".gitlab-ci-local/cache");
        let mut found = Vec::new();
        for e in std::fs::read_dir(&cache).expect("a cache was saved") {
            let p = e
                .expect("entry")
                .path()
                .join(".goattrib/last/manifest.json.gz");
            if p.is_file() {
                found.push(p);
            }
        }
        assert_eq!(found.len(), 1, "one cache key: {found:?}");
        std::fs::read(&found[0]).expect("cached baseline")
    }

    fn edit(&self, file: &str, add: &str) {
        let p = self.dir.join(file);
        let mut s = std::fs::read_to_string(&p).expect(file);
        s.push_str(add);
        std::fs::write(&p, s).expect(file);
        self.commit(&format!("edit {file}"));
    }
}

fn pipelines(yaml: &str, gcl: PathBuf, go_bin: &Path) {
    let r = Repo::new(yaml, gcl, go_bin);
    let ctx = |log: &str| format!("job {}:\n{yaml}\n{log}", r.job);

    // 1. Cold: passes without a baseline, and says so.
    let (code, log) = r.pipeline(&[]);
    assert_eq!(code, 0, "{}", ctx(&log));
    assert!(
        log.contains("note: no baseline at .goattrib/last/manifest.json.gz"),
        "{}",
        ctx(&log)
    );
    let cold = r.build_misses();
    assert!(
        cold.len() > 60 && cold.iter().all(|(_, k)| k == "cold"),
        "{cold:?}"
    );
    assert!(
        r.artifact("junit.xml").is_file(),
        "the snippet's gate writes junit.xml"
    );
    assert!(
        !log.contains("git status --porcelain"),
        "Go's VCS commands stay out of the log"
    );

    // 2. Warm: the cache came back, nothing compiled.
    let (code, log) = r.pipeline(&[]);
    assert_eq!(code, 0, "{}", ctx(&log));
    assert_eq!(
        r.build_misses(),
        Vec::<(String, String)>::new(),
        "{}",
        ctx(&log)
    );

    // 3. An edit in a new commit: the leaf is `source`, its importers `dependency`, the
    // main package `vcs` (its stamped revision is its own change).
    r.edit(
        "internal/money/money.go",
        "\n// Sub returns a - b.\nfunc Sub(a, b Amount) Amount { return a - b }\n",
    );
    let (code, log) = r.pipeline(&[]);
    assert_eq!(code, 0, "{}", ctx(&log));
    let want: Vec<(String, String)> = [
        ("example.com/shop/cmd/shop", "vcs"),
        ("example.com/shop/internal/cart", "dependency"),
        (MONEY, "source"),
        ("example.com/shop/internal/report", "dependency"),
    ]
    .iter()
    .map(|(p, k)| (p.to_string(), k.to_string()))
    .collect();
    assert_eq!(r.build_misses(), want, "{}", ctx(&log));

    // 4. A failing gate: the job fails with 3; the new baseline and GOCACHE are kept.
    r.edit(
        "internal/money/money.go",
        "\n// Neg returns -a.\nfunc Neg(a Amount) Amount { return -a }\n",
    );
    let gate = "GOATTRIB_MIN_HIT_RATE=100%";
    let (code, log) = r.pipeline(&[gate]);
    assert_eq!(code, 3, "{}", ctx(&log));
    assert!(log.contains("gate failed: min-hit-rate"), "{}", ctx(&log));
    let new_baseline = std::fs::read(r.artifact("manifest.json.gz")).expect("manifest artifact");
    assert_eq!(
        r.cached_baseline(),
        new_baseline,
        "the failed job's baseline was cached"
    );

    // 5. The next pipeline passes the same gate: nothing to rebuild.
    let (code, log) = r.pipeline(&[gate]);
    assert_eq!(code, 0, "{}", ctx(&log));
    assert_eq!(
        r.build_misses(),
        Vec::<(String, String)>::new(),
        "{}",
        ctx(&log)
    );
}

#[test]
fn readme_snippets_over_five_pipelines() {
    let blocks = snippets();
    assert!(
        blocks.len() >= 2,
        "the job snippet and the component: {blocks:?}"
    );
    assert!(blocks.iter().any(|b| b.contains("templates/goattrib.yml")));
    let Some(go) = crate::ci::go_1_27() else {
        return;
    };
    let Some(gcl) = gitlab_ci_local() else { return };
    let go_bin = go.parent().expect("go/bin").to_owned();
    for yaml in &blocks {
        pipelines(yaml, gcl.clone(), &go_bin);
    }
}

#[test]
fn finds_the_marked_blocks_only() {
    let md = format!(
        "x\n```yaml\nnot: this\n```\n{MARK}\n```yaml\na: 1\n```\n{MARK}\n\n```yaml\nb: 2\n```\n"
    );
    assert_eq!(tested_blocks(&md), ["a: 1\n", "b: 2\n"]);
}
