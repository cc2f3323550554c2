"""``twonet bench balance``: balancing 黄岛区 with CP-SAT beside the greedy baseline.

A scratch SpatiaLite database gets the Qingdao demo grid, a demo registry of
``employers`` rows imported the way ``twonet demo`` imports it, and the demo
roster (:func:`ingest.demo_roster.generate_roster`, two 协管员 per village,
one responsible inspector per township, the planted gaps) imported through
the staff and assignment importers.  On the roster's date, the
county's problem is built from the database (:func:`twonet.balance.county_problem`)
and solved by both solvers, for the assistants over villages and the
responsible inspectors over townships.

Figures per duty: the size of the problem, the time to build it, then for
CP-SAT (the greedy baseline beside it) the solve time, the objective, the
max/min load ratio, the standard deviation of the load, the moves and the
total distance; the same measures before any change come as their own
figures.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from twonet.bench import Figure, scratch_databases, timed

#: The county balanced: 黄岛区 / 西海岸新区.
COUNTY = "370211"


def balance_benchmark(
    data_dir: Path,
    *,
    employers: int = 30_000,
    time_limit: float = 20.0,
    max_moves: int = 60,
) -> list[Figure]:
    """Run the balancing benchmark and return its figures."""
    from grid.demo import build_qingdao_demo
    from twonet.db.engine import get_engine

    cells, _ = build_qingdao_demo(data_dir)
    figures: list[Figure] = []
    with scratch_databases(None) as urls:
        engine = get_engine(urls["SpatiaLite"])
        try:
            seconds, as_of = timed(
                lambda: demo_roster_database(engine, cells, employers)
            )
            figures.append(
                Figure(
                    f"demo database: grid, {employers:,} employers, roster",
                    seconds,
                    "s",
                )
            )
            for duty in ("assistant", "responsible"):
                figures += _duty_figures(engine, duty, as_of, time_limit, max_moves)
        finally:
            engine.dispose()
    return figures


def _duty_figures(
    engine: Any, duty: str, as_of: dt.date, time_limit: float, max_moves: int
) -> list[Figure]:
    from grid.balance import balance_cp_sat, balance_greedy
    from twonet.balance import county_problem

    build, problem = timed(
        lambda: county_problem(
            engine, COUNTY, as_of=as_of, duty=duty, max_moves=max_moves
        )
    )
    index = problem.index
    cp = balance_cp_sat(problem, time_limit=time_limit)
    greedy = balance_greedy(problem)
    label = f"{COUNTY} {duty}"
    figures = [
        Figure(f"{label}: cells", len(index.codes), "cells"),
        Figure(f"{label}: people", len(index.staff), "people"),
        Figure(f"{label}: problem from the database", build, "s"),
        _versus(
            f"{label}: CP-SAT solve ({cp.status})", cp.seconds, greedy.seconds, "s"
        ),
    ]
    measures = (
        ("objective", "objective", ""),
        ("max/min load ratio", "ratio", "×"),
        ("max load", "max_load", "employers"),
        ("min load", "min_load", "employers"),
        ("load std", "std_load", "employers"),
        (f"moves (max {max_moves})", "moves", "ops"),
        ("distance", "distance_km", "km"),
        ("holders short", "shortfall", "holders"),
    )
    for name, field, unit in measures:
        if field != "moves":
            figures.append(
                Figure(f"{label}: {name} before", getattr(cp.before, field), unit)
            )
        figures.append(
            _versus(
                f"{label}: {name} after",
                getattr(cp.after, field),
                getattr(greedy.after, field),
                unit,
            )
        )
    return figures


def _versus(name: str, ours: float, greedy: float, unit: str) -> Figure:
    """CP-SAT's figure with the greedy baseline beside it (lower is better)."""
    return Figure(
        name, float(ours), unit, "greedy", float(greedy), higher_is_better=False
    )


def demo_roster_database(engine: Any, cells: Any, employers: int) -> dt.date:
    """Fill an empty database with the demo grid, registry and roster.

    Everything comes in through the real importers, as ``twonet demo`` does.

    Returns
    -------
    date
        The roster's date (its planted gaps hold on it).
    """
    from ingest.demo_registry import generate_registry, write_registry
    from ingest.demo_roster import generate_roster, write_roster
    from twonet.db import repository as repo
    from twonet.db.staffing_queries import employer_load
    from twonet.employer_import import GridContext, import_registry, load_gazetteer
    from twonet.staff_import import import_assignments, import_staff

    repo.save_cells(engine, cells)
    registry = generate_registry(cells, n=employers)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [p for p in write_registry(registry, folder) if p.parent == folder]
        gazetteer = load_gazetteer()
        grid = GridContext.from_database(engine)
        for file in files:
            import_registry(engine, file, gazetteer=gazetteer, grid=grid)
        roster = generate_roster(cells, load=employer_load(engine))
        written = write_roster(roster, folder / "roster")
        import_staff(engine, written["staff"])
        import_assignments(engine, written["assignments"], actor="bench")
    return roster.as_of
