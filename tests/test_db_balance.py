"""The balancing problem of a tiny county read from the database (both backends).

The synthetic grid's 黄岛区 (370211): townships 001 and 002, two villages each
in a 2 × 2 block (each touches the three others, one of them by a corner),
and 370211001003 without geometry.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from grid.errors import BalanceError
from twonet.balance import (
    balance_county,
    change_set_document,
    county_problem,
    write_change_set,
)
from twonet.cli import app
from twonet.db import repository as repo
from twonet.db.engine import get_engine
from twonet.db.models import Assignment, Employer, Staff

pytestmark = pytest.mark.db

AS_OF = dt.date(2025, 1, 1)
NOW = dt.datetime(2024, 6, 1)
V11, V12, V13 = "370211001001", "370211001002", "370211001003"
V21, V22 = "370211002001", "370211002002"


def _person(staff_id, kind, unit, home=(None, None), active_to=None):
    return {
        "staff_id": staff_id,
        "name": staff_id,
        "kind": kind,
        "unit_code": unit,
        "home_lon": home[0],
        "home_lat": home[1],
        "active_from": dt.date(2024, 1, 1),
        "active_to": active_to,
        "content_hash": "0" * 16,
        "first_seen": NOW,
        "last_changed": NOW,
    }


def _job(staff_id, cell, duty="assistant"):
    return {
        "staff_id": staff_id,
        "cell_code": cell,
        "duty": duty,
        "valid_from": dt.date(2024, 1, 1),
        "created_at": NOW,
    }


def _employer(number, village, staff, required, signed, insured):
    return {
        "uscc": f"91370211MA{number:08d}",
        "name": f"单位{number}",
        "method": "coordinates",
        "content_hash": "0" * 16,
        "location_hash": "0" * 16,
        "first_seen": NOW,
        "last_changed": NOW,
        "county_code": "370211",
        "township_code": village[:9],
        "village_code": village,
        "staff": staff,
        "contracts_required": required,
        "contracts_signed": signed,
        "insured": insured,
    }


def _fill(db, cells):
    repo.save_cells(db, cells)
    db.execute(
        insert(Staff),
        [
            _person("X1", "assistant", "370211001", home=(120.05, 36.05)),
            _person("X2", "assistant", "370211"),  # no home: the county's point
            _person("X3", "assistant", "370212001"),  # another county
            _person("X4", "assistant", "370211002", active_to=dt.date(2024, 6, 30)),
            _person("J1", "inspector", "370211"),
        ],
    )
    db.execute(
        insert(Assignment),
        [
            _job("X1", V11),
            _job("X2", V12),
            _job("X2", V21),
            _job("X3", V21),
            _job("X4", V22),
            _job("J1", "370211001", "responsible"),
        ],
    )
    db.execute(
        insert(Employer),
        [
            _employer(1, V11, 10, 10, 5, 10),
            _employer(2, V11, 20, 20, 20, 10),
            _employer(3, V11, None, None, None, None),
            _employer(4, V21, 4, 4, 4, 4),
        ],
    )


@pytest.fixture()
def county(db, synthetic_cells):
    _fill(db, synthetic_cells)
    return db


@pytest.fixture()
def county_url(backend_name, migrated_database, synthetic_cells):
    """A database of its own (the CLI opens its own connections)."""
    with migrated_database(backend_name, "balance") as url:
        engine = get_engine(url)
        try:
            with engine.begin() as connection:
                _fill(connection, synthetic_cells)
        finally:
            engine.dispose()
        yield url


def test_the_problem_of_a_county(county):
    problem = county_problem(county, "370211", as_of=AS_OF, candidates=None)
    cells = problem.cells.set_index("code")
    assert list(cells.index) == [V11, V12, V13, V21, V22]
    assert cells.loc[V11, "neighbours"] == [V12, V21, V22]
    assert cells.loc[V22, "neighbours"] == [V11, V12, V21]
    assert cells.loc[V13, "neighbours"] == []
    assert math.isnan(cells.loc[V13, "lon"])
    assert cells["load"].tolist() == [3, 0, 0, 1, 0]
    # X3 (another county) keeps V21 and counts there; X4 is no longer active
    assert cells["fixed"].tolist() == [0, 0, 0, 1, 0]
    assert list(problem.people["staff_id"]) == ["X1", "X2"]
    x2 = problem.people.set_index("staff_id").loc["X2"]
    assert 120.0 < x2["lon"] < 120.2 and 36.0 < x2["lat"] < 36.2
    jobs = sorted(map(tuple, problem.assignments.to_numpy().tolist()))
    assert jobs == [("X1", V11), ("X2", V12), ("X2", V21)]
    index = problem.index
    assert index.need.tolist() == [2, 2, 2, 2, 2]
    assert index.now.tolist() == [1, 1, 0, 2, 0]
    assert index.max_cells.tolist() == [3, 3]  # the assistants' default
    assert problem.duty == "assistant" and problem.contiguous


def test_loads_by_workers_and_risk(county):
    def loads(by):
        problem = county_problem(county, "370211", as_of=AS_OF, by=by)
        return problem.cells["load"].tolist()

    assert loads("workers") == [30, 0, 0, 4, 0]
    # V11: 1 + 0.5 + 0 (half the contracts missing), 1 + 0 + 0.5 (half
    # uninsured), 1 (nothing known); V21: 1
    assert loads("risk") == [4.0, 0, 0, 1, 0]


def test_the_responsible_duty_balances_townships(county):
    problem = county_problem(county, "370211", as_of=AS_OF, duty="responsible")
    assert list(problem.cells["code"]) == ["370211001", "370211002"]
    assert list(problem.people["staff_id"]) == ["J1"]
    assert problem.cells["load"].tolist() == [3, 1]
    assert problem.index.need.tolist() == [1, 1]


def test_unknown_county_or_duty_is_refused(county):
    with pytest.raises(BalanceError, match="370299"):
        county_problem(county, "370299", as_of=AS_OF)
    with pytest.raises(BalanceError, match="liaison"):
        county_problem(county, "370211", as_of=AS_OF, duty="liaison")


def test_both_solvers_and_the_change_set_file(county, tmp_path):
    balance = balance_county(county, "370211", as_of=AS_OF, time_limit=1.0)
    for result in (balance.cp_sat, balance.greedy):
        assert result.after.max_load <= result.before.max_load
        assert set(result.assignments["cell_code"]) <= {V11, V12, V13, V21, V22}
    # CP-SAT fills the cells short of assistants as far as two people can
    assert balance.cp_sat.after.shortfall < balance.cp_sat.before.shortfall
    document = change_set_document(balance, effective=AS_OF)
    assert document["effective"] == "2025-01-01"
    assert document["changes"] == balance.chosen.changes
    assert {c["duty"] for c in document["changes"]} == {"assistant"}
    path = write_change_set(document, tmp_path / "changes.json")
    assert json.loads(path.read_text(encoding="utf-8")) == document


def test_the_command_prints_both_solvers_and_writes_the_change_set(
    county_url, tmp_path
):
    out = tmp_path / "changes.json"
    command = ["balance", "--county", "370211", "--as-of", "2025-01-01"]
    options = ["--db", county_url, "--time-limit", "1", "--out", str(out)]
    done = CliRunner().invoke(app, [*command, *options, "--by", "workers"])
    assert done.exit_code == 0, done.output
    for label in ("现状 / before", "CP-SAT", "贪心 / greedy", "max/min"):
        assert label in done.output
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["effective"] == "2025-01-01"
    assert document["changes"]
    refused = CliRunner().invoke(app, ["balance", "--county", "370299", *options])
    assert refused.exit_code == 2
    assert "370299" in refused.output
