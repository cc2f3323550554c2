"""``twonet records import|match|list``: inspections, violations, complaints."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from twonet.cli.common import (
    DbOption,
    DelimiterOption,
    EncodingOption,
    MappingOption,
    SheetOption,
    app,
    console,
    counts_table,
    fail,
    frame_table,
    open_database,
    parse_delimiter,
    parse_mapping,
    run_imports,
)
from twonet.errors import TwoNetError

records_app = typer.Typer(
    help="检查记录、违法案件、举报投诉 / inspection, violation and complaint records: "
    "import, match, list.",
    no_args_is_help=True,
)
app.add_typer(records_app, name="records")


class Kind(StrEnum):
    """Kinds of record (:data:`grid.record_types.RECORD_KINDS`)."""

    inspections = "inspections"
    violations = "violations"
    complaints = "complaints"


class ListFormat(StrEnum):
    """Output formats of ``records list``."""

    table = "table"
    json = "json"
    csv = "csv"


KindOption = Annotated[
    Kind,
    typer.Option(
        "--kind",
        help="记录类型 / kind: inspections (检查记录), violations (违法案件), "
        "complaints (举报投诉)",
    ),
]


@records_app.command("import")
def records_import(
    files: Annotated[list[Path], typer.Argument(help="CSV / XLSX 记录文件")],
    kind: KindOption,
    db: DbOption = None,
    mapping: MappingOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    delimiter: DelimiterOption = None,
) -> None:
    """导入记录 / import records: check, match employers, store (idempotent, history).

    A record naming an unknown employer is stored and queued for matching
    (``twonet records match``), never dropped.
    """
    from twonet.imports import KeysSeen
    from twonet.record_import import ReadOptions, import_records

    try:
        options = ReadOptions(
            mapping=parse_mapping(mapping),
            encoding=encoding,
            sheet=sheet,
            delimiter=parse_delimiter(delimiter),
        )
        with open_database(db) as engine:
            seen = KeysSeen()
            run_imports(
                files,
                lambda file, progress: import_records(
                    engine,
                    file,
                    kind=kind.value,
                    options=options,
                    progress=progress,
                    seen=seen,
                ),
            )
    except TwoNetError as exc:
        raise fail(exc) from exc


@records_app.command("match")
def records_match(
    db: DbOption = None,
    kind: Annotated[
        Kind | None, typer.Option("--kind", help="只匹配该类记录 / only this kind")
    ] = None,
) -> None:
    """重新匹配待复核记录 / match queued records to employers again."""
    from twonet.record_match import match_pending

    try:
        with open_database(db) as engine:
            counts = match_pending(engine, kind=None if kind is None else kind.value)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(
        counts_table(
            "记录匹配 / record matching",
            {
                "已匹配 / matched": counts["matched"],
                "仍待复核 / still queued": counts["open"],
            },
        )
    )


@records_app.command("list")
def records_list(
    kind: KindOption,
    db: DbOption = None,
    limit: Annotated[
        int, typer.Option(help="最多列出 / at most this many (0 = all)")
    ] = 50,
    output: Annotated[
        ListFormat,
        typer.Option("--format", help="输出格式 / output: table, json or csv"),
    ] = ListFormat.table,
) -> None:
    """列出记录 / list stored records of one kind, by record id."""
    from twonet.db.record_store import load_records

    try:
        with open_database(db, note_to_stderr=output is not ListFormat.table) as engine:
            frame = load_records(engine, kind.value, limit=limit or None)
    except TwoNetError as exc:
        raise fail(exc) from exc
    if output is ListFormat.json:
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=_iso))
    elif output is ListFormat.csv:
        from twonet.exports import neutralise_formulas

        flat = neutralise_formulas(_joined(frame))
        typer.echo(flat.to_csv(index=False), nl=False)
    else:
        shown = _joined(frame.drop(columns=["extra", "first_seen", "last_changed"]))
        shown = shown.astype(object).where(shown.notna(), "")
        title = f"{kind.value} ({len(frame):,})"
        console.print(frame_table(title, shown))


def _joined(frame: Any) -> Any:
    """Return ``frame`` with lists (the inspectors' ids) as text: ``S01、S02``."""
    if "staff_ids" not in frame.columns:
        return frame
    ids = frame["staff_ids"].map(lambda v: "、".join(v) if isinstance(v, list) else v)
    return frame.assign(staff_ids=ids)


def _iso(value: Any) -> str:
    """JSON for dates and times: ISO text."""
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if callable(isoformat) else str(value)
