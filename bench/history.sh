#!/usr/bin/env bash
# History benchmark: `history add` jobs/s and bytes per job, and `dashboard` over 100,000
# jobs on SQLite and (when a server is given or can be started) ClickHouse, with peak memory.
#
#   bash bench/history.sh [JOBS]        # default 100000
#
# The jobs are the real fixture reports (fixtures/gen/history/make-history.py, 26 weeks)
# exported and cloned with new job ids and start times over two years (bench/clone-history.py),
# so every job is a real build's rows. Needs a release build (cargo build --release).
# ClickHouse: GOATTRIB_CLICKHOUSE=HOST:PORT, else one is started with .ci/clickhouse.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-100000}
bin=${GOATTRIB:-target/release/goattrib}
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 1; }
work=$(mktemp -d /tmp/goattrib-bench-history.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Peak RSS (MiB) and wall seconds of a command: GNU time when present, else Python.
measure() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.monotonic()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - t
if r.returncode not in (0, 1):
    sys.exit(f"failed ({r.returncode}): {r.stderr.decode()[-500:]}")
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(f"{wall:.2f} s, peak RSS {peak:.0f} MiB")
PY
}

echo "== seed history from the real fixture reports"
GOATTRIB="$bin" python3 fixtures/gen/history/make-history.py "$work/seed" 26 6 >/dev/null
"$bin" history export --db "$work/seed/history.db" > "$work/seed.jsonl"

echo "== history add: report folders (13 real reports, parsed in parallel, one process)"
folders=$(ls -d "$work"/seed/reports/*)
# shellcheck disable=SC2086
echo "   $(measure "$bin" history add --db "$work/folders.db" $folders) for $(echo $folders | wc -w) jobs"

echo "== history add: bundles analysed on the fly (5 scenarios with their baseline)"
s=fixtures/scenarios
echo "   $(measure "$bin" history add --db "$work/bundles.db" --baseline $s/vendor-upgrade $s/gcflags $s/tags $s/trimpath $s/goamd64-v3 $s/cgo-off) for 5 jobs"

for n in 1000 "$jobs"; do
  python3 bench/clone-history.py "$work/seed.jsonl" "$n" > "$work/jobs-$n.jsonl"
  echo "== history add: $n jobs from an export file into SQLite"
  echo "   $(measure "$bin" history add --db "$work/h-$n.db" "$work/jobs-$n.jsonl")"
  size=$(stat -c %s "$work/h-$n.db")
  echo "   file: $size bytes, $((size / n)) bytes/job"
  echo "== dashboard over $n jobs (SQLite)"
  echo "   --format json: $(measure "$bin" dashboard --db "$work/h-$n.db" --format json)"
  echo "   --out (site):  $(measure "$bin" dashboard --db "$work/h-$n.db" --out "$work/site-$n")"
done

stop=""
if [ -z "${GOATTRIB_CLICKHOUSE:-}" ]; then
  if env_line=$(bash .ci/clickhouse.sh start 2>/dev/null); then
    eval "$env_line"
    stop=1
  else
    echo "== ClickHouse: no server (set GOATTRIB_CLICKHOUSE or install clickhouse-server)"
    exit 0
  fi
fi
store="clickhouse://$GOATTRIB_CLICKHOUSE/goattrib_bench_$$"
echo "== history add: $jobs jobs from an export file into ClickHouse ($GOATTRIB_CLICKHOUSE)"
echo "   $(measure "$bin" history add --store "$store" "$work/jobs-$jobs.jsonl")"
"$bin" history stats --store "$store" | sed 's/^/   /'
echo "== dashboard over $jobs jobs (ClickHouse)"
echo "   --format json: $(measure "$bin" dashboard --store "$store" --format json)"
"$bin" dashboard --store "$store" --format json > "$work/ch.json"
"$bin" dashboard --db "$work/h-$jobs.db" --format json > "$work/sq.json"
if cmp -s "$work/ch.json" "$work/sq.json"; then echo "   same JSON as SQLite: yes"; else echo "   same JSON as SQLite: NO"; fi
curl -fsS "http://$GOATTRIB_CLICKHOUSE/" --data-binary "DROP DATABASE goattrib_bench_$$" >/dev/null || true
[ -n "$stop" ] && bash .ci/clickhouse.sh stop
exit 0
