"""Maps that read at a glance, checked in the generated Leaflet HTML (no browser).

Every map of the app starts from :func:`maps.layers.base_map`: a metric-only
scale bar, no "Leaflet" attribution prefix, the legend as a Leaflet control
(:mod:`maps.legend`).  The grid map is coloured by employers per cell by
default, classed by mapclassify with a distinct no-data fill
(:mod:`maps.cell_fills`), and its count circles carry a size legend and are
summed per parent cell where they would pile up (:mod:`maps.count_circles`).
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator

import geopandas as gpd
import pandas as pd
import pytest

from maps import analysis_map, cell_fills, count_circles, layers, legend
from maps import employer_layers as emap
from maps.basemaps import available_basemaps
from maps.choropleth import NO_DATA_COLOUR
from maps.staffing_map import staffing_collection, staffing_map

BASEMAP = next(b for b in available_basemaps("zh") if b.key == "osm")  # tiles + credit


@pytest.fixture()
def counties(synthetic_cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return synthetic_cells[synthetic_cells["level"] == "county"].copy()


def _html(fmap: object) -> str:
    return str(fmap.get_root().render())  # type: ignore[attr-defined]


def _legend_html(page: str) -> list[str]:
    """Return the inner HTML of every legend control in a rendered page."""
    return [json.loads(s) for s in re.findall(r"div\.innerHTML = (\".*?\");", page)]


# --------------------------------------------------------------- map chrome
def test_base_map_has_metric_scale_and_no_leaflet_prefix() -> None:
    page = _html(layers.base_map(BASEMAP))
    assert "L.control.scale({metric: true, imperial: false})" in page
    assert "L.control.scale()" not in page  # folium's own (imperial too)
    assert ".attributionControl.setPrefix(false)" in page
    # the data attribution stays
    # 'contributors' in Chinese; folium writes the options as escaped JSON
    assert "OpenStreetMap" in page
    assert "贡献者".encode("unicode_escape").decode() in page


@pytest.mark.parametrize("colour_by", ["employers", "children", "level"])
def test_grid_map_legend_is_a_leaflet_control(
    counties: gpd.GeoDataFrame, colour_by: layers.ColourBy
) -> None:
    employers = dict.fromkeys(counties["code"], 7)
    fc = layers.feature_collection(
        layers.prepare_geometries(counties),
        counts=dict.fromkeys(counties["code"], 3),
        employers=employers,
        lang="zh",
    )
    page = _html(layers.build_map(fc, BASEMAP, lang="zh", colour_by=colour_by))
    assert 'L.control({position: "bottomright"})' in page
    assert 'L.DomUtil.create("div", "tn-legend")' in page
    assert "position:fixed" not in page  # not a box pinned to the page
    (inner,) = _legend_html(page)
    title = {
        "employers": "每个网格的用人单位数",
        "children": "下级网格数",
        "level": "网格层级",
    }[colour_by]
    assert title in inner


def test_every_map_builder_puts_its_legend_on_the_map(
    counties: gpd.GeoDataFrame,
) -> None:
    ready = layers.prepare_geometries(counties)
    figures = analysis_map.figure_collection(
        ready,
        pd.DataFrame({"cell_code": counties["code"], "rate": 0.5}),
        {},
        fields=["rate"],
    )
    status = pd.DataFrame(
        {"code": counties["code"], "assistants": 1, "inspectors": 0, "status": "under"}
    )
    maps = {
        "figures": analysis_map.figure_map(
            figures,
            BASEMAP,
            tooltip=[("rate", "率")],
            legend_title="覆盖率",
            legend=[("#ffffb2", "0 – 1")],
        ),
        "staffing": staffing_map(staffing_collection(ready, status), BASEMAP),
        "employers": emap.employer_map(
            BASEMAP,
            legend=[legend.Swatches("单位", tuple(emap.method_legend("zh")), "round")],
        ),
    }
    expected = {"figures": "覆盖率", "staffing": "配备不足 (", "employers": "单位"}
    for name, fmap in maps.items():
        page = _html(fmap)
        (inner,) = _legend_html(page)
        assert expected[name] in inner, name
        assert "position:fixed" not in page, name
        assert "imperial: false" in page and "setPrefix(false)" in page, name


def test_legend_text_is_escaped_and_cannot_close_the_script() -> None:
    hostile = "</script><b>x</b>"
    control = legend.MapLegend([legend.Swatches(hostile, (("#000", hostile),))])
    fmap = layers.base_map(BASEMAP)
    control.add_to(fmap)
    page = _html(fmap)
    assert "</script><b>" not in page
    (inner,) = _legend_html(page)
    assert "&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in inner


def test_no_legend_when_nothing_to_explain() -> None:
    fmap = layers.base_map(BASEMAP)
    assert legend.add_legend(fmap, legend.Swatches("空", ())) is None
    assert "tn-legend" not in _html(fmap)


# ------------------------------------------------------ colour by employers
def test_grid_map_is_coloured_by_employers_with_a_no_data_fill(
    counties: gpd.GeoDataFrame,
) -> None:
    codes = sorted(counties["code"])
    assert len(codes) >= 2
    fc = layers.feature_collection(
        layers.prepare_geometries(counties),
        employers={codes[0]: 40},  # every other county: 0 employers
        lang="en",
    )
    fc["features"][-1]["properties"]["employers"] = None  # figure unknown
    fills = cell_fills.employer_fills(fc, "en")
    zero = [f for f in fc["features"] if f["properties"]["employers"] == 0]
    assert fills.by_code[codes[0]] not in (cell_fills.ZERO_COLOUR, NO_DATA_COLOUR)
    assert fills.by_code[fc["features"][-1]["id"]] == NO_DATA_COLOUR
    assert all(fills.by_code[f["id"]] == cell_fills.ZERO_COLOUR for f in zero)
    labels = [label for _, label in fills.legend]
    assert labels[-1] == "No data (1)"
    page = _html(layers.build_map(fc, BASEMAP, lang="en", colour_by="employers"))
    assert NO_DATA_COLOUR in page and fills.by_code[codes[0]] in page
    assert "Employers" in page  # the tooltip field


def test_counts_are_classed_by_mapclassify_natural_breaks() -> None:
    import mapclassify

    values = [1, 2, 3, 10, 11, 12, 50, 55, 60, 300]
    fc = {
        "features": [
            {"properties": {"code": str(i), "employers": v}}
            for i, v in enumerate(values)
        ]
    }
    fills = cell_fills.employer_fills(fc, "zh")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Numba not installed")
        jenks = mapclassify.FisherJenks(pd.Series(values, dtype=float), k=5)
    assert len({fills.by_code[str(i)] for i in range(len(values))}) == 5
    # same partition as mapclassify's: equal class ⇔ equal colour
    for i in range(len(values)):
        for j in range(len(values)):
            same_class = jenks.yb[i] == jenks.yb[j]
            assert same_class == (fills.by_code[str(i)] == fills.by_code[str(j)])


def test_employers_fall_back_to_children_without_a_register(
    counties: gpd.GeoDataFrame,
) -> None:
    fc = layers.feature_collection(layers.prepare_geometries(counties), lang="zh")
    assert layers.effective_colour_by(fc, "employers") == "level"  # no children
    fc["features"][0]["properties"]["children"] = 3
    assert layers.effective_colour_by(fc, "employers") == "children"
    assert layers.COLOUR_CHOICES[0] == "employers"  # the default


# ------------------------------------------------------------ count circles
def test_size_legend_follows_the_circle_radius_rule() -> None:
    counts = pd.DataFrame({"code": ["a", "b", "c"], "employers": [734, 40, 3]})
    anchors = pd.DataFrame({"code": ["a", "b", "c"], "lon": 120.0, "lat": 36.0})
    layer = emap.count_layer(counts, anchors)
    sizes = count_circles.size_legend(layer, "zh")
    payload = json.loads(layer.payload)
    assert payload["top"] == 734
    assert [label for _, label in sizes.entries] == ["734", "100", "20"]
    assert sizes.entries[0][0] == payload["rmax"]  # the largest circle
    assert sizes.entries[-1][0] > payload["rmin"]
    fmap = layers.base_map(BASEMAP)
    layer.add_to(fmap)
    legend.add_legend(fmap, sizes)
    (inner,) = _legend_html(_html(fmap))
    diameter = f"width:{2 * payload['rmax']:g}px"
    assert "圆圈：用人单位数" in inner and diameter in inner
    assert "var top = d.top;" in _html(fmap)  # the map uses the same maximum


def test_dense_circles_are_summed_per_parent_cell() -> None:
    villages = [f"370211001{i:03d}" for i in range(1, 5)] + ["370211002001"]
    counts = pd.DataFrame(
        {
            "code": villages,
            "employers": [1, 2, 3, 4, 10],
            "flagged": [0, 1, 0, 0, 2],
            "queued": 0,
        }
    )
    parents = pd.DataFrame({"code": villages, "parent_code": [c[:9] for c in villages]})
    assert count_circles.needs_roll_up(counts, limit=4)
    assert not count_circles.needs_roll_up(counts, limit=5)
    summed = count_circles.roll_up(counts, parents)
    assert summed.to_dict("records") == [
        {"code": "370211001", "employers": 10, "flagged": 1, "queued": 0},
        {"code": "370211002", "employers": 10, "flagged": 2, "queued": 0},
    ]


# --------------------------------------------------------- colour by staffing
def test_staffing_fills_colour_cells_by_status(counties: gpd.GeoDataFrame) -> None:
    from maps.staffing_map import STATUS_COLOURS, add_staffing

    codes = sorted(counties["code"])
    fc = layers.feature_collection(
        layers.prepare_geometries(counties), employers={}, lang="zh"
    )
    assert layers.effective_colour_by(fc, "staffing") == "employers"  # no status
    status = pd.DataFrame(
        {"code": codes[:1], "assistants": 2, "inspectors": 1, "status": "full"}
    )
    add_staffing(fc, status, "zh")
    page = _html(layers.build_map(fc, BASEMAP, lang="zh", colour_by="staffing"))
    (inner,) = _legend_html(page)
    assert "人员配备" in inner and "已配齐 (1)" in inner
    assert STATUS_COLOURS["full"] in page and STATUS_COLOURS["nodata"] in page
    assert "配备状态" in page or "status_label" in page  # the tooltip field


@pytest.fixture(scope="module")
def staffed_url(
    tmp_path_factory: pytest.TempPathFactory, synthetic_cells: gpd.GeoDataFrame
) -> Iterator[str]:
    """A SpatiaLite file: the synthetic grid, one assistant in one village."""
    import datetime as dt

    from sqlalchemy import insert

    from twonet.db import repository
    from twonet.db.engine import get_engine, upgrade
    from twonet.db.models import Assignment, Staff

    url = f"sqlite:///{tmp_path_factory.mktemp('legend') / 'staffed.sqlite'}"
    engine = get_engine(url)
    now = dt.datetime(2025, 1, 1, 8, 0)
    try:
        upgrade(engine)
        repository.save_cells(engine, synthetic_cells.copy())
        with repository.transaction(engine) as connection:
            connection.execute(
                insert(Staff),
                [
                    {
                        "staff_id": "A1",
                        "name": "张一",
                        "kind": "assistant",
                        "unit_code": "370211001",
                        "active_from": dt.date(2024, 1, 1),
                        "active_to": None,
                        "content_hash": "A1",
                        "first_seen": now,
                        "last_changed": now,
                    }
                ],
            )
            connection.execute(
                insert(Assignment),
                [
                    {
                        "staff_id": "A1",
                        "cell_code": "370211001001",
                        "duty": "assistant",
                        "valid_from": dt.date(2025, 1, 1),
                        "created_at": now,
                    }
                ],
            )
        yield url
    finally:
        engine.dispose()


#: The grid map page with the map's HTML kept in the session (AppTest does
#: not render components).
_GRID_PAGE = """
import streamlit as st
from maps.pages import grid_map

def keep(fmap, **kwargs):
    st.session_state["map_html"] = fmap.get_root().render()

grid_map.st_folium = keep
grid_map.render()
"""


@pytest.mark.db
def test_grid_map_offers_staffing_to_a_logged_in_user(
    staffed_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from twonet.db.engine import ENV_VAR, get_engine
    from twonet.permissions import Role, User

    monkeypatch.setenv(ENV_VAR, staffed_url)
    at = AppTest.from_string(_GRID_PAGE, default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    assert "按人员配备" not in at.radio(key="grid_colour_by__zh").options

    at.session_state["auth_user"] = User("p", Role.PLANNER, "370200", frozenset())
    at.session_state["auth_engine"] = get_engine(staffed_url)
    at.run()
    radio = at.radio(key="grid_colour_by__zh")
    assert "按人员配备" in radio.options
    radio.set_value("staffing").run()
    assert not at.exception
    (inner,) = _legend_html(at.session_state["map_html"])
    assert "人员配备" in inner
    assert any(label in inner for label in ("已配齐 (", "配备不足 (", "无人员 ("))
