//! Classified cache-key inputs: what one `gocachehash` input line becomes once named and
//! classed, so two builds' keys can be diffed input by input. Plain data shared by the
//! hash-log codec (which classifies), the manifest codec (which stores them) and the
//! cause analysis (which diffs them).

use foldhash::HashMap;

use serde::{Deserialize, Serialize};

use super::CauseKind;

/// What part of the build an input describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputClass {
    Toolchain,
    Platform,
    Env,
    Flags,
    GoDirective,
    Workdir,
    /// The PGO profile (`pgofile <hash>`, the preprocess action's `input "<hash>"`).
    Pgo,
    Source,
    /// A dependency's content ID (`import P ID`, `packagefile P=ID`).
    Import,
    /// A module version recorded in `modinfo` (`dep P V`).
    ModuleVersion,
    /// Fixed for a key (its own import path, the action marker): never differs.
    Identity,
    Other,
}

impl InputClass {
    pub const ALL: [InputClass; 12] = [
        InputClass::Toolchain,
        InputClass::Platform,
        InputClass::Env,
        InputClass::Flags,
        InputClass::GoDirective,
        InputClass::Workdir,
        InputClass::Pgo,
        InputClass::Source,
        InputClass::Import,
        InputClass::ModuleVersion,
        InputClass::Identity,
        InputClass::Other,
    ];

    /// The cause kind a change of this input gives a miss.
    pub fn cause_kind(self) -> CauseKind {
        match self {
            InputClass::Toolchain => CauseKind::Toolchain,
            InputClass::Platform => CauseKind::Platform,
            InputClass::Env => CauseKind::Env,
            InputClass::Flags => CauseKind::Flags,
            InputClass::GoDirective => CauseKind::GoDirective,
            InputClass::Workdir => CauseKind::Workdir,
            InputClass::Pgo => CauseKind::Pgo,
            InputClass::Source => CauseKind::Source,
            InputClass::Import | InputClass::ModuleVersion => CauseKind::Dependency,
            InputClass::Identity | InputClass::Other => CauseKind::Unknown,
        }
    }
}

/// One classified input: `name` is stable across builds, `value` is what changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub class: InputClass,
    pub name: String,
    pub value: String,
}

/// Characters kept of an opaque ID (a dependency's content ID, a file's content hash). Go
/// writes them as 20 base64 characters (`contentID` and `fileHash` in `work/buildid.go`,
/// `work/exec.go`); the first 8 are 48 bits, plenty to tell two versions apart, and what a
/// manifest stores instead of the whole ID. Both sides of every diff are shortened the same
/// way, so a bundle and a manifest give the same causes, down to the `changed` lines.
pub const ID_CHARS: usize = 8;

/// Shortens an opaque ID to [`ID_CHARS`]; names, paths, flags and versions stay verbatim.
pub fn shorten_id(input: &mut Input) {
    let opaque = input.class == InputClass::Import
        || (input.class == InputClass::Source && input.name.starts_with("file "));
    if opaque && let Some((cut, _)) = input.value.char_indices().nth(ID_CHARS) {
        input.value.truncate(cut);
    }
}

/// Classified inputs by cache key, opaque IDs shortened: what a baseline must keep (see
/// the manifest codec, `ingest::manifest`).
pub type KeyInputs = HashMap<String, Vec<Input>>;
