//! `compare --format json` and `compare.json`: the comparison as one pretty-printed
//! `goattrib.compare/v1` object.

use std::io::Write;

use crate::model::compare::Comparison;
use crate::render::Render;

pub fn write(c: &Comparison, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, c)?;
    writeln!(out)
}

/// `compare.json`: exactly what `compare --format json` prints.
pub struct Json;

impl Render<Comparison> for Json {
    fn file_name(&self) -> &'static str {
        "compare.json"
    }

    fn render(&self, c: &Comparison) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        write(c, &mut out)?;
        Ok(out)
    }
}
