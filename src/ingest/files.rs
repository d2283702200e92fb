//! Finding and opening input files: a bundle's files in a stable order, gzip opened
//! transparently, and the decompressed head a format is recognised from.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::IngestError;

/// The most bytes one gzipped file may inflate to, by default: a 16 MB gzip of newlines
/// is 16 GiB, and a merge request chooses what the job log and bundle hold. Real bundles
/// inflate to a few tens of MB (`go build std cmd/...`: 40 MB).
pub const DEFAULT_MAX_INFLATED: u64 = 256 * 1024 * 1024;

static MAX_INFLATED: AtomicU64 = AtomicU64::new(DEFAULT_MAX_INFLATED);

/// Sets the inflated-size limit for every file read from now on (`--max-inflated-size`).
pub fn set_max_inflated(bytes: u64) {
    MAX_INFLATED.store(bytes.max(1), Ordering::Relaxed);
}

/// The inflated-size limit in force.
pub fn max_inflated() -> u64 {
    MAX_INFLATED.load(Ordering::Relaxed)
}

/// The error a capped stream returns once it would pass its limit.
#[derive(Debug, thiserror::Error)]
#[error("it inflates past the limit of {limit} bytes (raise it with --max-inflated-size)")]
pub struct InflateLimit {
    pub limit: u64,
}

/// A decompressed stream that stops with [`InflateLimit`] instead of growing past `limit`.
struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One more byte would pass the limit: a stream that ends exactly here is fine.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(InflateLimit { limit: self.limit })),
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// What kind of non-regular file `path` is, if it is one: reading a FIFO, a socket or a
/// device would block or never end, so such inputs are refused before they are opened.
fn special_kind(path: &Path) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::metadata(path).ok()?.file_type();
    if t.is_fifo() {
        Some("a FIFO")
    } else if t.is_socket() {
        Some("a socket")
    } else if t.is_block_device() || t.is_char_device() {
        Some("a device")
    } else {
        None
    }
}

/// How many bytes are looked at to recognise a format.
pub(crate) const SNIFF_BYTES: usize = 64 * 1024;

/// The files of one directory, sorted by name, hidden ones (temporaries of an atomic write)
/// left out.
pub fn dir_files(dir: &Path) -> Result<Vec<PathBuf>, IngestError> {
    let entries = std::fs::read_dir(dir).map_err(|source| IngestError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        // Regular files only: a FIFO or device planted in a bundle would block the read.
        .filter(|p| p.is_file())
        .filter(|p| {
            // `ci.json` is the job's CI metadata (read by `history add`), not build evidence.
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.') || n == crate::model::history::CI_META_FILE)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Expands directories (bundles) into their files, sorted, so output never depends on
/// directory order. Hidden files are skipped.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = dir_files(path)?;
            if found.is_empty() {
                return Err(IngestError::EmptyBundle { path: path.clone() });
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Opens a file, decompressing gzip when the magic bytes say so (capped at
/// [`max_inflated`] bytes). A FIFO, socket or device is refused, not opened.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, IngestError> {
    open_buffered(path, 256 * 1024)
}

/// [`open`] with a decompressed buffer of `capacity` bytes: what one read of a gzip
/// inflates at most (sniffing reads a few KB of a file it may never parse).
pub(crate) fn open_buffered(
    path: &Path,
    capacity: usize,
) -> Result<Box<dyn BufRead + Send>, IngestError> {
    let io = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(what) = special_kind(path) {
        return Err(IngestError::NotAFile {
            path: path.to_owned(),
            what,
        });
    }
    let mut file = BufReader::with_capacity(256 * 1024, File::open(path).map_err(io)?);
    let gz = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
    if gz {
        let limit = max_inflated();
        let decoder = Capped {
            inner: flate2::bufread::MultiGzDecoder::new(file),
            left: limit,
            limit,
        };
        Ok(Box::new(BufReader::with_capacity(capacity, decoder)))
    } else {
        Ok(Box::new(file))
    }
}

/// The first bytes of a file, decompressed: what recognising its format looks at.
pub(crate) fn read_head(path: &Path) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    open(path)
        .ok()?
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    Some(head)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Regression (issue 15): a small gzip of zeros inflated without bound.
    #[test]
    fn a_gzip_bomb_stops_at_the_limit_with_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![b'\n'; 4 << 20]).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let mut capped = Capped {
            inner: flate2::bufread::MultiGzDecoder::new(BufReader::new(File::open(&path).unwrap())),
            left: 1 << 20,
            limit: 1 << 20,
        };
        let mut out = Vec::new();
        let err = capped.read_to_end(&mut out).unwrap_err();
        assert!(out.len() <= 1 << 20);
        let inner = err.get_ref().and_then(|e| e.downcast_ref::<InflateLimit>());
        assert_eq!(inner.map(|l| l.limit), Some(1 << 20), "{err}");
        // Exactly at the limit is fine.
        let mut exact = Capped {
            inner: &vec![7u8; 100][..],
            left: 100,
            limit: 100,
        };
        assert_eq!(exact.read_to_end(&mut Vec::new()).unwrap(), 100);
    }

    /// Regression (issue 15): a FIFO given as an input blocked the run on open.
    #[test]
    fn a_fifo_is_refused_before_it_is_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("build.stderr");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            assert!(std::env::var_os("CI").is_none(), "mkfifo is missing");
            return;
        }
        let Err(err) = open(&fifo) else {
            panic!("a FIFO was opened")
        };
        assert!(
            matches!(err, IngestError::NotAFile { what: "a FIFO", .. }),
            "{err:?}"
        );
        // Inside a bundle directory it is left out, not read.
        std::fs::write(dir.path().join("exit_code"), "0\n").unwrap();
        let files = dir_files(dir.path()).unwrap();
        assert_eq!(files, vec![dir.path().join("exit_code")]);
    }
}
