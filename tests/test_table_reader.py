"""The table reader on awkward files: every record accounted for, causes named.

Tiny hand-written files; read through ``read_registry`` (the employer
pipeline) or the reader itself with ``ingest.registry.EMPLOYERS``.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.registry import EMPLOYERS, RegistryResult, read_registry
from ingest.tables.reader import RawTable, open_raw, read_raw
from ingest.uscc import make_uscc
from twonet.errors import TwoNetError

CODES = [make_uscc("9", "1", "370211", f"MA3C{i:04d}") for i in range(1, 40)]
A, B, C, D, E, F, G, H = CODES[:8]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def reconciles(result: RegistryResult) -> None:
    assert result.n_rows == result.n_accepted + result.n_rejected
    rows = set(result.rows["row"]) | set(result.rejects["row"])
    assert len(rows) == result.n_rows


def refused(match: str, path: Path, **options: object) -> str:
    with pytest.raises(TwoNetError, match=match) as info:
        read_registry(path, **options)  # type: ignore[arg-type]
    text = str(info.value)
    assert path.name in text
    assert text.endswith(")")
    assert CHINESE.search(text[text.rfind(" (") :]), text  # worded in Chinese too
    return text


# ------------------------------------------------------------ silent loss


@pytest.mark.parametrize(
    "broken",
    [f'"丁公司,{D}', f'丁公司,"{D}'],  # the quote opens the first / last value
    ids=["first-column", "last-column"],
)
def test_unclosed_quote_refuses_naming_its_row(tmp_path: Path, broken: str) -> None:
    lines = ["单位名称,统一社会信用代码", f"甲,{A}", f"乙,{B}", f"丙,{C}", broken]
    lines += [f"{n},{code}" for n, code in zip("戊己庚辛", CODES[4:8], strict=True)]
    path = write(tmp_path / "q.csv", "\n".join(lines) + "\n")
    text = refused("row 5", path)
    assert "第5行" in text
    assert "quote" in text


def test_unclosed_quote_in_a_large_file(tmp_path: Path) -> None:
    # the open value runs past Arrow's block: found again by Python's csv
    body = "".join(f"单位{i},{CODES[i % 30]}\n" for i in range(40_000))
    text = f'单位名称,统一社会信用代码\n甲,{A}\n"乙,{B}\n' + body
    assert len(text.encode()) > 1 << 20
    refused("row 3", write(tmp_path / "q.csv", text))


def test_closed_quotes_across_lines_are_fine(tmp_path: Path) -> None:
    text = f'单位名称,统一社会信用代码\n甲,{A}\n"乙\n分公司","{B}"\n'
    result = read_registry(write(tmp_path / "q.csv", text))
    assert result.rows["name"].tolist() == ["甲", "乙\n分公司"]


def test_rows_count_records_not_lines(tmp_path: Path) -> None:
    text = (
        '"黄岛区\n用人单位信息表",\n'  # 1: a title whose cell spans two lines
        '单位名称,统一社会信用代码,"职工人数\n(人)"\n'  # 2: so does a header
        f'"甲\n公司",{A},3\n'  # 3
        f"乙,{B},4,多余\n"  # 4: a bad record
        f'"丙\n\n公司",{C},5\n'  # 5
        "\n"  # 6: blank
        f"丁,{D},6,多,余\n"  # 7: bad again
        f"戊,{E},7\n"  # 8
    )
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.header_row == 2
    assert result.columns["staff"] == "职工人数\n(人)"
    assert result.rows["row"].tolist() == [3, 5, 8]
    assert result.rows["staff"].tolist() == [3, 5, 7]
    assert result.rejects["row"].tolist() == [4, 7]
    assert result.n_blank == 1
    reconciles(result)


def merged_header_book(path: Path, *, merged: bool = True) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码", "人数", None, None, None])
    sheet.append([None, None, "职工人数", "男", "女", "其他"])
    sheet.append(["甲", A, 10, 4, 6, 0])
    sheet.append(["乙", B, 3, 1, 2, 1])
    if merged:
        for cells in ("A1:A2", "B1:B2", "C1:F1"):
            sheet.merge_cells(cells)
    book.save(path)
    return path


@pytest.mark.parametrize("merged", [True, False])
def test_merged_two_row_header_keeps_the_sub_columns(
    tmp_path: Path, merged: bool
) -> None:
    result = read_registry(merged_header_book(tmp_path / "m.xlsx", merged=merged))
    assert result.header_row == 2
    assert result.rows["row"].tolist() == [3, 4]
    assert result.rows["staff"].tolist() == [10, 3]
    assert result.rows["men"].tolist() == [4, 1]
    assert result.rows["women"].tolist() == [6, 2]
    assert result.unmapped == ("人数-其他",)
    assert result.rejects.empty
    assert any("combined" in note for note in result.notes)


def test_two_row_header_in_a_csv(tmp_path: Path) -> None:
    text = (
        "单位名称,统一社会信用代码,人数,,\n,,职工人数,男,女\n"
        f"甲,{A},10,4,6\n乙,{B},3,1,2\n"
    )
    result = read_registry(write(tmp_path / "m.csv", text))
    assert result.header_row == 2
    assert result.rows["row"].tolist() == [3, 4]
    assert result.rows["women"].tolist() == [6, 2]
    assert result.rejects.empty


def test_a_data_row_is_not_taken_for_sub_headings(tmp_path: Path) -> None:
    text = f"单位名称,统一社会信用代码,性别\n,,男\n甲,{A},男\n"
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.header_row == 1
    assert result.rows["row"].tolist() == [3]
    assert result.rejects["row"].tolist() == [2]  # no name: rejected, not eaten


def two_sheets(path: Path, *, hide_first: bool) -> Path:
    book = openpyxl.Workbook()
    old = book.active
    old.title = "旧表"
    old.append(["单位名称", "统一社会信用代码"])
    old.append(["旧单位", A])
    new = book.create_sheet("新表")
    new.append(["单位名称", "统一社会信用代码"])
    new.append(["新单位", B])
    if hide_first:
        old.sheet_state = "hidden"
        book.active = 1
    book.save(path)
    return path


def test_hidden_sheets_are_skipped(tmp_path: Path) -> None:
    path = two_sheets(tmp_path / "h.xlsx", hide_first=True)
    result = read_registry(path)
    assert result.sheet == "新表"
    assert result.rows["name"].tolist() == ["新单位"]
    assert any("旧表" in note and "hidden" in note for note in result.notes)
    assert read_registry(path, sheet="旧表").rows["name"].tolist() == ["旧单位"]


def test_registries_on_two_sheets_are_refused(tmp_path: Path) -> None:
    path = two_sheets(tmp_path / "t.xlsx", hide_first=False)
    text = refused("--sheet", path)
    assert "旧表" in text
    assert "新表" in text
    assert read_registry(path, sheet="新表").rows["name"].tolist() == ["新单位"]


def test_a_wrong_sheet_dimension_loses_nothing(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    for row in (["单位名称", "统一社会信用代码"], ["甲", A], ["乙", B], ["丙", C]):
        book.active.append(row)
    fine = tmp_path / "fine.xlsx"
    book.save(fine)
    wrong = tmp_path / "wrong.xlsx"
    with zipfile.ZipFile(fine) as source, zipfile.ZipFile(wrong, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            target.writestr(item, data)
    result = read_registry(wrong)
    assert result.rows["name"].tolist() == ["甲", "乙", "丙"]


def test_values_beyond_the_header_are_a_bad_record(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码"])
    for i in range(25):
        sheet.append([f"单位{i}", CODES[i]])
    sheet.append(["多余", CODES[25], None, "备注在表头外"])
    book.save(tmp_path / "w.xlsx")
    result = read_registry(tmp_path / "w.xlsx")
    assert result.n_accepted == 25
    assert result.rejects["row"].tolist() == [27]
    assert "备注在表头外" in result.rejects["raw_line"].iloc[0]
    reconciles(result)


# ------------------------------------------------- tracebacks, not errors


def test_a_column_named_row(tmp_path: Path) -> None:
    text = f"row,单位名称,统一社会信用代码\n1,甲,{A}\n2,,{B}\n"
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.rows["extra"].iloc[0] == {"row": "1"}
    rejects = result.rejects
    assert rejects["row"].tolist() == [3]
    assert rejects["row.1"].tolist() == ["2"]
    reconciles(result)


def test_nul_characters_are_removed(tmp_path: Path) -> None:
    text = f"单位名称,统一社会信用代码\n甲\x00公司,{A}\n乙,{B}\x00\n丙,{C}\n"
    result = read_registry(write(tmp_path / "n.csv", text))
    assert result.rows["name"].tolist() == ["甲公司", "乙", "丙"]
    assert result.rows["uscc"].tolist() == [A, B, C]
    assert any("NUL" in note and " 2 cells" in note for note in result.notes)


# ---------------------------------------------------- causes named rightly


def test_utf16_without_bom(tmp_path: Path) -> None:
    text = f"单位名称,统一社会信用代码\n甲,{A}\n乙,{B}\n"
    for encoding in ("utf-16-le", "utf-16-be"):
        result = read_registry(write(tmp_path / "u.csv", text, encoding))
        assert result.encoding == encoding
        assert result.rows["uscc"].tolist() == [A, B]
        assert any("UTF-16" in note for note in result.notes)


def test_cr_only_line_ends(tmp_path: Path) -> None:
    text = f'单位名称,统一社会信用代码\r甲,{A}\r"乙\r分公司",{B}\r丙,{C}\r'
    result = read_registry(write(tmp_path / "mac.csv", text))
    assert result.rows["row"].tolist() == [2, 3, 4]
    assert result.rows["name"].tolist() == ["甲", "乙\n分公司", "丙"]
    assert any("CR" in note for note in result.notes)


def test_workbook_named_csv_is_read_as_a_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["单位名称", "统一社会信用代码"])
    book.active.append(["甲", A])
    book.save(tmp_path / "book.csv")
    result = read_registry(tmp_path / "book.csv")
    assert result.rows["uscc"].tolist() == [A]
    assert any("workbook" in note for note in result.notes)


def test_old_xls_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    refused(r"old Excel \.xls.*save it as \.xlsx or CSV", path)


def test_csv_named_xlsx_is_read_as_text(tmp_path: Path) -> None:
    path = write(tmp_path / "r.xlsx", f"单位名称,统一社会信用代码\n甲,{A}\n")
    result = read_registry(path)
    assert result.rows["uscc"].tolist() == [A]
    assert any("CSV" in note for note in result.notes)


def test_binary_file_named_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)) * 8)
    refused("binary", path)


def test_web_page_named_xls_is_refused(tmp_path: Path) -> None:
    refused("web page", write(tmp_path / "r.xls", "<html><table><tr><td>单位名称"))


def test_delimiter_chosen_by_the_header(tmp_path: Path) -> None:
    rows = "".join(
        f"单位{i};{CODES[i]};青岛市,黄岛区,辛安街道,前进路{i}号\n" for i in range(6)
    )
    path = write(tmp_path / "s.csv", "单位名称;统一社会信用代码;地址\n" + rows)
    result = read_registry(path)
    assert result.n_accepted == 6
    assert (
        result.rows["operating_address"].iloc[0] == "青岛市,黄岛区,辛安街道,前进路0号"
    )


def test_delimiter_given(tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", f"单位名称^统一社会信用代码\n甲^{A}\n乙^{B}\n")
    refused("delimiter", path)
    result = read_registry(path, delimiter="^")
    assert result.rows["uscc"].tolist() == [A, B]
    tabs = write(tmp_path / "t.csv", f"单位名称\t统一社会信用代码\n甲\t{A}\n")
    assert read_registry(tabs, delimiter="tab").rows["uscc"].tolist() == [A]
    with pytest.raises(TwoNetError, match="one ASCII character"):
        read_registry(path, delimiter="，")


def test_full_width_commas_are_named(tmp_path: Path) -> None:
    path = write(tmp_path / "w.csv", f"单位名称，统一社会信用代码\n甲，{A}\n")
    refused("full-width", path)


N_DEEP = 15_000


def gbk_deep_in_utf8(tmp_path: Path) -> tuple[Path, int]:
    """A UTF-8 file with one GBK row after the first megabyte; that row's number."""
    rows = [
        f'"单位\n{i}",{make_uscc("9", "1", "370211", f"MA{i:06d}")},'
        f"青岛市黄岛区辛安街道前进路{i}号"
        for i in range(N_DEEP)
    ]
    head = "单位名称,统一社会信用代码,生产经营地址\n" + "\n".join(rows) + "\n"
    assert len(head.encode()) > 1 << 20
    gbk = f"国标单位,{CODES[31]},青岛市黄岛区长江中路\n".encode("gbk")
    tail = f"最后单位,{CODES[32]},黄岛区\n".encode()
    path = tmp_path / "g.csv"
    path.write_bytes(head.encode() + gbk + tail)
    return path, N_DEEP + 2  # the header, rows of two lines each, then this one


def test_a_gbk_row_deep_in_a_utf8_file(tmp_path: Path) -> None:
    path, row = gbk_deep_in_utf8(tmp_path)
    result = read_registry(path)
    assert result.encoding == "utf-8"
    rows = result.rows.set_index("row")
    assert rows.loc[row, "name"] == "国标单位"
    assert rows.loc[row, "operating_address"] == "青岛市黄岛区长江中路"
    assert rows.loc[row + 1, "name"] == "最后单位"
    assert result.n_rows == N_DEEP + 2
    assert result.n_accepted == N_DEEP + 2
    assert any(f"row {row} " in note and "GB18030" in note for note in result.notes)
    text = refused(f"row {row}", path, encoding="utf-8")
    assert f"第{row}行" in text


def test_a_file_in_the_wrong_given_encoding(tmp_path: Path) -> None:
    path = write(tmp_path / "g.csv", f"单位名称,统一社会信用代码\n甲,{A}\n", "gbk")
    refused("utf-8.*header", path, encoding="utf-8")


# -------------------------------------------------------------- streaming

STREAM_CSV = (
    "标题行\n"
    "单位名称,统一社会信用代码,职工人数\n"
    f"甲,{A},1\n"
    "\n"
    f'"乙\n分公司",{B},2\n'
    f"丙,{C},3,多余\n"
    ",,\n"
    f"丁,{D},4\n"
    f'"戊","{E}","5"\n'
    f"己\x00,{F},6\n"
    f"庚,{G},7\n"
    f"辛,{H},8"
)


def chunked(path: Path, rows: int) -> list[RawTable]:
    return list(open_raw(path, EMPLOYERS).chunks(rows))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.integers(min_value=1, max_value=12))
def test_chunks_add_up_to_one_chunk(tmp_path: Path, rows: int) -> None:
    path = tmp_path / "s.csv"
    if not path.exists():
        write(path, STREAM_CSV)
    (whole,) = chunked(path, 1000)
    parts = chunked(path, rows)
    assert all(len(p.rows) + p.n_blank <= rows for p in parts)
    got = np.concatenate([p.rows for p in parts])
    assert got.tolist() == whole.rows.tolist() == [3, 5, 8, 9, 10, 11, 12]
    assert [b for p in parts for b in p.bad_records] == whole.bad_records
    assert whole.bad_records == [(6, f"丙,{C},3,多余", 4)]
    assert sum(p.n_blank for p in parts) == whole.n_blank == 2
    joined = pd.concat([p.table.to_pandas() for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole.table.to_pandas())
    assert whole.table.column("单位名称").to_pylist()[1] == "乙\n分公司"


def test_source_sha256_notes_and_read_raw(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", STREAM_CSV)
    source = open_raw(path, EMPLOYERS)
    assert source.header == ["单位名称", "统一社会信用代码", "职工人数"]
    assert source.header_row == 2
    assert source.estimated_rows == 10
    assert source.sha256 == ""
    parts = list(source.chunks(3))
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert any("NUL" in note for note in source.notes)
    again = list(source.chunks(3))  # a second pass gives the same
    assert len(source.notes) == 1
    assert [p.rows.tolist() for p in again] == [p.rows.tolist() for p in parts]
    raw = read_raw(path, EMPLOYERS, chunk_rows=2)
    assert raw.rows.tolist() == [3, 5, 8, 9, 10, 11, 12]
    assert raw.sha256 == source.sha256
    assert raw.notes == source.notes


def test_xlsx_chunks(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位名称", "统一社会信用代码", "职工人数"])
    for i in range(7):
        sheet.append([f"单位{i}", CODES[i], i] if i != 3 else [None, None, None])
    book.save(tmp_path / "x.xlsx")
    source = open_raw(tmp_path / "x.xlsx", EMPLOYERS)
    parts = list(source.chunks(2))
    assert [p.rows.tolist() for p in parts] == [[2, 3], [4], [6, 7], [8]]
    assert [p.n_blank for p in parts] == [0, 1, 0, 0]
    assert [len(p.values) for p in parts] == [2, 1, 2, 1]
    assert parts[1].values["职工人数"].tolist() == [2]
    assert len(source.sha256) == 64


def test_empty_file_gives_one_empty_chunk(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "单位名称,统一社会信用代码")
    (only,) = chunked(path, 5)
    assert only.table.column_names == ["单位名称", "统一社会信用代码"]
    assert only.n_records == 0
    refused("empty", write(tmp_path / "none.csv", ""))


field_text = st.text(alphabet="ab甲\n ,", max_size=6)


@st.composite
def csv_records(draw: st.DrawFn) -> tuple[str, list[int], list[int], int]:
    """A CSV text (three columns) and where its good and bad records are."""
    lines = ["单位名称,统一社会信用代码,备注"]
    good: list[int] = []
    bad: list[int] = []
    blank = 0
    for row in range(2, 2 + draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["good", "good", "good", "bad", "blank"]))
        if kind == "blank":
            lines.append("")
            blank += 1
            continue
        width = 3 if kind == "good" else draw(st.sampled_from([1, 2, 4, 5]))
        values = ["x" + draw(field_text) for _ in range(width)]
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in values))
        (good if kind == "good" else bad).append(row)
    return "\n".join(lines) + "\n", good, bad, blank


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=csv_records(), rows=st.integers(1, 7), block=st.sampled_from([64, 200]))
def test_every_record_keeps_its_row(
    tmp_path: Path, data: tuple[str, list[int], list[int], int], rows: int, block: int
) -> None:
    text, good, bad, blank = data
    path = write(tmp_path / "p.csv", text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("ingest.tables.arrow_reader.BLOCK_BYTES", block)
        parts = chunked(path, rows)
    assert np.concatenate([p.rows for p in parts]).tolist() == good
    assert [b[0] for p in parts for b in p.bad_records] == bad
    assert sum(p.n_blank for p in parts) == blank
