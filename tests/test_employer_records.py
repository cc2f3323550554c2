"""An employer's grade, warning and record history: query, text, map, page.

* :mod:`twonet.db.employer_records` and :func:`twonet.grades.view_standings`
  on both databases (rows inserted with ``tests/record_rows.py``);
* :mod:`maps.employer_standing` (pure text) and the marks of
  :func:`maps.employer_layers.point_layer`;
* the employer search page's card with ``AppTest``, in Chinese and English.

Dates of the page's records are relative to today: the card shows the last
full year and the current year to date.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from record_rows import (
    V11,
    V12,
    V21,
    complaint_row,
    employer_row,
    fill_small_history,
    insert_rows,
    inspection_row,
    violation_row,
)
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from maps import employer_layers as emap
from maps import employer_standing as es
from maps.text import md_escape
from twonet.db import employer_records as er
from twonet.db import repository as repo
from twonet.db.engine import ENV_VAR, get_engine
from twonet.db.models import Complaint, Employer, Inspection, Violation
from twonet.grades import STANDING_COLUMNS, employer_standing, view_standings

USCC = "91370211MA{:08d}".format
HOSTILE_NAME = "[点击领取补贴](https://example.com) **粗体** $x$ :red[红]"
TODAY = dt.date.today()
LAST = TODAY.year - 1


# --------------------------------------------------------- the query (DBs)
@pytest.fixture()
def records(db: Any, synthetic_cells: Any) -> Any:
    fill_small_history(db, synthetic_cells)
    insert_rows(
        db,
        Complaint,
        [
            complaint_row("C1", 1, "2024-03-01", status="closed", closed="2024-04-10"),
            complaint_row("C2", 1, "2024-05-01", kind=None, status="received"),
            complaint_row("C3", 3, "2024-05-01"),
        ],
    )
    insert_rows(
        db,
        Violation,
        [
            {
                **violation_row("V7", 1, "wage_arrears", "2024-05-01"),
                "arrears_months": 2.5,
                "fine_yuan": 5000.0,
                "rectification_ordered": True,
                "closed_on": dt.date(2024, 6, 30),
            }
        ],
    )
    return db


@pytest.mark.db
def test_history_lists_one_employers_records_newest_first(records: Any) -> None:
    history = er.employer_history(records, USCC(1))
    assert list(history.columns) == list(er.HISTORY_COLUMNS)
    columns = ("date", "record", "record_id")
    assert list(history.loc[:, columns].itertuples(index=False, name=None)) == [
        (dt.date(2024, 5, 1), "complaint", "C2"),
        (dt.date(2024, 5, 1), "inspection", "I2"),
        (dt.date(2024, 5, 1), "violation", "V7"),
        (dt.date(2024, 3, 1), "complaint", "C1"),
        (dt.date(2024, 3, 1), "violation", "V2"),
        (dt.date(2024, 3, 1), "violation", "V1"),
        (dt.date(2024, 1, 1), "inspection", "I1"),
    ]
    v7 = history.set_index("record_id").loc["V7"]
    assert v7["closed_on"] == dt.date(2024, 6, 30)
    assert v7["arrears_months"] == 2.5 and v7["fine_yuan"] == 5000.0
    assert v7["rectification_ordered"] is True and v7["to_police"] is None
    c1 = history.set_index("record_id").loc["C1"]
    assert (c1["code"], c1["status"]) == ("wage_arrears", "closed")
    assert c1["closed_on"] == dt.date(2024, 4, 10)
    assert history.set_index("record_id").loc["C2", "code"] is None
    # the unmatched V6 belongs to nobody; an employer without records: empty
    assert "V6" not in set(er.employer_history(records, USCC(3))["record_id"])
    empty = er.employer_history(records, USCC(99))
    assert empty.empty and list(empty.columns) == list(er.HISTORY_COLUMNS)


@pytest.mark.db
def test_violations_of_several_employers_before_a_day(records: Any) -> None:
    cases = er.violations_of(
        records, [USCC(1), USCC(2), USCC(1)], found_before=dt.date(2024, 5, 1)
    )
    assert cases["uscc"].tolist() == [USCC(1), USCC(1)]  # V1, V2; V7 on the day
    later = er.violations_of(
        records, [USCC(1), USCC(2)], found_before=dt.date(2024, 12, 1)
    )
    assert later["uscc"].tolist() == [USCC(1)] * 3 + [USCC(2)]
    assert later["type"].tolist()[-1] == "child_labour"
    assert er.violations_of(records, [], found_before=TODAY).empty


@pytest.mark.db
def test_view_standings_give_warnings_and_last_years_grade(records: Any) -> None:
    insert_rows(
        records,
        Violation,
        [
            {
                **violation_row("W1", 4, "wage_arrears", "2025-02-01"),
                "arrears_months": 0.5,
            }
        ]
        + [
            {**violation_row(f"N{i}", 3, "no_contract", "2024-02-01")} for i in range(3)
        ],
    )
    frame = view_standings(
        records, [USCC(n) for n in (1, 2, 3, 4, 5)], as_of=dt.date(2025, 3, 1)
    )
    assert list(frame.columns) == list(STANDING_COLUMNS)
    rows = frame.set_index("uscc")
    assert rows.loc[USCC(4), "warning"] == "yellow"  # 0.5 month, open
    assert rows.loc[USCC(4), "arrears_months"] == 0.5
    # V1, V2 (2024-03-01) are open wage arrears without months: yellow
    assert rows.loc[USCC(1), "warning"] == "yellow"
    assert rows.loc[USCC(3), "grade"] == "C"  # three cases in 2024
    assert rows.loc[USCC(2), "grade"] == "C"  # child labour in 2024
    assert rows.loc[USCC(4), "grade"] == "B"  # V5 in 2024
    assert rows.loc[USCC(5), "warning"] is None and rows.loc[USCC(5), "grade"] == "A"
    # the same answer as the one-employer service
    one = employer_standing(records, USCC(4), year=2024, as_of=dt.date(2025, 3, 1))
    assert (one["warning"], one["grade"]) == ("yellow", "B")


# ------------------------------------------------------------ pure: text
def _standing(**values: Any) -> dict[str, Any]:
    base = {
        "year": 2025,
        "grade": "A",
        "grade_reason_zh": "年内无违法记录",
        "grade_reason_en": "no violation recorded in the year",
        "warning": None,
        "arrears_months": None,
        "open_cases": 0,
    }
    return {**base, **values}


@pytest.mark.parametrize(
    ("months", "zh", "en"),
    [
        (0.5, "黄色预警：欠薪 0.5 个月", "yellow warning: 0.5 month(s)"),
        (2.0, "橙色预警：欠薪 2 个月", "orange warning: 2 month(s)"),
        (3.25, "红色预警：欠薪 3.25 个月", "red warning: 3.25 month(s)"),
    ],
)
def test_warning_text_names_level_and_months(months: float, zh: str, en: str) -> None:
    from grid.grades import warning_level

    standing = _standing(
        warning=warning_level(months), arrears_months=months, open_cases=2
    )
    assert es.warning_text(standing, "zh").startswith(zh)
    assert es.warning_text(standing, "zh").endswith("未结欠薪案件 2 件")
    assert es.warning_text(standing, "en").startswith(en)
    unknown = _standing(warning="yellow", arrears_months=float("nan"), open_cases=1)
    assert es.warning_text(unknown, "en").startswith("yellow warning: months of")
    assert es.warning_text(_standing(), "en") == "no wage-arrears warning"


def test_card_rows_show_both_grades_in_the_page_language() -> None:
    last = _standing(
        grade="C",
        grade_reason_zh="年内查处违法 3 次",
        grade_reason_en="3 violation(s) found in the year",
    )
    now = _standing(year=2026, warning="red", arrears_months=2.5, open_cases=1)
    assert es.standing_rows(last, now, "zh") == [
        ("守法诚信等级（2025 年度）", "C级（不良）：年内查处违法 3 次"),
        ("守法诚信等级（2026 年至今）", "A级（守法）：年内无违法记录"),
        ("欠薪预警", "红色预警：欠薪 2.5 个月，未结欠薪案件 1 件"),
    ]
    english = es.standing_rows(last, now, "en")
    assert english[0] == (
        "Integrity grade (2025)",
        "C (poor): 3 violation(s) found in the year",
    )
    assert english[1][0] == "Integrity grade (2026 to date)"


def _history(*rows: dict[str, Any]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=list(er.HISTORY_COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


def test_history_frame_labels_kinds_types_and_outcomes() -> None:
    history = _history(
        {
            "record": "violation",
            "record_id": "V7",
            "date": dt.date(2024, 5, 1),
            "code": "wage_arrears",
            "arrears_months": 2.5,
            "rectification_ordered": True,
            "to_police": True,
            "fine_yuan": 5000.0,
            "back_wages_yuan": 0.0,
            "closed_on": dt.date(2024, 6, 30),
        },
        {
            "record": "inspection",
            "record_id": "I2",
            "date": dt.date(2024, 4, 1),
            "code": "random",
            "status": "problem",
        },
        {
            "record": "complaint",
            "record_id": "C1",
            "date": dt.date(2024, 3, 1),
            "code": None,
            "status": "closed",
            "closed_on": dt.date(2024, 4, 10),
        },
        {
            "record": "complaint",
            "record_id": "C2",
            "date": dt.date(2024, 2, 1),
            "code": "no_contract",
            "status": "accepted",
        },
    )
    zh = es.history_frame(history, "zh")
    assert list(zh.columns) == ["日期", "记录", "类型", "结果 / 处理 / 状态", "编号"]
    assert zh.values.tolist() == [
        [
            "2024-05-01",
            "违法案件",
            "拖欠工资",
            "欠薪 2.5 个月；责令改正；移送公安；罚款 5,000 元；2024-06-30 结案",
            "V7",
        ],
        ["2024-04-01", "检查", "双随机抽查", "发现问题", "I2"],
        ["2024-03-01", "举报投诉", "", "2024-04-10 结案", "C1"],
        ["2024-02-01", "举报投诉", "未签劳动合同", "已受理", "C2"],
    ]
    en = es.history_frame(history, "en")
    assert en.iloc[0, 3] == (
        "2.5 month(s) of arrears; rectification ordered; transferred to the "
        "police; fine 5,000 yuan; closed 2024-06-30"
    )
    assert en.iloc[1, 1:3].tolist() == ["inspection", "random selection check"]
    assert es.history_frame(history.iloc[:0], "en").empty


# --------------------------------------------------------- pure: the map
def _points(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "uscc": [USCC(i) for i in range(n)],
            "name": [f"单位{i}" for i in range(n)],
            "registered_address": ["青岛市黄岛区"] * n,
            "operating_address": [None] * n,
            "lon": [120.0 + i * 1e-3 for i in range(n)],
            "lat": [36.0] * n,
            "county_code": ["370211"] * n,
            "township_code": ["370211001"] * n,
            "village_code": [None] * n,
            "method": ["coordinates"] * n,
            "confidence": [0.9] * n,
            "flags": [""] * n,
            "queued": [False] * n,
        }
    )


def test_points_carry_warning_rings_and_grade_c_marks() -> None:
    standings = pd.DataFrame(
        {
            "uscc": [USCC(0), USCC(1), USCC(2), USCC(3)],
            "warning": ["red", None, "orange", None],
            "arrears_months": [3.0, float("nan"), 1.5, float("nan")],
            "grade": ["C", "C", "A", "B"],
        }
    )
    marks = es.point_marks(standings, year=2025, lang="zh")
    assert set(marks) == {USCC(0), USCC(1), USCC(2)}  # B without warning: none
    assert marks[USCC(0)] == es.PointMark(
        "red", True, "红色预警（欠薪 3 个月）；2025 年度 C 级"
    )
    layer = emap.point_layer(_points(4), marks=marks)
    payload = json.loads(layer.payload)
    levels = list(es.WARNING_COLOURS)
    assert payload["marks"] == {
        "0": [levels.index("red"), 1, "红色预警（欠薪 3 个月）；2025 年度 C 级"],
        "1": [-1, 1, "2025 年度 C 级"],
        "2": [levels.index("orange"), 0, "橙色预警（欠薪 1.5 个月）"],
    }
    assert payload["rings"][levels.index("red")] == es.WARNING_COLOURS["red"]
    assert payload["markField"] == "预警与等级"
    # no marks: the payload is as before
    assert "marks" not in json.loads(emap.point_layer(_points(4)).payload)
    legend = es.mark_legend(2025, "en")
    assert [label for _, label in legend] == [
        "yellow warning (outer ring)",
        "orange warning (outer ring)",
        "red warning (outer ring)",
        "grade C in 2025 (purple dashed ring)",
    ]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, "yellow", "orange", "red"]),
            st.one_of(st.none(), st.floats(0, 24)),
            st.sampled_from(["A", "B", "C"]),
        ),
        max_size=30,
    )
)
def test_exactly_the_warned_and_c_employers_are_marked(
    rows: list[tuple[str | None, float | None, str]],
) -> None:
    standings = pd.DataFrame(
        {
            "uscc": [USCC(i) for i in range(len(rows))],
            "warning": [w for w, _, _ in rows],
            "arrears_months": [float("nan") if m is None else m for _, m, _ in rows],
            "grade": [g for _, _, g in rows],
        }
    )
    marks = es.point_marks(standings, year=2025, lang="en")
    expected = {USCC(i) for i, (w, _, g) in enumerate(rows) if w or g == "C"}
    assert set(marks) == expected
    for i, (warning, _, grade) in enumerate(rows):
        if USCC(i) in marks:
            assert marks[USCC(i)].warning == warning
            assert marks[USCC(i)].grade_c == (grade == "C")
            assert ("grade C in 2025" in marks[USCC(i)].note) == (grade == "C")
    layer = emap.point_layer(_points(len(rows)), marks=marks)
    sent = json.loads(layer.payload).get("marks", {})
    assert {USCC(int(n)) for n in sent} == expected


def test_mark_notes_are_escaped_in_the_popup() -> None:
    marks = {USCC(0): es.PointMark("yellow", False, "<b>x</b>")}
    layer = emap.point_layer(_points(1), marks=marks)
    assert "<b>" not in layer.payload
    assert json.loads(layer.payload)["marks"]["0"][2] == "&lt;b&gt;x&lt;/b&gt;"


# ------------------------------------------------------------- the page
@pytest.fixture(scope="module")
def card_url(
    backend_name: str, migrated_database: Any, synthetic_cells: Any
) -> Iterator[str]:
    """A database with four employers; employer 1 has records around today."""
    last, now = f"{LAST}", f"{TODAY.year}"
    with migrated_database(backend_name, "card") as url:
        engine = get_engine(url)
        try:
            with engine.begin() as connection:
                repo.save_cells(connection, synthetic_cells.copy())
                rows = [employer_row(n, v) for n, v in ((1, V11), (3, V12), (4, V21))]
                rows[-1]["name"] = HOSTILE_NAME
                connection.execute(insert(Employer), rows)
                insert_rows(
                    connection,
                    Violation,
                    [
                        violation_row(f"L{i}", 1, "no_contract", f"{last}-0{i}-01")
                        for i in (3, 4, 5)
                    ]
                    + [
                        {
                            **violation_row("N1", 1, "wage_arrears", f"{now}-01-01"),
                            "arrears_months": 2.5,
                            "workers": 12,
                        }
                    ],
                )
                insert_rows(
                    connection,
                    Inspection,
                    [inspection_row("I1", 1, f"{last}-02-01", "random", "problem")],
                )
                insert_rows(
                    connection, Complaint, [complaint_row("C1", 1, f"{last}-12-31")]
                )
            yield url
        finally:
            engine.dispose()


def _page(url: str, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    import streamlit

    streamlit.cache_data.clear()
    monkeypatch.setenv(ENV_VAR, url)
    at = AppTest.from_string(
        "from maps.pages import employer_search\nemployer_search.render()\n",
        default_timeout=60,
    )
    at.session_state["lang"] = lang
    return at


def _shown(at: AppTest) -> str:
    text = "\n".join(str(m.value) for m in (*at.markdown, *at.caption, *at.info))
    return re.sub(r"\\(.)", r"\1", text)


def _map_script(at: AppTest) -> str:
    """Return the Leaflet script of the page's one map (its legend is in it)."""
    (fmap,) = at.get("component_instance")
    return str(json.loads(fmap.proto.json_args)["script"])


@pytest.mark.db
def test_employer_card_shows_grades_warning_and_history(
    card_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(card_url, monkeypatch, "zh").run()
    assert not at.exception
    assert "单位详情" in [s.value for s in at.subheader]
    assert "守法诚信等级" not in _shown(at)  # nobody picked yet
    assert "红色预警（外圈）" in _map_script(at)  # the map's legend

    at.selectbox(key="emp_detail__zh").set_value(USCC(1)).run()
    assert not at.exception
    shown = _shown(at)
    assert "#### 单位1" in shown
    assert f"守法诚信等级（{LAST} 年度）" in shown
    assert "C级（不良）：年内查处违法 3 次" in shown
    assert f"守法诚信等级（{TODAY.year} 年至今）" in shown
    assert "B级（基本守法）：年内查处违法 1 次" in shown
    assert "红色预警：欠薪 2.5 个月，未结欠薪案件 1 件" in shown
    assert "最近 6 条，共 6 条" in shown
    history = at.dataframe[1].value
    assert history["编号"].tolist() == ["N1", "C1", "L5", "L4", "L3", "I1"]
    assert history.iloc[0].tolist()[1:4] == [
        "违法案件",
        "拖欠工资",
        "欠薪 2.5 个月；未结案",
    ]
    assert history.iloc[-1].tolist()[1:4] == ["检查", "双随机抽查", "发现问题"]

    # an employer without records: grade A, no warning, no history
    at.selectbox(key="emp_detail__zh").set_value(USCC(3)).run()
    assert not at.exception
    assert "无欠薪预警" in _shown(at)
    assert "暂无与该单位匹配的检查、违法案件或投诉记录。" in _shown(at)
    assert len(at.dataframe) == 1

    # a name written in Markdown is shown as text in the card's title
    at.selectbox(key="emp_detail__zh").set_value(USCC(4)).run()
    assert not at.exception
    titles = [m.value for m in at.markdown if str(m.value).startswith("#### ")]
    assert titles == [f"#### {md_escape(HOSTILE_NAME)}"]
    assert all("](https://" not in str(m.value) for m in at.markdown)


@pytest.mark.db
def test_employer_card_in_english(
    card_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(card_url, monkeypatch, "en")
    at.session_state["emp_detail"] = USCC(1)
    at.run()
    assert not at.exception
    shown = _shown(at)
    assert "C (poor): 3 violation(s) found in the year" in shown
    assert "red warning: 2.5 month(s) of wage arrears, 1 open case(s)" in shown
    assert "grade C in" in _map_script(at)  # the legend of the map's marks
    history = at.dataframe[1].value
    assert list(history.columns) == [
        "Date",
        "Record",
        "Kind / type",
        "Result / outcome / status",
        "Number",
    ]
    assert history.iloc[1].tolist()[1:4] == ["complaint", "wage arrears", "accepted"]
