"""Assignments, their per-cell versions, change sets and the audit log.

The storage primitives every writer of assignments uses (the assignment
import, change sets, undo), so that each write is audited and version-checked
the same way:

* :func:`claim_cells` — optimistic locking: for each cell the writer read at
  version ``v``, ``UPDATE cell_version SET version = v + 1 … WHERE version =
  v``; no row updated means someone else wrote the cell meanwhile, and
  :class:`~grid.errors.AssignmentConflictError` names the cell and who.  A
  cell never written has version 0 and no row: the writer inserts it, and a
  concurrent insert fails on the primary key, which is the same conflict.
* :func:`begin_change_set`, :func:`close_assignment`, :func:`open_assignment`
  and :func:`audit` — rows are never rewritten: a change closes the open
  assignment (``valid_to``, ``closed_by``) and adds a new one, and every
  step is logged with the row before and after.  :func:`reopen_assignment`
  takes a closing back, for an undo on the day of the change.

All take a connection inside the caller's transaction: a change set is
applied whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from grid.errors import AssignmentConflictError
from twonet.db.models import Assignment, AuditLog, CellVersion, ChangeSet
from twonet.db.repository import Bind, transaction

#: Columns of :func:`assignments_as_of`.
ASSIGNMENT_COLUMNS = (
    "id",
    "staff_id",
    "cell_code",
    "duty",
    "valid_from",
    "valid_to",
    "change_set_id",
)
#: An assignment row as stored and as the audit log keeps it.
ASSIGNMENT_ROW_COLUMNS = (*ASSIGNMENT_COLUMNS, "closed_by")


def valid_on(as_of: dt.date) -> Any:
    """Return the SQL condition "the assignment is valid on ``as_of``"."""
    return and_(
        Assignment.valid_from <= as_of,
        or_(Assignment.valid_to.is_(None), Assignment.valid_to > as_of),
    )


def assignments_as_of(
    bind: Bind,
    as_of: dt.date | None = None,
    *,
    cells: Iterable[str] | None = None,
    staff: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Return the assignments valid on ``as_of`` (default today), sorted.

    Parameters
    ----------
    bind : Engine or Connection
    as_of : date, optional
    cells, staff : iterable of str, optional
        Only these cells / these people.

    Returns
    -------
    DataFrame
        :data:`ASSIGNMENT_COLUMNS`, sorted by cell, duty, person.
    """
    query = select(*(getattr(Assignment, c) for c in ASSIGNMENT_COLUMNS)).where(
        valid_on(as_of or dt.date.today())
    )
    if cells is not None:
        query = query.where(Assignment.cell_code.in_(list(cells)))
    if staff is not None:
        query = query.where(Assignment.staff_id.in_(list(staff)))
    query = query.order_by(Assignment.cell_code, Assignment.duty, Assignment.staff_id)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))


def cell_versions(bind: Bind, cells: Iterable[str]) -> dict[str, int]:
    """Return each cell's assignment version (0 for a cell never written)."""
    wanted = sorted(set(cells))
    found: dict[str, int] = {}
    with transaction(bind) as connection:
        for start in range(0, len(wanted), 1000):
            part = wanted[start : start + 1000]
            found.update(
                connection.execute(
                    select(CellVersion.cell_code, CellVersion.version).where(
                        CellVersion.cell_code.in_(part)
                    )
                ).all()
            )
    return {cell: int(found.get(cell, 0)) for cell in wanted}


def claim_cells(
    connection: Connection,
    seen: Mapping[str, int],
    *,
    actor: str,
    change_set_id: int,
    now: dt.datetime,
) -> None:
    """Move each cell from the version its writer read to the next one.

    Raises
    ------
    AssignmentConflictError
        A cell is no longer at the version read: another change was applied
        meanwhile.  The message names the cell, the versions and who changed
        it when.
    """
    for cell, version in sorted(seen.items()):
        values = {
            "version": version + 1,
            "changed_by": actor,
            "changed_at": now,
            "change_set_id": change_set_id,
        }
        if version == 0:
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(CellVersion).values(cell_code=cell, **values)
                    )
                continue
            except IntegrityError:
                pass  # written by someone else since it was read
        else:
            done = connection.execute(
                update(CellVersion)
                .where(CellVersion.cell_code == cell, CellVersion.version == version)
                .values(**values)
            )
            if done.rowcount == 1:
                continue
        raise _conflict(connection, cell, version)


def _conflict(
    connection: Connection, cell: str, version: int
) -> AssignmentConflictError:
    row = connection.execute(
        select(
            CellVersion.version, CellVersion.changed_by, CellVersion.changed_at
        ).where(CellVersion.cell_code == cell)
    ).first()
    now_at, who, when = row if row is not None else (0, None, None)
    when_text = f"{when:%Y-%m-%d %H:%M}" if when is not None else "?"
    msg = (
        f"网格 {cell} 的人员分配已被 {who or '他人'} 于 {when_text} 修改"
        f"（版本 {version} → {now_at}），请重新预览后再提交 / the assignments "
        f"of cell {cell} were changed by {who or 'someone else'} at "
        f"{when_text} (version {version} → {now_at}) after you read them; "
        "preview again and re-apply"
    )
    return AssignmentConflictError(msg)


def begin_change_set(
    connection: Connection,
    *,
    actor: str,
    reason: str,
    kind: str,
    changes: list[dict[str, Any]],
    now: dt.datetime,
    undoes_id: int | None = None,
    import_run_id: int | None = None,
) -> int:
    """Record a change set (``change``, ``undo`` or ``import``); return its id."""
    return connection.execute(
        insert(ChangeSet)
        .returning(ChangeSet.id)
        .values(
            created_at=now,
            actor=actor,
            reason=reason,
            kind=kind,
            changes=changes,
            undoes_id=undoes_id,
            import_run_id=import_run_id,
        )
    ).scalar_one()


def close_assignment(
    connection: Connection, assignment_id: int, *, valid_to: dt.date, change_set_id: int
) -> None:
    """End an open assignment on ``valid_to`` (the row is kept)."""
    connection.execute(
        update(Assignment)
        .where(Assignment.id == assignment_id, Assignment.closed_by.is_(None))
        .values(valid_to=valid_to, closed_by=change_set_id)
    )


def open_assignment(
    connection: Connection,
    *,
    staff_id: str,
    cell_code: str,
    duty: str,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
    change_set_id: int,
    now: dt.datetime,
) -> int:
    """Add an assignment; return its id."""
    return connection.execute(
        insert(Assignment)
        .returning(Assignment.id)
        .values(
            staff_id=staff_id,
            cell_code=cell_code,
            duty=duty,
            valid_from=valid_from,
            valid_to=valid_to,
            change_set_id=change_set_id,
            created_at=now,
        )
    ).scalar_one()


def audit(
    connection: Connection,
    *,
    change_set_id: int,
    actor: str,
    reason: str,
    action: str,
    cell_code: str | None,
    staff_id: str | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    now: dt.datetime,
) -> None:
    """Append one row to the audit log."""
    connection.execute(
        insert(AuditLog).values(
            change_set_id=change_set_id,
            at=now,
            actor=actor,
            reason=reason,
            action=action,
            cell_code=cell_code,
            staff_id=staff_id,
            before=None if before is None else _jsonable(before),
            after=None if after is None else _jsonable(after),
        )
    )


def audit_rows(bind: Bind, *, change_set_id: int | None = None) -> pd.DataFrame:
    """Return the audit log (of one change set), oldest first."""
    table = AuditLog.__table__
    query = select(*table.columns).order_by(table.c.id)
    if change_set_id is not None:
        query = query.where(table.c.change_set_id == change_set_id)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    columns = [c.name for c in table.columns]
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    """Dates as ISO text, everything else as it is (JSON columns)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in values.items()
    }


def reopen_assignment(
    connection: Connection,
    assignment_id: int,
    *,
    valid_to: dt.date | None,
    closed_by: int,
) -> bool:
    """Undo the closing of an assignment by change set ``closed_by``.

    ``valid_to`` is what the row held before it was closed (usually null).
    Only a row that change set closed is touched; return whether it was.
    """
    done = connection.execute(
        update(Assignment)
        .where(Assignment.id == assignment_id, Assignment.closed_by == closed_by)
        .values(valid_to=valid_to, closed_by=None)
    )
    return done.rowcount == 1
