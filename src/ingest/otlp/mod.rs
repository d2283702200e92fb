//! OTLP/JSON trace files into [`Span`]s: the OpenTelemetry Collector's file exporter format,
//! one `TracesData` object per line (a single pretty-printed object works too). Per the
//! OTLP/JSON rules (opentelemetry-proto `docs/specification.md`): hex ids, lowerCamelCase
//! keys, integer enums, 64-bit integers as decimal strings; unknown fields are ignored.

use std::path::Path;

use serde::Deserialize;
use thiserror::Error;

use crate::model::spans::{AttrValue, Span};

pub mod stdouttrace;

#[derive(Debug, Error)]
pub enum OtlpError {
    #[error("failed to read `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "failed to read OTLP/JSON `{path}` line {line} column {column}: expected a TracesData object"
    )]
    Json {
        path: String,
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("failed to read OTLP/JSON `{path}`: span `{span}` has {what}")]
    Span {
        path: String,
        span: String,
        what: String,
    },
    #[error(transparent)]
    StdoutTrace(#[from] stdouttrace::StdoutTraceError),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TracesData {
    #[serde(default)]
    resource_spans: Vec<ResourceSpans>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceSpans {
    #[serde(default)]
    scope_spans: Vec<ScopeSpans>,
}

#[derive(Deserialize)]
struct ScopeSpans {
    #[serde(default)]
    spans: Vec<RawSpan>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Int {
    Str(String),
    Num(i64),
}

impl Int {
    fn get(&self) -> Option<i64> {
        match self {
            Int::Str(s) => s.parse().ok(),
            Int::Num(n) => Some(*n),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSpan {
    #[serde(default)]
    trace_id: String,
    #[serde(default)]
    span_id: String,
    #[serde(default)]
    parent_span_id: String,
    #[serde(default)]
    name: String,
    start_time_unix_nano: Option<Int>,
    end_time_unix_nano: Option<Int>,
    #[serde(default)]
    attributes: Vec<KeyValue>,
}

#[derive(Deserialize)]
struct KeyValue {
    key: String,
    #[serde(default)]
    value: AnyValue,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AnyValue {
    bool_value: Option<bool>,
    string_value: Option<String>,
    int_value: Option<Int>,
    double_value: Option<f64>,
    array_value: Option<serde_json::Value>,
    kvlist_value: Option<serde_json::Value>,
    bytes_value: Option<String>,
}

impl AnyValue {
    fn into_attr(self) -> AttrValue {
        if let Some(b) = self.bool_value {
            AttrValue::Bool(b)
        } else if let Some(s) = self.string_value {
            AttrValue::Str(s)
        } else if let Some(i) = self.int_value.as_ref().and_then(Int::get) {
            AttrValue::Int(i)
        } else if let Some(d) = self.double_value {
            AttrValue::Double(d)
        } else if let Some(v) = self.array_value.or(self.kvlist_value) {
            AttrValue::Other(v.to_string())
        } else {
            AttrValue::Other(self.bytes_value.unwrap_or_default())
        }
    }
}

/// Reads one OTLP/JSON or stdouttrace file (which one, from its content).
pub fn read_spans(path: &Path) -> Result<Vec<Span>, OtlpError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| OtlpError::Read {
        path: shown.clone(),
        source,
    })?;
    if stdouttrace::sniff(&text) {
        return Ok(stdouttrace::parse_spans(&text, &shown)?);
    }
    parse_spans(&text, &shown)
}

/// Parses a stream of TracesData objects (one per line, or any JSON whitespace between).
pub fn parse_spans(text: &str, path: &str) -> Result<Vec<Span>, OtlpError> {
    let mut out = Vec::new();
    for doc in serde_json::Deserializer::from_str(text).into_iter::<TracesData>() {
        let doc = doc.map_err(|source| OtlpError::Json {
            path: path.to_owned(),
            line: source.line(),
            column: source.column(),
            source,
        })?;
        for s in doc
            .resource_spans
            .into_iter()
            .flat_map(|r| r.scope_spans)
            .flat_map(|s| s.spans)
        {
            let time = |t: &Option<Int>, what: &str| {
                t.as_ref()
                    .and_then(Int::get)
                    .and_then(|v| u64::try_from(v).ok())
                    .ok_or_else(|| OtlpError::Span {
                        path: path.to_owned(),
                        span: s.span_id.clone(),
                        what: format!("no valid {what}"),
                    })
            };
            let start_ns = time(&s.start_time_unix_nano, "startTimeUnixNano")?;
            let end_ns = time(&s.end_time_unix_nano, "endTimeUnixNano")?;
            out.push(Span {
                trace_id: s.trace_id.to_ascii_lowercase(),
                span_id: s.span_id.to_ascii_lowercase(),
                parent_span_id: s.parent_span_id.to_ascii_lowercase(),
                name: s.name,
                start_ns,
                end_ns,
                attributes: s
                    .attributes
                    .into_iter()
                    .map(|kv| (kv.key, kv.value.into_attr()))
                    .collect(),
            });
        }
    }
    Ok(out)
}
