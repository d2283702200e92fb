//! What each kind of miss means and what a team can do about it: the hint texts, and the
//! causes that need no diff (cold, evicted, not kept, new, no baseline, unknown).

use crate::model::{Cause, CauseKind};

/// The hint for each kind: what a team can do about it.
pub fn hint(kind: CauseKind) -> &'static str {
    match kind {
        CauseKind::Source => {
            "expected after an edit; fewer importers of a hot package means fewer rebuilds"
        }
        CauseKind::Vcs => {
            "expected on every new commit: go build stamps vcs.revision/vcs.time into main packages; use -buildvcs=false where the binary does not need it, and keep cache folders inside the checkout in .gitignore so the module is not +dirty"
        }
        CauseKind::Dependency => {
            "rebuilt because a package it imports changed; fix or accept the origin"
        }
        CauseKind::Platform => {
            "key the CI cache by GOOS/GOARCH so builds for other platforms do not evict each other"
        }
        CauseKind::Env => {
            "pin GOAMD64/CGO_ENABLED/CC in the job's variables and put them in the cache key"
        }
        CauseKind::Flags => {
            "use the same build flags in every job sharing the cache, or give each flag set its own cache key"
        }
        CauseKind::Toolchain => {
            "pin the Go image version and key the cache by Go version: a new toolchain rebuilds everything"
        }
        CauseKind::GoDirective => "the go line (or //go:debug defaults) changed: a one-off rebuild",
        CauseKind::Workdir => {
            "build with -trimpath or pin GIT_CLONE_PATH so the checkout path is the same on every runner"
        }
        CauseKind::Pgo => {
            "an updated default.pgo rebuilds every package under that main package (with -pgo=auto): update it on purpose, not every build"
        }
        CauseKind::Evicted => {
            "the entry was gone from GOCACHE: check the CI cache was restored and is not trimmed"
        }
        CauseKind::NotCached => {
            "expected for go build in CI: only go run/go test binaries and an up-to-date install target are reused"
        }
        CauseKind::CacheNotRestored => {
            "the job's cache had no entry for its key on this runner: add cache:fallback_keys or use a shared distributed cache"
        }
        CauseKind::New => "a package or action the baseline did not build: expected for new code",
        CauseKind::Cold => {
            "persist GOCACHE between jobs: GOCACHE=$CI_PROJECT_DIR/.cache/go-build under cache:paths"
        }
        CauseKind::Unknown => "give the missing input named in the detail",
    }
}

fn simple(kind: CauseKind, detail: &str) -> Cause {
    Cause {
        kind,
        detail: detail.to_owned(),
        hint: hint(kind).to_owned(),
        origins: Default::default(),
        origin_set: None,
        origins_truncated: false,
        changed: Vec::new(),
    }
}

pub(super) fn cold() -> Cause {
    simple(
        CauseKind::Cold,
        "no action was served from the build cache: a first build on an empty GOCACHE",
    )
}

pub(super) fn evicted() -> Cause {
    simple(
        CauseKind::Evicted,
        "hash inputs identical to the baseline, yet the action ran: its cache entry was gone",
    )
}

/// `go build` keeps no linked binary in GOCACHE (`useCache` in `work/buildid.go` reuses only
/// an up-to-date target file, `go run`/`go test` binaries and the main-package shortcut).
pub(super) fn link_not_kept() -> Cause {
    simple(
        CauseKind::NotCached,
        "link inputs identical to the baseline: go build keeps no linked binary in GOCACHE, so the link reruns whenever its output file is missing",
    )
}

pub(super) fn new_action() -> Cause {
    simple(CauseKind::New, "the baseline has no such action")
}

pub(super) fn no_baseline() -> Cause {
    unknown(
        "no baseline to compare this action's hash inputs with",
        "pass --baseline with the previous build's bundle or manifest",
    )
}

pub(super) fn unknown(detail: &str, hint: &str) -> Cause {
    Cause {
        kind: CauseKind::Unknown,
        detail: detail.to_owned(),
        hint: hint.to_owned(),
        origins: Default::default(),
        origin_set: None,
        origins_truncated: false,
        changed: Vec::new(),
    }
}
