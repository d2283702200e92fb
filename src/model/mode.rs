//! Action modes: Go's own mode strings (`Mode` of `cmd/go/internal/work.Action`), typed for
//! the few the analysis decides on, every other one kept verbatim. Serialised as Go spells
//! it, so the JSON contracts are unchanged.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The mode of one action of the build graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// A package compile: what hit rates count.
    Build,
    Link,
    Vet,
    /// Go 1.27's separate cache check of a package (`build check cache`): no lookup of its own.
    BuildCheckCache,
    /// Since Go 1.23 the PGO profile is turned into a cached action of its own.
    PreprocessPgo,
    /// Any other mode Go prints (`cgo run`, `link-install`, `test run`, ...), verbatim.
    Other(String),
}

impl Mode {
    /// Action modes of `cmd/go/internal/work` (and `test`), longest first so that a prefix
    /// match picks `build check cache` over `build`. Modes contain spaces.
    pub const KNOWN_LONGEST_FIRST: &[&str] = &[
        "write coverage meta-data file",
        "go install -buildmode=shared",
        "go build -buildmode=shared",
        "preprocess PGO profile",
        "test print (nop)",
        "build check cache",
        "go install (tools)",
        "built-in package",
        "build-install",
        "link-install",
        "install header",
        "shlib packages",
        "swigDoIntSize",
        "collect cgo",
        "cgo compile",
        "gccgo stdlib",
        "test barrier",
        "test build",
        "test clean",
        "test print",
        "go install",
        "go build",
        "go test",
        "go tool",
        "go run",
        "shlibname",
        "testmain",
        "test run",
        "cgo run",
        "atomic",
        "build",
        "cover",
        "link",
        "nop",
        "set",
        "vet",
    ];

    pub fn parse(text: &str) -> Mode {
        match text {
            "build" => Mode::Build,
            "link" => Mode::Link,
            "vet" => Mode::Vet,
            "build check cache" => Mode::BuildCheckCache,
            "preprocess PGO profile" => Mode::PreprocessPgo,
            other => Mode::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Mode::Build => "build",
            Mode::Link => "link",
            Mode::Vet => "vet",
            Mode::BuildCheckCache => "build check cache",
            Mode::PreprocessPgo => "preprocess PGO profile",
            Mode::Other(s) => s,
        }
    }

    /// Modes whose action looks the build cache up under its own `gocachehash` key
    /// (`buildActionID`, `linkActionID`, vet's ID in `cmd/go/internal/work`), so an action
    /// that did not run was a hit.
    pub fn has_cache_key(&self) -> bool {
        matches!(self, Mode::Build | Mode::Link | Mode::Vet)
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Mode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl From<&str> for Mode {
    fn from(text: &str) -> Mode {
        Mode::parse(text)
    }
}

impl Serialize for Mode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Mode::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_and_verbatim_modes_round_trip() {
        for text in [
            "build",
            "link",
            "vet",
            "build check cache",
            "preprocess PGO profile",
            "cgo run",
            "test run",
        ] {
            let mode = Mode::parse(text);
            assert_eq!(mode.as_str(), text);
            let json = serde_json::to_string(&mode).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Mode>(&json).unwrap(), mode);
        }
        assert!(matches!(Mode::parse("cgo run"), Mode::Other(_)));
        assert!(Mode::Build.has_cache_key() && !Mode::parse("nop").has_cache_key());
    }
}
