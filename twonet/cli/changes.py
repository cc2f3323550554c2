"""``twonet changes preview|apply|undo|log``: change sets of assignments."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape

from twonet.cli.common import (
    DbOption,
    app,
    console,
    fail,
    frame_table,
    open_database,
    parse_date,
)
from twonet.errors import TwoNetError

changes_app = typer.Typer(
    help="人员分配变更 / change sets of assignments: preview, apply, undo, log.",
    no_args_is_help=True,
)
app.add_typer(changes_app, name="changes")


class Format(StrEnum):
    """Output formats of ``preview`` and ``log``."""

    table = "table"
    json = "json"


FileArgument = Annotated[
    Path, typer.Argument(help="变更文件 / change set file (.json or .csv)")
]
FormatOption = Annotated[
    Format, typer.Option("--format", help="输出格式 / output: table or json")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="操作人 / who applies it (recorded in the log)")
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="原因 / why (default: the file's)")
]


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _text(value: Any) -> str:
    """Return a value for a table cell: ``—`` when missing."""
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return "—"
    return str(value)


def _pair(frame: Any, name: str) -> list[str]:
    """Return ``before → after`` of two columns ``NAME_before``, ``NAME_after``."""
    pairs = zip(frame[f"{name}_before"], frame[f"{name}_after"], strict=True)
    return [f"{_text(b)} → {_text(a)}" for b, a in pairs]


@changes_app.command("preview")
def changes_preview(
    file: FileArgument,
    db: DbOption = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="生效日期 / as if effective on YYYY-MM-DD"),
    ] = None,
    output: FormatOption = Format.table,
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="部署规则文件 / deployment rules TOML (default $TWONET_RULES, "
            "else the shipped defaults)",
        ),
    ] = None,
) -> None:
    """预览变更 / preview a change set: cells and people before and after."""
    from twonet.changes import preview, read_change_set
    from twonet.rules import load_rules

    try:
        draft = read_change_set(file)
        settings = load_rules(rules)
        with open_database(db, note_to_stderr=output is Format.json) as engine:
            shown = preview(engine, draft, as_of=parse_date(as_of), rules=settings)
    except TwoNetError as exc:
        raise fail(exc) from exc
    if output is Format.json:
        _print_json(shown.to_dict())
        return
    console.print(
        f"生效日期 / effective {shown.effective}; {len(shown.steps)} 步 / steps"
    )
    console.print(frame_table("步骤 / steps", shown.steps))
    cells = shown.cells
    console.print(
        frame_table(
            "网格 / cells (before → after)",
            cells[["cell_code", "cell_name", "employers", "workers"]].assign(
                staff_before=cells["staff_before"],
                staff_after=cells["staff_after"],
                status=_pair(cells, "status"),
                breaches=_pair(cells, "breaches"),
            ),
        )
    )
    people = shown.people
    console.print(
        frame_table(
            "人员 / people (before → after)",
            people[["staff_id", "name", "kind"]].assign(
                **{n: _pair(people, n) for n in ("cells", "employers", "workers")},
                breaches=_pair(people, "breaches"),
            ),
        )
    )
    if not shown.breaches.empty:
        breaches = shown.breaches
        table = breaches[["change", "rule", "severity", "cell_code", "staff_id"]]
        table = table.assign(
            value=_pair(breaches, "value"),
            limit=breaches["limit"].map(_text),
            message=breaches["message_zh"],
        )
        console.print(frame_table("规则 / rule breaches", table.map(_text)))
    console.print(
        "[dim]应用时将核对 / apply checks the versions of "
        f"{len(shown.versions)} cells[/dim]"
    )


@changes_app.command("apply")
def changes_apply(
    file: FileArgument,
    actor: ActorOption,
    db: DbOption = None,
    reason: ReasonOption = None,
) -> None:
    """应用变更（单一事务，写入审计日志）/ apply a change set in one transaction."""
    from twonet.changes import apply, read_change_set
    from twonet.db.assignment_store import audit_rows

    try:
        draft = read_change_set(file).with_reason(reason)
        with open_database(db) as engine:
            change_set_id = apply(engine, draft, actor=actor)
            log = audit_rows(engine, change_set_id=change_set_id)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(_log_table(f"变更集 / change set {change_set_id}", log))
    console.print(
        f"[green]已应用 / applied change set {change_set_id}: {len(log)} 步 / "
        f"steps[/green] (撤销 / undo: twonet changes undo {change_set_id} "
        "--actor …)"
    )


@changes_app.command("undo")
def changes_undo(
    change_set_id: Annotated[int, typer.Argument(help="变更集编号 / change set id")],
    actor: ActorOption,
    db: DbOption = None,
    reason: Annotated[str | None, typer.Option("--reason", help="原因 / why")] = None,
) -> None:
    """撤销变更（新的变更集，写入审计日志）/ undo a change set with a new one."""
    from twonet.changes import undo
    from twonet.db.assignment_store import audit_rows

    reason = reason or f"撤销变更集 {change_set_id} / undo change set {change_set_id}"
    try:
        with open_database(db) as engine:
            undo_id = undo(engine, change_set_id, actor=actor, reason=reason)
            log = audit_rows(engine, change_set_id=undo_id)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(_log_table(f"变更集 / change set {undo_id}", log))
    console.print(
        f"[green]已撤销 / undone change set {change_set_id} by change set "
        f"{undo_id}: {len(log)} 步 / steps[/green]"
    )


def _log_table(title: str, log: Any) -> Any:
    """Audit rows as a table: action, cell, person, duty, dates before → after."""

    def dates(row: Any) -> str:
        if not row:
            return "—"
        return f"{row.get('valid_from')} – {row.get('valid_to') or '…'}"

    shown = log[["action", "cell_code", "staff_id"]].assign(
        duty=[
            (a or b or {}).get("duty")
            for b, a in zip(log["before"], log["after"], strict=True)
        ],
        before=log["before"].map(dates),
        after=log["after"].map(dates),
    )
    return frame_table(title, shown)


@changes_app.command("log")
def changes_log(
    db: DbOption = None,
    limit: Annotated[int, typer.Option("--limit", help="最多列出 / at most")] = 20,
    output: FormatOption = Format.table,
) -> None:
    """变更记录 / list change sets, newest first: who, when, why, steps, undo."""
    from twonet.changes import change_log

    try:
        with open_database(db, note_to_stderr=output is Format.json) as engine:
            frame = change_log(engine, limit=limit)
    except TwoNetError as exc:
        raise fail(exc) from exc
    if output is Format.json:
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        _print_json(records)
        return
    if frame.empty:
        console.print("尚无变更 / no change sets yet")
        return
    shown = frame.astype(object).where(frame.notna(), "")
    console.print(frame_table("变更记录 / change sets", shown))
    console.print(f"[dim]{escape('twonet changes undo ID --actor NAME')}[/dim]")
