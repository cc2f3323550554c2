"""``twonet bench locate``: :class:`grid.locate.CellLocator` vs ``geopandas.sjoin``.

:func:`benchmark_locate` draws random points over a grid's extent, places
them on all four levels with the locator, joins the same points to the
village cells with :func:`geopandas.sjoin`, and checks that both give the
same village for every point (boundary duplicates of the join resolved by
the smallest-code rule); :func:`locate_benchmark` runs it on the Qingdao
demo grid and returns the figures ``twonet bench locate`` prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.cells import STORAGE_EPSG
from grid.codes import LEVELS, Level
from grid.errors import CellCodeError
from grid.locate import CellLocator
from twonet.bench import Figure, best_of, timed

#: Share of the points drawn inside the top-level cells (land, mostly).
INSIDE_SHARE = 0.90
#: Share drawn exactly on vertices of village cells (most are shared).
VERTEX_SHARE = 0.005
#: Share drawn on edges of village cells (interpolated along an edge).
EDGE_SHARE = 0.005


def benchmark_locate(
    cells: gpd.GeoDataFrame,
    n_points: int = 1_000_000,
    *,
    seed: int = 0,
    repeat: int = 3,
) -> dict[str, Any]:
    """Time :class:`~grid.locate.CellLocator` against ``geopandas.sjoin``.

    The points: :data:`INSIDE_SHARE` uniformly inside the cells of the
    coarsest level with geometry (the city), :data:`VERTEX_SHARE` exactly on
    vertices of village cells, :data:`EDGE_SHARE` on their edges, the rest
    uniformly over the extent outside the top cells.  Timed: (a) building the
    locator, (b) :meth:`~grid.locate.CellLocator.locate` for all four
    levels, (c) ``geopandas.sjoin(points, villages, predicate="intersects")``
    with the points frame built beforehand (its build is timed apart).
    Timings (b) and (c) are the best of ``repeat`` runs.

    Parameters
    ----------
    cells : geopandas.GeoDataFrame
        A cell frame with village cells with geometry.
    n_points : int, default 1,000,000
        Number of points.
    seed : int, default 0
        Seed of the random points.
    repeat : int, default 3
        Runs of (b) and (c); the fastest counts.

    Returns
    -------
    dict
        ``n_points``, the point mix (``n_inside``, ``n_outside``,
        ``n_on_vertices``, ``n_on_edges``), the locator (``n_cells``,
        ``raster_shape``, ``pixel_deg``, ``mixed_fraction``, ``locator_mb``),
        timings in seconds (``build_seconds``,
        ``locate_seconds``, ``points_frame_seconds``, ``sjoin_seconds``),
        throughputs in points per second (``locate_points_per_second``,
        ``sjoin_points_per_second``), ``speedup`` (sjoin time over locate
        time), and the comparison: ``exact_points`` (points tested exactly),
        ``on_boundary`` (points placed by the smallest-code rule),
        ``in_village`` (points in a village) and ``mismatches`` (points
        whose village differs from the join's).

    Raises
    ------
    CellCodeError
        If ``n_points`` or ``repeat`` is not positive, or the frame has no
        village cell with geometry.
    """
    villages = _villages(cells)
    problems = []
    if n_points < 1:
        problems.append(f"n_points must be >= 1; got {n_points!r}")
    if repeat < 1:
        problems.append(f"repeat must be >= 1; got {repeat!r}")
    if problems:
        raise CellCodeError("; ".join(problems))
    x, y, mix = _random_points(cells, villages, n_points, seed)

    build_seconds, locator = timed(lambda: CellLocator.from_cells(cells))
    locate_seconds, found = best_of(repeat, lambda: locator.locate(x, y))
    frame_seconds, points = timed(
        lambda: gpd.GeoDataFrame(
            geometry=gpd.points_from_xy(x, y, crs=STORAGE_EPSG), crs=STORAGE_EPSG
        )
    )
    right = villages[["code", "geometry"]]
    sjoin_seconds, joined = best_of(
        repeat, lambda: gpd.sjoin(points, right, predicate="intersects")
    )
    expected = _smallest_code(joined, n_points)
    ours = found["village_code"].to_numpy(dtype=object)
    mismatches = int(np.count_nonzero(ours != expected))
    exact = int(np.count_nonzero(locator.needs_exact_test(x, y)))
    return {
        "n_points": n_points,
        **mix,
        "n_cells": locator.n_cells,
        "raster_shape": locator.shape,
        "pixel_deg": locator.pixel_deg,
        "mixed_fraction": locator.mixed_fraction,
        "locator_mb": locator.nbytes / 1e6,
        "build_seconds": build_seconds,
        "locate_seconds": locate_seconds,
        "locate_points_per_second": n_points / locate_seconds,
        "points_frame_seconds": frame_seconds,
        "sjoin_seconds": sjoin_seconds,
        "sjoin_points_per_second": n_points / sjoin_seconds,
        "speedup": sjoin_seconds / locate_seconds,
        "exact_points": exact,
        "on_boundary": int(found["on_boundary"].sum()),
        "in_village": int(np.count_nonzero(found["level"] == Level.VILLAGE.value)),
        "mismatches": mismatches,
    }


# --------------------------------------------------------------------------


def _villages(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the village cells with geometry, or refuse the frame."""
    if not isinstance(cells, gpd.GeoDataFrame) or "level" not in cells:
        msg = f"benchmark needs a cell frame; got {type(cells).__name__}"
        raise CellCodeError(msg)
    geoms = cells.geometry.to_numpy()
    has = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    villages = cells[has & (cells["level"].astype(str) == Level.VILLAGE.value)]
    if villages.empty:
        msg = "benchmark needs village cells with geometry; the frame has none"
        raise CellCodeError(msg)
    return villages


def _top_geometry(cells: gpd.GeoDataFrame) -> Any:
    """Return the union of the cells of the coarsest level with geometry."""
    geoms = cells.geometry.to_numpy()
    has = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    levels = cells["level"].astype(str).to_numpy()
    for level in LEVELS:
        chosen = geoms[has & (levels == level.value)]
        if len(chosen):
            top = shapely.union_all(chosen)
            shapely.prepare(top)
            return top
    return shapely.Polygon()  # pragma: no cover - villages exist


def _random_points(
    cells: gpd.GeoDataFrame, villages: gpd.GeoDataFrame, n: int, seed: int
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Draw the benchmark's points and return them with the mix counts."""
    rng = np.random.default_rng(seed)
    n_vertex = int(n * VERTEX_SHARE)
    n_edge = int(n * EDGE_SHARE)
    n_inside = int(n * INSIDE_SHARE)
    n_outside = n - n_vertex - n_edge - n_inside
    top = _top_geometry(cells)
    minx, miny, maxx, maxy = shapely.total_bounds(cells.geometry.to_numpy())
    inside: list[np.ndarray] = []
    outside: list[np.ndarray] = []
    have_in = have_out = 0
    while have_in < n_inside or have_out < n_outside:
        xy = rng.uniform((minx, miny), (maxx, maxy), size=(max(n, 1000), 2))
        covered = shapely.intersects_xy(top, xy[:, 0], xy[:, 1])
        inside.append(xy[covered])
        outside.append(xy[~covered])
        have_in += int(covered.sum())
        have_out += int((~covered).sum())
        if have_out == 0 and have_in >= n_inside:  # the top cells fill the box
            n_inside += n_outside
            n_outside = 0
    geoms = villages.geometry.to_numpy()
    vertices = shapely.get_coordinates(geoms)
    on_vertex = vertices[rng.integers(0, len(vertices), n_vertex)]
    on_edge = _edge_points(geoms, n_edge, rng)
    xy = np.concatenate(
        [
            np.concatenate(inside)[:n_inside],
            np.concatenate(outside)[:n_outside].reshape(-1, 2),
            on_vertex,
            on_edge,
        ]
    )
    xy = xy[rng.permutation(len(xy))]
    mix = {
        "n_inside": n_inside,
        "n_outside": n_outside,
        "n_on_vertices": n_vertex,
        "n_on_edges": n_edge,
    }
    return xy[:, 0].copy(), xy[:, 1].copy(), mix


def _edge_points(geoms: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``n`` points interpolated along random edges of the geometries."""
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    starts = np.flatnonzero(ring[1:] == ring[:-1])
    pick = starts[rng.integers(0, len(starts), n)]
    t = rng.uniform(0, 1, (n, 1))
    return xy[pick] + t * (xy[pick + 1] - xy[pick])


def _smallest_code(joined: gpd.GeoDataFrame, n: int) -> np.ndarray:
    """Return the joined village code per point, the smallest on ties."""
    pairs = pd.DataFrame(
        {"point": joined.index.to_numpy(), "code": joined["code"].astype(str)}
    )
    best = pairs.sort_values(["point", "code"]).drop_duplicates("point")
    out = np.full(n, None, dtype=object)
    out[best["point"].to_numpy()] = best["code"].to_numpy(dtype=object)
    return out


def locate_benchmark(data_dir: Path, n_points: int) -> list[Figure]:
    """Four-level point location vs ``geopandas.sjoin`` on the village cells."""
    from grid.demo import build_qingdao_demo

    cells, _ = build_qingdao_demo(data_dir)
    result = benchmark_locate(cells, n_points, repeat=3)
    return [
        Figure(
            f"locate {n_points:,} points, 4 levels",
            n_points / result["locate_seconds"] / 1e6,
            "M points/s",
            "geopandas.sjoin (villages only)",
            n_points / result["sjoin_seconds"] / 1e6,
            "≥ 3× sjoin",
        ),
        Figure("locate: speed-up over sjoin", result["speedup"], "×"),
        Figure(
            "locate: assignments differing from sjoin", result["mismatches"], "rows"
        ),
        Figure("locate: index build", result["build_seconds"], "s"),
    ]
