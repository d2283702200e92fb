//! The Go command's lines about the test and module caches: `testcache:` lines
//! (`GODEBUG=gocachetest=1`, `cmd/go/internal/test/test.go` 1784-2215), plain-text package
//! results (`ok  \t<pkg>\t(cached)`, `FAIL\t<pkg>\t…`, `?   \t<pkg>\t[no test files]`,
//! test.go 2003 and `cmd/go/internal/test` `builderPrintTest`), `go: downloading M V`
//! (`modfetch/fetch.go` 335) and the `-x` `# get <url>[: <status> (<s>s)]` lines
//! (`web/http.go` 112, 255). Not for deciding why anything ran (that is `analysis::testcache`).

use foldhash::HashSet;

use crate::model::{CacheEvidence, ModuleFetch, TestOutcome, TestPackageResult, TestcacheLine};

/// Offers one non-JSON line; returns `true` when it was one of ours and needs no other parser.
/// `seen` holds the packages `ev.results` already has (the first result of a package is
/// kept): a set, so 150,000 result lines are not each checked against all before them.
pub(crate) fn feed(ev: &mut CacheEvidence, line: &str, seen: &mut HashSet<String>) -> bool {
    if let Some(rest) = line.strip_prefix("testcache: ") {
        if let Some(t) = parse_testcache(rest) {
            ev.testcache.push(t);
        }
        return true;
    }
    if let Some(rest) = line.strip_prefix("go: downloading ") {
        if let Some((m, v)) = rest.trim().split_once(' ') {
            ev.downloading.push((m.to_owned(), v.trim().to_owned()));
        }
        return true;
    }
    if let Some(rest) = line.strip_prefix("# get ") {
        match rest.rsplit_once(": ") {
            Some((url, status)) => {
                if let Some(f) = parse_fetch(url, status) {
                    ev.fetches.push(f);
                }
            }
            None => ev.fetches_started += 1,
        }
        return true;
    }
    if let Some(r) = parse_result(line)
        && !seen.contains(&r.package)
    {
        seen.insert(r.package.clone());
        ev.results.push(r);
    }
    false
}

fn parse_testcache(rest: &str) -> Option<TestcacheLine> {
    if let Some(reason) = rest.strip_prefix("caching disabled for test argument: ") {
        return Some(TestcacheLine::Disabled {
            reason: format!("test argument {}", reason.trim()),
        });
    }
    if rest.starts_with("caching disabled in local directory mode") {
        return Some(TestcacheLine::Disabled {
            reason: "local directory mode (go test without package arguments)".to_owned(),
        });
    }
    if let Some(pkg) = rest.strip_prefix("caching disabled for package outside of module root") {
        let package = pkg.rsplit_once(": ").map_or("", |(_, p)| p).trim();
        return Some(TestcacheLine::OutsideModule {
            package: package.to_owned(),
        });
    }
    let (package, what) = rest.split_once(": ")?;
    let package = package.to_owned();
    if what.starts_with("input list not found") {
        return Some(TestcacheLine::InputListNotFound { package });
    }
    if what.starts_with("test output not found") {
        return Some(TestcacheLine::OutputNotFound { package });
    }
    if let Some(file) = what.strip_prefix("input file ") {
        let path = file.strip_suffix(": file used as input is too new")?;
        return Some(TestcacheLine::TooNew {
            package,
            path: path.to_owned(),
        });
    }
    let (save, ids) = match what.strip_prefix("save test ID ") {
        Some(ids) => (true, ids),
        None => (false, what.strip_prefix("test ID ")?),
    };
    let parts: Vec<&str> = ids.split(" => ").collect();
    match (save, parts.as_slice()) {
        (false, [_, test_id]) => Some(TestcacheLine::TestId {
            package,
            test_id: test_id.trim().to_owned(),
        }),
        (_, [test_id, input, _key]) => {
            let input_id = input.strip_prefix("input ID ")?.to_owned();
            let test_id = (*test_id).to_owned();
            Some(if save {
                TestcacheLine::Save {
                    package,
                    test_id,
                    input_id,
                }
            } else {
                TestcacheLine::InputId {
                    package,
                    test_id,
                    input_id,
                }
            })
        }
        _ => None,
    }
}

/// A plain-text package result line (`ok  \tp\t0.008s`, `ok  \tp\t(cached)`,
/// `FAIL\tp\t0.004s`, `FAIL\tp [build failed]`, `?   \tp\t[no test files]`).
pub(crate) fn parse_result(line: &str) -> Option<TestPackageResult> {
    let (outcome, rest) = if let Some(r) = line.strip_prefix("ok  \t") {
        (TestOutcome::Pass, r)
    } else if let Some(r) = line.strip_prefix("FAIL\t") {
        (TestOutcome::Fail, r)
    } else if let Some(r) = line.strip_prefix("?   \t") {
        (TestOutcome::NoTestFiles, r)
    } else {
        return None;
    };
    let mut fields = rest.split('\t');
    let package = fields.next()?.split(' ').next()?.trim();
    if package.is_empty() {
        return None;
    }
    let second = fields.next().unwrap_or("").trim();
    let cached = second == "(cached)";
    let elapsed_ms = second
        .strip_suffix('s')
        .and_then(|s| s.parse::<f64>().ok())
        .map(|s| (s * 1000.0).round().max(0.0) as u64);
    Some(TestPackageResult {
        package: package.to_owned(),
        outcome,
        elapsed_ms,
        cached,
    })
}

/// `<url>: <status> (<seconds>s)` of a module proxy fetch: the module path is what precedes
/// `/@v/` after the host (a proxy path prefix is kept; analysis matches by suffix),
/// with Go's `!x` case escaping undone.
fn parse_fetch(url: &str, status: &str) -> Option<ModuleFetch> {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = after_scheme.split_once('/').map(|(_, p)| p)?;
    let (module, file) = path.split_once("/@v/")?;
    let (version, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let ms = status
        .rsplit_once('(')
        .and_then(|(_, t)| t.strip_suffix("s)"))
        .and_then(|t| t.parse::<f64>().ok())
        .map(|s| (s * 1_000_000.0).round() / 1_000.0);
    Some(ModuleFetch {
        module: unescape_module(module),
        version: unescape_module(version),
        file: ext.to_owned(),
        ok: status.starts_with("200"),
        ms,
    })
}

/// `golang.org/x/mod/module.UnescapePath`: `!x` is `X`.
fn unescape_module(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut bang = false;
    for c in s.chars() {
        if bang {
            out.extend(c.to_uppercase());
            bang = false;
        } else if c == '!' {
            bang = true;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(text: &str) -> CacheEvidence {
        let mut ev = CacheEvidence::default();
        let mut seen = HashSet::default();
        for line in text.lines() {
            feed(&mut ev, line, &mut seen);
        }
        ev
    }

    #[test]
    fn reads_every_testcache_line_format() {
        let ev = feed_all(concat!(
            "testcache: p: test ID 4a53 => 9c5e\n",
            "testcache: p: input list not found: cache entry not found: open x: ENOENT\n",
            "testcache: p: test ID 9c5e => input ID 589d => d3f0\n",
            "testcache: p: test output not found: cache entry not found\n",
            "testcache: p: input file /w/t/c.txt: file used as input is too new\n",
            "testcache: p: save test ID 9c5e => input ID 589d => d3f0\n",
            "testcache: caching disabled for test argument: -test.count=1\n",
        ));
        assert_eq!(
            ev.testcache,
            vec![
                TestcacheLine::TestId {
                    package: "p".into(),
                    test_id: "9c5e".into()
                },
                TestcacheLine::InputListNotFound {
                    package: "p".into()
                },
                TestcacheLine::InputId {
                    package: "p".into(),
                    test_id: "9c5e".into(),
                    input_id: "589d".into()
                },
                TestcacheLine::OutputNotFound {
                    package: "p".into()
                },
                TestcacheLine::TooNew {
                    package: "p".into(),
                    path: "/w/t/c.txt".into()
                },
                TestcacheLine::Save {
                    package: "p".into(),
                    test_id: "9c5e".into(),
                    input_id: "589d".into()
                },
                TestcacheLine::Disabled {
                    reason: "test argument -test.count=1".into()
                },
            ]
        );
    }

    /// Regression (issue 15): each result line was checked against every result before
    /// it; 150,000 `ok` lines in a job log took minutes.
    #[test]
    fn many_plain_results_keep_the_first_of_each_package() {
        let mut text = String::new();
        for i in 0..150_000 {
            text.push_str(&format!("ok  \texample.com/p{i}\t0.1s\n"));
        }
        text.push_str("FAIL\texample.com/p7\t0.2s\n");
        let ev = feed_all(&text);
        assert_eq!(ev.results.len(), 150_000);
        assert_eq!(ev.results[7].outcome, TestOutcome::Pass);
    }

    #[test]
    fn reads_plain_results_downloads_and_fetches() {
        let ev = feed_all(concat!(
            "ok  \texample.com/tc/clock\t0.008s\n",
            "?   \texample.com/tc/cmd/tctool\t[no test files]\n",
            "ok  \texample.com/tc/config\t(cached)\n",
            "FAIL\texample.com/tc/stats\t0.004s\n",
            "go: downloading example.org/textx v1.0.0\n",
            "# get https://user:xxxxx@127.0.0.1:1/example.org/!text!x/@v/v1.0.0.zip\n",
            "# get https://user:xxxxx@127.0.0.1:1/example.org/!text!x/@v/v1.0.0.zip: 200 OK (0.087s)\n",
        ));
        let r: Vec<_> = ev
            .results
            .iter()
            .map(|r| (r.package.as_str(), r.outcome, r.cached, r.elapsed_ms))
            .collect();
        assert_eq!(
            r,
            vec![
                ("example.com/tc/clock", TestOutcome::Pass, false, Some(8)),
                (
                    "example.com/tc/cmd/tctool",
                    TestOutcome::NoTestFiles,
                    false,
                    None
                ),
                ("example.com/tc/config", TestOutcome::Pass, true, None),
                ("example.com/tc/stats", TestOutcome::Fail, false, Some(4)),
            ]
        );
        assert_eq!(
            ev.downloading,
            vec![("example.org/textx".into(), "v1.0.0".into())]
        );
        assert_eq!(ev.fetches_started, 1);
        assert_eq!(ev.fetches[0].module, "example.org/TextX");
        assert_eq!(ev.fetches[0].file, "zip");
        assert_eq!(ev.fetches[0].ms, Some(87.0));
        assert!(ev.fetches[0].ok);
    }
}
