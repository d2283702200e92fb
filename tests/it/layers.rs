//! The layers run one way (issue 10): every `crate::<module>` reference in `src/` (in `use`
//! lines, `use crate::{a, b::c}` groups and inline paths) points at a strictly lower layer
//! or at the file's own module. Not a check of `super::` paths nor of the public API.

use std::path::{Path, PathBuf};

use crate::harness::root;

/// Layer of each top-level module: a module may use only strictly lower ranks or itself.
/// A new top-level module must be given a rank here.
const RANKS: [(&str, u8); 11] = [
    ("model", 0),
    ("atomic", 0),
    ("toolexec", 0),
    ("ingest", 1),
    ("history", 1),
    ("analysis", 2),
    ("render", 3),
    ("record", 3),
    ("error", 4),
    ("fuzzing", 4),
    ("cli", 5),
];

/// Files that tie the layers together and may use any of them.
const EXEMPT: [&str; 2] = ["lib.rs", "main.rs"];

fn rank(module: &str) -> Option<u8> {
    RANKS.iter().find(|(m, _)| *m == module).map(|&(_, r)| r)
}

/// One reference from a file to a top-level module.
#[derive(Debug, PartialEq, Eq)]
struct Reference {
    line: usize,
    module: String,
}

/// The source with comments and string/char literals blanked (newlines kept, so line
/// numbers stay), so `crate::` in a doc comment or a message is not an import.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, c: u8| out.push(if c == b'\n' { b'\n' } else { b' ' });
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0usize;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(rest) {
            // r"…", r#"…"#, br"…": ends at a quote followed by as many hashes.
            let open = rest.iter().position(|&c| c == b'"').unwrap_or(0) + 1;
            out.extend(std::iter::repeat_n(b' ', open));
            i += open;
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            while i < b.len() && !b[i..].starts_with(&close) {
                blank(&mut out, b[i]);
                i += 1;
            }
            let n = close.len().min(b.len() - i);
            out.extend(std::iter::repeat_n(b' ', n));
            i += n;
        } else if b[i] == b'"' {
            out.push(b' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                let step = if b[i] == b'\\' { 2 } else { 1 };
                for _ in 0..step.min(b.len() - i) {
                    blank(&mut out, b[i]);
                    i += 1;
                }
            }
            if i < b.len() {
                out.push(b' ');
                i += 1;
            }
        } else if let Some(n) = (b[i] == b'\'').then(|| char_literal_len(rest)).flatten() {
            out.extend(std::iter::repeat_n(b' ', n));
            i += n;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `Some(number of #)` when `s` opens a raw string (`r"`, `r#"`, `br"`, …) that is not the
/// tail of an identifier.
fn raw_string_start(s: &[u8]) -> Option<usize> {
    let s = s.strip_prefix(b"b").unwrap_or(s);
    let s = s.strip_prefix(b"r")?;
    let hashes = s.iter().take_while(|&&c| c == b'#').count();
    (s.get(hashes) == Some(&b'"')).then_some(hashes)
}

/// Length of a char literal at the start of `s` (`'a'`, `'\n'`, `'\''`, `'\u{1b}'`), or
/// `None` for a lifetime or label.
fn char_literal_len(s: &[u8]) -> Option<usize> {
    if s.get(1) == Some(&b'\\') {
        // The escaped character may itself be a quote: the closing one comes after it.
        let end = s.iter().skip(3).position(|&c| c == b'\'')? + 3;
        return (end <= 11).then_some(end + 1);
    }
    let c = String::from_utf8_lossy(s.get(1..s.len().min(5))?)
        .chars()
        .next()?;
    let n = c.len_utf8();
    (s.get(1 + n) == Some(&b'\'')).then_some(n + 2)
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level items of a `{…}` group (the text after its `{`): `a::X, b, c::{d, e}` → a,
/// b, c.
fn group_heads(s: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(s[start..i].trim());
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    heads
        .into_iter()
        .map(ident)
        .filter(|h| !h.is_empty() && *h != "self")
        .collect()
}

/// Every top-level module a source file names through `crate::`.
fn references(src: &str) -> Vec<Reference> {
    let code = code_only(src);
    let mut refs = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        // `pub(crate)` and `$crate::` are not paths into the crate's modules from here.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = code[at + "crate::".len()..].trim_start();
        let modules = match rest.strip_prefix('{') {
            Some(group) => group_heads(group),
            None => vec![ident(rest)],
        };
        for module in modules.into_iter().filter(|m| !m.is_empty()) {
            refs.push(Reference {
                line,
                module: module.to_owned(),
            });
        }
    }
    refs
}

/// The violations of one file of module `own`, as one line each.
fn violations(own: &str, file: &str, src: &str) -> Vec<String> {
    let Some(own_rank) = rank(own) else {
        return vec![format!("{file}: module `{own}` has no layer in RANKS")];
    };
    references(src)
        .into_iter()
        .filter_map(|r| match rank(&r.module) {
            _ if r.module == own => None,
            Some(to) if to < own_rank => None,
            Some(to) => Some(format!(
                "{file}:{}: `{own}` (layer {own_rank}) uses `crate::{}` (layer {to})",
                r.line, r.module
            )),
            None => Some(format!(
                "{file}:{}: `crate::{}` is not a module with a layer in RANKS",
                r.line, r.module
            )),
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_imports_a_higher_layer() {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    let mut checked = 0;
    for path in &files {
        let rel = path.strip_prefix(&src).expect("under src");
        let rel_text = rel.display().to_string();
        if EXEMPT.contains(&rel_text.as_str()) {
            continue;
        }
        let first = rel.components().next().expect("a file name");
        let own = first.as_os_str().to_string_lossy();
        let own = own.trim_end_matches(".rs");
        let text = std::fs::read_to_string(path).expect("source is UTF-8");
        bad.extend(violations(own, &format!("src/{rel_text}"), &text));
        checked += 1;
    }
    assert!(checked > 50, "only {checked} files found under src/");
    assert!(bad.is_empty(), "imports up a layer:\n{}", bad.join("\n"));
}

#[test]
fn the_scanner_catches_a_planted_violation() {
    let planted = concat!(
        "//! A renderer.\n",
        "use crate::model::Report;\n",
        "use crate::{ingest::load, cli::Args};\n",
        "fn f() { let _ = crate::error::exit_code(); }\n",
        "pub(crate) fn g() {}\n",
    );
    assert_eq!(
        violations("render", "src/render/planted.rs", planted),
        [
            "src/render/planted.rs:3: `render` (layer 3) uses `crate::cli` (layer 5)",
            "src/render/planted.rs:4: `render` (layer 3) uses `crate::error` (layer 4)",
        ]
    );
    // Same layer, not itself: `render` and `record` are both 3.
    assert_eq!(
        violations("render", "x.rs", "use crate::record::Record;\n"),
        ["x.rs:1: `render` (layer 3) uses `crate::record` (layer 3)"]
    );
    assert_eq!(
        violations("dag", "src/dag/mod.rs", "use crate::model::Report;\n"),
        ["src/dag/mod.rs: module `dag` has no layer in RANKS"]
    );
    assert_eq!(
        violations("model", "m.rs", "use crate::dag::Graph;\n"),
        ["m.rs:1: `crate::dag` is not a module with a layer in RANKS"]
    );
}

#[test]
fn the_scanner_ignores_comments_strings_and_own_module() {
    let clean = concat!(
        "//! Uses `crate::cli` only in words.\n",
        "/* crate::cli /* nested crate::cli */ */\n",
        "use crate::ingest::{self, manifest};\n",
        "const A: &str = \"crate::cli::x\";\n",
        "const B: &str = r#\"crate::cli \"quoted\" \"#;\n",
        "const C: char = '\"'; fn h<'a>(x: &'a str) -> &'a str { x }\n",
        "use crate::{model, ingest::Inputs};\n",
    );
    assert_eq!(violations("ingest", "i.rs", clean), Vec::<String>::new());
    assert_eq!(
        references(clean),
        [
            Reference {
                line: 3,
                module: "ingest".into()
            },
            Reference {
                line: 7,
                module: "model".into()
            },
            Reference {
                line: 7,
                module: "ingest".into()
            },
        ]
    );
}
