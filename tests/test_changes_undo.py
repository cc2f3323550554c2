"""Undo: a new change set restoring the state before, refused after a later change."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from twonet import changes
from twonet.db import assignment_store as store
from twonet.errors import ChangeSetError

V1, V2, V3 = "370211001001", "370211001002", "370211001003"
MOVE = {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "assistant"}
SWAP = {
    "op": "swap",
    "staff_id": "A1",
    "cell": V1,
    "other_staff_id": "A3",
    "other_cell": V2,
    "duty": "assistant",
}
BULK = {
    "op": "bulk",
    "under": "370211",
    "level": "village",
    "duty": "assistant",
    "to": "A3",
}


@pytest.fixture()
def grid_db(db, staffed_grid):
    staffed_grid(db)
    return db


def _draft(*items, effective=None):
    data = {"reason": "调整", "changes": list(items)}
    if effective is not None:
        data["effective"] = effective.isoformat()
    return changes.change_set_from_dict(data)


def _state(bind, day=None) -> pd.DataFrame:
    """Assignments valid on a day, without ids or who wrote them."""
    frame = store.assignments_as_of(bind, day)
    return frame.drop(columns=["id", "change_set_id"]).reset_index(drop=True)


@pytest.mark.parametrize(
    "items",
    [[MOVE], [SWAP], [BULK], [SWAP, {**MOVE, "from": V1}]],
    ids=["move", "swap", "bulk", "swap-then-move"],
)
def test_apply_then_undo_on_the_same_day_leaves_the_assignments_as_before(
    grid_db, items
):
    before = store.assignments_as_of(grid_db)
    change_set_id = changes.apply(grid_db, _draft(*items), actor="王经理")
    assert not _state(grid_db).equals(_state_of(before))
    undo_id = changes.undo(grid_db, change_set_id, actor="李经理", reason="误操作")
    pd.testing.assert_frame_equal(_state(grid_db), _state_of(before))
    # the very rows are back (reopened), not copies of them
    assert store.assignments_as_of(grid_db)["id"].tolist() == before["id"].tolist()
    log = store.audit_rows(grid_db)
    applied = log[log["change_set_id"] == change_set_id]
    undone = log[log["change_set_id"] == undo_id]
    assert len(applied) == len(undone) > 0
    assert set(undone["action"]) == {"undo"}
    assert set(undone["actor"]) == {"李经理"} and set(undone["reason"]) == {"误操作"}


def _state_of(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=["id", "change_set_id"]).reset_index(drop=True)


def test_a_row_opened_and_undone_the_same_day_was_never_in_force(grid_db):
    change_set_id = changes.apply(grid_db, _draft(MOVE), actor="王经理")
    opened = store.assignments_as_of(grid_db, cells=[V3])["id"].tolist()
    changes.undo(grid_db, change_set_id, actor="李经理", reason="误操作")
    log = store.audit_rows(grid_db)
    closing = [a for a in log["after"] if a["id"] in opened and a["valid_to"]]
    assert [(a["valid_from"], a["valid_to"]) for a in closing] == [
        (dt.date.today().isoformat(), dt.date.today().isoformat())
    ]
    assert store.assignments_as_of(grid_db, cells=[V3]).empty


def test_undoing_a_change_of_an_earlier_date_starts_new_rows_today(grid_db):
    earlier = dt.date.today() - dt.timedelta(days=30)
    before = _state(grid_db)
    change_set_id = changes.apply(
        grid_db, _draft(MOVE, effective=earlier), actor="王经理"
    )
    changes.undo(grid_db, change_set_id, actor="李经理", reason="恢复")
    now = _state(grid_db)
    assert set(now[["staff_id", "cell_code", "duty"]].itertuples(index=False)) == set(
        before[["staff_id", "cell_code", "duty"]].itertuples(index=False)
    )
    assert now.loc[now["staff_id"] == "A3", "valid_from"].tolist() == [dt.date.today()]
    # the month in between keeps what was true then
    between = store.assignments_as_of(grid_db, earlier, staff=["A3"])
    assert between["cell_code"].tolist() == [V3]


def test_undo_after_a_later_change_of_the_same_cell_is_refused(grid_db):
    first = changes.apply(grid_db, _draft(MOVE), actor="王经理")
    later_change = {"op": "add", "staff_id": "A1", "cell": V3, "duty": "assistant"}
    later = changes.apply(grid_db, _draft(later_change), actor="李经理")
    state = _state(grid_db)
    with pytest.raises(ChangeSetError) as caught:
        changes.undo(grid_db, first, actor="张主任", reason="撤回")
    message = str(caught.value)
    assert f"cell {V3} was changed again by 李经理" in message
    assert f"(change set {later})" in message and f"网格 {V3}" in message
    pd.testing.assert_frame_equal(_state(grid_db), state)
    assert changes.change_log(grid_db)["undone_by"].isna().all()


def test_a_change_set_is_undone_once(grid_db):
    change_set_id = changes.apply(grid_db, _draft(MOVE), actor="王经理")
    undo_id = changes.undo(grid_db, change_set_id, actor="李经理", reason="误操作")
    with pytest.raises(ChangeSetError, match=f"already undone by 李经理 .*{undo_id}"):
        changes.undo(grid_db, change_set_id, actor="李经理", reason="再次")
    with pytest.raises(ChangeSetError, match="no change set 999"):
        changes.undo(grid_db, 999, actor="李经理", reason="?")


def test_an_undo_can_be_undone_and_the_change_is_back(grid_db):
    change_set_id = changes.apply(grid_db, _draft(SWAP), actor="王经理")
    changed = _state(grid_db)
    undo_id = changes.undo(grid_db, change_set_id, actor="李经理", reason="误操作")
    changes.undo(grid_db, undo_id, actor="王经理", reason="还是要调")
    assert set(_state(grid_db).itertuples(index=False)) == set(
        changed.itertuples(index=False)
    )


def test_the_log_lists_who_when_why_and_what(grid_db):
    draft = _draft(SWAP, {**MOVE, "from": V1})  # A3: V2 → V1 → V3
    change_set_id = changes.apply(grid_db, draft, actor="王经理")
    undo_id = changes.undo(grid_db, change_set_id, actor="李经理", reason="误操作")
    log = changes.change_log(grid_db, limit=5)
    assert log["id"].tolist()[:2] == [undo_id, change_set_id]
    undo, change = log.iloc[0], log.iloc[1]
    assert (change["actor"], change["kind"], change["reason"]) == (
        "王经理",
        "change",
        "调整",
    )
    assert change["ops"] == "swap×1 move×1"
    assert (change["steps"], change["cells"], change["undone_by"]) == (4, 3, undo_id)
    assert (undo["kind"], undo["undoes_id"], undo["steps"]) == (
        "undo",
        change_set_id,
        4,
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".geojson"])
def test_apply_then_undo_leaves_the_assignment_export_byte_identical(
    grid_db, tmp_path, suffix
):
    from twonet.staff_exports import assignments_frame, write_assignments

    def export(name):
        path = tmp_path / f"{name}{suffix}"
        geometry = suffix == ".geojson"
        write_assignments(assignments_frame(grid_db, with_geometry=geometry), path)
        return path.read_bytes()

    before = export("before")
    applied = changes.apply(grid_db, _draft(SWAP), actor="王经理")
    assert export("applied") != before
    undone = changes.undo(grid_db, applied, actor="王经理", reason="撤回")
    assert export("after") == before
    logged = store.audit_rows(grid_db)
    assert {applied, undone} <= set(logged["change_set_id"])
    assert set(logged.loc[logged["change_set_id"] == undone, "action"]) == {"undo"}
