//! What gets goattrib into a job: `--version` with the git revision, shell completions and
//! the man page from the same clap definitions, the crate's metadata and licence files, and
//! the Dockerfile's two stages.

use crate::harness::{bin, root, stdout};

#[test]
fn version_names_the_git_revision() {
    let o = bin().arg("--version").output().expect("runs");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    let rev = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let want = match rev {
        Some(rev) => format!("goattrib {} ({rev})\n", env!("CARGO_PKG_VERSION")),
        None => format!("goattrib {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(out, want);
}

#[test]
fn completions_and_man_page() {
    for (shell, first) in [
        ("bash", "_goattrib() {"),
        ("zsh", "#compdef goattrib"),
        ("fish", "complete -c goattrib"),
    ] {
        let o = bin().args(["completions", shell]).output().expect("runs");
        assert_eq!(o.status.code(), Some(0), "{shell}");
        let out = stdout(&o);
        assert!(out.contains(first), "{shell}: {out}");
        assert!(out.contains("ci"), "{shell} completes the ci command");
    }
    let o = bin().arg("man").output().expect("runs");
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        out.contains(".TH goattrib 1") && out.contains("goattrib\\-ci"),
        "{out}"
    );
    // One page per command and subcommand, each with its own options.
    let dir = tempfile::tempdir().expect("temp dir");
    let o = bin()
        .args(["man", "--out"])
        .arg(dir.path().join("man1"))
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    for (page, option) in [
        ("goattrib.1", "max\\-inflated\\-size"),
        ("goattrib-report.1", "baseline"),
        ("goattrib-ci.1", "min\\-hit\\-rate"),
        ("goattrib-history-add.1", "\\-\\-db"),
        ("goattrib-profile-diff.1", "max\\-regression"),
    ] {
        let text = std::fs::read_to_string(dir.path().join("man1").join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(option), "{page} documents {option}: {text}");
    }
}

#[test]
fn crate_metadata_licences_and_dockerfile() {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    for line in [
        "license = \"MIT OR Apache-2.0\"",
        "rust-version = ",
        "description = ",
    ] {
        assert!(toml.contains(line), "Cargo.toml lacks {line}");
    }
    for f in ["LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(root().join(f).is_file(), "{f}");
    }
    let docker = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    assert!(docker.contains("FROM rust:1-bookworm AS build"));
    assert!(docker.contains("FROM golang:1.27-bookworm"));
    assert!(
        docker.contains("COPY --from=build /src/target/release/goattrib /usr/local/bin/goattrib")
    );
}
