"""Give land that no township polygon covers to a township of its county.

OSM township polygons leave islands and coastal slivers of a county
uncovered.  :func:`attach_uncovered_land` hands every such piece of land to
the township sharing the longest boundary with it, or, for an island
touching none, to the nearest one (:func:`choose_townships`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.cells import to_multipolygon
from grid.landmask import LandIndex
from grid.qa_tiling import metric_crs

#: Tolerance (metres) to decide that two polygons share a boundary.
_TOUCH_M = 0.05


def attach_uncovered_land(
    townships: pd.DataFrame, counties: pd.DataFrame, land: LandIndex | None
) -> pd.DataFrame:
    """Give land of each county not covered by a township to a township.

    Updates ``townships`` in place (geometry and note) and returns one row
    per attached piece.
    """
    columns = ["county_code", "township_code", "kind", "rule", "area_m2", "lon", "lat"]
    if land is None:
        return pd.DataFrame(columns=columns)
    rows: list[dict[str, Any]] = []
    for county in _rows(counties):
        mine = townships.index[
            (townships["county_code"] == county.code) & townships["geometry"].notna()
        ]
        if len(mine) == 0:
            continue
        towns = townships.loc[mine, "geometry"].to_numpy()
        gap = shapely.difference(county.geometry, shapely.union_all(towns))
        pieces = shapely.get_parts(to_multipolygon(land.land_part(gap)))
        if len(pieces) == 0:
            continue
        targets, rules, areas = choose_townships(pieces, towns)
        for k in range(len(towns)):
            got = pieces[targets == k]
            if len(got) == 0:
                continue
            idx = mine[k]
            merged: Any = to_multipolygon(shapely.union_all(np.append(got, towns[k])))
            townships.at[idx, "geometry"] = merged
            townships.at[idx, "note"] = _attached_note(
                rules[targets == k], areas[targets == k]
            )
        where = shapely.get_coordinates(shapely.point_on_surface(pieces))
        for p in range(len(pieces)):
            rows.append(
                {
                    "county_code": county.code,
                    "township_code": townships.at[mine[targets[p]], "code"],
                    "kind": "sliver"
                    if rules[p] == "longest_shared_boundary"
                    else "island",
                    "rule": rules[p],
                    "area_m2": float(areas[p]),
                    "lon": float(where[p, 0]),
                    "lat": float(where[p, 1]),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def choose_townships(
    pieces: np.ndarray, towns: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pick a township for each piece: longest shared boundary, else nearest.

    Lengths and distances are measured in the local metric CRS; ties go to
    the township listed first (smallest code).
    """
    epsg = metric_crs(tuple(shapely.total_bounds(np.append(pieces, towns))))
    mp = gpd.GeoSeries(pieces, crs=4326).to_crs(epsg).to_numpy()
    mt = gpd.GeoSeries(towns, crs=4326).to_crs(epsg).to_numpy()
    areas = shapely.area(mp)
    zones = shapely.buffer(mp, _TOUCH_M)
    pi, ti = shapely.STRtree(mt).query(zones, predicate="intersects")
    shared = np.zeros(len(pi))
    for k, (p, t) in enumerate(zip(pi, ti, strict=True)):
        minx, miny, maxx, maxy = zones[p].bounds
        edge = shapely.clip_by_rect(shapely.boundary(mt[t]), minx, miny, maxx, maxy)
        shared[k] = shapely.intersection(edge, zones[p]).length
    targets = np.full(len(pieces), -1)
    best = np.zeros(len(pieces))
    for p, t, length in zip(pi, ti, shared, strict=True):
        if length > best[p] or (length == best[p] > 0 and t < targets[p]):
            targets[p], best[p] = t, length
    rules = np.where(targets >= 0, "longest_shared_boundary", "nearest")
    lonely = np.flatnonzero(targets < 0)
    if len(lonely):
        pi2, ti2 = shapely.STRtree(mt).query_nearest(mp[lonely], all_matches=True)
        order = np.lexsort((ti2, pi2))
        pi2, ti2 = pi2[order], ti2[order]
        first = np.r_[True, pi2[1:] != pi2[:-1]]
        targets[lonely[pi2[first]]] = ti2[first]
    return targets, rules, areas


def _attached_note(rules: np.ndarray, areas: np.ndarray) -> str:
    """Describe the land attached to one township."""
    islands = int((rules == "nearest").sum())
    slivers = len(rules) - islands
    km2 = float(areas.sum()) / 1e6
    return (
        f"并入未被 OSM 乡镇覆盖的陆地 {len(rules)} 处（岛屿 {islands}，碎片 {slivers}，"
        f"共 {km2:.3f} 平方千米）/ includes {len(rules)} land pieces covered by no "
        f"OSM township ({islands} islands, {slivers} slivers; {km2:.3f} km²)"
    )


def _rows(table: pd.DataFrame) -> list[Any]:
    """Return the rows of a table as named tuples (typed loosely)."""
    return list(table.itertuples(index=False))
