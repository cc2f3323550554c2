"""What coverage, gaps and grades read: employer facts and records on a date.

SQLAlchemy Core, the same statements on PostGIS and SpatiaLite; the work
of aggregating inspections, violations and complaints per employer runs in
the database (``GROUP BY``), only one row per employer comes back.  Records
count for the employer they were matched to (``employer_uscc``); a record
still waiting in the match queue counts nowhere.  Functions take an
:class:`~sqlalchemy.Engine` or a :class:`~sqlalchemy.Connection` and work
inside a transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import and_, case, func, or_, select

from grid.coverage import EMPLOYER_FACT_COLUMNS, WINDOW_MONTHS, months_before
from grid.grades import VIOLATION_COLUMNS
from twonet.db.models import Complaint, Employer, Inspection, Violation
from twonet.db.repository import Bind, transaction

#: Columns of :func:`overdue_complaints`.
OVERDUE_COLUMNS: tuple[str, ...] = (
    "uscc",
    "complaints_overdue",
    "wage_complaints_overdue",
)
_WAGE = case((Complaint.type == "wage_arrears", 1), else_=0)
#: Columns of :func:`employer_names`.
NAME_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "county_code",
    "township_code",
    "village_code",
)


def _overdue_condition(as_of: dt.date) -> Any:
    """Return the SQL condition "open on ``as_of`` and past a deadline".

    Open: received on or before the date, not rejected (不予受理), not closed
    by the date.  Past a deadline: the closing deadline (60 working days)
    before the date, or still not accepted (``received``) after the
    acceptance deadline (5 working days).
    """
    return and_(
        Complaint.received_on <= as_of,
        Complaint.status != "rejected",
        or_(Complaint.closed_on.is_(None), Complaint.closed_on > as_of),
        or_(
            Complaint.close_due < as_of,
            and_(Complaint.status == "received", Complaint.accept_due < as_of),
        ),
    )


def overdue_complaints(bind: Bind, as_of: dt.date) -> pd.DataFrame:
    """Return the open complaints past a deadline on ``as_of`` per employer.

    Returns
    -------
    DataFrame
        ``uscc, complaints_overdue, wage_complaints_overdue`` (those of type
        ``wage_arrears``), employers with at least one.
    """
    query = (
        select(Complaint.employer_uscc, func.count(), func.sum(_WAGE))
        .where(Complaint.employer_uscc.is_not(None), _overdue_condition(as_of))
        .group_by(Complaint.employer_uscc)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(OVERDUE_COLUMNS))
    return frame.astype(dict.fromkeys(OVERDUE_COLUMNS[1:], "int64"))


def employer_facts(bind: Bind, as_of: dt.date) -> pd.DataFrame:
    """Return every employer with the facts coverage counts on ``as_of``.

    Returns
    -------
    DataFrame
        :data:`grid.coverage.EMPLOYER_FACT_COLUMNS`, one row per stored
        employer, sorted by USCC: its four cell codes, ``workers``
        (``Employer.staff``), ``updated``, ``last_inspected`` (latest
        inspection on or before ``as_of``; later ones are ignored),
        ``patrols_12m`` (daily patrols in the 12 months up to ``as_of``),
        ``violations_12m`` (found in those 12 months) and
        ``complaints_overdue`` and ``wage_complaints_overdue``
        (:func:`overdue_complaints`).
    """
    start = months_before(as_of, WINDOW_MONTHS)
    in_window = and_(Inspection.inspected_on > start, Inspection.kind == "patrol")
    inspections = (
        select(
            Inspection.employer_uscc.label("uscc"),
            func.max(Inspection.inspected_on).label("last_inspected"),
            func.sum(case((in_window, 1), else_=0)).label("patrols_12m"),
        )
        .where(Inspection.employer_uscc.is_not(None), Inspection.inspected_on <= as_of)
        .group_by(Inspection.employer_uscc)
        .subquery()
    )
    violations = (
        select(
            Violation.employer_uscc.label("uscc"),
            func.count().label("violations_12m"),
        )
        .where(
            Violation.employer_uscc.is_not(None),
            Violation.found_on > start,
            Violation.found_on <= as_of,
        )
        .group_by(Violation.employer_uscc)
        .subquery()
    )
    complaints = (
        select(
            Complaint.employer_uscc.label("uscc"),
            func.count().label("complaints_overdue"),
            func.sum(_WAGE).label("wage_complaints_overdue"),
        )
        .where(Complaint.employer_uscc.is_not(None), _overdue_condition(as_of))
        .group_by(Complaint.employer_uscc)
        .subquery()
    )
    query = (
        select(
            Employer.uscc,
            Employer.city_code,
            Employer.county_code,
            Employer.township_code,
            Employer.village_code,
            Employer.staff,
            Employer.updated,
            inspections.c.last_inspected,
            func.coalesce(inspections.c.patrols_12m, 0),
            func.coalesce(violations.c.violations_12m, 0),
            func.coalesce(complaints.c.complaints_overdue, 0),
            func.coalesce(complaints.c.wage_complaints_overdue, 0),
        )
        .outerjoin(inspections, inspections.c.uscc == Employer.uscc)
        .outerjoin(violations, violations.c.uscc == Employer.uscc)
        .outerjoin(complaints, complaints.c.uscc == Employer.uscc)
        .order_by(Employer.uscc)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(EMPLOYER_FACT_COLUMNS))
    for column in ("updated", "last_inspected"):
        days = pd.to_datetime(frame[column], errors="coerce")
        frame[column] = pd.Series(
            [None if pd.isna(v) else v.date() for v in days], dtype=object
        )
    counts = EMPLOYER_FACT_COLUMNS[-4:]
    return frame.astype(dict.fromkeys(counts, "int64"))


def matched_violations(
    bind: Bind,
    *,
    found_before: dt.date | None = None,
    types: tuple[str, ...] | None = None,
    uscc: str | None = None,
) -> pd.DataFrame:
    """Return the violations matched to an employer (for warnings and grades).

    Parameters
    ----------
    found_before : date, optional
        Only cases found before this day.
    types : tuple of str, optional
        Only these violation types.
    uscc : str, optional
        Only this employer's.

    Returns
    -------
    DataFrame
        :data:`grid.grades.VIOLATION_COLUMNS`, ``uscc`` the matched employer.
    """
    columns = [
        Violation.employer_uscc,
        *(getattr(Violation, c) for c in VIOLATION_COLUMNS[1:]),
    ]
    query = select(*columns).where(Violation.employer_uscc.is_not(None))
    if found_before is not None:
        query = query.where(Violation.found_on < found_before)
    if types:
        query = query.where(Violation.type.in_(types))
    if uscc is not None:
        query = query.where(Violation.employer_uscc == uscc)
    with transaction(bind) as connection:
        rows = connection.execute(query.order_by(Violation.record_id)).all()
    return pd.DataFrame(rows, columns=list(VIOLATION_COLUMNS))


def employer_names(bind: Bind) -> pd.DataFrame:
    """Return every employer's USCC, name and cells (:data:`NAME_COLUMNS`)."""
    query = select(*(getattr(Employer, c) for c in NAME_COLUMNS)).order_by(
        Employer.uscc
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(NAME_COLUMNS))
