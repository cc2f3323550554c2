"""Shared fixtures: real databases (PostGIS and SpatiaLite), rolled back per test.

Every database test is parametrized over both backends.  A backend that
cannot be reached is skipped locally, but with ``--require-all-backends`` or
``CI=true`` the test fails instead: CI must never go green by skipping.

PostGIS: a throw-away database is created from the admin URL in
``TWONET_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
and dropped at the end.  SpatiaLite: a file in pytest's temporary folder.
Both come from :func:`twonet.db.scratch.scratch_database`; fixtures that need
a database of their own use the :func:`migrated_database` factory.

Also shared here, so that no test module imports another: the synthetic grid
(:func:`synthetic_cells`), the demo grid with a small demo registry
(:func:`employer_database`), and for the browser tests the app served by
``streamlit run`` (:func:`serve_app`) and a headless Chromium page cut off
from everything but the app (:func:`offline_page`).  Plain browser helpers
that cannot be fixtures are in ``tests/browser_support.py``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest
import shapely
from browser_support import TIMEOUT_MS, Offline
from sqlalchemy import Connection, Engine

from twonet.db.engine import get_engine
from twonet.db.scratch import scratch_database

if TYPE_CHECKING:
    import geopandas as gpd

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


# ------------------------------------------------------------ tiny gazetteer
# A hand-checkable division list: the 2023 units below, the 2016 units that
# became them (王台镇 → 王台街道, 即墨市 → 即墨区, a merged village 后台村),
# one change (胶南市 → 黄岛区) and two zone aliases, one valid only in Qingdao.

_TINY_CURRENT = {
    "provinces": [(11, "北京市"), (22, "吉林省"), (37, "山东省")],
    "cities": [(1101, "市辖区"), (2201, "长春市"), (3702, "青岛市")],
    "areas": [
        (110105, "朝阳区"),
        (220104, "朝阳区"),
        (370202, "市南区"),
        (370211, "黄岛区"),
        (370214, "城阳区"),
        (370215, "即墨区"),
    ],
    "streets": [
        (110105001, "建外街道"),
        (370202001, "香港中路街道"),
        (370211002, "辛安街道"),
        (370211005, "长江路街道"),
        (370211014, "王台街道"),
        (370214001, "城阳街道"),
        (370214400, "青岛高新技术产业开发区"),
        (370215009, "灵山街道"),
        (370215010, "蓝村街道"),
    ],
    "villages": [
        (110105001026, "永安里社区居委会"),
        (370211002005, "台头社区居民委员会"),
        (370211002014, "前湾港西路社区居民委员会"),
        (370211014221, "王台村村委会"),
        (370211014222, "田家窑村村委会"),
        (370215010001, "蓝村社区居民委员会"),
    ],
}
_TINY_HISTORICAL = {
    "provinces": [(37, "山东省")],
    "cities": [(3702, "青岛市")],
    "areas": [(370211, "黄岛区"), (370282, "即墨市")],
    "streets": [
        (370211002, "辛安街道办事处"),
        (370211100, "王台镇"),
        (370282105, "蓝村镇"),
    ],
    "villages": [
        (370211100221, "王台村委会"),
        (370211100230, "后台村委会"),
        (370282105001, "蓝村居委会"),
    ],
}
_TINY_CHANGES = [
    {
        "old_name": "胶南市",
        "old_code": "370284",
        "new_name": "黄岛区",
        "new_code": "370211",
        "date": "2012-12",
        "note_zh": "撤销县级胶南市",
        "note_en": "Jiaonan merged",
    }
]
_TINY_ALIASES = [
    {
        "alias": "西海岸新区",
        "code": "370211",
        "scope": "",
        "note_zh": "新区",
        "note_en": "new area",
    },
    {
        "alias": "高新区",
        "code": "370214400",
        "scope": "3702",
        "note_zh": "青岛高新区",
        "note_en": "Qingdao high-tech zone",
    },
]


def _division_frames(rows: dict[str, list[tuple[int, str]]]) -> dict[str, pd.DataFrame]:
    return {k: pd.DataFrame(v, columns=["code", "name"]) for k, v in rows.items()}


@pytest.fixture(scope="session")
def tiny() -> Any:
    """A tiny hand-checkable gazetteer (the tables above), built once per session.

    Shared by the gazetteer, address and accuracy tests; do not change it.
    """
    from grid.gazetteer import Gazetteer

    return Gazetteer.from_frames(
        _division_frames(_TINY_CURRENT),
        historical=_division_frames(_TINY_HISTORICAL),
        changes=pd.DataFrame(_TINY_CHANGES),
        aliases=pd.DataFrame(_TINY_ALIASES),
    )


@pytest.fixture()
def demo_grid_db(
    backend_name: str, migrated_database: Any, qingdao_demo: tuple[Any, Any, float]
) -> Iterator[Engine]:
    """Give an engine on a fresh database of each backend holding the demo grid."""
    from twonet.db import repository as repo

    with migrated_database(backend_name, "grid") as url:
        engine = get_engine(url)
        try:
            repo.save_cells(engine, qingdao_demo[0])
            yield engine
        finally:
            engine.dispose()


@pytest.fixture()
def synthetic_grid_db(
    backend_name: str,
    migrated_database: Any,
    synthetic_cells: gpd.GeoDataFrame,
) -> Iterator[Engine]:
    """Give an engine on a fresh database of each backend holding the synthetic grid.

    For tests that need an engine (imports take locks and commit); the
    grid is :func:`synthetic_cells`.
    """
    from twonet.db import repository as repo

    with migrated_database(backend_name, "synthetic") as url:
        engine = get_engine(url)
        try:
            repo.save_cells(engine, synthetic_cells)
            yield engine
        finally:
            engine.dispose()


# ------------------------------------------------------------ synthetic grid
def _wiggly_box(
    x0: float, y0: float, x1: float, y1: float, n: int = 40
) -> shapely.Polygon:
    """A box whose edges carry many nearly collinear vertices (like real borders).

    The wiggle depends only on the position along the edge, so two boxes that
    share an edge get identical vertices there (a valid coverage).
    """

    def edge(ax: float, ay: float, bx: float, by: float) -> list[tuple[float, float]]:
        ts = np.linspace(0.0, 1.0, n, endpoint=False)
        pts = []
        for s in ts:
            x, y = ax + (bx - ax) * s, ay + (by - ay) * s
            wiggle = 1e-4 * math.sin((x + y) * 3000.0)
            if ax == bx:  # vertical edge: wiggle in x
                x += wiggle if s > 0 else 0.0
            else:
                y += wiggle if s > 0 else 0.0
            pts.append((x, y))
        return pts

    ring = (
        edge(x0, y0, x1, y0)
        + edge(x1, y0, x1, y1)
        + edge(x1, y1, x0, y1)
        + edge(x0, y1, x0, y0)
    )
    return shapely.Polygon(ring)


@pytest.fixture(scope="session")
def synthetic_cells() -> gpd.GeoDataFrame:
    """A tiny four-level grid near Qingdao: 1 city, 2 counties, 4 townships.

    Each township has 2 villages with geometry (illustrative) and township
    370211001 has a third village without geometry (placed by address).
    Built once per session: a test that changes the frame takes a ``.copy()``.
    """
    from grid.cells import make_cells
    from grid.codes import Level

    x0, y0, step = 120.0, 36.0, 0.1
    records: list[dict[str, object]] = [
        {
            "code": "370200",
            "name": "青岛市",
            "geometry": shapely.box(x0, y0, x0 + 4 * step, y0 + 2 * step),
        }
    ]
    counties = [("370211", "黄岛区"), ("370212", "崂山区")]
    for ci, (ccode, cname) in enumerate(counties):
        cx = x0 + 2 * step * ci
        records.append(
            {
                "code": ccode,
                "name": cname,
                "geometry": shapely.box(cx, y0, cx + 2 * step, y0 + 2 * step),
            }
        )
        for ti in range(2):
            tcode = f"{ccode}{ti + 1:03d}"
            tx = cx + step * ti
            records.append(
                {
                    "code": tcode,
                    "name": f"{cname}第{ti + 1}街道",
                    "geometry": shapely.box(tx, y0, tx + step, y0 + 2 * step),
                }
            )
            for vi in range(2):
                vy = y0 + step * vi
                records.append(
                    {
                        "code": f"{tcode}{vi + 1:03d}",
                        "name": f"{cname}{ti + 1}街道第{vi + 1}社区",
                        "geometry": _wiggly_box(tx, vy, tx + step, vy + step),
                    }
                )
    records.append({"code": "370211001003", "name": "无边界村", "geometry": None})
    cells = make_cells(
        records,
        valid_from=dt.date(2023, 6, 30),
        source="synthetic test grid",
        licence="CC0",
    )
    cells.loc[cells["level"] == Level.VILLAGE.value, "illustrative"] = True
    return cells


# ------------------------------------------------------------ jurisdictions
#: Two townships, A (370211001) and B (370211002).  By the parent chain, not
#: by code prefix: 370284105001 (an old 胶南市 code) lies in A, and
#: 370211001900 (A's prefix) lies in B.
JURISDICTION_CELLS = [
    ("370200", None, "青岛市"),
    ("370211", "370200", "黄岛区"),
    ("370211001", "370211", "甲街道"),
    ("370211002", "370211", "乙街道"),
    ("370211001001", "370211001", "甲一社区"),
    ("370211001002", "370211001", "甲二社区"),
    ("370284105001", "370211001", "原胶南村"),
    ("370211002001", "370211002", "乙一社区"),
    ("370211001900", "370211002", "乙飞地"),
]


@pytest.fixture(scope="session")
def jurisdiction_cells() -> gpd.GeoDataFrame:
    """The grid of :data:`JURISDICTION_CELLS` (no geometry), valid from 2023-06-30."""
    from grid.cells import make_cells

    return make_cells(
        [
            {"code": code, "parent_code": parent, "name": name, "geometry": None}
            for code, parent, name in JURISDICTION_CELLS
        ],
        valid_from=dt.date(2023, 6, 30),
        source="jurisdiction test grid",
        licence="CC0",
    )


def _jurisdiction_rows(connection: Connection) -> dict[str, list[str]]:
    """Store staff, assignments, employers, change sets, audit rows in A and B.

    Returns what a coordinator of township A must see, per table (the
    ``staff_id``, the assignment's or audit row's ``cell_code``, the
    employer's ``uscc``, the change set's ``reason``), and the same for all.
    """
    from sqlalchemy import insert

    from twonet.db.models import (
        Assignment,
        AuditLog,
        CellVersion,
        ChangeSet,
        Employer,
        Staff,
    )

    now = dt.datetime(2026, 12, 1, 9, 0)
    staff = [("SA", "370211001"), ("SB", "370211002"), ("SC", "370211")]
    connection.execute(
        insert(Staff),
        [
            {
                "staff_id": sid,
                "name": f"人员{sid}",
                "kind": "assistant",
                "unit_code": unit,
                "phone": "13800000000",
                "content_hash": sid,
                "first_seen": now,
                "last_changed": now,
            }
            for sid, unit in staff
        ],
    )
    change_sets = {}
    for reason in ("甲", "乙"):
        change_sets[reason] = connection.execute(
            insert(ChangeSet)
            .returning(ChangeSet.id)
            .values(
                created_at=now, actor="owner", reason=reason, kind="change", changes=[]
            )
        ).scalar_one()
    # SC (county unit) covers a cell of A; SB covers B's enclave with A's prefix
    assignments = [
        ("SA", "370211001001", "甲"),
        ("SC", "370284105001", "甲"),
        ("SB", "370211002001", "乙"),
        ("SB", "370211001900", "乙"),
    ]
    for sid, cell, reason in assignments:
        connection.execute(
            insert(Assignment).values(
                staff_id=sid,
                cell_code=cell,
                duty="assistant",
                valid_from=dt.date(2026, 1, 1),
                change_set_id=change_sets[reason],
                created_at=now,
            )
        )
        connection.execute(
            insert(AuditLog).values(
                change_set_id=change_sets[reason],
                at=now,
                actor="owner",
                action="add",
                cell_code=cell,
                staff_id=sid,
                after={"duty": "assistant"},
            )
        )
        connection.execute(
            insert(CellVersion).values(
                cell_code=cell, version=1, changed_by="owner", changed_at=now
            )
        )
    employers = [  # uscc, township, village
        ("EA1", "370211001", "370211001001"),
        ("EA0", "370211001", None),
        ("EB1", "370211002", "370211002001"),
        ("EB9", "370211002", "370211001900"),
    ]
    connection.execute(
        insert(Employer),
        [
            {
                "uscc": uscc,
                "name": f"单位{uscc}",
                "city_code": None,
                "county_code": "370211",
                "township_code": township,
                "village_code": village,
                "method": "test",
                "confidence": 1.0,
                "flags": "",
                "content_hash": uscc,
                "location_hash": uscc,
                "first_seen": now,
                "last_changed": now,
            }
            for uscc, township, village in employers
        ],
    )
    return {
        "staff": ["SA", "SC"],
        "assignment": ["370211001001", "370284105001"],
        "employer": ["EA0", "EA1"],
        "audit_log": ["370211001001", "370284105001"],
        "cell_version": ["370211001001", "370284105001"],
        "change_set": ["甲"],
    }


@pytest.fixture(scope="session")
def jurisdiction_rows() -> Callable[[Connection], dict[str, list[str]]]:
    """Function storing rows in townships A and B (see ``_jurisdiction_rows``)."""
    return _jurisdiction_rows


# --------------------------------------------------------- employer database
REGISTRY_ROWS = 1500
REGISTRY_SEED = 7


@pytest.fixture(scope="module")
def employer_database(
    migrated_database: Callable[[str, str], AbstractContextManager[str]],
) -> Callable[[str, Path, Any, str], AbstractContextManager[str]]:
    """Factory of fresh databases holding a grid and a small demo registry.

    ``with employer_database(backend_name, tmp_dir, cells, "label") as url:``
    creates a migrated database (:func:`migrated_database`), stores ``cells``,
    writes a demo registry of ``REGISTRY_ROWS`` rows (seed ``REGISTRY_SEED``)
    as county exports under ``tmp_dir`` and imports them with
    :func:`twonet.employer_import.import_registry`, as ``twonet demo`` does.
    The database is dropped when the block ends.
    """

    @contextmanager
    def make(backend: str, tmp_dir: Path, cells: Any, label: str) -> Iterator[str]:
        from ingest.demo_registry import generate_registry, write_registry
        from twonet.db import repository
        from twonet.employer_import import (
            GridContext,
            import_registry,
            load_gazetteer,
        )

        with migrated_database(backend, label) as url:
            engine = get_engine(url)
            try:
                repository.save_cells(engine, cells)
                demo = generate_registry(cells, n=REGISTRY_ROWS, seed=REGISTRY_SEED)
                folder = tmp_dir / "registry"
                files = [p for p in write_registry(demo, folder) if p.parent == folder]
                gazetteer = load_gazetteer()
                grid = GridContext.from_database(engine)
                for file in files:
                    import_registry(engine, file, gazetteer=gazetteer, grid=grid)
            finally:
                engine.dispose()
            yield url

    return make


# ------------------------------------------------------------------- browser
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"streamlit exited with {process.returncode}"
            raise RuntimeError(msg)
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    msg = f"streamlit did not answer on {url} within {seconds:.0f} s"
    raise RuntimeError(msg)


@contextmanager
def _serve_app(database_url: str, log_dir: Path) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free port against a database; yield its URL."""
    port = _free_port()
    env = dict(os.environ, TWONET_DATABASE_URL=database_url)
    env.pop("TWONET_TIANDITU_KEY", None)
    log = (log_dir / "streamlit.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, 60)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def serve_app() -> Callable[[str, Path], AbstractContextManager[str]]:
    """Factory of running apps: ``with serve_app(database_url, log_dir) as url:``.

    Runs ``streamlit run app.py`` on a free port against that database (no
    Tianditu key), waits until it answers, yields its URL and stops it when
    the block ends; its output goes to ``log_dir / "streamlit.log"``.
    """
    return _serve_app


@contextmanager
def _offline_page(
    app_url: str, *, timeout_ms: float | None = None, **page_options: Any
) -> Iterator[tuple[Any, Offline]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(**page_options)
            if timeout_ms is not None:
                page.set_default_timeout(timeout_ms)
            offline = Offline()
            page.route(lambda u: not u.startswith(app_url), offline)
            yield page, offline
        finally:
            browser.close()


@pytest.fixture(scope="session")
def offline_page() -> Callable[..., AbstractContextManager[tuple[Any, Offline]]]:
    """Factory of headless Chromium pages that can reach only the app.

    ``with offline_page(app_url, timeout_ms=..., **options) as (page, offline):``
    launches Chromium, opens a page with Playwright's ``new_page(**options)``
    (and default timeout ``timeout_ms`` if given) and routes every request
    whose URL does not start with ``app_url`` to ``offline``, a
    :class:`browser_support.Offline` that refuses it and remembers the scripts
    and styles among them.  The browser closes when the block ends.
    """
    return _offline_page


#: The window the app is tried in: a bureau's usual laptop screen.
VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture()
def page(
    app_url: str,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> Iterator[tuple[Any, Offline]]:
    """An offline Chromium tab on the module's ``app_url``, at :data:`VIEWPORT`.

    Yields ``(tab, offline)`` as :func:`offline_page` does; downloads are
    accepted.  A browser test module defines the ``app_url`` fixture (the app
    it serves) and may override this one for another window size.
    """
    with offline_page(
        app_url, timeout_ms=TIMEOUT_MS, viewport=VIEWPORT, accept_downloads=True
    ) as (tab, offline):
        yield tab, offline


# ---------------------------------------------------------- tiny staffed grid
#: The assignments of :func:`staffed_grid`, all from 2025-01-01, open.
STAFFED_ASSIGNMENTS = (
    ("A1", "370211001001", "assistant"),
    ("A2", "370211001001", "assistant"),
    ("A3", "370211001002", "assistant"),
    ("I1", "370211001", "responsible"),
    ("I2", "370211002", "responsible"),
)


@pytest.fixture(scope="session")
def staffed_grid() -> Callable[[Any], None]:
    """Writer of a tiny staffed grid: ``staffed_grid(bind)`` stores it.

    Cells (valid from 2023-06-30): city 370200; county 370211 with
    township 370211001 (villages 370211001001, …002, …003) and township
    370211002 (village 370211002001); county 370212 with township
    370212001 (village 370212001001).  Staff: assistants A1 张一, A2 李二,
    A3 王三 (unit 370211001), A4 赵四 (active only until 2025-06-30), A5
    孙五 (unit 370212001); inspectors I1 刘监察 and I2 陈监察 (unit 370211).
    Assignments: :data:`STAFFED_ASSIGNMENTS`, from 2025-01-01, open.
    Through a ``db`` connection everything is rolled back after the test.
    """
    from sqlalchemy import insert

    from grid.cells import make_cells
    from twonet.db import repository
    from twonet.db.models import Assignment, Staff

    codes = {
        "370200": "青岛市",
        "370211": "黄岛区",
        "370211001": "甲街道",
        "370211001001": "一村",
        "370211001002": "二村",
        "370211001003": "三村",
        "370211002": "乙镇",
        "370211002001": "四村",
        "370212": "崂山区",
        "370212001": "丙街道",
        "370212001001": "五村",
    }
    cells = make_cells(
        [{"code": c, "name": n, "geometry": None} for c, n in codes.items()],
        valid_from=dt.date(2023, 6, 30),
        source="tiny staffed test grid",
        licence="CC0",
    )
    now = dt.datetime(2025, 1, 1, 8, 0)
    people = [
        ("A1", "张一", "assistant", "370211001", None),
        ("A2", "李二", "assistant", "370211001", None),
        ("A3", "王三", "assistant", "370211001", None),
        ("A4", "赵四", "assistant", "370211001", dt.date(2025, 6, 30)),
        ("A5", "孙五", "assistant", "370212001", None),
        ("I1", "刘监察", "inspector", "370211", None),
        ("I2", "陈监察", "inspector", "370211", None),
    ]

    def store(bind: Any) -> None:
        repository.save_cells(bind, cells)
        with repository.transaction(bind) as connection:
            connection.execute(
                insert(Staff),
                [
                    {
                        "staff_id": staff_id,
                        "name": name,
                        "kind": kind,
                        "unit_code": unit,
                        "active_from": dt.date(2024, 1, 1),
                        "active_to": active_to,
                        "content_hash": staff_id,
                        "first_seen": now,
                        "last_changed": now,
                    }
                    for staff_id, name, kind, unit, active_to in people
                ],
            )
            connection.execute(
                insert(Assignment),
                [
                    {
                        "staff_id": staff_id,
                        "cell_code": cell,
                        "duty": duty,
                        "valid_from": dt.date(2025, 1, 1),
                        "created_at": now,
                    }
                    for staff_id, cell, duty in STAFFED_ASSIGNMENTS
                ],
            )

    return store
