"""Coverage, gaps, grades and warnings over a real database (both backends).

Rows are inserted directly (the records import is tested elsewhere).  Cells
from 2024-01-01: 青岛市 → 黄岛区 → 甲街道 (一村, 二村) and 乙镇 (三村).
Staff: 协管员 A1 assists 一村, inspector I1 is 甲街道's responsible one.

=====  =====  =======  ==========  ============================================
uscc   cell   workers  updated     records
=====  =====  =======  ==========  ============================================
E1     一村   100      2026-05-01  patrols 2025-09-01, 2026-03-01, 2026-08-01;
                                   3 cases in 2025 (Feb–Apr); arrears 3 months
                                   found 2026-03-01, open
E2     一村   50       2025-01-01  campaign 2025-03-01, patrol 2026-07-15;
                                   arrears 1.5 months found 2025-08-01, open
E3     二村   —        —           child labour 2025-10-01; complaints: one
                                   overdue, one closed, one rejected
E4     三村   10       2026-06-01  patrol 2026-06-01; a 2024 case with a
                                   rectification order, open
E5     黄岛区 5        2026-06-01  (no township)
=====  =====  =======  ==========  ============================================

On 2026-06-30: 甲街道 has E1–E3 (150 workers), one inspected (E1), one
patrolled twice (E1), two stale (E2, E3), one overdue complaint.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert
from typer.testing import CliRunner

from grid.coverage import COVERAGE_COLUMNS
from grid.staffing import StaffingRules
from twonet.cli import app
from twonet.coverage import coverage_report, gap_report
from twonet.db.coverage_queries import employer_facts, overdue_complaints
from twonet.db.engine import get_engine
from twonet.db.models import (
    Assignment,
    Complaint,
    Employer,
    GridCell,
    Inspection,
    Staff,
    Violation,
)
from twonet.db.repository import transaction
from twonet.grades import employer_standing, grades_report, warnings_report
from twonet.rules import RULES_ENV

START = dt.date(2024, 1, 1)
NOW = dt.datetime(2024, 1, 1, 8, 0)
AS_OF = dt.date(2026, 6, 30)
T1, T2 = "370211001", "370211002"
V1, V2, V3 = "370211001001", "370211001002", "370211002001"

runner = CliRunner()


def _records(model, rows):
    return (
        insert(model),
        [
            {
                "record_id": f"{model.__tablename__}-{i}",
                "content_hash": str(i),
                "first_seen": NOW,
                "last_changed": NOW,
                **row,
            }
            for i, row in enumerate(rows)
        ],
    )


def _store(bind) -> None:
    d = dt.date
    cells = [
        ("370200", "青岛市", "city", None),
        ("370211", "黄岛区", "county", "370200"),
        (T1, "甲街道", "township", "370211"),
        (V1, "一村", "village", T1),
        (V2, "二村", "village", T1),
        (T2, "乙镇", "township", "370211"),
        (V3, "三村", "village", T2),
    ]
    employers = [
        ("E1", T1, V1, 100, d(2026, 5, 1)),
        ("E2", T1, V1, 50, d(2025, 1, 1)),
        ("E3", T1, V2, None, None),
        ("E4", T2, V3, 10, d(2026, 6, 1)),
        ("E5", None, None, 5, d(2026, 6, 1)),
    ]
    inspections = [
        ("E1", d(2025, 9, 1), "patrol"),
        ("E1", d(2026, 3, 1), "patrol"),
        ("E1", d(2026, 8, 1), "patrol"),
        ("E2", d(2025, 3, 1), "campaign"),
        ("E2", d(2026, 7, 15), "patrol"),
        ("E4", d(2026, 6, 1), "patrol"),
        (None, d(2026, 6, 1), "patrol"),  # waiting in the match queue
    ]
    violations = [
        ("E1", "no_contract", d(2025, 2, 1), d(2025, 3, 1), {}),
        ("E1", "no_contract", d(2025, 3, 1), d(2025, 4, 1), {}),
        ("E1", "overtime", d(2025, 4, 1), d(2025, 5, 1), {}),
        ("E1", "wage_arrears", d(2026, 3, 1), None, {"arrears_months": 3.0}),
        ("E2", "wage_arrears", d(2025, 8, 1), None, {"arrears_months": 1.5}),
        ("E3", "child_labour", d(2025, 10, 1), d(2025, 11, 1), {}),
        ("E4", "no_insurance", d(2024, 6, 1), None, {"rectification_ordered": True}),
        (None, "forced_labour", d(2025, 6, 1), None, {}),
    ]
    complaints = [
        ("E3", d(2026, 1, 5), "accepted", None, d(2026, 4, 1), "wage_arrears"),
        ("E3", d(2026, 1, 5), "closed", d(2026, 5, 1), d(2026, 4, 1), "wage_arrears"),
        ("E3", d(2026, 1, 5), "rejected", None, d(2026, 4, 1), None),
        ("E4", d(2026, 6, 1), "accepted", None, d(2026, 9, 1), "overtime"),
    ]
    with transaction(bind) as connection:
        connection.execute(
            insert(GridCell),
            [
                {
                    "code": code,
                    "name": name,
                    "level": level,
                    "parent_code": parent,
                    "valid_from": START,
                    "content_hash": code,
                }
                for code, name, level, parent in cells
            ],
        )
        connection.execute(
            insert(Staff),
            [
                {
                    "staff_id": staff_id,
                    "name": name,
                    "kind": kind,
                    "unit_code": T1,
                    "active_from": START,
                    "content_hash": staff_id,
                    "first_seen": NOW,
                    "last_changed": NOW,
                }
                for staff_id, name, kind in (
                    ("A1", "赵一", "assistant"),
                    ("I1", "吴六", "inspector"),
                )
            ],
        )
        connection.execute(
            insert(Assignment),
            [
                {
                    "staff_id": staff_id,
                    "cell_code": cell,
                    "duty": duty,
                    "valid_from": START,
                    "created_at": NOW,
                }
                for staff_id, cell, duty in (
                    ("A1", V1, "assistant"),
                    ("I1", T1, "responsible"),
                )
            ],
        )
        connection.execute(
            insert(Employer),
            [
                {
                    "uscc": uscc,
                    "name": f"单位{uscc}",
                    "staff": workers,
                    "updated": updated,
                    "city_code": "370200",
                    "county_code": "370211",
                    "township_code": township,
                    "village_code": village,
                    "method": "manual",
                    "content_hash": uscc,
                    "location_hash": uscc,
                    "first_seen": NOW,
                    "last_changed": NOW,
                }
                for uscc, township, village, workers, updated in employers
            ],
        )
        connection.execute(
            *_records(
                Inspection,
                [
                    {"employer_uscc": u, "uscc": u, "inspected_on": day, "kind": kind}
                    for u, day, kind in inspections
                ],
            )
        )
        connection.execute(
            *_records(
                Violation,
                [
                    {
                        "employer_uscc": u,
                        "type": kind,
                        "found_on": found,
                        "closed_on": closed,
                        # every row the same keys (an executemany)
                        "arrears_months": extra.get("arrears_months"),
                        "rectification_ordered": extra.get("rectification_ordered"),
                    }
                    for u, kind, found, closed, extra in violations
                ],
            )
        )
        connection.execute(
            *_records(
                Complaint,
                [
                    {
                        "employer_uscc": u,
                        "received_on": received,
                        "status": status,
                        "closed_on": closed,
                        "accept_due": received + dt.timedelta(days=7),
                        "close_due": due,
                        "type": kind,
                    }
                    for u, received, status, closed, due, kind in complaints
                ],
            )
        )


@pytest.fixture()
def records(db):
    _store(db)
    return db


# ------------------------------------------------------------------ queries
def test_employer_facts_aggregate_in_the_database(records):
    facts = employer_facts(records, AS_OF).set_index("uscc")
    assert facts.loc["E1", "last_inspected"] == dt.date(2026, 3, 1)  # not 08-01
    assert facts.loc["E1", "patrols_12m"] == 2
    assert facts.loc["E2", "last_inspected"] == dt.date(2025, 3, 1)
    assert facts.loc["E2", "patrols_12m"] == 0
    assert facts.loc["E3", "last_inspected"] is None
    assert facts.loc["E1", "violations_12m"] == 1  # 2026-03-01 only
    assert facts.loc["E2", "violations_12m"] == 1  # 2025-08-01, in the window
    assert facts.loc["E3", "complaints_overdue"] == 1
    assert facts.loc["E3", "wage_complaints_overdue"] == 1
    assert facts.loc["E4", "complaints_overdue"] == 0


def test_overdue_complaints_as_of_a_date(records):
    assert overdue_complaints(records, AS_OF).values.tolist() == [["E3", 1, 1]]
    # before the deadline nothing is overdue; after the closing date the
    # closed one is not overdue either
    assert overdue_complaints(records, dt.date(2026, 3, 31)).empty
    later = overdue_complaints(records, dt.date(2026, 9, 2))
    assert later.values.tolist() == [["E3", 1, 1], ["E4", 1, 0]]


# ----------------------------------------------------------------- services
def test_coverage_of_townships(records):
    frame = coverage_report(records, "township", AS_OF, StaffingRules())
    assert list(frame.columns) == list(COVERAGE_COLUMNS)
    t = frame.set_index("cell_code")
    assert t.loc[T1, ["employers", "workers", "assistants", "inspectors"]].tolist() == [
        3,
        150,
        1,
        1,
    ]
    assert t.loc[T1, "inspected_12m_share"] == pytest.approx(1 / 3)
    assert t.loc[T1, "patrolled_twice_share"] == pytest.approx(1 / 3)
    assert t.loc[T1, "stale_data_share"] == pytest.approx(2 / 3)
    assert t.loc[T1, "complaints_overdue"] == 1
    # 一村 has 1 assistant, 二村 none; 乙镇 has no inspector, 三村 no assistant
    assert t["breaches"].tolist() == [2, 2]


def test_coverage_rolls_up_and_follows_the_date(records):
    county = coverage_report(records, "county", AS_OF, StaffingRules()).iloc[0]
    assert county["employers"] == 5
    assert county["workers"] == 165
    assert county["employers_without_cell"] == 1  # E5
    assert county["breaches"] == 4
    later = coverage_report(records, "village", dt.date(2026, 8, 1), StaffingRules())
    village = later.set_index("cell_code").loc[V1]
    assert village["inspected_12m_share"] == 1.0  # E2's patrol of 2026-07-15


def test_gap_list_from_the_database(records):
    gaps = gap_report(records, "village", AS_OF, StaffingRules())
    assert gaps["cell_code"].tolist()[0] == V2  # no assistant, never inspected
    assert (
        gaps["reasons_zh"]
        .iloc[0]
        .startswith("黄岛区甲街道二村：1 家用人单位，0 名协管员")
    )
    only = gap_report(records, "village", AS_OF, StaffingRules(), min_employers=2)
    assert only["cell_code"].tolist() == [V1]


def test_grades_from_the_database(records):
    grades = grades_report(records, 2025).set_index("uscc")
    assert grades["grade"].to_dict() == {
        "E1": "C",
        "E3": "C",
        "E2": "B",
        "E4": "B",
        "E5": "A",
    }
    assert grades.loc["E1", "name"] == "单位E1"
    assert grades_report(records, 2023)["grade"].eq("A").all()


def test_warnings_from_the_database(records):
    now = warnings_report(records, AS_OF).set_index("uscc")["level"].to_dict()
    assert now == {"E1": "red", "E2": "orange"}
    assert warnings_report(records, dt.date(2025, 7, 1)).empty


def test_one_employers_standing(records):
    e1 = employer_standing(records, "E1", year=2025, as_of=AS_OF)
    assert (e1["grade"], e1["warning"], e1["arrears_months"]) == ("C", "red", 3.0)
    assert e1["grade_zh"] == "C级（不良）"
    assert e1["warning_zh"] == "红色预警"
    e2 = employer_standing(records, "E2", year=2024, as_of=dt.date(2025, 7, 31))
    assert (e2["grade"], e2["warning"], e2["open_cases"]) == ("A", None, 0)
    e4 = employer_standing(records, "E4", year=2025, as_of=AS_OF)
    assert e4["grade"] == "B"
    assert e4["grade_reason_zh"] == "责令改正未完成"


# ---------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def records_url(backend_name, migrated_database):
    """A database of its own (the CLI opens its own connections)."""
    with migrated_database(backend_name, "coverage") as url:
        engine = get_engine(url)
        try:
            _store(engine)
        finally:
            engine.dispose()
        yield url


@pytest.fixture(autouse=True)
def _no_deployment_file(monkeypatch):
    monkeypatch.delenv(RULES_ENV, raising=False)


def _at(command: str, url: str, level: str) -> list[str]:
    return [command, "--db", url, "--level", level, "--as-of", "2026-06-30"]


def test_cli_coverage_json_and_table(records_url):
    result = runner.invoke(
        app,
        [*_at("coverage", records_url, "township"), "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["cell_code"] for r in rows] == [T1, T2]
    assert set(COVERAGE_COLUMNS) <= set(rows[0])
    table = runner.invoke(
        app, ["coverage", "--db", records_url, "--level", "村", "--as-of", "2026-06-30"]
    )
    assert table.exit_code == 0, table.output
    assert V1 in table.output


def test_cli_gaps_xlsx_has_two_sheets(records_url, tmp_path):
    out = tmp_path / "gaps.xlsx"
    options = ["--top", "2", "--county", "370211", "--out", str(out)]
    result = runner.invoke(app, [*_at("gaps", records_url, "village"), *options])
    assert result.exit_code == 0, result.output
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames == ["覆盖缺口", "排序规则"]
    assert len(list(book["覆盖缺口"].values)) == 3


def test_cli_grades_counts_per_grade(records_url, tmp_path):
    result = runner.invoke(app, ["grades", "--db", records_url, "--year", "2025"])
    assert result.exit_code == 0, result.output
    assert "C级（不良）" in result.output
    out = tmp_path / "grades.csv"
    written = runner.invoke(
        app, ["grades", "--db", records_url, "--year", "2025", "--out", str(out)]
    )
    assert written.exit_code == 0, written.output
    assert out.read_bytes().startswith("\ufeff统一社会信用代码".encode())


def test_cli_warnings_json(records_url):
    result = runner.invoke(
        app,
        ["warnings", "--db", records_url, "--as-of", "2026-06-30", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [(r["uscc"], r["level"]) for r in rows] == [("E1", "red"), ("E2", "orange")]
    assert rows[0]["name"] == "单位E1"


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["coverage", "--level", "province"], "province"),
        (["coverage", "--level", "city", "--as-of", "2026-13-01"], "2026-13-01"),
        (["gaps", "--level", "city", "--format", "csv"], "--out"),
        (["grades", "--year", "2025", "--out", "x.txt"], "x.txt"),
    ],
)
def test_cli_refuses_bad_options_with_exit_2(records_url, args, shown):
    result = runner.invoke(app, [*args, "--db", records_url])
    assert result.exit_code == 2
    assert shown in result.output
