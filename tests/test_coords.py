from __future__ import annotations

import math
import time

import numpy as np
import prcoords
import pytest
import shapely
from numpy.testing import assert_allclose, assert_array_equal

from grid.coords import (
    CHINA_BBOX,
    Datum,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    parse_datum,
    to_wgs84,
    transform_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from twonet.errors import CRSError

N_POINTS = 2000


@pytest.fixture(scope="module")
def china_points() -> tuple[np.ndarray, np.ndarray]:
    """Random WGS-84 points spread over mainland China's extent."""
    rng = np.random.default_rng(20240601)
    return rng.uniform(73.6, 134.7, N_POINTS), rng.uniform(18.2, 53.5, N_POINTS)


def _reference(func, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, ...]:
    """Apply a prcoords function (takes and returns (lat, lon)) point by point."""
    out = np.array([func((y, x)) for x, y in zip(lon, lat, strict=True)])
    return out[:, 1], out[:, 0]


def _metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Haversine distance in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * 6371000.0 * np.arcsin(np.sqrt(a))


# -- forward conversions against the reference implementation ---------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (wgs84_to_gcj02, prcoords.wgs_gcj),
        (wgs84_to_bd09, prcoords.wgs_bd),
        (gcj02_to_bd09, prcoords.gcj_bd),
    ],
    ids=["wgs-gcj", "wgs-bd", "gcj-bd"],
)
def test_forward_matches_prcoords(china_points, ours, theirs):
    lon, lat = china_points
    got_lon, got_lat = ours(lon, lat)
    ref_lon, ref_lat = _reference(theirs, lon, lat)
    assert_allclose(got_lon, ref_lon, rtol=0, atol=1e-6)
    assert_allclose(got_lat, ref_lat, rtol=0, atol=1e-6)


def test_known_value_near_qingdao():
    # Hand-checkable: the GCJ-02 offset near Qingdao is about +470 m east,
    # +8 m north (prcoords gives the same to 1e-9 degree).
    lon, lat = wgs84_to_gcj02(120.0, 36.0)
    ref_lat, ref_lon = prcoords.wgs_gcj((36.0, 120.0))
    assert abs(float(lon) - ref_lon) < 1e-8
    assert abs(float(lat) - ref_lat) < 1e-8
    assert 400 < _metres(120.0, 36.0, lon, 36.0) < 550


# -- inverses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (gcj02_to_wgs84, prcoords.gcj_wgs_bored),
        (bd09_to_gcj02, prcoords.bd_gcj_bored),
        (bd09_to_wgs84, prcoords.bd_wgs_bored),
    ],
    ids=["gcj-wgs", "bd-gcj", "bd-wgs"],
)
def test_inverse_matches_prcoords_precise(china_points, ours, theirs):
    lon, lat = china_points
    got_lon, got_lat = ours(lon, lat)
    ref_lon, ref_lat = _reference(theirs, lon, lat)
    assert_allclose(got_lon, ref_lon, rtol=0, atol=1e-6)
    assert_allclose(got_lat, ref_lat, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("forward", "backward"),
    [
        (wgs84_to_gcj02, gcj02_to_wgs84),
        (gcj02_to_bd09, bd09_to_gcj02),
        (wgs84_to_bd09, bd09_to_wgs84),
    ],
    ids=["gcj", "bd-from-gcj", "bd-from-wgs"],
)
def test_round_trip_below_a_centimetre(china_points, forward, backward):
    lon, lat = china_points
    back_lon, back_lat = backward(*forward(lon, lat))
    assert _metres(lon, lat, back_lon, back_lat).max() < 0.01


def test_inverse_is_iterative_not_one_step(china_points):
    # The one-step inverse (prcoords.gcj_wgs) is off by up to metres; ours
    # must be far better than that on the same points.
    lon, lat = china_points
    gcj_lon, gcj_lat = wgs84_to_gcj02(lon, lat)
    rough_lon, rough_lat = _reference(prcoords.gcj_wgs, gcj_lon, gcj_lat)
    ours_lon, ours_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert _metres(lon, lat, rough_lon, rough_lat).max() > 0.1
    assert _metres(lon, lat, ours_lon, ours_lat).max() < 0.001


# -- out-of-China rule, shapes, NaN ---------------------------------------------


@pytest.mark.parametrize(
    "func",
    [
        wgs84_to_gcj02,
        gcj02_to_wgs84,
        gcj02_to_bd09,
        bd09_to_gcj02,
        wgs84_to_bd09,
        bd09_to_wgs84,
    ],
)
def test_points_outside_china_are_unchanged(func):
    lon = np.array([2.3522, -74.006, 151.2093, 72.0, 138.0, 120.0, np.nan])
    lat = np.array([48.8566, 40.7128, -33.8688, 30.0, 36.0, 56.0, 36.0])
    got_lon, got_lat = func(lon, lat)
    assert_array_equal(got_lon, lon)
    assert_array_equal(got_lat, lat)


def test_mixed_inside_and_outside():
    lon, lat = np.array([2.3522, 120.0]), np.array([48.8566, 36.0])
    got_lon, got_lat = wgs84_to_gcj02(lon, lat)
    assert (got_lon[0], got_lat[0]) == (2.3522, 48.8566)
    assert got_lon[1] != 120.0
    assert in_china(lon, lat).tolist() == [False, True]


def test_china_bbox_is_the_documented_rule():
    lon_min, lat_min, lon_max, lat_max = CHINA_BBOX
    assert in_china([lon_min, lon_max], [lat_min, lat_max]).all()
    assert not in_china([lon_min - 1e-9], [30.0]).any()
    assert not in_china([100.0], [lat_max + 1e-9]).any()


def test_shapes_and_scalars_are_preserved():
    lon, lat = wgs84_to_gcj02(120.0, 36.0)
    assert np.shape(lon) == () and np.shape(lat) == ()
    grid_lon, grid_lat = gcj02_to_wgs84(
        np.full((2, 3), 120.0), np.array([35.0, 36.0, 37.0])
    )
    assert grid_lon.shape == grid_lat.shape == (2, 3)
    list_lon, _ = bd09_to_wgs84([120.0, 121.0], [36.0, 37.0])
    assert list_lon.shape == (2,)


def test_inputs_are_not_modified():
    lon, lat = np.array([120.0, 2.0]), np.array([36.0, 48.0])
    gcj02_to_wgs84(lon, lat)
    assert lon.tolist() == [120.0, 2.0] and lat.tolist() == [36.0, 48.0]


def test_million_points_are_fast():
    # A Python loop per point would take many seconds; the vectorised code
    # takes a fraction of one (generous bound for loaded CI machines).
    rng = np.random.default_rng(1)
    lon = rng.uniform(73.6, 134.7, 1_000_000)
    lat = rng.uniform(18.2, 53.5, 1_000_000)
    start = time.perf_counter()
    gcj = wgs84_to_gcj02(lon, lat)
    gcj02_to_wgs84(*gcj)
    assert time.perf_counter() - start < 4.0


# -- datum names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "datum"),
    [
        ("WGS84", Datum.WGS84),
        ("WGS-84", Datum.WGS84),
        ("wgs 84", Datum.WGS84),
        ("EPSG:4326", Datum.WGS84),
        ("CGCS2000", Datum.CGCS2000),
        ("EPSG:4490", Datum.CGCS2000),
        ("2000国家大地坐标系", Datum.CGCS2000),
        ("GCJ02", Datum.GCJ02),
        ("GCJ-02", Datum.GCJ02),
        ("gcj_02", Datum.GCJ02),
        ("火星坐标", Datum.GCJ02),
        ("火星坐标系", Datum.GCJ02),
        ("高德", Datum.GCJ02),
        ("国测局", Datum.GCJ02),
        ("腾讯地图", Datum.GCJ02),
        ("Amap", Datum.GCJ02),
        ("BD09", Datum.BD09),
        ("BD-09", Datum.BD09),
        ("bd09ll", Datum.BD09),
        ("百度", Datum.BD09),
        ("百度坐标", Datum.BD09),
        (Datum.BD09, Datum.BD09),
    ],
)
def test_parse_datum(name, datum):
    assert parse_datum(name) is datum


def test_parse_datum_unknown_shows_value():
    with pytest.raises(CRSError, match="北京54"):
        parse_datum("北京54")


def test_to_wgs84_dispatch(china_points):
    lon, lat = china_points[0][:50], china_points[1][:50]
    for name in ("wgs84", "cgcs2000", "EPSG:4490"):
        got = to_wgs84(lon, lat, name)
        assert_array_equal(got[0], lon)
        assert_array_equal(got[1], lat)
    assert_array_equal(to_wgs84(lon, lat, "高德")[0], gcj02_to_wgs84(lon, lat)[0])
    assert_array_equal(to_wgs84(lon, lat, "百度")[1], bd09_to_wgs84(lon, lat)[1])
    assert_array_equal(
        convert(lon, lat, "cgcs2000", "bd09")[0], wgs84_to_bd09(lon, lat)[0]
    )


# -- geometries ------------------------------------------------------------------


def test_transform_geometry_moves_every_vertex():
    square = shapely.box(120.0, 36.0, 120.01, 36.01)
    shifted = transform_geometry(square, Datum.WGS84, Datum.GCJ02)
    xy = shapely.get_coordinates(square)
    expected = np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    assert_allclose(shapely.get_coordinates(shifted), expected, rtol=0, atol=0)
    back = transform_geometry(shifted, "gcj02", "wgs84")
    assert_allclose(shapely.get_coordinates(back), xy, rtol=0, atol=1e-9)


def test_transform_geometry_array_with_none_and_z():
    geoms = np.array(
        [
            shapely.Polygon([(120, 36, 5), (121, 36, 6), (121, 37, 7)]),
            None,
            shapely.MultiPolygon([shapely.box(100, 30, 101, 31)]),
        ],
        dtype=object,
    )
    out = transform_geometry(geoms, "wgs84", "bd09")
    assert out.shape == (3,)
    assert out[1] is None
    assert shapely.get_coordinates(out[0], include_z=True)[:, 2].tolist() == [
        5.0,
        6.0,
        7.0,
        5.0,
    ]
    assert out[2].geom_type == "MultiPolygon"
    assert not math.isclose(out[2].bounds[0], 100.0)


def test_transform_geometry_same_datum_is_identity():
    square = shapely.box(120.0, 36.0, 120.01, 36.01)
    assert transform_geometry(square, "cgcs2000", "WGS-84") is square
