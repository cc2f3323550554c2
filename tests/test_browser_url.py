"""Bookmarkable views, the cell search box and clicks below the fold, in Chromium.

The app runs as ``streamlit run app.py`` against the demo grid of each
backend (fixtures ``demo_db_url`` and ``serve_app``), in a 1440×900 window
cut off from everything but the app (fixture ``offline_page``).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import shapely
from browser_support import TIMEOUT_MS, Offline

pytestmark = [pytest.mark.browser, pytest.mark.db]

VIEWPORT = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def app_url(
    demo_db_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    with serve_app(demo_db_url, tmp_path_factory.mktemp("streamlit-url")) as url:
        yield url


@pytest.fixture()
def browser_page(
    app_url: str,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> Iterator[Any]:
    with offline_page(app_url, timeout_ms=TIMEOUT_MS, viewport=VIEWPORT) as (
        page,
        offline,
    ):
        yield page
        assert offline.refused_assets == []


# ------------------------------------------------------------------- helpers
_HAS_CELL = """code => {
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (map && Object.values(map._layers).some(
                l => l.feature && l.feature.properties.code === code)) {
            return true;
        }
    }
    return false;
}"""


def _map_with(page: Any, code: str) -> tuple[Any, Any]:
    """Wait for the map drawing cell ``code``; return its iframe and frame."""
    page.wait_for_function(_HAS_CELL, arg=code, timeout=TIMEOUT_MS)
    handle = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    return handle, handle.element_handle().content_frame()


def _breadcrumb(page: Any) -> str:
    text = page.locator(".st-key-breadcrumb").inner_text()
    return re.sub(r"\s+", " ", text).strip()


def _wait_breadcrumb(page: Any, expected: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if page.locator(".st-key-breadcrumb").count() and _breadcrumb(page).endswith(
            expected
        ):
            return
        page.wait_for_timeout(250)
    msg = f"breadcrumb {_breadcrumb(page)!r} never showed {expected!r}"
    raise AssertionError(msg)


def _cells(url: str, level: str, parent: str | None = None) -> Any:
    from twonet.db import repository
    from twonet.db.engine import get_engine

    engine = get_engine(url)
    try:
        cells = repository.load_cells(engine, level=level, parent_code=parent)
    finally:
        engine.dispose()
    return cells[cells.geometry.notna()]


def _inside(geometry: Any) -> tuple[float, float]:
    """Return (lat, lon) of a point far from every edge of a cell."""
    circle = shapely.maximum_inscribed_circle(geometry)
    point = shapely.get_point(circle, 0)
    return point.y, point.x


def _settled_point(frame: Any, lat: float, lon: float) -> tuple[float, float]:
    """Return the frame coordinates of (lat, lon) once the map stops moving."""
    previous = None
    for _ in range(40):
        point = frame.evaluate(
            """([lat, lon]) => {
                const p = window.map.latLngToContainerPoint([lat, lon]);
                const r = window.map.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }""",
            [lat, lon],
        )
        if point == previous:
            break
        previous = point
        frame.wait_for_timeout(250)
    return float(previous[0]), float(previous[1])


def _scroll_top(page: Any) -> float:
    return float(
        page.evaluate(
            "() => document.querySelector('[data-testid=stMain]').scrollTop"
            " + document.scrollingElement.scrollTop"
        )
    )


def _township_with_villages(url: str) -> tuple[Any, Any]:
    """Return a township of 黄岛区 (泊里镇 if there) and its villages."""
    villages = _cells(url, "village")
    townships = _cells(url, "township", "370211")
    townships = townships[townships["code"].isin(villages["parent_code"])]
    chosen = townships[townships["code"] == "370211103"]
    township = (chosen if len(chosen) else townships).iloc[0]
    return township, villages[villages["parent_code"] == township["code"]]


# --------------------------------------------------------------------- tests
def test_first_click_on_a_map_below_the_fold_selects(
    browser_page: Any, app_url: str, demo_db_url: str, tmp_path: Path
) -> None:
    """One click on a village near the fold selects it; the page stays still."""
    page = browser_page
    township, villages = _township_with_villages(demo_db_url)
    page.goto(f"{app_url}/?level=village&in={township['code']}")
    handle, frame = _map_with(page, str(villages["code"].iloc[0]))
    box = handle.bounding_box()
    # the map reaches below the fold: a click makes Leaflet focus it
    assert box["y"] + box["height"] > VIEWPORT["height"], box
    page.wait_for_timeout(500)
    targets = []
    for row in villages.itertuples():
        x, y = _settled_point(frame, *_inside(row.geometry))
        if box["y"] + y < VIEWPORT["height"] - 10:
            targets.append((box["y"] + y, box["x"] + x, row.code, row.name))
    page_y, page_x, code, name = max(targets)  # the lowest one still in view
    page.screenshot(path=tmp_path / "below-fold-before.png")
    before = _scroll_top(page)
    page.mouse.click(page_x, page_y)
    _wait_breadcrumb(page, f"{township['name']} › {name}")
    assert _scroll_top(page) == before
    assert parse_qs(urlsplit(page.url).query)["cell"] == [code]
    page.screenshot(path=tmp_path / "below-fold-after.png")


def test_a_drilled_view_survives_in_its_url(
    browser_page: Any, app_url: str, demo_db_url: str, tmp_path: Path
) -> None:
    """Drill by clicking, open the URL in a fresh page: same cell, level, date."""
    page = browser_page
    township, villages = _township_with_villages(demo_db_url)
    village = villages.iloc[0]
    day = dt.date.today() - dt.timedelta(days=3)
    page.goto(f"{app_url}/?date={day.isoformat()}")
    for code, geometry, expected in (
        (township["parent_code"], None, "黄岛区"),
        (township["code"], township.geometry, township["name"]),
        (village["code"], village.geometry, village["name"]),
    ):
        if geometry is None:
            geometry = _cells(demo_db_url, "county", None).set_index("code")[
                "geometry"
            ][code]
        handle, frame = _map_with(page, str(code))
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        x, y = _settled_point(frame, *_inside(geometry))
        page.mouse.click(box["x"] + x, box["y"] + y)
        _wait_breadcrumb(page, expected)
    crumb = _breadcrumb(page)
    query = parse_qs(urlsplit(page.url).query)
    assert query["level"] == ["village"]
    assert query["in"] == [township["code"]] and query["cell"] == [village["code"]]
    assert query["date"] == [day.isoformat()]
    link = page.url

    # a new page of its own (a new Streamlit session), offline too
    fresh = page.context.browser.new_page(viewport=VIEWPORT)
    fresh.set_default_timeout(TIMEOUT_MS)
    fresh.route(lambda u: not u.startswith(app_url), lambda route: route.abort())
    fresh.goto(link)
    _wait_breadcrumb(fresh, crumb)
    assert fresh.get_by_text(f"选中网格: {village['name']}").count() == 1
    assert fresh.get_by_label("显示层级", exact=True).input_value() == "村/社区"
    date_box = fresh.locator("[data-testid=stSidebar] [data-testid=stDateInput] input")
    assert date_box.input_value() == day.isoformat()
    fresh.screenshot(path=tmp_path / "reopened.png")
    assert parse_qs(urlsplit(fresh.url).query) == query


def test_a_bad_url_falls_back_to_the_default_view(
    browser_page: Any, app_url: str
) -> None:
    page = browser_page
    page.goto(f"{app_url}/?level=province&in=x&cell=1&date=2025-02-30&emp=2&lang=fr")
    _wait_breadcrumb(page, "青岛市 › 县/区")
    assert page.locator("[data-testid=stException]").count() == 0
    assert urlsplit(page.url).query == ""


def test_the_search_box_jumps_to_a_cell(
    browser_page: Any, app_url: str, demo_db_url: str, tmp_path: Path
) -> None:
    page = browser_page
    township, villages = _township_with_villages(demo_db_url)
    village = villages.iloc[-1]
    page.goto(app_url)
    _wait_breadcrumb(page, "青岛市 › 县/区")
    box = page.locator(".st-key-grid_search_box input")

    # a code: straight there, as a click on the township would
    box.fill(str(township["code"]))
    box.press("Enter")
    _wait_breadcrumb(page, f"黄岛区 › {township['name']}")
    _map_with(page, str(village["code"]))
    assert parse_qs(urlsplit(page.url).query)["in"] == [township["code"]]

    # a name shared by several cells: the candidates, with their parents
    shared = _shared_name(demo_db_url)
    box.fill(shared["query"])
    box.press("Enter")
    hits = page.locator(".st-key-grid_search_hits button")
    hits.first.wait_for()
    labels = [re.sub(r"\s+", " ", t) for t in hits.all_inner_texts()]
    assert len(labels) == min(shared["n"], 12)
    target = shared["cell"]
    label = f"{target['name']} · {target['parent_name']}"
    assert any(x.startswith(label) and target["code"] in x for x in labels)
    page.screenshot(path=tmp_path / "search-candidates.png")
    hits.filter(has_text=target["code"]).click()
    _wait_breadcrumb(page, f"{target['parent_name']} › {target['name']}")
    page.locator(".st-key-grid_search_hits").wait_for(state="detached")
    assert parse_qs(urlsplit(page.url).query)["cell"] == [target["code"]]


def _shared_name(url: str) -> dict[str, Any]:
    """Return a part of a name that several villages share, and one of them."""
    from twonet.db import employer_queries as eq
    from twonet.db.engine import get_engine

    engine = get_engine(url)
    try:
        directory = eq.cell_directory(engine)
    finally:
        engine.dispose()
    villages = directory[directory["level"] == "village"]
    names = villages["name"].str.replace(
        r"(村民委员会|居民委员会|社区|村)$", "", regex=True
    )
    counts = names.value_counts()
    common = counts[(counts > 1) & (counts.index.str.len() >= 2)].index[0]
    n = int(directory["name"].str.contains(common, regex=False).sum())
    cell = villages[names == common].iloc[-1]
    return {"query": common, "n": n, "cell": cell.to_dict()}


# ------------------------------------------------------------ review errors
@pytest.fixture(scope="module")
def review_app_url(
    employer_database: Callable[[str, Path, Any, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    tmp_dir = tmp_path_factory.mktemp(f"browser-review-{backend_name}")
    with (
        employer_database(backend_name, tmp_dir, qingdao_demo[0], "url_review") as url,
        serve_app(url, tmp_dir) as app,
    ):
        yield app


def test_a_missing_reviewer_is_reported_beside_the_button(
    review_app_url: str,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
    tmp_path: Path,
) -> None:
    with offline_page(review_app_url, timeout_ms=TIMEOUT_MS, viewport=VIEWPORT) as (
        page,
        offline,
    ):
        page.goto(f"{review_app_url}/review")
        card = page.locator(".st-key-candidate_1")
        card.wait_for()
        chooser = card.locator("[data-testid=stSelectbox]")
        if chooser.count():  # a township: choose its first village
            chooser.click()
            page.get_by_role("option").first.click()
        place = card.get_by_role("button", name="定位到此")
        page.wait_for_function("b => !b.disabled", arg=place.element_handle())
        place.scroll_into_view_if_needed()
        place.click()  # no reviewer name entered
        error = card.locator("[data-testid=stAlertContentError]")
        error.wait_for()
        text = error.inner_text()
        assert "页面顶部" in text and "复核人" in text and "侧栏" not in text
        box = error.bounding_box()
        assert box["y"] >= 0
        assert box["y"] + box["height"] <= VIEWPORT["height"]
        # nothing else reports it, and the item is still open
        assert page.locator("[data-testid=stAlertContentError]").count() == 1
        assert page.locator("[data-testid=stAlertContentSuccess]").count() == 0
        page.screenshot(path=tmp_path / "review-error.png")
        assert offline.refused_assets == []
