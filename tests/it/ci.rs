//! `goattrib ci`: five pipelines of the fixture project with a real Go 1.27.3 — cold (no
//! baseline: a note, exit 0), warm (all hits, a passing gate), an edit with a failing gate
//! (exit 3, the right causes, the baseline still rotated), the next pipeline passing, and a
//! compile error (the Go command's code, the baseline kept). Needs the Go toolchain of
//! `fixtures/gen/capture.sh`: skipped without it, a failure under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::harness::{bin, root, skip_or_fail, stderr, stdout};

const MONEY: &str = "example.com/shop/internal/money";

/// Go 1.27.3 as `capture.sh` installs it (or `$GOATTRIB_GO`).
pub fn go_1_27() -> Option<PathBuf> {
    let go = std::env::var_os("GOATTRIB_GO").map_or_else(
        || PathBuf::from("/tmp/goattrib-fixtures/toolchains/1.27.3/go/bin/go"),
        PathBuf::from,
    );
    if go.is_file() {
        return Some(go);
    }
    skip_or_fail(&format!(
        "Go 1.27.3 at {} (bash fixtures/gen/capture.sh installs it)",
        go.display()
    ));
    None
}

/// A copy of the fixture project with its own GOCACHE, outside any git checkout.
pub struct Project {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
    pub gocache: PathBuf,
    pub go: PathBuf,
}

impl Project {
    pub fn new(go: PathBuf) -> Project {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("shop");
        copy_dir(&root().join("fixtures/gen/project"), &dir);
        let gocache = tmp.path().join("gocache");
        Project {
            _tmp: tmp,
            dir,
            gocache,
            go,
        }
    }

    /// One pipeline: `goattrib ci ARGS -- go build -o bin/ ./...` with `envs` set.
    fn ci(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        let go = self.go.to_str().expect("utf-8 path");
        let mut cmd = bin();
        cmd.current_dir(&self.dir)
            .env("GOCACHE", &self.gocache)
            .env("GOFLAGS", "-mod=vendor")
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "off")
            .env("GOTELEMETRY", "off")
            .env_remove("GOATTRIB_MIN_HIT_RATE")
            .env_remove("GOATTRIB_MAX_MISSES")
            .env_remove("GOATTRIB_MAX_CRITICAL_PATH")
            .env_remove("GOATTRIB_FORBID_CAUSE")
            .env("COLUMNS", "100")
            .arg("ci")
            .args(args)
            .args(["--", go, "build", "-o", "bin/", "./..."]);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().expect("goattrib runs")
    }

    fn report(&self) -> serde_json::Value {
        let text =
            std::fs::read_to_string(self.dir.join("reports/report.json")).expect("report.json");
        serde_json::from_str(&text).expect("report.json is JSON")
    }

    fn baseline(&self) -> Vec<u8> {
        std::fs::read(self.dir.join(".goattrib/last/manifest.json.gz")).expect("baseline")
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

/// `(package, cause kind)` of every missed package build, sorted.
fn build_misses(report: &serde_json::Value) -> Vec<(String, String)> {
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

#[test]
fn five_pipelines_cold_warm_edit_gate_fix_and_broken() {
    let Some(go) = go_1_27() else { return };
    let p = Project::new(go);

    // 1. Cold: no baseline yet is a note, not an error; everything is written.
    let o = p.ci(&[], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("note: no baseline at .goattrib/last/manifest.json.gz"),
        "{err}"
    );
    assert!(
        !err.contains("warning"),
        "the first pipeline warns about nothing: {err}"
    );
    for f in [
        "index.html",
        "summary.md",
        "report.json",
        "metrics.txt",
        "manifest.json.gz",
    ] {
        assert!(p.dir.join("reports").join(f).is_file(), "reports/{f}");
    }
    assert!(
        !p.dir.join("reports/junit.xml").exists(),
        "no gate, no junit.xml"
    );
    let cold = build_misses(&p.report());
    assert!(
        cold.len() > 60,
        "a cold build compiles std too: {}",
        cold.len()
    );
    assert!(cold.iter().all(|(_, k)| k == "cold"), "{cold:?}");
    let first = p.baseline();
    // The table fits COLUMNS and the -x trace stayed out of the log.
    let out = stdout(&o);
    assert!(out.lines().all(|l| l.chars().count() <= 100), "{out}");
    assert!(
        !out.contains("mkdir -p") && !err.contains("mkdir -p"),
        "{err}"
    );

    // 2. Warm: every package build from the cache; a gate from a GOATTRIB_ variable passes.
    let o = p.ci(&[], &[("GOATTRIB_MIN_HIT_RATE", "100%")]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("note: no baseline"), "{err}");
    assert!(err.contains("gates: 1 passed, 0 failed"), "{err}");
    assert_eq!(build_misses(&p.report()), Vec::<(String, String)>::new());
    assert!(p.dir.join("reports/junit.xml").is_file());
    let warm = p.baseline();
    assert_ne!(first, warm, "the baseline rotated");

    // 3. An edit with a failing gate: exit 3, the right causes, and still rotated.
    let money = p.dir.join("internal/money/money.go");
    let mut src = std::fs::read_to_string(&money).expect("money.go");
    src.push_str("\n// Sub returns a - b.\nfunc Sub(a, b Amount) Amount { return a - b }\n");
    std::fs::write(&money, src).expect("edit");
    let o = p.ci(&["--max-misses", "0"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("gate failed: max-misses"), "{err}");
    let misses = build_misses(&p.report());
    let want: Vec<(String, String)> = [
        ("example.com/shop/cmd/shop", "dependency"),
        ("example.com/shop/internal/cart", "dependency"),
        (MONEY, "source"),
        ("example.com/shop/internal/report", "dependency"),
    ]
    .iter()
    .map(|(p, k)| (p.to_string(), k.to_string()))
    .collect();
    assert_eq!(misses, want);
    let junit = std::fs::read_to_string(p.dir.join("reports/junit.xml")).expect("junit");
    assert!(junit.contains("failures=\"1\""), "{junit}");
    let edited = p.baseline();
    assert_ne!(warm, edited, "a failed gate still rotates the baseline");

    // 4. The next pipeline passes the same gate: baseline and cache were kept.
    let o = p.ci(&["--max-misses", "0"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(build_misses(&p.report()), Vec::<(String, String)>::new());
    let passed = p.baseline();

    // 5. A compile error: the Go command's own code wins over the gate; the baseline stays.
    let cart = p.dir.join("internal/cart/cart.go");
    let mut src = std::fs::read_to_string(&cart).expect("cart.go");
    src.push_str("\nvar broken int = \"not an int\"\n");
    std::fs::write(&cart, src).expect("break");
    let o = p.ci(&["--max-misses", "0"], &[]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let log = format!("{}{err}", stdout(&o));
    assert!(
        log.contains("cart.go"),
        "the compiler's message is passed through: {log}"
    );
    assert!(err.contains("baseline kept"), "{err}");
    assert_eq!(
        passed,
        p.baseline(),
        "a failed build is not the next baseline"
    );
}

#[test]
fn help_teaches_the_gitlab_line() {
    let o = bin().args(["ci", "--help"]).output().expect("runs");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    for needle in [
        "goattrib ci --min-hit-rate 90% -- go build ./...",
        ".goattrib/last/",
        "[env: GOATTRIB_MIN_HIT_RATE=]",
        "[env: GOATTRIB_FORBID_CAUSE=]",
        "when: always",
    ] {
        assert!(out.contains(needle), "ci --help lacks {needle}:\n{out}");
    }
}
