//! Writing a file so that a reader never sees half of it: a temporary file in the same
//! directory, then a rename over the old one (atomic on one filesystem). Used for the report
//! folder, the manifest and everything else a CI job may read while another writes.

use std::io::Write;
use std::path::Path;
use std::path::PathBuf;

use thiserror::Error;

/// A file that could not be written, with what was being done to it.
#[derive(Debug, Error)]
#[error("failed to {action} `{path}`")]
pub struct OutError {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to a new temporary file beside `path`, then renames it over `path`.
/// The rename is atomic on one filesystem, which the same directory guarantees.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutError> {
    write(path, bytes, true)
}

/// [`write_atomic`] without its two fsyncs: still a new file renamed over `path` (never
/// written through a symlink planted there, never seen half-written). For `record`'s
/// bundle files, which it writes several of and then makes durable at once with one
/// [`sync_dir`]: each fsync costs a few milliseconds on a CI disk, which `record` would pay
/// per file on every warm build.
pub fn replace(path: &Path, bytes: &[u8]) -> Result<(), OutError> {
    write(path, bytes, false)
}

/// Syncs `dir`, so the renames [`replace`] made in it survive a crash. Best effort, like
/// the directory sync of [`write_atomic`]: some filesystems refuse to sync a directory.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn write(path: &Path, bytes: &[u8], sync: bool) -> Result<(), OutError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    let err = |action, p: &Path| {
        let p = p.to_owned();
        move |source| OutError {
            action,
            path: p,
            source,
        }
    };
    let mut attempt = 0u32;
    let (tmp, mut f) = loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            // A leftover of a killed run with the same pid: try the next name.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => return Err(err("create", path)(e)),
        }
    };
    let written = f
        .write_all(bytes)
        .and_then(|()| if sync { f.sync_all() } else { Ok(()) })
        .map_err(err("write", path))
        .and_then(|()| {
            drop(f);
            std::fs::rename(&tmp, path).map_err(err("replace", path))
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    // The rename lives in the directory: sync it too, or a crash can forget the new name.
    // Best effort: some filesystems refuse to sync a directory, and the file is written.
    if sync {
        sync_dir(dir);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
        replace(&p, b"three").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"three");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
