"""The offline basemap's geometry: land, inland water and place labels.

Pure computation, no files and no drawing: the callers hand in land and
water (Multi)Polygons in EPSG:4326 and a list of :class:`Place`; this module
clips them to a map's extent, simplifies them to what a screen can show and
chooses the labels that fit.  :mod:`ingest.basemap_sources` reads the
packaged data, :mod:`maps.offline_basemap` draws the result.

The sea is not a geometry of its own: it is the extent's box wherever there
is no land, so a map draws the box in the sea colour and the land on top.
Outside the extent nothing is known and nothing is drawn.

Examples
--------
>>> import shapely
>>> land = shapely.box(0.0, 0.0, 1.0, 2.0)
>>> layers = derive_layers((0.5, 0.5, 1.5, 1.5), land=land)
>>> layers.land.bounds
(0.5, 0.5, 1.0, 1.5)
>>> is_land(layers, 0.75, 1.0), is_land(layers, 1.25, 1.0)
(True, False)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from grid.errors import GridFileError

Bounds = tuple[float, float, float, float]

#: Width in pixels a map is assumed to be drawn at when simplifying.
VIEW_PIXELS = 1200
#: Extents are padded by this share of their size on every side ...
PAD_FRACTION = 0.3
#: ... and by at least this many degrees, so a small view can be panned.
MIN_PAD_DEG = 0.05
#: Extents are rounded outward to this many degrees (for caching).
ROUND_DEG = 0.01
#: An extent wider than this (degrees) labels only county-level places.
COUNTY_LABELS_ABOVE_DEG = 0.6
#: Width : height on the ground of the area a basemap covers (wide screens).
SCREEN_ASPECT = 2.0
#: At most this many labels on one map.
MAX_LABELS = 40
#: Labels closer than this share of the extent's smaller side to a more
#: important one are dropped, so they do not overlap.
LABEL_SPACING = 1 / 24


@dataclass(frozen=True)
class Place:
    """A named point to label on the basemap.

    Attributes
    ----------
    name_zh, name_en : str
        Names to show; an empty string means "no name in that language".
    lon, lat : float
        Label position, EPSG:4326.
    rank : int
        1 for county-level places, 2 for townships; smaller is shown first.
    """

    name_zh: str
    name_en: str
    lon: float
    lat: float
    rank: int

    def name(self, lang: str) -> str:
        """Return the name in ``lang`` ("zh" or "en"), or ``""``."""
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class BasemapLayers:
    """The offline basemap of one extent.

    Attributes
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` the layers cover; the sea is this box
        less the land.
    land, water : shapely (Multi)Polygon
        Land and inland water (lakes, reservoirs, wide rivers), clipped to
        ``bounds`` and simplified; possibly empty.
    places : tuple of Place
        The labels chosen for the extent, most important first.
    tolerance : float
        Simplification tolerance used, in degrees.
    """

    bounds: Bounds
    land: BaseGeometry
    water: BaseGeometry
    places: tuple[Place, ...]
    tolerance: float


def check_bounds(bounds: Sequence[float]) -> Bounds:
    """Return ``bounds`` as four floats, or raise if it is not a lon/lat box.

    Raises
    ------
    GridFileError
        If it has not four finite values with min ≤ max inside ±180/±90.
    """
    msg = f"bounding box {bounds!r} is not (minx, miny, maxx, maxy) in degrees"
    try:
        minx, miny, maxx, maxy = (float(b) for b in bounds)
    except (TypeError, ValueError) as exc:
        raise GridFileError(msg) from exc
    finite = all(math.isfinite(v) for v in (minx, miny, maxx, maxy))
    if not finite or minx > maxx or miny > maxy:
        raise GridFileError(msg)
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise GridFileError(msg)
    return minx, miny, maxx, maxy


def padded_extent(
    bounds: Sequence[float],
    *,
    fraction: float = PAD_FRACTION,
    minimum: float = MIN_PAD_DEG,
    aspect: float | None = SCREEN_ASPECT,
) -> Bounds:
    """Return the extent a basemap should cover for a view of ``bounds``.

    The box is padded by ``fraction`` of its size (at least ``minimum``
    degrees) on each side, then widened or heightened about its centre to
    ``aspect`` (width : height on the ground), since a map fitted to a tall
    area shows more to its sides on a wide screen.  It is rounded outward to
    :data:`ROUND_DEG` so that nearby views share one cached result, and kept
    inside ±180/±90.

    Examples
    --------
    >>> padded_extent((120.0, 36.0, 120.2, 36.1), aspect=None)
    (119.94, 35.95, 120.26, 36.15)
    >>> padded_extent((120.0, 36.0, 120.2, 36.1))
    (119.85, 35.95, 120.35, 36.15)
    """
    minx, miny, maxx, maxy = check_bounds(bounds)
    pad_x = max((maxx - minx) * fraction, minimum)
    pad_y = max((maxy - miny) * fraction, minimum)
    if aspect:
        cos_lat = max(math.cos(math.radians((miny + maxy) / 2)), 0.05)
        width = (maxx - minx + 2 * pad_x) * cos_lat  # ground degrees
        height = maxy - miny + 2 * pad_y
        pad_x += max(aspect * height - width, 0.0) / cos_lat / 2
        pad_y += max(width / aspect - height, 0.0) / 2

    def down(v: float) -> float:
        return round(math.floor(round(v / ROUND_DEG, 6)) * ROUND_DEG, 6)

    def up(v: float) -> float:
        return round(math.ceil(round(v / ROUND_DEG, 6)) * ROUND_DEG, 6)

    return (
        max(down(minx - pad_x), -180.0),
        max(down(miny - pad_y), -90.0),
        min(up(maxx + pad_x), 180.0),
        min(up(maxy + pad_y), 90.0),
    )


def tolerance_for(bounds: Sequence[float], *, pixels: int = VIEW_PIXELS) -> float:
    """Return a simplification tolerance (degrees) of one pixel of the extent.

    The extent is padded (:func:`padded_extent`), so a pixel of the view is
    about half of this: enough for a background layer, and it keeps the
    payload small.

    Examples
    --------
    >>> tolerance_for((0.0, 0.0, 1.2, 0.5))
    0.001
    """
    minx, miny, maxx, maxy = check_bounds(bounds)
    return max(max(maxx - minx, maxy - miny) / pixels, 1e-5)


def polygonal(geometries: Iterable[BaseGeometry | None]) -> BaseGeometry:
    """Return the polygonal parts of ``geometries`` as one MultiPolygon."""
    parts: list[shapely.Polygon] = []
    for geom in geometries:
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(geom):
            if part.geom_type == "Polygon" and not part.is_empty:
                parts.append(part)
            elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
                parts.extend(shapely.get_parts(polygonal([part])))
    return shapely.MultiPolygon(parts)


def clip_polygons(
    geometry: BaseGeometry | None, bounds: Sequence[float]
) -> BaseGeometry:
    """Return the polygonal parts of ``geometry`` inside ``bounds``.

    Each part is clipped on its own (no union of the world), so a large
    multipolygon is clipped in milliseconds.
    """
    if geometry is None or geometry.is_empty:
        return shapely.MultiPolygon()
    box = shapely.box(*check_bounds(bounds))
    parts = shapely.get_parts(geometry)
    tree = shapely.STRtree(parts)
    hits = parts[tree.query(box, predicate="intersects")]
    return polygonal(shapely.intersection(hits, box))


def simplify_polygons(geometry: BaseGeometry, tolerance: float) -> BaseGeometry:
    """Simplify polygons for display and drop parts too small to see.

    Parts smaller than a 2 × 2 tolerance square vanish; the rest is
    simplified with topology preserved and snapped to a grid of a tenth of
    the tolerance (fewer digits in the GeoJSON).
    """
    if geometry.is_empty:
        return shapely.MultiPolygon()
    parts = shapely.get_parts(geometry)
    parts = parts[shapely.area(parts) >= 4 * tolerance * tolerance]
    simple = shapely.simplify(parts, tolerance, preserve_topology=True)
    grid_size = 10 ** math.floor(math.log10(tolerance / 10))
    return polygonal(shapely.set_precision(shapely.make_valid(simple), grid_size))


def inland_water(
    waterbodies: BaseGeometry, land: BaseGeometry, *, min_share: float = 0.9
) -> BaseGeometry:
    """Return the water bodies that lie on land (lakes, reservoirs, rivers).

    Water-body data sets often include the sea; a part counts as inland
    when at least ``min_share`` of its area is on ``land``, and is then cut
    to the land so it never spills into the sea.
    """
    if waterbodies.is_empty or land.is_empty:
        return shapely.MultiPolygon()
    parts = shapely.get_parts(waterbodies)
    land_parts = shapely.get_parts(land)
    tree = shapely.STRtree(land_parts)
    kept = []
    for part in parts:
        near = land_parts[tree.query(part, predicate="intersects")]
        if len(near) == 0:
            continue
        on_land = shapely.intersection(part, shapely.union_all(near))
        if on_land.area >= min_share * part.area:
            kept.append(on_land)
    return polygonal(kept)


def label_point(geometry: BaseGeometry) -> tuple[float, float]:
    """Return a label position well inside a polygon, or the point itself.

    The position is the pole of inaccessibility of the largest part.
    """
    if isinstance(geometry, shapely.Point):
        return float(geometry.x), float(geometry.y)
    parts = shapely.get_parts(polygonal([geometry]))
    if len(parts) == 0:
        point = geometry.representative_point()
        return float(point.x), float(point.y)
    largest = parts[int(np.argmax(shapely.area(parts)))]
    size = max(largest.bounds[2] - largest.bounds[0], 1e-9)
    point = polylabel(largest, tolerance=size / 100)
    return round(float(point.x), 6), round(float(point.y), 6)


def choose_labels(
    places: Sequence[Place],
    bounds: Sequence[float],
    *,
    lang: str | None = None,
    max_labels: int = MAX_LABELS,
) -> tuple[Place, ...]:
    """Return the places to label in an extent, most important first.

    Wide extents show only county-level places (rank 1); a place closer
    than :data:`LABEL_SPACING` of the extent's smaller side to an already
    chosen one is left out.  With ``lang``, places without a name in that language
    are left out too.
    """
    minx, miny, maxx, maxy = check_bounds(bounds)
    max_rank = 1 if (maxx - minx) > COUNTY_LABELS_ABOVE_DEG else 2
    spacing = min(maxx - minx, maxy - miny) * LABEL_SPACING
    inside = [
        p
        for p in places
        if minx <= p.lon <= maxx
        and miny <= p.lat <= maxy
        and p.rank <= max_rank
        and (lang is None or p.name(lang))
    ]
    inside.sort(key=lambda p: (p.rank, p.name_zh, p.name_en, p.lon, p.lat))
    chosen: list[Place] = []
    for place in inside:
        if len(chosen) >= max_labels:
            break
        if all(
            math.hypot(place.lon - c.lon, place.lat - c.lat) >= spacing for c in chosen
        ):
            chosen.append(place)
    return tuple(chosen)


def derive_layers(
    bounds: Sequence[float],
    *,
    land: BaseGeometry | None,
    water: BaseGeometry | None = None,
    places: Sequence[Place] = (),
    tolerance: float | None = None,
) -> BasemapLayers:
    """Clip, simplify and label the basemap for one extent.

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in degrees, usually from
        :func:`padded_extent`.
    land : shapely geometry or None
        Land polygons covering at least ``bounds`` (e.g.
        :func:`grid.landmask.load_land`); ``None`` means all sea.
    water : shapely geometry, optional
        Inland water (:func:`inland_water`).
    places : sequence of Place
        Candidates for labels (:func:`choose_labels` picks from them).
    tolerance : float, optional
        Degrees; default :func:`tolerance_for` the extent.

    Returns
    -------
    BasemapLayers
    """
    box = check_bounds(bounds)
    tol = tolerance_for(box) if tolerance is None else float(tolerance)
    if not tol > 0:
        msg = f"tolerance must be positive degrees; got {tolerance!r}"
        raise GridFileError(msg)
    return BasemapLayers(
        bounds=box,
        land=simplify_polygons(clip_polygons(land, box), tol),
        water=simplify_polygons(clip_polygons(water, box), tol),
        places=choose_labels(places, box),
        tolerance=tol,
    )


def is_land(layers: BasemapLayers, lon: float, lat: float) -> bool:
    """Return whether a point is drawn as land (not sea, not inland water)."""
    point = shapely.Point(lon, lat)
    return bool(layers.land.intersects(point)) and not bool(
        layers.water.intersects(point)
    )


def covers(outer: Sequence[float], inner: Sequence[float]) -> bool:
    """Return whether box ``outer`` contains box ``inner``.

    Examples
    --------
    >>> covers((0, 0, 2, 2), (0.5, 0.5, 1, 1)), covers((0, 0, 2, 2), (1, 1, 3, 3))
    (True, False)
    """
    ox0, oy0, ox1, oy1 = check_bounds(outer)
    ix0, iy0, ix1, iy1 = check_bounds(inner)
    return ox0 <= ix0 and oy0 <= iy0 and ix1 <= ox1 and iy1 <= oy1
