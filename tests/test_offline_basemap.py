"""The offline basemap: geometry (grid/), its data file (ingest/), the map (maps/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import shapely

from grid import basemap_layers as bl
from grid.errors import GridFileError
from ingest import basemap_sources as bs
from maps import basemaps, layers, offline_basemap

#: Downtown Qingdao (市南区) and the middle of Jiaozhou Bay (胶州湾).
DOWNTOWN = (120.38, 36.07)
JIAOZHOU_BAY = (120.25, 36.15)
#: 棘洪滩水库, the largest reservoir of Qingdao: on land, drawn as water.
JIHONGTAN = (120.212, 36.364)
#: A small view around the bay (a township-level view).
BAY_VIEW = (120.1, 36.0, 120.5, 36.4)


# ------------------------------------------------------------- grid: geometry
def _square(x: float, y: float, size: float) -> shapely.Polygon:
    return shapely.box(x, y, x + size, y + size)


def test_derive_clips_land_and_tells_land_from_sea() -> None:
    land = shapely.MultiPolygon([_square(0, 0, 1), _square(2, 0, 1)])
    layers_ = bl.derive_layers((0.5, 0.25, 2.5, 0.75), land=land, tolerance=0.001)
    assert layers_.land.bounds == (0.5, 0.25, 2.5, 0.75)
    assert bl.is_land(layers_, 0.75, 0.5) and bl.is_land(layers_, 2.25, 0.5)
    assert not bl.is_land(layers_, 1.5, 0.5)  # the strait between
    assert bl.derive_layers((5, 5, 6, 6), land=land).land.is_empty  # all sea


def test_simplify_drops_specks_and_keeps_validity() -> None:
    islands = shapely.MultiPolygon([_square(0, 0, 1), _square(3, 3, 0.0001)])
    simple = bl.simplify_polygons(islands, 0.01)
    assert len(shapely.get_parts(simple)) == 1
    assert simple.is_valid


def test_inland_water_keeps_lakes_and_drops_the_sea() -> None:
    land = _square(0, 0, 10)
    lake = _square(4, 4, 1)
    sea = _square(9, 0, 5)  # mostly off the land
    water = bl.inland_water(shapely.MultiPolygon([lake, sea]), land)
    assert water.equals(shapely.MultiPolygon([lake]))


def test_labels_by_rank_and_spacing() -> None:
    places = [
        bl.Place("县甲", "County A", 0.5, 0.5, 1),
        bl.Place("镇乙", "", 0.51, 0.5, 2),  # on top of the county label
        bl.Place("镇丙", "", 0.2, 0.2, 2),
        bl.Place("县丁", "County D", 5.0, 5.0, 1),  # outside
    ]
    zoomed = bl.choose_labels(places, (0, 0, 0.55, 0.55))
    assert [p.name_zh for p in zoomed] == ["县甲", "镇丙"]
    wide = bl.choose_labels(places, (0, 0, 1, 1))
    assert [p.name_zh for p in wide] == ["县甲"]  # townships only when zoomed in
    english = bl.choose_labels(places, (0, 0, 0.55, 0.55), lang="en")
    assert [p.name("en") for p in english] == ["County A"]


def test_padded_extent_fits_a_wide_screen() -> None:
    minx, miny, maxx, maxy = bl.padded_extent((120.0, 36.0, 120.1, 36.5))
    assert minx < 120.0 and maxx > 120.1 and miny < 36.0 and maxy > 36.5
    ground_width = (maxx - minx) * 0.81  # cos(36°)
    assert ground_width >= 1.9 * (maxy - miny)


@pytest.mark.parametrize(
    "bounds", [(1, 0, 0, 1), (0, 0, float("nan"), 1), (0, 0, 200, 1), (0, 0, 1)]
)
def test_bad_bounds_are_refused(bounds: tuple[float, ...]) -> None:
    with pytest.raises(GridFileError, match="bounding box"):
        bl.check_bounds(bounds)


# ------------------------------------------------------------ ingest: the file
def test_build_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    land = _square(0, 0, 2)
    waterbodies = shapely.MultiPolygon([_square(0.5, 0.5, 0.25), _square(1.5, -1, 2)])
    places = [bl.Place("甲", "A", 1.0, 1.0, 1), bl.Place("远", "Far", 9.0, 9.0, 2)]
    kwargs = {
        "coverage": (-1, -1, 3, 3),
        "land": land,
        "waterbodies": waterbodies,
        "places": places,
        "attribution": "© test",
    }
    first = tmp_path / "a.geojson"
    second = tmp_path / "b.geojson"
    bs.build_basemap_file(first, **kwargs)  # type: ignore[arg-type]
    bs.build_basemap_file(second, **kwargs)  # type: ignore[arg-type]
    assert first.read_bytes() == second.read_bytes()
    source = bs.read_basemap_file(first)
    assert source.coverage == (-1, -1, 3, 3)
    assert source.land.equals(land)
    assert source.water.equals(_square(0.5, 0.5, 0.25))  # the sea part is dropped
    assert [p.name_zh for p in source.places] == ["甲"]  # outside the coverage: gone


def test_read_places_labels_boundaries(tmp_path: Path) -> None:
    path = tmp_path / "b.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "城阳区", "name:en": "Chengyang", "admin_level": "6"},
        "geometry": json.loads(shapely.to_geojson(_square(0, 0, 1))),
    }
    other = dict(feature, properties={"name": "x", "admin_level": "4"})
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [feature, other]})
    )
    (place,) = bs.read_places(path, rank_by_level={6: 1})
    assert (place.name_zh, place.name_en, place.rank) == ("城阳区", "Chengyang", 1)
    assert shapely.box(0, 0, 1, 1).contains(shapely.Point(place.lon, place.lat))


def test_not_a_basemap_file(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(GridFileError, match="coverage"):
        bs.read_basemap_file(path)


# ---------------------------------------------------- the packaged Qingdao file
def test_packaged_file_is_small_and_credited() -> None:
    assert bs.QINGDAO_BASEMAP.stat().st_size < 5_000_000
    assert (bs.QINGDAO_BASEMAP.parent / "PROVENANCE.md").exists()
    source = bs.read_basemap_file(bs.QINGDAO_BASEMAP)
    assert "OpenStreetMap" in source.attribution
    assert {"即墨区", "胶州市", "崂山区"} <= {p.name_zh for p in source.places}


def test_qingdao_land_sea_and_water() -> None:
    view = offline_basemap.offline_layers(bl.padded_extent(BAY_VIEW))
    assert bl.is_land(view, *DOWNTOWN)
    assert not bl.is_land(view, *JIAOZHOU_BAY)
    assert not view.land.intersects(shapely.Point(JIAOZHOU_BAY))  # sea, not a lake
    assert view.water.intersects(shapely.Point(JIHONGTAN))
    assert view.places  # township labels when zoomed in


def test_land_for_any_extent_comes_from_the_landmask() -> None:
    """Outside the packaged region the land is clipped from roaring-landmask."""
    from grid.landmask import load_land

    extent = bl.padded_extent(BAY_VIEW)
    derived = bl.derive_layers(extent, land=load_land(extent))
    assert bl.is_land(derived, *DOWNTOWN)
    assert not bl.is_land(derived, *JIAOZHOU_BAY)
    # a place far from Qingdao (Xiamen island and the strait east of it)
    xiamen = offline_basemap.offline_layers(
        bl.padded_extent((118.0, 24.4, 118.25, 24.6))
    )
    assert bl.is_land(xiamen, 118.12, 24.48)
    assert not bl.is_land(xiamen, 118.3, 24.3)
    assert xiamen.places == ()


def test_the_command_regenerates_the_packaged_land_and_places(tmp_path: Path) -> None:
    """``twonet grid basemap`` without water gives the committed land and places."""
    from typer.testing import CliRunner

    from twonet.cli import app

    out = tmp_path / "basemap.geojson"
    result = CliRunner().invoke(app, ["grid", "basemap", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rebuilt = bs.read_basemap_file(out)
    packaged = bs.read_basemap_file(bs.QINGDAO_BASEMAP)
    assert rebuilt.coverage == packaged.coverage
    assert rebuilt.land.equals_exact(packaged.land, 0.0)
    assert rebuilt.places == packaged.places
    assert rebuilt.water.is_empty  # the water needs --waterbodies (npm package)


# ------------------------------------------------------------ maps: the basemap
def test_offline_is_the_default_unless_tianditu_is_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(basemaps.TIANDITU_REVIEW_NUMBER_NAME, raising=False)
    keys = [b.key for b in basemaps.available_basemaps("zh")]
    assert keys[0] == "offline" and {"osm", "gaode"} <= set(keys)
    with_key = basemaps.available_basemaps("zh", tianditu="k")
    assert with_key[0].key == basemaps.default_basemap_key("k") == "tianditu"
    assert "审图号" in with_key[0].tiles[0].attribution
    monkeypatch.setenv(basemaps.TIANDITU_REVIEW_NUMBER_NAME, "GS(2099)1号")
    tianditu = basemaps.available_basemaps("zh", tianditu="k")[0]
    assert "审图号：GS(2099)1号" in tianditu.attributions[0]
    offline = basemaps.available_basemaps("en")[0]
    assert offline.label("en") == "Offline basemap"
    assert any("Offline basemap" in a for a in offline.attributions)


def _rendered(basemap: basemaps.Basemap, bounds: list[list[float]]) -> str:
    """Return the map's page with the JSON ``\\uXXXX`` escapes decoded."""
    fmap = layers.base_map(basemap)
    fmap.fit_bounds(bounds)
    html = fmap.get_root().render()
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), html)


def test_offline_map_html_has_the_layer_and_no_tiles() -> None:
    offline = basemaps.available_basemaps("zh")[0]
    html = _rendered(offline, [[36.0, 120.1], [36.4, 120.5]])
    assert "tn-basemap" in html and "tn-basemap-labels" in html
    assert "L.tileLayer" not in html
    assert not re.search(r"https?://[^\"' ]*\{z\}", html)  # no tile URL template
    # the attribution (quotes JSON-escaped in the page) and the labels
    assert offline.attribution.replace('"', '\\"') in html
    assert "tn-bm-label" in html
    assert '"interactive": false' in html


def test_labels_follow_the_language() -> None:
    zh = _rendered(basemaps.available_basemaps("zh")[0], [[35.6, 119.5], [37.1, 121.0]])
    en = _rendered(basemaps.available_basemaps("en")[0], [[35.6, 119.5], [37.1, 121.0]])
    assert "即墨区" in zh and "Jimo" not in zh
    assert "Jimo" in en and "即墨区" not in en


def test_tile_basemaps_have_no_offline_layer() -> None:
    for basemap in basemaps.available_basemaps("zh"):
        if basemap.key in ("osm", "gaode", "none"):
            html = _rendered(basemap, [[36.0, 120.1], [36.4, 120.5]])
            assert "tn-basemap" not in html
