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
from sqlalchemy import insert
from typer.testing import CliRunner

from grid.errors import HotspotError
from twonet.cli import app
from twonet.db import hotspot_queries as hq
from twonet.db import repository as repo
from twonet.db.engine import get_engine
from twonet.db.models import Employer, Inspection, Violation
from twonet.hotspots import hotspot_report, make_query, report_records

pytestmark = pytest.mark.db

NOW = dt.datetime(2025, 1, 1)
V11, V12, V21 = "370211001001", "370211001002", "370211002001"
TO = dt.date(2024, 12, 31)


def _employer(number: int, village: str, lon: float | None = 120.05) -> dict:
    return {
        "uscc": f"91370211MA{number:08d}",
        "name": f"单位{number}",
        "method": "coordinates",
        "content_hash": "0" * 16,
        "location_hash": "0" * 16,
        "first_seen": NOW,
        "last_changed": NOW,
        "city_code": "370200",
        "county_code": village[:6],
        "township_code": village[:9],
        "village_code": village,
        "lon": lon,
        "lat": 36.05 if lon is not None else None,
    }


def _record(record_id: str, employer: int | None) -> dict:
    uscc = f"91370211MA{employer:08d}" if employer is not None else None
    return {
        "record_id": record_id,
        "uscc": uscc,
        "employer_uscc": uscc,
        "content_hash": "0" * 16,
        "first_seen": NOW,
        "last_changed": NOW,
    }


def _violation(record_id: str, employer: int | None, kind: str, found: str) -> dict:
    found_on = dt.date.fromisoformat(found)
    return {**_record(record_id, employer), "type": kind, "found_on": found_on}


def _inspection(record_id: str, employer: int, day: str) -> dict:
    on = dt.date.fromisoformat(day)
    return {**_record(record_id, employer), "inspected_on": on, "kind": "patrol"}


def _fill(connection, cells) -> None:
    repo.save_cells(connection, cells)
    connection.execute(
        insert(Employer),
        [
            _employer(1, V11),
            _employer(2, V11, lon=None),  # no coordinates: no point
            _employer(3, V12),
            _employer(4, V21),
        ],
    )
    connection.execute(
        insert(Violation),
        [
            _violation("V1", 1, "wage_arrears", "2024-03-01"),
            _violation("V2", 1, "wage_arrears", "2024-03-01"),
            _violation("V3", 2, "child_labour", "2024-11-30"),
            _violation("V4", 3, "wage_arrears", "2023-12-31"),  # before --from
            _violation("V5", 4, "no_contract", "2024-06-15"),
            _violation("V6", None, "wage_arrears", "2024-05-01"),  # unmatched
        ],
    )
    connection.execute(
        insert(Inspection),
        [
            _inspection("I1", 1, "2024-01-01"),  # inside the 12 months
            _inspection("I2", 1, "2024-05-01"),  # the same employer again
            _inspection("I3", 3, "2023-12-31"),  # the first day outside
            _inspection("I4", 4, "2025-01-01"),  # after --to
        ],
    )


@pytest.fixture()
def records(db, synthetic_cells):
    _fill(db, synthetic_cells)
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
                _fill(connection, synthetic_cells)
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
