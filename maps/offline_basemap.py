"""The offline basemap: land, sea, inland water and place names, drawn by us.

A light vector layer under the cells that needs no tile server, for
networks that reach none (government intranets).  The geometry comes from
:mod:`grid.basemap_layers`; the data from

* the packaged file of the Qingdao region
  (:data:`ingest.basemap_sources.QINGDAO_BASEMAP`: OSM land polygons, OSM
  water bodies, place names of the OSM boundaries), read once per process;
* for an extent outside it, the OSM land polygons of ``roaring-landmask``
  (:func:`grid.landmask.load_land`; the first call in a process takes a few
  seconds), without water or places.

Both are © OpenStreetMap contributors (ODbL); the attribution is shown in the
map's attribution control.  The layer is in WGS-84, so it is offered only as
a basemap of its own, never under GCJ-02 tiles.

:class:`OfflineBasemapLayer` is added by :func:`maps.layers.base_map` to every
map on the ``offline`` basemap.  It fills itself when the map is rendered,
for the extent the map is fitted to (its last ``fit_bounds``), so every page
gets a basemap that matches its view without passing the extent around.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any, cast

import folium
from branca.element import Element, Figure
from folium.utilities import JsCode

from grid.basemap_layers import (
    BasemapLayers,
    Bounds,
    choose_labels,
    covers,
    derive_layers,
    padded_extent,
)
from grid.errors import GridFileError
from grid.landmask import load_land
from ingest.basemap_sources import QINGDAO_BASEMAP, BasemapSource, read_basemap_file
from maps.i18n import t
from maps.text import html_text

_log = logging.getLogger(__name__)

#: Leaflet pane of the land and water: above tiles (200), under the cells (400).
PANE = "tn-basemap"
#: Leaflet pane of the place labels: above the cells, under tooltips.
LABEL_PANE = "tn-basemap-labels"
#: Fill colours: sea and inland water pale blue, land light grey.
COLOURS = {"sea": "#d4e4f1", "land": "#f2f0eb", "water": "#d4e4f1"}
#: Half-size in degrees of the extent drawn around a map's centre when the
#: map is not fitted to any bounds.
DEFAULT_HALF_EXTENT = 0.8

# Names sit just below their point: the count circles of the cells are
# anchored at about the same points, and their numbers must stay readable.
_LABEL_CSS = """<style>
.tn-bm-label{pointer-events:none}
.tn-bm-label span{display:inline-block;transform:translate(-50%,14px);
white-space:nowrap;font:11px/1.2 sans-serif;color:#6b6b6b;
text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff}
.tn-bm-label.tn-bm-r1 span{font-size:13px;color:#4a4a4a;font-weight:600}
</style>"""


@functools.lru_cache(maxsize=1)
def packaged_source() -> BasemapSource | None:
    """Return the packaged Qingdao basemap, or ``None`` if it cannot be read."""
    try:
        return read_basemap_file(QINGDAO_BASEMAP)
    except GridFileError as exc:  # pragma: no cover - the file is in the repo
        _log.warning("offline basemap file unavailable: %s", exc)
        return None


@functools.lru_cache(maxsize=32)
def offline_layers(extent: Bounds) -> BasemapLayers:
    """Return the basemap layers of an extent (cached per extent).

    Parameters
    ----------
    extent : tuple of float
        ``(minx, miny, maxx, maxy)`` in degrees, from
        :func:`grid.basemap_layers.padded_extent` (rounded, so views share
        the cache).

    Notes
    -----
    Inside the packaged region this takes milliseconds.  Elsewhere the land
    comes from ``roaring-landmask`` (a few seconds and several hundred MB
    the first time in a process), and there is no water and no place.
    """
    source = packaged_source()
    if source is not None and covers(source.coverage, extent):
        land = source.land
    else:
        land = load_land(extent)
    if source is None:
        return derive_layers(extent, land=land)
    return derive_layers(extent, land=land, water=source.water, places=source.places)


def view_extent(fmap: folium.Map) -> Bounds:
    """Return the basemap extent for a map: its fitted bounds, padded.

    The last :class:`folium.map.FitBounds` of the map wins; a map fitted to
    nothing gets :data:`DEFAULT_HALF_EXTENT` degrees around its centre.
    """
    fitted = [
        child.bounds
        for child in fmap._children.values()
        if isinstance(child, folium.map.FitBounds)
    ]
    if fitted:
        (south, west), (north, east) = fitted[-1]
        return padded_extent((float(west), float(south), float(east), float(north)))
    lat, lon = (float(v) for v in fmap.location)
    half = DEFAULT_HALF_EXTENT
    return padded_extent(
        (lon - half, lat - half, lon + half, lat + half), fraction=0.0, minimum=0.0
    )


#: Leaflet keeps each GeoJSON feature on its layer (``layer.feature``), so
#: code that scans a map's layers for features (tests, page scripts looking
#: for cells by ``properties.code``) would find the basemap's sea, land and
#: water among the cells.  They are scenery, not data: drop the reference once
#: Leaflet has styled the layer (nothing restyles it: no highlight, no popup).
_SCENERY_ONLY = JsCode("function (feature, layer) { delete layer.feature; }")


def _polygon_feature(geometry: Any, kind: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"kind": kind},
        "geometry": geometry.__geo_interface__,
    }


def _style(feature: dict[str, Any]) -> dict[str, Any]:
    kind = feature["properties"]["kind"]
    return {
        "fillColor": COLOURS[kind],
        "fillOpacity": 1.0,
        "color": "#c4ccd4" if kind == "land" else COLOURS[kind],
        "weight": 0.6 if kind == "land" else 0,
    }


def basemap_geojson(layers: BasemapLayers) -> dict[str, Any]:
    """Return the sea box, land and inland water as one FeatureCollection."""
    import shapely

    features = [_polygon_feature(shapely.box(*layers.bounds), "sea")]
    if not layers.land.is_empty:
        features.append(_polygon_feature(layers.land, "land"))
    if not layers.water.is_empty:
        features.append(_polygon_feature(layers.water, "water"))
    return {"type": "FeatureCollection", "features": features}


class OfflineBasemapLayer(folium.FeatureGroup):
    """The offline basemap of a map, filled in when the map is rendered.

    Parameters
    ----------
    lang : {"zh", "en"}
        Language of the place labels and of the attribution.
    extent : tuple of float, optional
        Fixed extent; default :func:`view_extent` of the map at render time.
    """

    def __init__(self, lang: str = "zh", *, extent: Sequence[float] | None = None):
        super().__init__(name="offline basemap", control=False, overlay=True)
        self._name = "OfflineBasemap"
        self.lang = lang
        self.extent = (
            None
            if extent is None
            else padded_extent(extent, fraction=0.0, minimum=0.0, aspect=None)
        )
        self._filled: Bounds | None = None

    def _fill(self) -> None:
        """Build the children for the map's extent, once per extent.

        A map rendered twice (as streamlit-folium does) keeps the same
        elements, so the page does not grow.
        """
        extent = self.extent or view_extent(cast(folium.Map, self._parent))
        if extent == self._filled:
            return
        layers = offline_layers(extent)
        self._children.clear()
        self._filled = extent
        folium.GeoJson(
            basemap_geojson(layers),
            name="offline basemap land and water",
            style_function=_style,
            control=False,
            interactive=False,
            pane=PANE,
            attribution=t("basemap_offline_attribution", self.lang),
            on_each_feature=_SCENERY_ONLY,
        ).add_to(self)
        for place in choose_labels(layers.places, layers.bounds, lang=self.lang):
            folium.Marker(
                location=(place.lat, place.lon),
                icon=folium.DivIcon(
                    html=f"<span>{html_text(place.name(self.lang))}</span>",
                    icon_size=(0, 0),
                    class_name=f"tn-bm-label tn-bm-r{place.rank}",
                ),
                pane=LABEL_PANE,
                interactive=False,
                keyboard=False,
            ).add_to(self)

    def render(self, **kwargs: Any) -> Any:
        """Fill the layer for the map's extent, then render it."""
        self._fill()
        return super().render(**kwargs)


def add_offline_basemap(
    fmap: folium.Map, lang: str, *, extent: Sequence[float] | None = None
) -> OfflineBasemapLayer:
    """Add the panes, label style and :class:`OfflineBasemapLayer` to a map.

    Call it right after creating the map, before any overlay, so the layer
    is drawn first.
    """
    folium.map.CustomPane(PANE, z_index=250, pointer_events=False).add_to(fmap)
    folium.map.CustomPane(LABEL_PANE, z_index=450, pointer_events=False).add_to(fmap)
    root = fmap.get_root()
    if isinstance(root, Figure):
        root.header.add_child(Element(_LABEL_CSS), name="tn_basemap_label_css")
    layer = OfflineBasemapLayer(lang, extent=extent)
    layer.add_to(fmap)
    return layer
