#!/usr/bin/env bash
# Create the separate benchmark virtualenv bench/.venv with the peers and AgentiCraft (editable).
# Usage: bash bench/setup.sh   (from anywhere; safe to re-run)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null 2>&1 || python=python3
if [ ! -x "$here/.venv/bin/python" ]; then
    "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install --quiet --upgrade pip
"$here/.venv/bin/python" -m pip install --quiet -e "$repo"
"$here/.venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
echo "bench venv ready: $here/.venv/bin/python"
echo "run: $here/.venv/bin/python $here/run.py"
