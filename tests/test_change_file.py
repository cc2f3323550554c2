"""Change set files: JSON and CSV, Chinese or English, every bad line named."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ingest.change_file import draft_from_dict, read_change_file
from twonet.db.models import DUTIES
from twonet.errors import ChangeSetError

CSV_ZH = (
    "操作,人员编号,原网格,新网格,职责,对调人员编号,对调网格,范围网格,层级,备注\n"
    "调动,A3,370211001002,370211001003,协管员,,,,,临时\n"
    "对调,A1,370211001001,,协管员,A3,370211001002,,,\n"
    "新增,A2,,370211001003,联络员,,,,,\n"
    "撤销,I1,370211001,,责任监察员,,,,,\n"
    "批量,A5,,,督导员,,,370211001,村,\n"
)
EXPECTED = [
    {
        "op": "move",
        "duty": "assistant",
        "staff_id": "A3",
        "from": "370211001002",
        "to": "370211001003",
    },
    {
        "op": "swap",
        "duty": "assistant",
        "staff_id": "A1",
        "cell": "370211001001",
        "other_staff_id": "A3",
        "other_cell": "370211001002",
    },
    {
        "op": "add",
        "duty": "liaison",
        "staff_id": "A2",
        "cell": "370211001003",
    },
    {
        "op": "remove",
        "duty": "responsible",
        "staff_id": "I1",
        "cell": "370211001",
    },
    {
        "op": "bulk",
        "duty": "supervisor",
        "to": "A5",
        "under": "370211001",
        "level": "village",
    },
]


def _read(path):
    return read_change_file(path, duties=DUTIES)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_a_chinese_csv_is_read_in_any_usual_encoding(tmp_path, encoding):
    path = tmp_path / "changes.csv"
    path.write_bytes(CSV_ZH.encode(encoding))
    draft = _read(path)
    assert [c.as_dict() for c in draft.changes] == EXPECTED
    assert [c.line for c in draft.changes] == [2, 3, 4, 5, 6]
    assert (draft.reason, draft.effective) == ("", None)


def test_english_headers_a_shared_date_and_reason(tmp_path):
    path = tmp_path / "changes.csv"
    path.write_text(
        "op;staff_id;to;duty;effective;reason\n"
        "ADD;A2;370211001003;Liaison;2026年12月1日;补充\n"
        "add;A1;370211001003;liaison;2026-12-01;补充\n",
        encoding="utf-8",
    )
    draft = _read(path)
    assert [c.staff_id for c in draft.changes] == ["A2", "A1"]
    assert (draft.effective, draft.reason) == (dt.date(2026, 12, 1), "补充")


def test_json_with_chinese_keys_and_values_reads_as_the_csv(tmp_path):
    items = [
        {
            "操作": "调动",
            "人员编号": "A3",
            "原网格": 370211001002,
            "新网格": "３７０２１１００１００３",
            "职责": "协管员",
        },
    ]
    path = tmp_path / "changes.json"
    path.write_text(
        json.dumps({"reason": "均衡", "effective": "2026-12-01", "changes": items}),
        encoding="utf-8",
    )
    draft = _read(path)
    assert [c.as_dict() for c in draft.changes] == [EXPECTED[0]]
    assert (draft.reason, draft.effective) == ("均衡", dt.date(2026, 12, 1))
    assert draft_from_dict(draft.as_dict(), duties=DUTIES).changes == draft.changes


BAD_CSV = (
    "操作,人员编号,原网格,新网格,职责,范围网格,层级\n"
    "调动,A3,370211001002,370211001003,协管员,,\n"  # fine
    "换人,A3,,,协管员,,\n"
    "调动,A3,370211001002,,协管员,,\n"
    "调动,A3,37021100100,370211001003,协管员,,\n"
    "新增,A3,,370211001003,清洁工,,\n"
    "批量,A5,,,协管员,370211001,县\n"
    "批量,A5,,,协管员,370211001,省\n"
    "撤销,A3,370211001002,,协管员,370211,\n"
)


@pytest.mark.parametrize(
    ("line", "field", "value", "zh", "en"),
    [
        (3, "op", "'换人'", "未知操作", "unknown operation"),
        (4, "to", "None", "move 必填", "required for move"),
        (5, "from", "'37021100100'", "网格编码应为", "a cell code is 6, 9, 12 or 14"),
        (6, "duty", "'清洁工'", "未知职责", "unknown duty"),
        (8, "level", "'省'", "未知层级", "unknown level"),
        (9, "under", "'370211'", "remove 不用此字段", "not used by remove"),
    ],
)
def test_each_bad_csv_line_is_named_with_field_and_value(
    tmp_path, line, field, value, zh, en
):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD_CSV.encode("gbk"))
    with pytest.raises(ChangeSetError) as caught:
        _read(path)
    message = str(caught.value)
    assert "bad.csv has 6 problem(s)" in message
    assert f"第 {line} 行，字段 {field} = {value}：{zh}" in message
    assert f"line {line}, field {field} = {value}: {en}" in message


def test_bad_json_is_named_by_change_number_or_text_position(tmp_path):
    with pytest.raises(ChangeSetError, match="change 2, field staff_id = None"):
        draft_from_dict(
            {
                "changes": [
                    {
                        "op": "add",
                        "staff_id": "A1",
                        "cell": "370211001003",
                        "duty": "协管员",
                    },
                    {"op": "add", "cell": "370211001003", "duty": "协管员"},
                ]
            },
            duties=DUTIES,
        )
    with pytest.raises(ChangeSetError, match="change 1, field 备注x = 1: unknown key"):
        draft_from_dict({"changes": [{"op": "add", "备注x": 1}]}, duties=DUTIES)
    path = tmp_path / "broken.json"
    path.write_text('{"changes": [\n  {"op": "add",}\n]}', encoding="utf-8")
    with pytest.raises(ChangeSetError, match=r"not valid JSON \(line 2, column"):
        _read(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("人员,网格\nA1,370211001001\n", "an 'op' column is required"),
        ("操作,人员编号,人员编号\n", "repeated: ['staff_id']"),
        ("操作,人员编号,职责\n", "holds no change"),
        (
            "操作,人员编号,新网格,职责,生效日期\n新增,A1,370211001003,协管员,2026-12-01\n"
            "新增,A2,370211001003,协管员,2026-12-02\n",
            "field effective",
        ),
    ],
    ids=["empty", "no-op-column", "repeated", "no-change", "two-dates"],
)
def test_a_wrong_file_is_refused_whole(tmp_path, text, expected):
    path = tmp_path / "changes.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        ChangeSetError, match=expected.replace("[", r"\[").replace("(", r"\(")
    ):
        _read(path)
