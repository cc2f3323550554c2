"""Expand a change set into steps against the stored assignments.

A draft (:class:`~ingest.change_items.ChangeSetDraft`) says what a manager
wants; :func:`read_plan` reads what it touches — the people, the cells (a
bulk change: every cell at a level below a cell), the cells' versions and
then their assignments valid on the effective date — and expands every
change into primitive steps (:mod:`twonet.change_steps`): *close* an
assignment, or *open* one (person, cell, duty).

Everything wrong is gathered and reported at once
(:class:`~grid.errors.ChangeSetError`, each problem naming its line):
unknown people or cells, a person inactive on the effective date, removing
an assignment that does not exist, adding one that does, an assignment
already ended by a later change (a back-dated change that would rewrite it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from grid.codes import Level, parse_level
from ingest.change_items import Change, ChangeSetDraft, staff_ids
from twonet.change_steps import Scope, Step, expand
from twonet.db import repository as repo
from twonet.db.assignment_store import cell_versions
from twonet.db.change_queries import assignment_rows, staff_rows
from twonet.db.repository import Bind, transaction


@dataclass
class Plan:
    """A change set expanded against the stored assignments."""

    draft: ChangeSetDraft
    effective: dt.date
    steps: list[Step]
    scope: Scope
    #: the assignments valid on the date in the cells touched, before
    rows: list[dict[str, Any]]
    #: cell → version read before the assignments (optimistic locking)
    versions: dict[str, int]

    def after(self, before: pd.DataFrame) -> pd.DataFrame:
        """Return assignments (``staff_id``, ``cell_code``, ``duty``) after the steps.

        ``before`` holds the assignments valid on the date with their ``id``
        (e.g. :func:`~twonet.db.assignment_store.assignments_as_of`).
        """
        closed = {s.row["id"] for s in self.steps if s.row is not None}
        kept = before.loc[~before["id"].isin(closed), ["staff_id", "cell_code", "duty"]]
        opened = pd.DataFrame(
            [
                (s.staff_id, s.cell_code, s.duty)
                for s in self.steps
                if s.action == "open"
            ],
            columns=["staff_id", "cell_code", "duty"],
        )
        frame = pd.concat([kept, opened], ignore_index=True) if len(opened) else kept
        return frame.sort_values(["cell_code", "duty", "staff_id"], ignore_index=True)


def read_plan(
    bind: Bind, draft: ChangeSetDraft, *, as_of: dt.date | None = None
) -> Plan:
    """Read what a change set touches and expand it into steps.

    Parameters
    ----------
    bind : Engine or Connection
    draft : ChangeSetDraft
    as_of : date, optional
        The date the change takes effect; default the draft's, else today.

    Raises
    ------
    ChangeSetError
        Every problem of the change set, each naming its line.
    """
    effective = as_of or draft.effective or dt.date.today()
    with transaction(bind) as connection:
        scope = read_scope(connection, draft, effective)
        versions = cell_versions(connection, scope.codes)
        return plan_in_scope(connection, draft, scope, versions)


def plan_in_scope(
    bind: Bind, draft: ChangeSetDraft, scope: Scope, versions: Mapping[str, int]
) -> Plan:
    """Read the assignments of a scope and expand the change set against them.

    ``versions`` must have been read (or claimed) before: a change written
    after them is then a conflict when they are claimed.
    """
    rows = assignment_rows(bind, scope.effective, cells=scope.codes)
    steps = expand(draft, scope, rows)
    return Plan(draft, scope.effective, steps, scope, rows, dict(versions))


def read_scope(bind: Bind, draft: ChangeSetDraft, effective: dt.date) -> Scope:
    """Read the people and cells a change set names (bulk cells found below)."""
    touched = {
        code
        for c in draft.changes
        for code in (c.cell, c.other_cell) + ((c.from_, c.to) if c.op == "move" else ())
        if code
    }
    unders = {c.under for c in draft.changes if c.op == "bulk" and c.under}
    frames = [_cell_rows(bind, touched | unders, effective)]
    bulk_cells: dict[int, list[str]] = {}
    problems: dict[int, list[str]] = {}
    for index, change in enumerate(draft.changes):
        if change.op != "bulk":
            continue
        if change.under not in set(frames[0]["code"]):
            where_zh, where_en = _bulk_where(change)
            problems[index] = [
                f"{where_zh}：未知网格 {change.under}（{effective} 无效）/ "
                f"{where_en}: unknown cell {change.under} (none valid on {effective})"
            ]
            continue
        problems[index] = []
        below = _cells_below(bind, frames[0], change, effective, problems[index])
        frames.append(below)
        bulk_cells[index] = list(below["code"])
    cells = pd.concat(frames, ignore_index=True).drop_duplicates("code")
    codes = touched | {c for found in bulk_cells.values() for c in found}
    return Scope(
        effective,
        cells.sort_values("code", ignore_index=True),
        staff_rows(bind, staff_ids(draft.changes)),
        sorted(codes),
        bulk_cells,
        problems,
    )


def _cell_rows(bind: Bind, codes: Iterable[str], effective: dt.date) -> pd.DataFrame:
    columns = ["code", "name", "level", "parent_code"]
    wanted = sorted(set(codes))
    if not wanted:
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(repo.load_cells(bind, codes=wanted, as_of=effective)[columns])


def _cells_below(
    bind: Bind,
    cells: pd.DataFrame,
    change: Change,
    effective: dt.date,
    problems: list[str],
) -> pd.DataFrame:
    """Return every cell at the change's level below its ``under`` cell."""
    top = Level(cells.loc[cells["code"] == change.under, "level"].iloc[0])
    level = parse_level(change.level or "village")
    columns = ["code", "name", "level", "parent_code"]
    where_zh, where_en = _bulk_where(change)
    if level.depth <= top.depth:
        problems.append(
            f"{where_zh}：层级 {level.value} 不在网格 {change.under}"
            f"（{top.value}）之下 / {where_en}: level {level.value} is not below "
            f"cell {change.under} ({top.value})"
        )
        return pd.DataFrame(columns=columns)
    parents = [str(change.under)]
    found = pd.DataFrame(columns=columns)
    for _ in range(level.depth - top.depth):
        parts = [
            repo.load_cells(bind, parent_code=code, as_of=effective)[columns]
            for code in parents
        ]
        found = pd.concat(parts, ignore_index=True) if parts else found
        parents = list(found["code"])
    found = found[found["level"] == level.value]
    if found.empty:
        problems.append(
            f"{where_zh}：网格 {change.under} 之下没有 {level.value} 级网格 / "
            f"{where_en}: no {level.value} cell below cell {change.under} on "
            f"{effective}"
        )
    return pd.DataFrame(found)


def _bulk_where(change: Change) -> tuple[str, str]:
    zh, en = change.where()
    return f"{zh}（bulk）", f"{en} (bulk)"
