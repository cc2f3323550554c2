"""CSV files for :mod:`ingest.tables.reader`: decoded, normalised, streamed.

:func:`open_csv` reads the first megabyte to choose the encoding, the
delimiter and the header; :class:`CsvSource` then streams the records
after the header: the file's bytes become UTF-8 text with LF line ends in a
:class:`~ingest.tables.text_reader.TextStream`, which Arrow's streaming CSV
reader parses (:class:`~ingest.tables.arrow_reader.CsvChunks`).

* **Encodings.**  :func:`~ingest.tables.reader.detect_encoding` decides from
  the first megabyte (byte-order marks, UTF-16 without one, UTF-8,
  GB18030); ``encoding=`` overrides it.  Text is decoded a block of whole
  lines at a time; a line the encoding refuses (a GBK row deep in a UTF-8
  file) is decoded as GB18030 (UTF-8 in a GB18030 file) and its row named
  in a note.  With an explicit encoding such a row refuses the file, naming
  the row.
* **Line endings.**  CR LF and old Mac CR-only line ends become LF.
* **NUL characters** are removed from every cell (PostgreSQL text cannot
  hold them), their number said in a note.
* **Delimiter.**  Comma, tab, semicolon or bar: the one whose first records
  hold a recognised header, else the most frequent; or ``delimiter=``.
* **Header.**  Found among the first records (title rows and quoted values
  spanning lines included); Arrow gets the text from the byte after it,
  so its record numbers are ours minus the header's.
* **Unclosed quotes.**  A quote never closed makes the rest of the file one
  value; a marker line appended to the text tells it, and the file is
  refused naming the row where the quote opened.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Final

from grid.errors import RegistryFileError
from ingest.tables.arrow_reader import CsvChunks
from ingest.tables.header_reader import HEADER_SCAN, combine_header_band
from ingest.tables.reader import RawSource, RawTable, message, refuse
from ingest.tables.schema import TableSchema, unique_names
from ingest.tables.text_reader import Event, Plan, TextStream, cr_only, make_plan

_SAMPLE_BYTES: Final = 1 << 20
_DELIMITERS: Final = (",", "\t", ";", "|")
_NAMED_DELIMITERS: Final = {
    "tab": "\t",
    "\\t": "\t",
    "comma": ",",
    "semicolon": ";",
    "bar": "|",
    "pipe": "|",
}


class CsvSource(RawSource):
    """A CSV file opened by :func:`open_csv`."""

    def __init__(
        self,
        path: Path,
        header: list[str],
        header_row: int,
        *,
        plan: Plan,
        delimiter: str,
        skip: int,
        header_lines: int,
        nul_cells: int,
        notes: list[str],
        estimated_rows: int | None,
    ) -> None:
        super().__init__(
            path,
            header,
            header_row,
            encoding=plan.encoding,
            notes=notes,
            estimated_rows=estimated_rows,
        )
        self.plan = plan
        self.delimiter = delimiter
        self.skip = skip
        self.header_lines = header_lines
        self.nul_cells = nul_cells

    def _chunks(self, rows: int) -> Iterator[RawTable]:
        yield from CsvChunks(self, rows).run()


def open_csv(
    path: Path,
    schema: TableSchema,
    *,
    mapping: Mapping[str, str] | None,
    encoding: str | None,
    delimiter: str | None,
    notes: list[str],
) -> CsvSource:
    """Open a CSV file: its encoding, delimiter and header (see the module docstring).

    Raises
    ------
    RegistryFileError
        The file is empty, cannot be decoded, its delimiter cannot be told,
        or ``encoding``/``delimiter`` is not one.
    """
    label = path.name
    with path.open("rb") as handle:
        raw = handle.read(_SAMPLE_BYTES)
    if not raw.strip(b" \t\r\n\x00"):
        raise refuse(
            f"{label!r} is empty: no header row", f"“{label}”是空文件，没有表头"
        )
    plan = make_plan(raw, encoding, label, notes)
    given = None if delimiter is None else _given_delimiter(delimiter)
    stream = TextStream(path, plan)
    try:
        out = stream.read(_SAMPLE_BYTES)
        whole = stream.exhausted
    finally:
        stream.close()
    if stream.error is not None:
        raise stream.error
    text = codecs.getincrementaldecoder("utf-8")("strict").decode(out, final=whole)
    _refuse_binary(text, label)
    if cr_only(raw, plan):
        notes.append(
            message(
                f"{label}: lines end in CR only (an old Mac export); read as lines",
                f"“{label}”的换行符只有CR(旧版Mac导出)，已按换行读取",
            )
        )
    used, records = _choose_delimiter(text, schema, mapping, given)
    header_index = schema.find_header([c for c, _ in records[:HEADER_SCAN]], mapping)
    if not records:
        raise refuse(
            f"{label!r} is empty: no header row", f"“{label}”是空文件，没有表头"
        )
    cells: list[object] = list(records[header_index][0])
    end, header_row = records[header_index][1], header_index + 1
    if header_index + 1 < len(records):
        band = combine_header_band(schema, cells, records[header_index + 1][0])
        if band is not None:
            cells, end, header_row = band, records[header_index + 1][1], header_row + 1
            notes.append(_band_note(label, header_row))
    _refuse_undecodable_header(stream.events, text[:end], label, plan)
    nul_cells = sum("\x00" in str(c) for c in cells if c is not None)
    header = unique_names(
        [
            None if c is None else str(c).replace("\x00", "").strip("\ufeff")
            for c in cells
        ]
    )
    if len(header) < 2 <= len(schema.must_have):
        raise _delimiter_error(label, str(records[header_index][0][:1]), given)
    return CsvSource(
        path,
        header,
        header_row,
        plan=plan,
        delimiter=used,
        skip=len(text[:end].encode()),
        header_lines=text.count("\n", 0, end),
        nul_cells=nul_cells,
        notes=notes,
        estimated_rows=_estimate(text[end:], used, whole, path, len(raw)),
    )


def _given_delimiter(delimiter: str) -> str:
    used = _NAMED_DELIMITERS.get(delimiter.strip().lower(), delimiter)
    if len(used) != 1 or not used.isascii() or used in '"\r\n':
        raise refuse(
            f"the delimiter must be one ASCII character (or 'tab'), not {delimiter!r}",
            f"分隔符必须是单个ASCII字符(或tab)，不能是“{delimiter}”",
        )
    return used


_Record = tuple[list[str], int]  # cells, offset of the text after the record


def _records(text: str, delimiter: str, limit: int = HEADER_SCAN + 2) -> list[_Record]:
    """Return the first records of ``text`` and where each ends."""
    ends: list[int] = []

    def lines() -> Iterator[str]:
        pos = 0
        while pos < len(text):
            end = text.find("\n", pos) + 1 or len(text)
            ends.append(end)
            yield text[pos:end]
            pos = end

    reader = csv.reader(lines(), delimiter=delimiter)
    records: list[_Record] = []
    try:
        for cells in reader:
            records.append((cells, ends[reader.line_num - 1]))
            if len(records) >= limit:
                break
    except csv.Error:
        pass
    return records


def _choose_delimiter(
    text: str,
    schema: TableSchema,
    mapping: Mapping[str, str] | None,
    given: str | None,
) -> tuple[str, list[_Record]]:
    """Return the delimiter whose first records hold a recognised header.

    Else the likeliest (the most frequent in the first lines).
    """
    if given is not None:
        return given, _records(text, given)
    lines = text.split("\n", 5)[:5]
    counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
    ranked = sorted((d for d in _DELIMITERS if counts[d]), key=lambda d: -counts[d])
    ranked = ranked or [","]
    first = (ranked[0], _records(text, ranked[0]))
    for delimiter in ranked:
        records = first[1] if delimiter == first[0] else _records(text, delimiter)
        cells = [c for c, _ in records[:HEADER_SCAN]]
        if cells and schema.recognises(
            cells[schema.find_header(cells, mapping)], mapping
        ):
            return delimiter, records
    return first


def _delimiter_error(label: str, shown: str, given: str | None) -> RegistryFileError:
    hint_en = hint_zh = ""
    if "，" in shown or "、" in shown:
        hint_en = (
            " (it seems separated by a full-width '，' or '、', which cannot be read)"
        )
        hint_zh = "(似乎以全角“，”或“、”分隔，无法读取)"
    if given is not None:
        return refuse(
            f"{label!r}: split at {given!r} its header {shown} is one column"
            f"{hint_en}; give the right delimiter (delimiter=)",
            f"“{label}”按“{given}”分隔后表头只有一列{hint_zh}，请指定正确的分隔符",
        )
    return refuse(
        f"cannot tell the delimiter of {label!r}: its header {shown} has no comma, "
        f"tab, semicolon or bar{hint_en}; give the delimiter (delimiter=)",
        f"无法识别“{label}”的分隔符：表头中没有逗号、制表符、分号或竖线{hint_zh}，"
        "请指定分隔符",
    )


def _refuse_binary(text: str, label: str) -> None:
    """Refuse a file whose text is mostly control characters: not a table."""
    sample = text[:100_000]
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\x00")
    if controls * 20 > len(sample):
        raise refuse(
            f"{label!r} does not look like a CSV table: it holds binary data "
            "(is it another kind of file?)",
            f"“{label}”不像CSV表格，含有二进制数据(是否为其他类型的文件？)",
        )


def _band_note(label: str, row: int) -> str:
    return message(
        f"{label}: header rows {row - 1} and {row} combined into one",
        f"“{label}”第{row - 1}、{row}行的两行表头已合并为一行",
    )


def _refuse_undecodable_header(
    events: list[Event], head: str, label: str, plan: Plan
) -> None:
    lines = head.count("\n") + (0 if head.endswith("\n") else 1)
    if any(e.kind == "refused" and e.line <= lines for e in events):
        raise refuse(
            f"cannot decode {label!r} as {plan.encoding}: its header is not "
            f"{plan.encoding}; give the file's encoding (encoding=..., e.g. 'gb18030')",
            f"无法按{plan.encoding}解码“{label}”的表头，请指定文件编码(如gb18030)",
        )


def _estimate(rest: str, delimiter: str, whole: bool, path: Path, read: int) -> int:
    """Count the records after the header in the sample, scaled to the file."""
    count = 0
    try:
        for _ in csv.reader(io.StringIO(rest, newline=""), delimiter=delimiter):
            count += 1
    except csv.Error:
        pass
    if whole or not read:
        return count
    return round(count * path.stat().st_size / read)
