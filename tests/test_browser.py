"""Drive the real app in headless Chromium: hover, drill down, go back up.

The app runs as ``streamlit run app.py`` against the demo database of each
backend (fixtures ``demo_db_url`` and ``serve_app``).  Every request that
leaves the app's host is refused (fixture ``offline_page``), as on an offline
office machine: the map must draw from the Leaflet bundled with the page
(:mod:`maps.assets`); only tiles go missing.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import shapely
from browser_support import TIMEOUT_MS, Offline

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


# ------------------------------------------------------------------ fixtures
pytestmark = pytest.mark.browser


@pytest.fixture()
def app_url(
    demo_db_url: str,
    tmp_path: Path,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    with serve_app(demo_db_url, tmp_path) as url:
        yield url


# ------------------------------------------------------------------- helpers
_FIND_CELL = """code => {
    const frames = [...document.querySelectorAll('iframe')];
    return frames.findIndex(f => {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        return !!map && Object.values(map._layers).some(
            layer => layer.feature && layer.feature.properties.code === code);
    });
}"""


def _map_frame(page: Any, code: str) -> tuple[Any, Any]:
    """Return the iframe (handle, frame) whose map has drawn cell ``code``."""
    # index + 1: wait_for_function waits for a truthy value, and 0 is not
    found = page.wait_for_function(
        f"code => ({_FIND_CELL})(code) + 1", arg=code, timeout=TIMEOUT_MS
    ).json_value()
    handle = page.locator("iframe").nth(int(found) - 1).element_handle()
    return handle, handle.content_frame()


def _screen_point(page: Any, cell: dict[str, Any]) -> tuple[float, float]:
    """Return the page coordinates of a point inside a cell on the map."""
    handle, frame = _map_frame(page, cell["code"])
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    # wait for the map to settle (fit-bounds animation) before aiming
    previous = None
    for _ in range(40):
        x, y = frame.evaluate(
            """([lat, lon]) => {
                const p = window.map.latLngToContainerPoint([lat, lon]);
                const r = window.map.getContainer().getBoundingClientRect();
                return [p.x + r.left, p.y + r.top];
            }""",
            [cell["lat"], cell["lon"]],
        )
        if previous == (x, y):
            break
        previous = (x, y)
        page.wait_for_timeout(250)
    return box["x"] + x, box["y"] + y


def _hover_tooltip(page: Any, cell: dict[str, Any]) -> tuple[tuple[float, float], str]:
    """Move the mouse onto a cell; return the point and the tooltip text."""
    point = _screen_point(page, cell)
    page.mouse.move(*point)
    _, frame = _map_frame(page, cell["code"])
    tooltip = frame.locator(".leaflet-tooltip")
    tooltip.wait_for(state="visible", timeout=TIMEOUT_MS)
    return point, str(tooltip.inner_text())


def _breadcrumb(page: Any) -> str:
    text = page.locator(".st-key-breadcrumb").inner_text()
    return re.sub(r"\s+", " ", text).strip()


def _wait_breadcrumb(page: Any, expected: str) -> None:
    """Wait until the breadcrumb ends with ``expected`` (its deepest items)."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if _breadcrumb(page).endswith(expected):
            return
        page.wait_for_timeout(250)
    msg = f"breadcrumb {_breadcrumb(page)!r} never showed {expected!r}"
    raise AssertionError(msg)


def _drill_path(url: str) -> list[dict[str, Any]]:
    """Pick a county, one of its townships and one of its villages, all drawn."""
    from twonet.db import repository
    from twonet.db.engine import get_engine

    engine = get_engine(url)
    try:
        villages = repository.load_cells(engine, level="village")
        villages = villages[villages.geometry.notna()]
        townships = repository.load_cells(engine, level="township")
        townships = townships[
            townships.geometry.notna() & townships["code"].isin(villages["parent_code"])
        ]
        counties = repository.load_cells(engine, level="county")
        counties = counties[counties["code"].isin(townships["parent_code"])]
        county = counties.iloc[0]
        preferred = counties[counties["code"] == "370211"]
        if len(preferred):
            county = preferred.iloc[0]
        township = townships[townships["parent_code"] == county["code"]].iloc[0]
        village = villages[villages["parent_code"] == township["code"]].iloc[0]
    finally:
        engine.dispose()
    path = []
    for cell in (county, township, village):
        # the centre of the largest inscribed circle: far from every edge, so
        # the simplified outline drawn on the map still contains it
        circle = shapely.maximum_inscribed_circle(cell.geometry)
        point = shapely.get_point(circle, 0)
        path.append(
            {"code": cell["code"], "name": cell["name"], "lon": point.x, "lat": point.y}
        )
    return path


# ---------------------------------------------------------------------- test
def test_drill_down_by_clicking(
    app_url: str,
    demo_db_url: str,
    tmp_path: Path,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> None:
    county, township, village = _drill_path(demo_db_url)
    viewport = {"width": 1400, "height": 1100}
    with offline_page(app_url, viewport=viewport) as (page, offline):
        page.goto(app_url)
        _map_frame(page, county["code"])
        _wait_breadcrumb(page, "县/区")
        page.screenshot(path=tmp_path / "0-city.png")

        # hover: code, name and level of the county; click to drill down
        point, tip = _hover_tooltip(page, county)
        assert county["code"] in tip and county["name"] in tip and "县/区" in tip
        page.mouse.click(*point)
        _wait_breadcrumb(page, county["name"])

        point, tip = _hover_tooltip(page, township)
        assert township["code"] in tip and "乡镇/街道" in tip
        page.screenshot(path=tmp_path / "1-county.png")
        page.mouse.click(*point)
        _wait_breadcrumb(page, township["name"])

        point, tip = _hover_tooltip(page, village)
        assert village["code"] in tip and village["name"] in tip
        assert "村/社区" in tip and "示意" in tip
        page.screenshot(path=tmp_path / "2-township.png")
        page.mouse.click(*point)
        expected = " › ".join(c["name"] for c in (county, township, village))
        _wait_breadcrumb(page, f"青岛市 › {expected}")
        page.screenshot(path=tmp_path / "3-village.png", full_page=True)

        # the breadcrumb goes back up
        page.locator(".st-key-breadcrumb").get_by_role(
            "button", name=county["name"]
        ).click()
        _wait_breadcrumb(page, f"青岛市 › {county['name']}")
        assert township["name"] not in _breadcrumb(page)
        _map_frame(page, township["code"])
        page.screenshot(path=tmp_path / "4-back-up.png")
        # nothing the page needs came from outside (tiles are images)
        assert offline.refused_assets == []
