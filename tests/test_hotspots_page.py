"""The 违法热点 / Hotspots page with ``AppTest`` (the map is not rendered)."""

from __future__ import annotations

from collections.abc import Iterator

import geopandas as gpd
import pytest
from record_rows import fill_small_history
from streamlit.testing.v1 import AppTest

from twonet.db.engine import ENV_VAR, get_engine, upgrade


@pytest.fixture(scope="module")
def history_url(
    tmp_path_factory: pytest.TempPathFactory, synthetic_cells: gpd.GeoDataFrame
) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('hot') / 'history.sqlite'}"
    engine = get_engine(url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            fill_small_history(connection, synthetic_cells.copy())
        yield url
    finally:
        engine.dispose()


def _page(url: str, monkeypatch: pytest.MonkeyPatch, lang: str) -> AppTest:
    monkeypatch.setenv(ENV_VAR, url)
    at = AppTest.from_string(
        "from maps.pages import hotspots\nhotspots.render()\n", default_timeout=60
    )
    at.session_state["lang"] = lang
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.title)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def test_page_runs_in_chinese_with_every_view(
    history_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(history_url, monkeypatch, "zh").run()
    assert not at.exception
    text = _texts(at)
    assert "违法热点" in text and "Benjamini–Hochberg" in text
    assert "显著热点 0 个" in text  # four villages cannot make a significant cluster
    for view in ("trend", "rate", "density", "hexagon", "class"):
        at.radio(key="hot_view__zh").set_value(view).run()
        assert not at.exception, view
    labels = [b.label for b in at.get("download_button")]
    # the report and its printable map, then the per-cell table as shown
    assert labels == [
        "下载 CSV",
        "下载 XLSX",
        "打印图 PNG",
        "打印图 PDF",
        "下载 XLSX",
        "下载 CSV",
    ]


def test_page_runs_in_english_and_filters_by_type(
    history_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(history_url, monkeypatch, "en").run()
    at.selectbox(key="hot_level__en").set_value("village").run()
    at.multiselect(key="hot_types__en").set_value(["child_labour"]).run()
    assert not at.exception
    assert "Violation hotspots" in _texts(at)
    assert "0 significant hot spots" in _texts(at)
