"""Shared fixtures: real databases (PostGIS and SpatiaLite), rolled back per test.

Every database test is parametrized over both backends.  A backend that
cannot be reached is skipped locally, but with ``--require-all-backends`` or
``CI=true`` the test fails instead: CI must never go green by skipping.

PostGIS: a throw-away database is created from the admin URL in
``TWONET_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
and dropped at the end.  SpatiaLite: a file in pytest's temporary folder.
Both come from :func:`twonet.db.scratch.scratch_database`; fixtures that need
a database of their own use the :func:`migrated_database` factory.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine

from twonet.db.engine import get_engine
from twonet.db.scratch import scratch_database

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


@contextmanager
def _migrated(
    config: pytest.Config, backend: str, tmp_dir: Path, label: str
) -> Iterator[str]:
    """Yield the URL of a scratch database; skip (or fail) if the backend is down."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(
                scratch_database(
                    backend, _postgres_admin_url(), tmp_dir, label=f"test_{label}"
                )
            )
        except Exception as exc:
            _unavailable(config, backend, exc)
        yield url


@pytest.fixture(scope="session")
def migrated_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str, str], AbstractContextManager[str]]:
    """Factory of fresh migrated databases, for fixtures of any scope.

    ``with migrated_database(backend_name, "label") as url:`` creates an empty
    database of that backend at the latest schema and drops it when the block
    ends (:func:`twonet.db.scratch.scratch_database`); an unavailable backend
    skips the test, or fails it with ``--require-all-backends``.
    """

    def make(backend: str, label: str) -> AbstractContextManager[str]:
        tmp_dir = tmp_path_factory.mktemp(f"db-{label}")
        return _migrated(request.config, backend, tmp_dir, label)

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def db_engine(
    backend_name: str,
    migrated_database: Callable[[str, str], AbstractContextManager[str]],
) -> Iterator[Engine]:
    """A migrated, empty database of each backend, shared by the session."""
    with migrated_database(backend_name, "unit") as url:
        engine = get_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


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
    backend_name: str,
    migrated_database: Callable[[str, str], AbstractContextManager[str]],
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    """URL of a database of each backend holding the full Qingdao demo grid."""
    from twonet.db import repository as repo

    with migrated_database(backend_name, "demo") as url:
        engine = get_engine(url)
        try:
            repo.save_cells(engine, qingdao_demo[0])
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="session")
def national_gazetteer() -> Any:
    """The national gazetteer (NBS lists fetched with npm if not cached)."""
    from twonet.employer_import import load_gazetteer

    return load_gazetteer()
