"""``twonet demo``: the Qingdao demo grid and registry, imported."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

from twonet.cli.common import (
    DbOption,
    app,
    console,
    counts_table,
    fail,
    frame_table,
    open_database,
)
from twonet.cli.grid import print_qa
from twonet.errors import TwoNetError


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
        with open_database(db) as engine:
            cells, report = build_qingdao_demo(
                data_dir or PROJECT_ROOT / "data" / "qingdao"
            )
            saved = repo.import_cells(
                engine, cells, kind="demo-grid", source_name="data/qingdao"
            )
            qa = run_qa(cells, land="auto")
            qa.to_geojson(qa_out)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(frame_table("青岛示例网格 / Qingdao demo grid", report.counts))
    console.print(
        frame_table(
            "无边界的乡镇（按地址定位）/ towns without boundary (placed by address)",
            report.towns_without_geometry,
        )
    )
    console.print(report.summary())
    console.print(counts_table("写入 / stored", saved.counts))
    print_qa(qa, qa_out)
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
        with open_database(db) as engine:
            gazetteer = load_gazetteer()
            grid = GridContext.from_database(engine)
            reports = [
                (file, import_registry(engine, file, gazetteer=gazetteer, grid=grid))
                for file in files
            ]
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(
        frame_table("示例名册导入 / demo registry imported", _import_summary(reports))
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
