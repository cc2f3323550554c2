"""Store inspection, violation and complaint records; their match queue.

Records are upserted by their own number (``record_id``) and content hash
(:func:`upsert_records`): an unchanged record is left alone (a re-import
changes nothing), a changed one first has its stored state copied into
``record_version``, then is updated.  A record whose only change is the
employer it was matched to (``employer_uscc``) is updated without a
version: the match queue (``record_match``) keeps that history.

The match queue is :mod:`twonet.db.record_queue`.  This module stores and
reads; deciding what matches is :mod:`twonet.record_match`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, insert, select, update

from twonet.db.models import (
    Complaint,
    Employer,
    Inspection,
    RecordVersion,
    Violation,
)
from twonet.db.repository import Bind, transaction

#: The stored table of each kind of record.
RECORD_MODELS: dict[str, Any] = {
    "inspections": Inspection,
    "violations": Violation,
    "complaints": Complaint,
}
#: Columns every kind of record has, as an import supplies them.
COMMON_COLUMNS: tuple[str, ...] = (
    "record_id",
    "uscc",
    "employer_name",
    "employer_address",
    "employer_uscc",
    "content_hash",
    "extra",
)
#: Columns of each kind besides :data:`COMMON_COLUMNS`.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "inspections": ("inspected_on", "kind", "result", "staff_ids"),
    "violations": (
        "type",
        "found_on",
        "workers",
        "arrears_months",
        "arrears_yuan",
        "rectification_ordered",
        "penalized",
        "fine_yuan",
        "back_wages_yuan",
        "contracts_signed",
        "insurance_enrolled",
        "shut_down",
        "to_police",
        "closed_on",
    ),
    "complaints": (
        "received_on",
        "channel",
        "type",
        "status",
        "closed_on",
        "accept_due",
        "close_due",
    ),
}
_BATCH = 1000


def record_columns(kind: str) -> tuple[str, ...]:
    """Return the columns an import supplies for one kind of record."""
    return (*COMMON_COLUMNS, *KIND_COLUMNS[kind])


def in_batches(values: Iterable[str]) -> Iterable[list[str]]:
    """Yield the distinct values, sorted, a thousand at a time (for ``IN``)."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), _BATCH):
        yield wanted[start : start + _BATCH]


# ----------------------------------------------------------------- reading
def with_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every column but numbers as objects, ``None`` missing."""
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_numeric_dtype(values) or values.dtype == bool:
            values = values.astype(object)
            frame[column] = values.where(values.notna(), None)
    return frame


def stored_records(
    connection: Connection, kind: str, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Return record id → the stored row (every column) of these records."""
    table = RECORD_MODELS[kind].__table__
    found: dict[str, dict[str, Any]] = {}
    for part in in_batches(ids):
        query = select(table).where(table.c.record_id.in_(part))
        for row in connection.execute(query).mappings():
            found[row["record_id"]] = dict(row)
    return found


def known_usccs(bind: Bind, codes: Iterable[str]) -> set[str]:
    """Return those of ``codes`` that are stored employers' credit codes."""
    found: set[str] = set()
    with transaction(bind) as connection:
        for part in in_batches(codes):
            query = select(Employer.uscc).where(Employer.uscc.in_(part))
            found.update(connection.execute(query).scalars())
    return found


def employer_identities(bind: Bind) -> pd.DataFrame:
    """Return every stored employer's ``uscc``, ``name`` and both addresses."""
    columns = ("uscc", "name", "registered_address", "operating_address")
    query = select(*(getattr(Employer, c) for c in columns)).order_by(Employer.uscc)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(columns))


def load_records(bind: Bind, kind: str, *, limit: int | None = None) -> pd.DataFrame:
    """Return stored records of one kind, by record id (first ``limit``).

    Missing texts, codes, dates and flags are ``None``; missing numbers NaN.
    """
    model = RECORD_MODELS[kind]
    columns = (*record_columns(kind), "first_seen", "last_changed")
    shown = [c for c in columns if c not in ("content_hash",)]
    query = select(*(getattr(model, c) for c in shown)).order_by(model.record_id)
    if limit is not None:
        query = query.limit(limit)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return with_none(pd.DataFrame(rows, columns=shown))


def record_versions(bind: Bind, kind: str, record_id: str) -> pd.DataFrame:
    """Return the earlier states of one record, oldest first."""
    query = (
        select(
            RecordVersion.valid_to, RecordVersion.import_run_id, RecordVersion.snapshot
        )
        .where(RecordVersion.kind == kind, RecordVersion.record_id == record_id)
        .order_by(RecordVersion.id)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["valid_to", "import_run_id", "snapshot"])


# ----------------------------------------------------------------- writing
def _snapshot(record: Mapping[str, Any]) -> dict[str, object]:
    """Return a stored record as JSON can hold it (dates and times as ISO text)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in record.items()
    }


def upsert_records(
    connection: Connection,
    kind: str,
    frame: pd.DataFrame,
    *,
    stored: Mapping[str, Mapping[str, Any]],
    import_run_id: int | None,
    now: dt.datetime,
) -> dict[str, int]:
    """Insert new records, update changed ones keeping their history.

    Parameters
    ----------
    connection : Connection
        In a transaction.
    kind : str
        ``inspections``, ``violations`` or ``complaints``.
    frame : DataFrame
        One row per record id with :func:`record_columns` (dates as
        :class:`datetime.date` or ``None``, missing values ``None``).
    stored : mapping
        :func:`stored_records` of these ids, read in the same transaction.
    import_run_id : int, optional
    now : datetime
        Time of the change (UTC, naive).

    Returns
    -------
    dict
        ``inserted``, ``changed`` (previous state in ``record_version``),
        ``rematched`` (only ``employer_uscc`` changed) and ``unchanged``.
    """
    model = RECORD_MODELS[kind]
    columns = record_columns(kind)
    records = [
        {str(k): v for k, v in r.items()}
        for r in frame.loc[:, list(columns)].to_dict("records")
    ]
    new = [r for r in records if r["record_id"] not in stored]
    old = [r for r in records if r["record_id"] in stored]
    changed = [
        r for r in old if stored[r["record_id"]]["content_hash"] != r["content_hash"]
    ]
    rematched = [
        r
        for r in old
        if stored[r["record_id"]]["content_hash"] == r["content_hash"]
        and stored[r["record_id"]]["employer_uscc"] != r["employer_uscc"]
    ]
    stamp = {"import_run_id": import_run_id, "last_changed": now}
    if new:
        connection.execute(
            insert(model), [{**r, **stamp, "first_seen": now} for r in new]
        )
    if changed:
        connection.execute(
            insert(RecordVersion),
            [
                {
                    "kind": kind,
                    "record_id": r["record_id"],
                    "valid_to": now,
                    "import_run_id": import_run_id,
                    "snapshot": _snapshot(stored[r["record_id"]]),
                }
                for r in changed
            ],
        )
        _update(connection, model, changed, [*columns[1:], *stamp], stamp)
    if rematched:
        _update(connection, model, rematched, ["employer_uscc"], {})
    return {
        "inserted": len(new),
        "changed": len(changed),
        "rematched": len(rematched),
        "unchanged": len(records) - len(new) - len(changed) - len(rematched),
    }


def _update(
    connection: Connection,
    model: Any,
    records: list[dict[str, Any]],
    columns: Sequence[str],
    stamp: Mapping[str, Any],
) -> None:
    statement = (
        update(model)
        .where(model.record_id == bindparam("key"))
        .values({c: bindparam(f"v_{c}") for c in columns})
    )
    connection.execute(
        statement,
        [
            {**{f"v_{c}": {**r, **stamp}[c] for c in columns}, "key": r["record_id"]}
            for r in records
        ],
    )


def set_employers(
    connection: Connection, kind: str, matched: Mapping[str, str]
) -> None:
    """Set ``employer_uscc`` of records (record id → credit code), no version."""
    if not matched:
        return
    rows = [{"record_id": k, "employer_uscc": v} for k, v in matched.items()]
    _update(connection, RECORD_MODELS[kind], rows, ["employer_uscc"], {})
