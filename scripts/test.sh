#!/usr/bin/env bash
# One command: install everything (PostGIS, Chromium included) and run the
# whole suite on both databases and in a real browser.  Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export PATH="$HOME/.local/bin:$PATH"
export TWONET_TEST_POSTGRES_URL="${TWONET_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
uv run --frozen ruff check .
uv run --frozen mypy
exec uv run --frozen pytest --require-all-backends "$@"
