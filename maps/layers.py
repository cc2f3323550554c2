"""Folium layers for cell frames, and the drill-down view state of the map.

Everything here is free of Streamlit and of the database: functions take a
cell frame (:mod:`grid.cells`) and plain values and return GeoJSON dicts,
folium objects or small dataclasses, so they can be tested without a browser.

The path from a cell frame to the browser is::

    cells --prepare_geometries--> simplified, shifted, rounded geometries
          --feature_collection--> GeoJSON dict (tooltip properties, no extras)
          --build_map-----------> folium.Map (basemap + one GeoJson layer)

:func:`geojson_size` and :func:`map_html_size` measure what is sent.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure
from shapely.errors import GEOSException

from grid.codes import LEVELS, Level
from maps.assets import use_bundled_leaflet
from maps.basemaps import (
    Basemap,
    Datum,
    to_basemap_datum,
    to_basemap_lonlat,
)
from maps.cell_fills import CHILD_BINS as CHILD_BINS
from maps.cell_fills import CHILD_COLOURS as CHILD_COLOURS
from maps.cell_fills import COLOUR_CHOICES as COLOUR_CHOICES
from maps.cell_fills import LEVEL_COLOURS as LEVEL_COLOURS
from maps.cell_fills import ColourBy as ColourBy
from maps.cell_fills import cell_legend, cell_style, figure_fills
from maps.cell_fills import child_class as child_class
from maps.cell_fills import effective_colour_by as effective_colour_by
from maps.cell_fills import fill_colour as fill_colour
from maps.cell_fills import legend_items as legend_items
from maps.i18n import level_label, t
from maps.legend import Section, add_chrome, add_legend
from maps.offline_basemap import add_offline_basemap
from maps.styles import TOOLTIP_CSS
from maps.text import html_text

#: Decimals kept in the GeoJSON coordinates (1e-6 degree is about 0.1 m).
DEFAULT_DECIMALS = 6
#: Width in pixels a view is assumed to be drawn at when choosing a tolerance.
VIEW_PIXELS = 1000
#: Simplification tolerance in pixels of that view, per level shown.  Village
#: cells are small, so the whole-city village view needs a coarser pass to fit
#: the page budget; zoomed in, the drilled-down views are finer.
TOLERANCE_PIXELS: dict[Level, float] = {
    Level.CITY: 0.5,
    Level.COUNTY: 0.5,
    Level.TOWNSHIP: 0.75,
    Level.VILLAGE: 1.0,
}
MIN_TOLERANCE = 1e-5  # degrees, about 1 m

_TOOLTIP_FIELDS = ("code", "name", "level_label", "children", "boundary")


# --------------------------------------------------------------- geometries
def view_tolerance(
    bounds: Sequence[float], level: Level | str, *, pixels: int = VIEW_PIXELS
) -> float:
    """Choose a simplification tolerance (degrees) for a view.

    The tolerance is a fraction of one screen pixel of the view's extent,
    the fraction set per level in :data:`TOLERANCE_PIXELS`.

    Parameters
    ----------
    bounds : (minx, miny, maxx, maxy)
        Extent of the view in degrees.
    level : Level or str
        Level of the cells shown.
    pixels : int, default VIEW_PIXELS
        Width the view is drawn at.

    Examples
    --------
    >>> round(view_tolerance((119.5, 35.5, 121.5, 37.0), "village"), 6)
    0.002
    """
    minx, miny, maxx, maxy = bounds
    extent = max(maxx - minx, maxy - miny)
    if not math.isfinite(extent) or extent <= 0:
        return MIN_TOLERANCE
    return max(extent / pixels * TOLERANCE_PIXELS[Level(level)], MIN_TOLERANCE)


def simplify_coverage(geometries: Any, tolerance: float) -> np.ndarray:
    """Simplify polygons that tile an area, keeping shared edges shared.

    Uses :func:`shapely.coverage_simplify` (Visvalingam–Whyatt on the edges
    of the coverage), so neighbours keep exactly the same vertices along the
    boundary they share.  If GEOS rejects the input (cells that overlap too
    badly to be a coverage), each geometry is simplified on its own with
    :func:`shapely.simplify` instead.

    Parameters
    ----------
    geometries : array_like of Polygon or MultiPolygon
        No ``None`` or empty geometries.
    tolerance : float
        Roughly the square root of the area of the triangles removed.

    Returns
    -------
    ndarray of geometries
    """
    geoms = np.asarray(geometries, dtype=object)
    if geoms.size == 0 or tolerance <= 0:
        return geoms
    try:
        return np.asarray(shapely.coverage_simplify(geoms, tolerance), dtype=object)
    except GEOSException:
        return np.asarray(
            shapely.simplify(geoms, tolerance, preserve_topology=True), dtype=object
        )


def round_coordinates(geometries: Any, decimals: int = DEFAULT_DECIMALS) -> Any:
    """Round the vertices of geometries to ``decimals`` places.

    Shared vertices round to the same value, so shared edges stay shared.
    """
    return shapely.transform(geometries, lambda xy: np.round(xy, decimals))


def prepare_geometries(
    cells: gpd.GeoDataFrame,
    *,
    tolerance: float | None = None,
    datum: Datum = "wgs84",
    decimals: int = DEFAULT_DECIMALS,
) -> gpd.GeoDataFrame:
    """Return the placed cells with geometries ready to draw.

    Cells without geometry are dropped (see :func:`unplaced_cells`); the
    rest are simplified as one coverage, moved into the basemap's datum and
    rounded.

    Parameters
    ----------
    cells : GeoDataFrame
        A cell frame in EPSG:4326.
    tolerance : float, optional
        Simplification tolerance in degrees; default :func:`view_tolerance`
        of the cells' extent and level.  ``0`` keeps every vertex.
    datum : {"wgs84", "gcj02"}, default "wgs84"
        Datum of the basemap the cells are drawn on.
    decimals : int, default DEFAULT_DECIMALS
        Decimals of the coordinates.
    """
    placed = cells[cells.geometry.notna() & ~cells.geometry.is_empty].copy()
    if placed.empty:
        return placed
    if tolerance is None:
        tolerance = view_tolerance(placed.total_bounds, _dominant_level(placed))
    geoms = simplify_coverage(placed.geometry.to_numpy(), tolerance)
    geoms = to_basemap_datum(geoms, datum)
    placed["geometry"] = round_coordinates(geoms, decimals)
    return placed.set_geometry("geometry", crs=cells.crs)


def _dominant_level(cells: pd.DataFrame) -> Level:
    """Return the finest level present (the one the tolerance matters for)."""
    present = {Level(v) for v in cells["level"].dropna().unique()}
    return max(present, key=lambda lv: lv.depth) if present else Level.VILLAGE


# ----------------------------------------------------------------- geojson
def feature_collection(
    cells: gpd.GeoDataFrame,
    *,
    counts: Mapping[str, int] | None = None,
    employers: Mapping[str, int] | None = None,
    lang: str = "zh",
) -> dict[str, Any]:
    """Return the GeoJSON of placed cells with their tooltip properties.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells whose geometries are ready to draw (:func:`prepare_geometries`);
        rows without geometry are skipped.
    counts : mapping of str to int, optional
        Number of children per code (missing codes count 0).
    employers : mapping of str to int, optional
        Employers per code (missing codes count 0); given, every feature
        gets an ``employers`` property (the default colouring of the grid
        map, :mod:`maps.cell_fills`).
    lang : {"zh", "en"}
        Language of the level name and the boundary mark.

    Returns
    -------
    dict
        A FeatureCollection; each feature has ``id`` = code and properties
        ``code``, ``name`` (HTML-escaped), ``level``, ``level_label``,
        ``children``, ``illustrative`` and ``boundary`` (HTML of the mark).
    """
    counts = counts or {}
    mark = t("boundary_illustrative", lang)
    illustrative_mark = f'<span class="tn-ill">{mark}</span>'
    mapped_mark = t("boundary_mapped", lang)
    placed = cells[cells.geometry.notna()]
    geojson = shapely.to_geojson(placed.geometry.to_numpy())
    features = []
    for row, geometry in zip(placed.itertuples(index=False), geojson, strict=True):
        code = str(row.code)
        illustrative = bool(row.illustrative)
        properties = {
            "code": code,
            "name": html_text(row.name),
            "level": str(row.level),
            "level_label": level_label(row.level, lang),
            "children": int(counts.get(code, 0)),
            "illustrative": illustrative,
            "boundary": illustrative_mark if illustrative else mapped_mark,
        }
        if employers is not None:
            properties["employers"] = int(employers.get(code, 0))
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": properties,
                "geometry": json.loads(geometry),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def geojson_size(collection: Mapping[str, Any]) -> int:
    """Return the size in bytes of a GeoJSON dict as embedded in the page.

    Folium embeds the data with Jinja's ``tojson`` (``json.dumps`` with its
    default separators, ASCII escapes), which this reproduces.
    """
    return len(json.dumps(collection, sort_keys=True).encode("utf-8"))


# -------------------------------------------------------------------- folium
def cell_layer(
    collection: dict[str, Any],
    *,
    lang: str = "zh",
    colour_by: ColourBy = "level",
    attribution: str | None = None,
) -> folium.GeoJson:
    """Build the GeoJson layer of a collection from :func:`feature_collection`.

    The tooltip shows code, name, level, number of child cells, employers
    and staffing status (when the collection has them) and the boundary
    mark (示意 for illustrative cells).
    """
    keys = ["field_code", "field_name", "field_level", "field_children"]
    fields = list(_TOOLTIP_FIELDS[:4])
    features = collection.get("features", [])
    present = features[0]["properties"] if features else {}
    for field, key in (
        ("employers", "emp_field_employers"),
        ("status_label", "field_status"),
    ):
        if field in present:
            fields.append(field)
            keys.append(key)
    fields.append("boundary")
    keys.append("field_boundary")
    aliases = [t(key, lang) for key in keys]
    figures = figure_fills(collection, colour_by, lang)
    fills = figures.by_code if figures is not None else None
    tooltip = folium.GeoJsonTooltip(
        fields=fields,
        aliases=aliases,
        sticky=True,
        class_name="tn-tip",
    )
    options: dict[str, Any] = {}
    if attribution:
        options["attribution"] = attribution
    return folium.GeoJson(
        collection,
        name="cells",
        style_function=lambda f: cell_style(f["properties"], colour_by, fills),
        highlight_function=lambda f: {"weight": 3, "fillOpacity": 0.75},
        tooltip=tooltip,
        control=False,
        **options,
    )


def collection_bounds(collection: Mapping[str, Any]) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of a collection, or ``None``."""
    geoms = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    if not geoms:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]


#: Default centre of an empty map: Qingdao (WGS-84 lon, lat).
DEFAULT_CENTRE = (120.38, 36.07)


def base_map(
    basemap: Basemap,
    *,
    centre: tuple[float, float] = DEFAULT_CENTRE,
    prefer_canvas: bool = False,
) -> folium.Map:
    """Return an empty map on a basemap: bundled Leaflet, tiles, scale bar.

    ``centre`` is a WGS-84 (lon, lat), shifted into the basemap's datum.  On
    the offline basemap the land, sea, water and place labels are drawn by
    :mod:`maps.offline_basemap` for the extent the map is later fitted to.
    The scale bar is metric only and the attribution has no "Leaflet" prefix
    (:func:`maps.legend.add_chrome`).
    """
    lon, lat = to_basemap_lonlat(*centre, basemap.datum)
    fmap = folium.Map(
        location=(lat, lon),
        zoom_start=9,
        tiles=None,
        control_scale=False,  # metric only: maps.legend.MapChrome
        zoom_snap=0.25,
        zoom_delta=0.5,
        prefer_canvas=prefer_canvas,
    )
    use_bundled_leaflet(fmap)
    add_chrome(fmap)
    for spec in basemap.tiles:
        folium.TileLayer(
            tiles=spec.url,
            attr=basemap.tile_attribution(spec),
            subdomains=spec.subdomains or "abc",
            max_zoom=spec.max_zoom,
            control=False,
        ).add_to(fmap)
    if basemap.offline:
        add_offline_basemap(fmap, basemap.lang)
    return fmap


def build_map(
    collection: dict[str, Any],
    basemap: Basemap,
    *,
    lang: str = "zh",
    colour_by: ColourBy = "level",
    legend: Sequence[Section] = (),
) -> folium.Map:
    """Build the map of a collection on a basemap, fitted to its cells.

    The collection's geometries must already be in the basemap's datum
    (:func:`prepare_geometries` with ``datum=basemap.datum``).  The legend
    control on the map explains the cell fills, then ``legend`` (the
    sections of the overlays the caller adds, e.g. the count circles).
    """
    fmap = base_map(basemap, prefer_canvas=len(collection["features"]) > 500)
    root = cast(Figure, fmap.get_root())
    root.header.add_child(folium.Element(TOOLTIP_CSS))
    colour_by = effective_colour_by(collection, colour_by)
    # The cells carry their own attribution, so it shows on every basemap.
    layer = cell_layer(
        collection,
        lang=lang,
        colour_by=colour_by,
        attribution=basemap.cells_attribution,
    )
    layer.add_to(fmap)
    add_legend(fmap, cell_legend(collection, colour_by, lang), *legend)
    bounds = collection_bounds(collection)
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(8, 8))
    return fmap


def map_html_size(fmap: folium.Map) -> int:
    """Return the size in bytes of the map's standalone HTML page."""
    return len(fmap.get_root().render().encode("utf-8"))


def format_size(n_bytes: int) -> str:
    """Return a byte count as ``"1.23 MB"`` / ``"45.6 kB"`` (SI units).

    Examples
    --------
    >>> format_size(2_345_678), format_size(45_600)
    ('2.35 MB', '45.6 kB')
    """
    if n_bytes >= 1_000_000:
        return f"{n_bytes / 1_000_000:.2f} MB"
    return f"{n_bytes / 1000:.1f} kB"


# ---------------------------------------------------------------- summaries
def unplaced_cells(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return code and name of the cells without geometry (placed by address)."""
    mask = cells.geometry.isna() | cells.geometry.is_empty
    return pd.DataFrame(cells.loc[mask, ["code", "name"]]).reset_index(drop=True)


def illustrative_count(cells: gpd.GeoDataFrame) -> int:
    """Return how many placed cells carry illustrative boundaries."""
    placed = cells.geometry.notna()
    return int(cells.loc[placed, "illustrative"].fillna(False).astype(bool).sum())


# --------------------------------------------------------------- drill-down
@dataclass(frozen=True)
class View:
    """What the grid map shows.

    Attributes
    ----------
    level : Level
        Level of the cells drawn.
    parent_code : str or None
        Draw only the children of this cell; ``None`` = the whole city.
    selected : str or None
        A clicked cell without children (a village), shown in the breadcrumb.
    """

    level: Level = Level.COUNTY
    parent_code: str | None = None
    selected: str | None = None

    @property
    def focus(self) -> str | None:
        """Return the deepest cell the breadcrumb leads to."""
        return self.selected or self.parent_code


def drill(view: View, code: str, level: Level | str) -> View:
    """Return the view after a click on cell ``code`` of ``level``.

    A cell with a level below it opens its children; a village (the lowest
    level) becomes the selected cell of the current view.

    Examples
    --------
    >>> drill(View(), "370211", "county")
    View(level=<Level.TOWNSHIP: 'township'>, parent_code='370211', selected=None)
    >>> drill(View(Level.VILLAGE, "370211001"), "370211001003", "village").selected
    '370211001003'
    """
    child = Level(level).child
    if child is None:
        return replace(view, selected=code)
    return View(level=child, parent_code=code)


def view_of(code: str | None, level: Level | str | None) -> View:
    """Return the view a breadcrumb item leads back to.

    ``code=None`` is the whole city at ``level`` (default county level).
    """
    if code is None:
        return View(level=Level(level) if level is not None else Level.COUNTY)
    return drill(View(), code, level or Level.CITY)


def clicked_cell(value: Mapping[str, Any] | None) -> tuple[str, Level] | None:
    """Return (code, level) of the feature clicked in the map, if any.

    Parameters
    ----------
    value : mapping or None
        The value returned by ``st_folium(..., returned_objects=
        ["last_active_drawing"])``: ``{"last_active_drawing": feature}``,
        where ``feature`` is the GeoJSON of the clicked cell (Leaflet's
        ``layer.toGeoJSON()``), properties included.
    """
    if not value:
        return None
    feature = value.get("last_active_drawing") or {}
    properties = feature.get("properties") or {}
    code, level = properties.get("code"), properties.get("level")
    if not code or level not in {lv.value for lv in LEVELS}:
        return None
    return str(code), Level(level)


def ancestry(code: str | None, parent_of: Callable[[str], str | None]) -> list[str]:
    """Return the codes from the top of the grid down to ``code``.

    Parameters
    ----------
    code : str or None
        The deepest cell; ``None`` gives an empty path.
    parent_of : callable
        Returns the parent code of a code (``None`` at the top).

    Examples
    --------
    >>> parents = {"370211001": "370211", "370211": "370200"}
    >>> ancestry("370211001", parents.get)
    ['370200', '370211', '370211001']
    """
    path: list[str] = []
    seen: set[str] = set()
    while code is not None and code not in seen and len(path) < len(LEVELS) + 2:
        path.append(code)
        seen.add(code)
        code = parent_of(code)
    return path[::-1]
