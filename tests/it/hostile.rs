//! Hostile input (issue 15): in a merge-request pipeline the code under review writes the
//! job log and can leave files in the bundle. Every cost is bounded, whatever the input.

use std::io::Write;

use crate::harness::bin;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// Regression: a 1 MB gzip of newlines (1 GiB inflated) was read to the end. It now stops
/// at the inflate limit with a message naming the file and the limit.
#[test]
fn gzip_bomb_stops_at_the_inflate_limit() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("actiongraph.json.gz");
    // Valid JSON at the start, so the format is recognised and the whole file is wanted.
    let mut body = b"[{\"ID\":0,\"Mode\":\"build\",\"Package\":\"fmt\"}".to_vec();
    body.extend(std::iter::repeat_n(b' ', 64 << 20));
    std::fs::write(&bomb, gzip(&body)).unwrap();
    // No tight wall-clock bound (a loaded CI machine made one flaky): the error below says
    // the inflater stopped at 8 MiB of the 64 MiB. The generous timeout only turns a hang
    // into a failure instead of a stuck test run.
    let out = bin()
        .args(["--max-inflated-size", "8MiB", "report"])
        .arg(&bomb)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("actiongraph.json.gz"), "{stderr}");
    assert!(
        stderr.contains("inflates past the limit of 8388608 bytes"),
        "{stderr}"
    );
    assert_eq!(
        stderr.lines().count(),
        2,
        "one error line and a hint: {stderr}"
    );
}

/// The size flag refuses what is not a size, in one line.
#[test]
fn max_inflated_size_takes_sizes_only() {
    let out = bin()
        .args(["--max-inflated-size", "lots", "report", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a size"));
}

fn has_control(text: &str) -> bool {
    text.chars().any(goattrib::render::terminal::is_unprintable)
}

/// Regression: tables and JSON printed package names with ESC sequences and bidi overrides
/// raw; a merge request picks package names.
#[test]
fn no_escape_sequence_or_bidi_override_reaches_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("actiongraph.json");
    let evil = "example.com/evil\u{1b}[2J\u{1b}]8;;http://x\u{7}\u{202e}gnp.exe";
    let doc = serde_json::json!([
        { "ID": 0, "Mode": "build", "Package": evil, "Deps": [],
          "TimeStart": "2026-11-25T12:00:00.000Z", "TimeDone": "2026-11-25T12:00:01.000Z",
          "Cmd": ["compile"], "ActionID": "x" },
        { "ID": 1, "Mode": "link", "Package": evil, "Deps": [0],
          "TimeStart": "2026-11-25T12:00:01.000Z", "TimeDone": "2026-11-25T12:00:02.000Z",
          "Cmd": ["link"] }
    ]);
    std::fs::write(&graph, serde_json::to_vec(&doc).unwrap()).unwrap();
    for format in ["table", "json"] {
        let out = bin()
            .args(["report", "--format", format])
            .arg(&graph)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stdout.contains("example.com/evil"), "{format}: {stdout}");
        assert!(!has_control(&stdout), "{format}: {stdout:?}");
        assert!(!has_control(&stderr), "{format}: {stderr:?}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(
                v["actions"][0]["package"], evil,
                "the JSON still means the same"
            );
        }
    }
}
