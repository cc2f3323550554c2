"""Accounts: add, log in, change role, disable, list; a user's own connection.

Passwords are hashed with Argon2id (``argon2-cffi``, RFC 9106 parameters);
a hash made with older parameters is replaced at the next login.  A
jurisdiction is a current grid cell and everything below it by the parent
chain (:mod:`twonet.db.user_store`); planners and admins default to the city.

On PostGIS every account also gets a login role of its own, with the same
password, and the database limits that role's connection to its
jurisdiction (:mod:`twonet.db.row_security`); the app connects as the user
through :func:`engine_for_user`.  On SpatiaLite the application enforces the
jurisdiction (:mod:`twonet.permissions`).

Every function takes an Engine or a Connection (a savepoint inside the
caller's transaction); ``add_user`` and ``set_role`` on PostGIS need a
connection allowed to create roles (``CREATEROLE``) and owning the tables.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine

from grid.codes import normalise_code
from twonet.db import user_store
from twonet.db.backends import backend_for
from twonet.db.repository import Bind, transaction
from twonet.errors import AccountError, AuthenticationError
from twonet.permissions import Role, User

#: The shortest password accepted.
PASSWORD_MIN_LENGTH = 8
#: Usernames: a lowercase letter, then 1–31 lowercase letters, digits, ``_ . -``
#: (they name PostgreSQL roles and appear in URLs and logs).
USERNAME_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{1,31}")

_HASHER = PasswordHasher()  # Argon2id, RFC 9106 low-memory profile
_LOGIN_REFUSED = "用户名或密码错误 / unknown username or wrong password"


# ------------------------------------------------------------- passwords
def hash_password(password: str) -> str:
    """Return the Argon2id hash of a password (salted: differs every call)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether ``password`` matches ``password_hash`` (never raises)."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a hash was made with other parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _HASHER.hash("not anybody's password")


def check_password(password: str) -> None:
    """Refuse a password shorter than :data:`PASSWORD_MIN_LENGTH` characters.

    Raises
    ------
    AccountError
        Saying how long it was (never the password).
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        msg = (
            f"密码至少需要 {PASSWORD_MIN_LENGTH} 个字符"
            f"（给出的只有 {len(password)} 个） / "
            f"a password needs at least {PASSWORD_MIN_LENGTH} characters "
            f"(this one has {len(password)})"
        )
        raise AccountError(msg)


def check_username(username: str) -> str:
    """Return a valid username or refuse it.

    Raises
    ------
    AccountError
        If it does not match :data:`USERNAME_PATTERN`.
    """
    if not USERNAME_PATTERN.fullmatch(username):
        msg = (
            f"用户名“{username}”无效：须以小写字母开头，由 2–32 个小写字母、数字、"
            f"“_ . -”组成 / invalid username {username!r}: 2–32 lowercase letters, "
            "digits, '_', '.' or '-', starting with a letter"
        )
        raise AccountError(msg)
    return username


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        msg = (
            f"未知角色“{role}”，应为 {', '.join(r.value for r in Role)} 之一 / "
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        )
        raise AccountError(msg) from None


def _jurisdiction(
    connection: Connection, role: Role, code: str | None, username: str
) -> str:
    """Return the checked jurisdiction: a current cell (planners: the city)."""
    if code is None:
        if role in (Role.COORDINATOR, Role.MANAGER):
            msg = (
                f"{role.label} “{username}”需要辖区（--jurisdiction 网格编码） / "
                f"a {role.value} ({username!r}) needs a jurisdiction "
                "(--jurisdiction CELL_CODE)"
            )
            raise AccountError(msg)
        cities = user_store.current_cities(connection)
        if len(cities) != 1:
            msg = (
                f"无法确定默认辖区：现有 {len(cities)} 个市级网格 {cities}，请给出 "
                f"--jurisdiction / cannot default the jurisdiction to the city: the "
                f"grid has {len(cities)} current city cells {cities}; pass "
                "--jurisdiction"
            )
            raise AccountError(msg)
        return cities[0]
    code = normalise_code(code)
    if user_store.current_cell(connection, code) is None:
        msg = (
            f"辖区“{code}”不是现行网格 / jurisdiction {code!r} is not a current "
            "grid cell"
        )
        raise AccountError(msg)
    return code


def _user(bind: Bind, row: dict[str, Any]) -> User:
    code = row["jurisdiction_code"]
    return User(
        username=row["username"],
        role=Role(row["role"]),
        jurisdiction_code=code,
        scope=user_store.cells_under(bind, code) if code else frozenset(),
        display_name=row["display_name"],
        db_role=row["db_role"],
    )


def _unknown(username: str) -> AccountError:
    msg = f"没有用户“{username}” / no user {username!r}"
    return AccountError(msg)


# --------------------------------------------------------------- accounts
def add_user(
    bind: Bind,
    username: str,
    password: str,
    role: Role | str,
    jurisdiction: str | None = None,
    display_name: str | None = None,
) -> User:
    """Add an account; on PostGIS also its login role and cell scope.

    Parameters
    ----------
    bind : Engine or Connection
    username : str
        :data:`USERNAME_PATTERN`.
    password : str
        At least :data:`PASSWORD_MIN_LENGTH` characters.
    role : Role or str
        ``coordinator``, ``manager``, ``planner`` or ``admin``.
    jurisdiction : str, optional
        A current cell code; required for coordinators and managers,
        default the city for planners and admins.
    display_name : str, optional

    Returns
    -------
    User
        The new user, jurisdiction resolved.

    Raises
    ------
    AccountError
        For a taken or invalid username, a short password, an unknown role
        or a jurisdiction that is no current cell.
    """
    username = check_username(username)
    check_password(password)
    chosen = _role(role)
    with transaction(bind) as connection:
        if user_store.find_user(connection, username) is not None:
            msg = f"用户“{username}”已存在 / user {username!r} already exists"
            raise AccountError(msg)
        code = _jurisdiction(connection, chosen, jurisdiction, username)
        backend = backend_for(connection)
        db_role = backend.login_role_name(connection, username)
        backend.sync_login_role(
            connection, db_role, chosen.value, password=password, active=True
        )
        user_store.insert_user(
            connection,
            {
                "username": username,
                "display_name": display_name,
                "password_hash": hash_password(password),
                "role": chosen.value,
                "jurisdiction_code": code,
                "active": True,
                "created_at": dt.datetime.now().replace(microsecond=0),
                "db_role": db_role,
            },
        )
        user_store.refresh_cell_scopes(connection, usernames=[username])
        return _user(connection, user_store.find_user(connection, username) or {})


def authenticate(bind: Bind, username: str, password: str) -> User:
    """Check a login; return the user with their jurisdiction resolved.

    An unknown user and a wrong password get the same message (and take
    about the same time); a disabled account is named only after the right
    password.  A hash made with older parameters is replaced.

    Raises
    ------
    AuthenticationError
        ``用户名或密码错误 / unknown username or wrong password``, or
        ``账户已停用 / account is disabled``.
    """
    with transaction(bind) as connection:
        row = user_store.find_user(connection, username)
        if row is None:
            verify_password(_dummy_hash(), password)
            raise AuthenticationError(_LOGIN_REFUSED)
        if not verify_password(row["password_hash"], password):
            raise AuthenticationError(_LOGIN_REFUSED)
        if not row["active"]:
            msg = (
                f"账户“{username}”已停用，请联系管理员 / account {username!r} is "
                "disabled; ask an administrator"
            )
            raise AuthenticationError(msg)
        if needs_rehash(row["password_hash"]):
            user_store.update_user(
                connection, username, password_hash=hash_password(password)
            )
        return _user(connection, row)


def set_role(
    bind: Bind, username: str, role: Role | str, jurisdiction: str | None = None
) -> User:
    """Change an account's role and jurisdiction.

    Without ``jurisdiction`` a coordinator or manager keeps the current one
    and a planner or admin gets the city.

    Raises
    ------
    AccountError
        For an unknown user or role, or a jurisdiction that is no current
        cell (or is missing for a coordinator or manager).
    """
    chosen = _role(role)
    with transaction(bind) as connection:
        row = user_store.find_user(connection, username)
        if row is None:
            raise _unknown(username)
        if jurisdiction is None and chosen in (Role.COORDINATOR, Role.MANAGER):
            jurisdiction = row["jurisdiction_code"]
        code = _jurisdiction(connection, chosen, jurisdiction, username)
        backend = backend_for(connection)
        db_role = row["db_role"] or backend.login_role_name(connection, username)
        backend.sync_login_role(
            connection, db_role, chosen.value, password=None, active=row["active"]
        )
        user_store.update_user(
            connection,
            username,
            role=chosen.value,
            jurisdiction_code=code,
            db_role=db_role,
        )
        user_store.refresh_cell_scopes(connection, usernames=[username])
        return _user(connection, user_store.find_user(connection, username) or {})


def disable(bind: Bind, username: str) -> None:
    """Disable an account: no login; on PostGIS its role loses every right.

    A session of that role already open loses its rights at its next
    statement.  The account row is kept (it names the actor of past
    changes).

    Raises
    ------
    AccountError
        For an unknown user.
    """
    with transaction(bind) as connection:
        row = user_store.find_user(connection, username)
        if row is None:
            raise _unknown(username)
        backend = backend_for(connection)
        db_role = row["db_role"] or backend.login_role_name(connection, username)
        backend.sync_login_role(
            connection, db_role, row["role"], password=None, active=False
        )
        user_store.update_user(connection, username, active=False, db_role=db_role)
        user_store.refresh_cell_scopes(connection, usernames=[username])


def list_users(bind: Bind) -> pd.DataFrame:
    """Return every account (:data:`twonet.db.user_store.USER_COLUMNS`); no hashes."""
    return user_store.users_frame(bind)


def refresh_jurisdictions(bind: Bind) -> None:
    """Recompute every account's cells after the grid changed.

    :func:`twonet.db.repository.save_cells` calls it in its own
    transaction; call it after changing ``grid_cell`` any other way.
    """
    with transaction(bind) as connection:
        user_store.refresh_cell_scopes(connection)


def engine_for_user(url: str, user: User, password: str) -> Engine:
    """Return an engine that connects as ``user`` (dispose of it at logout).

    On PostGIS the connection is the user's login role: the database shows
    and lets it change only their jurisdiction's rows.  On SpatiaLite it is
    an ordinary engine on ``url``: filter with :mod:`twonet.permissions`.
    """
    from twonet.db.engine import get_engine

    backend = backend_for(url)
    role_name = user.db_role or user.username
    return get_engine(backend.user_url(url, role_name, password))
