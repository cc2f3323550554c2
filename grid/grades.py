"""Wage-arrears warnings and annual integrity grades of employers: pure rules.

Nothing here reads a database: :mod:`twonet.grades` gathers the violations.

Wage-arrears warning (欠薪预警)
------------------------------
An employer with at least one **open** wage-arrears case (type
``wage_arrears``, found on or before the date and not closed by it) is
warned by the largest ``arrears_months`` among those cases (DOMAIN):

======== =========================================
level    months of arrears ``m``
======== =========================================
yellow   ``m < 1`` (黄色预警); also when no case gives months
orange   ``1 <= m <= 2`` (橙色预警)
red      ``m > 2`` (红色预警)
======== =========================================

Annual integrity grade (守法诚信等级)
-----------------------------------
After 人力资源社会保障部《用人单位劳动保障守法诚信等级评价办法》
(人社部规〔2016〕1号), article 6, applied to what the records hold for the
calendar year ``Y`` ("violations" are the cases found in ``Y``):

* **C** (不良) when any of: 3 or more violations (被查处三次以上); a violation of
  a type in :data:`grid.record_types.SERIOUS_VIOLATIONS` (child labour,
  forced labour: 使用童工、强迫劳动等严重违法); a case transferred to the police
  (``to_police``, the records' sign of criminal liability, 被追究刑事责任).
* **B** (基本守法) when not C and any of: 1 or 2 violations (被查处但未达到C级);
  a rectification order not complied with: a case with
  ``rectification_ordered`` still open at the end of ``Y`` (found in an
  earlier year too).
* **A** (守法) otherwise.

The other C criteria of the rules (a mass incident, refusing orders or
decisions, obstructing inspection) are not in the records and cannot be
applied here; an open rectification order is the records' nearest sign of
non-compliance and is graded B, not C, because refusal is not recorded.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from grid.record_types import SERIOUS_VIOLATIONS

__all__ = [
    "GRADE_COLUMNS",
    "GRADE_LABELS",
    "WARNING_COLUMNS",
    "WARNING_LABELS",
    "grade_counts",
    "integrity_grades",
    "wage_warnings",
    "warning_level",
]

#: Warning level → (Chinese, English).
WARNING_LABELS: dict[str, tuple[str, str]] = {
    "yellow": ("黄色预警", "yellow"),
    "orange": ("橙色预警", "orange"),
    "red": ("红色预警", "red"),
}
#: Grade → (Chinese, English).
GRADE_LABELS: dict[str, tuple[str, str]] = {
    "A": ("A级（守法）", "A (law-abiding)"),
    "B": ("B级（基本守法）", "B (basically law-abiding)"),
    "C": ("C级（不良）", "C (poor)"),
}
#: Columns of :func:`wage_warnings`.
WARNING_COLUMNS: tuple[str, ...] = (
    "uscc",
    "open_cases",
    "arrears_months",
    "arrears_yuan",
    "workers",
    "level",
    "level_zh",
)
#: Columns of :func:`integrity_grades`.
GRADE_COLUMNS: tuple[str, ...] = (
    "uscc",
    "year",
    "grade",
    "violations",
    "serious",
    "to_police",
    "rectification_open",
    "reasons_zh",
    "reasons_en",
)
#: Columns the violation frame must have.
VIOLATION_COLUMNS: tuple[str, ...] = (
    "uscc",
    "type",
    "found_on",
    "closed_on",
    "arrears_months",
    "arrears_yuan",
    "workers",
    "rectification_ordered",
    "to_police",
)


def warning_level(months: float | None) -> str:
    """Return ``yellow``, ``orange`` or ``red`` for months of arrears.

    Examples
    --------
    >>> [warning_level(m) for m in (0.5, 1, 2, 2.5, None)]
    ['yellow', 'orange', 'orange', 'red', 'yellow']
    """
    if months is None or months != months or months < 1:
        return "yellow"
    return "orange" if months <= 2 else "red"


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _open_on(violations: pd.DataFrame, day: dt.date) -> np.ndarray:
    found = _dates(violations["found_on"])
    closed = _dates(violations["closed_on"])
    stamp = pd.Timestamp(day)
    return (found.le(stamp) & (closed.isna() | closed.gt(stamp))).to_numpy()


def wage_warnings(violations: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Return the wage-arrears warning of every employer with an open case.

    Parameters
    ----------
    violations : DataFrame
        :data:`VIOLATION_COLUMNS` (``uscc`` the matched employer).
    as_of : date

    Returns
    -------
    DataFrame
        :data:`WARNING_COLUMNS`, red first, then by months and USCC.
        ``arrears_months`` is the largest of the open cases (empty when none
        gives months), ``arrears_yuan`` and ``workers`` their sums.
    """
    rows = violations[violations["type"].eq("wage_arrears").to_numpy()]
    rows = rows[_open_on(rows, as_of)].dropna(subset=["uscc"])
    rows = rows.assign(
        arrears_months=pd.to_numeric(rows["arrears_months"], errors="coerce"),
        arrears_yuan=pd.to_numeric(rows["arrears_yuan"], errors="coerce"),
        workers=pd.to_numeric(rows["workers"], errors="coerce"),
    )
    out = (
        rows.groupby("uscc")
        .agg(
            open_cases=("type", "size"),
            arrears_months=("arrears_months", "max"),
            arrears_yuan=("arrears_yuan", "sum"),
            workers=("workers", "sum"),
        )
        .reset_index()
    )
    out["level"] = [warning_level(m) for m in out["arrears_months"]]
    out["level_zh"] = out["level"].map(lambda v: WARNING_LABELS[v][0])
    order = out["level"].map({"red": 0, "orange": 1, "yellow": 2})
    out = out.assign(_o=order).sort_values(
        ["_o", "arrears_months", "uscc"], ascending=[True, False, True]
    )
    return out.loc[:, list(WARNING_COLUMNS)].reset_index(drop=True)


def integrity_grades(
    violations: pd.DataFrame, year: int, employers: pd.Series | None = None
) -> pd.DataFrame:
    """Return every employer's integrity grade for ``year`` (see the module).

    Parameters
    ----------
    violations : DataFrame
        :data:`VIOLATION_COLUMNS`, of any years (``uscc`` the matched
        employer; rows without one are ignored).
    year : int
    employers : Series of str, optional
        Every employer to grade (those without violations are A); default
        the employers named by ``violations``.

    Returns
    -------
    DataFrame
        :data:`GRADE_COLUMNS`, C first, then B, then A, by USCC.
    """
    rows = violations.dropna(subset=["uscc"])
    found = _dates(rows["found_on"])
    in_year = rows[(found.dt.year == year).to_numpy()]
    year_end = dt.date(year, 12, 31)
    ordered = rows["rectification_ordered"].fillna(False).astype(bool).to_numpy()
    still_open = rows[ordered & _open_on(rows, year_end)]
    counts = in_year.groupby("uscc").size()
    serious = in_year[in_year["type"].isin(SERIOUS_VIOLATIONS).to_numpy()]
    police = in_year[in_year["to_police"].fillna(False).astype(bool).to_numpy()]
    named = set(rows["uscc"].astype(str))
    if employers is not None:
        named |= set(employers.dropna().astype(str))
    out = pd.DataFrame({"uscc": sorted(named)})
    out["year"] = year
    out["violations"] = out["uscc"].map(counts).fillna(0).astype("int64")
    out["serious"] = out["uscc"].isin(set(serious["uscc"]))
    out["to_police"] = out["uscc"].isin(set(police["uscc"]))
    out["rectification_open"] = out["uscc"].isin(set(still_open["uscc"]))
    is_c = out["violations"].ge(3) | out["serious"] | out["to_police"]
    is_b = out["violations"].ge(1) | out["rectification_open"]
    out["grade"] = np.select([is_c, is_b], ["C", "B"], "A")
    reasons = [_grade_reasons(row) for row in out.itertuples()]
    out["reasons_zh"] = [zh for zh, _ in reasons]
    out["reasons_en"] = [en for _, en in reasons]
    out = out.sort_values(["grade", "uscc"], ascending=[False, True])
    return out.loc[:, list(GRADE_COLUMNS)].reset_index(drop=True)


def _grade_reasons(row: object) -> tuple[str, str]:
    zh: list[str] = []
    en: list[str] = []
    n = int(row.violations)  # type: ignore[attr-defined]
    if n:
        zh.append(f"年内查处违法 {n} 次")
        en.append(f"{n} violation(s) found in the year")
    if row.serious:  # type: ignore[attr-defined]
        zh.append("使用童工或强迫劳动")
        en.append("child or forced labour")
    if row.to_police:  # type: ignore[attr-defined]
        zh.append("移送公安")
        en.append("transferred to the police")
    if row.rectification_open:  # type: ignore[attr-defined]
        zh.append("责令改正未完成")
        en.append("rectification order not complied with by year end")
    if not zh:
        return "年内无违法记录", "no violation recorded in the year"
    return "；".join(zh), "; ".join(en)


def grade_counts(grades: pd.DataFrame) -> pd.DataFrame:
    """Return the number of employers per grade (A, B, C, all three listed)."""
    counts = grades["grade"].value_counts().reindex(["A", "B", "C"], fill_value=0)
    return pd.DataFrame(
        {
            "grade": counts.index,
            "grade_zh": [GRADE_LABELS[g][0] for g in counts.index],
            "employers": counts.to_numpy().astype("int64"),
        }
    )
