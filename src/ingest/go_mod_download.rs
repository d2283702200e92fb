//! `go mod download -json`: a stream of concatenated JSON objects, one per module version
//! (`cmd/go/internal/modcmd/download.go` `ModuleJSON`: Path, Version, Query, Error, Info,
//! GoMod, Zip, Dir, Sum, GoModSum, Origin, Reuse). It names where each module sits in
//! GOMODCACHE; the sizes of its `.zip`, `.mod` and `.info` files are read from disk when
//! the files are there (the report runs where the job downloaded), else left unknown. Go
//! prints the same object whether a module was fetched or already cached: which ones were
//! fetched, the `-x` `# get` lines tell (`analysis::modcache`).

use serde::Deserialize;

use crate::model::ModDownloadEntry;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModuleJson {
    #[serde(default)]
    path: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    info: Option<String>,
    #[serde(default)]
    go_mod: Option<String>,
    #[serde(default)]
    zip: Option<String>,
    #[serde(default)]
    dir: Option<String>,
}

/// Whether a file's head is `go mod download -json` output: objects with a `Path` and the
/// cache file fields only `download` prints (`go list -m -json` has `Dir` and `GoMod` too,
/// never `Info` or `Zip`).
pub(crate) fn sniff(head: &str) -> bool {
    head.starts_with('{')
        && head.contains("\"Path\"")
        && (head.contains("\"Info\"") || head.contains("\"Zip\""))
        && !head.contains("\"Action\"")
}

/// Parses the whole stream; stops at the first malformed object and returns what came
/// before it with the error, so a cut stream still serves. `stat` gives a file's size
/// (`file_size` on the real file system).
pub fn parse_with(
    bytes: &[u8],
    stat: &dyn Fn(&str) -> Option<u64>,
) -> (Vec<ModDownloadEntry>, Option<serde_json::Error>) {
    let mut entries = Vec::new();
    for item in serde_json::Deserializer::from_slice(bytes).into_iter::<ModuleJson>() {
        match item {
            Ok(m) => entries.push(ModDownloadEntry {
                zip_bytes: m.zip.as_deref().and_then(stat),
                mod_bytes: m.go_mod.as_deref().and_then(stat),
                info_bytes: m.info.as_deref().and_then(stat),
                module: m.path,
                version: m.version,
                dir: m.dir,
                error: m.error.filter(|e| !e.is_empty()),
            }),
            Err(e) => return (entries, Some(e)),
        }
    }
    (entries, None)
}

/// [`parse_with`] on the real file system.
pub fn parse(bytes: &[u8]) -> (Vec<ModDownloadEntry>, Option<serde_json::Error>) {
    parse_with(bytes, &file_size)
}

/// The size of a regular file at an absolute path, `None` when it is not there (another
/// machine, an emptied cache) or is anything but a file.
pub fn file_size(path: &str) -> Option<u64> {
    let path = std::path::Path::new(path);
    if !path.is_absolute() {
        return None;
    }
    std::fs::metadata(path)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_download_output_not_the_module_list() {
        assert!(sniff(
            "{\n\t\"Path\": \"example.org/textx\",\n\t\"Version\": \"v1.1.0\",\n\t\"Info\": \"/m/cache/download/example.org/textx/@v/v1.1.0.info\","
        ));
        assert!(!sniff(
            "{\n\t\"Path\": \"example.com/shop\",\n\t\"Main\": true,\n\t\"Dir\": \"/src\",\n\t\"GoMod\": \"/src/go.mod\""
        ));
    }

    #[test]
    fn sizes_come_from_the_files_and_stay_unknown_without_them() {
        let dir = tempfile::tempdir().unwrap();
        let zip = dir.path().join("v1.1.0.zip");
        std::fs::write(&zip, [0u8; 321]).unwrap();
        let json = format!(
            "{{\"Path\":\"example.org/textx\",\"Version\":\"v1.1.0\",\"Zip\":{:?},\"GoMod\":\"/nonexistent/v1.1.0.mod\"}}\n{{\"Path\":\"example.org/gone\",\"Version\":\"v0.1.0\",\"Error\":\"not found\"}}\n{{\"Path\":",
            zip.display().to_string()
        );
        let (entries, err) = parse(json.as_bytes());
        assert!(err.is_some(), "the cut object is reported");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].zip_bytes, Some(321));
        assert_eq!(entries[0].mod_bytes, None);
        assert_eq!(entries[0].bytes(), Some(321));
        assert_eq!(entries[1].error.as_deref(), Some("not found"));
        assert_eq!(entries[1].bytes(), None);
    }
}
