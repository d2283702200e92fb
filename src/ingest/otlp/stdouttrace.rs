//! The OpenTelemetry Go SDK's `stdouttrace` exporter output into [`Span`]s: a stream of
//! concatenated JSON objects, one `tracetest.SpanStub` per span, compact (one per line) or
//! tab-indented (`WithPrettyPrint`). Not OTLP: that is the parent module's format.
//!
//! What the Go source defines (go.opentelemetry.io/otel):
//! - `exporters/stdout/stdouttrace/trace.go` (v1.1.0, and the same in a later SPDX-headed
//!   release, opentelemetry-go commit 0b8a8df): `json.NewEncoder(w)`, `SetIndent("", "\t")`
//!   with pretty print, `Encode(stub)` once per span, so objects follow each other with a
//!   newline and no array around them. An older `trace_test.go` (commit da19d0e, the
//!   `oteltest` era before 1.0) expects one JSON array per batch instead, so an array of span
//!   objects is read too.
//! - `sdk/trace/tracetest/span.go` `SpanStub`: `Name`, `SpanContext`, `Parent`, `SpanKind`
//!   (an integer, 1 = internal, 2 = server), `StartTime`, `EndTime` (`time.Time`: RFC 3339
//!   with nanoseconds in the process's local zone; Go's zero time `0001-01-01T00:00:00Z`
//!   under `WithoutTimestamps`), `Attributes`, `Events`, `Links`, `Status`,
//!   `DroppedAttributes`/`Events`/`Links`, `ChildSpanCount`, `Resource`, then
//!   `InstrumentationLibrary` (v1.1.0; later releases move to an instrumentation *scope*).
//!   Only the fields above up to `Attributes` are read; unknown fields are ignored, so a
//!   renamed or added field elsewhere does not matter.
//! - `trace/trace.go` `SpanContext.MarshalJSON`: `{TraceID, SpanID, TraceFlags, TraceState,
//!   Remote}` with hex ids; a root span's `Parent` has the all-zero ids.
//! - `attribute/value.go` `Value.MarshalJSON`: `{"Type": "BOOL"|"INT64"|"FLOAT64"|"STRING"|
//!   "BOOLSLICE"|…, "Value": …}` (`attribute/type_string.go`); nil slices are `null`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

use crate::ingest::timestamp::parse_rfc3339_micros;
use crate::model::spans::{AttrValue, Span};

#[derive(Debug, Error)]
pub enum StdoutTraceError {
    #[error(
        "failed to read stdouttrace `{path}` at byte {offset} (line {line}): the file ends inside a span object (truncated?)"
    )]
    Truncated {
        path: String,
        offset: usize,
        line: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "failed to read stdouttrace `{path}` at byte {offset} (line {line} column {column}): expected a span object (SpanStub JSON)"
    )]
    Json {
        path: String,
        offset: usize,
        line: usize,
        column: usize,
        #[source]
        source: serde_json::Error,
    },
    #[error("failed to read stdouttrace `{path}`: the span at byte {offset} has {what}")]
    Span {
        path: String,
        offset: usize,
        what: String,
    },
}

/// Whether `text` is stdouttrace output rather than OTLP/JSON, from its content: an array
/// at the top (1.0.0-RC batches), or a first object naming `SpanContext` before any
/// `resourceSpans` (OTLP's first key). Looks at the first 64 KiB only.
pub fn sniff(text: &str) -> bool {
    let head = &text.as_bytes()[..text.len().min(64 * 1024)];
    let Some(first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    if *first == b'[' {
        return true;
    }
    let at = |needle: &[u8]| memchr::memmem::find(head, needle);
    match (at(b"\"SpanContext\""), at(b"\"resourceSpans\"")) {
        (Some(s), Some(r)) => s < r,
        (Some(_), None) => true,
        _ => false,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stub {
    #[serde(default)]
    name: String,
    span_context: Option<Context>,
    parent: Option<Context>,
    start_time: Option<String>,
    end_time: Option<String>,
    attributes: Option<Vec<KeyValue>>,
}

#[derive(Deserialize)]
struct Context {
    #[serde(rename = "TraceID", default)]
    trace_id: String,
    #[serde(rename = "SpanID", default)]
    span_id: String,
}

#[derive(Deserialize)]
struct KeyValue {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: TypedValue,
}

#[derive(Deserialize)]
struct TypedValue {
    #[serde(rename = "Type", default)]
    kind: String,
    #[serde(rename = "Value", default)]
    value: serde_json::Value,
}

impl TypedValue {
    fn into_attr(self) -> AttrValue {
        use serde_json::Value as J;
        match (self.kind.as_str(), self.value) {
            ("BOOL", J::Bool(b)) => AttrValue::Bool(b),
            ("STRING", J::String(s)) => AttrValue::Str(s),
            ("INT64", J::Number(n)) if n.as_i64().is_some() => {
                AttrValue::Int(n.as_i64().unwrap_or_default())
            }
            ("FLOAT64", J::Number(n)) if n.as_f64().is_some() => {
                AttrValue::Double(n.as_f64().unwrap_or_default())
            }
            (_, J::String(s)) => AttrValue::Other(s),
            (_, other) => AttrValue::Other(other.to_string()),
        }
    }
}

/// One top-level JSON value: a span object, or (1.0.0-RC) an array of them.
struct Doc(Vec<Stub>);

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct DocVisitor;
        impl<'de> Visitor<'de> for DocVisitor {
            type Value = Doc;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a span object or an array of span objects")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Doc, A::Error> {
                Stub::deserialize(de::value::MapAccessDeserializer::new(map)).map(|s| Doc(vec![s]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<Stub>()? {
                    out.push(s);
                }
                Ok(Doc(out))
            }
        }
        d.deserialize_any(DocVisitor)
    }
}

/// The byte offset of serde_json's (1-based) line and column in `text`.
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes())
            .nth(line - 2)
            .map_or(text.len(), |i| i + 1)
    };
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// RFC 3339 with up to nine fraction digits into Unix nanoseconds; `None` for Go's zero
/// time (the year-1 value `WithoutTimestamps` writes) and for malformed text.
fn unix_nanos(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let (whole, nanos) = match b.get(19) {
        Some(b'.') => {
            let len = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
            if len == 0 || len > 9 {
                return None;
            }
            let digits = std::str::from_utf8(&b[20..20 + len]).ok()?;
            let nanos = digits.parse::<u64>().ok()? * 10u64.pow(9 - len as u32);
            let mut whole = b[..19].to_vec();
            whole.extend_from_slice(&b[20 + len..]);
            (whole, nanos)
        }
        _ => (b.to_vec(), 0),
    };
    if b.get(..4).is_some_and(|y| y <= b"0001".as_slice()) {
        return None;
    }
    let secs_micros = parse_rfc3339_micros(&whole)?;
    u64::try_from(secs_micros)
        .ok()?
        .checked_mul(1_000)?
        .checked_add(nanos)
}

fn is_zero_id(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

/// Parses a stream of stdouttrace span objects (any JSON whitespace between them).
pub fn parse_spans(text: &str, path: &str) -> Result<Vec<Span>, StdoutTraceError> {
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Doc>();
    loop {
        // Where the next value starts: after the previous one and any whitespace.
        let before = stream.byte_offset();
        let start = before
            + text.as_bytes()[before..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
        let Some(doc) = stream.next() else { break };
        let doc = doc.map_err(|source| {
            let (line, column) = (source.line(), source.column());
            let offset = byte_offset(text, line, column);
            if source.is_eof() {
                // Where the cut object began, not where the text ran out.
                StdoutTraceError::Truncated {
                    path: path.to_owned(),
                    offset: start,
                    line: memchr::memchr_iter(b'\n', &text.as_bytes()[..start]).count() + 1,
                    source,
                }
            } else {
                StdoutTraceError::Json {
                    path: path.to_owned(),
                    offset,
                    line,
                    column,
                    source,
                }
            }
        })?;
        for stub in doc.0 {
            out.push(to_span(stub, path, start)?);
        }
    }
    Ok(out)
}

fn to_span(stub: Stub, path: &str, offset: usize) -> Result<Span, StdoutTraceError> {
    let bad = |what: &str| StdoutTraceError::Span {
        path: path.to_owned(),
        offset,
        what: what.to_owned(),
    };
    let ctx = stub
        .span_context
        .filter(|c| !c.span_id.is_empty() && !is_zero_id(&c.span_id))
        .ok_or_else(|| bad("no SpanContext.SpanID"))?;
    let time = |t: &Option<String>, field: &str| {
        let t = t.as_deref().ok_or_else(|| bad(&format!("no {field}")))?;
        unix_nanos(t).ok_or_else(|| {
            bad(&format!(
                "no valid {field} (RFC 3339 expected; Go's zero time means the exporter ran WithoutTimestamps)"
            ))
        })
    };
    let start_ns = time(&stub.start_time, "StartTime")?;
    let end_ns = time(&stub.end_time, "EndTime")?;
    let parent_span_id = stub
        .parent
        .map(|p| p.span_id)
        .filter(|id| !is_zero_id(id))
        .unwrap_or_default();
    Ok(Span {
        trace_id: ctx.trace_id.to_ascii_lowercase(),
        span_id: ctx.span_id.to_ascii_lowercase(),
        parent_span_id: parent_span_id.to_ascii_lowercase(),
        name: stub.name,
        start_ns,
        end_ns,
        attributes: stub
            .attributes
            .unwrap_or_default()
            .into_iter()
            .map(|kv| (kv.key, kv.value.into_attr()))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"Name":"cache.Get","SpanContext":{"TraceID":"0102030405060708090a0b0c0d0e0f10","SpanID":"0102030405060708"},"Parent":{"TraceID":"00000000000000000000000000000000","SpanID":"0000000000000000"},"SpanKind":1,"StartTime":"2026-12-02T04:26:52.620522467+05:30","EndTime":"2026-12-02T04:26:52.6221564+05:30","Attributes":[{"Key":"cache.miss","Value":{"Type":"BOOL","Value":true}},{"Key":"n","Value":{"Type":"INT64","Value":7}}]}"#;

    #[test]
    fn nanoseconds_and_zones_are_exact() {
        assert_eq!(
            unix_nanos("2026-12-01T22:56:52.620522467Z"),
            unix_nanos("2026-12-02T04:26:52.620522467+05:30")
        );
        assert_eq!(unix_nanos("1970-01-01T00:00:01.5Z"), Some(1_500_000_000));
        assert_eq!(unix_nanos("1970-01-01T00:00:00.000000001Z"), Some(1));
        assert_eq!(unix_nanos("0001-01-01T00:00:00Z"), None);
        assert_eq!(unix_nanos("1970-01-01T00:00:00.0000000001Z"), None);
    }

    #[test]
    fn reads_a_span_and_a_batch_array() {
        let spans = parse_spans(ONE, "t").unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].parent_span_id, "");
        assert_eq!(spans[0].duration_ns(), 1_633_933);
        assert_eq!(
            spans[0].attributes,
            vec![
                ("cache.miss".to_owned(), AttrValue::Bool(true)),
                ("n".to_owned(), AttrValue::Int(7)),
            ]
        );
        let batch = format!("[{ONE},\n{ONE}]\n{ONE}");
        assert_eq!(parse_spans(&batch, "t").unwrap().len(), 3);
        assert!(sniff(&batch) && sniff(ONE) && !sniff(r#"{"resourceSpans":[]}"#));
    }

    #[test]
    fn a_cut_span_names_where_it_started() {
        let text = format!("{ONE}\n{}", &ONE[..50]);
        let e = parse_spans(&text, "t").unwrap_err();
        assert!(
            matches!(e, StdoutTraceError::Truncated { offset, line: 2, .. } if offset == ONE.len() + 1),
            "{e}"
        );
    }

    #[test]
    fn garbage_names_its_byte() {
        let text = format!("{ONE}\n{{\"Name\": x}}");
        let e = parse_spans(&text, "t").unwrap_err();
        let want = ONE.len() + 1 + 9;
        assert!(
            matches!(e, StdoutTraceError::Json { offset, .. } if offset == want),
            "{e}"
        );
    }
}
