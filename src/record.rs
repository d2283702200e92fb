//! `goattrib record`: runs the Go command with every signal switched on and writes a bundle.
//!
//! Adds `-x`, `-json` (Go >= 1.24 for build; not for vet, where it changes vet's own output),
//! `-debug-actiongraph` and `-debug-trace`, sets `GODEBUG=gocachehash=1` (with
//! `gocachetest=1` for `go test`, a fixed value: see `godebug_value`), and passes the
//! output through as the plain text the user would have seen: JSON events are turned back
//! into text, the `-x` command trace and the hash lines stay out of the terminal unless the
//! user asked for `-x` (or `-json`) themselves. Last, the bundle's `manifest.json.gz`.

use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use thiserror::Error;

use crate::ingest::redact;

#[derive(Debug, Error)]
pub enum RecordError {
    #[error("expected a Go command after `--`, like `go build ./...`; got `{0}`")]
    NotGo(String),
    #[error("`go {0}` is not recorded: use build, install, test or vet")]
    Subcommand(String),
    #[error("failed to create the bundle directory `{path}`")]
    Bundle { path: PathBuf, source: io::Error },
    #[error("failed to start `{program}`")]
    Spawn { program: String, source: io::Error },
    #[error("failed to write `{path}`")]
    Write { path: PathBuf, source: io::Error },
    #[error("failed to add --profile: the Go command already has -toolexec")]
    ProfileToolexec,
}

pub struct RecordOptions {
    pub out_dir: PathBuf,
    /// The Go command line: `go build ./...`.
    pub argv: Vec<String>,
    /// Also echo the `-x` command trace.
    pub show_commands: bool,
    /// `--profile`: goattrib as `-toolexec`, compile CPU profiles and `-bench` phase lines
    /// of the packages that miss, into `profiles/` (see `toolexec.rs`).
    pub profile: bool,
}

/// What the user sees, decided from their own flags.
#[derive(Clone, Copy)]
struct Echo {
    commands: bool,
    raw_json: bool,
}

/// Runs the command; returns the Go command's exit code.
pub fn record(opts: &RecordOptions) -> Result<i32, RecordError> {
    let (program, rest) = opts
        .argv
        .split_first()
        .ok_or_else(|| RecordError::NotGo(String::new()))?;
    let is_go = Path::new(program).file_stem().is_some_and(|s| s == "go");
    if !is_go {
        return Err(RecordError::NotGo(opts.argv.join(" ")));
    }
    let (sub, user_args) = rest
        .split_first()
        .ok_or_else(|| RecordError::NotGo(opts.argv.join(" ")))?;
    if !matches!(sub.as_str(), "build" | "install" | "test" | "vet") {
        return Err(RecordError::Subcommand(sub.clone()));
    }
    let dir = &opts.out_dir;
    fs::create_dir_all(dir).map_err(|source| RecordError::Bundle {
        path: dir.clone(),
        source,
    })?;
    // Through the atomic writer: a symlink planted in an existing bundle directory is
    // replaced, never written through (without fsyncs: see `atomic::replace`).
    let write = |name: &str, bytes: &[u8]| {
        crate::atomic::replace(&dir.join(name), bytes).map_err(|e| RecordError::Write {
            path: e.path,
            source: e.source,
        })
    };

    // Only `go build` and `go install` need the Go version before the build (whether
    // `-json` is there, Go >= 1.24), and `go env GOVERSION` answers it without what makes
    // `go env -json` slow (it runs the C compiler for the cgo settings). The whole `go env
    // -json` for go-env.json runs beside the build and is joined after it.
    let go_minor = if matches!(sub.as_str(), "build" | "install") {
        let version = Command::new(program)
            .args(["env", "GOVERSION"])
            .stderr(Stdio::null())
            .output()
            .map_err(|source| RecordError::Spawn {
                program: program.clone(),
                source,
            })?;
        go_minor_version(String::from_utf8_lossy(&version.stdout).trim())
    } else {
        None
    };
    let user_flag = |f: &str| {
        user_args
            .iter()
            .any(|a| a == f || a.starts_with(&format!("{f}=")))
    };
    let echo = Echo {
        commands: opts.show_commands || user_flag("-x"),
        raw_json: user_flag("-json"),
    };
    let mut args = vec![sub.clone(), "-x".to_owned()];
    let json_ok = sub == "test" || go_minor.is_none_or(|m| m >= 24);
    if json_ok && sub != "vet" && !echo.raw_json {
        args.push("-json".to_owned());
    }
    let abs = |name: &str| std::path::absolute(dir.join(name)).unwrap_or_else(|_| dir.join(name));
    args.push(format!(
        "-debug-actiongraph={}",
        abs("actiongraph.json").display()
    ));
    args.push(format!("-debug-trace={}", abs("trace.json").display()));
    let mut profile_dir = None;
    if opts.profile {
        if user_flag("-toolexec") {
            return Err(RecordError::ProfileToolexec);
        }
        let profiles = abs("profiles");
        // Profiles of an earlier run into this bundle would read as this build's misses.
        let _ = fs::remove_dir_all(&profiles);
        fs::create_dir_all(&profiles).map_err(|source| RecordError::Bundle {
            path: profiles.clone(),
            source,
        })?;
        let exe = std::env::current_exe().map_err(|source| RecordError::Spawn {
            program: "goattrib".to_owned(),
            source,
        })?;
        // cmd/go splits -toolexec like a shell (quoted.Split): quote the path.
        args.push(format!(
            "-toolexec='{}' {}",
            exe.display(),
            crate::toolexec::SUBCOMMAND
        ));
        profile_dir = Some(profiles);
    }
    args.extend(user_args.iter().cloned());
    let command_line = opts.argv.join(" ");
    write(
        "command",
        format!("{}\n", redact::text(&command_line)).as_bytes(),
    )?;

    let user_godebug = std::env::var("GODEBUG").unwrap_or_default();
    let godebug = godebug_value(&user_godebug, sub == "test");
    // The user's own `gocachetest=1` shows its lines; the one record adds stays in the bundle.
    let show_testcache = user_godebug.split(',').any(|s| s.trim() == "gocachetest=1");
    let mut command = Command::new(program);
    if let Some(p) = &profile_dir {
        command.env(crate::toolexec::PROFILE_DIR_ENV, p);
    }
    // Read-only and never fetching: safe beside the build, and off its critical path.
    let env_thread = {
        let program = program.clone();
        thread::spawn(move || Command::new(program).args(["env", "-json"]).output())
    };
    let mut child = command
        .args(&args)
        .env("GODEBUG", godebug)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| RecordError::Spawn {
            program: program.clone(),
            source,
        })?;
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let jsonl = dir.join("build.jsonl");
    let errfile = dir.join("build.stderr");
    let out_echo = echo;
    let err_commands = out_echo.commands;
    let out_thread = thread::spawn(move || {
        let mut in_heredoc = false;
        pump(stdout, &jsonl, io::stdout(), |line| {
            Some(plain_text(line, &out_echo, &mut in_heredoc))
        })
    });
    let err_thread = thread::spawn(move || {
        let mut in_heredoc = false;
        pump(stderr, &errfile, io::stderr(), |line| {
            // Hash lines and (old Go) the -x trace stay in the bundle.
            if line.starts_with(b"HASH")
                || (!show_testcache && line.starts_with(b"testcache: "))
                // `# get <url>` is -x output too (web/http.go), printed on stderr even with -json.
                || (!err_commands && line.starts_with(b"# get "))
            {
                return None;
            }
            let text = String::from_utf8_lossy(line);
            let hidden = !err_commands && is_command_line(&text, &mut in_heredoc);
            (!hidden).then(|| text.into_owned())
        })
    });
    let status = child.wait().map_err(|source| RecordError::Spawn {
        program: program.clone(),
        source,
    })?;
    for t in [out_thread, err_thread] {
        if let Ok(Err((path, source))) = t.join() {
            return Err(RecordError::Write { path, source });
        }
    }
    let code = status.code().unwrap_or(1);
    // The module list runs after the build, not beside it: `go list -m all` fetches `.mod`
    // and `.info` files into the same GOMODCACHE with its stderr dropped, so in parallel it
    // took fetches the build's `-x` trace (`# get`) would otherwise show. It runs while the
    // bundle's other files are written.
    let modules_thread = {
        let program = program.clone();
        thread::spawn(move || module_list(&program))
    };
    // The Go command wrote these itself: the action graph holds every command line
    // (`-X main.apiKey=...` in a link's), so they are redacted like the streams.
    for name in ["actiongraph.json", "trace.json"] {
        redact_file(&dir.join(name))?;
    }
    write("exit_code", format!("{code}\n").as_bytes())?;
    // The GitLab job's metadata for `history add`: allow-listed variables only.
    if std::env::var_os("GITLAB_CI").is_some() || std::env::var_os("CI_JOB_ID").is_some() {
        let meta = crate::ingest::history::ci::CiMeta::from_env(|k| std::env::var(k).ok());
        let json = serde_json::to_vec_pretty(&meta).unwrap_or_default();
        write(crate::model::history::CI_META_FILE, &json)?;
    }
    // The build ran, so `go` starts: a `go env` that did not is a bundle without go-env.json.
    let env_json = env_thread.join().ok().and_then(Result::ok);
    let env_stdout = env_json.as_ref().map_or(&[][..], |out| &out.stdout[..]);
    if env_json.as_ref().is_some_and(|out| out.status.success()) {
        write("go-env.json", &redacted_env(env_stdout))?;
    }
    let env: serde_json::Value = serde_json::from_slice(env_stdout).unwrap_or_default();
    let gomod = env["GOMOD"]
        .as_str()
        .filter(|m| !m.is_empty() && *m != "/dev/null")
        .map(PathBuf::from);
    if let Some(vendored) = gomod.and_then(|m| Some(m.parent()?.join("vendor/modules.txt")))
        && let Ok(bytes) = fs::read(&vendored)
    {
        write("modules.txt", &bytes)?;
    }
    if let Some(list) = modules_thread.join().ok().flatten() {
        write("modules.json", &list)?;
    }
    // What a later `report --baseline` or `compare` needs, without the whole hash log.
    if let Ok(inputs) = crate::ingest::load(std::slice::from_ref(dir)) {
        let path = dir.join(crate::ingest::manifest::MANIFEST_FILE);
        let data = crate::analysis::prepare(inputs);
        let mut bytes = Vec::new();
        crate::ingest::manifest::write(&data, &mut bytes).map_err(|source| RecordError::Write {
            path: path.clone(),
            source,
        })?;
        write(crate::ingest::manifest::MANIFEST_FILE, &bytes)?;
    }
    // The bundle's renames, made durable at once (issue 15: fsync the directory after
    // renames), not once per file.
    crate::atomic::sync_dir(dir);
    Ok(code)
}

/// The longest line [`redact_file`] searches whole; a longer one sends it to the slow path.
const MAX_SEARCHED_LINE: usize = 4 << 20;

/// Rewrites a file the Go command wrote into the bundle with every line redacted; leaves it
/// untouched when nothing was (or when it is not there: a failed build may not write it).
fn redact_file(path: &Path) -> Result<(), RecordError> {
    // Almost always nothing is: search through a buffer first, so the common case allocates
    // nothing the size of the file (`go build std`'s trace.json is 13 MB, and fresh memory
    // is what a warm build's record paid for most).
    let Ok(file) = File::open(path) else {
        return Ok(());
    };
    let mut reader = BufReader::with_capacity(256 << 10, file);
    // Whole lines are searched a buffer at a time; `partial` is the start of the line a
    // buffer ended in, searched with the rest of it.
    let mut partial = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok([]) => match redact::go_output_may_change(&partial) {
                true => break,
                false => return Ok(()),
            },
            Ok(buf) => buf,
            Err(_) => return Ok(()),
        };
        let read = buf.len();
        let may_change = match (memchr::memchr(b'\n', buf), memchr::memrchr(b'\n', buf)) {
            (Some(first), Some(last)) => {
                partial.extend_from_slice(&buf[..=first]);
                let hit = redact::go_output_may_change(&partial)
                    || redact::go_output_may_change(&buf[first + 1..=last]);
                partial.clear();
                partial.extend_from_slice(&buf[last + 1..]);
                hit
            }
            // One line longer than the buffer: past a bound, read the slow way.
            _ => {
                partial.extend_from_slice(buf);
                partial.len() > MAX_SEARCHED_LINE
            }
        };
        reader.consume(read);
        if may_change {
            break;
        }
    }
    let Ok(bytes) = fs::read(path) else {
        return Ok(());
    };
    // Redacted as the pump writes: 64 KB blocks of whole lines.
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = &bytes[..];
    while !rest.is_empty() {
        let end = match rest
            .get(PUMP_BLOCK_BYTES..)
            .and_then(|r| memchr::memchr(b'\n', r))
        {
            Some(i) => PUMP_BLOCK_BYTES + i + 1,
            None => rest.len(),
        };
        let (block, after) = rest.split_at(end);
        rest = after;
        write_redacted(&mut out, block).map_err(|source| RecordError::Write {
            path: path.to_owned(),
            source,
        })?;
    }
    if out == bytes {
        return Ok(());
    }
    crate::atomic::replace(path, &out).map_err(|e| RecordError::Write {
        path: e.path,
        source: e.source,
    })
}

/// `go env -json` with every value redacted (GOPROXY user info, GOAUTH, `-X` values in
/// GOFLAGS); the bytes as Go wrote them when nothing was.
fn redacted_env(json: &[u8]) -> Vec<u8> {
    let Ok(mut vars) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(json)
    else {
        return redact::go_output_line(json).into_owned();
    };
    let mut changed = false;
    for (name, value) in vars.iter_mut() {
        if let Some(text) = value.as_str()
            && let std::borrow::Cow::Owned(new) = redact::value(name, text)
        {
            *value = serde_json::Value::String(new);
            changed = true;
        }
    }
    if !changed {
        return json.to_vec();
    }
    let mut out = serde_json::to_vec_pretty(&vars).unwrap_or_else(|_| json.to_vec());
    out.push(b'\n');
    out
}

/// The GODEBUG value `record` runs the Go command with: the user's settings, then
/// `gocachehash=1` (and `gocachetest=1` for `go test`), always in this order. Go hashes
/// GODEBUG into every test's inputs (test.go: `env GODEBUG` is the first input), so the
/// value must not change from run to run, or no recorded result would ever be replayed.
fn godebug_value(user: &str, test: bool) -> String {
    let mut parts: Vec<&str> = user
        .split(',')
        .map(str::trim)
        .filter(|s| {
            !s.is_empty() && !s.starts_with("gocachehash=") && !s.starts_with("gocachetest=")
        })
        .collect();
    if test {
        parts.push("gocachetest=1");
    }
    parts.push("gocachehash=1");
    parts.join(",")
}

/// `go1.27.3` → 27.
fn go_minor_version(v: &str) -> Option<u32> {
    let rest = v.strip_prefix("go1.")?;
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// `go list -m -json all`, or the main module alone where `all` cannot be listed
/// (vendor mode, no network). Both run at once (listing the main module fetches nothing),
/// so the common vendor-mode and GOPATH cases wait for one `go list`, not two.
fn module_list(program: &str) -> Option<Vec<u8>> {
    let list = |args: &'static [&'static str]| {
        let program = program.to_owned();
        thread::spawn(move || {
            Command::new(program)
                .args(args)
                .stderr(Stdio::null())
                .output()
        })
    };
    let all = list(&["list", "-m", "-json", "all"]);
    let main = list(&["list", "-m", "-json"]);
    let listed = |out: io::Result<std::process::Output>| {
        out.map(|out| (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout))
    };
    let (all, main) = (all.join().ok()?, main.join().ok()?);
    // As when they ran one after the other: a `go` that cannot start lists nothing.
    listed(all).ok()?.or_else(|| listed(main).ok().flatten())
}

type PumpResult = Result<(), (PathBuf, io::Error)>;

/// Creates `path` as a new regular file: whatever was there (a file of an earlier run, or a
/// symlink a merge request planted in the bundle directory) is removed first, and the file
/// is created only if nothing is there, so the recording never writes through a link.
fn create_fresh(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Copies every line of `source` into the bundle file at `path`, and what `shown` makes of
/// it to the terminal `sink`. The terminal going away must not stop the recording, so
/// writes to `sink` are best effort.
fn pump(
    source: Option<impl io::Read>,
    path: &Path,
    mut sink: impl Write,
    mut shown: impl FnMut(&[u8]) -> Option<String>,
) -> PumpResult {
    let Some(source) = source else { return Ok(()) };
    let err = |e| (path.to_owned(), e);
    let mut file = BufWriter::new(create_fresh(path).map_err(err)?);
    let mut reader = BufReader::with_capacity(PIPE_READ_BYTES, source);
    let mut line = Vec::new();
    let mut last_read = PIPE_READ_BYTES;
    // The bundle's copy is redacted a block of lines at a time (one search, not one per
    // line), and written whenever the pipe has nothing more to read, so a killed build
    // still leaves what it printed.
    let mut block = Vec::with_capacity(PUMP_BLOCK_BYTES);
    loop {
        if reader.buffer().is_empty() {
            // Go writes each hash line on its own: read at once, a `go build std` woke this
            // thread about 10,000 times, a tenth of record's cost. A pipe that gave less
            // than half a buffer is printed to slowly: wait a millisecond for more (a
            // compiler message is echoed that much later); a full one is read on at once.
            if last_read < PIPE_READ_BYTES / 2 {
                thread::sleep(Duration::from_millis(1));
            }
            last_read = reader.fill_buf().map_err(err)?.len();
        }
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(err)? == 0 {
            break;
        }
        block.extend_from_slice(&line);
        if block.len() >= PUMP_BLOCK_BYTES || reader.buffer().is_empty() {
            write_redacted(&mut file, &block).map_err(err)?;
            block.clear();
        }
        if let Some(text) = shown(&line).filter(|t| !t.is_empty()) {
            let _ = sink.write_all(text.as_bytes()).and_then(|()| sink.flush());
        }
    }
    write_redacted(&mut file, &block).map_err(err)?;
    file.flush().map_err(err)
}

/// What [`pump`] reads from a pipe at most at once: Linux's default pipe capacity.
const PIPE_READ_BYTES: usize = 64 << 10;

/// Bytes of Go's output [`pump`] gathers before it redacts and writes them.
const PUMP_BLOCK_BYTES: usize = 64 << 10;

/// Writes whole lines of Go's output redacted (the bundle is an artifact and a cache: it
/// keeps Go's output redacted): a block without a hit as it is, the others line by line.
fn write_redacted(out: &mut impl Write, block: &[u8]) -> io::Result<()> {
    if !redact::go_output_may_change(block) {
        return out.write_all(block);
    }
    for line in block.split_inclusive(|&b| b == b'\n') {
        out.write_all(&redact::go_output_line(line))?;
    }
    Ok(())
}

/// What a line of the Go command's stdout looks like without the added `-json`.
fn plain_text(line: &[u8], echo: &Echo, in_heredoc: &mut bool) -> String {
    if echo.raw_json || !line.starts_with(b"{") {
        return String::from_utf8_lossy(line).into_owned();
    }
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(line) else {
        return String::from_utf8_lossy(line).into_owned();
    };
    let output = event["Output"].as_str().unwrap_or("");
    if event.get("ImportPath").is_some() && !echo.commands {
        // BuildEvent: keep compiler messages, drop the -x trace we added.
        let mut kept = String::new();
        for piece in output.split_inclusive('\n') {
            if !is_command_line(piece, in_heredoc) {
                kept.push_str(piece);
            }
        }
        return kept;
    }
    output.to_owned()
}

/// The version-control commands Go runs to stamp `vcs.*` build settings.
const VCS_TOOLS: &[&str] = &["git ", "hg ", "svn ", "bzr ", "fossil "];

/// `0.012s # cd /builds/shop; git status --porcelain`: a traced command's duration.
fn is_timing_line(t: &str) -> bool {
    let Some((secs, rest)) = t.split_once("s # ") else {
        return false;
    };
    !rest.is_empty() && secs.contains('.') && secs.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Whether a stderr line is part of the `-x` trace (old Go prints it on stderr):
/// tracks heredocs so their contents are hidden too.
fn is_command_line(line: &str, in_heredoc: &mut bool) -> bool {
    let t = line.trim_end();
    if *in_heredoc {
        if t == "EOF" {
            *in_heredoc = false;
        }
        return true;
    }
    if t.starts_with("cat >") && t.contains("<< 'EOF'") {
        *in_heredoc = true;
        return true;
    }
    const PREFIXES: &[&str] = &[
        "WORK=",
        "$WORK/",
        "mkdir -p ",
        "cd ",
        "echo ",
        "cp ",
        "mv ",
        "rm -",
        "touch ",
        "TERM=",
        "GOROOT=",
        "go tool ",
        "ln -",
    ];
    if PREFIXES.iter().any(|p| t.starts_with(p)) {
        return true;
    }
    // Go's VCS queries for the stamped build info (`cmd/go/internal/vcs/vcs.go`, run under
    // -x): the command line, then `0.001s # cd DIR; git status --porcelain` once it returns.
    if is_timing_line(t) || VCS_TOOLS.iter().any(|v| t.starts_with(v)) {
        return true;
    }
    // `/usr/lib/go/pkg/tool/linux_amd64/compile -o ...`, `gcc -I ...`
    let first = t.split(' ').next().unwrap_or("");
    first.contains("/pkg/tool/") || matches!(first, "gcc" | "clang" | "cc" | "g++" | "clang++")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A secret is found wherever it sits: across the search buffer's edge, on a last line
    /// without a newline, on a line longer than the buffer; a file without one is left as
    /// it is, byte for byte.
    #[test]
    fn redacting_a_bundle_file_finds_a_secret_anywhere_and_leaves_a_clean_file_alone() {
        let dir = tempfile::tempdir().unwrap();
        let filler = |n: usize| -> String {
            (0..n)
                .map(|i| format!("{{\"name\":\"event {i}\",\"ph\":\"B\"}}\n"))
                .collect()
        };
        let secret = "-X main.apiKey=hunter2hunter2";
        let edge = filler(20_000);
        let cut = edge[..(256 << 10) - 10].rfind('\n').unwrap() + 1;
        let cases = [
            format!("{}\"{secret}\"\n{}", &edge[..cut], &edge[cut..]),
            format!("{}[\"{secret}\"]", filler(30_000)),
            format!("{}{}{secret}\n", filler(10), "x".repeat(300 << 10)),
        ];
        for (i, text) in cases.iter().enumerate() {
            let path = dir.path().join(format!("trace{i}.json"));
            std::fs::write(&path, text).unwrap();
            redact_file(&path).unwrap();
            let out = std::fs::read_to_string(&path).unwrap();
            assert!(!out.contains("hunter2"), "case {i}");
            assert!(out.contains("main.apiKey=<redacted:"), "case {i}");
        }
        let clean = dir.path().join("clean.json");
        let text = filler(30_000) + "]";
        std::fs::write(&clean, &text).unwrap();
        redact_file(&clean).unwrap();
        assert_eq!(std::fs::read_to_string(&clean).unwrap(), text);
    }

    /// Regression (issue 15): `record` wrote its bundle files through symlinks planted in
    /// an existing `-o` directory.
    #[test]
    fn bundle_files_replace_a_planted_symlink_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep me").unwrap();
        let planted = dir.path().join("build.stderr");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let mut f = create_fresh(&planted).unwrap();
        f.write_all(b"new").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        assert!(
            !std::fs::symlink_metadata(&planted)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&planted).unwrap(), "new");
    }

    #[test]
    fn godebug_is_the_same_value_every_run_and_as_captured() {
        // The captures ran with GODEBUG=gocachetest=1 and saw this value in HASH[getenv].
        assert_eq!(
            godebug_value("gocachetest=1", true),
            "gocachetest=1,gocachehash=1"
        );
        assert_eq!(godebug_value("", true), "gocachetest=1,gocachehash=1");
        assert_eq!(godebug_value("", false), "gocachehash=1");
        assert_eq!(
            godebug_value("http2debug=1,gocachehash=1", true),
            "http2debug=1,gocachetest=1,gocachehash=1"
        );
    }

    #[test]
    fn turns_json_events_back_into_plain_text() {
        let quiet = Echo {
            commands: false,
            raw_json: false,
        };
        let mut h = false;
        let cmd =
            br#"{"ImportPath":"x","Action":"build-output","Output":"mkdir -p $WORK/b001/\n"}"#;
        assert_eq!(plain_text(cmd, &quiet, &mut h), "");
        let diag =
            br##"{"ImportPath":"x","Action":"build-output","Output":"# x\n./a.go:1:1: bad\n"}"##;
        assert_eq!(plain_text(diag, &quiet, &mut h), "# x\n./a.go:1:1: bad\n");
        let test = br#"{"Action":"output","Package":"x","Output":"ok  \tx\t0.1s\n"}"#;
        assert_eq!(plain_text(test, &quiet, &mut h), "ok  \tx\t0.1s\n");
        let loud = Echo {
            commands: true,
            raw_json: false,
        };
        assert_eq!(plain_text(cmd, &loud, &mut h), "mkdir -p $WORK/b001/\n");
    }

    #[test]
    fn hides_old_go_command_trace_on_stderr() {
        let mut h = false;
        assert!(is_command_line(
            "cat >$WORK/b001/importcfg << 'EOF' # internal\n",
            &mut h
        ));
        assert!(is_command_line("packagefile fmt=/x.a\n", &mut h));
        assert!(is_command_line("EOF\n", &mut h));
        assert!(!is_command_line("./main.go:3:2: undefined: y\n", &mut h));
        assert!(is_command_line(
            "/usr/lib/go-1.19/pkg/tool/linux_amd64/compile -o x\n",
            &mut h
        ));
        assert_eq!(go_minor_version("go1.27.3"), Some(27));
        assert!(is_command_line(
            "0.001s # cd /b/shop; git status --porcelain\n",
            &mut h
        ));
        assert!(is_command_line("git status --porcelain\n", &mut h));
        assert!(!is_command_line("# example.com/shop\n", &mut h));
        assert!(!is_command_line("ok  \tx\t0.001s\n", &mut h));
    }

    /// Every line of a real capture's stderr (Go 1.27.3 in a git checkout: the VCS queries
    /// with their timing lines) is either a hash line or hidden.
    #[test]
    fn hides_every_command_line_of_a_real_vcs_capture() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/scenarios/vcs-commit/build.stderr.gz"
        );
        let gz = std::fs::read(path).unwrap();
        let mut text = String::new();
        io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
        let mut h = false;
        let shown: Vec<&str> = text
            .split_inclusive('\n')
            .filter(|l| !l.starts_with("HASH") && !is_command_line(l, &mut h))
            .collect();
        assert_eq!(shown, Vec::<&str>::new());
        assert!(text.contains("git status --porcelain"));
    }
}
