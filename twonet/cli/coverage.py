"""``twonet coverage``, ``twonet gaps``, ``twonet grades``, ``twonet warnings``.

Reports, not gates: exit code 0 whatever they find (2 when the report
cannot be made: a bad date, level or format, an unreachable database).
``--format`` defaults to the ``--out`` suffix, else a table on screen;
JSON without ``--out`` goes to stdout.
"""

from __future__ import annotations

from collections.abc import Callable
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

LevelOption = Annotated[
    str,
    typer.Option(
        "--level", help="网格级别 / level: city|county|township|village (市/县/乡/村)"
    ),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="日期 / date YYYY-MM-DD (default today)")
]
FormatOption = Annotated[
    ReportFormat | None,
    typer.Option(
        "--format",
        help="table (屏幕 / screen), json (--out or stdout), csv or xlsx (--out); "
        "default: from the --out suffix, else table",
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="写入文件 / write to FILE")
]
LimitOption = Annotated[
    int, typer.Option(help="表格最多显示行数 / table: show at most N rows (0 = all)")
]

_COVERAGE_TABLE = {
    "cell_code": "网格 / cell",
    "place": "位置 / place",
    "employers": "单位 / employers",
    "workers": "职工 / workers",
    "inspectors": "监察员 / inspectors",
    "assistants": "协管员 / assistants",
    "breaches": "违规 / breaches",
    "inspected_12m_share": "12月检查 / inspected",
    "patrolled_twice_share": "巡查≥2 / patrolled",
    "stale_data_share": "信息过期 / stale",
    "employers_without_cell": "未落网格 / no cell",
    "complaints_overdue": "超期投诉 / overdue",
}
_GAP_TABLE = {
    "rank": "排名 / rank",
    "cell_code": "网格 / cell",
    "score": "得分 / score",
    "reasons_zh": "原因 / reasons",
}
_GRADE_TABLE = {
    "uscc": "统一社会信用代码 / USCC",
    "name": "单位 / employer",
    "grade": "等级 / grade",
    "reasons_zh": "依据 / reasons",
}
_WARNING_TABLE = {
    "uscc": "统一社会信用代码 / USCC",
    "name": "单位 / employer",
    "arrears_months": "欠薪月数 / months",
    "level_zh": "预警 / warning",
}


def _emit(
    frame: Any,
    fmt: ReportFormat,
    out: Path | None,
    *,
    title: str,
    columns: dict[str, str],
    limit: int,
    write: Callable[[Any, Path], Path],
) -> None:
    """Print a table, JSON to stdout, or write the file."""
    from twonet.coverage import frame_json

    if fmt is ReportFormat.TABLE and frame.empty:
        console.print(f"[green]{escape(title)}：无 / none[/green]")
    elif fmt is ReportFormat.TABLE:
        shown = frame if limit <= 0 else frame.head(limit)
        console.print(frame_table(title, _display(shown, columns)))
        hidden = len(frame) - len(shown)
        if hidden:
            console.print(
                f"[dim]另有 {hidden:,} 行未显示 / {hidden:,} more rows not shown: "
                "--limit 0, or --format csv --out FILE[/dim]"
            )
    elif out is None:
        typer.echo(frame_json(frame))
    else:
        write(frame, out)
        console.print(f"[green]已写出 / written {len(frame):,} → {escape(str(out))}[/]")


def _display(frame: Any, columns: dict[str, str]) -> Any:
    """Return the table's columns as text: shares in per cent, empty as blank."""
    import pandas as pd

    out = frame.loc[:, list(columns)].astype(object)
    for column in out.columns:
        share = str(column).endswith("_share")
        out[column] = [
            ""
            if pd.isna(v)
            else f"{v:.0%}"
            if share
            else f"{v:g}"
            if isinstance(v, float)
            else v
            for v in out[column]
        ]
    return out.rename(columns=columns)


@app.command("coverage")
def coverage_command(
    level: LevelOption,
    as_of: AsOfOption = None,
    output_format: FormatOption = None,
    out: OutOption = None,
    db: DbOption = None,
    limit: LimitOption = 200,
) -> None:
    """各级网格监管覆盖情况 / supervision coverage per cell at a level, on a date."""
    from twonet.coverage import coverage_report, write_coverage

    try:
        fmt = report_format(output_format, out, suffix_must_match=True)
        date = parse_date(as_of)
        with open_database(db, note_to_stderr=fmt is ReportFormat.JSON) as engine:
            frame = coverage_report(engine, level, date)
        _emit(
            frame,
            fmt,
            out,
            title="监管覆盖 / coverage",
            columns=_COVERAGE_TABLE,
            limit=limit,
            write=write_coverage,
        )
    except TwoNetError as exc:
        raise fail(exc) from exc


@app.command("gaps")
def gaps_command(
    level: LevelOption,
    as_of: AsOfOption = None,
    top: Annotated[
        int | None, typer.Option("--top", help="只列前 N 个 / only the first N")
    ] = None,
    county: Annotated[
        str | None, typer.Option("--county", help="只看该区县 / only this county CODE")
    ] = None,
    min_employers: Annotated[
        int,
        typer.Option("--min-employers", help="用人单位不少于 N / at least N employers"),
    ] = 0,
    output_format: FormatOption = None,
    out: OutOption = None,
    db: DbOption = None,
    limit: LimitOption = 200,
) -> None:
    """覆盖缺口清单（按得分排序）/ gap list ranked by a documented score."""
    from twonet.coverage import gap_report, write_gaps
    from twonet.rules import load_rules

    try:
        fmt = report_format(output_format, out, suffix_must_match=True)
        date = parse_date(as_of)
        rules = load_rules()
        with open_database(db, note_to_stderr=fmt is ReportFormat.JSON) as engine:
            frame = gap_report(
                engine,
                level,
                date,
                rules,
                county=county,
                min_employers=min_employers,
                top=top,
            )
        cap = int(rules.employers_per_assistant.limit or 150)
        _emit(
            frame,
            fmt,
            out,
            title="覆盖缺口 / coverage gaps",
            columns=_GAP_TABLE,
            limit=limit,
            write=lambda f, p: write_gaps(f, p, cap),
        )
    except TwoNetError as exc:
        raise fail(exc) from exc


@app.command("grades")
def grades_command(
    year: Annotated[int, typer.Option("--year", help="年度 / year")],
    output_format: FormatOption = None,
    out: OutOption = None,
    db: DbOption = None,
    limit: LimitOption = 200,
) -> None:
    """用人单位年度守法诚信等级 A/B/C / annual integrity grades of employers."""
    from grid.grades import grade_counts
    from twonet.grades import grades_report, write_grades

    try:
        fmt = report_format(output_format, out, suffix_must_match=True)
        to_stdout = fmt is ReportFormat.JSON and out is None
        with open_database(db, note_to_stderr=to_stdout) as engine:
            frame = grades_report(engine, year)
        shown = frame[frame["grade"].ne("A")] if fmt is ReportFormat.TABLE else frame
        _emit(
            shown,
            fmt,
            out,
            title=f"{year} 年守法诚信等级（B、C级）/ grades B and C",
            columns=_GRADE_TABLE,
            limit=limit,
            write=write_grades,
        )
    except TwoNetError as exc:
        raise fail(exc) from exc
    note = err_console if to_stdout else console
    note.print(frame_table("各等级单位数 / employers per grade", grade_counts(frame)))


@app.command("warnings")
def warnings_command(
    as_of: AsOfOption = None,
    output_format: FormatOption = None,
    out: OutOption = None,
    db: DbOption = None,
    limit: LimitOption = 200,
) -> None:
    """欠薪预警（黄/橙/红）/ wage-arrears warnings (yellow, orange, red)."""
    from twonet.grades import warnings_report, write_warnings

    try:
        fmt = report_format(output_format, out, suffix_must_match=True)
        date = parse_date(as_of)
        with open_database(db, note_to_stderr=fmt is ReportFormat.JSON) as engine:
            frame = warnings_report(engine, date)
        _emit(
            frame,
            fmt,
            out,
            title="欠薪预警 / wage-arrears warnings",
            columns=_WARNING_TABLE,
            limit=limit,
            write=write_warnings,
        )
    except TwoNetError as exc:
        raise fail(exc) from exc
