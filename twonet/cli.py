"""The ``twonet`` command line.

Commands are thin: they parse options, call the pure core and the storage
edge, and print with rich.  Messages are bilingual (Chinese first).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
db_app = typer.Typer(help="数据库 / database schema.", no_args_is_help=True)
grid_app = typer.Typer(help="网格 / grid cells: load, QA.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(grid_app, name="grid")

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
def _database(url: str | None) -> Iterator[Any]:
    """Open the database (schema upgraded), dispose of the engine afterwards."""
    from twonet.db.engine import describe_url, get_engine, upgrade

    engine = get_engine(url)
    try:
        upgrade(engine)
        console.print(f"[dim]数据库 / database: {describe_url(str(engine.url))}[/dim]")
        yield engine
    finally:
        engine.dispose()


def _fail(exc: Exception) -> typer.Exit:
    err_console.print(f"[bold red]错误 / error:[/bold red] {escape(str(exc))}")
    return typer.Exit(code=2)


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"invalid date {value!r}; use YYYY-MM-DD"
        raise TwoNetError(msg) from None


def _frame_table(title: str, frame: Any) -> Table:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for record in frame.itertuples(index=False):
        table.add_row(*(escape(str(v)) for v in record))
    return table


def _counts_table(title: str, counts: dict[str, Any]) -> Table:
    table = Table(title=title)
    table.add_column("项目 / item")
    table.add_column("数量 / count", justify="right")
    for key, value in counts.items():
        table.add_row(escape(str(key)), escape(str(value)))
    return table


# ----------------------------------------------------------------------- db
@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """创建或升级数据库结构 / create or upgrade the schema (Alembic)."""
    try:
        with _database(db):
            pass
    except TwoNetError as exc:
        raise _fail(exc) from exc
    console.print("[green]数据库结构已是最新 / schema up to date[/green]")


# --------------------------------------------------------------------- grid
@grid_app.command("load")
def grid_load(
    file: Annotated[
        Path, typer.Argument(help="GeoJSON, Shapefile (.shp/folder/.zip) or GeoPackage")
    ],
    db: DbOption = None,
    crs: Annotated[
        str | None,
        typer.Option(
            help="文件无坐标系时指定 / CRS when the file has none, e.g. EPSG:4490"
        ),
    ] = None,
    datum: Annotated[
        str, typer.Option(help="wgs84 | cgcs2000 | gcj02 | bd09")
    ] = "wgs84",
    layer: Annotated[str | None, typer.Option(help="GeoPackage layer")] = None,
    encoding: Annotated[
        str | None, typer.Option(help="attribute encoding, e.g. GBK")
    ] = None,
    code_column: Annotated[str | None, typer.Option("--code-column")] = None,
    name_column: Annotated[str | None, typer.Option("--name-column")] = None,
    level_column: Annotated[str | None, typer.Option("--level-column")] = None,
    parent_column: Annotated[str | None, typer.Option("--parent-column")] = None,
    level: Annotated[
        str | None, typer.Option(help="all features are this level")
    ] = None,
    valid_from: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD, default today")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="provenance stored with the cells")
    ] = None,
    licence: Annotated[
        str | None, typer.Option(help="licence stored with the cells")
    ] = None,
    repair: Annotated[
        bool, typer.Option(help="repair invalid polygons (make_valid)")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option(help="rejects CSV; default FILE.rejects.csv")
    ] = None,
) -> None:
    """导入网格文件 / load grid cells from a file (one transaction, idempotent)."""
    from rich.markup import escape
    from sqlalchemy.exc import SQLAlchemyError

    from ingest.grid_files import read_grid_file, write_rejects
    from twonet.db import repository as repo

    columns = {
        key: value
        for key, value in {
            "code": code_column,
            "name": name_column,
            "level": level_column,
            "parent_code": parent_column,
        }.items()
        if value
    }
    try:
        day = _parse_date(valid_from) or dt.date.today()
    except TwoNetError as exc:
        raise _grid_fail(file, f"日期无效，应为 YYYY-MM-DD / {exc}") from exc
    try:
        with _database(db) as engine:
            result = read_grid_file(
                file,
                crs=crs,
                datum=datum,
                layer=layer,
                encoding=encoding,
                columns=columns or None,
                level=level,
                valid_from=day,
                source=source,
                licence=licence,
                repair=repair,
            )
            saved = repo.import_cells(
                engine,
                result.cells,
                kind="grid",
                source_name=str(file),
                file_sha256=result.file_sha256,
                options={
                    "crs": crs,
                    "datum": datum,
                    "layer": layer,
                    "columns": columns,
                },
                rejects=result.rejects,
                counts={
                    "features": result.n_features,
                    "accepted": result.n_accepted,
                    "rejected": result.n_rejected,
                    "invalid_kept": int(result.invalid),
                },
            )
            counts = saved.counts_with_extra
    except TwoNetError as exc:
        raise _grid_fail(file, str(exc)) from exc
    except SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        message = f"数据库拒绝了导入 / the database refused the import: {detail}"
        raise _grid_fail(file, message) from exc
    except OSError as exc:  # the file (or a part of it) cannot be read
        message = f"无法读取文件 / cannot read the file: {exc}"
        raise _grid_fail(file, message) from exc
    for note in result.notes:
        console.print(f"[yellow]注意 / note:[/yellow] {escape(note)}")
    title = f"导入 / loaded {file.name} (CRS {result.source_crs})"
    console.print(_counts_table(escape(title), counts))
    if len(result.rejects):
        path = rejects or file.with_name(file.name + ".rejects.csv")
        try:
            write_rejects(result.rejects, path)
        except OSError as exc:
            message = (
                f"已导入，但无法写出被拒要素表 {path} / loaded, but cannot write "
                f"the rejects to {path}: {exc}"
            )
            raise _grid_fail(file, message) from exc
        shown = result.rejects[["row", "code", "reason_zh", "reason_en"]].head(20)
        shown = shown.map(lambda v: escape(str(v)))
        title = f"被拒要素（前20）/ rejected features (first 20) → {path}"
        console.print(_frame_table(escape(title), shown))


def _grid_fail(file: Path, message: str) -> typer.Exit:
    """Print one ``错误 / error:`` line naming the file; return the exit."""
    from rich.markup import escape

    text = " ".join(message.split())
    if file.name not in text:
        text = f"{file.name}: {text}"
    err_console.print(
        f"[bold red]错误 / error:[/bold red] {escape(text)}", soft_wrap=True
    )
    return typer.Exit(code=2)


@grid_app.command("qa")
def grid_qa(
    db: DbOption = None,
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD, default today")] = None,
    out: Annotated[Path, typer.Option(help="GeoJSON of problem geometries")] = Path(
        "grid_qa.geojson"
    ),
    repair: Annotated[
        bool,
        typer.Option(help="repair invalid geometries and store them as new versions"),
    ] = False,
    no_land: Annotated[
        bool,
        typer.Option("--no-land", help="do not tell sea from land gaps (no land mask)"),
    ] = False,
) -> None:
    """网格质检 / check the grid: validity, codes, overlaps, gaps (land vs sea)."""
    from grid.qa import repair_invalid, run_qa
    from twonet.db import repository as repo

    try:
        with _database(db) as engine:
            date = _parse_date(as_of)
            cells = repo.load_cells(engine, as_of=date)
            if cells.empty:
                msg = "no grid cells in the database; run `twonet grid load` first"
                raise TwoNetError(msg)
            if repair:
                repaired = repair_invalid(cells)
                repaired["valid_from"] = dt.date.today()
                saved = repo.save_cells(engine, repaired)
                console.print(_counts_table("修复 / repaired", saved.counts))
                cells = repo.load_cells(engine, as_of=date)
            report = run_qa(cells, land=None if no_land else "auto")
            report.to_geojson(out)
    except TwoNetError as exc:
        raise _fail(exc) from exc
    _print_qa(report, out)


def _print_qa(report: Any, out: Path) -> None:
    summary = report.summary()
    summary["area_km2"] = (summary.pop("area_m2") / 1e6).map(
        lambda v: "" if v != v else f"{v:,.3f}"
    )
    console.print(_frame_table(f"网格质检 / grid QA → {out}", summary))
    verdict = (
        "[green]通过 / passed[/green]" if report.ok else "[red]有错误 / errors[/red]"
    )
    console.print(f"质检结论 / verdict: {verdict}")
    rank = {"error": 0, "warning": 1, "info": 2}
    problems = report.problems.sort_values(
        "severity", key=lambda s: s.map(rank), kind="stable"
    )
    if len(problems):
        shown = problems[["check", "severity", "code", "message_zh"]].head(30)
        console.print(_frame_table("问题明细（前30）/ problems (first 30)", shown))


# --------------------------------------------------------------------- demo
@app.command("demo")
def demo(
    db: DbOption = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="folder with the Qingdao source data")
    ] = None,
    qa_out: Annotated[Path, typer.Option(help="GeoJSON of QA problems")] = Path(
        "demo_qa.geojson"
    ),
    employers: Annotated[
        int,
        typer.Option(help="示例用人单位数量，0为不生成 / demo employers (0: none)"),
    ] = 30_000,
) -> None:
    """构建青岛示例网格与用人单位 / build the Qingdao demo grid and registry."""
    from grid.demo import build_qingdao_demo
    from grid.qa import run_qa
    from twonet.db import repository as repo
    from twonet.db.engine import PROJECT_ROOT

    started = time.perf_counter()
    try:
        with _database(db) as engine:
            cells, report = build_qingdao_demo(
                data_dir or PROJECT_ROOT / "data" / "qingdao"
            )
            saved = repo.import_cells(
                engine, cells, kind="demo-grid", source_name="data/qingdao"
            )
            qa = run_qa(cells, land="auto")
            qa.to_geojson(qa_out)
    except TwoNetError as exc:
        raise _fail(exc) from exc
    console.print(_frame_table("青岛示例网格 / Qingdao demo grid", report.counts))
    console.print(
        _frame_table(
            "无边界的乡镇（按地址定位）/ towns without boundary (placed by address)",
            report.towns_without_geometry,
        )
    )
    console.print(report.summary())
    console.print(_counts_table("写入 / stored", saved.counts))
    _print_qa(qa, qa_out)
    if employers:
        _demo_employers(db, cells, employers)
    console.print(
        f"[green]完成 / done in {time.perf_counter() - started:.1f} s[/green]"
    )


def _demo_employers(db: str | None, cells: Any, n: int) -> None:
    """Generate the demo registry files and import them like real exports."""
    from ingest.demo_registry import generate_registry, write_registry
    from twonet.db.engine import PROJECT_ROOT
    from twonet.employer_import import GridContext, import_registry, load_gazetteer

    folder = PROJECT_ROOT / "data" / "demo" / "registry"
    try:
        demo = generate_registry(cells, n=n)
        files = [p for p in write_registry(demo, folder) if p.parent == folder]
        console.print(f"示例名册 / demo registry: {len(files)} files → {folder}")
        with _database(db) as engine:
            gazetteer = load_gazetteer()
            grid = GridContext.from_database(engine)
            reports = [
                (file, import_registry(engine, file, gazetteer=gazetteer, grid=grid))
                for file in files
            ]
    except TwoNetError as exc:
        raise _fail(exc) from exc
    console.print(
        _frame_table("示例名册导入 / demo registry imported", _import_summary(reports))
    )


def _import_summary(reports: list[tuple[Path, Any]]) -> Any:
    """One row per imported file and a total row."""
    import pandas as pd

    rows = []
    for file, report in reports:
        rows.append(
            {
                "文件 / file": file.name,
                "读取 / read": report.read,
                "拒绝 / rejected": report.rejected,
                "警告 / warned": report.warned,
                "坐标定位 / by coordinates": report.placed.get("coordinates", 0),
                "地址定位 / by address": report.placed.get("address", 0),
                "未定位 / unplaced": report.placed.get("none", 0),
                "待复核 / queued": report.queued,
                "跨区注册 / registered elsewhere": report.flagged.get(
                    "registered_elsewhere", 0
                ),
            }
        )
    frame = pd.DataFrame(rows)
    total = frame.drop(columns="文件 / file").sum()
    frame.loc[len(frame)] = {"文件 / file": "合计 / total", **total.to_dict()}
    return frame


# ---------------------------------------------------------------- employers
employers_app = typer.Typer(
    help="用人单位 / employers: import, export, review.", no_args_is_help=True
)
app.add_typer(employers_app, name="employers")

MappingOption = Annotated[
    list[str] | None,
    typer.Option(
        "--mapping",
        help="字段=列名 / field=column, e.g. --mapping name=企业名称 (repeatable)",
    ),
]


def _mapping(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        field, sep, column = pair.partition("=")
        if not sep or not field.strip() or not column.strip():
            msg = f"--mapping expects field=column, got {pair!r}"
            raise TwoNetError(msg)
        mapping[field.strip()] = column.strip()
    return mapping


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
        mapping=_mapping(mapping),
        encoding=encoding,
        sheet=sheet,
        delimiter=_delimiter(delimiter),
        default_crs=default_crs,
        require_uscc=not allow_missing_uscc,
        use_uscc_area=not no_uscc_area,
    )


DelimiterOption = Annotated[
    str | None,
    typer.Option(
        help="CSV 分隔符（默认自动识别）/ CSV delimiter (default: sniffed): "
        "',' ';' '|' or 'tab'"
    ),
]


def _delimiter(value: str | None) -> str | None:
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


EncodingOption = Annotated[
    str | None, typer.Option(help="CSV encoding (default: detected: UTF-8/BOM/GB18030)")
]
SheetOption = Annotated[str | None, typer.Option(help="XLSX worksheet")]
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


def _progress_callback(progress: Any, task: Any) -> Any:
    def update(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    return update


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
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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
        with _database(db) as engine:
            gazetteer = load_gazetteer()
            grid = GridContext.from_database(engine)
            seen = KeysSeen()
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
                    report = import_registry(
                        engine,
                        file,
                        gazetteer=gazetteer,
                        grid=grid,
                        options=options,
                        progress=_progress_callback(progress, task),
                        seen=seen,
                    )
                _print_import(file, report)
    except TwoNetError as exc:
        raise _fail(exc) from exc


def _print_import(file: Path, report: Any) -> None:
    from twonet.imports import report_counts

    for note in report.notes:
        console.print(f"[yellow]注意 / note:[/yellow] {escape(note)}")
    console.print(_counts_table(f"导入 / imported {file.name}", report_counts(report)))
    labels = {"rejects": "被拒行 / rejected rows", "problems": "问题清单 / problems"}
    for name, path in report.side_files.items():
        console.print(f"{labels[name]} → {escape(str(path))}")
    seconds = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
    console.print(f"[dim]{seconds}[/dim]")


@employers_app.command("export")
def employers_export(
    out: Annotated[Path, typer.Argument(help=".csv, .xlsx, .geojson or .gpkg")],
    db: DbOption = None,
) -> None:
    """导出用人单位及其网格 / export employers with their four cell codes."""
    from twonet.exports import employers_frame, write_employers

    try:
        with _database(db) as engine:
            frame = employers_frame(engine)
        write_employers(frame, out)
    except TwoNetError as exc:
        raise _fail(exc) from exc
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
        with _database(db) as engine:
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
        raise _fail(exc) from exc
    queue["candidates"] = queue["candidates"].map(
        lambda cs: " ".join(f"{c['code']}({c['score']})" for c in cs)
    )
    shown = queue[["id", "uscc", "name", "reason", "operating_address", "candidates"]]
    console.print(_frame_table("待复核 / review queue", shown))


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
    from ingest.registry import write_rejects
    from twonet.employer_import import GridContext, geocode_file, load_gazetteer
    from twonet.exports import write_employers

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
        with _database(db) as engine:
            grid = GridContext.from_database(engine)
        placed, result = geocode_file(
            file, gazetteer=load_gazetteer(), grid=grid, options=options
        )
        write_employers(placed, out)
        if len(result.rejects):
            write_rejects(result, out.with_name(out.name + ".rejects.csv"))
    except TwoNetError as exc:
        raise _fail(exc) from exc
    methods = {str(k): int(v) for k, v in placed["method"].value_counts().items()}
    console.print(
        _counts_table(
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
) -> None:
    """解析地址到五级区划代码 / parse addresses into codes at five levels."""
    from grid.address import parse_addresses
    from twonet.employer_import import load_gazetteer

    try:
        parsed = parse_addresses(texts, load_gazetteer(), region=region)
    except TwoNetError as exc:
        raise _fail(exc) from exc
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
    ]
    shown = parsed[columns].copy()
    shown.insert(0, "address", texts)
    console.print(_frame_table("地址解析 / parsed addresses", shown))


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
        raise _fail(exc) from exc
    summary = {k: v for k, v in gazetteer.summary().items() if isinstance(v, int)}
    console.print(_counts_table("全国区划名录 / national gazetteer", summary))
    console.print(
        f"[green]完成 / done in {time.perf_counter() - started:.1f} s[/green]"
    )


# -------------------------------------------------------------------- bench
bench_app = typer.Typer(
    help="基准测试 / benchmarks with peer baselines.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


@bench_app.command("grid")
def bench_grid(
    postgres: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL admin URL; a scratch database is made and dropped"
        ),
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
) -> None:
    """网格基准 / demo build, QA, database round trips, page weight."""
    from twonet.bench.grid import grid_benchmark
    from twonet.db.engine import PROJECT_ROOT

    figures = grid_benchmark(
        PROJECT_ROOT / "data" / "qingdao", postgres_admin_url=postgres
    )
    _print_figures("TwoNet grid benchmark", figures)


def _print_figures(title: str, figures: list[Any]) -> None:
    table = Table(title=title)
    for column in ("figure", "value", "target", "peer baseline", "peer", "ratio"):
        table.add_column(column)
    for f in figures:
        table.add_row(
            f.name,
            f"{f.value:,.3f} {f.unit}",
            f.target,
            f.baseline_name,
            "" if f.baseline is None else f"{f.baseline:,.3f} {f.unit}",
            "" if f.ratio is None else f"{f.ratio:,.1f}×",
        )
    console.print(table)


@bench_app.command("locate")
def bench_locate(
    points: Annotated[int, typer.Option(help="number of points")] = 1_000_000,
) -> None:
    """点定位基准 / four-level point location vs geopandas.sjoin."""
    from twonet.bench.locate import locate_benchmark
    from twonet.db.engine import PROJECT_ROOT

    _print_figures(
        "TwoNet locate benchmark",
        locate_benchmark(PROJECT_ROOT / "data" / "qingdao", points),
    )


@bench_app.command("address")
def bench_address(
    n: Annotated[int, typer.Option(help="number of addresses")] = 100_000,
    reference_limit: Annotated[
        int, typer.Option(help="addresses given to jionlp/cpca (jionlp: ~200/s)")
    ] = 20_000,
) -> None:
    """地址解析基准 / address parsing vs jionlp and cpca."""
    from twonet.bench.address import address_benchmark

    _print_figures(
        "TwoNet address benchmark",
        address_benchmark(n, reference_limit=reference_limit or None),
    )


@bench_app.command("import")
def bench_import(
    rows: Annotated[int, typer.Option(help="registry rows")] = 1_000_000,
    postgres: Annotated[
        str | None, typer.Option(help="PostgreSQL admin URL (scratch database)")
    ] = "postgresql://postgres@127.0.0.1:5432/postgres",
) -> None:
    """导入基准 / end-to-end registry import into PostGIS and SpatiaLite."""
    from twonet.bench.imports import import_benchmark
    from twonet.db.engine import PROJECT_ROOT

    data = PROJECT_ROOT / "data"
    _print_figures(
        "TwoNet import benchmark",
        import_benchmark(
            data / "qingdao", data / "cache", rows, postgres_admin_url=postgres
        ),
    )


@bench_app.command("accuracy")
def bench_accuracy() -> None:
    """准确率报告 / per-level accuracy on labelled sets TwoNet did not make."""
    from twonet.bench.accuracy import accuracy_benchmark
    from twonet.db.engine import PROJECT_ROOT

    result = accuracy_benchmark(PROJECT_ROOT / "data")
    _print_frame(
        "地址解析准确率 / address accuracy (human labels; see data/accuracy)",
        result["addresses"],
    )
    _print_frame(
        "GCJ-02 坐标 / points declared GCJ-02 (Amap district labels)",
        result["gcj02"],
    )
    console.print(
        f"忽略坐标系时乡镇网格改变 / township cell changes when the datum is "
        f"ignored: {result['township_moved']:.1%}"
    )


def _print_frame(title: str, frame: Any) -> None:
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    console.print(table)


# ---------------------------------------------------------------------- app
@app.command("app")
def run_app(
    db: DbOption = None,
    port: Annotated[int, typer.Option(help="HTTP port")] = 8501,
    headless: Annotated[bool, typer.Option(help="do not open a browser")] = True,
) -> None:
    """启动地图应用 / start the Streamlit map app."""
    from twonet.db.engine import PROJECT_ROOT, default_url

    env = dict(os.environ, TWONET_DATABASE_URL=db or default_url())
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "app.py"),
        "--server.port",
        str(port),
        "--server.headless",
        str(headless).lower(),
        "--browser.gatherUsageStats",
        "false",
    ]
    raise typer.Exit(subprocess.call(command, env=env))


if __name__ == "__main__":  # pragma: no cover
    app()
