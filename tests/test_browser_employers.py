"""Drive the employer search and the review queue in headless Chromium.

The app runs as ``streamlit run app.py`` on a fresh database of each backend
holding the demo grid and a small demo registry
(:func:`test_employer_pages.employer_database`), so resolving a review item
here touches no other test's data.  As in :mod:`test_browser`, every request
leaving the app's host is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    _Offline,
    serve_app,
)
from test_employer_pages import employer_database

from twonet.db import employer_queries as eq
from twonet.db import review_queries as rq
from twonet.db.engine import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.db]


@pytest.fixture(scope="module")
def employer_url(
    request: pytest.FixtureRequest,
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    tmp_dir = tmp_path_factory.mktemp(f"browser-employers-{backend_name}")
    yield from employer_database(
        request, backend_name, tmp_dir, qingdao_demo[0], "browser_employers"
    )


@pytest.fixture(scope="module")
def app_url(
    employer_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    with serve_app(employer_url, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture()
def page(app_url: str) -> Iterator[tuple[Any, _Offline]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            tab = browser.new_page(
                viewport={"width": 1400, "height": 1600}, accept_downloads=True
            )
            tab.set_default_timeout(TIMEOUT_MS)
            offline = _Offline()
            tab.route(lambda u: not u.startswith(app_url), offline)
            yield tab, offline
        finally:
            browser.close()


def _choose(tab: Any, label: str, option: str, *, typed: bool = False) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    tab.get_by_label(label, exact=True).click()
    if typed:  # long lists: filter by typing, take the first match
        tab.keyboard.type(option)
        tab.get_by_role("option", name=re.compile(re.escape(option))).first.click()
    else:
        tab.get_by_role("option", name=option, exact=True).click()


def _township(url: str) -> tuple[str, str, int]:
    """Return code, name and employer count of a township with employers."""
    engine = get_engine(url)
    try:
        counts = eq.cell_counts(engine, level="township", parent_code="370211")
        town = counts.sort_values("employers", ascending=False).iloc[0]
        directory = eq.cell_directory(engine)
    finally:
        engine.dispose()
    name = directory.set_index("code").loc[town["code"], "name"]
    return str(town["code"]), str(name), int(town["employers"])


def test_search_by_township_and_download(
    page: tuple[Any, _Offline], app_url: str, employer_url: str, tmp_path: Path
) -> None:
    tab, offline = page
    code, name, n = _township(employer_url)
    tab.goto(f"{app_url}/employers")
    tab.get_by_text(re.compile(r"共 [\d,]+ 家用人单位")).wait_for()
    _choose(tab, "网格层级", "乡镇/街道")
    _choose(tab, "网格", f"{name} · ", typed=True)
    tab.get_by_text(f"共 {n:,} 家用人单位").wait_for()
    # rows in the table, points on the map, and the download button
    tab.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stDataFrame] [role=row]')"
        ".length > n",
        arg=min(n, 10),
    )
    tab.get_by_text(re.compile(r"逐家显示 \d+ 个单位点位")).wait_for()
    download = tab.get_by_role("button", name=re.compile(r"下载 CSV"))
    download.wait_for()
    tab.screenshot(path=tmp_path / "search.png", full_page=True)
    with tab.expect_download() as event:
        download.click()
    text = Path(event.value.path()).read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("统一社会信用代码,单位名称")
    assert len(lines) == n + 1
    assert all(f",{code}," in line for line in lines[1:])
    assert offline.refused_assets == []


def test_place_a_review_item_on_its_first_candidate(
    page: tuple[Any, _Offline], app_url: str, employer_url: str, tmp_path: Path
) -> None:
    tab, offline = page
    engine = get_engine(employer_url)
    try:
        before = sum(rq.review_reason_counts(engine).values())
        first = rq.open_reviews(engine, limit=1).iloc[0]
    finally:
        engine.dispose()
    tab.goto(f"{app_url}/review")
    tab.get_by_text(f"待复核 {before:,} 项").wait_for()
    reviewer = tab.get_by_label("复核人")
    reviewer.fill("张三")
    reviewer.press("Enter")
    card = tab.locator(".st-key-candidate_1")
    card.wait_for()
    tab.screenshot(path=tmp_path / "review-before.png", full_page=True)
    chooser = card.locator("[data-testid=stSelectbox]")
    if chooser.count():  # a township: choose its first village
        chooser.click()
        tab.get_by_role("option").first.click()
    place = card.get_by_role("button", name="定位到此")
    place.wait_for()
    tab.wait_for_function(  # enabled once the village pick has rerun the page
        "b => !b.disabled", arg=place.element_handle()
    )
    place.click()
    tab.get_by_text(f"待复核 {before - 1:,} 项").wait_for()
    success = tab.locator("[data-testid=stAlertContentSuccess]")
    assert str(first["name"]) in success.inner_text()
    current = tab.get_by_label("当前事项").input_value()
    assert current.startswith("#") and not current.startswith(f"#{first['id']} ")
    tab.screenshot(path=tmp_path / "review-after.png", full_page=True)
    engine = get_engine(employer_url)
    try:
        still_open = set(rq.open_reviews(engine, limit=None)["id"])
    finally:
        engine.dispose()
    assert int(first["id"]) not in still_open
    assert offline.refused_assets == []
