//! Recognises cache restore and save operations from the runner's and the helper's
//! messages. Only fed lines from the cache sections; not for artifacts.
//!
//! Runner messages: gitlab-runner `shells/abstract.go` (`cacheExtractor`,
//! `addExtractCacheCommand`, `cacheArchiver`, `guardRunnerCommand`). Helper messages:
//! `commands/helpers/cache_extractor.go`, `cache_archiver.go`, `file_archiver.go`,
//! printed through `log/runner_formatter.go` (level prefix, message padded to 50 columns).

use super::warn::Warnings;
use crate::model::job::{CacheOp, CacheOpKind, CacheOpOutcome, Section};

/// Messages kept per operation to explain its outcome.
const MAX_NOTES: usize = 16;

/// Operations kept; real jobs have a handful.
pub(crate) const MAX_CACHE_OPS: usize = 10_000;

#[derive(Debug, Default)]
struct OpState {
    section_idx: Option<usize>,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    /// Helper messages: (severity, text). Severity 2 = FATAL/ERROR/PANIC, 1 = WARNING, 0 = info.
    notes: Vec<(u8, String)>,
}

#[derive(Debug, Default)]
pub(crate) struct CacheTracker {
    ops: Vec<CacheOp>,
    states: Vec<OpState>,
    /// Index of the operation still waiting for its outcome.
    current: Option<usize>,
    /// Operations not kept because of [`MAX_CACHE_OPS`].
    dropped: u64,
}

/// Where a line sits: innermost section index and name.
pub(crate) type SectionRef<'a> = Option<(usize, &'a str)>;

impl CacheTracker {
    /// One displayed line inside a cache section (or outside every section).
    pub(crate) fn on_line(
        &mut self,
        text: &str,
        line: u64,
        ms: Option<i64>,
        section: SectionRef<'_>,
    ) {
        let t = text.trim();
        if t.is_empty() {
            return;
        }
        if let Some(idx) = self.current {
            self.touch(idx, ms);
        }
        if self.starter(t, line, ms, section) || self.outcome(t, ms, line, section) {
            return;
        }
        if let Some(idx) = self.current {
            self.detail_line(idx, t);
        }
    }

    /// A cache section ended: an operation still without outcome stays `Unknown`.
    pub(crate) fn section_ended(&mut self) {
        self.current = None;
    }

    /// Messages that begin an operation. Returns whether `t` was one.
    fn starter(&mut self, t: &str, line: u64, ms: Option<i64>, section: SectionRef<'_>) -> bool {
        use CacheOpKind::{Restore, Save};
        use CacheOpOutcome::Skipped;
        // guardRunnerCommand uses w.Warningf, whose text has no "WARNING: " prefix in the
        // shell writers; strip one anyway in case an executor adds it.
        let w = t.strip_prefix("WARNING: ").unwrap_or(t);
        if let Some(key) = between(t, "Checking cache for ", "...") {
            self.begin(
                Restore,
                Some(key),
                CacheOpOutcome::Unknown,
                None,
                line,
                ms,
                section,
            );
        } else if w == "Creating cache is not supported by this executor."
            || (w.starts_with("Missing ") && w.ends_with(". Creating cache is disabled."))
        {
            self.begin(Save, None, Skipped, Some(w), line, ms, section);
        } else if w == "Extracting cache is not supported by this executor."
            || (w.starts_with("Missing ") && w.ends_with(". Extracting cache is disabled."))
        {
            self.begin(Restore, None, Skipped, Some(w), line, ms, section);
        } else if let Some(key) = between(t, "Creating cache ", "...") {
            self.begin(
                Save,
                Some(key),
                CacheOpOutcome::Unknown,
                None,
                line,
                ms,
                section,
            );
        } else if let Some(key) = between(t, "Not downloading cache ", " due to policy") {
            self.begin(Restore, Some(key), Skipped, Some(t), line, ms, section);
        } else if let Some(key) = between(t, "Not uploading cache ", " due to policy") {
            self.begin(Save, Some(key), Skipped, Some(t), line, ms, section);
        } else if let Some(reason) = t.strip_prefix("Skipping cache extraction due to ") {
            self.begin(Restore, None, Skipped, Some(reason), line, ms, section);
        } else if let Some(reason) = t.strip_prefix("Skipping cache archiving due to ") {
            self.begin(Save, None, Skipped, Some(reason), line, ms, section);
        } else {
            return false;
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn begin(
        &mut self,
        op: CacheOpKind,
        key: Option<&str>,
        outcome: CacheOpOutcome,
        detail: Option<&str>,
        line: u64,
        ms: Option<i64>,
        section: SectionRef<'_>,
    ) {
        let idx = self.ops.len();
        if idx >= MAX_CACHE_OPS {
            self.dropped += 1;
            self.current = None;
            return;
        }
        self.ops.push(CacheOp {
            op,
            key: key.map(str::to_owned),
            outcome,
            duration_ms: None,
            detail: detail.map(str::to_owned),
            paths: Vec::new(),
            size_bytes: None,
            url: None,
            line,
            section: section.map(|(_, n)| n.to_owned()),
        });
        self.states.push(OpState {
            section_idx: section.map(|(i, _)| i),
            first_ms: ms,
            last_ms: ms,
            notes: Vec::new(),
        });
        self.current = (outcome == CacheOpOutcome::Unknown).then_some(idx);
    }

    /// The runner's verdict on the helper's exit status. Returns whether `t` was one.
    fn outcome(&mut self, t: &str, ms: Option<i64>, line: u64, section: SectionRef<'_>) -> bool {
        let (kind, ok) = match t {
            "Successfully extracted cache" => (CacheOpKind::Restore, true),
            "Failed to extract cache" => (CacheOpKind::Restore, false),
            "Created cache" => (CacheOpKind::Save, true),
            "Failed to create cache" => (CacheOpKind::Save, false),
            _ => return false,
        };
        let idx = match self
            .current
            .filter(|&i| self.ops.get(i).is_some_and(|o| o.op == kind))
        {
            Some(idx) => idx,
            None => {
                // The start message was lost (cut trace); keep the verdict anyway.
                self.begin(kind, None, CacheOpOutcome::Unknown, None, line, ms, section);
                match self.current {
                    Some(idx) => idx,
                    None => return true,
                }
            }
        };
        self.touch(idx, ms);
        let (outcome, detail) = self.verdict(idx, kind, ok);
        if let Some(op) = self.ops.get_mut(idx) {
            op.outcome = outcome;
            if detail.is_some() {
                op.detail = detail;
            }
        }
        self.current = None;
        true
    }

    fn verdict(&self, idx: usize, kind: CacheOpKind, ok: bool) -> (CacheOpOutcome, Option<String>) {
        let notes = self
            .states
            .get(idx)
            .map(|s| s.notes.as_slice())
            .unwrap_or_default();
        let best = notes
            .iter()
            .max_by_key(|(sev, _)| *sev)
            .map(|(_, t)| t.clone());
        match (kind, ok) {
            (CacheOpKind::Restore, true) => (CacheOpOutcome::Hit, best),
            (CacheOpKind::Save, true) => (CacheOpOutcome::Saved, best),
            (CacheOpKind::Restore, false) => {
                // A 404 from the cache server becomes os.ErrNotExist ("file does not exist");
                // a missing local archive is "Cache file does not exist" (cache_extractor.go).
                let missing = notes
                    .iter()
                    .find(|(_, t)| is_not_found(t))
                    .map(|(_, t)| t.clone());
                match missing {
                    Some(m) => (CacheOpOutcome::Miss, Some(m)),
                    None => (CacheOpOutcome::Failed, best),
                }
            }
            (CacheOpKind::Save, false) => (CacheOpOutcome::Failed, best),
        }
    }

    fn touch(&mut self, idx: usize, ms: Option<i64>) {
        if let (Some(s), Some(ms)) = (self.states.get_mut(idx), ms) {
            s.first_ms.get_or_insert(ms);
            s.last_ms = Some(ms);
        }
    }

    /// Helper output between the start and the verdict.
    fn detail_line(&mut self, idx: usize, t: &str) {
        let Some(op) = self.ops.get_mut(idx) else {
            return;
        };
        if let Some(url) = url_after(t, op.op) {
            op.url = Some(url);
            return;
        }
        let body = t.strip_prefix("WARNING: ").unwrap_or(t);
        if let Some(path) = body.strip_suffix(": no matching files") {
            op.paths.push(path.trim().to_owned());
            return;
        }
        if let Some((path, _)) = body
            .split_once(": found ")
            .filter(|(_, rest)| rest.contains(" matching "))
        {
            op.paths.push(path.trim().to_owned());
            return;
        }
        if let Some((size, _)) = t
            .strip_prefix("Cache archive size (")
            .and_then(|r| r.split_once(") is too big"))
        {
            op.size_bytes = size.parse().ok();
        }
        let severity = if ["FATAL: ", "ERROR: ", "PANIC: "]
            .iter()
            .any(|p| t.starts_with(p))
        {
            2
        } else if t.starts_with("WARNING: ") {
            1
        } else if is_info_note(t) {
            0
        } else {
            return;
        };
        if let Some(state) = self
            .states
            .get_mut(idx)
            .filter(|s| s.notes.len() < MAX_NOTES)
        {
            state.notes.push((severity, t.to_owned()));
        }
    }

    /// Operations in trace order, with durations. Without FF_TIMESTAMPS, an operation that
    /// ran and is alone in its cache section takes the section's (whole-second) duration.
    pub(crate) fn finish(
        self,
        sections: &[Section],
        has_timestamps: bool,
        warnings: &mut Warnings,
    ) -> Vec<CacheOp> {
        if self.dropped > 0 {
            warnings.push(format!(
                "{} cache operations past the first {MAX_CACHE_OPS} were not kept",
                self.dropped
            ));
        }
        let mut per_section = std::collections::HashMap::new();
        for s in &self.states {
            if let Some(i) = s.section_idx {
                *per_section.entry(i).or_insert(0usize) += 1;
            }
        }
        let mut ops = self.ops;
        for (op, state) in ops.iter_mut().zip(&self.states) {
            op.duration_ms = match (has_timestamps, state.first_ms, state.last_ms) {
                (true, Some(a), Some(b)) => u64::try_from(b.saturating_sub(a)).ok(),
                // A skipped operation ran nothing; the section's time is not its own.
                _ if op.outcome == CacheOpOutcome::Skipped => None,
                _ => state
                    .section_idx
                    .filter(|i| per_section.get(i) == Some(&1))
                    .and_then(|i| sections.get(i))
                    .filter(|s| s.closed)
                    .and_then(|s| s.duration_ms),
            };
        }
        ops
    }
}

/// `<prefix><middle><suffix>` → `middle` (non-empty).
fn between<'a>(t: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    t.strip_prefix(prefix)?
        .strip_suffix(suffix)
        .filter(|m| !m.is_empty())
}

/// `Downloading cache.zip from <url>` (< 16.2), `Downloading cache from <url> ETag=…`
/// (≥ 16.2, cache_extractor.go prints the file name without extension), `Uploading
/// cache.zip to <url>` (cache_archiver.go prints the file's base name).
fn url_after(t: &str, kind: CacheOpKind) -> Option<String> {
    let (verb, sep) = match kind {
        CacheOpKind::Restore => ("Downloading ", " from "),
        CacheOpKind::Save => ("Uploading ", " to "),
    };
    let rest = t.strip_prefix(verb)?;
    let (name, tail) = rest.split_once(sep)?;
    if name.is_empty() || name.contains(' ') {
        return None;
    }
    let url = tail.split_whitespace().next()?;
    url.contains("://").then(|| url.to_owned())
}

fn is_not_found(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    lower.contains("file does not exist")
        || lower.contains("404 not found")
        || lower.contains("status=404")
        || lower.contains("no such file")
}

fn is_info_note(t: &str) -> bool {
    t.ends_with(" is up to date")
        || t == "Archive is up to date!"
        || t.starts_with("No URL provided")
        || t.starts_with("Cache archive size (")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(lines: &[&str]) -> Vec<CacheOp> {
        let mut t = CacheTracker::default();
        for (n, l) in lines.iter().enumerate() {
            t.on_line(
                l,
                n as u64 + 1,
                Some(n as i64 * 100),
                Some((0, "restore_cache")),
            );
        }
        t.finish(&[], true, &mut Warnings::default())
    }

    #[test]
    fn old_fatal_miss() {
        let ops = feed(&[
            "Checking cache for unit test 1/8-v13-12-0-2...",
            "FATAL: file does not exist                         ",
            "Failed to extract cache",
        ]);
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].key.as_deref(), Some("unit test 1/8-v13-12-0-2"));
        assert_eq!(ops[0].outcome, CacheOpOutcome::Miss);
        assert_eq!(ops[0].detail.as_deref(), Some("FATAL: file does not exist"));
        assert_eq!(ops[0].duration_ms, Some(200));
    }

    #[test]
    fn fallback_keys_are_separate_attempts() {
        let ops = feed(&[
            "Checking cache for main-protected...",
            "WARNING: file does not exist",
            "Failed to extract cache",
            "Checking cache for fallback-protected...",
            "Downloading cache from https://storage.example/p/fallback  ETag=\"abc\"",
            "Successfully extracted cache",
        ]);
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].outcome, CacheOpOutcome::Miss);
        assert_eq!(ops[1].outcome, CacheOpOutcome::Hit);
        assert_eq!(
            ops[1].url.as_deref(),
            Some("https://storage.example/p/fallback")
        );
        assert_eq!(ops[1].detail, None);
    }

    #[test]
    fn corrupt_archive_is_failed_not_miss() {
        let ops = feed(&[
            "Checking cache for k...",
            "FATAL: zip: not a valid zip file",
            "Failed to extract cache",
        ]);
        assert_eq!(ops[0].outcome, CacheOpOutcome::Failed);
        assert_eq!(
            ops[0].detail.as_deref(),
            Some("FATAL: zip: not a valid zip file")
        );
    }

    #[test]
    fn save_with_paths_url_and_size() {
        let ops = feed(&[
            "Creating cache go-mod...",
            "WARNING: /builds/x/.gocache/: no matching files",
            "vendor/: found 12 matching artifact files and directories",
            "Cache archive size (734003200) is too big (Limit is set to 1000). Cache will be stored only locally.",
            "Created cache",
        ]);
        assert_eq!(ops[0].outcome, CacheOpOutcome::Saved);
        assert_eq!(ops[0].paths, vec!["/builds/x/.gocache/", "vendor/"]);
        assert_eq!(ops[0].size_bytes, Some(734_003_200));
        assert!(
            ops[0]
                .detail
                .as_deref()
                .is_some_and(|d| d.starts_with("Cache archive size"))
        );
    }

    #[test]
    fn skips_by_policy_and_guard() {
        let ops = feed(&[
            "Not downloading cache k due to policy",
            "Not uploading cache k due to policy",
            "Skipping cache extraction due to empty cache key",
            "Missing gitlab-runner-helper. Creating cache is disabled.",
            "Extracting cache is not supported by this executor.",
        ]);
        let got: Vec<_> = ops
            .iter()
            .map(|o| (o.op, o.outcome, o.key.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    CacheOpKind::Restore,
                    CacheOpOutcome::Skipped,
                    Some("k".into())
                ),
                (CacheOpKind::Save, CacheOpOutcome::Skipped, Some("k".into())),
                (CacheOpKind::Restore, CacheOpOutcome::Skipped, None),
                (CacheOpKind::Save, CacheOpOutcome::Skipped, None),
                (CacheOpKind::Restore, CacheOpOutcome::Skipped, None),
            ]
        );
        assert_eq!(ops[2].detail.as_deref(), Some("empty cache key"));
    }

    #[test]
    fn lone_op_takes_section_duration_without_timestamps() {
        let mut t = CacheTracker::default();
        t.on_line(
            "Checking cache for k...",
            5,
            None,
            Some((0, "restore_cache")),
        );
        t.on_line(
            "Successfully extracted cache",
            6,
            None,
            Some((0, "restore_cache")),
        );
        let section = Section {
            name: "restore_cache".into(),
            start_ms: Some(0),
            end_ms: Some(15_000),
            duration_ms: Some(15_000),
            parent: None,
            options: vec![],
            closed: true,
            start_line: 4,
            end_line: Some(7),
        };
        let ops = t.finish(&[section], false, &mut Warnings::default());
        assert_eq!(ops[0].duration_ms, Some(15_000));
    }
}
