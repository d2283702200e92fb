//! Pairs section markers into [`Section`]s with a stack: nesting, durations, and
//! repairs for missing or out-of-order ends. Not for finding markers (`marker.rs`).

use super::warn::Warnings;
use crate::model::job::Section;

/// Sections kept; a trace with more is hostile or broken, and later starts are ignored.
pub(crate) const MAX_SECTIONS: usize = 100_000;

#[derive(Debug, Default)]
pub(crate) struct SectionTracker {
    sections: Vec<Section>,
    /// Indices into `sections` of the open ones, innermost last.
    stack: Vec<usize>,
}

impl SectionTracker {
    pub(crate) fn start(
        &mut self,
        name: &str,
        options: &[(String, String)],
        ms: Option<i64>,
        line: u64,
        warnings: &mut Warnings,
    ) {
        if self.sections.len() >= MAX_SECTIONS {
            warnings.push(format!(
                "section_start for `{name}` at line {line} ignored: more than {MAX_SECTIONS} sections"
            ));
            return;
        }
        let parent = self.innermost().map(|(_, n)| n.to_owned());
        self.stack.push(self.sections.len());
        self.sections.push(Section {
            name: name.to_owned(),
            start_ms: ms,
            end_ms: None,
            duration_ms: None,
            parent,
            options: options.to_vec(),
            closed: false,
            start_line: line,
            end_line: None,
        });
    }

    /// Closes the innermost open section called `name`. Sections opened inside it and
    /// still open end with it (`closed: false`), since their own end never came.
    pub(crate) fn end(&mut self, name: &str, ms: Option<i64>, line: u64, warnings: &mut Warnings) {
        let Some(depth) = self
            .stack
            .iter()
            .rposition(|&i| self.sections.get(i).is_some_and(|s| s.name == name))
        else {
            warnings.push(format!(
                "section_end for `{name}` at line {line} has no open section_start; ignored"
            ));
            return;
        };
        let mut ended = self.stack.split_off(depth);
        // `ended[0]` is the section being ended; the others were opened inside it.
        let inner = ended.split_off(1.min(ended.len()));
        for idx in inner.into_iter().rev() {
            if let Some(s) = self.sections.get_mut(idx) {
                warnings.push(format!(
                    "section `{}` (line {}) was still open when `{name}` ended at line {line}; ended it there",
                    s.name, s.start_line
                ));
                close(s, ms, Some(line), false, warnings);
            }
        }
        if let Some(s) = ended.first().and_then(|&idx| self.sections.get_mut(idx)) {
            close(s, ms, Some(line), true, warnings);
        }
    }

    /// The innermost open section: its index and name.
    pub(crate) fn innermost(&self) -> Option<(usize, &str)> {
        let idx = *self.stack.last()?;
        Some((idx, self.sections.get(idx)?.name.as_str()))
    }

    /// Names of the open sections, outermost first.
    pub(crate) fn open_names(&self) -> impl Iterator<Item = &str> {
        self.stack
            .iter()
            .filter_map(|&i| self.sections.get(i).map(|s| s.name.as_str()))
    }

    /// Ends what is still open at `last_ms` and returns every section in start order.
    pub(crate) fn finish(mut self, last_ms: Option<i64>, warnings: &mut Warnings) -> Vec<Section> {
        for idx in std::mem::take(&mut self.stack).into_iter().rev() {
            if let Some(s) = self.sections.get_mut(idx) {
                warnings.push(format!(
                    "section `{}` (line {}) has no section_end; assumed to end at the last time in the trace",
                    s.name, s.start_line
                ));
                close(s, last_ms, None, false, warnings);
            }
        }
        self.sections
    }
}

fn close(
    s: &mut Section,
    ms: Option<i64>,
    line: Option<u64>,
    explicit: bool,
    warnings: &mut Warnings,
) {
    s.end_ms = ms;
    s.end_line = line;
    s.closed = explicit;
    s.duration_ms = match (s.start_ms, ms) {
        (Some(start), Some(end)) if end < start => {
            warnings.push(format!(
                "section `{}` (line {}) ends {} ms before it starts; duration set to 0",
                s.name,
                s.start_line,
                start - end
            ));
            Some(0)
        }
        (Some(start), Some(end)) => u64::try_from(end - start).ok(),
        _ => None,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(sections: &[Section]) -> Vec<(String, Option<u64>, Option<String>, bool)> {
        sections
            .iter()
            .map(|s| (s.name.clone(), s.duration_ms, s.parent.clone(), s.closed))
            .collect()
    }

    #[test]
    fn nesting_and_durations() {
        let mut t = SectionTracker::default();
        let mut w = Warnings::default();
        t.start("step_script", &[], Some(1_000), 1, &mut w);
        t.start("section_script_step_0", &[], Some(1_500), 2, &mut w);
        t.end("section_script_step_0", Some(2_000), 3, &mut w);
        t.end("step_script", Some(4_000), 4, &mut w);
        let s = t.finish(Some(9_000), &mut w);
        assert!(w.as_slice().is_empty(), "{w:?}");
        assert_eq!(
            summary(&s),
            vec![
                ("step_script".into(), Some(3_000), None, true),
                (
                    "section_script_step_0".into(),
                    Some(500),
                    Some("step_script".into()),
                    true
                ),
            ]
        );
        assert_eq!(s[1].end_line, Some(3));
    }

    #[test]
    fn end_of_outer_closes_inner_with_warning() {
        let mut t = SectionTracker::default();
        let mut w = Warnings::default();
        t.start("step_script", &[], Some(0), 1, &mut w);
        t.start("user", &[], Some(10), 2, &mut w);
        t.end("step_script", Some(50), 3, &mut w);
        let s = t.finish(None, &mut w);
        assert_eq!(w.as_slice().len(), 1);
        assert!(w.as_slice()[0].contains("`user`"), "{w:?}");
        assert_eq!(
            summary(&s),
            vec![
                ("step_script".into(), Some(50), None, true),
                ("user".into(), Some(40), Some("step_script".into()), false),
            ]
        );
    }

    #[test]
    fn missing_end_uses_last_time() {
        let mut t = SectionTracker::default();
        let mut w = Warnings::default();
        t.start("step_script", &[], Some(1_000), 1, &mut w);
        let s = t.finish(Some(5_000), &mut w);
        assert_eq!(
            summary(&s),
            vec![("step_script".into(), Some(4_000), None, false)]
        );
        assert_eq!(s[0].end_line, None);
        assert_eq!(w.as_slice().len(), 1);
    }

    #[test]
    fn duplicate_names_stay_separate_and_stray_end_is_ignored() {
        let mut t = SectionTracker::default();
        let mut w = Warnings::default();
        for base in [0, 100] {
            t.start("get_sources", &[], Some(base), 1, &mut w);
            t.end("get_sources", Some(base + 7), 2, &mut w);
        }
        t.end("never_started", Some(200), 3, &mut w);
        let s = t.finish(None, &mut w);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].start_ms, Some(100));
        assert_eq!(s[1].duration_ms, Some(7));
        assert_eq!(w.as_slice().len(), 1);
    }

    #[test]
    fn backwards_time_clamps_to_zero() {
        let mut t = SectionTracker::default();
        let mut w = Warnings::default();
        t.start("x", &[], Some(5_000), 1, &mut w);
        t.end("x", Some(3_000), 2, &mut w);
        let s = t.finish(None, &mut w);
        assert_eq!(s[0].duration_ms, Some(0));
        assert!(s[0].closed);
        assert!(w.as_slice()[0].contains("before it starts"), "{w:?}");
    }
}
