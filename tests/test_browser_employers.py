"""Drive the employer search and the review queue in headless Chromium.

The app runs as ``streamlit run app.py`` on a fresh database of each backend
holding the demo grid and a small demo registry (fixture
``employer_database``), so resolving a review item here touches no other
test's data.  As in :mod:`test_browser`, every request leaving the app's host
is refused (fixture ``offline_page``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from browser_support import TIMEOUT_MS, Offline

from twonet.db import employer_queries as eq
from twonet.db import review_queries as rq
from twonet.db.engine import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.db]

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="module")
def employer_url(
    employer_database: Callable[[str, Path, Any, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    tmp_dir = tmp_path_factory.mktemp(f"browser-employers-{backend_name}")
    cells = qingdao_demo[0]
    with employer_database(backend_name, tmp_dir, cells, "browser_employers") as url:
        yield url


#: A name written in Markdown; the pages must show it as these characters.
HOSTILE_NAME = "[点击领取补贴](https://example.com) **粗体** $x$ :red[红]"


@pytest.fixture(scope="module")
def hostile(employer_url: str) -> dict[str, Any]:
    """Give two employers :data:`HOSTILE_NAME` before the app starts.

    One waits in the review queue (its second item: the first is placed by
    another test), one has a point on the map.  Returns their USCCs and the
    review item's id.
    """
    from sqlalchemy import update

    from twonet.db.models import Employer

    engine = get_engine(employer_url)
    try:
        item = rq.open_reviews(engine, limit=2).iloc[-1]
        point = eq.employer_points(engine, limit=1).iloc[0]
        usccs = [str(item["uscc"]), str(point["uscc"])]
        with engine.begin() as connection:
            connection.execute(
                update(Employer)
                .where(Employer.uscc.in_(usccs))
                .values(name=HOSTILE_NAME)
            )
    finally:
        engine.dispose()
    return {"item": int(item["id"]), "usccs": usccs}


@pytest.fixture(scope="module")
def marked(employer_url: str) -> dict[str, str]:
    """Give one employer with a point a red warning and grade C last year.

    Three violations last year (grade C), an open wage-arrears case of 2.5
    months found on 1 January this year (red warning).  Returns its USCC and
    name.
    """
    import datetime as dt

    from record_rows import insert_rows, violation_row

    from twonet.db.models import Violation

    year = dt.date.today().year
    engine = get_engine(employer_url)
    try:
        point = eq.employer_points(engine, limit=3).iloc[2]
        uscc = str(point["uscc"])
        rows = [
            violation_row(f"B{m}", uscc, "no_contract", f"{year - 1}-0{m}-01")
            for m in (3, 4, 5)
        ]
        arrears = violation_row("B9", uscc, "wage_arrears", f"{year}-01-01")
        rows.append({**arrears, "arrears_months": 2.5})
        with engine.begin() as connection:
            insert_rows(connection, Violation, rows)
    finally:
        engine.dispose()
    return {"uscc": uscc, "name": str(point["name"])}


@pytest.fixture(scope="module")
def app_url(
    employer_url: str,
    hostile: dict[str, Any],
    marked: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    with serve_app(employer_url, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture()
def page(
    app_url: str,
    offline_page: Callable[..., AbstractContextManager[tuple[Any, Offline]]],
) -> Iterator[tuple[Any, Offline]]:
    with offline_page(
        app_url,
        timeout_ms=TIMEOUT_MS,
        viewport={"width": 1400, "height": 1600},
        accept_downloads=True,
    ) as (tab, offline):
        yield tab, offline


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
    page: tuple[Any, Offline], app_url: str, employer_url: str, tmp_path: Path
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
    # the cell's name beside its code
    assert "乡级网格,乡级网格名称" in lines[0]
    assert all(f",{code},{name}," in line for line in lines[1:])
    assert offline.refused_assets == []


def test_place_a_review_item_on_its_first_candidate(
    page: tuple[Any, Offline], app_url: str, employer_url: str, tmp_path: Path
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
    # the queue's picker moves on to the next item (it may redraw after the count)
    picker = tab.get_by_label("当前事项")
    tab.wait_for_function(
        "([el, done]) => el.value.startsWith('#') && !el.value.startsWith(done)",
        arg=[picker.element_handle(), f"#{first['id']} "],
    )
    tab.screenshot(path=tmp_path / "review-after.png", full_page=True)
    engine = get_engine(employer_url)
    try:
        still_open = set(rq.open_reviews(engine, limit=None)["id"])
    finally:
        engine.dispose()
    assert int(first["id"]) not in still_open
    assert offline.refused_assets == []


_POPUPS = """() => {
    const found = [];
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (!map) { continue; }
        map.eachLayer(layer => {
            if (!layer.getPopup || !layer.getPopup()) { return; }
            layer.openPopup();
            const popup = layer.getPopup().getElement();
            const content = popup && popup.querySelector('.leaflet-popup-content');
            found.push(content ? content.innerHTML : '');
            layer.closePopup();
        });
    }
    return found.length ? found : null;
}"""


def _no_markup_from(tab: Any, scope: str) -> None:
    """Fail if Markdown in outside text became a link, bold, LaTeX or colour."""
    assert tab.locator('a[href*="example.com"]').count() == 0
    inside = f"{scope} [data-testid=stMarkdownContainer]"
    for made in ("strong", "em", ".katex", ".stMarkdownColoredText"):
        assert tab.locator(f"{inside} {made}", has_text="粗体").count() == 0, made
        assert tab.locator(f"{inside} {made}", has_text="红").count() == 0, made
    assert tab.locator(".katex").count() == 0


def test_markdown_in_a_name_shows_as_text_on_the_review_page(
    page: tuple[Any, Offline], app_url: str, hostile: dict[str, Any], tmp_path: Path
) -> None:
    tab, offline = page
    tab.goto(f"{app_url}/review")
    tab.get_by_text(re.compile(r"待复核 [\d,]+ 项")).wait_for()
    _choose(tab, "当前事项", f"#{hostile['item']} ", typed=True)
    title = tab.locator("[data-heading-text]", has_text="点击领取补贴")
    title.wait_for()
    tab.locator(".st-key-candidate_1").wait_for()
    tab.screenshot(path=tmp_path / "review-hostile.png", full_page=True)
    assert title.inner_text().replace("\u2060", "") == HOSTILE_NAME
    _no_markup_from(tab, "[data-testid=stMain]")
    assert offline.refused_assets == []


def test_markdown_in_a_name_shows_as_text_on_the_search_page(
    page: tuple[Any, Offline], app_url: str, hostile: dict[str, Any], tmp_path: Path
) -> None:
    tab, offline = page
    tab.goto(f"{app_url}/employers")
    tab.get_by_text(re.compile(r"共 [\d,]+ 家用人单位")).wait_for()
    text = tab.get_by_role("textbox", name="关键词")
    text.fill("点击领取补贴")
    text.press("Enter")
    tab.get_by_text(f"共 {len(hostile['usccs'])} 家用人单位").wait_for()
    popups = tab.wait_for_function(_POPUPS, timeout=TIMEOUT_MS).json_value()
    tab.screenshot(path=tmp_path / "search-hostile.png", full_page=True)
    assert [p for p in popups if "点击领取补贴" in p]
    for popup in popups:
        assert "<a" not in popup and "<strong" not in popup and "<b>" not in popup
        assert "[点击领取补贴](https://example.com) **粗体** $x$ :red[红]" in popup
    _no_markup_from(tab, "[data-testid=stMain]")
    assert offline.refused_assets == []


_RINGS = """() => {
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (!map) { continue; }
        const rings = [];
        map.eachLayer(layer => {
            const o = layer.options || {};
            if (o.fill === false && o.interactive === false && o.radius) {
                rings.push([o.color, o.dashArray || ""]);
            }
        });
        if (rings.length) { return rings; }
    }
    return null;
}"""


def test_a_warned_employer_is_ringed_on_the_map_and_carded(
    page: tuple[Any, Offline], app_url: str, marked: dict[str, str], tmp_path: Path
) -> None:
    from maps.employer_standing import GRADE_C_COLOUR, WARNING_COLOURS

    tab, offline = page
    tab.goto(f"{app_url}/employers")
    tab.get_by_text(re.compile(r"共 [\d,]+ 家用人单位")).wait_for()
    text = tab.get_by_role("textbox", name="关键词")
    text.fill(marked["uscc"])
    text.press("Enter")
    tab.get_by_text("共 1 家用人单位").wait_for()
    rings = tab.wait_for_function(_RINGS, timeout=TIMEOUT_MS).json_value()
    assert sorted(rings) == sorted(
        [[WARNING_COLOURS["red"], ""], [GRADE_C_COLOUR, "3 3"]]
    )
    popups = tab.wait_for_function(_POPUPS, timeout=TIMEOUT_MS).json_value()
    assert any("红色预警（欠薪 2.5 个月）" in p for p in popups)
    legend = tab.frame_locator(MAP_FRAME).locator(".leaflet-control.tn-legend")
    legend.get_by_text("红色预警（外圈）").wait_for()  # the legend, on the map
    _choose(tab, "查看单位", marked["uscc"], typed=True)
    tab.get_by_text("红色预警：欠薪 2.5 个月，未结欠薪案件 1 件").wait_for()
    tab.get_by_text("C级（不良）：年内查处违法 3 次").wait_for()
    tab.screenshot(path=tmp_path / "search-marked.png", full_page=True)
    assert offline.refused_assets == []
