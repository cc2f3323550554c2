"""The grid map draws its offline basemap in a browser that reaches nothing.

The app runs against the demo database of each backend; every request that
leaves the app is refused (fixture ``offline_page``).  The default basemap
must then still show land, sea and place names -- drawn by the page itself
in its own Leaflet panes -- credit OpenStreetMap, and ask for no tile.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from browser_support import TIMEOUT_MS, Offline

pytestmark = pytest.mark.browser

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
#: Paths (SVG) or a canvas of the land and sea, and the place labels.
_DRAWN = """() => {
    const pane = document.querySelector('.leaflet-tn-basemap-pane');
    const labels = document.querySelectorAll(
        '.leaflet-tn-basemap-labels-pane .tn-bm-label');
    if (!pane) return false;
    const shapes = pane.querySelectorAll('path').length
        + pane.querySelectorAll('canvas').length;
    return shapes > 0 && labels.length > 0 ? [shapes, labels.length] : false;
}"""


def test_grid_map_shows_the_offline_basemap(
    demo_db_url: str,
    tmp_path: Path,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> None:
    viewport = {"width": 1440, "height": 900}
    with (
        serve_app(demo_db_url, tmp_path) as url,
        offline_page(url, viewport=viewport, timeout_ms=TIMEOUT_MS) as (page, offline),
    ):
        outside: list[str] = []
        page.on(
            "request",
            lambda request: (
                None if request.url.startswith(url) else outside.append(request.url)
            ),
        )
        page.goto(url)
        frame = page.wait_for_selector(MAP_FRAME).content_frame()
        shapes, labels = frame.wait_for_function(_DRAWN).json_value()
        assert shapes >= 1 and labels >= 1
        # under the cells: the basemap pane sits below Leaflet's overlay pane
        z_base, z_cells = frame.evaluate(
            """() => [
                +getComputedStyle(document.querySelector(
                    '.leaflet-tn-basemap-pane')).zIndex,
                +getComputedStyle(document.querySelector(
                    '.leaflet-overlay-pane')).zIndex]"""
        )
        assert z_base < z_cells
        # scenery, not data: no basemap feature among the map's features
        strays = frame.evaluate(
            """() => Object.values(window.map._layers).filter(
                layer => layer.feature && !layer.feature.properties.code).length"""
        )
        assert strays == 0
        attribution = frame.locator(".leaflet-control-attribution").inner_text()
        assert "离线底图" in attribution and "OpenStreetMap" in attribution
        label_text = frame.locator(".tn-bm-label").all_inner_texts()
        assert any(text.endswith(("区", "市")) for text in label_text)
        page.screenshot(path=tmp_path / "grid-map-offline-basemap.png")
    # nothing was asked of a tile server, nor of anything else outside
    assert outside == []
    assert offline.refused_assets == []
