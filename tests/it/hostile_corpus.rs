//! The hostile-input corpus (issue 15) run through every command under a time and a memory
//! limit: `fixtures/gen/hostile.py` derives each case from the real captures, at test time,
//! into a temporary directory; each command must end in time, within memory, with exit 0,
//! 1 or 2, a one-line error, no panic, no control byte on the terminal, no live mention or
//! link in `summary.md` and none of the planted fake secrets in anything it wrote.
//!
//! Limits: 10 s of wall time per command (the child's process group is killed past it) and
//! 1 GiB of address space (`prlimit --as`, so an allocation past it fails and the run
//! aborts); the peak RSS is measured with `/usr/bin/time` when it is installed. The binary
//! is `GOATTRIB_BIN`, else the release build (`cargo build --release` when it is older than
//! the sources), since the limits are about the shipped binary. `GOATTRIB_HOSTILE_CASE=a,b`
//! runs only those cases.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{in_ci, root};

const WALL: Duration = Duration::from_secs(10);
const MEMORY: u64 = 1 << 30;

/// One command's run: what it printed and what it cost.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    wall: Duration,
    /// Peak resident set in KiB, from `/usr/bin/time`.
    peak_kib: Option<u64>,
    timed_out: bool,
}

fn newest_source() -> std::time::SystemTime {
    fn walk(dir: &Path, newest: &mut std::time::SystemTime) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, newest);
            } else if let Ok(t) = e.metadata().and_then(|m| m.modified()) {
                *newest = (*newest).max(t);
            }
        }
    }
    let mut newest = std::time::UNIX_EPOCH;
    walk(&root().join("src"), &mut newest);
    for f in ["Cargo.toml", "Cargo.lock", "build.rs"] {
        if let Ok(t) = std::fs::metadata(root().join(f)).and_then(|m| m.modified()) {
            newest = newest.max(t);
        }
    }
    newest
}

/// The binary under test: `GOATTRIB_BIN`, else an up-to-date release build.
fn binary() -> PathBuf {
    if let Some(b) = std::env::var_os("GOATTRIB_BIN") {
        return PathBuf::from(b);
    }
    let release = root().join("target/release/goattrib");
    let fresh = std::fs::metadata(&release)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= newest_source());
    if !fresh {
        eprintln!("hostile corpus: building the release binary (cargo build --release)");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--release", "--quiet", "--bin", "goattrib"])
            .current_dir(root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cargo build --release failed");
    }
    release
}

fn run(bin: &Path, args: &[OsString], cwd: &Path) -> Run {
    let time = Path::new("/usr/bin/time");
    let peak_file = cwd.join(".peak");
    let _ = std::fs::remove_file(&peak_file);
    let mut cmd = Command::new("prlimit");
    cmd.arg(format!("--as={MEMORY}")).arg("--");
    if time.exists() {
        cmd.arg(time).arg("-f").arg("%M").arg("-o").arg(&peak_file);
    }
    cmd.arg(bin)
        .args(args)
        .current_dir(cwd)
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("prlimit runs");
    let pgid = child.id();
    // Read the pipes on threads, so a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take().expect("piped");
    let mut err_pipe = child.stderr.take().expect("piped");
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut out_pipe, &mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut err_pipe, &mut v);
        v
    });
    let mut timed_out = false;
    let mut killed_peak = None;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > WALL && !timed_out {
            timed_out = true;
            killed_peak = group_peak_kib(pgid);
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let wall = started.elapsed();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let peak_kib = std::fs::read_to_string(&peak_file)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()))
        .or(killed_peak);
    // `time` reports a killed or crashed child as its own exit 1 plus a line in the
    // output file ("Command terminated by signal 9", "... exited with non-zero status 2").
    let noted = std::fs::read_to_string(&peak_file).unwrap_or_default();
    let after = |marker: &str| -> Option<i32> {
        let at = noted.find(marker)? + marker.len();
        noted[at..].split_whitespace().next()?.parse().ok()
    };
    let code = after("terminated by signal ")
        .map(|sig| 128 + sig)
        .or_else(|| after("non-zero status "))
        .or_else(|| status.code());
    Run {
        code,
        stdout,
        stderr,
        wall,
        peak_kib,
        timed_out,
    }
}

/// The largest peak RSS (`VmHWM`, KiB) among the live processes of a process group: what a
/// run killed at the time limit had used so far.
fn group_peak_kib(pgid: u32) -> Option<u64> {
    let mut best = None;
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its `)`.
        let Some(after) = stat.rfind(')').map(|at| &stat[at + 1..]) else {
            continue;
        };
        if after.split_whitespace().nth(2) != Some(&pgid.to_string()) {
            continue;
        }
        let status = std::fs::read_to_string(e.path().join("status")).unwrap_or_default();
        let hwm = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok());
        best = best.max(hwm);
    }
    best
}

#[derive(serde::Deserialize)]
struct Case {
    what: String,
    head: String,
    base: Option<String>,
    profile: Option<String>,
    spans: Option<String>,
    secrets: Vec<String>,
}

/// Every file under `dir`, gzip files inflated (a bounded amount: they are ours).
fn written(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            written(&p, out);
        } else if let Ok(bytes) = std::fs::read(&p) {
            if bytes.starts_with(&[0x1f, 0x8b]) {
                let mut inflated = Vec::new();
                let _ = std::io::Read::read_to_end(
                    &mut std::io::Read::take(
                        flate2::read::MultiGzDecoder::new(&bytes[..]),
                        256 << 20,
                    ),
                    &mut inflated,
                );
                out.push((p.clone(), inflated));
            }
            out.push((p, bytes));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The words of a Markdown file that GitLab would render live: a mention (`@x`), a
/// reference (`#1`, `!1`, `&1`, `%x`, `~x`, `$1`), a bare URL or an e-mail address, outside
/// code spans and fenced blocks and not backslash-escaped (`render::markdown`'s rules).
fn live_words(md: &str) -> Vec<String> {
    let mut prose = String::new();
    let mut in_fence: Option<String> = None;
    for line in md.lines() {
        let fence: String = line
            .trim_start()
            .chars()
            .take_while(|&c| c == '`')
            .collect();
        if let Some(open) = &in_fence {
            if fence.len() >= open.len() && line.trim().chars().all(|c| c == '`') {
                in_fence = None;
            }
            continue;
        }
        if fence.len() >= 3 {
            in_fence = Some(fence);
            continue;
        }
        // Code spans: a run of N backticks up to the next run of exactly N.
        let b = line.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && i + 1 < b.len() {
                prose.push(' ');
                i += 2;
                continue;
            }
            if b[i] == b'`' {
                let n = b[i..].iter().take_while(|&&c| c == b'`').count();
                let mut j = i + n;
                let mut closed = None;
                while j < b.len() {
                    if b[j] == b'`' {
                        let m = b[j..].iter().take_while(|&&c| c == b'`').count();
                        if m == n {
                            closed = Some(j + m);
                            break;
                        }
                        j += m;
                    } else {
                        j += 1;
                    }
                }
                if let Some(end) = closed {
                    prose.push(' ');
                    i = end;
                    continue;
                }
            }
            let ch_len = line[i..].chars().next().map_or(1, char::len_utf8);
            prose.push_str(&line[i..i + ch_len]);
            i += ch_len;
        }
        prose.push('\n');
    }
    prose
        .split_whitespace()
        .map(strip_entities)
        .filter(|w| is_live(w))
        .collect()
}

/// A word with its HTML entities (`&lt;`, `&#35;`, `&#x23;`) blanked: they are inert.
fn strip_entities(word: &str) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        match tail.find(';') {
            Some(end)
                if (1..=10).contains(&end)
                    && tail[..end]
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '#') =>
            {
                out.push(' ');
                rest = &tail[end + 1..];
            }
            _ => {
                out.push('&');
                rest = tail;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether GitLab would turn a word of prose into a mention, a reference or a link.
fn is_live(word: &str) -> bool {
    if word.contains("://") || word.to_ascii_lowercase().contains("www.") {
        return true;
    }
    let c: Vec<char> = word.chars().collect();
    let word_char = |x: char| x.is_alphanumeric() || x == '_';
    (0..c.len()).any(|i| {
        let next = c.get(i + 1).copied().unwrap_or(' ');
        let prev = if i == 0 { ' ' } else { c[i - 1] };
        match c[i] {
            '@' => word_char(next),
            '#' | '!' | '&' | '$' => next.is_ascii_digit() && !word_char(prev) && prev != '&',
            '%' | '~' => i == 0 && word_char(next),
            _ => false,
        }
    })
}

/// What every command of the corpus is checked against, and what the checks found.
struct Checker<'a> {
    bin: &'a Path,
    failures: Vec<String>,
    costs: Vec<String>,
}

/// Runs one command of one case and says what was wrong with it, if anything.
fn check(
    k: &mut Checker<'_>,
    dir: &Path,
    label: &str,
    args: &[OsString],
    case: &Case,
    outputs: &[&Path],
) {
    let (failures, costs) = (&mut k.failures, &mut k.costs);
    let r = run(k.bin, args, dir);
    let shown = format!("{label}: goattrib {}", shown_args(args));
    costs.push(format!(
        "{:>7.2}s {:>9} KiB  exit {:<4} {shown}",
        r.wall.as_secs_f64(),
        r.peak_kib.map_or("?".to_owned(), |k| k.to_string()),
        r.code.map_or("-".to_owned(), |c| c.to_string()),
    ));
    let stderr = String::from_utf8_lossy(&r.stderr);
    let stdout = String::from_utf8_lossy(&r.stdout);
    let mut fail = |what: String| failures.push(format!("{shown}: {what}"));
    if r.timed_out {
        fail(format!("over the {} s limit (killed)", WALL.as_secs()));
    } else if r.wall > WALL {
        fail(format!("took {:.1} s", r.wall.as_secs_f64()));
    }
    if let Some(k) = r.peak_kib
        && k * 1024 > MEMORY
    {
        fail(format!("peak RSS {k} KiB is over 1 GiB"));
    }
    if !r.timed_out && !matches!(r.code, Some(0..=2)) {
        fail(format!(
            "exit {:?} (expected 0, 1 or 2); stderr: {}",
            r.code,
            stderr.chars().take(400).collect::<String>()
        ));
    }
    if stderr.contains("panicked at") {
        fail(format!(
            "panicked: {}",
            stderr
                .lines()
                .find(|l| l.contains("panicked"))
                .unwrap_or("")
        ));
    }
    if matches!(r.code, Some(2)) {
        // One error line, and at most a hint line after it.
        let lines: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("goattrib: warning"))
            .collect();
        let errors = lines.iter().filter(|l| l.contains("error:")).count();
        let others = lines
            .iter()
            .filter(|l| !l.contains("error:") && !l.trim_start().starts_with("hint:"))
            .count();
        if errors != 1 || others > 0 {
            fail(format!("not a one-line error: {lines:?}"));
        }
    }
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr)] {
        if let Some(c) = text
            .chars()
            .find(|&c| goattrib::render::terminal::is_unprintable(c))
        {
            fail(format!("{name} has the control character {c:?}"));
        }
    }
    // Secrets: in what it printed and in every file it wrote.
    let mut files = vec![
        (PathBuf::from("<stdout>"), r.stdout.clone()),
        (PathBuf::from("<stderr>"), r.stderr.clone()),
    ];
    for o in outputs {
        written(o, &mut files);
    }
    for secret in &case.secrets {
        for (path, bytes) in &files {
            if find(bytes, secret.as_bytes()) {
                let at = path.strip_prefix(dir).unwrap_or(path);
                fail(format!(
                    "the planted secret `{secret}` is in {}",
                    at.display()
                ));
            }
        }
    }
    for (path, bytes) in &files {
        if path.file_name().is_some_and(|n| n == "summary.md") {
            let live = live_words(&String::from_utf8_lossy(bytes));
            if !live.is_empty() {
                fail(format!("live Markdown in {}: {live:?}", path.display()));
            }
        }
    }
}

/// The planted secrets that reach `report --out`'s folder or its stdout with `--no-redact`:
/// the control that shows a case plants them where the outputs print them.
fn reached_unredacted(bin: &Path, dir: &Path, case: &Case) -> Vec<String> {
    let mut args = os(&["--no-redact", "report", "--all", "--out", "out-raw"]);
    if let Some(b) = &case.base {
        args.extend(os(&["--baseline", b]));
    }
    args.push(case.head.clone().into());
    let r = run(bin, &args, dir);
    let mut files = vec![(PathBuf::new(), r.stdout)];
    written(&dir.join("out-raw"), &mut files);
    case.secrets
        .iter()
        .filter(|s| files.iter().any(|(_, b)| find(b, s.as_bytes())))
        .cloned()
        .collect()
}

fn shown_args(args: &[OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn os(parts: &[&str]) -> Vec<OsString> {
    parts.iter().map(OsString::from).collect()
}

/// The hostile corpus (`cases`, or all of it) made by `fixtures/gen/hostile.py` in a new
/// directory; `None` (skipped, a failure with CI=true) without python3 and prlimit.
fn corpus(cases: &[&str]) -> Option<tempfile::TempDir> {
    if Command::new("python3").arg("--version").output().is_err()
        || Command::new("prlimit").arg("--version").output().is_err()
    {
        assert!(!in_ci(), "python3 and prlimit are needed with CI=true");
        eprintln!("skipped: the hostile corpus needs python3 and prlimit (util-linux)");
        return None;
    }
    let corpus = tempfile::tempdir().expect("tempdir");
    let made = Command::new("python3")
        .arg(root().join("fixtures/gen/hostile.py"))
        .arg(corpus.path())
        .args(cases)
        .status()
        .expect("python3 runs");
    assert!(made.success(), "fixtures/gen/hostile.py failed");
    Some(corpus)
}

/// Regression for issue 15's "prove it": every case of the hostile corpus through every
/// command, within 10 s and 1 GiB, with clean terminal output, inert Markdown and no secret.
#[test]
fn hostile_corpus_runs_clean_under_the_limits() {
    let Some(corpus) = corpus(&[]) else { return };
    let bin = binary();
    let only = std::env::var("GOATTRIB_HOSTILE_CASE").ok();
    let mut names: Vec<String> = std::fs::read_dir(corpus.path())
        .expect("corpus")
        .flatten()
        .filter(|e| e.path().join("case.json").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| only.as_deref().is_none_or(|o| o.split(',').any(|o| o == n)))
        .collect();
    names.sort();
    assert!(names.len() >= 15 || only.is_some(), "cases: {names:?}");
    let mut k = Checker {
        bin: &bin,
        failures: Vec::new(),
        costs: Vec::new(),
    };
    let mut reached = Vec::new();
    for name in &names {
        let dir = corpus.path().join(name);
        let case: Case = serde_json::from_slice(&std::fs::read(dir.join("case.json")).unwrap())
            .expect("case.json");
        k.costs.push(format!("== {name}: {}", case.what));
        let head = case.head.as_str();
        let base = case.base.as_deref();
        let mut with_base = vec![];
        if let Some(b) = base {
            with_base = os(&["--baseline", b]);
        }
        let mut c = |label: &str, args: Vec<OsString>, outs: &[&str]| {
            let outs: Vec<PathBuf> = outs.iter().map(|o| dir.join(o)).collect();
            let outs: Vec<&Path> = outs.iter().map(PathBuf::as_path).collect();
            check(
                &mut k,
                &dir,
                &format!("{name} {label}"),
                &args,
                &case,
                &outs,
            );
        };
        let mut report = os(&["report", "--all"]);
        report.extend(with_base.clone());
        report.push(head.into());
        c("report", report.clone(), &[]);
        let mut json = os(&["report", "--format", "json"]);
        json.extend(with_base.clone());
        json.push(head.into());
        c("report-json", json, &[]);
        let mut out = os(&["report", "--out", "out"]);
        out.extend(with_base.clone());
        out.push(head.into());
        c("report-out", out, &["out"]);
        c(
            "compare",
            os(&["compare", "--out", "cmp", base.unwrap_or(head), head]),
            &["cmp"],
        );
        c(
            "compare-md",
            os(&[
                "compare",
                "--format",
                "markdown",
                base.unwrap_or(head),
                head,
            ]),
            &[],
        );
        let profile = case.profile.as_deref().unwrap_or(head);
        c(
            "profile",
            os(&["profile", "--out", "flame", profile]),
            &["flame"],
        );
        let spans = case.spans.as_deref().unwrap_or(head);
        c("spans", os(&["spans", spans]), &[]);
        let source = if dir.join("out").is_dir() {
            "out"
        } else {
            head
        };
        c(
            "history-add",
            os(&["history", "add", "--db", "history.db", source]),
            &["history.db"],
        );
        c(
            "dashboard",
            os(&["dashboard", "--db", "history.db", "--out", "site"]),
            &["site", "history.db"],
        );
        if !case.secrets.is_empty() {
            reached.push((name.clone(), reached_unredacted(&bin, &dir, &case)));
        }
    }
    eprintln!(
        "hostile corpus ({}):\n{}",
        bin.display(),
        k.costs.join("\n")
    );
    for (name, secrets) in &reached {
        eprintln!("{name}: with --no-redact these planted secrets reach the outputs: {secrets:?}");
        // The case proves something only when its secrets reach an output unredacted.
        if secrets.is_empty() {
            k.failures.push(format!(
                "{name}: no planted secret reaches any output even with --no-redact"
            ));
        }
    }
    assert!(
        k.failures.is_empty(),
        "{} failure(s):\n{}",
        k.failures.len(),
        k.failures.join("\n")
    );
}

/// The corpus's origin cases through `report --format json` (issue 15, "keep the JSON
/// complete but not quadratic"): a 5,000-leaf fan-in under a 2,000-package chain writes its
/// one origin set once, and a reader recovers all 5,000 origins for every miss above it
/// (every set whole per action would be 10 million names, about 400 MB); a 5,000-step
/// staircase (12.5 million names in all) stops at the origin budget with a warning
/// (before the budget: 27 s, 2 GiB and a 397 MB report).
#[test]
fn origin_cases_write_a_linear_complete_report_json() {
    let Some(corpus) = corpus(&["fan-in-chain", "staircase"]) else {
        return;
    };
    let bin = binary();
    let json_of = |case: &str| -> (usize, serde_json::Value) {
        let dir = corpus.path().join(case);
        let args = os(&[
            "report",
            "--format",
            "json",
            "--baseline",
            "base.manifest.json.gz",
            "head.manifest.json.gz",
        ]);
        let r = run(&bin, &args, &dir);
        assert!(!r.timed_out && r.wall < WALL, "{case}: {:?}", r.wall);
        assert_eq!(
            r.code,
            Some(0),
            "{case}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let v = serde_json::from_slice(&r.stdout).expect("report.json");
        (r.stdout.len(), v)
    };
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap().to_owned())
            .collect()
    };

    let (size, v) = json_of("fan-in-chain");
    assert!(size < 24 << 20, "fan-in-chain: report.json is {size} bytes");
    let sets = v["origin_sets"].as_array().unwrap();
    assert_eq!(sets.len(), 1);
    let mut leaves: Vec<String> = (0..5_000)
        .map(|i| format!("example.com/wide/leaf{i:05}"))
        .collect();
    leaves.sort();
    let chain: Vec<&serde_json::Value> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["package"]
                .as_str()
                .unwrap()
                .starts_with("example.com/wide/chain")
        })
        .collect();
    assert_eq!(chain.len(), 2_000);
    for a in chain {
        let c = &a["cause"];
        assert_eq!(c["kind"], "dependency");
        let set = &sets[c["origin_set"].as_u64().unwrap() as usize];
        assert_eq!(names(set), leaves, "{}", a["package"]);
        assert!(c.get("origins_truncated").is_none());
    }

    let (size, v) = json_of("staircase");
    assert!(size < 40 << 20, "staircase: report.json is {size} bytes");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("origin sets capped")),
        "{}",
        v["warnings"]
    );
    let sets = v["origin_sets"].as_array().unwrap();
    let held: usize = sets.iter().map(|s| s.as_array().unwrap().len()).sum();
    assert!(held <= goattrib::model::MAX_ORIGIN_SET_NAMES + 10, "{held}");
    // Every step names a set: whole (leaves 0..=i) or, past the budget, said to be cut.
    for a in v["actions"].as_array().unwrap() {
        let Some(i) = a["package"]
            .as_str()
            .unwrap()
            .strip_prefix("example.com/stair/step")
        else {
            continue;
        };
        let i: usize = i.parse().unwrap();
        let c = &a["cause"];
        let set = names(&sets[c["origin_set"].as_u64().unwrap() as usize]);
        if c["origins_truncated"] == true {
            assert_eq!(set.len(), goattrib::model::MAX_ORIGINS_NAMED, "step {i}");
        } else {
            let expect: Vec<String> = (0..=i)
                .map(|l| format!("example.com/stair/leaf{l:05}"))
                .collect();
            assert_eq!(set, expect, "step {i}");
        }
    }
}
