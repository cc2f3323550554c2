"""The 覆盖缺口 / Coverage page with ``AppTest`` (the map is not rendered)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from record_rows import fill_small_history
from streamlit.testing.v1 import AppTest

from maps import analysis_map
from maps.coverage_view import METRICS
from twonet.db.engine import ENV_VAR, get_engine, upgrade


@pytest.fixture(scope="module")
def history_url(
    tmp_path_factory: pytest.TempPathFactory, synthetic_cells: gpd.GeoDataFrame
) -> Iterator[str]:
    url = f"sqlite:///{tmp_path_factory.mktemp('cov') / 'history.sqlite'}"
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
        "from maps.pages import coverage\ncoverage.render()\n", default_timeout=60
    )
    at.session_state["lang"] = lang
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in (*at.markdown, *at.caption, *at.info, *at.title)]
    return "\n".join(str(p) for p in parts).replace("\\", "")


def _gap_frame(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if d.key == "cov_gaps")


def test_page_runs_in_chinese_with_every_metric(
    history_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(history_url, monkeypatch, "zh").run()
    assert not at.exception
    text = _texts(at)
    assert "覆盖缺口" in text
    # four townships: 370211001 holds employers 1-3, 370211002 employer 4
    assert "覆盖缺口清单（4 个网格）" in text
    gaps = _gap_frame(at)
    assert list(gaps.columns) == [
        "排名",
        "位置",
        "缺口得分",
        "用人单位",
        "原因",
        "代码",
    ]
    assert gaps["代码"].iloc[0] == "370211001"  # three employers, none inspected
    assert "3 家用人单位" in gaps["原因"].iloc[0]
    for metric in METRICS:
        at.radio(key="cov_metric__zh").set_value(metric).run()
        assert not at.exception, metric
    for scheme in ("equal_interval", "natural_breaks"):
        at.selectbox(key="cov_scheme__zh").set_value(scheme).run()
        assert not at.exception, scheme
    labels = [getattr(b, "label", None) for b in at.get("download_button")]
    assert labels == [
        "覆盖情况 CSV",
        "覆盖情况 XLSX",
        "缺口清单 CSV",
        "缺口清单 XLSX",
        "打印图 PNG",
        "打印图 PDF",
    ]


def test_page_runs_in_english_and_filters_the_gap_list(
    history_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _page(history_url, monkeypatch, "en").run()
    at.selectbox(key="cov_level__en").set_value("village").run()
    assert not at.exception
    assert "Coverage gaps" in _texts(at)
    at.selectbox(key="cov_county__en").set_value("370212").run()
    assert "Gap list (" in _texts(at)
    assert set(_gap_frame(at)["Code"]) <= {
        "370212001001",
        "370212001002",
        "370212002001",
        "370212002002",
    }
    at.selectbox(key="cov_county__en").set_value("").run()
    at.number_input(key="cov_min_employers__en").set_value(2).run()
    assert not at.exception
    gaps = _gap_frame(at)
    assert gaps["Code"].tolist() == ["370211001001"]  # employers 1 and 2
    assert "employers" in gaps["Reasons"].iloc[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_choosing_a_gap_row_selects_its_cell(
    history_url: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    drawn: list[str | None] = []
    figure_map = analysis_map.figure_map

    def spy(*args: Any, **kwargs: Any) -> Any:
        drawn.append(kwargs.get("selected"))
        return figure_map(*args, **kwargs)

    monkeypatch.setattr(analysis_map, "figure_map", spy)
    at = _page(history_url, monkeypatch, lang).run()
    assert drawn == [None]
    code = str(_gap_frame(at).iloc[1, -1])
    assert code == "370211002"  # one employer, employer 4
    at.session_state["cov_gaps"] = {"selection": {"rows": [1], "columns": []}}
    at.run()
    assert not at.exception
    assert drawn[-1] == code  # the map flies to the chosen cell
    chosen = "所选网格：" if lang == "zh" else "Selected cell: "
    assert f"{chosen}" in _texts(at) and code in _texts(at)
    figures = [d.value for d in at.dataframe if d.key != "cov_gaps"][-1]
    values = dict(zip(figures.iloc[:, 0], figures.iloc[:, 1], strict=True))
    employers = "用人单位" if lang == "zh" else "Employers"
    rank = "排名" if lang == "zh" else "Rank"
    assert values[rank] == "2" and values[employers] == "1"
    at.session_state["cov_gaps"] = {"selection": {"rows": [], "columns": []}}
    at.run()
    assert drawn[-1] is None
    # a new gap list forgets the row chosen in the old one
    at.session_state["cov_gaps"] = {"selection": {"rows": [0], "columns": []}}
    at.run()
    assert drawn[-1] == "370211001"
    at.selectbox(key=f"cov_county__{lang}").set_value("370212").run()
    assert not at.exception
    assert drawn[-1] is None
    assert chosen not in _texts(at)
