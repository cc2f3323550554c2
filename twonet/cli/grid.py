"""``twonet db upgrade``, ``twonet grid load|qa``: the schema and the cells."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from twonet.cli.common import (
    DbOption,
    app,
    console,
    counts_table,
    err_console,
    fail,
    frame_table,
    open_database,
    parse_date,
)
from twonet.errors import TwoNetError

# ----------------------------------------------------------------------- db
db_app = typer.Typer(help="数据库 / database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """创建或升级数据库结构 / create or upgrade the schema (Alembic)."""
    try:
        with open_database(db):
            pass
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print("[green]数据库结构已是最新 / schema up to date[/green]")


grid_app = typer.Typer(help="网格 / grid cells: load, QA.", no_args_is_help=True)
app.add_typer(grid_app, name="grid")


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
        day = parse_date(valid_from) or dt.date.today()
    except TwoNetError as exc:
        raise _grid_fail(file, f"日期无效，应为 YYYY-MM-DD / {exc}") from exc
    try:
        with open_database(db) as engine:
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
    console.print(counts_table(escape(title), counts))
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
        console.print(frame_table(escape(title), shown))


def _grid_fail(file: Path, message: str) -> typer.Exit:
    """Print one ``错误 / error:`` line naming the file; return the exit."""
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
        with open_database(db) as engine:
            date = parse_date(as_of)
            cells = repo.load_cells(engine, as_of=date)
            if cells.empty:
                msg = (
                    "no grid cells in the database; run `twonet grid load` first "
                    "(数据库中没有网格，请先运行 twonet grid load)"
                )
                raise TwoNetError(msg)
            if repair:
                repaired = repair_invalid(cells)
                repaired["valid_from"] = dt.date.today()
                saved = repo.save_cells(engine, repaired)
                console.print(counts_table("修复 / repaired", saved.counts))
                cells = repo.load_cells(engine, as_of=date)
            report = run_qa(cells, land=None if no_land else "auto")
            report.to_geojson(out)
    except TwoNetError as exc:
        raise fail(exc) from exc
    print_qa(report, out)


def print_qa(report: Any, out: Path) -> None:
    """Print a QA report's summary and verdict."""
    summary = report.summary()
    summary["area_km2"] = (summary.pop("area_m2") / 1e6).map(
        lambda v: "" if v != v else f"{v:,.3f}"
    )
    console.print(frame_table(f"网格质检 / grid QA → {out}", summary))
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
        console.print(frame_table("问题明细（前30）/ problems (first 30)", shown))


@grid_app.command("basemap")
def grid_basemap(
    waterbodies: Annotated[
        Path | None,
        typer.Option(
            help="GeoJSON of water bodies, e.g. package/map.geo.json of the npm "
            "package @geo-maps/earth-waterbodies-5m (omit: no water layer)",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="file to write")] = None,
) -> None:
    """离线底图 / rebuild the packaged offline basemap of the Qingdao region.

    Land comes from roaring-landmask (OSM land polygons), places from the OSM
    boundary files in data/qingdao; see data/basemap/PROVENANCE.md.
    """
    from grid.errors import GridFileError
    from grid.landmask import load_land
    from ingest import basemap_sources as bs

    target = out or bs.QINGDAO_BASEMAP
    try:
        coverage = bs.QINGDAO_COVERAGE
        water = None if waterbodies is None else bs.read_polygons(waterbodies, coverage)
        places = [
            place
            for path, ranks in bs.QINGDAO_PLACE_FILES
            for place in bs.read_places(path, rank_by_level=ranks)
        ]
        source = bs.build_basemap_file(
            target,
            coverage=coverage,
            land=load_land(coverage),
            waterbodies=water,
            places=places,
            attribution=bs.QINGDAO_ATTRIBUTION,
        )
    except GridFileError as exc:
        raise fail(exc) from exc
    console.print(
        f"[green]离线底图已写入 / basemap written[/green]: {escape(str(target))} "
        f"({target.stat().st_size / 1000:.0f} kB, {len(source.places)} places)"
    )
