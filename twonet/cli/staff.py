"""``twonet staff import|list`` and ``twonet assignments import|export``.

Phone and ID numbers are shown masked unless ``--show-personal`` is given
(:mod:`twonet.privacy`); import problems and rejected rows never hold them
whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from twonet.cli.common import (
    DbOption,
    DelimiterOption,
    EncodingOption,
    MappingOption,
    SheetOption,
    app,
    console,
    fail,
    frame_table,
    open_database,
    parse_date,
    parse_delimiter,
    parse_mapping,
    run_imports,
)
from twonet.errors import TwoNetError

staff_app = typer.Typer(help="人员 / staff: import, list.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
assignments_app = typer.Typer(
    help="人员分配 / assignments: import, export.", no_args_is_help=True
)
app.add_typer(assignments_app, name="assignments")

HomeCrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="驻地坐标的坐标系（行内未注明时）/ datum of home points when a row "
        "names none: wgs84|cgcs2000|gcj02|bd09 (default wgs84)",
    ),
]


def _read_options(
    mapping: list[str] | None,
    encoding: str | None,
    sheet: str | None,
    delimiter: str | None,
) -> Any:
    from twonet.staff_import import ReadOptions

    return ReadOptions(
        mapping=parse_mapping(mapping),
        encoding=encoding,
        sheet=sheet,
        delimiter=parse_delimiter(delimiter),
    )


@staff_app.command("import")
def staff_import(
    files: Annotated[list[Path], typer.Argument(help="CSV / XLSX 人员名册")],
    db: DbOption = None,
    mapping: MappingOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    delimiter: DelimiterOption = None,
    crs: HomeCrsOption = None,
) -> None:
    """导入人员名册 / import staff registries: check, store (idempotent, history)."""
    from twonet.imports import KeysSeen
    from twonet.staff_import import import_staff

    try:
        options = _read_options(mapping, encoding, sheet, delimiter)
        with open_database(db) as engine:
            seen = KeysSeen()
            run_imports(
                files,
                lambda file, progress: import_staff(
                    engine,
                    file,
                    options=options,
                    default_crs=crs,
                    progress=progress,
                    seen=seen,
                ),
            )
    except TwoNetError as exc:
        raise fail(exc) from exc


@staff_app.command("list")
def staff_list(
    db: DbOption = None,
    unit: Annotated[
        str | None,
        typer.Option(
            help="所属单位（含下级）/ unit cell code, with the cells below it"
        ),
    ] = None,
    show_personal: Annotated[
        bool,
        typer.Option(
            "--show-personal",
            help="显示完整电话和身份证号 / show phone and ID numbers unmasked",
        ),
    ] = False,
) -> None:
    """人员名单 / list the staff (phone and ID numbers masked by default)."""
    from twonet.staff_exports import STAFF_HEADERS_ZH, staff_frame

    try:
        with open_database(db) as engine:
            staff = staff_frame(engine, unit=unit, may_see_personal=show_personal)
    except TwoNetError as exc:
        raise fail(exc) from exc
    shown = staff.astype(object).where(staff.notna(), "")
    title = f"人员 / staff ({len(staff):,})"
    console.print(frame_table(title, shown.rename(columns=STAFF_HEADERS_ZH)))


@assignments_app.command("import")
def assignments_import(
    files: Annotated[list[Path], typer.Argument(help="CSV / XLSX 人员分配表")],
    db: DbOption = None,
    mapping: MappingOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    delimiter: DelimiterOption = None,
    actor: Annotated[
        str | None,
        typer.Option(
            help="操作人（记入审计日志）/ who imports (audit log); default: OS user"
        ),
    ] = None,
) -> None:
    """导入人员分配 / import assignments: one audited change set per file."""
    from twonet.imports import KeysSeen
    from twonet.staff_import import default_actor, import_assignments

    try:
        options = _read_options(mapping, encoding, sheet, delimiter)
        who = actor or default_actor()
        with open_database(db) as engine:
            seen = KeysSeen()
            run_imports(
                files,
                lambda file, progress: import_assignments(
                    engine,
                    file,
                    actor=who,
                    options=options,
                    progress=progress,
                    seen=seen,
                ),
            )
    except TwoNetError as exc:
        raise fail(exc) from exc


@assignments_app.command("export")
def assignments_export(
    out: Annotated[Path, typer.Argument(help=".csv, .xlsx or .geojson")],
    db: DbOption = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="日期 / date YYYY-MM-DD (default today)"),
    ] = None,
) -> None:
    """导出人员分配 / export the assignments valid on a date, one row each."""
    from twonet.staff_exports import assignments_frame, write_assignments

    try:
        date = parse_date(as_of)
        with open_database(db) as engine:
            frame = assignments_frame(
                engine, date, with_geometry=out.suffix.lower() == ".geojson"
            )
        write_assignments(frame, out)
    except TwoNetError as exc:
        raise fail(exc) from exc
    shown = escape(str(out))
    console.print(f"[green]已导出 / exported {len(frame):,} → {shown}[/green]")
