"""What change sets read: people, assignment rows, cell versions, the change log.

Writes go through :mod:`twonet.db.assignment_store`; these are the reads a
change set needs around them (with the columns the store's frames leave
out: ``closed_by``, who wrote a cell last).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from twonet.db.assignment_store import ASSIGNMENT_ROW_COLUMNS, valid_on
from twonet.db.models import Assignment, AuditLog, CellVersion, ChangeSet, Staff
from twonet.db.repository import Bind, transaction

#: Columns of :func:`staff_rows`.
STAFF_COLUMNS = ("staff_id", "name", "kind", "unit_code", "active_from", "active_to")
#: Columns of :func:`assignment_rows` (an assignment as the audit log keeps it).
ROW_COLUMNS = ASSIGNMENT_ROW_COLUMNS
#: Columns of :func:`cell_version_rows`.
VERSION_COLUMNS = ("cell_code", "version", "changed_by", "changed_at", "change_set_id")
_CHUNK = 1000


def _chunks(values: Iterable[str]) -> list[list[str]]:
    wanted = sorted(set(values))
    return [wanted[i : i + _CHUNK] for i in range(0, len(wanted), _CHUNK)]


def staff_rows(bind: Bind, staff_ids: Iterable[str]) -> pd.DataFrame:
    """Return these people (:data:`STAFF_COLUMNS`), those unknown left out."""
    columns = [getattr(Staff, c) for c in STAFF_COLUMNS]
    rows: list[Any] = []
    with transaction(bind) as connection:
        for part in _chunks(staff_ids):
            rows += connection.execute(
                select(*columns).where(Staff.staff_id.in_(part))
            ).all()
    return pd.DataFrame(rows, columns=list(STAFF_COLUMNS))


def assignment_rows(
    bind: Bind, as_of: dt.date, *, cells: Iterable[str]
) -> list[dict[str, Any]]:
    """Return the assignments valid on ``as_of`` in these cells, oldest first.

    Whole rows as dicts (:data:`ROW_COLUMNS`, ``closed_by`` included), plain
    Python values, as the audit log keeps them.
    """
    columns = [getattr(Assignment, c) for c in ROW_COLUMNS]
    rows: list[dict[str, Any]] = []
    with transaction(bind) as connection:
        for part in _chunks(cells):
            result = connection.execute(
                select(*columns).where(valid_on(as_of), Assignment.cell_code.in_(part))
            )
            rows += [dict(row._mapping) for row in result]
    return sorted(rows, key=lambda row: row["id"])


def cell_version_rows(bind: Bind, cells: Iterable[str]) -> pd.DataFrame:
    """Return the stored versions of these cells (a cell never written has none)."""
    columns = [getattr(CellVersion, c) for c in VERSION_COLUMNS]
    rows: list[Any] = []
    with transaction(bind) as connection:
        for part in _chunks(cells):
            rows += connection.execute(
                select(*columns).where(CellVersion.cell_code.in_(part))
            ).all()
    return pd.DataFrame(rows, columns=list(VERSION_COLUMNS))


def change_set_row(bind: Bind, change_set_id: int) -> dict[str, Any] | None:
    """Return one change set as a dict, or ``None`` when there is none."""
    table = ChangeSet.__table__
    with transaction(bind) as connection:
        row = connection.execute(
            select(*table.columns).where(table.c.id == change_set_id)
        ).first()
    return None if row is None else dict(row._mapping)


def undo_of(bind: Bind, change_set_id: int) -> dict[str, Any] | None:
    """Return the change set that undid ``change_set_id`` (``None``: not undone)."""
    with transaction(bind) as connection:
        row = connection.execute(
            select(ChangeSet.id, ChangeSet.actor, ChangeSet.created_at)
            .where(ChangeSet.undoes_id == change_set_id)
            .order_by(ChangeSet.id)
        ).first()
    return None if row is None else dict(row._mapping)


def change_sets(bind: Bind, *, limit: int = 20) -> pd.DataFrame:
    """Return the newest change sets with their number of steps and cells.

    Columns: ``id``, ``created_at``, ``actor``, ``kind``, ``reason``,
    ``changes`` (what was asked), ``steps`` (audit rows), ``cells``
    (distinct cells), ``undoes_id``, ``undone_by``.
    """
    steps = (
        select(
            AuditLog.change_set_id.label("id"),
            func.count().label("steps"),
            func.count(AuditLog.cell_code.distinct()).label("cells"),
        )
        .group_by(AuditLog.change_set_id)
        .subquery()
    )
    undo = (
        select(
            ChangeSet.undoes_id.label("id"), func.min(ChangeSet.id).label("undone_by")
        )
        .where(ChangeSet.undoes_id.is_not(None))
        .group_by(ChangeSet.undoes_id)
        .subquery()
    )
    query = (
        select(
            ChangeSet.id,
            ChangeSet.created_at,
            ChangeSet.actor,
            ChangeSet.kind,
            ChangeSet.reason,
            ChangeSet.changes,
            func.coalesce(steps.c.steps, 0).label("steps"),
            func.coalesce(steps.c.cells, 0).label("cells"),
            ChangeSet.undoes_id,
            undo.c.undone_by,
        )
        .outerjoin(steps, steps.c.id == ChangeSet.id)
        .outerjoin(undo, undo.c.id == ChangeSet.id)
        .order_by(ChangeSet.id.desc())
        .limit(limit)
    )
    with transaction(bind) as connection:
        result = connection.execute(query)
        return pd.DataFrame(result.all(), columns=list(result.keys()))
