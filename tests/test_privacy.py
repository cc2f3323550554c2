"""Personal data masked: phone and ID numbers, in frames, problems and rejects."""

from __future__ import annotations

import pandas as pd
from stdnum.cn import ric

from ingest.staff import read_staff
from twonet.privacy import (
    mask_id_number,
    mask_phone,
    mask_text,
    personal_view,
    redact_personal,
)

ID = "37021119850315123" + ric.calc_check_digit("370211198503151230")


def test_phones_keep_their_first_three_and_last_four():
    phones = pd.Series(["13812345678", " 0532-88886666 ", "12345", "", None])
    assert mask_phone(phones).tolist() == [
        "138****5678",
        "053****6666",
        "****45",
        pd.NA,
        pd.NA,
    ]


def test_id_numbers_keep_place_and_last_four():
    numbers = pd.Series([ID, "11010519491231002X", "1234", None])
    masked = mask_id_number(numbers).tolist()
    assert masked == [
        f"370211********{ID[-4:]}",
        "110105********002X",
        "********",
        pd.NA,
    ]
    assert all(len(m) == 18 for m in masked[:2])


def test_numbers_inside_text_are_masked():
    line = pd.Series([f"S001,王芳,13812345678,{ID},370211001001"])
    assert mask_text(line).tolist() == [
        f"S001,王芳,138****5678,370211********{ID[-4:]},370211001001"
    ]


def test_a_view_masks_unless_allowed():
    frame = pd.DataFrame(
        {"staff_id": ["S001"], "phone": ["13812345678"], "id_number": [ID]}
    )
    masked = personal_view(frame, may_see_personal=False)
    assert masked.loc[0, "phone"] == "138****5678"
    assert masked.loc[0, "id_number"].startswith("370211********")
    assert frame.loc[0, "phone"] == "13812345678"  # the input is left alone
    shown = personal_view(frame, may_see_personal=True)
    assert shown.loc[0, "id_number"] == ID


def test_problems_and_rejected_rows_hold_no_whole_number(tmp_path):
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    text = (
        "人员编号,姓名,类别,联系电话,身份证号\n"
        f"S001,王芳,司机,13812345678,{ID}\n"  # rejected: its number is kept masked
        f"S002,李强,协管员,13987654321,{wrong}\n"  # warned: wrong check digit
        f"S003,张三,协管员,13700001111,{ID},多余\n"  # a field too many
    )
    path = tmp_path / "s.csv"
    path.write_text(text, encoding="utf-8")
    raw = read_staff(path)
    assert ID in raw.rejects.to_csv()  # as read
    result = redact_personal(raw)
    everything = result.rejects.to_csv() + result.problems.to_csv()
    for secret in (ID, wrong, "13812345678", "13987654321", "13700001111"):
        assert secret not in everything
    rejected = result.rejects.set_index("row")
    assert rejected.loc[2, "身份证号"] == f"370211********{ID[-4:]}"
    assert rejected.loc[2, "联系电话"] == "138****5678"
    assert "137****1111" in rejected.loc[4, "raw_line"]
    problems = result.problems.set_index("row")
    assert problems.loc[3, "value"] == f"370211********{wrong[-4:]}"
    assert raw.rows.equals(result.rows)  # what is stored stays whole
