"""Basemaps for the grid maps, with their datums and attributions.

=========== ========= ===========================================================
key         datum     tiles
=========== ========= ===========================================================
``osm``     WGS-84    OpenStreetMap standard tiles
``tianditu`` CGCS2000 天地图 vector + annotation (only when a key is configured)
``gaode``   GCJ-02    高德 (AutoNavi) road map; overlays are shifted into GCJ-02
``none``    WGS-84    no tiles, for offline use
=========== ========= ===========================================================

CGCS2000 is within a metre of WGS-84, so only Gaode needs the overlays moved:
:func:`to_basemap_datum` shifts geometries with
:func:`grid.coords.wgs84_to_gcj02`.  The cells shown are derived from
OpenStreetMap, so :data:`OSM_CELLS_ATTRIBUTION` is shown on every basemap.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely

from grid.coords import wgs84_to_gcj02
from maps.i18n import t

Datum = Literal["wgs84", "gcj02"]

#: Environment variable (or ``st.secrets`` key) holding the Tianditu key.
TIANDITU_KEY_NAME = "TWONET_TIANDITU_KEY"
#: Attribution shown for the OSM-derived cells on every basemap.
OSM_CELLS_ATTRIBUTION = (
    '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


@dataclass(frozen=True)
class TileSpec:
    """One tile layer of a basemap.

    Attributes
    ----------
    url : str
        Leaflet URL template (``{s}``, ``{z}``, ``{x}``, ``{y}``).
    attribution : str
        HTML shown in the attribution control.
    subdomains : str
        Characters substituted for ``{s}``.
    max_zoom : int
        Highest zoom the tiles exist for.
    """

    url: str
    attribution: str
    subdomains: str = "abc"
    max_zoom: int = 18


@dataclass(frozen=True)
class Basemap:
    """A basemap choice.

    Attributes
    ----------
    key : str
        Stable identifier (``"osm"``, ``"tianditu"``, ``"gaode"``, ``"none"``).
    datum : {"wgs84", "gcj02"}
        Datum of the tiles; overlays must be converted into it.
    tiles : tuple of TileSpec
        Tile layers, bottom first (empty for ``"none"``).
    """

    key: str
    datum: Datum
    tiles: tuple[TileSpec, ...] = ()

    def label(self, lang: str) -> str:
        """Return the name shown in the basemap selector."""
        return t(f"basemap_{self.key}", lang)

    @property
    def attributions(self) -> tuple[str, ...]:
        """Return the attribution HTML of the tiles and of the cells."""
        texts = [s.attribution for s in self.tiles] + [OSM_CELLS_ATTRIBUTION]
        return tuple(dict.fromkeys(texts))


_OSM = TileSpec(
    url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    # Same text as the cells' attribution, so Leaflet shows it once.
    attribution=OSM_CELLS_ATTRIBUTION,
    subdomains="",
    max_zoom=19,
)
_TIANDITU_URL = (
    "https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
    "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}"
)
_TIANDITU_ATTRIBUTION = "© 天地图 Tianditu (国家地理信息公共服务平台)"
_GAODE_ATTRIBUTION = "© 高德地图 AutoNavi"


def _tianditu(key: str, lang: str) -> Basemap:
    # vec = vector map, cva/eva = Chinese/English annotation of it.
    annotation = "eva" if lang == "en" else "cva"
    tiles = tuple(
        TileSpec(
            url=_TIANDITU_URL.format(layer=layer, key=key),
            attribution=_TIANDITU_ATTRIBUTION,
            subdomains="01234567",
        )
        for layer in ("vec", annotation)
    )
    return Basemap("tianditu", "wgs84", tiles)


def _gaode(lang: str) -> Basemap:
    language = "en" if lang == "en" else "zh_cn"
    url = (
        "https://webrd0{s}.is.autonavi.com/appmaptile?"
        f"lang={language}&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
    )
    return Basemap(
        "gaode", "gcj02", (TileSpec(url, _GAODE_ATTRIBUTION, subdomains="1234"),)
    )


def tianditu_key(secrets: Mapping[str, Any] | None = None) -> str | None:
    """Return the configured Tianditu key, or ``None``.

    Parameters
    ----------
    secrets : mapping, optional
        For example ``st.secrets``; consulted when the environment variable
        :data:`TIANDITU_KEY_NAME` is unset or empty.
    """
    key = os.environ.get(TIANDITU_KEY_NAME, "").strip()
    if not key and secrets is not None:
        key = str(secrets.get(TIANDITU_KEY_NAME) or "").strip()
    return key or None


def available_basemaps(lang: str, *, tianditu: str | None = None) -> list[Basemap]:
    """Return the basemaps that can be offered, the default first.

    Parameters
    ----------
    lang : {"zh", "en"}
        Language of the tile labels where the provider has a choice.
    tianditu : str, optional
        Tianditu key; without one, Tianditu is left out.

    Examples
    --------
    >>> [b.key for b in available_basemaps("zh")]
    ['osm', 'gaode', 'none']
    >>> [b.key for b in available_basemaps("zh", tianditu="k")]
    ['osm', 'tianditu', 'gaode', 'none']
    """
    basemaps = [Basemap("osm", "wgs84", (_OSM,))]
    if tianditu:
        basemaps.append(_tianditu(tianditu, lang))
    basemaps += [_gaode(lang), Basemap("none", "wgs84")]
    return basemaps


def _to_gcj02(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Shift an (N, 2) array of WGS-84 lon/lat into GCJ-02."""
    return np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))


def to_basemap_datum(geometries: Any, datum: Datum) -> Any:
    """Move WGS-84 geometries into the datum of a basemap.

    Parameters
    ----------
    geometries : shapely geometry or array_like of them
        Lon/lat in WGS-84 (or CGCS2000); ``None`` is kept.
    datum : {"wgs84", "gcj02"}
        The basemap's datum.

    Returns
    -------
    shapely geometry or ndarray of them
        Unchanged for ``"wgs84"``; shifted by typically 100–700 m for
        ``"gcj02"``.

    Examples
    --------
    >>> moved = to_basemap_datum(shapely.Point(120.0, 36.0), "gcj02")
    >>> round(moved.x, 6), round(moved.y, 6)
    (120.00522, 36.000076)
    """
    if datum == "wgs84":
        return geometries
    return shapely.transform(geometries, _to_gcj02)


def to_basemap_lonlat(lon: float, lat: float, datum: Datum) -> tuple[float, float]:
    """Move one WGS-84 point (a marker or a map centre) into a basemap's datum."""
    if datum == "wgs84":
        return lon, lat
    x, y = wgs84_to_gcj02(lon, lat)
    return float(x), float(y)
