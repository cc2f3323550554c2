"""Excel workbooks (.xlsx) for :mod:`ingest.tables.reader`, streamed by rows.

openpyxl reads the workbook in read-only mode, a row at a time, so memory
stays bounded by the chunk.

* **Sheets.**  ``sheet=`` names one (a hidden one too).  Otherwise the
  visible sheets are searched for a recognised header; hidden sheets (often
  an old copy) are skipped, said in a note; registries on two visible
  sheets refuse the workbook, naming them (import each with ``--sheet``).
* **Dimensions.**  Read-only mode trusts the sheet's recorded dimension,
  which some programs write wrong (``A1``), losing rows and columns; it is
  reset, so every row is read as far as it goes.
* **Merged header rows.**  Read-only mode does not see merged cells: when
  the row under the header looks like sub-headings, the sheet's XML is
  scanned for its ``<mergeCell>`` ranges to carry a group heading over its
  columns (:func:`~ingest.tables.reader.combine_header_band`).
* **Columns.**  The header's, and those the first rows use beyond it; a
  later row with values further right is a bad record (its values kept as
  tab-separated text), not silently cut.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.tables.header_reader import (
    HEADER_SCAN,
    combine_header_band,
    could_be_header_band,
)
from ingest.tables.reader import RawSource, RawTable, message, refuse, sha256_of
from ingest.tables.schema import TableSchema, unique_names

_MERGE = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]+\d+(?::[A-Za-z]+\d+)?)\""
)
_FIRST_ROWS: Final = HEADER_SCAN + 2


class XlsxSource(RawSource):
    """A worksheet opened by :func:`open_xlsx`."""

    def __init__(
        self,
        path: Path,
        header: list[str],
        header_row: int,
        *,
        sheet: str,
        notes: list[str],
        estimated_rows: int | None,
    ) -> None:
        super().__init__(
            path,
            header,
            header_row,
            sheet=sheet,
            notes=notes,
            estimated_rows=estimated_rows,
        )

    def _chunks(self, rows: int) -> Iterator[RawTable]:
        width = len(self.header)
        values: list[tuple[Any, ...]] = []
        numbers: list[int] = []
        bad: list[tuple[int, str, int]] = []
        given = False
        with _open_book(self.path) as book:
            worksheet = book[self.sheet]
            worksheet.reset_dimensions()
            number = self.header_row + 1
            for cells in worksheet.iter_rows(min_row=number, values_only=True):
                used = _used_width(cells)
                if used > width:
                    text = "\t".join(cell_text(v) for v in cells[:used])
                    bad.append((number, text, used))
                else:
                    values.append(_pad(cells, width))
                    numbers.append(number)
                number += 1
                if len(values) >= rows:
                    yield self._chunk(values, numbers, bad)
                    values, numbers, bad, given = [], [], [], True
            if values or bad or not given:
                yield self._chunk(values, numbers, bad)
        self.sha256 = sha256_of(self.path)

    def _chunk(
        self,
        values: list[tuple[Any, ...]],
        numbers: list[int],
        bad: list[tuple[int, str, int]],
    ) -> RawTable:
        frame = pd.DataFrame(values, columns=pd.Index(self.header), dtype=object)
        table = pa.table(
            {
                name: pa.array([cell_text(v) for v in frame[name]], pa.string())
                for name in self.header
            }
        )
        rows = np.asarray(numbers, dtype=np.int64)
        return self.chunk(table, rows, bad, values=frame)


def open_xlsx(
    path: Path,
    schema: TableSchema,
    *,
    mapping: Mapping[str, str] | None,
    sheet: str | int | None,
    notes: list[str],
) -> XlsxSource:
    """Open a workbook: its sheet and header (see the module docstring).

    Raises
    ------
    RegistryFileError
        The workbook cannot be opened, ``sheet`` is unknown, no sheet has a
        recognisable header, or several visible sheets have one.
    """
    with _open_book(path) as book:
        worksheet, dimension, first = _choose_sheet(
            book, schema, sheet, mapping, path.name, notes
        )
        title = str(worksheet.title)
        part = getattr(worksheet, "_worksheet_path", None)
    index = schema.find_header(first[:HEADER_SCAN], mapping)
    cells: list[object] = list(first[index])
    header_row = index + 1
    if index + 1 < len(first) and could_be_header_band(schema, cells, first[index + 1]):
        groups = _groups(path, part, first, header_row)
        band = combine_header_band(schema, cells, first[index + 1], groups)
        if band is not None:
            cells, header_row = band, header_row + 1
            notes.append(
                message(
                    f"{path.name}: header rows {index + 1} and {index + 2} of sheet "
                    f"{title!r} combined into one",
                    f"“{path.name}”工作表“{title}”第{index + 1}、{index + 2}行的"
                    "两行表头已合并为一行",
                )
            )
    width = max([len(cells), *(_used_width(r) for r in first[header_row:])])
    header = unique_names(cells + [None] * (width - len(cells)))
    estimated = dimension - header_row if dimension and dimension > header_row else None
    return XlsxSource(
        path,
        header,
        header_row,
        sheet=title,
        notes=notes,
        estimated_rows=estimated,
    )


@contextmanager
def _open_book(path: Path) -> Iterator[Any]:
    """Open a workbook read-only, whatever its name (openpyxl checks suffixes)."""
    import openpyxl  # lazy: only needed for Excel files

    with path.open("rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on broken files
            raise refuse(
                f"cannot open {path.name!r} as an Excel workbook: {exc}",
                f"无法作为Excel工作簿打开“{path.name}”：{exc}",
            ) from exc
        try:
            yield book
        finally:
            book.close()


def _first_rows(worksheet: Any) -> tuple[int | None, list[tuple[Any, ...]]]:
    """Return the sheet's recorded number of rows, and its first rows."""
    recorded = worksheet.max_row
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(max_row=_FIRST_ROWS, values_only=True)
    return recorded, [tuple(r) for r in rows]


def _choose_sheet(
    book: Any,
    schema: TableSchema,
    sheet: str | int | None,
    mapping: Mapping[str, str] | None,
    label: str,
    notes: list[str],
) -> tuple[Any, int | None, list[tuple[Any, ...]]]:
    """Return the worksheet to read, its recorded rows and its first rows."""
    names = list(book.sheetnames)
    if sheet is not None:
        worksheet = book[_named_sheet(names, sheet, label)]
        recorded, first = _first_rows(worksheet)
        if not any(any(v is not None for v in r) for r in first):
            raise refuse(
                f"sheet {worksheet.title!r} of {label!r} is empty",
                f"“{label}”的工作表“{worksheet.title}”是空的",
            )
        return worksheet, recorded, first
    hidden = [n for n in names if book[n].sheet_state != "visible"]
    if hidden:
        shown = ", ".join(repr(n) for n in hidden)
        notes.append(
            message(
                f"{label}: hidden sheet(s) {shown} skipped (give sheet= to read one)",
                f"“{label}”的隐藏工作表{'、'.join(hidden)}已跳过(可用 --sheet 指定)",
            )
        )
    found = []
    for name in names:
        if name in hidden:
            continue
        recorded, first = _first_rows(book[name])
        index = schema.find_header(first[:HEADER_SCAN], mapping)
        if first and schema.recognises(first[index], mapping):
            found.append((book[name], recorded, first))
    if len(found) > 1:
        several = [str(w.title) for w, _, _ in found]
        raise refuse(
            f"{label!r} holds a registry on each of the sheets {several}; import "
            "them one at a time with --sheet (sheet=...)",
            f"“{label}”的多个工作表({'、'.join(several)})都有登记表，"
            "请用 --sheet 逐个导入",
        )
    if not found:
        raise _no_header(label, hidden)
    return found[0]


def _named_sheet(names: list[str], sheet: str | int, label: str) -> str:
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise refuse(
                f"{label!r} has {len(names)} sheets {names}; no sheet {sheet!r}",
                f"“{label}”只有{len(names)}个工作表，没有第{sheet}个",
            )
        return names[sheet]
    if sheet not in names:
        raise refuse(
            f"{label!r} has no sheet {sheet!r}; its sheets are {names}",
            f"“{label}”中没有工作表“{sheet}”，现有工作表：{'、'.join(names)}",
        )
    return sheet


def _no_header(label: str, hidden: list[str]) -> Exception:
    en = (
        f"no sheet of {label!r} has a recognisable header "
        "(单位名称, 统一社会信用代码...)"
    )
    zh = f"“{label}”中没有能识别表头的工作表"
    if hidden:
        en += f"; hidden sheets {hidden} were not searched: give sheet= to read one"
        zh += f"；隐藏工作表{'、'.join(hidden)}未查找，可用 --sheet 指定"
    return refuse(en, zh)


def _groups(
    path: Path, part: str | None, first: Sequence[Sequence[Any]], row: int
) -> dict[int, object]:
    """Column index → the merged group heading above it in header row ``row``."""
    if part is None:
        return {}
    from openpyxl.utils.cell import range_boundaries

    groups: dict[int, object] = {}
    for ref in _merged_refs(path, part):
        min_col, min_row, max_col, _ = range_boundaries(ref)
        if min_row != row or max_col <= min_col:
            continue
        heading = (
            first[row - 1][min_col - 1] if min_col <= len(first[row - 1]) else None
        )
        for column in range(min_col - 1, max_col):
            groups[column] = heading
    return groups


def _merged_refs(path: Path, part: str) -> set[str]:
    """Return the ``ref`` of every ``<mergeCell>`` of a sheet (XML streamed)."""
    found: set[str] = set()
    tail = b""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(part) as xml:
            while block := xml.read(1 << 20):
                data = tail + block
                if b"mergeCell" in data:
                    found.update(m.group(1).decode() for m in _MERGE.finditer(data))
                tail = data[-512:]
    except (KeyError, OSError, zipfile.BadZipFile):
        return set()
    return found


def _used_width(cells: Sequence[Any]) -> int:
    """Columns up to the last one holding a value."""
    for index in range(len(cells) - 1, -1, -1):
        value = cells[index]
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return index + 1
    return 0


def _pad(cells: Sequence[Any], width: int) -> tuple[Any, ...]:
    if len(cells) >= width:
        return tuple(cells[:width])
    return tuple(cells) + (None,) * (width - len(cells))


def cell_text(value: object) -> str:
    """Return the text of a workbook cell's value, as a person reads it."""
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
