"""Change set preview: cells and people before and after, nothing written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from twonet import changes
from twonet.cli import app
from twonet.db import assignment_store as store
from twonet.db.engine import get_engine
from twonet.db.models import ChangeSet
from twonet.errors import AssignmentConflictError

V1, V2, V3 = "370211001001", "370211001002", "370211001003"
runner = CliRunner()


@pytest.fixture()
def grid_db(db, staffed_grid):
    staffed_grid(db)
    return db


def _draft(*items):
    return changes.change_set_from_dict({"reason": "调整", "changes": list(items)})


def test_a_move_shows_each_cell_and_person_before_and_after(grid_db):
    move = {"op": "move", "staff_id": "A2", "from": V1, "to": V2, "duty": "协管员"}
    before = store.assignments_as_of(grid_db)
    shown = changes.preview(grid_db, _draft(move))
    assert store.assignments_as_of(grid_db).equals(before)
    assert shown.steps[["op", "action", "staff_id", "cell_code"]].values.tolist() == [
        ["move", "close", "A2", V1],
        ["move", "open", "A2", V2],
    ]
    cells = shown.cells.set_index("cell_code")
    assert cells.loc[V1, "staff_before"] == "协管员 assistant: 张一 A1、李二 A2"
    assert cells.loc[V1, "staff_after"] == "协管员 assistant: 张一 A1"
    assert cells.loc[V2, "staff_after"] == "协管员 assistant: 李二 A2、王三 A3"
    assert (cells.loc[V1, "status_before"], cells.loc[V1, "status_after"]) == (
        "full",
        "under",
    )
    assert (cells.loc[V2, "status_before"], cells.loc[V2, "status_after"]) == (
        "under",
        "full",
    )
    assert (cells.loc[V1, "breaches_before"], cells.loc[V1, "breaches_after"]) == (0, 1)
    assert (cells.loc[V2, "breaches_before"], cells.loc[V2, "breaches_after"]) == (1, 0)
    assert "协管员" in cells.loc[V1, "messages_after"][0]
    assert (cells.loc[V1, "employers"], cells.loc[V1, "workers"]) == (0, 0)
    person = shown.people.set_index("staff_id").loc["A2"]
    assert (person["name"], person["cells_before"], person["cells_after"]) == (
        "李二",
        1,
        1,
    )
    breaches = shown.breaches.set_index(["rule", "cell_code"])["change"]
    assert breaches[("assistants_per_village", V1)] == "new"
    assert breaches[("assistants_per_village", V2)] == "resolved"
    assert shown.versions == {V1: 0, V2: 0}


def test_a_person_sent_outside_their_county_is_a_new_breach(grid_db):
    add = {"op": "add", "staff_id": "A5", "cell": V3, "duty": "assistant"}
    shown = changes.preview(grid_db, _draft(add))
    found = shown.breaches[shown.breaches["rule"] == "within_own_county"]
    assert found[["change", "staff_id", "cell_code"]].values.tolist() == [
        ["new", "A5", V3]
    ]
    person = shown.people.set_index("staff_id").loc["A5"]
    assert (person["breaches_before"], person["breaches_after"]) == (0, 1)
    assert json.loads(json.dumps(shown.to_dict()))["versions"] == {V3: 0}


def test_a_change_touching_no_breach_lists_none(grid_db):
    # V1 is fully staffed and A3 carries no load: no breach before or after
    add = {"op": "add", "staff_id": "A3", "cell": V1, "duty": "协管员"}
    shown = changes.preview(grid_db, _draft(add))
    assert shown.breaches.empty
    assert shown.cells.set_index("cell_code").loc[V1, "breaches_after"] == 0


def test_the_second_of_two_managers_who_previewed_gets_a_conflict(
    backend_name, migrated_database, staffed_grid
):
    with migrated_database(backend_name, "changes_preview_managers") as url:
        first, second = get_engine(url), get_engine(url)
        try:
            staffed_grid(first)
            mine = _draft(
                {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "协管员"}
            )
            theirs = _draft(
                {"op": "remove", "staff_id": "A3", "cell": V2, "duty": "协管员"}
            )
            seen_first = changes.preview(first, mine).versions
            seen_second = changes.preview(second, theirs).versions
            changes.apply(first, mine, actor="经理甲", versions=seen_first)
            with pytest.raises(AssignmentConflictError, match=f"{V2}.*经理甲"):
                changes.apply(second, theirs, actor="经理乙", versions=seen_second)
            with second.connect() as connection:
                count = select(func.count()).select_from(ChangeSet)
                assert connection.execute(count).scalar_one() == 1
        finally:
            first.dispose()
            second.dispose()


def test_the_commands_preview_apply_log_and_undo(
    backend_name, migrated_database, staffed_grid, tmp_path
):
    file = tmp_path / "changes.csv"
    file.write_text(
        "操作,人员编号,原网格,新网格,职责,原因\n调动,A2,370211001001,370211001002,协管员,均衡\n",
        encoding="utf-8-sig",
    )
    with migrated_database(backend_name, "changes_cli") as url:
        engine = get_engine(url)
        try:
            staffed_grid(engine)
        finally:
            engine.dispose()
        shown = runner.invoke(app, ["changes", "preview", str(file), "--db", url])
        assert shown.exit_code == 0, shown.output
        assert "李二" in shown.output and "full → under" in shown.output
        data = runner.invoke(
            app, ["changes", "preview", str(file), "--db", url, "--format", "json"]
        )
        assert data.exit_code == 0, data.output
        assert json.loads(data.stdout)["versions"] == {V1: 0, V2: 0}
        refused = runner.invoke(app, ["changes", "apply", str(file), "--db", url])
        assert refused.exit_code != 0
        applied = runner.invoke(
            app, ["changes", "apply", str(file), "--db", url, "--actor", "王经理"]
        )
        assert applied.exit_code == 0, applied.output
        assert "applied change set 1: 2" in applied.output
        again = runner.invoke(
            app, ["changes", "apply", str(file), "--db", url, "--actor", "王经理"]
        )
        assert again.exit_code == 2
        assert "A2 holds no 协管员 assistant assignment" in again.output
        undone = runner.invoke(
            app, ["changes", "undo", "1", "--db", url, "--actor", "李经理"]
        )
        assert undone.exit_code == 0, undone.output
        log = runner.invoke(app, ["changes", "log", "--db", url, "--format", "json"])
        assert log.exit_code == 0, log.output
        entries = json.loads(log.stdout)
        # ids: PostgreSQL's sequence is not rolled back with the refused apply
        assert [(e["kind"], e["actor"], e["reason"]) for e in entries] == [
            ("undo", "李经理", "撤销变更集 1 / undo change set 1"),
            ("change", "王经理", "均衡"),
        ]
        assert entries[1]["id"] == entries[0]["undoes_id"] == 1
        assert entries[1]["undone_by"] == entries[0]["id"]
        assert (entries[1]["ops"], entries[1]["steps"]) == ("move×1", 2)
