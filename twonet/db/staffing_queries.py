"""What the staffing rules read: cells, staff and employer load on a date.

SQLAlchemy Core, the same statements on PostGIS and SpatiaLite.  The
assignments come from :func:`twonet.db.assignment_store.assignments_as_of`.
Functions take an :class:`~sqlalchemy.Engine` or a
:class:`~sqlalchemy.Connection` and work inside a transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, or_, select, union_all

from twonet.db.models import Employer, GridCell, Staff
from twonet.db.repository import Bind, transaction

#: Columns of :func:`cells_on`.
CELL_COLUMNS: tuple[str, ...] = ("code", "name", "level", "parent_code")
#: Columns of :func:`staff_on`.
STAFF_COLUMNS: tuple[str, ...] = ("staff_id", "name", "kind", "unit_code", "active")
#: Columns of :func:`employer_load`.
LOAD_COLUMNS: tuple[str, ...] = ("cell_code", "employers", "workers")


def cells_on(bind: Bind, as_of: dt.date) -> pd.DataFrame:
    """Return every cell valid on ``as_of`` without its geometry, sorted by code."""
    query = (
        select(*(getattr(GridCell, c) for c in CELL_COLUMNS))
        .where(
            GridCell.valid_from <= as_of,
            or_(GridCell.valid_to.is_(None), GridCell.valid_to > as_of),
        )
        .order_by(GridCell.code)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


def active_on(as_of: dt.date) -> Any:
    """Return the SQL condition "the person is active on ``as_of``".

    ``active_from`` is the first day, ``active_to`` the first day no longer
    active (as ``valid_to`` of cells and assignments); either may be null.
    """
    return and_(
        or_(Staff.active_from.is_(None), Staff.active_from <= as_of),
        or_(Staff.active_to.is_(None), Staff.active_to > as_of),
    )


def staff_on(bind: Bind, as_of: dt.date) -> pd.DataFrame:
    """Return every person with ``active`` (bool) on ``as_of``, sorted by id."""
    query = select(
        Staff.staff_id,
        Staff.name,
        Staff.kind,
        Staff.unit_code,
        case((active_on(as_of), True), else_=False).label("active"),
    ).order_by(Staff.staff_id)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(STAFF_COLUMNS))
    frame["active"] = frame["active"].astype(bool)
    return frame


def employer_load(bind: Bind) -> pd.DataFrame:
    """Return the employers and workers placed in each cell, at every level.

    An employer counts in its cell at each of the four levels (its
    ``city_code`` … ``village_code``); workers are ``Employer.staff`` (a
    missing head count adds nothing).  The employer table holds the current
    register, so the load is today's whatever date the rules look at.
    """
    parts = [
        select(
            column.label("cell_code"),
            func.count().label("employers"),
            func.coalesce(func.sum(Employer.staff), 0).label("workers"),
        )
        .where(column.is_not(None))
        .group_by(column)
        for column in (
            Employer.city_code,
            Employer.county_code,
            Employer.township_code,
            Employer.village_code,
        )
    ]
    with transaction(bind) as connection:
        rows = connection.execute(union_all(*parts)).all()
    frame = pd.DataFrame(rows, columns=list(LOAD_COLUMNS))
    frame = frame.groupby("cell_code", as_index=False)[["employers", "workers"]].sum()
    return frame.astype({"employers": "int64", "workers": "int64"})
