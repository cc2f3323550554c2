"""Supervision coverage per grid cell (覆盖情况), as of a date: pure roll-ups.

Nothing here reads a database: :mod:`twonet.coverage` gathers the frames.

Inputs
------
cells
    ``code, name, level, parent_code``: the cells valid on the date.
employers
    One row per employer (:data:`EMPLOYER_FACT_COLUMNS`): ``uscc``, its four
    cell codes ``city_code … village_code``, ``workers`` (``Employer.staff``),
    ``updated`` (date of its labour data), ``last_inspected`` (latest
    inspection on or before the date), ``patrols_12m`` (daily patrols in the
    12 months up to the date), ``violations_12m`` (violations found in those
    12 months), ``complaints_overdue`` (open complaints past a deadline on
    the date) and ``wage_complaints_overdue`` (those of type wage arrears).
    Missing count columns count as 0, missing dates as never.
staff
    ``staff_id, cell_code, kind``: the active people assigned on the date
    (any duty), ``kind`` ``inspector`` or ``assistant``.
breaches
    The staffing rules report on the date (only ``cell_code`` is read).

Rules of the roll-up
--------------------
* An employer counts in the cell its own code at the level names
  (``county_code`` for a county …): a parent's figures are the sums over
  its employers, never averages of its children's shares.  At village
  level an employer counts in the grid its ``village_code`` names.
* A person counts in a cell when assigned to it or to any cell below it,
  once however many such cells (distinct ``staff_id``).  People assigned
  above the level (a township's inspector, seen from a village) are not
  counted in the cells below.
* A breach counts in the cell it names or in the cell above it at the
  level; a person's workload breach names no cell and is not counted.
* ``inspected_12m_share``: share of employers whose last inspection lies in
  the 12 months up to the date (``as_of - 12 months < d <= as_of``);
  ``patrolled_twice_share``: share with at least two daily patrols in them
  (DOMAIN: each employer patrolled at least twice a year);
  ``stale_data_share``: share whose labour data is older than 6 months
  (``updated < as_of - 6 months``) or has no date (DOMAIN: refreshed at
  least every 6 months).  Shares are empty (NaN) in a cell without
  employers.
* ``employers_without_cell``: employers of the cell whose code at the next
  level down is empty (placed in a county but in no township …); empty at
  village level.
* ``employers_per_assistant`` / ``employers_per_inspector``: employers over
  people; empty when there is nobody.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange

import numpy as np
import pandas as pd

from grid.codes import LEVELS, Level, parse_level
from grid.errors import TwoNetError

__all__ = [
    "COVERAGE_COLUMNS",
    "EMPLOYER_FACT_COLUMNS",
    "coverage",
    "inspection_facts",
    "months_before",
]

#: Columns of the employer facts :func:`coverage` reads.
EMPLOYER_FACT_COLUMNS: tuple[str, ...] = (
    "uscc",
    "city_code",
    "county_code",
    "township_code",
    "village_code",
    "workers",
    "updated",
    "last_inspected",
    "patrols_12m",
    "violations_12m",
    "complaints_overdue",
    "wage_complaints_overdue",
)
#: Columns of :func:`coverage`, in order.
COVERAGE_COLUMNS: tuple[str, ...] = (
    "cell_code",
    "cell_name",
    "level",
    "parent_code",
    "county_code",
    "place",
    "employers",
    "workers",
    "inspectors",
    "assistants",
    "employers_per_assistant",
    "employers_per_inspector",
    "breaches",
    "inspected_12m_share",
    "patrolled_twice_share",
    "stale_data_share",
    "employers_without_cell",
    "complaints_overdue",
    "wage_complaints_overdue",
    "violations_12m",
)
#: Months after which labour data is stale; the window of inspections.
STALE_MONTHS = 6
WINDOW_MONTHS = 12
#: Longest parent chain followed.
_MAX_DEPTH = 8
_COUNTS = (
    "patrols_12m",
    "violations_12m",
    "complaints_overdue",
    "wage_complaints_overdue",
)


def months_before(day: dt.date, months: int) -> dt.date:
    """Return the same day ``months`` earlier (clamped to the month's end).

    Examples
    --------
    >>> months_before(dt.date(2024, 2, 29), 12), months_before(dt.date(2025, 8, 31), 6)
    (datetime.date(2023, 2, 28), datetime.date(2025, 2, 28))
    """
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, monthrange(year, month)[1]))


def inspection_facts(inspections: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Return each employer's last inspection and patrols up to ``as_of``.

    The pure twin of the SQL aggregation in
    :func:`twonet.db.coverage_queries.employer_facts`.

    Parameters
    ----------
    inspections : DataFrame
        ``uscc, inspected_on, kind`` (kind ``patrol`` is a daily patrol).
    as_of : date
        Inspections after it are ignored.

    Returns
    -------
    DataFrame
        ``uscc, last_inspected, patrols_12m``, one row per employer with an
        inspection on or before ``as_of``.
    """
    rows = inspections.dropna(subset=["uscc", "inspected_on"])
    days = pd.to_datetime(rows["inspected_on"]).dt.date
    rows = rows[days.le(as_of).to_numpy()]
    days = days[days.le(as_of)]
    start = months_before(as_of, WINDOW_MONTHS)
    patrol = rows["kind"].eq("patrol").to_numpy() & days.gt(start).to_numpy()
    out = (
        pd.DataFrame(
            {"uscc": rows["uscc"].to_numpy(), "day": days.to_numpy(), "p": patrol}
        )
        .groupby("uscc")
        .agg(last_inspected=("day", "max"), patrols_12m=("p", "sum"))
        .reset_index()
    )
    return out.astype({"patrols_12m": "int64"})


def coverage(
    cells: pd.DataFrame,
    employers: pd.DataFrame,
    *,
    level: str | Level,
    as_of: dt.date,
    staff: pd.DataFrame | None = None,
    breaches: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Return the coverage of every cell at ``level`` on ``as_of``.

    Parameters
    ----------
    cells, employers, staff, breaches : DataFrame
        See the module docstring.
    level : str or Level
        ``city``, ``county``, ``township`` or ``village`` (or 市/县/乡/村).
    as_of : date

    Returns
    -------
    DataFrame
        :data:`COVERAGE_COLUMNS`, one row per cell at the level, sorted by
        code.  ``place`` is the cell's name after its ancestors' below the
        city (黄岛区辛安街道台头社区), ``county_code`` its county (itself
        for a county, empty for the city).

    Raises
    ------
    TwoNetError
        A frame lacks a column it must have; an unknown level.
    """
    wanted = parse_level(level)
    table = _cell_table(cells)
    facts = _employer_flags(_checked_employers(employers), as_of)
    chosen = table[table["level"].eq(wanted.value)]
    out = pd.DataFrame(index=chosen.index.rename("cell_code"))
    out["cell_name"] = chosen["name"]
    out["level"] = wanted.value
    out["parent_code"] = chosen["parent_code"]
    out["county_code"] = _ancestor_at(out.index.to_series(), table, Level.COUNTY)
    out["place"] = _paths(table).reindex(out.index)
    sums = _employer_sums(facts, wanted)
    for column in sums.columns:
        out[column] = sums[column].reindex(out.index).fillna(0).astype("int64")
    for kind, column in (("inspector", "inspectors"), ("assistant", "assistants")):
        out[column] = _people(staff, table, wanted, kind).reindex(out.index)
        out[column] = out[column].fillna(0).astype("int64")
    out["employers_per_assistant"] = _ratio(out["employers"], out["assistants"])
    out["employers_per_inspector"] = _ratio(out["employers"], out["inspectors"])
    out["breaches"] = _breach_counts(breaches, table, wanted).reindex(out.index)
    out["breaches"] = out["breaches"].fillna(0).astype("int64")
    for share, count in (
        ("inspected_12m_share", "inspected"),
        ("patrolled_twice_share", "patrolled"),
        ("stale_data_share", "stale"),
    ):
        out[share] = _ratio(out[count], out["employers"])
    if wanted.child is None:
        out["employers_without_cell"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out = out.reset_index().sort_values("cell_code", ignore_index=True)
    return out.loc[:, list(COVERAGE_COLUMNS)]


# ------------------------------------------------------------------ helpers
def _checked_employers(employers: pd.DataFrame) -> pd.DataFrame:
    needed = ["uscc", *(f"{lv.value}_code" for lv in LEVELS)]
    missing = [c for c in needed if c not in employers.columns]
    if missing:
        msg = (
            f"用人单位数据缺少列 {missing} / employer facts lack columns {missing}; "
            f"have {list(employers.columns)}"
        )
        raise TwoNetError(msg)
    out = employers.copy()
    for column in ("workers", *_COUNTS):
        if column not in out.columns:
            out[column] = 0
        out[column] = pd.to_numeric(out[column], errors="coerce").fillna(0)
    for column in ("updated", "last_inspected"):
        if column not in out.columns:
            out[column] = None
    return out


def _employer_flags(facts: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Add the yes/no facts the shares count: inspected, patrolled, stale."""
    start = pd.Timestamp(months_before(as_of, WINDOW_MONTHS))
    stale_before = pd.Timestamp(months_before(as_of, STALE_MONTHS))
    last = pd.to_datetime(facts["last_inspected"], errors="coerce")
    updated = pd.to_datetime(facts["updated"], errors="coerce")
    out = facts.copy()
    out["inspected"] = (last.gt(start) & last.le(pd.Timestamp(as_of))).astype(int)
    out["patrolled"] = out["patrols_12m"].ge(2).astype(int)
    out["stale"] = (updated.isna() | updated.lt(stale_before)).astype(int)
    return out


def _employer_sums(facts: pd.DataFrame, level: Level) -> pd.DataFrame:
    key = f"{level.value}_code"
    placed = facts[facts[key].notna()].copy()
    placed[key] = placed[key].astype(str)
    if level.child is not None:
        placed["employers_without_cell"] = (
            placed[f"{level.child.value}_code"].isna().astype(int)
        )
    columns = ["workers", "inspected", "patrolled", "stale", *_COUNTS[1:]]
    if level.child is not None:
        columns.append("employers_without_cell")
    sums = placed.groupby(key)[columns].sum()
    sums.insert(0, "employers", placed.groupby(key).size())
    return sums


def _cell_table(cells: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("code", "name", "level", "parent_code") if c not in cells]
    if missing:
        msg = f"网格数据缺少列 {missing} / cells lack columns {missing}"
        raise TwoNetError(msg)
    table = cells.dropna(subset=["code"]).astype({"code": str})
    table = table.drop_duplicates("code").set_index("code")
    table["parent_code"] = table["parent_code"].astype(object)
    table["parent_code"] = table["parent_code"].where(table["parent_code"].notna())
    table["name"] = table["name"].fillna(table.index.to_series())
    return table


def _ancestor_at(codes: pd.Series, table: pd.DataFrame, level: Level) -> pd.Series:
    """Return the cell at ``level`` each code lies in (itself, or up the chain)."""
    found = pd.Series(None, index=codes.index, dtype=object)
    current = codes.astype(object)
    for _ in range(_MAX_DEPTH):
        todo = found.isna() & current.notna()
        if not todo.any():
            break
        hit = todo & current.map(table["level"]).eq(level.value)
        found = found.where(~hit, current)
        current = current.where(todo & ~hit).map(table["parent_code"])
    return found


def _paths(table: pd.DataFrame) -> pd.Series:
    """Return each cell's name prefixed by its ancestors' below the city."""
    path = table["name"].astype(str)
    current = table["parent_code"]
    for _ in range(_MAX_DEPTH):
        step = current.map(table["level"]).isin([lv.value for lv in LEVELS[1:]])
        if not step.any():
            break
        path = path.where(~step, current.map(table["name"]).astype(str) + path)
        current = current.where(step).map(table["parent_code"])
    return path


def _people(
    staff: pd.DataFrame | None, table: pd.DataFrame, level: Level, kind: str
) -> pd.Series:
    if staff is None or staff.empty:
        return pd.Series(dtype="int64")
    rows = staff[staff["kind"].eq(kind)].dropna(subset=["staff_id", "cell_code"])
    cell = _ancestor_at(rows["cell_code"].astype(str), table, level)
    rows = rows.assign(cell=cell).dropna(subset=["cell"])
    return rows.groupby("cell")["staff_id"].nunique()


def _breach_counts(
    breaches: pd.DataFrame | None, table: pd.DataFrame, level: Level
) -> pd.Series:
    if breaches is None or breaches.empty:
        return pd.Series(dtype="int64")
    codes = breaches["cell_code"].dropna().astype(str)
    return _ancestor_at(codes, table, level).dropna().value_counts()


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    den = denominator.astype(float)
    return pd.Series(
        np.where(den > 0, numerator.astype(float) / den.where(den > 0, 1.0), np.nan),
        index=numerator.index,
    )
