//! Hostile input (issue 15): in a merge-request pipeline the code under review writes the
//! job log and can leave files in the bundle. Every cost is bounded, whatever the input.

use std::io::Write;
use std::time::{Duration, Instant};

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
    let started = Instant::now();
    let out = bin()
        .args(["--max-inflated-size", "8MiB", "report"])
        .arg(&bomb)
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
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
