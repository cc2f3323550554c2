"""PostgreSQL roles of TwoNet accounts: names, login roles, clean-up.

Roles are cluster-wide, so every name carries the database's:

* a group role per account role: ``<database>_coordinator``,
  ``<database>_manager``, ``<database>_planner``, ``<database>_admin``
  (created with their grants and policies by
  :func:`twonet.db.row_security.install`);
* a login role per account: ``<database>.<username>``, member of exactly
  its group, with the account's password, sent to the server as a SCRAM
  verifier computed by libpq (never as text).

Statements naming roles are composed with :mod:`psycopg.sql` (identifiers
and literals quoted by the driver) and run on the connection's driver:
utility statements take no bind parameters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from grid.errors import AccountError
from twonet.db.models import APP_ROLES

#: PostgreSQL's longest identifier, in bytes (longer ones are cut silently).
MAX_NAME_BYTES = 63


# ------------------------------------------------------------------ names
def database_name(connection: Connection) -> str:
    """Return the connected database's name (the prefix of its roles)."""
    return str(connection.execute(text("SELECT current_database()")).scalar_one())


def _checked(name: str) -> str:
    if len(name.encode()) > MAX_NAME_BYTES:
        msg = (
            f"PostgreSQL 角色名“{name}”超过 {MAX_NAME_BYTES} 字节，请用更短的用户名 / "
            f"PostgreSQL role name {name!r} is longer than {MAX_NAME_BYTES} bytes; "
            "use a shorter username (or database name)"
        )
        raise AccountError(msg)
    return name


def group_role(database: str, role: str) -> str:
    """Return the group role of an account role in a database.

    Examples
    --------
    >>> group_role("twonet", "coordinator")
    'twonet_coordinator'
    """
    return _checked(f"{database}_{role}")


def login_role(database: str, username: str) -> str:
    """Return the login role of an account in a database.

    Examples
    --------
    >>> login_role("twonet", "wang")
    'twonet.wang'
    """
    return _checked(f"{database}.{username}")


def login_role_name(connection: Connection, username: str) -> str:
    """Return the login role of an account in the connected database."""
    return login_role(database_name(connection), username)


def user_url(url: str, role_name: str, password: str) -> str:
    """Return ``url`` connecting as ``role_name`` with ``password``."""
    parsed = make_url(url).set(username=role_name, password=password)
    return parsed.render_as_string(hide_password=False)


# -------------------------------------------------------------- statements
def execute(connection: Connection, statement: Any) -> None:
    """Run one composed statement (``psycopg.sql``) on the connection's driver.

    Role names and literals are quoted by psycopg; utility statements
    (``CREATE ROLE``, ``GRANT``) take no bind parameters.
    """
    dbapi: Any = connection.connection.driver_connection
    with dbapi.cursor() as cursor:
        cursor.execute(statement)


def identifiers(names: Iterable[str]) -> Any:
    """Return names as a comma-separated list of quoted identifiers."""
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def existing(connection: Connection, names: Sequence[str]) -> set[str]:
    """Return those of ``names`` that are roles of the cluster."""
    rows = connection.execute(
        text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
        {"names": list(names)},
    )
    return {str(r) for r in rows.scalars()}


def groups(connection: Connection) -> dict[str, str]:
    """Return the group role of each account role in the connected database."""
    database = database_name(connection)
    return {role: group_role(database, role) for role in APP_ROLES}


# ------------------------------------------------------------ login roles
def sync_login_role(
    connection: Connection,
    name: str,
    role: str,
    *,
    password: str | None,
    active: bool,
) -> None:
    """Create or update an account's login role: login, password, one group.

    An active account's role may log in and is a member of its role's group
    only; a disabled one may not log in and belongs to no group, which takes
    effect at the next statement of a session already open (privileges and
    ``cell_scope`` are read per statement).  The groups must exist
    (:func:`twonet.db.row_security.sync_account_role` installs them).

    Raises
    ------
    AccountError
        If a role of that name exists and is a superuser or bypasses
        row-level security (it would see everything).
    """
    from psycopg import sql

    found = connection.execute(
        text("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = :name"),
        {"name": name},
    ).scalar_one_or_none()
    if found:
        msg = (
            f"数据库角色“{name}”是超级用户或可绕过行级安全，不能用作账户角色 / "
            f"database role {name!r} is a superuser or bypasses row-level security; "
            "it cannot be an account's role"
        )
        raise AccountError(msg)
    login = sql.SQL("LOGIN" if active else "NOLOGIN")
    verb = "CREATE" if found is None else "ALTER"
    execute(
        connection,
        sql.SQL(verb + " ROLE {} WITH {} INHERIT NOCREATEDB NOCREATEROLE").format(
            sql.Identifier(name), login
        ),
    )
    if password is not None:
        dbapi: Any = connection.connection.driver_connection
        verifier = dbapi.pgconn.encrypt_password(
            password.encode(), name.encode(), b"scram-sha-256"
        )
        execute(
            connection,
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(verifier.decode())
            ),
        )
    all_groups = groups(connection)
    wanted = all_groups[role] if active else None
    member_of = set(
        connection.execute(
            text(
                "SELECT g.rolname FROM pg_auth_members m "
                "JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :name"
            ),
            {"name": name},
        ).scalars()
    )
    for group in all_groups.values():
        if group in member_of and group != wanted:
            execute(
                connection,
                sql.SQL("REVOKE {} FROM {}").format(
                    sql.Identifier(group), sql.Identifier(name)
                ),
            )
    if wanted is not None and wanted not in member_of:
        execute(
            connection,
            sql.SQL("GRANT {} TO {}").format(
                sql.Identifier(wanted), sql.Identifier(name)
            ),
        )


def drop_roles(connection: Connection, database: str) -> list[str]:
    """Drop the group and login roles of a database (after it is dropped).

    For throw-away databases (:mod:`twonet.db.scratch`): roles outlive the
    database they were made for.  Returns the names dropped.
    """
    from psycopg import sql

    names = [group_role(database, role) for role in APP_ROLES]
    logins = connection.execute(
        text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :prefix)"),
        {"prefix": f"{database}."},
    ).scalars()
    names = [*sorted(str(n) for n in logins), *names]
    dropped = sorted(existing(connection, names))
    for name in [n for n in names if n in dropped]:
        execute(connection, sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    return dropped
