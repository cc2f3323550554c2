"""Balancing with OR-Tools CP-SAT (the model is described in :mod:`grid.balance`)."""

from __future__ import annotations

import time
from typing import Any

from ortools.sat.python import cp_model

from grid.balance_problem import BalanceProblem
from grid.balance_result import PERMILLE, BalanceResult, make_result

#: Objective coefficients are the float weights × this, rounded.
_FACTOR = 100
_SOLVED = ("OPTIMAL", "FEASIBLE")


def balance_cp_sat(
    problem: BalanceProblem,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
) -> BalanceResult:
    """Balance the workload with CP-SAT; the current assignments are the hint.

    Parameters
    ----------
    problem : BalanceProblem
    time_limit : float, default 10
        Wall-clock seconds for the search.  Tiny problems finish far sooner
        (``OPTIMAL``); large ones return the best solution found
        (``FEASIBLE``).
    workers : int, default 2
        Search workers (threads).
    seed : int, default 0
        CP-SAT's random seed.  With one worker and a problem solved to
        optimality the answer is reproducible; a search cut by the time limit
        may end elsewhere on a busier machine.

    Returns
    -------
    BalanceResult
        Without a solution (``INFEASIBLE``, ``UNKNOWN``, ``MODEL_INVALID``)
        the current assignments, unchanged.
    """
    started = time.perf_counter()
    built = _Model(problem)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    status = solver.solve(built.model)
    name = solver.status_name(status)
    index = problem.index
    if name in _SOLVED:
        holding = [
            frozenset(c for c in cells if solver.boolean_value(built.x[p, c]))
            for p, cells in enumerate(index.candidates)
        ]
        bound: float | None = float(solver.best_objective_bound)
    else:
        holding, bound = list(index.current), None
    return make_result(
        problem,
        holding,
        solver="cp-sat",
        status=name,
        seconds=time.perf_counter() - started,
        bound=bound,
    )


class _Model:
    """The CP-SAT model of one problem (variables kept for reading the answer)."""

    def __init__(self, problem: BalanceProblem) -> None:
        self.problem = problem
        self.index = index = problem.index
        self.model = cp_model.CpModel()
        self.x: dict[tuple[int, int], Any] = {}
        #: the hint (the current assignments), by variable index
        self.hints: dict[int, int] = {}
        for p, cells in enumerate(index.candidates):
            for c in cells:
                self.x[p, c] = self._bool(f"x_{p}_{c}", c in index.current[p])
        self.terms: list[list[tuple[int, Any]]] = [[] for _ in index.staff]
        shortfall = self._cells()
        loads = self._people()
        moves = self._moves()
        if problem.contiguous:
            for p in range(len(index.staff)):
                if p not in index.exempt:
                    self._connected(p)
        self.model.minimize(self._objective(loads, moves, shortfall))

    def _objective(self, loads: list[Any], moves: Any, shortfall: Any) -> Any:
        """Return the objective of :func:`~grid.balance_result.measure`, ×100."""
        m, index, w = self.model, self.index, self.problem.weights
        upper = max(self.upper, default=0)
        top = m.new_int_var(0, upper, "max_load")
        low = m.new_int_var(0, upper, "min_load")
        if loads:
            m.add_max_equality(top, loads)
            m.add_min_equality(low, loads)
            m.add_hint(top, max(self.hinted_loads))
            m.add_hint(low, min(self.hinted_loads))
        excess: Any = 0
        if w.excess > 0:
            for p, load in enumerate(loads):
                above = m.new_int_var(0, max(self.upper[p], 0), f"excess_{p}")
                m.add(above >= load - round(PERMILLE))
                m.add_hint(above, max(self.hinted_loads[p] - round(PERMILLE), 0))
                excess += above
        distance = sum(
            round(_FACTOR * w.distance * index.distance[p][c]) * var
            for (p, c), var in self.x.items()
        )
        return (
            round(_FACTOR * w.max_load) * top
            - round(_FACTOR * w.min_load) * low
            + round(_FACTOR * w.excess) * excess
            + round(_FACTOR * w.moves) * moves
            + distance
            + round(_FACTOR * w.shortfall) * shortfall
        )

    def _bool(self, name: str, hint: bool) -> Any:
        """Return a new Boolean variable hinted with its value now."""
        var = self.model.new_bool_var(name)
        self.model.add_hint(var, hint)
        self.hints[var.index] = int(hint)
        return var

    def _cells(self) -> Any:
        """Holder bounds, shortfall and load shares per cell; return the shortfall."""
        index, m = self.index, self.model
        holding: list[list[tuple[int, Any]]] = [[] for _ in index.codes]
        for (p, c), var in self.x.items():
            holding[c].append((p, var))
        short = []
        scale = PERMILLE / index.mean_load
        for c, holders in enumerate(holding):
            fixed, lo, hi = int(index.fixed[c]), int(index.lo[c]), int(index.hi[c])
            count = fixed + sum(var for _, var in holders)
            m.add(count >= lo)
            m.add(count <= hi)
            need = int(index.need[c])
            if need > lo:
                missing = m.new_int_var(0, need - lo, f"short_{c}")
                m.add_hint(missing, max(need - int(index.now[c]), 0))
                m.add(missing >= need - count)
                short.append(missing)
            if not holders:
                continue
            ks = range(max(lo, fixed + 1, 1), hi + 1)
            share = {k: round(scale * float(index.load[c]) / k) for k in ks}
            if len(set(share.values())) == 1:
                for p, var in holders:
                    self.terms[p].append((share[ks[0]], var))
                continue
            now = int(index.now[c])
            exactly = {k: self._bool(f"y_{c}_{k}", k == now) for k in range(lo, hi + 1)}
            m.add_exactly_one(exactly.values())
            m.add(sum(k * y for k, y in exactly.items()) == count)
            for p, var in holders:
                held = c in index.current[p]
                z = {k: self._bool(f"z_{p}_{c}_{k}", held and k == now) for k in ks}
                m.add(sum(z.values()) == var)
                for k, zk in z.items():
                    m.add_implication(zk, exactly[k])
                    self.terms[p].append((share[k], zk))
        return sum(short)

    def _people(self) -> list[Any]:
        """Each person's load (‰ of the mean) and their fewest cells."""
        index, m = self.index, self.model
        loads = []
        self.upper: list[int] = []
        self.hinted_loads: list[int] = []
        for p, cells in enumerate(index.candidates):
            mine = [self.x[p, c] for c in cells]
            if int(index.min_cells[p]):
                m.add(sum(mine) >= int(index.min_cells[p]))
            if int(index.max_cells[p]) < len(mine):
                m.add(sum(mine) <= int(index.max_cells[p]))
            upper = sum(max(coef, 0) for coef, _ in self.terms[p])
            load = m.new_int_var(0, upper, f"load_{p}")
            self.upper.append(upper)
            m.add(load == sum(coef * var for coef, var in self.terms[p]))
            self.hinted_loads.append(
                sum(coef * self.hints[var.index] for coef, var in self.terms[p])
            )
            m.add_hint(load, self.hinted_loads[-1])
            loads.append(load)
        return loads

    def _moves(self) -> Any:
        """Change-set operations: per person max(cells lost, cells gained)."""
        index, m = self.index, self.model
        total = []
        for p, cells in enumerate(index.candidates):
            now = index.current[p]
            gained = sum(self.x[p, c] for c in cells if c not in now)
            lost = len(now) - sum(self.x[p, c] for c in now)
            ops = m.new_int_var(0, max(len(now), len(cells) - len(now)), f"ops_{p}")
            m.add_hint(ops, 0)
            m.add(ops >= gained)
            m.add(ops >= lost)
            total.append(ops)
        moves = sum(total)
        if self.problem.max_moves is not None:
            m.add(moves <= int(self.problem.max_moves))
        return moves

    def _connected(self, p: int) -> None:
        """Keep person ``p``'s cells connected.

        Up to three cells: each chosen cell has a chosen neighbour once two or
        more are chosen (for three or fewer cells that is connectivity).
        More: a single-commodity flow — one chosen cell is the root; it sends
        one unit to every other chosen cell along adjacencies between chosen
        cells only.  A cell the flow cannot reach cannot be chosen, so the
        chosen cells are connected.
        """
        index = self.index
        cells = index.candidates[p]
        if len(cells) < 2 or int(index.max_cells[p]) < 2:
            return
        x = {c: self.x[p, c] for c in cells}
        if int(index.max_cells[p]) <= 3:
            self._neighbour_rule(p, x)
        else:
            self._flow(p, x)

    def _neighbour_rule(self, p: int, x: dict[int, Any]) -> None:
        m, neighbours = self.model, self.index.neighbours
        several = self._bool(f"several_{p}", len(self.index.current[p]) >= 2)
        m.add(sum(x.values()) >= 2).only_enforce_if(several)
        m.add(sum(x.values()) <= 1).only_enforce_if(~several)
        for c, chosen in x.items():
            beside = [x[u] for u in sorted(neighbours[c]) if u in x]
            m.add_bool_or([~chosen, ~several, *beside])

    def _flow(self, p: int, x: dict[int, Any]) -> None:
        index, m = self.index, self.model
        cells = sorted(x)
        mine = set(cells)
        arcs = [(u, v) for u in cells for v in sorted(index.neighbours[u] & mine)]
        if not arcs:
            m.add(sum(x.values()) <= 1)
            return
        n = min(len(cells), int(index.max_cells[p]))
        tree = _spanning_tree(index.current[p], index.neighbours)
        first = min(index.current[p], default=None)
        root = {c: self._bool(f"root_{p}_{c}", c == first) for c in cells}
        for c in cells:
            m.add_implication(root[c], x[c])
        if int(index.min_cells[p]) >= 1:
            m.add_exactly_one(root.values())
        else:
            m.add(sum(root.values()) <= 1)
            for c in cells:
                m.add(sum(root.values()) >= x[c])
        flow = {}
        for u, v in arcs:
            f = m.new_int_var(0, n - 1, f"flow_{p}_{u}_{v}")
            m.add_hint(f, tree.get((u, v), 0))
            m.add(f == 0).only_enforce_if(~x[u])
            m.add(f == 0).only_enforce_if(~x[v])
            flow[u, v] = f
        for c in cells:
            supply = m.new_int_var(0, n, f"supply_{p}_{c}")
            m.add_hint(supply, len(index.current[p]) if c == first else 0)
            m.add(supply == 0).only_enforce_if(~root[c])
            inflow = sum(f for (u, v), f in flow.items() if v == c)
            outflow = sum(f for (u, v), f in flow.items() if u == c)
            m.add(inflow - outflow == x[c] - supply)


def _spanning_tree(
    cells: frozenset[int], neighbours: list[frozenset[int]]
) -> dict[tuple[int, int], int]:
    """Return a flow that connects connected cells from the lowest one.

    Breadth-first tree from the root; each tree arc carries the size of the
    subtree below it.  The hint of the contiguity flow for the current cells.
    """
    if not cells:
        return {}
    root = min(cells)
    parent: dict[int, int] = {}
    order, seen = [root], {root}
    for u in order:
        for v in sorted(neighbours[u] & cells):
            if v not in seen:
                seen.add(v)
                parent[v] = u
                order.append(v)
    size = dict.fromkeys(order, 1)
    for v in reversed(order[1:]):
        size[parent[v]] += size[v]
    return {(parent[v], v): size[v] for v in order[1:]}
