"""What every ``twonet`` command shares: the app, consoles, options, helpers.

Outside text (file names, values, errors) is printed as text, never read as
rich markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from twonet.errors import TwoNetError

app = typer.Typer(
    name="twonet",
    help="TwoNet 劳动保障监察“两网化”网格平台 / labour-inspection grid platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

console = Console(width=200)
err_console = Console(stderr=True, width=200)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="数据库URL / database URL (postgresql://… or sqlite:///…); "
        "default $TWONET_DATABASE_URL or data/twonet.sqlite.",
    ),
]


@contextmanager
def open_database(url: str | None, *, note_to_stderr: bool = False) -> Iterator[Any]:
    """Open the database (schema upgraded), dispose of the engine afterwards.

    The "database:" note goes to stderr with ``note_to_stderr`` (a command
    writing data such as JSON to stdout).
    """
    from twonet.db.engine import describe_url, get_engine, upgrade

    engine = get_engine(url)
    try:
        upgrade(engine)
        note = err_console if note_to_stderr else console
        note.print(f"[dim]数据库 / database: {describe_url(str(engine.url))}[/dim]")
        yield engine
    finally:
        engine.dispose()


def fail(exc: Exception) -> typer.Exit:
    """Print one ``错误 / error:`` line and return the exit to raise."""
    err_console.print(f"[bold red]错误 / error:[/bold red] {escape(str(exc))}")
    return typer.Exit(code=2)


def parse_date(value: str | None) -> dt.date | None:
    """Read a ``YYYY-MM-DD`` option (``None`` stays ``None``)."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = (
            f"invalid date {value!r}; use YYYY-MM-DD "
            f"(日期“{value}”无效，应为 YYYY-MM-DD)"
        )
        raise TwoNetError(msg) from None


def frame_table(title: str, frame: Any) -> Table:
    """Return a DataFrame as a rich table (values as text, never markup)."""
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for record in frame.itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in record))
    return table


def counts_table(title: str, counts: dict[str, Any]) -> Table:
    """Return ``label → count`` as a two-column rich table."""
    table = Table(title=title)
    table.add_column("项目 / item")
    table.add_column("数量 / count", justify="right")
    for key, value in counts.items():
        table.add_row(escape(str(key)), escape(str(value)))
    return table


def progress_callback(progress: Any, task: Any) -> Any:
    """Return ``progress(done, total)`` updating a rich progress task."""

    def update(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    return update


# ------------------------------------------------------ reading table files
MappingOption = Annotated[
    list[str] | None,
    typer.Option(
        "--mapping",
        help="字段=列名 / field=column, e.g. --mapping name=企业名称 (repeatable)",
    ),
]
DelimiterOption = Annotated[
    str | None,
    typer.Option(
        help="CSV 分隔符（默认自动识别）/ CSV delimiter (default: sniffed): "
        "',' ';' '|' or 'tab'"
    ),
]
EncodingOption = Annotated[
    str | None, typer.Option(help="CSV encoding (default: detected: UTF-8/BOM/GB18030)")
]
SheetOption = Annotated[str | None, typer.Option(help="XLSX worksheet")]


def parse_mapping(pairs: list[str] | None) -> dict[str, str] | None:
    """Read ``--mapping field=column`` options (``None`` when none given)."""
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            msg = f"--mapping expects field=column, got {pair!r} (应为 字段=列名)"
            raise TwoNetError(msg)
        mapping[field.strip()] = column.strip()
    return mapping


def parse_delimiter(value: str | None) -> str | None:
    """Read a ``--delimiter`` option: one character, or ``tab`` and the like."""
    if value is None:
        return None
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "bar": "|"}
    delimiter = named.get(value.lower(), value)
    if len(delimiter) != 1:
        msg = (
            f"--delimiter must be one character (or 'tab'), got {value!r} "
            f"(分隔符应为单个字符或 tab)"
        )
        raise TwoNetError(msg)
    return delimiter


def print_import(file: Path, report: Any) -> None:
    """Print an import's notes, counts, side files and times."""
    from twonet.imports import report_counts

    for note in report.notes:
        console.print(f"[yellow]注意 / note:[/yellow] {escape(note)}")
    console.print(counts_table(f"导入 / imported {file.name}", report_counts(report)))
    labels = {"rejects": "被拒行 / rejected rows", "problems": "问题清单 / problems"}
    for name, path in report.side_files.items():
        console.print(f"{labels[name]} → {escape(str(path))}")
    seconds = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
    console.print(f"[dim]{seconds}[/dim]")


def run_imports(files: list[Path], run: Any) -> None:
    """Import each file with ``run(file, progress)`` under a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    for file in files:
        with Progress(
            TextColumn(f"读取 / reading {file.name}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task("read", total=None)
            report = run(file, progress_callback(progress, task))
        print_import(file, report)


class ReportFormat(StrEnum):
    """Output formats of the report commands (rules, coverage, gaps, hotspots…)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


_SUFFIX_FORMATS = {
    ".json": ReportFormat.JSON,
    ".csv": ReportFormat.CSV,
    ".xlsx": ReportFormat.XLSX,
}


def report_format(
    chosen: ReportFormat | None, out: Path | None, *, suffix_must_match: bool = False
) -> ReportFormat:
    """Return the format asked for, or the one the ``--out`` suffix names.

    Raises
    ------
    TwoNetError
        No format and a suffix that names none; ``table`` with ``--out``;
        ``csv`` or ``xlsx`` without it; with ``suffix_must_match``, a
        format the file name contradicts.
    """
    if chosen is None:
        if out is None:
            return ReportFormat.TABLE
        found = _SUFFIX_FORMATS.get(out.suffix.lower())
        if found is None:
            msg = (
                f"无法从文件名“{out.name}”判断格式，请用 .json、.csv、.xlsx 或 "
                f"--format / cannot tell the format from {out.name!r}; use .json, "
                ".csv, .xlsx or --format"
            )
            raise TwoNetError(msg)
        return found
    if chosen is ReportFormat.TABLE and out is not None:
        msg = (
            "--format table 只打印到屏幕，写文件请用 json、csv 或 xlsx / "
            "--format table prints to the screen; use json, csv or xlsx with --out"
        )
        raise TwoNetError(msg)
    if chosen in (ReportFormat.CSV, ReportFormat.XLSX) and out is None:
        msg = (
            f"--format {chosen.value} 需要 --out 文件 / "
            f"--format {chosen.value} needs --out FILE"
        )
        raise TwoNetError(msg)
    if suffix_must_match and out is not None and out.suffix.lower() != f".{chosen}":
        msg = (
            f"--format {chosen.value} 与文件名“{out.name}”不符 / --format "
            f"{chosen.value} does not match {out.name!r}"
        )
        raise TwoNetError(msg)
    return chosen
