from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from ingest.registry import (
    FIELDS,
    KINDS,
    PROBLEM_COLUMNS,
    ROW_COLUMNS,
    RegistryResult,
    detect_encoding,
    parse_dates,
    parse_numbers,
    read_registry,
    write_rejects,
)
from ingest.uscc import make_uscc
from twonet.errors import CRSError, TwoNetError

# Valid codes, all registered in 黄岛区 (370211).
A, B, C, D, E = (
    make_uscc("9", "1", "370211", body)
    for body in ("MA3C0001", "MA3C0002", "MA3C0003", "MA3C0004", "MA3C0005")
)
BAD = A[:17] + ("0" if A[17] != "0" else "1")  # only the 18th character wrong
HEADER = (
    "单位名称,统一社会信用代码,生产经营地址,经度,纬度,坐标系,职工人数,男,女,更新日期"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def good_csv(tmp_path: Path, name: str = "r.csv", encoding: str = "utf-8") -> Path:
    text = (
        f"{HEADER}\n"
        f"青岛甲服装厂,{A},黄岛区辛安街道前进路1号,120.1,36.0,WGS84,10,4,6,2024-06-30\n"
        f"青岛乙餐饮店,{B},黄岛区长江中路2号,,,,3,1,2,2024年6月30日\n"
    )
    return write(tmp_path / name, text, encoding)


def kinds_by_row(result: RegistryResult) -> set[tuple[int, str]]:
    return set(zip(result.problems["row"], result.problems["kind"], strict=True))


# ------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "detected"),
    [("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, detected: str) -> None:
    result = read_registry(good_csv(tmp_path, encoding=encoding))
    assert result.encoding == detected
    assert result.rows["name"].tolist() == ["青岛甲服装厂", "青岛乙餐饮店"]
    assert result.rows["uscc"].tolist() == [A, B]
    assert result.rows["row"].tolist() == [2, 3]
    assert result.problems.empty
    assert result.n_rows == 2
    assert len(result.file_sha256) == 64


def test_explicit_encoding_wins(tmp_path: Path) -> None:
    path = good_csv(tmp_path, encoding="gbk")
    result = read_registry(path, encoding="gbk")
    assert result.encoding == "gbk"
    assert result.rows["name"].iloc[0] == "青岛甲服装厂"
    with pytest.raises(TwoNetError, match="utf-8"):
        read_registry(path, encoding="utf-8")


def test_detect_encoding() -> None:
    assert detect_encoding("单位名称".encode("gbk")) == "gb18030"
    assert detect_encoding(b"\xef\xbb\xbfname") == "utf-8-sig"
    assert detect_encoding("name".encode("utf-16")) == "utf-16"
    assert detect_encoding(b"name,uscc") == "utf-8"
    # a multi-byte character cut at the end of the sample is still UTF-8
    assert detect_encoding("单位".encode()[:-1]) == "utf-8"


def test_tab_separated_utf16(tmp_path: Path) -> None:
    text = f"单位名称\t统一社会信用代码\n青岛甲服装厂\t{A}\n"
    result = read_registry(write(tmp_path / "r.txt", text, "utf-16"))
    assert result.encoding == "utf-16"
    assert result.rows["uscc"].tolist() == [A]


# --------------------------------------------------------------- values


def test_values_are_parsed(tmp_path: Path) -> None:
    result = read_registry(good_csv(tmp_path))
    rows = result.rows
    assert tuple(rows.columns) == ROW_COLUMNS
    assert rows["lon"].iloc[0] == 120.1
    assert math.isnan(rows["lon"].iloc[1])
    assert rows["crs"].tolist() == ["wgs84", "wgs84"]
    assert rows["staff"].tolist() == [10, 3]
    assert str(rows["staff"].dtype) == "Int64"
    assert rows["updated"].tolist() == [pd.Timestamp("2024-06-30")] * 2
    assert rows["area_code"].tolist() == ["370211", "370211"]
    assert rows["operating_address"].iloc[0] == "黄岛区辛安街道前进路1号"
    assert rows["registered_address"].isna().all()


def test_parse_numbers() -> None:
    numbers, blank = parse_numbers(
        pa.array(["1,234", "１２３", "12人", "", "无", "x", " 7 ", "1.5"])
    )
    assert numbers[:3].tolist() == [1234.0, 123.0, 12.0]
    assert np.isnan(numbers[3:6]).all()
    assert numbers[6:].tolist() == [7.0, 1.5]
    assert blank.tolist() == [False, False, False, True, True, False, False, False]


@pytest.mark.parametrize(
    "text",
    [
        "2023-06-30",
        "2023/6/30",
        "2023.6.30",
        "20230630",
        "2023年6月30日",
        "2023 年 6 月 30 日",
        "二〇二三年六月三十日",
        "２０２３－０６－３０",
        "45107",
        "2023-06-30 00:00:00",
    ],
)
def test_parse_dates(text: str) -> None:
    dates, blank = parse_dates(pa.array([text]))
    assert dates[0] == np.datetime64("2023-06-30")
    assert not blank[0]


@pytest.mark.parametrize(
    "text", ["2023-02-30", "2023-13-01", "1900-01-01", "6/30", "x"]
)
def test_parse_dates_refuses(text: str) -> None:
    dates, blank = parse_dates(pa.array([text]))
    assert np.isnat(dates[0])
    assert not blank[0]


# ---------------------------------------------------------------- headers


def test_english_headers(tmp_path: Path) -> None:
    text = (
        "Company Name,USCC,Longitude,Latitude,Datum,Staff,Men,Women,Updated\n"
        f"Qingdao A,{A},120.1,36.0,GCJ-02,2,1,1,2024-01-31\n"
    )
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.columns["name"] == "Company Name"
    assert result.rows["crs"].iloc[0] == "gcj02"
    assert result.rows["staff"].iloc[0] == 2


def test_header_variants_and_title_row(tmp_path: Path) -> None:
    text = (
        "黄岛区用人单位信息表,,,\n"
        " *单位名称 ,统一社会信用代码,职工人数（人）,备注\n"
        f"青岛甲服装厂,{A},5,老客户\n"
    )
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.header_row == 2
    assert result.rows["row"].tolist() == [3]
    assert result.columns["staff"] == "职工人数（人）"
    assert result.unmapped == ("备注",)
    assert result.rows["extra"].iloc[0] == {"备注": "老客户"}


def test_explicit_mapping(tmp_path: Path) -> None:
    text = f"企业,代码X,人数\n青岛甲服装厂,{A},9\n"
    path = write(tmp_path / "r.csv", text)
    with pytest.raises(TwoNetError, match="name"):
        read_registry(path)
    result = read_registry(
        path, mapping={"name": "企业", "uscc": "代码X", "staff": "人数"}
    )
    assert result.rows["uscc"].tolist() == [A]
    assert result.rows["staff"].tolist() == [9]
    with pytest.raises(TwoNetError, match="unknown field"):
        read_registry(path, mapping={"company": "企业"})
    with pytest.raises(TwoNetError, match="no such column"):
        read_registry(path, mapping={"name": "单位名称"})


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(TwoNetError, match="does not exist"):
        read_registry(tmp_path / "none.csv")
    with pytest.raises(TwoNetError, match=r"\.xls"):
        read_registry(write(tmp_path / "old.xls", "x"))
    with pytest.raises(CRSError):
        read_registry(good_csv(tmp_path), default_crs="mars-2")


def test_header_only(tmp_path: Path) -> None:
    result = read_registry(write(tmp_path / "r.csv", "单位名称,统一社会信用代码"))
    assert result.n_rows == 0
    assert result.rows.empty
    assert tuple(result.rows.columns) == ROW_COLUMNS


# ---------------------------------------------------------------- XLSX


def write_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "单位"
    sheet.append(["黄岛区用人单位劳动用工信息表"])
    sheet.append(["单位名称", "统一社会信用代码", "职工人数", "男", "女", "更新日期"])
    sheet.append(["青岛甲服装厂", A, 10, 4, 6, dt.datetime(2024, 6, 30)])
    sheet.append(["青岛乙餐饮店", B, 3.0, 1, 1, dt.date(2024, 5, 31)])
    sheet.append([None, None, None, None, None, None])
    sheet.append(["青岛丙砖厂", "913702115", 8, None, None, "2024年1月2日"])
    book.save(path)
    return path


def test_xlsx_with_title_and_date_cells(tmp_path: Path) -> None:
    result = read_registry(write_xlsx(tmp_path / "r.xlsx"))
    assert result.sheet == "单位"
    assert result.header_row == 2
    assert result.encoding is None
    assert result.n_blank == 1
    assert result.rows["row"].tolist() == [3, 4]
    assert result.rows["staff"].tolist() == [10, 3]
    assert result.rows["updated"].tolist() == [
        pd.Timestamp("2024-06-30"),
        pd.Timestamp("2024-05-31"),
    ]
    assert kinds_by_row(result) == {(4, "staff_sum"), (6, "uscc_length")}
    # the rejected row keeps its original cell values
    reject = result.rejects.iloc[0]
    assert reject["row"] == 6
    assert reject["职工人数"] == 8
    assert "18位" in reject["reasons_zh"]


def test_xlsx_sheet_choice(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "r.xlsx")
    assert read_registry(path, sheet=0).sheet == "单位"
    with pytest.raises(TwoNetError, match="no sheet"):
        read_registry(path, sheet="汇总")


# ---------------------------------------------------------------- problems

PROBLEMS_CSV = (
    f"{HEADER},在岗人数,农民工人数,应签合同人数,劳动合同签订人数,行业代码\n"
    f"正常单位,{A},,120.1,36.0,,10,5,5,2024-06-30,8,2,8,8,C1811\n"  # 2
    f",{B},,,,,,,,,,,,,\n"  # 3 name missing
    "无代码单位,,,,,,,,,,,,,,\n"  # 4 uscc missing
    f"坏代码单位,{BAD},,,,,,,,,,,,,\n"  # 5 check
    f"重复单位,{A},,,,,,,,,,,,,\n"  # 6 duplicate of row 2
    f"颠倒单位,{C},,36.0,120.1,,,,,,,,,,\n"  # 7 swapped
    f"境外单位,{D},,2.35,48.85,,,,,,,,,,\n"  # 8 outside China
    f"人数单位,{E},,abc,36,火星X,12,5,6,2023-02-30,13,2,3,4,X99\n"  # 9
)


@pytest.fixture
def problems_result(tmp_path: Path) -> RegistryResult:
    return read_registry(write(tmp_path / "p.csv", PROBLEMS_CSV))


def test_every_problem_has_its_row(problems_result: RegistryResult) -> None:
    assert kinds_by_row(problems_result) == {
        (3, "name_missing"),
        (4, "uscc_missing"),
        (5, "uscc_check"),
        (6, "uscc_duplicate"),
        (7, "coord_swapped"),
        (8, "coord_out_of_range"),
        (9, "coord_not_numeric"),
        (9, "crs_unknown"),
        (9, "staff_sum"),
        (9, "on_post_gt_staff"),
        (9, "signed_gt_required"),
        (9, "date_invalid"),
        (9, "industry_code_invalid"),
    }
    problems = problems_result.problems
    assert tuple(problems.columns) == PROBLEM_COLUMNS
    assert set(problems["kind"]) <= set(KINDS)
    assert problems["row"].is_monotonic_increasing


def test_problem_details(problems_result: RegistryResult) -> None:
    p = problems_result.problems.set_index("kind")
    assert p.loc["uscc_duplicate", "reason_zh"] == f"统一社会信用代码“{A}”与第2行重复"
    assert p.loc["uscc_duplicate", "reason_en"] == f"credit code '{A}' duplicates row 2"
    assert p.loc["uscc_check", "column"] == "统一社会信用代码"
    assert p.loc["uscc_check", "value"] == BAD
    assert "经纬度疑似颠倒" in p.loc["coord_swapped", "reason_zh"]
    assert "look swapped" in p.loc["coord_swapped", "reason_en"]
    assert p.loc["coord_swapped", "value"] == "36.0, 120.1"
    assert p.loc["staff_sum", "column"] == "职工人数/男/女"
    assert p.loc["staff_sum", "value"] == "12/5/6"
    assert p.loc["staff_sum", "reason_zh"] == "职工人数(12)不等于男(5)与女(6)之和"
    assert p.loc["on_post_gt_staff", "reason_en"] == (
        "on-post staff (13) is more than staff (12)"
    )
    assert p.loc["date_invalid", "value"] == "2023-02-30"
    assert p.loc["crs_unknown", "value"] == "火星X"
    assert p.loc["coord_not_numeric", "column"] == "经度"
    assert p.loc["name_missing", "severity"] == "reject"
    assert p.loc["staff_sum", "severity"] == "warning"


def test_warnings_keep_the_row_and_drop_bad_values(
    problems_result: RegistryResult,
) -> None:
    rows = problems_result.rows.set_index("row")
    assert rows.index.tolist() == [2, 7, 8, 9]
    assert rows.loc[[7, 8, 9], "lon"].isna().all()
    assert rows.loc[[7, 8, 9], "lat"].isna().all()
    assert rows.loc[2, "lon"] == 120.1
    assert pd.isna(rows.loc[9, "updated"])
    assert rows.loc[9, "staff"] == 12  # kept; the rule is only a warning
    assert rows.loc[9, "industry_code"] == "X99"
    assert problems_result.n_warned == 3


def test_nothing_is_lost(problems_result: RegistryResult, tmp_path: Path) -> None:
    result = problems_result
    assert result.n_rows == 8
    assert result.n_accepted + result.n_rejected == result.n_rows
    all_rows = set(result.rows["row"]) | set(result.rejects["row"])
    assert all_rows == set(range(2, 10))
    rejects = result.rejects.set_index("row")
    assert rejects.index.tolist() == [3, 4, 5, 6]
    assert rejects.loc[5, "统一社会信用代码"] == BAD
    assert rejects.loc[6, "单位名称"] == "重复单位"
    assert rejects.loc[6, "reasons_en"] == f"credit code '{A}' duplicates row 2"
    csv_path = write_rejects(result, tmp_path / "rejects.csv")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    again = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    assert again["row"].tolist() == ["3", "4", "5", "6"]
    assert again["reasons_zh"].iloc[0] == "缺少单位名称"
    xlsx_path = write_rejects(result, tmp_path / "rejects.xlsx")
    assert pd.read_excel(xlsx_path)["row"].tolist() == [3, 4, 5, 6]
    with pytest.raises(TwoNetError, match="csv"):
        write_rejects(result, tmp_path / "rejects.json")


def test_duplicates_name_the_first_row(tmp_path: Path) -> None:
    text = f"单位名称,统一社会信用代码\n甲,{A}\n乙,{B}\n丙,{A.lower()}\n丁,{A}\n"
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.rows["row"].tolist() == [2, 3]
    dup = result.problems[result.problems["kind"] == "uscc_duplicate"]
    assert dup["row"].tolist() == [4, 5]
    assert dup["reason_en"].str.endswith("duplicates row 2").all()


def test_staff_rules(tmp_path: Path) -> None:
    text = (
        "单位名称,统一社会信用代码,职工人数,男,女,在岗人数,农民工人数,"
        "应签合同人数,劳动合同签订人数\n"
        f"一,{A},10,5,5,10,10,10,10\n"  # 2 all fine (equalities allowed)
        f"二,{B},10,5,4,,,,\n"  # 3 10 != 5 + 4
        f"三,{C},10,,,8,9,,\n"  # 4 migrant > on-post
        f"四,{D},10,,,,11,11,\n"  # 5 migrant > staff (no on-post); required > staff
        f"五,{E},,,,,,3,4\n"  # 6 signed > required
    )
    result = read_registry(write(tmp_path / "r.csv", text))
    assert kinds_by_row(result) == {
        (3, "staff_sum"),
        (4, "migrant_gt_on_post"),
        (5, "migrant_gt_staff"),
        (5, "required_gt_staff"),
        (6, "signed_gt_required"),
    }
    assert result.n_accepted == 5


def test_bad_counts_are_flagged(tmp_path: Path) -> None:
    text = f"单位名称,统一社会信用代码,职工人数,男\n一,{A},-3,2.5\n二,{B},１,２人\n"
    result = read_registry(write(tmp_path / "r.csv", text))
    assert kinds_by_row(result) == {(2, "count_invalid")}
    assert len(result.problems) == 2
    assert result.rows["staff"].tolist() == [pd.NA, 1]
    assert result.rows["men"].tolist() == [pd.NA, 2]


def test_wrong_number_of_fields_is_rejected(tmp_path: Path) -> None:
    text = f'单位名称,统一社会信用代码\n"甲\n公司",{A}\n乙,{B},多余\n丙,{C}\n'
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.rows["row"].tolist() == [2, 4]
    assert result.rows["name"].iloc[0] == "甲\n公司"
    assert kinds_by_row(result) == {(3, "field_count")}
    assert result.rejects["raw_line"].tolist() == [f"乙,{B},多余"]
    assert result.n_rows == 3


def test_blank_rows_are_skipped_but_keep_numbering(tmp_path: Path) -> None:
    text = f"单位名称,统一社会信用代码\n甲,{A}\n,\n\n乙,{B}\n"
    result = read_registry(write(tmp_path / "r.csv", text))
    assert result.rows["row"].tolist() == [2, 5]
    assert result.n_blank == 2
    assert result.problems.empty


def test_area_codes_and_unlicensed(tmp_path: Path) -> None:
    other = make_uscc("9", "1", "110105", "MA3C0009")
    text = f"单位名称,统一社会信用代码\n甲,{A}\n乙,{other}\n小作坊,\n"
    path = write(tmp_path / "r.csv", text)
    result = read_registry(path, known_area_codes={"370211"})
    assert kinds_by_row(result) == {(3, "uscc_area_unknown"), (4, "uscc_missing")}
    assert result.rows["row"].tolist() == [2, 3]
    lenient = read_registry(path, require_uscc=False)
    assert lenient.rows["row"].tolist() == [2, 3, 4]
    assert lenient.problems["severity"].tolist() == ["warning"]
    # an internal code (never a valid credit code) instead of none
    assert lenient.rows["uscc"].iloc[2].startswith("ZZ")
    assert len(lenient.rows["uscc"].iloc[2]) == 18


def test_a_file_without_a_credit_code_column_is_read_when_allowed(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "r.csv", "单位名称,经营地址\n小作坊,青岛市胶州市北关\n")
    with pytest.raises(TwoNetError, match="统一社会信用代码"):
        read_registry(path)
    lenient = read_registry(path, require_uscc=False)
    assert lenient.rows["name"].tolist() == ["小作坊"]
    assert lenient.rows["uscc"].iloc[0].startswith("ZZ")


def test_extent_and_datums(tmp_path: Path) -> None:
    text = (
        "单位名称,统一社会信用代码,经度,纬度,坐标系\n"
        f"甲,{A},120.01,36.0,WGS84\n"  # inside
        f"乙,{B},120.21,36.0,WGS84\n"  # 0.01 beyond the edge
        f"丙,{C},120.21,36.0,高德\n"  # same, but GCJ-02: within the margin
        f"丁,{D},120.25,36.0,百度\n"  # beyond even the margin
        f"戊,{E},120.1,36.1,\n"  # no datum: the default
    )
    path = write(tmp_path / "r.csv", text)
    result = read_registry(path, extent=(120.0, 35.9, 120.2, 36.2))
    assert kinds_by_row(result) == {
        (3, "coord_outside_extent"),
        (5, "coord_outside_extent"),
    }
    rows = result.rows.set_index("row")
    assert rows["crs"].tolist() == ["wgs84", "wgs84", "gcj02", "bd09", "wgs84"]
    assert rows["lon"].notna().tolist() == [True, False, True, False, True]
    assert any("WGS-84" in note for note in result.notes)
    cgcs = read_registry(path, default_crs="CGCS2000")
    assert cgcs.rows["crs"].iloc[4] == "cgcs2000"
    assert not cgcs.notes


def test_progress_is_reported(tmp_path: Path) -> None:
    calls: list[tuple[int, int | None]] = []
    read_registry(
        good_csv(tmp_path), progress=lambda done, total: calls.append((done, total))
    )
    assert calls[-1] == (2, 2)
    assert all(total is None or done <= total for done, total in calls)


def test_fields_cover_the_issue() -> None:
    assert {"name", "uscc", "lon", "lat", "crs", "staff", "migrant", "updated"} <= set(
        FIELDS
    )


def test_invisible_characters_in_a_credit_code_are_removed_and_named(
    tmp_path: Path,
) -> None:
    hidden = A[:6] + "\u200b" + A[6:12] + "\u200e" + A[12:]
    nbsp = B[:9] + "\u00a0" + B[9:]
    path = write(
        tmp_path / "r.csv", f"单位名称,统一社会信用代码\n甲,{hidden}\n乙,{nbsp}\n"
    )
    result = read_registry(path)
    assert result.rows["uscc"].tolist() == [A, B]
    (named,) = result.problems.loc[
        result.problems["kind"] == "uscc_invisible"
    ].itertuples()
    assert named.row == 2
    assert "U+200B" in named.reason_en and "U+200E" in named.reason_en
    assert "不可见字符" in named.reason_zh


@pytest.mark.parametrize("value", ["2147483648", "1e20", "-1", "2.5"])
def test_head_counts_beyond_what_a_column_holds_are_dropped(
    tmp_path: Path, value: str
) -> None:
    path = write(
        tmp_path / "r.csv", f"单位名称,统一社会信用代码,职工人数\n甲,{A},{value}\n"
    )
    result = read_registry(path)
    assert result.n_accepted == 1
    assert pd.isna(result.rows["staff"].iloc[0])
    (problem,) = result.problems.itertuples()
    assert (problem.kind, problem.value, problem.severity) == (
        "count_invalid",
        value,
        "warning",
    )


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 100])
def test_duplicates_are_found_across_chunks(tmp_path: Path, chunk_rows: int) -> None:
    text = (
        "单位名称,统一社会信用代码\n"
        f"甲,{A}\n乙,{B}\n丙,{C}\n丁,{A}\n戊,{BAD}\n己,{C}\n庚,{D}\n"
    )
    path = write(tmp_path / "r.csv", text)
    result = read_registry(path, chunk_rows=chunk_rows)
    duplicates = result.problems[result.problems["kind"] == "uscc_duplicate"]
    assert duplicates["row"].tolist() == [5, 7]
    assert "第2行" in duplicates["reason_zh"].iloc[0]
    assert "row 4" in duplicates["reason_en"].iloc[1]
    assert result.rows["row"].tolist() == [2, 3, 4, 8]
