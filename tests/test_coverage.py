"""Coverage roll-ups (grid.coverage) on a tiny hand-built grid: no database.

Grid: 青岛市 370200 → 黄岛区 370211 → 甲街道 370211001 (一村 …001, 二村 …002)
and 乙镇 370211002 (三村 370211002001).  As of 2025-06-30 (12-month
window from 2024-06-30, stale before 2024-12-30):

=====  ======  =======  ============  ========================================
uscc   village workers  updated       inspections
=====  ======  =======  ============  ========================================
E1     一村    10       2025-01-01    patrols 2024-09-01, 2025-03-01
E2     一村    20       2024-01-01    patrol 2025-07-01 (after the date)
E3     二村    —        —             campaign 2024-05-01 (before the window)
E4     三村    5        2025-05-01    patrol 2025-06-30
E5     (甲街道, no village) 7  2025-06-01  —
=====  ======  =======  ============  ========================================
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from grid.coverage import COVERAGE_COLUMNS, coverage, inspection_facts, months_before
from grid.errors import TwoNetError
from twonet.coverage import coverage_file_bytes, write_coverage

AS_OF = dt.date(2025, 6, 30)
CELLS = pd.DataFrame(
    [
        ("370200", "青岛市", "city", None),
        ("370211", "黄岛区", "county", "370200"),
        ("370211001", "甲街道", "township", "370211"),
        ("370211001001", "一村", "village", "370211001"),
        ("370211001002", "二村", "village", "370211001"),
        ("370211002", "乙镇", "township", "370211"),
        ("370211002001", "三村", "village", "370211002"),
    ],
    columns=["code", "name", "level", "parent_code"],
)
T1, T2 = "370211001", "370211002"
V1, V2, V3 = "370211001001", "370211001002", "370211002001"
EMPLOYERS = pd.DataFrame(
    [
        ("E1", T1, V1, 10, dt.date(2025, 1, 1)),
        ("E2", T1, V1, 20, dt.date(2024, 1, 1)),
        ("E3", T1, V2, None, None),
        ("E4", T2, V3, 5, dt.date(2025, 5, 1)),
        ("E5", T1, None, 7, dt.date(2025, 6, 1)),
    ],
    columns=["uscc", "township_code", "village_code", "workers", "updated"],
).assign(city_code="370200", county_code="370211")
INSPECTIONS = pd.DataFrame(
    [
        ("E1", dt.date(2024, 9, 1), "patrol"),
        ("E1", dt.date(2025, 3, 1), "patrol"),
        ("E2", dt.date(2025, 7, 1), "patrol"),
        ("E3", dt.date(2024, 5, 1), "campaign"),
        ("E4", dt.date(2025, 6, 30), "patrol"),
    ],
    columns=["uscc", "inspected_on", "kind"],
)
STAFF = pd.DataFrame(
    [
        ("A1", V1, "assistant"),
        ("A1", V2, "assistant"),
        ("A2", V1, "assistant"),
        ("I1", T1, "inspector"),
        ("I2", "370211", "inspector"),
    ],
    columns=["staff_id", "cell_code", "kind"],
)
BREACHES = pd.DataFrame({"cell_code": [V2, V3, T2, None]})


def _facts(as_of: dt.date = AS_OF) -> pd.DataFrame:
    found = inspection_facts(INSPECTIONS, as_of)
    facts = EMPLOYERS.merge(found, on="uscc", how="left")
    facts["complaints_overdue"] = [0, 0, 3, 1, 0]
    facts["violations_12m"] = [1, 0, 0, 2, 0]
    return facts


def _at(level: str, as_of: dt.date = AS_OF) -> pd.DataFrame:
    frame = coverage(
        CELLS, _facts(as_of), level=level, as_of=as_of, staff=STAFF, breaches=BREACHES
    )
    return frame.set_index("cell_code")


def test_columns_and_one_row_per_cell_of_the_level():
    frame = coverage(CELLS, _facts(), level="乡", as_of=AS_OF)
    assert list(frame.columns) == list(COVERAGE_COLUMNS)
    assert frame["cell_code"].tolist() == [T1, T2]
    assert frame["place"].tolist() == ["黄岛区甲街道", "黄岛区乙镇"]


def test_township_figures_by_hand():
    t = _at("township")
    assert t.loc[T1, ["employers", "workers", "assistants", "inspectors"]].tolist() == [
        4,
        37,
        2,
        1,
    ]
    assert t.loc[T1, "employers_per_assistant"] == 2.0
    assert t.loc[T1, "employers_per_inspector"] == 4.0
    # E1 inspected; E2's patrol is after the date; E3's before the window
    assert t.loc[T1, "inspected_12m_share"] == pytest.approx(1 / 4)
    assert t.loc[T1, "patrolled_twice_share"] == pytest.approx(1 / 4)
    # E2 old, E3 no date
    assert t.loc[T1, "stale_data_share"] == pytest.approx(2 / 4)
    assert t.loc[T1, "employers_without_cell"] == 1  # E5
    assert t.loc[T1, "complaints_overdue"] == 3
    assert t.loc[T1, "breaches"] == 1
    assert t.loc[T2, "breaches"] == 2
    assert t.loc[T2, ["employers", "assistants", "inspectors"]].tolist() == [1, 0, 0]
    assert np.isnan(t.loc[T2, "employers_per_assistant"])
    assert t.loc[T2, "inspected_12m_share"] == 1.0  # on the day itself


def test_a_parent_sums_its_employers_not_its_childrens_shares():
    county = _at("county").loc["370211"]
    townships = _at("township")
    for column in ("employers", "workers", "complaints_overdue", "violations_12m"):
        assert county[column] == townships[column].sum()
    # 2 of 5 inspected (E1, E4); the mean of the township shares would be 0.625
    assert county["inspected_12m_share"] == pytest.approx(2 / 5)
    # distinct people below the county: A1, A2, I1, I2
    assert county["assistants"] == 2
    assert county["inspectors"] == 2
    assert county["breaches"] == 3
    city = _at("city").loc["370200"]
    assert city["employers"] == 5
    assert city["employers_without_cell"] == 0


def test_a_person_in_two_villages_counts_once_above_them():
    villages = _at("village")
    assert villages.loc[V1, "assistants"] == 2
    assert villages.loc[V2, "assistants"] == 1
    assert _at("township").loc[T1, "assistants"] == 2  # not 3
    # the township's inspector is not counted in its villages
    assert villages["inspectors"].tolist() == [0, 0, 0]
    assert villages["employers_without_cell"].isna().all()


def test_the_date_excludes_later_inspections():
    before = _at("village", AS_OF).loc[V1, "inspected_12m_share"]
    after = _at("village", dt.date(2025, 7, 1)).loc[V1, "inspected_12m_share"]
    assert before == pytest.approx(0.5)
    assert after == pytest.approx(1.0)  # E2's patrol of 2025-07-01 now counts


def test_inspection_facts_by_hand():
    facts = inspection_facts(INSPECTIONS, AS_OF).set_index("uscc")
    assert sorted(facts.index) == ["E1", "E3", "E4"]
    assert facts.loc["E1", "last_inspected"] == dt.date(2025, 3, 1)
    assert facts.loc["E1", "patrols_12m"] == 2
    assert facts.loc["E3", "patrols_12m"] == 0
    a_year_on = inspection_facts(INSPECTIONS, dt.date(2026, 2, 28)).set_index("uscc")
    assert a_year_on.loc["E1", "patrols_12m"] == 1  # 2024-09-01 has left the window


def test_a_cell_without_employers_has_empty_shares():
    empty = coverage(CELLS, EMPLOYERS.iloc[:0], level="village", as_of=AS_OF)
    assert empty["employers"].tolist() == [0, 0, 0]
    assert empty["inspected_12m_share"].isna().all()


def test_missing_columns_are_named():
    with pytest.raises(TwoNetError, match="village_code"):
        coverage(
            CELLS, EMPLOYERS.drop(columns="village_code"), level="city", as_of=AS_OF
        )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 2, 29), 12, dt.date(2023, 2, 28)),
        (dt.date(2025, 8, 31), 6, dt.date(2025, 2, 28)),
        (dt.date(2025, 1, 15), 1, dt.date(2024, 12, 15)),
    ],
)
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([V1, V2, V3, None]),
            st.integers(0, 500),
            st.booleans(),
        ),
        max_size=30,
    )
)
def test_every_level_counts_every_placed_employer_once(rows):
    """Sums over the cells of each level equal the employers placed at it."""
    parent = {V1: T1, V2: T1, V3: T2}
    facts = pd.DataFrame(
        {
            "uscc": [f"E{i}" for i in range(len(rows))],
            "city_code": "370200",
            "county_code": "370211",
            "township_code": [parent.get(v, T1) for v, _, _ in rows],
            "village_code": [v for v, _, _ in rows],
            "workers": [w for _, w, _ in rows],
            "last_inspected": [AS_OF if seen else None for _, _, seen in rows],
        }
    )
    totals = {}
    for level in ("city", "county", "township", "village"):
        frame = coverage(CELLS, facts, level=level, as_of=AS_OF)
        placed = facts[f"{level}_code"].notna()
        assert frame["employers"].sum() == placed.sum()
        assert frame["workers"].sum() == facts.loc[placed, "workers"].sum()
        inspected = (frame["inspected_12m_share"].fillna(0) * frame["employers"]).sum()
        totals[level] = round(inspected)
    assert totals["city"] == totals["county"] == totals["township"]


def test_coverage_files(tmp_path):
    frame = _at("township").reset_index()
    book = load_workbook(write_coverage(frame, tmp_path / "c.xlsx"))
    rows = list(book["覆盖情况"].values)
    assert rows[0][:2] == ("网格编码", "网格名称")
    assert rows[1][rows[0].index("十二个月内检查比例")] == 0.25
    text = coverage_file_bytes(frame, "csv").decode("utf-8-sig")
    assert text.startswith("网格编码,网格名称,级别")
    with pytest.raises(TwoNetError, match="txt"):
        coverage_file_bytes(frame, ".txt")
