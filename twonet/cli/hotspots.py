"""``twonet hotspots``: where violations per employer cluster beyond chance.

Gi* per cell with 999 seeded permutations, Benjamini–Hochberg corrected;
``--emerging`` adds the quarterly trend.  Exit code 0 with or without
hotspots; 2 when the analysis cannot run (bad level, type or date, no cells,
an unreachable database).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from twonet.cli.common import (
    DbOption,
    ReportFormat,
    app,
    console,
    err_console,
    fail,
    frame_table,
    open_database,
    parse_date,
    report_format,
)
from twonet.errors import TwoNetError

_TABLE_COLUMNS = {
    "cell_code": "网格 / cell",
    "cell_name": "名称 / name",
    "violations": "案件 / cases",
    "employers": "单位 / employers",
    "smoothed_rate": "平滑比率 / smoothed",
    "z": "z",
    "p_fdr": "p (FDR)",
    "class_zh": "类别 / class",
    "trend_zh": "趋势 / trend",
    "under_inspected": "检查不足 / under-inspected",
}


@app.command("hotspots")
def hotspots_command(
    level: Annotated[
        str, typer.Option(help="网格级别 / level: city|county|township|village")
    ],
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="违法类型（可重复）/ violation type code or Chinese name, repeatable",
        ),
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="发现日期起 / found from YYYY-MM-DD")
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option(
            "--to", help="发现日期止 / found up to YYYY-MM-DD (default today)"
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            help="table (屏幕 / screen), json (--out or stdout), csv or xlsx (--out); "
            "default: from the --out suffix, else table",
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="写入文件 / write to FILE")
    ] = None,
    emerging: Annotated[
        bool,
        typer.Option(
            "--emerging", help="按季度分析新兴热点 / emerging hotspots by quarter"
        ),
    ] = False,
    permutations: Annotated[
        int, typer.Option(help="置换次数 / Gi* permutations")
    ] = 999,
    seed: Annotated[int | None, typer.Option(help="随机种子 / seed")] = None,
    db: DbOption = None,
    limit: Annotated[
        int,
        typer.Option(help="表格最多显示行数 / table: show at most N rows (0 = all)"),
    ] = 50,
) -> None:
    """违法热点分析 / violation hotspots (Gi*, FDR-corrected)."""
    from grid.hotspots import DEFAULT_SEED
    from twonet.hotspots import hotspot_report, make_query, report_json, write_report

    try:
        fmt = report_format(output_format, out)
        query = make_query(
            level,
            types=types,
            date_from=parse_date(date_from),
            date_to=parse_date(date_to),
        )
        to_stdout = fmt is ReportFormat.JSON and out is None
        with open_database(db, note_to_stderr=to_stdout) as engine:
            report = hotspot_report(
                engine,
                query,
                emerging=emerging,
                permutations=permutations,
                seed=DEFAULT_SEED if seed is None else seed,
            )
        if fmt is ReportFormat.TABLE:
            _print_table(report, limit)
        elif to_stdout:
            typer.echo(report_json(report))
        elif out is not None:
            write_report(report, out)
            console.print(
                f"[green]已写出 / written {len(report):,} → {escape(str(out))}[/green]"
            )
    except TwoNetError as exc:
        raise fail(exc) from exc
    if fmt is not ReportFormat.TABLE:
        note = err_console if to_stdout else console
        note.print(_summary(report))


def _summary(report: Any) -> str:
    counts = report["class_zh"].value_counts()
    parts = "，".join(f"{name} {n}" for name, n in counts.items())
    hot = int(report["class"].str.startswith("hot_").sum())
    under = int(report["under_inspected"].sum())
    return (
        f"网格 {len(report)} 个：{parts}。显著热点 {hot} 个，其中检查不足 {under} 个 / "
        f"{len(report)} cells, {hot} significant hot spots, {under} under-inspected"
    )


def _print_table(report: Any, limit: int) -> None:
    ordered = report.assign(_abs=-report["z"].abs()).sort_values(
        ["significant", "_abs", "cell_code"], ascending=[False, True, True]
    )
    shown = ordered if limit <= 0 else ordered.head(limit)
    shown = shown.loc[:, list(_TABLE_COLUMNS)].rename(columns=_TABLE_COLUMNS)
    shown = shown.round(3).astype(object).where(shown.notna(), "")
    console.print(frame_table("违法热点 / violation hotspots", shown))
    hidden = len(report) - len(shown)
    if hidden:
        console.print(
            f"[dim]另有 {hidden:,} 个网格未显示 / {hidden:,} more cells: "
            "--limit 0, or --format csv --out FILE[/dim]"
        )
    console.print(_summary(report))
