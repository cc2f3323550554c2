"""Wage-arrears warnings and integrity grades (grid.grades): each rule by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from grid.grades import (
    GRADE_COLUMNS,
    VIOLATION_COLUMNS,
    WARNING_COLUMNS,
    grade_counts,
    integrity_grades,
    wage_warnings,
    warning_level,
)

YEAR = 2025


def _case(
    uscc: str | None,
    type_: str = "no_contract",
    found: dt.date = dt.date(YEAR, 5, 1),
    closed: dt.date | None = dt.date(YEAR, 6, 1),
    **values: object,
) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(VIOLATION_COLUMNS)
    row.update(uscc=uscc, type=type_, found_on=found, closed_on=closed)
    row.update(values)
    return row


def _grades(*cases: dict[str, object], employers: list[str] | None = None):
    frame = pd.DataFrame(list(cases), columns=list(VIOLATION_COLUMNS))
    named = pd.Series(employers) if employers is not None else None
    grades = integrity_grades(frame, YEAR, employers=named)
    assert list(grades.columns) == list(GRADE_COLUMNS)
    return grades.set_index("uscc")["grade"].to_dict()


# ------------------------------------------------------------------ grades
def test_no_violation_is_a():
    assert _grades(employers=["E1"]) == {"E1": "A"}


@pytest.mark.parametrize(("n", "grade"), [(1, "B"), (2, "B"), (3, "C"), (4, "C")])
def test_violations_in_the_year_count(n, grade):
    assert _grades(*[_case("E1") for _ in range(n)]) == {"E1": grade}


def test_violations_of_other_years_do_not_count():
    cases = [_case("E1", found=dt.date(YEAR - 1, 3, 1)) for _ in range(3)]
    cases.append(_case("E1", found=dt.date(YEAR + 1, 1, 1)))
    assert _grades(*cases) == {"E1": "A"}


@pytest.mark.parametrize("type_", ["child_labour", "forced_labour"])
def test_a_serious_violation_alone_is_c(type_):
    assert _grades(_case("E1", type_)) == {"E1": "C"}


def test_transfer_to_the_police_is_c():
    assert _grades(_case("E1", "wage_arrears", to_police=True)) == {"E1": "C"}


def test_an_open_rectification_order_from_an_earlier_year_is_b():
    earlier = dt.date(YEAR - 1, 10, 1)
    still_open = _case("E1", found=earlier, closed=None, rectification_ordered=True)
    done_in_time = _case(
        "E2", found=earlier, closed=dt.date(YEAR, 2, 1), rectification_ordered=True
    )
    no_order = _case("E3", found=earlier, closed=None, rectification_ordered=False)
    closed_next_year = _case(
        "E4", found=earlier, closed=dt.date(YEAR + 1, 2, 1), rectification_ordered=True
    )
    assert _grades(still_open, done_in_time, no_order, closed_next_year) == {
        "E1": "B",
        "E2": "A",
        "E3": "A",
        "E4": "B",
    }


def test_cases_without_an_employer_are_ignored():
    assert _grades(_case(None, "child_labour"), employers=["E1"]) == {"E1": "A"}


def test_reasons_and_counts():
    frame = pd.DataFrame(
        [_case("E1", "child_labour", to_police=True), _case("E2")],
        columns=list(VIOLATION_COLUMNS),
    )
    grades = integrity_grades(frame, YEAR, employers=pd.Series(["E3"]))
    assert grades["uscc"].tolist() == ["E1", "E2", "E3"]  # C, B, A
    first = grades.iloc[0]
    assert first["reasons_zh"] == "年内查处违法 1 次；使用童工或强迫劳动；移送公安"
    assert grades.iloc[2]["reasons_en"] == "no violation recorded in the year"
    counts = grade_counts(grades)
    assert counts["grade"].tolist() == ["A", "B", "C"]
    assert counts["employers"].tolist() == [1, 1, 1]


# ---------------------------------------------------------------- warnings
@pytest.mark.parametrize(
    ("months", "level"),
    [
        (0.0, "yellow"),
        (0.99, "yellow"),
        (1.0, "orange"),
        (1.5, "orange"),
        (2.0, "orange"),
        (2.01, "red"),
        (6.0, "red"),
        (None, "yellow"),
        (float("nan"), "yellow"),
    ],
)
def test_warning_thresholds_at_the_boundaries(months, level):
    assert warning_level(months) == level


AS_OF = dt.date(2026, 6, 30)


def test_warnings_from_open_wage_arrears_cases():
    open_ = None
    cases = pd.DataFrame(
        [
            _case("E1", "wage_arrears", AS_OF, open_, arrears_months=1.0),
            _case("E1", "wage_arrears", dt.date(2026, 1, 1), open_, arrears_months=2.5),
            _case("E2", "wage_arrears", dt.date(2026, 1, 1), open_, arrears_months=0.5),
            # closed on the date: no longer open
            _case("E3", "wage_arrears", dt.date(2026, 1, 1), AS_OF, arrears_months=3),
            # found after the date
            _case("E4", "wage_arrears", dt.date(2026, 7, 1), open_, arrears_months=3),
            # not wage arrears
            _case("E5", "overtime", dt.date(2026, 1, 1), open_, arrears_months=3),
            _case("E6", "wage_arrears", dt.date(2026, 1, 1), dt.date(2026, 7, 1)),
        ],
        columns=list(VIOLATION_COLUMNS),
    )
    warnings = wage_warnings(cases, AS_OF)
    assert list(warnings.columns) == list(WARNING_COLUMNS)
    got = warnings.set_index("uscc")
    assert got["level"].to_dict() == {"E1": "red", "E2": "yellow", "E6": "yellow"}
    assert got.loc["E1", "open_cases"] == 2
    assert got.loc["E1", "arrears_months"] == 2.5
    assert got.loc["E1", "level_zh"] == "红色预警"
    assert warnings["uscc"].iloc[0] == "E1"  # red first
