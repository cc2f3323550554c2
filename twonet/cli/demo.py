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
    roster: Annotated[
        bool,
        typer.Option(help="生成并导入示例人员与网格分配 / demo staff and assignments"),
    ] = True,
    records: Annotated[
        bool,
        typer.Option(
            help="生成并导入三年示例检查、案件与投诉（需名册与人员）/ three years of "
            "demo inspections, violations and complaints (needs employers and roster)"
        ),
    ] = True,
    users: Annotated[
        bool,
        typer.Option(help="每个角色一个示例账户（打印密码）/ a demo account per role"),
    ] = True,
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
    registry = _demo_employers(db, cells, employers) if employers else None
    staff = _demo_roster(db, cells) if roster else None
    if records:
        if registry is None or staff is None:
            console.print(
                "[yellow]未生成示例记录：需要示例名册与人员 / demo records skipped: "
                "they need the demo employers and roster[/yellow]"
            )
        else:
            _demo_records(db, cells, registry, staff)
    if users:
        _demo_users(db, cells)
    console.print(
        f"[green]完成 / done in {time.perf_counter() - started:.1f} s[/green]"
    )


def _demo_employers(db: str | None, cells: Any, n: int) -> Any:
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
    return demo


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


def _demo_roster(db: str | None, cells: Any) -> Any:
    """Generate the demo roster against the stored employers; import it."""
    from ingest.demo_roster import generate_roster, write_roster
    from twonet.db.engine import PROJECT_ROOT
    from twonet.db.staffing_queries import employer_load
    from twonet.staff_import import import_assignments, import_staff

    folder = PROJECT_ROOT / "data" / "demo" / "roster"
    try:
        with open_database(db) as engine:
            demo = generate_roster(cells, load=employer_load(engine))
            files = write_roster(demo, folder)
            staff = import_staff(engine, files["staff"])
            jobs = import_assignments(engine, files["assignments"], actor="demo")
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(
        counts_table(
            f"示例人员 / demo roster → {folder}",
            {
                "人员 / staff": staff.accepted,
                "网格分配 / assignments": jobs.accepted,
                "拒绝 / rejected": staff.rejected + jobs.rejected,
                **{f"预置缺口 / planted {k}": v for k, v in _planted(demo).items()},
            },
        )
    )
    console.print(
        f"规则检查 / check: twonet rules report --as-of {demo.as_of.isoformat()}"
    )
    return demo


def _demo_records(db: str | None, cells: Any, registry: Any, roster: Any) -> None:
    """Generate the demo history from the demo's own rows; import its files."""
    from twonet.db.engine import PROJECT_ROOT
    from twonet.demo_history import import_demo_history

    folder = PROJECT_ROOT / "data" / "demo" / "records"
    try:
        with open_database(db) as engine:
            history = import_demo_history(engine, cells, registry, roster, folder)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print(f"示例记录 / demo records: 3 files → {folder}")
    for kind, report in history.reports.items():
        console.print(_records_line(kind, report))
    _demo_findings(db, history.demo.planted)


def _demo_findings(db: str | None, planted: dict[str, Any]) -> None:
    """Print what the coverage and hotspot analysis finds in the demo history."""
    from rich.markup import escape

    from twonet.demo_history import demo_findings

    try:
        with open_database(db) as engine:
            lines = demo_findings(engine, planted)
    except TwoNetError as exc:
        raise fail(exc) from exc
    console.print("[bold]示例分析 / what the analysis finds[/bold]")
    for line in lines:
        console.print(f"  {escape(line)}")
    end = planted["wage_arrears"]["to"]
    console.print(
        f"查看 / see: twonet gaps --level village --as-of {end}; "
        f"twonet hotspots --level township --type 拖欠工资 --to {end}"
    )


def _records_line(kind: str, report: Any) -> str:
    """One line per imported kind: read, rejected, stored, queued."""
    from grid.record_types import RECORD_KINDS

    name = RECORD_KINDS[kind]
    stored = report.stored
    return (
        f"{name.zh} / {name.en}: 读取 / read {report.read:,}，"
        f"拒绝 / rejected {report.rejected:,}，"
        f"新增 / inserted {stored.get('inserted', 0):,}，"
        f"未变 / unchanged {stored.get('unchanged', 0):,}，"
        f"待复核 / queued {report.queued:,}"
    )


def _planted(demo: Any) -> dict[str, int]:
    counts = demo.planted.groupby("rule").size()
    return {str(rule): int(n) for rule, n in counts.items()}


#: Demo accounts: username → (role, level of the jurisdiction, display name).
DEMO_USERS = {
    "admin": ("admin", "city", "系统管理员"),
    "planner": ("planner", "city", "规划人员"),
    "manager": ("manager", "county", "区县监察大队"),
    "coordinator": ("coordinator", "township", "街道网格协调员"),
}


def _demo_users(db: str | None, cells: Any) -> None:
    """Add one account per role; print the passwords (made now, never stored)."""
    import secrets

    from twonet.accounts import add_user, list_users

    county = "370211"  # 黄岛区, the county the balancing benchmark uses
    towns = cells[(cells["level"] == "township") & (cells["parent_code"] == county)]
    where = {
        "city": None,
        "county": county,
        "township": str(sorted(towns["code"])[0]) if len(towns) else county,
    }
    rows = []
    try:
        with open_database(db) as engine:
            existing = set(list_users(engine)["username"])
            for username, (role, level, name) in DEMO_USERS.items():
                password = "（已存在，未改 / exists, unchanged）"
                if username not in existing:
                    password = secrets.token_urlsafe(9)
                    add_user(
                        engine,
                        username,
                        password,
                        role,
                        jurisdiction=where[level],
                        display_name=name,
                    )
                rows.append(
                    {
                        "用户名 / user": username,
                        "角色 / role": role,
                        "辖区 / jurisdiction": where[level] or "370200",
                        "密码 / password": password,
                    }
                )
    except TwoNetError as exc:
        raise fail(exc) from exc
    import pandas as pd

    console.print(frame_table("示例账户 / demo accounts", pd.DataFrame(rows)))
