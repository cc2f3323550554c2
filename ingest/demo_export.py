"""Writing the demo registry as the county bureaus' exports (CSV and XLSX).

:func:`write_registry` writes one file per county bureau in the style of
:data:`ingest.demo_tables.EXPORT_STYLES`, plus the truth and a manifest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ingest.demo_tables import COUNT_HEADERS, EXPORT_STYLES, HEADERS, ExportStyle

if TYPE_CHECKING:
    from ingest.demo_registry import RegistryDemo


def _date_text(value: object, style: str) -> str:
    """Write a date the way a bureau's CSV export does (text stays as is)."""
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    if style == "slash":
        return f"{value.year}/{value.month}/{value.day}"
    if style == "compact":
        return value.strftime("%Y%m%d")
    if style == "chinese":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.isoformat()


def csv_frame(rows: pd.DataFrame, style: ExportStyle) -> pd.DataFrame:
    """Return the rows as the text a CSV export holds."""
    out = pd.DataFrame(index=rows.index)
    for column in HEADERS:
        values = rows[column]
        if column in ("经度", "纬度"):
            out[column] = [
                "" if pd.isna(x) else f"{x:.6f}".rstrip("0").rstrip(".") for x in values
            ]
        elif column == "更新日期":
            out[column] = [_date_text(x, style.date_format) for x in values]
        elif column in COUNT_HEADERS:
            out[column] = ["" if pd.isna(x) else str(int(x)) for x in values]
        else:
            out[column] = ["" if pd.isna(x) else str(x) for x in values]
    return out


def _write_csv(rows: pd.DataFrame, style: ExportStyle, path: Path) -> str:
    """Write a CSV export; return the encoding actually used."""
    text = csv_frame(rows, style).to_csv(index=False, lineterminator="\r\n")
    encoding = style.encoding or "utf-8-sig"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        encoding = "gb18030"
        data = text.encode(encoding)
    path.write_bytes(data)
    return encoding


def _xlsx_value(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _write_xlsx(rows: pd.DataFrame, style: ExportStyle, path: Path, title: str) -> None:
    """Write an XLSX export with date cells (text where a date is unparseable)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("用人单位")
    if style.title_row:
        sheet.append([title])
    sheet.append(list(HEADERS))
    date_at = HEADERS.index("更新日期")
    for record in rows.itertuples(index=False, name=None):
        values: list[object] = [_xlsx_value(v) for v in record]
        date = values[date_at]
        if isinstance(date, dt.date):
            cell = WriteOnlyCell(sheet, value=date)
            cell.number_format = "yyyy-mm-dd"
            values[date_at] = cell
        sheet.append(values)
    book.save(path)


def write_registry(
    demo: RegistryDemo,
    folder: Path,
    *,
    styles: Mapping[str, ExportStyle] | None = None,
    truth_folder: Path | None = None,
) -> list[Path]:
    """Write the registry as one export per county bureau, plus the truth.

    Each county's rows (by true county) go to
    ``{code}_{county}_用人单位劳动用工信息表.csv|xlsx`` in ``folder``, in the
    style of :data:`EXPORT_STYLES`: GBK or UTF-8-with-BOM CSV with CRLF line
    ends and the county's date format, or XLSX with date cells (one with a
    title line above the header).  ``truth.csv`` (UTF-8) and
    ``manifest.csv`` (one line per export: encoding, date format, header
    row, rows) go to ``truth_folder`` (default ``folder / "truth"``), so that
    ``folder`` holds nothing but exports.  ``truth.csv`` adds ``file`` and
    ``file_row``: the spreadsheet row number of the record (header = 1, or
    2 below a title line), as :func:`ingest.registry.read_registry` counts.

    Parameters
    ----------
    demo : RegistryDemo
    folder : Path
        Created when missing.
    styles : mapping, optional
        County code -> :class:`ExportStyle` (default :data:`EXPORT_STYLES`;
        counties not in it get UTF-8-with-BOM CSV).
    truth_folder : Path, optional
        Where ``truth.csv`` and ``manifest.csv`` go.

    Returns
    -------
    list of Path
        The exports (sorted by county code), then ``truth.csv`` and
        ``manifest.csv``.
    """
    styles = EXPORT_STYLES if styles is None else styles
    folder = Path(folder)
    truth_folder = folder / "truth" if truth_folder is None else Path(truth_folder)
    folder.mkdir(parents=True, exist_ok=True)
    truth_folder.mkdir(parents=True, exist_ok=True)
    truth = demo.truth.copy()
    truth["file"] = ""
    truth["file_row"] = 0
    paths: list[Path] = []
    manifest: list[dict[str, object]] = []
    for code, index in truth.groupby("county_code", sort=True).groups.items():
        style = styles.get(str(code), ExportStyle("csv", "utf-8-sig", "iso"))
        county = str(truth.loc[index[0], "county_name"])
        path = folder / f"{code}_{county}_用人单位劳动用工信息表.{style.kind}"
        part = demo.rows.loc[index]
        header_row = 2 if style.kind == "xlsx" and style.title_row else 1
        if style.kind == "xlsx":
            title = (
                f"{county}用人单位劳动用工信息表（导出日期：{demo.as_of.isoformat()}）"
            )
            _write_xlsx(part, style, path, title)
            encoding = ""
        else:
            encoding = _write_csv(part, style, path)
        truth.loc[index, "file"] = path.name
        truth.loc[index, "file_row"] = np.arange(len(index)) + header_row + 1
        paths.append(path)
        manifest.append(
            {
                "file": path.name,
                "county_code": str(code),
                "county_name": county,
                "kind": style.kind,
                "encoding": encoding,
                "date_format": "date cells"
                if style.kind == "xlsx"
                else style.date_format,
                "header_row": header_row,
                "rows": len(index),
                "bytes": path.stat().st_size,
            }
        )
    truth_path = truth_folder / "truth.csv"
    truth.to_csv(truth_path, index=False, encoding="utf-8")
    manifest_path = truth_folder / "manifest.csv"
    pd.DataFrame(manifest).to_csv(manifest_path, index=False, encoding="utf-8")
    return [*paths, truth_path, manifest_path]
