"""Every page at 1440×900 in headless Chromium: Chinese, legible maps, URL views.

The app runs as ``streamlit run app.py`` on a database of each backend that
holds what ``twonet demo`` builds, only smaller: the Qingdao demo grid, a
demo registry of 1,500 employers, the demo roster and
three years of demo records, and an administrator account.  The test logs
in (so the 人员分配 page shows its content, not only the login hint), then
opens every page from the sidebar, waits for it to render, saves a
screenshot to ``build/screenshots/<backend>-<page>.png`` and scans the
page's visible text, the maps' frames included, for English words outside
codes and names (:func:`browser_support.english_words`).  Streamlit's
Deploy button and main menu must be hidden (``.streamlit/config.toml``).
Every map frame has its legend on the map, a metric scale and the data
credits without Leaflet's prefix; every page opens on the view its URL names
and keeps it through a reload.
As in :mod:`test_browser`, every request leaving the app's host is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from browser_support import TIMEOUT_MS, Offline, english_words, screenshot_path

from twonet.db.engine import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.db]

ADMIN = "zh_admin"
PASSWORD = "zh-admin-test-password"
#: A text each known page shows once it has rendered its content, by the
#: title the sidebar gives it.  Every page of the sidebar is visited, these
#: and any added later (which only wait for the script to finish).  Pages
#: are opened through the sidebar, not by URL: a new URL is a new session,
#: and the login would be lost.
READY = {
    "网格地图": "当前位置",
    "用人单位查询": "结果地图",
    "待复核": "待复核队列",
    "人员分配": "按人员配备状态着色",
    "覆盖缺口": "覆盖缺口清单",
    "违法热点": "显著热点",
}

#: The page's visible text: icons (Material ligatures such as
#: ``keyboard_arrow_right``, drawn in the icon font), inline code (commands,
#: file names), hidden text and the keyboard-only skip link are left out;
#: same-origin frames (the maps) are read too.
_VISIBLE_TEXT = """() => {
    const skip = '[data-testid="stIconMaterial"], code, '
        + '[data-testid="stSkipToContent"]';
    const read = doc => {
        const parts = [];
        const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const parent = node.parentElement;
            if (!parent || parent.closest(skip)) { continue; }
            if (!parent.checkVisibility({visibilityProperty: true})) { continue; }
            const font = getComputedStyle(parent).fontFamily;
            if (font.includes('Material Symbols')) { continue; }  // an icon
            parts.push(node.textContent);
        }
        return parts.join(' ');
    };
    const texts = [read(document)];
    for (const frame of document.querySelectorAll('iframe')) {
        try {
            if (frame.contentDocument && frame.contentDocument.body) {
                texts.push(read(frame.contentDocument));
            }
        } catch (error) { /* another origin: not ours to read */ }
    }
    return texts.join('\\n');
}"""


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def demo_url(
    migrated_database: Callable[[str, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[str]:
    """A database like ``twonet demo`` builds, small, with an administrator."""
    from ingest.demo_registry import generate_registry, write_registry
    from ingest.demo_roster import generate_roster, write_roster
    from twonet import accounts
    from twonet.db import repository
    from twonet.db.staffing_queries import employer_load
    from twonet.demo_history import import_demo_history
    from twonet.employer_import import GridContext, import_registry, load_gazetteer
    from twonet.staff_import import import_assignments, import_staff

    tmp_dir = tmp_path_factory.mktemp(f"browser-chinese-{backend_name}")
    cells = qingdao_demo[0]
    with migrated_database(backend_name, "browser_chinese") as url:
        engine = get_engine(url)
        try:
            repository.save_cells(engine, cells)
            registry = generate_registry(cells, n=1500, seed=7)
            folder = tmp_dir / "registry"
            gazetteer = load_gazetteer()
            grid = GridContext.from_database(engine)
            for file in write_registry(registry, folder):
                if file.parent == folder:
                    import_registry(engine, file, gazetteer=gazetteer, grid=grid)
            roster = generate_roster(cells, load=employer_load(engine))
            files = write_roster(roster, tmp_dir / "roster")
            import_staff(engine, files["staff"])
            import_assignments(engine, files["assignments"], actor="demo")
            import_demo_history(engine, cells, registry, roster, tmp_dir / "records")
            accounts.add_user(engine, ADMIN, PASSWORD, "admin", "370200")
        finally:
            engine.dispose()
        yield url


@pytest.fixture(scope="module")
def app_url(
    demo_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    with serve_app(demo_url, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


# ------------------------------------------------------------------- helpers
def _log_in(tab: Any, app_url: str) -> None:
    tab.goto(f"{app_url}/assignments")
    tab.get_by_text("人员与分配信息需登录后查看").wait_for()
    form = tab.locator("[data-testid=stForm]")
    form.get_by_label("用户名").fill(ADMIN)
    form.get_by_label("密码").fill(PASSWORD)
    form.get_by_role("button", name="登录").click()
    tab.get_by_role("button", name="退出登录").wait_for()


def _settle(tab: Any, text: str | None) -> None:
    """Wait until the page shows ``text``, has stopped running, maps drawn."""
    if text is not None:
        main = tab.locator('[data-testid="stMain"]')
        main.get_by_text(text).first.wait_for()
    else:
        tab.wait_for_timeout(1000)  # let the new page's run start
    tab.wait_for_function(_SETTLED, timeout=TIMEOUT_MS)
    tab.wait_for_timeout(1000)  # a rerun the last click may have queued
    tab.wait_for_function(_SETTLED, timeout=TIMEOUT_MS)


#: The script has finished, no element is a placeholder any more, and every
#: map frame has drawn its map (Leaflet's attribution control is there).
_SETTLED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== 'notRunning') { return false; }
    if (document.querySelector('[data-testid="stSkeleton"]')) { return false; }
    const maps = [...document.querySelectorAll('iframe[title*="st_folium"]')];
    return maps.every(f => {
        const doc = f.contentDocument;
        return doc && doc.querySelector('.leaflet-control-attribution');
    });
}"""


#: Per map frame: a legend inside a Leaflet control, the scale bar's text
#: (one line, metric) and the attribution's text.
_MAP_CHROME = """() => [...document.querySelectorAll('iframe[title*="st_folium"]')]
    .map(f => f.contentDocument)
    .filter(doc => doc && doc.querySelector('.leaflet-container'))
    .map(doc => ({
        legend: !!doc.querySelector('.leaflet-container .leaflet-control.tn-legend'),
        scale: [...doc.querySelectorAll('.leaflet-control-scale-line')]
            .map(e => e.textContent.trim()).join(' | '),
        credit: (doc.querySelector('.leaflet-control-attribution') || {})
            .textContent || '',
    }))"""
#: Pages that show a map once they have rendered (URL path; "grid-map" is "/").
MAP_PAGES = {"grid-map", "employers", "assignments", "coverage", "hotspots"}


# --------------------------------------------------------------------- tests
def test_every_page_is_chinese_without_developer_chrome(
    page: tuple[Any, Offline], app_url: str, backend_name: str
) -> None:
    tab, _ = page
    _log_in(tab, app_url)
    english: dict[str, list[str]] = {}
    chrome: dict[str, list[dict[str, Any]]] = {}
    nav = tab.get_by_test_id("stSidebarNav")
    # a link's text is its icon's name (a ligature), then its title
    links = nav.get_by_role("link").all_inner_texts()
    titles = [str(text).strip().splitlines()[-1].strip() for text in links]
    assert set(READY) <= set(titles), titles
    for title in titles:
        nav.get_by_role("link", name=title).click()
        _settle(tab, READY.get(title))
        path = tab.url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        name = "grid-map" if ":" in path else path  # the default page is "/"
        tab.screenshot(path=str(screenshot_path(backend_name, name)))
        assert tab.get_by_test_id("stAppDeployButton").count() == 0, name
        assert tab.get_by_test_id("stMainMenu").count() == 0, name
        # the login name is data the user typed, not interface text
        found = english_words(tab.evaluate(_VISIBLE_TEXT).replace(ADMIN, ""))
        if found:
            english[name] = found
        chrome[name] = tab.evaluate(_MAP_CHROME)
    assert not english, "English on the Chinese pages:\n" + "\n".join(
        f"{name}: {word}" for name, words in english.items() for word in words
    )
    # every map reads at a glance: its legend on the map, a metric scale,
    # the data credits without Leaflet's prefix
    assert {name for name, maps in chrome.items() if maps} >= MAP_PAGES, chrome
    for name, maps in chrome.items():
        for drawn in maps:
            assert drawn["legend"], (name, drawn)
            assert re.fullmatch(r"\d+ k?m", drawn["scale"]), (name, drawn)
            assert "Leaflet" not in drawn["credit"], (name, drawn)
            assert "OpenStreetMap" in drawn["credit"], (name, drawn)


def test_dropdowns_speak_chinese_and_find_industries_by_name(
    page: tuple[Any, Offline], app_url: str
) -> None:
    tab, _ = page
    tab.goto(f"{app_url}/employers")
    _settle(tab, "结果地图")
    filters = tab.locator(".st-key-emp_filters")
    # the industry picker finds a division by (part of) its name
    industry = filters.get_by_test_id("stSelectbox").filter(has_text="行业")
    industry.locator("input").click()
    tab.keyboard.type("农副")
    listbox = tab.get_by_role("listbox")
    listbox.get_by_role("option", name="C13 农副食品加工业").wait_for()
    # nothing matches: Streamlit's "No results" is replaced, not shown
    tab.keyboard.type("不存在的行业")
    empty = listbox.locator('[role="option"]').first
    empty.wait_for(state="attached")
    assert "No results" not in listbox.inner_text()  # hidden, as rendered
    content = empty.evaluate(
        "o => getComputedStyle(o.querySelector('span'), '::after').content"
    )
    assert content == '"无匹配项"'
    tab.keyboard.press("Escape")
    # the flags multiselect offers no English "Select all" row
    filters.get_by_test_id("stMultiSelect").click()
    options = tab.get_by_role("listbox").get_by_role("option")
    options.first.wait_for()
    texts = options.all_inner_texts()
    assert texts and not [t for t in texts if english_words(t)]


#: One view per page given by its URL: (path, query, the selector's label,
#: what it must show).  The 人员分配 page needs a login, which a new URL (a
#: new session) does not have; its parameters are those of the grid map.
URL_VIEWS = [
    ("", "level=township", "显示层级", "乡镇/街道"),
    ("employers", "level=county", "网格层级", "县/区"),
    ("coverage", "level=county", "分析层级", "县/区"),
    ("hotspots", "level=county", "分析层级", "县/区"),
    ("imports", "run=1", "选择导入记录", "#1 "),
]


@pytest.mark.parametrize(("path", "query", "label", "shown"), URL_VIEWS)
def test_a_page_opens_on_the_view_its_url_names_and_keeps_it(
    page: tuple[Any, Offline],
    app_url: str,
    path: str,
    query: str,
    label: str,
    shown: str,
) -> None:
    tab, _ = page
    tab.goto(f"{app_url}/{path}?{query}")
    for _ in range(2):  # as opened, then after a reload
        _settle(tab, None)
        chosen = tab.get_by_label(label, exact=True).input_value()
        assert shown in chosen, (path, query, chosen)
        assert query in tab.url  # a value that is not the default stays
        tab.reload()
