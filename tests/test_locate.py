"""Tests of :mod:`grid.locate`: every point in the finest cell, parents by hierarchy.

Hand-checkable grids use unit squares (degrees) near (0, 0):

* two villages sharing an edge, ``x = 1``;
* four villages sharing the vertex (1, 1), the smallest code top-right;
* a village with a hole filled by another village, and one with an empty hole;
* a MultiPolygon village in two parts around another village;
* a county ``box(0, 0, 4, 2)`` whose township 002 has no villages and whose
  strip ``3 <= x <= 4`` is sea (no township), next to county 370212.

Property tests build random four-level grids (strips and Voronoi villages,
townships without villages, sea strips) and compare the locator with a
brute-force reference: shapely ``covers`` on every cell, the finest tier,
the smallest code, then the parent chain.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import box

from grid.cells import empty_cells, make_cells
from grid.codes import LEVELS
from grid.demo import generate_children
from grid.locate import LOCATE_COLUMNS, CellLocator
from grid.qa import assign_points
from twonet.bench.locate import benchmark_locate
from twonet.errors import CellCodeError, CRSError

NAN = math.nan
CODE_COLUMNS = [f"{lv.value}_code" for lv in LEVELS]
UPPER = ["370200", "370211", "370211001"]  # city, county, township above villages


def frame(records: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    records = [{"geometry": None, **r} for r in records]
    return make_cells(
        records, valid_from=dt.date(2023, 6, 30), source="test", licence="CC0-1.0"
    )


def with_upper(villages: dict[str, Any]) -> gpd.GeoDataFrame:
    """Villages with geometry under a township, county and city without one."""
    records = [{"code": c} for c in UPPER]
    records += [{"code": c, "geometry": g} for c, g in villages.items()]
    return frame(records)


def locate(cells: gpd.GeoDataFrame, xy: list[tuple[float, float]]) -> pd.DataFrame:
    lon, lat = zip(*xy, strict=True)
    return CellLocator.from_cells(cells).locate(list(lon), list(lat))


def row(found: pd.DataFrame, i: int) -> list[Any]:
    return found.iloc[i].tolist()


# ---------------------------------------------------------------- hand grids


def test_shared_edge_goes_to_the_smallest_code() -> None:
    cells = with_upper(
        {"370211001002": box(1, 0, 2, 1), "370211001001": box(0, 0, 1, 1)}
    )
    found = locate(cells, [(0.5, 0.5), (1.5, 0.5), (1, 0.5), (1, 1), (0, 0.5)])
    assert list(found.columns) == list(LOCATE_COLUMNS)
    assert row(found, 0) == [*UPPER, "370211001001", "village", False]
    assert row(found, 1) == [*UPPER, "370211001002", "village", False]
    assert row(found, 2) == [*UPPER, "370211001001", "village", True]  # shared edge
    assert row(found, 3) == [*UPPER, "370211001001", "village", True]  # shared vertex
    assert row(found, 4) == [*UPPER, "370211001001", "village", False]  # outer edge


def test_vertex_shared_by_four_cells() -> None:
    cells = with_upper(
        {
            "370211001004": box(0, 0, 1, 1),
            "370211001003": box(1, 0, 2, 1),
            "370211001002": box(0, 1, 1, 2),
            "370211001001": box(1, 1, 2, 2),
        }
    )
    found = locate(cells, [(1, 1), (1, 0.5), (0.5, 1), (1.5, 1), (1, 1.5), (0.5, 0.5)])
    assert found["village_code"].tolist() == [
        "370211001001",
        "370211001003",
        "370211001002",
        "370211001001",
        "370211001001",
        "370211001004",
    ]
    assert found["on_boundary"].tolist() == [True, True, True, True, True, False]


def test_holes() -> None:
    ring = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    empty_hole = box(3, 0, 6, 3).difference(box(4, 1, 5, 2))
    cells = frame(
        [
            {"code": "370211001", "geometry": box(0, 0, 3, 3)},
            {"code": "370211001001", "geometry": ring},
            {"code": "370211001002", "geometry": box(1, 1, 2, 2)},
            {"code": "370211002", "geometry": box(3, 0, 6, 3)},
            {"code": "370211002001", "geometry": empty_hole},
        ]
    )
    found = locate(cells, [(1.5, 1.5), (0.5, 0.5), (1, 1.5), (4.5, 1.5), (4, 1.5)])
    assert found["village_code"].tolist() == [
        "370211001002",
        "370211001001",
        "370211001001",
        None,
        "370211002001",
    ]
    assert found["level"].tolist() == [
        "village",
        "village",
        "village",
        "township",
        "village",
    ]
    assert found["on_boundary"].tolist() == [False, False, True, False, False]
    # in the empty hole: the township covers it, no village does
    assert row(found, 3) == [None, None, "370211002", None, "township", False]


def test_multipolygon_cell() -> None:
    two_parts = shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    cells = with_upper({"370211001001": two_parts, "370211001002": box(1, 0, 2, 1)})
    found = locate(cells, [(0.5, 0.5), (2.5, 0.5), (1.5, 0.5), (2, 0.5), (3.5, 0.5)])
    assert found["village_code"].tolist() == [
        "370211001001",
        "370211001001",
        "370211001002",
        "370211001001",
        None,
    ]
    assert found["on_boundary"].tolist() == [False, False, False, True, False]


def sea_grid() -> gpd.GeoDataFrame:
    return frame(
        [
            {"code": "370200", "geometry": box(0, 0, 5, 2)},
            {"code": "370211", "geometry": box(0, 0, 4, 2)},
            {"code": "370212", "geometry": box(4, 0, 5, 2)},
            {"code": "370211001", "geometry": box(0, 0, 2, 2)},
            {"code": "370211002", "geometry": box(2, 0, 3, 2)},
            {"code": "370211001001", "geometry": box(0, 0, 1, 2)},
            {"code": "370211001002", "geometry": box(1, 0, 2, 2)},
        ]
    )


def test_township_without_villages_and_sea_in_a_county() -> None:
    points = [(2.5, 1), (3.5, 1), (2, 1), (3, 1), (4, 1), (4.5, 1), (0.5, 1)]
    found = locate(sea_grid(), points)
    city = "370200"
    # township 002 has no villages: the township is the finest level
    assert row(found, 0) == [city, "370211", "370211002", None, "township", False]
    # sea inside the county outline: no township
    assert row(found, 1) == [city, "370211", None, None, "county", False]
    # village 002 reaches x = 2, so the village level wins; its township
    # comes from the hierarchy, not from a tie between towns 001 and 002
    assert row(found, 2) == [
        city,
        "370211",
        "370211001",
        "370211001002",
        "village",
        False,
    ]
    # edge of township 002 and the sea: only one township covers it
    assert row(found, 3) == [city, "370211", "370211002", None, "township", False]
    # edge of two counties (neither has a township there)
    assert row(found, 4) == [city, "370211", None, None, "county", True]
    assert row(found, 5) == [city, "370212", None, None, "county", False]
    assert row(found, 6) == [
        city,
        "370211",
        "370211001",
        "370211001001",
        "village",
        False,
    ]


def test_outside_and_nan_points_are_nowhere() -> None:
    nowhere = [None, None, None, None, None, False]
    found = locate(sea_grid(), [(9, 9), (NAN, 1), (1, NAN), (math.inf, 1), (-1, 1)])
    for i in range(len(found)):
        assert row(found, i) == nowhere


def test_parents_follow_the_hierarchy_and_stop_at_missing_parents() -> None:
    cells = frame(
        [
            {"code": "370211"},  # its city 370200 is not in the frame
            {"code": "370211001"},
            {"code": "370211001001", "geometry": box(0, 0, 1, 1)},
            {"code": "370211002001", "geometry": box(1, 0, 2, 1)},  # no township
        ]
    )
    found = locate(cells, [(0.5, 0.5), (1.5, 0.5)])
    assert row(found, 0) == [
        None,
        "370211",
        "370211001",
        "370211001001",
        "village",
        False,
    ]
    assert row(found, 1) == [None, None, None, "370211002001", "village", False]


def test_sub_village_grid_is_finer_than_its_village() -> None:
    cells = with_upper({"370211001001": box(0, 0, 2, 1)})
    split = frame([{"code": "37021100100101", "geometry": box(0, 0, 1, 1)}])
    cells = pd.concat([cells, split], ignore_index=True)
    found = locate(cells, [(0.5, 0.5), (1.5, 0.5), (1, 0.5)])
    assert found["village_code"].tolist() == [
        "37021100100101",
        "370211001001",
        "37021100100101",
    ]
    assert found["township_code"].tolist() == ["370211001"] * 3


def test_broadcasting_and_shapes() -> None:
    locator = CellLocator.from_cells(sea_grid())
    assert locator.locate(0.5, [0.5, 1.5])["village_code"].tolist() == [
        "370211001001",
        "370211001001",
    ]
    assert len(locator.locate([], [])) == 0
    assert locator.n_cells == 7
    assert locator.shape[0] >= 64 and locator.shape[1] >= 64
    assert 0 < locator.mixed_fraction < 1
    assert locator.nbytes > 0
    assert locator.needs_exact_test([1, 0.5], [1, 0.5]).tolist()[0]


def test_a_frame_without_geometry_places_nothing() -> None:
    for cells in (empty_cells(), frame([{"code": "370200"}])):
        found = CellLocator.from_cells(cells).locate([0.0, 1.0], [0.0, 1.0])
        assert found["level"].tolist() == [None, None]
        assert found["city_code"].tolist() == [None, None]


def test_assign_points_is_the_locator() -> None:
    cells = sea_grid()
    xy = [(2.5, 1), (3.5, 1), (2, 1), (4, 1), (9, 9), (1, 1)]
    points = gpd.GeoSeries.from_xy(*zip(*xy, strict=True), index=list("abcdef"))
    table = assign_points(points, cells)
    found = locate(cells, xy)
    assert list(table.columns) == [lv.value for lv in LEVELS]
    assert list(table.index) == list("abcdef")
    assert table.to_numpy().tolist() == found[CODE_COLUMNS].to_numpy().tolist()


# ---------------------------------------------------------------- errors


def test_refuses_bad_frames_and_arguments() -> None:
    cells = sea_grid()
    with pytest.raises(CRSError, match="EPSG:3857"):
        CellLocator.from_cells(cells.set_crs(3857, allow_override=True))
    with pytest.raises(CellCodeError, match="parent_code"):
        CellLocator.from_cells(cells.drop(columns="parent_code"))
    with pytest.raises(CellCodeError, match="max_side"):
        CellLocator.from_cells(cells, max_side=3)
    with pytest.raises(CellCodeError, match="GeoDataFrame"):
        CellLocator.from_cells(pd.DataFrame(cells))  # type: ignore[arg-type]
    bad = cells.assign(level=["city", "county", "county", "town", "hamlet", "v", "v"])
    with pytest.raises(CellCodeError, match="'hamlet'") as info:
        CellLocator.from_cells(bad)
    assert "'town'" in str(info.value) and "'v'" in str(info.value)
    with pytest.raises(CellCodeError, match="broadcastable"):
        CellLocator.from_cells(cells).locate([1.0, 2.0], [1.0, 2.0, 3.0])


# ---------------------------------------------------------------- properties

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def cuts(draw: st.DrawFn, lo: float, hi: float, most: int) -> list[float]:
    """Sorted cut positions between lo and hi on a 1/1000 grid (ends included)."""
    steps = draw(
        st.lists(st.integers(1, 999), min_size=0, max_size=most - 1, unique=True)
    )
    return [lo, *(lo + (hi - lo) * s / 1000 for s in sorted(steps)), hi]


@st.composite
def grids(draw: st.DrawFn) -> gpd.GeoDataFrame:
    """A random grid near Qingdao: strips of counties and townships, villages
    as strips or Voronoi cells; some townships without villages, some county
    strips at sea (no township), the city with or without geometry."""
    x0, y0, size = 120.0, 36.0, 0.1
    records: list[dict[str, Any]] = []
    city_geometry = draw(st.booleans())
    records.append(
        {"code": "370200", "geometry": box(x0, y0, x0 + size, y0 + size)}
        if city_geometry
        else {"code": "370200"}
    )
    xs = cuts(draw, x0, x0 + size, 3)
    for k, (a, b) in enumerate(itertools.pairwise(xs)):
        county = f"3702{11 + k:02d}"
        records.append({"code": county, "geometry": box(a, y0, b, y0 + size)})
        ys = cuts(draw, y0, y0 + size, 3)
        if draw(st.booleans()) and len(ys) > 2:
            ys = ys[:-1]  # the top strip is sea: no township
        for t, (c, d) in enumerate(itertools.pairwise(ys)):
            town = f"{county}{t + 1:03d}"
            geom = box(a, c, b, d)
            records.append({"code": town, "geometry": geom})
            records += villages(draw, town, geom)
    return frame(records)


def villages(draw: st.DrawFn, town: str, geom: shapely.Polygon) -> list[dict[str, Any]]:
    kind = draw(st.sampled_from(["none", "strips", "voronoi"]))
    if kind == "none":
        return []
    minx, miny, maxx, maxy = geom.bounds
    if kind == "strips":
        xs = cuts(draw, minx, maxx, 3)
        geoms = [box(a, miny, b, maxy) for a, b in itertools.pairwise(xs)]
    else:
        n = draw(st.integers(2, 6))
        codes = [f"{town}{k + 1:03d}" for k in range(n)]
        geoms = generate_children(geom, codes, seed=draw(st.integers(0, 2**16)))
    order = draw(st.permutations(range(len(geoms))))  # codes not in space order
    return [
        {"code": f"{town}{order[k] + 201:03d}", "geometry": g}
        for k, g in enumerate(geoms)
    ]


def sample_points(cells: gpd.GeoDataFrame, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points over (and around) the grid, plus points exactly on
    vertices, on axis-parallel edges and interpolated along edges."""
    rng = np.random.default_rng(seed)
    geoms = cells.geometry.dropna().to_numpy()
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    pad = 0.01
    uniform = rng.uniform((minx - pad, miny - pad), (maxx + pad, maxy + pad), (150, 2))
    vertices = np.unique(shapely.get_coordinates(geoms), axis=0)
    on_vertex = vertices[rng.integers(0, len(vertices), 60)]
    # exactly on a vertical or horizontal line through a vertex
    snap = vertices[rng.integers(0, len(vertices), 60)]
    along = rng.uniform((minx, miny), (maxx, maxy), (60, 2))
    along[:30, 0] = snap[:30, 0]
    along[30:, 1] = snap[30:, 1]
    rings = shapely.get_rings(shapely.get_parts(geoms))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    starts = np.flatnonzero(ring[1:] == ring[:-1])
    pick = starts[rng.integers(0, len(starts), 60)]
    on_edge = xy[pick] + rng.uniform(0, 1, (60, 1)) * (xy[pick + 1] - xy[pick])
    points = np.concatenate([uniform, on_vertex, along, on_edge])
    return points[:, 0], points[:, 1]


def brute_force(cells: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """The reference: covers on every cell, finest tier, smallest code, chain."""
    codes = cells["code"].tolist()
    levels = cells["level"].tolist()
    parent = dict(zip(codes, cells["parent_code"], strict=True))
    level_of = dict(zip(codes, levels, strict=True))
    geoms = cells.geometry.to_numpy()
    has = np.flatnonzero(~shapely.is_missing(geoms))
    tier = {c: (LEVELS.index(level_of[c]), len(c)) for c in codes}
    covers = shapely.covers(geoms[has][:, None], shapely.points(x, y)[None, :])
    rows = []
    for j in range(len(x)):
        hits = [codes[has[i]] for i in np.flatnonzero(covers[:, j])]
        out: dict[str, Any] = dict.fromkeys(LOCATE_COLUMNS)
        out["on_boundary"] = False
        if hits:
            finest = max(tier[c] for c in hits)
            best = sorted(c for c in hits if tier[c] == finest)
            out["level"] = level_of[best[0]]
            out["on_boundary"] = len(best) > 1
            code: str | None = best[0]
            while code is not None and code in level_of:
                key = f"{level_of[code]}_code"
                out[key] = out[key] or code
                code = parent[code]
        rows.append(out)
    table = pd.DataFrame(rows, columns=list(LOCATE_COLUMNS), dtype=object)
    return table.astype({"on_boundary": bool})


@SETTINGS
@given(
    cells=grids(),
    seed=st.integers(0, 2**32 - 1),
    max_side=st.sampled_from([64, 300, 2048]),
)
def test_locator_agrees_with_brute_force(
    cells: gpd.GeoDataFrame, seed: int, max_side: int
) -> None:
    x, y = sample_points(cells, seed)
    found = CellLocator.from_cells(cells, max_side=max_side).locate(x, y)
    expected = brute_force(cells, x, y)
    pd.testing.assert_frame_equal(found, expected, check_dtype=False)
    # parents are consistent: each code extends the one above
    located = found[found["level"].notna()]
    village, town = located["village_code"], located["township_code"]
    both = village.notna() & town.notna()
    assert (village[both].str[:9] == town[both]).all()
    county = located["county_code"]
    has_town = town.notna()
    assert (town[has_town].str[:6] == county[has_town]).all()
    assert (county.notna() | located["level"].eq("city")).all()


# ---------------------------------------------------------------- the demo grid


@pytest.mark.slow
def test_demo_grid_matches_sjoin_and_brute_force(
    qingdao_demo: tuple[gpd.GeoDataFrame, Any, float],
) -> None:
    cells = qingdao_demo[0]
    result = benchmark_locate(cells, 20_000, seed=1, repeat=1)
    assert result["mismatches"] == 0
    assert result["in_village"] > 15_000
    assert result["on_boundary"] > 0
    # all four levels against a tree-based reference on a sample
    rng = np.random.default_rng(2)
    minx, miny, maxx, maxy = cells.total_bounds
    x = rng.uniform(minx, maxx, 3_000)
    y = rng.uniform(miny, maxy, 3_000)
    found = CellLocator.from_cells(cells).locate(x, y)
    geoms = cells.geometry.to_numpy()
    has = np.flatnonzero(~shapely.is_missing(geoms))
    pi, ci = shapely.STRtree(geoms[has]).query(
        shapely.points(x, y), predicate="intersects"
    )
    hits = pd.DataFrame(
        {
            "point": pi,
            "level": cells["level"].to_numpy()[has][ci],
            "code": cells["code"].to_numpy()[has][ci],
        }
    )
    best = hits.sort_values("code").drop_duplicates(["point", "level"])
    table = best.pivot(index="point", columns="level", values="code")
    for level in LEVELS:
        # the demo grid's children tile their parents, so per-level tests and
        # the hierarchy agree everywhere
        expected = table[level.value].reindex(range(len(x)))
        got = found[f"{level.value}_code"]
        assert (got.isna() == expected.isna()).all(), level
        assert (got[got.notna()] == expected[got.notna()]).all(), level
