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
of :data:`grid.cell_raster._EDGE_MARGIN_DEG`), so it lies entirely inside
or outside each cell, and which cell holds it is decided at its centre by a
scan-line fill (even-odd rule).  Other pixels are *mixed*.  Most points are
placed by one array lookup; only points in mixed pixels are tested exactly (GEOS
``intersects`` on prepared geometries, finest tier first), so the answers
are those of a point-in-polygon test everywhere, boundaries included.  On
the Qingdao demo grid about 4 % of the pixels are mixed.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from grid.cell_raster import (
    MAX_SIDE,
    MIN_SIDE,
    MIXED,
    NONE,
    OFFSET,
    BoolArray,
    FloatArray,
    IntArray,
    Raster,
    build_raster,
    n_tiers,
)
from grid.cells import check_cell_frame, repair_geometries
from grid.codes import LEVELS, Level, level_of_code
from grid.errors import CellCodeError

#: Columns of :meth:`CellLocator.locate`, in order.
LOCATE_COLUMNS: tuple[str, ...] = (
    "city_code",
    "county_code",
    "township_code",
    "village_code",
    "level",
    "on_boundary",
)
#: Most links followed up a parent chain (4 levels + a sub-village grid).
_MAX_CHAIN = 8


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
        raster: Raster,
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
        members = [np.flatnonzero(tiers == t) for t in range(n_tiers(tiers))]
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
        geoms = repair_geometries(cells.geometry.to_numpy())
        has = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
        rows = np.flatnonzero(has)
        geo = geoms[rows]
        depth = np.array([lv.depth for lv in levels[rows]], dtype=np.int64)
        length = np.array([len(c) for c in codes[rows]], dtype=np.int64)
        tiers = _tiers(depth, length)
        ranks = _ranks(tiers, codes[rows])
        shapely.prepare(geo)
        raster = build_raster(geo, tiers, len(rows), max_side)
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
        mixed = int(np.count_nonzero(values == MIXED))
        used = int(np.count_nonzero(values != NONE))
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
        cell = values - OFFSET
        cell[cell < 0] = -1
        boundary = np.zeros(len(x), dtype=bool)
        mixed = np.flatnonzero(values == MIXED)
        if len(mixed):
            cell[mixed], boundary[mixed] = self._exact(x[mixed], y[mixed])
        return cell, boundary

    def needs_exact_test(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> BoolArray:
        """Tell which points fall in mixed pixels of the raster index.

        Those points are placed by exact point-in-polygon tests; the others
        by the raster lookup alone.
        """
        x, y = _as_xy(lon, lat)
        return self._lookup(x, y) == MIXED

    def _lookup(self, x: FloatArray, y: FloatArray) -> IntArray:
        """Return the raster value under each point (``NONE`` off the raster).

        Columns and rows are ``floor`` of the same float expressions as in
        :meth:`Raster.pixel_x` (truncation equals floor for the points kept;
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
        values[off] = NONE
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
    problems = []
    if not isinstance(max_side, int | np.integer) or max_side < MIN_SIDE:
        problems.append(f"max_side must be an integer >= {MIN_SIDE}; got {max_side!r}")
    check_cell_frame(cells, purpose="CellLocator", problems=problems)


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


def _tiers(depth: IntArray, length: IntArray) -> IntArray:
    """Return the tier of each cell: (level depth, code length), coarsest 0."""
    if len(depth) == 0:
        return np.zeros(0, dtype=np.int64)
    keys = depth * 100 + length
    _, tiers = np.unique(keys, return_inverse=True)
    return tiers.astype(np.int64)


def _ranks(tiers: IntArray, codes: npt.NDArray[np.object_]) -> IntArray:
    """Rank the cells: finest tier first, then smallest code (0 is best)."""
    order = sorted(range(len(codes)), key=lambda k: (-tiers[k], codes[k]))
    ranks = np.empty(len(codes), dtype=np.int64)
    ranks[np.asarray(order, dtype=np.int64)] = np.arange(len(codes))
    return ranks
