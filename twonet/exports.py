"""Every table TwoNet writes for people: columns, Chinese headers, writers.

One place decides how a table leaves the system, so every export is safe
in the same way:

* CSV is UTF-8 with a byte-order mark (Excel in China opens it right).
* Text that a spreadsheet would run as a formula (it begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return: CSV injection) is
  written as text: in CSV behind an apostrophe, as Excel itself does, and in
  XLSX as a string cell, never a formula.
* Spreadsheets get Chinese headers; GeoJSON and GeoPackage keep the English
  column names and a WGS-84 point (or the rows' own geometry).
* An XLSX carries no time of writing: the same table gives the same bytes.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from grid.errors import TwoNetError

#: Columns of employer exports and of ``twonet geocode`` output, in order.
EXPORT_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "registered_address",
    "operating_address",
    "industry_code",
    "category",
    "staff",
    "city_code",
    "county_code",
    "township_code",
    "village_code",
    "method",
    "confidence",
    "flags",
    "lon",
    "lat",
)
#: Chinese headers for CSV/XLSX exports (Chinese first, as real registers).
EXPORT_HEADERS_ZH: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "name": "单位名称",
    "registered_address": "注册地址",
    "operating_address": "生产经营地址",
    "industry_code": "行业代码",
    "industry": "行业",
    "category": "重点类别",
    "staff": "职工人数",
    "city_code": "市级网格",
    "county_code": "县级网格",
    "township_code": "乡级网格",
    "village_code": "村级网格",
    "method": "定位方式",
    "confidence": "置信度",
    "flags": "标记",
    "lon": "经度(WGS84)",
    "lat": "纬度(WGS84)",
    "queued": "待复核",
}
#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Tell whether a spreadsheet would run ``value`` as a formula.

    Examples
    --------
    >>> is_formula_like("=HYPERLINK('http://x')"), is_formula_like("青岛某公司")
    (True, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix an apostrophe to every text cell a spreadsheet would run.

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"name": ["=1+1", "甲"]}))["name"].tolist()
    ["'=1+1", '甲']
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        if values.map(is_formula_like).astype(bool).any():
            out[column] = pd.Series(
                [f"'{v}" if is_formula_like(v) else v for v in values],
                index=values.index,
                dtype=object,
            )
    return out


def csv_bytes(frame: pd.DataFrame, headers: Mapping[str, str] | None = None) -> bytes:
    """Return a table as CSV bytes (UTF-8 with BOM), formulas neutralised."""
    out = neutralise_formulas(frame).rename(columns=dict(headers or {}))
    buffer = io.StringIO()
    # CRLF records (RFC 4180, what Excel writes): a value holding CR or LF
    # is then quoted, and reads back whole
    out.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8-sig")


def xlsx_bytes(
    sheets: Mapping[str, pd.DataFrame], headers: Mapping[str, str] | None = None
) -> bytes:
    """Return tables as an XLSX workbook, one sheet each; text stays text.

    openpyxl would store a string beginning with ``=`` as a formula; here
    every such cell is typed as a string.  The header row is frozen (it
    stays in view while scrolling) and each column is as wide as its
    longest header or value, within limits (:func:`column_widths`).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title=title[:31])
        named = frame.rename(columns=dict(headers or {}))
        sheet.freeze_panes = "A2"
        for number, width in enumerate(column_widths(named), start=1):
            sheet.column_dimensions[get_column_letter(number)].width = width
        sheet.append([str(c) for c in named.columns])
        for record in named.itertuples(index=False, name=None):
            row: list[Any] = []
            for value in record:
                cell = WriteOnlyCell(sheet, value=_plain(value))
                if is_formula_like(cell.value):
                    cell.data_type = "s"
                row.append(cell)
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return _without_timestamps(buffer.getvalue())


#: Narrowest and widest column of a workbook, in characters.
_WIDTHS = (6.0, 60.0)
#: Rows looked at to size a column (a large table is not read whole).
_WIDTH_SAMPLE = 500


def column_widths(frame: pd.DataFrame) -> list[float]:
    """Return a spreadsheet width for each column: its longest text, bounded.

    A CJK character counts as two (it is drawn twice as wide); only the
    first rows are looked at.

    Examples
    --------
    >>> column_widths(pd.DataFrame({"单位名称": ["青岛某某有限公司"], "n": [1]}))
    [18.0, 6.0]
    """
    widths = []
    sample = frame.head(_WIDTH_SAMPLE)
    for position, header in enumerate(frame.columns):
        texts = [str(header)]
        texts += ["" if _plain(v) is None else str(v) for v in sample.iloc[:, position]]
        longest = max(_text_width(text) for text in texts) + 2
        widths.append(float(min(max(longest, _WIDTHS[0]), _WIDTHS[1])))
    return widths


def _text_width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


#: The time written into a workbook instead of "now" (the zip format's epoch).
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_CORE_TIMES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _without_timestamps(workbook: bytes) -> bytes:
    """Return an XLSX with fixed times: the same table gives the same bytes.

    openpyxl stamps the time of saving on every zip entry and in
    ``docProps/core.xml``; both become 1980-01-01.
    """
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(workbook))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rb"\g<1>1980-01-01T00:00:00Z\g<2>", data)
            info = zipfile.ZipInfo(entry.filename, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, data)
    return buffer.getvalue()


def _plain(value: object) -> object:
    """Return ``value`` as openpyxl can write it (NA and NaN as empty cells)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, list | tuple | dict | set):
        return str(value)
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()  # numpy scalars
    return value


def write_table(
    frame: pd.DataFrame,
    path: Path,
    *,
    headers: Mapping[str, str] | None = None,
    lon: str = "lon",
    lat: str = "lat",
    sheet: str = "data",
    geometry: Any = None,
    layer: str | None = None,
) -> Path:
    """Write a table by the file suffix: CSV, XLSX, GeoJSON or GPKG.

    Parameters
    ----------
    frame : DataFrame
    path : Path
        ``.csv`` or ``.xlsx`` (with ``headers``), ``.geojson`` or ``.gpkg``
        (English column names, a WGS-84 point from ``lon``/``lat``).
    headers : mapping, optional
        Column → header for spreadsheets.
    lon, lat : str
        Point columns for the geographic formats.
    sheet : str
        XLSX sheet name.
    geometry : sequence of shapely geometries, optional
        WGS-84 geometries of the rows for the geographic formats, instead of
        points from ``lon``/``lat``.
    layer : str, optional
        Layer name of the geographic formats (GeoJSON's ``name``); default
        the file name's stem.

    Raises
    ------
    TwoNetError
        Another suffix.
    """
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".gpkg"):
        import geopandas as gpd

        if geometry is None:
            geometry = gpd.points_from_xy(frame[lon], frame[lat], crs=4326)
        gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
        gdf.to_file(
            path, driver="GeoJSON" if suffix == ".geojson" else "GPKG", layer=layer
        )
    elif suffix == ".xlsx":
        path.write_bytes(xlsx_bytes({sheet: frame}, headers))
    elif suffix == ".csv":
        path.write_bytes(csv_bytes(frame, headers))
    else:
        msg = (
            f"cannot write {path.name!r}: use .csv, .xlsx, .geojson or .gpkg "
            f"(无法写出“{path.name}”：请用 .csv、.xlsx、.geojson 或 .gpkg)"
        )
        raise TwoNetError(msg)
    return path


# ------------------------------------------------------------------ employers
def employers_frame(bind: Any) -> pd.DataFrame:
    """Return every stored employer with its placement (:data:`EXPORT_COLUMNS`)."""
    from sqlalchemy import select

    from twonet.db import repository as repo
    from twonet.db.models import Employer

    columns = [getattr(Employer, c) for c in EXPORT_COLUMNS]
    with repo.transaction(bind) as connection:
        rows = connection.execute(select(*columns).order_by(Employer.uscc)).all()
    return pd.DataFrame(rows, columns=list(EXPORT_COLUMNS))


def write_employers(frame: pd.DataFrame, path: Path) -> Path:
    """Write placed employers by the file suffix: CSV, XLSX, GeoJSON or GPKG."""
    out = frame.loc[:, [c for c in EXPORT_COLUMNS if c in frame]]
    return write_table(out, path, headers=EXPORT_HEADERS_ZH, sheet="用人单位")


def search_csv(rows: pd.DataFrame) -> bytes:
    """Return employer search rows as CSV bytes with Chinese headers.

    The same headers as ``twonet employers export``; ``queued`` is 是/否.
    """
    out = rows.assign(queued=rows["queued"].map({True: "是", False: "否"}))
    return csv_bytes(out, EXPORT_HEADERS_ZH)
