"""The raster index of :class:`grid.locate.CellLocator`: cell ids on a pixel grid.

:func:`build_raster` lays a raster of cell ids over the extent of the cells
and fills it tier by tier from the coarsest, a finer tier overwriting a
coarser one.  A pixel holds a cell id only when every point of the pixel has
that answer: it is crossed by no boundary of that tier or a finer one (edges
are marked conservatively, with a margin of :data:`_EDGE_MARGIN_DEG`), so it
lies entirely inside or outside each cell, and which cell holds it is
decided at its centre by a scan-line fill (even-odd rule).  Other pixels are
*mixed* (:data:`MIXED`): points there need exact tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import shapely

from grid.errors import CellCodeError

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

#: Largest side of the raster index, in pixels.
MAX_SIDE = 4096
#: Pixels per side of the raster for each square root of the number of cells
#: (a grid of 1,000 cells gets about 3,000 pixels a side).
_PIXELS_PER_SQRT_CELL = 96
#: Smallest side of the raster index, in pixels.
MIN_SIDE = 64
#: Edges mark every pixel within this distance (degrees, ~0.1 mm), so that
#: rounding in the edge sampling can never leave a boundary pixel unmarked.
_EDGE_MARGIN_DEG = 1e-9
#: Raster values: no cell, mixed pixel; a cell id ``k`` is stored as ``k + 2``.
NONE, MIXED, OFFSET = 0, 1, 2
#: Rows of the raster filled at a time (bounds the build memory).
_BAND_ROWS = 256


@dataclass(frozen=True)
class Raster:
    """The raster index: ``values[row, col]`` over a padded, square-pixel grid."""

    values: npt.NDArray[np.unsignedinteger[Any]]
    x0: float
    y0: float
    step: float

    @property
    def shape(self) -> tuple[int, int]:
        """Return ``(rows, columns)``."""
        rows, cols = self.values.shape
        return int(rows), int(cols)

    def pixel_x(self, x: FloatArray) -> IntArray:
        """Return the column of x-coordinates (may fall outside the raster)."""
        return np.floor((x - self.x0) / self.step).astype(np.int64)

    def pixel_y(self, y: FloatArray) -> IntArray:
        """Return the row of y-coordinates (may fall outside the raster)."""
        return np.floor((y - self.y0) / self.step).astype(np.int64)


def n_tiers(tiers: IntArray) -> int:
    """Return the number of tiers."""
    return int(tiers.max()) + 1 if len(tiers) else 0


@dataclass(frozen=True)
class _Edges:
    """Straight edges of the cell outlines, with the cell and tier of each."""

    x0: FloatArray
    y0: FloatArray
    x1: FloatArray
    y1: FloatArray
    cell: IntArray
    tier: IntArray

    def subset(self, keep: BoolArray) -> _Edges:
        """Return the edges where ``keep`` is true."""
        return _Edges(
            self.x0[keep],
            self.y0[keep],
            self.x1[keep],
            self.y1[keep],
            self.cell[keep],
            self.tier[keep],
        )


def _edges(geoms: np.ndarray, tiers: IntArray) -> _Edges:
    """Return every edge of every ring (shells and holes) of the geometries."""
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_of = shapely.get_rings(parts, return_index=True)
    xy, coord_of = shapely.get_coordinates(rings, return_index=True)
    same = coord_of[1:] == coord_of[:-1]
    cell = part_of[ring_of[coord_of[:-1][same]]].astype(np.int64)
    start, end = xy[:-1][same], xy[1:][same]
    return _Edges(start[:, 0], start[:, 1], end[:, 0], end[:, 1], cell, tiers[cell])


def _grid(geoms: np.ndarray, max_side: int) -> tuple[float, float, float, int, int]:
    """Choose the raster: origin, pixel size and shape, padded by one pixel."""
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
    side = int(
        np.clip(_PIXELS_PER_SQRT_CELL * math.sqrt(len(geoms)), MIN_SIDE, max_side)
    )
    step = max(maxx - minx, maxy - miny, 1e-9) / (side - 2)
    cols = math.ceil((maxx - minx) / step) + 3
    rows = math.ceil((maxy - miny) / step) + 3
    return minx - step, miny - step, step, rows, cols


def build_raster(geoms: np.ndarray, tiers: IntArray, n: int, max_side: int) -> Raster:
    """Rasterise the cells, tier by tier from the coarsest (finer ones win)."""
    dtype = np.uint16 if n + OFFSET <= np.iinfo(np.uint16).max else np.uint32
    if n == 0:
        return Raster(np.zeros((1, 1), dtype=dtype), 0.0, 0.0, 1.0)
    x0, y0, step, rows, cols = _grid(geoms, max_side)
    raster = Raster(np.zeros((rows, cols), dtype=dtype), x0, y0, step)
    edges = _edges(geoms, tiers)
    for tier in range(n_tiers(tiers)):
        tier_edges = edges.subset(edges.tier == tier)
        _fill(raster, tier_edges)
        raster.values[_boundary_mask(raster, tier_edges)] = MIXED
    return raster


def _boundary_mask(raster: Raster, edges: _Edges) -> BoolArray:
    """Mark every pixel that an edge touches, with a safety margin.

    Each edge is cut where it crosses the pixel grid lines, so each piece
    lies in one pixel (closed).  A piece marks the pixel of its midpoint,
    and each cut point (and edge end) marks the pixels within twice
    :data:`_EDGE_MARGIN_DEG` of it.  Then every point within the margin of
    an edge falls in a marked pixel: away from the grid lines it is in its
    piece's pixel; near a line (or a corner) it is near a cut point.  Query
    points are placed with the same floor formula, so a point on an edge
    (up to rounding, far below the margin) always falls in a marked pixel.
    """
    rows, cols = raster.shape
    mask = np.zeros(rows * cols, dtype=bool)
    edge, t = _grid_crossings(raster, edges)
    x = edges.x0[edge] + (edges.x1 - edges.x0)[edge] * t
    y = edges.y0[edge] + (edges.y1 - edges.y0)[edge] * t
    same = edge[1:] == edge[:-1]
    mid_x = (x[:-1][same] + x[1:][same]) / 2
    mid_y = (y[:-1][same] + y[1:][same]) / 2
    c, r = raster.pixel_x(mid_x), raster.pixel_y(mid_y)
    mask[np.clip(r, 0, rows - 1) * cols + np.clip(c, 0, cols - 1)] = True
    margin = 2 * _EDGE_MARGIN_DEG
    for dx in (-margin, margin):
        for dy in (-margin, margin):
            c = np.clip(raster.pixel_x(x + dx), 0, cols - 1)
            r = np.clip(raster.pixel_y(y + dy), 0, rows - 1)
            mask[r * cols + c] = True
    return mask.reshape(rows, cols)


def _grid_crossings(raster: Raster, edges: _Edges) -> tuple[IntArray, FloatArray]:
    """Return, per edge, the parameters ``t`` of its ends and grid crossings.

    ``t`` runs from 0 (start) to 1 (end); the pairs are sorted by edge and
    ``t``, so consecutive ``t`` of one edge bound a piece inside one pixel.
    """
    n = len(edges.x0)
    parts = [(np.arange(n), np.zeros(n)), (np.arange(n), np.ones(n))]
    for a, b, origin in (
        (edges.x0, edges.x1, raster.x0),
        (edges.y0, edges.y1, raster.y0),
    ):
        ua, ub = (a - origin) / raster.step, (b - origin) / raster.step
        first = np.floor(np.minimum(ua, ub)) + 1
        count = (np.floor(np.maximum(ua, ub)) + 1 - first).astype(np.int64)
        edge = np.repeat(np.arange(n), count)
        k = (
            first[edge]
            + np.arange(len(edge))
            - np.repeat(np.cumsum(count) - count, count)
        )
        parts.append((edge, (k - ua[edge]) / (ub[edge] - ua[edge])))
    edge = np.concatenate([p[0] for p in parts])
    t = np.clip(np.concatenate([p[1] for p in parts]), 0.0, 1.0)
    order = np.lexsort((t, edge))
    return edge[order], t[order]


def _crossings(raster: Raster, edges: _Edges) -> tuple[IntArray, IntArray, IntArray]:
    """Return where edges cross the rows' centre lines: (row, column, cell).

    An edge crosses row ``r`` when its centre line ``yc`` satisfies
    ``min(y) <= yc < max(y)`` (so every closed ring crosses every row an even
    number of times); ``column`` is the first pixel whose centre lies right
    of the crossing.  Sorted by cell, row and column.
    """
    cols = raster.shape[1]
    lo, hi = np.minimum(edges.y0, edges.y1), np.maximum(edges.y0, edges.y1)
    first = np.ceil((lo - raster.y0) / raster.step - 0.5).astype(np.int64)
    stop = np.ceil((hi - raster.y0) / raster.step - 0.5).astype(np.int64)
    count = np.maximum(stop - first, 0)
    edge = np.repeat(np.arange(len(count)), count)
    row = (
        first[edge] + np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
    )
    yc = raster.y0 + (row + 0.5) * raster.step
    x0, y0 = edges.x0[edge], edges.y0[edge]
    slope = (edges.x1[edge] - x0) / (edges.y1[edge] - y0)
    xc = x0 + (yc - y0) * slope
    col = np.ceil((xc - raster.x0) / raster.step - 0.5).astype(np.int64)
    col = np.clip(col, 0, cols)
    cell = edges.cell[edge]
    order = np.lexsort((col, row, cell))
    return row[order], col[order], cell[order]


def _fill(raster: Raster, edges: _Edges) -> None:
    """Write the cells of one tier into the raster at the pixel centres.

    Crossings of one cell on one row are paired in order (even-odd rule);
    each pair opens a span of pixel centres inside the cell.  Pixels inside
    exactly one cell of the tier get its id, inside several (an overlap)
    are mixed, inside none keep the coarser tier's value.
    """
    rows, cols = raster.shape
    row, col, cell = _crossings(raster, edges)
    row_a, row_b = row[0::2], row[1::2]
    if not np.array_equal(row_a, row_b):  # pragma: no cover - closed rings
        msg = "cell outlines are not closed rings"
        raise CellCodeError(msg)
    col_a, col_b, ids = col[0::2], col[1::2], cell[0::2] + OFFSET
    order = np.argsort(row_a, kind="stable")
    row_a, col_a, col_b, ids = row_a[order], col_a[order], col_b[order], ids[order]
    width = cols + 1
    for start in range(0, rows, _BAND_ROWS):
        stop = min(start + _BAND_ROWS, rows)
        a, b = np.searchsorted(row_a, [start, stop])
        if a == b:
            continue
        local = (row_a[a:b] - start) * width
        at = np.concatenate([local + col_a[a:b], local + col_b[a:b]])
        sign = np.concatenate([np.ones(b - a), -np.ones(b - a)])
        size = (stop - start) * width
        count = np.bincount(at, weights=sign, minlength=size)
        ident = np.bincount(at, weights=sign * np.tile(ids[a:b], 2), minlength=size)
        count = np.cumsum(count.reshape(-1, width), axis=1)[:, :cols]
        ident = np.cumsum(ident.reshape(-1, width), axis=1)[:, :cols]
        band = raster.values[start:stop]
        one = np.rint(count) == 1
        band[one] = np.rint(ident[one]).astype(band.dtype)
        band[np.rint(count) > 1] = MIXED
