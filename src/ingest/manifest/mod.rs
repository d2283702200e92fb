//! The input manifest (`manifest.json.gz`): everything `report --baseline` and `compare`
//! need from a build, in a small versioned file instead of the whole `gocachehash` log.
//!
//! Per action key it keeps the classified hash inputs (class, name, value; opaque IDs cut to
//! [`crate::model::ID_CHARS`]); per action its mode, package, module, cache outcome, timing and deps; the
//! modules with their versions; the build facts the cause code reads (Go version, platform,
//! CGO_ENABLED, wall time); and the job facts of the GitLab join (build directory, cache
//! operations, sections). Nothing else: no `-x` text, no compiler messages.
//!
//! Every string is stored once in a table and referred to by index; the JSON is gzipped.
//! A manifest is recognised by content (its `format` field), like every other input.
//!
//! Format changelog (`version`):
//! - 1: first version. Times are microseconds: action starts relative to `t0_ns`
//!   (nanoseconds since the Unix epoch), durations and CPU times absolute.
//! - 2: inputs per action, not per printed key: a package compiled with a PGO profile as
//!   well as plain keeps both blocks, the PGO one under `<key> @pgo` (`@pgo <profile dir>`
//!   with several profiles), and the `preprocess PGO profile` key drops the profile's
//!   absolute path; the input class `pgo` (`pgofile`, the profile's `input`). Same fields,
//!   so version 1 still reads.
//! - 3: the test and module cache evidence (`caches`, left out when the build has none):
//!   the package results of `go test` (outcome, time, `(cached)`), its `testcache:` lines
//!   and `HASH[testInputs]` blocks (env names with a prefix of Go's hash of the value,
//!   never the value; file paths with a prefix of Go's hash of size and mtime), the modules
//!   downloaded and their `-x` fetches, `go mod download -json` entries (sizes, errors),
//!   and GOMODCACHE, GOFLAGS, GOPROXY (without user info) and the main module's directory.
//!   Opaque IDs in it keep [`TEST_ID_CHARS`] characters. Versions 1 and 2 still read: their
//!   builds just have no such evidence, which the report says (`from_old_manifest`).
//!
//! Not for rendering or analysis: it reads and writes [`BuildData`], nothing more.

mod decode;
mod encode;
mod schema;

use std::io;

use thiserror::Error;

pub use decode::{read, read_file};
pub use encode::{write, write_file};

/// The value of the `format` field, how a manifest is recognised.
pub const MANIFEST_FORMAT: &str = "goattrib.manifest";
/// The format version this goattrib writes and reads.
pub const MANIFEST_VERSION: u64 = 3;
/// Characters kept of a test ID, input ID or test input hash (hex: 64 bits), enough to
/// tell two apart; compared by prefix (`model::same_id`).
pub const TEST_ID_CHARS: usize = 16;
/// The file name `record` (and `report --out`) write.
pub const MANIFEST_FILE: &str = "manifest.json.gz";

#[derive(Debug, Error)]
pub enum ManifestError {
    #[error(
        "manifest format version {found} is not supported (this goattrib reads versions 1 to {MANIFEST_VERSION}); write it again with this goattrib"
    )]
    Version { found: u64 },
    #[error("not a goattrib manifest (its `format` is `{found}`, expected `{MANIFEST_FORMAT}`)")]
    Format { found: String },
    #[error("invalid manifest JSON at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the manifest is inconsistent: {0}")]
    Invalid(String),
    #[error("failed to read the manifest")]
    Io(#[from] io::Error),
}

/// Whether the start of a (decompressed) file is a manifest: a JSON object whose first field
/// names the format. Any version is recognised, so an unknown one gets a clear error.
pub fn sniff(head: &str) -> bool {
    let head = head.trim_start();
    let start: String = head
        .chars()
        .take(256)
        .filter(|c| !c.is_whitespace())
        .collect();
    start.starts_with('{') && start.contains(&format!("\"format\":\"{MANIFEST_FORMAT}\""))
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::model::{Action, BuildData, CacheOutcome, Evidence, ID_CHARS, Input, InputClass};

    #[test]
    fn sniffs_any_version_but_only_manifests() {
        assert!(sniff(r#"{"format":"goattrib.manifest","version":7}"#));
        assert!(sniff("{ \"format\": \"goattrib.manifest\", \"version\": 1"));
        assert!(!sniff(r#"{"GOARCH":"amd64","format":"x"}"#));
        assert!(!sniff("HASH[build fmt]"));
        // Regression: a multi-byte character across the sniffed prefix's end.
        assert!(!sniff(&format!("{{{}", "é".repeat(200))));
    }

    #[test]
    fn rejects_unknown_versions_and_broken_tables_without_panicking() {
        let e = read(br#"{"format":"goattrib.manifest","version":4,"strings":[]}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Version { found: 4 }), "{e}");
        assert!(e.to_string().contains("version 4 is not supported"));
        let e = read(br#"{"format":"other","version":1}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Format { .. }));
        let e = read(br#"{"format":"goattrib.manifest","version":1,"strings":[1]}"#).unwrap_err();
        assert!(matches!(e, ManifestError::Json { .. }), "{e}");
        let bad = r#"{"format":"goattrib.manifest","version":1,"strings":["a"],"meta":{"failed_packages":[]},
            "ids":"","t0_ns":null,"modules":[[0,9,true]],"actions":[],"names":[],"keys":[],"job":null}"#;
        let e = read(bad.as_bytes()).unwrap_err();
        assert!(matches!(e, ManifestError::Invalid(_)), "{e}");
        let e = read(b"{\"format\":\"goattrib.manifest\",\"version\":1").unwrap_err();
        assert!(matches!(e, ManifestError::Json { .. }), "{e}");
    }

    #[test]
    fn round_trips_inputs_actions_and_job() {
        let mut data = BuildData::default();
        data.inputs.insert(
            "build fmt".into(),
            vec![
                Input {
                    class: InputClass::Toolchain,
                    name: "go version".into(),
                    value: "go1.27.3".into(),
                },
                Input {
                    class: InputClass::Import,
                    name: "import errors".into(),
                    value: "c5XmRCotzylGYG5HEnNE".into(),
                },
            ],
        );
        data.build.actions.push(Action {
            id: 3,
            mode: "build".into(),
            package: "fmt".into(),
            module: "std".into(),
            deps: vec![1, 2, 7],
            cache: CacheOutcome::Miss,
            evidence: Evidence::ActionGraph,
            start_ns: Some(1_000_000_000),
            duration_ns: Some(2_500_000),
            cpu_ns: None,
            failed: false,
            key: Some("build fmt [fmt.test]".into()),
        });
        data.build.meta.wall_ns = Some(5_000_000);
        let mut bytes = Vec::new();
        write(&data, &mut bytes).unwrap();
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut json)
            .unwrap();
        assert!(sniff(&String::from_utf8_lossy(&json)));
        let back = read(&json).unwrap();
        assert_eq!(back.build.actions, data.build.actions);
        assert_eq!(back.build.meta.wall_ns, Some(5_000_000));
        let inputs = &back.inputs["build fmt"];
        assert_eq!(inputs[0], data.inputs["build fmt"][0]);
        assert_eq!(
            inputs[1].value, "c5XmRCot",
            "opaque IDs keep {ID_CHARS} chars"
        );
    }

    #[test]
    fn version_2_reads_without_cache_evidence_and_broken_cache_tables_are_errors() {
        let v2 = r#"{"format":"goattrib.manifest","version":2,"strings":[],"meta":{"failed_packages":[]},
            "ids":"","t0_ns":null,"modules":[],"actions":[],"names":[],"keys":[],"job":null}"#;
        let data = read(v2.as_bytes()).unwrap();
        assert_eq!(data.caches.from_old_manifest, Some(2));
        assert!(data.caches.results.is_empty());
        let bad = |caches: &str| {
            let json = format!(
                r#"{{"format":"goattrib.manifest","version":3,"strings":["p","x"],"meta":{{"failed_packages":[]}},
                "ids":"","t0_ns":null,"modules":[],"actions":[],"names":[],"keys":[],"job":null,
                "caches":{{"results":[],"lines":[],"blocks":[],"downloading":[],"fetches":[],
                "fetches_started":0,"gomodcache":null,"goflags":null,"goproxy":null,"module_dir":null,{caches}}}}}"#
            );
            read(json.as_bytes()).unwrap_err()
        };
        let e = bad(r#""mod_download":[[0,9,null,null,null,null]]"#);
        assert!(e.to_string().contains("string 9 is referred to"), "{e}");
        let json = r#"{"format":"goattrib.manifest","version":3,"strings":["p","x"],"meta":{"failed_packages":[]},
            "ids":"","t0_ns":null,"modules":[],"actions":[],"names":[],"keys":[],"job":null,
            "caches":{"results":[],"lines":[["save",0,1,null]],"blocks":[[null,[0,1]]],"downloading":[],
            "fetches":[],"fetches_started":0,"gomodcache":null,"goflags":null,"goproxy":null,"module_dir":null}}"#;
        let e = read(json.as_bytes()).unwrap_err();
        assert!(matches!(e, ManifestError::Invalid(_)), "{e}");
    }

    #[test]
    fn round_trips_test_and_module_evidence_with_ids_cut() {
        use crate::model::{
            ModDownloadEntry, ModuleFetch, TestInput, TestInputsBlock, TestOutcome,
            TestPackageResult, TestcacheLine,
        };
        let long = "589da0aa767647d5b624e7bb531152b146201ae416b24d4471575943da1c8731";
        let mut data = BuildData::default();
        let ev = &mut data.caches;
        ev.results.push(TestPackageResult {
            package: "example.com/tc/clock".into(),
            outcome: TestOutcome::Fail,
            elapsed_ms: Some(12),
            cached: false,
        });
        ev.testcache.push(TestcacheLine::Save {
            package: "example.com/tc/clock".into(),
            test_id: long.into(),
            input_id: long.into(),
        });
        ev.testcache.push(TestcacheLine::Disabled {
            reason: "test argument -test.count=1".into(),
        });
        ev.test_inputs.push(TestInputsBlock {
            inputs: vec![TestInput {
                op: "env".into(),
                name: "CI_JOB_STARTED_AT".into(),
                hash: long.into(),
            }],
            sum: Some(long.into()),
        });
        ev.downloading
            .push(("example.org/textx".into(), "v1.1.0".into()));
        ev.fetches.push(ModuleFetch {
            module: "example.org/textx".into(),
            version: "v1.1.0".into(),
            file: "zip".into(),
            ok: true,
            ms: Some(12.345),
        });
        ev.mod_download.push(ModDownloadEntry {
            module: "example.org/textx".into(),
            version: "v1.1.0".into(),
            dir: Some("/mod/example.org/textx@v1.1.0".into()),
            zip_bytes: Some(700),
            mod_bytes: Some(40),
            info_bytes: Some(50),
            error: None,
        });
        ev.gomodcache = Some("/b/.go/pkg/mod".into());
        let mut bytes = Vec::new();
        write(&data, &mut bytes).unwrap();
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut json)
            .unwrap();
        let back = read(&json).unwrap().caches;
        assert_eq!(back.results, data.caches.results);
        let short = &long[..TEST_ID_CHARS];
        assert_eq!(
            back.testcache[0],
            TestcacheLine::Save {
                package: "example.com/tc/clock".into(),
                test_id: short.into(),
                input_id: short.into(),
            }
        );
        assert_eq!(back.testcache[1], data.caches.testcache[1]);
        assert_eq!(back.test_inputs[0].inputs[0].hash, short);
        assert!(back.test_inputs[0].inputs[0].same(&data.caches.test_inputs[0].inputs[0]));
        assert_eq!(back.fetches, data.caches.fetches);
        assert_eq!(back.mod_download[0].bytes(), Some(790));
        assert_eq!(back.gomodcache.as_deref(), Some("/b/.go/pkg/mod"));
        assert_eq!(back.from_old_manifest, None);
    }
}
