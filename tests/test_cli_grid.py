"""`twonet grid load` and `twonet grid qa` end to end on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from twonet.cli import app
from twonet.db import repository as repo
from twonet.db.engine import get_engine

runner = CliRunner()


def _write_grid(path: Path, *, shift: float = 0.0, crs: int = 4326) -> Path:
    cells = gpd.GeoDataFrame(
        {
            "代码": ["370200", "370211", "370212", "37021", "370211"],
            "名称": ["青岛市", "黄岛区", "崂山区", "坏代码", "黄岛区重复"],
        },
        geometry=[
            shapely.box(120, 36, 122, 37),
            shapely.box(120, 36, 121 + shift, 37),
            shapely.box(121 + shift, 36, 122, 37),
            shapely.box(120, 36, 121, 37),
            shapely.box(120, 36, 121, 37),
        ],
        crs=4326,
    ).to_crs(crs)
    cells.to_file(path, driver="GeoJSON")
    return path


@pytest.fixture()
def empty_db_url(backend_name, migrated_database):
    """A fresh migrated database per test (the CLI opens its own connections)."""
    with migrated_database(backend_name, "cli") as url:
        yield url


def _load(url: str, file: Path, *extra: str):
    return runner.invoke(
        app,
        ["grid", "load", str(file), "--db", url, "--valid-from", "2023-06-30", *extra],
    )


def test_load_reports_rejects_and_is_idempotent(empty_db_url, tmp_path):
    file = _write_grid(tmp_path / "grid.geojson", crs=3857)
    first = _load(empty_db_url, file)
    assert first.exit_code == 0, first.output
    rejects = pd.read_csv(
        tmp_path / "grid.geojson.rejects.csv", encoding="utf-8-sig", dtype=str
    )
    assert sorted(rejects["row"].astype(int)) == [4, 5]
    engine = get_engine(empty_db_url)
    loaded = repo.load_cells(engine, as_of=pd.Timestamp("2023-06-30").date())
    assert loaded["code"].tolist() == ["370200", "370211", "370212"]
    assert loaded.set_index("code").loc["370211"].geometry.bounds == pytest.approx(
        (120, 36, 121, 37), abs=1e-9
    )
    second = _load(empty_db_url, file)
    assert second.exit_code == 0, second.output
    assert "unchanged" in second.output
    runs = pd.read_sql("select counts from import_run order by id", engine)
    counts = [json.loads(c) if isinstance(c, str) else c for c in runs["counts"]]
    assert counts[-1]["unchanged"] == 3 and counts[-1]["inserted"] == 0
    engine.dispose()


def test_failed_load_writes_nothing(empty_db_url, tmp_path):
    assert _load(empty_db_url, _write_grid(tmp_path / "a.geojson")).exit_code == 0
    redrawn = _write_grid(tmp_path / "b.geojson", shift=0.5)
    # dated before the stored version: refused, and the whole file rolls back
    result = runner.invoke(
        app,
        [
            "grid",
            "load",
            str(redrawn),
            "--db",
            empty_db_url,
            "--valid-from",
            "2020-01-01",
        ],
    )
    assert result.exit_code == 2
    assert "older than the current one" in result.output
    engine = get_engine(empty_db_url)
    runs = pd.read_sql("select id from import_run", engine)
    assert len(runs) == 1
    engine.dispose()


def test_file_without_crs_is_refused_with_a_hint(empty_db_url, tmp_path):
    shp = tmp_path / "nocrs.shp"
    frame = gpd.GeoDataFrame(
        {"code": ["370211"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326
    )
    frame.to_file(shp)
    shp.with_suffix(".prj").unlink()
    result = _load(empty_db_url, shp)
    assert result.exit_code == 2
    assert "--crs" in result.output


def test_qa_writes_problem_geojson(empty_db_url, tmp_path):
    assert _load(empty_db_url, _write_grid(tmp_path / "g.geojson")).exit_code == 0
    out = tmp_path / "qa.geojson"
    result = runner.invoke(
        app,
        [
            "grid",
            "qa",
            "--db",
            empty_db_url,
            "--as-of",
            "2023-06-30",
            "--out",
            str(out),
            "--no-land",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.exists()


# -- awkward files (issue #10): nothing silently lost, no traceback ------------

NAN_GEOJSON = """{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"code": "370211"}, "geometry": {"type": "Polygon",
 "coordinates": [[[120, 36], [121, 36], [121, NaN], [120, 37], [120, 36]]]}},
{"type": "Feature", "properties": {"code": "370212"}, "geometry": {"type": "Polygon",
 "coordinates": [[[121, 36], [122, 36], [122, 37], [121, 37], [121, 36]]]}}
]}"""


def _stored_rejects(url: str) -> pd.DataFrame:
    engine = get_engine(url)
    try:
        return pd.read_sql(
            "select row_number, code, reason_en from import_reject order by id", engine
        )
    finally:
        engine.dispose()


def _counts(url: str) -> dict:
    engine = get_engine(url)
    try:
        runs = pd.read_sql("select counts from import_run order by id", engine)
    finally:
        engine.dispose()
    last = runs["counts"].iloc[-1]
    return json.loads(last) if isinstance(last, str) else last


def _assert_no_traceback(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output
    )
    assert "Traceback" not in result.output


def test_nan_vertex_is_rejected_not_stored(empty_db_url, tmp_path):
    file = tmp_path / "nan.geojson"
    file.write_text(NAN_GEOJSON, encoding="utf-8")
    result = _load(empty_db_url, file)
    _assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    engine = get_engine(empty_db_url)
    loaded = repo.load_cells(engine, as_of=pd.Timestamp("2023-06-30").date())
    engine.dispose()
    assert loaded["code"].tolist() == ["370212"]
    stored = _stored_rejects(empty_db_url)
    assert stored["row_number"].tolist() == [1]
    assert "NaN" in stored["reason_en"].iloc[0]
    counts = _counts(empty_db_url)
    assert counts["features"] == 2 and counts["accepted"] == 1
    assert counts["features"] == counts["accepted"] + counts["rejected"]


def _two_counties(path: Path, columns: dict[str, list]) -> Path:
    gpd.GeoDataFrame(
        columns,
        geometry=[shapely.box(120, 36, 121, 37), shapely.box(121, 36, 122, 37)],
        crs=4326,
    ).to_file(path, driver="GeoJSON")
    return path


def test_overlong_name_is_a_reject_not_a_database_error(empty_db_url, tmp_path):
    file = _two_counties(
        tmp_path / "long.geojson",
        {"code": ["370211", "370212"], "name": ["长" * 250, "崂山区"]},
    )
    result = _load(empty_db_url, file)
    _assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    stored = _stored_rejects(empty_db_url)
    assert stored["row_number"].tolist() == [1]
    assert "'name'" in stored["reason_en"].iloc[0]
    rejects = pd.read_csv(
        tmp_path / "long.geojson.rejects.csv", encoding="utf-8-sig", dtype=str
    )
    assert rejects.columns.tolist() == [
        "feature",
        "row",
        "code",
        "reason_zh",
        "reason_en",
    ]


def test_a_column_named_row_breaks_nothing(empty_db_url, tmp_path):
    file = _two_counties(
        tmp_path / "row.geojson", {"row": ["370211", "x"], "code": ["370211", "bad"]}
    )
    result = _load(empty_db_url, file)
    _assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert _stored_rejects(empty_db_url)["row_number"].tolist() == [2]


def test_codes_that_look_like_markup_are_printed_as_they_are(empty_db_url, tmp_path):
    file = tmp_path / "markup.geojson"
    gpd.GeoDataFrame(
        {"code": ["370211", "[/bold]", "[red]x"]},
        geometry=[shapely.box(120, 36, 121, 37)] * 3,
        crs=4326,
    ).to_file(file, driver="GeoJSON")
    result = _load(empty_db_url, file)
    _assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert "[/bold]" in result.output and "[red]x" in result.output


def _no_dbf(tmp_path: Path) -> Path:
    shp = tmp_path / "grid.shp"
    gpd.GeoDataFrame(
        {"code": ["370211"]}, geometry=[shapely.box(120, 36, 121, 37)], crs=4326
    ).to_file(shp)
    shp.with_suffix(".dbf").unlink()
    return shp


def _empty_collection(tmp_path: Path) -> Path:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    return path


def _bracket_name(tmp_path: Path) -> Path:
    path = tmp_path / "[b]网格.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    return path


@pytest.mark.parametrize(
    ("make", "cause"),
    [
        (_no_dbf, ".dbf"),
        (_empty_collection, "no features"),
        (_bracket_name, "no features"),
    ],
)
def test_refused_files_give_one_bilingual_error_line(
    empty_db_url, tmp_path, make, cause
):
    file = make(tmp_path)
    result = _load(empty_db_url, file)
    _assert_no_traceback(result)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if "错误 / error:" in line]
    assert len(lines) == 1, result.output
    assert file.name in lines[0] and cause in lines[0]
    assert lines[0].startswith("错误 / error:")


def test_bad_date_is_one_bilingual_error_line(empty_db_url, tmp_path):
    file = _write_grid(tmp_path / "g.geojson")
    result = runner.invoke(
        app,
        ["grid", "load", str(file), "--db", empty_db_url, "--valid-from", "2023-13-01"],
    )
    _assert_no_traceback(result)
    assert result.exit_code == 2
    (line,) = [line for line in result.output.splitlines() if "error:" in line]
    assert "g.geojson" in line and "'2023-13-01'" in line and "日期" in line
