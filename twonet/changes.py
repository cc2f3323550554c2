"""Change sets of assignments: read, apply, undo, list.

* :func:`read_change_set` reads a JSON or CSV change set file
  (:mod:`ingest.change_file`).
* :func:`~twonet.change_preview.preview` shows what it would do (re-exported).
* :func:`apply` applies it in **one transaction**: a change set row
  (``kind="change"``), every cell it touches claimed at the version read
  (optimistic locking: a concurrent change is a conflict naming the cell and
  who made it, never a silent overwrite), assignments closed and opened, one
  audit row per step with the row before and after.
* :func:`undo` applies the inverse as a new change set (``kind="undo"``),
  audited the same way, and refuses when a cell was changed since.
* :func:`change_log` lists change sets with their steps and undos.

Dates: a change effective on ``T`` closes assignments with ``valid_to = T``
and opens them from ``T``.  An undo takes effect on ``max(today, T)``; on
``T`` itself it leaves the assignments as they were before the change (a
closed row is reopened, an opened row ends the day it began).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from grid.errors import ChangeSetError
from ingest.change_file import draft_from_dict, read_change_file
from ingest.change_items import ChangeSetDraft
from twonet.change_plan import Plan, plan_in_scope, read_scope
from twonet.change_preview import ChangePreview, preview
from twonet.change_steps import Step
from twonet.db import assignment_store as store
from twonet.db import change_queries as queries
from twonet.db.models import DUTIES
from twonet.db.repository import Bind, transaction

__all__ = [
    "ChangePreview",
    "ChangeSetDraft",
    "apply",
    "change_log",
    "change_set_from_dict",
    "preview",
    "read_change_set",
    "undo",
]


def read_change_set(path: str | Path) -> ChangeSetDraft:
    """Read a change set file (JSON or CSV, see :mod:`ingest.change_file`)."""
    return read_change_file(path, duties=DUTIES)


def change_set_from_dict(data: Any) -> ChangeSetDraft:
    """Build a change set from JSON data (``{"reason", "effective", "changes"}``).

    What the balancer or the app hands over; the same checks as a file.
    """
    return draft_from_dict(data, duties=DUTIES)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _require_actor(actor: str) -> str:
    actor = (actor or "").strip()
    if not actor:
        msg = "须注明操作人 / an actor (who applies the change) is required"
        raise ChangeSetError(msg)
    return actor


def apply(
    bind: Bind,
    change_set: ChangeSetDraft,
    *,
    actor: str,
    versions: Mapping[str, int] | None = None,
) -> int:
    """Apply a change set in one transaction; return its id.

    Parameters
    ----------
    bind : Engine or Connection
        On a connection already in a transaction, a savepoint.
    change_set : ChangeSetDraft
    actor : str
        Who applies it (recorded in the change set and every audit row).
    versions : mapping, optional
        Cell → version read at preview (:attr:`ChangePreview.versions`); a
        cell changed since is a conflict.  Default: read at the start.

    Raises
    ------
    ChangeSetError
        The change set cannot be applied as given (every problem listed).
    AssignmentConflictError
        A cell was changed since its version was read: nothing is written.
    """
    actor = _require_actor(actor)
    now = _now()
    with transaction(bind) as connection:
        effective = change_set.effective or dt.date.today()
        scope = read_scope(connection, change_set, effective)
        seen = store.cell_versions(connection, scope.codes)
        seen.update({c: v for c, v in (versions or {}).items() if c in seen})
        change_set_id = store.begin_change_set(
            connection,
            actor=actor,
            reason=change_set.reason,
            kind="change",
            changes=[{**c.as_dict(), "line": c.line} for c in change_set.changes],
            now=now,
        )
        # claimed before the assignments are read: a concurrent writer of
        # these cells now waits for this transaction, then conflicts
        store.claim_cells(
            connection, seen, actor=actor, change_set_id=change_set_id, now=now
        )
        plan = plan_in_scope(connection, change_set, scope, seen)
        if not plan.steps:
            msg = (
                "变更集不改变任何分配 / the change set changes no assignment "
                f"(effective {plan.effective})"
            )
            raise ChangeSetError(msg)
        for step in plan.steps:
            _do_step(connection, plan, step, change_set_id, actor, now)
    return change_set_id


def _do_step(
    connection: Any,
    plan: Plan,
    step: Step,
    change_set_id: int,
    actor: str,
    now: dt.datetime,
) -> None:
    day = plan.effective
    before: dict[str, Any] | None = None
    if step.row is not None:
        before = dict(step.row)
        store.close_assignment(
            connection, before["id"], valid_to=day, change_set_id=change_set_id
        )
        after = {**before, "valid_to": day, "closed_by": change_set_id}
    else:
        new_id = store.open_assignment(
            connection,
            staff_id=step.staff_id,
            cell_code=step.cell_code,
            duty=step.duty,
            valid_from=day,
            change_set_id=change_set_id,
            now=now,
        )
        after = _row(
            new_id, step.staff_id, step.cell_code, step.duty, day, None, change_set_id
        )
    store.audit(
        connection,
        change_set_id=change_set_id,
        actor=actor,
        reason=plan.draft.reason,
        action=step.op,
        cell_code=step.cell_code,
        staff_id=step.staff_id,
        before=before,
        after=after,
        now=now,
    )


def _row(
    row_id: int,
    staff_id: str,
    cell_code: str,
    duty: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    change_set_id: int,
) -> dict[str, Any]:
    """Return an assignment row as the audit log keeps it (new, not closed)."""
    return {
        "id": row_id,
        "staff_id": staff_id,
        "cell_code": cell_code,
        "duty": duty,
        "valid_from": valid_from,
        "valid_to": valid_to,
        "change_set_id": change_set_id,
        "closed_by": None,
    }


# --------------------------------------------------------------------- undo
def undo(bind: Bind, change_set_id: int, *, actor: str, reason: str) -> int:
    """Undo a change set with a new one (``kind="undo"``); return its id.

    The undo takes effect on ``max(today, T)``, ``T`` the change's date.  On
    ``T`` the assignments end as they were: a row the change closed is
    reopened (``valid_to`` and ``closed_by`` restored), a row it opened ends
    the day it began (kept, never in force).  Later, a closed row is
    followed by a new one from the undo's date, an opened row is closed.

    Raises
    ------
    ChangeSetError
        No such change set, it is an import's, it was undone already, or a
        cell it changed was changed since (named, with the later change set,
        who made it and when).
    AssignmentConflictError
        A cell changed while the undo was being written.
    """
    actor = _require_actor(actor)
    now = _now()
    with transaction(bind) as connection:
        target = _undoable(connection, change_set_id)
        log = store.audit_rows(connection, change_set_id=change_set_id)
        entries: list[tuple[str, Any, Any]] = [
            (str(r["cell_code"]), r["before"], r["after"])
            for r in log.to_dict("records")
        ]
        seen = _unchanged_since(connection, change_set_id, {e[0] for e in entries})
        dates = [_step_date(before, after) for _cell, before, after in entries]
        day = max([dt.date.today(), *dates])
        undo_id = store.begin_change_set(
            connection,
            actor=actor,
            reason=reason,
            kind="undo",
            changes=[
                {
                    "op": "undo",
                    "change_set_id": change_set_id,
                    "effective": day.isoformat(),
                }
            ],
            now=now,
            undoes_id=change_set_id,
        )
        store.claim_cells(connection, seen, actor=actor, change_set_id=undo_id, now=now)
        for cell, before, after in reversed(entries):
            done = _invert(connection, target["id"], before, after, day, undo_id, now)
            if done is not None:
                store.audit(
                    connection,
                    change_set_id=undo_id,
                    actor=actor,
                    reason=reason,
                    action="undo",
                    cell_code=cell,
                    staff_id=(after or before or {}).get("staff_id"),
                    before=done[0],
                    after=done[1],
                    now=now,
                )
    return undo_id


def _undoable(connection: Any, change_set_id: int) -> dict[str, Any]:
    target = queries.change_set_row(connection, change_set_id)
    if target is None:
        msg = f"没有变更集 {change_set_id} / no change set {change_set_id}"
        raise ChangeSetError(msg)
    if target["kind"] not in ("change", "undo"):
        msg = (
            f"变更集 {change_set_id} 来自{target['kind']}，不能撤销（请重新导入）/ "
            f"change set {change_set_id} is an {target['kind']}; it cannot be "
            "undone (import again instead)"
        )
        raise ChangeSetError(msg)
    earlier = queries.undo_of(connection, change_set_id)
    if earlier is not None:
        when = f"{earlier['created_at']:%Y-%m-%d %H:%M}"
        msg = (
            f"变更集 {change_set_id} 已由 {earlier['actor']} 于 {when} 撤销"
            f"（变更集 {earlier['id']}），不能再次撤销 / change set {change_set_id} "
            f"was already undone by {earlier['actor']} at {when} (change set "
            f"{earlier['id']}); it cannot be undone twice"
        )
        raise ChangeSetError(msg)
    return target


def _unchanged_since(
    connection: Any, change_set_id: int, cells: set[str]
) -> dict[str, int]:
    """Return cell → version; refuse when another change set wrote a cell since."""
    rows = queries.cell_version_rows(connection, cells).to_dict("records")
    lines = []
    for row in rows:
        if row["change_set_id"] == change_set_id:
            continue
        when = row["changed_at"]
        when = f"{when:%Y-%m-%d %H:%M}" if isinstance(when, dt.datetime) else "?"
        who, later, cell = row["changed_by"], row["change_set_id"], row["cell_code"]
        lines.append(
            f"网格 {cell} 已由 {who} 于 {when} 以变更集 {later} 再次修改 / "
            f"cell {cell} was changed again by {who} at {when} (change set {later})"
        )
    if lines:
        head = (
            f"变更集 {change_set_id} 之后其网格又有修改，不能撤销 / change set "
            f"{change_set_id} cannot be undone: its cells were changed since"
        )
        raise ChangeSetError("\n".join([head, *lines]))
    return {str(r["cell_code"]): int(r["version"]) for r in rows}


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value)[:10])


def _step_date(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dt.date:
    """Return the date a step took effect (from its audit row)."""
    if before is None:
        return _date(after["valid_from"]) or dt.date.min
    if after["closed_by"] is not None:
        return _date(after["valid_to"]) or dt.date.min
    return _date(before["valid_to"]) or dt.date.min


def _invert(
    connection: Any,
    target_id: int,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    day: dt.date,
    undo_id: int,
    now: dt.datetime,
) -> tuple[dict[str, Any] | None, dict[str, Any]] | None:
    """Undo one audited step on ``day``; return the row before and after."""
    current = dict(after)
    if before is None or before["closed_by"] is not None:
        # opened (or reopened) by the target: end it
        store.close_assignment(
            connection, current["id"], valid_to=day, change_set_id=undo_id
        )
        return current, {**current, "valid_to": day.isoformat(), "closed_by": undo_id}
    if day == _date(after["valid_to"]):
        # closed by the target on this very day: take the closing back
        store.reopen_assignment(
            connection,
            current["id"],
            valid_to=_date(before["valid_to"]),
            closed_by=target_id,
        )
        return current, dict(before)
    ends = _date(before["valid_to"])
    if ends is not None and ends <= day:
        return None  # it would have ended by now anyway
    new_id = store.open_assignment(
        connection,
        staff_id=before["staff_id"],
        cell_code=before["cell_code"],
        duty=before["duty"],
        valid_from=day,
        valid_to=ends,
        change_set_id=undo_id,
        now=now,
    )
    row = _row(
        new_id,
        before["staff_id"],
        before["cell_code"],
        before["duty"],
        day,
        ends,
        undo_id,
    )
    return None, row


# ---------------------------------------------------------------------- log
def change_log(bind: Bind, *, limit: int = 20) -> pd.DataFrame:
    """Return the newest change sets, newest first.

    Columns: ``id``, ``created_at``, ``actor``, ``kind``, ``reason``, ``ops``
    (what was asked, e.g. ``move×2 add×1``), ``steps`` (audit rows),
    ``cells``, ``undoes_id``, ``undone_by``.
    """
    frame = queries.change_sets(bind, limit=limit)
    frame.insert(5, "ops", frame.pop("changes").map(_ops_text))
    for column in ("undoes_id", "undone_by"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _ops_text(changes: Any) -> str:
    counts = Counter(
        str(c.get("op", "?")) for c in changes or [] if isinstance(c, dict)
    )
    return " ".join(f"{op}×{n}" for op, n in counts.items())
