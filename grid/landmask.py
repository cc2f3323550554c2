"""Land polygons for an extent, to tell gaps on land from sea.

The land comes from the OpenStreetMap land polygons shipped in the PyPI
package ``roaring-landmask`` (world MultiPolygon, ~150 MB of WKB, ~3-5 s to
load).  The world is loaded once per process and clipped per bounding box;
both steps are cached.

Callers that take a ``land=`` argument (:func:`grid.qa.run_qa`,
:func:`grid.demo.build_qingdao_demo`) accept a :data:`LandSource`:

* ``"auto"``: OSM land polygons for the extent (this module);
* a shapely (Multi)Polygon in EPSG:4326: hand-made land, e.g. in tests;
* ``None``: no land information.

Land polygons are © OpenStreetMap contributors, ODbL-1.0
(:data:`LAND_ATTRIBUTION`), and must be attributed wherever shown.
"""

from __future__ import annotations

import functools
import math
from typing import Literal, TypeAlias

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from grid.errors import GridFileError

#: Attribution to show with anything derived from the land polygons.
LAND_ATTRIBUTION = (
    "Land polygons © OpenStreetMap contributors (ODbL-1.0), "
    "via the roaring-landmask package"
)

#: What a ``land=`` argument accepts.
LandSource: TypeAlias = BaseGeometry | Literal["auto"] | None

#: Bounding boxes are rounded outward to this many degrees before caching.
_ROUND_DEG = 0.01


@functools.lru_cache(maxsize=1)
def _world_land() -> tuple[np.ndarray, shapely.STRtree]:
    """Return the parts of the OSM world land polygon and an index on them."""
    try:
        import roaring_landmask
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        msg = "land='auto' requires the roaring-landmask package"
        raise GridFileError(msg) from exc
    provider = roaring_landmask.LandmaskProvider.Osm
    world = shapely.from_wkb(roaring_landmask.Shapes.wkb(provider))
    parts = shapely.get_parts(world)
    return parts, shapely.STRtree(parts)


def _rounded_bounds(
    bounds: tuple[float, float, float, float],
) -> tuple[float, float, float, float]:
    """Round a bounding box outward to :data:`_ROUND_DEG` degrees."""
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not all(math.isfinite(b) for b in (minx, miny, maxx, maxy)) or (
        minx > maxx or miny > maxy
    ):
        msg = f"bounding box {bounds!r} is not (minx, miny, maxx, maxy) in degrees"
        raise GridFileError(msg)
    step = _ROUND_DEG

    def down(v: float) -> float:
        return round(math.floor(v / step) * step, 6)

    def up(v: float) -> float:
        return round(math.ceil(v / step) * step, 6)

    return (
        max(down(minx), -180.0),
        max(down(miny), -90.0),
        min(up(maxx), 180.0),
        min(up(maxy), 90.0),
    )


@functools.lru_cache(maxsize=16)
def _land_for_rounded(bounds: tuple[float, float, float, float]) -> BaseGeometry:
    """Clip the world land to an already rounded bounding box."""
    parts, tree = _world_land()
    box = shapely.box(*bounds)
    clipped = shapely.intersection(parts[tree.query(box, predicate="intersects")], box)
    polygons = [
        p
        for p in shapely.get_parts(clipped)
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    return shapely.MultiPolygon(polygons)


def load_land(bounds: tuple[float, float, float, float]) -> BaseGeometry:
    """Return OSM land polygons covering a bounding box.

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in degrees (EPSG:4326).  It is rounded
        outward to 0.01° so that nearby extents share one cached result.

    Returns
    -------
    shapely.MultiPolygon
        Land inside the rounded box (possibly empty), EPSG:4326.

    Notes
    -----
    The first call in a process loads the world land polygons (~3-5 s,
    several hundred MB of memory); later calls take milliseconds.
    """
    return _land_for_rounded(_rounded_bounds(bounds))


def resolve_land(
    land: LandSource, bounds: tuple[float, float, float, float]
) -> BaseGeometry | None:
    """Turn a ``land=`` argument into a geometry, or ``None``.

    Parameters
    ----------
    land : "auto", shapely geometry or None
        ``"auto"`` loads OSM land for ``bounds`` with :func:`load_land`;
        a geometry is used as given (polygonal parts only); ``None`` stays
        ``None``.
    bounds : tuple of float
        Extent of interest in degrees.

    Returns
    -------
    shapely geometry or None
    """
    if land is None:
        return None
    if isinstance(land, str):
        if land != "auto":
            msg = f"land must be 'auto', a shapely geometry or None; got {land!r}"
            raise GridFileError(msg)
        return load_land(bounds)
    if not isinstance(land, BaseGeometry):
        msg = f"land must be 'auto', a shapely geometry or None; got {land!r}"
        raise GridFileError(msg)
    return land


class LandIndex:
    """Land cut into small tiles with a spatial index, for fast overlays.

    Intersecting many small geometries with one large land polygon is slow;
    tiles let each geometry meet only the few land pieces near it.

    Parameters
    ----------
    land : shapely geometry
        Land polygons, in any planar CRS (the tile size is in its units).
    tile_size : float
        Edge of the square tiles, in units of ``land``'s CRS.

    Examples
    --------
    >>> idx = LandIndex(shapely.box(0, 0, 10, 10), tile_size=4)
    >>> round(idx.land_part(shapely.box(8, 8, 12, 12)).area, 6)
    4.0
    """

    def __init__(self, land: BaseGeometry, *, tile_size: float) -> None:
        if tile_size <= 0:
            msg = f"tile_size must be positive; got {tile_size!r}"
            raise GridFileError(msg)
        polys = np.array(
            [p for p in shapely.get_parts(land) if p.geom_type == "Polygon"],
            dtype=object,
        )
        self.tiles = _tile(polys, tile_size)
        self.tree = shapely.STRtree(self.tiles)

    def land_parts(self, geoms: np.ndarray) -> np.ndarray:
        """Return the land part of each geometry (vectorised).

        Parameters
        ----------
        geoms : array of shapely geometries

        Returns
        -------
        numpy.ndarray
            One geometry per input: its intersection with the land
            (an empty Polygon where there is none).
        """
        geoms = np.asarray(geoms, dtype=object)
        out = np.array([shapely.Polygon()] * len(geoms), dtype=object)
        if len(geoms) == 0 or len(self.tiles) == 0:
            return out
        gi, ti = self.tree.query(geoms, predicate="intersects")
        if len(gi) == 0:
            return out
        pieces = shapely.intersection(geoms[gi], self.tiles[ti])
        order = np.argsort(gi, kind="stable")
        gi, pieces = gi[order], pieces[order]
        starts = np.flatnonzero(np.r_[True, gi[1:] != gi[:-1]])
        ends = np.r_[starts[1:], len(gi)]
        for s, e in zip(starts, ends, strict=True):
            polys = _polygonal(pieces[s:e])
            if polys:
                out[gi[s]] = shapely.union_all(polys)
        return out

    def land_part(self, geom: BaseGeometry) -> BaseGeometry:
        """Return the land part of one geometry."""
        return self.land_parts(np.array([geom], dtype=object))[0]


def _polygonal(geoms: np.ndarray) -> list[BaseGeometry]:
    """Return the non-empty polygons found in an array of geometries."""
    parts = shapely.get_parts(geoms)
    return [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]


def _tile(polys: np.ndarray, size: float) -> np.ndarray:
    """Cut polygons into square tiles of ``size`` (small polygons stay whole)."""
    if len(polys) == 0:
        return polys
    bounds = shapely.bounds(polys)
    big = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) > size
    tiles: list[BaseGeometry] = list(polys[~big])
    for poly, (minx, miny, maxx, maxy) in zip(polys[big], bounds[big], strict=True):
        xs = np.arange(math.floor(minx / size), math.ceil(maxx / size)) * size
        ys = np.arange(math.floor(miny / size), math.ceil(maxy / size)) * size
        gx, gy = np.meshgrid(xs, ys)
        boxes = shapely.box(
            gx.ravel(), gy.ravel(), gx.ravel() + size, gy.ravel() + size
        )
        tiles.extend(_polygonal(shapely.intersection(poly, boxes)))
    return np.array(tiles, dtype=object)
