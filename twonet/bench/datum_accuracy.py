"""Accuracy of coordinates declared GCJ-02 (高德/Amap): converted versus naive.

:func:`gcj02_accuracy` converts points declared GCJ-02 to WGS-84 with
:func:`grid.coords.to_wgs84`, places them with a
:class:`grid.locate.CellLocator` and compares the county found with the
county the point was labelled with (``data/accuracy/gcj02_points.csv``, read
by :func:`twonet.bench.accuracy.load_gcj02_points`); the same points taken
naively as WGS-84 are scored beside them.  :func:`sample_points_in_districts`
generates such points inside district polygons and :func:`gcj02_point_rows`
writes them as :data:`GCJ02_COLUMNS` (how the committed points were made, see
``data/accuracy/build_notes.md``).  Pure: no database, no Streamlit.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.coords import to_wgs84
from grid.locate import CellLocator
from grid.qa import metric_crs

#: Columns of a labelled GCJ-02 point set
#: (:func:`twonet.bench.accuracy.load_gcj02_points`).
GCJ02_COLUMNS: tuple[str, ...] = (
    "name",
    "lon_gcj02",
    "lat_gcj02",
    "county_name",
    "county_code",
    "source",
    "label_method",
)
#: Columns of :func:`gcj02_accuracy`.
GCJ02_ACCURACY_COLUMNS: tuple[str, ...] = (
    "method",
    "n_points",
    "correct",
    "wrong",
    "unlocated",
    "accuracy",
    "shift_median_m",
    "shift_max_m",
)
#: Mean Earth radius (IUGG), metres.
_EARTH_RADIUS_M = 6_371_008.8


def haversine_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Return great-circle distances in metres (mean Earth radius).

    Examples
    --------
    >>> round(float(haversine_m(120, 36, 120, 36.001)), 1)
    111.2
    """
    x1, y1, x2, y2 = (
        np.radians(np.asarray(v, dtype=np.float64)) for v in (lon1, lat1, lon2, lat2)
    )
    a = (
        np.sin((y2 - y1) / 2) ** 2
        + np.cos(y1) * np.cos(y2) * np.sin((x2 - x1) / 2) ** 2
    )
    return np.asarray(
        2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))),
        dtype=np.float64,
    )


def locate_gcj02_points(points: pd.DataFrame, locator: CellLocator) -> pd.DataFrame:
    """Place points declared GCJ-02, converted and taken naively as WGS-84.

    Parameters
    ----------
    points : DataFrame
        ``lon_gcj02``, ``lat_gcj02`` and ``county_code`` (the label).
    locator : grid.locate.CellLocator
        Built from a WGS-84 cell frame.

    Returns
    -------
    DataFrame
        Index of ``points``; ``lon_wgs84``, ``lat_wgs84`` (converted with
        :func:`grid.coords.to_wgs84`), ``shift_m`` (distance between the
        declared and the converted point), ``county_converted`` and
        ``county_naive`` (the county cell found, ``None`` outside the grid),
        ``township_converted`` and ``township_naive`` (likewise; there is no
        township label, but they show where ignoring the datum moves a
        point) and ``label`` (the labelled county code).
    """
    lon = points["lon_gcj02"].to_numpy(dtype=np.float64)
    lat = points["lat_gcj02"].to_numpy(dtype=np.float64)
    wlon, wlat = to_wgs84(lon, lat, "gcj02")
    converted = locator.locate(wlon, wlat)
    naive = locator.locate(lon, lat)
    return pd.DataFrame(
        {
            "lon_wgs84": wlon,
            "lat_wgs84": wlat,
            "shift_m": haversine_m(lon, lat, wlon, wlat),
            "county_converted": converted["county_code"].to_numpy(dtype=object),
            "county_naive": naive["county_code"].to_numpy(dtype=object),
            "township_converted": converted["township_code"].to_numpy(dtype=object),
            "township_naive": naive["township_code"].to_numpy(dtype=object),
            "label": points["county_code"].astype(str).str.strip().to_numpy(),
        },
        index=points.index,
    )


def gcj02_accuracy(points: pd.DataFrame, locator: CellLocator) -> pd.DataFrame:
    """County accuracy on points declared GCJ-02, converted versus naive.

    Parameters
    ----------
    points : DataFrame
        ``lon_gcj02``, ``lat_gcj02`` and ``county_code`` (6-digit label),
        e.g. from
        :func:`twonet.bench.accuracy.load_gcj02_points`.
    locator : grid.locate.CellLocator
        Built from the grid (WGS-84), e.g. the demo grid of
        :func:`grid.demo.build_qingdao_demo`.

    Returns
    -------
    DataFrame
        Columns :data:`GCJ02_ACCURACY_COLUMNS`, two rows: ``method``
        ``gcj02_to_wgs84`` (the declared datum honoured) and ``naive_wgs84``
        (the same coordinates located as if they were WGS-84).
        ``correct``: the county cell found has the labelled code; ``wrong``:
        another county; ``unlocated``: no county cell holds the point;
        ``accuracy = correct / n_points``; ``shift_median_m`` and
        ``shift_max_m``: distance between the declared coordinate and the one
        located (0 for the naive row).
    """
    found = locate_gcj02_points(points, locator)
    rows = []
    for method, column, shift in (
        ("gcj02_to_wgs84", "county_converted", found["shift_m"]),
        ("naive_wgs84", "county_naive", pd.Series(0.0, index=found.index)),
    ):
        county = found[column]
        located = county.notna()
        correct = int((located & (county == found["label"])).sum())
        unlocated = int((~located).sum())
        n = len(found)
        rows.append(
            {
                "method": method,
                "n_points": n,
                "correct": correct,
                "wrong": n - correct - unlocated,
                "unlocated": unlocated,
                "accuracy": correct / n if n else math.nan,
                "shift_median_m": float(shift.median()) if n else math.nan,
                "shift_max_m": float(shift.max()) if n else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=list(GCJ02_ACCURACY_COLUMNS))


def _allocate(n: int, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Split ``n`` into shares proportional to ``weights`` (largest remainder)."""
    exact = n * weights / weights.sum()
    shares = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - shares), kind="stable")
    shares[order[: n - int(shares.sum())]] += 1
    return shares


def sample_points_in_districts(
    districts: gpd.GeoDataFrame,
    n: int,
    *,
    seed: int = 0,
    inset_m: float = 500.0,
    allocation: str = "equal",
    batch: int = 4096,
) -> pd.DataFrame:
    """Sample points uniformly inside district polygons, away from their edges.

    Parameters
    ----------
    districts : geopandas.GeoDataFrame
        ``code``, ``name`` and lon/lat ``geometry`` (any datum: the points are
        returned in the datum of the polygons), e.g. from
        :func:`twonet.bench.accuracy.read_datav_districts`.
    n : int
        Number of points in all.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same inputs and seed
        give the same points.
    inset_m : float, default 500
        Keep only points at least this far (metres) inside the district's
        boundary (coastline included), so that the points do not test where
        two sources draw a boundary.
    allocation : {"equal", "area"}, default "equal"
        ``equal``: ``n / len(districts)`` points per district (the first
        districts by code get one more when it does not divide);
        ``area``: shares proportional to the inset area (largest remainder).
    batch : int, default 4096
        Candidate points drawn per round of rejection sampling.

    Returns
    -------
    DataFrame
        ``name`` (district name, ``sample`` and a 1-based number), ``lon``, ``lat``
        (rounded to 6 decimals, as Amap publishes), ``county_name``,
        ``county_code``; districts in code order.

    Raises
    ------
    ValueError
        If ``allocation`` is unknown or a district has no area left after the
        inset.

    Notes
    -----
    Sampling is uniform on the ground: each polygon is projected to the local
    Gauss-Krüger zone (:func:`grid.qa.metric_crs`), shrunk by ``inset_m``
    (``buffer(-inset_m)``) and filled by rejection sampling in its bounding
    box.  The lon/lat of the polygons are taken as geographic coordinates for
    the projection only; a datum offset of a few hundred metres changes
    lengths by far less than a metre.
    """
    if allocation not in ("equal", "area"):
        msg = f"allocation must be 'equal' or 'area', not {allocation!r}"
        raise ValueError(msg)
    ordered = districts.sort_values("code", ignore_index=True)
    frame = gpd.GeoDataFrame(ordered, geometry="geometry", crs="EPSG:4326")
    epsg = metric_crs(tuple(float(v) for v in frame.total_bounds))  # type: ignore[arg-type]
    projected = frame.to_crs(epsg)
    inner = [geom.buffer(-inset_m) for geom in projected.geometry]
    empty = [str(c) for c, g in zip(frame["code"], inner, strict=True) if g.is_empty]
    if empty:
        msg = f"no area left {inset_m} m inside districts {', '.join(empty)}"
        raise ValueError(msg)
    if allocation == "equal":
        weights = np.ones(len(inner), dtype=np.float64)
    else:
        weights = np.array([g.area for g in inner], dtype=np.float64)
    shares = _allocate(n, weights)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    for code, name, area, share in zip(
        frame["code"], frame["name"], inner, shares, strict=True
    ):
        xy = _sample_in(area, int(share), rng, batch)
        lonlat = gpd.GeoSeries(shapely.points(xy), crs=epsg).to_crs("EPSG:4326")
        for i, point in enumerate(lonlat, start=1):
            rows.append(
                {
                    "name": f"{name} sample {i:03d}",
                    "lon": round(float(point.x), 6),
                    "lat": round(float(point.y), 6),
                    "county_name": str(name),
                    "county_code": str(code),
                }
            )
    return pd.DataFrame(
        rows, columns=["name", "lon", "lat", "county_name", "county_code"]
    )


def _sample_in(
    area: BaseGeometry, k: int, rng: np.random.Generator, batch: int
) -> npt.NDArray[np.float64]:
    """Draw ``k`` points uniformly inside a projected polygon (rejection)."""
    if k <= 0:
        return np.empty((0, 2), dtype=np.float64)
    minx, miny, maxx, maxy = area.bounds
    shapely.prepare(area)
    kept: list[npt.NDArray[np.float64]] = []
    have = 0
    while have < k:
        x = rng.uniform(minx, maxx, batch)
        y = rng.uniform(miny, maxy, batch)
        inside = shapely.contains_xy(area, x, y)
        chosen = np.column_stack([x[inside], y[inside]])
        kept.append(chosen)
        have += len(chosen)
    return np.concatenate(kept)[:k]


def gcj02_point_rows(
    samples: pd.DataFrame, *, source: str, label_method: str
) -> pd.DataFrame:
    """Turn :func:`sample_points_in_districts` output into :data:`GCJ02_COLUMNS`.

    Parameters
    ----------
    samples : DataFrame
        ``name``, ``lon``, ``lat``, ``county_name``, ``county_code``.
    source, label_method : str
        Written on every row.

    Returns
    -------
    DataFrame
    """
    return pd.DataFrame(
        {
            "name": samples["name"],
            "lon_gcj02": samples["lon"],
            "lat_gcj02": samples["lat"],
            "county_name": samples["county_name"],
            "county_code": samples["county_code"],
            "source": source,
            "label_method": label_method,
        },
        columns=list(GCJ02_COLUMNS),
    )
