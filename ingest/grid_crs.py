"""Bring the coordinates of a grid file to WGS-84 longitude/latitude.

Anything pyproj knows is reprojected to EPSG:4326; CGCS2000 (EPSG:4490),
and projections on it, are relabelled rather than moved (the two are under
a metre apart).  Coordinates taken from Gaode or Baidu maps (GCJ-02, BD-09)
are converted back with :mod:`grid.coords`.  A file without a CRS is refused
with a hint at what its coordinates look like.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from grid.cells import EQUIVALENT_EPSG, STORAGE_EPSG, first_non_finite_vertex
from grid.coords import CHINA_BBOX, Datum, transform_geometry
from grid.errors import CRSError

_OBFUSCATED = frozenset({Datum.GCJ02, Datum.BD09})


def to_storage_crs(
    frame: gpd.GeoDataFrame,
    *,
    crs: str | int | CRS | None,
    datum: Datum,
    label: str,
) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """Put ``frame`` in EPSG:4326; return it, the source CRS and notes."""
    notes: list[str] = []
    if crs is not None:
        given = _parse_crs(crs)
        if frame.crs is not None and not _same_crs(frame.crs, given):
            notes.append(
                f"{label} 自带的坐标参考系 {_crs_label(frame.crs)} 已被 "
                f"{_crs_label(given)} 取代 / the CRS of {label} "
                f"({_crs_label(frame.crs)}) was overridden by "
                f"crs={_crs_label(given)}"
            )
        frame = frame.set_crs(given, allow_override=True)
    elif frame.crs is None:
        if datum not in _OBFUSCATED:
            raise CRSError(_no_crs_message(frame, label))
        notes.append(
            f"{label} 没有坐标参考系；{datum.value} 坐标是经纬度，按 EPSG:4326 读取 / "
            f"{label} has no CRS; {datum.value} coordinates are longitude/"
            "latitude, read as EPSG:4326"
        )
        frame = frame.set_crs(STORAGE_EPSG)
    source_crs = _crs_label(CRS.from_user_input(frame.crs))
    frame = _reproject(frame)
    notes += _check_lonlat(frame, label, source_crs)
    return frame, source_crs, notes


def _parse_crs(crs: str | int | CRS) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except PyprojCRSError as exc:
        detail = " ".join(str(exc).split())
        msg = f"无法识别的坐标参考系 {crs!r} / unknown CRS {crs!r}: {detail}"
        raise CRSError(msg) from exc


def _same_crs(a: Any, b: CRS) -> bool:
    a = CRS.from_user_input(a)
    both = {a.to_epsg(), b.to_epsg()}
    return a == b or both <= EQUIVALENT_EPSG


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.to_string()


def _reproject(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    crs = CRS.from_user_input(frame.crs)
    if crs.to_epsg() in EQUIVALENT_EPSG:
        # CGCS2000 and WGS-84 are under a metre apart: relabel, do not move.
        return frame.set_crs(STORAGE_EPSG, allow_override=True)
    geodetic = crs.geodetic_crs
    if geodetic is not None and geodetic.to_epsg() == 4490:
        # A CGCS2000 projection: unproject to CGCS2000 lon/lat, then relabel.
        return frame.to_crs(4490).set_crs(STORAGE_EPSG, allow_override=True)
    return frame.to_crs(STORAGE_EPSG)


def _bounds_text(frame: gpd.GeoDataFrame) -> str:
    minx, miny, maxx, maxy = frame.total_bounds
    return f"({minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g})"


def _no_crs_message(frame: gpd.GeoDataFrame, label: str) -> str:
    minx, miny, maxx, maxy = frame.total_bounds
    lonlat = bool(
        np.all(np.isfinite([minx, miny, maxx, maxy]))
        and -180 <= minx <= maxx <= 180
        and -90 <= miny <= maxy <= 90
    )
    hint = (
        "the coordinates look like longitude/latitude, so probably EPSG:4490"
        if lonlat
        else "the coordinates look projected (metres): give that projection, "
        "e.g. EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E) or EPSG:3857"
    )
    hint_zh = (
        "坐标像经纬度，多半是 EPSG:4490"
        if lonlat
        else "坐标像投影坐标（米），请给出该投影，如 EPSG:4547 或 EPSG:3857"
    )
    return (
        f"{label} 没有坐标参考系（缺少 .prj？），范围 {_bounds_text(frame)}；"
        f"请用 --crs 指定，如 --crs EPSG:4490（{hint_zh}） / "
        f"{label} has no coordinate reference system (no .prj?); bounds "
        f"{_bounds_text(frame)}. Pass it explicitly: `--crs EPSG:4490` on the "
        f"command line, or crs='EPSG:4490' to read_grid_file ({hint})"
    )


def _check_lonlat(frame: gpd.GeoDataFrame, label: str, source_crs: str) -> list[str]:
    """Refuse coordinates that are not lon/lat; note ones outside China."""
    geometry = frame.geometry
    finite = first_non_finite_vertex(geometry.array) < 0  # the others are rejected
    present = geometry[~(geometry.isna() | geometry.is_empty) & finite]
    if present.empty:
        return []
    minx, miny, maxx, maxy = present.total_bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        msg = (
            f"{label} 从 {source_crs} 转换到 EPSG:4326 后不是经纬度（范围 "
            f"{_bounds_text(present)}）：声明的坐标参考系多半有误，请用 --crs 指定 / "
            f"coordinates of {label} are not longitude/latitude after converting "
            f"from {source_crs} to EPSG:4326: bounds {_bounds_text(present)}; the "
            "declared CRS is probably wrong, pass the right one with `--crs`"
        )
        raise CRSError(msg)
    lon_min, lat_min, lon_max, lat_max = CHINA_BBOX
    if maxx < lon_min or minx > lon_max or maxy < lat_min or miny > lat_max:
        return [
            f"{label} 位于中国境外（范围 {_bounds_text(present)}），请确认 "
            f"{source_crs} 是正确的坐标参考系 / "
            f"{label} lies outside China (bounds {_bounds_text(present)}); "
            f"check that {source_crs} is the right CRS"
        ]
    return []


def prepare_geometries(frame: gpd.GeoDataFrame, datum: Datum) -> np.ndarray:
    """Return 2-D WGS-84 geometries as an object array (``None`` kept)."""
    geoms = shapely.force_2d(np.asarray(frame.geometry.array, dtype=object))
    if datum in _OBFUSCATED:
        return np.asarray(transform_geometry(geoms, datum, Datum.WGS84), dtype=object)
    return geoms
