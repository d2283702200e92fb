#!/usr/bin/env bash
# Benchmark: `goattrib report` on a large GitLab job trace, next to `wc -l` on the same bytes.
# The trace is a real one from ../shared/gitlab-traces/ repeated to BENCH_TRACE_MB (default
# 200) MB; it is timed alone (the job log is the only input, so its Go output is parsed too)
# and with a bundle (the bundle describes the build; the log's script output is skipped).
# A benchmark, not a test: it never fails on a missed target.
set -euo pipefail
BENCH_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_SRC/.." && pwd)"
BENCH_DIR="${BENCH_DIR:-/tmp/goattrib-bench}"
MB="${BENCH_TRACE_MB:-200}"
SOURCE="${BENCH_TRACE_SOURCE:-$REPO/../shared/gitlab-traces/runner-13.12-docker-go-unit-test-cache-miss-then-save.log}"
[ -f "$SOURCE" ] || { echo "trace.sh: $SOURCE not found (set BENCH_TRACE_SOURCE)" >&2; exit 1; }

if [ -z "${GOATTRIB:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet)
  TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
  case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
  GOATTRIB="$TARGET_DIR/release/goattrib"
fi
mkdir -p "$BENCH_DIR"
TRACE="$BENCH_DIR/trace-${MB}mb.log"
if [ ! -f "$TRACE" ]; then
  python3 - "$SOURCE" "$TRACE" "$MB" <<'PY'
import sys
src, dst, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(src, "rb").read()
with open(dst, "wb") as f:
    for _ in range(mb * 1024 * 1024 // len(data) + 1):
        f.write(data)
PY
fi
python3 "$BENCH_SRC/measure.py" trace --goattrib "$GOATTRIB" --trace "$TRACE" \
  --bundle "$REPO/fixtures/joined/restore-failed/bundle" --runs "${BENCH_RUNS:-3}"
