"""The storage layer on both backends, over real connections, rolled back per test."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely
from sqlalchemy import inspect, select

from grid.cells import make_cells
from twonet.db import repository as repo
from twonet.db.backends import BACKENDS, backend_for
from twonet.db.models import ImportReject
from twonet.errors import CRSError, TwoNetError, UnsupportedDatabaseError

D0 = dt.date(2023, 6, 30)
D1 = dt.date(2024, 1, 1)


def _grid(valid_from: dt.date = D0) -> pd.DataFrame:
    return make_cells(
        [
            {"code": "370200", "name": "青岛市", "geometry": shapely.box(0, 0, 2, 1)},
            {"code": "370211", "name": "黄岛区", "geometry": shapely.box(0, 0, 1, 1)},
            {"code": "370212", "name": "崂山区", "geometry": shapely.box(1, 0, 2, 1)},
            {"code": "370211400", "name": "无边界开发区", "geometry": None},
        ],
        valid_from=valid_from,
        source="test",
        licence="CC0",
    )


def test_schema_has_tables(db):
    names = set(inspect(db).get_table_names())
    assert {"grid_cell", "import_run", "import_reject", "alembic_version"} <= names


def test_round_trip_keeps_attributes_and_geometry(db):
    repo.save_cells(db, _grid())
    loaded = repo.load_cells(db, as_of=D0)
    assert loaded["code"].tolist() == ["370200", "370211", "370211400", "370212"]
    assert loaded.crs.to_epsg() == 4326
    row = loaded.set_index("code").loc["370211"]
    assert row["name"] == "黄岛区" and row["level"] == "county"
    assert row["parent_code"] == "370200"
    assert row.geometry.equals(shapely.MultiPolygon([shapely.box(0, 0, 1, 1)]))
    assert loaded.set_index("code").loc["370211400"].geometry is None
    assert pd.isna(loaded.set_index("code").loc["370200"]["parent_code"])


def test_saving_twice_changes_nothing(db):
    first = repo.save_cells(db, _grid())
    second = repo.save_cells(db, _grid())
    assert first.counts == {"inserted": 4, "replaced": 0, "unchanged": 0}
    assert second.counts == {"inserted": 0, "replaced": 0, "unchanged": 4}


def test_redrawn_cell_closes_old_version_and_past_stays_queryable(db):
    repo.save_cells(db, _grid())
    redrawn = _grid(valid_from=D1)
    redrawn.loc[redrawn["code"] == "370211", "geometry"] = shapely.MultiPolygon(
        [shapely.box(0, 0, 1.5, 1)]
    )
    result = repo.save_cells(db, redrawn)
    assert result.replaced == ["370211"]
    before = repo.load_cells(db, codes=["370211"], as_of=dt.date(2023, 12, 31))
    after = repo.load_cells(db, codes=["370211"], as_of=D1)
    assert before.geometry.iloc[0].area == pytest.approx(1.0)
    assert after.geometry.iloc[0].area == pytest.approx(1.5)
    history = repo.cell_history(db, "370211")
    assert history["valid_from"].tolist() == [D0, D1]
    assert history["valid_to"].tolist()[0] == D1
    assert repo.load_cells(db, as_of=dt.date(2020, 1, 1)).empty


def test_same_day_change_corrects_in_place(db):
    repo.save_cells(db, _grid())
    renamed = _grid()
    renamed.loc[renamed["code"] == "370212", "name"] = "崂山区（更正）"
    assert repo.save_cells(db, renamed).replaced == ["370212"]
    assert len(repo.cell_history(db, "370212")) == 1
    assert (
        repo.load_cells(db, codes=["370212"], as_of=D0)["name"].iloc[0]
        == "崂山区（更正）"
    )


def test_older_version_is_refused(db):
    repo.save_cells(db, _grid(valid_from=D1))
    older = _grid(valid_from=D0)
    older.loc[older["code"] == "370212", "name"] = "旧名"
    with pytest.raises(TwoNetError, match="older than the current one"):
        repo.save_cells(db, older)


def test_wrong_crs_is_refused_naming_it(db):
    cells = _grid().to_crs(3857)
    with pytest.raises(CRSError, match="3857"):
        repo.save_cells(db, cells)


def test_level_and_parent_filters_and_child_counts(db):
    repo.save_cells(db, _grid())
    counties = repo.load_cells(db, level="县", as_of=D0)
    assert counties["code"].tolist() == ["370211", "370212"]
    assert repo.load_cells(db, parent_code="370211", as_of=D0)["code"].tolist() == [
        "370211400"
    ]
    assert repo.child_counts(db, as_of=D0) == {"370200": 2, "370211": 1}


def test_spatial_query_runs_in_the_database(db):
    repo.save_cells(db, _grid())
    hit = repo.cells_at_point(db, 0.5, 0.5, as_of=D0)
    assert hit["code"].tolist() == ["370200", "370211"]
    assert repo.cells_at_point(db, 5, 5, as_of=D0).empty


def test_import_run_keeps_every_reject(db):
    run_id = repo.start_import_run(db, kind="grid", source_name="x.geojson")
    rejects = pd.DataFrame(
        {
            "row": [3, 7],
            "code": ["37021", None],
            "reason_zh": ["代码位数错误", "缺少代码"],
            "reason_en": ["bad code length", "missing code"],
            "column_name": ["代码", None],
            "value": ["37021", np.nan],
            "raw": [{"代码": "37021", "名": "黄"}, None],
        }
    )
    repo.finish_import_run(db, run_id, counts={"rejected": 2}, rejects=rejects)
    stored = db.execute(
        select(
            ImportReject.row_number,
            ImportReject.code,
            ImportReject.reason_en,
            ImportReject.column_name,
            ImportReject.value,
            ImportReject.raw,
        )
        .where(ImportReject.import_run_id == run_id)
        .order_by(ImportReject.row_number)
    ).all()
    assert [tuple(r) for r in stored] == [
        (3, "37021", "bad code length", "代码", "37021", {"代码": "37021", "名": "黄"}),
        (7, None, "missing code", None, None, None),
    ]


def test_backend_lookup_is_the_only_switch(db):
    assert backend_for(db) is BACKENDS[db.dialect.name]
    assert backend_for("postgresql://u@h/d").name == "PostGIS"
    assert backend_for("sqlite:///x.sqlite").name == "SpatiaLite"
    with pytest.raises(UnsupportedDatabaseError, match="mysql"):
        backend_for("mysql://u@h/d")


def test_name_limit_is_the_column_length():
    from grid.cells import NAME_MAX_LENGTH
    from twonet.db.models import GridCell

    assert GridCell.__table__.c.name.type.length == NAME_MAX_LENGTH


def test_overlong_name_is_refused_naming_code_column_and_value(db):
    cells = _grid()
    cells.loc[cells["code"] == "370212", "name"] = "崂" * 201
    with pytest.raises(TwoNetError, match="'370212'") as info:
        repo.save_cells(db, cells)
    message = str(info.value)
    assert "name" in message and "201" in message and "崂崂崂" in message
    assert repo.load_cells(db, as_of=D0).empty


def test_non_finite_coordinates_are_refused_not_stored(db):
    cells = _grid()
    ring = [(1, 0), (2, 0), (2, float("nan")), (1, 1)]
    with np.errstate(invalid="ignore"):
        broken = shapely.MultiPolygon([shapely.Polygon(ring)])
    cells.loc[cells["code"] == "370212", "geometry"] = broken
    with pytest.raises(TwoNetError, match="'370212'") as info:
        repo.save_cells(db, cells)
    assert "NaN" in str(info.value) and "geometry" in str(info.value)
    assert repo.load_cells(db, as_of=D0).empty
