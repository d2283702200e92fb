//! The one redactor: secrets in what goattrib reads are replaced by a short fingerprint as
//! the data enters the model, so no report, manifest, page or comment can print them.
//!
//! A merge request's code runs in the job that goattrib reads: the command line, `go env`,
//! linker flags (`-X main.apiKey=...`), `CGO_*FLAGS`, compiler messages and the job log can
//! all carry a token. What is redacted:
//! - URL user info (`https://user:tok@proxy/` → `https://user:<redacted:…>@proxy/`, like
//!   Go's own `url.URL.Redacted`, which keeps the user name; a user name alone is a token);
//! - the value of any `NAME=value` whose name looks secret (`*TOKEN*`, `*SECRET*`,
//!   `*PASSWORD*`, `*KEY*`, `*AUTH*`, `*CREDENTIAL*`, `*SIGNATURE*`, `sig`), which covers `-X pkg.apiKey=...`,
//!   `-DSECRET=...` in `CGO_CFLAGS` and `GITLAB_TOKEN=...` in a script line;
//! - well-known token shapes: GitLab (`glpat-`, `gldt-`, `glrt-`, `glcbt-`, ... and runner
//!   registration tokens), GitHub (`ghp_`, `github_pat_`, ...), AWS access keys, Slack,
//!   Google API keys, npm and PyPI tokens, JSON web tokens, `Bearer ...` and
//!   `Authorization:` values, private key blocks.
//!
//! A redacted value becomes `<redacted:3f2a9c>`: the first six hex digits of its SHA-256,
//! so a changed value still reads as a change (and is still a cause) on both sides of a
//! diff, but the value is not there. GitLab's own `[MASKED]` and variable references
//! (`$CI_JOB_TOKEN`) are left as they are. Redaction is idempotent: redacted text passes
//! through unchanged. `--no-redact` turns it off for local use.

use std::borrow::Cow;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};

use regex::{Captures, Regex};
use sha2::{Digest, Sha256};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Turns redaction on or off for everything read from now on (`--no-redact`).
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether redaction is on (the default).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The words that make a variable, flag or `-X` target name look secret.
const SECRET_WORDS: [&str; 8] = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "KEY",
    "AUTH",
    "CREDENTIAL",
    "SIGNATURE",
];

/// The pattern of everything redacted in free text, one alternative per rule; which group
/// matched says how the match is replaced. Case is folded for ASCII only (`-u`), as the
/// anchors that let text skip the pattern are matched.
const PATTERN: &str = concat!(
    // A private key block, its base64 body (with `\n` escapes when it sits in a quoted or
    // JSON string) and its end line when present.
    r"(?P<pem>-----BEGIN[ A-Z0-9]*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s]|\\[nrt])*(?:-----END[ A-Z0-9]*PRIVATE KEY-----)?)",
    // URL user info: everything between `://` and `@`, without a slash.
    r#"|(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/\s@"'<>\\]+)@"#,
    // `Authorization: <scheme> <credentials>` and bare bearer tokens.
    r"|(?P<authz>(?i-u:\bauthorization:\s*)(?:(?i-u:bearer|basic|token)\s+)?)(?P<authv>[A-Za-z0-9\-._~+/]+=*)",
    r"|(?P<bearer>(?i-u:\bbearer)\s+)(?P<bearerv>[A-Za-z0-9\-._~+/]{16,}=*)",
    // Token shapes (prefixes as their issuers document them), also inside a longer word
    // (`deploy_glpat-...`): no word boundary is asked for.
    r"|(?P<token>(?:",
    r"gl(?:pat|dt|rt|cbt|ptt|ft|imt|agent|soat|oas|ffct|wt|csd)-[0-9A-Za-z_\-]{20,}",
    r"|GR1348941[0-9A-Za-z_\-]{20,}",
    r"|gh[pousr]_[0-9A-Za-z]{36,}",
    r"|github_pat_[0-9A-Za-z_]{22,}",
    r"|(?:AKIA|ASIA)[0-9A-Z]{16}",
    r"|xox[abposr]-[0-9A-Za-z\-]{10,}",
    r"|AIza[0-9A-Za-z_\-]{35}",
    r"|npm_[0-9A-Za-z]{36}",
    r"|pypi-AgEIcHlwaS5vcmc[0-9A-Za-z_\-]{20,}",
    r"|sk_live_[0-9A-Za-z]{20,}",
    r"|eyJ[0-9A-Za-z_\-]{8,}\.eyJ[0-9A-Za-z_\-]{8,}\.[0-9A-Za-z_\-]{8,}",
    r"))",
    // `NAME=value` with a secret-looking name; the value ends at a space, a quote, a
    // backslash (a `%q` escape) or a list separator.
    r#"|(?P<name>[A-Za-z0-9_.\-]*(?i-u:token|secret|password|passwd|key|auth|credential|signature|\bsig)[A-Za-z0-9_.\-]*=)(?P<value>[^\s"'\\,;&=][^\s"'\\,;&]*)"#,
);

static TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PATTERN).expect("the redaction pattern is valid"));

/// Words of which [`PATTERN`] cannot match without one: one per rule, or per token prefix,
/// spelt with the case the pattern asks for. Text without any of them, nearly every hash
/// input and flag, skips the pattern, whose leading classes leave the regex engine no
/// literal to search for (it ran its lazy DFA over every byte: a sixth of a report's time).
/// Kept beside [`PATTERN`]; the tests check that the anchors never skip what it redacts.
const ANCHORS: &[&str] = &[
    "-----BEGIN",
    "://",
    "glpat-",
    "gldt-",
    "glrt-",
    "glcbt-",
    "glptt-",
    "glft-",
    "glimt-",
    "glagent-",
    "glsoat-",
    "gloas-",
    "glffct-",
    "glwt-",
    "glcsd-",
    "GR1348941",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "AKIA",
    "ASIA",
    "xox",
    "AIza",
    "npm_",
    "pypi-",
    "sk_live_",
    "eyJ",
];

/// Parts of the two words the pattern matches with ASCII case folded (`bearer`,
/// `authorization`), each added in every case: case-sensitive anchors let the search run
/// as SIMD Teddy (`aho_corasick::packed`), about ten times the automaton's speed, and
/// eight spellings of three letters keep the set under Teddy's 64 patterns.
const FOLDED_ANCHORS: &[&str] = &["rer", "riz"];

/// Every spelling of `word` with its ASCII letters in either case.
fn case_variants(word: &str) -> Vec<String> {
    word.bytes().fold(vec![String::new()], |spellings, b| {
        let cases = [b.to_ascii_lowercase(), b.to_ascii_uppercase()];
        let cases = if cases[0] == cases[1] {
            &cases[..1]
        } else {
            &cases[..]
        };
        spellings
            .iter()
            .flat_map(|s| cases.iter().map(move |&c| format!("{s}{}", c as char)))
            .collect()
    })
}

/// The anchor search: Teddy where the CPU has it (SSSE3/AVX2, Neon), else the automaton.
enum Anchors {
    Packed(aho_corasick::packed::Searcher),
    Automaton(aho_corasick::AhoCorasick),
}

impl Anchors {
    fn new(exact: &[&str], folded: &[&str]) -> Anchors {
        let mut words: Vec<String> = exact.iter().map(|w| (*w).to_owned()).collect();
        words.extend(folded.iter().flat_map(|w| case_variants(w)));
        match aho_corasick::packed::Searcher::new(&words) {
            Some(searcher) => Anchors::Packed(searcher),
            None => Anchors::Automaton(
                aho_corasick::AhoCorasick::new(&words).expect("the redaction anchors are valid"),
            ),
        }
    }

    fn is_match(&self, s: &str) -> bool {
        match self {
            Anchors::Packed(searcher) => searcher.find(s).is_some(),
            Anchors::Automaton(ac) => ac.is_match(s),
        }
    }

    /// Where the anchors are in `haystack`: the start of each match, left to right, not
    /// overlapping.
    fn find_iter<'h>(&'h self, haystack: &'h [u8]) -> Box<dyn Iterator<Item = usize> + 'h> {
        match self {
            Anchors::Packed(searcher) => Box::new(searcher.find_iter(haystack).map(|m| m.start())),
            Anchors::Automaton(ac) => Box::new(ac.find_iter(haystack).map(|m| m.start())),
        }
    }
}

static CANDIDATE: LazyLock<Anchors> = LazyLock::new(|| Anchors::new(ANCHORS, FOLDED_ANCHORS));

/// Whether [`PATTERN`] may match `s` (never false when it does): an anchor, or a `NAME=`
/// whose name holds a secret word. The second is checked at each `=` on the name before
/// it, as the pattern's last rule reads it: cache IDs and `HASH subkey ... = ...` lines
/// hold `key` or `sig` often, a secret-looking name right before an `=` rarely.
fn may_hold_secret(s: &str) -> bool {
    secret_names(s.as_bytes()).next().is_some() || CANDIDATE.is_match(s)
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The positions of the `=` of every `NAME=` in `bytes` whose name holds a secret word.
fn secret_names(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'=', bytes).filter(|&eq| {
        let start = bytes[..eq]
            .iter()
            .rposition(|&b| !is_name_byte(b))
            .map_or(0, |i| i + 1);
        holds_secret_word(&bytes[start..eq])
    })
}

/// Whether `name` holds one of [`SECRET_WORDS`] or `sig`, ASCII case folded: one pass,
/// each position tried only for the words that start with its letter (`SIGNATURE` is found
/// as `SIG`; a test checks every word is found).
fn holds_secret_word(name: &[u8]) -> bool {
    let word_at = |at: usize, word: &[u8]| {
        name.get(at..at + word.len())
            .is_some_and(|part| part.eq_ignore_ascii_case(word))
    };
    (0..name.len()).any(|at| match name[at].to_ascii_uppercase() {
        b'T' => word_at(at, b"TOKEN"),
        b'S' => word_at(at, b"SECRET") || word_at(at, b"SIG"),
        b'P' => word_at(at, b"PASSWORD") || word_at(at, b"PASSWD"),
        b'K' => word_at(at, b"KEY"),
        b'A' => word_at(at, b"AUTH"),
        b'C' => word_at(at, b"CREDENTIAL"),
        _ => false,
    })
}

/// `<redacted:3f2a9c>`: what a secret value becomes.
pub fn fingerprint(value: &str) -> String {
    let sum = Sha256::digest(value.as_bytes());
    format!("<redacted:{:02x}{:02x}{:02x}>", sum[0], sum[1], sum[2])
}

/// Values that are not secrets although they sit where one would: GitLab's mask, a
/// variable reference, an earlier redaction.
fn is_placeholder(value: &str) -> bool {
    value.is_empty()
        || value == "[MASKED]"
        || value.starts_with("<redacted:")
        || value.starts_with('$')
}

fn hide(value: &str) -> String {
    if is_placeholder(value) {
        value.to_owned()
    } else {
        fingerprint(value)
    }
}

/// Whether a variable or flag name looks like it holds a secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// Free text with every secret replaced by its fingerprint; borrowed when nothing was.
pub fn text(s: &str) -> Cow<'_, str> {
    if !enabled() || !may_hold_secret(s) {
        return Cow::Borrowed(s);
    }
    match TEXT.replace_all(s, |c: &Captures| replace(c, s)) {
        // A placeholder matched and was kept: nothing changed.
        Cow::Owned(new) if new == s => Cow::Borrowed(s),
        other => other,
    }
}

fn replace(c: &Captures, haystack: &str) -> String {
    let group = |name| c.name(name).map_or("", |m| m.as_str());
    if let Some(pem) = c.name("pem") {
        return hide(pem.as_str());
    }
    if let Some(info) = c.name("userinfo") {
        let info = info.as_str();
        let redacted = match info.split_once(':') {
            Some((user, password)) => format!("{user}:{}", hide(password)),
            None if info == "git" => info.to_owned(),
            None => hide(info),
        };
        return format!("{}{redacted}@", group("scheme"));
    }
    if c.name("authz").is_some() {
        return format!("{}{}", group("authz"), hide(group("authv")));
    }
    if c.name("bearer").is_some() {
        return format!("{}{}", group("bearer"), hide(group("bearerv")));
    }
    if let Some(token) = c.name("token") {
        return hide(token.as_str());
    }
    if names_a_package(haystack, c.get(0).map_or(0, |m| m.start()), group("name")) {
        return c[0].to_owned();
    }
    format!("{}{}", group("name"), hide(group("value")))
}

/// Whether a `NAME=` is the last element of an import path, not a setting: `packagefile
/// go/token=<file>` or `.../boring/sig=<file>`, which `cmd/go/internal/work/exec.go` writes
/// into every compile and link importcfg and, with the content ID, into the link key's hash
/// inputs. The name follows a `/` and is a lower-case package name;
/// `-X example.com/x/config.apiKey=` has a `.` and stays a setting, as does every upper-case
/// `NAME=`.
fn names_a_package(haystack: &str, start: usize, name: &str) -> bool {
    let element = name.strip_suffix('=').unwrap_or(name);
    start > 0
        && haystack.as_bytes()[start - 1] == b'/'
        && !element.is_empty()
        && element
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The value of the variable or setting `name`: hidden whole when the name looks secret
/// (`GOAUTH`, `CI_JOB_TOKEN`), else redacted as text (`GOPROXY` user info, `-X` flags in
/// `GOFLAGS`).
pub fn value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    if !enabled() {
        return Cow::Borrowed(value);
    }
    if is_secret_name(name) && !is_placeholder(value) {
        return Cow::Owned(fingerprint(value));
    }
    text(value)
}

/// Redacts a `String` in place, allocating only when something was redacted.
pub fn in_place(s: &mut String) {
    if let Cow::Owned(new) = text(s) {
        *s = new;
    }
}

/// Bytes of strings [`all_in_place`] searches at once.
const BATCH_BYTES: usize = 64 << 10;

/// Redacts every string of a list in place. The strings are searched together, in chunks
/// of them joined by NULs: a build's hash inputs are tens of thousands of short strings,
/// and a search per string cost more than the searching. No anchor holds a NUL and a name
/// ends at one, so what is found in a chunk lies in exactly one string, and only those
/// strings are redacted: the result is the same as string by string.
pub fn all_in_place<'a>(items: impl IntoIterator<Item = &'a mut String>) {
    if !enabled() {
        return;
    }
    let mut batch = Batch::default();
    for s in items {
        if s.len() >= BATCH_BYTES {
            in_place(s);
            continue;
        }
        if batch.joined.len() + s.len() + 1 > BATCH_BYTES {
            batch.redact();
        }
        batch.joined.extend_from_slice(s.as_bytes());
        batch.joined.push(0);
        batch.ends.push(batch.joined.len());
        batch.strings.push(s);
    }
    batch.redact();
}

/// Strings of [`all_in_place`] waiting to be searched, joined.
#[derive(Default)]
struct Batch<'a> {
    strings: Vec<&'a mut String>,
    joined: Vec<u8>,
    /// Where each string's NUL ends in `joined`.
    ends: Vec<usize>,
}

impl Batch<'_> {
    fn redact(&mut self) {
        let mut hit = vec![false; self.strings.len()];
        for at in secret_names(&self.joined).chain(CANDIDATE.find_iter(&self.joined)) {
            if let Some(h) = hit.get_mut(self.ends.partition_point(|&end| end <= at)) {
                *h = true;
            }
        }
        for (s, _) in self.strings.iter_mut().zip(hit).filter(|(_, hit)| *hit) {
            in_place(s);
        }
        self.strings.clear();
        self.joined.clear();
        self.ends.clear();
    }
}

/// Whether [`go_output_line`] could change a line of `lines`, whole lines of any number:
/// never false when it would. One search over them all, not one per line (`record` asks
/// this of a `go build std` trace's 13 MB, where a search per line cost more than the
/// search). Lines decoded lossily keep their ASCII, which is all an anchor or name is.
pub fn go_output_may_change(lines: &[u8]) -> bool {
    enabled()
        && (memchr::memmem::find(lines, b"HASH[getenv]").is_some()
            || secret_names(lines).next().is_some()
            || CANDIDATE.find_iter(lines).next().is_some())
}

/// One line of the Go command's output as `record` keeps it in the bundle: text redaction,
/// and the environment values `HASH[getenv]` prints in clear (a test's inputs) hidden,
/// except the hash salt (the Go version) and Go's one-byte markers: `"\x00"` (variable
/// unset) and `"\x01"` (set; its value is the next write) (`cmd/go/internal/test/test.go`,
/// `hashGetenv`). Lines that are not UTF-8 are
/// redacted through their lossy text only when that finds something.
pub fn go_output_line(line: &[u8]) -> Cow<'_, [u8]> {
    if !enabled() {
        return Cow::Borrowed(line);
    }
    const GETENV: &[u8] = b"HASH[getenv]: \"";
    if let Some(rest) = line.strip_prefix(GETENV) {
        let quoted = rest.trim_ascii_end();
        let inner = quoted.strip_suffix(b"\"").unwrap_or(quoted);
        let keep = inner == b"\\x00"
            || inner == b"\\x01"
            || inner.starts_with(b"go1")
            || inner.starts_with(b"devel");
        if !keep {
            let mut out = GETENV.to_vec();
            out.extend_from_slice(fingerprint(&String::from_utf8_lossy(inner)).as_bytes());
            out.extend_from_slice(b"\"");
            out.extend_from_slice(&rest[quoted.len()..]);
            return Cow::Owned(out);
        }
    }
    let lossy = String::from_utf8_lossy(line);
    match text(&lossy) {
        Cow::Borrowed(_) => Cow::Borrowed(line),
        Cow::Owned(new) => Cow::Owned(new.into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text(s)`, checked against the pattern alone: the anchors never skip a redaction.
    fn r(s: &str) -> String {
        let out = text(s).into_owned();
        let unfiltered = TEXT.replace_all(s, |c: &Captures| replace(c, s));
        assert_eq!(out, unfiltered, "the anchors skipped a redaction in {s:?}");
        out
    }

    #[test]
    fn every_secret_word_is_found_in_a_name_in_any_case() {
        for word in SECRET_WORDS.iter().chain(&["SIG"]) {
            for name in [word.to_string(), format!("my_{}_2", word.to_lowercase())] {
                assert!(holds_secret_word(name.as_bytes()), "{name}");
            }
        }
        for name in ["GOFLAGS", "packages", "CGO_CFLAGS", "tokn", "ke"] {
            assert!(!holds_secret_word(name.as_bytes()), "{name}");
        }
    }

    /// Strings redacted together give what each gives alone, wherever its secret sits,
    /// NULs in a string included.
    #[test]
    fn strings_redacted_in_a_batch_read_as_redacted_one_by_one() {
        let samples = [
            "",
            "plain",
            "GITLAB_TOKEN=glpat-abcdefghijklmnopqrstuvwx",
            "=",
            "token=",
            "a\0TOKEN=s3cr3t\0b",
            "x://user:pw@host",
            "ghp_",
            "import go/token abc",
            "-X main.apiKey=hunter2",
            "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
        ];
        let mut strings: Vec<String> = (0..3000)
            .map(|i| format!("{}{}", "y".repeat(i % 50), samples[i % samples.len()]))
            .collect();
        strings.push("big ".repeat(BATCH_BYTES / 2) + "password=hunter2");
        let alone: Vec<String> = strings.iter().map(|s| text(s).into_owned()).collect();
        all_in_place(strings.iter_mut());
        assert_eq!(strings, alone);
    }

    #[test]
    fn folded_words_are_found_in_any_case_and_exact_ones_only_as_spelt() {
        assert_eq!(case_variants("rer").len(), 8);
        assert_eq!(case_variants("a-1"), ["a-1", "A-1"]);
        // Teddy takes at most 64 words; past that the slower automaton would run.
        let words = ANCHORS.len()
            + FOLDED_ANCHORS
                .iter()
                .map(|w| case_variants(w).len())
                .sum::<usize>();
        assert!(words <= 64, "{words} anchors");
        for s in [
            "AUTHORIZATION: Basic dXNlcjpwYXNzd29yZA==",
            "AuThOrIzAtIoN: s3cr3tvalue",
            "BEARER abcdefghijklmnopqrstuv",
            "curl -H 'authorization: Bearer abcdefghijklmnopqrstuv'",
        ] {
            assert!(r(s).contains("<redacted:"), "{s}");
        }
        // The token rules are case-sensitive: a zone name is not an AWS key.
        let zone = "file time/zoneinfo/asia/KOLKATA1234567890123";
        assert_eq!(r(zone), zone);
        assert!(!may_hold_secret(zone));
    }

    #[test]
    fn url_user_info_keeps_the_user_and_hides_the_password() {
        let out = r("GOPROXY=https://alice:tok3n@proxy.example/,direct");
        assert!(out.starts_with("GOPROXY=https://alice:<redacted:"), "{out}");
        assert!(out.ends_with(">@proxy.example/,direct"), "{out}");
        assert!(!out.contains("tok3n"));
        let alone = r("https://s3cr3tvalue@git.example/x.git");
        assert!(!alone.contains("s3cr3tvalue"), "{alone}");
        assert_eq!(
            r("ssh://git@gitlab.example/a/b"),
            "ssh://git@gitlab.example/a/b"
        );
    }

    #[test]
    fn linker_x_values_with_secret_names_are_hidden_and_others_kept() {
        let out = r("-X main.apiKey=abc123 -X main.version=1.2.3");
        assert!(!out.contains("abc123"), "{out}");
        assert!(out.contains("-X main.apiKey=<redacted:"), "{out}");
        assert!(out.ends_with("-X main.version=1.2.3"), "{out}");
        // Inside Go's %q form, the value stops at the escaped quote.
        let quoted = r(r#"build	-ldflags=\"-X main.Token=zz9\"\n"#);
        assert!(!quoted.contains("zz9"), "{quoted}");
        assert!(quoted.ends_with(r#"\"\n"#), "{quoted}");
    }

    #[test]
    fn cgo_flags_defines_with_secret_names_are_hidden() {
        let out = r("CGO_CFLAGS=-O2 -DSECRET=hunter2 -I/usr/include");
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("-O2 -DSECRET=<redacted:"), "{out}");
        assert!(out.ends_with("-I/usr/include"), "{out}");
    }

    #[test]
    fn token_shapes_are_hidden_anywhere() {
        for token in [
            "glpat-abcdefghijklmnopqrst",
            "glcbt-64_abcdefghijklmnopqrstuv",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
            "github_pat_11ABCDEFG0123456789_abcdefghij",
            "AKIAIOSFODNN7EXAMPLE",
            "xoxb-1234567890-abcdef",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
        ] {
            let out = r(&format!("the value {token} was printed"));
            assert!(!out.contains(token), "{token}: {out}");
            assert!(out.starts_with("the value <redacted:"), "{out}");
            assert!(out.ends_with("> was printed"), "{out}");
        }
    }

    #[test]
    fn signed_cache_urls_lose_their_signature() {
        let out = r(
            "Downloading cache from https://s.example/c.zip?X-Amz-Credential=AK%2F1&X-Amz-Signature=f00d&sig=abc ID=1",
        );
        for secret in ["AK%2F1", "f00d", "abc"] {
            assert!(!out.contains(&format!("={secret}")), "{out}");
        }
        assert!(out.ends_with(" ID=1"), "{out}");
    }

    #[test]
    fn an_import_path_named_like_a_secret_is_a_package_not_a_setting() {
        // Real importcfg lines of `go build std cmd/...` (go1.27.3).
        for line in [
            "packagefile go/token=/root/.cache/go-build/4c/4c0d5e-d",
            "packagefile crypto/internal/boring/sig=$WORK/b031/_pkg_.a",
        ] {
            assert_eq!(r(line), line);
        }
        for (line, secret) in [
            ("-X example.com/x/config.apiKey=hunter2", "hunter2"),
            ("-X example.com/x/token.Value=hunter2", "hunter2"),
            ("https://h.example/x?token=hunter2", "hunter2"),
            ("dir/API_TOKEN=hunter2", "hunter2"),
            ("token=hunter2", "hunter2"),
        ] {
            assert!(!r(line).contains(secret), "{line}: {}", r(line));
        }
    }

    #[test]
    fn tokens_glued_to_a_word_are_hidden_too() {
        let out = r("section_start:1:deploy_glpat-Zq8Rk2Lm4Np6Tv9XwYb1");
        assert!(!out.contains("Zq8Rk2Lm4Np6Tv9XwYb1"), "{out}");
        assert!(
            out.starts_with("section_start:1:deploy_<redacted:"),
            "{out}"
        );
    }

    #[test]
    fn bearer_and_authorization_values_are_hidden() {
        let out = r("curl -H 'Authorization: Bearer abcdefghijklmnop1234' x");
        assert!(!out.contains("abcdefghijklmnop1234"), "{out}");
        assert!(out.contains("Authorization: Bearer <redacted:"), "{out}");
        let basic = r("Authorization: Basic dXNlcjpwYXNz");
        assert!(!basic.contains("dXNlcjpwYXNz"), "{basic}");
        // Prose about bearer tokens is not a token.
        assert_eq!(r("bearer tokens are sent"), "bearer tokens are sent");
    }

    #[test]
    fn private_key_blocks_are_hidden_whole() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234\nabcd==\n-----END RSA PRIVATE KEY-----";
        let out = r(&format!("key:\n{pem}\ndone"));
        assert!(!out.contains("MIIEpAIBAAKCAQEA1234"), "{out}");
        assert!(!out.contains("PRIVATE KEY"), "{out}");
        assert!(out.ends_with("\ndone"), "{out}");
        // As a JSON string, with `\n` escapes, the closing quote survives.
        let json = r#"{"Output":"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"}"#;
        let out = r(json);
        assert!(!out.contains("MIIB"), "{out}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_ok(),
            "{out}"
        );
    }

    #[test]
    fn placeholders_and_ordinary_text_pass_unchanged() {
        for s in [
            "CI_JOB_TOKEN=[MASKED]",
            "TOKEN=$CI_JOB_TOKEN",
            "GOFLAGS=-mod=vendor",
            "h1:AbCkEyXyZ0123456789abcdefghijklmnopqrstuvw=",
            "Checking cache for go-1.27-linux-amd64-key...",
            "cmd/compile: escape analysis",
        ] {
            assert!(matches!(text(s), Cow::Borrowed(_)), "{s} → {}", r(s));
        }
    }

    #[test]
    fn redaction_is_idempotent_and_keeps_changes_visible() {
        let once = r("-X main.apiKey=one");
        assert_eq!(r(&once), once);
        assert_ne!(r("-X main.apiKey=two"), once);
        assert_eq!(r("-X main.apiKey=one"), once);
    }

    #[test]
    fn secret_named_variables_are_hidden_whole() {
        let out = value("GOAUTH", "git dir /srv token=abc");
        assert!(out.starts_with("<redacted:"), "{out}");
        assert_eq!(value("GOPRIVATE", "gitlab.example/*"), "gitlab.example/*");
        assert_eq!(value("CI_JOB_TOKEN", "[MASKED]"), "[MASKED]");
        let proxy = value("GOPROXY", "https://u:p4ss@proxy.example");
        assert!(!proxy.contains("p4ss"), "{proxy}");
    }

    #[test]
    fn getenv_values_in_the_bundles_hash_log_are_hidden() {
        let line = b"HASH[getenv]: \"2026-12-01T19:30:00Z\"\n";
        let out = go_output_line(line);
        let out = std::str::from_utf8(&out).unwrap();
        assert!(out.starts_with("HASH[getenv]: \"<redacted:"), "{out}");
        assert!(out.ends_with(">\"\n"), "{out}");
        for kept in [
            &b"HASH[getenv]: \"\\x01\"\n"[..],
            b"HASH[getenv]: \"\\x00\"\n",
            b"HASH[getenv]: \"go1.27.3\"\n",
            b"HASH[getenv]: 03baa8ec10e7f0dc\n",
            b"HASH[build fmt]: \"file a.go abc\"\n",
        ] {
            assert_eq!(&*go_output_line(kept), kept);
        }
    }
}
