"""What workload balancing reads: the staff of one kind, one county's employers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import select

from twonet.db.models import Employer, Staff
from twonet.db.repository import Bind, transaction

#: Columns of :func:`staff_rows`.
STAFF_COLUMNS = (
    "staff_id",
    "kind",
    "unit_code",
    "home_lon",
    "home_lat",
    "active_from",
    "active_to",
)
#: Columns of :func:`county_employers`.
EMPLOYER_COLUMNS = (
    "township_code",
    "village_code",
    "staff",
    "contracts_required",
    "contracts_signed",
    "insured",
)


def staff_rows(
    bind: Bind, *, kind: str | None = None, ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """Return the people of a kind (``inspector``, ``assistant``) or with these ids.

    Returns
    -------
    DataFrame
        :data:`STAFF_COLUMNS`, sorted by ``staff_id``.
    """
    query = select(*(getattr(Staff, c) for c in STAFF_COLUMNS))
    if kind is not None:
        query = query.where(Staff.kind == kind)
    rows: list[Any] = []
    with transaction(bind) as connection:
        if ids is None:
            rows = list(connection.execute(query).all())
        else:
            wanted = sorted(set(ids))
            for start in range(0, len(wanted), 900):  # SQLite's variable limit
                part = wanted[start : start + 900]
                rows += connection.execute(query.where(Staff.staff_id.in_(part))).all()
    frame = pd.DataFrame(rows, columns=list(STAFF_COLUMNS))
    return frame.sort_values("staff_id", ignore_index=True)


def county_employers(bind: Bind, county: str) -> pd.DataFrame:
    """Return the cells and the counts of the employers placed in one county."""
    query = select(*(getattr(Employer, c) for c in EMPLOYER_COLUMNS)).where(
        Employer.county_code == county
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(EMPLOYER_COLUMNS))
