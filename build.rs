//! Build script: puts the git revision into `goattrib --version` (`0.1.0 (1d1e0b3)`), or the
//! bare version when git or the repository is absent (a crates.io download, a tarball).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let full = match git(&["rev-parse", "--short", "HEAD"]) {
        Some(rev) => format!("{version} ({rev})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=GOATTRIB_VERSION={full}");
    // Rebuild the string when HEAD moves (a worktree's HEAD lives outside `.git/`).
    for path in ["HEAD", "refs/heads", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
