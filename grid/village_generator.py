"""Illustrative child cells: split a polygon into one compact cell per code.

:func:`generate_children` draws seeded points in the parent (communities
around a centre, villages spread out), relaxes them with a few Lloyd
iterations and clips their Voronoi diagram to the parent, so the children
tile it exactly.  The same codes and seed (:func:`town_seed`) always give the
same cells.  The Qingdao demo (:mod:`grid.demo`) draws its villages this way.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from grid.cells import to_multipolygon
from grid.errors import GridFileError

#: Degrees per metre along a meridian (local scaling for generated shapes).
_M_PER_DEG = 111_320.0


def town_seed(code: str) -> int:
    """Return the random seed of a township: CRC-32 of its code.

    Seeds depend only on the code, so a township's villages do not change
    when other townships are added, removed or reordered.

    Examples
    --------
    >>> town_seed("370211001")
    3779685506
    """
    return zlib.crc32(str(code).encode("ascii"))


def generate_children(
    parent: BaseGeometry,
    codes: Sequence[str],
    *,
    seed: int,
    seed_area: BaseGeometry | None = None,
    lloyd_iterations: int = 2,
) -> list[BaseGeometry]:
    """Split a polygon into one illustrative child cell per code.

    Seed points are drawn in ``seed_area`` (default: the parent) with a
    generator seeded by ``seed``; codes whose last three digits are below 200
    (communities, 居委会) are drawn around a centre, the others (villages,
    村委会) uniformly, so urban cells come out smaller.  A few Lloyd
    iterations make the shapes compact; the Voronoi diagram of the points is
    clipped to the parent, so the children tile it exactly.  Detached bits of
    a child that touch another child are given to the neighbour sharing the
    longest boundary with them.

    Shapes are computed in a local equirectangular scaling of the parent's
    degrees (EPSG:4326), so cells look compact on the ground.

    Parameters
    ----------
    parent : shapely Polygon or MultiPolygon
        The area to split, in EPSG:4326.
    codes : sequence of str
        One code per child, in the order of the result.
    seed : int
        Random seed (see :func:`town_seed`).
    seed_area : shapely geometry, optional
        Where seed points may go (e.g. the parent's land); must lie in the
        parent.  Ignored when empty.
    lloyd_iterations : int, default 2
        Number of Lloyd relaxation steps.

    Returns
    -------
    list of shapely MultiPolygon
        One child per code.

    Examples
    --------
    >>> kids = generate_children(shapely.box(120, 36, 120.1, 36.1),
    ...                          ["370211001001", "370211001002"], seed=1)
    >>> round(sum(k.area for k in kids), 12)
    0.01
    """
    n = len(codes)
    if parent is None or parent.is_empty or parent.area <= 0:
        msg = f"cannot split an empty or zero-area parent: {parent!r}"
        raise GridFileError(msg)
    if n <= 1:
        return [_as_multi(parent)] * n
    origin = _origin(parent)
    local_parent = _to_local(parent, origin)
    area = local_parent
    if seed_area is not None and not seed_area.is_empty and seed_area.area > 0:
        area = shapely.intersection(_to_local(seed_area, origin), local_parent)
        area = to_multipolygon(area) or local_parent
    rng = np.random.default_rng(seed)
    points = _seed_points(rng, area, _is_community(codes))
    points = _lloyd(points, area, local_parent, lloyd_iterations)
    cells = _voronoi(points, local_parent)
    cells = shapely.intersection(_from_local(cells, origin), parent)
    kids = _reassign_fragments(cells, _from_local(shapely.points(points), origin))
    return [_as_multi(k) for k in kids]


def _as_multi(geom: BaseGeometry | None) -> BaseGeometry:
    """Return the polygonal parts of a geometry as a (possibly empty) MultiPolygon."""
    return to_multipolygon(geom) or shapely.MultiPolygon()


def _is_community(codes: Sequence[str]) -> np.ndarray:
    """Tell which 12-digit codes are communities (village part 001-199)."""
    out = []
    for code in codes:
        tail = str(code)[9:12]
        out.append(len(tail) == 3 and tail.isdigit() and int(tail) < 200)
    return np.asarray(out, dtype=bool)


def _origin(geom: BaseGeometry) -> tuple[float, float]:
    """Return the centre of a geometry's bounding box."""
    minx, miny, maxx, maxy = geom.bounds
    return (minx + maxx) / 2, (miny + maxy) / 2


def _to_local(geoms: Any, origin: tuple[float, float]) -> Any:
    """Map degrees to local metres (equirectangular at the origin)."""
    lon0, lat0 = origin
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def fwd(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(((xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * _M_PER_DEG))

    return shapely.transform(geoms, fwd)


def _from_local(geoms: Any, origin: tuple[float, float]) -> Any:
    """Map local metres back to degrees (inverse of :func:`_to_local`)."""
    lon0, lat0 = origin
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def back(xy: np.ndarray) -> np.ndarray:
        return np.column_stack((xy[:, 0] / kx + lon0, xy[:, 1] / _M_PER_DEG + lat0))

    return shapely.transform(geoms, back)


def _sample_in(
    rng: np.random.Generator,
    area: BaseGeometry,
    n: int,
    *,
    centre: tuple[float, float] | None = None,
    sigma: float = 0.0,
) -> np.ndarray:
    """Draw ``n`` points inside ``area``: uniform, or normal around ``centre``."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found: list[np.ndarray] = []
    count = 0
    batch = max(64, 4 * n)
    for _ in range(200):
        if centre is None:
            xy = rng.uniform((minx, miny), (maxx, maxy), size=(batch, 2))
        else:
            xy = rng.normal(centre, sigma, size=(batch, 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
        if count >= n:
            break
    points = np.concatenate(found)[:n] if found else np.empty((0, 2))
    if len(points) < n:  # a sliver the random draws keep missing
        extra = _points_along(area, n - len(points))
        points = np.concatenate([points, extra])
    return points


def _points_along(area: BaseGeometry, n: int) -> np.ndarray:
    """Return ``n`` points inside an area, spread along its longest part."""
    part = max(shapely.get_parts(area), key=lambda p: p.area)
    inner = part.point_on_surface()
    ring = part.exterior
    fractions = (np.arange(n) + 0.5) / n
    on_ring = shapely.line_interpolate_point(ring, fractions, normalized=True)
    # move each boundary point a little toward an interior point
    xy = shapely.get_coordinates(on_ring)
    return xy + 0.01 * (np.array([inner.x, inner.y]) - xy)


def _seed_points(
    rng: np.random.Generator,
    area: BaseGeometry,
    community: np.ndarray,
) -> np.ndarray:
    """Draw the seed points: communities near a centre, villages uniformly."""
    n = len(community)
    points = np.empty((n, 2))
    n_comm = int(community.sum())
    if n_comm:
        centre = area.point_on_surface()
        sigma = 0.25 * math.sqrt(area.area)
        points[community] = _sample_in(
            rng, area, n_comm, centre=(centre.x, centre.y), sigma=sigma
        )
    if n - n_comm:
        points[~community] = _sample_in(rng, area, n - n_comm)
    return _distinct(points, rng)


def _distinct(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nudge repeated points apart by a millimetre so Voronoi sees all of them."""
    _, first = np.unique(points, axis=0, return_index=True)
    repeated = np.setdiff1d(np.arange(len(points)), first)
    if len(repeated):
        points = points.copy()
        points[repeated] += rng.uniform(-1e-3, 1e-3, size=(len(repeated), 2))
    return points


def _voronoi(points: np.ndarray, frame: BaseGeometry) -> np.ndarray:
    """Return the Voronoi cells of the points, in point order, covering ``frame``."""
    minx, miny, maxx, maxy = frame.bounds
    pad = max(maxx - minx, maxy - miny) + 1.0
    extent = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(points), extend_to=extent, ordered=True
    )
    cells = shapely.get_parts(diagram)
    if len(cells) != len(points):
        msg = f"Voronoi diagram has {len(cells)} cells for {len(points)} points"
        raise GridFileError(msg)
    return cells


def _lloyd(
    points: np.ndarray, area: BaseGeometry, parent: BaseGeometry, iterations: int
) -> np.ndarray:
    """Move points to the centroids of their cells within ``area``."""
    if iterations <= 0:
        return points
    simple = area.simplify(max(5.0, math.sqrt(area.area) / 400))
    simple = to_multipolygon(shapely.make_valid(simple)) or area
    shapely.prepare(parent)
    for _ in range(iterations):
        cells = shapely.intersection(_voronoi(points, parent), simple)
        centroids = shapely.get_coordinates(shapely.centroid(cells), include_z=False)
        has = ~shapely.is_empty(cells)
        moved = points.copy()
        if len(centroids) == has.sum():
            moved[has] = centroids
        inside = shapely.contains_xy(parent, moved[:, 0], moved[:, 1])
        points = np.where(inside[:, None], moved, points)
    return points


def _reassign_fragments(cells: np.ndarray, seeds: np.ndarray) -> list[BaseGeometry]:
    """Give detached bits of a cell to the neighbour sharing most boundary.

    A bit stays with its cell when it touches no other cell (an island of
    the parent), so the cells still tile the parent.
    """
    kids: list[Any] = [to_multipolygon(c) for c in cells]
    moves: list[tuple[int, BaseGeometry]] = []
    for i, (kid, seed) in enumerate(zip(kids, seeds, strict=True)):
        if kid is None or len(kid.geoms) < 2:
            continue
        parts = list(kid.geoms)
        dist = shapely.distance(parts, seed)
        main = int(np.argmin(dist))
        keep = [parts[main]]
        for k, part in enumerate(parts):
            if k == main:
                continue
            target = _longest_shared(part, kids, i)
            if target is None:
                keep.append(part)
            else:
                moves.append((target, part))
        kids[i] = shapely.MultiPolygon(keep)
    for target, part in moves:
        kids[target] = to_multipolygon(shapely.union(kids[target], part))
    return kids


def _longest_shared(part: BaseGeometry, kids: list[Any], own: int) -> int | None:
    """Return the index of the kid sharing the longest boundary with ``part``."""
    eps = 1e-7  # degrees, about 1 cm
    zone = part.buffer(eps)
    best, best_len = None, 0.0
    for j, kid in enumerate(kids):
        if j == own or kid is None or not kid.intersects(zone):
            continue
        shared = shapely.intersection(kid.boundary, zone).length
        if shared > best_len:
            best, best_len = j, shared
    return best
