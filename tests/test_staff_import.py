"""Staff registry imports on both backends: upsert, history, rejects, masking, CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from stdnum.cn import ric
from typer.testing import CliRunner

from twonet.cli import app
from twonet.db import import_runs, staff_store
from twonet.db.models import ImportReject, Staff, StaffVersion
from twonet.imports import KeysSeen
from twonet.staff_exports import staff_frame
from twonet.staff_import import import_staff

runner = CliRunner()

HEADER = (
    "人员编号,姓名,类别,所属单位,联系电话,身份证号,驻地经度,驻地纬度,坐标系,"
    "起始日期,终止日期\n"
)
ID_1 = "37021119850315123" + ric.calc_check_digit("370211198503151230")
ID_2 = "37021219900101456" + ric.calc_check_digit("370212199001014560")
WRONG = ID_2[:-1] + ("0" if ID_2[-1] != "0" else "1")


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _count(engine, model) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(model)).scalar_one()
        )


def test_a_registry_is_stored_once_and_a_change_keeps_the_earlier_state(
    synthetic_grid_db, tmp_path
):
    engine = synthetic_grid_db
    first = tmp_path / "人员名册.csv"
    first.write_text(
        HEADER + f"S001,王芳,协管员,370211001,13812345678,{ID_1},120.05,36.05,WGS84,"
        "2024-01-01,\n"
        "S002,李强,专职监察员,370211,13900000000,,,,,2024-01-01,\n",
        encoding="utf-8-sig",
    )
    report = import_staff(engine, first)
    assert (report.read, report.accepted, report.rejected) == (2, 2, 0)
    assert report.stored == {"inserted": 2, "changed": 0, "unchanged": 0}
    stored = staff_store.load_staff(engine).set_index("staff_id")
    assert stored.loc["S001", "kind"] == "assistant"
    assert stored.loc["S001", "id_number"] == ID_1
    assert stored.loc["S001", "home_lon"] == pytest.approx(120.05)
    assert stored.loc["S002", "unit_code"] == "370211"
    assert stored.loc["S002", "active_from"] == dt.date(2024, 1, 1)

    again = import_staff(engine, first)
    assert again.stored == {"inserted": 0, "changed": 0, "unchanged": 2}
    assert _count(engine, StaffVersion) == 0
    unchanged = staff_store.load_staff(engine).set_index("staff_id")
    assert unchanged["last_changed"].equals(stored["last_changed"])

    second = tmp_path / "人员名册2.csv"
    second.write_text(
        HEADER + f"S001,王芳,协管员,370211001,13999999999,{ID_1},120.05,36.05,WGS84,"
        "2024-01-01,2026-06-30\n"
        "S002,李强,专职监察员,370211,13900000000,,,,,2024-01-01,\n"
        "S003,张三,协管员,370211002,,,,,,2025-01-01,\n",
        encoding="gbk",
    )
    changed = import_staff(engine, second)
    assert changed.stored == {"inserted": 1, "changed": 1, "unchanged": 1}
    history = staff_store.staff_versions(engine, "S001")
    assert len(history) == 1
    before = history.loc[0, "snapshot"]
    assert (before["phone"], before["active_to"]) == ("13812345678", None)
    assert history.loc[0, "import_run_id"] == changed.import_run_id  # who changed
    assert before["import_run_id"] == report.import_run_id  # who wrote it
    now = staff_store.load_staff(engine).set_index("staff_id")
    assert now.loc["S001", "phone"] == "13999999999"
    assert now.loc["S001", "active_to"] == dt.date(2026, 6, 30)
    runs = import_runs.runs(engine, kind="staff")
    assert runs["outcome"].tolist() == ["succeeded"] * 3


def test_rejects_name_their_row_and_never_hold_a_whole_number(
    synthetic_grid_db, tmp_path
):
    engine = synthetic_grid_db
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + f"S001,王芳,协管员,370211001,13812345678,{ID_1},,,,,\n"
        + f"S002,李强,协管员,370299,13987654321,{ID_2},,,,,\n"  # unknown unit
        + f"S003,张三,协管员,370211001,13700001111,{WRONG},,,,,\n",  # check digit
        encoding="utf-8",
    )
    report = import_staff(engine, path)
    assert (report.accepted, report.rejected, report.warned) == (2, 1, 1)
    assert report.rejects["row"].tolist() == [3]
    with engine.connect() as connection:
        stored = connection.execute(
            select(
                ImportReject.row_number,
                ImportReject.kind,
                ImportReject.severity,
                ImportReject.value,
                ImportReject.reason_zh,
                ImportReject.raw,
            )
            .where(ImportReject.import_run_id == report.import_run_id)
            .order_by(ImportReject.row_number)
        ).all()
        person = connection.execute(
            select(Staff.id_number).where(Staff.staff_id == "S003")
        ).scalar_one()
    assert [(r[0], r[1], r[2]) for r in stored] == [
        (3, "unit_unknown", "reject"),
        (4, "id_number_check", "warning"),
    ]
    assert stored[1].value == f"370212********{WRONG[-4:]}"
    assert person is None  # the wrong number is dropped, the person kept
    raw = stored[0].raw
    assert raw["身份证号"] == f"370212********{ID_2[-4:]}"
    assert raw["联系电话"] == "139****4321"
    texts = [repr(tuple(r)) for r in stored]
    texts += [p.read_text(encoding="utf-8-sig") for p in report.side_files.values()]
    texts += [report.rejects.to_csv(), report.problems.to_csv()]
    assert set(report.side_files) == {"rejects", "problems"}
    for secret in (ID_2, WRONG, "13987654321", "13700001111"):
        assert not any(secret in text for text in texts)


def test_staff_list_masks_personal_data_unless_allowed(synthetic_grid_db, tmp_path):
    engine = synthetic_grid_db
    path = tmp_path / "s.csv"
    path.write_text(
        HEADER
        + f"S001,王芳,协管员,370211001,13812345678,{ID_1},,,,,\n"
        + "S002,李强,专职监察员,370212,13987654321,,,,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["staff", "import", str(path), "--db", _url(engine)])
    assert result.exit_code == 0, result.output
    assert "inserted" in result.output
    masked = staff_frame(engine)
    assert masked["phone"].tolist() == ["138****5678", "139****4321"]
    assert masked["kind"].tolist() == ["协管员", "专职监察员"]
    assert staff_frame(engine, may_see_personal=True)["id_number"][0] == ID_1
    listed = runner.invoke(app, ["staff", "list", "--db", _url(engine)])
    assert listed.exit_code == 0, listed.output
    assert "138****5678" in listed.output and "13812345678" not in listed.output
    assert ID_1 not in listed.output and f"370211********{ID_1[-4:]}" in listed.output
    shown = runner.invoke(
        app,
        ["staff", "list", "--db", _url(engine), "--show-personal", "--unit", "370211"],
    )
    assert shown.exit_code == 0, shown.output
    assert ID_1 in shown.output and "13812345678" in shown.output
    assert "S002" not in shown.output  # another county's unit


def test_a_staff_id_in_two_files_of_one_command_is_rejected_in_the_second(
    synthetic_grid_db, tmp_path
):
    engine = synthetic_grid_db
    files = []
    for name, person in (("a.csv", "王芳"), ("b.csv", "王芳芳")):
        files.append(tmp_path / name)
        files[-1].write_text(
            f"人员编号,姓名,类别\nS001,{person},协管员\n", encoding="utf-8"
        )
    seen = KeysSeen()
    reports = [import_staff(engine, f, seen=seen) for f in files]
    assert [r.accepted for r in reports] == [1, 0]
    assert reports[1].problems["kind"].tolist() == ["staff_id_duplicate"]
    assert "a.csv:2" in reports[1].problems["reason_en"][0]


@pytest.mark.slow
def test_the_demo_roster_comes_in_whole_through_the_real_importers(
    demo_grid_db, qingdao_demo, tmp_path
):
    from ingest.demo_roster import generate_roster, write_roster
    from twonet.staff_import import import_assignments

    demo = generate_roster(qingdao_demo[0])
    files = write_roster(demo, tmp_path)
    staff = import_staff(demo_grid_db, files["staff"])
    assert (staff.accepted, staff.rejected, staff.warned) == (len(demo.staff), 0, 0)
    jobs = import_assignments(demo_grid_db, files["assignments"], actor="demo")
    assert (jobs.accepted, jobs.rejected) == (len(demo.assignments), 0)
    assert jobs.stored["inserted"] == len(demo.assignments)
    assert import_staff(demo_grid_db, files["staff"]).stored["unchanged"] == len(
        demo.staff
    )
