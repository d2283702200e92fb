//! Classification of cache-key inputs: each `gocachehash` input line becomes a named input
//! with a class, so two builds' keys can be diffed input by input.
//!
//! The mapping follows `buildActionID`, `linkActionID` and `printLinkerConfig` in
//! `cmd/go/internal/work/exec.go` (Go 1.27), and the build settings `modinfo` carries
//! (`cmd/go/internal/load/pkg.go`, `setBuildInfo`). An input Go adds in a later version
//! falls into `Other` and is still diffed, so a change there is reported, not lost.

use crate::ingest::gostring::split_quoted_list;
use crate::model::{Input, InputClass};

fn input(class: InputClass, name: impl Into<String>, value: impl Into<String>) -> Input {
    Input {
        class,
        name: name.into(),
        value: value.into(),
    }
}

/// `prefix` and `rest` in one string: the names of most inputs (every import and file of
/// every key), built without the formatting machinery.
fn joined(prefix: &str, rest: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + rest.len());
    s.push_str(prefix);
    s.push_str(rest);
    s
}

/// A short stable digest (FNV-1a, 64 bits, hex) of an opaque value that is not text, such
/// as the `%q`-quoted raw action ID in a vet key.
fn digest(value: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in value.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `rest` split at its last space (the whole of it and nothing, without one): the hash
/// after a file name or an import, found with the vectorised `memrchr`.
fn last_word(rest: &str) -> (&str, &str) {
    match memchr::memrchr(b' ', rest.as_bytes()) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    }
}

/// Classifies the raw inputs of one hash record.
pub fn classify(raw: &[String]) -> Vec<Input> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, line) in raw.iter().enumerate() {
        let line = line.strip_suffix('\n').unwrap_or(line);
        // The salt (`cache.NewHash` writes runtime.Version() first).
        if i == 0 && (line.starts_with("go1") || line.starts_with("devel")) {
            out.push(input(InputClass::Toolchain, "go version", line));
            continue;
        }
        classify_line(line, &mut out);
    }
    out
}

fn classify_line(line: &str, out: &mut Vec<Input>) {
    use InputClass::*;
    let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
    match word {
        "compile" | "link" | "vet" if rest.is_empty() => out.push(input(Identity, word, "")),
        "dir" => out.push(input(Workdir, "package directory", rest)),
        "module" => out.push(input(ModuleVersion, "module", rest)),
        "go" => out.push(input(GoDirective, "go directive", rest)),
        "goos" | "buildmode" => platform_line(line, out),
        "import" if rest.starts_with('"') => out.push(input(Identity, "import path", rest)),
        "import" => {
            let (pkg, id) = last_word(rest);
            out.push(input(Import, joined("import ", pkg), id));
        }
        "packagefile" | "packageshlib" => {
            let (pkg, id) = rest.split_once('=').unwrap_or((rest, ""));
            out.push(input(Import, joined("import ", pkg), id));
        }
        "packagemain" => out.push(input(Import, "main package", rest)),
        "omitdebug" => out.push(input(Flags, "omitdebug/standard/local", rest)),
        "trimpath" | "forcelibrary" => out.push(input(Flags, word, "on")),
        "cgo" => out.push(input(Env, "cgo", rest)),
        "cover" | "fuzz" => out.push(input(Flags, word, rest)),
        // `-pgo`: the preprocessed profile's hash in a compile key, the profile file's hash
        // in the `preprocess PGO profile` key (`work/action.go`, `work/exec.go`).
        "pgofile" => out.push(input(Pgo, word, rest)),
        "input" => out.push(input(Pgo, "profile", rest.trim_matches('"'))),
        "preprofile" => out.push(input(Toolchain, "preprofile tool", rest)),
        "preprocess" => out.push(input(Identity, word, rest)),
        "defaultgodebug" => out.push(input(GoDirective, "default GODEBUG", rest)),
        "modinfo" => modinfo(rest, out),
        "file" => {
            let (name, hash) = last_word(rest);
            out.push(input(Source, joined("file ", name), hash));
        }
        "magic" => out.push(input(Env, line.split('=').next().unwrap_or(line), line)),
        "linkflags" => out.push(input(Flags, "linker flags", rest)),
        "pkgpath" | "ar" => out.push(input(Toolchain, word, rest)),
        // The vet action's key (`Builder.vet` in `work/exec.go`): the vet tool, its flags,
        // the vetted package's compile action ID (raw bytes, `%q`) and each dependency's
        // vet output.
        "vet" => out.push(input(Toolchain, "vet tool", rest)),
        "vetxonly" => out.push(input(Flags, word, rest)),
        "vetflags" => out.push(input(Flags, "vet flags", rest)),
        "pkg" => out.push(input(Import, "vetted package", digest(rest))),
        "vetout" => {
            let (pkg, id) = rest.rsplit_once(' ').unwrap_or((rest, ""));
            let pkg = pkg.trim_matches('"');
            out.push(input(Import, joined("import ", pkg), id));
        }
        _ if word == "compile" || word == "asm" || word == "link" => tool_line(word, rest, out),
        _ => key_value_line(line, out),
    }
}

/// `goos linux goarch amd64`, `buildmode exe goos linux goarch amd64`.
fn platform_line(line: &str, out: &mut Vec<Input>) {
    let words: Vec<&str> = line.split(' ').collect();
    let mut i = 0;
    while i + 1 < words.len() {
        let (name, value) = (words[i], words[i + 1]);
        if name == "buildmode" {
            out.push(input(InputClass::Flags, "buildmode", value));
        } else {
            out.push(input(InputClass::Platform, name.to_uppercase(), value));
        }
        i += 2;
    }
}

/// `compile <tool ID> <forced flags> <flags>`, `asm ...`, `link <tool ID> <forced> <buildmode>`.
/// The tool ID may contain spaces (`compile version go1.27.3`), the flag lists are Go `%q`
/// slices, so the split is made where the remainder parses as lists.
fn tool_line(tool: &str, rest: &str, out: &mut Vec<Input>) {
    let mut search = 0;
    while let Some(pos) = rest[search..].find(" [").map(|p| p + search) {
        let tail = &rest[pos + 1..];
        if let Some((first, after)) = take_list(tail) {
            let after = after.trim_start();
            let second = if tool == "link" {
                Some((vec![after.to_owned()], ""))
            } else {
                take_list(after)
            };
            if let Some((second, "")) = second.map(|(l, a)| (l, a.trim())) {
                out.push(input(
                    InputClass::Toolchain,
                    format!("{tool} tool"),
                    &rest[..pos],
                ));
                out.push(input(
                    InputClass::Flags,
                    format!("{tool} forced flags"),
                    first.join(" "),
                ));
                let label = if tool == "link" {
                    "link buildmode".to_owned()
                } else {
                    format!("{tool} flags")
                };
                out.push(input(InputClass::Flags, label, second.join(" ")));
                return;
            }
        }
        search = pos + 2;
    }
    out.push(input(InputClass::Toolchain, format!("{tool} tool"), rest));
}

/// Splits a leading `%q` list off `s`: (`["-N" "-l"]`, rest).
fn take_list(s: &str) -> Option<(Vec<String>, &str)> {
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut i = 1;
    let mut in_quote = false;
    while i < bytes.len() {
        match (bytes[i], in_quote) {
            (b'\\', true) => i += 1,
            (b'"', _) => in_quote = !in_quote,
            (b']', false) => {
                let list = split_quoted_list(&s[..=i])?;
                return Some((list, &s[i + 1..]));
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `GOAMD64=v1`, `GOEXPERIMENT="..."`, `GOROOT=/x`, `GO_EXTLINK_ENABLED=`, `CC="gcc" ...`,
/// `CC ID="..."`, and anything unknown.
fn key_value_line(line: &str, out: &mut Vec<Input>) {
    use InputClass::*;
    let Some((key, value)) = line.split_once('=') else {
        out.push(input(Other, line, ""));
        return;
    };
    let class = match key {
        "GOROOT" => Toolchain,
        "CC ID" | "CXX ID" | "FC ID" | "CC ID ERROR" | "CXX ID ERROR" | "FC ID ERROR" => Toolchain,
        "CC" | "CXX" | "FC" | "GO_EXTLINK_ENABLED" | "GOEXPERIMENT" => Env,
        k if is_arch_level(k) => Env,
        _ => Other,
    };
    // Arch levels share one name so GOAMD64 → GOARM64 reads as one change (platform wins).
    let name = if is_arch_level(key) {
        "arch level"
    } else {
        key
    };
    let value = if is_arch_level(key) { line } else { value };
    out.push(input(class, name, value));
}

/// `cfg.GetArchEnv` keys: GOAMD64, GOARM, GOARM64, GO386, GOMIPS, GOMIPS64, GOPPC64, ...
fn is_arch_level(key: &str) -> bool {
    matches!(
        key,
        "GOAMD64"
            | "GOARM"
            | "GOARM64"
            | "GO386"
            | "GOMIPS"
            | "GOMIPS64"
            | "GOPPC64"
            | "GORISCV64"
            | "GOWASM"
            | "GOLOONG64"
            | "GOS390X"
    )
}

/// `modinfo "<build info>"`: the module versions and build settings stamped into a binary
/// (`runtime/debug.BuildInfo.String`): `path`, `mod`, `dep`, `=>` and `build K=V` lines.
fn modinfo(quoted: &str, out: &mut Vec<Input>) {
    use InputClass::*;
    let Some(text) = crate::ingest::gostring::unquote_lossy(quoted) else {
        out.push(input(Other, "modinfo", quoted));
        return;
    };
    let mut last_dep: Option<String> = None;
    for line in text.lines() {
        let mut fields = line.split('\t');
        match fields.next() {
            Some("path") => {}
            Some("mod") => {
                let path = fields.next().unwrap_or("");
                out.push(input(
                    ModuleVersion,
                    format!("module {path}"),
                    fields.next().unwrap_or(""),
                ));
            }
            Some("dep") => {
                let path = fields.next().unwrap_or("").to_owned();
                out.push(input(
                    ModuleVersion,
                    format!("module {path}"),
                    fields.next().unwrap_or(""),
                ));
                last_dep = Some(path);
            }
            Some("=>") => {
                let to = fields.collect::<Vec<_>>().join(" ");
                let name = format!("replace {}", last_dep.as_deref().unwrap_or(""));
                out.push(input(ModuleVersion, name, to));
            }
            Some("build") => {
                let setting = fields.collect::<Vec<_>>().join("\t");
                let (key, value) = setting.split_once('=').unwrap_or((&setting, ""));
                out.push(input(
                    build_setting_class(key),
                    format!("build setting {key}"),
                    value,
                ));
            }
            _ => {}
        }
    }
}

/// The class of a `build K=V` setting in modinfo.
fn build_setting_class(key: &str) -> InputClass {
    use InputClass::*;
    match key {
        "GOOS" | "GOARCH" => Platform,
        "CGO_ENABLED" | "CGO_CFLAGS" | "CGO_CPPFLAGS" | "CGO_CXXFLAGS" | "CGO_LDFLAGS"
        | "GOEXPERIMENT" | "GOFIPS140" => Env,
        k if is_arch_level(k) => Env,
        "DefaultGODEBUG" => GoDirective,
        k if k.starts_with("vcs") => Source,
        _ => Flags,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(raw: &[&str]) -> Vec<(InputClass, String, String)> {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        classify(&raw)
            .into_iter()
            .map(|i| (i.class, i.name, i.value))
            .collect()
    }

    #[test]
    fn classifies_build_action_inputs() {
        let c = classes(&[
            "go1.27.3",
            "compile\n",
            "dir /builds/x/shop/internal/money\n",
            "go 1.22\n",
            "goos linux goarch amd64\n",
            "import \"example.com/shop/internal/money\"\n",
            "compile compile version go1.27.3 [] [\"-N\" \"-l\"]\n",
            "GOAMD64=v3\n",
            "file money.go xUpyPtuXLmFAMiheruOH\n",
            "import fmt tlINFtZ4xP8L8iEZbR7i\n",
        ]);
        use InputClass::*;
        let expect = [
            (Toolchain, "go version", "go1.27.3"),
            (Identity, "compile", ""),
            (
                Workdir,
                "package directory",
                "/builds/x/shop/internal/money",
            ),
            (GoDirective, "go directive", "1.22"),
            (Platform, "GOOS", "linux"),
            (Platform, "GOARCH", "amd64"),
            (
                Identity,
                "import path",
                "\"example.com/shop/internal/money\"",
            ),
            (Toolchain, "compile tool", "compile version go1.27.3"),
            (Flags, "compile forced flags", ""),
            (Flags, "compile flags", "-N -l"),
            (Env, "arch level", "GOAMD64=v3"),
            (Source, "file money.go", "xUpyPtuXLmFAMiheruOH"),
            (Import, "import fmt", "tlINFtZ4xP8L8iEZbR7i"),
        ];
        let got: Vec<(InputClass, &str, &str)> = c
            .iter()
            .map(|(a, b, d)| (*a, b.as_str(), d.as_str()))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn classifies_link_and_modinfo_inputs() {
        let c = classes(&[
            "go1.27.3",
            "link link version go1.27.3 [] exe\n",
            "buildmode default goos linux goarch arm64\n",
            "modinfo \"path\\texample.com/shop/cmd/shop\\nmod\\texample.com/shop\\t(devel)\\t\\ndep\\texample.org/fmtx\\tv1.0.0\\t\\nbuild\\t-tags=extra\\nbuild\\tCGO_ENABLED=0\\nbuild\\tGOARCH=arm64\\n\"\n",
            "packagefile fmt=tlINFtZ4xP8L8iEZbR7i\n",
            "GOROOT=/usr/local/go\n",
            "something new\n",
        ]);
        let find = |name: &str| {
            c.iter()
                .find(|(_, n, _)| n == name)
                .map(|(cl, _, v)| (*cl, v.clone()))
        };
        assert_eq!(
            find("link tool"),
            Some((InputClass::Toolchain, "link version go1.27.3".into()))
        );
        assert_eq!(
            find("link buildmode"),
            Some((InputClass::Flags, "exe".into()))
        );
        assert_eq!(
            find("buildmode"),
            Some((InputClass::Flags, "default".into()))
        );
        assert_eq!(find("GOARCH"), Some((InputClass::Platform, "arm64".into())));
        assert_eq!(
            find("module example.org/fmtx"),
            Some((InputClass::ModuleVersion, "v1.0.0".into()))
        );
        assert_eq!(
            find("build setting -tags"),
            Some((InputClass::Flags, "extra".into()))
        );
        assert_eq!(
            find("build setting CGO_ENABLED"),
            Some((InputClass::Env, "0".into()))
        );
        assert_eq!(
            find("import fmt"),
            Some((InputClass::Import, "tlINFtZ4xP8L8iEZbR7i".into()))
        );
        assert_eq!(
            find("GOROOT"),
            Some((InputClass::Toolchain, "/usr/local/go".into()))
        );
        assert_eq!(find("something new"), Some((InputClass::Other, "".into())));
    }
}
