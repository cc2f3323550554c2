"""QA checks of how children tile their parents, in a local metric CRS.

Children reaching out of their parent (:func:`check_outside`), cells of one
level overlapping (:func:`check_overlaps`) and parent area covered by no
child (:func:`check_gaps`, split into land and sea when land polygons are
given) are measured in the metric CRS of :func:`metric_crs`, so tolerances
are in metres and square metres.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.cells import STORAGE_EPSG, to_multipolygon
from grid.errors import CRSError
from grid.landmask import LandIndex
from grid.qa_problems import problem_record

#: Edges are densified to this length (degrees, ~100 m) before projecting, so
#: that a straight edge in EPSG:4326 stays straight to well under a millimetre.
_DENSIFY_DEG = 0.001


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


def _to_metric(geoms: np.ndarray, epsg: int) -> np.ndarray:
    """Densify geometries in EPSG:4326 and project them to ``epsg``."""
    dense = shapely.segmentize(np.asarray(geoms, dtype=object), _DENSIFY_DEG)
    return gpd.GeoSeries(dense, crs=STORAGE_EPSG).to_crs(epsg).to_numpy()


def _areas_m2(geoms: np.ndarray, epsg: int) -> np.ndarray:
    """Return the areas in square metres of geometries in EPSG:4326."""
    if len(geoms) == 0:
        return np.zeros(0)
    return np.nan_to_num(shapely.area(_to_metric(geoms, epsg)))


def _parent_pairs(table: pd.DataFrame) -> pd.DataFrame:
    """Return (child row, parent row) pairs where both have geometry."""
    geo = table[table["has_geom"] & table["code"].notna()]
    first = geo.reset_index().drop_duplicates("code").set_index("code")["index"]
    child = geo[geo["parent"].isin(first.index)]
    return pd.DataFrame(
        {"child": child.index, "parent": first.loc[child["parent"]].to_numpy()}
    )


def check_outside(
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
            problem_record(
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


def check_overlaps(
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
            problem_record(
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


def check_gaps(
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
            problem_record(
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
