"""Property tests of the grid invariants (横向到边、纵向到底).

For random parent polygons, numbers of children and seeds, the illustrative
generator of :mod:`grid.demo` must split a parent into children that

* tile it: the union of the children is the parent, no two overlap;
* place every point of the parent in exactly one cell per level.

Boundary rule (see :func:`grid.qa.assign_points`): a point on an edge or
vertex shared by several cells of one level belongs to the cell with the
smallest code.  Random points almost never hit an edge; the rule is checked
directly in ``tests/test_grid_qa.py`` and here on shared vertices.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grid.cells import make_cells
from grid.demo import generate_children
from grid.qa import assign_points, run_qa

#: Relative area tolerance for "union == parent" (floating-point overlay noise).
REL_TOL = 1e-9
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def star_polygons(draw: st.DrawFn) -> shapely.Polygon:
    """A random star-shaped (often non-convex) polygon near Qingdao."""
    n = draw(st.integers(min_value=3, max_value=14))
    cx = draw(st.floats(min_value=119.6, max_value=120.9))
    cy = draw(st.floats(min_value=35.6, max_value=37.0))
    size = draw(st.floats(min_value=0.005, max_value=0.2))
    radii = draw(
        st.lists(st.floats(min_value=0.2, max_value=1.0), min_size=n, max_size=n)
    )
    angles = np.linspace(0, 2 * math.pi, n, endpoint=False)
    xy = np.column_stack(
        (
            cx + size * np.array(radii) * np.cos(angles),
            cy + size * np.array(radii) * np.sin(angles),
        )
    )
    poly = shapely.Polygon(xy)
    return poly if poly.is_valid else poly.convex_hull


def village_codes(town: str, n: int, offset: int) -> list[str]:
    """``n`` village codes in a town, mixing communities (<200) and villages."""
    return [f"{town}{(offset + 37 * k) % 399 + 1:03d}" for k in range(n)]


def assert_tiles(parent: shapely.Geometry, kids: list[shapely.Geometry]) -> None:
    assert all(k is not None and not k.is_empty for k in kids)
    assert shapely.is_valid(np.array(kids, dtype=object)).all()
    union = shapely.union_all(kids)
    assert math.isclose(union.area, parent.area, rel_tol=REL_TOL)
    assert parent.symmetric_difference(union).area <= REL_TOL * parent.area
    # no overlaps: the areas add up, and every pair meets in (near) zero area
    assert math.isclose(sum(k.area for k in kids), parent.area, rel_tol=REL_TOL)
    arr = np.array(kids, dtype=object)
    a, b = shapely.STRtree(arr).query(arr, predicate="intersects")
    pairs = a < b
    inter = shapely.area(shapely.intersection(arr[a[pairs]], arr[b[pairs]]))
    assert (inter <= REL_TOL * parent.area).all()


@SETTINGS
@given(
    parent=star_polygons(),
    n=st.integers(min_value=1, max_value=30),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    offset=st.integers(min_value=0, max_value=398),
    lloyd=st.integers(min_value=0, max_value=3),
)
def test_children_tile_their_parent(
    parent: shapely.Polygon, n: int, seed: int, offset: int, lloyd: int
) -> None:
    codes = village_codes("370211001", n, offset)
    kids = generate_children(parent, codes, seed=seed, lloyd_iterations=lloyd)
    assert len(kids) == n
    assert_tiles(parent, kids)
    # deterministic for a seed
    again = generate_children(parent, codes, seed=seed, lloyd_iterations=lloyd)
    assert all(k.equals_exact(g, 0) for k, g in zip(kids, again, strict=True))


@SETTINGS
@given(
    parent=star_polygons(),
    n=st.integers(min_value=2, max_value=15),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    land_cut=st.floats(min_value=0.2, max_value=0.9),
)
def test_children_tile_parent_with_seeds_on_land(
    parent: shapely.Polygon, n: int, seed: int, land_cut: float
) -> None:
    minx, miny, maxx, maxy = parent.bounds
    land = shapely.box(minx, miny, minx + land_cut * (maxx - minx), maxy)
    on_land = parent.intersection(land)
    codes = village_codes("370211101", n, 200)
    kids = generate_children(parent, codes, seed=seed, seed_area=on_land)
    assert_tiles(parent, kids)
    # every child reaches the land part, where its seed point was drawn
    if on_land.area > 0:
        assert all(k.intersection(on_land).area > 0 for k in kids)


@SETTINGS
@given(
    parent=star_polygons(),
    n_towns=st.integers(min_value=1, max_value=6),
    n_villages=st.integers(min_value=1, max_value=8),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_points_fall_in_exactly_one_cell_per_level(
    parent: shapely.Polygon, n_towns: int, n_villages: int, seed: int
) -> None:
    towns = [f"370211{k + 1:03d}" for k in range(n_towns)]
    town_geoms = generate_children(parent, towns, seed=seed)
    records = [{"code": "370211", "geometry": parent}]
    for k, (town, geom) in enumerate(zip(towns, town_geoms, strict=True)):
        records.append({"code": town, "geometry": geom})
        codes = village_codes(town, n_villages, 7 * k)
        kids = generate_children(geom, codes, seed=seed + k + 1)
        records += [
            {"code": c, "geometry": g} for c, g in zip(codes, kids, strict=True)
        ]
    cells = make_cells(
        records, valid_from=dt.date(2023, 6, 30), source="test", licence="CC0-1.0"
    )
    cells = cells[cells["code"] != "370211"]  # start below the county

    # default tolerances (1 m², 1 m): overlay noise stays below 0.1 m²
    report = run_qa(cells)
    assert report.of_check("overlap").empty
    assert report.of_check("outside_parent").empty
    assert report.of_check("gap").empty

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = parent.bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), size=(200, 2))
    xy = xy[shapely.contains_xy(parent, xy[:, 0], xy[:, 1])]
    points = gpd.GeoSeries.from_xy(xy[:, 0], xy[:, 1], crs=4326)
    found = assign_points(points, cells)
    assert found["township"].notna().all()
    assert found["village"].notna().all()
    # the village lies in the township found for the same point
    assert (found["village"].str[:9] == found["township"]).all()
    # strictly inside at most one cell per level
    geoms = cells.geometry.to_numpy()
    pi, ci = shapely.STRtree(geoms).query(points.to_numpy(), predicate="within")
    levels = cells["level"].to_numpy()[ci]
    hits = pd.Series(1, index=[pi, levels]).groupby(level=[0, 1]).sum()
    assert (hits <= 1).all()


@SETTINGS
@given(
    parent=star_polygons(),
    n=st.integers(min_value=2, max_value=12),
    seed=st.integers(min_value=0, max_value=2**31),
)
def test_shared_vertices_go_to_the_smallest_code(
    parent: shapely.Polygon, n: int, seed: int
) -> None:
    codes = village_codes("370211001", n, 0)
    kids = generate_children(parent, codes, seed=seed)
    cells = make_cells(
        [{"code": c, "geometry": g} for c, g in zip(codes, kids, strict=True)],
        valid_from=dt.date(2023, 6, 30),
        source="test",
        licence="CC0-1.0",
    )
    # vertices of each child; those covered by several children are shared
    xy = np.unique(shapely.get_coordinates(np.array(kids, dtype=object)), axis=0)
    points = shapely.points(xy)
    geoms = cells.geometry.to_numpy()
    pi, ci = shapely.STRtree(geoms).query(points, predicate="covered_by")
    covering = pd.DataFrame({"p": pi, "code": cells["code"].to_numpy()[ci]})
    smallest = covering.groupby("p")["code"].min()
    found = assign_points(points, cells)
    assert (found.loc[smallest.index, "village"] == smallest).all()
