"""Quality checks of a grid: codes, hierarchy, and how children tile parents.

:func:`run_qa` takes a cell frame (see :mod:`grid.cells`) and returns a
:class:`QAReport` whose ``problems`` frame has one row per problem found.
The checks, their severity and what they look at are listed in
:data:`CHECKS`.

Geometric checks run in a local metric CRS chosen for the extent
(:func:`metric_crs`): the CGCS2000 3-degree Gauss-Krüger zone of the centroid
inside China, the WGS-84 UTM zone elsewhere.  Tolerances are in metres and
square metres.

Gaps (parent area covered by no child) are split into land and water with
land polygons (see :mod:`grid.landmask`): a gap on land is an error (an
employer there belongs to no cell), a gap at sea is information only.

Boundary rule
-------------
:func:`assign_points` puts a point that lies on a shared edge or vertex of
several cells of one level into the cell with the **smallest code**, so every
point inside the grid falls in exactly one cell per level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.cells import check_cell_frame, repair_geometries
from grid.codes import LEVELS
from grid.errors import CellCodeError
from grid.landmask import LandIndex, LandSource, resolve_land
from grid.qa_hierarchy import (
    check_codes,
    check_geometry_presence,
    check_hierarchy,
    prepare_table,
)
from grid.qa_problems import (
    CHECKS,
    PROBLEM_COLUMNS,
    SEVERITIES,
    is_blank,
    problems_frame,
)
from grid.qa_tiling import check_gaps, check_outside, check_overlaps, metric_crs

__all__ = [
    "CHECKS",
    "PROBLEM_COLUMNS",
    "SEVERITIES",
    "QAReport",
    "assign_points",
    "metric_crs",
    "repair_invalid",
    "run_qa",
]

#: Land is cut into tiles of this size (degrees) for fast overlays.
_LAND_TILE_DEG = 0.05


@dataclass(frozen=True)
class QAReport:
    """Result of :func:`run_qa`.

    Attributes
    ----------
    problems : geopandas.GeoDataFrame
        One row per problem with the columns of :data:`PROBLEM_COLUMNS`, in
        EPSG:4326; ``geometry`` shows where (``None`` for non-spatial checks).
    n_cells : int
        Number of cells checked.
    metric_epsg : int
        EPSG code of the metric CRS used for areas and distances.
    tolerances : dict
        The tolerances used (``overlap_m2``, ``gap_m2``, ``outside_m``).
    land : str
        ``"none"``, ``"given"`` or ``"auto"`` (OSM land polygons).
    """

    problems: gpd.GeoDataFrame
    n_cells: int
    metric_epsg: int
    tolerances: dict[str, float] = field(default_factory=dict)
    land: str = "none"

    @property
    def ok(self) -> bool:
        """Return ``True`` when no problem has severity ``error``."""
        return not bool((self.problems["severity"] == "error").any())

    def of_check(self, check: str) -> gpd.GeoDataFrame:
        """Return the problems of one check (see :data:`CHECKS`)."""
        if check not in CHECKS:
            msg = f"unknown QA check {check!r}; expected one of {list(CHECKS)}"
            raise CellCodeError(msg)
        return self.problems[self.problems["check"] == check]

    def summary(self) -> pd.DataFrame:
        """Count problems per check.

        Returns
        -------
        pandas.DataFrame
            One row per check of :data:`CHECKS` (zero counts included) with
            ``check``, ``severity``, ``count`` and ``area_m2`` (summed).
        """
        grouped = self.problems.groupby("check")
        counts = grouped.size()
        areas = grouped["area_m2"].sum(min_count=1)
        rows = [
            {
                "check": name,
                "severity": severity,
                "count": int(counts.get(name, 0)),
                "area_m2": float(areas.get(name, np.nan)),
            }
            for name, (severity, _) in CHECKS.items()
        ]
        return pd.DataFrame(rows)

    def to_geojson(self, path: str | Path) -> Path:
        """Write the problems to a GeoJSON file (EPSG:4326) and return its path."""
        path = Path(path)
        frame = self.problems.copy()
        frame["area_m2"] = frame["area_m2"].astype(float)
        if frame.empty:
            path.write_text(
                '{"type": "FeatureCollection", "features": []}\n', encoding="utf-8"
            )
            return path
        frame.to_file(path, driver="GeoJSON")
        return path


def run_qa(
    cells: gpd.GeoDataFrame,
    *,
    overlap_tolerance_m2: float = 1.0,
    gap_tolerance_m2: float = 1.0,
    outside_tolerance_m: float = 1.0,
    land: LandSource = None,
) -> QAReport:
    """Check a cell frame and return every problem found.

    Parameters
    ----------
    cells : geopandas.GeoDataFrame
        A cell frame (EPSG:4326 or EPSG:4490).
    overlap_tolerance_m2 : float, default 1.0
        Overlaps of two cells of one level up to this area are ignored.
    gap_tolerance_m2 : float, default 1.0
        Gap pieces up to this area are ignored.
    outside_tolerance_m : float, default 1.0
        A child may stick out of its parent by up to this distance.
    land : "auto", shapely geometry or None, default None
        Land polygons in EPSG:4326 to split gaps into ``land_gap`` (error)
        and ``sea_gap`` (info); ``"auto"`` loads OSM land
        (:func:`grid.landmask.load_land`); ``None`` reports ``gap``
        (warning) without telling land from sea.

    Returns
    -------
    QAReport

    Examples
    --------
    >>> import datetime as dt
    >>> from grid.cells import make_cells
    >>> cells = make_cells(
    ...     [{"code": "370200", "geometry": shapely.box(120, 36, 120.1, 36.1)},
    ...      {"code": "370211", "geometry": shapely.box(120, 36, 120.05, 36.1)}],
    ...     valid_from=dt.date(2023, 6, 30), source="test", licence="CC0")
    >>> report = run_qa(cells)
    >>> report.ok, report.of_check("gap")["code"].tolist()
    (True, ['370200'])
    """
    check_cell_frame(cells, purpose="run_qa")
    tolerances = {
        "overlap_m2": float(overlap_tolerance_m2),
        "gap_m2": float(gap_tolerance_m2),
        "outside_m": float(outside_tolerance_m),
    }
    for name, value in tolerances.items():
        if not value >= 0:
            msg = f"tolerance {name} must be >= 0; got {value!r}"
            raise CellCodeError(msg)
    table = prepare_table(cells)
    epsg = metric_crs(_bounds(cells))
    land_geom = resolve_land(land, _bounds(cells))
    land_index = (
        None if land_geom is None else LandIndex(land_geom, tile_size=_LAND_TILE_DEG)
    )
    records: list[dict[str, Any]] = []
    records += check_codes(table)
    records += check_hierarchy(table)
    records += check_geometry_presence(cells, table)
    records += check_outside(table, tolerances["outside_m"], epsg)
    records += check_overlaps(table, tolerances["overlap_m2"], epsg)
    records += check_gaps(table, tolerances["gap_m2"], land_index, epsg)
    return QAReport(
        problems=problems_frame(records),
        n_cells=len(cells),
        metric_epsg=epsg,
        tolerances=tolerances,
        land="none" if land is None else ("auto" if isinstance(land, str) else "given"),
    )


def repair_invalid(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy of a cell frame with invalid geometries repaired.

    Invalid geometries go through :func:`shapely.make_valid` (``structure``
    method: shells bound area, holes remove it); only polygonal parts are
    kept.  The reason and the repair are appended to ``note``.  A geometry
    that collapses entirely becomes ``None``.

    Parameters
    ----------
    cells : geopandas.GeoDataFrame
        A cell frame.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns; valid geometries are untouched.
    """
    out = cells.copy()
    geoms = out.geometry.to_numpy()
    bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if not bad.any():
        return out
    reasons = shapely.is_valid_reason(geoms[bad])
    new_geoms = repair_geometries(geoms)
    notes = out["note"].astype(object).to_numpy().copy()
    for i, reason in zip(np.flatnonzero(bad), reasons, strict=True):
        extra = f"几何已修复 / geometry repaired ({reason})"
        notes[i] = extra if is_blank(notes[i]) else f"{notes[i]}; {extra}"
    out["note"] = notes
    out = out.set_geometry(gpd.GeoSeries(new_geoms, index=out.index, crs=cells.crs))
    return out


def assign_points(points: Any, cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """Find, for each point, its cell on every level.

    A thin wrapper over :class:`grid.locate.CellLocator` (build it once and
    call :meth:`~grid.locate.CellLocator.locate` to place many batches): the
    finest cell covering the point is found, and its parents are taken from
    the hierarchy (``parent_code``), so the levels of a point never disagree.

    Boundary rule: a point on a shared edge or vertex of several cells of
    the finest level covering it goes to the cell with the smallest code
    (and so its parents are the smallest of theirs).

    Parameters
    ----------
    points : GeoSeries or array of shapely Points
        Points in the CRS of ``cells`` (EPSG:4326); missing or empty points
        are placed nowhere.
    cells : geopandas.GeoDataFrame
        A cell frame.

    Returns
    -------
    pandas.DataFrame
        One row per point (index of ``points`` when it is a GeoSeries) and
        one column per level (``city`` ... ``village``) holding the code, or
        ``None`` where the point's cell has no parent of that level or no
        cell covers the point.
    """
    from grid.locate import CellLocator  # imported here: only this function uses it

    index = points.index if isinstance(points, pd.Series) else None
    pts = np.asarray(points, dtype=object)
    found = CellLocator.from_cells(cells).locate(shapely.get_x(pts), shapely.get_y(pts))
    table = found[[f"{lv.value}_code" for lv in LEVELS]]
    table.columns = pd.Index([lv.value for lv in LEVELS])
    if index is not None:
        table.index = index
    return table


def _bounds(cells: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Return the total bounds of the cells with geometry (a dummy if none)."""
    geoms = cells.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(geoms) == 0:
        return (0.0, 0.0, 0.0, 0.0)
    b = shapely.total_bounds(geoms)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))
