"""What the hotspot analysis reads: violations, employers and inspections per cell.

A violation counts in the cell of the employer it was matched to
(``Violation.employer_uscc`` = ``Employer.uscc``), at the level asked for
(the employer's ``city_code`` … ``village_code``).  Violations still
waiting for a match, and employers without a cell at that level, are not
counted (:func:`unplaced_violations` says how many).  The employer table
holds the current register, so employers per cell are today's whatever
period is analysed.

SQLAlchemy Core, the same statements on PostGIS and SpatiaLite; functions
take an Engine or a Connection and work inside a transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import geopandas as gpd
import pandas as pd
from sqlalchemy import Select, and_, case, func, select

from grid.codes import Level, parse_level
from twonet.db.models import Employer, Inspection, Violation
from twonet.db.repository import Bind, transaction

#: Columns of :func:`violation_days`.
DAY_COLUMNS: Final[tuple[str, ...]] = ("cell_code", "found_on", "violations")
#: Columns of :func:`employer_coverage`.
COVERAGE_COLUMNS: Final[tuple[str, ...]] = (
    "cell_code",
    "employers",
    "inspected",
    "coverage",
)
#: Columns of :func:`violation_points`.
POINT_COLUMNS: Final[tuple[str, ...]] = ("record_id", "type", "found_on", "cell_code")


def cell_column(level: Level | str) -> Any:
    """Return the employer column holding its cell at ``level``."""
    return {
        Level.CITY: Employer.city_code,
        Level.COUNTY: Employer.county_code,
        Level.TOWNSHIP: Employer.township_code,
        Level.VILLAGE: Employer.village_code,
    }[parse_level(level)]


def _violation_filter(
    types: Sequence[str] | None, date_from: dt.date | None, date_to: dt.date | None
) -> list[Any]:
    conditions: list[Any] = []
    if types:
        conditions.append(Violation.type.in_(list(types)))
    if date_from is not None:
        conditions.append(Violation.found_on >= date_from)
    if date_to is not None:
        conditions.append(Violation.found_on <= date_to)
    return conditions


def _placed(level: Level | str) -> Select[Any]:
    column = cell_column(level)
    return (
        select(column.label("cell_code"))
        .select_from(Violation)
        .join(Employer, Employer.uscc == Violation.employer_uscc)
        .where(column.is_not(None))
    )


def violation_days(
    bind: Bind,
    level: Level | str,
    *,
    types: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> pd.DataFrame:
    """Return violations per cell and day found, within the filters.

    Parameters
    ----------
    bind : Engine or Connection
    level : Level or str
    types : sequence of str, optional
        Violation type codes (:data:`grid.record_types.VIOLATION_TYPES`);
        default all.
    date_from, date_to : date, optional
        First and last day found (both included).

    Returns
    -------
    DataFrame
        :data:`DAY_COLUMNS`, sorted by cell and day.
    """
    column = cell_column(level)
    query = (
        _placed(level)
        .add_columns(Violation.found_on, func.count().label("violations"))
        .where(*_violation_filter(types, date_from, date_to))
        .group_by(column, Violation.found_on)
        .order_by(column, Violation.found_on)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(DAY_COLUMNS))
    frame["found_on"] = pd.to_datetime(frame["found_on"]).dt.date
    return frame.astype({"violations": "int64"})


def violation_counts(bind: Bind, level: Level | str, **filters: Any) -> pd.DataFrame:
    """Return ``cell_code`` and ``violations``: :func:`violation_days` summed."""
    days = violation_days(bind, level, **filters)
    return pd.DataFrame(days.groupby("cell_code", as_index=False)["violations"].sum())


def unplaced_violations(
    bind: Bind,
    *,
    types: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> int:
    """Return the violations within the filters not matched to an employer."""
    query = (
        select(func.count())
        .select_from(Violation)
        .where(
            Violation.employer_uscc.is_(None),
            *_violation_filter(types, date_from, date_to),
        )
    )
    with transaction(bind) as connection:
        return int(connection.execute(query).scalar_one())


def year_before(day: dt.date) -> dt.date:
    """Return the same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def employer_coverage(
    bind: Bind, level: Level | str, *, as_of: dt.date
) -> pd.DataFrame:
    """Return employers per cell and the share inspected in the last 12 months.

    An employer is inspected when it has an inspection (any kind) with
    ``year_before(as_of) < inspected_on <= as_of``.

    Returns
    -------
    DataFrame
        :data:`COVERAGE_COLUMNS`; ``coverage`` = inspected / employers.
    """
    column = cell_column(level)
    recent = (
        select(Inspection.employer_uscc)
        .where(
            Inspection.employer_uscc.is_not(None),
            Inspection.inspected_on > year_before(as_of),
            Inspection.inspected_on <= as_of,
        )
        .distinct()
        .scalar_subquery()
    )
    query = (
        select(
            column.label("cell_code"),
            func.count().label("employers"),
            func.coalesce(
                func.sum(case((Employer.uscc.in_(recent), 1), else_=0)), 0
            ).label("inspected"),
        )
        .where(column.is_not(None))
        .group_by(column)
        .order_by(column)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS[:-1]))
    frame = frame.astype({"employers": "int64", "inspected": "int64"})
    frame["coverage"] = frame["inspected"] / frame["employers"]
    return frame


def violation_points(
    bind: Bind,
    level: Level | str,
    *,
    types: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> gpd.GeoDataFrame:
    """Return one WGS-84 point per violation: its employer's location.

    Violations whose employer has no coordinates are left out.
    """
    column = cell_column(level)
    query = (
        select(
            Violation.record_id,
            Violation.type,
            Violation.found_on,
            column.label("cell_code"),
            Employer.lon,
            Employer.lat,
        )
        .join(Employer, Employer.uscc == Violation.employer_uscc)
        .where(
            and_(Employer.lon.is_not(None), Employer.lat.is_not(None)),
            *_violation_filter(types, date_from, date_to),
        )
        .order_by(Violation.record_id)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=[*POINT_COLUMNS, "lon", "lat"])
    points = gpd.points_from_xy(frame.pop("lon"), frame.pop("lat"), crs=4326)
    return gpd.GeoDataFrame(frame, geometry=points, crs=4326)
