"""Grid QA on tiny hand-built grids near Qingdao (120° E, 36° N).

The base grid (degrees; 0.01° is about 900 m east-west, 1,110 m north-south):

    city 370200            box(120.00, 36.00, 120.04, 36.02)
      county 370211        box(120.00, 36.00, 120.02, 36.02)
        town 370211001     box(120.00, 36.00, 120.01, 36.02)
          village ...001   box(120.00, 36.00, 120.01, 36.01)
          village ...002   box(120.00, 36.01, 120.01, 36.02)
        town 370211002     box(120.01, 36.00, 120.02, 36.02)
      county 370212        box(120.02, 36.00, 120.04, 36.02)

Expected areas are computed on the ellipsoid with pyproj.Geod, independently
of the projected CRS the QA uses.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely import box

from grid.cells import make_cells
from grid.qa import CHECKS, assign_points, metric_crs, repair_invalid, run_qa
from twonet.errors import CellCodeError, CRSError

GEOD = pyproj.Geod(ellps="GRS80")

BASE: list[dict[str, Any]] = [
    {"code": "370200", "geometry": box(120.00, 36.00, 120.04, 36.02)},
    {"code": "370211", "geometry": box(120.00, 36.00, 120.02, 36.02)},
    {"code": "370212", "geometry": box(120.02, 36.00, 120.04, 36.02)},
    {"code": "370211001", "geometry": box(120.00, 36.00, 120.01, 36.02)},
    {"code": "370211002", "geometry": box(120.01, 36.00, 120.02, 36.02)},
    {"code": "370211001001", "geometry": box(120.00, 36.00, 120.01, 36.01)},
    {"code": "370211001002", "geometry": box(120.00, 36.01, 120.01, 36.02)},
]


def grid(*changes: dict[str, Any], drop: tuple[str, ...] = ()) -> gpd.GeoDataFrame:
    """Return the base grid with rows replaced (same code) or added."""
    rows = {r["code"]: dict(r) for r in BASE if r["code"] not in drop}
    extra = []
    for change in changes:
        if change["code"] in rows and "duplicate" not in change:
            rows[change["code"]].update(change)
        else:
            extra.append({k: v for k, v in change.items() if k != "duplicate"})
    return make_cells(
        [*rows.values(), *extra],
        valid_from=dt.date(2023, 6, 30),
        source="test",
        licence="CC0-1.0",
    )


def geod_area(geom: shapely.Geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geom)[0])


def checks(report: Any) -> list[tuple[str, str | None, str | None]]:
    rows = report.problems
    return sorted(
        zip(rows["check"], rows["code"], rows["related_code"], strict=True),
        key=str,
    )


# ---------------------------------------------------------------- clean grid


def test_clean_grid_has_no_problems() -> None:
    report = run_qa(grid())
    assert report.problems.empty
    assert report.ok
    assert report.n_cells == len(BASE)
    assert report.metric_epsg == 4528  # CGCS2000 3-degree GK zone 40, 120° E
    assert report.problems.crs.to_epsg() == 4326
    summary = report.summary()
    assert list(summary["check"]) == list(CHECKS)
    assert summary["count"].sum() == 0


def test_summary_and_geojson(tmp_path: Path) -> None:
    cells = grid({"code": "370211001002", "geometry": None})
    report = run_qa(cells)
    summary = report.summary().set_index("check")
    assert summary.loc["no_geometry", "count"] == 1
    assert summary.loc["gap", "count"] == 1
    path = report.to_geojson(tmp_path / "qa.geojson")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert len(back["features"]) == 2
    assert {f["properties"]["check"] for f in back["features"]} == {
        "no_geometry",
        "gap",
    }


def test_empty_report_writes_empty_geojson(tmp_path: Path) -> None:
    path = run_qa(grid()).to_geojson(tmp_path / "none.geojson")
    assert json.loads(path.read_text(encoding="utf-8"))["features"] == []


# ---------------------------------------------------------------- codes


def test_duplicate_code() -> None:
    report = run_qa(
        grid(
            {
                "code": "370211002",
                "geometry": box(120.01, 36.00, 120.02, 36.02),
                "duplicate": True,
            }
        ),
        overlap_tolerance_m2=1e12,
    )
    dup = report.of_check("duplicate_code")
    assert dup["code"].tolist() == ["370211002"]
    assert "2" in dup["message_en"].iloc[0]
    assert not report.ok


def test_code_not_extending_parent() -> None:
    cells = grid(
        {
            "code": "370212001001",
            "parent_code": "370211001",
            "geometry": None,
        }
    )
    report = run_qa(cells)
    bad = report.of_check("code_not_under_parent")
    assert bad["code"].tolist() == ["370212001001"]
    assert bad["related_code"].tolist() == ["370211001"]
    assert "'370211001'" in bad["message_en"].iloc[0]


def test_missing_parent() -> None:
    cells = grid({"code": "370213001", "geometry": None})
    report = run_qa(cells)
    missing = report.of_check("missing_parent")
    assert missing["code"].tolist() == ["370213001"]
    assert "'370213'" in missing["message_en"].iloc[0]


def test_skipped_level_village_under_county() -> None:
    cells = grid({"code": "370211001009", "parent_code": "370211", "geometry": None})
    report = run_qa(cells)
    assert report.of_check("skipped_level")["code"].tolist() == ["370211001009"]
    # the code itself still starts with the county's code
    assert report.of_check("code_not_under_parent").empty


def test_bad_code_and_level_mismatch() -> None:
    cells = grid()
    cells.loc[6, "code"] = "37021100100X"
    cells.loc[5, "level"] = "township"
    report = run_qa(cells)
    assert report.of_check("bad_code")["code"].tolist() == ["37021100100X"]
    mismatch = report.of_check("level_mismatch")
    assert mismatch["code"].tolist() == ["370211001001"]


def test_of_check_rejects_unknown_name() -> None:
    with pytest.raises(CellCodeError, match="'overlaps'"):
        run_qa(grid()).of_check("overlaps")


# ---------------------------------------------------------------- geometry


def test_invalid_geometry_reported_and_repaired() -> None:
    bowtie = shapely.Polygon(
        [(120.0, 36.0), (120.01, 36.01), (120.01, 36.0), (120.0, 36.01)]
    )
    cells = grid({"code": "370211001001", "geometry": bowtie})
    report = run_qa(cells)
    invalid = report.of_check("invalid_geometry")
    assert invalid["code"].tolist() == ["370211001001"]
    assert "Self-intersection" in invalid["message_en"].iloc[0]

    fixed = repair_invalid(cells)
    assert shapely.is_valid(fixed.geometry.to_numpy()).all()
    repaired = fixed.set_index("code").loc["370211001001"]
    assert repaired.geometry.geom_type == "MultiPolygon"
    assert repaired.geometry.area == pytest.approx(2 * 0.01 * 0.005 / 2)
    assert "geometry repaired" in repaired["note"]
    assert run_qa(fixed).of_check("invalid_geometry").empty
    # valid rows are untouched
    assert fixed.geometry.iloc[0].equals(cells.geometry.iloc[0])


def test_no_geometry_is_info() -> None:
    cells = grid({"code": "370211002", "geometry": None})
    report = run_qa(cells, land=box(119, 35, 121, 37))
    info = report.of_check("no_geometry")
    assert info["code"].tolist() == ["370211002"]
    assert info["severity"].tolist() == ["info"]
    assert "address" in info["message_en"].iloc[0]
    # the county now has a land gap where the town without geometry is
    assert report.of_check("land_gap")["code"].tolist() == ["370211"]


def test_child_outside_parent() -> None:
    sticking_out = box(120.01, 36.00, 120.021, 36.02)  # 0.001° ≈ 90 m east
    report = run_qa(grid({"code": "370211002", "geometry": sticking_out}))
    out = report.of_check("outside_parent")
    assert out["code"].tolist() == ["370211002"]
    assert out["related_code"].tolist() == ["370211"]
    expected = geod_area(box(120.02, 36.00, 120.021, 36.02))
    assert out["area_m2"].iloc[0] == pytest.approx(expected, rel=1e-3)
    assert "90." in out["message_en"].iloc[0]  # 0.001° at 36° N ≈ 90.2 m
    # county 370212 has no towns, so nothing of that level overlaps
    assert report.of_check("overlap").empty


def test_child_outside_parent_within_tolerance() -> None:
    tiny = box(120.01, 36.00, 120.0200001, 36.02)  # about 1 cm out
    report = run_qa(grid({"code": "370211002", "geometry": tiny}))
    assert report.of_check("outside_parent").empty
    strict = run_qa(
        grid({"code": "370211002", "geometry": tiny}), outside_tolerance_m=0.001
    )
    assert strict.of_check("outside_parent")["code"].tolist() == ["370211002"]


def test_sibling_overlap() -> None:
    wider = box(120.00, 36.00, 120.011, 36.02)  # 0.001° into town 002
    report = run_qa(grid({"code": "370211001", "geometry": wider}))
    overlap = report.of_check("overlap")
    assert overlap["code"].tolist() == ["370211001"]
    assert overlap["related_code"].tolist() == ["370211002"]
    expected = geod_area(box(120.01, 36.00, 120.011, 36.02))
    assert overlap["area_m2"].iloc[0] == pytest.approx(expected, rel=1e-3)
    # villages of 370211001 no longer cover the wider town: a gap
    assert report.of_check("gap")["code"].tolist() == ["370211001"]


def test_overlap_below_tolerance_ignored() -> None:
    wider = box(120.00, 36.00, 120.011, 36.02)
    area = geod_area(box(120.01, 36.00, 120.011, 36.02))
    report = run_qa(
        grid({"code": "370211001", "geometry": wider}),
        overlap_tolerance_m2=area * 1.01,
    )
    assert report.of_check("overlap").empty


def test_gap_without_land_is_warning() -> None:
    report = run_qa(grid(drop=("370211001002",)))
    gap = report.of_check("gap")
    assert gap["code"].tolist() == ["370211001"]
    assert gap["severity"].tolist() == ["warning"]
    expected = geod_area(box(120.00, 36.01, 120.01, 36.02))
    assert gap["area_m2"].iloc[0] == pytest.approx(expected, rel=1e-3)
    assert report.ok  # a warning is not an error


def test_gap_split_into_land_and_sea() -> None:
    # the missing village is half land (west of 120.005), half sea
    land = box(119.9, 35.9, 120.005, 36.1)
    report = run_qa(grid(drop=("370211001002",)), land=land)
    land_gap, sea_gap = report.of_check("land_gap"), report.of_check("sea_gap")
    assert land_gap["code"].tolist() == ["370211001"]
    assert land_gap["severity"].tolist() == ["error"]
    assert sea_gap["severity"].tolist() == ["info"]
    assert land_gap["area_m2"].iloc[0] == pytest.approx(
        geod_area(box(120.00, 36.01, 120.005, 36.02)), rel=1e-3
    )
    assert sea_gap["area_m2"].iloc[0] == pytest.approx(
        geod_area(box(120.005, 36.01, 120.01, 36.02)), rel=1e-3
    )
    where = land_gap.geometry.iloc[0]
    assert where.symmetric_difference(box(120.00, 36.01, 120.005, 36.02)).area < 1e-12
    assert report.of_check("gap").empty
    assert not report.ok


def test_gap_entirely_at_sea_is_info() -> None:
    land = box(119.0, 35.0, 119.5, 35.5)  # far away
    report = run_qa(grid(drop=("370211001002",)), land=land)
    assert report.of_check("land_gap").empty
    assert report.of_check("sea_gap")["code"].tolist() == ["370211001"]
    assert report.ok


def test_gap_below_tolerance_ignored() -> None:
    area = geod_area(box(120.00, 36.01, 120.01, 36.02))
    report = run_qa(grid(drop=("370211001002",)), gap_tolerance_m2=area * 1.01)
    assert report.of_check("gap").empty


# ---------------------------------------------------------------- inputs


def test_wrong_crs_rejected() -> None:
    with pytest.raises(CRSError, match="3857"):
        run_qa(grid().to_crs(3857))


def test_cgcs2000_accepted() -> None:
    assert run_qa(grid().set_crs(4490, allow_override=True)).ok


def test_negative_tolerance_rejected() -> None:
    with pytest.raises(CellCodeError, match="-1"):
        run_qa(grid(), gap_tolerance_m2=-1)


def test_bad_land_argument() -> None:
    with pytest.raises(ValueError, match="'osm'"):
        run_qa(grid(), land="osm")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bounds", "epsg"),
    [
        ((119.5, 35.5, 121.0, 37.1), 4528),  # Qingdao: GK zone 40 (120° E)
        ((116.0, 39.5, 117.0, 40.5), 4527),  # Beijing: GK zone 39 (117° E)
        ((2.0, 48.0, 3.0, 49.0), 32631),  # Paris: UTM 31N
        ((-70.0, -34.0, -69.0, -33.0), 32719),  # Santiago: UTM 19S
    ],
)
def test_metric_crs(bounds: tuple[float, float, float, float], epsg: int) -> None:
    assert metric_crs(bounds) == epsg


# ---------------------------------------------------------------- points


def test_assign_points_boundary_rule() -> None:
    cells = grid()
    points = gpd.GeoSeries.from_xy(
        [120.005, 120.01, 120.005, 120.03, 121.0],
        [36.005, 36.005, 36.01, 36.01, 36.0],
        crs=4326,
    )
    found = assign_points(points, cells)
    assert list(found.columns) == ["city", "county", "township", "village"]
    # inside village 001
    assert found.iloc[0].tolist() == ["370200", "370211", "370211001", "370211001001"]
    # on the edge between towns 001 and 002: the smaller code wins
    assert found.iloc[1]["township"] == "370211001"
    assert found.iloc[1]["village"] == "370211001001"
    # on the edge between villages 001 and 002
    assert found.iloc[2]["village"] == "370211001001"
    # in county 370212, which has no towns
    assert found.iloc[3].tolist() == ["370200", "370212", None, None]
    # outside the grid
    assert found.iloc[4].tolist() == [None, None, None, None]
