"""Hotspot queries and ``twonet hotspots`` on both databases.

The synthetic grid (tests/conftest.py): 黄岛区 370211 has townships 001 and
002; villages 370211001001, 370211001002, 370211002001, 370211002002.
Employers and records are inserted directly (the records import is
another module's job).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from record_rows import TO, V11, V12, V21, fill_small_history
from typer.testing import CliRunner

from grid.errors import HotspotError
from twonet.cli import app
from twonet.db import hotspot_queries as hq
from twonet.db.engine import get_engine
from twonet.hotspots import hotspot_report, make_query, report_records

pytestmark = pytest.mark.db


@pytest.fixture()
def records(db, synthetic_cells):
    fill_small_history(db, synthetic_cells)
    return db


def test_violations_are_counted_in_their_employers_cells(records):
    frame = hq.violation_counts(records, "village", date_from=dt.date(2024, 1, 1))
    assert dict(zip(frame["cell_code"], frame["violations"], strict=True)) == {
        V11: 3,
        V21: 1,
    }
    arrears = hq.violation_counts(records, "township", types=["wage_arrears"])
    assert arrears.to_dict("records") == [{"cell_code": "370211001", "violations": 3}]
    days = hq.violation_days(records, "county", date_to=dt.date(2024, 3, 1))
    assert days.to_dict("records") == [
        {"cell_code": "370211", "found_on": dt.date(2023, 12, 31), "violations": 1},
        {"cell_code": "370211", "found_on": dt.date(2024, 3, 1), "violations": 2},
    ]
    assert hq.unplaced_violations(records) == 1
    assert hq.unplaced_violations(records, types=["no_contract"]) == 0


def test_coverage_is_the_share_inspected_in_the_last_twelve_months(records):
    frame = hq.employer_coverage(records, "village", as_of=TO).set_index("cell_code")
    assert frame.loc[V11, ["employers", "inspected"]].tolist() == [2, 1]
    assert frame.loc[V11, "coverage"] == 0.5
    assert frame.loc[V12, "inspected"] == 0  # 2023-12-31 is a year and a day back
    assert frame.loc[V21, "inspected"] == 0  # after the date


def test_points_are_the_employers_locations(records):
    points = hq.violation_points(records, "village", types=["wage_arrears"])
    assert points["record_id"].tolist() == ["V1", "V2", "V4"]
    assert points.crs.to_epsg() == 4326 and points.geometry.x.iloc[0] == 120.05


def test_the_report_has_a_row_per_cell(records):
    query = make_query("村", types=["拖欠工资", "no_contract"], date_to=TO)
    assert query.types == ("wage_arrears", "no_contract")
    report = hotspot_report(records, query, permutations=99).set_index("cell_code")
    assert report.loc[V11, ["violations", "employers"]].tolist() == [2, 2]
    assert report.loc["370211002002", "class"] == "no_employers"
    rows = report_records(report.reset_index())
    assert {"cell_code", "rate", "smoothed_rate", "z", "p", "p_fdr", "class"} <= set(
        rows[0]
    )


def test_bad_queries_are_refused_in_both_languages():
    with pytest.raises(HotspotError, match="unknown violation type 'theft'"):
        make_query("village", types=["theft"])
    with pytest.raises(HotspotError, match="after --to"):
        make_query("village", date_from=dt.date(2025, 1, 2), date_to=TO)


@pytest.fixture()
def records_url(backend_name, migrated_database, synthetic_cells):
    """A database of its own (the CLI opens its own connections)."""
    with migrated_database(backend_name, "hotspots") as url:
        engine = get_engine(url)
        try:
            with engine.begin() as connection:
                fill_small_history(connection, synthetic_cells)
        finally:
            engine.dispose()
        yield url


def test_the_cli_writes_json_rows(records_url):
    result = CliRunner().invoke(
        app,
        [
            "hotspots",
            "--level",
            "village",
            "--to",
            "2024-12-31",
            "--format",
            "json",
            "--emerging",
            "--permutations",
            "99",
            "--db",
            records_url,
        ],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    by_code = {row["cell_code"]: row for row in rows}
    assert by_code[V11]["violations"] == 3 and by_code[V11]["employers"] == 2
    for key in ("rate", "smoothed_rate", "z", "p", "p_fdr", "significant"):
        assert key in by_code[V11]
    assert by_code[V11]["class"] in {"not_significant", "no_neighbours"}
    assert "trend" in by_code[V11] and by_code[V11]["explanation_zh"].startswith(
        "黄岛区"
    )


def test_the_cli_refuses_an_unknown_type(records_url):
    result = CliRunner().invoke(
        app, ["hotspots", "--level", "village", "--type", "theft", "--db", records_url]
    )
    assert result.exit_code == 2
    assert "theft" in result.output and "Traceback" not in result.output


def test_the_cli_prints_a_table_and_writes_xlsx(records_url, tmp_path):
    runner = CliRunner()
    args = ["hotspots", "--level", "township", "--permutations", "99"]
    result = runner.invoke(app, [*args, "--db", records_url])
    assert result.exit_code == 0, result.output
    assert "违法热点 / violation hotspots" in result.output
    out = tmp_path / "hot.xlsx"
    result = runner.invoke(app, [*args, "--out", str(out), "--db", records_url])
    assert result.exit_code == 0, result.output
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert sheet.title == "违法热点"
    assert sheet.cell(1, 1).value == "网格编码 / cell_code"
    assert sheet.max_row == 5  # header + four townships
