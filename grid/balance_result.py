"""What a balancing solver returns: measures, the new assignments, the change set.

Pure: a solution is a holding (one frozenset of cell positions per person,
see :mod:`grid.balance_problem`); :func:`make_result` measures it and
writes the change set that turns the current assignments into it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grid.balance_problem import (
    ASSIGNMENT_COLUMNS,
    BalanceProblem,
    Holding,
    count_moves,
    holder_counts,
    person_loads,
)
from grid.errors import BalanceError

#: Per mille: loads in the objective are ‰ of the mean person load now.
PERMILLE = 1000.0


@dataclass(frozen=True)
class BalanceMetrics:
    """How balanced one set of assignments is.

    Attributes
    ----------
    max_load, min_load, mean_load, std_load : float
        Over every person of the problem (an idle person's load is 0);
        ``std_load`` is the population standard deviation.
    ratio : float
        ``max_load / min_load`` (``inf`` when someone's load is 0).
    moves : int
        Change-set operations from the current assignments.
    distance_km : float
        Sum over every assignment of the distance from the person's point to
        the cell's point.
    shortfall : int
        Holders missing below the cells' ``need``.
    idle : int
        People holding no cell.
    objective : float
        The weighted objective (:class:`~grid.balance_problem.BalanceWeights`):
        lower is better; the same formula for every solver.
    """

    max_load: float
    min_load: float
    mean_load: float
    std_load: float
    ratio: float
    moves: int
    distance_km: float
    shortfall: int
    idle: int
    objective: float


@dataclass(frozen=True)
class BalanceResult:
    """A proposed set of assignments and the change set that makes it.

    Attributes
    ----------
    solver : str
        ``cp-sat`` or ``greedy``.
    status : str
        The solver's status (CP-SAT: ``OPTIMAL``, ``FEASIBLE``,
        ``INFEASIBLE``, ``UNKNOWN`` …; greedy: ``DONE``).  Without a
        solution the assignments are the current ones and no change is made.
    seconds : float
        Time spent solving (building the model included).
    assignments : DataFrame
        ``staff_id``, ``cell_code`` after the change, sorted.
    changes : list of dict
        Change-set operations (``move``, ``remove``, ``add``) with the
        problem's duty, in the form ``twonet changes`` reads.
    before, after : BalanceMetrics
    exempt : tuple of str
        People exempt from contiguity (their current cells are not connected).
    bound : float, optional
        CP-SAT's best bound on its internal objective (weights ×100), if any.
    """

    solver: str
    status: str
    seconds: float
    assignments: pd.DataFrame
    changes: list[dict[str, str]]
    before: BalanceMetrics
    after: BalanceMetrics
    exempt: tuple[str, ...] = ()
    bound: float | None = None


def measure(problem: BalanceProblem, holding: Holding) -> BalanceMetrics:
    """Return the measures of a holding (see :class:`BalanceMetrics`)."""
    index = problem.index
    loads = person_loads(index, holding)
    holders = index.fixed + holder_counts(holding, len(index.codes))
    shortfall = int(np.maximum(index.need - holders, 0).sum())
    distance = sum(index.distance[p][c] for p, mine in enumerate(holding) for c in mine)
    moves = count_moves(index, holding)
    top = float(loads.max()) if len(loads) else 0.0
    low = float(loads.min()) if len(loads) else 0.0
    w = problem.weights
    scale = PERMILLE / index.mean_load
    excess = float(np.maximum(loads * scale - PERMILLE, 0).sum())
    objective = (
        w.max_load * top * scale
        - w.min_load * low * scale
        + w.excess * excess
        + w.moves * moves
        + w.distance * distance
        + w.shortfall * shortfall
    )
    return BalanceMetrics(
        max_load=top,
        min_load=low,
        mean_load=float(loads.mean()) if len(loads) else 0.0,
        std_load=float(loads.std()) if len(loads) else 0.0,
        ratio=top / low if low > 0 else math.inf,
        moves=moves,
        distance_km=float(distance),
        shortfall=shortfall,
        idle=sum(1 for mine in holding if not mine),
        objective=float(objective),
    )


def change_ops(problem: BalanceProblem, holding: Holding) -> list[dict[str, str]]:
    """Return the fewest operations turning the current assignments into ``holding``.

    Per person, the cells lost and gained are paired in code order: each
    pair is one ``move``; what is left is a ``remove`` or an ``add``.  A
    person replaced in a cell is therefore one ``move`` when the leaving
    person takes another cell, otherwise a ``remove`` and an ``add``.
    Moves come first, then removals, then additions; every operation touches
    its own (person, cell) pair, so any order applies the same.
    """
    index = problem.index
    ops: dict[str, list[dict[str, str]]] = {"move": [], "remove": [], "add": []}
    for p, (before, after) in enumerate(zip(index.current, holding, strict=True)):
        staff_id = index.staff[p]
        lost = sorted(index.codes[c] for c in before - after)
        gained = sorted(index.codes[c] for c in after - before)
        for old, new in zip(lost, gained, strict=False):
            ops["move"].append(
                {
                    "op": "move",
                    "staff_id": staff_id,
                    "from": old,
                    "to": new,
                    "duty": problem.duty,
                }
            )
        paired = min(len(lost), len(gained))
        for cell in lost[paired:]:
            ops["remove"].append(_one("remove", staff_id, cell, problem.duty))
        for cell in gained[paired:]:
            ops["add"].append(_one("add", staff_id, cell, problem.duty))
    return ops["move"] + ops["remove"] + ops["add"]


def _one(op: str, staff_id: str, cell: str, duty: str) -> dict[str, str]:
    return {"op": op, "staff_id": staff_id, "cell": cell, "duty": duty}


def apply_changes(
    assignments: pd.DataFrame, changes: list[dict[str, str]]
) -> pd.DataFrame:
    """Apply change-set operations to ``staff_id``/``cell_code`` rows (a simulation).

    The check a change set gets when applied, in pure code: a ``move`` or
    ``remove`` needs the assignment it ends, an ``add`` (or a move's target)
    must not exist yet; ``swap`` exchanges two people's cells.

    Raises
    ------
    BalanceError
        An operation does not fit the assignments (naming the operation).
    """
    held = {
        tuple(map(str, row))
        for row in assignments[list(ASSIGNMENT_COLUMNS)].itertuples(index=False)
    }
    for number, change in enumerate(changes, start=1):
        op = change["op"]
        if op == "move":
            steps = [
                ("-", change["staff_id"], change["from"]),
                ("+", change["staff_id"], change["to"]),
            ]
        elif op == "remove":
            steps = [("-", change["staff_id"], change["cell"])]
        elif op == "add":
            steps = [("+", change["staff_id"], change["cell"])]
        elif op == "swap":
            one, other = change["staff_id"], change["other_staff_id"]
            steps = [
                ("-", one, change["cell"]),
                ("-", other, change["other_cell"]),
                ("+", one, change["other_cell"]),
                ("+", other, change["cell"]),
            ]
        else:
            msg = f"第 {number} 项操作未知 / change {number}: unknown op {op!r}"
            raise BalanceError(msg)
        for sign, staff_id, cell in steps:
            key = (staff_id, cell)
            if (sign == "-") != (key in held):
                msg = (
                    f"第 {number} 项（{op}）与现有分配不符 / change {number} ({op}) "
                    f"does not fit the assignments: {staff_id} in {cell}"
                )
                raise BalanceError(msg)
            if sign == "-":
                held.discard(key)
            else:
                held.add(key)
    return pd.DataFrame(sorted(held), columns=list(ASSIGNMENT_COLUMNS))


def holding_frame(problem: BalanceProblem, holding: Holding) -> pd.DataFrame:
    """Return a holding as sorted ``staff_id``, ``cell_code`` rows."""
    index = problem.index
    rows = sorted(
        (index.staff[p], index.codes[c]) for p, mine in enumerate(holding) for c in mine
    )
    return pd.DataFrame(rows, columns=list(ASSIGNMENT_COLUMNS))


def make_result(
    problem: BalanceProblem,
    holding: Holding,
    *,
    solver: str,
    status: str,
    seconds: float,
    bound: float | None = None,
) -> BalanceResult:
    """Measure a holding and write its change set."""
    index = problem.index
    return BalanceResult(
        solver=solver,
        status=status,
        seconds=seconds,
        assignments=holding_frame(problem, holding),
        changes=change_ops(problem, holding),
        before=measure(problem, index.current),
        after=measure(problem, holding),
        exempt=tuple(index.staff[p] for p in sorted(index.exempt)),
        bound=bound,
    )
