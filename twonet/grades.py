"""Wage-arrears warnings and annual integrity grades from the stored records.

* :func:`grades_report` — every stored employer's grade for a year
  (:func:`grid.grades.integrity_grades`), with its name and cells.
* :func:`warnings_report` — the wage-arrears warning of every employer with
  an open case on a date (:func:`grid.grades.wage_warnings`).
* :func:`employer_standing` — one employer's grade and warning (the
  employer page).
* :func:`view_standings` — the warning and last full year's grade of the
  employers drawn on a map, from one query.
* :func:`grades_file_bytes` (a page's download buttons), :func:`write_grades`,
  :func:`write_warnings` — JSON, CSV or XLSX with Chinese headers;
  :func:`grid.grades.grade_counts` gives counts per grade.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from grid.errors import TwoNetError
from grid.grades import (
    GRADE_COLUMNS,
    GRADE_LABELS,
    WARNING_COLUMNS,
    WARNING_LABELS,
    integrity_grades,
    wage_warnings,
)
from twonet.coverage import frame_json
from twonet.db.coverage_queries import employer_names, matched_violations
from twonet.db.employer_records import violations_of
from twonet.db.repository import Bind, transaction
from twonet.exports import csv_bytes, xlsx_bytes

#: Chinese headers of grade and warning tables in CSV/XLSX.
GRADE_HEADERS_ZH: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "name": "单位名称",
    "county_code": "县级网格",
    "township_code": "乡级网格",
    "village_code": "村级网格",
    "year": "年度",
    "grade": "守法诚信等级",
    "violations": "年内违法次数",
    "serious": "童工或强迫劳动",
    "to_police": "移送公安",
    "rectification_open": "责令改正未完成",
    "reasons_zh": "依据",
    "reasons_en": "reasons",
    "open_cases": "未结欠薪案件",
    "arrears_months": "欠薪月数",
    "arrears_yuan": "欠薪金额(元)",
    "workers": "涉及人数",
    "level": "预警等级 / level",
    "level_zh": "预警等级",
}
_PLACE = ["name", "county_code", "township_code", "village_code"]


def grades_report(bind: Bind, year: int) -> pd.DataFrame:
    """Return every stored employer's integrity grade for ``year``.

    Violations found after the year are ignored; a case found earlier with a
    rectification order still open at the year's end counts (B).  Cases not
    yet matched to an employer count for nobody.

    Returns
    -------
    DataFrame
        ``uscc``, ``name``, the county, township and village codes, then
        :data:`grid.grades.GRADE_COLUMNS` after ``uscc``; C first.
    """
    if not 1900 <= year <= 9998:
        msg = f"年度 {year} 无效 / invalid year {year}"
        raise TwoNetError(msg)
    with transaction(bind) as connection:
        violations = matched_violations(
            connection, found_before=dt.date(year + 1, 1, 1)
        )
        names = employer_names(connection)
    grades = integrity_grades(violations, year, employers=names["uscc"])
    return _with_names(grades, names, GRADE_COLUMNS)


def warnings_report(bind: Bind, as_of: dt.date | None = None) -> pd.DataFrame:
    """Return the wage-arrears warnings on ``as_of`` (default today), red first."""
    as_of = as_of or dt.date.today()
    with transaction(bind) as connection:
        violations = matched_violations(
            connection,
            found_before=as_of + dt.timedelta(days=1),
            types=("wage_arrears",),
        )
        names = employer_names(connection)
    return _with_names(wage_warnings(violations, as_of), names, WARNING_COLUMNS)


def _with_names(
    frame: pd.DataFrame, names: pd.DataFrame, columns: tuple[str, ...]
) -> pd.DataFrame:
    place = names.set_index("uscc")
    out = frame.copy()
    for column in _PLACE:
        out[column] = out["uscc"].map(place[column])
    return out.loc[:, ["uscc", *_PLACE, *columns[1:]]]


def employer_standing(
    bind: Bind, uscc: str, *, year: int, as_of: dt.date | None = None
) -> dict[str, object]:
    """Return one employer's integrity grade for ``year`` and warning on ``as_of``.

    Returns
    -------
    dict
        ``uscc``, ``year``, ``grade`` (A/B/C), ``grade_zh``, ``grade_reason_zh``
        and ``grade_reason_en``; ``warning`` (``yellow``/``orange``/``red`` or
        ``None``), ``warning_zh``, ``arrears_months`` and ``open_cases``.
    """
    as_of = as_of or dt.date.today()
    last = max(as_of + dt.timedelta(days=1), dt.date(year + 1, 1, 1))
    cases = matched_violations(bind, found_before=last, uscc=uscc)
    grade = integrity_grades(cases, year, employers=pd.Series([uscc])).iloc[0]
    warnings = wage_warnings(cases, as_of)
    warning = warnings.iloc[0] if len(warnings) else None
    months = None if warning is None else warning["arrears_months"]
    return {
        "uscc": uscc,
        "year": year,
        "grade": grade["grade"],
        "grade_zh": GRADE_LABELS[grade["grade"]][0],
        "grade_reason_zh": grade["reasons_zh"],
        "grade_reason_en": grade["reasons_en"],
        "warning": None if warning is None else warning["level"],
        "warning_zh": None if warning is None else WARNING_LABELS[warning["level"]][0],
        "arrears_months": None if months is None or months != months else float(months),
        "open_cases": 0 if warning is None else int(warning["open_cases"]),
    }


#: Columns of :func:`view_standings`.
STANDING_COLUMNS: tuple[str, ...] = ("uscc", "warning", "arrears_months", "grade")


def view_standings(bind: Bind, usccs: Iterable[str], *, as_of: dt.date) -> pd.DataFrame:
    """Return the warning on ``as_of`` and last full year's grade of employers.

    For the points of a map view: the violations of all of them are read in
    one query (:func:`twonet.db.employer_records.violations_of`), then the
    pure rules run once.  The grade is that of the calendar year before
    ``as_of`` (the last annual grade).

    Returns
    -------
    DataFrame
        :data:`STANDING_COLUMNS`, one row per distinct employer, by USCC:
        ``warning`` is ``yellow``/``orange``/``red`` or ``None``,
        ``arrears_months`` NaN without a warning, ``grade`` A/B/C.
    """
    wanted = pd.Series(sorted(set(usccs)), dtype=object)
    cases = violations_of(bind, wanted, found_before=as_of + dt.timedelta(days=1))
    grades = integrity_grades(cases, as_of.year - 1, employers=wanted)
    warnings = wage_warnings(cases, as_of).set_index("uscc")
    out = pd.DataFrame({"uscc": wanted})
    out["warning"] = out["uscc"].map(warnings["level"]).astype(object)
    out["warning"] = out["warning"].where(out["warning"].notna(), None)
    out["arrears_months"] = out["uscc"].map(warnings["arrears_months"]).astype(float)
    out["grade"] = out["uscc"].map(grades.set_index("uscc")["grade"])
    return out.loc[:, list(STANDING_COLUMNS)]


def grades_file_bytes(
    frame: pd.DataFrame, suffix: str, sheet: str = "守法诚信等级"
) -> bytes:
    """Return grades or warnings as a ``json``, ``csv`` or ``xlsx`` file's bytes."""
    kind = suffix.lower().lstrip(".")
    if kind == "json":
        return (frame_json(frame) + "\n").encode("utf-8")
    if kind == "csv":
        return csv_bytes(frame, GRADE_HEADERS_ZH)
    if kind == "xlsx":
        return xlsx_bytes({sheet: frame}, GRADE_HEADERS_ZH)
    msg = (
        f"无法写出 {suffix!r} 格式：请用 json、csv 或 xlsx / cannot write "
        f"{suffix!r}: use json, csv or xlsx"
    )
    raise TwoNetError(msg)


def write_grades(frame: pd.DataFrame, path: Path) -> Path:
    """Write grades by suffix: ``.json``, ``.csv`` or ``.xlsx``."""
    path.write_bytes(grades_file_bytes(frame, path.suffix))
    return path


def write_warnings(frame: pd.DataFrame, path: Path) -> Path:
    """Write wage-arrears warnings by suffix: ``.json``, ``.csv`` or ``.xlsx``."""
    path.write_bytes(grades_file_bytes(frame, path.suffix, "欠薪预警"))
    return path
