"""The workload-balancing problem, its measures and its change set (pure).

:mod:`grid.balance` describes the model; this module holds the shapes both
solvers share: the problem (:class:`BalanceProblem`), its derived index
(:class:`ProblemIndex`: candidate cells, distances, who holds what now), the
measures of a solution (:func:`measure`) and the change set that turns the
current assignments into it (:func:`change_ops`, :func:`apply_changes`).

A *holding* is one frozenset of cell positions per person (positions in
``problem.index.codes`` and ``problem.index.staff``): the form both solvers
work in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from grid.errors import BalanceError

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: Columns a problem's frames must have.
CELL_COLUMNS = ("code", "load", "lon", "lat", "neighbours")
PEOPLE_COLUMNS = ("staff_id", "lon", "lat")
ASSIGNMENT_COLUMNS = ("staff_id", "cell_code")
#: Change-set operations, in the order :func:`change_ops` lists them.
OPS = ("move", "remove", "add")

Holding = Sequence[frozenset[int]]


@dataclass(frozen=True)
class BalanceWeights:
    """Weights of the objective both solvers are judged by (:func:`measure`).

    Loads are counted in per mille (‰) of the mean person's load now, so the
    weights mean the same whatever the load measures.

    Attributes
    ----------
    max_load, min_load : float
        Per ‰ on the most loaded person's load (minimised) and on the least
        loaded person's (maximised).
    excess : float
        Per ‰ above the mean, summed over everyone above it (evens out the
        middle, not only the extremes).  Off by default: on 黄岛区 it slowed
        CP-SAT down enough that it left cells short of holders.
    moves : float
        Per change-set operation.
    distance : float
        Per km from each person's point to each of their cells.
    shortfall : float
        Per holder missing below a cell's ``need``.
    """

    max_load: float = 1.0
    min_load: float = 0.5
    excess: float = 0.0
    moves: float = 20.0
    distance: float = 1.0
    shortfall: float = 10_000.0


@dataclass(frozen=True)
class BalanceProblem:
    """Who may cover which cells of one county, and what each cell weighs.

    Attributes
    ----------
    cells : DataFrame
        One row per cell: ``code``, ``load`` (employers, workers or risk;
        ≥ 0), ``lon``/``lat`` (a point of the cell, WGS-84; NaN when it has
        no geometry), ``neighbours`` (codes of adjacent cells).  Optional:
        ``need`` (holders the cell must have; default the holders it has now,
        at least :attr:`min_holders`), ``max_holders`` (default ``need +``
        :attr:`extra_holders`) and ``fixed`` (holders outside the problem who
        keep their assignment, e.g. staff of another county; default 0).
    people : DataFrame
        ``staff_id``, ``lon``/``lat`` (home or unit point; NaN when unknown).
        Optional ``min_cells`` (default 1 for a person holding a cell now,
        0 otherwise).
    assignments : DataFrame
        ``staff_id``, ``cell_code``: who holds which cell now, with
        :attr:`duty` (people of ``people`` and cells of ``cells`` only).
    duty : str
        The duty balanced, as stored (``assistant``, ``responsible`` …).
    max_moves : int, optional
        At most this many change-set operations (0: change nothing).
    contiguous : bool
        Keep each person's cells connected (see :mod:`grid.balance`).
    candidates : int, optional
        Each person may take only the ``candidates`` cells nearest to their
        point (besides the cells they hold); default every cell.
    max_cells : int, optional
        Each person ends with at most this many cells (or as many as they
        hold now, if more); default no limit.
    min_holders, extra_holders : int
        Defaults of ``need`` and ``max_holders`` when those columns are absent.
    weights : BalanceWeights
    """

    cells: pd.DataFrame
    people: pd.DataFrame
    assignments: pd.DataFrame
    duty: str = "assistant"
    max_moves: int | None = None
    contiguous: bool = False
    candidates: int | None = None
    max_cells: int | None = None
    min_holders: int = 1
    extra_holders: int = 0
    weights: BalanceWeights = field(default_factory=BalanceWeights)

    def __post_init__(self) -> None:
        problems = _check(self)
        if problems:
            msg = "均衡问题无效 / invalid balancing problem: " + "; ".join(problems)
            raise BalanceError(msg)

    @cached_property
    def index(self) -> ProblemIndex:
        """Return the derived arrays both solvers use (built once)."""
        return ProblemIndex(self)


def _check(problem: BalanceProblem) -> list[str]:
    """Gather every problem with the inputs (empty: all is well)."""
    found: list[str] = []
    frames = (
        ("cells", problem.cells, CELL_COLUMNS),
        ("people", problem.people, PEOPLE_COLUMNS),
        ("assignments", problem.assignments, ASSIGNMENT_COLUMNS),
    )
    for name, frame, columns in frames:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            found.append(f"{name} 缺列 / {name} lack columns {missing}")
    if found:
        return found
    cells, people, jobs = problem.cells, problem.people, problem.assignments
    for name, values in (("code", cells["code"]), ("staff_id", people["staff_id"])):
        repeated = sorted(set(values[values.duplicated()].astype(str)))
        if repeated:
            found.append(f"重复的 {name} / repeated {name}: {repeated[:5]}")
    load = pd.to_numeric(cells["load"], errors="coerce")
    if (~np.isfinite(load) | (load < 0)).any():
        bad = cells.loc[~np.isfinite(load) | (load < 0), "code"].tolist()[:5]
        found.append(f"负荷须为非负有限数 / load must be finite and ≥ 0: {bad}")
    unknown_cells = sorted(set(jobs["cell_code"]) - set(cells["code"]))
    unknown_people = sorted(set(jobs["staff_id"]) - set(people["staff_id"]))
    if unknown_cells:
        found.append(f"分配到未知网格 / assigned to unknown cells {unknown_cells[:5]}")
    if unknown_people:
        found.append(
            f"未知人员的分配 / assignments of unknown people {unknown_people[:5]}"
        )
    if jobs.duplicated(list(ASSIGNMENT_COLUMNS)).any():
        found.append("重复的分配 / repeated assignments")
    for name, value in (
        ("max_moves", problem.max_moves),
        ("candidates", problem.candidates),
        ("max_cells", problem.max_cells),
        ("min_holders", problem.min_holders),
        ("extra_holders", problem.extra_holders),
    ):
        if value is not None and value < (
            1 if name in ("candidates", "max_cells") else 0
        ):
            found.append(f"{name} 无效 / {name} out of range: {value!r}")
    return found


def haversine_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Return great-circle distances in km (NumPy broadcasting; NaN in, NaN out).

    Examples
    --------
    >>> round(float(haversine_km(120.0, 36.0, 120.0, 37.0)), 1)
    111.2
    """
    lon1, lat1, lon2, lat2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))))


class ProblemIndex:
    """A problem as positions and arrays: what the solvers iterate over.

    Attributes
    ----------
    codes, staff : list of str
    load : ndarray
    neighbours : list of frozenset
        Adjacent cell positions (symmetric; codes outside the problem dropped).
    current : list of frozenset
        Cells each person holds now.
    fixed, now, need, lo, hi : ndarray of int
        Holders outside the problem; holders now (``fixed`` included); holders
        needed; fewest holders a cell may
        end with (``min(need, now)``: never fewer than now below the need);
        most holders (at least ``max(need, now)``).
    min_cells, max_cells : ndarray of int
        Fewest and most cells per person.
    candidates : list of list of int
        Cells each person may hold (their current cells always among them).
    distance : list of dict
        km from the person's point to each candidate cell's point (0 where
        either point is unknown).
    exempt : frozenset of int
        People whose current cells are not connected: no contiguity asked.
    mean_load : float
        Mean person load now (the unit of ‰; 1 when every load is 0).
    """

    def __init__(self, problem: BalanceProblem) -> None:
        cells = problem.cells.reset_index(drop=True)
        people = problem.people.reset_index(drop=True)
        self.codes = [str(c) for c in cells["code"]]
        self.staff = [str(s) for s in people["staff_id"]]
        cell_at = {c: k for k, c in enumerate(self.codes)}
        person_at = {s: k for k, s in enumerate(self.staff)}
        self.load = pd.to_numeric(cells["load"]).to_numpy(dtype=float)
        self.lon = pd.to_numeric(cells["lon"]).to_numpy(dtype=float)
        self.lat = pd.to_numeric(cells["lat"]).to_numpy(dtype=float)
        self.neighbours = _neighbours(cells, cell_at)
        held: list[set[int]] = [set() for _ in self.staff]
        for staff_id, code in problem.assignments[list(ASSIGNMENT_COLUMNS)].itertuples(
            index=False
        ):
            held[person_at[str(staff_id)]].add(cell_at[str(code)])
        self.current = [frozenset(h) for h in held]
        n = len(self.codes)
        self.fixed = _int_column(cells, "fixed", np.zeros(n, dtype=int))
        now = self.fixed + holder_counts(self.current, n)
        self.now = now
        need = _int_column(cells, "need", np.maximum(now, problem.min_holders))
        self.need = need
        self.lo = np.minimum(need, now)
        hi = _int_column(cells, "max_holders", need + problem.extra_holders)
        self.hi = np.maximum(hi, np.maximum(need, now))
        default_min = np.array([1 if h else 0 for h in self.current], dtype=int)
        self.min_cells = _int_column(people, "min_cells", default_min)
        held_now = np.array([len(h) for h in self.current], dtype=int)
        limit = len(self.codes) if problem.max_cells is None else problem.max_cells
        self.max_cells = np.maximum(held_now, limit)
        self._points(people)
        self._candidates(problem.candidates)
        self.exempt = frozenset(
            p
            for p, mine in enumerate(self.current)
            if problem.contiguous and not is_connected(mine, self.neighbours)
        )
        loads = person_loads(self, self.current)
        mean = float(loads.mean()) if len(loads) else 0.0
        self.mean_load = mean if mean > 0 else 1.0

    def _points(self, people: pd.DataFrame) -> None:
        """Each person's point: their own, else the mean of their cells' points."""
        lon = pd.to_numeric(people["lon"]).to_numpy(dtype=float)
        lat = pd.to_numeric(people["lat"]).to_numpy(dtype=float)
        for p, mine in enumerate(self.current):
            if (np.isnan(lon[p]) or np.isnan(lat[p])) and mine:
                cells = sorted(mine)
                lon[p] = np.nanmean(self.lon[cells]) if cells else np.nan
                lat[p] = np.nanmean(self.lat[cells]) if cells else np.nan
        self.person_lon, self.person_lat = lon, lat

    def _candidates(self, nearest: int | None) -> None:
        """Find the cells each person may hold, with their distances."""
        km = haversine_km(
            self.person_lon[:, None], self.person_lat[:, None], self.lon, self.lat
        )
        self.candidates: list[list[int]] = []
        self.distance: list[dict[int, float]] = []
        for p, mine in enumerate(self.current):
            row = km[p]
            known = np.flatnonzero(~np.isnan(row))
            if nearest is not None and len(known) > nearest:
                order = known[np.lexsort((known, row[known]))][:nearest]
            else:
                order = known
            chosen = sorted(set(order.tolist()) | set(mine))
            self.candidates.append(chosen)
            self.distance.append(
                {c: (0.0 if np.isnan(row[c]) else float(row[c])) for c in chosen}
            )


def _int_column(frame: pd.DataFrame, name: str, default: np.ndarray) -> np.ndarray:
    if name not in frame.columns:
        return np.asarray(default, dtype=int)
    values = pd.to_numeric(frame[name], errors="coerce")
    return np.where(values.isna(), default, values).astype(int)


def _neighbours(
    cells: pd.DataFrame, cell_at: Mapping[str, int]
) -> list[frozenset[int]]:
    found: list[set[int]] = [set() for _ in cell_at]
    for k, adjacent in enumerate(cells["neighbours"]):
        for code in adjacent if isinstance(adjacent, Iterable) else ():
            other = cell_at.get(str(code))
            if other is not None and other != k:
                found[k].add(other)
                found[other].add(k)
    return [frozenset(f) for f in found]


def is_connected(cells: Iterable[int], neighbours: Sequence[frozenset[int]]) -> bool:
    """Return whether cells form one connected set (none or one: connected).

    Examples
    --------
    >>> row = [frozenset({1}), frozenset({0, 2}), frozenset({1})]
    >>> is_connected({0, 1, 2}, row), is_connected({0, 2}, row)
    (True, False)
    """
    wanted = set(cells)
    if len(wanted) <= 1:
        return True
    start = next(iter(wanted))
    seen, todo = {start}, [start]
    while todo:
        for other in neighbours[todo.pop()] & wanted:
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return seen == wanted


def holder_counts(holding: Holding, n_cells: int) -> np.ndarray:
    """Return how many people of the problem hold each cell."""
    counts = np.zeros(n_cells, dtype=int)
    for mine in holding:
        for c in mine:
            counts[c] += 1
    return counts


def person_loads(index: ProblemIndex, holding: Holding) -> np.ndarray:
    """Return each person's load: Σ over their cells of load / holders there."""
    holders = index.fixed + holder_counts(holding, len(index.codes))
    return np.array(
        [sum(index.load[c] / holders[c] for c in mine) for mine in holding],
        dtype=float,
    )


def count_moves(index: ProblemIndex, holding: Holding) -> int:
    """Return the change-set operations from now to ``holding``.

    Per person, each cell lost paired with a cell gained is one ``move``;
    the rest are ``remove`` or ``add``: max(lost, gained) operations.
    """
    return sum(
        max(len(before - after), len(after - before))
        for before, after in zip(index.current, holding, strict=True)
    )
