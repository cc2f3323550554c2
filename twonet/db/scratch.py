"""Throw-away databases: created, migrated, used, dropped.

The benchmarks (:mod:`twonet.bench`) and the test suite both need fresh
databases of each backend; :func:`scratch_database` is the one place that
makes them.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from twonet.db.engine import describe_url, get_engine, upgrade
from twonet.errors import BackendUnavailableError, UnsupportedDatabaseError

#: Backends :func:`scratch_database` can make.
SCRATCH_BACKENDS: tuple[str, ...] = ("spatialite", "postgis")
#: Files SQLite may leave beside a database file.
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


@contextmanager
def scratch_database(
    backend: str,
    admin_url: str | None = None,
    folder: Path | str | None = None,
    *,
    label: str = "scratch",
) -> Iterator[str]:
    """Create a database, migrate it to the latest schema, yield its URL, drop it.

    Parameters
    ----------
    backend : {"spatialite", "postgis"}
        ``spatialite``: a file ``<label>.sqlite`` in ``folder``;
        ``postgis``: a database ``twonet_<label>_<8 hex digits>`` created
        through ``admin_url``.
    admin_url : str, optional
        URL of a PostgreSQL role allowed to create databases (e.g.
        ``postgresql://postgres@127.0.0.1:5432/postgres``); required for
        ``postgis``, ignored for ``spatialite``.
    folder : path-like, optional
        Folder of the SpatiaLite file; default a temporary folder removed
        afterwards.
    label : str, default "scratch"
        Part of the file or database name (letters, digits, ``_``; anything
        else becomes ``_``).

    Yields
    ------
    str
        SQLAlchemy URL of the migrated, empty database.  Engines made on it
        should be disposed of before the block ends; PostGIS connections
        still open are closed by ``DROP DATABASE … WITH (FORCE)``, and the
        database's roles (``<name>_coordinator`` …, ``<name>.<user>``;
        :mod:`twonet.db.pg_roles`) are dropped after it.

    Raises
    ------
    UnsupportedDatabaseError
        If ``backend`` is not one of :data:`SCRATCH_BACKENDS`.
    BackendUnavailableError
        If PostGIS has no ``admin_url`` or cannot be reached, or SpatiaLite
        cannot be loaded.
    """
    safe = re.sub(r"[^a-z0-9_]", "_", label.lower()) or "scratch"
    with ExitStack() as stack:
        if backend == "spatialite":
            if folder is None:
                folder = stack.enter_context(tempfile.TemporaryDirectory())
            path = Path(folder) / f"{safe}.sqlite"
            stack.callback(_remove_sqlite, path)
            url = f"sqlite:///{path}"
        elif backend == "postgis":
            url = _create_postgis(stack, admin_url, f"twonet_{safe}")
        else:
            msg = (
                f"未知的临时数据库类型 / unknown scratch database backend "
                f"{backend!r}; expected one of {', '.join(SCRATCH_BACKENDS)}"
            )
            raise UnsupportedDatabaseError(msg)
        engine = get_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        yield url


def _create_postgis(stack: ExitStack, admin_url: str | None, prefix: str) -> str:
    """Create a PostGIS database, its drop registered on ``stack``; return its URL."""
    if not admin_url:
        msg = (
            "临时 PostGIS 数据库需要管理员URL / a scratch PostGIS database needs "
            f"an admin URL; got {admin_url!r}"
        )
        raise BackendUnavailableError(msg)
    given = make_url(admin_url)
    parsed = given
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    stack.callback(admin.dispose)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        msg = (
            f"无法创建临时数据库 / cannot create scratch database {name!r} at "
            f"{describe_url(admin_url)}: {exc.orig}"
        )
        raise BackendUnavailableError(msg) from exc
    stack.callback(_drop_postgis, admin, name)
    return given.set(database=name).render_as_string(hide_password=False)


def _drop_postgis(admin: Engine, name: str) -> None:
    """Drop the database, then the roles made for it (roles are cluster-wide)."""
    from twonet.db.pg_roles import drop_roles

    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        drop_roles(connection, name)


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", *_SQLITE_SIDE_FILES):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
