"""Accounts and their jurisdictions in storage: ``app_user`` and ``cell_scope``.

The same SQL on both backends.  A jurisdiction is a cell and every cell
below it by the grid's parent chain: the tree is walked by one recursive
query over each code's latest version (a closed cell stays under the parent
it last had, so its history stays in the jurisdiction), never by code
prefixes.  ``cell_scope`` keeps the result per coordinator and manager,
rewritten when an account or the grid changes (:func:`refresh_cell_scopes`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    insert,
    or_,
    select,
    text,
    update,
)

from twonet.db.models import SCOPED_ROLES, AppUser, GridCell
from twonet.db.repository import Bind, transaction

#: Columns of :func:`users_frame` (never the password hash).
USER_COLUMNS = (
    "username",
    "display_name",
    "role",
    "jurisdiction_code",
    "jurisdiction_name",
    "active",
    "created_at",
)

#: Each code's latest version: its parent now, or when it was closed.
_LATEST = (
    "latest AS (SELECT g.code, g.parent_code FROM grid_cell g WHERE NOT EXISTS "
    "(SELECT 1 FROM grid_cell n WHERE n.code = g.code AND n.valid_from > g.valid_from))"
)

_CELLS_UNDER = text(
    f"WITH RECURSIVE {_LATEST}, "
    "tree(code) AS (SELECT DISTINCT code FROM grid_cell WHERE code = :root "
    "UNION SELECT l.code FROM latest l JOIN tree t ON l.parent_code = t.code) "
    "SELECT code FROM tree"
)

_SCOPED = ", ".join(f"'{role}'" for role in SCOPED_ROLES)


_USERNAMES: Any = bindparam("usernames", expanding=True)


def _refresh_sql(only_some: bool) -> Any:
    which = " AND u.username IN :usernames" if only_some else ""
    statement = text(
        f"WITH RECURSIVE {_LATEST}, tree(role_name, code) AS ("
        "SELECT u.db_role, u.jurisdiction_code FROM app_user u "
        f"WHERE u.active AND u.role IN ({_SCOPED}) AND u.db_role IS NOT NULL "
        f"AND u.jurisdiction_code IS NOT NULL{which} "
        "UNION SELECT t.role_name, l.code FROM tree t "
        "JOIN latest l ON l.parent_code = t.code) "
        "INSERT INTO cell_scope (role_name, cell_code) "
        "SELECT role_name, code FROM tree"
    )
    return statement.bindparams(_USERNAMES) if only_some else statement


_DELETE_SOME = text(
    "DELETE FROM cell_scope WHERE role_name IN "
    "(SELECT db_role FROM app_user WHERE username IN :usernames)"
).bindparams(_USERNAMES)


def _current(as_of: dt.date) -> Any:
    return and_(
        GridCell.valid_from <= as_of,
        or_(GridCell.valid_to.is_(None), GridCell.valid_to > as_of),
    )


# ------------------------------------------------------------------ cells
def current_cell(
    connection: Connection, code: str, *, as_of: dt.date | None = None
) -> dict[str, Any] | None:
    """Return ``code``, ``name`` and ``level`` of a cell valid on ``as_of``."""
    row = connection.execute(
        select(GridCell.code, GridCell.name, GridCell.level).where(
            GridCell.code == code, _current(as_of or dt.date.today())
        )
    ).first()
    return None if row is None else dict(row._mapping)


def current_cities(
    connection: Connection, *, as_of: dt.date | None = None
) -> list[str]:
    """Return the codes of the city cells valid on ``as_of``, sorted."""
    rows = connection.execute(
        select(GridCell.code)
        .where(GridCell.level == "city", _current(as_of or dt.date.today()))
        .order_by(GridCell.code)
    )
    return [str(code) for code in rows.scalars()]


def cells_under(bind: Bind, root: str) -> frozenset[str]:
    """Return ``root`` and every cell below it by the parent chain.

    Empty when ``root`` is no cell at all.
    """
    with transaction(bind) as connection:
        rows = connection.execute(_CELLS_UNDER, {"root": root}).scalars()
        return frozenset(str(code) for code in rows)


def refresh_cell_scopes(
    connection: Connection, *, usernames: Iterable[str] | None = None
) -> None:
    """Rewrite ``cell_scope`` for some accounts (default: all of them).

    Active coordinators and managers get their jurisdiction's cells;
    planners, admins and disabled accounts get none.  Call it in the
    transaction that changes an account or the grid.
    """
    if usernames is None:
        connection.execute(text("DELETE FROM cell_scope"))
        connection.execute(_refresh_sql(False))
        return
    names = sorted(set(usernames))
    if names:
        connection.execute(_DELETE_SOME, {"usernames": names})
        connection.execute(_refresh_sql(True), {"usernames": names})


# ------------------------------------------------------------------ users
def find_user(connection: Connection, username: str) -> dict[str, Any] | None:
    """Return an account's row (password hash included), or ``None``."""
    row = connection.execute(
        select(AppUser.__table__).where(AppUser.username == username)
    ).first()
    return None if row is None else dict(row._mapping)


def insert_user(connection: Connection, values: Mapping[str, Any]) -> None:
    """Add an account row."""
    connection.execute(insert(AppUser).values(**values))


def update_user(connection: Connection, username: str, **values: Any) -> None:
    """Change columns of an account row."""
    connection.execute(
        update(AppUser).where(AppUser.username == username).values(**values)
    )


def users_frame(bind: Bind, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """Return every account (:data:`USER_COLUMNS`), by username; no hashes."""
    cell = (
        select(GridCell.code, GridCell.name)
        .where(_current(as_of or dt.date.today()))
        .subquery()
    )
    query = (
        select(
            AppUser.username,
            AppUser.display_name,
            AppUser.role,
            AppUser.jurisdiction_code,
            cell.c.name.label("jurisdiction_name"),
            AppUser.active,
            AppUser.created_at,
        )
        .outerjoin(cell, cell.c.code == AppUser.jurisdiction_code)
        .order_by(AppUser.username)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(USER_COLUMNS))
    frame["active"] = frame["active"].astype(bool)
    return frame
