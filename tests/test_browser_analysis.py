"""Drive the 覆盖缺口 and 违法热点 pages in headless Chromium, on both backends.

The app runs as ``streamlit run app.py`` on a fresh database of each backend
holding the synthetic grid and the small history of
:func:`record_rows.fill_small_history` (four employers, violations,
inspections).  Each page must load in Chinese with its map and legend,
redraw the legend when another metric or view is chosen, and offer its
downloads; on the coverage page a click on a gap-list row flies the map to
that cell.  As in :mod:`test_browser`, every request leaving the app's host
is refused (fixture ``offline_page``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from browser_support import SCREENSHOTS, TIMEOUT_MS, Offline
from record_rows import fill_small_history

from twonet.db.engine import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.db]

#: The township at the head of the gap list (employers 1-3), west of the centre.
FIRST = "370211001"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def history_url(
    backend_name: str,
    migrated_database: Callable[[str, str], AbstractContextManager[str]],
    synthetic_cells: gpd.GeoDataFrame,
) -> Iterator[str]:
    with migrated_database(backend_name, "browser_analysis") as url:
        engine = get_engine(url)
        try:
            with engine.begin() as connection:
                fill_small_history(connection, synthetic_cells.copy())
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="module")
def app_url(
    history_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve_app(history_url, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture()
def page(
    app_url: str,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> Iterator[tuple[Any, Offline]]:
    with offline_page(
        app_url, timeout_ms=TIMEOUT_MS, viewport={"width": 1440, "height": 1000}
    ) as (tab, offline):
        yield tab, offline


# ------------------------------------------------------------------- helpers
#: The drawn map's cell codes, legend text and centre (null: no map yet).
_MAP = """() => {
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (!map) { continue; }
        const codes = [];
        for (const layer of Object.values(map._layers)) {
            if (layer.feature) { codes.push(layer.feature.properties.code); }
        }
        const legend = f.contentDocument.querySelector('.tn-legend');
        const centre = map.getCenter();
        return {codes, legend: legend ? legend.innerText : null,
                centre: [centre.lng, centre.lat], zoom: map.getZoom()};
    }
    return null;
}"""


def _map(tab: Any) -> dict[str, Any]:
    return dict(tab.evaluate(_MAP))


def _wait_legend(tab: Any, title: str) -> None:
    """Wait until a map with cells shows a legend titled ``title``."""
    tab.wait_for_function(
        f"""title => {{
            const m = ({_MAP})();
            return !!m && m.codes.length > 0 && !!m.legend
                && m.legend.startsWith(title);
        }}""",
        arg=title,
    )


def _choose_radio(tab: Any, label: str) -> None:
    tab.locator("[data-testid=stSidebar]").get_by_text(label, exact=True).click()


def _backend(url: str) -> str:
    return "postgis" if url.startswith("postgresql") else "spatialite"


# ---------------------------------------------------------------------- tests
def test_coverage_page_maps_a_metric_and_flies_to_a_chosen_gap(
    page: tuple[Any, Offline],
    app_url: str,
    history_url: str,
    synthetic_cells: gpd.GeoDataFrame,
) -> None:
    tab, offline = page
    tab.goto(f"{app_url}/coverage")
    tab.get_by_role("heading", name="覆盖缺口").wait_for()
    _wait_legend(tab, "缺口得分")
    drawn = _map(tab)
    assert sorted(drawn["codes"]) == sorted(
        synthetic_cells.loc[synthetic_cells["level"] == "township", "code"]
    )
    assert "无数据" not in drawn["legend"]  # every township has a score
    _choose_radio(tab, "用工信息超六个月比例")
    _wait_legend(tab, "用工信息超六个月比例")
    assert "无数据 (2)" in _map(tab)["legend"]  # two townships without employers
    assert tab.get_by_test_id("stDownloadButton").count() == 6

    # a click on the first row's selection marker flies the map there
    grid = tab.get_by_test_id("stDataFrame")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    tab.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    tab.get_by_text(f"（{FIRST}）").wait_for()
    cell = synthetic_cells.set_index("code").geometry[FIRST]
    start = drawn["centre"]
    assert not cell.contains(shapely.Point(start))  # the whole grid's centre
    tab.wait_for_function(
        f"""([x0, y0, x1, y1]) => {{
            const m = ({_MAP})();
            return !!m && m.centre[0] > x0 && m.centre[0] < x1
                && m.centre[1] > y0 && m.centre[1] < y1;
        }}""",
        arg=list(cell.bounds),
    )
    tab.screenshot(path=SCREENSHOTS / f"coverage-{_backend(history_url)}.png")
    assert offline.refused_assets == []


def test_hotspots_page_draws_classes_and_the_smoothed_rate(
    page: tuple[Any, Offline], app_url: str, history_url: str
) -> None:
    tab, offline = page
    tab.goto(f"{app_url}/hotspots")
    tab.get_by_role("heading", name="违法热点").wait_for()
    _wait_legend(tab, "热点（Gi*，错误发现率校正）")
    assert "不显著" in _map(tab)["legend"]  # four villages: no cluster
    _choose_radio(tab, "平滑违法率")
    _wait_legend(tab, "每家用人单位案件数（平滑）")
    # the report (CSV, XLSX), the printable map (PNG, PDF), the table shown
    assert tab.get_by_test_id("stDownloadButton").count() == 6
    tab.screenshot(path=SCREENSHOTS / f"hotspots-{_backend(history_url)}.png")
    assert offline.refused_assets == []
