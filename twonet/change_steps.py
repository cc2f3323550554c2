"""The steps of a change set: each change expanded against the assignments.

Pure: :func:`expand` takes what :mod:`twonet.change_plan` read (a
:class:`Scope` and the assignment rows valid on the date) and returns
primitive :class:`Step` s — *close* an assignment or *open* one (person,
cell, duty).  Changes compose in order: a later change sees the earlier
ones, and opening what an earlier change closed (or the reverse) cancels
both, so each assignment is touched at most once.  Every problem is
gathered, each naming its line, and raised at once
(:class:`~grid.errors.ChangeSetError`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from grid.errors import ChangeSetError
from ingest.change_items import Change, ChangeSetDraft
from twonet.db.models import DUTIES

#: An assignment's identity within a cell: (person, cell, duty).
Key = tuple[str, str, str]


@dataclass(frozen=True)
class Step:
    """One primitive step: ``close`` an assignment or ``open`` one.

    ``row`` is the assignment closed (every column, as the audit log keeps
    it); ``op`` and ``line`` are the change it comes from.
    """

    op: str
    line: int
    action: str
    staff_id: str
    cell_code: str
    duty: str
    row: Mapping[str, Any] | None = None


@dataclass
class Scope:
    """What a change set reads: its people and its cells on one date."""

    effective: dt.date
    #: code, name, level, parent_code of the cells valid on the date
    cells: pd.DataFrame
    #: the people it names (:data:`~twonet.db.change_queries.STAFF_COLUMNS`)
    staff: pd.DataFrame
    #: every cell it touches, valid or not (what an apply claims)
    codes: list[str]
    #: the cells each bulk change reaches, by its position in the draft
    bulk_cells: dict[int, list[str]] = field(default_factory=dict)
    #: what is wrong already (bulk cells unknown or not found), by position
    problems: dict[int, list[str]] = field(default_factory=dict)


def raise_problems(problems: list[str]) -> None:
    """Raise one :class:`ChangeSetError` listing every problem (if any)."""
    if problems:
        head = (
            f"变更集有 {len(problems)} 处问题，未做任何修改 / the change set has "
            f"{len(problems)} problem(s); nothing was changed:"
        )
        raise ChangeSetError("\n".join([head, *problems]))


def duty_text(duty: str) -> str:
    """Return a duty as ``协管员 assistant``."""
    return f"{DUTIES.get(duty, (duty, duty))[0]} {duty}"


def expand(
    draft: ChangeSetDraft, scope: Scope, rows: Iterable[Mapping[str, Any]]
) -> list[Step]:
    """Expand the changes into steps against ``rows`` (see :func:`read_plan`).

    Raises
    ------
    ChangeSetError
        Every problem, each naming its line.
    """
    state = _State(scope, rows)
    for index, change in enumerate(draft.changes):
        state.problems += scope.problems.get(index, [])
        state.check_people(change)
        getattr(state, f"do_{change.op}")(change, scope.bulk_cells.get(index, []))
    raise_problems(state.problems)
    return list(state.steps.values())


class _State:
    """The assignments as the changes so far leave them, and their steps."""

    def __init__(self, scope: Scope, rows: Iterable[Mapping[str, Any]]) -> None:
        self.scope = scope
        self.valid_cells = set(scope.cells["code"])
        self.staff: dict[str, dict[str, Any]] = {
            str(r["staff_id"]): {str(k): v for k, v in r.items()}
            for r in scope.staff.to_dict("records")
        }
        self.live: dict[Key, Mapping[str, Any] | None] = {
            (r["staff_id"], r["cell_code"], r["duty"]): r for r in rows
        }
        self.closed: dict[Key, Mapping[str, Any]] = {}
        self.steps: dict[tuple[str, Key], Step] = {}
        self.problems: list[str] = []

    # ------------------------------------------------------------ problems
    def problem(self, change: Change, zh: str, en: str) -> None:
        where_zh, where_en = change.where()
        self.problems.append(
            f"{where_zh}（{change.op}）：{zh} / {where_en} ({change.op}): {en}"
        )

    def check_people(self, change: Change) -> None:
        named = [change.staff_id, change.other_staff_id]
        if change.op == "bulk":
            named = [change.to, change.from_]
        for person in filter(None, named):
            if person not in self.staff:
                self.problem(change, f"未知人员 {person}", f"unknown person {person!r}")

    def _can_open(self, change: Change, key: Key) -> bool:
        person, cell, duty = key
        day = self.scope.effective
        found = self.staff.get(person)
        if found is None:
            return False  # reported by check_people
        ok = True
        if not _active(found, day):
            name, starts, ends = (
                found["name"],
                _text(found["active_from"]),
                _text(found["active_to"]),
            )
            self.problem(
                change,
                f"人员 {person}（{name}）在 {day} 不在岗"
                f"（在岗 {starts} 起，{ends} 止）",
                f"person {person} ({name}) is not active on {day} "
                f"(active from {starts}, until {ends})",
            )
            ok = False
        if cell not in self.valid_cells:
            self.problem(
                change,
                f"未知网格 {cell}（{day} 无效）",
                f"unknown cell {cell} (none valid on {day})",
            )
            ok = False
        elif key in self.live:
            self.problem(
                change,
                f"{person} 已在网格 {cell} 担任 {duty_text(duty)}",
                f"{person} already holds {duty_text(duty)} in cell {cell}",
            )
            ok = False
        return ok

    def _can_close(self, change: Change, key: Key) -> bool:
        person, cell, duty = key
        if key not in self.live:
            if cell not in self.valid_cells:
                self.problem(
                    change,
                    f"未知网格 {cell}（{self.scope.effective} 无效）",
                    f"unknown cell {cell} (none valid on {self.scope.effective})",
                )
            else:
                self.problem(
                    change,
                    f"{person} 在网格 {cell} 没有 {duty_text(duty)} 的分配",
                    f"{person} holds no {duty_text(duty)} assignment in cell {cell}",
                )
            return False
        row = self.live[key]
        if row is not None and row["closed_by"] is not None:
            self.problem(
                change,
                f"{person} 在网格 {cell} 的分配已由变更集 {row['closed_by']} 于 "
                f"{row['valid_to']} 结束，不能在更早的 {self.scope.effective} 生效",
                f"the assignment of {person} in cell {cell} was already ended on "
                f"{row['valid_to']} by change set {row['closed_by']}; a change "
                f"cannot take effect earlier ({self.scope.effective})",
            )
            return False
        return True

    # --------------------------------------------------------------- steps
    def close(self, change: Change, key: Key) -> None:
        row = self.live.pop(key)
        if row is None:  # opened by an earlier change of this set
            del self.steps[("open", key)]
            return
        self.closed[key] = row
        self.steps[("close", key)] = Step(change.op, change.line, "close", *key, row)

    def open(self, change: Change, key: Key) -> None:
        if key in self.closed:  # closed by an earlier change of this set
            self.live[key] = self.closed.pop(key)
            del self.steps[("close", key)]
            return
        self.live[key] = None
        self.steps[("open", key)] = Step(change.op, change.line, "open", *key)

    # ------------------------------------------------------------------ ops
    def do_add(self, change: Change, _cells: list[str]) -> None:
        key = (str(change.staff_id), str(change.cell), change.duty)
        if self._can_open(change, key):
            self.open(change, key)

    def do_remove(self, change: Change, _cells: list[str]) -> None:
        key = (str(change.staff_id), str(change.cell), change.duty)
        if self._can_close(change, key):
            self.close(change, key)

    def do_move(self, change: Change, _cells: list[str]) -> None:
        person = str(change.staff_id)
        old, new = (
            (person, str(change.from_), change.duty),
            (person, str(change.to), change.duty),
        )
        if old == new:
            self.problem(change, "原网格与新网格相同", "from and to are the same cell")
            return
        if self._can_close(change, old) & self._can_open(change, new):
            self.close(change, old)
            self.open(change, new)

    def do_swap(self, change: Change, _cells: list[str]) -> None:
        one, other = str(change.staff_id), str(change.other_staff_id)
        cell, other_cell = str(change.cell), str(change.other_cell)
        if one == other or cell == other_cell:
            self.problem(
                change,
                "对调须是两个不同的人和两个不同的网格",
                "a swap needs two different people in two different cells",
            )
            return
        old = [(one, cell, change.duty), (other, other_cell, change.duty)]
        new = [(one, other_cell, change.duty), (other, cell, change.duty)]
        closable = all([self._can_close(change, k) for k in old])
        if closable:
            for key in old:
                self.close(change, key)
        if closable and all([self._can_open(change, k) for k in new]):
            for key in new:
                self.open(change, key)

    def do_bulk(self, change: Change, cells: list[str]) -> None:
        incoming, outgoing = str(change.to), change.from_
        if incoming == outgoing:
            self.problem(change, "新旧人员相同", "to and from are the same person")
            return
        found = len(self.problems)
        for cell in cells:
            holders = [k for k in self.live if k[1] == cell and k[2] == change.duty]
            for key in holders:
                leaves = key[0] == outgoing if outgoing else key[0] != incoming
                if leaves and self._can_close(change, key):
                    self.close(change, key)
            key = (incoming, cell, change.duty)
            if key not in self.live and self._can_open(change, key):
                self.open(change, key)
            if len(self.problems) > found:
                return  # an inactive person: said once, not for every cell


def _active(person: Mapping[str, Any], day: dt.date) -> bool:
    """Tell whether a person is active on ``day``.

    ``active_to`` is the first day no longer active, as ``valid_to`` of
    cells and assignments (and the staffing rules).
    """
    starts, ends = _date(person["active_from"]), _date(person["active_to"])
    return (starts is None or starts <= day) and (ends is None or day < ends)


def _date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date() if not isinstance(value, dt.date) else value


def _text(value: Any) -> str:
    day = _date(value)
    return "…" if day is None else day.isoformat()
