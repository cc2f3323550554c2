"""The greedy baseline CP-SAT is compared with (see :func:`balance_greedy`)."""

from __future__ import annotations

import time

import numpy as np

from grid.balance_problem import BalanceProblem, is_connected
from grid.balance_result import BalanceResult, make_result

#: Loads closer than this are equal (float noise).
_EPS = 1e-9


def balance_greedy(problem: BalanceProblem) -> BalanceResult:
    """Lower the highest load one step at a time, as a manager would by hand.

    Each step takes the most loaded person (the first in the problem's order
    among equals) and looks at each of their cells and each person *nearby*
    (the cell is among that person's candidate cells, see
    :attr:`BalanceProblem.candidates`) who does not hold it:

    * **hand over** the cell: the nearby person takes it and the loaded one
      leaves it (only if the loaded one keeps at least ``min_cells``);
    * **share** it: the nearby person joins its holders (only while the cell
      has fewer than ``max_holders``), so every holder's share shrinks.

    It takes the step that leaves the lowest load among the people it
    changes (then the fewer operations, then the shorter distance), and only
    if that load is below the loaded person's: the maximum never rises.  It
    stops when no step lowers the most loaded person's load, or when the
    next step would exceed ``max_moves``.  With ``contiguous`` it skips a
    step that would split the cells of a person who is not exempt.  It never
    fills a cell short of holders: that is left to CP-SAT.

    Returns
    -------
    BalanceResult
        ``solver="greedy"``, ``status="DONE"``.
    """
    started = time.perf_counter()
    state = _Greedy(problem)
    while state.step():
        pass
    return make_result(
        problem,
        [frozenset(h) for h in state.holding],
        solver="greedy",
        status="DONE",
        seconds=time.perf_counter() - started,
    )


class _Greedy:
    """The greedy's state: who holds what, loads, operations so far."""

    def __init__(self, problem: BalanceProblem) -> None:
        self.problem = problem
        self.index = index = problem.index
        self.holding = [set(h) for h in index.current]
        self.holders: list[set[int]] = [set() for _ in index.codes]
        for p, mine in enumerate(self.holding):
            for c in mine:
                self.holders[c].add(p)
        self.count = np.array(
            [index.fixed[c] + len(h) for c, h in enumerate(self.holders)], dtype=int
        )
        self.takers: list[list[int]] = [[] for _ in index.codes]
        for p, cells in enumerate(index.candidates):
            for c in cells:
                self.takers[c].append(p)
        self.loads = np.array(
            [sum(index.load[c] / self.count[c] for c in mine) for mine in self.holding]
        )
        self.gained = np.zeros(len(index.staff), dtype=int)
        self.lost = np.zeros(len(index.staff), dtype=int)
        self.moves = 0
        self.steps_left = 100 * (len(index.codes) + len(index.staff)) + 100

    def step(self) -> bool:
        """Take one step; return whether one was taken."""
        if not len(self.loads) or self.steps_left <= 0:
            return False
        self.steps_left -= 1
        p = int(np.argmax(self.loads))
        best: tuple[float, int, float, int, int, str] | None = None
        for c in sorted(self.holding[p]):
            for q in self.takers[c]:
                if q == p or c in self.holding[q] or not self._may_take(q, c):
                    continue
                for kind in ("hand", "share"):
                    option = self._option(p, q, c, kind)
                    if option is not None and (best is None or option < best):
                        best = option
        if best is None or best[0] >= self.loads[p] - _EPS:
            return False
        _, _, _, q, c, kind = best
        if kind == "hand":
            self._leave(p, c)
        self._take(q, c)
        return True

    def _option(
        self, p: int, q: int, c: int, kind: str
    ) -> tuple[float, int, float, int, int, str] | None:
        """Return (peak load, moves, km, q, c, kind) of a step, or None."""
        index = self.index
        share = index.load[c] / self.count[c]
        if kind == "hand":
            if len(self.holding[p]) <= index.min_cells[p] or not self._may_leave(p, c):
                return None
            peak = max(self.loads[p] - share, self.loads[q] + share)
            moves = self._moves_after(((p, c, -1), (q, c, +1)))
        else:
            if self.count[c] >= index.hi[c]:
                return None
            smaller = index.load[c] / (self.count[c] + 1)
            peak = max(self.loads[p] - (share - smaller), self.loads[q] + smaller)
            moves = self._moves_after(((q, c, +1),))
        limit = self.problem.max_moves
        if limit is not None and moves > limit:
            return None
        return (float(peak), moves, index.distance[q][c], q, c, kind)

    def _may_take(self, q: int, c: int) -> bool:
        if len(self.holding[q]) >= self.index.max_cells[q]:
            return False
        if not self.problem.contiguous or q in self.index.exempt:
            return True
        return is_connected(self.holding[q] | {c}, self.index.neighbours)

    def _may_leave(self, p: int, c: int) -> bool:
        if not self.problem.contiguous or p in self.index.exempt:
            return True
        return is_connected(self.holding[p] - {c}, self.index.neighbours)

    def _moves_after(self, changes: tuple[tuple[int, int, int], ...]) -> int:
        """Return the operations after people gain (+1) or lose (-1) cells."""
        moves = self.moves
        for person, cell, sign in changes:
            gained, lost = self._delta(person, cell, sign)
            moves += max(gained, lost) - max(self.gained[person], self.lost[person])
        return moves

    def _delta(self, person: int, cell: int, sign: int) -> tuple[int, int]:
        now = cell in self.index.current[person]
        gained, lost = int(self.gained[person]), int(self.lost[person])
        if sign > 0:
            return (gained, lost - 1) if now else (gained + 1, lost)
        return (gained, lost + 1) if now else (gained - 1, lost)

    def _apply(self, person: int, cell: int, sign: int) -> None:
        before = max(self.gained[person], self.lost[person])
        self.gained[person], self.lost[person] = self._delta(person, cell, sign)
        self.moves += int(max(self.gained[person], self.lost[person]) - before)
        old = self.index.load[cell] / self.count[cell] if self.count[cell] else 0.0
        if sign > 0:
            self.holding[person].add(cell)
            self.holders[cell].add(person)
        else:
            self.holding[person].discard(cell)
            self.holders[cell].discard(person)
            self.loads[person] -= old
        self.count[cell] += sign
        new = self.index.load[cell] / self.count[cell] if self.count[cell] else 0.0
        for other in self.holders[cell]:
            self.loads[other] += new - (0.0 if other == person and sign > 0 else old)

    def _leave(self, p: int, c: int) -> None:
        self._apply(p, c, -1)

    def _take(self, q: int, c: int) -> None:
        self._apply(q, c, +1)
