"""Inspection, violation and complaint record files: open and read.

Each kind goes through the generic table pipeline (:mod:`ingest.tables`)
with its schema (:mod:`ingest.record_schemas`) and its own checks
(:mod:`ingest.record_checks`): encodings (UTF-8 with or without BOM,
GBK/GB18030), title rows, XLSX sheets, Chinese and English headers,
``mapping``, every problem with its row number, the key check across chunks
and files.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from os import PathLike

from grid.errors import RegistryFileError
from grid.record_types import RECORD_KINDS
from ingest.record_checks import check_records
from ingest.record_schemas import KINDS, SCHEMAS
from ingest.tables.pipeline import TableStream, open_table
from ingest.tables.problems import TableResult


def record_kind(kind: str) -> str:
    """Return ``kind`` if it is a kind of record, else raise.

    Raises
    ------
    RegistryFileError
        Not one of :data:`grid.record_types.RECORD_KINDS`.
    """
    if kind not in RECORD_KINDS:
        known = ", ".join(f"{k} ({c.zh})" for k, c in RECORD_KINDS.items())
        msg = f"未知的记录类型“{kind}”，应为 {known} / unknown record kind {kind!r}"
        raise RegistryFileError(msg)
    return kind


def open_records(
    path: str | PathLike[str],
    kind: str,
    *,
    known_staff: Collection[str] | None = None,
    known_area_codes: Collection[str] | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    earlier_keys: Mapping[str, str] | None = None,
) -> TableStream:
    """Open a record file of one kind to check it chunk by chunk.

    Parameters
    ----------
    path : str or path-like
        CSV (also ``.txt``/``.tsv``) or XLSX.
    kind : {"inspections", "violations", "complaints"}
    known_staff : collection of str, optional
        Staff ids of the registry: an inspector not among them is a warning.
    known_area_codes : collection of str, optional
        Division codes a credit code's registration area should be among.
    mapping, encoding, sheet, delimiter, earlier_keys
        See :func:`ingest.tables.pipeline.open_table`.

    Returns
    -------
    TableStream
        Accepted rows: ``row``, the fields of the kind's schema (codes as
        stored, flags ``"yes"``/``"no"``, dates ``datetime64``,
        ``staff_ids`` lists), ``extra``.

    Raises
    ------
    RegistryFileError
        Unknown kind; the file cannot be read or its columns mapped.
    """
    kind = record_kind(kind)
    check = partial(
        check_records,
        kind=kind,
        known_staff=known_staff,
        known_area_codes=known_area_codes,
    )
    return open_table(
        path,
        SCHEMAS[kind],
        check=check,
        kinds=KINDS[kind],
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        earlier_keys=earlier_keys,
    )


def read_records(
    path: str | PathLike[str], kind: str, **options: object
) -> TableResult:
    r"""Read and check a whole record file (options of :func:`open_records`).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "c.csv").write_text(
    ...     "投诉编号,受理日期,单位名称,状态\nT1,2025-01-24,某厂,已受理\n"
    ... )
    >>> rows = read_records(folder / "c.csv", "complaints").rows
    >>> rows[["row", "complaint_id", "status"]].values.tolist()
    [[2, 'T1', 'accepted']]
    """
    stream = open_records(path, kind, **options)  # type: ignore[arg-type]
    return stream.summary(list(stream.chunks()))
