//! The one test harness: where the fixtures are, loading and reporting them through the
//! library, running the built binary, and the rule for things the machine may lack (the
//! shared GitLab traces, Chromium): skipped with a printed line on a laptop, a failure under
//! `CI=true`. Not for assertions about any one format (those live in their modules).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;

use goattrib::model::Report;

/// The repository root (where `Cargo.toml` and `fixtures/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A capture in `fixtures/scenarios/` (SCENARIOS.md there says what each one changed), or
/// in `$GOATTRIB_SCENARIOS` when that is set: `.ci/run` points it at a fresh capture and runs
/// the `scenarios::` truths on it (other modules' snapshots name the committed captures).
pub fn scenario(name: &str) -> PathBuf {
    std::env::var_os("GOATTRIB_SCENARIOS")
        .map_or_else(|| root().join("fixtures/scenarios"), PathBuf::from)
        .join(name)
}

/// Composed fixtures (`fixtures/gen/compose/compose.sh`): a real runner trace's frame around
/// real `goattrib record --show-commands` output; EXPECTED.md lists their truths.
pub fn joined(name: &str) -> PathBuf {
    root().join("fixtures/joined").join(name)
}

/// Loads one input path and asserts every file in it was readable.
pub fn load_clean(path: &Path) -> goattrib::ingest::Inputs {
    let inputs = goattrib::ingest::load(&[path.to_owned()]).expect("input loads");
    assert!(inputs.errors.is_empty(), "{path:?}: {:?}", inputs.errors);
    inputs
}

/// The report of `paths` against an optional baseline, as `goattrib report` computes it
/// (unreadable files are left out, as the CLI does).
pub fn report(paths: &[PathBuf], baseline: Option<&[PathBuf]>) -> Report {
    let load = |p: &[PathBuf]| goattrib::ingest::load(p).expect("inputs load");
    goattrib::analysis::report(load(paths), baseline.map(load))
}

/// The report of a scenario against an optional baseline scenario; both must read cleanly.
pub fn scenario_report(name: &str, baseline: Option<&str>) -> Report {
    let load = |n: &str| load_clean(&scenario(n));
    goattrib::analysis::report(load(name), baseline.map(load))
}

// ---- the binary ------------------------------------------------------------------------

/// The built `goattrib` binary, ready for arguments.
pub fn bin() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("goattrib").expect("the goattrib binary is built")
}

/// Runs the binary with `args` and returns what it did.
pub fn run(args: &[&OsStr]) -> Output {
    bin().args(args).output().expect("goattrib runs")
}

/// Runs `goattrib report` with `extra` flags, then `paths`.
pub fn run_report(extra: &[&str], paths: &[&Path]) -> Output {
    let mut args: Vec<&OsStr> = vec!["report".as_ref()];
    args.extend(extra.iter().map(OsStr::new));
    args.extend(paths.iter().map(|p| p.as_os_str()));
    run(&args)
}

/// Standard error, lossily decoded.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Standard output, lossily decoded.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A file of a written folder, as text.
pub fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// ---- what the machine may lack ------------------------------------------------------------

/// Something a test needs that is not part of this repository.
#[derive(Debug, Clone, Copy)]
pub enum Need {
    /// `../shared/gitlab-traces/`: real GitLab runner traces, laid beside the clone.
    SharedTraces,
    /// A Chromium (or Chrome) binary for the headless look at the page.
    Chromium,
}

impl Need {
    fn describe(self) -> &'static str {
        match self {
            Need::SharedTraces => "../shared/gitlab-traces (real GitLab runner traces)",
            Need::Chromium => "chromium (headless browser, /usr/bin/chromium or on PATH)",
        }
    }

    fn present(self) -> bool {
        match self {
            Need::SharedTraces => shared_traces_path().is_dir(),
            Need::Chromium => find_chromium().is_some(),
        }
    }
}

/// Whether CI is running us: the rule there is that nothing is skipped.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// `true` when `what` is here. When it is not: under `CI=true` the test fails (panics with
/// what is missing), elsewhere prints `skipped: …` and returns `false` so the test returns.
pub fn require_or_skip(what: Need) -> bool {
    if what.present() {
        return true;
    }
    skip_or_fail(what.describe());
    false
}

/// The CI rule for a missing `what`, for needs the [`Need`] list does not name yet.
pub fn skip_or_fail(what: &str) {
    missing(what, in_ci());
}

fn missing(what: &str, ci: bool) {
    if ci {
        panic!("{what} is missing and CI=true: this check must run in CI, not be skipped");
    }
    eprintln!("skipped: {what} not found");
    println!("skipped: {what} not found");
}

fn shared_traces_path() -> PathBuf {
    root().join("../shared/gitlab-traces")
}

/// `../shared/gitlab-traces/`, or `None` (after [`require_or_skip`]) when it is absent.
pub fn shared_traces() -> Option<PathBuf> {
    require_or_skip(Need::SharedTraces).then(shared_traces_path)
}

/// One trace of `../shared/gitlab-traces/` (see SOURCES.md there), or `None` as above.
pub fn shared_trace(name: &str) -> Option<PathBuf> {
    shared_traces().map(|d| d.join(name))
}

fn find_chromium() -> Option<PathBuf> {
    let names = [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ];
    let on_path = std::env::var_os("PATH").and_then(|path| {
        names
            .iter()
            .flat_map(|b| std::env::split_paths(&path).map(move |d| d.join(b)))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from("/usr/bin/chromium")).filter(|p| p.is_file()))
}

/// The Chromium binary, or `None` (after [`require_or_skip`]) when there is none.
pub fn chromium() -> Option<PathBuf> {
    if require_or_skip(Need::Chromium) {
        find_chromium()
    } else {
        None
    }
}

/// Runs Chromium headless on `page` with `flags` (`--dump-dom`, `--screenshot=...`) and kills
/// it after a minute; both streams are drained on threads (`--dump-dom` can fill a pipe).
pub fn run_chromium(bin: &Path, flags: &[String], page: &Path) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(flags)
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    // Drain stdout on a thread: --dump-dom can exceed a pipe's buffer.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stdout, &mut v);
        v
    });
    let err_thread = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stderr, &mut v);
        v
    });
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    std::process::Output {
        status,
        stdout: out_thread.join().unwrap(),
        stderr: err_thread.join().unwrap(),
    }
}

// ---- heap use of one thread ---------------------------------------------------------------

/// Counts the live heap bytes of each thread, so a test can show a parser never holds a
/// whole line. Per thread, because the other modules' tests allocate in parallel in this
/// one binary; the system allocator does the work.
struct CountingAlloc;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn count(delta: isize) {
    // `try_with`: a thread being torn down has no counters left; its frees go uncounted.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are
// const-initialised thread locals without destructors, so counting never allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            count(isize::try_from(layout.size()).unwrap_or(isize::MAX));
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        count(-isize::try_from(layout.size()).unwrap_or(isize::MAX));
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Runs `f` and returns its result with the most heap bytes this thread held at once during
/// it, above what it held before.
pub fn peak_heap_growth<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(before));
    let out = f();
    let grew = PEAK.with(Cell::get).saturating_sub(before);
    (out, usize::try_from(grew).unwrap_or(0))
}

#[test]
fn missing_needs_fail_in_ci_and_skip_elsewhere() {
    let ci = std::panic::catch_unwind(|| missing("a thing", true));
    let message = ci.expect_err("CI=true must fail the test");
    assert_eq!(
        message.downcast_ref::<String>().map(String::as_str),
        Some("a thing is missing and CI=true: this check must run in CI, not be skipped")
    );
    assert!(std::panic::catch_unwind(|| missing("a thing", false)).is_ok());
}

#[test]
fn peak_heap_growth_sees_this_threads_allocation() {
    let (len, grew) = peak_heap_growth(|| vec![0u8; 1 << 20].len());
    assert_eq!(len, 1 << 20);
    assert!(grew >= 1 << 20, "{grew}");
    let ((), grew) = peak_heap_growth(|| ());
    assert_eq!(grew, 0);
}
