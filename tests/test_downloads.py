"""Table downloads: labelled frames, XLSX and CSV bytes (no Streamlit)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from maps.downloads import (
    EMPLOYER_COLUMNS,
    REVIEW_COLUMNS,
    Column,
    download_file,
    labelled_frame,
)
from maps.import_view import blank_missing, problems_table, runs_table

NAMES = {"370211": "黄岛区", "370211001": "辛安街道", "370211001001": "东村"}

EMPLOYERS = pd.DataFrame(
    {
        "uscc": ["91370211MA3C000001", "91370211MA3C000002"],
        "name": ["青岛甲机械有限公司", '=HYPERLINK("x")'],
        "county_code": ["370211", "370211"],
        "township_code": ["370211001", None],
        "village_code": ["370211001001", None],
        "method": ["coordinates", "none"],
        "confidence": [0.95, 0.0],
        "flags": ["historical_name", ""],
        "queued": [False, True],
        "extra": ["not in the spec", "x"],
    }
)


def test_employer_rows_get_chinese_headers_names_beside_codes_and_labels() -> None:
    shown = labelled_frame(EMPLOYERS, EMPLOYER_COLUMNS, "zh", names=NAMES)
    assert list(shown.columns) == [
        "统一社会信用代码",
        "单位名称",
        "县级网格",
        "县级网格名称",
        "乡级网格",
        "乡级网格名称",
        "村级网格",
        "村级网格名称",
        "定位方式",
        "置信度",
        "标记",
        "待复核",
    ]
    first, second = shown.to_dict("records")
    assert first["村级网格名称"] == "东村"
    assert first["定位方式"] == "坐标定位"
    assert first["标记"] == "历史地名"
    assert (first["待复核"], second["待复核"]) == ("否", "是")
    # a missing code stays empty, and so does its name
    assert second["村级网格"] is None or pd.isna(second["村级网格"])
    assert second["村级网格名称"] == ""
    assert second["定位方式"] == "未定位"


def test_english_ui_gets_english_headers_and_labels() -> None:
    shown = labelled_frame(EMPLOYERS, EMPLOYER_COLUMNS, "en", names=NAMES)
    assert {"Village cell", "Village cell name", "Placement"} <= set(shown.columns)
    assert shown["Placement"].tolist() == ["by coordinates", "not placed"]
    assert shown["In review"].tolist() == ["no", "yes"]


def test_a_spec_column_missing_from_the_frame_is_skipped() -> None:
    spec = [Column("code", "field_code"), Column("absent", "field_name")]
    shown = labelled_frame(pd.DataFrame({"code": ["370211"]}), spec, "zh")
    assert list(shown.columns) == ["代码"]


def test_xlsx_has_the_labels_a_frozen_header_and_the_values() -> None:
    shown = labelled_frame(EMPLOYERS, EMPLOYER_COLUMNS, "zh", names=NAMES)
    data = download_file(shown, "xlsx", "用人单位")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["用人单位"]
    headers = [c.value for c in sheet[1]]
    assert headers == list(shown.columns)
    assert sheet.freeze_panes == "A2"
    assert sheet["D2"].value == "黄岛区"
    assert sheet["B3"].value == '=HYPERLINK("x")'
    assert sheet["B3"].data_type == "s"  # text, not a formula
    # the name column is wide enough for its Chinese name
    assert sheet.column_dimensions["B"].width >= len("青岛甲机械有限公司") * 2


def test_csv_is_utf8_with_a_byte_order_mark() -> None:
    shown = labelled_frame(EMPLOYERS, EMPLOYER_COLUMNS, "zh", names=NAMES)
    data = download_file(shown, "csv", "用人单位")
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith(
        "统一社会信用代码,单位名称,县级网格,县级网格名称"
    )
    assert "370211001001,东村" in text


RUNS = pd.DataFrame(
    {
        "id": [2, 1],
        "kind": ["assignments", "employers"],
        "source_name": ["分配.xlsx", "registry.csv"],
        "started_at": [
            pd.Timestamp("2026-03-01 08:30:05.5"),
            pd.Timestamp("2026-02-01"),
        ],
        "finished_at": [pd.Timestamp("2026-03-01 08:30:07"), None],
        "outcome": ["succeeded", "failed"],
        "actor": ["张三", None],
        "read": pd.array([10, None], dtype="Int64"),
        "accepted": pd.array([8, None], dtype="Int64"),
        "rejected": pd.array([2, None], dtype="Int64"),
        "warned": pd.array([1, None], dtype="Int64"),
        "problems": [3, 0],
        "error": [None, "disk full"],
    }
)


@pytest.mark.parametrize(
    ("lang", "kind", "outcome", "started"),
    [
        ("zh", "人员分配", "成功", "开始时间"),
        ("en", "assignments", "succeeded", "Started"),
    ],
)
def test_runs_table_labels_kind_and_outcome(
    lang: str, kind: str, outcome: str, started: str
) -> None:
    shown = runs_table(RUNS, lang)
    first = shown.iloc[0]
    assert kind in shown.iloc[:, 1].tolist()
    assert outcome in shown.iloc[:, 5].tolist()
    assert first[started] == "2026-03-01 08:30:05"
    assert shown.iloc[1, 4] == ""  # not finished


def test_problems_table_gives_the_reason_in_the_chosen_language() -> None:
    rows = pd.DataFrame(
        {
            "row_number": [3, 5],
            "severity": ["reject", "warning"],
            "kind": ["bad_uscc", "odd_staff"],
            "column_name": ["统一社会信用代码", "职工人数"],
            "value": ["91X", "-1"],
            "reason_zh": ["校验位错误", "人数不合理"],
            "reason_en": ["bad check digit", "implausible staff"],
            "raw": [{"a": 1}, None],
        }
    )
    zh = problems_table(rows, "zh")
    assert list(zh.columns) == ["行号", "处理", "列", "值", "原因"]
    assert zh["处理"].tolist() == ["拒收", "警告"]
    assert zh["原因"].tolist() == ["校验位错误", "人数不合理"]
    en = problems_table(rows, "en")
    assert en["Reason"].tolist() == ["bad check digit", "implausible staff"]


def test_review_items_get_reasons_and_names_in_chinese() -> None:
    items = pd.DataFrame(
        {
            "id": [7],
            "uscc": ["91370211MA3C000001"],
            "name": ["甲厂"],
            "reason": ["village_unresolved"],
            "created_at": [pd.Timestamp("2026-01-02 03:04:05.678")],
            "township_code": ["370211001"],
            "method": ["address"],
            "flags": ["village_unresolved"],
            "candidates": [[{"code": "370211001001"}]],
        }
    )
    shown = labelled_frame(items, REVIEW_COLUMNS, "zh", names=NAMES)
    row = shown.iloc[0]
    assert row["原因"] == "未能定位到村/社区"
    assert row["列入时间"] == "2026-01-02 03:04:05"
    assert row["乡级网格名称"] == "辛安街道"
    assert row["定位方式"] == "地址定位"
    assert "candidates" not in shown


def test_the_runs_table_on_screen_shows_missing_counts_blank() -> None:
    shown = blank_missing(runs_table(RUNS, "zh"))
    assert shown["读取行数"].tolist() == ["10", ""]
    assert shown["操作人"].tolist() == ["张三", ""]
    assert "None" not in shown.to_string()
