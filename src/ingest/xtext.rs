//! `go build -x` command traces: which tools ran, for which package, and which archives
//! each compile or link read (from the build cache, from this run's `$WORK`, or installed).
//!
//! The trace is printed by `cmd/go/internal/work/shell.go` (`ShowCmd`, with arguments
//! joined by `joinUnambiguously`, i.e. Go-quoted when they contain specials) and the
//! importcfg heredocs by `exec.go` (`writeFile` shows `cat >FILE << 'EOF' # internal`).
//! Plain `-x` text arrives on stderr; with `-json` (Go >= 1.24) it arrives inside
//! `build-output` events, which is why the parser is line-fed with an optional package.
//! This module reads commands; it does not decide hits and misses (that is `dag::xactions`).

use foldhash::{HashMap, HashMapExt};

use super::gostring::unquote_lossy;

/// Where an archive named by an importcfg `packagefile P=PATH` line came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveSource {
    /// `$WORK/bNNN/_pkg_.a`: compiled in this run, in that object directory.
    Work(String),
    /// `<GOCACHE>/xx/<hex>-d`: served from the build cache.
    Cache,
    /// `.../pkg/<goos>_<goarch>/P.a`: installed archive (Go <= 1.19 standard library).
    Installed,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFile {
    pub package: String,
    pub source: ArchiveSource,
}

/// One `compile` invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct XCompile {
    /// The object directory (`b003`), the key that ties importcfg, compile and link together.
    pub objdir: String,
    /// `-p` value; `main` for commands until resolved through an importcfg.
    pub package: String,
    /// The `ImportPath` of the JSON event that carried the line, when there was one.
    pub event_package: Option<String>,
    pub std: bool,
    pub flags: Vec<String>,
    pub files: Vec<String>,
    pub line: u64,
}

/// One `link` invocation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct XLink {
    pub objdir: String,
    pub output: String,
    pub event_package: Option<String>,
    pub flags: Vec<String>,
    pub line: u64,
}

/// Another tool run inside a package's object directory (asm, cgo, gcc, pack, vet...).
#[derive(Debug, Clone, PartialEq)]
pub struct XTool {
    pub tool: String,
    pub objdir: Option<String>,
    pub event_package: Option<String>,
    pub line: u64,
}

#[derive(Debug, Clone, Default)]
pub struct XTrace {
    pub work_dir: Option<String>,
    pub compiles: Vec<XCompile>,
    pub links: Vec<XLink>,
    pub tools: Vec<XTool>,
    /// importcfg contents by object directory, for compiles.
    pub importcfgs: HashMap<String, Vec<PackageFile>>,
    /// importcfg.link contents by object directory; the first entry is the main package.
    pub link_importcfgs: HashMap<String, Vec<PackageFile>>,
    /// Compiler and linker messages (`# pkg` headers and `file.go:L:C: ...` lines), cut to
    /// [`MAX_DIAGNOSTIC_LINE_BYTES`] a line, [`MAX_DIAGNOSTIC_BYTES_PER_PACKAGE`] a package
    /// and [`MAX_DIAGNOSTIC_BYTES`] in all; each cut says so in a `… N bytes cut` line.
    pub diagnostics: Vec<String>,
    /// Bytes of compiler messages cut by those limits (a warning says so).
    pub diagnostics_cut: u64,
    pub command_lines: u64,
    /// Line of a heredoc that never saw its `EOF`: every later line was read as its content.
    pub unclosed_heredoc: Option<u64>,
}

impl XTrace {
    pub fn is_empty(&self) -> bool {
        self.compiles.is_empty()
            && self.links.is_empty()
            && self.importcfgs.is_empty()
            && self.link_importcfgs.is_empty()
    }

    /// Import path of the package compiled into `objdir`, learned from any importcfg
    /// that points at `$WORK/<objdir>/_pkg_.a`.
    pub fn package_of_objdir(&self) -> HashMap<&str, &str> {
        let mut map = HashMap::new();
        for entries in self
            .importcfgs
            .values()
            .chain(self.link_importcfgs.values())
        {
            for pf in entries {
                if let ArchiveSource::Work(dir) = &pf.source {
                    map.entry(dir.as_str()).or_insert(pf.package.as_str());
                }
            }
        }
        map
    }
}

const MAX_DIAGNOSTICS: usize = 2_000;

/// A compiler message line longer than this keeps its start and a `… N bytes cut` mark.
pub const MAX_DIAGNOSTIC_LINE_BYTES: usize = 16 * 1024;

/// Message bytes kept per package (from one `# pkg` header to the next).
pub const MAX_DIAGNOSTIC_BYTES_PER_PACKAGE: usize = 256 * 1024;

/// Message bytes kept in all: what the report, its HTML page and its summary carry.
pub const MAX_DIAGNOSTIC_BYTES: usize = 4 * 1024 * 1024;

/// The mark left where messages were cut.
fn cut_mark(bytes: u64) -> String {
    format!("… {bytes} bytes cut")
}

/// What the message limits have let through so far.
#[derive(Default)]
struct DiagnosticBudget {
    total: usize,
    package: usize,
    /// Bytes cut in the current package, not yet marked.
    package_cut: u64,
    /// Lines past [`MAX_DIAGNOSTICS`], counted for the mark.
    lines_cut: u64,
}

struct Heredoc {
    line: u64,
    target: HeredocTarget,
    objdir: String,
    entries: Vec<PackageFile>,
}

enum HeredocTarget {
    CompileCfg,
    LinkCfg,
    Other,
}

/// Line-fed `-x` parser.
#[derive(Default)]
pub struct XTextBuilder {
    trace: XTrace,
    heredoc: Option<Heredoc>,
    /// Keep only the compiler's messages (heredocs are still followed, so their content is
    /// never mistaken for one).
    diagnostics_only: bool,
    budget: DiagnosticBudget,
}

impl XTextBuilder {
    pub fn diagnostics_only() -> Self {
        Self {
            diagnostics_only: true,
            ..Self::default()
        }
    }

    /// Offers one line of `-x` output (without newline); `event_package` is the JSON
    /// event's `ImportPath` when the line came from a `build-output` event.
    pub fn feed(&mut self, line: &str, event_package: Option<&str>, line_no: u64) {
        if let Some(doc) = &mut self.heredoc {
            if line == "EOF" {
                self.close_heredoc();
            } else if matches!(
                doc.target,
                HeredocTarget::CompileCfg | HeredocTarget::LinkCfg
            )
                // With an action graph only installed archives are wanted: Go <= 1.19's
                // graph does not say which std packages came from GOROOT/pkg.
                && (!self.diagnostics_only || (line.ends_with(".a") && !line.ends_with("_pkg_.a")))
                && let Some(pf) = parse_packagefile(line, self.trace.work_dir.as_deref())
                && (!self.diagnostics_only || pf.source == ArchiveSource::Installed)
            {
                doc.entries.push(pf);
            }
            return;
        }
        if let Some(dir) = line.strip_prefix("WORK=") {
            self.trace.work_dir = Some(dir.trim().to_owned());
            return;
        }
        if line.starts_with("cat >") && line.contains("<< 'EOF'") {
            self.open_heredoc(line, line_no);
            return;
        }
        if is_diagnostic(line) {
            self.diagnostic(line);
            return;
        }
        if !self.diagnostics_only {
            self.command(line, event_package, line_no);
        }
    }

    /// Keeps one message line within the limits; what is cut is counted and marked.
    fn diagnostic(&mut self, line: &str) {
        if line.starts_with("# ") {
            self.mark_package_cut();
            self.budget.package = 0;
        }
        let b = &mut self.budget;
        if self.trace.diagnostics.len() >= MAX_DIAGNOSTICS {
            b.lines_cut += 1;
            self.trace.diagnostics_cut += line.len() as u64;
            return;
        }
        let room = MAX_DIAGNOSTIC_LINE_BYTES
            .min(MAX_DIAGNOSTIC_BYTES_PER_PACKAGE.saturating_sub(b.package))
            .min(MAX_DIAGNOSTIC_BYTES.saturating_sub(b.total));
        if room == 0 {
            b.package_cut += line.len() as u64;
            self.trace.diagnostics_cut += line.len() as u64;
            return;
        }
        let kept = if line.len() <= room {
            line.to_owned()
        } else {
            let mut end = room;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            let cut = (line.len() - end) as u64;
            self.trace.diagnostics_cut += cut;
            format!("{} {}", &line[..end], cut_mark(cut))
        };
        b.package += kept.len();
        b.total += kept.len();
        self.trace.diagnostics.push(kept);
    }

    /// Ends the current package's messages with a mark when some were cut.
    fn mark_package_cut(&mut self) {
        let cut = std::mem::take(&mut self.budget.package_cut);
        if cut > 0 {
            self.trace.diagnostics.push(cut_mark(cut));
        }
    }

    fn open_heredoc(&mut self, line: &str, line_no: u64) {
        let path = line["cat >".len()..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        let path = normalize_work(path, self.trace.work_dir.as_deref());
        let (objdir, file) = split_objdir(&path);
        let target = match file {
            "importcfg" => HeredocTarget::CompileCfg,
            "importcfg.link" => HeredocTarget::LinkCfg,
            _ => HeredocTarget::Other,
        };
        self.heredoc = Some(Heredoc {
            line: line_no,
            target,
            objdir: objdir.unwrap_or_default().to_owned(),
            entries: Vec::new(),
        });
    }

    fn close_heredoc(&mut self) {
        let Some(doc) = self.heredoc.take() else {
            return;
        };
        match doc.target {
            HeredocTarget::CompileCfg => {
                self.trace.importcfgs.insert(doc.objdir, doc.entries);
            }
            HeredocTarget::LinkCfg => {
                self.trace.link_importcfgs.insert(doc.objdir, doc.entries);
            }
            HeredocTarget::Other => {}
        }
    }

    fn command(&mut self, line: &str, event_package: Option<&str>, line_no: u64) {
        // Most lines of a log are not tool commands: decide that from the first word before
        // splitting the whole line into owned words. Quoted words and `VAR=value`
        // assignments take the full path.
        let first = line
            .split([' ', '\t'])
            .find(|w| !w.is_empty())
            .unwrap_or("");
        if !first.starts_with(['"', '\'']) && !is_assignment(first) && !is_tool(tool_name(first)) {
            return;
        }
        let words = shell_words(line);
        // Leading `VAR='value'` assignments (the link line sets GOROOT) are not the tool.
        let Some(tool_at) = words.iter().position(|w| !is_assignment(w)) else {
            return;
        };
        let tool = tool_name(&words[tool_at]);
        let args = &words[tool_at + 1..];
        // Borrowed field by field: this runs once per tool command of a log.
        let work = self.trace.work_dir.as_deref();
        let event_package = event_package.filter(|p| !p.is_empty()).map(str::to_owned);
        match tool {
            "compile" => {
                self.trace.command_lines += 1;
                let mut c = XCompile {
                    event_package,
                    line: line_no,
                    ..XCompile::default()
                };
                let mut it = args.iter();
                while let Some(arg) = it.next() {
                    match arg.as_str() {
                        "-o" => {
                            let out = normalize_work(it.next().map_or("", |s| s), work);
                            c.objdir = split_objdir(&out).0.unwrap_or_default().to_owned();
                        }
                        "-p" => c.package = it.next().cloned().unwrap_or_default(),
                        "-std" => c.std = true,
                        // Flags whose values are paths or IDs that differ every run.
                        "-trimpath" | "-buildid" | "-importcfg" | "-embedcfg" | "-goversion"
                        | "-asmhdr" | "-symabis" | "-D" | "-I" | "-coveragecfg" | "-pgoprofile" => {
                            it.next();
                        }
                        a if a.ends_with(".go") && !a.starts_with('-') => {
                            c.files.push(a.to_owned())
                        }
                        a if a.starts_with('-') => c.flags.push(a.to_owned()),
                        _ => {}
                    }
                }
                self.trace.compiles.push(c);
            }
            "link" => {
                self.trace.command_lines += 1;
                let mut l = XLink {
                    event_package,
                    line: line_no,
                    ..XLink::default()
                };
                let mut it = args.iter();
                while let Some(arg) = it.next() {
                    match arg.as_str() {
                        "-o" => l.output = normalize_work(it.next().map_or("", |s| s), work),
                        "-importcfg" => {
                            let cfg = normalize_work(it.next().map_or("", |s| s), work);
                            l.objdir = split_objdir(&cfg).0.unwrap_or_default().to_owned();
                        }
                        a if a.starts_with("-buildid=")
                            || a.starts_with("-X=runtime.godebugDefault") => {}
                        a if a.starts_with('-') => l.flags.push(a.to_owned()),
                        _ => {}
                    }
                }
                self.trace.links.push(l);
            }
            t if is_tool(t) => {
                self.trace.command_lines += 1;
                let objdir = args.iter().find_map(|a| {
                    let a = normalize_work(a.trim_start_matches("-objdir="), work);
                    split_objdir(&a).0.map(str::to_owned)
                });
                self.trace.tools.push(XTool {
                    tool: tool.to_owned(),
                    objdir,
                    event_package,
                    line: line_no,
                });
            }
            _ => {}
        }
    }

    pub fn finish(mut self) -> XTrace {
        self.mark_package_cut();
        if self.budget.lines_cut > 0 {
            self.trace.diagnostics.push(format!(
                "… {} more message lines cut (more than {MAX_DIAGNOSTICS})",
                self.budget.lines_cut
            ));
        }
        // A trace cut inside a heredoc still keeps what was read of it.
        self.trace.unclosed_heredoc = self.heredoc.as_ref().map(|h| h.line);
        self.close_heredoc();
        let mains: HashMap<String, String> = self
            .trace
            .package_of_objdir()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        for c in &mut self.trace.compiles {
            if c.package == "main" || c.package.is_empty() {
                if let Some(p) = mains.get(&c.objdir) {
                    c.package = p.clone();
                } else if let Some(p) = &c.event_package {
                    c.package = p.clone();
                }
            }
        }
        self.trace
    }
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && k.bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
    })
}

/// The tools whose command lines make actions: `compile` and `link` get their own
/// records, the rest are tools run for a package.
fn is_tool(name: &str) -> bool {
    matches!(
        name,
        "compile"
            | "link"
            | "asm"
            | "cgo"
            | "pack"
            | "vet"
            | "cover"
            | "gcc"
            | "clang"
            | "cc"
            | "g++"
            | "clang++"
            | "gccgo"
    )
}

/// `/usr/lib/go/pkg/tool/linux_amd64/compile` → `compile`; `compile.exe` → `compile`.
fn tool_name(word: &str) -> &str {
    let base = word.rsplit(['/', '\\']).next().unwrap_or(word);
    base.strip_suffix(".exe").unwrap_or(base)
}

/// Built once: every line of a log is searched.
static GO_FILE_COLON: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b".go:"));

/// `file.go:12:3: message`, `# example.com/pkg`: what the compiler said, not a command.
fn is_diagnostic(line: &str) -> bool {
    if let Some(rest) = line.strip_prefix("# ") {
        return !rest.contains(' ') || rest.starts_with('[') || rest.contains(" [");
    }
    let Some(at) = GO_FILE_COLON.find(line.as_bytes()) else {
        return false;
    };
    let (path, rest) = (&line[..at], &line[at + ".go:".len()..]);
    !path.contains(' ')
        && rest
            .split(':')
            .next()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()))
}

/// `packagefile fmt=/root/.cache/go-build/ab/ab...-d` → (fmt, Cache).
fn parse_packagefile(line: &str, work: Option<&str>) -> Option<PackageFile> {
    let rest = line.strip_prefix("packagefile ")?;
    let (package, path) = rest.split_once('=')?;
    let path = normalize_work(path, work);
    Some(PackageFile {
        package: package.to_owned(),
        source: classify_archive(&path),
    })
}

fn classify_archive(path: &str) -> ArchiveSource {
    if let (Some(objdir), "_pkg_.a") = split_objdir(path) {
        return ArchiveSource::Work(objdir.to_owned());
    }
    if is_cache_entry(path) {
        return ArchiveSource::Cache;
    }
    if path.ends_with(".a") && path.contains("/pkg/") {
        return ArchiveSource::Installed;
    }
    ArchiveSource::Other(path.to_owned())
}

/// A build cache output file: `<GOCACHE>/<2 hex>/<64 hex>-d` (`cache/cache.go`, `fileName`).
fn is_cache_entry(path: &str) -> bool {
    let Some(name) = path.rsplit(['/', '\\']).next() else {
        return false;
    };
    name.len() == 66 && name.ends_with("-d") && name[..64].bytes().all(|c| c.is_ascii_hexdigit())
}

/// Rewrites the expanded work directory back to `$WORK` so both spellings compare equal.
fn normalize_work(path: &str, work: Option<&str>) -> String {
    match work {
        Some(w) if !w.is_empty() && path.starts_with(w) => format!("$WORK{}", &path[w.len()..]),
        _ => path.to_owned(),
    }
}

/// `$WORK/b003/importcfg` → (Some("b003"), "importcfg").
fn split_objdir(path: &str) -> (Option<&str>, &str) {
    let Some(rest) = path.strip_prefix("$WORK/") else {
        return (None, path);
    };
    let (dir, file) = rest.split_once('/').unwrap_or((rest, ""));
    let is_objdir =
        dir.len() > 1 && dir.starts_with('b') && dir[1..].bytes().all(|c| c.is_ascii_digit());
    if is_objdir {
        (Some(dir), file)
    } else {
        (None, path)
    }
}

/// Splits a command line as Go printed it: words separated by spaces, Go-quoted words
/// decoded, and single-quoted shell words (`'EOF'`, `GOROOT='/x'`) unwrapped.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut chars = line.char_indices().peekable();
    let mut in_word = false;
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '"' => {
                in_word = true;
                let rest = &line[i..];
                match super::gostring::closing_quote(rest)
                    .and_then(|end| unquote_lossy(&rest[..=end]).map(|s| (s, end)))
                {
                    Some((s, end)) => {
                        current.push_str(&s);
                        while chars.peek().is_some_and(|&(j, _)| j <= i + end) {
                            chars.next();
                        }
                    }
                    None => current.push(c),
                }
            }
            '\'' => {
                in_word = true;
                for (_, c2) in chars.by_ref() {
                    if c2 == '\'' {
                        break;
                    }
                    current.push(c2);
                }
            }
            _ => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (issue 15): 2,000 message lines of 4 MiB each were kept whole, cloned
    /// into the report and joined again for HTML. Now cut per line, per package and in all,
    /// and the cuts are marked and counted.
    #[test]
    fn compiler_message_flood_is_capped_and_marked() {
        let long = format!("a.go:1:2: {}", "x".repeat(1 << 20));
        let mut b = XTextBuilder::diagnostics_only();
        for p in 0..40 {
            b.feed(&format!("# example.com/p{p}"), None, 1);
            for _ in 0..20 {
                b.feed(&long, None, 2);
            }
        }
        let t = b.finish();
        let kept: usize = t.diagnostics.iter().map(String::len).sum();
        assert!(kept <= MAX_DIAGNOSTIC_BYTES + 64 * 40, "{kept}");
        let fed = 40 * 20 * long.len() as u64;
        assert!(t.diagnostics_cut > fed - MAX_DIAGNOSTIC_BYTES as u64);
        assert!(t.diagnostics_cut < fed);
        let first = &t.diagnostics[1];
        assert!(
            first.len() < MAX_DIAGNOSTIC_LINE_BYTES + 32,
            "{}",
            first.len()
        );
        assert!(
            first.ends_with(" bytes cut"),
            "{}",
            &first[first.len() - 40..]
        );
        // Each package keeps at most its share, then one mark.
        let p0: Vec<&String> = t
            .diagnostics
            .iter()
            .skip(1)
            .take_while(|l| !l.starts_with("# "))
            .collect();
        let p0_bytes: usize = p0.iter().map(|l| l.len()).sum();
        assert!(
            p0_bytes <= MAX_DIAGNOSTIC_BYTES_PER_PACKAGE + 64,
            "{p0_bytes}"
        );
        assert!(
            p0.last()
                .is_some_and(|l| l.starts_with("… ") && l.ends_with(" bytes cut"))
        );
    }

    fn parse(text: &str) -> XTrace {
        let mut b = XTextBuilder::default();
        for (i, line) in text.lines().enumerate() {
            b.feed(line, None, i as u64 + 1);
        }
        b.finish()
    }

    #[test]
    fn reads_compile_link_and_importcfgs() {
        let t = parse(concat!(
            "WORK=/tmp/go-build42\n",
            "mkdir -p $WORK/b003/\n",
            "cat >/tmp/go-build42/b003/importcfg << 'EOF' # internal\n",
            "packagefile example.com/m/money=$WORK/b004/_pkg_.a\n",
            "packagefile fmt=/root/.cache/go-build/ef/efb97225890f490e10576186f1fe19094c0bcfbfc5b8d293abb6d6240771784a-d\n",
            "packagefile os=/usr/lib/go-1.19/pkg/linux_amd64/os.a\n",
            "EOF\n",
            "/go/pkg/tool/linux_amd64/compile -o $WORK/b003/_pkg_.a -trimpath \"$WORK/b003=>\" -p main -lang=go1.22 -complete -N -l -importcfg $WORK/b003/importcfg -pack ./main.go\n",
            "cat >/tmp/go-build42/b001/importcfg.link << 'EOF' # internal\n",
            "packagefile example.com/m/cmd/x=/tmp/go-build42/b003/_pkg_.a\n",
            "EOF\n",
            "GOROOT='/go' /go/pkg/tool/linux_amd64/link -o $WORK/b001/exe/a.out -importcfg $WORK/b001/importcfg.link -buildmode=exe -s\n",
            "./main.go:3:2: undefined: y\n",
        ));
        assert_eq!(t.work_dir.as_deref(), Some("/tmp/go-build42"));
        let c = &t.compiles[0];
        assert_eq!(
            (c.objdir.as_str(), c.package.as_str()),
            ("b003", "example.com/m/cmd/x")
        );
        assert_eq!(
            c.flags,
            vec!["-lang=go1.22", "-complete", "-N", "-l", "-pack"]
        );
        assert_eq!(c.files, vec!["./main.go"]);
        let cfg = &t.importcfgs["b003"];
        assert_eq!(cfg[0].source, ArchiveSource::Work("b004".into()));
        assert_eq!(cfg[1].source, ArchiveSource::Cache);
        assert_eq!(cfg[2].source, ArchiveSource::Installed);
        assert_eq!(t.links[0].objdir, "b001");
        assert_eq!(t.links[0].flags, vec!["-buildmode=exe", "-s"]);
        assert_eq!(t.diagnostics, vec!["./main.go:3:2: undefined: y"]);
    }

    #[test]
    fn survives_truncation_and_garbage() {
        let t = parse(
            "cat >$WORK/b001/importcfg << 'EOF' # internal\npackagefile fmt=$WORK/b002/_pkg_.a\n",
        );
        assert_eq!(t.importcfgs["b001"].len(), 1);
        let t = parse("compile -o\n\"unterminated\n'''\n-p\n\u{0}\u{1}");
        assert_eq!(t.compiles.len(), 1);
    }

    #[test]
    fn splits_go_quoted_words() {
        assert_eq!(
            shell_words(r#"compile -trimpath "$WORK/b003=>" -p "a b" 'EOF'"#),
            vec!["compile", "-trimpath", "$WORK/b003=>", "-p", "a b", "EOF"]
        );
    }
}
