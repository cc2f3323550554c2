"""Assignment imports and exports on both backends: audited, versioned, as of a date."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pandas as pd
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from twonet.changes import change_log
from twonet.cli import app
from twonet.db import assignment_store as store
from twonet.db.import_runs import begin_run
from twonet.db.models import Assignment, ChangeSet, ImportReject
from twonet.errors import AssignmentConflictError
from twonet.staff_exports import assignments_frame, write_assignments
from twonet.staff_import import AssignmentStore, import_assignments, import_staff

runner = CliRunner()

STAFF = (
    "人员编号,姓名,类别,所属单位\n"
    "S001,王芳,协管员,370211001\n"
    "S002,李强,专职监察员,370211\n"
    "S003,张三,协管员,370212001\n"
)
HEADER = "人员编号,网格编码,职责,起始日期,终止日期\n"
VILLAGE, TOWN = "370211001001", "370211001"
ROWS = (
    f"S001,{VILLAGE},协管员,2025-01-01,\n"  # 2
    f"S002,{TOWN},责任监察员,2025-01-01,\n"  # 3
)


@pytest.fixture()
def staffed(synthetic_grid_db, tmp_path):
    """The synthetic grid with three people stored."""
    path = tmp_path / "staff.csv"
    path.write_text(STAFF, encoding="utf-8")
    report = import_staff(synthetic_grid_db, path)
    assert report.accepted == 3
    return synthetic_grid_db


def _write(path, rows: str, encoding: str = "utf-8-sig"):
    path.write_text(HEADER + rows, encoding=encoding)
    return path


def _count(engine, model, *where) -> int:
    query = select(func.count()).select_from(model).where(*where)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _change_sets(engine) -> pd.DataFrame:
    table = ChangeSet.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def test_an_import_is_one_audited_change_set_and_a_reimport_changes_nothing(
    staffed, tmp_path
):
    engine = staffed
    path = _write(
        tmp_path / "网格分配.csv",
        ROWS
        + f"S009,{VILLAGE},联络员,2025-01-01,\n"  # 4: nobody
        + "S001,370211009001,联络员,2025-01-01,\n",  # 5: no such cell
    )
    report = import_assignments(engine, path, actor="王经理")
    assert (report.accepted, report.rejected) == (2, 2)
    assert report.stored == {
        "inserted": 2,
        "changed": 0,
        "unchanged": 0,
        "superseded": 0,
    }
    with engine.connect() as connection:
        rejected = connection.execute(
            select(ImportReject.row_number, ImportReject.kind, ImportReject.reason_zh)
            .where(ImportReject.import_run_id == report.import_run_id)
            .order_by(ImportReject.row_number)
        ).all()
    assert [tuple(r) for r in rejected] == [
        (4, "staff_id_unknown", "人员名册中没有人员编号“S009”"),
        (5, "cell_code_unknown", "网格中没有网格编码“370211009001”"),
    ]
    sets = _change_sets(engine)
    assert len(sets) == 1
    first = sets.iloc[0]
    assert (first["kind"], first["actor"], first["reason"]) == (
        "import",
        "王经理",
        "导入 网格分配.csv",
    )
    assert first["import_run_id"] == report.import_run_id
    assert [c["op"] for c in first["changes"]] == ["add", "add"]
    log = store.audit_rows(engine)
    assert log["action"].tolist() == ["add", "add"]
    assert set(log["change_set_id"]) == {first["id"]}
    assert (log["actor"] == "王经理").all()
    assert log["before"].isna().all()
    assert log.loc[0, "after"] == {
        "id": 1,
        "staff_id": "S001",
        "cell_code": VILLAGE,
        "duty": "assistant",
        "valid_from": "2025-01-01",
        "valid_to": None,
        "change_set_id": first["id"],
        "closed_by": None,
    }
    assert store.cell_versions(engine, [VILLAGE, TOWN]) == {VILLAGE: 1, TOWN: 1}
    listed = change_log(engine)  # the change sets' own log reads it too
    assert listed[["kind", "ops", "steps"]].values.tolist() == [["import", "add×2", 2]]

    again = import_assignments(engine, path, actor="王经理")
    assert again.stored["unchanged"] == 2
    assert again.stored["inserted"] + again.stored["changed"] == 0
    assert len(_change_sets(engine)) == 1  # nothing changed: no change set
    assert len(store.audit_rows(engine)) == 2
    assert store.cell_versions(engine, [VILLAGE, TOWN]) == {VILLAGE: 1, TOWN: 1}


def test_a_new_end_date_is_audited_before_and_after_and_history_is_kept(
    staffed, tmp_path
):
    engine = staffed
    import_assignments(engine, _write(tmp_path / "a.csv", ROWS), actor="甲")
    ended = _write(
        tmp_path / "b.csv",
        f"S001,{VILLAGE},协管员,2025-01-01,2025-07-01\n"
        f"S002,{TOWN},责任监察员,2025-01-01,\n",
        encoding="gbk",
    )
    report = import_assignments(engine, ended, actor="乙")
    assert report.stored == {
        "inserted": 0,
        "changed": 1,
        "unchanged": 1,
        "superseded": 0,
    }
    log = store.audit_rows(engine)
    change = log.iloc[-1]
    assert (change["action"], change["actor"], change["cell_code"]) == (
        "change",
        "乙",
        VILLAGE,
    )
    assert change["before"]["valid_to"] is None
    assert change["after"]["valid_to"] == "2025-07-01"
    assert change["before"]["id"] != change["after"]["id"]
    assert change["after"]["change_set_id"] == change["change_set_id"]
    assert store.cell_versions(engine, [VILLAGE, TOWN]) == {VILLAGE: 2, TOWN: 1}
    assert _count(engine, Assignment) == 3  # nothing deleted
    spring = store.assignments_as_of(engine, dt.date(2025, 3, 1))
    assert spring["staff_id"].tolist() == ["S002", "S001"]
    autumn = store.assignments_as_of(engine, dt.date(2025, 8, 1))
    assert autumn["staff_id"].tolist() == ["S002"]
    sets = _change_sets(engine)
    assert sets["actor"].tolist() == ["甲", "乙"]
    assert sets.iloc[-1]["changes"] == [
        {
            "op": "change",
            "staff_id": "S001",
            "cell_code": VILLAGE,
            "duty": "assistant",
            "valid_from": "2025-01-01",
            "valid_to": "2025-07-01",
            "was_valid_to": None,
        }
    ]

    again = import_assignments(engine, ended, actor="乙")
    assert again.stored["unchanged"] == 2
    assert len(_change_sets(engine)) == 2


def test_an_import_does_not_undo_a_later_change_set(staffed, tmp_path):
    engine = staffed
    path = _write(tmp_path / "a.csv", ROWS)
    import_assignments(engine, path)
    now = dt.datetime(2026, 3, 1, 9, 0)
    with engine.begin() as connection:
        moved = store.begin_change_set(
            connection,
            actor="王经理",
            reason="调走",
            kind="change",
            changes=[],
            now=now,
        )
        stored = store.assignments_as_of(connection, dt.date(2026, 1, 1))
        mine = int(stored.loc[stored["staff_id"] == "S001", "id"].iloc[0])
        store.claim_cells(
            connection, {VILLAGE: 1}, actor="王经理", change_set_id=moved, now=now
        )
        store.close_assignment(
            connection, mine, valid_to=dt.date(2026, 3, 1), change_set_id=moved
        )
    report = import_assignments(engine, path)
    assert report.stored["superseded"] == 1
    assert report.stored["unchanged"] == 1
    assert len(_change_sets(engine)) == 2  # the import wrote nothing


def test_a_cell_changed_after_it_was_read_is_a_conflict_and_nothing_is_written(
    staffed, tmp_path
):
    engine = staffed
    run = begin_run(engine, kind="assignments", source_name="a.csv")
    rows = pd.DataFrame(
        {
            "row": [2],
            "staff_id": ["S001"],
            "cell_code": [VILLAGE],
            "duty": ["assistant"],
            "valid_from": pd.to_datetime(["2025-01-01"]).astype("datetime64[s]"),
            "valid_to": pd.to_datetime([None]).astype("datetime64[s]"),
            "extra": [{}],
        }
    )
    now = dt.datetime(2026, 3, 1, 9, 0)
    batch = AssignmentStore(engine, run, actor="导入", reason="导入 a.csv")
    with pytest.raises(AssignmentConflictError, match=f"{VILLAGE}.*王经理"), batch:
        batch.put(rows)  # reads the cell at version 0
        # someone else writes the cell before the import claims it
        other = store.begin_change_set(
            batch.connection,
            actor="王经理",
            reason="调整",
            kind="change",
            changes=[],
            now=now,
        )
        store.claim_cells(
            batch.connection, {VILLAGE: 0}, actor="王经理", change_set_id=other, now=now
        )
    assert _count(engine, Assignment) == 0
    assert store.cell_versions(engine, [VILLAGE]) == {VILLAGE: 0}


def test_the_export_answers_for_a_date_and_gives_the_same_bytes_twice(
    staffed, tmp_path
):
    engine = staffed
    rows = (
        f"S001,{VILLAGE},协管员,2025-01-01,2025-07-01\n"
        f"S002,{TOWN},责任监察员,2025-01-01,\n"
        "S003,370212001,协管员,2090-01-01,\n"  # not yet
    )
    import_assignments(engine, _write(tmp_path / "a.csv", rows))
    past = assignments_frame(engine, dt.date(2025, 3, 1))
    assert past.to_dict("records") == [
        {
            "staff_id": "S002",
            "staff_name": "李强",
            "staff_kind": "专职监察员",
            "duty": "责任监察员",
            "cell_code": TOWN,
            "cell_name": "黄岛区第1街道",
            "cell_level": "乡镇/街道",
            "county_code": "370211",
            "county_name": "黄岛区",
            "valid_from": dt.date(2025, 1, 1),
            "valid_to": None,
        },
        {
            "staff_id": "S001",
            "staff_name": "王芳",
            "staff_kind": "协管员",
            "duty": "协管员",
            "cell_code": VILLAGE,
            "cell_name": "黄岛区1街道第1社区",
            "cell_level": "村/社区",
            "county_code": "370211",
            "county_name": "黄岛区",
            "valid_from": dt.date(2025, 1, 1),
            "valid_to": dt.date(2025, 7, 1),
        },
    ]
    today = assignments_frame(engine)
    assert today["staff_id"].tolist() == ["S002"]
    url = engine.url.render_as_string(hide_password=False)
    for suffix in (".csv", ".xlsx", ".geojson"):
        outputs = []
        for k in range(2):
            out = tmp_path / f"export{k}{suffix}"
            result = runner.invoke(
                app,
                [
                    "assignments",
                    "export",
                    str(out),
                    "--db",
                    url,
                    "--as-of",
                    "2025-03-01",
                ],
            )
            assert result.exit_code == 0, result.output
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1], suffix
    csv = (tmp_path / "export0.csv").read_text(encoding="utf-8-sig").splitlines()
    assert csv[0].startswith("人员编号,姓名,类别,职责,网格编码,网格名称")
    assert len(csv) == 3
    book = zipfile.ZipFile(io.BytesIO((tmp_path / "export0.xlsx").read_bytes()))
    assert {i.date_time for i in book.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    geo = json.loads((tmp_path / "export0.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["staff_id"] for f in geo["features"]] == ["S002", "S001"]
    assert geo["features"][1]["geometry"]["type"] == "MultiPolygon"
    assert geo["features"][1]["properties"]["valid_to"] == "2025-07-01"
    with pytest.raises(Exception, match=r"\.csv, \.xlsx or \.geojson"):
        write_assignments(past, tmp_path / "x.gpkg")


def test_the_cli_imports_with_an_actor(staffed, tmp_path):
    url = staffed.url.render_as_string(hide_password=False)
    path = _write(tmp_path / "a.csv", ROWS)
    result = runner.invoke(
        app, ["assignments", "import", str(path), "--db", url, "--actor", "王经理"]
    )
    assert result.exit_code == 0, result.output
    assert "inserted" in result.output
    assert _change_sets(staffed)["actor"].tolist() == ["王经理"]
    assert _count(staffed, ImportReject) == 0
