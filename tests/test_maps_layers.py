"""Pure tests of the map layers: no browser, no database."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from grid.cells import make_cells
from grid.codes import Level
from maps import basemaps, layers
from maps.i18n import STRINGS, t


@pytest.fixture()
def cells(synthetic_cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return synthetic_cells.copy()  # the session's frame, a copy for each test


@pytest.fixture()
def villages(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return cells[cells["level"] == "village"]


def _shared_edge_vertices(
    a: shapely.Geometry, b: shapely.Geometry
) -> set[tuple[float, float]]:
    va = {tuple(p) for p in shapely.get_coordinates(a)}
    vb = {tuple(p) for p in shapely.get_coordinates(b)}
    return va & vb


# --------------------------------------------------------------- the HTML
def test_leaflet_html_has_tooltip_fields(cells: gpd.GeoDataFrame) -> None:
    counties = cells[cells["level"] == "county"]
    ready = layers.prepare_geometries(counties)
    fc = layers.feature_collection(ready, counts={"370211": 2}, lang="zh")
    fmap = layers.build_map(fc, basemaps.available_basemaps("zh")[0], lang="zh")
    html = fmap.get_root().render()

    for field in ("code", "name", "level_label", "children", "boundary"):
        assert f'"{field}"' in html
    for key in ("field_code", "field_name", "field_level", "field_children"):
        assert json.dumps(t(key, "zh"))[1:-1] in html
    assert "370211" in html
    # Chinese text is embedded with JSON escapes: 黄岛区, 县/区
    assert json.dumps("黄岛区")[1:-1] in html
    assert json.dumps(STRINGS["level_county"][0])[1:-1] in html
    assert "OpenStreetMap" in html


def test_tooltip_is_english_when_asked(cells: gpd.GeoDataFrame) -> None:
    counties = cells[cells["level"] == "county"]
    fc = layers.feature_collection(layers.prepare_geometries(counties), lang="en")
    html = layers.build_map(fc, basemaps.available_basemaps("en")[-1], lang="en")
    text = html.get_root().render()
    assert '"Code"' in text and "county/district" in text


def test_illustrative_cells_carry_a_visible_mark(villages: gpd.GeoDataFrame) -> None:
    fc = layers.feature_collection(layers.prepare_geometries(villages), lang="en")
    marks = {f["properties"]["boundary"] for f in fc["features"]}
    assert len(marks) == 1
    assert "illustrative" in next(iter(marks))
    chinese = layers.feature_collection(layers.prepare_geometries(villages), lang="zh")
    (mark,) = {f["properties"]["boundary"] for f in chinese["features"]}
    assert ">示意<" in mark and "illustrative" not in mark
    styles = [layers.cell_style(f["properties"], "level") for f in fc["features"]]
    assert all(s.get("dashArray") for s in styles)


def test_cells_without_geometry_are_listed_not_drawn(
    villages: gpd.GeoDataFrame,
) -> None:
    fc = layers.feature_collection(layers.prepare_geometries(villages))
    assert "370211001003" not in {f["id"] for f in fc["features"]}
    unplaced = layers.unplaced_cells(villages)
    assert unplaced["code"].tolist() == ["370211001003"]
    assert layers.illustrative_count(villages) == len(fc["features"]) == 8


def test_names_are_html_escaped() -> None:
    frame = make_cells(
        [
            {
                "code": "370211",
                "name": "<b>x</b>",
                "geometry": shapely.box(120, 36, 121, 37),
            }
        ],
        valid_from=dt.date(2023, 1, 1),
        source="t",
        licence="CC0",
    )
    fc = layers.feature_collection(layers.prepare_geometries(frame))
    assert fc["features"][0]["properties"]["name"] == "&lt;b&gt;x&lt;/b&gt;"


def test_candidate_tooltips_cannot_leave_folium_template() -> None:
    """Folium puts a tooltip's text in a JS template literal: no ` or ${ there."""
    import pandas as pd

    from maps import employer_layers as emap
    from maps.basemaps import available_basemaps

    name = "`${alert(1)}`</div><img src=x onerror=alert(2)>\\"
    frame = make_cells(
        [{"code": "370211", "name": name, "geometry": shapely.box(120, 36, 121, 37)}],
        valid_from=dt.date(2023, 1, 1),
        source="t",
        licence="CC0",
    )
    candidates = pd.DataFrame({"rank": [1], "code": ["370211"], "score": [0.5]})
    layer = emap.candidate_layer(candidates, frame)
    fmap = emap.employer_map(available_basemaps("zh")[-1], overlays=[layer])
    page = fmap.get_root().render()
    assert "alert(1)" in page and "${alert" not in page and "`${" not in page
    assert "<img src=x" not in page
    assert "&#96;&#36;{alert(1)}&#96;&lt;/div&gt;&lt;img src=x" in page


# ------------------------------------------------------------ simplification
def test_simplification_shrinks_geojson_and_keeps_shared_edges(
    villages: gpd.GeoDataFrame,
) -> None:
    full = layers.feature_collection(layers.prepare_geometries(villages, tolerance=0))
    simple_frame = layers.prepare_geometries(villages, tolerance=5e-4)
    simple = layers.feature_collection(simple_frame)

    assert layers.geojson_size(simple) < 0.5 * layers.geojson_size(full)
    geoms = simple_frame.set_index("code").geometry
    # the two villages of a township share an edge; so do neighbouring townships
    for a, b in [("370211001001", "370211001002"), ("370211001001", "370211002001")]:
        assert geoms[a].intersection(geoms[b]).length > 0.09
        assert geoms[a].intersection(geoms[b]).area < 1e-12  # no overlap
        assert len(_shared_edge_vertices(geoms[a], geoms[b])) >= 2
    # the simplified villages still tile their townships: no gaps
    union = shapely.union_all(geoms.to_numpy())
    assert union.area == pytest.approx(0.4 * 0.2, rel=1e-3)
    assert sum(g.area for g in geoms) == pytest.approx(union.area, rel=1e-9)


def test_coordinates_are_rounded(villages: gpd.GeoDataFrame) -> None:
    ready = layers.prepare_geometries(villages, decimals=6)
    coords = shapely.get_coordinates(ready.geometry.to_numpy())
    np.testing.assert_array_equal(coords, np.round(coords, 6))


def test_tolerance_grows_with_the_extent() -> None:
    city = layers.view_tolerance((119.5, 35.5, 121.5, 37.0), Level.VILLAGE)
    township = layers.view_tolerance((120.0, 36.0, 120.1, 36.1), Level.VILLAGE)
    assert city == pytest.approx(20 * township)
    assert layers.view_tolerance((1, 1, 1, 1), "county") == layers.MIN_TOLERANCE


# ---------------------------------------------------------------- basemaps
def test_gaode_shift_moves_cells_by_hundreds_of_metres(cells: gpd.GeoDataFrame) -> None:
    counties = cells[cells["level"] == "county"]
    wgs = layers.prepare_geometries(counties, tolerance=0, datum="wgs84")
    gcj = layers.prepare_geometries(counties, tolerance=0, datum="gcj02")
    a = shapely.get_coordinates(wgs.geometry.to_numpy())
    b = shapely.get_coordinates(gcj.geometry.to_numpy())
    lat = np.radians(a[:, 1])
    metres = np.hypot(
        (b[:, 0] - a[:, 0]) * 111_320 * np.cos(lat), (b[:, 1] - a[:, 1]) * 110_574
    )
    assert np.all((metres > 100) & (metres < 1000))
    # near Qingdao GCJ-02 lies about 470 m east of WGS-84
    assert np.all(b[:, 0] > a[:, 0])
    assert np.median(metres) == pytest.approx(470, abs=60)


def test_gaode_map_is_centred_in_gcj02(cells: gpd.GeoDataFrame) -> None:
    gaode = next(b for b in basemaps.available_basemaps("zh") if b.key == "gaode")
    counties = cells[cells["level"] == "county"]
    fc = layers.feature_collection(
        layers.prepare_geometries(counties, datum=gaode.datum)
    )
    html = layers.build_map(fc, gaode).get_root().render()
    assert "autonavi" in html and "高德" not in html  # attribution is JSON-escaped
    assert json.dumps("高德")[1:-1] in html
    bounds = layers.collection_bounds(fc)
    assert bounds is not None and bounds[0][1] > 120.004  # west edge moved east


def test_tianditu_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(basemaps.TIANDITU_KEY_NAME, raising=False)
    assert basemaps.tianditu_key() is None
    assert basemaps.tianditu_key({basemaps.TIANDITU_KEY_NAME: "abc"}) == "abc"
    monkeypatch.setenv(basemaps.TIANDITU_KEY_NAME, "env-key")
    assert basemaps.tianditu_key({basemaps.TIANDITU_KEY_NAME: "abc"}) == "env-key"
    tianditu = basemaps.available_basemaps("en", tianditu="env-key")[0]
    assert tianditu.key == "tianditu" and len(tianditu.tiles) == 2
    assert all("tk=env-key" in s.url for s in tianditu.tiles)
    assert "LAYER=eva" in tianditu.tiles[1].url  # English annotation


def test_every_basemap_credits_openstreetmap() -> None:
    for basemap in basemaps.available_basemaps("zh", tianditu="k"):
        assert any("OpenStreetMap" in a for a in basemap.attributions)


# --------------------------------------------------------------- drill-down
def test_drill_down_and_back_up() -> None:
    view = layers.View()
    view = layers.drill(view, "370211", "county")
    assert view == layers.View(Level.TOWNSHIP, "370211")
    view = layers.drill(view, "370211001", "township")
    assert view == layers.View(Level.VILLAGE, "370211001")
    view = layers.drill(view, "370211001002", "village")
    assert view.selected == "370211001002" and view.focus == "370211001002"
    assert layers.view_of("370211", "county") == layers.View(Level.TOWNSHIP, "370211")
    assert layers.view_of(None, None) == layers.View()


def test_clicked_cell_reads_last_active_drawing() -> None:
    feature = {"type": "Feature", "properties": {"code": "370211", "level": "county"}}
    assert layers.clicked_cell({"last_active_drawing": feature}) == (
        "370211",
        Level.COUNTY,
    )
    assert layers.clicked_cell({"last_active_drawing": None}) is None
    assert layers.clicked_cell(None) is None
    assert layers.clicked_cell({"last_active_drawing": {"properties": {}}}) is None


def test_ancestry_stops_on_cycles() -> None:
    assert layers.ancestry("a", {"a": "b", "b": "a"}.get) == ["b", "a"]
    assert layers.ancestry(None, {}.get) == []


def test_legend_lists_classes_present(cells: gpd.GeoDataFrame) -> None:
    counties = cells[cells["level"] == "county"]
    fc = layers.feature_collection(
        layers.prepare_geometries(counties),
        counts={"370211": 3, "370212": 12},
        lang="en",
    )
    assert [label for _, label in layers.legend_items(fc, "children", "en")] == [
        "1–4 child cells",
        "10–19 child cells",
    ]
    assert layers.legend_items(fc, "level", "zh") == [
        (layers.LEVEL_COLOURS[Level.COUNTY], "县/区")
    ]


def test_villages_without_children_are_coloured_by_level(
    villages: gpd.GeoDataFrame,
) -> None:
    fc = layers.feature_collection(layers.prepare_geometries(villages), lang="zh")
    assert layers.effective_colour_by(fc, "children") == "level"
    assert layers.legend_items(fc, "children", "zh") == [
        (layers.LEVEL_COLOURS[Level.VILLAGE], "村/社区")
    ]
    fc["features"][0]["properties"]["children"] = 1
    assert layers.legend_items(fc, "children", "en") == [
        (layers.CHILD_COLOURS[0], "0 child cells"),
        (layers.CHILD_COLOURS[1], "1–4 child cells"),
    ]


@pytest.mark.slow
def test_whole_city_village_view_stays_under_three_megabytes(qingdao_demo):
    from maps.basemaps import available_basemaps
    from maps.layers import (
        build_map,
        feature_collection,
        map_html_size,
        prepare_geometries,
    )

    cells = qingdao_demo[0]
    villages = cells[cells["level"] == "village"]
    fmap = build_map(
        feature_collection(prepare_geometries(villages)), available_basemaps("zh")[0]
    )
    html = fmap.get_root().render()
    assert map_html_size(fmap) <= 3_000_000
    assert "cdn.jsdelivr.net" not in html  # Leaflet is bundled, nothing from a CDN
