"""Basemaps for the grid maps, with their datums and attributions.

============ ========= ==========================================================
key          datum     tiles
============ ========= ==========================================================
``offline``  WGS-84    no tiles: land, sea, water and places drawn from packaged
                       OSM data (:mod:`maps.offline_basemap`); works with no
                       network
``tianditu`` CGCS2000  天地图 vector + annotation (only when a key is configured),
                       with its 审图号 in the attribution
``osm``      WGS-84    OpenStreetMap standard tiles
``gaode``    GCJ-02    高德 (AutoNavi) road map; overlays are shifted into GCJ-02
``none``     WGS-84    nothing under the cells
============ ========= ==========================================================

The default (first) basemap is Tianditu when a key is configured -- the one
tile service a bureau sets up -- and the offline basemap otherwise, so a map
never sits on a grey void because no tile server can be reached.

CGCS2000 is within a metre of WGS-84, so only Gaode needs the overlays moved:
:func:`to_basemap_datum` shifts geometries with
:func:`grid.coords.wgs84_to_gcj02`.  The cells shown are derived from
OpenStreetMap, so :data:`OSM_CELLS_ATTRIBUTION` is shown on every basemap.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely

from grid.coords import wgs84_to_gcj02
from maps.i18n import t
from maps.i18n_labels import attribution_text

Datum = Literal["wgs84", "gcj02"]

#: Environment variable (or ``st.secrets`` key) holding the Tianditu key.
TIANDITU_KEY_NAME = "TWONET_TIANDITU_KEY"
#: Environment variable holding Tianditu's map review number (审图号), e.g.
#: ``GS(2024)0568号``, as published on the Tianditu site for the tiles served.
TIANDITU_REVIEW_NUMBER_NAME = "TWONET_TIANDITU_REVIEW_NUMBER"
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
        Stable identifier (``"offline"``, ``"tianditu"``, ``"osm"``,
        ``"gaode"``, ``"none"``).
    datum : {"wgs84", "gcj02"}
        Datum of the tiles; overlays must be converted into it.
    tiles : tuple of TileSpec
        Tile layers, bottom first (empty for ``"offline"`` and ``"none"``).
    lang : {"zh", "en"}
        Language of labels drawn by the app (the offline basemap's places).
    attribution : str
        Attribution of what is drawn without tiles (the offline basemap).
    """

    key: str
    datum: Datum
    tiles: tuple[TileSpec, ...] = ()
    lang: str = "zh"
    attribution: str = ""

    @property
    def offline(self) -> bool:
        """Whether the app draws this basemap itself, with no tile server."""
        return self.key == OFFLINE

    def label(self, lang: str) -> str:
        """Return the name shown in the basemap selector."""
        return t(f"basemap_{self.key}", lang)

    @property
    def cells_attribution(self) -> str:
        """Return the credit of the OSM-derived cells in the map's language."""
        return attribution_text(OSM_CELLS_ATTRIBUTION, self.lang)

    def tile_attribution(self, spec: TileSpec) -> str:
        """Return a tile layer's credit in the map's language."""
        return attribution_text(spec.attribution, self.lang)

    @property
    def attributions(self) -> tuple[str, ...]:
        """Return the attribution HTML of the tiles and of the cells."""
        texts = [self.tile_attribution(s) for s in self.tiles]
        texts += [self.attribution] if self.attribution else []
        texts += [self.cells_attribution]
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
#: Key of the offline basemap.
OFFLINE = "offline"
_GAODE_ATTRIBUTION = "© 高德地图 AutoNavi"


def tianditu_review_number(secrets: Mapping[str, Any] | None = None) -> str | None:
    """Return the configured Tianditu 审图号, or ``None``.

    Read from :data:`TIANDITU_REVIEW_NUMBER_NAME` in the environment, then in
    ``secrets`` (like :func:`tianditu_key`).
    """
    number = os.environ.get(TIANDITU_REVIEW_NUMBER_NAME, "").strip()
    if not number and secrets is not None:
        number = str(secrets.get(TIANDITU_REVIEW_NUMBER_NAME) or "").strip()
    return number or None


def tianditu_attribution(lang: str, review_number: str | None = None) -> str:
    """Return Tianditu's attribution with its 审图号 caption.

    Examples
    --------
    >>> tianditu_attribution("zh", "GS(2024)0568号").endswith("审图号：GS(2024)0568号")
    True
    """
    caption = (
        t("basemap_tianditu_review", lang, number=review_number)
        if review_number
        else t("basemap_tianditu_review_unset", lang)
    )
    return f"{_TIANDITU_ATTRIBUTION} · {escape(caption)}"


def _tianditu(key: str, lang: str, review_number: str | None) -> Basemap:
    # vec = vector map, cva/eva = Chinese/English annotation of it.
    annotation = "eva" if lang == "en" else "cva"
    tiles = tuple(
        TileSpec(
            url=_TIANDITU_URL.format(layer=layer, key=key),
            attribution=tianditu_attribution(lang, review_number),
            subdomains="01234567",
        )
        for layer in ("vec", annotation)
    )
    return Basemap("tianditu", "wgs84", tiles, lang=lang)


def _gaode(lang: str) -> Basemap:
    language = "en" if lang == "en" else "zh_cn"
    url = (
        "https://webrd0{s}.is.autonavi.com/appmaptile?"
        f"lang={language}&size=1&scale=1&style=8&x={{x}}&y={{y}}&z={{z}}"
    )
    return Basemap(
        "gaode",
        "gcj02",
        (TileSpec(url, _GAODE_ATTRIBUTION, subdomains="1234"),),
        lang=lang,
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


def available_basemaps(
    lang: str, *, tianditu: str | None = None, review_number: str | None = None
) -> list[Basemap]:
    """Return the basemaps that can be offered, the default first.

    Parameters
    ----------
    lang : {"zh", "en"}
        Language of the labels where there is a choice.
    tianditu : str, optional
        Tianditu key; without one, Tianditu is left out and the offline
        basemap is the default.
    review_number : str, optional
        Tianditu's 审图号, shown with it; default
        :func:`tianditu_review_number` from the environment.

    Examples
    --------
    >>> [b.key for b in available_basemaps("zh")]
    ['offline', 'osm', 'gaode', 'none']
    >>> [b.key for b in available_basemaps("zh", tianditu="k")]
    ['tianditu', 'offline', 'osm', 'gaode', 'none']
    """
    offline = Basemap(
        OFFLINE, "wgs84", lang=lang, attribution=t("basemap_offline_attribution", lang)
    )
    number = review_number or tianditu_review_number()
    basemaps = [_tianditu(tianditu, lang, number)] if tianditu else []
    basemaps += [
        offline,
        Basemap("osm", "wgs84", (_OSM,), lang=lang),
        _gaode(lang),
        Basemap("none", "wgs84", lang=lang),
    ]
    return basemaps


def default_basemap_key(tianditu: str | None = None) -> str:
    """Return the key of the default basemap: Tianditu if configured, else offline.

    Examples
    --------
    >>> default_basemap_key(), default_basemap_key("k")
    ('offline', 'tianditu')
    """
    return "tianditu" if tianditu else OFFLINE


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
