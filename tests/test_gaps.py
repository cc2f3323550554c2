"""The gap list (grid.gaps): score order, reasons in words, filters, XLSX sheets."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from grid.coverage import COVERAGE_COLUMNS
from grid.gaps import GAP_COLUMNS, TERMS, filter_gaps, gap_list, ranking_rule
from twonet.coverage import frame_json, write_gaps


def _row(code: str, place: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "cell_code": code,
        "cell_name": place[-4:],
        "level": "village",
        "parent_code": code[:9],
        "county_code": code[:6],
        "place": place,
        "employers": 100,
        "workers": 1000,
        "inspectors": 0,
        "assistants": 2,
        "employers_per_assistant": 50.0,
        "employers_per_inspector": float("nan"),
        "breaches": 0,
        "inspected_12m_share": 1.0,
        "patrolled_twice_share": 1.0,
        "stale_data_share": 0.0,
        "employers_without_cell": None,
        "complaints_overdue": 0,
        "wage_complaints_overdue": 0,
        "violations_12m": 0,
    }
    row.update(values)
    return row


#: a well-covered village, an unstaffed one, a never-inspected one, a tiny one
COVERAGE = pd.DataFrame(
    [
        _row("370211001001", "黄岛区甲街道一村"),
        _row(
            "370211001002",
            "黄岛区甲街道二村",
            employers=412,
            assistants=0,
            employers_per_assistant=float("nan"),
            inspected_12m_share=0.62,
            patrolled_twice_share=0.5,
            complaints_overdue=5,
            wage_complaints_overdue=5,
        ),
        _row(
            "370211002001",
            "黄岛区乙镇三村",
            inspected_12m_share=0.0,
            patrolled_twice_share=0.0,
        ),
        _row(
            "370212001001",
            "崂山区丙街道四村",
            employers=2,
            assistants=0,
            employers_per_assistant=float("nan"),
            inspected_12m_share=0.0,
            patrolled_twice_share=0.0,
        ),
    ],
    columns=list(COVERAGE_COLUMNS),
)


def test_rank_follows_the_score():
    gaps = gap_list(COVERAGE)
    assert list(gaps.columns) == list(GAP_COLUMNS)
    assert gaps["cell_code"].tolist() == [
        "370211001002",
        "370211002001",
        "370212001001",
        "370211001001",
    ]
    assert gaps["rank"].tolist() == [1, 2, 3, 4]
    assert gaps["score"].is_monotonic_decreasing
    assert gaps["score"].iloc[-1] == 0.0


def test_the_score_by_hand():
    gaps = gap_list(COVERAGE).set_index("cell_code")
    total = sum(t.weight for t in TERMS)
    # never inspected, never patrolled: (4 + 1) / 15, size 100 / 110
    expected = round(100 * 5 / total * 100 / 110, 1)
    assert gaps.loc["370211002001", "score"] == expected
    # 412 employers, no assistant, 38% not inspected, half not patrolled, 5
    # overdue complaints (a village needs no inspector of its own)
    need = (3 + 4 * 0.38 + 1 * 0.5 + 2 * 0.5) / total
    assert gaps.loc["370211001002", "score"] == round(100 * need * 412 / 422, 1)


def test_reasons_in_plain_words_heaviest_first():
    top = gap_list(COVERAGE).iloc[0]
    assert top["reasons_zh"] == (
        "黄岛区甲街道二村：412 家用人单位，0 名协管员，38% 十二个月内未检查，"
        "5 件欠薪投诉超期未结，50% 十二个月内巡查不足两次"
    )
    assert top["reasons_en"].startswith(
        "黄岛区甲街道二村: 412 employers, 0 assistants, 38% not inspected in 12 months"
    )
    quiet = gap_list(COVERAGE).iloc[-1]
    assert quiet["reasons_zh"] == "黄岛区甲街道一村：100 家用人单位，2 名协管员"


def test_a_township_without_inspector():
    township = COVERAGE.iloc[[0]].assign(level="township", place="黄岛区甲街道")
    gaps = gap_list(township)
    assert gaps["reasons_zh"].iloc[0] == (
        "黄岛区甲街道：100 家用人单位，2 名协管员，0 名专职监察员"
    )
    assert gaps["score"].iloc[0] == round(100 * 2 / 15 * 100 / 110, 1)


@pytest.mark.parametrize(
    ("wage", "zh", "en"),
    [
        (0, "3 件投诉超期未结", "3 complaints overdue"),
        (2, "3 件投诉超期未结（其中欠薪 2 件）", "3 complaints overdue (2 on wage"),
        (3, "3 件欠薪投诉超期未结", "3 wage-arrears complaints overdue"),
    ],
)
def test_overdue_complaints_name_wage_arrears(wage, zh, en):
    row = COVERAGE.iloc[[0]].assign(complaints_overdue=3, wage_complaints_overdue=wage)
    gaps = gap_list(row)
    assert zh in gaps["reasons_zh"].iloc[0]
    assert en in gaps["reasons_en"].iloc[0]


def test_overload_above_the_limit():
    heavy = COVERAGE.iloc[[0]].assign(employers=300, employers_per_assistant=300.0)
    gaps = gap_list(heavy, max_employers=150)
    assert "每名协管员负责 300 家用人单位" in gaps["reasons_zh"].iloc[0]
    assert gap_list(heavy, max_employers=400)["score"].iloc[0] == 0.0


def test_filters_keep_the_rank():
    gaps = gap_list(COVERAGE)
    only = filter_gaps(gaps, county="370212")
    assert only["cell_code"].tolist() == ["370212001001"]
    assert only["rank"].tolist() == [3]
    big = filter_gaps(gaps, min_employers=50, top=2)
    assert big["cell_code"].tolist() == ["370211001002", "370211002001"]


def test_xlsx_has_the_list_and_the_rule(tmp_path):
    path = write_gaps(gap_list(COVERAGE), tmp_path / "gaps.xlsx")
    book = load_workbook(io.BytesIO(path.read_bytes()))
    assert book.sheetnames == ["覆盖缺口", "排序规则"]
    rows = list(book["覆盖缺口"].values)
    assert rows[0][:3] == ("排名", "网格编码", "网格名称")
    assert len(rows) == 1 + len(COVERAGE)
    rule = list(book["排序规则"].values)
    assert [r[0] for r in rule[1:]] == [*(t.name for t in TERMS), "score"]
    assert rule[1][1] == 3


def test_json_and_csv(tmp_path):
    gaps = gap_list(COVERAGE)
    records = json.loads(frame_json(gaps))
    assert records[0]["cell_code"] == "370211001002"
    assert records[0]["employers_per_assistant"] is None
    csv = write_gaps(gaps, tmp_path / "gaps.csv").read_bytes()
    assert csv.startswith("\ufeff排名".encode())


def test_ranking_rule_names_the_limit():
    assert "L = 120" in ranking_rule(120)["rule_zh"].iloc[-1]


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 1000),
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(0, 3),
)
def test_worse_inspection_never_lowers_the_score(employers, share, drop, assistants):
    """Fewer employers inspected, everything else equal, never ranks lower."""
    base = COVERAGE.iloc[[0]].assign(
        employers=employers,
        assistants=assistants,
        inspected_12m_share=share,
        employers_per_assistant=employers / assistants if assistants else None,
    )
    worse = base.assign(inspected_12m_share=share * (1 - drop))
    before = gap_list(base)["score"].iloc[0]
    after = gap_list(worse)["score"].iloc[0]
    assert after >= before
    assert 0 <= after <= 100


@pytest.mark.parametrize("column", ["assistants", "employers"])
def test_missing_column_fails_loudly(column):
    with pytest.raises(KeyError):
        gap_list(COVERAGE.drop(columns=column))
