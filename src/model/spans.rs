//! OpenTelemetry spans as goattrib models them (from OTLP/JSON), and the versioned JSON
//! contract `goattrib.spans/v1` that `goattrib spans --format json` prints.
//!
//! Changelog of `goattrib.spans/v1`: first version.

use serde::{Deserialize, Serialize};

use super::profile::FunctionCost;

pub const SPANS_SCHEMA: &str = "goattrib.spans/v1";

/// An attribute value; arrays, maps and bytes are kept as their JSON text.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    Bool(bool),
    Str(String),
    Int(i64),
    Double(f64),
    Other(String),
}

impl std::fmt::Display for AttrValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttrValue::Bool(b) => write!(f, "{b}"),
            AttrValue::Str(s) | AttrValue::Other(s) => f.write_str(s),
            AttrValue::Int(i) => write!(f, "{i}"),
            AttrValue::Double(d) => write!(f, "{d}"),
        }
    }
}

/// One span: hex ids as OTLP/JSON writes them, times in Unix nanoseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    pub name: String,
    pub start_ns: u64,
    pub end_ns: u64,
    pub attributes: Vec<(String, AttrValue)>,
}

impl Span {
    pub fn duration_ns(&self) -> u64 {
        self.end_ns.saturating_sub(self.start_ns)
    }
}

/// `goattrib.spans/v1`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpansReport {
    pub schema: String,
    /// The `--where` filters, as `key=value`.
    #[serde(rename = "where")]
    pub filters: Vec<String>,
    /// Spans read from all files.
    pub spans_read: usize,
    /// One group per name of the selected spans, the most spans first.
    pub groups: Vec<SpanGroup>,
    pub warnings: Vec<String>,
}

/// The selected spans of one name and where their time went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanGroup {
    pub name: String,
    pub count: usize,
    /// Nearest-rank percentiles of the spans' durations.
    pub p50_ns: u64,
    pub p95_ns: u64,
    pub total_ns: u64,
    /// Direct children by name (their time clipped to the parent's), then `self_ns`.
    pub children: Vec<ChildTime>,
    /// The part of the spans' time not covered by any direct child.
    pub self_ns: u64,
    /// With `--profile`: samples labelled `span_id` of these spans.
    pub profile: Option<SpanProfile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildTime {
    pub name: String,
    /// How many child spans of that name.
    pub count: usize,
    pub total_ns: u64,
    /// Of the group's `total_ns`.
    pub fraction: f64,
}

/// CPU samples joined to the group's spans through the pprof label `span_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpanProfile {
    pub sample_type: super::profile::ValueType,
    /// Sum over the joined samples.
    pub total: i64,
    /// Spans of the group that have at least one sample.
    pub spans_with_samples: usize,
    /// The joined samples' top functions by flat (at most 20).
    pub functions: Vec<FunctionCost>,
}
