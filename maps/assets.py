"""Leaflet served with the page, not from a CDN.

folium points its maps at Leaflet, jQuery, Bootstrap and Font Awesome on
jsDelivr and other CDNs, which are slow or blocked on many networks in mainland
China and absent on an offline inspection-office machine.  The grid maps need
Leaflet only, so :func:`use_bundled_leaflet` swaps the CDN links of a map for
``data:`` URLs of the Leaflet copy shipped in the PyPI package
``xstatic-leaflet`` (BSD-2).  The map then draws with no network at all; only
basemap tiles need one (the default "offline" basemap needs none:
:mod:`maps.offline_basemap`).
"""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

import folium
import xstatic.pkg.leaflet as xstatic_leaflet

from maps.map_focus import focus_without_scroll

LEAFLET_VERSION: str = xstatic_leaflet.VERSION
_LEAFLET_DIR = Path(xstatic_leaflet.BASE_DIR)


@lru_cache(maxsize=1)
def _data_url(name: str, mime: str) -> str:
    payload = base64.b64encode((_LEAFLET_DIR / name).read_bytes()).decode("ascii")
    return f"data:{mime};base64,{payload}"


def leaflet_js_url() -> str:
    """Return Leaflet's JavaScript as a ``data:`` URL."""
    return _data_url("leaflet.js", "text/javascript")


def leaflet_css_url() -> str:
    """Return Leaflet's stylesheet as a ``data:`` URL."""
    return _data_url("leaflet.css", "text/css")


def use_bundled_leaflet(fmap: folium.Map) -> folium.Map:
    """Make a map load the bundled Leaflet and nothing from a CDN.

    Drops folium's jQuery, Bootstrap and awesome-markers links, which the
    grid maps do not use.  Also keeps the page still when the map takes the
    focus on a first click (:mod:`maps.map_focus`).
    """
    focus_without_scroll(fmap)
    fmap.default_js = [("leaflet", leaflet_js_url())]
    fmap.default_css = [("leaflet_css", leaflet_css_url())]
    return fmap
