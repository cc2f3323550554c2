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

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.cells import EQUIVALENT_EPSG, STORAGE_EPSG, to_multipolygon
from grid.codes import (
    LEVEL_NAMES_ZH,
    LEVELS,
    Level,
    code_extends_parent,
    level_of_code,
    normalise_code,
)
from grid.errors import CellCodeError, CRSError
from grid.landmask import LandIndex, LandSource, resolve_land

#: Every check: name -> (severity, English description).
CHECKS: dict[str, tuple[str, str]] = {
    "bad_code": ("error", "code is not a valid 6/9/12/14-digit division code"),
    "level_mismatch": ("error", "level column disagrees with the code length"),
    "duplicate_code": ("error", "the same code appears on several cells"),
    "missing_parent": ("error", "parent code is empty or not in the grid"),
    "skipped_level": ("error", "parent is not on the level just above"),
    "code_not_under_parent": ("error", "code does not extend the parent's code"),
    "invalid_geometry": ("error", "geometry is invalid (see repair_invalid)"),
    "no_geometry": ("info", "cell has no geometry: employers placed by address"),
    "outside_parent": ("error", "child extends outside its parent"),
    "overlap": ("error", "two cells of one level overlap"),
    "land_gap": ("error", "land in a parent covered by none of its children"),
    "sea_gap": ("info", "water in a parent covered by none of its children"),
    "gap": ("warning", "area in a parent covered by no child (land unknown)"),
}

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

PROBLEM_COLUMNS: tuple[str, ...] = (
    "check",
    "severity",
    "code",
    "related_code",
    "level",
    "message_zh",
    "message_en",
    "area_m2",
    "geometry",
)

#: Land is cut into tiles of this size (degrees) for fast overlays.
_LAND_TILE_DEG = 0.05
#: Edges are densified to this length (degrees, ~100 m) before projecting, so
#: that a straight edge in EPSG:4326 stays straight to well under a millimetre.
_DENSIFY_DEG = 0.001


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


def metric_crs(bounds: tuple[float, float, float, float]) -> int:
    """Choose a local metric CRS for an extent in degrees.

    Parameters
    ----------
    bounds : tuple of float
        ``(minx, miny, maxx, maxy)`` in EPSG:4326.

    Returns
    -------
    int
        The CGCS2000 3-degree Gauss-Krüger zone (EPSG:4513-4533) of the
        centre when it lies in China's longitudes (73.5-136.5° E, north of
        the equator), else the WGS-84 UTM zone of the centre.

    Examples
    --------
    >>> metric_crs((119.5, 35.5, 121.0, 37.1))  # Qingdao: zone 40, 120° E
    4528
    """
    minx, miny, maxx, maxy = bounds
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    if not (math.isfinite(lon) and math.isfinite(lat)):
        msg = f"cannot choose a metric CRS for bounds {bounds!r}"
        raise CRSError(msg)
    zone3 = round(lon / 3)
    if 25 <= zone3 <= 45 and lat >= 0:
        return 4513 + zone3 - 25
    utm = min(max(math.floor((lon + 180) / 6) + 1, 1), 60)
    return (32600 if lat >= 0 else 32700) + utm


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
    _check_crs(cells)
    tolerances = {
        "overlap_m2": float(overlap_tolerance_m2),
        "gap_m2": float(gap_tolerance_m2),
        "outside_m": float(outside_tolerance_m),
    }
    for name, value in tolerances.items():
        if not value >= 0:
            msg = f"tolerance {name} must be >= 0; got {value!r}"
            raise CellCodeError(msg)
    table = _prepare(cells)
    epsg = metric_crs(_bounds(cells))
    land_geom = resolve_land(land, _bounds(cells))
    land_index = (
        None if land_geom is None else LandIndex(land_geom, tile_size=_LAND_TILE_DEG)
    )
    records: list[dict[str, Any]] = []
    records += _check_codes(table)
    records += _check_hierarchy(table)
    records += _check_geometry_presence(cells, table)
    records += _check_outside(table, tolerances["outside_m"], epsg)
    records += _check_overlaps(table, tolerances["overlap_m2"], epsg)
    records += _check_gaps(table, tolerances["gap_m2"], land_index, epsg)
    return QAReport(
        problems=_problems_frame(records),
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
    fixed = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    repaired = [to_multipolygon(g) for g in fixed]
    new_geoms = geoms.copy()
    new_geoms[bad] = repaired
    notes = out["note"].astype(object).to_numpy().copy()
    for i, reason in zip(np.flatnonzero(bad), reasons, strict=True):
        extra = f"几何已修复 / geometry repaired ({reason})"
        notes[i] = extra if _is_blank(notes[i]) else f"{notes[i]}; {extra}"
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


# --------------------------------------------------------------------------
# preparation


def _check_crs(cells: gpd.GeoDataFrame) -> None:
    """Refuse frames that are not in the storage CRS."""
    if not isinstance(cells, gpd.GeoDataFrame):
        msg = f"run_qa needs a GeoDataFrame cell frame; got {type(cells).__name__}"
        raise CellCodeError(msg)
    epsg = cells.crs.to_epsg() if cells.crs is not None else None
    if epsg not in EQUIVALENT_EPSG:
        msg = f"cell frame must be in EPSG:{STORAGE_EPSG}; got {cells.crs!r}"
        raise CRSError(msg)
    missing = {"code", "level", "parent_code"} - set(cells.columns)
    if missing:
        msg = f"cell frame lacks columns {sorted(missing)}; got {list(cells.columns)}"
        raise CellCodeError(msg)


def _bounds(cells: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Return the total bounds of the cells with geometry (a dummy if none)."""
    geoms = cells.geometry.to_numpy()
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(geoms) == 0:
        return (0.0, 0.0, 0.0, 0.0)
    b = shapely.total_bounds(geoms)
    return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))


def _is_blank(value: object) -> bool:
    """Tell whether a cell value is None, NaN or an empty string."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _safe_code(value: object) -> str | None:
    """Normalise a code, or return ``None`` when it is not one."""
    if _is_blank(value):
        return None
    try:
        code = normalise_code(value)
        level_of_code(code)
    except CellCodeError:
        return None
    return code


def _safe_level(value: object) -> Level | None:
    """Parse a level value, or return ``None``."""
    try:
        return Level(str(value))
    except ValueError:
        return None


def _prepare(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """Build a working table: normalised codes, levels and valid geometries."""
    raw = cells["code"].to_numpy()
    geoms = cells.geometry.to_numpy()
    has_geom = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    valid = shapely.is_valid(geoms)
    vgeom = geoms.copy()
    fix = has_geom & ~valid
    if fix.any():
        fixed = shapely.make_valid(geoms[fix], method="structure", keep_collapsed=False)
        vgeom[fix] = [to_multipolygon(g) for g in fixed]
    vgeom[~has_geom] = None
    has_geom &= ~shapely.is_missing(vgeom)
    codes = [_safe_code(v) for v in raw]
    code_levels = [level_of_code(c) if c is not None else None for c in codes]
    levels = [
        _safe_level(v) or cl
        for v, cl in zip(cells["level"].to_numpy(), code_levels, strict=True)
    ]
    return pd.DataFrame(
        {
            "raw": raw,
            "code": pd.Series(codes, dtype=object),
            "parent": pd.Series(
                [_safe_code(v) for v in cells["parent_code"].to_numpy()], dtype=object
            ),
            "raw_parent": cells["parent_code"].to_numpy(),
            "level": pd.Series(levels, dtype=object),
            "code_level": pd.Series(code_levels, dtype=object),
            "has_geom": has_geom,
            "valid": valid | ~has_geom,
            "vgeom": vgeom,
        }
    )


def _rows(table: pd.DataFrame) -> list[Any]:
    """Return the rows of a table as named tuples (typed loosely)."""
    return list(table.itertuples())


def _to_metric(geoms: np.ndarray, epsg: int) -> np.ndarray:
    """Densify geometries in EPSG:4326 and project them to ``epsg``."""
    dense = shapely.segmentize(np.asarray(geoms, dtype=object), _DENSIFY_DEG)
    return gpd.GeoSeries(dense, crs=STORAGE_EPSG).to_crs(epsg).to_numpy()


def _areas_m2(geoms: np.ndarray, epsg: int) -> np.ndarray:
    """Return the areas in square metres of geometries in EPSG:4326."""
    if len(geoms) == 0:
        return np.zeros(0)
    return np.nan_to_num(shapely.area(_to_metric(geoms, epsg)))


def _record(
    check: str,
    code: object,
    level: Level | None,
    zh: str,
    en: str,
    *,
    related: object = None,
    area: float | None = None,
    geometry: BaseGeometry | None = None,
) -> dict[str, Any]:
    """Build one problem record (geometry in EPSG:4326)."""
    return {
        "check": check,
        "severity": CHECKS[check][0],
        "code": None if _is_blank(code) else str(code),
        "related_code": None if _is_blank(related) else str(related),
        "level": level.value if level is not None else None,
        "message_zh": zh,
        "message_en": en,
        "area_m2": area,
        "geometry": geometry,
    }


def _problems_frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    """Assemble problem records into a GeoDataFrame in EPSG:4326."""
    frame = pd.DataFrame(records, columns=list(PROBLEM_COLUMNS))
    geoms = gpd.GeoSeries(frame["geometry"].to_numpy(), crs=STORAGE_EPSG)
    frame = frame.drop(columns="geometry")
    frame["area_m2"] = frame["area_m2"].astype(float)
    out = gpd.GeoDataFrame(frame, geometry=geoms.values, crs=STORAGE_EPSG)
    order = {s: i for i, s in enumerate(SEVERITIES)}
    check_order = {c: i for i, c in enumerate(CHECKS)}
    out = out.assign(
        _s=out["severity"].map(order), _c=out["check"].map(check_order)
    ).sort_values(["_s", "_c", "code", "related_code"], kind="stable")
    return out.drop(columns=["_s", "_c"]).reset_index(drop=True)


# --------------------------------------------------------------------------
# non-spatial checks


def _check_codes(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Report malformed codes, level mismatches and duplicate codes."""
    out = []
    for row in _rows(table):
        if row.code is None:
            out.append(
                _record(
                    "bad_code",
                    row.raw,
                    row.level,
                    f"编码 {row.raw!r} 不是有效的区划代码",
                    f"code {row.raw!r} is not a 6/9/12/14-digit division code",
                )
            )
        elif row.level is not None and row.level is not row.code_level:
            out.append(
                _record(
                    "level_mismatch",
                    row.code,
                    row.level,
                    f"编码 {row.code} 属于{LEVEL_NAMES_ZH[row.code_level]}级，"
                    f"但层级标为{LEVEL_NAMES_ZH[row.level]}",
                    f"code {row.code!r} is a {row.code_level.value} code but the "
                    f"level says {row.level.value!r}",
                )
            )
    counts = table["code"].dropna().value_counts()
    for code, n in counts[counts > 1].items():
        level = level_of_code(str(code))
        out.append(
            _record(
                "duplicate_code",
                code,
                level,
                f"编码 {code} 出现 {n} 次",
                f"code {code!r} occurs {n} times",
            )
        )
    return out


def _check_hierarchy(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Report missing parents, skipped levels and codes not under the parent."""
    level_by_code = dict(zip(table["code"], table["level"], strict=True))
    out: list[dict[str, Any]] = []
    for row in _rows(table):
        if row.code is None or row.level is None or row.level.parent is None:
            continue
        if row.parent is None or row.parent not in level_by_code:
            shown = None if _is_blank(row.raw_parent) else row.raw_parent
            out.append(
                _record(
                    "missing_parent",
                    row.code,
                    row.level,
                    f"上级 {shown!r} 为空或不在网格中",
                    f"parent {shown!r} is empty or not in the grid",
                    related=row.parent,
                )
            )
            continue
        out += _parent_level_records(row, level_by_code[row.parent])
    return out


def _parent_level_records(row: Any, plevel: Level | None) -> list[dict[str, Any]]:
    """Check one child against its (existing) parent's level and code."""
    out = []
    expected = row.level.parent
    if plevel is not expected:
        pname = LEVEL_NAMES_ZH[plevel] if plevel is not None else "?"
        out.append(
            _record(
                "skipped_level",
                row.code,
                row.level,
                f"{LEVEL_NAMES_ZH[row.level]} {row.code} 的上级 {row.parent} "
                f"是{pname}，应为{LEVEL_NAMES_ZH[expected]}",
                f"{row.level.value} {row.code!r} has parent {row.parent!r} of "
                f"level {getattr(plevel, 'value', None)!r}; "
                f"expected a {expected.value}",
                related=row.parent,
            )
        )
    if not code_extends_parent(row.code, row.parent):
        out.append(
            _record(
                "code_not_under_parent",
                row.code,
                row.level,
                f"编码 {row.code} 未延续上级编码 {row.parent}",
                f"code {row.code!r} does not extend parent code {row.parent!r}",
                related=row.parent,
            )
        )
    return out


def _check_geometry_presence(
    cells: gpd.GeoDataFrame, table: pd.DataFrame
) -> list[dict[str, Any]]:
    """Report invalid geometries (with the reason) and cells without geometry."""
    out = []
    geoms = cells.geometry.to_numpy()
    invalid = np.flatnonzero(~table["valid"].to_numpy())
    reasons = shapely.is_valid_reason(geoms[invalid]) if len(invalid) else []
    for i, reason in zip(invalid, reasons, strict=True):
        row = table.iloc[i]
        out.append(
            _record(
                "invalid_geometry",
                row["raw"],
                row["level"],
                f"几何无效：{reason}",
                f"invalid geometry: {reason}",
            )
        )
    for i in np.flatnonzero(~table["has_geom"].to_numpy()):
        row = table.iloc[i]
        out.append(
            _record(
                "no_geometry",
                row["raw"],
                row["level"],
                "无边界：用人单位按地址落格",
                "no geometry: employers are placed by address only",
            )
        )
    return out


# --------------------------------------------------------------------------
# spatial checks


def _parent_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """Return (child row, parent row) pairs where both have geometry."""
    geo = table[table["has_geom"] & table["code"].notna()]
    first = geo.reset_index().drop_duplicates("code").set_index("code")["index"]
    child = geo[geo["parent"].isin(first.index)]
    return pd.DataFrame(
        {"child": child.index, "parent": first.loc[child["parent"]].to_numpy()}
    )


def _check_outside(
    table: pd.DataFrame, tolerance: float, epsg: int
) -> list[dict[str, Any]]:
    """Report children reaching further than ``tolerance`` out of the parent."""
    pairs = _parent_pairs(table)
    if pairs.empty:
        return []
    vg = table["vgeom"].to_numpy()
    child, parent = vg[pairs["child"]], vg[pairs["parent"]]
    outside = shapely.difference(child, parent)
    candidates = np.flatnonzero(shapely.area(outside) > 0)
    area = _areas_m2(outside[candidates], epsg)
    out = []
    for k, a in zip(candidates, area, strict=True):
        dist = _max_distance(outside[k], parent[k], tolerance, epsg)
        if dist <= tolerance:
            continue
        row = table.loc[pairs["child"].iloc[k]]
        out.append(
            _record(
                "outside_parent",
                row["code"],
                row["level"],
                f"超出上级 {row['parent']} 最远 {dist:.1f} 米，面积 {a:.1f} 平方米",
                f"reaches {dist:.1f} m ({a:.1f} m²) outside parent {row['parent']!r}",
                related=row["parent"],
                area=float(a),
                geometry=outside[k],
            )
        )
    return out


def _max_distance(
    piece: BaseGeometry, parent: BaseGeometry, step: float, epsg: int
) -> float:
    """Return the largest distance in metres from a piece's outline to the parent.

    Both are projected to the metric CRS; the piece's outline is densified (at
    most ~2,000 points) so that a maximum between vertices is not missed by
    more than the step.  Only the part of the parent near the piece is used.
    """
    minx, miny, maxx, maxy = piece.bounds
    pad = 0.05
    near = shapely.clip_by_rect(parent, minx - pad, miny - pad, maxx + pad, maxy + pad)
    if near.is_empty:
        near = parent
    mpiece, mparent = _to_metric(np.array([piece, near], dtype=object), epsg)
    step = max(step, float(shapely.length(mpiece)) / 2_000, 1e-6)
    coords = shapely.get_coordinates(shapely.segmentize(mpiece, step))
    if len(coords) == 0:
        return 0.0
    return float(shapely.distance(shapely.points(coords), mparent).max())


def _check_overlaps(
    table: pd.DataFrame, tolerance: float, epsg: int
) -> list[dict[str, Any]]:
    """Report pairs of cells of one level overlapping by more than ``tolerance``."""
    geo = table[table["has_geom"]]
    if len(geo) < 2:
        return []
    geoms = geo["vgeom"].to_numpy()
    levels = geo["level"].to_numpy()
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = (a < b) & (levels[a] == levels[b])
    a, b = a[keep], b[keep]
    inter = shapely.intersection(geoms[a], geoms[b])
    candidates = np.flatnonzero(shapely.area(inter) > 0)
    area = _areas_m2(inter[candidates], epsg)
    out = []
    for k, ar in zip(candidates, area, strict=True):
        if ar <= tolerance:
            continue
        ra, rb = geo.iloc[a[k]], geo.iloc[b[k]]
        first, second = sorted([str(ra["raw"]), str(rb["raw"])])
        out.append(
            _record(
                "overlap",
                first,
                ra["level"],
                f"与同级 {second} 重叠 {ar:.1f} 平方米",
                f"overlaps {second!r} by {ar:.1f} m²",
                related=second,
                area=float(ar),
                geometry=to_multipolygon(inter[k]),
            )
        )
    return out


def _check_gaps(
    table: pd.DataFrame, tolerance: float, land: LandIndex | None, epsg: int
) -> list[dict[str, Any]]:
    """Report parts of parents covered by none of their children."""
    pairs = _parent_pairs(table)
    if pairs.empty:
        return []
    levels = table["level"].to_numpy()
    expected = [
        levels[p] is not None and levels[p].child is levels[c]
        for c, p in zip(pairs["child"], pairs["parent"], strict=True)
    ]
    pairs = pairs[np.asarray(expected, dtype=bool)]
    vg = table["vgeom"].to_numpy()
    parents = np.array(sorted(pairs["parent"].unique()), dtype=int)
    unions = [
        shapely.union_all(vg[g["child"].to_numpy()])
        for _, g in pairs.groupby("parent", sort=True)
    ]
    gaps = shapely.difference(vg[parents], np.array(unions, dtype=object))
    parts, owner = shapely.get_parts(gaps, return_index=True)
    parts = np.array([to_multipolygon(p) for p in parts], dtype=object)
    has = ~shapely.is_missing(parts)
    parts, owner = parts[has], parents[owner[has]]
    if land is None:
        return _gap_records("gap", parts, owner, table, tolerance, epsg)
    on_land = land.land_parts(parts)
    at_sea = shapely.difference(parts, on_land)
    return _gap_records(
        "land_gap", on_land, owner, table, tolerance, epsg
    ) + _gap_records("sea_gap", at_sea, owner, table, tolerance, epsg)


_GAP_WORDS = {
    "gap": ("区域", "area"),
    "land_gap": ("陆地", "land"),
    "sea_gap": ("水域", "water"),
}


def _gap_records(
    check: str,
    geoms: np.ndarray,
    owner: np.ndarray,
    table: pd.DataFrame,
    tolerance: float,
    epsg: int,
) -> list[dict[str, Any]]:
    """Explode gap geometries into pieces above ``tolerance`` and record them."""
    if len(geoms) == 0:
        return []
    parts, idx = shapely.get_parts(geoms, return_index=True)
    parts = np.array([to_multipolygon(p) for p in parts], dtype=object)
    keep = np.flatnonzero(~shapely.is_missing(parts))
    area = _areas_m2(parts[keep], epsg)
    zh_word, en_word = _GAP_WORDS[check]
    out = []
    for k, a in zip(keep[area > tolerance], area[area > tolerance], strict=True):
        row = table.loc[owner[idx[k]]]
        a = float(a)
        out.append(
            _record(
                check,
                row["code"],
                row["level"],
                f"{row['code']} 内有 {a:.1f} 平方米{zh_word}未被任何下级网格覆盖",
                f"{a:.1f} m² of {en_word} in {row['code']!r} is covered by no child",
                area=a,
                geometry=parts[k],
            )
        )
    return out
