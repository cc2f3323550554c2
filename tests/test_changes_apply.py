"""Change sets applied: each operation, composed in order, all or nothing.

Two managers on separate connections: ``test_changes_preview.py``.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from twonet import changes
from twonet.change_plan import read_plan
from twonet.db import assignment_store as store
from twonet.db.models import AuditLog, ChangeSet
from twonet.errors import AssignmentConflictError, ChangeSetError

V1, V2, V3 = "370211001001", "370211001002", "370211001003"


def _now_assigned(bind) -> set[tuple[str, str, str]]:
    frame = store.assignments_as_of(bind)
    return set(frame[["staff_id", "cell_code", "duty"]].itertuples(index=False))


def _draft(*items, reason="调整"):
    return changes.change_set_from_dict({"reason": reason, "changes": list(items)})


def _counts(bind) -> tuple[int, int]:
    return (
        bind.execute(select(func.count()).select_from(ChangeSet)).scalar_one(),
        bind.execute(select(func.count()).select_from(AuditLog)).scalar_one(),
    )


@pytest.fixture()
def grid_db(db, staffed_grid):
    staffed_grid(db)
    return db


@pytest.mark.parametrize(
    ("change", "gone", "added"),
    [
        (
            {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "协管员"},
            {("A3", V2, "assistant")},
            {("A3", V3, "assistant")},
        ),
        (
            {
                "op": "swap",
                "staff_id": "A1",
                "cell": V1,
                "other_staff_id": "A3",
                "other_cell": V2,
                "duty": "assistant",
            },
            {("A1", V1, "assistant"), ("A3", V2, "assistant")},
            {("A1", V2, "assistant"), ("A3", V1, "assistant")},
        ),
        (
            {"op": "add", "staff_id": "A3", "cell": V3, "duty": "assistant"},
            set(),
            {("A3", V3, "assistant")},
        ),
        (
            {"op": "remove", "staff_id": "A2", "cell": V1, "duty": "assistant"},
            {("A2", V1, "assistant")},
            set(),
        ),
        (
            {
                "op": "bulk",
                "under": "370211001",
                "duty": "协管员",
                "to": "A3",
                "from": "A1",
            },
            {("A1", V1, "assistant")},
            {("A3", V1, "assistant"), ("A3", V3, "assistant")},
        ),
        (
            {
                "op": "批量",
                "under": "370211001",
                "level": "村",
                "duty": "协管员",
                "to": "A3",
            },
            {("A1", V1, "assistant"), ("A2", V1, "assistant")},
            {("A3", V1, "assistant"), ("A3", V3, "assistant")},
        ),
    ],
    ids=["move", "swap", "add", "remove", "bulk-from", "bulk-anyone"],
)
def test_each_operation_changes_exactly_its_assignments(grid_db, change, gone, added):
    before = _now_assigned(grid_db)
    change_set_id = changes.apply(grid_db, _draft(change), actor="王经理")
    assert _now_assigned(grid_db) == (before - gone) | added
    log = store.audit_rows(grid_db, change_set_id=change_set_id)
    assert len(log) == len(gone) + len(added)
    assert set(log["action"]) == {"bulk" if change["op"] == "批量" else change["op"]}
    assert set(log["actor"]) == {"王经理"}
    closed = [b for b in log["before"] if b is not None]
    assert {(b["staff_id"], b["cell_code"], b["duty"]) for b in closed} == gone
    assert all(a["closed_by"] == change_set_id for a in log["after"] if a["valid_to"])


def test_history_is_kept_and_the_old_state_answers_for_yesterday(grid_db):
    move = {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "assistant"}
    changes.apply(grid_db, _draft(move), actor="王经理")
    yesterday = dt.date.today() - dt.timedelta(days=1)
    past = store.assignments_as_of(grid_db, yesterday, staff=["A3"])
    assert past["cell_code"].tolist() == [V2]


def test_changes_compose_in_order_and_cancel_out(grid_db):
    before = _now_assigned(grid_db)
    draft = _draft(
        {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "assistant"},
        {"op": "move", "staff_id": "A3", "from": V3, "to": V2, "duty": "assistant"},
        {"op": "add", "staff_id": "A1", "cell": V3, "duty": "assistant"},
    )
    change_set_id = changes.apply(grid_db, draft, actor="王经理")
    assert _now_assigned(grid_db) == before | {("A1", V3, "assistant")}
    assert len(store.audit_rows(grid_db, change_set_id=change_set_id)) == 1


def test_every_problem_is_named_with_its_line_and_nothing_is_written(grid_db):
    before, counts = _now_assigned(grid_db), _counts(grid_db)
    draft = _draft(
        {"op": "add", "staff_id": "NOBODY", "cell": V3, "duty": "assistant"},
        {"op": "add", "staff_id": "A3", "cell": "370211001009", "duty": "assistant"},
        {"op": "remove", "staff_id": "A3", "cell": V1, "duty": "assistant"},
        {"op": "add", "staff_id": "A1", "cell": V1, "duty": "assistant"},
        {"op": "add", "staff_id": "A4", "cell": V3, "duty": "assistant"},
        {"op": "bulk", "under": "370299", "duty": "assistant", "to": "A3"},
    )
    with pytest.raises(ChangeSetError) as caught:
        changes.apply(grid_db, draft, actor="王经理")
    message = str(caught.value)
    for expected in (
        "change 1 (add): unknown person 'NOBODY'",
        "change 2 (add): unknown cell 370211001009",
        f"change 3 (remove): A3 holds no 协管员 assistant assignment in cell {V1}",
        f"change 4 (add): A1 already holds 协管员 assistant in cell {V1}",
        "change 5 (add): person A4 (赵四) is not active on",
        "change 6 (bulk): unknown cell 370299",
        "第 5 项变更（add）：人员 A4（赵四）在",
    ):
        assert expected in message
    assert _now_assigned(grid_db) == before
    assert _counts(grid_db) == counts


def test_a_change_set_is_applied_whole_or_not_at_all(grid_db):
    before, counts = _now_assigned(grid_db), _counts(grid_db)
    draft = _draft(
        {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "assistant"},
        {"op": "remove", "staff_id": "A2", "cell": V1, "duty": "assistant"},
    )
    stale = {**read_plan(grid_db, draft).versions, V1: 7}  # V1 never had version 7
    with pytest.raises(AssignmentConflictError, match=V1):
        changes.apply(grid_db, draft, actor="王经理", versions=stale)
    assert _now_assigned(grid_db) == before
    assert _counts(grid_db) == counts
    assert store.cell_versions(grid_db, [V1, V2, V3]) == {V1: 0, V2: 0, V3: 0}


def test_an_actor_is_required_and_a_change_must_change_something(grid_db):
    move = {"op": "move", "staff_id": "A3", "from": V2, "to": V3, "duty": "assistant"}
    with pytest.raises(ChangeSetError, match="actor"):
        changes.apply(grid_db, _draft(move), actor=" ")
    nothing = {"op": "bulk", "under": "370211001", "duty": "assistant", "to": "A3"}
    changes.apply(grid_db, _draft(nothing), actor="王经理")
    with pytest.raises(ChangeSetError, match="changes no assignment"):
        changes.apply(grid_db, _draft(nothing), actor="王经理")
