"""The 导入记录 / import history page on a real import, both backends (AppTest).

The database holds the demo grid and the small demo registry, imported as
``twonet demo`` does (fixture ``employer_database``): one run per county
file.  The page must list every run with its counts, in English when the
UI is English, and offer the downloads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from twonet.db import import_runs
from twonet.db.engine import ENV_VAR, get_engine

pytestmark = pytest.mark.db

TIMEOUT = 120


@pytest.fixture(scope="module")
def imports_url(
    employer_database: Callable[[str, Path, Any, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    tmp_dir = tmp_path_factory.mktemp(f"imports-{backend_name}")
    with employer_database(backend_name, tmp_dir, qingdao_demo[0], "imports") as url:
        yield url


def _page(url: str, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    monkeypatch.setenv(ENV_VAR, url)
    at = AppTest.from_string(
        "from maps.pages import imports\nimports.render()\n", default_timeout=TIMEOUT
    )
    at.session_state["lang"] = lang
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_lists_every_import_run_with_its_counts(
    imports_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    engine = get_engine(imports_url)
    try:
        runs = import_runs.import_history(engine)
        newest = import_runs.run_problems(engine, int(runs["id"].iloc[0]))
    finally:
        engine.dispose()
    assert len(runs) and (runs["kind"] == "employers").all()
    assert runs["problems"].sum() > 0  # the demo registry plants defects

    at = _page(imports_url, monkeypatch, lang).run()
    assert not at.exception
    english = lang == "en"
    assert at.title[0].value == ("Import history" if english else "导入记录")
    heading = f"Import runs ({len(runs)})" if english else f"导入记录（{len(runs)} 次）"
    assert at.subheader[0].value == heading
    table = at.dataframe[0].value
    kind = "Table" if english else "导入内容"
    assert set(table[kind]) == {"employers" if english else "用人单位"}
    read = "Rows read" if english else "读取行数"
    assert table[read].astype(int).sum() == runs["read"].sum()
    labels = [b.label for b in at.download_button]
    xlsx, csv = (
        ("Download XLSX", "Download CSV") if english else ("下载 XLSX", "下载 CSV")
    )
    assert labels[:2] == [xlsx, csv]
    if len(newest):  # the newest run's problem rows, reasons in the language
        problems = at.dataframe[1].value
        reason = "Reason" if english else "原因"
        wanted = newest["reason_en" if english else "reason_zh"]
        assert problems[reason].tolist() == wanted.tolist()
