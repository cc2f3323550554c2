"""Store staff: upsert by 人员编号 with history; read staff and assignments.

A person already stored with the same content hash is left alone (a
re-import changes nothing); a changed one first has their stored state
copied into ``staff_version`` (``valid_to`` the time of the change), then is
updated.  Staff registries hold thousands of rows, not millions: plain
statements, no staging table.

Assignments are written only through :mod:`twonet.db.assignment_store`;
:func:`latest_assignments` reads what an import compares its rows with.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, insert, select, update

from twonet.db.assignment_store import ASSIGNMENT_ROW_COLUMNS
from twonet.db.models import Assignment, GridCell, Staff, StaffVersion
from twonet.db.repository import Bind, transaction

#: Columns an import supplies, as stored.
STAFF_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "name",
    "kind",
    "unit_code",
    "phone",
    "id_number",
    "home_lon",
    "home_lat",
    "active_from",
    "active_to",
    "content_hash",
    "extra",
)
#: Columns of :func:`load_staff`.
STAFF_LIST_COLUMNS: tuple[str, ...] = (
    *STAFF_COLUMNS[:10],
    "first_seen",
    "last_changed",
)
#: Columns of :func:`latest_assignments`.
STORED_ASSIGNMENT_COLUMNS: tuple[str, ...] = ASSIGNMENT_ROW_COLUMNS
_BATCH = 1000


def cell_codes(bind: Bind) -> set[str]:
    """Return the code of every cell ever stored (any version)."""
    with transaction(bind) as connection:
        return set(connection.execute(select(GridCell.code).distinct()).scalars())


def staff_ids(bind: Bind) -> set[str]:
    """Return every stored staff id."""
    with transaction(bind) as connection:
        return set(connection.execute(select(Staff.staff_id)).scalars())


def _in_batches(values: Iterable[str]) -> Iterable[list[str]]:
    wanted = sorted(set(values))
    for start in range(0, len(wanted), _BATCH):
        yield wanted[start : start + _BATCH]


def _stored_staff(
    connection: Connection, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Return staff id → the stored row (every column)."""
    table = Staff.__table__
    found: dict[str, dict[str, Any]] = {}
    for part in _in_batches(ids):
        query = select(table).where(table.c.staff_id.in_(part))
        for row in connection.execute(query).mappings():
            found[row["staff_id"]] = dict(row)
    return found


def _snapshot(person: dict[str, Any]) -> dict[str, object]:
    """Return a stored person as JSON can hold it (dates and times as ISO text)."""
    return {
        key: value.isoformat() if isinstance(value, dt.date) else value
        for key, value in person.items()
    }


def upsert_staff(
    connection: Connection,
    frame: pd.DataFrame,
    *,
    import_run_id: int | None,
    now: dt.datetime,
) -> dict[str, int]:
    """Insert new people, update changed ones keeping their history.

    Parameters
    ----------
    connection : Connection
        In a transaction.
    frame : DataFrame
        One row per staff id with :data:`STAFF_COLUMNS` (dates as
        :class:`datetime.date` or ``None``, missing values ``None``).
    import_run_id : int, optional
    now : datetime
        Time of the change (UTC, naive).

    Returns
    -------
    dict
        ``inserted``, ``changed`` (previous state in ``staff_version``) and
        ``unchanged`` counts.
    """
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()}
        for r in frame.loc[:, list(STAFF_COLUMNS)].to_dict("records")
    ]
    stored = _stored_staff(connection, [r["staff_id"] for r in records])
    new = [r for r in records if r["staff_id"] not in stored]
    changed = [
        r
        for r in records
        if r["staff_id"] in stored
        and stored[r["staff_id"]]["content_hash"] != r["content_hash"]
    ]
    stamp = {"import_run_id": import_run_id, "last_changed": now}
    if new:
        connection.execute(
            insert(Staff), [{**r, **stamp, "first_seen": now} for r in new]
        )
    if changed:
        connection.execute(
            insert(StaffVersion),
            [
                {
                    "staff_id": r["staff_id"],
                    "valid_to": now,
                    "import_run_id": import_run_id,
                    "snapshot": _snapshot(stored[r["staff_id"]]),
                }
                for r in changed
            ],
        )
        columns = [c for c in STAFF_COLUMNS if c != "staff_id"]
        statement = (
            update(Staff)
            .where(Staff.staff_id == bindparam("key"))
            .values({c: bindparam(f"v_{c}") for c in [*columns, *stamp]})
        )
        connection.execute(
            statement,
            [
                {
                    **{f"v_{c}": r[c] for c in columns},
                    **{f"v_{c}": v for c, v in stamp.items()},
                    "key": r["staff_id"],
                }
                for r in changed
            ],
        )
    return {
        "inserted": len(new),
        "changed": len(changed),
        "unchanged": len(records) - len(new) - len(changed),
    }


def load_staff(bind: Bind, *, unit: str | None = None) -> pd.DataFrame:
    """Return the stored staff (:data:`STAFF_LIST_COLUMNS`), by staff id.

    Parameters
    ----------
    bind : Engine or Connection
    unit : str, optional
        Only people whose unit is this cell or a cell below it (codes nest
        by prefix; a city ``370200`` holds the ``3702…`` codes).

    Notes
    -----
    Phone and ID numbers are returned as stored: show them through
    :func:`twonet.privacy.personal_view`.
    """
    query = select(*(getattr(Staff, c) for c in STAFF_LIST_COLUMNS)).order_by(
        Staff.staff_id
    )
    if unit is not None:
        prefix = unit[:4] if len(unit) == 6 and unit.endswith("00") else unit
        query = query.where(Staff.unit_code.startswith(prefix, autoescape=True))
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(STAFF_LIST_COLUMNS))


def staff_versions(bind: Bind, staff_id: str) -> pd.DataFrame:
    """Return the earlier states of one person, oldest first."""
    query = (
        select(StaffVersion.valid_to, StaffVersion.import_run_id, StaffVersion.snapshot)
        .where(StaffVersion.staff_id == staff_id)
        .order_by(StaffVersion.id)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=["valid_to", "import_run_id", "snapshot"])


def latest_assignments(bind: Bind, staff: Iterable[str]) -> pd.DataFrame:
    """Return the latest row of every assignment key of these people.

    The key is (staff id, cell, duty, valid_from); the latest row is the one
    with the highest id (:data:`STORED_ASSIGNMENT_COLUMNS`).
    """
    columns = [getattr(Assignment, c) for c in STORED_ASSIGNMENT_COLUMNS]
    rows: list[Any] = []
    with transaction(bind) as connection:
        for part in _in_batches(staff):
            query = select(*columns).where(Assignment.staff_id.in_(part))
            rows += connection.execute(query.order_by(Assignment.id)).all()
    frame = pd.DataFrame(rows, columns=list(STORED_ASSIGNMENT_COLUMNS))
    key = ["staff_id", "cell_code", "duty", "valid_from"]
    return frame.drop_duplicates(key, keep="last").reset_index(drop=True)
