"""Workload balancing of one county, from the database to a change set.

The problem is read from the database, both solvers run, and the answer is
written as an ordinary change set (``twonet changes preview|apply|undo``).

What is read (on a date, default today):

* **cells** — the county's villages (``duty="assistant"``) or townships
  (``duty="responsible"``) valid on the date; neighbours from their polygons
  (:func:`grid.balance_inputs.cell_neighbours`), a point inside each;
* **load** — the employers placed in each cell today (the register keeps no
  placement history): their number, their workers or their risk
  (:func:`grid.balance_inputs.cell_loads`);
* **people** — the active staff of the duty's kind (协管员 ``assistant`` /
  专职监察员 ``inspector``) whose unit lies in the county, whether or not they
  hold a cell now; their home point, else their unit's point;
* **assignments** — the duty's assignments valid on the date in those cells.
  Holders who are active but not among the people (staff of another county,
  another kind) keep their place and count as holders (``fixed``); holders
  who are not active on the date count for nothing and are left alone (the
  staffing-rules report lists them).

A cell needs the holders it has now, at least :data:`MIN_HOLDERS` of the
duty (≥ 2 协管员 per village, 1 responsible inspector per township).
Assignments of the county's people outside the county are neither counted
nor changed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from grid.balance import (
    BalanceProblem,
    BalanceResult,
    BalanceWeights,
    balance_cp_sat,
    balance_greedy,
)
from grid.balance_inputs import LOAD_MEASURES, cell_loads, cell_neighbours, cell_points
from grid.errors import BalanceError
from twonet.db import repository as repo
from twonet.db.assignment_store import assignments_as_of
from twonet.db.balance_queries import county_employers, staff_rows
from twonet.db.repository import Bind


@dataclass(frozen=True)
class DutySetup:
    """What a duty balances: the level of its cells, the kind of its people.

    ``max_cells``: the default limit of cells per person (``None``: none).
    Three keeps the assistants' model small: up to three cells, contiguity
    is one clause per cell instead of a flow (see :mod:`grid.balance`).
    """

    level: str
    kind: str
    min_holders: int
    max_cells: int | None


#: Duties that can be balanced, as stored.
DUTIES: Final = {
    "assistant": DutySetup("village", "assistant", 2, 3),
    "responsible": DutySetup("township", "inspector", 1, None),
}
#: Holders a cell needs at least, per duty (DOMAIN.md: ≥ 2 协管员 per grid).
MIN_HOLDERS: Final = {duty: setup.min_holders for duty, setup in DUTIES.items()}


@dataclass(frozen=True)
class CountyBalance:
    """Both solvers' answers for one county, from the same problem."""

    county: str
    as_of: dt.date
    by: str
    problem: BalanceProblem
    cp_sat: BalanceResult
    greedy: BalanceResult

    @property
    def chosen(self) -> BalanceResult:
        """Return the answer with the lower objective (CP-SAT when equal)."""
        if self.greedy.after.objective < self.cp_sat.after.objective:
            return self.greedy
        return self.cp_sat


def county_problem(
    bind: Bind,
    county: str,
    *,
    as_of: dt.date | None = None,
    by: str = "employers",
    duty: str = "assistant",
    max_moves: int | None = None,
    contiguous: bool = True,
    candidates: int | None = 8,
    max_cells: int | None = None,
    extra_holders: int = 1,
    weights: BalanceWeights | None = None,
) -> BalanceProblem:
    """Build the balancing problem of one county from the database.

    Parameters
    ----------
    bind : Engine or Connection
    county : str
        A county cell code (6 digits).
    as_of : date, optional
        Cells, people and assignments valid on this date; default today.
    by : {"employers", "workers", "risk"}
    duty : {"assistant", "responsible"}
    max_cells : int, optional
        Cells per person at most; default the duty's
        (:attr:`DutySetup.max_cells`); 0 for no limit.
    max_moves, contiguous, candidates, extra_holders, weights
        See :class:`grid.balance.BalanceProblem`.

    Raises
    ------
    BalanceError
        Unknown duty or load measure, no such county on the date, or no cell
        of the duty's level in it.
    """
    as_of = as_of or dt.date.today()
    setup = _setup(duty, by)
    found = repo.load_cells(bind, codes=[county], as_of=as_of)
    if found.empty or found["level"].iloc[0] != "county":
        msg = (
            f"{as_of} 没有区县网格 {county!r} / no county cell {county!r} "
            f"valid on {as_of}"
        )
        raise BalanceError(msg)
    towns = repo.load_cells(bind, level="township", parent_code=county, as_of=as_of)
    cells = towns if setup.level == "township" else _villages(bind, towns, as_of)
    if cells.empty:
        msg = (
            f"区县 {county} 在 {as_of} 没有{setup.level}级网格 / county {county} "
            f"has no {setup.level} cells on {as_of}"
        )
        raise BalanceError(msg)
    codes = [str(c) for c in cells["code"]]
    geometries = list(cells.geometry)
    lon, lat = cell_points(geometries)
    employers = county_employers(bind, county)
    employers["cell_code"] = employers[f"{setup.level}_code"]
    frame = pd.DataFrame(
        {
            "code": codes,
            "load": cell_loads(employers, codes, by).to_numpy(),
            "lon": lon,
            "lat": lat,
            "neighbours": cell_neighbours(codes, geometries),
        }
    )
    places = pd.concat([found, towns, cells]).drop_duplicates("code")
    people = _people(bind, setup.kind, county, places, as_of)
    jobs = assignments_as_of(bind, as_of, cells=codes)
    jobs = jobs.loc[jobs["duty"] == duty, ["staff_id", "cell_code"]].drop_duplicates()
    ours = jobs["staff_id"].isin(people["staff_id"])
    others = jobs[~ours]
    holders = staff_rows(bind, ids=others["staff_id"])
    active = holders.loc[_active(holders, as_of), "staff_id"]
    fixed = others[others["staff_id"].isin(active)].groupby("cell_code").size()
    frame["fixed"] = fixed.reindex(codes, fill_value=0).to_numpy()
    return BalanceProblem(
        frame,
        people,
        jobs[ours].reset_index(drop=True),
        duty=duty,
        max_moves=max_moves,
        contiguous=contiguous,
        candidates=candidates,
        max_cells=setup.max_cells if max_cells is None else (max_cells or None),
        min_holders=setup.min_holders,
        extra_holders=extra_holders,
        weights=weights or BalanceWeights(),
    )


def _setup(duty: str, by: str) -> DutySetup:
    if by not in LOAD_MEASURES:
        msg = (
            f"未知的负荷口径 {by!r} / unknown load measure {by!r}; expected one "
            f"of {', '.join(LOAD_MEASURES)}"
        )
        raise BalanceError(msg)
    if duty not in DUTIES:
        msg = (
            f"无法均衡职责 {duty!r} / cannot balance duty {duty!r}; expected one "
            f"of {', '.join(DUTIES)}"
        )
        raise BalanceError(msg)
    return DUTIES[duty]


def _villages(bind: Bind, towns: pd.DataFrame, as_of: dt.date) -> Any:
    parts = [
        repo.load_cells(bind, level="village", parent_code=str(town), as_of=as_of)
        for town in towns["code"]
    ]
    parts = [p for p in parts if not p.empty]
    if not parts:
        return repo.load_cells(bind, codes=[], as_of=as_of)
    return pd.concat(parts).sort_values("code", ignore_index=True)


def _active(staff: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Active on ``as_of``: ``active_from <= as_of < active_to`` (open ends allowed)."""
    started = staff["active_from"].map(lambda d: d is None or pd.isna(d) or d <= as_of)
    ongoing = staff["active_to"].map(lambda d: d is None or pd.isna(d) or as_of < d)
    return (started & ongoing).astype(bool)


def _people(
    bind: Bind, kind: str, county: str, places: Any, as_of: dt.date
) -> pd.DataFrame:
    """Return the active people of a kind with a unit in the county, and a point."""
    staff = staff_rows(bind, kind=kind)
    staff = staff[_active(staff, as_of)]
    inside = set(places["code"])
    units = staff["unit_code"].astype(str)
    strangers = sorted(set(units) - inside)
    known = set(repo.load_cells(bind, codes=strangers, as_of=as_of)["code"])
    # a unit that is no cell on the date falls back to its county prefix
    mine = units.isin(inside) | (~units.isin(known) & (units.str[:6] == county))
    staff = staff[mine].reset_index(drop=True)
    lon, lat = cell_points(list(places.geometry))
    point = pd.DataFrame({"lon": lon, "lat": lat}, index=places["code"].astype(str))
    unit_point = point.reindex(staff["unit_code"].astype(str))
    home_lon = pd.to_numeric(staff["home_lon"], errors="coerce").to_numpy(dtype=float)
    home_lat = pd.to_numeric(staff["home_lat"], errors="coerce").to_numpy(dtype=float)
    has_home = ~(np.isnan(home_lon) | np.isnan(home_lat))
    return pd.DataFrame(
        {
            "staff_id": staff["staff_id"].astype(str),
            "lon": np.where(has_home, home_lon, unit_point["lon"].to_numpy()),
            "lat": np.where(has_home, home_lat, unit_point["lat"].to_numpy()),
        }
    )


def balance_county(
    bind: Bind,
    county: str,
    *,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    **options: Any,
) -> CountyBalance:
    """Build a county's problem and solve it with CP-SAT and the greedy baseline.

    ``options`` go to :func:`county_problem`; ``time_limit``, ``workers``
    and ``seed`` to :func:`grid.balance.balance_cp_sat`.
    """
    problem = county_problem(bind, county, **options)
    return CountyBalance(
        county=county,
        as_of=options.get("as_of") or dt.date.today(),
        by=options.get("by", "employers"),
        problem=problem,
        cp_sat=balance_cp_sat(
            problem, time_limit=time_limit, workers=workers, seed=seed
        ),
        greedy=balance_greedy(problem),
    )


def change_set_document(
    balance: CountyBalance,
    result: BalanceResult | None = None,
    *,
    effective: dt.date | None = None,
) -> dict[str, Any]:
    """Return a result's change set (default the chosen one) as a document.

    The form ``twonet changes`` reads: ``{"reason": …, "effective":
    "YYYY-MM-DD" (only if given), "changes":
    [...]}``; the reason names the county, duty, measure, solver and the
    max/min load ratio before and after.
    """
    result = result or balance.chosen
    before, after = result.before, result.after
    reason = (
        f"工作量均衡 / workload balancing: {balance.county} "
        f"{balance.problem.duty} by {balance.by}, {result.solver} {result.status}; "
        f"max/min {_ratio(before.ratio)} → {_ratio(after.ratio)}, "
        f"std {before.std_load:.2f} → {after.std_load:.2f}, "
        f"{after.moves} moves"
    )
    document: dict[str, Any] = {"reason": reason}
    if effective is not None:
        document["effective"] = effective.isoformat()
    document["changes"] = [dict(change) for change in result.changes]
    return document


def write_change_set(document: dict[str, Any], path: Path | str) -> Path:
    """Write a change-set document as UTF-8 JSON (Chinese kept as is)."""
    path = Path(path)
    path.write_text(
        json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path


def _ratio(value: float) -> str:
    return "∞" if not np.isfinite(value) else f"{value:.2f}"
