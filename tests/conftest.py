"""Shared fixtures: real databases (PostGIS and SpatiaLite), rolled back per test.

Every database test is parametrized over both backends.  A backend that
cannot be reached is skipped locally, but with ``--require-all-backends`` or
``CI=true`` the test fails instead: CI must never go green by skipping.

PostGIS: a throw-away database is created from the admin URL in
``TWONET_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
and dropped at the end.  SpatiaLite: a file in pytest's temporary folder.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from twonet.db.engine import get_engine, upgrade
from twonet.errors import TwoNetError

BACKENDS = ("spatialite", "postgis")
DEFAULT_POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--require-all-backends",
        action="store_true",
        default=False,
        help="fail (not skip) database tests whose backend is unavailable",
    )


def _require_all(config: pytest.Config) -> bool:
    return bool(config.getoption("--require-all-backends")) or os.environ.get(
        "CI", ""
    ).lower() in ("1", "true", "yes")


def _unavailable(config: pytest.Config, backend: str, reason: object) -> None:
    message = f"{backend} backend unavailable: {reason}"
    if _require_all(config):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _postgres_admin_url() -> str:
    return os.environ.get("TWONET_TEST_POSTGRES_URL", DEFAULT_POSTGRES_ADMIN_URL)


def _admin_engine() -> Engine:
    url = make_url(_postgres_admin_url()).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def _create_database(backend: str, tmp_dir: Path, label: str) -> tuple[str, object]:
    """Create an empty database for a backend; return its URL and a drop handle."""
    if backend == "spatialite":
        return f"sqlite:///{tmp_dir / f'{label}.sqlite'}", None
    name = f"twonet_test_{label}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_postgres_admin_url()).set(database=name)
    return url.render_as_string(hide_password=False), (admin, name)


def _drop_database(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _migrated_database(
    request: pytest.FixtureRequest, backend: str, tmp_dir: Path, label: str
) -> Iterator[tuple[str, Engine]]:
    try:
        url, handle = _create_database(backend, tmp_dir, label)
        engine = get_engine(url)
        upgrade(engine)
    except (TwoNetError, Exception) as exc:
        _unavailable(request.config, backend, exc)
    try:
        yield url, engine
    finally:
        engine.dispose()
        _drop_database(handle)


@pytest.fixture(scope="session")
def db_engine(
    request: pytest.FixtureRequest,
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Engine]:
    """A migrated, empty database of each backend, shared by the session."""
    tmp_dir = tmp_path_factory.mktemp(f"db-{backend_name}")
    for _, engine in _migrated_database(request, backend_name, tmp_dir, "unit"):
        yield engine


@pytest.fixture()
def db(db_engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that is rolled back after the test."""
    with db_engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield connection
        finally:
            transaction.rollback()


@pytest.fixture(scope="session")
def qingdao_demo() -> tuple[Any, Any, float]:
    """The Qingdao demo grid (cells, report, build seconds), built once per session."""
    from grid.demo import build_qingdao_demo
    from twonet.db.engine import PROJECT_ROOT

    started = time.perf_counter()
    cells, report = build_qingdao_demo(PROJECT_ROOT / "data" / "qingdao")
    return cells, report, time.perf_counter() - started


@pytest.fixture(scope="session")
def demo_db_url(
    request: pytest.FixtureRequest,
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    """URL of a database of each backend holding the full Qingdao demo grid."""
    from twonet.db import repository as repo

    tmp_dir = tmp_path_factory.mktemp(f"demo-{backend_name}")
    for url, engine in _migrated_database(request, backend_name, tmp_dir, "demo"):
        repo.save_cells(engine, qingdao_demo[0])
        yield url


@pytest.fixture(scope="session")
def national_gazetteer() -> Any:
    """The national gazetteer (NBS lists fetched with npm if not cached)."""
    from twonet.employer_import import load_gazetteer

    return load_gazetteer()
