"""Record imports: read, check, match, store with history (``twonet records import``).

:func:`import_records` runs one file of inspections, violations or
complaints through :func:`twonet.imports.import_table` (kind = the record
kind: the lock, the run record, the rejected rows with their row numbers in
``import_reject`` and beside the file).  :class:`RecordStore` stores each
chunk of accepted rows:

1. the rows become stored records (:func:`record_frame`): codes, flags as
   booleans, dates, a complaint's deadlines in working days
   (:func:`grid.working_days.complaint_deadlines`), the content hash;
2. each record's employer is found (:func:`twonet.record_match.match_records`),
   unless it is stored already, matched, and names the same employer;
3. in one transaction: records upserted by record id and content hash
   (:func:`twonet.db.record_store.upsert_records`: a re-import changes
   nothing, a changed record's earlier state goes to ``record_version``),
   records whose employer is unknown queued in ``record_match`` (stored all
   the same, ``employer_uscc`` null), queue items of records now matched
   closed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from grid.working_days import complaint_deadlines
from ingest.record_schemas import RECORD_KEYS
from ingest.tables.pipeline import TableStream
from ingest.tables.reader import Progress
from twonet.db import record_queue, record_store, staff_store
from twonet.imports import ImportReport, KeysSeen, Stored, import_table
from twonet.record_match import EmployerIndex, match_pending, match_records, queue_item
from twonet.staff_rows import ReadOptions, dates, nullable

__all__ = [
    "ReadOptions",
    "RecordStore",
    "import_records",
    "match_pending",
    "record_frame",
]

#: Fields naming the employer: a record whose are unchanged keeps its match.
IDENTITY: tuple[str, ...] = ("uscc", "employer_name", "employer_address")
#: Yes/no outcome flags of a violation.
FLAGS: tuple[str, ...] = (
    "rectification_ordered",
    "penalized",
    "shut_down",
    "to_police",
)
_COUNTS = ("workers", "contracts_signed", "insurance_enrolled")
_AMOUNTS = ("arrears_months", "arrears_yuan", "fine_yuan", "back_wages_yuan")


def _now() -> dt.datetime:
    """Return the time of a change: UTC, naive (as staff and employers)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _flags(values: pd.Series) -> list[bool | None]:
    return [None if v is None else v == "yes" for v in nullable(values)]


def _ints(values: pd.Series) -> list[int | None]:
    return [None if v is None else int(v) for v in nullable(values)]


def _floats(values: pd.Series) -> list[float | None]:
    return [None if v is None else float(v) for v in nullable(values)]


def _content_hash(record: dict[str, Any]) -> str:
    text = json.dumps(record, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def record_frame(kind: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Turn accepted rows of one kind into stored records with their content hash.

    Returns
    -------
    DataFrame
        :func:`twonet.db.record_store.record_columns` of ``kind``;
        ``employer_uscc`` ``None`` (set by matching); missing values
        ``None``, dates :class:`datetime.date`, ``extra`` ``None`` when empty.
    """
    data: dict[str, list[Any]] = {
        "record_id": nullable(rows[RECORD_KEYS[kind]]),
        "uscc": nullable(rows["uscc"]),
        "employer_name": nullable(rows["employer_name"]),
        "employer_address": nullable(rows["employer_address"]),
        "employer_uscc": [None] * len(rows),
        "extra": [v if isinstance(v, dict) and v else None for v in rows["extra"]],
    }
    if kind == "inspections":
        data["inspected_on"] = dates(rows["date"])
        data["kind"] = nullable(rows["kind"])
        data["result"] = nullable(rows["result"])
        data["staff_ids"] = [
            v if isinstance(v, list) else None for v in rows["staff_ids"]
        ]
    elif kind == "violations":
        data["type"] = nullable(rows["type"])
        data["found_on"] = dates(rows["found_on"])
        data["closed_on"] = dates(rows["closed_on"])
        data.update({f: _flags(rows[f]) for f in FLAGS})
        data.update({f: _ints(rows[f]) for f in _COUNTS})
        data.update({f: _floats(rows[f]) for f in _AMOUNTS})
    else:
        received = dates(rows["received_on"])
        due = [complaint_deadlines(d) if d else (None, None) for d in received]
        data["received_on"] = received
        data["accept_due"] = [a for a, _ in due]
        data["close_due"] = [c for _, c in due]
        data["channel"] = nullable(rows["channel"])
        data["type"] = nullable(rows["type"])
        data["status"] = nullable(rows["status"])
        data["closed_on"] = dates(rows["closed_on"])
    columns = record_store.record_columns(kind)
    frame = pd.DataFrame(data, dtype=object)
    frame["content_hash"] = [
        _content_hash(
            {c: r[c] for c in columns if c not in ("employer_uscc", "content_hash")}
        )
        for r in frame.to_dict("records")
    ]
    return frame.loc[:, list(columns)]


class RecordStore:
    """Match and upsert one kind of record's accepted rows, chunk by chunk.

    Each chunk is one transaction; counts ``inserted``, ``changed``,
    ``rematched`` and ``unchanged``; ``queued`` the records left without a
    known employer.
    """

    def __init__(
        self,
        engine: Engine,
        run_id: int,
        *,
        kind: str,
        now: dt.datetime | None = None,
        on_rows: Callable[[pd.DataFrame], None] | None = None,
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.kind = kind
        self.now = now or _now()
        self.on_rows = on_rows
        self.index = EmployerIndex(engine)
        self.totals = {"inserted": 0, "changed": 0, "rematched": 0, "unchanged": 0}
        self.matched: dict[str, int] = {}
        self.queued = 0

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def put(self, rows: pd.DataFrame) -> None:
        """Match and store one chunk of accepted rows."""
        if self.on_rows is not None:
            self.on_rows(rows)
        if not len(rows):
            return
        frame = record_frame(self.kind, rows)
        with self.engine.connect() as connection:
            stored = record_store.stored_records(
                connection, self.kind, list(frame["record_id"])
            )
        waiting = self._match(frame, stored)
        found = {
            str(r): str(u)
            for r, u in zip(frame["record_id"], frame["employer_uscc"], strict=True)
            if u is not None
        }
        with self.engine.begin() as connection:
            counts = record_store.upsert_records(
                connection,
                self.kind,
                frame,
                stored=stored,
                import_run_id=self.run_id,
                now=self.now,
            )
            record_queue.queue_unmatched(connection, self.kind, waiting, now=self.now)
            record_queue.close_matched(connection, self.kind, found, now=self.now)
        for key, value in counts.items():
            self.totals[key] += value
        self.queued += len(waiting)

    def _match(
        self, frame: pd.DataFrame, stored: dict[str, dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Set ``employer_uscc`` in ``frame``; return the queue items of the rest."""
        keep: list[str | None] = []
        for record in frame.loc[:, ["record_id", *IDENTITY]].to_dict("records"):
            old = stored.get(record["record_id"])
            same = old is not None and all(old[f] == record[f] for f in IDENTITY)
            keep.append(old["employer_uscc"] if same and old is not None else None)
        frame["employer_uscc"] = pd.Series(keep, index=frame.index, dtype=object)
        todo = frame[frame["employer_uscc"].isna()]
        if todo.empty:
            return []
        matches = match_records(todo, self.index)
        for position, match in zip(todo.index, matches, strict=True):
            keep[position] = match.uscc
            if match.by is not None:
                self.matched[match.by] = self.matched.get(match.by, 0) + 1
        frame["employer_uscc"] = pd.Series(keep, index=frame.index, dtype=object)
        return [
            queue_item(r, m)
            for r, m in zip(todo.to_dict("records"), matches, strict=True)
            if m.uscc is None
        ]

    def stored(self) -> Stored:
        """Return what was stored."""
        return Stored(
            counts=dict(self.totals),
            details={"placed": dict(self.matched)},
            queued=self.queued,
        )


def import_records(
    engine: Engine,
    path: Path,
    *,
    kind: str,
    options: ReadOptions | None = None,
    progress: Progress | None = None,
    seen: KeysSeen | None = None,
) -> ImportReport:
    """Read, check, match and store one record file (``twonet records import``).

    Parameters
    ----------
    engine : Engine
    path : Path
        CSV or XLSX with the columns of the kind's schema
        (:mod:`ingest.record_schemas`).
    kind : {"inspections", "violations", "complaints"}
    options : ReadOptions, optional
        ``mapping``, ``encoding``, ``sheet``, ``delimiter``.
    progress : callable, optional
        ``progress(records_done, records_estimated)``.
    seen : KeysSeen, optional
        Record ids of the files imported before this one by the same
        command: a row repeating one is rejected.

    Returns
    -------
    ImportReport
        ``stored`` has ``inserted``, ``changed``, ``rematched`` and
        ``unchanged``; ``queued`` the records whose employer is not known
        (stored, waiting in ``record_match``); ``placed`` the records this
        import linked to an employer, by how (``uscc``, ``name``,
        ``address``).

    Raises
    ------
    TwoNetError
        Unknown kind; the file cannot be read; storing failed.
    """
    from ingest.records import open_records, record_kind

    kind = record_kind(kind)
    options = options or ReadOptions()
    staff = staff_store.staff_ids(engine) if kind == "inspections" else set()

    def open_file(file: Path) -> TableStream:
        return open_records(
            file,
            kind,
            known_staff=staff or None,
            mapping=options.mapping,
            encoding=options.encoding,
            sheet=options.sheet,
            delimiter=options.delimiter,
            earlier_keys=None if seen is None else seen.where,
        )

    def store(engine: Engine, run_id: int, stream: TableStream) -> RecordStore:
        def remember(rows: pd.DataFrame) -> None:
            if seen is not None:
                seen.add(path, rows, key=RECORD_KEYS[kind])

        return RecordStore(engine, run_id, kind=kind, on_rows=remember)

    return import_table(
        engine,
        path,
        kind=kind,
        open_file=open_file,
        store=store,
        options={"mapping": options.mapping},
        progress=progress,
    )
