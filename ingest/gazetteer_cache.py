"""Binary cache of the national gazetteer: a pickle of its flat arrays.

Building the gazetteer from the CSV lists takes tens of seconds;
:func:`write_gazetteer_cache` writes a pickle of its flat numpy arrays and
joined strings (:attr:`grid.gazetteer.Gazetteer.arrays`) that
:func:`read_gazetteer_cache` reads back in well under two seconds.  The file is
``gazetteer-<fingerprint>.pkl`` (:func:`cache_path`), the fingerprint covering
the source files and :data:`~grid.gazetteer_builder.FORMAT_VERSION`, so a
changed source or build rule gives a new file name and the cache rebuilds.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from pathlib import Path

from grid.errors import GridFileError
from grid.gazetteer import Gazetteer
from grid.gazetteer_builder import FORMAT_VERSION

#: Glob of the cache files in the cache folder.
CACHE_GLOB = "gazetteer-*.pkl"


def _fingerprint(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for path in paths:
        if path.exists():
            stat = path.stat()
            digest.update(f"{path.name}:{stat.st_size}:{int(stat.st_mtime)}".encode())
            if path.stat().st_size < 1_000_000:
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cache_path(cache_dir: Path, sources: Sequence[Path]) -> Path:
    """Return the cache file for a list of source files (changes when they do).

    Parameters
    ----------
    cache_dir : Path
        Where the cache file is kept (``data/cache``).
    sources : sequence of Path
        The files the gazetteer is built from, in a fixed order; a missing
        one is left out of the fingerprint.  Files under 1 MB are hashed
        whole, larger ones by name, size and modification time.

    Returns
    -------
    Path
        ``cache_dir / "gazetteer-<16 hex digits>.pkl"``.
    """
    return cache_dir / f"gazetteer-{_fingerprint(sources)}.pkl"


def write_gazetteer_cache(gazetteer: Gazetteer, path: Path) -> None:
    """Write a gazetteer to a binary cache file (pickle of its flat arrays).

    The file is written beside ``path`` and then renamed over it, so a reader
    never sees half a file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(path.suffix + ".tmp")
    with scratch.open("wb") as handle:
        pickle.dump(gazetteer.arrays, handle, protocol=pickle.HIGHEST_PROTOCOL)
    scratch.replace(path)


def read_gazetteer_cache(path: Path) -> Gazetteer:
    """Read a gazetteer written by :func:`write_gazetteer_cache`.

    Raises
    ------
    GridFileError
        If the file is missing, unreadable or of another format version.
    """
    try:
        with path.open("rb") as handle:
            arrays = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError) as exc:
        msg = f"cannot read gazetteer cache {str(path)!r}: {exc}"
        raise GridFileError(msg) from exc
    version = (
        arrays.get("meta", {}).get("format_version")
        if isinstance(arrays, dict)
        else None
    )
    if version != FORMAT_VERSION:
        msg = (
            f"gazetteer cache {str(path)!r} has format version {version!r}; "
            f"expected {FORMAT_VERSION}"
        )
        raise GridFileError(msg)
    return Gazetteer(arrays)
