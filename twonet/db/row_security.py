"""Jurisdictions enforced by PostgreSQL: roles, grants, row-level security.

Every account gets a login role of its own, so a connection's rights are
those of the person, whatever SQL it sends:

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
* planners and admins see every row (a policy ``true`` for their groups).

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

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url

from grid.errors import AccountError
from twonet.db.models import APP_ROLES

#: Tables with row-level security.
SECURED_TABLES: tuple[str, ...] = (
    "staff",
    "assignment",
    "employer",
    "audit_log",
    "change_set",
    "cell_version",
    "cell_scope",
)
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
#: PostgreSQL's longest identifier, in bytes (longer ones are cut silently).
MAX_NAME_BYTES = 63

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
)
#: Tables whose every row planners and admins read (policy ``true``).
CITY_READ_TABLES: tuple[str, ...] = tuple(
    t for t in SECURED_TABLES if t != "cell_scope"
)
CITY_READ_POLICY = "twonet_city_read"


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
def _execute(connection: Connection, statement: Any) -> None:
    """Run one composed statement (``psycopg.sql``) on the connection's driver.

    Role names and literals are quoted by psycopg; utility statements
    (``CREATE ROLE``, ``GRANT``) take no bind parameters.
    """
    dbapi: Any = connection.connection.driver_connection
    with dbapi.cursor() as cursor:
        cursor.execute(statement)


def _identifiers(names: Iterable[str]) -> Any:
    from psycopg import sql

    return sql.SQL(", ").join(sql.Identifier(n) for n in names)


def _existing(connection: Connection, names: Sequence[str]) -> set[str]:
    rows = connection.execute(
        text("SELECT rolname FROM pg_roles WHERE rolname = ANY(:names)"),
        {"names": list(names)},
    )
    return {str(r) for r in rows.scalars()}


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


def _groups(connection: Connection) -> dict[str, str]:
    database = database_name(connection)
    return {role: group_role(database, role) for role in APP_ROLES}


# ---------------------------------------------------------------- install
def can_install(connection: Connection) -> bool:
    """Tell whether :func:`install` can run: the groups exist or may be created."""
    if len(_existing(connection, list(_groups(connection).values()))) == len(APP_ROLES):
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
    groups = list(_groups(connection).values())
    if len(_existing(connection, groups)) < len(groups):
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

    groups = _groups(connection)
    missing = set(groups.values()) - _existing(connection, list(groups.values()))
    for name in sorted(missing):
        _execute(
            connection, sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(name))
        )
    everyone = _identifiers(groups.values())
    wide = _identifiers(groups[r] for r in WIDE_ROLES)
    manager = sql.Identifier(groups["manager"])
    for table in _tables(connection, SECURED_TABLES):
        _execute(
            connection,
            sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(
                sql.Identifier(table)
            ),
        )
    read = _tables(connection, READ_TABLES)
    _execute(
        connection,
        sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(_identifiers(read), everyone),
    )
    wide_read = _tables(connection, WIDE_READ_TABLES)
    if wide_read:
        _execute(
            connection,
            sql.SQL("GRANT SELECT ON TABLE {} TO {}").format(
                _identifiers(wide_read), wide
            ),
        )
    for table in _tables(connection, MANAGER_WRITES):
        privileges = sql.SQL(", ").join(sql.SQL(p) for p in MANAGER_WRITES[table])
        _execute(
            connection,
            sql.SQL("GRANT {} ON TABLE {} TO {}").format(
                privileges, sql.Identifier(table), manager
            ),
        )
        for sequence in _sequences(connection, table):
            _execute(
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
        _execute(connection, sql.SQL(" ").join(parts))
    for table in CITY_READ_TABLES:
        if table not in present:
            continue
        _drop_policy(connection, table, CITY_READ_POLICY)
        _execute(
            connection,
            sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING (true)").format(
                sql.Identifier(CITY_READ_POLICY), sql.Identifier(table), wide
            ),
        )


def _drop_policy(connection: Connection, table: str, name: str) -> None:
    from psycopg import sql

    _execute(
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
    groups = list(_groups(connection).values())
    existing = [g for g in groups if g in _existing(connection, groups)]
    tables = _tables(connection, (*READ_TABLES, *WIDE_READ_TABLES))
    if existing and tables:
        _execute(
            connection,
            sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(
                _identifiers(tables), _identifiers(existing)
            ),
        )
        _execute(
            connection,
            sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(
                _identifiers(existing)
            ),
        )


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
    ``cell_scope`` are read per statement).  Installs the groups and
    policies first if they are missing.

    Raises
    ------
    AccountError
        If a role of that name exists and is a superuser or bypasses
        row-level security (it would see everything).
    """
    from psycopg import sql

    if not is_installed(connection):
        install(connection)
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
    _execute(
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
        _execute(
            connection,
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(verifier.decode())
            ),
        )
    groups = _groups(connection)
    wanted = groups[role] if active else None
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
    for group in groups.values():
        if group in member_of and group != wanted:
            _execute(
                connection,
                sql.SQL("REVOKE {} FROM {}").format(
                    sql.Identifier(group), sql.Identifier(name)
                ),
            )
    if wanted is not None and wanted not in member_of:
        _execute(
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
    dropped = sorted(_existing(connection, names))
    for name in [n for n in names if n in dropped]:
        _execute(connection, sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
    return dropped
