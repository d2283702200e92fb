//! `goattrib __toolexec TOOL ARGS...`: the `-toolexec` program `record --profile` gives the
//! go command. For each compile that runs it adds `-cpuprofile` and `-bench` to per-package
//! files in `$GOATTRIB_PROFILE_DIR`, named `url.PathEscape(TOOLEXEC_IMPORTPATH)` as
//! cmd/compile names its own (`gc/util.go`), so test variants (`p [p.test]`) get their own.
//! Every other run, `compile -V=full` (the tool ID cmd/go puts in every cache key) included,
//! is passed through unchanged, so the build's cache keys and hits are exactly those of the
//! build without it: only misses are profiled.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The environment variable naming the folder for the profiles.
pub const PROFILE_DIR_ENV: &str = "GOATTRIB_PROFILE_DIR";
/// The hidden subcommand name.
pub const SUBCOMMAND: &str = "__toolexec";

/// Go's `url.PathEscape`: unreserved characters stay, everything else (`/`, space, `[`) is
/// escaped.
const PATH_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_')
    .remove(b'~');

/// The file stem for one package's profile.
pub fn profile_stem(import_path: &str) -> String {
    utf8_percent_encode(import_path, PATH_ESCAPE).to_string()
}

fn is_compile(tool: &Path) -> bool {
    tool.file_stem().is_some_and(|s| s == "compile")
}

/// The arguments to run `tool` with: `args`, plus the profile flags for a real compile.
pub fn tool_args(
    tool: &Path,
    args: &[OsString],
    dir: Option<&Path>,
    import_path: Option<&str>,
) -> Vec<OsString> {
    let version_query = args.iter().any(|a| {
        let a = a.to_string_lossy();
        a == "-V" || a.starts_with("-V=")
    });
    let (Some(dir), true, false) = (dir, is_compile(tool), version_query) else {
        return args.to_vec();
    };
    let pkg = import_path
        .map(str::to_owned)
        .or_else(|| {
            args.windows(2)
                .find(|w| w[0] == "-p")
                .map(|w| w[1].to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| format!("unknown.{}", std::process::id()));
    let stem = profile_stem(&pkg);
    let mut out: Vec<OsString> = Vec::with_capacity(args.len() + 2);
    let mut cpu = OsString::from("-cpuprofile=");
    cpu.push(dir.join(format!("{stem}.cpuprof")));
    let mut bench = OsString::from("-bench=");
    bench.push(dir.join(format!("{stem}.bench.txt")));
    out.push(cpu);
    out.push(bench);
    out.extend(args.iter().cloned());
    out
}

/// Runs the tool; returns its exit code (1 when it could not start, with the reason).
pub fn run(tool_and_args: &[OsString]) -> i32 {
    let Some((tool, args)) = tool_and_args.split_first() else {
        eprintln!("goattrib: error: {SUBCOMMAND} needs a tool to run");
        return 2;
    };
    let dir = std::env::var_os(PROFILE_DIR_ENV).map(PathBuf::from);
    let import_path = std::env::var("TOOLEXEC_IMPORTPATH").ok();
    let tool = Path::new(tool);
    let argv = tool_args(tool, args, dir.as_deref(), import_path.as_deref());
    match Command::new(tool).args(&argv).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => {
            eprintln!("goattrib: error: failed to start `{}`: {e}", tool.display());
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_queries_and_other_tools_pass_through_unchanged() {
        let dir = Path::new("/p");
        let v: Vec<OsString> = vec!["-V=full".into()];
        assert_eq!(
            tool_args(Path::new("/t/compile"), &v, Some(dir), Some("x")),
            v
        );
        let asm: Vec<OsString> = vec!["-p".into(), "x".into(), "a.s".into()];
        assert_eq!(
            tool_args(Path::new("/t/asm"), &asm, Some(dir), Some("x")),
            asm
        );
        assert_eq!(
            tool_args(Path::new("/t/compile"), &asm, None, Some("x")),
            asm
        );
    }

    #[test]
    fn compiles_get_per_package_files_named_like_cmd_compile() {
        let args: Vec<OsString> = vec!["-p".into(), "a/b".into(), "x.go".into()];
        let out = tool_args(
            Path::new("/t/compile"),
            &args,
            Some(Path::new("/p")),
            Some("a/b [a/b.test]"),
        );
        assert_eq!(out[0], "-cpuprofile=/p/a%2Fb%20%5Ba%2Fb.test%5D.cpuprof");
        assert_eq!(out[1], "-bench=/p/a%2Fb%20%5Ba%2Fb.test%5D.bench.txt");
        assert_eq!(&out[2..], &args[..]);
    }
}
