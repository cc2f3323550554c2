"""The assignments page without a browser: its pure parts and AppTest runs.

The map layer and the messages need neither a browser nor a database; the
page itself runs in-process (``AppTest``) on the tiny staffed grid in a
SpatiaLite file, with a user put in the session as the login box would.
The browser tests (``test_browser_assignments.py``) drive the real thing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from maps import layers
from maps.basemaps import available_basemaps
from maps.messages import localised
from maps.staffing_data import in_sight, staff_in_sight
from maps.staffing_map import STATUS_COLOURS, staffing_collection, staffing_map
from twonet.db.engine import ENV_VAR, get_engine, upgrade
from twonet.errors import AccessDeniedError
from twonet.permissions import Role, User, require_change

TOWN_A, TOWN_B = "370211001", "370211002"


def _user(role: Role, code: str, scope: set[str]) -> User:
    return User(f"{role.value}_x", role, code, frozenset(scope))


# ---------------------------------------------------------------- messages
def test_conflict_and_refusal_messages_read_in_one_language() -> None:
    conflict = (
        "网格 370211001001 的人员分配已被 mgr_a 于 2026-12-02 16:29 修改"
        "（版本 1 → 2），请重新预览后再提交 / the assignments of cell "
        "370211001001 were changed by mgr_a at 2026-12-02 16:29 (version 1 → 2) "
        "after you read them; preview again and re-apply"
    )
    assert localised(conflict, "zh").endswith("请重新预览后再提交")
    assert localised(conflict, "en").startswith("the assignments of cell")
    coordinator = _user(Role.COORDINATOR, TOWN_A, {TOWN_A})
    with pytest.raises(AccessDeniedError) as refused:
        require_change(coordinator, [TOWN_A])
    zh = localised(refused.value, "zh")
    assert "网格协调员 / coordinator" in zh and "may not" not in zh
    assert localised(refused.value, "en").startswith("user 'coordinator_x'")


# -------------------------------------------------------------------- sight
def test_sight_follows_the_jurisdiction() -> None:
    codes = pd.Series([TOWN_A, f"{TOWN_A}001", TOWN_B])
    coordinator = _user(Role.COORDINATOR, TOWN_A, {TOWN_A, f"{TOWN_A}001"})
    planner = _user(Role.PLANNER, "370200", {"370200"})
    assert in_sight(coordinator, codes).tolist() == [True, True, False]
    assert in_sight(planner, codes).all()
    staff = pd.DataFrame(
        {"staff_id": ["S1", "S2", "S3"], "unit_code": [TOWN_A, TOWN_B, None]}
    )
    assigned_in_sight = pd.Series(["S3"])
    seen = staff_in_sight(coordinator, staff, assigned_in_sight)
    assert seen.tolist() == [True, False, True]


# ---------------------------------------------------------------------- map
def test_staffing_map_colours_cells_and_carries_its_legend(
    synthetic_cells: gpd.GeoDataFrame,
) -> None:
    villages = synthetic_cells[
        (synthetic_cells["level"] == "village") & synthetic_cells.geometry.notna()
    ].copy()
    codes = sorted(villages["code"])
    status = pd.DataFrame(
        {
            "code": codes[:3],
            "assistants": [2, 1, 0],
            "inspectors": [0, 0, 0],
            "status": ["full", "under", "none"],
        }
    )
    ready = layers.prepare_geometries(villages)
    collection = staffing_collection(ready, status, lang="zh")
    found = {
        f["properties"]["code"]: f["properties"]["status"]
        for f in collection["features"]
    }
    assert [found[c] for c in codes[:4]] == ["full", "under", "none", "nodata"]
    basemap = next(b for b in available_basemaps("zh") if b.key == "none")
    html = staffing_map(collection, basemap, lang="zh", selected=codes[0])
    page = html.get_root().render()
    for colour in STATUS_COLOURS.values():
        assert colour in page
    for label in ("人员配备", "已配齐 (1)", "配备不足 (1)", "无人员 (1)", "无数据"):
        assert label in page
    english = staffing_collection(ready, status, lang="en")["features"][0]
    assert english["properties"]["status_label"] == "fully staffed"


# ------------------------------------------------------------------ AppTest
@pytest.fixture(scope="module")
def staffed_url(
    tmp_path_factory: pytest.TempPathFactory, staffed_grid: Any
) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('asg') / 'staffed.sqlite'}"
    engine = get_engine(url)
    try:
        upgrade(engine)
        staffed_grid(engine)
        yield url
    finally:
        engine.dispose()


def _page(url: str, monkeypatch: pytest.MonkeyPatch, user: User | None) -> AppTest:
    monkeypatch.setenv(ENV_VAR, url)
    at = AppTest.from_string(
        "from maps.pages import assignments\nassignments.render()\n",
        default_timeout=60,
    )
    at.session_state["lang"] = "zh"
    if user is not None:
        at.session_state["auth_user"] = user
        at.session_state["auth_engine"] = get_engine(url)
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.title)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_the_page_asks_for_a_login(
    staffed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(staffed_url, monkeypatch, None).run()
    assert not at.exception
    assert "需登录后查看" in _texts(at)
    assert not at.selectbox


def test_a_manager_gets_the_form_a_coordinator_does_not(
    staffed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twonet.db.user_store import cells_under

    engine = get_engine(staffed_url)
    try:
        scope = cells_under(engine, TOWN_A)
    finally:
        engine.dispose()
    manager = User("li", Role.MANAGER, TOWN_A, scope)
    at = _page(staffed_url, monkeypatch, manager).run()
    assert not at.exception
    assert "可调整本辖区的人员分配" in _texts(at)
    assert any(b.label == "预览" for b in at.button)
    people = at.selectbox(key="asg_person__zh")
    assert set(people.options) >= {"张一 · A1 · 协管员"}
    assert not any("孙五" in o for o in people.options)  # unit in another county

    coordinator = User("wang", Role.COORDINATOR, TOWN_A, scope)
    at = _page(staffed_url, monkeypatch, coordinator).run()
    assert not at.exception
    assert "只读" in _texts(at)
    assert not any(b.label in ("预览", "撤销") for b in at.button)
    cells = at.selectbox(key="asg_cell__zh").options
    assert cells and all(TOWN_A in c for c in cells)


def test_choosing_a_cell_shows_its_staff(
    staffed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from twonet.db.user_store import cells_under

    engine = get_engine(staffed_url)
    try:
        scope = cells_under(engine, TOWN_A)
    finally:
        engine.dispose()
    at = _page(staffed_url, monkeypatch, User("li", Role.MANAGER, TOWN_A, scope))
    at.run()
    at.selectbox(key="asg_cell__zh").set_value(f"{TOWN_A}001").run()
    assert not at.exception
    texts = _texts(at)
    assert "已配齐" in texts and "协管员 2" in texts
    table = at.dataframe[0].value
    assert sorted(table["人员编号"]) == ["A1", "A2"]
