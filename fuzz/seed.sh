#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the real captures under fixtures/ (see seed.py).
# Usage: bash fuzz/seed.sh [TARGET...]
set -euo pipefail
exec python3 "$(dirname "$0")/seed.py" "$@"
