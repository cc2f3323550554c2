"""One employer's records, and the violations of the employers in a map view.

* :func:`employer_history` — the inspections, violations and complaints
  matched to one employer, newest first (the employer page's history);
* :func:`violations_of` — the violations of a set of employers in one query
  (batched by a thousand), for the warnings and grades drawn on a map.

Only records matched to a stored employer (``employer_uscc``) are read: a
record waiting in the match queue belongs to nobody yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Connection, literal, null, select

from grid.grades import VIOLATION_COLUMNS
from twonet.db.models import Complaint, Inspection, Violation
from twonet.db.record_store import in_batches, with_none
from twonet.db.repository import Bind, transaction

__all__ = ["HISTORY_COLUMNS", "OUTCOME_COLUMNS", "employer_history", "violations_of"]

#: Outcome columns of a violation case carried by the history (else null).
OUTCOME_COLUMNS: tuple[str, ...] = (
    "arrears_months",
    "rectification_ordered",
    "penalized",
    "fine_yuan",
    "back_wages_yuan",
    "shut_down",
    "to_police",
)
#: Columns of :func:`employer_history`.
HISTORY_COLUMNS: tuple[str, ...] = (
    "record",
    "record_id",
    "date",
    "code",
    "status",
    "closed_on",
    *OUTCOME_COLUMNS,
)
#: Order of the kinds of record on one day (a case follows its inspection).
_ORDER = {"complaint": 0, "inspection": 1, "violation": 2}


def _selects(uscc: str) -> dict[str, Any]:
    """Return one select per kind of record, each with :data:`HISTORY_COLUMNS`."""
    blank = [null().label(c) for c in OUTCOME_COLUMNS]
    return {
        "inspection": select(
            literal("inspection").label("record"),
            Inspection.record_id,
            Inspection.inspected_on.label("date"),
            Inspection.kind.label("code"),
            Inspection.result.label("status"),
            null().label("closed_on"),
            *blank,
        ).where(Inspection.employer_uscc == uscc),
        "violation": select(
            literal("violation").label("record"),
            Violation.record_id,
            Violation.found_on.label("date"),
            Violation.type.label("code"),
            null().label("status"),
            Violation.closed_on,
            *(getattr(Violation, c) for c in OUTCOME_COLUMNS),
        ).where(Violation.employer_uscc == uscc),
        "complaint": select(
            literal("complaint").label("record"),
            Complaint.record_id,
            Complaint.received_on.label("date"),
            Complaint.type.label("code"),
            Complaint.status,
            Complaint.closed_on,
            *blank,
        ).where(Complaint.employer_uscc == uscc),
    }


def _as_date(value: object) -> dt.date | None:
    """Return a stored day as a date (SQLite hands back text in a null column)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def employer_history(bind: Bind, uscc: str) -> pd.DataFrame:
    """Return the records matched to one employer, newest first.

    Parameters
    ----------
    bind : Engine or Connection
    uscc : str
        The stored employer's unified social credit code.

    Returns
    -------
    DataFrame
        :data:`HISTORY_COLUMNS`: ``record`` is ``inspection``, ``violation``
        or ``complaint``; ``date`` the day inspected, found or received;
        ``code`` the inspection kind, violation type or complaint type
        (codes of :mod:`grid.record_types`); ``status`` the inspection result
        or complaint status; ``closed_on`` the day a case or complaint was
        closed; the outcome columns only for violations.  Sorted by date
        (newest first), then complaint, inspection, violation, then record
        id.  Missing values are ``None``.
    """
    with transaction(bind) as connection:
        frames = [_read(connection, query) for query in _selects(uscc).values()]
    frame = pd.concat([f for f in frames if len(f)] or [frames[0]], ignore_index=True)
    for column in ("date", "closed_on"):
        frame[column] = [_as_date(v) for v in frame[column]]
    if len(frame):
        frame = frame.assign(
            _day=pd.to_datetime(frame["date"]), _kind=frame["record"].map(_ORDER)
        ).sort_values(["_day", "_kind", "record_id"], ascending=[False, True, False])
        frame = frame.drop(columns=["_day", "_kind"])
    return with_none(frame.reset_index(drop=True))


def _read(connection: Connection, query: Any) -> pd.DataFrame:
    rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))


def violations_of(
    bind: Bind, usccs: Iterable[str], *, found_before: dt.date
) -> pd.DataFrame:
    """Return the violations of these employers found before a day.

    One query per thousand employers (a map view holds at most 500 points).

    Returns
    -------
    DataFrame
        :data:`grid.grades.VIOLATION_COLUMNS` (``uscc`` the matched employer),
        by employer and record id.
    """
    columns = [
        Violation.employer_uscc,
        *(getattr(Violation, c) for c in VIOLATION_COLUMNS[1:]),
    ]
    rows: list[Any] = []
    with transaction(bind) as connection:
        for part in in_batches(usccs):
            query = (
                select(*columns)
                .where(Violation.employer_uscc.in_(part))
                .where(Violation.found_on < found_before)
                .order_by(Violation.employer_uscc, Violation.record_id)
            )
            rows.extend(connection.execute(query).all())
    return pd.DataFrame(rows, columns=list(VIOLATION_COLUMNS))
