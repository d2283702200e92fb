//! pprof files (`perftools.profiles.Profile`, gzipped or raw) into [`Profile`]s with every
//! stack resolved to function names, plus the compiler's `-bench` phase lines (`bench.rs`).
//! Decoding is prost's; this file walks the top-level fields itself only so a failure can
//! name the byte offset of the record that broke. Not for analysis: see `analysis::profile`.

mod bench;
mod load;
mod proto;

pub use bench::{BenchError, looks_like_bench, parse_bench, read_bench};
pub use load::{Loaded, load};

use std::collections::HashMap;
use std::io::{BufRead, Read};
use std::path::Path;

use prost::Message;
use prost::bytes::Buf;
use thiserror::Error;

use crate::model::profile::{Function, LabelValue, Profile, ProfileKind, Sample, ValueType};

/// Decompressed profiles larger than this are refused (memory stays bounded).
pub const MAX_PROFILE_BYTES: u64 = 1 << 30;

/// Why a pprof file could not be read.
#[derive(Debug, Error)]
pub enum PprofError {
    #[error("failed to read `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The gzip stream broke `offset` bytes into the file (truncated, or not gzip after all).
    #[error(
        "failed to decompress `{path}` at byte offset {offset} (expected a complete gzip stream)"
    )]
    Gzip {
        path: String,
        offset: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to decompress `{path}`: larger than {limit} bytes")]
    TooLarge { path: String, limit: u64 },
    /// The protobuf broke at `offset` of the decompressed bytes, inside the record `field`.
    #[error(
        "failed to decode pprof `{path}` at byte offset {offset}{where_}: expected a valid `{field}` record"
    )]
    Decode {
        path: String,
        offset: u64,
        /// " of the decompressed stream" for gzipped files, empty for raw ones.
        where_: &'static str,
        field: &'static str,
        #[source]
        source: prost::DecodeError,
    },
    /// Decoded, but the tables do not fit together.
    #[error("failed to read pprof `{path}`: {what}")]
    Invalid { path: String, what: String },
}

impl PprofError {
    /// The byte offset the error points at, when there is one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            PprofError::Gzip { offset, .. } | PprofError::Decode { offset, .. } => Some(*offset),
            _ => None,
        }
    }
}

/// Reads and decodes one pprof file.
pub fn read_profile(path: &Path) -> Result<Profile, PprofError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| PprofError::Read {
        path: shown.clone(),
        source,
    })?;
    decode_profile(&bytes, &shown)
}

/// Whether `bytes` start like a pprof file: gzip, or a protobuf whose first key is one of
/// Profile's fields 1-15 with a varint or length-delimited wire type (Go's
/// runtime/pprof writes `time_nanos`, field 9, first: byte 0x48).
pub fn looks_like_pprof(bytes: &[u8]) -> bool {
    match bytes {
        [0x1f, 0x8b, ..] => true,
        [b, ..] => (1..=15).contains(&(b >> 3)) && matches!(b & 7, 0 | 2),
        [] => false,
    }
}

/// Decodes a pprof file's bytes; `path` is only for messages and the kind guess.
pub fn decode_profile(bytes: &[u8], path: &str) -> Result<Profile, PprofError> {
    let (raw, where_) = if bytes.starts_with(&[0x1f, 0x8b]) {
        (gunzip(bytes, path)?, " of the decompressed stream")
    } else {
        (bytes.to_vec(), "")
    };
    let proto = decode_fields(&raw, path, where_)?;
    resolve(proto, path)
}

/// A byte slice as a `BufRead` that remembers how far the decoder got.
struct Counting<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (&self.data[self.pos..]).read(buf)?;
        self.pos += n;
        Ok(n)
    }
}

impl BufRead for Counting<'_> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        Ok(&self.data[self.pos..])
    }
    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.data.len());
    }
}

fn gunzip(bytes: &[u8], path: &str) -> Result<Vec<u8>, PprofError> {
    let mut input = Counting {
        data: bytes,
        pos: 0,
    };
    let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
    let result = {
        let decoder = flate2::bufread::MultiGzDecoder::new(&mut input);
        decoder.take(MAX_PROFILE_BYTES + 1).read_to_end(&mut out)
    };
    match result {
        Err(source) => Err(PprofError::Gzip {
            path: path.to_owned(),
            offset: input.pos as u64,
            source,
        }),
        Ok(n) if n as u64 > MAX_PROFILE_BYTES => Err(PprofError::TooLarge {
            path: path.to_owned(),
            limit: MAX_PROFILE_BYTES,
        }),
        Ok(_) => Ok(out),
    }
}

fn field_name(tag: u32) -> &'static str {
    match tag {
        1 => "sample_type",
        2 => "sample",
        3 => "mapping",
        4 => "location",
        5 => "function",
        6 => "string_table",
        7 => "drop_frames",
        8 => "keep_frames",
        9 => "time_nanos",
        10 => "duration_nanos",
        11 => "period_type",
        12 => "period",
        13 => "comment",
        14 => "default_sample_type",
        15 => "doc_url",
        _ => "field key",
    }
}

/// prost's decoding, one top-level field at a time, so an error knows its offset.
fn decode_fields(
    raw: &[u8],
    path: &str,
    where_: &'static str,
) -> Result<proto::Profile, PprofError> {
    let mut profile = proto::Profile::default();
    let mut buf: &[u8] = raw;
    while buf.has_remaining() {
        let offset = (raw.len() - buf.len()) as u64;
        let err = |field, source| PprofError::Decode {
            path: path.to_owned(),
            offset,
            where_,
            field,
            source,
        };
        let (tag, wire_type) =
            prost::encoding::decode_key(&mut buf).map_err(|e| err("field key", e))?;
        profile
            .merge_field(
                tag,
                wire_type,
                &mut buf,
                prost::encoding::DecodeContext::default(),
            )
            .map_err(|e| err(field_name(tag), e))?;
    }
    Ok(profile)
}

fn resolve(p: proto::Profile, path: &str) -> Result<Profile, PprofError> {
    let invalid = |what: String| PprofError::Invalid {
        path: path.to_owned(),
        what,
    };
    let strings = &p.string_table;
    let s = |i: i64| -> Result<&str, PprofError> {
        usize::try_from(i)
            .ok()
            .and_then(|i| strings.get(i))
            .map(String::as_str)
            .ok_or_else(|| {
                invalid(format!(
                    "string index {i} is outside the string table ({} entries)",
                    strings.len()
                ))
            })
    };
    let sample_types = p
        .sample_type
        .iter()
        .map(|v| {
            Ok(ValueType {
                kind: s(v.r#type)?.to_owned(),
                unit: s(v.unit)?.to_owned(),
            })
        })
        .collect::<Result<Vec<_>, PprofError>>()?;
    // pprof: default_sample_type names a type; unset means the last one.
    let default_name = s(p.default_sample_type)?;
    let default_sample = sample_types
        .iter()
        .position(|t| !default_name.is_empty() && t.kind == default_name)
        .unwrap_or(sample_types.len().saturating_sub(1));

    let mut functions = Vec::with_capacity(p.function.len());
    let mut function_index = HashMap::with_capacity(p.function.len());
    for f in &p.function {
        let mut name = s(f.name)?;
        if name.is_empty() {
            name = s(f.system_name)?;
        }
        function_index.insert(f.id, functions.len() as u32);
        functions.push(Function {
            name: name.to_owned(),
            file: s(f.filename)?.to_owned(),
        });
    }
    let mut locations: HashMap<u64, Vec<u32>> = HashMap::with_capacity(p.location.len());
    for loc in &p.location {
        let mut frames = Vec::with_capacity(loc.line.len().max(1));
        for line in &loc.line {
            let f = function_index.get(&line.function_id).ok_or_else(|| {
                invalid(format!(
                    "location {} names function {}, which is not in the function table",
                    loc.id, line.function_id
                ))
            })?;
            frames.push(*f);
        }
        if frames.is_empty() {
            // Unsymbolized: pprof shows the address; so do we.
            frames.push(functions.len() as u32);
            functions.push(Function {
                name: format!("{:#x}", loc.address),
                file: String::new(),
            });
        }
        locations.insert(loc.id, frames);
    }
    let mut samples = Vec::with_capacity(p.sample.len());
    for (n, sample) in p.sample.iter().enumerate() {
        if sample.value.len() != sample_types.len() {
            return Err(invalid(format!(
                "sample {n} has {} values for {} sample types",
                sample.value.len(),
                sample_types.len()
            )));
        }
        let mut stack = Vec::with_capacity(sample.location_id.len());
        for id in &sample.location_id {
            let frames = locations.get(id).ok_or_else(|| {
                invalid(format!(
                    "sample {n} names location {id}, which is not in the location table"
                ))
            })?;
            stack.extend_from_slice(frames);
        }
        let mut labels = Vec::with_capacity(sample.label.len());
        for l in &sample.label {
            let value = if l.str != 0 {
                LabelValue::Str(s(l.str)?.to_owned())
            } else {
                let unit = s(l.num_unit)?;
                LabelValue::Num {
                    value: l.num,
                    unit: (!unit.is_empty()).then(|| unit.to_owned()),
                }
            };
            labels.push((s(l.key)?.to_owned(), value));
        }
        samples.push(Sample {
            stack,
            values: sample.value.clone(),
            labels,
        });
    }
    let main_mapping = match p.mapping.first() {
        Some(m) => s(m.filename)?,
        None => "",
    };
    let (kind, package) = guess_kind(path, main_mapping, &sample_types, p.mapping.is_empty());
    Ok(Profile {
        file: path.to_owned(),
        kind,
        package,
        sample_types,
        default_sample,
        duration_ns: p.duration_nanos,
        functions,
        samples,
    })
}

/// Compile profiles are named `DIR/<url.PathEscape(pkgpath)>.cpuprof` by cmd/compile
/// (`gc/util.go`), and `record --profile` keeps that name; their main mapping is the
/// `compile` binary. Test binaries end in `.test`. `go tool trace -pprof` writes no mappings.
fn guess_kind(
    path: &str,
    mapping: &str,
    types: &[ValueType],
    no_mappings: bool,
) -> (ProfileKind, Option<String>) {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let binary = mapping.rsplit('/').next().unwrap_or("");
    if let Some(stem) = name.strip_suffix(".cpuprof") {
        let package = percent_encoding::percent_decode_str(stem)
            .decode_utf8_lossy()
            .into_owned();
        return (ProfileKind::Compile, Some(package));
    }
    if binary == "compile" || binary == "compile.exe" {
        return (ProfileKind::Compile, None);
    }
    if binary.ends_with(".test") || binary.ends_with(".test.exe") {
        return (ProfileKind::Test, None);
    }
    if no_mappings && types.first().is_some_and(|t| t.kind == "contentions") {
        return (ProfileKind::Trace, None);
    }
    (ProfileKind::Runtime, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_record_is_named_with_its_offset() {
        // period = 7 (field 12, varint), then a sample_type claiming 5 bytes with 1 left.
        let bytes = [0x60, 0x07, 0x0a, 0x05, 0x08];
        match decode_profile(&bytes, "x.pprof") {
            Err(PprofError::Decode {
                offset,
                field,
                where_,
                ..
            }) => {
                assert_eq!((offset, field, where_), (2, "sample_type", ""));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tables_that_do_not_fit_are_invalid_not_panics() {
        // sample_type { type: 3 } with a one-entry string table.
        let bytes = [0x0a, 0x02, 0x08, 0x03, 0x32, 0x00];
        let e = decode_profile(&bytes, "x.pprof").unwrap_err();
        assert!(matches!(e, PprofError::Invalid { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            "failed to read pprof `x.pprof`: string index 3 is outside the string table (1 entries)"
        );
    }

    #[test]
    fn raw_profiles_start_with_any_field_key() {
        assert!(looks_like_pprof(&[0x48, 0x01])); // time_nanos first, as runtime/pprof writes
        assert!(looks_like_pprof(&[0x0a]));
        assert!(!looks_like_pprof(b"{\"resourceSpans\""));
        assert!(!looks_like_pprof(&[]));
    }
}
