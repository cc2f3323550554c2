"""Staffing rules over a real database (both backends) and ``twonet rules report``.

A handful of rows, dated so that three days give three answers:

* cells from 2024-01-01: 青岛市 → 崂山区 → 沙子口街道 → 东社区, 西社区, and 南村
  (closed on 2026-01-01);
* 赵一 (A1) and 钱二 (A2, active until 2026-03-01) are 协管员, 吴六 (I1) the
  township's responsible inspector;
* A1 assists 东社区, 西社区 and 南村; A2 assists 东社区, and 西社区 until
  2025-01-01;
* employers: two in 东社区 (100 and 50 workers), one in 西社区 (no head count).

===========  ===========================================================
date         breaches
===========  ===========================================================
2024-06-30   南村 has 1 assistant
2025-06-30   西社区 has 1, 南村 has 1
2026-06-30   东社区 1 (A2 no longer active), 西社区 1; A1 in closed 南村;
             A2 still assigned to 东社区 while inactive
===========  ===========================================================
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from grid.staffing import BREACH_COLUMNS, StaffingRules, check_rules, workload
from twonet.cli import app
from twonet.db.engine import get_engine
from twonet.db.models import Assignment, Employer, GridCell, Staff
from twonet.db.repository import transaction
from twonet.rules import RULES_ENV, rules_report, staffing_context

START = dt.date(2024, 1, 1)
NOW = dt.datetime(2024, 1, 1, 8, 0)
EAST, WEST, SOUTH = "370212001001", "370212001002", "370212001003"
TOWNSHIP = "370212001"

runner = CliRunner()


def _store_roster(bind) -> None:
    cells = [
        ("370200", "青岛市", "city", None, None),
        ("370212", "崂山区", "county", "370200", None),
        (TOWNSHIP, "沙子口街道", "township", "370212", None),
        (EAST, "东社区", "village", TOWNSHIP, None),
        (WEST, "西社区", "village", TOWNSHIP, None),
        (SOUTH, "南村", "village", TOWNSHIP, dt.date(2026, 1, 1)),
    ]
    staff = [
        ("A1", "赵一", "assistant", TOWNSHIP, None),
        ("A2", "钱二", "assistant", TOWNSHIP, dt.date(2026, 3, 1)),
        ("I1", "吴六", "inspector", "370212", None),
    ]
    assignments = [
        ("A1", EAST, "assistant", None),
        ("A1", WEST, "assistant", None),
        ("A1", SOUTH, "assistant", None),
        ("A2", EAST, "assistant", None),
        ("A2", WEST, "assistant", dt.date(2025, 1, 1)),
        ("I1", TOWNSHIP, "responsible", None),
    ]
    employers = [("E1", EAST, 100), ("E2", EAST, 50), ("E3", WEST, None)]
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
                    "valid_to": valid_to,
                    "content_hash": code,
                }
                for code, name, level, parent, valid_to in cells
            ],
        )
        connection.execute(
            insert(Staff),
            [
                {
                    "staff_id": staff_id,
                    "name": name,
                    "kind": kind,
                    "unit_code": unit,
                    "active_from": START,
                    "active_to": active_to,
                    "content_hash": staff_id,
                    "first_seen": NOW,
                    "last_changed": NOW,
                }
                for staff_id, name, kind, unit, active_to in staff
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
                    "valid_to": valid_to,
                    "created_at": NOW,
                }
                for staff_id, cell, duty, valid_to in assignments
            ],
        )
        connection.execute(
            insert(Employer),
            [
                {
                    "uscc": uscc,
                    "name": f"单位{uscc}",
                    "staff": workers,
                    "city_code": "370200",
                    "county_code": "370212",
                    "township_code": TOWNSHIP,
                    "village_code": village,
                    "method": "manual",
                    "content_hash": uscc,
                    "location_hash": uscc,
                    "first_seen": NOW,
                    "last_changed": NOW,
                }
                for uscc, village, workers in employers
            ],
        )


def _keys(breaches: pd.DataFrame) -> list[tuple[object, ...]]:
    rows = breaches[["rule", "cell_code", "staff_id", "value"]]
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in rows.itertuples(index=False, name=None)
    ]


@pytest.fixture()
def roster(db):
    _store_roster(db)
    return db


# ----------------------------------------------------------------- service
@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (dt.date(2024, 6, 30), [("assistants_per_village", SOUTH, None, 1)]),
        (
            dt.date(2025, 6, 30),
            [
                ("assistants_per_village", WEST, None, 1),
                ("assistants_per_village", SOUTH, None, 1),
            ],
        ),
        (
            dt.date(2026, 6, 30),
            [
                ("assistants_per_village", EAST, None, 1),
                ("assistants_per_village", WEST, None, 1),
                ("closed_cell", SOUTH, "A1", None),
                ("inactive_staff", EAST, "A2", None),
            ],
        ),
    ],
    ids=["2024", "2025", "2026"],
)
def test_the_report_answers_for_any_date(roster, as_of, expected):
    breaches = rules_report(roster, as_of, StaffingRules())
    assert list(breaches.columns) == list(BREACH_COLUMNS)
    assert _keys(breaches) == expected


def test_the_context_reads_the_date(roster):
    context = staffing_context(roster, dt.date(2026, 6, 30))
    assert context.cells["code"].tolist() == [
        "370200",
        "370212",
        TOWNSHIP,
        EAST,
        WEST,
    ]
    active = dict(zip(context.staff["staff_id"], context.staff["active"], strict=True))
    assert active == {"A1": True, "A2": False, "I1": True}
    assert sorted(map(tuple, context.assignments.values.tolist())) == [
        ("A1", EAST, "assistant"),
        ("A1", WEST, "assistant"),
        ("A1", SOUTH, "assistant"),
        ("A2", EAST, "assistant"),
        ("I1", TOWNSHIP, "responsible"),
    ]
    load = context.load.set_index("cell_code")
    assert load.loc[EAST].tolist() == [2, 150]
    assert load.loc[WEST].tolist() == [1, 0]
    assert load.loc[TOWNSHIP].tolist() == [3, 150]
    assert load.loc["370200"].tolist() == [3, 150]


def test_workload_from_the_database(roster):
    load = workload(staffing_context(roster, dt.date(2026, 6, 30))).set_index(
        "staff_id"
    )
    assert load.loc["A1", ["cells", "employers", "workers"]].tolist() == [3, 3, 150]
    assert load.loc["I1", ["cells", "employers", "workers"]].tolist() == [1, 3, 150]


def test_given_assignments_replace_the_stored_ones(roster):
    hypothetical = pd.DataFrame(
        {
            "staff_id": ["A1", "A2", "A1"],
            "cell_code": [EAST, EAST, WEST],
            "duty": ["assistant", "assistant", "assistant"],
            "note": ["kept", "out", "of it"],
        }
    )
    context = staffing_context(roster, dt.date(2025, 6, 30), assignments=hypothetical)
    assert list(context.assignments.columns) == ["staff_id", "cell_code", "duty"]
    assert _keys(check_rules(context)) == [
        ("assistants_per_village", WEST, None, 1),
        ("assistants_per_village", SOUTH, None, 0),
        ("responsible_per_township", TOWNSHIP, None, 0),
    ]


def test_the_level_filter(roster):
    rules = StaffingRules.from_mapping(
        {"employers_per_assistant": {"max_employers": 2}}
    )
    day = dt.date(2026, 6, 30)
    everything = rules_report(roster, day, rules)
    assert ("employers_per_assistant", None, "A1", 3) in _keys(everything)
    villages = rules_report(roster, day, rules, level="village")
    # the closed 南村 counts as a village by its code; A1's load has no cell
    assert _keys(villages) == [k for k in _keys(everything) if k[1] is not None]
    assert rules_report(roster, day, rules, level="乡镇").empty


# --------------------------------------------------------------------- CLI
@pytest.fixture(scope="module")
def roster_url(backend_name, migrated_database):
    """A database of its own (the CLI opens its own connections)."""
    with migrated_database(backend_name, "rules") as url:
        engine = get_engine(url)
        try:
            _store_roster(engine)
        finally:
            engine.dispose()
        yield url


@pytest.fixture()
def _no_deployment_file(monkeypatch):
    monkeypatch.delenv(RULES_ENV, raising=False)


def _report(url: str, *extra: str):
    return runner.invoke(
        app, ["rules", "report", "--db", url, "--as-of", "2026-06-30", *extra]
    )


@pytest.mark.usefixtures("_no_deployment_file")
def test_cli_json_is_a_list_of_objects_with_the_contract_fields(roster_url):
    result = _report(roster_url, "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == 4
    for record in records:
        assert {
            "rule",
            "severity",
            "cell_code",
            "staff_id",
            "value",
            "limit",
            "message_zh",
            "message_en",
        } <= set(record)
    first, closed = records[0], records[2]
    assert first["rule"] == "assistants_per_village"
    assert (first["cell_code"], first["staff_id"]) == (EAST, None)
    assert (first["value"], first["limit"], first["severity"]) == (1, 2, "warning")
    assert first["message_zh"] == "崂山区沙子口街道东社区：协管员 1 名，少于 2 名"
    assert (closed["rule"], closed["staff_id"], closed["value"]) == (
        "closed_cell",
        "A1",
        None,
    )


@pytest.mark.usefixtures("_no_deployment_file")
def test_cli_table_counts_per_rule_and_exits_0_with_breaches(roster_url):
    result = _report(roster_url)
    assert result.exit_code == 0, result.output
    assert "东社区：协管员 1 名" in result.stdout
    assert "assistants_per_village" in result.stdout
    assert "合计 / total: 4" in result.stdout


@pytest.mark.usefixtures("_no_deployment_file")
def test_cli_writes_files_and_takes_a_rules_file(roster_url, tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[inactive_staff]\nenabled = false\n", encoding="utf-8")
    out = tmp_path / "report.csv"
    result = _report(roster_url, "--out", str(out), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert table.columns[0] == "规则"
    assert table["规则"].tolist() == ["assistants_per_village"] * 2 + ["closed_cell"]
    xlsx = tmp_path / "report.xlsx"
    result = _report(
        roster_url, "--format", "xlsx", "--out", str(xlsx), "--level", "村"
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_excel(xlsx)) == 4


@pytest.mark.usefixtures("_no_deployment_file")
@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        (["--format", "csv"], "--out"),
        (["--level", "province"], "province"),
        (["--as-of", "30/06/2026"], "30/06/2026"),
        (["--out", "report.txt"], "report.txt"),
    ],
)
def test_cli_refuses_bad_options_with_exit_2(roster_url, extra, shown):
    result = _report(roster_url, *extra)
    assert result.exit_code == 2
    assert shown in result.stderr


def test_cli_refuses_a_bad_rules_file(roster_url, tmp_path, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text("[closed_cell]\nseverity = 'fatal'\n", encoding="utf-8")
    monkeypatch.setenv(RULES_ENV, str(bad))
    result = _report(roster_url)
    assert result.exit_code == 2
    assert "'fatal'" in result.stderr and "bad.toml" in result.stderr
