"""Drive the 人员分配 page in headless Chromium: log in, reassign, undo, conflict.

The app runs as ``streamlit run app.py`` on a fresh database of each backend
holding the demo grid, a small demo registry (fixture ``employer_database``)
and the demo roster imported through the real staff and assignment
importers, with four accounts of known passwords.  On PostGIS the page
connects as each user's own login role, so what a coordinator cannot see
is withheld by the database itself.  As in :mod:`test_browser`, every
request leaving the app's host is refused (fixture ``offline_page``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
import shapely
from browser_support import SCREENSHOTS, TIMEOUT_MS, Offline

from twonet import accounts, changes
from twonet.db.assignment_store import assignments_as_of
from twonet.db.engine import get_engine

pytestmark = [pytest.mark.browser, pytest.mark.db]

COUNTY = "370211"
#: username → (role, jurisdiction: "county", "town" or "other town")
ACCOUNTS = {
    "mgr_a": ("manager", "county"),
    "mgr_b": ("manager", "town"),
    "coord_b": ("coordinator", "other town"),
}


def _password(username: str) -> str:
    return f"{username}-test-password"


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def staffed(
    employer_database: Callable[[str, Path, Any, str], AbstractContextManager[str]],
    backend_name: str,
    tmp_path_factory: pytest.TempPathFactory,
    qingdao_demo: tuple[Any, Any, float],
) -> Iterator[dict[str, Any]]:
    """The demo grid, registry and roster, the accounts, and the places used.

    ``town``: a township of 黄岛区 whose first four villages each have two
    assistants of their own (``villages``, ``assistants`` by village) and a
    responsible inspector; ``other``: another township of the county.
    """
    from ingest.demo_roster import generate_roster, write_roster
    from twonet.db.staffing_queries import employer_load
    from twonet.staff_import import import_assignments, import_staff

    tmp_dir = tmp_path_factory.mktemp(f"browser-assignments-{backend_name}")
    cells = qingdao_demo[0]
    with employer_database(backend_name, tmp_dir, cells, "browser_assign") as url:
        engine = get_engine(url)
        try:
            roster = generate_roster(cells, load=employer_load(engine))
            files = write_roster(roster, tmp_dir / "roster")
            import_staff(engine, files["staff"])
            import_assignments(engine, files["assignments"], actor="demo")
            places = _places(engine, cells)
            where = {
                "county": COUNTY,
                "town": places["town"],
                "other town": places["other"],
            }
            for name, (role, place) in ACCOUNTS.items():
                accounts.add_user(engine, name, _password(name), role, where[place])
        finally:
            engine.dispose()
        yield {"url": url, **places}


def _places(engine: Any, cells: Any) -> dict[str, Any]:
    jobs = assignments_as_of(engine)
    helpers = jobs[jobs["duty"] == "assistant"]
    per_person = helpers.groupby("staff_id")["cell_code"].nunique()
    single = set(per_person[per_person == 1].index)
    responsible = set(jobs.loc[jobs["duty"] == "responsible", "cell_code"])
    towns = sorted(
        cells.loc[
            (cells["level"] == "township") & (cells["parent_code"] == COUNTY), "code"
        ]
    )
    for town in towns:
        villages = sorted(
            cells.loc[(cells["parent_code"] == town) & cells.geometry.notna(), "code"]
        )
        good = []
        for village in villages:
            here = helpers[helpers["cell_code"] == village]["staff_id"]
            if len(here) == 2 and set(here) <= single:
                good.append(village)
        if town in responsible and len(good) >= 4:
            other = next(t for t in towns if t != town)
            theirs = helpers[helpers["cell_code"].str.startswith(other)]
            assistants = {
                v: sorted(helpers.loc[helpers["cell_code"] == v, "staff_id"])
                for v in good[:4]
            }
            geometry = cells.set_index("code").geometry
            point = shapely.get_point(
                shapely.maximum_inscribed_circle(geometry[town]), 0
            )
            return {
                "town": town,
                "other": other,
                "other_person": str(theirs["staff_id"].iloc[0]),
                "villages": good[:4],
                "assistants": assistants,
                "town_point": (point.x, point.y),
            }
    msg = "no township of 黄岛区 with four fully staffed villages"
    raise AssertionError(msg)


@pytest.fixture(scope="module")
def app_url(
    staffed: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
    serve_app: Callable[[str, Path], AbstractContextManager[str]],
) -> Iterator[str]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with serve_app(staffed["url"], tmp_path_factory.mktemp("streamlit")) as url:
        yield url


# ------------------------------------------------------------------- helpers
def _log_in(tab: Any, app_url: str, username: str) -> None:
    tab.goto(f"{app_url}/assignments")
    tab.get_by_text("人员与分配信息需登录后查看").wait_for()
    form = tab.locator("[data-testid=stForm]")
    form.get_by_label("用户名").fill(username)
    form.get_by_label("密码").fill(_password(username))
    form.get_by_role("button", name="登录").click()
    tab.get_by_role("button", name="退出登录").wait_for()


#: The app's script has finished its run (no rerun is redrawing the page).
_IDLE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return app && app.dataset.testScriptState === 'notRunning';
}"""


def _choose(tab: Any, scope: str, label: str, option: str) -> None:
    """Pick the option containing ``option`` in a selectbox of ``scope``.

    The list is opened once the app has finished its run; if a rerun still
    redraws it under the pointer (the option never holds still), it is
    closed and opened again, once.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        tab.wait_for_function(_IDLE)
        tab.locator(scope).get_by_label(label, exact=True).click()
        tab.keyboard.type(option)
        choice = tab.get_by_role("option", name=re.compile(re.escape(option)))
        try:
            choice.first.click(timeout=TIMEOUT_MS / 4)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            tab.keyboard.press("Escape")


def _options(tab: Any, scope: str, label: str, typed: str) -> list[str]:
    """Return the options of a selectbox of ``scope`` holding ``typed``.

    Streamlit matches what is typed loosely; only options containing it
    count.
    """
    tab.locator(scope).get_by_label(label, exact=True).click()
    tab.keyboard.type(typed)
    tab.get_by_role("listbox").wait_for()
    tab.wait_for_timeout(500)  # the options filtered by what was typed
    found = [str(o) for o in tab.get_by_role("option").all_inner_texts()]
    tab.keyboard.press("Escape")
    return [o for o in found if typed in o]


def _wait_panel(tab: Any, *texts: str) -> None:
    """Wait until the cell and person panels show every text (after a rerun)."""
    tab.wait_for_function(
        """texts => {
            const panel = document.querySelector('.st-key-asg_panels');
            return !!panel && texts.every(t => panel.innerText.includes(t));
        }""",
        arg=list(texts),
    )


_MAP_STATUS = """code => {
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (!map) { continue; }
        for (const layer of Object.values(map._layers)) {
            if (layer.feature && layer.feature.properties.code === code) {
                return layer.feature.properties.status;
            }
        }
    }
    return null;
}"""


def _wait_map_status(tab: Any, code: str, status: str) -> None:
    tab.wait_for_function(
        f"([code, status]) => ({_MAP_STATUS})(code) === status", arg=[code, status]
    )


_MAP_CODES = """() => {
    const codes = [];
    for (const f of document.querySelectorAll('iframe')) {
        const map = f.isConnected && f.contentWindow && f.contentWindow.map;
        if (!map) { continue; }
        for (const layer of Object.values(map._layers)) {
            if (layer.feature) { codes.push(layer.feature.properties.code); }
        }
    }
    return codes;
}"""


def _click_cell(tab: Any, code: str, lon: float, lat: float) -> None:
    """Click the map where (lon, lat) is drawn, once cell ``code`` is on it."""
    tab.wait_for_function(f"code => ({_MAP_STATUS})(code) !== null", arg=code)
    frame = tab.frame_locator('iframe[title="streamlit_folium.st_folium"]')
    handle = tab.locator('iframe[title="streamlit_folium.st_folium"]').first
    box = handle.bounding_box()
    tab.wait_for_timeout(1000)  # the fit-bounds animation
    x, y = frame.locator("body").evaluate(
        """(body, [lat, lon]) => {
            const p = window.map.latLngToContainerPoint([lat, lon]);
            const r = window.map.getContainer().getBoundingClientRect();
            return [p.x + r.left, p.y + r.top];
        }""",
        [lat, lon],
    )
    tab.mouse.click(box["x"] + x, box["y"] + y)


def _move(tab: Any, person: str, source: str, target: str) -> None:
    """Fill the form with a move and preview it."""
    form = ".st-key-asg_form"
    _choose(tab, form, "人员", person)
    _choose(tab, form, "原网格", source)
    _choose(tab, form, "新网格", target)
    _press_once_idle(tab, form, "预览", ".st-key-asg_preview_form")


def _press_once_idle(tab: Any, scope: str, button: str, then: str) -> None:
    """Press a button once the app is idle and wait for ``then`` to appear.

    A press that lands while a rerun redraws the form is pressed again,
    once, when the app is idle again (seen on a loaded machine).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in (1, 2):
        tab.wait_for_function(_IDLE)
        tab.locator(scope).get_by_role("button", name=button).click()
        try:
            tab.locator(then).wait_for(timeout=TIMEOUT_MS / 3)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


# ---------------------------------------------------------------------- tests
def test_a_manager_moves_an_assistant_previews_applies_and_undoes(
    page: tuple[Any, Offline], app_url: str, staffed: dict[str, Any]
) -> None:
    tab, offline = page
    first, second = staffed["villages"][:2]
    person = staffed["assistants"][first][0]
    _log_in(tab, app_url, "mgr_a")
    # the county's townships; a click on one opens its villages
    _click_cell(tab, staffed["town"], *staffed["town_point"])
    _wait_map_status(tab, first, "full")
    _wait_panel(tab, staffed["town"], "下级网格")
    _choose(tab, ".st-key-asg_panels", "网格", first)
    _wait_panel(tab, first, "已配齐", "协管员 2")

    _move(tab, person, first, second)
    shown = tab.locator(".st-key-asg_preview_form")
    assert "违规新增 1 条" in shown.inner_text()
    assert tab.evaluate(f"({_MAP_STATUS})('{first}')") == "full"  # not applied yet
    shown.screenshot(path=SCREENSHOTS / f"assignments-preview-{_backend(staffed)}.png")
    shown.get_by_role("button", name="提交").click()
    tab.get_by_text(re.compile(r"已提交变更集 #\d+")).wait_for()
    _wait_map_status(tab, first, "under")
    _wait_panel(tab, first, "配备不足", "协管员 1")
    tab.locator("[data-testid=stMain]").evaluate("e => e.scrollTo(0, 0)")
    tab.wait_for_timeout(500)
    tab.screenshot(path=SCREENSHOTS / f"assignments-{_backend(staffed)}.png")

    tab.locator(".st-key-asg_undo").get_by_role("button", name="撤销").click()
    tab.get_by_text(re.compile(r"已撤销变更集 #\d+")).wait_for()
    _wait_map_status(tab, first, "full")
    _wait_panel(tab, first, "已配齐", "协管员 2")
    engine = get_engine(staffed["url"])
    try:
        here = assignments_as_of(engine, cells=[first])
    finally:
        engine.dispose()
    assert sorted(here["staff_id"]) == staffed["assistants"][first]
    assert offline.refused_assets == []


def test_a_coordinator_of_another_township_sees_nothing_there(
    page: tuple[Any, Offline], app_url: str, staffed: dict[str, Any]
) -> None:
    tab, offline = page
    first = staffed["villages"][0]
    person = staffed["assistants"][first][0]
    _log_in(tab, app_url, "coord_b")
    tab.get_by_text("只读").wait_for()
    tab.wait_for_function(f"() => ({_MAP_CODES})().length > 0")
    codes = tab.evaluate(_MAP_CODES)
    assert codes and all(c.startswith(staffed["other"]) for c in codes)
    panels = ".st-key-asg_panels"
    # the pickers offer their own township's cells and people, none of the other's
    assert _options(tab, panels, "网格", staffed["other"])
    assert _options(tab, panels, "网格", first) == []
    assert _options(tab, panels, "网格", staffed["town"]) == []
    assert _options(tab, panels, "人员", staffed["other_person"])
    assert _options(tab, panels, "人员", person) == []
    assert tab.locator(".st-key-asg_form").count() == 0
    assert tab.get_by_role("button", name="预览").count() == 0
    assert tab.get_by_role("button", name="撤销").count() == 0
    assert offline.refused_assets == []


def test_the_second_of_two_managers_gets_the_conflict(
    page: tuple[Any, Offline], app_url: str, staffed: dict[str, Any]
) -> None:
    tab, offline = page
    third, fourth = staffed["villages"][2:4]
    person = staffed["assistants"][third][0]
    _log_in(tab, app_url, "mgr_b")
    _choose(tab, ".st-key-asg_panels", "网格", third)
    _wait_panel(tab, third, "已配齐")
    _move(tab, person, third, fourth)
    # meanwhile the county's manager gives the same village another assistant
    newcomer = staffed["assistants"][fourth][0]
    engine = get_engine(staffed["url"])
    try:
        theirs = changes.change_set_from_dict(
            {
                "reason": "同时调整",
                "changes": [
                    {"op": "add", "staff_id": newcomer, "cell": third, "duty": "协管员"}
                ],
            }
        )
        changes.apply(engine, theirs, actor="mgr_a")
    finally:
        engine.dispose()
    preview = tab.locator(".st-key-asg_preview_form")
    preview.get_by_role("button", name="提交").click()
    error = preview.locator("[data-testid=stAlertContentError]")
    error.wait_for()
    message = error.inner_text()
    assert third in message and "mgr_a" in message and "提交失败" in message
    assert preview.get_by_role("button", name="重新预览").count() == 1
    tab.screenshot(path=SCREENSHOTS / f"assignments-conflict-{_backend(staffed)}.png")
    engine = get_engine(staffed["url"])
    try:
        here = set(assignments_as_of(engine, cells=[third, fourth])["staff_id"])
    finally:
        engine.dispose()
    assert person in here and newcomer in here  # mgr_b's move was not applied
    assert offline.refused_assets == []


def _backend(staffed: dict[str, Any]) -> str:
    return "postgis" if staffed["url"].startswith("postgresql") else "spatialite"
