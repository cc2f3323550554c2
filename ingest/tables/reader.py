"""Read a table (CSV or XLSX) as the text of every cell, with row numbers.

:func:`open_raw` opens a file, finds its header with a
:class:`~ingest.tables.schema.TableSchema` and returns a :class:`RawSource`,
whose :meth:`~RawSource.chunks` stream the records in bounded chunks, each a
:class:`RawTable`: every cell as text and the spreadsheet row number of each
record.  :func:`read_raw` reads a whole file as one :class:`RawTable` (the
chunks concatenated).  Checking the values is :mod:`ingest.tables.validate`'s.

What a file is comes from its first bytes, not its name: a workbook renamed
``.csv`` is read as a workbook, a CSV renamed ``.xlsx`` as text (each with a
note); an old ``.xls`` (OLE2), an OpenDocument sheet or a web page saved as
``.xls`` are refused, naming what they are.  CSV details (encodings, line
endings, delimiters, NUL characters, unclosed quotes) are
:mod:`ingest.tables.csv_reader`'s (with :mod:`~ingest.tables.text_reader`
and :mod:`~ingest.tables.arrow_reader`); workbook details (hidden sheets,
several registries in one workbook, merged header rows, wrong dimensions)
are :mod:`ingest.tables.xlsx_reader`'s; finding a header written over two
rows is :mod:`ingest.tables.header_reader`'s.

Accounting
----------
Every record of a file is accounted for: read (``rows``), read but bad
(``bad_records``: a CSV record with the wrong number of fields, or a
spreadsheet row with values beyond the header's columns), or blank
(``n_blank``); when that cannot be done the whole file is refused with the
reason (:class:`~grid.errors.RegistryFileError`, in English and Chinese).

Row numbers
-----------
``row`` is the record's number as a spreadsheet shows it, counting the
header record as 1 (with title rows above the header, the header's own
number): the first data record is ``header_row + 1``.  A quoted CSV value
spanning several lines is one record, so ``row`` differs from the file's
line number after one; blank lines are records too (counted in
``n_blank``).  A header spread over two rows (a merged group heading above
its sub-headings) is combined into one, and ``header_row`` is the lower row.
"""

from __future__ import annotations

import codecs
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from grid.errors import RegistryFileError
from ingest.tables.schema import TableSchema
from ingest.tables.values import blank_mask

#: Called as ``progress(rows_done, rows_total)`` while reading.
Progress = Callable[[int, int | None], None]

XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_OLE2: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP: Final = b"PK\x03\x04"
_ODS: Final = b"mimetypeapplication/vnd.oasis.opendocument"
_WEB_PAGE: Final = (b"<html", b"<!doctype", b"<table", b"<?xml", b"<head", b"<meta")


def message(en: str, zh: str) -> str:
    """Word an error or note in English followed by Chinese in brackets."""
    return f"{en} ({zh})"


def refuse(en: str, zh: str) -> RegistryFileError:
    """Return a :class:`RegistryFileError` worded in English and Chinese."""
    return RegistryFileError(message(en, zh))


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


class RawSource(ABC):
    """An opened table file whose header has been found.

    Attributes
    ----------
    path : Path
    header : list of str
        Column names (unique, non-empty) of every chunk's table.
    header_row : int
        Row number of the header (of its lower row when two were combined).
    encoding : str or None
        Encoding a CSV is read in; ``None`` for a workbook.
    sheet : str or None
        Worksheet read (XLSX).
    notes : list of str
        Things worth telling the user; those found while reading (NUL
        characters, rows in another encoding) are added as the chunks are
        read: complete once :meth:`chunks` is exhausted.
    estimated_rows : int or None
        About how many data records the file holds (for progress).
    sha256 : str
        SHA-256 of the whole file; valid once :meth:`chunks` is exhausted.
    """

    def __init__(
        self,
        path: Path,
        header: list[str],
        header_row: int,
        *,
        encoding: str | None = None,
        sheet: str | None = None,
        notes: list[str] | None = None,
        estimated_rows: int | None = None,
    ) -> None:
        self.path = path
        self.header = header
        self.header_row = header_row
        self.encoding = encoding
        self.sheet = sheet
        self.notes = list(notes or [])
        self.estimated_rows = estimated_rows
        self.sha256 = ""
        self._opening_notes = len(self.notes)

    def chunks(self, rows: int = 100_000) -> Iterator[RawTable]:
        """Read the records in file order, about ``rows`` at a time.

        Parameters
        ----------
        rows : int, default 100000
            Records (kept or blank) per chunk; a chunk also holds the bad
            records among them.  The last chunk may be smaller; there is
            always at least one chunk, empty for a file without records.

        Yields
        ------
        RawTable
            One chunk: its own ``rows``, ``bad_records``, ``n_blank`` and
            (XLSX) ``values``, indexed from 0; ``notes`` and ``sha256``
            are the source's.

        Raises
        ------
        RegistryFileError
            The file turns out unreadable part way (an unclosed quote, a
            row that cannot be decoded in the given encoding): nothing of
            it should be kept.
        """
        if rows < 1:
            raise refuse(
                f"chunk rows must be positive, got {rows!r}",
                f"每块行数必须为正数，而不是{rows!r}",
            )
        del self.notes[self._opening_notes :]
        self.sha256 = ""
        yield from self._chunks(rows)

    @abstractmethod
    def _chunks(self, rows: int) -> Iterator[RawTable]:
        """Yield the chunks (``rows`` checked); set ``sha256`` at the end."""

    def empty_table(self) -> pa.Table:
        """Return a table without records, with this source's columns."""
        return pa.table({name: pa.array([], pa.string()) for name in self.header})

    def chunk(
        self,
        table: pa.Table,
        rows: npt.NDArray[np.int64],
        bad: list[tuple[int, str, int]],
        values: pd.DataFrame | None = None,
    ) -> RawTable:
        """Return a chunk of this source, blank records dropped."""
        raw = RawTable(
            table=table,
            rows=rows,
            header_row=self.header_row,
            values=values,
            bad_records=bad,
            encoding=self.encoding,
            sheet=self.sheet,
        )
        return drop_blank(raw)


def open_raw(
    path: str | PathLike[str],
    schema: TableSchema,
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
) -> RawSource:
    """Open a CSV or XLSX file and find its header, ready to stream its records.

    Parameters
    ----------
    path : str or path-like
        A CSV (``.csv``, ``.txt``, ``.tsv``...) or XLSX file; what it is
        comes from its first bytes.
    schema : TableSchema
        Recognises the header row and the sheet.
    mapping : mapping, optional
        Our field names to the file's column names (helps find the header).
    encoding : str, optional
        CSV encoding; overrides detection.
    sheet : str or int, optional
        XLSX worksheet, by name or 0-based position (hidden ones too);
        default the visible sheet whose header is recognised.
    delimiter : str, optional
        CSV delimiter (one character, or ``"tab"``); default detected.

    Returns
    -------
    RawSource

    Raises
    ------
    RegistryFileError
        The file cannot be found, opened or decoded, is of a kind that
        cannot be read (``.xls``, ``.ods``, a web page), has no header, or
        holds registries on several sheets and ``sheet`` was not given.
    """
    source = Path(path)
    if not source.is_file():
        raise refuse(
            f"registry file {str(source)!r} does not exist",
            f"文件“{source}”不存在",
        )
    notes: list[str] = []
    if _kind(source, notes) == "xlsx":
        from ingest.tables.xlsx_reader import open_xlsx

        return open_xlsx(source, schema, mapping=mapping, sheet=sheet, notes=notes)
    from ingest.tables.csv_reader import open_csv

    return open_csv(
        source,
        schema,
        mapping=mapping,
        encoding=encoding,
        delimiter=delimiter,
        notes=notes,
    )


def read_raw(
    path: str | PathLike[str],
    schema: TableSchema,
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
    delimiter: str | None = None,
) -> RawTable:
    """Read a whole CSV or XLSX file as text, its header found by ``schema``.

    The chunks of :func:`open_raw` concatenated.

    Parameters
    ----------
    path, schema, mapping, encoding, sheet, delimiter
        See :func:`open_raw`.
    chunk_rows : int, default 200000
        Records read at a time (between two ``progress`` calls).
    progress : callable, optional
        Called as ``progress(rows_done, rows_total)`` while reading.

    Returns
    -------
    RawTable
        Records with no value at all are dropped (counted in ``n_blank``).

    Raises
    ------
    RegistryFileError
        See :func:`open_raw` and :meth:`RawSource.chunks`.
    """
    if chunk_rows < 1:
        raise refuse(
            f"chunk_rows must be positive, got {chunk_rows!r}",
            f"每块行数必须为正数，而不是{chunk_rows!r}",
        )
    source = open_raw(
        path,
        schema,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
    )
    parts: list[RawTable] = []
    done = 0
    for part in source.chunks(chunk_rows):
        parts.append(part)
        done += part.n_records
        if progress is not None:
            progress(done, max(source.estimated_rows or done, done))
    return concat_chunks(source, parts)


def concat_chunks(source: RawSource, parts: Sequence[RawTable]) -> RawTable:
    """Join the chunks of ``source`` (in order) into one :class:`RawTable`."""
    values = [p.values for p in parts if p.values is not None]
    return RawTable(
        table=pa.concat_tables([p.table for p in parts]),
        rows=np.concatenate([p.rows for p in parts]).astype(np.int64),
        header_row=source.header_row,
        values=pd.concat(values, ignore_index=True) if values else None,
        bad_records=[record for p in parts for record in p.bad_records],
        encoding=source.encoding,
        sheet=source.sheet,
        sha256=source.sha256,
        notes=list(source.notes),
        n_blank=sum(p.n_blank for p in parts),
    )


def _kind(path: Path, notes: list[str]) -> str:
    """Tell a workbook (``"xlsx"``) from text (``"csv"``) by the first bytes."""
    label = path.name
    with path.open("rb") as handle:
        head = handle.read(512)
    suffix = path.suffix.lower()
    if head.startswith(_OLE2):
        raise refuse(
            f"{label!r} is an old Excel .xls workbook (Office 97-2003), which "
            "cannot be read; open it in Excel or WPS and save it as .xlsx or CSV",
            f"“{label}”是旧版Excel .xls文件，无法读取；请用Excel或WPS另存为.xlsx或CSV",
        )
    if head.startswith(_ZIP):
        if _ODS in head[:120]:
            raise refuse(
                f"{label!r} is an OpenDocument spreadsheet (.ods), which cannot be "
                "read; save it as .xlsx or CSV",
                f"“{label}”是OpenDocument表格(.ods)，无法读取；请另存为.xlsx或CSV",
            )
        if suffix not in XLSX_SUFFIXES:
            notes.append(
                message(
                    f"{label}: an Excel workbook (.xlsx) despite its name; read as one",
                    f"“{label}”实为Excel工作簿(.xlsx)，已按工作簿读取",
                )
            )
        return "xlsx"
    if suffix in XLSX_SUFFIXES or suffix == ".xls":
        _refuse_text_workbook(label, suffix, head)
        notes.append(
            message(
                f"{label}: not an Excel workbook but text; read as CSV",
                f"“{label}”不是Excel工作簿而是文本，已按CSV读取",
            )
        )
    return "csv"


def _refuse_text_workbook(label: str, suffix: str, head: bytes) -> None:
    """Refuse a web page or any text named ``.xls``; a text ``.xlsx`` is read."""
    start = head.lstrip(codecs.BOM_UTF8 + b" \t\r\n").lower()
    if start.startswith(_WEB_PAGE):
        raise refuse(
            f"{label!r} is a web page (HTML/XML) saved with an Excel name, not a "
            "workbook; open it in Excel and save it as .xlsx or CSV",
            f"“{label}”是以Excel文件名保存的网页(HTML/XML)，不是工作簿；"
            "请用Excel打开后另存为.xlsx或CSV",
        )
    if suffix == ".xls":
        kind = "empty" if not head else "text, not an old Excel workbook"
        raise refuse(
            f"{label!r} is named .xls but is {kind}; an .xls file cannot be read: "
            "save it as .xlsx, or rename it .csv if it is a CSV table",
            f"“{label}”名为.xls但内容不是Excel工作簿；请另存为.xlsx，"
            "若是CSV表格请改名为.csv",
        )


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            digest.update(block)
    return digest.hexdigest()


def detect_encoding(sample: bytes) -> str:
    r"""Guess a CSV's encoding from its first bytes.

    Parameters
    ----------
    sample : bytes
        The start of the file (a megabyte is plenty).

    Returns
    -------
    str
        ``"utf-8-sig"`` or ``"utf-16"`` when a byte-order mark says so;
        ``"utf-16-le"`` or ``"utf-16-be"`` when every other byte is NUL (UTF-16
        without a byte-order mark); ``"utf-8"`` when the sample is valid UTF-8
        (ASCII included) or when most of its non-ASCII lines are (a few
        GBK lines in a UTF-8 file are read line by line); otherwise
        ``"gb18030"`` (a superset of GBK/GB2312, what Chinese Excel writes).

    Examples
    --------
    >>> detect_encoding("单位".encode("gbk")), detect_encoding("单位".encode())
    ('gb18030', 'utf-8')
    >>> detect_encoding("单位名称,代码\n甲,91\n".encode("utf-16-le"))
    'utf-16-le'
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    utf16 = _utf16_without_bom(sample)
    if utf16 is not None:
        return utf16
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "utf-8" if _mostly_utf8(sample) else "gb18030"
    return "utf-8"


def _utf16_without_bom(sample: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when NUL bytes alternate, else ``None``."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    data = np.frombuffer(sample[: 2 * pairs], dtype=np.uint8).reshape(-1, 2)
    nul_even = int(np.count_nonzero(data[:, 0] == 0))
    nul_odd = int(np.count_nonzero(data[:, 1] == 0))
    for encoding, many, few in (
        ("utf-16-le", nul_odd, nul_even),
        ("utf-16-be", nul_even, nul_odd),
    ):
        if many < max(pairs // 20, 2) or few * 10 > many:
            continue
        text = sample[: 2 * pairs].decode(encoding, "replace")
        looks_like_text = any(c in text for c in "\n\r,\t")
        if looks_like_text and text.count("\ufffd") * 100 <= len(text):
            return encoding  # a bad unit is named when decoding the file
    return None


def _mostly_utf8(sample: bytes) -> bool:
    """Tell whether most lines with non-ASCII bytes are valid UTF-8."""
    valid = invalid = 0
    lines = sample.split(b"\n")
    for line in lines[:-1] if len(lines) > 1 else lines:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            invalid += 1
        else:
            valid += 1
    return valid > invalid


def drop_blank(raw: RawTable) -> RawTable:
    """Remove records with no value at all (counted in ``n_blank``)."""
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
    raw.n_blank += int(drop.size)
    return raw
