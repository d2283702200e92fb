//! Pairs section markers into [`Section`]s with a stack: nesting, durations, and
//! repairs for missing or out-of-order ends. Not for finding markers (`marker.rs`).

use std::collections::HashMap;

use super::warn::Warnings;
use crate::model::job::Section;

/// Sections kept; a trace with more is hostile or broken, and later starts are ignored.
pub(crate) const MAX_SECTIONS: usize = 100_000;

/// Classes a section can belong to (bits of [`SectionTracker::classified`]'s function);
/// the tracker counts the open sections of each, so asking "is any open section of this
/// class" costs nothing whatever the nesting depth.
pub(crate) const CLASSES: usize = 3;

/// Every line asks what is open, so nothing here walks the stack: a trace of 50,000
/// nested `section_start`s and a long script stays linear.
#[derive(Debug)]
pub(crate) struct SectionTracker {
    sections: Vec<Section>,
    /// The open ones, innermost last: index into `sections` and class bits.
    stack: Vec<(usize, u8)>,
    /// Stack depths of the open sections of each name, innermost last: a `section_end`
    /// finds its section without a scan, a stray one is told at once.
    open_by_name: HashMap<String, Vec<usize>>,
    /// Open sections per class bit.
    open_in_class: [usize; CLASSES],
    classify: fn(&str) -> u8,
}

impl Default for SectionTracker {
    fn default() -> Self {
        Self::classified(|_| 0)
    }
}

impl SectionTracker {
    /// A tracker that counts open sections in the classes `classify` puts names in (bit
    /// `c` of its result for class `c`).
    pub(crate) fn classified(classify: fn(&str) -> u8) -> Self {
        Self {
            sections: Vec::new(),
            stack: Vec::new(),
            open_by_name: HashMap::new(),
            open_in_class: [0; CLASSES],
            classify,
        }
    }

    /// Whether any open section is in class `class` (a bit index).
    pub(crate) fn any_open_in(&self, class: usize) -> bool {
        self.open_in_class.get(class).is_some_and(|&n| n > 0)
    }

    /// Open sections in all.
    #[cfg(test)]
    pub(crate) fn open_count(&self) -> usize {
        self.stack.len()
    }

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
        let bits = (self.classify)(name);
        for (c, n) in self.open_in_class.iter_mut().enumerate() {
            if bits & (1 << c) != 0 {
                *n += 1;
            }
        }
        self.open_by_name
            .entry(name.to_owned())
            .or_default()
            .push(self.stack.len());
        self.stack.push((self.sections.len(), bits));
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
        let Some(depth) = self.open_by_name.get(name).and_then(|d| d.last().copied()) else {
            warnings.push(format!(
                "section_end for `{name}` at line {line} has no open section_start; ignored"
            ));
            return;
        };
        let mut ended = self.stack.split_off(depth.min(self.stack.len()));
        // Each open section is popped once: the map and the counts follow in O(1) each.
        for &(idx, bits) in &ended {
            for (c, n) in self.open_in_class.iter_mut().enumerate() {
                if bits & (1 << c) != 0 {
                    *n = n.saturating_sub(1);
                }
            }
            if let Some(s) = self.sections.get(idx)
                && let Some(depths) = self.open_by_name.get_mut(s.name.as_str())
            {
                depths.pop();
                if depths.is_empty() {
                    self.open_by_name.remove(s.name.as_str());
                }
            }
        }
        // `ended[0]` is the section being ended; the others were opened inside it.
        let inner = ended.split_off(1.min(ended.len()));
        for (idx, _) in inner.into_iter().rev() {
            if let Some(s) = self.sections.get_mut(idx) {
                warnings.push(format!(
                    "section `{}` (line {}) was still open when `{name}` ended at line {line}; ended it there",
                    s.name, s.start_line
                ));
                close(s, ms, Some(line), false, warnings);
            }
        }
        if let Some(s) = ended
            .first()
            .and_then(|&(idx, _)| self.sections.get_mut(idx))
        {
            close(s, ms, Some(line), true, warnings);
        }
    }

    /// The innermost open section: its index and name.
    pub(crate) fn innermost(&self) -> Option<(usize, &str)> {
        let (idx, _) = *self.stack.last()?;
        Some((idx, self.sections.get(idx)?.name.as_str()))
    }

    /// Ends what is still open at `last_ms` and returns every section in start order.
    pub(crate) fn finish(mut self, last_ms: Option<i64>, warnings: &mut Warnings) -> Vec<Section> {
        for (idx, _) in std::mem::take(&mut self.stack).into_iter().rev() {
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

    /// Regression (issue 15): each line asked every open section, and a stray
    /// `section_end` scanned the whole stack; 50,000 nested sections took minutes.
    #[test]
    fn fifty_thousand_nested_sections_and_stray_ends_stay_linear() {
        const N: u64 = 50_000;
        let mut t = SectionTracker::classified(|n| u8::from(n.starts_with("step_")));
        let mut w = Warnings::default();
        t.start("step_script", &[], Some(0), 1, &mut w);
        for i in 0..N {
            t.start(&format!("s{i}"), &[], Some(1), 2 + i, &mut w);
            // A stray end would scan all open sections before.
            t.end("never_started", Some(1), 2 + i, &mut w);
            assert!(t.any_open_in(0));
        }
        assert_eq!(t.open_count(), N as usize + 1);
        // Ending the middle one closes everything opened inside it.
        t.end(&format!("s{}", N / 2), Some(2), 3 * N, &mut w);
        assert_eq!(t.open_count(), N as usize / 2 + 1);
        t.end("step_script", Some(3), 3 * N + 1, &mut w);
        assert_eq!(t.open_count(), 0);
        assert!(!t.any_open_in(0));
        let s = t.finish(None, &mut w);
        assert_eq!(s.len(), N as usize + 1);
        assert!(s.iter().all(|s| s.end_ms.is_some()));
        let middle = format!("s{}", N / 2);
        assert!(s[1..].iter().all(|s| s.closed == (s.name == middle)));
    }

    #[test]
    fn same_name_nested_ends_the_innermost() {
        let mut t = SectionTracker::classified(|n| u8::from(n == "a") << 1);
        let mut w = Warnings::default();
        t.start("a", &[], Some(0), 1, &mut w);
        t.start("b", &[], Some(1), 2, &mut w);
        t.start("a", &[], Some(2), 3, &mut w);
        t.end("a", Some(3), 4, &mut w);
        assert_eq!(t.innermost().map(|(i, _)| i), Some(1));
        assert!(t.any_open_in(1));
        t.end("a", Some(4), 5, &mut w);
        assert!(!t.any_open_in(1));
        let s = t.finish(None, &mut w);
        assert_eq!(
            s.iter().map(|s| s.closed).collect::<Vec<_>>(),
            [true, false, true]
        );
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
