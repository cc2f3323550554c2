"""Build the national gazetteer from its source files, through a binary cache.

Sources: the NBS statistical division lists of 2023 and 2016 (CSV files
fetched into ``data/cache`` by :mod:`ingest.divisions`), and in
``data/gazetteer`` JioNLP's table of county-level changes
(:data:`CHANGE_FILE`), a curated change table (:data:`CURATED_CHANGES_FILE`)
and the zone aliases (:data:`ZONE_ALIASES_FILE`); see
``data/gazetteer/PROVENANCE.md``.  They are read into frames here and handed
to :meth:`grid.gazetteer.Gazetteer.from_frames` (pure); the result is cached
by :mod:`ingest.gazetteer_cache`.  :func:`build_gazetteer` does all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from grid.errors import GridFileError
from grid.gazetteer import Gazetteer
from ingest.divisions import (
    CURRENT_VERSION,
    FILES,
    HISTORICAL_VERSION,
    division_files,
    division_folder,
)
from ingest.gazetteer_cache import (
    CACHE_GLOB,
    cache_path,
    read_gazetteer_cache,
    write_gazetteer_cache,
)

CHANGE_FILE = "jionlp_china_location_change.txt"
CURATED_CHANGES_FILE = "changes_curated.csv"
ZONE_ALIASES_FILE = "zone_aliases.csv"
#: The list's file whose presence tells that a version was fetched.
VILLAGE_FILE = "villages.csv"


def read_change_tables(data_dir: Path) -> pd.DataFrame:
    """Read JioNLP's change table and the curated one into one frame.

    Parameters
    ----------
    data_dir : Path
        ``data/gazetteer``: holds :data:`CHANGE_FILE` and
        :data:`CURATED_CHANGES_FILE`.

    Returns
    -------
    DataFrame
        ``old_name``, ``old_code``, ``new_name``, ``new_code``, ``new_path``
        (``province|city|county`` names when the code is unknown), ``date``,
        ``note_zh``, ``note_en``.
    """
    rows: list[dict[str, str]] = []
    jionlp = data_dir / CHANGE_FILE
    if jionlp.exists():
        rows.extend(
            parse_jionlp_changes(jionlp.read_text(encoding="utf-8").splitlines())
        )
    curated = data_dir / CURATED_CHANGES_FILE
    if curated.exists():
        frame = pd.read_csv(curated, dtype=str, keep_default_na=False)
        rows.extend(
            {str(k): str(v) for k, v in r.items()} for r in frame.to_dict("records")
        )
    columns = [
        "old_name",
        "old_code",
        "new_name",
        "new_code",
        "new_path",
        "date",
        "note_zh",
        "note_en",
    ]
    return pd.DataFrame(rows, columns=columns).fillna("")


def parse_jionlp_changes(lines: Iterable[str]) -> list[dict[str, str]]:
    r"""Parse lines of JioNLP's ``china_location_change.txt``.

    Each line is ``date, approver, old province, short, old city, short
    [, old county, short] => new province, new city [, new county]``; the
    deepest changed name becomes one row.

    Examples
    --------
    >>> line = "2010-12-09\t国批\t湖北省\t湖北\t襄樊市\t襄樊=>湖北省\t襄阳市"
    >>> row = parse_jionlp_changes([line])[0]
    >>> row["old_name"], row["new_path"]
    ('襄樊市', '湖北省|襄阳市')
    """
    rows: list[dict[str, str]] = []
    for line in lines:
        if not line.strip() or line.startswith("#") or "=>" not in line:
            continue
        left, right = line.split("=>", 1)
        old = left.split("\t")
        new = [p for p in right.split("\t") if p]
        old_names = old[2::2]
        if len(old_names) < 2 or len(new) < 2:
            continue
        old_name = old_names[min(len(old_names), len(new)) - 1]
        new_name = new[-1]
        if old_name == new_name:
            continue
        rows.append(
            {
                "old_name": old_name,
                "old_code": "",
                "new_name": new_name,
                "new_code": "",
                "new_path": "|".join(new),
                "date": old[0],
                "note_zh": "据JioNLP行政区划变更表",
                "note_en": "from JioNLP's table of administrative changes",
            }
        )
    return rows


def read_division_frames(
    folder: Path, *, villages: bool = True
) -> dict[str, pd.DataFrame]:
    """Read the CSVs of one list version into frames (``code``, ``name``).

    Parameters
    ----------
    folder : Path
        The list's folder (see :func:`ingest.divisions.division_folder`).
    villages : bool
        Read ``villages.csv`` too (default).

    Returns
    -------
    dict
        ``provinces``, ``cities``, ``areas``, ``streets`` (and ``villages``)
        → frame.

    Raises
    ------
    GridFileError
        If a file is missing or lacks the columns.
    """
    names = list(FILES) if villages else [f for f in FILES if f != VILLAGE_FILE]
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for file_name in names:
        path = folder / file_name
        if not path.exists():
            problems.append(f"missing {str(path)!r}")
            continue
        frame = pd.read_csv(
            path, dtype={"code": "int64", "name": "str"}, usecols=["code", "name"]
        )
        frames[file_name.removesuffix(".csv")] = frame
    if problems:
        msg = "cannot read the division list: " + "; ".join(problems)
        raise GridFileError(msg)
    return frames


def read_aliases(data_dir: Path) -> pd.DataFrame:
    """Read the curated zone aliases.

    Columns ``alias, code, scope, valid_from, valid_to, note_zh, note_en,
    source`` (see ``data/gazetteer/PROVENANCE.md``).
    """
    path = data_dir / ZONE_ALIASES_FILE
    if not path.exists():
        columns = ["alias", "code", "scope", "valid_from", "valid_to"]
        return pd.DataFrame(columns=[*columns, "note_zh", "note_en"])
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def source_files(cache_dir: Path, data_dir: Path) -> list[Path]:
    """Return the files the national gazetteer is built from, in a fixed order.

    The 2023 list's CSVs, the 2016 list's, then the change and alias tables.
    """
    lists = [
        division_folder(version, cache_dir) / name
        for version in (CURRENT_VERSION, HISTORICAL_VERSION)
        for name in FILES
    ]
    tables = [CHANGE_FILE, CURATED_CHANGES_FILE, ZONE_ALIASES_FILE]
    return lists + [data_dir / name for name in tables]


def gazetteer_cache_path(cache_dir: Path, data_dir: Path) -> Path:
    """Return the cache file for the current sources (changes when they do)."""
    return cache_path(cache_dir, source_files(cache_dir, data_dir))


def build_gazetteer(
    cache_dir: Path, data_dir: Path, *, use_cache: bool = True
) -> Gazetteer:
    """Return the national gazetteer, from the binary cache when it is fresh.

    Parameters
    ----------
    cache_dir : Path
        ``data/cache``: holds the NBS lists (see :mod:`ingest.divisions`) and
        the binary cache ``gazetteer-<fingerprint>.pkl``.
    data_dir : Path
        ``data/gazetteer``: the change and alias tables.
    use_cache : bool
        Read and write the binary cache (default).  The fingerprint covers the
        source files and :data:`~grid.gazetteer_builder.FORMAT_VERSION`; older
        cache files are removed when a new one is written.

    Returns
    -------
    Gazetteer

    Raises
    ------
    GridFileError
        If the 2023 list is missing (fetch it with
        :func:`ingest.divisions.division_files`).
    """
    path = gazetteer_cache_path(cache_dir, data_dir)
    if use_cache and path.exists():
        try:
            return read_gazetteer_cache(path)
        except GridFileError:
            pass
    current = read_division_frames(division_folder(CURRENT_VERSION, cache_dir))
    historical_folder = division_folder(HISTORICAL_VERSION, cache_dir)
    historical = (
        read_division_frames(historical_folder)
        if (historical_folder / VILLAGE_FILE).exists()
        else None
    )
    gazetteer = Gazetteer.from_frames(
        current,
        historical=historical,
        changes=read_change_tables(data_dir),
        aliases=read_aliases(data_dir),
    )
    if use_cache:
        for stale in cache_dir.glob(CACHE_GLOB):
            stale.unlink(missing_ok=True)
        write_gazetteer_cache(gazetteer, path)
    return gazetteer


def national_gazetteer(data_root: Path) -> Gazetteer:
    """Fetch the NBS lists if they are not cached, then build the gazetteer.

    Parameters
    ----------
    data_root : Path
        The project's ``data`` folder: the lists and the binary cache are kept
        in ``data_root / "cache"``, the tables read from
        ``data_root / "gazetteer"``.

    Returns
    -------
    Gazetteer

    Raises
    ------
    GridFileError
        If a list cannot be fetched (``npm`` missing, download failed,
        integrity mismatch) or read.
    """
    cache_dir = data_root / "cache"
    for version in (CURRENT_VERSION, HISTORICAL_VERSION):
        division_files(version, cache_dir)
    return build_gazetteer(cache_dir, data_root / "gazetteer")
