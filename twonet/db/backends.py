"""Spatial backends behind one lookup: PostGIS and SpatiaLite.

Everything that differs between the two databases lives here, in one
:class:`SpatialBackend` per dialect, found with :func:`backend_for`.  Calling
code never asks "is this PostGIS?".

SpatiaLite note
---------------
CPython builds without ``--enable-loadable-sqlite-extensions`` (pyenv's
default, and the Python on our CI machines) have no
``sqlite3.Connection.enable_load_extension``.  We therefore drive SQLite
through ``pysqlite3`` (PyPI ``pysqlite3-binary``, which can load extensions)
when it is installed, and fall back to the standard library only where it can
load extensions.  ``mod_spatialite`` comes from the system package
``libsqlite3-mod-spatialite``.

``mod_spatialite`` is loaded with ``RTLD_GLOBAL`` and drags the system PROJ,
GEOS and SQLite into the global symbol table; libraries loaded after it
(pyogrio's and pyproj's bundled copies) would then bind to the wrong symbols
and crash at exit.  This module therefore imports pyogrio and pyproj first.
"""

from __future__ import annotations

import importlib
import io
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pandas as pd
import pyogrio  # noqa: F401  -- must be loaded before mod_spatialite (see above)
import pyproj  # noqa: F401  -- same
from geoalchemy2.admin.dialects.sqlite import init_spatialite
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from twonet.db import pg_roles, row_security
from twonet.db.locks import postgres_import_lock, sqlite_import_lock
from twonet.errors import BackendUnavailableError, UnsupportedDatabaseError

#: Where ``mod_spatialite`` is looked for, first match wins.
SPATIALITE_CANDIDATES: tuple[str, ...] = (
    os.environ.get("SPATIALITE_LIBRARY_PATH", ""),
    "mod_spatialite",
    "/usr/lib/x86_64-linux-gnu/mod_spatialite.so",
    "/usr/lib/aarch64-linux-gnu/mod_spatialite.so",
    "/usr/local/lib/mod_spatialite.so",
    "/opt/homebrew/lib/mod_spatialite.dylib",
)


@dataclass(frozen=True)
class BulkPayload:
    """Rows encoded for one bulk write: the statement and its data."""

    sql: str
    data: Any


@dataclass(frozen=True)
class SpatialBackend:
    """What TwoNet needs to know about one spatial database.

    Attributes
    ----------
    name : str
        Human name shown in messages and test ids.
    dialect : str
        SQLAlchemy dialect name (``postgresql``, ``sqlite``).
    make_engine : callable
        ``(url, **kwargs) -> Engine`` with the spatial extension ready.
    prepare : callable
        ``(connection) -> None`` run before migrations (create extension ...).
    system_packages : tuple of str
        Debian packages that provide the backend, for error messages.
    bulk_encode : callable
        ``(table, frame, points=None) -> BulkPayload``: turn a DataFrame's
        rows into what :attr:`bulk_send` sends (pure, no connection: it can
        run in another thread while the database takes the previous batch).
        ``points`` maps a geometry column to the frame's ``(lon, lat)``
        columns: a WGS-84 point is written where both are numbers, ``NULL``
        elsewhere.
    bulk_send : callable
        ``(connection, payload) -> None``: append encoded rows as fast as the
        database allows (``COPY`` on PostgreSQL).
    deferred_indexes : callable
        ``(connection, table) -> context manager``: drops the table's
        secondary indexes, unique and foreign-key constraints and primary
        key (PostgreSQL; SQLite checks a foreign key cheaply) and rebuilds
        them, exactly as
        they were, on leaving the block (for loading many rows into a table in
        one transaction: building an index once beats updating it per row).
    point_sql : callable
        ``(lon_column, lat_column) -> str``: SQL for a WGS-84 point.
    json_object_function : str
        SQL function building a JSON object from key/value pairs.
    import_lock : callable
        ``(engine, kind) -> context manager`` held for one import of a kind
        (:mod:`twonet.db.locks`).
    enforces_jurisdiction : bool
        Whether the database itself limits a user's connection to the rows
        of their jurisdiction (row-level security,
        :mod:`twonet.db.row_security`); where not, the application does.
    login_role_name : callable
        ``(connection, username) -> str``: the account's database role, the
        key of its ``cell_scope`` rows (on SQLite the username).
    sync_login_role : callable
        ``(connection, name, role, *, password, active) -> None``: create or
        update the account's login role (nothing on SQLite).
    user_url : callable
        ``(url, role_name, password) -> str``: the URL a user's own
        connection takes (on SQLite ``url`` itself).
    """

    name: str
    dialect: str
    make_engine: Callable[..., Engine]
    prepare: Callable[[Connection], None]
    system_packages: tuple[str, ...]
    bulk_encode: Callable[..., BulkPayload]
    bulk_send: Callable[[Connection, BulkPayload], None]
    deferred_indexes: Callable[[Connection, str], AbstractContextManager[None]]
    point_sql: Callable[[str, str], str]
    json_object_function: str
    import_lock: Callable[[Engine, str], AbstractContextManager[None]]
    enforces_jurisdiction: bool
    login_role_name: Callable[[Connection, str], str]
    sync_login_role: Callable[..., None]
    user_url: Callable[[str, str, str], str]

    def bulk_load(
        self,
        connection: Connection,
        table: str,
        frame: pd.DataFrame,
        points: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        """Append a DataFrame's rows to a table (encode, then send)."""
        self.bulk_send(connection, self.bulk_encode(table, frame, points))


# --------------------------------------------------------------------- PostGIS
def _postgis_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, **kwargs)


def _postgis_prepare(connection: Connection) -> None:
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def _postgis_bulk_encode(
    table: str,
    frame: pd.DataFrame,
    points: Mapping[str, tuple[str, str]] | None = None,
) -> BulkPayload:
    """Encode rows for ``COPY ... FROM STDIN``.

    Into a table of the model (``employer``, ``review_item`` ...), rows go
    in PostgreSQL's binary format, encoded from Arrow by ``pgpq``: the
    server then parses no text, which halves the time ``COPY`` takes, and
    points travel as EWKB packed by numpy.  Values are cast to the
    columns' types first (``int4`` columns get 32-bit integers ...).  Into
    other tables (temporary staging tables) rows go as CSV written by
    Arrow, which writes nulls as unquoted empty fields and empty strings as
    ``""``, as PostgreSQL's CSV format tells them apart.
    """
    import pyarrow as pa

    schema = _arrow_schema(table, [*frame.columns, *(points or {})])
    if schema is None:
        return _postgis_csv_payload(table, frame, points)
    from pgpq import ArrowToPostgresBinaryEncoder

    arrays = [
        pa.Array.from_pandas(frame[field.name], type=field.type)
        for field in schema
        if field.name in frame.columns
    ]
    names = [name for name in schema.names if name in frame.columns]
    for column, (lon, lat) in (points or {}).items():
        arrays.append(_ewkb_points(frame[lon], frame[lat]))
        names.append(column)
    data = pa.Table.from_arrays(arrays, names=names)
    encoder = ArrowToPostgresBinaryEncoder(data.schema)
    parts = [encoder.write_header()]
    parts += [encoder.write_batch(batch) for batch in data.to_batches()]
    parts.append(encoder.finish())
    columns = ", ".join(f'"{c}"' for c in names)
    return BulkPayload(
        f"COPY {table} ({columns}) FROM STDIN (FORMAT binary)", b"".join(parts)
    )


def _arrow_schema(table: str, columns: Sequence[str]) -> Any:
    """Arrow types of a model table's columns, or ``None`` where one is unknown.

    The types are those of the values PostgreSQL's binary ``COPY`` expects:
    the server reads exactly as many bytes as the column's type has.
    """
    import pyarrow as pa
    import sqlalchemy as sa
    from geoalchemy2 import Geometry

    from twonet.db.models import Base

    model = Base.metadata.tables.get(table)
    if model is None:
        return None
    kinds: list[tuple[type, Any]] = [
        (Geometry, pa.binary()),  # EWKB, read by geometry_recv
        (sa.BigInteger, pa.int64()),
        (sa.SmallInteger, pa.int16()),
        (sa.Integer, pa.int32()),
        (sa.Float, pa.float64()),
        (sa.Boolean, pa.bool_()),
        (sa.DateTime, pa.timestamp("us")),
        (sa.Date, pa.date32()),
        (sa.JSON, pa.string()),  # JSON text (not JSONB: that has a version byte)
        (sa.String, pa.string()),  # Text, VARCHAR
    ]
    fields = []
    for name in columns:
        column = model.columns.get(name)
        if column is None:
            return None
        kind = next((k for base, k in kinds if isinstance(column.type, base)), None)
        if kind is None or getattr(column.type, "timezone", False):
            return None
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def _postgis_csv_payload(
    table: str,
    frame: pd.DataFrame,
    points: Mapping[str, tuple[str, str]] | None,
) -> BulkPayload:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    data = pa.Table.from_pandas(frame, preserve_index=False)
    for column, (lon, lat) in (points or {}).items():
        ewkb = _ewkb_points(frame[lon], frame[lat]).to_pylist()
        hex_ewkb = [None if p is None else p.hex() for p in ewkb]
        data = data.append_column(column, pa.array(hex_ewkb, pa.string()))
    columns = ", ".join(f'"{c}"' for c in data.column_names)
    buffer = io.BytesIO()
    pa_csv.write_csv(data, buffer, pa_csv.WriteOptions(include_header=False))
    return BulkPayload(
        f"COPY {table} ({columns}) FROM STDIN (FORMAT csv)", buffer.getvalue()
    )


def _postgis_bulk_send(connection: Connection, payload: BulkPayload) -> None:
    """Send encoded rows with ``COPY`` (not INSERTs)."""
    dbapi: Any = connection.connection.driver_connection
    with dbapi.cursor() as cursor, cursor.copy(payload.sql) as copy:
        copy.write(payload.data)


#: One little-endian EWKB point with an SRID: byte order, type, SRID, x, y.
_EWKB_POINT = [
    ("order", "u1"),
    ("type", "<u4"),
    ("srid", "<u4"),
    ("x", "<f8"),
    ("y", "<f8"),
]
_EWKB_POINT_WITH_SRID = 0x20000001


def _ewkb_points(lon: pd.Series, lat: pd.Series) -> Any:
    """Return WGS-84 points as an Arrow array of EWKB (null without both numbers).

    Packed with numpy (25 bytes per point), as PostGIS writes them itself:
    ``ST_AsEWKB(ST_SetSRID(ST_MakePoint(x, y), 4326))``.

    Examples
    --------
    >>> points = _ewkb_points(pd.Series([120.5, None]), pd.Series([36.0, 1.0]))
    >>> [None if p is None else p.hex().upper() for p in points.to_pylist()]
    ['0101000020E61000000000000000205E400000000000004240', None]
    """
    import numpy as np
    import pyarrow as pa

    x = pd.to_numeric(lon, errors="coerce").to_numpy(float)
    y = pd.to_numeric(lat, errors="coerce").to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    packed = np.zeros(len(x), dtype=np.dtype(_EWKB_POINT, align=False))
    packed["order"] = 1
    packed["type"] = _EWKB_POINT_WITH_SRID
    packed["srid"] = 4326
    packed["x"], packed["y"] = np.where(ok, x, 0.0), np.where(ok, y, 0.0)
    validity = pa.py_buffer(np.packbits(ok, bitorder="little").tobytes())
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(packed.dtype.itemsize),
        len(x),
        [validity, pa.py_buffer(packed.tobytes())],
        null_count=int((~ok).sum()),
    )
    return fixed.cast(pa.binary())


@contextmanager
def _postgis_deferred_indexes(connection: Connection, table: str) -> Iterator[None]:
    """Drop secondary indexes and the constraints with indexes; rebuild on exit.

    Unique and foreign-key constraints go, and the primary key too when no
    foreign key points at it.  A foreign key checked once for the whole
    table when it is added back costs a second per million rows; checked row
    by row during ``COPY`` it costs several.  The primary key's index is
    built in a fraction of what keeping it up row by row costs.
    """
    constraints = connection.execute(
        text(
            "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = CAST(:table AS regclass) AND (c.contype IN "
            "('u', 'f') OR c.contype = 'p' AND NOT EXISTS (SELECT 1 FROM "
            "pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)) "
            # dropped foreign (f) first, primary (p), unique (u); added reversed
            "ORDER BY c.contype, c.conname"
        ),
        {"table": table},
    ).all()
    indexes = connection.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:table AS regclass) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conindid = x.indexrelid)"
        ),
        {"table": table},
    ).all()
    for name, _ in constraints:
        connection.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    yield
    connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
    for name, definition in reversed(constraints):  # keys before foreign keys
        connection.execute(
            text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        )
    for _, definition in indexes:
        connection.execute(text(definition))


def _postgis_point(lon: str, lat: str) -> str:
    return f"ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)"


# ------------------------------------------------------------------ SpatiaLite
def _sqlite_dbapi() -> ModuleType:
    """Return a DB-API sqlite module able to load extensions."""
    try:
        return importlib.import_module("pysqlite3.dbapi2")
    except ImportError:
        import sqlite3

        if hasattr(sqlite3.Connection, "enable_load_extension"):
            return sqlite3
    msg = (
        "this Python's sqlite3 cannot load extensions and pysqlite3 is not "
        "installed; install 'pysqlite3-binary' (Linux) or use a Python built "
        "with --enable-loadable-sqlite-extensions"
    )
    raise BackendUnavailableError(msg)


def _load_spatialite(dbapi_connection: Any) -> None:
    dbapi_connection.enable_load_extension(True)
    errors = []
    try:
        for candidate in filter(None, SPATIALITE_CANDIDATES):
            try:
                dbapi_connection.load_extension(candidate)
                return
            except Exception as exc:
                errors.append(f"{candidate}: {exc}")
    finally:
        dbapi_connection.enable_load_extension(False)
    msg = (
        "cannot load SpatiaLite (mod_spatialite); install the system package "
        "'libsqlite3-mod-spatialite' or set SPATIALITE_LIBRARY_PATH. Tried: "
        + "; ".join(errors)
    )
    raise BackendUnavailableError(msg)


def _spatialite_engine(url: str, **kwargs: Any) -> Engine:
    dbapi = _sqlite_dbapi()
    engine = create_engine(url, module=dbapi, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN so that savepoints and
        # transactional DDL work (SQLAlchemy's documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        _load_spatialite(dbapi_connection)
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        init_spatialite(dbapi_connection, transaction=True, init_mode="WGS84")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


def _spatialite_prepare(connection: Connection) -> None:
    """SpatiaLite metadata is initialised on connect; nothing more to do."""


def _spatialite_bulk_encode(
    table: str,
    frame: pd.DataFrame,
    points: Mapping[str, tuple[str, str]] | None = None,
) -> BulkPayload:
    """Encode rows for one prepared ``executemany`` (SQLite has no COPY).

    Points are made in SQL by ``MakePoint`` from the row's own lon/lat.
    """
    names = list(frame.columns)
    marks = ["?"] * len(names)
    for column, (lon, lat) in (points or {}).items():
        names.append(column)
        marks.append(
            f"CASE WHEN ?{names.index(lon) + 1} IS NULL "
            f"OR ?{names.index(lat) + 1} IS NULL THEN NULL "
            f"ELSE MakePoint(?{names.index(lon) + 1}, ?{names.index(lat) + 1}, "
            "4326) END"
        )
    marks = [f"?{k + 1}" if mark == "?" else mark for k, mark in enumerate(marks)]
    columns = ", ".join(f'"{c}"' for c in names)
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            # SQLite stores timestamps as ISO text, as SQLAlchemy reads them
            frame[column] = frame[column].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    return BulkPayload(
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(marks)})",
        _python_rows(frame),
    )


#: Rows turned into Python tuples at a time by :func:`_python_rows`.
PYTHON_ROWS_AT_ONCE = 10_000


def _python_rows(frame: pd.DataFrame) -> Iterator[tuple[object, ...]]:
    """Yield a frame's rows as tuples (``None`` for missing), a slice at a time.

    ``executemany`` takes an iterator, so only one slice of Python objects
    exists at once: a whole chunk of them would take several hundred MB.
    """
    for start in range(0, len(frame), PYTHON_ROWS_AT_ONCE):
        part = frame.iloc[start : start + PYTHON_ROWS_AT_ONCE]
        yield from (
            part.astype(object)
            .where(part.notna(), None)
            .itertuples(index=False, name=None)
        )


def _spatialite_bulk_send(connection: Connection, payload: BulkPayload) -> None:
    """Insert encoded rows with one ``executemany``."""
    dbapi: Any = connection.connection.driver_connection
    dbapi.executemany(payload.sql, payload.data)


@contextmanager
def _spatialite_deferred_indexes(connection: Connection, table: str) -> Iterator[None]:
    """Drop the table's plain indexes; rebuild them on exit.

    Unique constraints (SQLite's automatic indexes) and SpatiaLite's spatial
    index (a virtual R*Tree kept by triggers) stay in place.
    """
    indexes = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = :table AND sql IS NOT NULL"
        ),
        {"table": table},
    ).all()
    for name, _ in indexes:
        connection.execute(text(f'DROP INDEX "{name}"'))
    yield
    for _, definition in indexes:
        connection.execute(text(definition))


def _spatialite_point(lon: str, lat: str) -> str:
    return f"MakePoint({lon}, {lat}, 4326)"


def _spatialite_login_role_name(connection: Connection, username: str) -> str:
    """SQLite has no roles: an account's ``cell_scope`` rows go by its username."""
    return username


def _spatialite_sync_login_role(
    connection: Connection,
    name: str,
    role: str,
    *,
    password: str | None,
    active: bool,
) -> None:
    """SQLite has no roles: the application enforces jurisdictions."""


def _spatialite_user_url(url: str, role_name: str, password: str) -> str:
    """Every SQLite connection is the file's: the same URL for every user."""
    return url


BACKENDS: dict[str, SpatialBackend] = {
    "postgresql": SpatialBackend(
        name="PostGIS",
        dialect="postgresql",
        make_engine=_postgis_engine,
        prepare=_postgis_prepare,
        system_packages=("postgresql-15-postgis-3",),
        bulk_encode=_postgis_bulk_encode,
        bulk_send=_postgis_bulk_send,
        deferred_indexes=_postgis_deferred_indexes,
        point_sql=_postgis_point,
        json_object_function="json_build_object",
        import_lock=postgres_import_lock,
        enforces_jurisdiction=True,
        login_role_name=pg_roles.login_role_name,
        sync_login_role=row_security.sync_account_role,
        user_url=pg_roles.user_url,
    ),
    "sqlite": SpatialBackend(
        name="SpatiaLite",
        dialect="sqlite",
        make_engine=_spatialite_engine,
        prepare=_spatialite_prepare,
        system_packages=("libsqlite3-mod-spatialite",),
        bulk_encode=_spatialite_bulk_encode,
        bulk_send=_spatialite_bulk_send,
        deferred_indexes=_spatialite_deferred_indexes,
        point_sql=_spatialite_point,
        json_object_function="json_object",
        import_lock=sqlite_import_lock,
        enforces_jurisdiction=False,
        login_role_name=_spatialite_login_role_name,
        sync_login_role=_spatialite_sync_login_role,
        user_url=_spatialite_user_url,
    ),
}


def backend_for(url_or_bind: str | Engine | Connection) -> SpatialBackend:
    """Return the spatial backend for a database URL, engine or connection.

    Parameters
    ----------
    url_or_bind : str or Engine or Connection

    Raises
    ------
    UnsupportedDatabaseError
        For a dialect other than PostgreSQL or SQLite.
    """
    if isinstance(url_or_bind, str):
        dialect = make_url(url_or_bind).get_backend_name()
    else:
        dialect = url_or_bind.dialect.name
    if dialect == "postgres":
        dialect = "postgresql"
    try:
        return BACKENDS[dialect]
    except KeyError:
        msg = (
            f"no spatial backend for database dialect {dialect!r}; "
            f"use one of {sorted(BACKENDS)}"
        )
        raise UnsupportedDatabaseError(msg) from None
