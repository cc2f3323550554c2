"""Preview a change set: each cell and person it touches, before and after.

:func:`preview` expands the change set (:func:`~twonet.change_plan.read_plan`,
which also reads each cell's version for the optimistic lock), builds the
staffing context of the date twice — the stored assignments, and the
assignments as the change set would leave them — and runs the staffing rules
(:func:`grid.staffing.check_rules`) and the workload
(:func:`grid.staffing.workload`) on both.  Nothing is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ingest.change_items import ChangeSetDraft
from twonet.change_plan import Plan, read_plan
from twonet.change_steps import duty_text
from twonet.db.assignment_store import assignments_as_of
from twonet.db.repository import Bind

#: Columns of :attr:`ChangePreview.steps`.
STEP_COLUMNS = (
    "line",
    "op",
    "action",
    "staff_id",
    "staff_name",
    "cell_code",
    "cell_name",
    "duty",
)
#: Columns of :attr:`ChangePreview.cells`.
CELL_COLUMNS = (
    "cell_code",
    "cell_name",
    "level",
    "employers",
    "workers",
    "staff_before",
    "staff_after",
    "status_before",
    "status_after",
    "breaches_before",
    "breaches_after",
    "messages_before",
    "messages_after",
)
#: Columns of :attr:`ChangePreview.people`.
PEOPLE_COLUMNS = (
    "staff_id",
    "name",
    "kind",
    "cells_before",
    "cells_after",
    "employers_before",
    "employers_after",
    "workers_before",
    "workers_after",
    "breaches_before",
    "breaches_after",
    "messages_before",
    "messages_after",
)
#: Columns of :attr:`ChangePreview.breaches`.
BREACH_COLUMNS = (
    "change",
    "rule",
    "severity",
    "cell_code",
    "cell_name",
    "staff_id",
    "staff_name",
    "value_before",
    "value_after",
    "limit",
    "message_zh",
    "message_en",
)


@dataclass
class ChangePreview:
    """What a change set would do, nothing written.

    Attributes
    ----------
    effective : date
    steps : DataFrame
        :data:`STEP_COLUMNS`: every primitive step (``close``/``open``).
    cells : DataFrame
        :data:`CELL_COLUMNS`: each cell a step touches — employers and
        workers placed in it, staff by duty (``协管员 assistant: 张三 S1、…``),
        staffing status (``full``/``under``/``none``), breaches (count and
        messages) before and after.
    people : DataFrame
        :data:`PEOPLE_COLUMNS`: each person a step touches — cells,
        employers, workers and breaches before and after.
    breaches : DataFrame
        :data:`BREACH_COLUMNS`: the breaches of those cells and people,
        ``change`` = ``new``, ``resolved`` or ``unchanged``.
    versions : dict
        Cell → version read before the assignments; give it to
        :func:`twonet.changes.apply` so that a change made meanwhile is a
        conflict.
    """

    effective: dt.date
    steps: pd.DataFrame
    cells: pd.DataFrame
    people: pd.DataFrame
    breaches: pd.DataFrame
    versions: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """Return the preview as JSON-ready data (dates as ISO text)."""
        return {
            "effective": self.effective.isoformat(),
            "versions": dict(self.versions),
            **{
                name: _records(getattr(self, name))
                for name in ("steps", "cells", "people", "breaches")
            },
        }


def preview(
    bind: Bind,
    change_set: ChangeSetDraft,
    *,
    as_of: dt.date | None = None,
    rules: Any = None,
) -> ChangePreview:
    """Show what a change set would do to each cell and person it touches.

    Parameters
    ----------
    bind : Engine or Connection
    change_set : ChangeSetDraft
    as_of : date, optional
        Preview as if the change took effect on this date; default the
        change set's effective date, else today.
    rules : StaffingRules, optional
        Default: the deployment's rules file (:func:`twonet.rules.load_rules`).

    Raises
    ------
    ChangeSetError
        The change set cannot be applied as given (every problem listed).
    """
    from grid.staffing import cell_staffing, check_rules, workload
    from twonet.rules import load_rules, staffing_context

    rules = rules if rules is not None else load_rules()
    plan = read_plan(bind, change_set, as_of=as_of)
    day = plan.effective
    stored = assignments_as_of(bind, day)
    before = staffing_context(bind, day, assignments=stored)
    after = dataclasses.replace(before, assignments=plan.after(stored))
    cells = sorted({s.cell_code for s in plan.steps})
    people = sorted({s.staff_id for s in plan.steps})
    breaches = _breaches(
        check_rules(before, rules), check_rules(after, rules), cells, people
    )
    return ChangePreview(
        effective=day,
        steps=_steps(plan, before.staff),
        cells=_cells(plan, cells, before, after, breaches, cell_staffing, rules),
        people=_people(people, workload(before), workload(after), breaches),
        breaches=breaches,
        versions=dict(plan.versions),
    )


def _steps(plan: Plan, staff: pd.DataFrame) -> pd.DataFrame:
    names = dict(zip(staff["staff_id"], staff["name"], strict=True))
    cell_names = dict(
        zip(plan.scope.cells["code"], plan.scope.cells["name"], strict=True)
    )
    rows = [
        (
            s.line,
            s.op,
            s.action,
            s.staff_id,
            names.get(s.staff_id),
            s.cell_code,
            cell_names.get(s.cell_code),
            duty_text(s.duty),
        )
        for s in plan.steps
    ]
    return pd.DataFrame(rows, columns=list(STEP_COLUMNS))


_KEY = ["rule", "cell_code", "staff_id"]


def _breaches(
    before: pd.DataFrame, after: pd.DataFrame, cells: list[str], people: list[str]
) -> pd.DataFrame:
    """Join the breaches of the touched cells and people before and after."""

    def touched(frame: pd.DataFrame) -> pd.DataFrame:
        mask = frame["cell_code"].isin(cells) | frame["staff_id"].isin(people)
        picked = frame.loc[mask]
        # the picked rows' own columns: a whole column assigned to an empty
        # frame would bring every row of ``frame`` back (its index is taken)
        return picked.assign(
            cell_code=picked["cell_code"].astype(object).fillna(""),
            staff_id=picked["staff_id"].astype(object).fillna(""),
        )

    old, new = touched(before), touched(after)
    joined = old.merge(new, on=_KEY, how="outer", suffixes=("_b", "_a"), indicator=True)
    change = (
        joined["_merge"]
        .astype(str)
        .map({"left_only": "resolved", "right_only": "new", "both": "unchanged"})
    )
    out = pd.DataFrame({"change": change, **{k: joined[k] for k in _KEY}})
    for column in (
        "severity",
        "cell_name",
        "staff_name",
        "limit",
        "message_zh",
        "message_en",
    ):
        out[column] = joined[f"{column}_a"].where(
            joined["_merge"] != "left_only", joined[f"{column}_b"]
        )
    out["value_before"] = joined["value_b"]
    out["value_after"] = joined["value_a"]
    out["order"] = out["change"].map({"new": 0, "unchanged": 1, "resolved": 2})
    out = out.sort_values(["order", "rule", "cell_code", "staff_id"], ignore_index=True)
    for column in ("cell_code", "staff_id"):
        out[column] = out[column].where(out[column] != "", None)
    return out.loc[:, list(BREACH_COLUMNS)]


def _messages(
    breaches: pd.DataFrame, column: str, values: Iterable[str], present: str
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Count and list the breaches of each cell (or person) on one side."""
    side = breaches[breaches["change"] != present]
    counts: dict[str, int] = {}
    lists: dict[str, list[str]] = {}
    for value in values:
        rows = side[side[column] == value]
        counts[value] = len(rows)
        lists[value] = [
            f"{z} / {e}"
            for z, e in zip(rows["message_zh"], rows["message_en"], strict=True)
        ]
    return counts, lists


def _cells(
    plan: Plan,
    cells: list[str],
    before: Any,
    after: Any,
    breaches: pd.DataFrame,
    cell_staffing: Any,
    rules: Any,
) -> pd.DataFrame:
    known = plan.scope.cells.set_index("code")
    load = before.load.set_index("cell_code")
    status = [
        cell_staffing(ctx, rules).set_index("code")["status"] for ctx in (before, after)
    ]
    names = dict(zip(before.staff["staff_id"], before.staff["name"], strict=True))
    counts_b, lists_b = _messages(breaches, "cell_code", cells, "new")
    counts_a, lists_a = _messages(breaches, "cell_code", cells, "resolved")
    rows = []
    for cell in cells:
        rows.append(
            (
                cell,
                known["name"].get(cell),
                known["level"].get(cell),
                int(load["employers"].get(cell, 0)),
                int(load["workers"].get(cell, 0)),
                _staff_text(before.assignments, cell, names),
                _staff_text(after.assignments, cell, names),
                status[0].get(cell),
                status[1].get(cell),
                counts_b[cell],
                counts_a[cell],
                lists_b[cell],
                lists_a[cell],
            )
        )
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS))


def _staff_text(assignments: pd.DataFrame, cell: str, names: dict[str, Any]) -> str:
    """Return a cell's staff by duty: ``协管员 assistant: 张三 S1、李四 S2``."""
    here = assignments[assignments["cell_code"] == cell].sort_values(
        ["duty", "staff_id"]
    )
    parts = []
    for duty, rows in here.groupby("duty", sort=True):
        people = "、".join(
            f"{names.get(s) or ''} {s}".strip() for s in rows["staff_id"]
        )
        parts.append(f"{duty_text(str(duty))}: {people}")
    return "; ".join(parts)


def _people(
    people: list[str], before: pd.DataFrame, after: pd.DataFrame, breaches: pd.DataFrame
) -> pd.DataFrame:
    old = before.set_index("staff_id")
    new = after.set_index("staff_id")
    counts_b, lists_b = _messages(breaches, "staff_id", people, "new")
    counts_a, lists_a = _messages(breaches, "staff_id", people, "resolved")
    rows = []
    for person in people:
        either = old if person in old.index else new
        row: list[Any] = [
            person,
            either["name"].get(person),
            either["kind"].get(person),
        ]
        for column in ("cells", "employers", "workers"):
            row += [int(frame[column].get(person, 0)) for frame in (old, new)]
        row += [counts_b[person], counts_a[person], lists_b[person], lists_a[person]]
        rows.append(row)
    return pd.DataFrame(rows, columns=list(PEOPLE_COLUMNS))


def _plain(value: Any) -> Any:
    """Return a value as JSON holds it: None if missing, ISO dates, numbers."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and math.isnan(value))
    ):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict("records")
    ]
