"""``twonet bench staffing``: the rules report, a bulk preview, on the demo city.

A scratch SpatiaLite database gets the demo grid, registry and roster
(:func:`twonet.bench.balance.demo_roster_database`, through the real
importers).  On the roster's date it measures:

* the staffing-rules report for the whole city (every cell, person and
  rule), beside reading its context alone (what the rules add to the reads);
* the preview of a bulk change handing every village of the largest
  township to one assistant, beside the preview of a single move (what a
  whole township costs over one cell).

The balancing of 黄岛区 is ``twonet bench balance``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from twonet.bench import Figure, scratch_databases, timed


def staffing_benchmark(
    data_dir: Path, *, employers: int = 30_000, rounds: int = 3
) -> list[Figure]:
    """Run the staffing benchmark; medians of ``rounds`` runs each."""
    from grid.demo import build_qingdao_demo
    from twonet.bench.balance import demo_roster_database
    from twonet.db.engine import get_engine

    cells, _ = build_qingdao_demo(data_dir)
    with scratch_databases(None) as urls:
        engine = get_engine(urls["SpatiaLite"])
        try:
            seconds, as_of = timed(
                lambda: demo_roster_database(engine, cells, employers)
            )
            figures = [
                Figure(
                    f"demo database: grid, {employers:,} employers, roster",
                    seconds,
                    "s",
                )
            ]
            figures += _report_figures(engine, as_of, rounds)
            figures += _preview_figures(engine, as_of, rounds)
        finally:
            engine.dispose()
    return figures


def _median(run: Any, rounds: int) -> tuple[float, Any]:
    results = [timed(run) for _ in range(max(1, rounds))]
    times = sorted(seconds for seconds, _ in results)
    return times[len(times) // 2], results[-1][1]


def _report_figures(engine: Any, as_of: dt.date, rounds: int) -> list[Figure]:
    from twonet.rules import rules_report, staffing_context

    read, context = _median(lambda: staffing_context(engine, as_of), rounds)
    report, breaches = _median(lambda: rules_report(engine, as_of), rounds)
    return [
        Figure(
            f"rules report, whole city ({len(context.cells):,} cells, "
            f"{len(context.staff):,} people, {len(breaches)} breaches)",
            report,
            "s",
            "reading its context alone",
            read,
            higher_is_better=False,
        )
    ]


def _preview_figures(engine: Any, as_of: dt.date, rounds: int) -> list[Figure]:
    from twonet import changes
    from twonet.db.assignment_store import assignments_as_of
    from twonet.db.staffing_queries import cells_on

    cells = cells_on(engine, as_of)
    jobs = assignments_as_of(engine, as_of)
    villages = cells[cells["level"] == "village"]
    town = str(villages.groupby("parent_code").size().idxmax())
    mine = jobs[
        jobs["cell_code"].isin(villages.loc[villages["parent_code"] == town, "code"])
    ]
    helpers = mine[mine["duty"] == "assistant"]
    person = str(helpers["staff_id"].iloc[0])
    here = str(helpers["cell_code"].iloc[0])
    there = str(sorted(set(mine["cell_code"]) - {here})[0])
    effective = as_of.isoformat()
    bulk = changes.change_set_from_dict(
        {
            "reason": "bench",
            "effective": effective,
            "changes": [
                {
                    "op": "bulk",
                    "under": town,
                    "level": "village",
                    "duty": "assistant",
                    "to": person,
                }
            ],
        }
    )
    move = changes.change_set_from_dict(
        {
            "reason": "bench",
            "effective": effective,
            "changes": [
                {
                    "op": "move",
                    "staff_id": person,
                    "from": here,
                    "to": there,
                    "duty": "assistant",
                }
            ],
        }
    )
    one, _ = _median(lambda: changes.preview(engine, move, as_of=as_of), rounds)
    many, shown = _median(lambda: changes.preview(engine, bulk, as_of=as_of), rounds)
    n_villages = int((villages["parent_code"] == town).sum())
    return [
        Figure(
            f"preview: bulk change of township {town} ({n_villages} villages, "
            f"{len(shown.steps)} steps)",
            many,
            "s",
            "preview of one move",
            one,
            higher_is_better=False,
        )
    ]
