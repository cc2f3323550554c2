"""Figure maps (coverage choropleths, hotspot classes): HTML without a browser."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from maps import analysis_map
from maps.basemaps import available_basemaps
from maps.choropleth import NO_DATA_COLOUR


def _cells() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["370211001", "370211002", "370211003"],
            "name": ["<b>甲</b>街道", "乙街道", "丙镇"],
            "level": ["township"] * 3,
            "illustrative": [False, False, True],
        },
        geometry=[
            box(120.0, 35.9, 120.1, 36.0),
            box(120.1, 35.9, 120.2, 36.0),
            box(120.2, 35.9, 120.3, 36.0),
        ],
        crs="EPSG:4326",
    )


def _collection() -> dict:
    figures = pd.DataFrame(
        {
            "cell_code": ["370211001", "370211002"],
            "rate": [0.123456, float("nan")],
            "class": ["hot_99", "<x>"],
        }
    )
    fills = {"370211001": "#d62f27", "370211002": "#f7f7e6"}
    return analysis_map.figure_collection(
        _cells(), figures, fills, fields=["rate", "class"], lang="zh"
    )


def test_collection_carries_fill_and_rounded_escaped_figures() -> None:
    props = {f["id"]: f["properties"] for f in _collection()["features"]}
    assert props["370211001"]["rate"] == 0.123
    assert props["370211001"]["fill"] == "#d62f27"
    assert props["370211002"]["rate"] == "—"
    assert props["370211002"]["class"] == "&lt;x&gt;"
    # a cell without figures is drawn as no data
    assert props["370211003"]["fill"] == NO_DATA_COLOUR
    assert props["370211003"]["rate"] == "—"


def test_collection_keeps_only_what_the_figure_map_uses() -> None:
    # the page weight of a city-wide village view (twonet bench coverage)
    for feature in _collection()["features"]:
        assert list(feature["properties"]) == [
            "code",
            "name",
            "level",
            "rate",
            "class",
            "fill",
        ]
    assert _collection()["features"][0]["properties"]["name"] == (
        "&lt;b&gt;甲&lt;/b&gt;街道"
    )


def test_map_has_tooltip_legend_and_flies_to_the_selected_cell() -> None:
    fmap = analysis_map.figure_map(
        _collection(),
        available_basemaps("zh")[0],
        tooltip=[("name", "名称"), ("rate", "违法率")],
        legend_title="热点",
        legend=[("#d62f27", "热点 99% 置信 (1)")],
        selected="370211002",
    )
    html = fmap.get_root().render()
    assert "tn-legend" in html and "热点 99% 置信 (1)" in html
    assert "违法率" in html or json.dumps("违法率")[1:-1] in html  # tooltip alias
    # fitted to the selected cell, not to all three
    assert "[[35.9, 120.1], [36.0, 120.2]]" in html


def test_every_hotspot_class_and_trend_has_a_colour() -> None:
    from grid.hotspot_text import CLASS_NAMES, TREND_NAMES
    from maps.choropleth import HOTSPOT_COLOURS, TREND_COLOURS

    assert list(HOTSPOT_COLOURS) == list(CLASS_NAMES)
    assert set(TREND_COLOURS) == set(TREND_NAMES)
