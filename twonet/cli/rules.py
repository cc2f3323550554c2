"""``twonet rules report``: every breach of the staffing rules on a date.

A report, not a gate: the exit code is 0 whether or not there are breaches
(2 when the report cannot be made: a bad rules file, date or level, an
unreachable database).
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

rules_app = typer.Typer(
    help="人员配置规则 / staffing rules: report breaches.", no_args_is_help=True
)
app.add_typer(rules_app, name="rules")


_TABLE_COLUMNS = {
    "severity": "严重程度 / severity",
    "rule": "规则 / rule",
    "cell_code": "网格 / cell",
    "staff_id": "人员 / staff",
    "value": "实际 / value",
    "limit": "限值 / limit",
    "message_zh": "说明",
}


@rules_app.command("report")
def rules_report_command(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="日期 / date YYYY-MM-DD (default today)"),
    ] = None,
    level: Annotated[
        str | None,
        typer.Option(
            help="只看该级网格 / only cells of this level: city|county|township|village"
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
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="部署规则文件 / deployment rules TOML (default $TWONET_RULES, "
            "else the shipped defaults)",
        ),
    ] = None,
    db: DbOption = None,
    limit: Annotated[
        int,
        typer.Option(help="表格最多显示行数 / table: show at most N rows (0 = all)"),
    ] = 200,
) -> None:
    """列出人员配置规则的所有违规 / list every breach of the staffing rules.

    Exit code 0 even when there are breaches (this is a report); 2 when the
    report cannot be made.
    """
    from twonet.rules import (
        breach_counts,
        load_rules,
        report_json,
        rules_report,
        write_report,
    )

    try:
        fmt = report_format(output_format, out)
        date = parse_date(as_of)
        rules = load_rules(rules_file)
        to_stdout = fmt is ReportFormat.JSON and out is None
        with open_database(db, note_to_stderr=to_stdout) as engine:
            breaches = rules_report(engine, date, rules, level=level)
        if fmt is ReportFormat.TABLE:
            _print_table(breaches, limit)
        elif to_stdout:
            typer.echo(report_json(breaches))
        elif out is not None:  # csv and xlsx always have one (_format)
            write_report(breaches, out)
    except TwoNetError as exc:
        raise fail(exc) from exc
    if fmt is not ReportFormat.TABLE:
        note = err_console if to_stdout else console
        note.print(frame_table("违规统计 / breaches per rule", breach_counts(breaches)))
        if out is not None:
            shown = escape(str(out))
            note.print(f"[green]已写出 / written {len(breaches):,} → {shown}[/green]")


def _print_table(breaches: Any, limit: int) -> None:
    from twonet.rules import breach_counts

    if breaches.empty:
        console.print("[green]没有违规 / no breaches[/green]")
        return
    shown = breaches if limit <= 0 else breaches.head(limit)
    shown = shown.loc[:, list(_TABLE_COLUMNS)].rename(columns=_TABLE_COLUMNS)
    shown = shown.astype(object).where(shown.notna(), "")
    console.print(frame_table("人员配置规则违规 / staffing rule breaches", shown))
    hidden = len(breaches) - len(shown)
    if hidden:
        console.print(
            f"[dim]另有 {hidden:,} 条未显示 / {hidden:,} more not shown: "
            "--limit 0, or --format csv --out FILE[/dim]"
        )
    console.print(frame_table("违规统计 / breaches per rule", breach_counts(breaches)))
    console.print(f"合计 / total: {len(breaches):,}")
