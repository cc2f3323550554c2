"""``twonet balance``: a change set that evens the workload across a county."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from twonet.cli.common import DbOption, app, console, fail, open_database, parse_date
from twonet.errors import TwoNetError


class LoadMeasure(StrEnum):
    """What a cell's load counts."""

    EMPLOYERS = "employers"
    WORKERS = "workers"
    RISK = "risk"


class BalancedDuty(StrEnum):
    """The duties ``twonet balance`` evens out."""

    ASSISTANT = "assistant"
    RESPONSIBLE = "responsible"


@app.command("balance")
def balance_command(
    county: Annotated[str, typer.Option("--county", help="区县编码 / county code")],
    by: Annotated[
        LoadMeasure,
        typer.Option(
            "--by",
            help="负荷口径 / load: employers, workers, or risk (employers "
            "weighted by missing contracts and insurance)",
        ),
    ] = LoadMeasure.EMPLOYERS,
    max_moves: Annotated[
        int, typer.Option("--max-moves", help="最多操作数 / at most N operations")
    ] = 30,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="写出变更集JSON / write the change set (JSON) here"),
    ] = None,
    duty: Annotated[
        BalancedDuty,
        typer.Option(
            "--duty",
            help="assistant (协管员 over villages) or responsible "
            "(责任监察员 over townships)",
        ),
    ] = BalancedDuty.ASSISTANT,
    contiguous: Annotated[
        bool,
        typer.Option(
            "--contiguous/--no-contiguous",
            help="每人网格相连 / keep each person's cells connected",
        ),
    ] = True,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="CP-SAT 秒数 / CP-SAT seconds")
    ] = 20.0,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="日期 / date YYYY-MM-DD (default today)"),
    ] = None,
    candidates: Annotated[
        int,
        typer.Option(
            "--candidates", help="每人可选最近网格数 / nearest cells a person may take"
        ),
    ] = 8,
    extra_holders: Annotated[
        int,
        typer.Option(
            "--extra-holders",
            help="每格可多配人数 / holders a cell may get beyond its need",
        ),
    ] = 1,
    max_cells: Annotated[
        int | None,
        typer.Option(
            "--max-cells",
            help="每人最多网格数 / cells per person at most (default: assistant "
            "3, responsible no limit; 0: no limit)",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """工作量均衡 / propose a change set evening the workload (CP-SAT vs greedy)."""
    from twonet.balance import balance_county, change_set_document, write_change_set

    try:
        date = parse_date(as_of)
        with open_database(db) as engine:
            result = balance_county(
                engine,
                county,
                as_of=date,
                by=by.value,
                duty=duty.value,
                max_moves=max_moves,
                contiguous=contiguous,
                candidates=candidates,
                extra_holders=extra_holders,
                max_cells=max_cells,
                time_limit=time_limit,
            )
        console.print(_objective_table(result))
        chosen = result.chosen
        document = change_set_document(result, effective=date)
        console.print(_changes_table(document["changes"]))
        if result.problem.index.exempt:
            console.print(
                f"不要求相连（现有网格本不相连）/ exempt from contiguity (cells "
                f"not connected now): {', '.join(chosen.exempt)}"
            )
        if out is not None:
            write_change_set(document, out)
            console.print(
                f"[green]变更集 / change set ({chosen.solver}, "
                f"{len(document['changes'])} ops) → {escape(str(out))}[/green]; "
                "twonet changes preview/apply"
            )
    except TwoNetError as exc:
        raise fail(exc) from exc


def _number(value: float, digits: int = 2) -> str:
    return "∞" if math.isinf(value) else f"{value:,.{digits}f}"


def _objective_table(result: Any) -> Table:
    problem = result.problem
    index = problem.index
    table = Table(
        title=(
            f"工作量均衡 / balancing {result.county} {problem.duty} by {result.by} "
            f"({len(index.codes)} cells, {len(index.staff)} people, {result.as_of})"
        )
    )
    columns = (
        "",
        "max/min",
        "std",
        "max",
        "min",
        "moves",
        "km",
        "short",
        "idle",
        "objective",
        "s",
        "status",
    )
    for column in columns:
        table.add_column(column, justify="left" if not column else "right")
    rows = (
        ("现状 / before", result.cp_sat.before, None),
        ("CP-SAT", result.cp_sat.after, result.cp_sat),
        ("贪心 / greedy", result.greedy.after, result.greedy),
    )
    for label, metrics, solved in rows:
        table.add_row(
            label,
            _number(metrics.ratio),
            _number(metrics.std_load),
            _number(metrics.max_load),
            _number(metrics.min_load),
            str(metrics.moves),
            _number(metrics.distance_km, 1),
            str(metrics.shortfall),
            str(metrics.idle),
            _number(metrics.objective, 0),
            "" if solved is None else f"{solved.seconds:.2f}",
            "" if solved is None else solved.status,
        )
    return table


def _changes_table(changes: list[dict[str, str]], shown: int = 30) -> Table:
    table = Table(title=f"变更 / changes ({len(changes)})")
    for column in ("op", "staff_id", "from / cell", "to"):
        table.add_column(column)
    for change in changes[:shown]:
        table.add_row(
            change["op"],
            escape(change["staff_id"]),
            escape(change.get("from") or change.get("cell", "")),
            escape(change.get("to", "")),
        )
    if len(changes) > shown:
        table.add_row("…", f"+{len(changes) - shown}", "", "")
    return table
