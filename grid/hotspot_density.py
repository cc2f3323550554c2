"""Boundary-free checks of hotspots: kernel density and H3 hexagons.

A Gi* hotspot depends on how the cells are drawn (the modifiable areal unit
problem).  Two views that ignore the cells show whether a hotspot is in the
points themselves:

* :func:`kernel_density`, a Gaussian kernel density of violation points on
  a square raster in a projected CRS (default EPSG:4549, CGCS2000 /
  3-degree Gauss-Kruger CM 120E, the zone of Qingdao): the points are
  binned on the raster, then smoothed with ``scipy.ndimage.gaussian_filter``
  (a binned KDE: the same result as summing a kernel per point, up to half
  a raster cell, in time independent of the number of points);
* :func:`h3_counts`, points per H3 hexagon (``h3.latlng_to_cell``),
  resolution 8 (about 0.7 km²) by default, 7 (about 5 km²) for a county.
"""

from __future__ import annotations

import math
from typing import Final

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import shapely
from scipy.ndimage import gaussian_filter

from grid.errors import CRSError, HotspotError

#: Projected CRS of the kernel density: CGCS2000 / 3-degree GK CM 120E.
DENSITY_EPSG: Final = 4549
#: CRS of everything returned (the storage CRS).
OUTPUT_EPSG: Final = 4326


def _points(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if points.crs is None:
        msg = "违法点位缺少坐标系 / violation points have no CRS"
        raise CRSError(msg)
    keep = ~(points.geometry.isna() | points.geometry.is_empty)
    kept = points.loc[keep]
    if not (kept.geometry.geom_type == "Point").all():
        kinds = sorted(set(kept.geometry.geom_type))
        msg = f"核密度只接受点 / kernel density takes points only, got {kinds}"
        raise HotspotError(msg)
    return kept


def default_bandwidth(x: np.ndarray, y: np.ndarray) -> float:
    """Return Scott's rule bandwidth (metres) for 2-D points: ``s * n ** (-1/6)``.

    ``s`` is the mean of the two coordinate standard deviations; at least
    1 m.
    """
    n = x.size
    spread = (float(np.std(x, ddof=1)) + float(np.std(y, ddof=1))) / 2 if n > 1 else 0
    return max(spread * n ** (-1 / 6), 1.0)


def kernel_density(
    points: gpd.GeoDataFrame,
    *,
    cell_size_m: float = 500.0,
    bandwidth_m: float | None = None,
    epsg: int = DENSITY_EPSG,
    min_share: float = 0.01,
) -> gpd.GeoDataFrame:
    """Return the kernel density of ``points`` as raster squares.

    Parameters
    ----------
    points : GeoDataFrame
        Violation points (any CRS); empty geometries are skipped.
    cell_size_m : float
        Side of a raster square in metres.
    bandwidth_m : float, optional
        Standard deviation of the Gaussian kernel in metres; default
        :func:`default_bandwidth`.
    epsg : int
        Projected CRS the density is computed in.
    min_share : float
        Squares below this share of the highest density are left out.

    Returns
    -------
    GeoDataFrame
        ``density_per_km2`` (expected points per km²; sums to the number of
        points over the raster), ``bandwidth_m`` and square ``geometry`` in
        EPSG:4326.
    """
    if cell_size_m <= 0 or (bandwidth_m is not None and bandwidth_m <= 0):
        msg = (
            f"栅格边长和带宽须为正 / cell size and bandwidth must be positive: "
            f"{cell_size_m}, {bandwidth_m}"
        )
        raise HotspotError(msg)
    projected = _points(points).to_crs(epsg)
    empty = gpd.GeoDataFrame(
        {
            "density_per_km2": pd.Series(dtype=float),
            "bandwidth_m": pd.Series(dtype=float),
        },
        geometry=gpd.GeoSeries([], crs=OUTPUT_EPSG),
        crs=OUTPUT_EPSG,
    )
    if projected.empty:
        return empty
    x = projected.geometry.x.to_numpy()
    y = projected.geometry.y.to_numpy()
    h = bandwidth_m if bandwidth_m is not None else default_bandwidth(x, y)
    pad = 3 * h
    x0 = math.floor((x.min() - pad) / cell_size_m) * cell_size_m
    y0 = math.floor((y.min() - pad) / cell_size_m) * cell_size_m
    nx = math.ceil((x.max() + pad - x0) / cell_size_m)
    ny = math.ceil((y.max() + pad - y0) / cell_size_m)
    counts, _, _ = np.histogram2d(
        x,
        y,
        bins=(nx, ny),
        range=((x0, x0 + nx * cell_size_m), (y0, y0 + ny * cell_size_m)),
    )
    smooth = gaussian_filter(counts, sigma=h / cell_size_m, mode="constant")
    density = smooth / (cell_size_m / 1000) ** 2
    if density.max() <= 0:
        return empty
    ix, iy = np.nonzero(density >= min_share * density.max())
    squares = shapely.box(
        x0 + ix * cell_size_m,
        y0 + iy * cell_size_m,
        x0 + (ix + 1) * cell_size_m,
        y0 + (iy + 1) * cell_size_m,
    )
    frame = gpd.GeoDataFrame(
        {"density_per_km2": density[ix, iy], "bandwidth_m": h},
        geometry=squares,
        crs=epsg,
    )
    return frame.to_crs(OUTPUT_EPSG)


def h3_counts(points: gpd.GeoDataFrame, *, resolution: int = 8) -> gpd.GeoDataFrame:
    """Return the number of points in each H3 hexagon that has any.

    Returns
    -------
    GeoDataFrame
        ``h3`` (cell index), ``count`` and the hexagon ``geometry`` in
        EPSG:4326, sorted by count then index.

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([120.38] * 2,
    ...     [36.07] * 2), crs=4326)
    >>> h3_counts(pts)["count"].tolist()
    [2]
    """
    if not 0 <= resolution <= 15:
        msg = f"H3 分辨率须在 0–15 / H3 resolution must be 0–15: {resolution}"
        raise HotspotError(msg)
    wgs = _points(points).to_crs(OUTPUT_EPSG)
    cells = [
        h3.latlng_to_cell(lat, lng, resolution)
        for lng, lat in zip(wgs.geometry.x, wgs.geometry.y, strict=True)
    ]
    counts = pd.Series(cells, dtype=object).value_counts()
    frame = pd.DataFrame({"h3": counts.index.astype(str), "count": counts.to_numpy()})
    frame = frame.sort_values(["count", "h3"], ascending=[False, True])
    polygons = [
        shapely.Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(c)])
        for c in frame["h3"]
    ]
    return gpd.GeoDataFrame(
        frame.reset_index(drop=True), geometry=polygons, crs=OUTPUT_EPSG
    )
