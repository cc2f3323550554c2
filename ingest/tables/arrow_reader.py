"""Arrow's streaming CSV reader over a :class:`~ingest.tables.text_reader.TextStream`.

:class:`CsvChunks` reads the records after the header in chunks of a given
number of records, and accounts for every one:

* Arrow numbers records from 1 at the first record it reads, a quoted
  value spanning lines being one record (its ``skip_rows`` would count
  physical lines instead, hence the header skipped by byte), and gives
  those with a wrong number of fields to ``invalid_row_handler`` with that
  number (known on one thread only: ``use_threads=False``); the others are
  numbered around them.  A record's row is its number plus the header's.
* A line the stream decoded otherwise is placed in its record by counting
  the line ends inside the values, and its row named in a note (or, with
  an explicit encoding, the file refused naming it).
* The marker line the stream appends must come back as a record of its
  own: inside a value, a quote was never closed, and the file is refused
  naming the row where it opened.  When that value runs past Arrow's block,
  Python's ``csv`` finds the row.
"""

from __future__ import annotations

import bisect
import codecs
import csv
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from grid.errors import RegistryFileError
from ingest.tables.reader import RawTable, message, refuse
from ingest.tables.text_reader import READ_BYTES, SENTINEL, TextStream

if TYPE_CHECKING:
    from ingest.tables.csv_reader import CsvSource

#: Arrow's block: Arrow reads up to 32 ahead; also the longest record read.
BLOCK_BYTES: Final = 1 << 20
_SHOWN_ROWS: Final = 10


class CsvChunks:
    """One pass of Arrow's streaming reader over a :class:`CsvSource`."""

    def __init__(self, source: CsvSource, rows: int) -> None:
        self.source = source
        self.rows = rows
        self.label = source.path.name
        self.stream = TextStream(
            source.path, source.plan, skip=source.skip, sentinel=True
        )
        self.bad: list[tuple[int, str, int]] = []  # Arrow's record numbers
        self.bad_numbers: list[int] = []
        self.bad_passed = 0  # bad records numbered below ``next``
        self.bad_given = 0  # bad records given to chunks
        self.next = 1  # Arrow number of the next record not yet numbered
        self.unclosed: int | None = None
        self.buffer: list[tuple[pa.RecordBatch, npt.NDArray[np.int64]]] = []
        self.buffered = 0
        self.line = 1  # line (after the header) where the next chunk starts
        self.event = 0  # next event of the stream to place
        self.nul_cells = source.nul_cells
        self.rescued: dict[str, list[int]] = {}

    def on_bad(self, row: Any) -> str:
        """Arrow's ``invalid_row_handler``: keep a record with a wrong field count."""
        text = str(row.text)
        if SENTINEL in text:
            if text != SENTINEL:
                self.unclosed = int(row.number)
            return "skip"
        if "\x00" in text:
            text = text.replace("\x00", "")
            self.nul_cells += 1
        self.bad.append((int(row.number), text, int(row.actual_columns)))
        self.bad_numbers.append(int(row.number))
        return "skip"

    def run(self) -> Iterator[RawTable]:
        """Yield the chunks; set the source's ``sha256`` and notes at the end."""
        try:
            for batch in self._batches():
                numbers = self._number(batch.num_rows)
                self.buffer.append((batch, numbers))
                self.buffered += batch.num_rows
                while self.buffered > self.rows:
                    yield self._chunk(self.rows, final=False)
            self._check_end()
            yield self._chunk(self.buffered, final=True)
        finally:
            self.stream.close()
        self.source.sha256 = self.stream.sha256
        self.source.notes.extend(self._notes())

    def _batches(self) -> Iterator[pa.RecordBatch]:
        names = self.source.header
        try:
            reader = pa_csv.open_csv(
                self.stream,
                read_options=pa_csv.ReadOptions(
                    column_names=names,
                    block_size=BLOCK_BYTES,
                    use_threads=False,
                ),
                parse_options=pa_csv.ParseOptions(
                    delimiter=self.source.delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=self.on_bad,
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=False,  # the stream gives UTF-8
                ),
            )
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                yield batch
        except pa.ArrowInvalid as exc:
            raise self._failure(exc) from exc

    def _number(self, k: int) -> npt.NDArray[np.int64]:
        """Arrow numbers of the next ``k`` good records (skipping bad ones)."""
        if k == 0:
            return np.zeros(0, dtype=np.int64)
        low = self.bad_passed
        high = bisect.bisect_left(self.bad_numbers, self.next + k, lo=low)
        while True:  # bad records within reach of the next k good ones
            reach = self.next + k + (high - low)
            wider = bisect.bisect_left(self.bad_numbers, reach, lo=low)
            if wider == high:
                break
            high = wider
        bad = np.asarray(self.bad_numbers[low:high], dtype=np.int64)
        candidates = np.arange(self.next, self.next + k + bad.size, dtype=np.int64)
        good = np.setdiff1d(candidates, bad, assume_unique=True)[:k]
        self.next = int(good[-1]) + 1
        self.bad_passed += int(np.searchsorted(bad, self.next))
        return good

    def _take(self, k: int) -> tuple[list[pa.RecordBatch], npt.NDArray[np.int64]]:
        pieces: list[pa.RecordBatch] = []
        numbers: list[npt.NDArray[np.int64]] = []
        need = k
        while self.buffer and (need > 0 or self.buffer[0][0].num_rows == 0):
            batch, batch_numbers = self.buffer[0]
            if batch.num_rows <= need:
                pieces.append(batch)
                numbers.append(batch_numbers)
                self.buffer.pop(0)
                need -= batch.num_rows
            else:
                pieces.append(batch.slice(0, need))
                numbers.append(batch_numbers[:need])
                self.buffer[0] = (batch.slice(need), batch_numbers[need:])
                need = 0
        self.buffered -= k
        if not numbers:
            return pieces, np.zeros(0, dtype=np.int64)
        return pieces, np.concatenate(numbers)

    def _chunk(self, k: int, *, final: bool) -> RawTable:
        pieces, numbers = self._take(k)
        if self.stream.error is not None:
            raise self.stream.error
        table = pa.Table.from_batches(pieces) if pieces else self.source.empty_table()
        if final:
            end = len(self.bad)
        else:
            end = bisect.bisect_right(self.bad_numbers, int(numbers[-1]))
        bad = self.bad[self.bad_given : end]
        self.bad_given = end
        self._place_events(table, numbers, bad)
        table = self._strip_nul(table)
        first = self.source.header_row
        rows = (numbers + first).astype(np.int64)
        records = [(n + first, text, actual) for n, text, actual in bad]
        return self.source.chunk(table, rows, records)

    def _place_events(
        self,
        table: pa.Table,
        numbers: npt.NDArray[np.int64],
        bad: list[tuple[int, str, int]],
    ) -> None:
        """Name the rows of the lines the stream decoded otherwise."""
        extra = _newlines(table) + sum(text.count("\n") for _, text, _ in bad)
        end = self.line + table.num_rows + len(bad) + extra
        offset = self.source.header_lines
        events = self.stream.events
        while self.event < len(events) and events[self.event].line <= offset:
            self.event += 1
        start = self.event
        while self.event < len(events) and events[self.event].line - offset < end:
            self.event += 1
        if self.event > start:
            lines = np.asarray([e.line - offset for e in events[start : self.event]])
            found = _records_at(lines, self.line, table, numbers, bad)
            for event, number in zip(events[start : self.event], found, strict=True):
                self._rescued(event.kind, int(number) + self.source.header_row)
        self.line = end

    def _rescued(self, kind: str, row: int) -> None:
        if kind == "refused":
            encoding = self.source.plan.encoding
            raise refuse(
                f"cannot decode {self.label!r} as {encoding}: row {row} is not "
                f"{encoding}; give the file's encoding (encoding=..., e.g. 'gb18030')",
                f"无法按{encoding}解码“{self.label}”第{row}行，请指定文件编码(如gb18030)",
            )
        self.rescued.setdefault(kind, []).append(row)

    def _strip_nul(self, table: pa.Table) -> pa.Table:
        if not self.stream.saw_nul:
            return table
        for i, column in enumerate(table.columns):
            found = int(pc.sum(pc.match_substring(column, "\x00")).as_py() or 0)
            if found:
                cleaned = pc.replace_substring(column, "\x00", "")
                table = table.set_column(i, table.field(i), cleaned)
                self.nul_cells += found
        return table

    def _check_end(self) -> None:
        """Find the marker line: a value holding it opened a quote never closed."""
        filled = [i for i, (b, _) in enumerate(self.buffer) if b.num_rows]
        if self.unclosed is None and filled:
            batch, numbers = self.buffer[filled[-1]]
            last = batch.slice(batch.num_rows - 1).to_pylist()[0]
            values = list(last.values())
            if values == [SENTINEL]:  # one column: the marker line is a record
                kept = (batch.slice(0, batch.num_rows - 1), numbers[:-1])
                self.buffer[filled[-1]] = kept
                self.buffered -= 1
            elif any(SENTINEL in v for v in values):
                self.unclosed = int(numbers[-1])
        if self.unclosed is not None:
            raise self._unclosed(self.unclosed + self.source.header_row)

    def _unclosed(self, row: int) -> RegistryFileError:
        return refuse(
            f'{self.label!r}: the quote (") opening a value in row {row} is never '
            "closed, so the rest of the file would be read as one value; close or "
            "remove that quote",
            f'“{self.label}”第{row}行有未闭合的引号(")，其后内容都会被读成一个值；'
            "请补全或删除该引号",
        )

    def _failure(self, exc: pa.ArrowInvalid) -> RegistryFileError:
        """Word an error of Arrow's reader."""
        self.stream.close()
        if self.stream.error is not None:
            return self.stream.error
        if "straddl" in str(exc):
            number = _find_unclosed(self.source)
            if number is not None:
                return self._unclosed(number + self.source.header_row)
            after = self.next - 1 + self.source.header_row
            return refuse(
                f"cannot read {self.label!r}: a record after row {after} is longer "
                f"than {BLOCK_BYTES >> 20} MB",
                f"无法读取“{self.label}”：第{after}行之后有一条记录超过"
                f"{BLOCK_BYTES >> 20} MB",
            )
        return refuse(
            f"cannot read {self.label!r} as CSV: {exc}",
            f"无法按CSV读取“{self.label}”：{exc}",
        )

    def _notes(self) -> list[str]:
        notes = []
        if self.nul_cells:
            notes.append(
                message(
                    f"{self.label}: NUL characters (\\x00) removed from "
                    f"{self.nul_cells} cells",
                    f"“{self.label}”中{self.nul_cells}个单元格含NUL字符(\\x00)，已删除",
                )
            )
        encoding = self.source.plan.encoding.upper()
        for kind, rows in self.rescued.items():
            where_en, where_zh = _rows_named(rows)
            if kind == "replaced":
                en = "cannot be decoded; unreadable bytes replaced by '\ufffd'"
                zh = "无法解码，无法识别的字节已替换为“\ufffd”"
            else:
                en = f"not {encoding}; read as {kind.upper()}"
                zh = f"不是{encoding}编码，已按{kind.upper()}读取"
            notes.append(
                message(
                    f"{self.label}: {where_en} {en}", f"“{self.label}”{where_zh}{zh}"
                )
            )
        return notes


def _rows_named(rows: list[int]) -> tuple[str, str]:
    """Name some rows in English and Chinese (the first few, then how many)."""
    shown = rows[:_SHOWN_ROWS]
    en = ("row " if len(rows) == 1 else "rows ") + ", ".join(map(str, shown))
    zh = "第" + "、".join(map(str, shown)) + "行"
    if len(rows) > len(shown):
        en += f" and {len(rows) - len(shown)} more"
        zh += f"等{len(rows)}行"
    return en, zh


def _newlines(table: pa.Table) -> int:
    """Line ends inside the cells of ``table`` (counted in its buffers)."""
    total = 0
    for column in table.columns:
        for array in column.chunks:
            if len(array) == 0 or array.buffers()[2] is None:
                continue
            offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
            first, last = offsets[array.offset], offsets[array.offset + len(array)]
            data = np.frombuffer(array.buffers()[2], dtype=np.uint8)[first:last]
            total += int(np.count_nonzero(data == 0x0A))
    return total


def _records_at(
    lines: npt.NDArray[np.int64],
    start: int,
    table: pa.Table,
    numbers: npt.NDArray[np.int64],
    bad: list[tuple[int, str, int]],
) -> npt.NDArray[np.int64]:
    """Return the Arrow numbers of the records holding ``lines``.

    The chunk's first record starts on line ``start``.
    """
    spans = np.ones(table.num_rows, dtype=np.int64)
    for column in table.columns:
        counts = pc.count_substring(column, "\n").to_numpy(zero_copy_only=False)
        spans += counts.astype(np.int64)
    every = np.concatenate([numbers, np.asarray([n for n, _, _ in bad], np.int64)])
    spans = np.concatenate([spans, [1 + t.count("\n") for _, t, _ in bad]])
    order = np.argsort(every, kind="stable")
    every, spans = every[order], spans[order].astype(np.int64)
    starts = start + np.cumsum(spans) - spans
    found = np.searchsorted(starts, lines, side="right") - 1
    return every[np.clip(found, 0, len(every) - 1)]


def _find_unclosed(source: CsvSource) -> int | None:
    """Arrow number of the record whose quote is never closed, found by Python's csv."""
    stream = TextStream(source.path, source.plan, skip=source.skip, sentinel=True)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def lines() -> Iterator[str]:
        carry = ""
        while block := stream.read(READ_BYTES):
            parts = (carry + decoder.decode(block)).split("\n")
            carry = parts.pop()
            yield from (part + "\n" for part in parts)
        if carry:
            yield carry

    limit = csv.field_size_limit()
    csv.field_size_limit(BLOCK_BYTES)
    count = 0
    try:
        for record in csv.reader(lines(), delimiter=source.delimiter):
            count += 1
            if record != [SENTINEL] and any(SENTINEL in v for v in record):
                return count
    except csv.Error:  # a value longer than a block: its quote is not closed
        return count + 1
    finally:
        csv.field_size_limit(limit)
        stream.close()
    return None
