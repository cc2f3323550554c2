"""The match queue: records whose employer is not known yet.

One open item per record (:func:`queue_unmatched`), brought up to date when
the record is matched again in vain; closed when the record is matched
(:func:`close_matched`), with the credit code it was matched to.  Items
are never deleted.  Deciding what matches is :mod:`twonet.record_match`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, insert, select, update

from twonet.db.models import RecordMatch
from twonet.db.record_store import in_batches, with_none
from twonet.db.repository import Bind, transaction

#: Columns of :func:`open_matches`.
MATCH_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "record_id",
    "uscc",
    "employer_name",
    "employer_address",
    "reason",
    "candidates",
    "status",
    "matched_uscc",
    "created_at",
    "resolved_at",
)


def open_matches(bind: Bind, *, kind: str | None = None) -> pd.DataFrame:
    """Return the open items of the match queue (:data:`MATCH_COLUMNS`)."""
    query = (
        select(*(getattr(RecordMatch, c) for c in MATCH_COLUMNS))
        .where(RecordMatch.status == "open")
        .order_by(RecordMatch.id)
    )
    if kind is not None:
        query = query.where(RecordMatch.kind == kind)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return with_none(pd.DataFrame(rows, columns=list(MATCH_COLUMNS)))


def queue_unmatched(
    connection: Connection,
    kind: str,
    items: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime,
) -> int:
    """Queue records whose employer is not known; return how many are new.

    ``items`` have ``record_id``, ``uscc``, ``employer_name``,
    ``employer_address``, ``reason`` and ``candidates``.  A record already
    open in the queue has its item brought up to date instead of a second.
    """
    if not items:
        return 0
    open_ids = _open_items(connection, kind, [i["record_id"] for i in items])
    fields = ("uscc", "employer_name", "employer_address", "reason", "candidates")
    fresh = [i for i in items if i["record_id"] not in open_ids]
    if fresh:
        connection.execute(
            insert(RecordMatch),
            [
                {
                    "kind": kind,
                    "record_id": i["record_id"],
                    **{f: i[f] for f in fields},
                    "status": "open",
                    "created_at": now,
                }
                for i in fresh
            ],
        )
    known = [i for i in items if i["record_id"] in open_ids]
    if known:
        statement = (
            update(RecordMatch)
            .where(RecordMatch.id == bindparam("key"))
            .values({f: bindparam(f"v_{f}") for f in fields})
        )
        connection.execute(
            statement,
            [
                {"key": open_ids[i["record_id"]], **{f"v_{f}": i[f] for f in fields}}
                for i in known
            ],
        )
    return len(fresh)


def close_matched(
    connection: Connection,
    kind: str,
    matched: Mapping[str, str],
    *,
    now: dt.datetime,
    reviewer: str | None = None,
) -> int:
    """Close the open queue items of records now matched; return how many."""
    open_ids = _open_items(connection, kind, list(matched))
    if not open_ids:
        return 0
    statement = (
        update(RecordMatch)
        .where(RecordMatch.id == bindparam("key"))
        .values(
            status="matched",
            matched_uscc=bindparam("v_uscc"),
            reviewer=reviewer,
            resolved_at=now,
        )
    )
    connection.execute(
        statement,
        [{"key": item, "v_uscc": matched[rid]} for rid, item in open_ids.items()],
    )
    return len(open_ids)


def _open_items(
    connection: Connection, kind: str, ids: Sequence[str]
) -> dict[str, int]:
    """Return record id → the id of its open queue item, for these records."""
    found: dict[str, int] = {}
    for part in in_batches(ids):
        query = select(RecordMatch.record_id, RecordMatch.id).where(
            RecordMatch.kind == kind,
            RecordMatch.status == "open",
            RecordMatch.record_id.in_(part),
        )
        found.update({str(r): int(i) for r, i in connection.execute(query).all()})
    return found
