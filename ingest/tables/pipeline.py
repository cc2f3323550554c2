"""From a file to checked rows, chunk by chunk, in bounded memory.

:func:`open_table` opens a file (:func:`~ingest.tables.reader.open_raw`:
header found, columns mapped) and returns a :class:`TableStream`, whose
:meth:`~TableStream.chunks` yields one :class:`~ingest.tables.problems.TableResult`
per chunk of about ``rows`` records, in file order.  Each chunk goes
through the same steps:

1. read each field by its kind and check the schema's constraints
   (:func:`~ingest.tables.validate.check_fields`, pandera);
2. the table's own checks (a :data:`~ingest.tables.validate.TableCheckHook`);
3. keys: a row repeating a key of an earlier row of the file (any chunk)
   or of a file read before by the same import is rejected
   (:func:`~ingest.tables.keys.check_key`);
4. the accepted rows, every problem and the rejected rows with all their
   original values.

Memory is that of one chunk plus the file's keys.  :func:`read_table` reads
a whole file into one result (small files, previews, tests).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from os import PathLike
from pathlib import Path

import pandas as pd

from ingest.tables.keys import KeyLedger, check_key
from ingest.tables.problems import TableResult, reject_rows
from ingest.tables.reader import Progress, RawSource, RawTable, open_raw
from ingest.tables.schema import TableSchema
from ingest.tables.validate import (
    TableCheck,
    TableCheckHook,
    accepted_rows,
    check_fields,
    generic_kinds,
)

#: Records checked at a time by default.
CHUNK_ROWS = 50_000


class TableStream:
    """An opened table file whose rows are checked chunk by chunk.

    Attributes
    ----------
    source : RawSource
        The file as read (header, encoding, sheet, notes, SHA-256).
    columns : dict
        Our field → the file's column.
    unmapped : list of str
        The file's columns no field takes (kept per row in ``extra``).
    """

    def __init__(
        self,
        source: RawSource,
        schema: TableSchema,
        *,
        check: TableCheckHook | None,
        kinds: Mapping[str, str] | None,
        mapping: Mapping[str, str] | None,
        earlier_keys: Mapping[str, str] | None,
    ) -> None:
        self.source = source
        self.schema = schema
        self.check = check
        self.kinds = {**generic_kinds(schema), **(kinds or {})}
        self.columns, self.unmapped = schema.map_columns(
            source.header, mapping, source.path.name
        )
        self.earlier_keys = earlier_keys
        self.ledger = KeyLedger()

    @property
    def estimated_rows(self) -> int | None:
        """About how many records the file holds (known before reading)."""
        return self.source.estimated_rows

    def chunks(
        self, rows: int = CHUNK_ROWS, progress: Progress | None = None
    ) -> Iterator[TableResult]:
        """Yield the checked chunks of the file, in order.

        At least one, empty for a file without records (the source's
        :meth:`~ingest.tables.reader.RawSource.chunks` promises as much).
        ``progress(records_done, records_estimated)`` is called after each.
        """
        done = 0
        for raw in self.source.chunks(rows):
            result = self._check(raw)
            done += result.n_rows + result.n_blank
            if progress is not None:
                progress(done, max(done, self.estimated_rows or 0))
            yield result

    def _check(self, raw: RawTable) -> TableResult:
        table = TableCheck(raw, self.schema, self.columns, self.kinds)
        check_fields(table)
        if self.check is not None:
            self.check(table)
        check_key(table, self.ledger, self.earlier_keys)
        table.log.add_bad_records(raw)
        problems = table.log.frame()
        return TableResult(
            rows=accepted_rows(table, self.unmapped),
            problems=problems,
            rejects=reject_rows(raw, table.rejected, problems),
            n_rows=len(raw.rows) + len(raw.bad_records),
            n_blank=raw.n_blank,
            columns=self.columns,
            unmapped=tuple(self.unmapped),
            header_row=self.source.header_row,
            encoding=self.source.encoding,
            sheet=self.source.sheet,
            file_sha256="",
            notes=tuple(_unique([*raw.notes, *table.notes])),
        )

    def summary(self, parts: list[TableResult]) -> TableResult:
        """Join checked chunks into one result for the whole file."""
        return TableResult(
            rows=_concat([p.rows for p in parts]),
            problems=_concat([p.problems for p in parts]),
            rejects=_concat([p.rejects for p in parts]),
            n_rows=sum(p.n_rows for p in parts),
            n_blank=sum(p.n_blank for p in parts),
            columns=self.columns,
            unmapped=tuple(self.unmapped),
            header_row=self.source.header_row,
            encoding=self.source.encoding,
            sheet=self.source.sheet,
            file_sha256=self.source.sha256,
            notes=self.notes(parts),
        )

    def notes(self, parts: list[TableResult]) -> tuple[str, ...]:
        """Return everything worth telling about the file, each note once."""
        chunks = (note for part in parts for note in part.notes)
        return tuple(_unique([*self.source.notes, *chunks]))


def open_table(
    path: str | PathLike[str],
    schema: TableSchema,
    *,
    check: TableCheckHook | None = None,
    kinds: Mapping[str, str] | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    earlier_keys: Mapping[str, str] | None = None,
) -> TableStream:
    """Open a table file: read its header and map its columns.

    Parameters
    ----------
    path : str or path-like
        CSV or XLSX (see :func:`~ingest.tables.reader.open_raw`).
    schema : TableSchema
    check : callable, optional
        The table's own checks, run on each chunk after the field checks.
    kinds : mapping, optional
        Severity of the problem kinds ``check`` adds.
    mapping : mapping, optional
        Our field → the file's column, for columns the aliases miss.
    encoding, sheet, delimiter
        See :func:`~ingest.tables.reader.open_raw`.
    earlier_keys : mapping, optional
        Keys of files read before this one by the same import → where they
        were (``file:row``); a row repeating one is rejected.

    Raises
    ------
    RegistryFileError
        The file cannot be read, or its columns cannot be mapped.
    """
    source = open_raw(
        Path(path),
        schema,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
    )
    return TableStream(
        source,
        schema,
        check=check,
        kinds=kinds,
        mapping=mapping,
        earlier_keys=earlier_keys,
    )


def read_table(
    path: str | PathLike[str],
    schema: TableSchema,
    *,
    check: TableCheckHook | None = None,
    kinds: Mapping[str, str] | None = None,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    earlier_keys: Mapping[str, str] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
) -> TableResult:
    """Read a table file and check every row, into one result.

    The options are those of :func:`open_table`; the file is still checked
    chunk by chunk (``chunk_rows`` records), then joined.
    """
    stream = open_table(
        path,
        schema,
        check=check,
        kinds=kinds,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        earlier_keys=earlier_keys,
    )
    parts = list(stream.chunks(chunk_rows, progress))
    return stream.summary(parts)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def _unique(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))
