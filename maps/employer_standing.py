"""An employer's grade, warning and record history as text; marks on the map.

Pure formatting, free of Streamlit and of the database: it takes the dicts
of :func:`twonet.grades.employer_standing`, the frame of
:func:`twonet.db.employer_records.employer_history` and the frame of
:func:`twonet.grades.view_standings`, and returns what a page shows, in
the page's language.  Nothing here is escaped: the card goes through
:func:`maps.styles.card_markup`, the table is plain text, and the map layer
escapes what it sends (:func:`maps.text.html_text`).

Marks on the map (:func:`point_marks`): an employer with a wage-arrears
warning gets an outer ring in the warning's colour, an employer graded C
for the last full year a purple dashed ring further out.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import pandas as pd

from grid.grades import GRADE_LABELS, WARNING_LABELS
from grid.record_types import (
    CASE_OUTCOMES,
    COMPLAINT_STATUSES,
    INSPECTION_KINDS,
    INSPECTION_RESULTS,
    VIOLATION_TYPES,
    Coded,
)
from maps.i18n import t

#: Ring colour of each wage-arrears warning level.
WARNING_COLOURS: dict[str, str] = {
    "yellow": "#fdd835",
    "orange": "#fb8c00",
    "red": "#d50000",
}
#: Dashed ring of an employer graded C.
GRADE_C_COLOUR = "#6a1b9a"
#: Flags of a case's outcome shown by name, in this order.
_OUTCOME_FLAGS = ("rectification_ordered", "penalized", "shut_down", "to_police")


class PointMark(NamedTuple):
    """What is drawn around one employer point."""

    warning: str | None
    grade_c: bool
    note: str


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _name(table: Mapping[str, Coded], code: object, lang: str) -> str:
    """Return a code's name in ``lang`` (an unknown code as it is)."""
    if _missing(code) or code == "":
        return ""
    coded = table.get(str(code))
    if coded is None:
        return str(code)
    return coded.en if lang == "en" else coded.zh


def months_text(months: float) -> str:
    """Return months of arrears without a useless ``.0``.

    Examples
    --------
    >>> months_text(2.0), months_text(2.5), months_text(0.25)
    ('2', '2.5', '0.25')
    """
    return f"{months:g}"


def warning_label(level: str, lang: str = "zh") -> str:
    """Return a warning level's name: ``红色预警`` or ``red``."""
    zh, en = WARNING_LABELS[level]
    return en if lang == "en" else zh


def grade_text(standing: Mapping[str, Any], lang: str = "zh") -> str:
    """Return a grade with its reason in ``lang``.

    Examples
    --------
    >>> grade_text({"grade": "C", "grade_reason_zh": "使用童工或强迫劳动",
    ...             "grade_reason_en": "child or forced labour"}, "en")
    'C (poor): child or forced labour'
    """
    grade = str(standing["grade"])
    zh, en = GRADE_LABELS[grade]
    reason = standing["grade_reason_en" if lang == "en" else "grade_reason_zh"]
    return t("emp_grade_text", lang, grade=en if lang == "en" else zh, reason=reason)


def warning_text(standing: Mapping[str, Any], lang: str = "zh") -> str:
    """Return a wage-arrears warning with its months, or that there is none.

    Examples
    --------
    >>> warning_text({"warning": "red", "arrears_months": 2.5, "open_cases": 1})
    '红色预警：欠薪 2.5 个月，未结欠薪案件 1 件'
    >>> warning_text({"warning": None, "arrears_months": None, "open_cases": 0})
    '无欠薪预警'
    """
    level = standing.get("warning")
    if not level:
        return t("emp_warning_none", lang)
    months = standing.get("arrears_months")
    cases = int(standing.get("open_cases") or 0)
    name = warning_label(str(level), lang)
    if _missing(months):
        return t("emp_warning_no_months", lang, level=name, cases=cases)
    return t(
        "emp_warning_text",
        lang,
        level=name,
        months=months_text(float(months)),  # type: ignore[arg-type]
        cases=cases,
    )


def standing_rows(
    last_year: Mapping[str, Any], this_year: Mapping[str, Any], lang: str = "zh"
) -> list[tuple[str, str]]:
    """Return the card's (label, value) rows: two grades and the warning.

    Parameters
    ----------
    last_year, this_year : dict
        :func:`twonet.grades.employer_standing` for the last full year and
        the current year to date; the warning is the latter's (on its date).
    """
    return [
        (
            t("emp_card_grade_year", lang, year=last_year["year"]),
            grade_text(last_year, lang),
        ),
        (
            t("emp_card_grade_ytd", lang, year=this_year["year"]),
            grade_text(this_year, lang),
        ),
        (t("emp_card_warning", lang), warning_text(this_year, lang)),
    ]


# ------------------------------------------------------------------ history
def _day(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if _missing(value) else str(value)[:10]


def _closed(value: object, lang: str) -> str:
    day = _day(value)
    return t("hist_closed", lang, day=day) if day else t("hist_open", lang)


def _yuan(value: object) -> str | None:
    if _missing(value) or not float(value):  # type: ignore[arg-type]
        return None
    return f"{float(value):,.0f}"  # type: ignore[arg-type]


def case_outcome(row: Mapping[str, Any], lang: str = "zh") -> str:
    """Return a violation case's arrears, outcome and state as one line.

    Examples
    --------
    >>> case_outcome({"code": "wage_arrears", "arrears_months": 3.0,
    ...               "rectification_ordered": True, "fine_yuan": 5000,
    ...               "closed_on": None})
    '欠薪 3 个月；责令改正；罚款 5,000 元；未结案'
    """
    parts: list[str] = []
    months = row.get("arrears_months")
    if row.get("code") == "wage_arrears" and not _missing(months):
        parts.append(t("hist_arrears", lang, months=months_text(float(months))))  # type: ignore[arg-type]
    for flag in _OUTCOME_FLAGS:
        if row.get(flag) is True:
            parts.append(_name(CASE_OUTCOMES, flag, lang))
    fine = _yuan(row.get("fine_yuan"))
    if fine:
        parts.append(t("hist_fine", lang, yuan=fine))
    wages = _yuan(row.get("back_wages_yuan"))
    if wages:
        parts.append(t("hist_back_wages", lang, yuan=wages))
    parts.append(_closed(row.get("closed_on"), lang))
    return ("；" if lang != "en" else "; ").join(parts)


def _kind_and_result(row: Mapping[Any, Any], lang: str) -> tuple[str, str, str]:
    record = row["record"]
    if record == "inspection":
        return (
            t("hist_inspection", lang),
            _name(INSPECTION_KINDS, row["code"], lang),
            _name(INSPECTION_RESULTS, row["status"], lang),
        )
    if record == "violation":
        return (
            t("hist_violation", lang),
            _name(VIOLATION_TYPES, row["code"], lang),
            case_outcome(row, lang),
        )
    status = _name(COMPLAINT_STATUSES, row["status"], lang)
    closed = _day(row.get("closed_on"))
    if closed and row["status"] == "closed":
        status = t("hist_closed", lang, day=closed)
    return t("hist_complaint", lang), _name(VIOLATION_TYPES, row["code"], lang), status


def history_frame(history: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Return an employer's records as shown in its history table.

    Parameters
    ----------
    history : DataFrame
        :data:`twonet.db.employer_records.HISTORY_COLUMNS`, in the order to
        show (newest first).

    Returns
    -------
    DataFrame
        Date, record, kind/type, result/outcome/status and number, headed in
        ``lang``; every value text.
    """
    rows = [_kind_and_result(r, lang) for r in history.to_dict("records")]
    return pd.DataFrame(
        {
            t("hist_col_date", lang): [_day(d) for d in history["date"]],
            t("hist_col_record", lang): [r[0] for r in rows],
            t("hist_col_type", lang): [r[1] for r in rows],
            t("hist_col_result", lang): [r[2] for r in rows],
            t("hist_col_id", lang): history["record_id"].astype(str).tolist(),
        }
    )


# ---------------------------------------------------------------- the map
def point_marks(
    standings: pd.DataFrame, *, year: int, lang: str = "zh"
) -> dict[str, PointMark]:
    """Return USCC → mark of every employer warned or graded C.

    Parameters
    ----------
    standings : DataFrame
        :data:`twonet.grades.STANDING_COLUMNS`.
    year : int
        The year of the grades (shown in the popup note).
    """
    marks: dict[str, PointMark] = {}
    for row in standings.to_dict("records"):
        warning = row["warning"] if row["warning"] in WARNING_COLOURS else None
        grade_c = row["grade"] == "C"
        if warning is None and not grade_c:
            continue
        notes = []
        if warning is not None:
            notes.append(_warning_note(warning, row["arrears_months"], lang))
        if grade_c:
            notes.append(t("emp_mark_grade_c", lang, year=year))
        marks[str(row["uscc"])] = PointMark(
            warning, grade_c, ("；" if lang != "en" else "; ").join(notes)
        )
    return marks


def _warning_note(level: str, months: object, lang: str) -> str:
    name = warning_label(level, lang)
    if _missing(months):
        return name
    arrears = t("hist_arrears", lang, months=months_text(float(months)))  # type: ignore[arg-type]
    return f"{name}（{arrears}）" if lang != "en" else f"{name} ({arrears})"


def mark_legend(year: int, lang: str = "zh") -> list[tuple[str, str]]:
    """Return (colour, label) of the warning rings and the grade C ring."""
    items = [
        (colour, t("emp_legend_warning", lang, level=warning_label(level, lang)))
        for level, colour in WARNING_COLOURS.items()
    ]
    return [*items, (GRADE_C_COLOUR, t("emp_legend_grade_c", lang, year=year))]
