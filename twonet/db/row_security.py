"""Jurisdictions enforced by PostgreSQL: roles, grants, row-level security.

Every account gets a login role of its own (:mod:`twonet.db.pg_roles`), so
a connection's rights are those of the person, whatever SQL it sends:

* one group role per account role, ``<database>_coordinator``,
  ``<database>_manager``, ``<database>_planner``, ``<database>_admin``
  (roles are cluster-wide: the database name keeps two TwoNet databases of
  one cluster apart), holding the table privileges;
* one login role per account, ``<database>.<username>``, member of exactly
  its group, with the account's password (sent to the server as a SCRAM
  verifier computed by libpq, never as text);
* ``cell_scope(role_name, cell_code)``: the cells under each coordinator's
  and manager's jurisdiction, written by the tables' owner only; the
  policies look the row's code up there for ``current_user`` — read once
  per statement into a hash table, probed per row; no walk up the tree,
  nothing the session can ``SET``;
* planners and admins see every row (a policy ``true`` for their groups);
* inspection, violation and complaint records (and their earlier versions
  and match-queue items) are seen where their matched employer is: a
  record not matched to an employer yet only by planners and admins.

Row-level security is enabled (``ENABLE``), not forced (``FORCE``): the
tables' owner (the role that runs migrations, imports and ``twonet users``)
is not bound by it, and neither is a superuser.

Privileges: every group reads ``grid_cell`` and the secured tables;
planners and admins also the import records and earlier versions; managers
insert and update ``assignment``, ``change_set`` and ``cell_version`` and
insert into ``audit_log`` — inside their scope, and with ``actor`` their own
username (``change_set``, ``audit_log``).  Nobody but the owner updates or
deletes the audit log (and its trigger refuses even the owner).  ``app_user``
is granted to nobody.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from grid.errors import AccountError
from twonet.db.pg_roles import (
    execute,
    existing,
    groups,
    identifiers,
    sync_login_role,
)
from twonet.db.record_security import RECORD_TABLES, record_policies

#: Tables with row-level security since migration 0006.
SECURED_TABLES_0006: tuple[str, ...] = (
    "staff",
    "assignment",
    "employer",
    "audit_log",
    "change_set",
    "cell_version",
    "cell_scope",
)
#: Tables with row-level security (the records': :mod:`twonet.db.record_security`).
SECURED_TABLES: tuple[str, ...] = (*SECURED_TABLES_0006, *RECORD_TABLES)
#: Tables every group reads (rows filtered by the policies).
READ_TABLES: tuple[str, ...] = ("grid_cell", *SECURED_TABLES)
#: Tables only planners and admins read besides (no row filter).
WIDE_READ_TABLES: tuple[str, ...] = (
    "import_run",
    "import_reject",
    "employer_version",
    "staff_version",
    "review_item",
)
#: What managers may write, per table.
MANAGER_WRITES: dict[str, tuple[str, ...]] = {
    "assignment": ("INSERT", "UPDATE"),
    "change_set": ("INSERT", "UPDATE"),
    "cell_version": ("INSERT", "UPDATE"),
    "audit_log": ("INSERT",),
}
#: Groups that see every row.
WIDE_ROLES: tuple[str, ...] = ("planner", "admin")

_ME = "CAST(current_user AS text)"
#: My cells: not correlated with the row, so PostgreSQL reads them once per
#: statement into a hash table ("hashed SubPlan") and probes it per row.
_MY_CELLS = f"(SELECT s.cell_code FROM cell_scope s WHERE s.role_name = {_ME})"


def _in_scope(*columns: str) -> str:
    """Return "one of ``columns`` (qualified: ``table.column``) is in my scope"."""
    return " OR ".join(f"{column} IN {_MY_CELLS}" for column in columns)


def _actor_is_me(table: str) -> str:
    """Return "the row's ``actor`` is the connected account's username"."""
    return f"{_ME} = current_database() || '.' || {table}.actor"


_STAFF_READ = (
    f"{_in_scope('staff.unit_code')} OR staff.staff_id IN (SELECT a.staff_id "
    f"FROM assignment a WHERE {_in_scope('a.cell_code')})"
)
_EMPLOYER_READ = _in_scope(
    "employer.city_code",
    "employer.county_code",
    "employer.township_code",
    "employer.village_code",
)
_CHANGE_SET_READ = (
    f"{_actor_is_me('change_set')} OR change_set.id IN (SELECT a.change_set_id "
    f"FROM audit_log a WHERE {_in_scope('a.cell_code')})"
)

#: (table, policy, command, USING, WITH CHECK), for every role (PUBLIC).
SCOPED_POLICIES: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("staff", "twonet_scoped_read", "SELECT", _STAFF_READ, None),
    ("employer", "twonet_scoped_read", "SELECT", _EMPLOYER_READ, None),
    (
        "assignment",
        "twonet_scoped_read",
        "SELECT",
        _in_scope("assignment.cell_code"),
        None,
    ),
    (
        "assignment",
        "twonet_scoped_insert",
        "INSERT",
        None,
        _in_scope("assignment.cell_code"),
    ),
    (
        "assignment",
        "twonet_scoped_update",
        "UPDATE",
        _in_scope("assignment.cell_code"),
        _in_scope("assignment.cell_code"),
    ),
    (
        "cell_version",
        "twonet_scoped_read",
        "SELECT",
        _in_scope("cell_version.cell_code"),
        None,
    ),
    (
        "cell_version",
        "twonet_scoped_insert",
        "INSERT",
        None,
        _in_scope("cell_version.cell_code"),
    ),
    (
        "cell_version",
        "twonet_scoped_update",
        "UPDATE",
        _in_scope("cell_version.cell_code"),
        _in_scope("cell_version.cell_code"),
    ),
    (
        "audit_log",
        "twonet_scoped_read",
        "SELECT",
        _in_scope("audit_log.cell_code"),
        None,
    ),
    (
        "audit_log",
        "twonet_scoped_insert",
        "INSERT",
        None,
        f"({_in_scope('audit_log.cell_code')}) AND {_actor_is_me('audit_log')}",
    ),
    ("change_set", "twonet_scoped_read", "SELECT", _CHANGE_SET_READ, None),
    ("change_set", "twonet_own_insert", "INSERT", None, _actor_is_me("change_set")),
    (
        "change_set",
        "twonet_own_update",
        "UPDATE",
        _actor_is_me("change_set"),
        _actor_is_me("change_set"),
    ),
    ("cell_scope", "twonet_own_read", "SELECT", f"cell_scope.role_name = {_ME}", None),
    *record_policies(_in_scope),
)
#: Tables whose every row planners and admins read (policy ``true``).
CITY_READ_TABLES: tuple[str, ...] = tuple(
    t for t in SECURED_TABLES if t != "cell_scope"
)
CITY_READ_POLICY = "twonet_city_read"


# ---------------------------------------------------------------- helpers
def _tables(connection: Connection, names: Iterable[str]) -> list[str]:
    """Return those of ``names`` that exist (in the search path), in order."""
    present = connection.execute(
        text(
            "SELECT t FROM unnest(CAST(:names AS text[])) t "
            "WHERE to_regclass(t) IS NOT NULL"
        ),
        {"names": list(names)},
    )
    return [str(t) for t in present.scalars()]


# ---------------------------------------------------------------- install
def can_install(connection: Connection) -> bool:
    """Tell whether :func:`install` can run: the groups exist or may be created."""
    names = list(groups(connection).values())
    if len(existing(connection, names)) == len(names):
        return True
    return bool(
        connection.execute(
            text(
                "SELECT rolsuper OR rolcreaterole FROM pg_roles "
                "WHERE rolname = current_user"
            )
        ).scalar_one()
    )


def is_installed(connection: Connection) -> bool:
    """Tell whether the groups and every policy are in place."""
    names = list(groups(connection).values())
    if len(existing(connection, names)) < len(names):
        return False
    found = connection.execute(
        text(
            "SELECT count(*) FROM pg_policies WHERE schemaname = current_schema() "
            "AND policyname LIKE 'twonet!_%' ESCAPE '!'"
        )
    ).scalar_one()
    return int(found) == len(SCOPED_POLICIES) + len(CITY_READ_TABLES)


def install(connection: Connection) -> None:
    """Create the group roles, grant their privileges, create the policies.

    Idempotent: run by migration 0006 and again by ``twonet users add``
    when it finds something missing.  Needs ``CREATEROLE`` for groups that
    do not exist yet, and ownership of the tables.
    """
    from psycopg import sql

    all_groups = groups(connection)
    missing = set(all_groups.values()) - existing(connection, list(all_groups.values()))
    for name in sorted(missing):
        execute(
            connection, sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name))
        )
    everyone = identifiers(all_groups.values())
    wide = identifiers(all_groups[r] for r in WIDE_ROLES)
    manager = sql.Identifier(all_groups["manager"])
    for table in _tables(connection, SECURED_TABLES):
        execute(
            connection,
            sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(
                sql.Identifier(table)
            ),
        )
    read = _tables(connection, READ_TABLES)
    execute(
        connection,
        sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(identifiers(read), everyone),
    )
    wide_read = _tables(connection, WIDE_READ_TABLES)
    if wide_read:
        execute(
            connection,
            sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(
                identifiers(wide_read), wide
            ),
        )
    for table in _tables(connection, MANAGER_WRITES):
        privileges = sql.SQL(", ").join(sql.SQL(p) for p in MANAGER_WRITES[table])
        execute(
            connection,
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                privileges, sql.Identifier(table), manager
            ),
        )
        for sequence in _sequences(connection, table):
            execute(
                connection,
                sql.SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(
                    sql.SQL(sequence), manager
                ),
            )
    _create_policies(connection, wide)


def _sequences(connection: Connection, table: str) -> list[str]:
    """Return the sequences of a table's serial columns (names quoted as needed)."""
    rows = connection.execute(
        text(
            "SELECT s FROM (SELECT pg_get_serial_sequence(:table, a.attname) AS s "
            "FROM pg_attribute a WHERE a.attrelid = CAST(:table AS regclass) "
            "AND a.attnum > 0 AND NOT a.attisdropped) c WHERE s IS NOT NULL"
        ),
        {"table": table},
    )
    return [str(s) for s in rows.scalars()]


def _create_policies(connection: Connection, wide: Any) -> None:
    from psycopg import sql

    present = set(_tables(connection, SECURED_TABLES))
    for table, name, command, using, check in SCOPED_POLICIES:
        if table not in present:
            continue
        _drop_policy(connection, table, name)
        parts = [
            sql.SQL("CREATE POLICY {} ON {} FOR {} TO PUBLIC").format(
                sql.Identifier(name), sql.Identifier(table), sql.SQL(command)
            )
        ]
        if using is not None:
            parts.append(sql.SQL("USING ({})").format(sql.SQL(using)))
        if check is not None:
            parts.append(sql.SQL("WITH CHECK ({})").format(sql.SQL(check)))
        execute(connection, sql.SQL(" ").join(parts))
    for table in CITY_READ_TABLES:
        if table not in present:
            continue
        _drop_policy(connection, table, CITY_READ_POLICY)
        execute(
            connection,
            sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING (true)").format(
                sql.Identifier(CITY_READ_POLICY), sql.Identifier(table), wide
            ),
        )


def _drop_policy(connection: Connection, table: str, name: str) -> None:
    from psycopg import sql

    execute(
        connection,
        sql.SQL("DROP POLICY IF EXISTS {} ON {}").format(
            sql.Identifier(name), sql.Identifier(table)
        ),
    )


def uninstall(connection: Connection) -> None:
    """Drop the policies and revoke the groups' privileges (roles are kept)."""
    from psycopg import sql

    present = set(_tables(connection, SECURED_TABLES))
    for table, name, *_ in SCOPED_POLICIES:
        if table in present:
            _drop_policy(connection, table, name)
    for table in CITY_READ_TABLES:
        if table in present:
            _drop_policy(connection, table, CITY_READ_POLICY)
    names = list(groups(connection).values())
    present_groups = existing(connection, names)
    kept = [g for g in names if g in present_groups]
    tables = _tables(connection, (*READ_TABLES, *WIDE_READ_TABLES))
    if kept and tables:
        execute(
            connection,
            sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(
                identifiers(tables), identifiers(kept)
            ),
        )
        execute(
            connection,
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(
                identifiers(kept)
            ),
        )


def sync_account_role(
    connection: Connection,
    name: str,
    role: str,
    *,
    password: str | None,
    active: bool,
) -> None:
    """Install what is missing (:func:`install`), then sync the login role.

    See :func:`twonet.db.pg_roles.sync_login_role`.

    Raises
    ------
    AccountError
        If the connection may not create roles or grant them, or the role
        is a superuser's or bypasses row-level security.
    """
    from psycopg.errors import InsufficientPrivilege
    from sqlalchemy.exc import DBAPIError

    try:
        if not is_installed(connection):
            install(connection)
        sync_login_role(connection, name, role, password=password, active=active)
    except (InsufficientPrivilege, DBAPIError) as exc:
        cause = getattr(exc, "orig", exc)
        if not isinstance(cause, InsufficientPrivilege):
            raise
        msg = (
            f"无权创建或修改数据库角色“{name}”（需要 CREATEROLE 权限并拥有数据表） / "
            f"may not create or change database role {name!r} (needs CREATEROLE "
            f"and ownership of the tables): {cause}"
        )
        raise AccountError(msg) from exc
