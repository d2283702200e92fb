//! `--format json`: the report as one pretty-printed JSON object.

use std::io::Write;

use crate::model::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
