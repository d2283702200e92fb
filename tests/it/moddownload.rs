//! `go mod download -x -json` as an input (issue 12): the real captures of
//! `fixtures/gen/capture-moddownload.sh` — cold (every module fetched, with its bytes where
//! the module cache files are on this machine) and warm (every module served from the
//! module cache); the evidence survives a manifest.

use std::path::{Path, PathBuf};

use goattrib::model::Report;

use crate::harness::{report, root};

fn capture(name: &str) -> PathBuf {
    root().join("fixtures/scenarios/.caches").join(name)
}

/// `(module@version, files, bytes)` of every download.
fn downloads(r: &Report) -> Vec<(String, usize, Option<u64>)> {
    r.module_cache
        .as_ref()
        .map(|m| {
            m.downloads
                .iter()
                .map(|d| (format!("{}@{}", d.module, d.version), d.files, d.bytes))
                .collect()
        })
        .unwrap_or_default()
}

/// The sizes the capture found under GOMODCACHE/cache/download, summed per module version
/// (`example.org/textx/@v/v1.1.0.zip 558` lines).
fn sizes(dir: &Path) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(dir.join("sizes")).expect("sizes");
    let mut out: Vec<(String, u64)> = Vec::new();
    for line in text.lines() {
        let (file, size) = line.rsplit_once(' ').expect("path size");
        let (module, rest) = file.split_once("/@v/").expect("/@v/");
        let version = rest.rsplit_once('.').expect("ext").0;
        let key = format!("{module}@{version}");
        let size: u64 = size.parse().expect("a size");
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += size,
            None => out.push((key, size)),
        }
    }
    out
}

/// Whether the module cache the JSON names is on this machine (it is where the capture ran).
fn files_here(dir: &Path) -> bool {
    let mut json = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(dir.join("stdout.gz")).unwrap()),
        &mut json,
    )
    .unwrap();
    let zip = json
        .lines()
        .find_map(|l| l.trim().strip_prefix("\"Zip\": \""))
        .and_then(|l| l.strip_suffix("\","))
        .expect("a Zip path");
    Path::new(zip).is_file()
}

const MODULES: [&str; 3] = [
    "example.org/colorx@v1.2.0",
    "example.org/textx@v1.1.0",
    "example.org/units@v0.3.0",
];

#[test]
fn a_cold_download_fetches_every_module_with_its_bytes_where_known() {
    let dir = capture("mod-download-cold");
    let r = report(
        &[
            dir.join("stdout.gz"),
            dir.join("stderr.gz"),
            dir.join("command"),
        ],
        None,
    );
    // No build ran: that is the only thing said about the inputs.
    assert_eq!(
        r.warnings,
        vec!["no actions found: give an action graph (-debug-actiongraph) or -x output"]
    );
    let got = downloads(&r);
    let names: Vec<&str> = got.iter().map(|(m, _, _)| m.as_str()).collect();
    assert_eq!(names, MODULES);
    // Each module version: its .mod, .info and .zip fetched (`# get …: 200 OK`).
    assert!(got.iter().all(|(_, files, _)| *files == 3), "{got:?}");
    let m = r.module_cache.as_ref().unwrap();
    assert!(m.served_from_cache.is_empty());
    assert_eq!(m.cause.as_ref().map(|c| c.kind), Some("cold"));
    if files_here(&dir) {
        let want: Vec<Option<u64>> = sizes(&dir).into_iter().map(|(_, n)| Some(n)).collect();
        let bytes: Vec<Option<u64>> = got.iter().map(|(_, _, b)| *b).collect();
        assert_eq!(bytes, want, "the bytes are the cached files' sizes");
        assert_eq!(sizes(&dir)[1], ("example.org/textx@v1.1.0".to_owned(), 676));
    } else {
        // Another machine: the files the JSON names are not here, so the size is unknown.
        println!("the module cache of the capture is not on this machine: bytes stay null");
        assert!(got.iter().all(|(_, _, b)| b.is_none()), "{got:?}");
    }
}

#[test]
fn a_warm_download_is_served_from_the_module_cache() {
    let dir = capture("mod-download-warm");
    // Its stderr is empty: with -x, no `# get` line means nothing was fetched.
    let r = report(&[dir.join("stdout.gz"), dir.join("command")], None);
    let m = r.module_cache.as_ref().expect("a module cache section");
    assert_eq!(m.downloaded, 0);
    assert_eq!(m.served_from_cache, MODULES);
    assert_eq!(
        goattrib::render::caches::headline(&r).as_deref(),
        Some("no module downloaded: 3 modules served from the module cache")
    );
}

#[test]
fn the_download_evidence_survives_a_manifest() {
    let dir = capture("mod-download-cold");
    let inputs = goattrib::ingest::load(&[
        dir.join("stdout.gz"),
        dir.join("stderr.gz"),
        dir.join("command"),
    ])
    .expect("loads");
    let data = goattrib::analysis::prepare(inputs);
    let mut bytes = Vec::new();
    goattrib::ingest::manifest::write(&data, &mut bytes).expect("writes");
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut json).unwrap();
    let back = goattrib::ingest::manifest::read(&json).expect("reads");
    let modules: Vec<String> = back
        .caches
        .mod_download
        .iter()
        .map(|e| format!("{}@{}", e.module, e.version))
        .collect();
    assert_eq!(modules, MODULES);
    let before: Vec<Option<u64>> = data.caches.mod_download.iter().map(|e| e.bytes()).collect();
    let after: Vec<Option<u64>> = back.caches.mod_download.iter().map(|e| e.bytes()).collect();
    assert_eq!(before, after);
}

#[test]
fn the_terminal_table_gives_sizes_only_where_known() {
    let dir = capture("mod-download-cold");
    let paths = [
        dir.join("stdout.gz"),
        dir.join("stderr.gz"),
        dir.join("command"),
    ];
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let o = crate::harness::run_report(&["--wide"], &refs);
    let out = crate::harness::stdout(&o);
    let row = out
        .lines()
        .find(|l| l.contains("example.org/textx") && l.contains("v1.1.0"))
        .unwrap_or_else(|| panic!("a textx row: {out}"));
    if files_here(&dir) {
        assert!(row.contains("676 B"), "{row}");
    } else {
        assert!(
            !out.contains(" size "),
            "no size column without sizes: {out}"
        );
    }
}
