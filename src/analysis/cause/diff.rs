//! Two builds' inputs under one key, diffed input by input, and the changes in words.

use std::borrow::Cow;
use std::collections::BTreeSet;

use foldhash::{HashMap, HashMapExt};

use crate::model::{Input, InputClass};

/// One input that differs between baseline and current.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Change {
    pub(super) class: InputClass,
    pub(super) name: String,
    pub(super) before: Option<String>,
    pub(super) after: Option<String>,
}

impl Change {
    pub(super) fn describe(&self) -> String {
        match (&self.before, &self.after) {
            (Some(b), Some(a)) if b.len() > 60 && b.contains(',') => {
                format!("{}: {}", self.name, list_diff(b, a))
            }
            (Some(b), Some(a)) => format!("{}: {} → {}", self.name, show(b), show(a)),
            (None, Some(a)) => format!("{}: added {}", self.name, show(a)),
            (Some(b), None) => format!("{}: removed {}", self.name, show(b)),
            (None, None) => self.name.clone(),
        }
    }
}

/// `a=1,b=2` → `a=1,b=3`: shows only the items that differ (`-b=2 +b=3`).
pub(super) fn list_diff(before: &str, after: &str) -> String {
    let split = |v: &str| -> BTreeSet<String> {
        v.trim_matches('"').split(',').map(str::to_owned).collect()
    };
    let (b, a) = (split(before), split(after));
    let removed = b.difference(&a).map(|x| format!("-{x}"));
    let added = a.difference(&b).map(|x| format!("+{x}"));
    let items: Vec<String> = removed.chain(added).collect();
    if items.is_empty() {
        format!("{} → {}", show(before), show(after))
    } else {
        show(&items.join(" "))
    }
}

pub(super) fn show(v: &str) -> String {
    if v.is_empty() {
        "(empty)".to_owned()
    } else if v.chars().count() > 120 {
        let cut: String = v.chars().take(117).collect();
        format!("{cut}...")
    } else {
        v.to_owned()
    }
}

pub(super) fn diff(before: &[Input], after: &[Input]) -> Vec<Change> {
    if let Some(changes) = diff_in_step(before, after) {
        return changes;
    }
    // By name, borrowed; a name given more than once has its values joined by newlines.
    let index = |inputs| -> HashMap<&str, (InputClass, Cow<'_, str>)> {
        let inputs: &[Input] = inputs;
        let mut m: HashMap<&str, (InputClass, Cow<'_, str>)> = HashMap::with_capacity(inputs.len());
        for i in inputs {
            m.entry(i.name.as_str())
                .and_modify(|(_, v)| {
                    let v = v.to_mut();
                    v.push('\n');
                    v.push_str(&i.value);
                })
                .or_insert((i.class, Cow::Borrowed(i.value.as_str())));
        }
        m
    };
    let (b, a) = (index(before), index(after));
    let mut names: BTreeSet<&str> = b.keys().copied().collect();
    names.extend(a.keys().copied());
    names
        .into_iter()
        .filter_map(|name| {
            let bv = b.get(name).map(|(c, v)| (*c, v.as_ref()));
            let av = a.get(name).map(|(c, v)| (*c, v.as_ref()));
            change(name, bv, av)
        })
        .collect()
}

/// The diff of two lists that name the same inputs in the same order, as two keys of one
/// package nearly always do (Go hashes them in a fixed order): compared pair by pair,
/// without an index. `None` when the names differ, or when a changed name is given more
/// than once (its values are compared joined, by [`diff`]).
fn diff_in_step(before: &[Input], after: &[Input]) -> Option<Vec<Change>> {
    if before.len() != after.len() || before.iter().zip(after).any(|(b, a)| b.name != a.name) {
        return None;
    }
    let differ: Vec<(&Input, &Input)> = before
        .iter()
        .zip(after)
        .filter(|(b, a)| b.value != a.value)
        .collect();
    if differ.is_empty() {
        return Some(Vec::new());
    }
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(after.len());
    for a in after {
        *seen.entry(a.name.as_str()).or_default() += 1;
    }
    if differ.iter().any(|(_, a)| seen[a.name.as_str()] > 1) {
        return None;
    }
    let mut changes: Vec<Change> = differ
        .into_iter()
        .filter_map(|(b, a)| {
            change(
                &a.name,
                Some((b.class, b.value.as_str())),
                Some((a.class, a.value.as_str())),
            )
        })
        .collect();
    changes.sort_by(|x, y| x.name.cmp(&y.name));
    Some(changes)
}

/// The change of one named input, with its class as a cause reads it; `None` when equal.
fn change(
    name: &str,
    bv: Option<(InputClass, &str)>,
    av: Option<(InputClass, &str)>,
) -> Option<Change> {
    if bv.map(|x| x.1) == av.map(|x| x.1) {
        return None;
    }
    let mut class = av.or(bv).map(|x| x.0)?;
    let both = bv.is_some() && av.is_some();
    // The cgo tool line: present on both sides but different is a new cgo tool,
    // appearing or vanishing is cgo switched on or off.
    if name == "cgo" && both {
        class = InputClass::Toolchain;
    }
    // A tool line that appears or vanishes is not a new tool: the asm line follows the
    // package's .s files, the C compiler lines follow cgo being on (`buildActionID`).
    if class == InputClass::Toolchain && !both {
        if name.starts_with("asm") {
            class = InputClass::Source;
        } else if name.starts_with("CC") || name.starts_with("CXX") || name.starts_with("FC") {
            class = InputClass::Env;
        }
    }
    Some(Change {
        class,
        name: name.to_owned(),
        before: bv.map(|x| x.1.to_owned()),
        after: av.map(|x| x.1.to_owned()),
    })
}

pub(super) fn is_dependency_change(c: &Change) -> bool {
    matches!(
        c.class,
        InputClass::Import | InputClass::ModuleVersion | InputClass::Identity
    )
}

pub(super) fn source_detail(changes: &[&Change]) -> String {
    let mut parts = Vec::new();
    for (what, pick) in [("changed", 0u8), ("added", 1), ("removed", 2)] {
        let files: Vec<&str> = changes
            .iter()
            .filter(|c| match pick {
                0 => c.before.is_some() && c.after.is_some(),
                1 => c.before.is_none(),
                _ => c.after.is_none(),
            })
            .map(|c| c.name.strip_prefix("file ").unwrap_or(&c.name))
            .collect();
        if !files.is_empty() {
            parts.push(format!("{} {what}", files.join(", ")));
        }
    }
    parts.join("; ")
}
