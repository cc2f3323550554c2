"""The Qingdao demo grid, built once per module with the real OSM land mask."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from grid.cells import CELL_COLUMNS
from grid.demo import (
    ILLUSTRATIVE_NOTE,
    VALID_FROM,
    DemoReport,
    build_qingdao_demo,
    generate_children,
    town_seed,
)
from grid.landmask import load_land, resolve_land
from grid.qa import QAReport, run_qa
from twonet.errors import GridFileError

DATA = Path(__file__).resolve().parents[1] / "data" / "qingdao"
NO_GEOMETRY_TOWNS = {
    "370214400",
    "370215400",
    "370215402",
    "370281400",
    "370281401",
    "370283400",
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(
    qingdao_demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> tuple[gpd.GeoDataFrame, DemoReport, float]:
    return qingdao_demo


@pytest.fixture(scope="module")
def qa(demo: tuple[gpd.GeoDataFrame, DemoReport, float]) -> tuple[QAReport, float]:
    started = time.perf_counter()
    report = run_qa(demo[0], land="auto")
    return report, time.perf_counter() - started


def test_counts_per_level(demo: tuple[gpd.GeoDataFrame, DemoReport, float]) -> None:
    cells, report, _ = demo
    counts = report.counts.set_index("level")
    assert counts["cells"].to_dict() == {
        "city": 1,
        "county": 10,
        "township": 141,
        "village": 2120,
    }
    assert counts["with_geometry"].to_dict() == {
        "city": 1,
        "county": 10,
        "township": 135,
        "village": 2070,
    }
    assert len(cells) == 2272
    assert cells["code"].is_unique


def test_cell_frame_contract(demo: tuple[gpd.GeoDataFrame, DemoReport, float]) -> None:
    cells, _, _ = demo
    assert tuple(cells.columns) == CELL_COLUMNS
    assert cells.crs.to_epsg() == 4326
    assert (cells["valid_from"] == VALID_FROM).all()
    geoms = cells.geometry.dropna()
    assert (geoms.geom_type == "MultiPolygon").all()
    assert shapely.is_valid(geoms.to_numpy()).all()


def test_codes_and_names(demo: tuple[gpd.GeoDataFrame, DemoReport, float]) -> None:
    cells, _, _ = demo
    by_code = cells.set_index("code")
    assert "370215" in by_code.index
    assert "370282" not in by_code.index
    assert by_code.loc["370215", "name"] == "即墨区"
    assert "370282" in by_code.loc["370215", "note"]
    assert by_code.loc["370211", "name"] == "黄岛区"  # 2023 list, not OSM's name
    assert by_code.loc["370200", "name"] == "青岛市"
    jimo_towns = cells[
        (cells["level"] == "township") & (cells["parent_code"] == "370215")
    ]
    assert len(jimo_towns) == 17  # 15 from OSM + 2 zones without geometry


def test_towns_without_geometry(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    cells, report, _ = demo
    assert set(report.towns_without_geometry["code"]) == NO_GEOMETRY_TOWNS
    assert report.towns_without_geometry["villages"].sum() == 50
    missing = cells[cells.geometry.isna()]
    assert set(missing.loc[missing["level"] == "township", "code"]) == NO_GEOMETRY_TOWNS
    assert set(missing.loc[missing["level"] == "village", "parent_code"]) == (
        NO_GEOMETRY_TOWNS
    )
    assert missing["note"].str.contains("address").all()
    assert not missing["illustrative"].any()


def test_villages_are_illustrative(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    cells, _, _ = demo
    villages = cells[(cells["level"] == "village") & cells.geometry.notna()]
    assert villages["illustrative"].all()
    assert (villages["note"] == ILLUSTRATIVE_NOTE).all()
    assert not cells.loc[cells["level"] != "village", "illustrative"].any()
    assert cells.loc[cells["level"] == "county", "licence"].str.contains("ODbL").all()


def test_communities_smaller_than_villages(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    cells, _, _ = demo
    villages = cells[(cells["level"] == "village") & cells.geometry.notna()]
    area = villages.to_crs(4528).area
    community = villages["code"].str[9:12].astype(int) < 200
    assert area[community].median() < area[~community].median()


def test_uncovered_land_attached(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    cells, report, _ = demo
    attached = report.attached_land
    assert len(attached) > 0
    assert set(attached["kind"]) == {"island", "sliver"}
    assert set(attached["county_code"]) >= {"370211", "370212"}
    # each piece went to a township of its own county
    assert (attached["township_code"].str[:6] == attached["county_code"]).all()
    noted = cells[cells["code"].isin(attached["township_code"])]
    assert noted["note"].str.contains("land pieces").all()


def test_demo_passes_qa(qa: tuple[QAReport, float]) -> None:
    report, _ = qa
    summary = report.summary().set_index("check")["count"]
    assert report.ok, report.problems[report.problems["severity"] == "error"]
    assert summary["overlap"] == 0
    assert summary["land_gap"] == 0
    assert summary["outside_parent"] == 0
    assert summary["no_geometry"] == 56  # 6 towns + 50 villages
    assert summary["sea_gap"] > 0  # counties reach into the sea


def test_timings(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float], qa: tuple[QAReport, float]
) -> None:
    _, _, build_seconds = demo
    _, qa_seconds = qa
    assert build_seconds < 60
    assert qa_seconds < 30


def test_build_is_deterministic(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    cells, report, _ = demo
    again, report_again = build_qingdao_demo(DATA)
    assert_geodataframe_equal(cells, again, check_less_precise=False)
    assert report.attached_land.equals(report_again.attached_land)


def test_village_seed_depends_only_on_town_code() -> None:
    assert town_seed("370211001") == town_seed("370211001")
    assert town_seed("370211001") != town_seed("370211002")
    parent = shapely.box(120.0, 36.0, 120.1, 36.1)
    codes = ["370211001001", "370211001201", "370211001202"]
    first = generate_children(parent, codes, seed=town_seed("370211001"))
    second = generate_children(parent, codes, seed=town_seed("370211001"))
    assert all(a.equals_exact(b, 0) for a, b in zip(first, second, strict=True))


def test_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(GridFileError, match="not found"):
        build_qingdao_demo(tmp_path, land=None)


def test_land_mask_around_qingdao(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    land = load_land((119.3, 35.3, 121.3, 37.3))  # cached by the demo build
    assert land.geom_type == "MultiPolygon" and land.is_valid
    on_land = shapely.points([(119.95, 36.78), (120.38, 36.07)])  # 平度, 市南
    at_sea = shapely.points([(120.6, 35.7), (121.0, 36.0)])  # Yellow Sea
    assert shapely.contains(land, on_land).all()
    assert not shapely.intersects(land, at_sea).any()
    assert resolve_land("auto", (119.3, 35.3, 121.3, 37.3)) is land
    assert resolve_land(None, (0, 0, 1, 1)) is None


def test_demo_without_land_runs(
    demo: tuple[gpd.GeoDataFrame, DemoReport, float],
) -> None:
    cells, report = build_qingdao_demo(DATA, land=None, lloyd_iterations=0)
    assert len(cells) == 2272
    assert report.attached_land.empty
    assert report.land == "none"
    assert np.array_equal(cells["code"].to_numpy(), demo[0]["code"].to_numpy())


def test_overlaps_resolved_smaller_code_keeps() -> None:
    from grid.demo import _resolve_overlaps

    first = shapely.MultiPolygon([shapely.box(120.0, 36.0, 120.02, 36.01)])
    second = shapely.MultiPolygon([shapely.box(120.01, 36.0, 120.03, 36.01)])
    out = _resolve_overlaps(np.array([first, second, None], dtype=object))
    assert out[0].equals(first)
    assert out[1].equals(shapely.box(120.02, 36.0, 120.03, 36.01))
    assert out[2] is None


def test_uncovered_land_goes_to_longest_boundary_or_nearest() -> None:
    from grid.uncovered_land import choose_townships

    towns = np.array(
        [
            shapely.box(120.00, 36.00, 120.01, 36.01),
            shapely.box(120.01, 36.00, 120.02, 36.01),
        ],
        dtype=object,
    )
    pieces = np.array(
        [
            # touches town 0 along 0.001° and town 1 along 0.004° (north edge)
            shapely.box(120.009, 36.01, 120.014, 36.012),
            # an island closer to town 0
            shapely.box(120.001, 36.02, 120.002, 36.021),
        ],
        dtype=object,
    )
    targets, rules, areas = choose_townships(pieces, towns)
    assert targets.tolist() == [1, 0]
    assert rules.tolist() == ["longest_shared_boundary", "nearest"]
    assert (areas > 0).all()
