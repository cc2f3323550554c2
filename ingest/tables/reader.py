"""Read a table (CSV or XLSX) as the text of every cell, with row numbers.

:func:`read_raw` finds the header with a :class:`~ingest.tables.schema.TableSchema`
and returns a :class:`RawTable`: every cell as text, the spreadsheet row
number of each record and what was learnt on the way (encoding, sheet,
SHA-256, notes).  Checking the values is :mod:`ingest.tables.validate`'s.

* **Encodings.**  A byte-order mark decides (UTF-8 or UTF-16); otherwise the
  first megabyte is tried as strict UTF-8, and read as GB18030 (a superset of
  GBK/GB2312, what Chinese Excel writes) when it is not.  An explicit
  ``encoding=`` always wins.  The delimiter (comma, tab, semicolon, bar) is
  sniffed from the first lines.
* **Headers.**  The header may follow a few title lines; or give the
  columns with ``mapping=``.

Row numbers
-----------
``row`` is the record's number in the file counting the header record as 1,
so the first data record is row 2 (with title lines above the header, the
header's own number + 1).  It is the line number a spreadsheet shows; in a
CSV it differs from the physical line only after a quoted value that spans
lines.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from grid.errors import RegistryFileError
from ingest.tables.schema import TableSchema, unique_names
from ingest.tables.values import blank_mask

#: Called as ``progress(rows_done, rows_total)`` while reading.
Progress = Callable[[int, int | None], None]

_CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
_XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_SAMPLE_BYTES: Final = 1 << 20
_HEADER_SCAN: Final = 20
_DELIMITERS: Final = (",", "\t", ";", "|")


@dataclass
class RawTable:
    """A table as read: the text of every cell, before validation."""

    table: pa.Table  # text of every cell (non-null strings), unique headers
    rows: npt.NDArray[np.int64]  # row number of each record
    header_row: int
    values: pd.DataFrame | None = None  # XLSX: the cells' own values
    bad_records: list[tuple[int, str, int]] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    sha256: str = ""
    notes: list[str] = field(default_factory=list)
    n_blank: int = 0  # records with no value at all, dropped

    @property
    def n_records(self) -> int:
        """Data records read: kept, bad and blank."""
        return len(self.rows) + len(self.bad_records) + self.n_blank


def read_raw(
    path: str | PathLike[str],
    schema: TableSchema,
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
) -> RawTable:
    """Read a CSV or XLSX file as text, its header found by ``schema``.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` (also ``.txt``/``.tsv``) or ``.xlsx`` file.  ``.xls`` is
        not supported (save it as ``.xlsx`` or CSV).
    schema : TableSchema
        Recognises the header row and the sheet.
    mapping : mapping, optional
        Our field names to the file's column names (helps find the header).
    encoding : str, optional
        CSV encoding; overrides detection.
    sheet : str or int, optional
        XLSX worksheet, by name or 0-based position; default the first one
        whose header is recognised.
    chunk_rows : int, default 200000
        About how many rows to read between two ``progress`` calls.
    progress : callable, optional
        Called as ``progress(rows_done, rows_total)`` while reading.

    Returns
    -------
    RawTable
        Records with no value at all are dropped (counted in ``n_blank``).

    Raises
    ------
    RegistryFileError
        The file cannot be found, read or decoded, or is an ``.xls``.
    """
    if chunk_rows < 1:
        msg = f"chunk_rows must be positive, got {chunk_rows!r}"
        raise RegistryFileError(msg)
    source = Path(path)
    raw = _read_any(source, schema, mapping, encoding, sheet, chunk_rows, progress)
    return _drop_blank(raw)


def _read_any(
    path: Path,
    schema: TableSchema,
    mapping: Mapping[str, str] | None,
    encoding: str | None,
    sheet: str | int | None,
    chunk_rows: int,
    progress: Progress | None,
) -> RawTable:
    if not path.is_file():
        msg = f"registry file {str(path)!r} does not exist"
        raise RegistryFileError(msg)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        msg = (
            f"{path.name!r} is an old Excel .xls file, which is not supported; "
            "save it as .xlsx or CSV (另存为 .xlsx 或 CSV)"
        )
        raise RegistryFileError(msg)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if suffix in _XLSX_SUFFIXES or (
        suffix not in _CSV_SUFFIXES and magic == b"PK\x03\x04"
    ):
        return _read_xlsx(path, schema, mapping, sheet, chunk_rows, progress)
    return _read_csv(path, schema, mapping, encoding, chunk_rows, progress)


def _sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            digest.update(block)
    return digest.hexdigest()


def _count_newlines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            lines += block.count(b"\n")
    return lines


def detect_encoding(sample: bytes) -> str:
    """Guess a CSV's encoding from its first bytes.

    Parameters
    ----------
    sample : bytes
        The start of the file (a megabyte is plenty).

    Returns
    -------
    str
        ``"utf-8-sig"`` or ``"utf-16"`` when a byte-order mark says so,
        ``"utf-8"`` when the sample is valid UTF-8 (ASCII included),
        otherwise ``"gb18030"``.

    Examples
    --------
    >>> detect_encoding("单位".encode("gbk")), detect_encoding("单位".encode())
    ('gb18030', 'utf-8')
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _read_csv(
    path: Path,
    schema: TableSchema,
    mapping: Mapping[str, str] | None,
    encoding: str | None,
    chunk_rows: int,
    progress: Progress | None,
) -> RawTable:
    newlines = _count_newlines(path)
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    notes: list[str] = []
    used = encoding or detect_encoding(sample)
    if encoding is None and used != "utf-8":
        notes.append(f"{path.name}: encoding detected as {used}")
    try:
        text = codecs.getincrementaldecoder(used)("strict").decode(sample, final=False)
    except (LookupError, UnicodeDecodeError) as exc:
        msg = f"cannot decode {path.name!r} as {used!r}: {exc}"
        raise RegistryFileError(msg) from exc
    text = text.lstrip("\ufeff")
    delimiter = _sniff_delimiter(text)
    records = _first_records(text, delimiter)
    header_index = schema.find_header(records[:_HEADER_SCAN], mapping)
    header = unique_names(records[header_index] if records else [])
    if not header:
        msg = f"{path.name!r} is empty: no header row"
        raise RegistryFileError(msg)
    row_bytes = max(len(sample) // max(len(records), 1), 16)
    block = int(min(max(row_bytes * chunk_rows, 1 << 16), 1 << 26))
    total = max(newlines - header_index - 1, 0)
    if newlines <= header_index:  # nothing after the header
        empty = pa.table({name: pa.array([], pa.string()) for name in header})
        return RawTable(
            table=empty,
            rows=np.zeros(0, dtype=np.int64),
            header_row=header_index + 1,
            encoding=used,
            sha256=_sha256(path),
            notes=notes,
        )
    try:
        table, bad = _arrow_csv(
            path, header, header_index, used, delimiter, block, total, progress
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if encoding is not None or used != "utf-8" or not sample.isascii():
            msg = (
                f"cannot read {path.name!r} as {used}: {exc}; "
                "give the encoding (encoding=..., e.g. 'gb18030')"
            )
            raise RegistryFileError(msg) from exc
        used = "gb18030"
        notes.append(
            f"{path.name}: not UTF-8 after the first megabyte; read as GB18030"
        )
        table, bad = _arrow_csv(
            path, header, header_index, used, delimiter, block, total, progress
        )
    n_records = table.num_rows + len(bad)
    bad_rows = np.asarray([r for r, _, _ in bad], dtype=np.int64)
    first = header_index + 2
    all_rows = np.arange(first, first + n_records, dtype=np.int64)
    rows = np.setdiff1d(all_rows, bad_rows, assume_unique=True)
    return RawTable(
        table=table,
        rows=rows,
        header_row=header_index + 1,
        bad_records=sorted(bad),
        encoding=used,
        sha256=_sha256(path),
        notes=notes,
    )


def _arrow_csv(
    path: Path,
    header: list[str],
    header_index: int,
    encoding: str,
    delimiter: str,
    block: int,
    total: int,
    progress: Progress | None,
) -> tuple[pa.Table, list[tuple[int, str, int]]]:
    """Stream the records after the header as strings; collect bad ones.

    Read on several threads first; Arrow knows the record number of a bad
    record only when reading on one thread, so a file with bad records is
    read again that way.
    """
    arguments = (path, header, header_index, encoding, delimiter, block, total)
    table, bad = _arrow_csv_pass(*arguments, progress, threads=True)
    if bad:
        table, bad = _arrow_csv_pass(*arguments, progress, threads=False)
    return table, bad


def _arrow_csv_pass(
    path: Path,
    header: list[str],
    header_index: int,
    encoding: str,
    delimiter: str,
    block: int,
    total: int,
    progress: Progress | None,
    *,
    threads: bool,
) -> tuple[pa.Table, list[tuple[int, str, int]]]:
    bad: list[tuple[int, str, int]] = []

    def on_bad(row: Any) -> str:
        number = -1 if row.number is None else int(row.number)
        bad.append((number, str(row.text), int(row.actual_columns)))
        return "skip"

    arrow_encoding = (
        "utf8" if encoding.replace("-", "").lower() in {"utf8", "utf8sig"} else encoding
    )
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(
            column_names=header,
            skip_rows=header_index + 1,
            encoding=arrow_encoding,
            block_size=block,
            use_threads=threads,
        ),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_bad,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    batches = []
    done = 0
    for batch in reader:
        batches.append(batch)
        done += batch.num_rows
        if progress is not None:
            progress(done, max(total, done))
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table, bad


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:5]
    counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > _HEADER_SCAN:
                break
    except csv.Error:
        pass
    return records


def _read_xlsx(
    path: Path,
    schema: TableSchema,
    mapping: Mapping[str, str] | None,
    sheet: str | int | None,
    chunk_rows: int,
    progress: Progress | None,
) -> RawTable:
    import openpyxl  # lazy: only needed for Excel files

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        msg = f"cannot open {path.name!r} as an Excel workbook: {exc}"
        raise RegistryFileError(msg) from exc
    try:
        worksheet, header_index, first = _choose_sheet(
            book, schema, sheet, mapping, path.name
        )
        total = worksheet.max_row - header_index - 1 if worksheet.max_row else None
        header = first[header_index]
        body: list[tuple[Any, ...]] = list(first[header_index + 1 :])
        for values in worksheet.iter_rows(min_row=len(first) + 1, values_only=True):
            body.append(values)
            if progress is not None and len(body) % chunk_rows == 0:
                progress(len(body), total)
        title = worksheet.title
    finally:
        book.close()
    width = max([len(header), *(len(r) for r in body)]) if body else len(header)
    names = unique_names(list(header) + [None] * (width - len(header)))
    values = pd.DataFrame(
        [tuple(r) + (None,) * (width - len(r)) for r in body],
        columns=pd.Index(names),
        dtype=object,
    )
    table = pa.table(
        {
            name: pa.array([_cell_text(v) for v in values[name]], pa.string())
            for name in names
        }
    )
    rows = np.arange(header_index + 2, header_index + 2 + len(values), dtype=np.int64)
    return RawTable(
        table=table,
        rows=rows,
        header_row=header_index + 1,
        values=values,
        sheet=title,
        sha256=_sha256(path),
    )


def _choose_sheet(
    book: Any,
    schema: TableSchema,
    sheet: str | int | None,
    mapping: Mapping[str, str] | None,
    label: str,
) -> tuple[Any, int, list[tuple[Any, ...]]]:
    """Find the worksheet to read, its header index and its first rows."""
    names = list(book.sheetnames)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            msg = f"{label!r} has {len(names)} sheets {names}; no sheet {sheet!r}"
            raise RegistryFileError(msg)
        candidates = [names[sheet]]
    elif sheet is not None:
        if sheet not in names:
            msg = f"{label!r} has no sheet {sheet!r}; its sheets are {names}"
            raise RegistryFileError(msg)
        candidates = [sheet]
    else:
        candidates = names
    for name in candidates:
        worksheet = book[name]
        first = list(worksheet.iter_rows(max_row=_HEADER_SCAN + 1, values_only=True))
        index = schema.find_header(first[:_HEADER_SCAN], mapping)
        if first and (sheet is not None or schema.recognises(first[index], mapping)):
            return worksheet, index, first
    msg = (
        f"no sheet of {label!r} has a recognisable header "
        "(单位名称, 统一社会信用代码...)"
    )
    raise RegistryFileError(msg)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _drop_blank(raw: RawTable) -> RawTable:
    """Remove records with no value at all."""
    table = raw.table
    if table.num_rows == 0 or table.num_columns == 0:
        return raw
    candidates = np.flatnonzero(blank_mask(table.column(0)))
    if candidates.size == 0:
        return raw
    subset = table.take(pa.array(candidates))
    blank = np.ones(candidates.size, dtype=np.bool_)
    for column in subset.columns[1:]:
        blank &= blank_mask(column)
    drop = candidates[blank]
    if drop.size == 0:
        return raw
    keep = np.ones(table.num_rows, dtype=np.bool_)
    keep[drop] = False
    raw.table = table.filter(pa.array(keep))
    raw.rows = raw.rows[keep]
    if raw.values is not None:
        raw.values = raw.values.iloc[keep].reset_index(drop=True)
    raw.n_blank = int(drop.size)
    return raw
