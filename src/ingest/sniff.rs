//! Which format a file holds, from the start of its (decompressed) content, never its name.

use std::io::Read;
use std::path::Path;

use super::{
    InputKind, gitlab_trace, go_env, go_mod_download, go_modules, go_output, manifest, modules_txt,
};

/// Recognises a format from the start of a file's (decompressed) content.
pub fn sniff(head: &[u8]) -> Option<InputKind> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.is_empty() {
        return None;
    }
    if manifest::sniff(text) {
        return Some(InputKind::Manifest);
    }
    if gitlab_trace::sniff(head) {
        return Some(InputKind::GitLabTrace);
    }
    if let Some(rest) = text.strip_prefix('[') {
        let rest = rest.trim_start();
        if rest.starts_with(']') || rest.contains("\"Mode\"") {
            return Some(InputKind::ActionGraph);
        }
        if rest.contains("\"ph\"") {
            return Some(InputKind::ChromeTrace);
        }
        return None;
    }
    if go_output::sniff(text) {
        return Some(InputKind::GoOutput);
    }
    if go_env::sniff(text) {
        return Some(InputKind::GoEnv);
    }
    if go_mod_download::sniff(text) {
        return Some(InputKind::GoModDownload);
    }
    if go_modules::sniff(text) {
        return Some(InputKind::GoModules);
    }
    if modules_txt::sniff(text) {
        return Some(InputKind::ModulesTxt);
    }
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim();
    if lines.all(|l| l.trim().is_empty()) {
        if first.parse::<i32>().is_ok() {
            return Some(InputKind::ExitCode);
        }
        let program = first.split_whitespace().next().unwrap_or("");
        let stem = Path::new(program).file_stem().and_then(|s| s.to_str());
        if stem == Some("go") && first.contains(' ') {
            return Some(InputKind::Command);
        }
    }
    None
}

/// Bytes a manifest is recognised by (its first 256 characters say so, see
/// `manifest::sniff`): read first, so a bundle's compressed manifest is not inflated for
/// 64 KB only to be told apart.
const MANIFEST_HEAD_BYTES: usize = 4096;

/// The kind of a file from its first bytes, without parsing it.
pub(crate) fn sniff_path(path: &Path) -> Option<InputKind> {
    let mut reader = super::files::open_buffered(path, MANIFEST_HEAD_BYTES).ok()?;
    let mut head = Vec::with_capacity(super::files::SNIFF_BYTES);
    (&mut reader)
        .take(MANIFEST_HEAD_BYTES as u64)
        .read_to_end(&mut head)
        .ok()?;
    // A prefix that reads as a manifest reads as one whole: `sniff` asks that first.
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
    if manifest::sniff(String::from_utf8_lossy(body).trim_start_matches('\u{feff}')) {
        return Some(InputKind::Manifest);
    }
    reader
        .take((super::files::SNIFF_BYTES - head.len()) as u64)
        .read_to_end(&mut head)
        .ok()?;
    sniff(head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head))
}
