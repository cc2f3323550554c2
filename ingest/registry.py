"""Employer registries (用人单位信息表): the employer schema and its checks.

:func:`read_registry` reads a registry through the generic table pipeline
(:mod:`ingest.tables`) with :data:`EMPLOYERS`, the employer schema, and
:func:`check_employers`, the checks that only employers have:

* the unified social credit code (GB 32100-2015: length, characters, check
  characters, registration area, duplicates);
* coordinates in their declared datum (numbers, both or neither, swapped,
  inside China, inside the grid's extent, a known coordinate system);
* head-count rules (staff = men + women; staff ≥ on post ≥ migrant workers;
  signed ≤ required ≤ staff).

Values people write (full-width digits, ``1,234人``, Chinese dates, Excel
serials), encodings (UTF-8 with or without BOM, GBK/GB18030), title rows,
Chinese and English headers and the rejects file are the pipeline's.

Severity
--------
``"reject"``: the row cannot be imported (no name; no or invalid credit code;
a credit code already used by an earlier row; a CSV record with the wrong
number of fields).  ``"warning"``: the row is imported but flagged; a bad
value is dropped (unusable coordinates are dropped so the address gets
geocoded; an unreadable count or date becomes empty).  See :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from os import PathLike

from grid.coords import Datum, parse_datum
from ingest.registry_checks import check_employers
from ingest.registry_schema import (
    COUNT_FIELDS,
    EMPLOYERS,
    EMPLOYERS_WITHOUT_USCC,
    FIELDS,
    KINDS,
    ROW_COLUMNS,
)
from ingest.tables.pipeline import TableStream, open_table
from ingest.tables.problems import PROBLEM_COLUMNS, TableResult, write_rejects
from ingest.tables.reader import Progress, detect_encoding
from ingest.tables.values import (
    parse_dates,
    parse_numbers,
)

__all__ = [
    "COUNT_FIELDS",
    "EMPLOYERS",
    "EMPLOYERS_WITHOUT_USCC",
    "FIELDS",
    "KINDS",
    "PROBLEM_COLUMNS",
    "ROW_COLUMNS",
    "RegistryResult",
    "detect_encoding",
    "open_registry",
    "parse_dates",
    "parse_numbers",
    "read_registry",
    "write_rejects",
]

#: What :func:`read_registry` returns.
RegistryResult = TableResult


def read_registry(
    path: str | PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    default_crs: str | Datum | None = None,
    known_area_codes: Collection[str] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    require_uscc: bool = True,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
    earlier_keys: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> RegistryResult:
    r"""Read an employer registry and check every row.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` (also ``.txt``/``.tsv``) or ``.xlsx`` file.
    mapping : mapping, optional
        Our field names (:data:`FIELDS`) to the file's column names, for
        columns the aliases do not find (or find wrongly).
    encoding : str, optional
        CSV encoding; overrides detection.
    sheet : str or int, optional
        XLSX worksheet, by name or 0-based position.
    default_crs : str or Datum, optional
        Datum of coordinates whose row names none (blank or no ``坐标系``
        column), any name :func:`grid.coords.parse_datum` knows.  Without
        it such coordinates are taken as WGS-84 (said in ``notes``).
    known_area_codes : collection of str, optional
        Division codes known as registration areas (current and historical
        province, prefecture and county codes).  Not checked when ``None``.
    extent : (lon_min, lat_min, lon_max, lat_max), optional
        WGS-84 bounding box of the grid; coordinates outside it are dropped
        (with :data:`OBFUSCATED_MARGIN` for GCJ-02/BD-09 coordinates).
    require_uscc : bool, default True
        When False, a row without a credit code (an unlicensed workshop...)
        is accepted with a warning instead of rejected.
    chunk_rows : int, default 200000
        About how many rows to read between two ``progress`` calls.
    progress : callable, optional
        Called as ``progress(rows_done, rows_total)`` while reading.
    earlier_keys : mapping, optional
        Credit codes of files read before this one by the same import →
        where (``file:row``); a row repeating one is rejected.
    delimiter : str, optional
        CSV delimiter (one character, or ``"tab"``); default detected.

    Returns
    -------
    RegistryResult
        Accepted rows in :data:`ROW_COLUMNS` (``crs`` a :class:`Datum`
        value, ``area_code`` characters 3-8 of the credit code).

    Raises
    ------
    TwoNetError
        The file cannot be found, read or decoded, is an ``.xls``, or its
        name/credit-code columns cannot be found; ``mapping`` names an
        unknown field or column; ``sheet`` is unknown.
    CRSError
        ``default_crs`` is not a datum name.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.csv").write_text(
    ...     "单位名称,统一社会信用代码\n福州某公司,91350100M000100Y43\n"
    ... )
    >>> result = read_registry(folder / "r.csv")
    >>> result.rows[["row", "name", "uscc"]].to_numpy().tolist()
    [[2, '福州某公司', '91350100M000100Y43']]
    """
    stream = open_registry(
        path,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        default_crs=default_crs,
        known_area_codes=known_area_codes,
        extent=extent,
        require_uscc=require_uscc,
        earlier_keys=earlier_keys,
    )
    return stream.summary(list(stream.chunks(chunk_rows, progress)))


def open_registry(
    path: str | PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    default_crs: str | Datum | None = None,
    known_area_codes: Collection[str] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    require_uscc: bool = True,
    earlier_keys: Mapping[str, str] | None = None,
) -> TableStream:
    """Open a registry to check it chunk by chunk (see :func:`read_registry`).

    Returns
    -------
    TableStream
        Its :meth:`~ingest.tables.pipeline.TableStream.chunks` yield the
        checked rows of about 100,000 records at a time: a large registry
        is imported in bounded memory.
    """
    default = None if default_crs is None else parse_datum(default_crs)
    check = partial(
        check_employers,
        default=default,
        extent=extent,
        known_area_codes=known_area_codes,
        require_uscc=require_uscc,
    )
    return open_table(
        path,
        EMPLOYERS if require_uscc else EMPLOYERS_WITHOUT_USCC,
        check=check,
        kinds=KINDS,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        earlier_keys=earlier_keys,
    )
