#!/usr/bin/env bash
# One command: install everything, build the Qingdao demo on the embedded
# SpatiaLite database, and start the app on http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh app
export PATH="$HOME/.local/bin:$PATH"
uv run --frozen --no-dev twonet demo "$@"
exec uv run --frozen --no-dev twonet app "$@"
