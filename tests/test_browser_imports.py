"""Drive the 导入记录 / import history page in headless Chromium, both backends.

The app runs on a fresh database of each backend holding the synthetic grid,
the small history of :func:`record_rows.fill_small_history`, one employer
placed in no cell, and two import runs: an older refused file and the newest
run, with two rejected rows and one warned row.  The page must list both
runs, show the newest run's problem rows with their reasons, offer XLSX and
CSV downloads of each table (the problem-row CSV holds the reasons), and
list the unplaced employer.  Every request leaving the app's host is
refused (fixture ``offline_page``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from browser_support import SCREENSHOTS, Offline
from record_rows import employer_row, fill_small_history

from twonet.db import import_runs
from twonet.db.engine import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.db]

UNPLACED_NAME = "无处安放的单位"


def _fill(connection: Any, cells: gpd.GeoDataFrame) -> int:
    """Store the history, an unplaced employer and two runs; return the newest."""
    from sqlalchemy import insert

    from twonet.db.models import Employer

    fill_small_history(connection, cells)
    row = employer_row(5, "370211001001", lon=None)
    row.update(
        name=UNPLACED_NAME,
        method="none",
        city_code=None,
        county_code=None,
        township_code=None,
        village_code=None,
    )
    connection.execute(insert(Employer), [row])
    import_runs.refuse_file(
        connection,
        kind="staff",
        source_name="/tmp/坏文件.xlsx",
        error=ValueError("表头缺少“姓名”"),
    )
    run = import_runs.begin_run(
        connection,
        kind="employers",
        source_name="/tmp/黄岛区用人单位.csv",
    )
    problems = pd.DataFrame(
        {
            "row": [3, 4, 7],
            "column_name": ["统一社会信用代码", "统一社会信用代码", "职工人数"],
            "value": ["91X", "91Y", "-1"],
            "severity": ["reject", "reject", "warning"],
            "reason_zh": [
                "统一社会信用代码校验位错误",
                "统一社会信用代码校验位错误",
                "职工人数不合理",
            ],
            "reason_en": [
                "bad USCC check digit",
                "bad USCC check digit",
                "implausible staff",
            ],
        }
    )
    import_runs.store_problems(connection, run, problems)
    import_runs.end_run(
        connection,
        run,
        outcome="succeeded",
        counts={"read": 12, "accepted": 10, "rejected": 2, "warned": 1},
    )
    return run


@pytest.fixture(scope="module")
def imports_db(
    backend_name: str,
    migrated_database: Callable[[str, str], AbstractContextManager[str]],
    synthetic_cells: gpd.GeoDataFrame,
) -> Iterator[tuple[str, int]]:
    with migrated_database(backend_name, "browser_imports") as url:
        engine = get_engine(url)
        try:
            with engine.begin() as connection:
                run = _fill(connection, synthetic_cells.copy())
        finally:
            engine.dispose()
        yield url, run


@pytest.fixture(scope="module")
def app_url(
    imports_db: tuple[str, int],
    tmp_path_factory: pytest.TempPathFactory,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve_app(imports_db[0], tmp_path_factory.mktemp("streamlit")) as url:
        yield url


def _download(tab: Any, key: str, fmt: str) -> bytes:
    """Click the ``fmt`` download button of table ``key``; return the file."""
    box = tab.locator(f".st-key-{key}_downloads")
    button = box.get_by_role("button", name=f"下载 {fmt.upper()}")
    button.wait_for()
    with tab.expect_download() as event:
        button.click()
    assert event.value.suggested_filename.endswith(f".{fmt}")
    return Path(event.value.path()).read_bytes()


def test_import_history_lists_runs_rejects_and_the_unplaced(
    page: tuple[Any, Offline], app_url: str, imports_db: tuple[str, int]
) -> None:
    tab, offline = page
    url, run = imports_db
    tab.goto(f"{app_url}/imports")
    tab.get_by_role("heading", name="导入记录（2 次）").wait_for()
    # the newest run is chosen: its problem rows, with reasons
    tab.get_by_text(f"第 {run} 次导入的问题行（3 行）").wait_for()
    picker = tab.get_by_label("选择导入记录")
    assert "黄岛区用人单位.csv" in picker.input_value()
    # the runs table: file names and outcomes in Chinese
    runs_csv = _download(tab, "imports_runs", "csv")
    assert runs_csv.startswith(b"\xef\xbb\xbf")
    runs_text = runs_csv.decode("utf-8-sig")
    assert runs_text.splitlines()[0].startswith("编号,导入内容,文件,开始时间")
    assert "用人单位,黄岛区用人单位.csv" in runs_text
    assert "人员名册,坏文件.xlsx" in runs_text and "拒收" in runs_text
    # the problem rows: downloadable with the reasons, XLSX and CSV
    problems_csv = _download(tab, "imports_problems", "csv").decode("utf-8-sig")
    lines = problems_csv.strip().splitlines()
    assert lines[0] == "行号,处理,列,值,原因"
    assert lines[1] == "3,拒收,统一社会信用代码,91X,统一社会信用代码校验位错误"
    # "-1" would run as a formula in a spreadsheet: written as text
    assert lines[3] == "7,警告,职工人数,'-1,职工人数不合理"
    book = openpyxl.load_workbook(
        io.BytesIO(_download(tab, "imports_problems", "xlsx"))
    )
    sheet = book.active
    assert [c.value for c in sheet[1]] == ["行号", "处理", "列", "值", "原因"]
    assert sheet["E2"].value == "统一社会信用代码校验位错误"
    # the unplaced employer, downloadable
    tab.get_by_role("heading", name="未定位的用人单位（1 家）").wait_for()
    unplaced = _download(tab, "imports_unplaced", "csv").decode("utf-8-sig")
    assert UNPLACED_NAME in unplaced and "未定位" in unplaced
    backend = "postgis" if url.startswith("postgresql") else "spatialite"
    tab.screenshot(path=SCREENSHOTS / f"imports-{backend}.png")
    # the older run has no problem rows: said so
    picker.click()
    tab.get_by_role("option", name=re.compile("坏文件")).click()
    tab.get_by_text("这次导入没有被拒收或有警告的行。").wait_for()
    tab.get_by_text("错误：表头缺少“姓名”").wait_for()
    assert offline.refused_assets == []
