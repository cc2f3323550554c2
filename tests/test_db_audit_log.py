"""The audit log is append-only in the database itself, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError

from twonet.db.models import AuditLog, ChangeSet


def _one_entry(db) -> int:
    now = dt.datetime(2026, 12, 2, 9, 0)
    change_set = db.execute(
        insert(ChangeSet).values(
            created_at=now, actor="王经理", reason="调整", kind="change", changes=[]
        )
    ).inserted_primary_key[0]
    return db.execute(
        insert(AuditLog).values(
            change_set_id=change_set,
            at=now,
            actor="王经理",
            action="add",
            cell_code="370211001001",
            staff_id="S001",
            after={"duty": "assistant"},
        )
    ).inserted_primary_key[0]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'someone else' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ],
    ids=["update", "delete"],
)
def test_the_audit_log_refuses_to_be_rewritten(db, statement):
    entry = _one_entry(db)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text(statement), {"id": entry})
    kept = db.execute(text("SELECT actor FROM audit_log WHERE id = :id"), {"id": entry})
    assert kept.scalar_one() == "王经理"
