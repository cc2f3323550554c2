"""The demo's records history, generated and imported like real files.

:func:`import_demo_history` is what ``twonet demo --records`` runs after the
demo registry and roster: :func:`ingest.demo_records.generate_records` on
the demo's own rows (deterministic), the three CSV files written to a
folder, each imported through :func:`twonet.record_import.import_records`
(the path ``twonet records import`` takes), inspections first, then
violations, then complaints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
from sqlalchemy import Engine

from twonet.imports import ImportReport
from twonet.record_import import import_records

#: Kinds of record in the order they are imported.
KINDS: Final = ("inspections", "violations", "complaints")


@dataclass(frozen=True)
class DemoHistory:
    """A generated history and what importing it did.

    Attributes
    ----------
    demo : ingest.demo_records.RecordsDemo
        The generated frames and the planted patterns.
    files : dict
        Kind → the CSV file written.
    reports : dict
        Kind → the :class:`twonet.imports.ImportReport` of its file.
    """

    demo: Any
    files: dict[str, Path]
    reports: dict[str, ImportReport]


def import_demo_history(
    engine: Engine,
    cells: pd.DataFrame,
    registry: Any,
    roster: Any,
    folder: Path,
    *,
    seed: int = 20233,
    on_file: Callable[[str, Path], None] | None = None,
) -> DemoHistory:
    """Generate the demo history, write its files, import them.

    Parameters
    ----------
    engine : Engine
        A database holding the demo grid, registry and roster.
    cells : GeoDataFrame
        The demo grid.
    registry : ingest.demo_registry.RegistryDemo
        The demo registry (its ``rows`` and ``truth``).
    roster : ingest.demo_roster.RosterDemo
        The demo roster (its ``staff`` and ``assignments``).
    folder : Path
        Where ``inspections.csv``, ``violations.csv``, ``complaints.csv``
        are written (generated files: keep it out of version control).
    seed : int
        Seed of :func:`ingest.demo_records.generate_records`.
    on_file : callable, optional
        ``on_file(kind, path)`` before each import (a progress note).

    Returns
    -------
    DemoHistory

    Raises
    ------
    TwoNetError
        No place for a planted pattern; an import failed.
    """
    from ingest.demo_records import generate_records, write_demo_records

    demo = generate_records(
        cells,
        registry.rows,
        roster.staff,
        roster.assignments,
        truth=registry.truth,
        seed=seed,
    )
    files = write_demo_records(demo, folder)
    reports = {}
    for kind in KINDS:
        if on_file is not None:
            on_file(kind, files[kind])
        reports[kind] = import_records(engine, files[kind], kind=kind)
    return DemoHistory(demo, files, reports)


def demo_findings(engine: Engine, planted: dict[str, dict[str, Any]]) -> list[str]:
    """Return what the analysis finds in the demo history, one line each.

    Run on the history's last day: the head of the village gap list, the
    township hot spots of wage arrears, the village hot spots of child
    labour (after the FDR correction) and the villages classed as new hot
    spots by the quarterly emerging analysis, each with how many of the
    planted cells it names.

    Parameters
    ----------
    engine : Engine
    planted : dict
        ``RecordsDemo.planted``.

    Returns
    -------
    list of str
        Chinese, then English, per line.
    """
    import datetime as dt

    from twonet.coverage import gap_report
    from twonet.hotspots import hotspot_report, make_query

    end = dt.date.fromisoformat(planted["wage_arrears"]["to"])
    lines = []
    gaps = gap_report(engine, "village", as_of=end, top=1)
    if len(gaps):
        lines.append(f"覆盖缺口第一 / top gap: {gaps['reasons_zh'].iloc[0]}")
    searches = (
        ("wage_arrears", "township", False, "拖欠工资热点 / wage-arrears hot spots"),
        ("child_labour", "village", False, "使用童工热点 / child-labour hot spots"),
        ("new_hotspot", "village", True, "新增热点 / new hot spots"),
    )
    for key, level, emerging, title in searches:
        pattern = planted[key]
        types = [pattern["type"]] if pattern.get("type") else None
        query = make_query(level, types=types, date_to=end)
        report = hotspot_report(engine, query, emerging=emerging)
        if emerging:
            found = report[report["trend"] == "new_hot"]
        else:
            found = report[report["class"].str.startswith("hot_")]
        hits = len(set(found["cell_code"]) & set(pattern["cells"]))
        names = "、".join(found["cell_name"].astype(str).head(6))
        more = f" 等 {len(found)} 个 / {len(found)} cells" if len(found) > 6 else ""
        lines.append(
            f"{title}: {names or '无 / none'}{more}"
            f"（预置 {hits}/{len(pattern['cells'])} 个被发现 / "
            f"{hits} of {len(pattern['cells'])} planted found）"
        )
    return lines
