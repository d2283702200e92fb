//! A bounded list of warnings, so that a hostile trace (a million stray `section_end`s)
//! cannot grow it without limit. Not for deciding what deserves a warning.

/// Warnings kept; later ones are only counted.
pub(crate) const MAX_WARNINGS: usize = 200;

#[derive(Debug, Default)]
pub(crate) struct Warnings {
    list: Vec<String>,
    dropped: u64,
}

impl Warnings {
    pub(crate) fn push(&mut self, message: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(message);
        } else {
            self.dropped += 1;
        }
    }

    #[cfg(test)]
    pub(crate) fn as_slice(&self) -> &[String] {
        &self.list
    }

    /// The kept warnings, plus one line counting those that were not kept.
    pub(crate) fn into_vec(mut self) -> Vec<String> {
        if self.dropped > 0 {
            self.list
                .push(format!("{} more warnings were not kept", self.dropped));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_counts() {
        let mut w = Warnings::default();
        for i in 0..MAX_WARNINGS + 5 {
            w.push(format!("w{i}"));
        }
        let v = w.into_vec();
        assert_eq!(v.len(), MAX_WARNINGS + 1);
        assert_eq!(
            v.last().map(String::as_str),
            Some("5 more warnings were not kept")
        );
    }
}
