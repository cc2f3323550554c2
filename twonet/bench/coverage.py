"""``twonet bench coverage``: all four levels, in the database and in-process.

A scratch database (PostGIS with ``--postgres``, else SpatiaLite) gets the
Qingdao demo grid and synthetic employers and records
(:mod:`twonet.bench.analysis_data`, bulk-loaded).  Measured on
:data:`~twonet.bench.analysis_data.AS_OF`:

* **in the database**: :func:`twonet.coverage.coverage_report` per level —
  the employer facts are aggregated by SQL ``GROUP BY`` in the database
  (:func:`twonet.db.coverage_queries.employer_facts`), one row per employer
  comes back, the roll-up runs in pandas; beside the bare scans of the same
  tables (``count(*) GROUP BY`` the level's code over ``employer`` and
  ``employer_uscc`` over ``inspection``), so the ratio is what the roll-up
  costs over reading the rows once;
* **in-process**: the same tables read once into frames, the same facts
  computed in pandas (:func:`grid.coverage.inspection_facts`, violations and
  overdue complaints likewise), then :func:`grid.coverage.coverage` per
  level; the facts beside the database's own aggregation;
* the page of the city-wide coverage view at village level
  (:func:`twonet.bench.analysis_pages.coverage_page_figures`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from grid.codes import LEVELS
from twonet.bench import Figure, timed


@dataclass(frozen=True)
class Frames:
    """The tables coverage reads, read once (``uscc`` = the matched employer)."""

    employers: pd.DataFrame
    inspections: pd.DataFrame
    violations: pd.DataFrame
    complaints: pd.DataFrame
    context: Any  # twonet.rules.StaffingContext


def read_frames(engine: Any, as_of: dt.date) -> Frames:
    """Read employers, records and the staffing context once."""
    from sqlalchemy import select

    from twonet.db.models import Complaint, Employer, Inspection, Violation
    from twonet.db.repository import transaction
    from twonet.rules import staffing_context

    def frame(*columns: Any) -> pd.DataFrame:
        names = [c.name for c in columns]
        rows = connection.execute(select(*columns)).all()
        return pd.DataFrame(rows, columns=names)

    with transaction(engine) as connection:
        employers = frame(
            Employer.uscc,
            *(getattr(Employer, f"{lv.value}_code") for lv in LEVELS),
            Employer.staff,
            Employer.updated,
        ).rename(columns={"staff": "workers"})
        inspections = frame(
            Inspection.employer_uscc, Inspection.inspected_on, Inspection.kind
        )
        violations = frame(Violation.employer_uscc, Violation.found_on)
        complaints = frame(
            Complaint.employer_uscc,
            Complaint.received_on,
            Complaint.type,
            Complaint.status,
            Complaint.closed_on,
            Complaint.accept_due,
            Complaint.close_due,
        )
    named = {"employer_uscc": "uscc"}
    return Frames(
        employers,
        inspections.rename(columns=named),
        violations.rename(columns=named),
        complaints.rename(columns=named),
        staffing_context(engine, as_of),
    )


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def facts_in_process(frames: Frames, as_of: dt.date) -> pd.DataFrame:
    """Return the employer facts of :func:`~twonet.db.coverage_queries.employer_facts`.

    Computed in pandas from the frames: inspections by
    :func:`grid.coverage.inspection_facts`, violations in the 12 months up
    to ``as_of`` and complaints open past a deadline on it (the same rules
    as the SQL).
    """
    from grid.coverage import (
        EMPLOYER_FACT_COLUMNS,
        WINDOW_MONTHS,
        inspection_facts,
        months_before,
    )

    day = pd.Timestamp(as_of)
    start = pd.Timestamp(months_before(as_of, WINDOW_MONTHS))
    checks = inspection_facts(frames.inspections.dropna(subset=["uscc"]), as_of)
    found = _day(frames.violations["found_on"])
    cases = frames.violations[(found > start) & (found <= day)]
    c = frames.complaints
    received, closed = _day(c["received_on"]), _day(c["closed_on"])
    overdue = c[
        c["uscc"].notna()
        & (received <= day)
        & c["status"].ne("rejected")
        & (closed.isna() | (closed > day))
        & (
            (_day(c["close_due"]) < day)
            | (c["status"].eq("received") & (_day(c["accept_due"]) < day))
        )
    ]
    open_ = overdue.assign(wage=overdue["type"].eq("wage_arrears").astype("int64"))
    counts = pd.concat(
        [
            cases.groupby("uscc").size().rename("violations_12m"),
            open_.groupby("uscc").size().rename("complaints_overdue"),
            open_.groupby("uscc")["wage"].sum().rename("wage_complaints_overdue"),
        ],
        axis=1,
    )
    facts = frames.employers.merge(checks, on="uscc", how="left").merge(
        counts, left_on="uscc", right_index=True, how="left"
    )
    for column in EMPLOYER_FACT_COLUMNS[-4:]:
        facts[column] = facts[column].fillna(0).astype("int64")
    facts = facts.sort_values("uscc", ignore_index=True)
    return facts.loc[:, list(EMPLOYER_FACT_COLUMNS)]


def coverage_in_process(
    frames: Frames, facts: pd.DataFrame, level: str, as_of: dt.date
) -> pd.DataFrame:
    """Return :func:`twonet.coverage.coverage_report`'s frame, from the frames."""
    from grid.coverage import coverage
    from grid.staffing import check_rules
    from twonet.coverage import _active_staff
    from twonet.rules import load_rules

    context = frames.context
    return coverage(
        context.cells,
        facts,
        level=level,
        as_of=as_of,
        staff=_active_staff(context.staff, context.assignments),
        breaches=check_rules(context, load_rules()),
    )


def _bare_scans(engine: Any, level: str) -> None:
    """Count employers per cell and inspections per employer: no roll-up."""
    from sqlalchemy import func, select

    from twonet.db.models import Employer, Inspection
    from twonet.db.repository import transaction

    code = getattr(Employer, f"{level}_code")
    with transaction(engine) as connection:
        connection.execute(select(code, func.count()).group_by(code)).all()
        who = Inspection.employer_uscc
        connection.execute(select(who, func.count()).group_by(who)).all()


def _database_figures(
    engine: Any, backend: str, as_of: dt.date
) -> tuple[list[Figure], float]:
    from twonet.coverage import coverage_report

    figures: list[Figure] = []
    total = 0.0
    for level in LEVELS:
        seconds, frame = timed(partial(coverage_report, engine, level.value, as_of))
        scan, _ = timed(partial(_bare_scans, engine, level.value))
        total += seconds
        figures.append(
            Figure(
                f"{backend}: coverage, {level.value} level ({len(frame):,} cells; "
                "employer facts aggregated in the database by SQL GROUP BY)",
                seconds,
                "s",
                f"{backend}: bare scans, count(*) GROUP BY {level.value}_code "
                "and employer_uscc",
                scan,
                higher_is_better=False,
            )
        )
    return figures, total


def _in_process_figures(
    engine: Any, backend: str, as_of: dt.date, database_total: float
) -> tuple[list[Figure], pd.DataFrame]:
    from twonet.db.coverage_queries import employer_facts

    read, frames = timed(lambda: read_frames(engine, as_of))
    facts_s, facts = timed(lambda: facts_in_process(frames, as_of))
    sql_s, _ = timed(lambda: employer_facts(engine, as_of))
    figures = [
        Figure(f"in-process: read the tables once from {backend}", read, "s"),
        Figure(
            "in-process: employer facts in pandas (grid.coverage.inspection_facts …)",
            facts_s,
            "s",
            f"{backend}: employer facts aggregated in the database",
            sql_s,
            higher_is_better=False,
        ),
    ]
    total = read + facts_s
    village = pd.DataFrame()
    for level in LEVELS:
        seconds, frame = timed(
            partial(coverage_in_process, frames, facts, level.value, as_of)
        )
        total += seconds
        village = frame
        figures.append(
            Figure(
                f"in-process: coverage, {level.value} level from the facts "
                "(pandas roll-up, grid.coverage.coverage)",
                seconds,
                "s",
            )
        )
    figures.append(
        Figure(
            "in-process: all four levels (read once + facts + roll-ups)",
            total,
            "s",
            f"{backend}: all four levels, aggregated in the database",
            database_total,
            higher_is_better=False,
        )
    )
    return figures, village


def _fill(
    engine: Any, backend: str, cells: Any, employers: int, inspections: int
) -> list[Figure]:
    """Draw the synthetic rows and bulk-load them; return the two figures."""
    from twonet.bench.analysis_data import load_records, synthetic_records

    made, records = timed(lambda: synthetic_records(cells, employers, inspections))
    sizes = (
        f"{employers:,} employers, {inspections:,} inspections, "
        f"{len(records.violations):,} violations, {len(records.complaints):,} "
        "complaints"
    )
    loaded, _ = timed(lambda: load_records(engine, records))
    return [
        Figure(f"synthetic records drawn (numpy): {sizes}", made, "s"),
        Figure(f"{backend}: bulk load and index ({sizes})", loaded, "s"),
    ]


def coverage_benchmark(
    data_dir: Path,
    *,
    employers: int = 1_000_000,
    inspections: int = 3_000_000,
    postgres_admin_url: str | None = None,
    pages: bool = True,
    cells: Any = None,
) -> list[Figure]:
    """Run the coverage benchmark and return its figures.

    Parameters
    ----------
    data_dir : Path
        ``data/qingdao`` (the demo grid).
    employers, inspections : int
        Synthetic rows (violations: a tenth of the inspections, complaints a
        thirtieth).
    postgres_admin_url : str, optional
        Measure on a scratch PostGIS database; without it, on SpatiaLite.
    cells : GeoDataFrame, optional
        The grid; default the Qingdao demo built from ``data_dir``.
    pages : bool
        Also measure the city-wide coverage page.
    """
    from grid.demo import build_qingdao_demo
    from twonet.bench.analysis_data import AS_OF
    from twonet.bench.analysis_pages import coverage_page_figures
    from twonet.db import repository as repo
    from twonet.db.engine import get_engine
    from twonet.db.scratch import scratch_database

    if cells is None:
        cells, _ = build_qingdao_demo(data_dir)
    backend = "PostGIS" if postgres_admin_url else "SpatiaLite"
    kind = "postgis" if postgres_admin_url else "spatialite"
    with scratch_database(kind, postgres_admin_url, label="bench") as url:
        engine = get_engine(url)
        try:
            repo.save_cells(engine, cells)
            figures = _fill(engine, backend, cells, employers, inspections)
            in_db, total = _database_figures(engine, backend, AS_OF)
            figures += in_db
            figures.append(
                Figure(f"{backend}: all four levels (database aggregation)", total, "s")
            )
            in_process, village = _in_process_figures(engine, backend, AS_OF, total)
            figures += in_process
        finally:
            engine.dispose()
    if pages:
        figures += coverage_page_figures(cells, village)
    return figures
