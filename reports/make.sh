#!/usr/bin/env bash
# Regenerates reports/edit-propagates/ (the report folder for edit-propagates against warm)
# and its screenshot index.png, shown in the README. Run from anywhere: bash reports/make.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=reports/edit-propagates
# Relative paths, so the committed page names no machine's directories.
cargo run --release --quiet -- report --quiet --out "$out" \
    --baseline fixtures/scenarios/warm fixtures/scenarios/edit-propagates \
    --min-hit-rate 0.9 --max-critical-path 90s --forbid-cause workdir,evicted
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$chrome" ]; then
    echo "chromium not installed: $out/index.png not updated" >&2
    exit 0
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$PWD/$out/index.png" --window-size=1280,1800 \
    "file://$PWD/$out/index.html" 2>/dev/null
echo "wrote $out/ and $out/index.png" >&2
