#!/usr/bin/env bash
# One command: install everything, build the Qingdao demo on the embedded
# SpatiaLite database, and start the app on http://localhost:8501
set -euo pipefail
# uv as a module of the machine's python3 (no PATH or pyenv-shim surprises)
uv() { python3 -m uv "$@"; }
cd "$(dirname "$0")/.."
scripts/bootstrap.sh app
uv run --no-sync twonet demo "$@"
uv run --no-sync twonet app "$@"
