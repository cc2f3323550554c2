"""Tables written for people: formulas stay text (no CSV injection)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from twonet.exports import (
    csv_bytes,
    is_formula_like,
    write_table,
    xlsx_bytes,
)

HOSTILE = pd.DataFrame(
    {
        "name": ['=HYPERLINK("http://x","点我")', "+1+1", "-2", "@SUM(A1)", "甲厂"],
        "staff": [1, 2, 3, 4, 5],
    }
)


def test_csv_writes_formula_like_text_behind_an_apostrophe() -> None:
    text = csv_bytes(HOSTILE, {"name": "单位名称"}).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "单位名称,staff"
    cells = [line.rsplit(",", 1)[0] for line in lines[1:]]
    assert all(c.lstrip('"').startswith("'") for c in cells[:4])
    assert cells[4] == "甲厂"


def test_xlsx_keeps_formula_like_text_as_text(tmp_path) -> None:
    path = write_table(HOSTILE, tmp_path / "out.xlsx", headers={"name": "单位名称"})
    book = openpyxl.load_workbook(path)
    sheet = book.active
    assert sheet["A1"].value == "单位名称"
    for row, original in enumerate(HOSTILE["name"], start=2):
        cell = sheet.cell(row=row, column=1)
        assert cell.value == original
        assert cell.data_type == "s"  # a string, not a formula
    assert sheet.cell(row=2, column=2).value == 1


@given(st.text(st.characters(exclude_categories=("Cs",)), min_size=1))
def test_no_cell_a_spreadsheet_would_run_survives_csv(text: str) -> None:
    written = csv_bytes(pd.DataFrame({"v": [text]})).decode("utf-8-sig")
    header, (value,) = list(csv.reader(io.StringIO(written, newline="")))
    assert header == ["v"]
    assert not is_formula_like(value)
    assert value in (text, "'" + text)


def test_xlsx_of_several_sheets() -> None:
    data = xlsx_bytes({"甲": HOSTILE.head(1), "乙": HOSTILE.tail(1)})
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["甲", "乙"]
