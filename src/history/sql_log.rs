//! A debug log of every statement a history store sends, for profiling and for replaying a
//! ClickHouse store's SQL on another engine (`tests/it/chdb.rs` checks it on a current
//! ClickHouse): with `GOATTRIB_HISTORY_SQL_LOG=FILE` each statement is appended to FILE as
//! one JSON line `{"store", "sql", "body"?, "rows"?, "ms"}` (`body`: the data of an
//! insert; `rows`: what a ClickHouse `SELECT` returned). Off (and free) when unset; a log
//! that cannot be written is skipped, never an error of the command.

use std::io::Write;
use std::time::Instant;

use serde_json::{Value, json};

const VAR: &str = "GOATTRIB_HISTORY_SQL_LOG";

/// When a statement started, if the log is on.
pub(crate) fn start() -> Option<Instant> {
    std::env::var_os(VAR).map(|_| Instant::now())
}

/// Appends one statement to the log (when `start` said it is on).
pub(crate) fn record(
    started: Option<Instant>,
    store: &str,
    sql: &str,
    body: Option<&[u8]>,
    rows: Option<&[Value]>,
) {
    let (Some(t), Some(path)) = (started, std::env::var_os(VAR)) else {
        return;
    };
    let mut line = json!({
        "store": store,
        "sql": sql,
        "ms": (t.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    });
    if let Some(b) = body {
        line["body"] = Value::String(String::from_utf8_lossy(b).into_owned());
    }
    if let Some(r) = rows {
        line["rows"] = Value::Array(r.to_vec());
    }
    let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    else {
        return;
    };
    // One write per line: concurrent writers' lines do not interleave.
    let mut buf = line.to_string().into_bytes();
    buf.push(b'\n');
    let _ = f.write_all(&buf);
}
