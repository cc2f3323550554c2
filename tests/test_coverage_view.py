"""What the coverage page maps and lists (maps.coverage_view), on tiny frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.choropleth import SCHEMES
from maps.coverage_view import (
    METRICS,
    cell_figures,
    gap_table,
    mapped_frame,
    metric_fills,
    ranked_gaps,
    selected_code,
    selected_reasons,
)


def _row(code: str, place: str, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "cell_code": code,
        "cell_name": place[-3:],
        "level": "village",
        "parent_code": code[:9],
        "county_code": code[:6],
        "place": place,
        "employers": 100,
        "workers": 1000,
        "inspectors": 0,
        "assistants": 2,
        "employers_per_assistant": 50.0,
        "employers_per_inspector": math.nan,
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


#: a well-covered village, an unstaffed never-inspected one, an empty one
#: (no employers: shares undefined), one of another county
COVERAGE = pd.DataFrame(
    [
        _row("370211001001", "黄岛区甲街道一村"),
        _row(
            "370211001002",
            "黄岛区甲街道二村",
            employers=412,
            assistants=0,
            employers_per_assistant=math.nan,
            inspected_12m_share=0.0,
            complaints_overdue=5,
        ),
        _row(
            "370211001003",
            "黄岛区甲街道三村",
            employers=0,
            employers_per_assistant=0.0,
            inspected_12m_share=math.nan,
            patrolled_twice_share=math.nan,
            stale_data_share=math.nan,
        ),
        _row("370212001001", "崂山区乙街道一村", employers=30, inspected_12m_share=0.5),
    ]
)


def test_the_unstaffed_uninspected_village_heads_the_gap_list() -> None:
    gaps, shown = ranked_gaps(COVERAGE, 150)
    assert gaps["cell_code"].iloc[0] == "370211001002"
    assert len(shown) == 4
    _, shown = ranked_gaps(COVERAGE, 150, county="370212")
    assert shown["cell_code"].tolist() == ["370212001001"]
    assert shown["rank"].tolist() == [
        gaps.set_index("cell_code")["rank"]["370212001001"]
    ]
    _, shown = ranked_gaps(COVERAGE, 150, min_employers=100)
    assert set(shown["cell_code"]) == {"370211001001", "370211001002"}


def test_mapped_frame_adds_score_and_rank_to_every_cell() -> None:
    gaps, _ = ranked_gaps(COVERAGE, 150)
    mapped = mapped_frame(COVERAGE, gaps)
    assert mapped["cell_code"].tolist() == COVERAGE["cell_code"].tolist()
    assert mapped.set_index("cell_code")["rank"]["370211001002"] == 1
    assert mapped.set_index("cell_code")["score"]["370211001003"] == 0.0


@pytest.mark.parametrize("metric", list(METRICS))
@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_metric_is_classed_with_undefined_figures_as_no_data(
    metric: str, scheme: str
) -> None:
    gaps, _ = ranked_gaps(COVERAGE, 150)
    mapped = mapped_frame(COVERAGE, gaps)
    fills = metric_fills(mapped, metric, scheme=scheme, k=3, lang="zh")
    column = METRICS[metric].column
    undefined = set(mapped.loc[mapped[column].isna(), "cell_code"])
    assert set(fills.by_code) == set(mapped["cell_code"]) - undefined
    labels = [label for _, label in fills.legend]
    assert any(label.startswith("无数据") for label in labels) == bool(undefined)


def test_shares_are_shown_as_percentages_and_infinity_as_no_data() -> None:
    frame = pd.DataFrame(
        {
            "cell_code": ["a", "b", "c"],
            "employers_per_assistant": [10.0, math.inf, 30.0],
            "inspected_12m_share": [0.0, 0.5, 1.0],
        }
    )
    ratio = metric_fills(
        frame, "employers_per_assistant", scheme="equal_interval", k=2, lang="en"
    )
    assert sorted(ratio.by_code) == ["a", "c"]
    assert ratio.title == "Employers per assistant"
    share = metric_fills(
        frame, "inspected_12m_share", scheme="equal_interval", k=2, lang="en"
    )
    assert [label for _, label in share.legend] == ["0% – 50%", "50% – 100%"]


def test_gap_table_speaks_the_page_language() -> None:
    gaps, _ = ranked_gaps(COVERAGE, 150)
    zh, en = gap_table(gaps, "zh"), gap_table(gaps, "en")
    assert zh.columns[-2] == "原因" and en.columns[-2] == "Reasons"
    assert zh["原因"].iloc[0].startswith("黄岛区甲街道二村：412 家用人单位，0 名协管员")
    assert "412 employers" in en["Reasons"].iloc[0]
    assert zh["代码"].tolist() == gaps["cell_code"].tolist()


def test_a_selected_row_names_its_cell_and_its_figures() -> None:
    gaps, shown = ranked_gaps(COVERAGE, 150)
    code = selected_code(shown, [0])
    assert code == "370211001002"
    assert selected_code(shown, []) is None
    assert selected_code(shown, [len(shown)]) is None  # stale after a filter
    figures = cell_figures(mapped_frame(COVERAGE, gaps), code, "en")
    values = dict(zip(figures["Figure"], figures["Value"], strict=True))
    assert values["Rank"] == "1"
    assert values["Employers"] == "412"
    assert values["Employers per assistant"] == "—"
    assert values["Inspected in 12 months"] == "0%"
    assert values["Overdue complaints"] == "5"
    assert cell_figures(COVERAGE, "nowhere", "zh").empty
    assert "412 employers" in selected_reasons(gaps, code, "en")
    assert "412 家用人单位" in selected_reasons(gaps, code, "zh")
    assert selected_reasons(gaps, "nowhere", "zh") == ""


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(0, 1000, allow_nan=False)),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(list(SCHEMES)),
    st.integers(3, 7),
)
def test_every_cell_with_a_value_gets_a_class_colour(
    values: list[float | None], scheme: str, k: int
) -> None:
    frame = pd.DataFrame(
        {"cell_code": [str(i) for i in range(len(values))], "score": values}
    )
    fills = metric_fills(frame, "score", scheme=scheme, k=k, lang="zh")
    known = {str(i) for i, v in enumerate(values) if v is not None}
    assert set(fills.by_code) == known
    legend_colours = {colour for colour, _ in fills.legend}
    assert set(fills.by_code.values()) <= legend_colours
