"""The grid map reads at a glance, in headless Chromium on both backends.

The app runs as ``streamlit run app.py`` on a fresh database of each backend
holding the demo grid and a small demo registry (fixture
``employer_database``), offline (fixture ``offline_page``).  Checked in the
drawn map: the legend is a Leaflet control inside the map container (cell
fills by employers per cell, and the size of the count circles), the scale
bar shows metres or kilometres only, and the attribution has no "Leaflet"
prefix but keeps the OpenStreetMap credit.  At village level over the whole
city the circles are summed per township.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from browser_support import TIMEOUT_MS, Offline

pytestmark = [pytest.mark.browser, pytest.mark.db]


@pytest.fixture(scope="module")
def app_url(
    employer_database: Callable[[str, Path, Any, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    tmp_dir = tmp_path_factory.mktemp(f"browser-legend-{backend_name}")
    cells = qingdao_demo[0]
    with (
        employer_database(backend_name, tmp_dir, cells, "browser_legend") as url,
        serve_app(url, tmp_dir) as app,
    ):
        yield app


#: What the drawn map shows in its corners (null: no map with a legend yet).
_CHROME = """() => {
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (!map) { continue; }
        const doc = f.contentDocument;
        const legend = doc.querySelector(
            '.leaflet-container .leaflet-control.tn-legend');
        if (!legend) { continue; }
        const lines = [...doc.querySelectorAll(
            '.leaflet-container .leaflet-control-scale .leaflet-control-scale-line')];
        const attribution = doc.querySelector(
            '.leaflet-container .leaflet-control-attribution');
        const cell = Object.values(map._layers).find(layer => layer.feature);
        return {
            level: cell ? cell.feature.properties.level : null,
            legend: legend.innerText,
            legendCorner: legend.parentElement.className,
            sizeCircles: legend.querySelectorAll('.tn-size').length,
            scale: lines.map(l => l.innerText.trim()),
            attribution: attribution ? attribution.innerText : null,
        };
    }
    return null;
}"""


def _chrome(tab: Any, level: str) -> dict[str, Any]:
    """Wait until a map of cells of ``level`` has a legend; return its corners."""
    tab.wait_for_function(
        f"level => {{ const c = ({_CHROME})(); return c && c.level === level; }}",
        arg=level,
        timeout=TIMEOUT_MS,
    )
    return dict(tab.evaluate(_CHROME))


def test_grid_map_legend_scale_and_attribution(
    app_url: str,
    tmp_path: Path,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> None:
    viewport = {"width": 1440, "height": 900}
    with offline_page(app_url, timeout_ms=TIMEOUT_MS, viewport=viewport) as (
        tab,
        offline,
    ):
        tab.goto(app_url)
        chrome = _chrome(tab, "county")
        tab.screenshot(path=tmp_path / "grid-map-legend.png")
        # the legend: a Leaflet control in the map's lower right corner, with
        # the fill classes and the size of the count circles
        assert "leaflet-bottom leaflet-right" in chrome["legendCorner"]
        assert "每个网格的用人单位数" in chrome["legend"]
        assert "圆圈：用人单位数" in chrome["legend"]
        assert chrome["sizeCircles"] >= 1
        # one scale line, in metres or kilometres
        assert len(chrome["scale"]) == 1
        assert re.fullmatch(r"\d+ k?m", chrome["scale"][0]), chrome["scale"]
        # the data credit, and no "Leaflet" prefix
        assert "OpenStreetMap" in chrome["attribution"]
        assert "Leaflet" not in chrome["attribution"]

        # whole city at village level: circles summed per township
        tab.get_by_label("显示层级", exact=True).click()
        tab.get_by_role("option", name="村/社区", exact=True).click()
        tab.get_by_text(re.compile("圆圈按乡镇/街道汇总")).wait_for()
        chrome = _chrome(tab, "village")
        assert "每个网格的用人单位数" in chrome["legend"]
        assert "圆圈：用人单位数" in chrome["legend"]
        tab.wait_for_timeout(1500)  # let the fitted view settle for the picture
        tab.screenshot(path=tmp_path / "grid-map-villages.png")
        assert offline.refused_assets == []
