"""Synthetic employers and records for the analysis benchmarks, and their load.

:func:`synthetic_records` draws, vectorised and from one seed, n employers
spread over the village cells of a grid and m inspection records (with a
tenth as many violations and a thirtieth as many complaints), all matched
to their employer; :func:`load_records` appends them to a migrated database
with the backend's bulk path (``COPY`` on PostGIS, one ``executemany`` on
SpatiaLite) and its deferred indexes, not through the CSV import (that is
``twonet bench import``).

How employers are spread
------------------------
Every village cell gets a share proportional to its weight (a community,
村级代码 001–199, weighs 3; a village 1), rounded by largest remainder so
the shares add up to n exactly; 1 % of the employers are then left without
a village cell (placed in their township only).  Record dates fall in the
three years up to :data:`AS_OF`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grid.record_types import COMPLAINT_STATUSES, VIOLATION_TYPES

#: The date the synthetic history ends on and coverage is taken.
AS_OF = dt.date(2026, 6, 30)
#: Days of history before :data:`AS_OF`.
HISTORY_DAYS = 3 * 365
#: Rows sent to the database at a time.
BATCH_ROWS = 250_000
_STAMP = pd.Timestamp("2026-07-01 08:00:00")
_KIND_SHARES = {"patrol": 0.6, "complaint": 0.1, "campaign": 0.1, "written": 0.1}


@dataclass(frozen=True)
class SyntheticRecords:
    """Rows for the employer, inspection, violation and complaint tables."""

    employers: pd.DataFrame
    inspections: pd.DataFrame
    violations: pd.DataFrame
    complaints: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """Return table name → rows, employers first."""
        return {
            "employer": self.employers,
            "inspection": self.inspections,
            "violation": self.violations,
            "complaint": self.complaints,
        }


def spread(total: int, weights: np.ndarray) -> np.ndarray:
    """Return integer shares of ``total`` proportional to ``weights``.

    Largest remainder: the shares add up to ``total`` exactly.

    Examples
    --------
    >>> spread(10, np.array([3.0, 1.0, 1.0])).tolist()
    [6, 2, 2]
    """
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    shares = np.floor(exact).astype(np.int64)
    left = total - int(shares.sum())
    order = np.argsort(-(exact - shares), kind="stable")
    shares[order[:left]] += 1
    return shares


def village_weights(codes: pd.Series) -> np.ndarray:
    """Return 3 for a community (last three digits 001–199), else 1."""
    tail = pd.to_numeric(codes.astype(str).str[9:12], errors="coerce")
    return np.where(tail.between(1, 199), 3.0, 1.0)


def _chain(cells: pd.DataFrame) -> pd.DataFrame:
    """Return every village's four cell codes, by code."""
    parent = cells.drop_duplicates("code").set_index("code")["parent_code"]
    villages = cells.loc[cells["level"] == "village", "code"].astype(str)
    villages = villages.sort_values(ignore_index=True)
    township = villages.map(parent)
    county = township.map(parent)
    return pd.DataFrame(
        {
            "village_code": villages,
            "township_code": township,
            "county_code": county,
            "city_code": county.map(parent),
        }
    )


def _codes(prefix: str, n: int, width: int) -> np.ndarray:
    numbers = pd.Series(np.arange(n, dtype=np.int64)).astype(str).str.zfill(width)
    return (prefix + numbers).to_numpy(dtype=object)


def _days_before(end: dt.date, offsets: np.ndarray) -> np.ndarray:
    """Return ``end - offset`` days as an object array of dates (by lookup)."""
    top = int(offsets.max(initial=0)) + 1
    lookup = np.array([end - dt.timedelta(days=d) for d in range(top)], dtype=object)
    return lookup[offsets]


def _employers(cells: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    chain = _chain(cells)
    where = np.repeat(
        np.arange(len(chain)), spread(n, village_weights(chain["village_code"]))
    )
    rows = chain.iloc[where].reset_index(drop=True)
    unplaced = rng.random(n) < 0.01
    rows.loc[unplaced, "village_code"] = None
    staff = np.minimum(rng.geometric(1 / 30, n), 5_000).astype(np.int32)
    return rows.assign(
        uscc=_codes("91370200", n, 10),
        name=_codes("合成用人单位", n, 7),
        staff=staff,
        updated=_days_before(AS_OF, rng.integers(0, 540, n)),
        method="bench",
        confidence=1.0,
        flags="",
        content_hash="0" * 16,
        location_hash="0" * 16,
        first_seen=_STAMP,
        last_changed=_STAMP,
    )


def _record(prefix: str, who: np.ndarray, usccs: np.ndarray) -> dict[str, Any]:
    return {
        "record_id": _codes(prefix, len(who), 9),
        "uscc": usccs[who],
        "employer_uscc": usccs[who],
        "content_hash": "0" * 16,
        "first_seen": _STAMP,
        "last_changed": _STAMP,
    }


def synthetic_records(
    cells: pd.DataFrame, employers: int, inspections: int, *, seed: int = 1
) -> SyntheticRecords:
    """Return ``employers`` employers and ``inspections`` inspection records.

    Parameters
    ----------
    cells : DataFrame
        ``code, level, parent_code`` of a four-level grid.
    employers, inspections : int
        Rows to draw; violations are a tenth of ``inspections``, complaints
        a thirtieth.
    seed : int
        The same seed gives the same rows.
    """
    rng = np.random.default_rng(seed)
    firms = _employers(cells, employers, rng)
    usccs = firms["uscc"].to_numpy()
    kinds = [*_KIND_SHARES, "random"]
    shares = [*_KIND_SHARES.values(), 1 - sum(_KIND_SHARES.values())]
    who = rng.integers(0, employers, inspections)
    checks = pd.DataFrame(_record("I", who, usccs)).assign(
        inspected_on=_days_before(AS_OF, rng.integers(0, HISTORY_DAYS, inspections)),
        kind=rng.choice(kinds, inspections, p=shares),
        result=np.where(rng.random(inspections) < 0.2, "problem", "clean"),
    )
    n = inspections // 10
    who = rng.integers(0, employers, n)
    cases = pd.DataFrame(_record("V", who, usccs)).assign(
        type=rng.choice(list(VIOLATION_TYPES), n),
        found_on=_days_before(AS_OF, rng.integers(0, HISTORY_DAYS, n)),
    )
    return SyntheticRecords(
        firms, checks, cases, _complaints(usccs, inspections // 30, rng)
    )


def _complaints(usccs: np.ndarray, n: int, rng: np.random.Generator) -> pd.DataFrame:
    who = rng.integers(0, len(usccs), n)
    offsets = rng.integers(0, HISTORY_DAYS, n)
    status = rng.choice(list(COMPLAINT_STATUSES), n, p=[0.05, 0.15, 0.05, 0.75])
    closed = np.maximum(offsets - rng.integers(10, 90, n), 0)
    return pd.DataFrame(_record("C", who, usccs)).assign(
        received_on=_days_before(AS_OF, offsets),
        type=rng.choice(["wage_arrears", "no_contract", "no_insurance"], n),
        status=status,
        closed_on=pd.Series(_days_before(AS_OF, closed)).where(status == "closed"),
        # deadlines as calendar days here: 5 and 60 working days, roughly
        accept_due=_days_before(AS_OF, np.maximum(offsets - 7, 0)),
        close_due=_days_before(AS_OF, np.maximum(offsets - 90, 0)),
    )


def load_records(engine: Any, records: SyntheticRecords) -> None:
    """Append the rows with the backend's bulk path, then ``ANALYZE``.

    Each table is loaded inside the backend's deferred indexes (dropped,
    then rebuilt once), in one transaction.
    """
    from sqlalchemy import text

    from twonet.db.backends import backend_for

    backend = backend_for(engine)
    with engine.begin() as connection:
        for table, frame in records.tables().items():
            with backend.deferred_indexes(connection, table):
                for start in range(0, len(frame), BATCH_ROWS):
                    part = frame.iloc[start : start + BATCH_ROWS]
                    backend.bulk_load(connection, table, part)
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
