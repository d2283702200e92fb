#!/usr/bin/env bash
# Runs the coverage-guided fuzzers (cargo-fuzz, libFuzzer) for SECONDS each.
#
#   bash fuzz/run.sh SECONDS [TARGET...]      # every target when none is named
#
# Needs `cargo install cargo-fuzz`. The toolchain may be stable: RUSTC_BOOTSTRAP=1 lets it
# take the nightly flags. AddressSanitizer by default; FUZZ_SANITIZER=none when its runtime
# is missing. FUZZ_JOBS=N runs N targets at once (default 1). Every run: -timeout=10 (a
# hang), -rss_limit_mb=1024 (an OOM); findings land in fuzz/artifacts/<target>/, logs in
# fuzz/logs/<target>.log, and one summary line per target is printed at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
secs="${1:?usage: bash fuzz/run.sh SECONDS [TARGET...]}"
shift
sanitizer="${FUZZ_SANITIZER:-address}"
jobs="${FUZZ_JOBS:-1}"
export RUSTC_BOOTSTRAP=1
cd "$here/.."
if [ $# -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list --fuzz-dir fuzz)
else
    targets=("$@")
fi
mkdir -p fuzz/logs
# Build once, then run the binaries themselves: `cargo fuzz run` would rebuild every
# target whenever HEAD moves (build.rs puts the revision into the version string).
# FUZZ_NO_BUILD=1 runs what is already built.
if [ "${FUZZ_NO_BUILD:-}" = 1 ]; then
    :
elif [ "${#targets[@]}" -eq 1 ]; then
    cargo fuzz build --fuzz-dir fuzz --sanitizer "$sanitizer" "${targets[0]}"
else
    cargo fuzz build --fuzz-dir fuzz --sanitizer "$sanitizer"
fi

run_one() {
    local t="$1"
    [ -n "$(ls -A "fuzz/corpus/$t" 2>/dev/null)" ] || bash fuzz/seed.sh "$t"
    mkdir -p "fuzz/artifacts/$t"
    local started=$SECONDS
    # Exit status is libFuzzer's: non-zero on a finding. Keep going to the next target.
    ASAN_OPTIONS="detect_odr_violation=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
        "fuzz/target/x86_64-unknown-linux-gnu/release/$t" "fuzz/corpus/$t" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -max_len=131072 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" \
        >"fuzz/logs/$t.log" 2>&1 || true
    echo $((SECONDS - started)) >"fuzz/logs/$t.seconds"
}

running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

printf '%-14s %12s %8s %8s %s\n' target executions seconds corpus findings
for t in "${targets[@]}"; do
    log="fuzz/logs/$t.log"
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    took=$(cat "fuzz/logs/$t.seconds" 2>/dev/null || echo '?')
    corpus=$(ls "fuzz/corpus/$t" | wc -l)
    found=$(ls "fuzz/artifacts/$t" 2>/dev/null | tr '\n' ' ')
    printf '%-14s %12s %8s %8s %s\n' "$t" "$execs" "$took" "$corpus" "${found:-none}"
done
