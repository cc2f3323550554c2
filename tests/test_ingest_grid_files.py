from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from numpy.testing import assert_allclose

from grid.cells import CELL_COLUMNS
from grid.coords import Datum, transform_geometry
from ingest.grid_files import (
    REJECT_COLUMNS,
    GridFileResult,
    detect_dbf_encoding,
    read_grid_file,
    write_rejects,
)
from twonet.errors import CellCodeError, CRSError, GridFileError

DAY = dt.date(2024, 1, 1)
SIDE = 0.01  # 0.01-degree squares near Qingdao (about 900 m x 1.1 km)


def square(i: int, j: int = 0) -> shapely.Polygon:
    """The i-th square east and j-th north of (120.0 E, 36.0 N)."""
    x, y = 120.0 + i * SIDE, 36.0 + j * SIDE
    return shapely.box(x, y, x + SIDE, y + SIDE)


def bowtie() -> shapely.Polygon:
    return shapely.Polygon(
        [(120.0, 36.0), (120.01, 36.01), (120.01, 36.0), (120.0, 36.01)]
    )


def read(path: Path, **kwargs) -> GridFileResult:
    return read_grid_file(path, valid_from=DAY, **kwargs)


def townships_frame(crs: int | None = 4490) -> gpd.GeoDataFrame:
    """Three townships of 黄岛区 with Chinese column names and values."""
    return gpd.GeoDataFrame(
        {
            "网格编码": ["370211001", "370211002", "370211101"],
            "网格名称": ["黄岛街道", "辛安街道", "王台镇"],
            "级别": ["街道", "街道", "镇"],
        },
        geometry=[square(0), square(1), square(2)],
        crs=crs,
    )


def write_shapefile(
    frame: gpd.GeoDataFrame, folder: Path, stem: str = "网格", *, encoding: str = "GBK"
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.shp"
    frame.to_file(path, engine="pyogrio", encoding=encoding)
    return path


@pytest.fixture
def gbk_shapefile(tmp_path: Path) -> Path:
    """An old-style export: GBK attributes and no .cpg."""
    path = write_shapefile(townships_frame(), tmp_path / "old")
    path.with_suffix(".cpg").unlink()
    return path


def assert_townships(result: GridFileResult) -> None:
    cells = result.cells
    assert list(cells.columns) == list(CELL_COLUMNS)
    assert cells.crs.to_epsg() == 4326
    assert cells["code"].tolist() == ["370211001", "370211002", "370211101"]
    assert cells["name"].tolist() == ["黄岛街道", "辛安街道", "王台镇"]
    assert set(cells["level"]) == {"township"}
    assert set(cells["parent_code"]) == {"370211"}
    assert set(cells.geom_type) == {"MultiPolygon"}
    assert result.rejects.empty
    assert result.n_features == 3


# -- encodings and shapefile containers ------------------------------------------


def test_gbk_shapefile_without_cpg_is_detected(gbk_shapefile: Path):
    assert not gbk_shapefile.with_suffix(".cpg").exists()
    result = read(gbk_shapefile)
    assert_townships(result)
    assert result.encoding == "GB18030"
    assert any(".cpg" in note for note in result.notes)
    assert result.source_crs == "EPSG:4490"
    assert result.layer == "网格"
    assert result.cells["valid_from"].eq(DAY).all()
    assert result.cells["source"].eq("file:网格.shp").all()


def test_gbk_shapefile_with_cpg(tmp_path: Path):
    path = write_shapefile(townships_frame(), tmp_path)
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    result = read(path, source="县局 2024", licence="internal")
    assert_townships(result)
    assert result.encoding == "GBK"
    assert result.notes == ()
    assert result.cells["licence"].eq("internal").all()


def test_utf8_shapefile_without_cpg_is_detected(tmp_path: Path):
    # In UTF-8, 网格编码 is 12 bytes: GDAL cuts it at 10, splitting a
    # character, which pyogrio cannot decode; the reader recovers.
    with pytest.warns(RuntimeWarning, match="laundered"):
        path = write_shapefile(townships_frame(), tmp_path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    result = read(path)
    assert_townships(result)
    assert result.encoding == "UTF-8"
    assert any("10 bytes" in note for note in result.notes)


def test_lying_cpg_falls_back_to_detection(tmp_path: Path):
    path = write_shapefile(townships_frame(), tmp_path)
    path.with_suffix(".cpg").write_text("UTF-8")
    result = read(path)
    assert_townships(result)
    assert result.encoding == "GB18030"
    assert any("UTF-8" in note for note in result.notes)


def test_explicit_encoding_wins(gbk_shapefile: Path):
    gbk_shapefile.with_suffix(".cpg").write_text("UTF-8")
    result = read(gbk_shapefile, encoding="GB18030")
    assert_townships(result)
    assert result.encoding == "GB18030"
    # A wrong explicit encoding is obeyed too: Chinese names become mojibake.
    wrong = read(
        gbk_shapefile,
        encoding="latin-1",
        columns={"code": "Íø¸ñ±àÂë", "name": "Íø¸ñÃû³Æ"},
    )
    assert wrong.cells["name"].iloc[0] != "黄岛街道"


def test_detect_dbf_encoding_of_ascii_and_garbage(tmp_path: Path):
    frame = gpd.GeoDataFrame({"code": ["370211001"]}, geometry=[square(0)], crs=4326)
    path = write_shapefile(frame, tmp_path, "ascii", encoding="UTF-8")
    assert detect_dbf_encoding(path.with_suffix(".dbf").read_bytes()) == "ASCII"
    assert detect_dbf_encoding(b"not a dbf") is None


def test_zip_of_shapefile(gbk_shapefile: Path, tmp_path: Path):
    archive = tmp_path / "黄岛区网格.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in gbk_shapefile.parent.iterdir():
            zf.write(part, f"导出/{part.name}")
        zf.writestr("__MACOSX/导出/._网格.shp", b"junk")
    result = read(archive)
    assert_townships(result)
    assert result.encoding == "GB18030"
    assert result.layer == "网格"
    assert result.file_sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()


def test_zip_with_gbk_member_names(gbk_shapefile: Path, tmp_path: Path):
    # Zips made on Chinese Windows store GBK names without the UTF-8 flag.
    class GbkName(zipfile.ZipInfo):
        def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's name)
            return self.filename.encode("cp437"), self.flag_bits

    archive = tmp_path / "windows.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in gbk_shapefile.parent.iterdir():
            zf.writestr(
                GbkName(part.name.encode("gbk").decode("cp437")), part.read_bytes()
            )
    result = read(archive)
    assert_townships(result)
    assert result.layer == "网格"
    assert result.encoding == "GB18030"


def test_zip_with_two_shapefiles_needs_layer(gbk_shapefile: Path, tmp_path: Path):
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in gbk_shapefile.parent.iterdir():
            zf.write(part, f"a/{part.name}")
            zf.write(part, f"b/{part.name}")
    with pytest.raises(GridFileError, match=r"a/网格\.shp"):
        read(archive)
    with pytest.raises(GridFileError, match="'网格'"):
        read(archive, layer="网格")
    assert_townships(read(archive, layer="b/网格.shp"))


def test_folder_with_one_shapefile(gbk_shapefile: Path):
    result = read(gbk_shapefile.parent)
    assert_townships(result)
    assert len(result.file_sha256) == 64


def test_folder_with_two_shapefiles_needs_layer(gbk_shapefile: Path):
    other = townships_frame().iloc[:1]
    write_shapefile(other, gbk_shapefile.parent, "另一个")
    with pytest.raises(GridFileError, match="另一个") as info:
        read(gbk_shapefile.parent)
    assert "网格" in str(info.value) and "--layer" in str(info.value)
    assert read(gbk_shapefile.parent, layer="另一个").n_features == 1
    assert_townships(read(gbk_shapefile.parent, layer="网格.shp"))


def test_missing_file(tmp_path: Path):
    with pytest.raises(GridFileError, match=r"nope\.geojson"):
        read(tmp_path / "nope.geojson")


# -- CRS -----------------------------------------------------------------------


def test_web_mercator_geojson_is_reprojected(tmp_path: Path):
    original = townships_frame(crs=4326)
    path = tmp_path / "mercator.geojson"
    original.to_crs(3857).to_file(path, engine="pyogrio")
    result = read(path)
    assert result.source_crs == "EPSG:3857"
    assert result.encoding is None
    assert_townships(result)
    for got, want in zip(result.cells.geometry, original.geometry, strict=True):
        assert_allclose(
            shapely.get_coordinates(got),
            shapely.get_coordinates(want),
            rtol=0,
            atol=1e-9,
        )


def test_cgcs2000_geopackage_is_relabelled_not_moved(tmp_path: Path):
    path = tmp_path / "grid.gpkg"
    frame = townships_frame(crs=4490)
    frame.to_file(path, layer="townships", engine="pyogrio")
    frame.iloc[:1].to_file(path, layer="old", engine="pyogrio")
    with pytest.raises(GridFileError, match="townships") as info:
        read(path)
    assert "old" in str(info.value)
    with pytest.raises(GridFileError, match="'nope'"):
        read(path, layer="nope")
    single = tmp_path / "single.gpkg"
    frame.to_file(single, layer="乡镇", engine="pyogrio")
    assert read(single).layer == "乡镇"
    result = read(path, layer="townships")
    assert_townships(result)
    assert result.source_crs == "EPSG:4490"
    assert result.layer == "townships"
    for got, want in zip(result.cells.geometry, frame.geometry, strict=True):
        assert np.array_equal(
            shapely.get_coordinates(got), shapely.get_coordinates(want)
        )


def test_shapefile_without_prj_is_refused_unless_crs_given(gbk_shapefile: Path):
    gbk_shapefile.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="--crs EPSG:4490"):
        read(gbk_shapefile)
    result = read(gbk_shapefile, crs="EPSG:4490")
    assert_townships(result)
    assert result.source_crs == "EPSG:4490"


def test_explicit_crs_overrides_file_crs_with_a_note(tmp_path: Path):
    path = tmp_path / "wrong.geojson"
    townships_frame(crs=4326).to_crs(3857).to_file(path, engine="pyogrio")
    # Pretend the .prj/crs member lies: the metres are declared as lon/lat.
    with pytest.raises(CRSError, match="not longitude/latitude"):
        read(path, crs="EPSG:4326")
    ok = read(path, crs="EPSG:3857")
    assert ok.notes == ()


def test_projected_coordinates_without_prj_get_a_hint(tmp_path: Path):
    frame = townships_frame(crs=4326).to_crs(4547)
    path = write_shapefile(frame, tmp_path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match="projected"):
        read(path)
    result = read(path, crs=4547)
    assert result.source_crs == "EPSG:4547"
    bounds = result.cells.total_bounds
    assert_allclose(bounds, [120.0, 36.0, 120.03, 36.01], atol=1e-7)


@pytest.mark.parametrize("name", ["gcj02", "高德", "GCJ-02"])
def test_gcj02_geojson_is_shifted_back(tmp_path: Path, name: str):
    wgs = townships_frame(crs=4326)
    gcj = wgs.copy()
    gcj.geometry = gpd.GeoSeries(
        transform_geometry(wgs.geometry.to_numpy(), "wgs84", "gcj02"), crs=4326
    )
    # The Gaode offset near Qingdao is about 470 m east.
    assert gcj.total_bounds[0] - wgs.total_bounds[0] > 0.004
    path = tmp_path / "amap.geojson"
    gcj.to_file(path, engine="pyogrio")
    result = read(path, datum=name)
    assert result.datum is Datum.GCJ02
    assert_townships(result)
    for got, want in zip(result.cells.geometry, wgs.geometry, strict=True):
        assert_allclose(
            shapely.get_coordinates(got),
            shapely.get_coordinates(want),
            rtol=0,
            atol=1e-8,
        )


def test_bd09_without_crs_is_read_as_lonlat(gbk_shapefile: Path):
    gbk_shapefile.with_suffix(".prj").unlink()
    result = read(gbk_shapefile, datum="百度")
    assert result.datum is Datum.BD09
    assert result.source_crs == "EPSG:4326"
    assert result.cells.total_bounds[0] < 120.0  # moved back west
    assert any("EPSG:4326" in note for note in result.notes)


# -- per-feature validation --------------------------------------------------


def geojson(tmp_path: Path, rows: list[dict], name: str = "grid.geojson") -> Path:
    frame = gpd.GeoDataFrame(
        [{k: v for k, v in r.items() if k != "geometry"} for r in rows],
        geometry=[r["geometry"] for r in rows],
        crs=4326,
    )
    path = tmp_path / name
    frame.to_file(path, engine="pyogrio")
    return path


def reasons(result: GridFileResult, feature: int) -> list[str]:
    rejects = result.rejects
    return rejects.loc[rejects["feature"] == feature, "reason_en"].tolist()


def test_invalid_bowtie_is_kept_and_counted(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "geometry": bowtie()},
            {"code": "370211002", "geometry": square(1)},
        ],
    )
    result = read(path)
    assert result.rejects.empty
    assert result.cells["code"].tolist() == ["370211001", "370211002"]
    assert result.invalid == 1
    assert result.invalid_codes == ("370211001",)
    assert not result.cells.geometry.iloc[0].is_valid
    fixed = read(path, repair=True)
    assert fixed.invalid == 1 and fixed.repaired == 1
    assert fixed.cells.is_valid.all()
    repaired = fixed.cells.geometry.iloc[0]
    assert len(repaired.geoms) == 2  # the two triangles of the bow tie
    assert repaired.area == pytest.approx(SIDE * SIDE / 2)


def test_duplicate_codes_rejected_with_row_numbers(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "geometry": square(0)},
            {"code": "370211002", "geometry": square(1)},
            {"code": "370211001", "geometry": square(2)},
            {"code": "370211001", "geometry": square(3)},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211001", "370211002"]
    assert result.cells.geometry.iloc[0].equals(shapely.MultiPolygon([square(0)]))
    rejects = result.rejects
    assert rejects["feature"].tolist() == [2, 3]
    assert rejects["row"].tolist() == [3, 4]
    assert rejects["code"].tolist() == ["370211001", "370211001"]
    assert all("feature 0 (row 1)" in r for r in rejects["reason_en"])
    assert all("第1行" in r for r in rejects["reason_zh"])


def test_bad_features_rejected_with_reasons(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "geometry": square(0)},
            {"code": None, "geometry": square(1)},
            {"code": "37021100X", "geometry": square(2)},
            {"code": "3702110", "geometry": square(3)},
            {"code": "370211004", "geometry": shapely.Point(120.05, 36.005)},
            {"code": "370211005", "geometry": None},
            {"code": "", "geometry": shapely.LineString([(120, 36), (121, 37)])},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211001"]
    assert result.n_features == 7
    assert result.n_rejected == 6
    assert len(result.rejects) == 7
    assert reasons(result, 1) == ["missing code"]
    assert "malformed code" in reasons(result, 2)[0]
    assert "'37021100X'" in reasons(result, 2)[0]
    assert "7 digits" in reasons(result, 3)[0]
    assert reasons(result, 4) == ["non-polygon geometry: Point"]
    assert reasons(result, 5) == ["missing or empty geometry"]
    # Every problem of a feature is listed, not just the first.
    assert reasons(result, 6) == ["missing code", "non-polygon geometry: LineString"]
    assert list(result.rejects.columns) == list(REJECT_COLUMNS)
    assert result.rejects["reason_zh"].str.len().gt(0).all()
    assert result.rejects.loc[result.rejects["feature"] == 1, "code"].isna().all()


def test_level_from_code_length(tmp_path: Path):
    codes = ["370200", "370211", "370211001", "370211001003", "37021100100301"]
    path = geojson(
        tmp_path,
        [{"code": c, "geometry": square(i)} for i, c in enumerate(codes)],
    )
    cells = read(path).cells
    assert cells["level"].tolist() == [
        "city",
        "county",
        "township",
        "village",
        "village",
    ]
    assert pd.isna(cells["parent_code"].iloc[0])  # a city has no parent cell
    assert cells["parent_code"].iloc[1:].tolist() == [
        "370200",
        "370211",
        "370211001",
        "370211001003",
    ]
    assert cells["name"].tolist() == codes  # no name column: the code


def test_chinese_level_words(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"编码": "370211", "级别": "区", "geometry": square(0)},
            {"编码": "370211001", "级别": "街道", "geometry": square(1)},
            {"编码": "370211101", "级别": "乡镇", "geometry": square(2)},
            {"编码": "370211001003", "级别": "社区", "geometry": square(3)},
            {"编码": "370211001004", "级别": "村", "geometry": square(4)},
            {"编码": "370211002", "级别": "村", "geometry": square(5)},
            {"编码": "370211003", "级别": "省", "geometry": square(6)},
        ],
    )
    result = read(path)
    assert result.cells["level"].tolist() == [
        "county",
        "township",
        "township",
        "village",
        "village",
    ]
    assert "contradicts" in reasons(result, 5)[0]
    assert "9 digits means township" in reasons(result, 5)[0]
    assert "级别与编码长度不符" in result.rejects["reason_zh"].iloc[0]
    assert reasons(result, 6) == ["unknown level '省' in the level column"]


def test_level_argument_checks_every_feature(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "geometry": square(0)},
            {"code": "370211001003", "geometry": square(1)},
        ],
    )
    result = read(path, level="乡镇")
    assert result.cells["code"].tolist() == ["370211001"]
    assert "level='township'" in reasons(result, 1)[0]
    with pytest.raises(CellCodeError, match="省"):
        read(path, level="省")


def test_parent_consistency(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "上级代码": "370211", "geometry": square(0)},
            {"code": "370211002", "上级代码": "370202", "geometry": square(1)},
            {"code": "370211001003", "上级代码": "370211", "geometry": square(2)},
            {"code": "370200", "上级代码": "370000", "geometry": square(3)},
            {"code": "370211003", "上级代码": None, "geometry": square(4)},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211001", "370200", "370211003"]
    assert reasons(result, 1) == [
        "parent code '370202' is inconsistent with code '370211002' (expected '370211')"
    ]
    assert "expected '370211001'" in reasons(result, 2)[0]


def test_numeric_codes_and_alias_columns(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"adcode": 370211001, "区划名称": "黄岛街道", "geometry": square(0)},
            {"adcode": 370211002.0, "区划名称": None, "geometry": square(1)},
        ],
    )
    cells = read(path).cells
    assert cells["code"].tolist() == ["370211001", "370211002"]
    assert cells["name"].tolist() == ["黄岛街道", "370211002"]


def test_truncated_shapefile_field_name_is_recognised(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"nbs2023_town_code": ["370211001"]}, geometry=[square(0)], crs=4326
    )
    path = tmp_path / "towns.shp"
    with (
        pytest.warns(UserWarning, match="truncated"),
        pytest.warns(RuntimeWarning, match="laundered"),
    ):
        frame.to_file(path, engine="pyogrio")
    assert read(path).cells["code"].tolist() == ["370211001"]


def test_explicit_column_mapping(tmp_path: Path):
    path = geojson(
        tmp_path,
        [{"BH": "370211001", "MC": "黄岛街道", "JB": "街道", "geometry": square(0)}],
    )
    with pytest.raises(GridFileError, match="cannot find the cell code column") as info:
        read(path)
    assert "BH" in str(info.value)
    result = read(path, columns={"code": "BH", "name": "MC", "level": "JB"})
    assert result.cells["name"].tolist() == ["黄岛街道"]
    with pytest.raises(GridFileError, match="'XX'") as info:
        read(path, columns={"code": "XX", "colour": "MC"})
    assert "colour" in str(info.value)


def test_empty_result_keeps_the_cell_frame_shape(tmp_path: Path):
    path = geojson(tmp_path, [{"code": "bad", "geometry": square(0)}])
    result = read(path)
    assert result.cells.empty
    assert list(result.cells.columns) == list(CELL_COLUMNS)
    assert result.cells.crs.to_epsg() == 4326
    assert len(result.rejects) == 1


def test_write_rejects_is_excel_friendly(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "geometry": square(0)},
            {"code": "370211001", "geometry": square(1)},
        ],
    )
    result = read(path)
    target = write_rejects(result.rejects, tmp_path / "rejects.csv")
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(target, encoding="utf-8-sig", dtype={"code": str})
    assert back.columns.tolist() == list(REJECT_COLUMNS)
    assert back["code"].tolist() == ["370211001"]
    assert "编码重复" in back["reason_zh"].iloc[0]


# -- awkward files: nothing lost, every cause named (issue #10) ----------------

CJK = re.compile(r"[\u4e00-\u9fff]")

NAN_GEOJSON = """{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"code": "370211001"}, "geometry": {"type": "Polygon",
 "coordinates": [[[120, 36], [120.01, 36], [120.01, NaN], [120, 36.01], [120, 36]]]}},
{"type": "Feature", "properties": {"code": "370211002"}, "geometry": {"type": "Polygon",
 "coordinates": [[[120, 36], [120.01, 36], [120.01, 36.01], [120, 36.01], [120, 36]]]}}
]}"""


def assert_accounted_for(result: GridFileResult) -> None:
    """Every feature read is accepted or rejected, never both, never neither."""
    accepted = len(result.cells)
    assert result.n_accepted == accepted
    assert result.n_features == accepted + result.n_rejected


def nan_vertex_file(tmp_path: Path, kind: str) -> Path:
    if kind == "geojson":
        path = tmp_path / "nan.geojson"
        path.write_text(NAN_GEOJSON, encoding="utf-8")
        return path
    ring = [(120, 36), (120.01, 36), (120.01, float("nan")), (120, 36.01)]
    path = tmp_path / "nan.gpkg"
    with np.errstate(invalid="ignore"):
        frame = gpd.GeoDataFrame(
            {"code": ["370211001", "370211002"]},
            geometry=[shapely.Polygon(ring), square(0)],
            crs=4326,
        )
        frame.to_file(path, engine="pyogrio")
    return path


@pytest.mark.parametrize("kind", ["geojson", "gpkg"])
def test_nan_vertex_is_rejected_with_its_row(tmp_path: Path, kind: str):
    result = read(nan_vertex_file(tmp_path, kind))
    assert result.cells["code"].tolist() == ["370211002"]
    rejects = result.rejects
    assert rejects["row"].tolist() == [1]
    assert rejects["code"].tolist() == ["370211001"]
    assert "NaN" in rejects["reason_en"].iloc[0]
    assert "vertex 3" in rejects["reason_en"].iloc[0]
    assert CJK.search(rejects["reason_zh"].iloc[0])
    assert result.invalid == 0  # rejected, not kept as an invalid polygon
    assert_accounted_for(result)


def test_name_longer_than_its_column_is_rejected(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "name": "长" * 201, "geometry": square(0)},
            {"code": "370211002", "name": "宽" * 200, "geometry": square(1)},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211002"]
    (reason,) = reasons(result, 0)
    assert "'name'" in reason and "201 characters" in reason and "200" in reason
    assert "长长长" in reason  # the value, shortened
    assert "名称过长" in result.rejects["reason_zh"].iloc[0]
    assert_accounted_for(result)


def test_columns_named_like_the_rejects_table_are_harmless(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {"code": "370211001", "row": 7, "feature": "x", "geometry": square(0)},
            {"code": "bad", "row": 8, "feature": "y", "geometry": square(1)},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211001"]
    assert list(result.rejects.columns) == list(REJECT_COLUMNS)
    assert result.rejects["row"].tolist() == [2]
    assert result.rejects["feature"].tolist() == [1]
    assert_accounted_for(result)


@pytest.mark.parametrize("suffix", [".dbf", ".shx"])
def test_shapefile_without_dbf_or_shx_names_what_is_missing(
    tmp_path: Path, suffix: str
):
    path = write_shapefile(townships_frame(), tmp_path / "incomplete")
    path.with_suffix(suffix).unlink()
    archive = tmp_path / "incomplete.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in path.parent.iterdir():
            zf.write(part, part.name)
    for given in (path, path.parent, archive):
        with pytest.raises(GridFileError, match=f"网格\\{suffix}") as info:
            read(given)
        message = str(info.value)
        assert "missing" in message and CJK.search(message.split("/")[0])
        assert "code column" not in message and "SHAPE_RESTORE_SHX" not in message


def test_empty_feature_collection_says_it_is_empty(tmp_path: Path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(GridFileError, match="no features") as info:
        read(path)
    assert "empty.geojson" in str(info.value) and "没有要素" in str(info.value)
    assert "code column" not in str(info.value)


def test_file_without_any_geometry_says_so(tmp_path: Path):
    path = tmp_path / "nogeom.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {}, "geometry": null},'
        '{"type": "Feature", "properties": {}, "geometry": null}]}'
    )
    with pytest.raises(GridFileError, match="none of its 2 features") as info:
        read(path)
    assert "没有几何" in str(info.value) and "code column" not in str(info.value)
    table = tmp_path / "table.csv"
    table.write_text("code,name\n370211001,黄岛街道\n", encoding="utf-8")
    with pytest.raises(GridFileError, match="no geometry") as info:
        read(table)
    assert "table.csv" in str(info.value) and CJK.search(str(info.value))


def bad_file_cases(tmp_path: Path, gbk_shapefile: Path) -> dict[str, tuple]:
    garbage = tmp_path / "garbage.geojson"
    garbage.write_text("{not json")
    no_code = geojson(tmp_path, [{"BH": "370211001", "geometry": square(0)}], "bh.json")
    empty_zip = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty_zip, "w") as zf:
        zf.writestr("readme.txt", "nothing here")
    bare = tmp_path / "bare.geojson"
    bare.write_text(
        '{"type": "Polygon", "coordinates": [[[120, 36], [121, 36], '
        "[121, 37], [120, 36]]]}"
    )
    no_shx = write_shapefile(townships_frame(), tmp_path / "noshx")
    no_shx.with_suffix(".shx").unlink()
    return {
        "missing file": (tmp_path / "nope.geojson", {}),
        "garbage": (garbage, {}),
        "no code column": (no_code, {}),
        "bad columns=": (no_code, {"columns": {"code": "XX"}}),
        "no CRS": (gbk_shapefile, {}),
        "unknown CRS": (gbk_shapefile, {"crs": "EPSG:999999"}),
        "zip without data": (empty_zip, {}),
        "unknown encoding": (gbk_shapefile, {"encoding": "klingon"}),
        "unknown layer": (no_code, {"layer": "nope"}),
        "unknown datum": (no_code, {"datum": "nonsense"}),
        "unknown level": (no_code, {"level": "省"}),
        "geometry only": (bare, {}),
        "no .shx": (no_shx, {}),
    }


def test_every_file_error_is_told_in_chinese_and_english(
    tmp_path: Path, gbk_shapefile: Path
):
    gbk_shapefile.with_suffix(".prj").unlink()
    for case, (path, kwargs) in bad_file_cases(tmp_path, gbk_shapefile).items():
        with pytest.raises((GridFileError, CRSError, CellCodeError)) as info:
            read(path, **kwargs)
        message = str(info.value)
        zh, _, en = message.partition(" / ")
        assert CJK.search(zh), (case, message)
        assert re.search(r"[a-z]{3,} [a-z]{2,}", en), (case, message)
        assert "\n" not in message, (case, message)


def test_full_width_codes_become_ascii(tmp_path: Path):
    path = geojson(
        tmp_path,
        [
            {
                "code": "３７０２１１００１",
                "上级代码": "３７０２１１",
                "geometry": square(0),
            },
            {"code": "370211002", "geometry": square(1)},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211001", "370211002"]
    assert result.cells["parent_code"].tolist() == ["370211", "370211"]
    assert result.rejects.empty


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("٣٧٠٢١١٠٠١", "U+0663"),  # Arabic-Indic
        ("370211००१", "U+0966"),  # Devanagari zeros
        ("۳۷۰۲۱۱۰۰۱", "U+06F3"),  # Persian (extended Arabic-Indic)
    ],
)
def test_other_non_ascii_digits_are_rejected_naming_the_character(
    tmp_path: Path, code: str, named: str
):
    path = geojson(
        tmp_path,
        [
            {"code": code, "geometry": square(0)},
            {"code": "370211002", "geometry": square(1)},
        ],
    )
    result = read(path)
    assert result.cells["code"].tolist() == ["370211002"]
    (reason,) = reasons(result, 0)
    assert named in reason and "non-ASCII digit" in reason
    assert named in result.rejects["reason_zh"].iloc[0]
    assert_accounted_for(result)


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("370211\u200b001", "U+200B"),
        ("\ufeff370211001", "U+FEFF"),
        ("370211001\u200e", "U+200E"),
        ("370211\u00a0001", "U+00A0"),
    ],
)
def test_invisible_characters_in_codes_are_stripped_with_a_note(
    tmp_path: Path, code: str, named: str
):
    path = geojson(tmp_path, [{"code": code, "geometry": square(0)}])
    result = read(path)
    assert result.cells["code"].tolist() == ["370211001"]
    assert result.rejects.empty
    (note,) = [n for n in result.notes if named in n]
    assert "row 1" in note and CJK.search(note)
