//! Secrets never leave the job (issue 15): real Go 1.27.3 builds of the fixture project with
//! planted secrets in the linker's `-X` flags, GOPROXY's user info and `CGO_CFLAGS`. Every
//! file goattrib writes and everything it prints is searched for them; a changed secret
//! still reads as a `flags` cause, through its fingerprint. Needs the Go toolchain of
//! `fixtures/gen/capture.sh`: skipped without it, a failure under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::ci::{Project, go_1_27};
use crate::harness::{bin, stderr, stdout};

const PLANTED: &str = "PLANTEDs3cr3t";

/// `goattrib GLOBAL... ARGS -- go build -ldflags=-X=main.apiKey=<key> -o bin/ ./...` in the
/// fixture project, with the planted secrets in the environment.
fn run(p: &Project, global: &[&str], args: &[&str], key: &str) -> Output {
    let go = p.go.to_str().expect("utf-8 path");
    let ldflags = format!("-ldflags=-X=main.apiKey={PLANTED}{key}");
    bin()
        .current_dir(&p.dir)
        .env("GOCACHE", &p.gocache)
        .env("GOFLAGS", "-mod=vendor")
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOTELEMETRY", "off")
        // Never used (vendored modules), but printed by `go env`.
        .env(
            "GOPROXY",
            format!("https://alice:{PLANTED}proxy@127.0.0.1:9/"),
        )
        .env("CGO_CFLAGS", format!("-O2 -DSECRET={PLANTED}cgo"))
        .env("COLUMNS", "100")
        .args(global)
        .args(args)
        .args(["--", go, "build", &ldflags, "-o", "bin/", "./..."])
        .output()
        .expect("goattrib runs")
}

/// Every file under `dir` (Go's own outputs and the sources excepted) that holds `needle`.
fn files_with(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let path = e.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if path.is_dir() {
                if !matches!(name, "bin" | "vendor" | "internal" | "cmd") {
                    stack.push(path);
                }
                continue;
            }
            let bytes = std::fs::read(&path).expect("read");
            let text = if name.ends_with(".gz") {
                let mut out = Vec::new();
                std::io::Read::read_to_end(
                    &mut flate2::read::MultiGzDecoder::new(&bytes[..]),
                    &mut out,
                )
                .expect("gunzip");
                out
            } else {
                bytes
            };
            if memchr_find(&text, needle) {
                found.push(path);
            }
        }
    }
    found
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn link_cause(report: &serde_json::Value) -> serde_json::Value {
    report["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .find(|a| a["mode"] == "link" && a["package"] == "example.com/shop/cmd/shop")
        .expect("the link action")["cause"]
        .clone()
}

#[test]
fn planted_secrets_reach_no_output_and_a_changed_one_is_still_a_cause() {
    let Some(go) = go_1_27() else { return };
    let p = Project::new(go);
    let first = run(&p, &[], &["ci"], "one");
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let second = run(&p, &[], &["ci"], "two");
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    for out in [&first, &second] {
        let printed = format!("{}{}", stdout(out), stderr(out));
        assert!(!printed.contains(PLANTED), "printed: {printed}");
    }
    let leaks = files_with(&p.dir, PLANTED.as_bytes());
    assert!(leaks.is_empty(), "secrets in {leaks:?}");

    // The relink is a `flags` cause, its change shown as two fingerprints.
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.dir.join("reports/report.json")).expect("report.json"),
    )
    .expect("JSON");
    let cause = link_cause(&report);
    assert_eq!(cause["kind"], "flags", "{cause:#}");
    let changed = cause["changed"].to_string();
    assert!(
        changed.contains("main.apiKey=<redacted:") && changed.contains("→"),
        "{changed}"
    );
    // The bundle's go env keeps the proxy's user name, not its password.
    let env = std::fs::read_to_string(p.dir.join(".goattrib/bundle/go-env.json")).expect("env");
    assert!(env.contains("https://alice:<redacted:"), "{env}");
}

/// With `--no-redact` the secrets are kept (so the test above could fail), and a bundle
/// written that way is still redacted when read without the flag.
#[test]
fn no_redact_keeps_secrets_and_reading_redacts_an_unredacted_bundle() {
    let Some(go) = go_1_27() else { return };
    let p = Project::new(go);
    let rec = run(&p, &["--no-redact"], &["record", "-o", "raw"], "three");
    assert_eq!(rec.status.code(), Some(0), "{}", stderr(&rec));
    let raw = p.dir.join("raw");
    assert!(
        !files_with(&raw, format!("{PLANTED}three").as_bytes()).is_empty(),
        "the raw bundle holds the planted -X value"
    );
    let report = |global: &[&str]| {
        let out = bin()
            .args(global)
            .args(["report", "--format", "json"])
            .arg(&raw)
            .output()
            .expect("report runs");
        stdout(&out)
    };
    assert!(report(&["--no-redact"]).contains(&format!("{PLANTED}three")));
    let redacted = report(&[]);
    assert!(!redacted.contains(PLANTED), "{redacted}");
    assert!(redacted.contains("<redacted:"), "{redacted}");
}
