"""``twonet employers ...``, ``geocode``, ``parse-address``, ``gazetteer build``."""

from __future__ import annotations

import time
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
    counts_table,
    fail,
    frame_table,
    open_database,
    parse_delimiter,
    parse_mapping,
    run_imports,
)
from twonet.errors import TwoNetError

# ---------------------------------------------------------------- employers
employers_app = typer.Typer(
    help="用人单位 / employers: import, export, review.", no_args_is_help=True
)
app.add_typer(employers_app, name="employers")


def _import_options(
    mapping: list[str] | None,
    encoding: str | None,
    sheet: str | None,
    default_crs: str | None,
    allow_missing_uscc: bool,
    no_uscc_area: bool,
    delimiter: str | None = None,
) -> Any:
    from twonet.employer_import import ImportOptions

    return ImportOptions(
        mapping=parse_mapping(mapping),
        encoding=encoding,
        sheet=sheet,
        delimiter=parse_delimiter(delimiter),
        default_crs=default_crs,
        require_uscc=not allow_missing_uscc,
        use_uscc_area=not no_uscc_area,
    )


CrsOption = Annotated[
    str | None,
    typer.Option(
        help="坐标系（行内未注明时）/ datum when a row names none: wgs84|gcj02|bd09"
    ),
]
MissingUsccOption = Annotated[
    bool,
    typer.Option(
        "--allow-missing-uscc",
        help="无信用代码的单位（如无照作坊）仅警告 / accept rows without a USCC",
    ),
]
NoUsccAreaOption = Annotated[
    bool,
    typer.Option(
        "--no-uscc-area",
        help="不使用信用代码登记地作为区县依据 / ignore the USCC registration area",
    ),
]


@employers_app.command("import")
def employers_import(
    files: Annotated[list[Path], typer.Argument(help="CSV / XLSX registries")],
    db: DbOption = None,
    mapping: MappingOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    default_crs: CrsOption = None,
    allow_missing_uscc: MissingUsccOption = False,
    no_uscc_area: NoUsccAreaOption = False,
    delimiter: DelimiterOption = None,
) -> None:
    """导入用人单位名册 / import registries: check, place, store (idempotent)."""
    from twonet.employer_import import GridContext, import_registry, load_gazetteer
    from twonet.imports import KeysSeen

    try:
        options = _import_options(
            mapping,
            encoding,
            sheet,
            default_crs,
            allow_missing_uscc,
            no_uscc_area,
            delimiter,
        )
        with open_database(db) as engine:
            gazetteer = load_gazetteer()
            grid = GridContext.from_database(engine)
            seen = KeysSeen()
            run_imports(
                files,
                lambda file, progress: import_registry(
                    engine,
                    file,
                    gazetteer=gazetteer,
                    grid=grid,
                    options=options,
                    progress=progress,
                    seen=seen,
                ),
            )
            _match_records(engine)
    except TwoNetError as exc:
        raise fail(exc) from exc


def _match_records(engine: Any) -> None:
    """Match the queued records again: the new employers may be theirs."""
    from twonet.record_match import match_pending

    counts = match_pending(engine)
    if counts["matched"] or counts["open"]:
        console.print(
            f"记录匹配 / records matched: {counts['matched']:,}; "
            f"仍待复核 / still queued: {counts['open']:,}"
        )


@employers_app.command("export")
def employers_export(
    out: Annotated[Path, typer.Argument(help=".csv, .xlsx, .geojson or .gpkg")],
    db: DbOption = None,
) -> None:
    """导出用人单位及其网格 / export employers with their four cell codes."""
    from twonet.exports import employers_frame, write_employers

    try:
        with open_database(db) as engine:
            frame = employers_frame(engine)
        write_employers(frame, out)
    except TwoNetError as exc:
        raise fail(exc) from exc
    shown = escape(str(out))
    console.print(f"[green]已导出 / exported {len(frame):,} → {shown}[/green]")


@employers_app.command("review")
def employers_review(
    db: DbOption = None,
    pick: Annotated[
        tuple[int, str] | None,
        typer.Option(help="复核项编号 网格代码 / ITEM_ID CELL_CODE: place it there"),
    ] = None,
    reviewer: Annotated[str, typer.Option(help="复核人 / reviewer name")] = "cli",
    limit: Annotated[int, typer.Option(help="rows to list")] = 30,
) -> None:
    """待复核队列 / list the review queue, or pick a cell for one item."""
    from twonet.employer_import import GridContext, resolve_review

    try:
        with open_database(db) as engine:
            if pick is not None:
                grid = GridContext.from_database(engine)
                resolve_review(engine, grid, pick[0], pick[1], reviewer=reviewer)
                console.print(
                    f"[green]已定位 / placed item {pick[0]} in {pick[1]}[/green]"
                )
                return
            from twonet.db.employer_store import open_review_items

            queue = open_review_items(engine, limit=limit)
    except TwoNetError as exc:
        raise fail(exc) from exc
    queue["candidates"] = queue["candidates"].map(
        lambda cs: " ".join(f"{c['code']}({c['score']})" for c in cs)
    )
    shown = queue[["id", "uscc", "name", "reason", "operating_address", "candidates"]]
    console.print(frame_table("待复核 / review queue", shown))


# ------------------------------------------------------------ geocode/parse
@app.command("geocode")
def geocode(
    file: Annotated[Path, typer.Argument(help="CSV / XLSX registry")],
    out: Annotated[Path, typer.Option("--out", help=".csv, .xlsx, .geojson or .gpkg")],
    db: DbOption = None,
    mapping: MappingOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    default_crs: CrsOption = None,
    allow_missing_uscc: MissingUsccOption = False,
    no_uscc_area: NoUsccAreaOption = False,
    delimiter: DelimiterOption = None,
) -> None:
    """地理编码（不入库）/ geocode a registry against the grid, store nothing."""
    from twonet.employer_import import GridContext, geocode_file, load_gazetteer
    from twonet.exports import write_employers
    from twonet.imports import write_side_files

    try:
        options = _import_options(
            mapping,
            encoding,
            sheet,
            default_crs,
            allow_missing_uscc,
            no_uscc_area,
            delimiter,
        )
        with open_database(db) as engine:
            grid = GridContext.from_database(engine)
        placed, result = geocode_file(
            file, gazetteer=load_gazetteer(), grid=grid, options=options
        )
        write_employers(placed, out)
        side_files = write_side_files(out, result)
    except TwoNetError as exc:
        raise fail(exc) from exc
    for path in side_files.values():
        console.print(f"问题行 / problem rows → {escape(str(path))}")
    methods = {str(k): int(v) for k, v in placed["method"].value_counts().items()}
    console.print(
        counts_table(
            f"地理编码 / geocoded → {out}",
            {
                "读取 / rows read": result.n_rows,
                "拒绝 / rejected": result.n_rejected,
                **methods,
            },
        )
    )


@app.command("parse-address")
def parse_address_command(
    texts: Annotated[list[str], typer.Argument(help="地址 / addresses")],
    region: Annotated[
        list[str] | None,
        typer.Option(help="区域代码前缀，如 3702 / region code prefix, e.g. 3702"),
    ] = None,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            help="记录日期（含义随时间变化的园区名按当时理解）/ the record's date, "
            "for zone names whose meaning changed (YYYY-MM-DD)",
        ),
    ] = None,
) -> None:
    """解析地址到五级区划代码 / parse addresses into codes at five levels."""
    from grid.address import parse_addresses
    from twonet.employer_import import load_gazetteer

    try:
        dates = None if on is None else [on] * len(texts)
        parsed = parse_addresses(texts, load_gazetteer(), region=region, dates=dates)
    except TwoNetError as exc:
        raise fail(exc) from exc
    columns = [
        "province_code",
        "city_code",
        "county_code",
        "town_code",
        "village_code",
        "level",
        "confidence",
        "method",
        "ambiguous",
        "historical_note",
        "date_dependent",
        "multiple_addresses",
    ]
    shown = parsed[columns].copy()
    shown.insert(0, "address", texts)
    console.print(frame_table("地址解析 / parsed addresses", shown))


gazetteer_app = typer.Typer(help="区划名录 / gazetteer.", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")


@gazetteer_app.command("build")
def gazetteer_build() -> None:
    """获取并构建全国区划名录 / fetch the NBS lists and build the gazetteer."""
    from twonet.employer_import import load_gazetteer

    try:
        started = time.perf_counter()
        gazetteer = load_gazetteer()
    except TwoNetError as exc:
        raise fail(exc) from exc
    summary = {k: v for k, v in gazetteer.summary().items() if isinstance(v, int)}
    console.print(counts_table("全国区划名录 / national gazetteer", summary))
    console.print(
        f"[green]完成 / done in {time.perf_counter() - started:.1f} s[/green]"
    )
