"""Workload balancing (工作量均衡): who should cover which cells of one county.

Pure computation (pandas, NumPy, OR-Tools): :mod:`twonet.balance` builds the
problem from the database and writes the answer as a change set.

The problem
-----------
A :class:`BalanceProblem` holds the cells of one county with their load
(employers, workers or a risk weight), a point and their neighbours; the
people who may cover them (one duty: assistants over villages, responsible
inspectors over townships) with a point each (home, else unit); and who
holds which cell now.

* A cell with ``k`` holders gives each of them ``load / k``; a person's load
  is the sum over their cells.  Holders outside the problem (``fixed``, e.g.
  staff of another county) keep their place and count among the ``k``.
* A cell ends with between ``min(need, now)`` and ``max_holders`` holders:
  the balancer never takes a cell below its need (nor further below it, if
  it is short already) and a cell short of its need costs
  ``weights.shortfall`` per missing holder.  By default ``need`` is the
  holders it has now, at least ``min_holders`` (the staffing rule), and
  ``max_holders = need + extra_holders``: with ``extra_holders = 0`` the
  number of holders per cell stays as it is and only who holds them changes.
* Every person keeps at least ``min_cells`` cells (default: one, if they
  hold any now).
* A person may only take their ``candidates`` nearest cells (by the
  distance between their point and the cell's point); everyone is in the
  county, so nobody is assigned outside it.
* At most ``max_moves`` change-set operations (per person, a cell lost and
  a cell gained make one ``move``; the rest are ``remove`` or ``add``).

The objective (lower is better; :func:`measure` computes it for any
assignment, so both solvers are judged alike) adds up, with
:class:`BalanceWeights`: the highest load, minus the lowest load (both in ‰
of the mean person load now), the operations, the km from each person to
each of their cells, and the shortfall.

Contiguity
----------
With ``contiguous=True``, CP-SAT keeps each person's cells connected in the
adjacency graph (``neighbours``), exactly, not by a heuristic: a
single-commodity flow from one chosen root cell must reach every chosen cell
through chosen cells only.  For a person who may hold at most three cells
(``max_cells``) the cheaper rule "once two or more cells are chosen, each
has a chosen neighbour" is used instead: for three cells or fewer it is the
same thing.  It is guaranteed for every person
whose current cells are connected (none or one cell counts as connected).
A person whose cells are split already (or who holds a cell without
neighbours besides another cell) is *exempt* — asking otherwise could make
the problem infeasible — and listed in :attr:`BalanceResult.exempt`.  The
greedy baseline keeps the same guarantee by refusing steps that would split
a person who is not exempt.

Solvers
-------
:func:`balance_cp_sat` solves the model with OR-Tools CP-SAT, starting from
the current assignments; :func:`balance_greedy` is the baseline (one cell
handed over or shared at a time from the most loaded person to someone
nearby, while that lowers the maximum).  Both return a
:class:`BalanceResult` with the new assignments, the change-set operations
and the measures before and after.
"""

from __future__ import annotations

from grid.balance_cpsat import balance_cp_sat
from grid.balance_greedy import balance_greedy
from grid.balance_problem import (
    BalanceProblem,
    BalanceWeights,
    ProblemIndex,
    haversine_km,
    is_connected,
)
from grid.balance_result import (
    BalanceMetrics,
    BalanceResult,
    apply_changes,
    change_ops,
    holding_frame,
    measure,
)

__all__ = [
    "BalanceMetrics",
    "BalanceProblem",
    "BalanceResult",
    "BalanceWeights",
    "ProblemIndex",
    "apply_changes",
    "balance_cp_sat",
    "balance_greedy",
    "change_ops",
    "haversine_km",
    "holding_frame",
    "is_connected",
    "measure",
]
