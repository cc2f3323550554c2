"""Assignment storage primitives: versions, conflicts, history kept."""

from __future__ import annotations

import datetime as dt

import pytest

from twonet.db import assignment_store as store
from twonet.errors import AssignmentConflictError

NOW = dt.datetime(2026, 12, 2, 9, 30)
CELL = "370211001001"


def _change_set(db, actor="王经理"):
    return store.begin_change_set(
        db, actor=actor, reason="测试", kind="change", changes=[], now=NOW
    )


def test_a_cell_moves_one_version_at_a_time(db):
    assert store.cell_versions(db, [CELL]) == {CELL: 0}
    store.claim_cells(
        db, {CELL: 0}, actor="王经理", change_set_id=_change_set(db), now=NOW
    )
    store.claim_cells(
        db, {CELL: 1}, actor="李经理", change_set_id=_change_set(db), now=NOW
    )
    assert store.cell_versions(db, [CELL]) == {CELL: 2}


@pytest.mark.parametrize("seen", [0, 1], ids=["new cell", "written cell"])
def test_a_stale_version_is_a_conflict_naming_the_cell_and_who(db, seen):
    first = _change_set(db)
    store.claim_cells(db, {CELL: 0}, actor="王经理", change_set_id=first, now=NOW)
    if seen:
        store.claim_cells(db, {CELL: 1}, actor="王经理", change_set_id=first, now=NOW)
    with pytest.raises(AssignmentConflictError, match=f"{CELL}.*王经理"):
        store.claim_cells(
            db, {CELL: seen}, actor="李经理", change_set_id=_change_set(db), now=NOW
        )
    assert store.cell_versions(db, [CELL]) == {CELL: 1 + seen}


def test_closing_keeps_the_row_and_answers_for_past_dates(db):
    change = _change_set(db)
    kept = store.open_assignment(
        db,
        staff_id="S001",
        cell_code=CELL,
        duty="assistant",
        valid_from=dt.date(2025, 1, 1),
        change_set_id=change,
        now=NOW,
    )
    store.close_assignment(db, kept, valid_to=dt.date(2026, 1, 1), change_set_id=change)
    assert store.assignments_as_of(db, dt.date(2026, 1, 1), cells=[CELL]).empty
    past = store.assignments_as_of(db, dt.date(2025, 6, 1), cells=[CELL])
    assert past[["staff_id", "duty"]].values.tolist() == [["S001", "assistant"]]
    assert past["valid_to"].tolist() == [dt.date(2026, 1, 1)]
