//! `compare --format json`: the comparison as one pretty-printed `goattrib.compare/v1` object.

use std::io::Write;

use crate::model::compare::Comparison;

pub fn write(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, c)?;
    writeln!(out)
}
