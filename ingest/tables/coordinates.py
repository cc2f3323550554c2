"""Check a point given as longitude, latitude and a declared datum.

Any table with a point (an employer's coordinates, a person's home) checks
it the same way, column-wise, with :func:`check_point`:

* both values are numbers (``coord_not_numeric``), or neither is given
  (``coord_partial``);
* they are not swapped (``coord_swapped``) and lie in China
  (``coord_out_of_range``);
* the coordinate system is one :func:`grid.coords.parse_datum` knows
  (``crs_unknown``); a row naming none takes the default datum (WGS-84
  when no default is given, said in a note);
* optionally, the point lies in the grid's extent (``coord_outside_extent``,
  with :data:`OBFUSCATED_MARGIN` for GCJ-02/BD-09 points).

Every problem is a warning that drops the point (the row is kept).  The
point is returned as given, with its datum: :func:`to_wgs84_points`
converts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from grid.coords import CHINA_BBOX, Datum, parse_datum, to_wgs84
from grid.errors import CRSError
from ingest.tables.validate import TableCheck
from ingest.tables.values import fold, null_token_mask, parse_numbers, to_bool

#: Margin (degrees) around the grid extent for GCJ-02/BD-09 coordinates,
#: which lie within about 1 km of their WGS-84 position.
OBFUSCATED_MARGIN: Final = 0.02

#: Problem kinds :func:`check_point` gives, all warnings.
POINT_KINDS: Final[dict[str, str]] = {
    "coord_not_numeric": "warning",
    "coord_partial": "warning",
    "coord_swapped": "warning",
    "coord_out_of_range": "warning",
    "coord_outside_extent": "warning",
    "crs_unknown": "warning",
}


@dataclass(frozen=True)
class PointFields:
    """The fields of a point, and what a dropped point means for the row.

    Parameters
    ----------
    lon, lat, crs : str
        Field names of the longitude, the latitude and the coordinate system.
    then_zh, then_en : str
        Appended to every message after "dropped" (e.g. "，将按地址定位" /
        ", the address will be geocoded"); empty by default.
    default_option : str
        How the user gives the default datum, named in the note about rows
        without one.
    """

    lon: str = "lon"
    lat: str = "lat"
    crs: str = "crs"
    then_zh: str = ""
    then_en: str = ""
    default_option: str = "default_crs= / --default-crs"


def check_point(
    table: TableCheck,
    fields: PointFields,
    *,
    default: Datum | None,
    extent: tuple[float, float, float, float] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], pa.Array]:
    """Check each row's point; return lon, lat (NaN where dropped) and datum.

    Parameters
    ----------
    table : TableCheck
    fields : PointFields
    default : Datum, optional
        Datum of a row whose coordinate system is blank (WGS-84 if ``None``).
    extent : (lon_min, lat_min, lon_max, lat_max), optional
        WGS-84 bounding box the point must lie in.

    Returns
    -------
    lon, lat : ndarray
        As given (in ``datum``), NaN where missing or dropped.
    datum : pyarrow.Array
        :class:`~grid.coords.Datum` value of each row (null where unknown).
    """
    f = fields
    lon, lon_blank = parse_numbers(table.cells(f.lon))
    lat, lat_blank = parse_numbers(table.cells(f.lat))
    drop = np.zeros(table.n, dtype=np.bool_)
    for name, values, blank in ((f.lon, lon, lon_blank), (f.lat, lat, lat_blank)):
        bad = ~blank & np.isnan(values)
        field = table.schema.field(name)
        table.add(
            bad,
            "coord_not_numeric",
            name,
            f"{field.label_zh}“{{value}}”不是数字，坐标已舍弃{f.then_zh}",
            f"{field.label_en} '{{value}}' is not a number; coordinates "
            f"dropped{f.then_en}",
            value=table.cells(name),
        )
        drop |= bad
    pair = "{lon_text}, {lat_text}"
    texts = {"lon_text": table.cells(f.lon), "lat_text": table.cells(f.lat)}
    both = f"{table.label(f.lon)}/{table.label(f.lat)}"
    partial = (lon_blank ^ lat_blank) & ~drop
    table.add(
        partial,
        "coord_partial",
        f.lon,
        f"经纬度只填了一个，坐标已舍弃{f.then_zh}",
        f"only one of longitude and latitude given; coordinates dropped{f.then_en}",
        value=pair,
        column=both,
        **texts,
    )
    drop |= partial
    usable = ~np.isnan(lon) & ~np.isnan(lat)
    swapped = usable & (lat >= 73) & (lat <= 136) & (lon >= 3) & (lon <= 54)
    x_min, y_min, x_max, y_max = CHINA_BBOX
    outside = (
        usable
        & ~swapped
        & ~((lon >= x_min) & (lon <= x_max) & (lat >= y_min) & (lat <= y_max))
    )

    def add_located(mask: npt.NDArray[np.bool_], kind: str, zh: str, en: str) -> None:
        table.add(
            mask,
            kind,
            f.lon,
            zh,
            en,
            value=pair,
            column=both,
            lon_text=texts["lon_text"],
            lat_text=texts["lat_text"],
            lon=lon,
            lat=lat,
        )

    add_located(
        swapped,
        "coord_swapped",
        f"经纬度疑似颠倒(经度{{lon}}，纬度{{lat}})，坐标已舍弃{f.then_zh}",
        "longitude and latitude look swapped (lon {lon}, lat {lat}); "
        f"coordinates dropped{f.then_en}",
    )
    add_located(
        outside,
        "coord_out_of_range",
        f"坐标(经度{{lon}}，纬度{{lat}})不在中国范围内，已舍弃{f.then_zh}",
        f"coordinates (lon {{lon}}, lat {{lat}}) are outside China; dropped{f.then_en}",
    )
    drop |= swapped | outside
    datum, unknown = _datums(table, f, default, usable & ~drop)
    table.add(
        unknown & ~null_token_mask(fold(table.cells(f.crs))),
        "crs_unknown",
        f.crs,
        f"无法识别的坐标系“{{value}}”，坐标已舍弃{f.then_zh}",
        f"unknown coordinate system '{{value}}'; coordinates dropped{f.then_en}",
        value=table.cells(f.crs),
    )
    drop |= unknown & usable
    if extent is not None:
        margin = np.where(
            to_bool(pc.is_in(datum, value_set=pa.array(["gcj02", "bd09"]))),
            OBFUSCATED_MARGIN,
            0.0,
        )
        inside = (
            (lon >= extent[0] - margin)
            & (lon <= extent[2] + margin)
            & (lat >= extent[1] - margin)
            & (lat <= extent[3] + margin)
        )
        beyond = usable & ~drop & ~inside
        add_located(
            beyond,
            "coord_outside_extent",
            f"坐标(经度{{lon}}，纬度{{lat}})不在本网格范围内，已舍弃{f.then_zh}",
            "coordinates (lon {lon}, lat {lat}) are outside the grid's extent; "
            f"dropped{f.then_en}",
        )
        drop |= beyond
    lon = np.where(drop | ~usable, np.nan, lon)
    lat = np.where(drop | ~usable, np.nan, lat)
    return lon, lat, datum


def _datums(
    table: TableCheck,
    fields: PointFields,
    default: Datum | None,
    with_coordinates: npt.NDArray[np.bool_],
) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
    """Datum of each row (``Datum`` value or null) and where it is unknown."""
    text = fold(table.cells(fields.crs))
    blank = null_token_mask(text)
    fallback = default or Datum.WGS84
    if default is None and (blank & with_coordinates).any():
        table.notes.append(
            "rows give coordinates without a coordinate system; taken as "
            f"WGS-84 (pass {fields.default_option}) "
            "(有坐标而未注明坐标系的行按 WGS-84 处理)"
        )
    uniques = pc.unique(text).to_pylist()
    parsed: dict[str, str | None] = {}
    for value in uniques:
        try:
            parsed[value] = parse_datum(value).value
        except CRSError:
            parsed[value] = None
    keys = pa.array(list(parsed), text.type)
    targets = pa.array(list(parsed.values()), pa.string())
    datum = pc.take(targets, pc.index_in(text, value_set=keys))
    unknown = ~blank & ~to_bool(pc.is_valid(datum))
    datum = pc.if_else(pa.array(blank), fallback.value, datum)
    return datum, unknown


def to_wgs84_points(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64], datum: pa.Array
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Convert points from each row's datum to WGS-84 (NaN stays NaN).

    Examples
    --------
    >>> lon, lat = to_wgs84_points(
    ...     np.array([120.00522, 120.0]), np.array([36.000076, 36.0]),
    ...     pa.array(["gcj02", "wgs84"]),
    ... )
    >>> [round(float(v), 4) for v in (*lon, *lat)]
    [120.0, 120.0, 36.0, 36.0]
    """
    out_lon, out_lat = lon.astype(np.float64), lat.astype(np.float64)
    names = np.asarray(pc.fill_null(datum, "").to_pylist(), dtype=object)
    usable = ~np.isnan(out_lon) & ~np.isnan(out_lat)
    for name in sorted({str(n) for n in names[usable]} - {"", "wgs84"}):
        mask = usable & (names == name)
        converted = to_wgs84(out_lon[mask], out_lat[mask], name)
        out_lon[mask], out_lat[mask] = converted
    return out_lon, out_lat
