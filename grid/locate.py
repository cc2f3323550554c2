"""Assign points to all four grid levels at once: fast, vectorised and exact.

:class:`CellLocator` is built once from a cell frame (see :mod:`grid.cells`)
and then places any number of WGS-84 points::

    locator = CellLocator.from_cells(cells)
    found = locator.locate(lon, lat)  # numpy arrays in, a DataFrame out

How a point is placed
---------------------
1. The **finest** cell with geometry that covers the point is found
   (village, else township, else county, else city; a cell split below a
   village, with a 14-digit code, is finer than its village).
2. Its **parents come from the hierarchy** (the ``parent_code`` chain), never
   from separate polygon tests, so the levels of one point never disagree.
   A level is ``None`` when the chain has no cell of that level (a township
   without villages, sea inside a county outline, a parent missing from the
   frame).

Boundary rule
-------------
A point on an edge or vertex shared by several cells of the finest level
that covers it goes to the cell with the **smallest code** (the rule of
:func:`grid.qa.assign_points`, which is a thin wrapper over this class).
Since a child's code extends its parent's, the parents are then also the
smallest of theirs.  ``on_boundary`` tells which points the rule decided.
Points covered by no cell, and points with NaN coordinates, get ``None``
everywhere.

Speed
-----
A raster of cell ids (``uint16``, up to :data:`MAX_SIDE` pixels a side) is
laid over the extent of the cells and filled tier by tier from the city
down, a finer tier overwriting a coarser one.  A pixel holds a cell id only
when every point of the pixel has that answer: it is crossed by no boundary
of that tier or a finer one (edges are marked conservatively, with a margin
of :data:`_EDGE_MARGIN_DEG`), so it lies entirely inside or outside each
cell, and which cell holds it is decided at its centre by a scan-line fill
(even-odd rule).  Other pixels are *mixed*.  Most points are placed by one
array lookup; only points in mixed pixels are tested exactly (GEOS
``intersects`` on prepared geometries, finest tier first), so the answers
are those of a point-in-polygon test everywhere, boundaries included.  On
the Qingdao demo grid about 4 % of the pixels are mixed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from grid.cells import EQUIVALENT_EPSG, STORAGE_EPSG, to_multipolygon
from grid.codes import LEVELS, Level, level_of_code
from grid.errors import CellCodeError, CRSError

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

#: Columns of :meth:`CellLocator.locate`, in order.
LOCATE_COLUMNS: tuple[str, ...] = (
    "city_code",
    "county_code",
    "township_code",
    "village_code",
    "level",
    "on_boundary",
)

#: Largest side of the raster index, in pixels.
MAX_SIDE = 4096
#: Pixels per side of the raster for each square root of the number of cells
#: (a grid of 1,000 cells gets about 3,000 pixels a side).
_PIXELS_PER_SQRT_CELL = 96
#: Smallest side of the raster index, in pixels.
_MIN_SIDE = 64
#: Edges mark every pixel within this distance (degrees, ~0.1 mm), so that
#: rounding in the edge sampling can never leave a boundary pixel unmarked.
_EDGE_MARGIN_DEG = 1e-9
#: Raster values: no cell, mixed pixel; a cell id ``k`` is stored as ``k + 2``.
_NONE, _MIXED, _OFFSET = 0, 1, 2
#: Rows of the raster filled at a time (bounds the build memory).
_BAND_ROWS = 256
#: Most links followed up a parent chain (4 levels + a sub-village grid).
_MAX_CHAIN = 8


@dataclass(frozen=True)
class _Raster:
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


class CellLocator:
    """Place WGS-84 points in the grid cells of every level.

    Build it with :meth:`from_cells`; see the module docstring for the rules.

    Attributes
    ----------
    n_cells : int
        Number of cells with geometry (the ones points can fall in).
    shape : tuple of int
        ``(rows, columns)`` of the raster index.
    pixel_deg : float
        Side of a raster pixel, in degrees.
    mixed_fraction : float
        Share of the pixels covering some cell that need exact tests.
    nbytes : int
        Memory held by the locator's arrays (raster and lookup tables).

    Examples
    --------
    >>> import datetime as dt
    >>> from grid.cells import make_cells
    >>> west = shapely.box(120.00, 36, 120.01, 36.01)
    >>> east = shapely.box(120.01, 36, 120.02, 36.01)
    >>> records = [{"code": "370211001001", "geometry": west},
    ...            {"code": "370211001002", "geometry": east}]
    >>> upper = ("370211001", "370211", "370200")  # no geometry
    >>> records += [{"code": c, "geometry": None} for c in upper]
    >>> cells = make_cells(
    ...     records, valid_from=dt.date(2023, 6, 30), source="test", licence="CC0-1.0")
    >>> locator = CellLocator.from_cells(cells)
    >>> found = locator.locate([120.005, 120.01, 121], [36.005, 36.005, 36.005])
    >>> found[["village_code", "level", "on_boundary"]].to_numpy().tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['370211001001', 'village', False], ['370211001001', 'village', True],
     [None, None, False]]
    >>> found["city_code"].tolist()
    ['370200', '370200', None]
    """

    def __init__(
        self,
        *,
        raster: _Raster,
        geoms: npt.NDArray[np.object_],
        tiers: IntArray,
        ranks: IntArray,
        codes: dict[Level, npt.NDArray[np.object_]],
        levels: npt.NDArray[np.object_],
    ) -> None:
        self._raster = raster
        self._geoms = geoms
        self._tiers = tiers
        self._ranks = ranks
        self._codes = codes
        self._levels = levels
        members = [np.flatnonzero(tiers == t) for t in range(_n_tiers(tiers))]
        self._trees = [(m, shapely.STRtree(geoms[m])) for m in members]

    # ------------------------------------------------------------------ build

    @classmethod
    def from_cells(
        cls, cells: gpd.GeoDataFrame, *, max_side: int = MAX_SIDE
    ) -> CellLocator:
        """Build a locator from a cell frame.

        Parameters
        ----------
        cells : geopandas.GeoDataFrame
            A cell frame in EPSG:4326 (or EPSG:4490) with ``code``, ``level``,
            ``parent_code`` and ``geometry``.  Cells without geometry take
            part in the hierarchy only.  Invalid geometries are repaired as
            :func:`grid.qa.run_qa` does (``make_valid``, structure method).
        max_side : int, default :data:`MAX_SIDE`
            Largest side of the raster index in pixels.  The side grows with
            the square root of the number of cells up to this bound; the
            memory is about ``2 * side**2`` bytes (4 with over 65,533 cells).

        Returns
        -------
        CellLocator

        Raises
        ------
        CRSError
            If the frame is not in EPSG:4326/4490.
        CellCodeError
            If columns are missing, ``max_side`` is too small, or levels are
            unknown (every bad value is listed).
        """
        _check_frame(cells, max_side)
        codes = cells["code"].astype(str).str.strip().to_numpy(dtype=object)
        levels = _levels(cells, codes)
        chains = _chain_codes(cells, codes, levels)
        geoms = _valid_geometries(cells.geometry.to_numpy())
        has = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
        rows = np.flatnonzero(has)
        geo = geoms[rows]
        depth = np.array([lv.depth for lv in levels[rows]], dtype=np.int64)
        length = np.array([len(c) for c in codes[rows]], dtype=np.int64)
        tiers = _tiers(depth, length)
        ranks = _ranks(tiers, codes[rows])
        shapely.prepare(geo)
        raster = _build_raster(geo, tiers, len(rows), max_side)
        none = np.array([None], dtype=object)
        return cls(
            raster=raster,
            geoms=geo,
            tiers=tiers,
            ranks=ranks,
            codes={lv: np.concatenate([chains[lv][rows], none]) for lv in LEVELS},
            levels=np.concatenate(
                [np.array([lv.value for lv in levels[rows]], dtype=object), none]
            ),
        )

    # ------------------------------------------------------------- properties

    @property
    def n_cells(self) -> int:
        """Return the number of cells with geometry."""
        return len(self._geoms)

    @property
    def shape(self) -> tuple[int, int]:
        """Return ``(rows, columns)`` of the raster index."""
        return self._raster.shape

    @property
    def pixel_deg(self) -> float:
        """Return the side of a raster pixel in degrees."""
        return self._raster.step

    @property
    def mixed_fraction(self) -> float:
        """Return the share of the pixels touching a cell that are mixed."""
        values = self._raster.values
        mixed = int(np.count_nonzero(values == _MIXED))
        used = int(np.count_nonzero(values != _NONE))
        return mixed / used if used else 0.0

    @property
    def nbytes(self) -> int:
        """Return the bytes held by the raster and the lookup arrays."""
        arrays = [self._raster.values, self._tiers, self._ranks, self._levels]
        arrays += list(self._codes.values())
        return int(sum(a.nbytes for a in arrays))

    # ----------------------------------------------------------------- locate

    def locate(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> pd.DataFrame:
        """Find the cell of every level holding each point.

        Parameters
        ----------
        lon, lat : array_like of float
            WGS-84 (or CGCS2000) longitudes and latitudes in degrees, of one
            broadcastable shape (flattened).  Convert GCJ-02/BD-09 first
            (:func:`grid.coords.to_wgs84`).

        Returns
        -------
        pandas.DataFrame
            One row per point with the columns of :data:`LOCATE_COLUMNS`:
            the codes of each level (``None`` where the hierarchy has no cell
            of that level), ``level`` (the finest level whose cell covers the
            point, ``None`` outside every cell) and ``on_boundary`` (``True``
            when several cells of that level cover the point and the
            smallest-code rule chose).
        """
        cell, boundary = self.cell_indices(lon, lat)
        take = np.where(cell < 0, self.n_cells, cell)
        columns: list[np.ndarray] = [self._codes[lv].take(take) for lv in LEVELS]
        columns += [self._levels.take(take), boundary]
        data = {
            name: pd.Series(values, dtype=values.dtype, copy=False)
            for name, values in zip(LOCATE_COLUMNS, columns, strict=True)
        }
        return pd.DataFrame(data, copy=False)

    def cell_indices(
        self, lon: npt.ArrayLike, lat: npt.ArrayLike
    ) -> tuple[IntArray, BoolArray]:
        """Return the finest cell of each point as an index, and the boundary flag.

        Parameters
        ----------
        lon, lat : array_like of float
            As for :meth:`locate`.

        Returns
        -------
        cell : numpy.ndarray of int64
            Index into the cells with geometry (in frame order), ``-1`` for
            points outside every cell or with NaN coordinates.
        on_boundary : numpy.ndarray of bool
            See :meth:`locate`.
        """
        x, y = _as_xy(lon, lat)
        values = self._lookup(x, y)
        cell = values - _OFFSET
        cell[cell < 0] = -1
        boundary = np.zeros(len(x), dtype=bool)
        mixed = np.flatnonzero(values == _MIXED)
        if len(mixed):
            cell[mixed], boundary[mixed] = self._exact(x[mixed], y[mixed])
        return cell, boundary

    def needs_exact_test(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> BoolArray:
        """Tell which points fall in mixed pixels of the raster index.

        Those points are placed by exact point-in-polygon tests; the others
        by the raster lookup alone.
        """
        x, y = _as_xy(lon, lat)
        return self._lookup(x, y) == _MIXED

    def _lookup(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Return the raster value under each point (``_NONE`` off the raster).

        Columns and rows are ``floor`` of the same float expressions as in
        :meth:`_Raster.pixel_x` (truncation equals floor for the points kept;
        NaN fails every comparison and is dropped).
        """
        raster = self._raster
        rows, cols = raster.shape
        u = (x - raster.x0) / raster.step
        v = (y - raster.y0) / raster.step
        off = ~((u >= 0) & (u < cols) & (v >= 0) & (v < rows))
        u[off] = 0
        v[off] = 0
        flat = v.astype(np.int64)
        flat *= cols
        flat += u.astype(np.int64)
        values = raster.values.ravel().take(flat).astype(np.int64)
        values[off] = _NONE
        return values

    def _exact(self, x: FloatArray, y: FloatArray) -> tuple[IntArray, BoolArray]:
        """Place points by exact tests, tier by tier from the finest.

        Candidates of a tier come from its STRtree by bounding box; the test
        is :func:`shapely.intersects_xy` on prepared geometries.  Points
        covered by a cell of a tier are done; the others go on to the coarser
        tier, so most points are only tested against small village cells.
        """
        cell = np.full(len(x), -1, dtype=np.int64)
        boundary = np.zeros(len(x), dtype=bool)
        left = np.arange(len(x))
        points = np.asarray(shapely.points(x, y), dtype=object)
        for members, tree in reversed(self._trees):
            pi, ci = tree.query(points[left])
            ci = members[ci]
            hit = shapely.intersects_xy(self._geoms[ci], x[left[pi]], y[left[pi]])
            pi, ci = pi[hit], ci[hit]
            if len(pi) == 0:
                continue
            order = np.lexsort((self._ranks[ci], pi))
            pi, ci = pi[order], ci[order]
            first = np.flatnonzero(np.r_[True, pi[1:] != pi[:-1]])
            found = left[pi[first]]
            cell[found] = ci[first]
            boundary[found] = np.diff(np.r_[first, len(pi)]) > 1
            done = np.zeros(len(left), dtype=bool)
            done[pi] = True
            left = left[~done]
            if len(left) == 0:
                break
        return cell, boundary


# ---------------------------------------------------------------------------
# checks and tables


def _check_frame(cells: gpd.GeoDataFrame, max_side: int) -> None:
    """Refuse frames that are not cell frames in the storage CRS."""
    if not isinstance(cells, gpd.GeoDataFrame):
        msg = f"CellLocator needs a GeoDataFrame cell frame; got {type(cells).__name__}"
        raise CellCodeError(msg)
    epsg = cells.crs.to_epsg() if cells.crs is not None else None
    if epsg not in EQUIVALENT_EPSG:
        msg = f"cell frame must be in EPSG:{STORAGE_EPSG}; got {cells.crs!r}"
        raise CRSError(msg)
    problems = []
    missing = {"code", "level", "parent_code"} - set(cells.columns)
    if missing:
        problems.append(f"lacks columns {sorted(missing)}; got {list(cells.columns)}")
    if not isinstance(max_side, int | np.integer) or max_side < _MIN_SIDE:
        problems.append(f"max_side must be an integer >= {_MIN_SIDE}; got {max_side!r}")
    if problems:
        msg = "cannot build a CellLocator: " + "; ".join(problems)
        raise CellCodeError(msg)


def _as_xy(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Return flat float64 coordinate arrays of one length."""
    try:
        x, y = np.broadcast_arrays(
            np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        )
    except ValueError as exc:
        shapes = (np.shape(lon), np.shape(lat))
        msg = f"lon and lat must have one broadcastable shape; got {shapes}"
        raise CellCodeError(msg) from exc
    return np.ravel(x), np.ravel(y)


def _levels(cells: gpd.GeoDataFrame, codes: npt.NDArray[np.object_]) -> np.ndarray:
    """Return the Level of each row (from ``level``, else from the code)."""
    out = np.empty(len(codes), dtype=object)
    bad = []
    for i, (value, code) in enumerate(zip(cells["level"], codes, strict=True)):
        try:
            out[i] = (
                Level(str(value)) if isinstance(value, str) else level_of_code(code)
            )
        except (ValueError, CellCodeError):
            bad.append((code, value))
    if bad:
        shown = ", ".join(f"{c!r}: {v!r}" for c, v in bad[:20])
        more = f" and {len(bad) - 20} more" if len(bad) > 20 else ""
        msg = f"unknown levels (code: level) {shown}{more}"
        raise CellCodeError(msg)
    return out


def _chain_codes(
    cells: gpd.GeoDataFrame,
    codes: npt.NDArray[np.object_],
    levels: np.ndarray,
) -> dict[Level, npt.NDArray[np.object_]]:
    """Return, per level, the code found up each row's parent chain.

    The row itself comes first, then its parent, the parent's parent ...;
    the first cell met of a level fills that level.  Chains stop at a parent
    missing from the frame (first row wins for duplicate codes) or a loop.
    """
    row_of: dict[str, int] = {}
    for i, code in enumerate(codes):
        row_of.setdefault(code, i)
    parents = [
        None if p is None or (isinstance(p, float) and math.isnan(p)) else str(p)
        for p in cells["parent_code"].to_numpy()
    ]
    out = {lv: np.full(len(codes), None, dtype=object) for lv in LEVELS}
    for i in range(len(codes)):
        row: int | None = i
        seen: set[int] = set()
        while row is not None and row not in seen and len(seen) < _MAX_CHAIN:
            seen.add(row)
            column = out[levels[row]]
            if column[i] is None:
                column[i] = codes[row]
            parent = parents[row]
            row = row_of.get(parent.strip()) if parent is not None else None
    return out


def _valid_geometries(geoms: np.ndarray) -> np.ndarray:
    """Return the geometries with invalid ones repaired (polygonal parts only)."""
    geoms = geoms.copy()
    bad = ~shapely.is_missing(geoms) & ~shapely.is_valid(geoms)
    if bad.any():
        fixed = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
        geoms[bad] = [to_multipolygon(g) for g in fixed]
    return geoms


def _tiers(depth: IntArray, length: IntArray) -> IntArray:
    """Return the tier of each cell: (level depth, code length), coarsest 0."""
    if len(depth) == 0:
        return np.zeros(0, dtype=np.int64)
    keys = depth * 100 + length
    _, tiers = np.unique(keys, return_inverse=True)
    return tiers.astype(np.int64)


def _n_tiers(tiers: IntArray) -> int:
    """Return the number of tiers."""
    return int(tiers.max()) + 1 if len(tiers) else 0


def _ranks(tiers: IntArray, codes: npt.NDArray[np.object_]) -> IntArray:
    """Rank the cells: finest tier first, then smallest code (0 is best)."""
    order = sorted(range(len(codes)), key=lambda k: (-tiers[k], codes[k]))
    ranks = np.empty(len(codes), dtype=np.int64)
    ranks[np.asarray(order, dtype=np.int64)] = np.arange(len(codes))
    return ranks


# ---------------------------------------------------------------------------
# the raster index


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
        np.clip(_PIXELS_PER_SQRT_CELL * math.sqrt(len(geoms)), _MIN_SIDE, max_side)
    )
    step = max(maxx - minx, maxy - miny, 1e-9) / (side - 2)
    cols = math.ceil((maxx - minx) / step) + 3
    rows = math.ceil((maxy - miny) / step) + 3
    return minx - step, miny - step, step, rows, cols


def _build_raster(geoms: np.ndarray, tiers: IntArray, n: int, max_side: int) -> _Raster:
    """Rasterise the cells, tier by tier from the coarsest (finer ones win)."""
    dtype = np.uint16 if n + _OFFSET <= np.iinfo(np.uint16).max else np.uint32
    if n == 0:
        return _Raster(np.zeros((1, 1), dtype=dtype), 0.0, 0.0, 1.0)
    x0, y0, step, rows, cols = _grid(geoms, max_side)
    raster = _Raster(np.zeros((rows, cols), dtype=dtype), x0, y0, step)
    edges = _edges(geoms, tiers)
    for tier in range(_n_tiers(tiers)):
        tier_edges = edges.subset(edges.tier == tier)
        _fill(raster, tier_edges)
        raster.values[_boundary_mask(raster, tier_edges)] = _MIXED
    return raster


def _boundary_mask(raster: _Raster, edges: _Edges) -> BoolArray:
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


def _grid_crossings(raster: _Raster, edges: _Edges) -> tuple[IntArray, FloatArray]:
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


def _crossings(raster: _Raster, edges: _Edges) -> tuple[IntArray, IntArray, IntArray]:
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


def _fill(raster: _Raster, edges: _Edges) -> None:
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
    col_a, col_b, ids = col[0::2], col[1::2], cell[0::2] + _OFFSET
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
        band[np.rint(count) > 1] = _MIXED
