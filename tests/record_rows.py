"""Rows of employers and records for tests, inserted directly (no import).

The synthetic grid (tests/conftest.py): 黄岛区 370211 has townships 001 and
002; villages 370211001001, 370211001002, 370211002001, 370211002002.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert

from twonet.db import repository as repo
from twonet.db.models import Complaint, Employer, Inspection, Violation

NOW = dt.datetime(2025, 1, 1)
V11, V12, V21 = "370211001001", "370211001002", "370211002001"
TO = dt.date(2024, 12, 31)


def employer_row(number: int, village: str, lon: float | None = 120.05) -> dict:
    return {
        "uscc": f"91370211MA{number:08d}",
        "name": f"单位{number}",
        "method": "coordinates",
        "content_hash": "0" * 16,
        "location_hash": "0" * 16,
        "first_seen": NOW,
        "last_changed": NOW,
        "city_code": "370200",
        "county_code": village[:6],
        "township_code": village[:9],
        "village_code": village,
        "lon": lon,
        "lat": 36.05 if lon is not None else None,
    }


def record_row(record_id: str, employer: int | str | None) -> dict:
    """Columns every record has; ``employer`` a number of :func:`employer_row`,
    a stored USCC, or ``None`` (unmatched)."""
    uscc = f"91370211MA{employer:08d}" if isinstance(employer, int) else employer
    return {
        "record_id": record_id,
        "uscc": uscc,
        "employer_uscc": uscc,
        "content_hash": "0" * 16,
        "first_seen": NOW,
        "last_changed": NOW,
    }


def violation_row(
    record_id: str, employer: int | str | None, kind: str, found: str
) -> dict:
    found_on = dt.date.fromisoformat(found)
    return {**record_row(record_id, employer), "type": kind, "found_on": found_on}


def inspection_row(
    record_id: str,
    employer: int | str,
    day: str,
    kind: str = "patrol",
    result: str | None = None,
) -> dict:
    on = dt.date.fromisoformat(day)
    return {
        **record_row(record_id, employer),
        "inspected_on": on,
        "kind": kind,
        "result": result,
    }


def complaint_row(
    record_id: str,
    employer: int | str | None,
    received: str,
    *,
    kind: str | None = "wage_arrears",
    status: str = "accepted",
    closed: str | None = None,
) -> dict:
    """A complaint; its deadlines are nominal (not the working-day rule)."""
    on = dt.date.fromisoformat(received)
    return {
        **record_row(record_id, employer),
        "received_on": on,
        "channel": "12333",
        "type": kind,
        "status": status,
        "closed_on": dt.date.fromisoformat(closed) if closed else None,
        "accept_due": on + dt.timedelta(days=7),
        "close_due": on + dt.timedelta(days=90),
    }


def insert_rows(connection: Any, model: Any, rows: list[dict]) -> None:
    """Insert rows that may name different columns (one statement each)."""
    for row in rows:
        connection.execute(insert(model), [row])


#: The stored table of each kind of row helper.
MODELS = {"inspection": Inspection, "violation": Violation, "complaint": Complaint}


def fill_small_history(connection: Any, cells: Any) -> None:
    """Store the synthetic grid, four employers, six violations, four inspections."""
    repo.save_cells(connection, cells)
    connection.execute(
        insert(Employer),
        [
            employer_row(1, V11),
            employer_row(2, V11, lon=None),  # no coordinates: no point
            employer_row(3, V12),
            employer_row(4, V21),
        ],
    )
    connection.execute(
        insert(Violation),
        [
            violation_row("V1", 1, "wage_arrears", "2024-03-01"),
            violation_row("V2", 1, "wage_arrears", "2024-03-01"),
            violation_row("V3", 2, "child_labour", "2024-11-30"),
            violation_row("V4", 3, "wage_arrears", "2023-12-31"),  # before --from
            violation_row("V5", 4, "no_contract", "2024-06-15"),
            violation_row("V6", None, "wage_arrears", "2024-05-01"),  # unmatched
        ],
    )
    connection.execute(
        insert(Inspection),
        [
            inspection_row("I1", 1, "2024-01-01"),  # inside the 12 months
            inspection_row("I2", 1, "2024-05-01"),  # the same employer again
            inspection_row("I3", 3, "2023-12-31"),  # the first day outside
            inspection_row("I4", 4, "2025-01-01"),  # after --to
        ],
    )
