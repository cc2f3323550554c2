"""Staff registries and assignment lists read and checked (no database)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from stdnum.cn import ric

from grid.coords import to_wgs84
from ingest.staff import read_assignments, read_staff

HEADER = (
    "人员编号,姓名,类别,所属单位,联系电话,身份证号,驻地经度,驻地纬度,坐标系,"
    "起始日期,终止日期\n"
)
CELLS = {"370211", "370211001", "370211001001", "370211001002"}
EXTENT = (120.0, 36.0, 120.4, 36.2)


def valid_id(body: str) -> str:
    """An ID number with the check digit python-stdnum computes for ``body``."""
    return body + ric.calc_check_digit(body + "0")


GOOD_ID = valid_id("37021119850315123")
WRONG_DIGIT = GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def by_row(result) -> set[tuple[int, str, str]]:
    problems = result.problems
    return {
        (int(r), str(k), str(s))
        for r, k, s in zip(
            problems["row"], problems["kind"], problems["severity"], strict=True
        )
    }


def test_the_examples_are_what_stdnum_says():
    assert ric.is_valid(GOOD_ID)
    assert not ric.is_valid(WRONG_DIGIT)


@pytest.mark.parametrize(
    ("encoding", "detected"), [("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig")]
)
def test_chinese_headers_in_gbk_and_utf8_bom(tmp_path, encoding, detected):
    text = HEADER + (
        f"S001,王芳,协管员,370211001,13812345678,{GOOD_ID},120.05,36.05,WGS84,"
        "2024-01-01,\n"
        "S002,李强,专职监察员,370211,,,,,,2024年1月1日,2026-06-30\n"
    )
    path = write(tmp_path / "人员.csv", text, encoding)
    result = read_staff(path, known_cells=CELLS, extent=EXTENT)
    assert result.encoding == detected
    assert result.problems.empty
    rows = result.rows.set_index("staff_id")
    assert rows["kind"].to_dict() == {"S001": "assistant", "S002": "inspector"}
    assert rows.loc["S001", "name"] == "王芳"
    assert rows.loc["S001", "id_number"] == GOOD_ID
    assert rows["unit"].tolist() == ["370211001", "370211"]
    assert str(rows.loc["S002", "active_to"])[:10] == "2026-06-30"
    assert str(rows.loc["S002", "active_from"])[:10] == "2024-01-01"


def test_english_headers_and_kind_spellings(tmp_path):
    text = (
        "staff_id,name,kind,unit,phone,id_number\n"
        "S1,Wang,inspector,370211,,\n"
        "S2,Li,full-time,370211,,\n"
        "S3,Zhao,专职,370211,,\n"
        "S4,Qian,assistant,370211,,\n"
        "S5,Sun,协管,370211,,\n"
    )
    result = read_staff(write(tmp_path / "s.csv", text), known_cells=CELLS)
    assert result.rows["kind"].tolist() == ["inspector"] * 3 + ["assistant"] * 2


def test_every_reject_has_its_reason_and_row(tmp_path):
    text = HEADER + (
        "S001,王芳,协管员,370211001,,,,,,2024-01-01,\n"  # 2: fine
        "S002,李强,司机,370211,,,,,,,\n"  # 3: unknown kind
        "S003,张三,协管员,黄岛区,,,,,,,\n"  # 4: a unit that is no code
        "S004,赵四,协管员,370299,,,,,,,\n"  # 5: a code the grid lacks
        "S005,,协管员,370211,,,,,,,\n"  # 6: no name
        ",钱五,协管员,370211,,,,,,,\n"  # 7: no staff id
        "S001,孙六,协管员,370211,,,,,,,\n"  # 8: staff id of row 2
        "S008,周七,协管员,370211,,,,,,2024-13-01,\n"  # 9: no such date
        "S009,吴八,协管员,370211,,,,,,2025-01-01,2024-12-31\n"  # 10: ends first
        "S010,郑九,,370211,,,,,,,\n"  # 11: no kind
    )
    result = read_staff(write(tmp_path / "s.csv", text), known_cells=CELLS)
    assert by_row(result) == {
        (3, "kind_invalid", "reject"),
        (4, "unit_invalid", "reject"),
        (5, "unit_unknown", "reject"),
        (6, "name_missing", "reject"),
        (7, "staff_id_missing", "reject"),
        (8, "staff_id_duplicate", "reject"),
        (9, "date_invalid", "reject"),
        (10, "active_dates_order", "reject"),
        (11, "kind_missing", "reject"),
    }
    assert result.rows["row"].tolist() == [2]
    assert result.rejects["row"].tolist() == list(range(3, 12))
    reasons = result.problems.set_index("row")
    assert reasons.loc[5, "reason_zh"] == "网格中没有所属单位“370299”"
    assert reasons.loc[5, "reason_en"] == "unit '370299' is not in the grid"
    assert "第2行" in reasons.loc[8, "reason_zh"]
    assert reasons.loc[10, "reason_en"] == (
        "active from 2025-01-01 is not before active to 2024-12-31"
    )
    assert result.n_rows == 10 == len(result.rows) + len(result.rejects)


def test_a_wrong_id_number_is_a_warning_that_drops_it_naming_the_reason(tmp_path):
    bad_date = valid_id("37021119851332123")  # 13th month
    text = HEADER + (
        f"S001,王芳,协管员,370211001,,{GOOD_ID},,,,,\n"
        f"S002,李强,协管员,370211001,,{WRONG_DIGIT},,,,,\n"
        "S003,张三,协管员,370211001,,3702111985031512,,,,,\n"
        f"S004,赵四,协管员,370211001,,{bad_date},,,,,\n"
        "S005,钱五,协管员,370211001,,11010519491231002x,,,,,\n"  # X written small
    )
    result = read_staff(write(tmp_path / "s.csv", text), known_cells=CELLS)
    assert result.rejects.empty  # warnings: every person is kept
    assert by_row(result) == {
        (3, "id_number_check", "warning"),
        (4, "id_number_length", "warning"),
        (5, "id_number_birth_date", "warning"),
    }
    rows = result.rows.set_index("staff_id")
    assert rows.loc["S001", "id_number"] == GOOD_ID
    assert rows.loc["S005", "id_number"] == "11010519491231002X"
    assert rows[["id_number"]].loc[["S002", "S003", "S004"]].isna().all().all()
    problem = result.problems.set_index("row").loc[3]
    assert problem["reason_zh"] == f"身份证号校验码错误(应为{GOOD_ID[-1]})，已舍弃"
    assert WRONG_DIGIT not in problem["reason_zh"] + problem["reason_en"]


def test_home_points_in_any_datum_become_wgs84(tmp_path):
    text = HEADER + (
        "S001,王芳,协管员,370211001,,,120.05,36.05,高德,,\n"
        "S002,李强,协管员,370211001,,,120.05,36.05,,,\n"
        "S003,张三,协管员,370211001,,,121.5,36.05,WGS84,,\n"  # beyond the grid
        "S004,赵四,协管员,370211001,,,120.05,,,,\n"  # half a point
        "S005,钱五,协管员,370211001,,,120.05,36.05,火星人,,\n"
    )
    path = write(tmp_path / "s.csv", text)
    result = read_staff(path, known_cells=CELLS, extent=EXTENT)
    assert by_row(result) == {
        (4, "coord_outside_extent", "warning"),
        (5, "coord_partial", "warning"),
        (6, "crs_unknown", "warning"),
    }
    rows = result.rows.set_index("staff_id")
    lon, lat = to_wgs84(120.05, 36.05, "gcj02")
    assert rows.loc["S001", "home_lon"] == pytest.approx(float(lon), abs=1e-9)
    assert rows.loc["S001", "home_lat"] == pytest.approx(float(lat), abs=1e-9)
    assert rows.loc["S001", "crs"] == "gcj02"
    assert (rows.loc["S002", "home_lon"], rows.loc["S002", "crs"]) == (120.05, "wgs84")
    assert np.isnan(rows.loc[["S003", "S004", "S005"], "home_lon"]).all()
    assert any("--crs" in note for note in result.notes)
    bd = read_staff(path, known_cells=CELLS, extent=EXTENT, default_crs="bd09")
    assert bd.rows.set_index("staff_id").loc["S002", "crs"] == "bd09"


def test_assignment_lists(tmp_path):
    text = (
        "人员编号,网格编码,职责,起始日期,终止日期,姓名\n"
        "S001,370211001001,协管员,2025-01-01,,王芳\n"  # 2
        "S001,370211001,责任监察员,2025/1/1,2025-07-01,王芳\n"  # 3
        "S001,370211001001,assistant,2025-01-01,2025-06-01,王芳\n"  # 4: key of 2
        "S009,370211001001,联络员,2025-01-01,,某某\n"  # 5: nobody
        "S001,370211009999,督导员,2025-01-01,,王芳\n"  # 6: no such cell
        "S001,370211001002,督导员,2025-01-01,2025-01-01,王芳\n"  # 7: empty
        "S001,370211001002,司机,2025-01-01,,王芳\n"  # 8: no such duty
        "S001,370211001002,联络员,,,王芳\n"  # 9: no start
        "S001,37021100100,联络员,2025-01-01,,王芳\n"  # 10: not a code
    )
    path = write(tmp_path / "a.csv", text, "gbk")
    result = read_assignments(path, known_staff={"S001"}, known_cells=CELLS)
    assert by_row(result) == {
        (4, "staff_id_duplicate", "reject"),
        (5, "staff_id_unknown", "reject"),
        (6, "cell_code_unknown", "reject"),
        (7, "valid_dates_order", "reject"),
        (8, "duty_invalid", "reject"),
        (9, "valid_from_missing", "reject"),
        (10, "cell_code_invalid", "reject"),
    }
    rows = result.rows
    assert rows["duty"].tolist() == ["assistant", "responsible"]
    assert [str(d)[:10] for d in rows["valid_from"]] == ["2025-01-01"] * 2
    assert rows["extra"].tolist() == [{"姓名": "王芳"}] * 2
    reasons = result.problems.set_index("row")["reason_zh"]
    assert reasons[5] == "人员名册中没有人员编号“S009”"
    assert reasons[6] == "网格中没有网格编码“370211009999”"
