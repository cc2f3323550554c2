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
