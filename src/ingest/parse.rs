//! One file through its codec: the format is sniffed from the decompressed head, which is
//! then chained back in front of the stream, so nothing is read twice.

use std::io::{BufRead, Read};
use std::path::Path;

use super::files::SNIFF_BYTES;
use super::{
    IngestError, InputKind, Parsed, Warning, actiongraph, chrome_trace, gitlab_trace, go_env,
    go_mod_download, go_modules, go_output, manifest, modules_txt, open, serde_message, sniff,
};

/// What the other files of the same build make unnecessary to parse.
#[derive(Debug, Clone, Copy, Default)]
pub struct ParseOptions {
    /// An action graph is present: a Chrome trace only needs its command span.
    pub trace_wall_only: bool,
    /// Bundle files describe the build: a job trace's script output is not needed
    /// (the bundle is the truth), so it is not kept.
    pub skip_job_script: bool,
    /// An action graph is present: it gives the actions, hits and misses, so the `-x` text
    /// in the Go output is read only for the compiler's messages.
    pub x_diagnostics_only: bool,
}

/// Reads and parses one file.
pub fn parse_file(path: &Path) -> Result<(InputKind, Parsed, Vec<Warning>), IngestError> {
    parse_file_with(path, ParseOptions::default())
}

/// Reads and parses one file, skipping work `opts` says is not needed.
pub fn parse_file_with(
    path: &Path,
    opts: ParseOptions,
) -> Result<(InputKind, Parsed, Vec<Warning>), IngestError> {
    parse_file_as(path, None, opts)
}

/// The most a file's size may reserve up front before it is read whole: past this the
/// buffer grows with what is actually read (a special file can report any size).
const MAX_WHOLE_HINT: usize = 256 << 20;

/// [`parse_file_with`] for a file whose kind was sniffed already (`load` sniffs every file
/// first, to choose the options): its head is not sniffed a second time.
pub(super) fn parse_file_as(
    path: &Path,
    sniffed: Option<InputKind>,
    opts: ParseOptions,
) -> Result<(InputKind, Parsed, Vec<Warning>), IngestError> {
    let mut reader = open(path)?;
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    // Sniff on the decompressed head without consuming it: read it into a buffer,
    // then chain it in front of the rest of the stream.
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader)
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    // A UTF-8 byte order mark is not part of any of these formats.
    if head.starts_with(b"\xef\xbb\xbf") {
        head.drain(..3);
    }
    let Some(kind) = sniffed.or_else(|| sniff(&head)) else {
        if head.iter().all(u8::is_ascii_whitespace) {
            return Err(IngestError::Empty {
                path: path.to_owned(),
            });
        }
        return Err(IngestError::Unrecognized {
            path: path.to_owned(),
            reason: "expected Go build output (-json/-x/gocachehash), an action graph, a Chrome \
                     trace, go env -json, go list -m -json, vendor/modules.txt or a GitLab job \
                     trace"
                .to_owned(),
        });
    };
    // `Chain` of two `BufRead`s is itself one: no extra buffer, no extra copy.
    let mut reader: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(head).chain(reader));
    let source = path.display().to_string();
    let mut warnings = Vec::new();
    let parse_err = |kind: InputKind, e: serde_json::Error| IngestError::Parse {
        path: path.to_owned(),
        kind: kind.describe(),
        line: e.line(),
        column: e.column(),
        message: serde_message(&e),
    };
    // Sized from the file at once (a gzip's inflated size is unknown: it grows from there):
    // grown by doubling, a 2 MB action graph was copied about twice more, into fresh pages.
    let whole = |reader: &mut Box<dyn BufRead + Send>| -> Result<Vec<u8>, IngestError> {
        let size_hint = std::fs::metadata(path).map_or(0, |m| m.len()) as usize;
        let mut bytes = Vec::with_capacity(size_hint.min(MAX_WHOLE_HINT));
        reader.read_to_end(&mut bytes).map_err(io)?;
        Ok(bytes)
    };
    let mut parsed = match kind {
        InputKind::GoOutput => {
            let (out, messages) = go_output::read_stream(&mut reader, opts.x_diagnostics_only);
            warnings.extend(messages.into_iter().map(|message| Warning {
                source: source.clone(),
                message,
            }));
            Parsed::GoOutput(Box::new(out))
        }
        InputKind::ActionGraph => Parsed::ActionGraph(
            actiongraph::parse(&whole(&mut reader)?).map_err(|e| parse_err(kind, e))?,
        ),
        InputKind::ChromeTrace => {
            let quick = if opts.trace_wall_only {
                match chrome_trace::command_span_at_ends(path).map_err(io)? {
                    Some(span) => Some(span),
                    None => chrome_trace::scan_command_span(&mut reader).map_err(io)?,
                }
            } else {
                None
            };
            let trace = match quick {
                Some(t) => t,
                None => {
                    // The scan read the stream: read the file again, in full.
                    let bytes = if opts.trace_wall_only {
                        whole(&mut open(path)?)?
                    } else {
                        whole(&mut reader)?
                    };
                    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
                    chrome_trace::parse(bytes).map_err(|e| parse_err(kind, e))?
                }
            };
            if trace.unclosed > 0 {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "{} trace span(s) never ended: the build was cut short",
                        trace.unclosed
                    ),
                });
            }
            Parsed::ChromeTrace(trace)
        }
        InputKind::GoEnv => {
            Parsed::GoEnv(go_env::parse(&whole(&mut reader)?).map_err(|e| parse_err(kind, e))?)
        }
        InputKind::GoModules => {
            let (modules, err) = go_modules::parse(&whole(&mut reader)?);
            if let Some(e) = err {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "module list cut at line {}, column {}: {}; kept {} module(s)",
                        e.line(),
                        e.column(),
                        serde_message(&e),
                        modules.len()
                    ),
                });
            }
            Parsed::GoModules(modules)
        }
        InputKind::GoModDownload => {
            let (entries, err) = go_mod_download::parse(&whole(&mut reader)?);
            if let Some(e) = err {
                warnings.push(Warning {
                    source: source.clone(),
                    message: format!(
                        "go mod download output cut at line {}, column {}: {}; kept {} module(s)",
                        e.line(),
                        e.column(),
                        serde_message(&e),
                        entries.len()
                    ),
                });
            }
            Parsed::GoModDownload(entries)
        }
        InputKind::ModulesTxt => Parsed::ModulesTxt(modules_txt::parse(&String::from_utf8_lossy(
            &whole(&mut reader)?,
        ))),
        InputKind::GitLabTrace => {
            let trace_opts = gitlab_trace::TraceOptions {
                keep_script_lines: false,
            };
            // The job's output is read for Go's output as it streams, unless a bundle
            // file describes the build (the bundle is then the truth).
            let mut go = (!opts.skip_job_script).then(go_output::GoOutputBuilder::default);
            let parsed = match go.as_mut() {
                Some(builder) => gitlab_trace::parse_streaming(reader, &trace_opts, &mut |line| {
                    builder.feed(line)
                }),
                None => gitlab_trace::parse_with(reader, &trace_opts),
            };
            let trace = parsed.map_err(|e| match e {
                gitlab_trace::TraceError::Empty => IngestError::Empty {
                    path: path.to_owned(),
                },
                gitlab_trace::TraceError::Read { offset, source } => IngestError::ReadAt {
                    path: path.to_owned(),
                    offset,
                    source,
                },
            })?;
            warnings.extend(trace.warnings.iter().map(|m| Warning {
                source: source.clone(),
                message: m.clone(),
            }));
            let go = go.map(|b| b.finish()).filter(|o| !o.says_nothing());
            Parsed::GitLabTrace(Box::new(trace), go.map(Box::new))
        }
        InputKind::Manifest => Parsed::Manifest(Box::new(
            manifest::read(&whole(&mut reader)?).map_err(|source| IngestError::Manifest {
                path: path.to_owned(),
                source,
            })?,
        )),
        InputKind::Command => Parsed::Command(
            String::from_utf8_lossy(&whole(&mut reader)?)
                .trim()
                .to_owned(),
        ),
        InputKind::ExitCode => {
            let text = String::from_utf8_lossy(&whole(&mut reader)?)
                .trim()
                .to_owned();
            Parsed::ExitCode(text.parse().map_err(|_| IngestError::Unrecognized {
                path: path.to_owned(),
                reason: format!("expected an exit code, found `{text}`"),
            })?)
        }
    };
    super::scrub::parsed(&mut parsed, &mut warnings);
    Ok((kind, parsed, warnings))
}
