"""``twonet imports list|show``: how every import ended, and what it refused."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from twonet.cli.common import DbOption, app, console, fail, frame_table, open_database
from twonet.errors import TwoNetError

imports_app = typer.Typer(
    help="导入记录 / import runs: outcome, counts, rejected and warned rows.",
    no_args_is_help=True,
)
app.add_typer(imports_app, name="imports")

#: Outcomes in Chinese, for the listing.
OUTCOMES_ZH = {
    "running": "进行中",
    "succeeded": "成功",
    "failed": "失败",
    "refused": "拒收",
    "interrupted": "中断",
}


@imports_app.command("list")
def imports_list(
    db: DbOption = None,
    kind: Annotated[
        str | None, typer.Option(help="表类型 / table kind, e.g. employers, grid")
    ] = None,
    limit: Annotated[int, typer.Option(help="最多列出 / at most this many")] = 20,
) -> None:
    """列出导入记录 / list import runs, newest first, with their outcome."""
    from twonet.db.import_runs import runs

    try:
        with open_database(db) as engine:
            found = runs(engine, kind=kind, limit=limit)
    except TwoNetError as exc:
        raise fail(exc) from exc
    if found.empty:
        console.print("没有导入记录 / no import runs")
        return
    shown = found.assign(
        source_name=found["source_name"].map(lambda p: Path(str(p)).name),
        outcome=found["outcome"].map(
            lambda o: f"{OUTCOMES_ZH.get(str(o), o)} / {o}" if o else ""
        ),
        counts=found["counts"].map(_counts_text),
        error=found["error"].fillna("").map(lambda e: str(e)[:80]),
    )
    console.print(frame_table("导入记录 / import runs", shown))


def _counts_text(counts: object) -> str:
    if not isinstance(counts, dict):
        return ""
    keys = ("read", "accepted", "rejected", "warned")
    return ", ".join(f"{k} {counts[k]}" for k in keys if k in counts)


@imports_app.command("show")
def imports_show(
    run_id: Annotated[int, typer.Argument(help="导入记录编号 / import run id")],
    db: DbOption = None,
    out: Annotated[
        Path | None,
        typer.Option(help="另存为 / also write them to .csv or .xlsx"),
    ] = None,
) -> None:
    """显示一次导入的问题行 / the rejected and warned rows of one import run."""
    from twonet.db.import_runs import run_problems
    from twonet.exports import write_table

    try:
        with open_database(db) as engine:
            problems = run_problems(engine, run_id)
        if out is not None:
            write_table(problems, out, sheet="问题行")
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(
        frame_table(
            f"导入 {run_id} 的问题行 / problem rows of run {run_id}",
            problems.drop(columns=["raw"]),
        )
    )
