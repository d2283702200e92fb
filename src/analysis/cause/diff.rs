//! Two builds' inputs under one key, diffed input by input, and the changes in words.

use std::collections::{BTreeSet, HashMap};

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
    let index = |inputs: &[Input]| -> HashMap<String, (InputClass, String)> {
        let mut m: HashMap<String, (InputClass, String)> = HashMap::with_capacity(inputs.len());
        for i in inputs {
            m.entry(i.name.clone())
                .and_modify(|(_, v)| {
                    v.push('\n');
                    v.push_str(&i.value);
                })
                .or_insert((i.class, i.value.clone()));
        }
        m
    };
    let (b, a) = (index(before), index(after));
    let mut names: BTreeSet<&String> = b.keys().collect();
    names.extend(a.keys());
    names
        .into_iter()
        .filter_map(|name| {
            let (bv, av) = (b.get(name), a.get(name));
            if bv.map(|x| &x.1) == av.map(|x| &x.1) {
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
                } else if name.starts_with("CC")
                    || name.starts_with("CXX")
                    || name.starts_with("FC")
                {
                    class = InputClass::Env;
                }
            }
            Some(Change {
                class,
                name: name.clone(),
                before: bv.map(|x| x.1.clone()),
                after: av.map(|x| x.1.clone()),
            })
        })
        .collect()
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
