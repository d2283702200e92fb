//! `--format json` and `report.json`: the report as one pretty-printed JSON object.

use std::io::Write;

use crate::model::Report;
use crate::render::Render;

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // serde_json writes token by token: gathered here, `out` sees few large writes instead
    // of a dynamic call per token.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, report)?;
    writeln!(out)?;
    out.flush()
}

/// `report.json`: exactly what `--format json` prints.
pub struct Json;

impl Render<Report> for Json {
    fn file_name(&self) -> &'static str {
        "report.json"
    }

    fn render(&self, report: &Report) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        write(report, &mut out)?;
        Ok(out)
    }
}
