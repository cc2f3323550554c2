"""Smoke tests of the Streamlit app with ``streamlit.testing.v1.AppTest``.

The app runs in-process against a small synthetic grid stored in a
SpatiaLite file (the map component itself is not rendered by AppTest; the
browser test covers clicking it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from grid.codes import Level
from maps.layers import View
from twonet.db import repository
from twonet.db.engine import ENV_VAR, get_engine, upgrade

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 60


@pytest.fixture(scope="module")
def synthetic_db_url(
    tmp_path_factory: pytest.TempPathFactory, synthetic_cells: gpd.GeoDataFrame
) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'synthetic.sqlite'}"
    engine = get_engine(url)
    try:
        upgrade(engine)
        repository.save_cells(engine, synthetic_cells.copy())
        yield url
    finally:
        engine.dispose()


@pytest.fixture()
def app(synthetic_db_url: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(ENV_VAR, synthetic_db_url)
    monkeypatch.delenv("TWONET_TIANDITU_KEY", raising=False)
    return AppTest.from_file(APP, default_timeout=TIMEOUT)


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [b.label for b in at.button] + [w.value for w in at.warning]
    text = "\n".join(str(p) for p in parts)
    return re.sub(r"\\(.)", r"\1", text)  # as shown: Markdown escapes undone


def test_runs_in_chinese_by_default(app: AppTest) -> None:
    at = app.run()
    assert not at.exception
    assert at.title[0].value == "网格地图"
    texts = _texts(at)
    assert "青岛市" in texts  # breadcrumb root
    assert "县/区" in texts
    assert "当前视图共 2 个网格" in texts
    assert "OpenStreetMap" in texts
    assert at.selectbox(key="grid_level__zh").value == "county"


def test_runs_in_english(app: AppTest) -> None:
    at = app.run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Grid map"
    texts = _texts(at)
    assert "2 cells in view" in texts
    assert "county/district" in texts
    assert at.selectbox(key="grid_basemap__en").value == "offline"
    assert at.radio(key="grid_colour_by__en").value == "employers"


def test_language_switch_keeps_the_choices(app: AppTest) -> None:
    at = app.run()
    at.selectbox(key="grid_level__zh").set_value("township")
    at.radio(key="grid_colour_by__zh").set_value("level").run()
    at.radio(key="lang").set_value("en").run()
    assert not at.exception
    assert at.selectbox(key="grid_level__en").value == "township"
    assert at.radio(key="grid_colour_by__en").value == "level"
    assert "4 cells in view" in _texts(at)
    assert not at.warning  # no "value set via Session State API" warnings


def test_whole_city_at_village_level(app: AppTest) -> None:
    at = app.run()
    at.selectbox(key="grid_level__zh").set_value("village").run()
    assert not at.exception
    texts = _texts(at)
    assert "当前视图共 9 个网格" in texts
    assert any("示意" in w.value for w in at.warning)  # illustrative note
    assert any("按地址定位" in e.label for e in at.expander)


def test_drilled_view_shows_breadcrumb_and_unplaced_cells(app: AppTest) -> None:
    at = app.run()
    at.session_state["grid_view"] = View(
        Level.VILLAGE, "370211001", selected="370211001002"
    )
    at.run()
    assert not at.exception
    crumbs = [b.label for b in at.button if b.key and b.key.startswith("crumb_")]
    assert crumbs == ["青岛市", "黄岛区", "黄岛区第1街道"]
    assert "黄岛区1街道第2社区" in _texts(at)  # the selected village, in bold
    expander = next(e for e in at.expander if "按地址定位" in e.label)
    assert "(1)" in expander.label

    # the county crumb goes back up to the county's townships
    next(b for b in at.button if b.label == "黄岛区").click().run()
    assert not at.exception
    assert at.session_state["grid_view"] == View(Level.TOWNSHIP, "370211")
    assert at.selectbox(key="grid_level__zh").value == "township"
    assert "当前视图共 2 个网格" in _texts(at)


def test_gaode_basemap(app: AppTest) -> None:
    at = app.run()
    box = at.selectbox(key="grid_basemap__zh")
    box.select_index(next(i for i, o in enumerate(box.options) if "高德" in o)).run()
    assert not at.exception
    assert at.session_state["grid_basemap"] == "gaode"
    assert any("GCJ-02" in c.value for c in at.caption)


def test_database_error_is_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_VAR, f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    assert at.error and "无法读取网格数据库" in at.error[0].value
