#!/usr/bin/env bash
# Crafted hostile inputs (bench/hostile.py) timed with the release binary under
# /usr/bin/time -v: wall time and peak RSS. A check, not a test: it prints figures and
# exits 0 whenever the runs finished or timed out. See the README's Security section.
#
#   bench/hostile.sh                 # build release, generate into /tmp/goattrib-hostile
#   GOATTRIB=path/to/goattrib bench/hostile.sh
#   HOSTILE_TIMEOUT=120 NESTED=50000 FANIN=5000 CHAIN=5000 bench/hostile.sh
set -euo pipefail

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SRC/.." && pwd)"
DIR="${HOSTILE_DIR:-/tmp/goattrib-hostile}"
TIMEOUT="${HOSTILE_TIMEOUT:-120}"
NESTED="${NESTED:-50000}"
FANIN="${FANIN:-5000}"
CHAIN="${CHAIN:-5000}"

if [ ! -x /usr/bin/time ]; then
  echo "hostile.sh: needs GNU time at /usr/bin/time (apt-get install time)" >&2
  exit 2
fi
if [ -z "${GOATTRIB:-}" ]; then
  (cd "$REPO" && cargo build --release --quiet)
  GOATTRIB="${CARGO_TARGET_DIR:-$REPO/target}/release/goattrib"
fi

rm -rf "$DIR"
python3 "$SRC/hostile.py" "$DIR" "$NESTED" "$FANIN" "$CHAIN"

run() {
  local name="$1"; shift
  local log="$DIR/$name.time"
  local rc=0
  (cd "$DIR" && timeout "$TIMEOUT" /usr/bin/time -v "$GOATTRIB" "$@" >"$DIR/$name.out" 2>"$log") || rc=$?
  local wall rss
  wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$log")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$log")
  if [ "$rc" = 124 ]; then
    printf '%-28s timed out after %ss\n' "$name" "$TIMEOUT"
  else
    printf '%-28s exit %-3s wall %-9s peak RSS %6s MB  output %s bytes\n' "$name" "$rc" "$wall" \
      "$(( ${rss:-0} / 1024 ))" "$(wc -c <"$DIR/$name.out")"
  fi
}

echo "inputs: $(wc -c <"$DIR/nested.log") bytes of job log ($NESTED nested sections);" \
  "fan-in bundles of $FANIN changed packages under a chain of $CHAIN: $(du -sb "$DIR/fanin-head" | cut -f1) bytes each"
run nested-log-table report nested.log
run nested-log-json report --format json nested.log
run fanin-table report --baseline fanin-base fanin-head
run fanin-json report --format json --baseline fanin-base fanin-head
run fanin-out report --out out --baseline fanin-base fanin-head
run fanin-compare compare fanin-base fanin-head

# The staircase (each origin set distinct and one name longer than the last) from the
# hostile corpus: bounded by the origin budget (`MAX_ORIGIN_SET_NAMES`), with a warning.
python3 "$REPO/fixtures/gen/hostile.py" "$DIR/corpus" staircase >/dev/null
stairs="corpus/staircase"
run staircase-json report --format json --baseline "$stairs/base.manifest.json.gz" "$stairs/head.manifest.json.gz"
run staircase-compare compare "$stairs/base.manifest.json.gz" "$stairs/head.manifest.json.gz"
