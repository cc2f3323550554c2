"""Constants and tables of the synthetic Qingdao employer registry.

The tables (industries, campaign categories, counties and their roads, name
parts, address formats, datums, planted problems...) live in
``data/demo_registry/`` as small CSV and TOML files, described in that
folder's ``README.md``; this module reads them once, on import, into the
constants the generator (:mod:`ingest.demo_registry`) uses.  The order of
rows and entries in the files is the order of the random draws, so the same
files give the same registry.  The registry's column headers and a few
single-valued settings (reference date, overall shares) stay here as code.

Examples
--------
>>> INDUSTRIES["L7263"].name, INDUSTRIES["C1819"].factory
('劳务派遣服务', True)
>>> DEFECTS["coord_swapped"]
('经纬度颠倒', 'longitude and latitude swapped')
>>> EXPORT_STYLES["370211"]
ExportStyle(kind='xlsx', encoding='', date_format='iso', title_row=True)
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from grid.errors import GridBuildError

#: Folder of the registry's tables.
DATA_DIR: Final = Path(__file__).resolve().parents[1] / "data" / "demo_registry"

# --------------------------------------------------------------------------
# reading the tables


@functools.cache
def read_table(name: str, columns: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    """Return the rows of a CSV table of :data:`DATA_DIR`, in file order.

    Parameters
    ----------
    name : str
        File name (``"industries.csv"``).
    columns : tuple of str
        Columns the table must have.

    Returns
    -------
    tuple of dict
        One dict per row, column -> text (``""`` for an empty cell).

    Raises
    ------
    GridBuildError
        The file is missing, unreadable or lacks a column.

    Examples
    --------
    >>> read_table("surnames.csv", ("surname", "weight"))[0]
    {'surname': '王', 'weight': '9.0'}
    """
    path = DATA_DIR / name
    try:
        with path.open(encoding="utf-8", newline="") as file:
            reader = csv.DictReader(file)
            rows = tuple(reader)
            header = tuple(reader.fieldnames or ())
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        msg = f"示例名册数据表无法读取 / cannot read demo registry table {path}: {exc}"
        raise GridBuildError(msg) from exc
    lacking = [c for c in columns if c not in header]
    if lacking:
        msg = (
            f"示例名册数据表 {path} 缺少列 / demo registry table {path} lacks "
            f"columns {lacking}; has {list(header)}"
        )
        raise GridBuildError(msg)
    return rows


@functools.cache
def read_settings(name: str) -> dict[str, Any]:
    """Return a TOML file of :data:`DATA_DIR` (tables keep their file order).

    Raises
    ------
    GridBuildError
        The file is missing or not valid TOML.

    Examples
    --------
    >>> read_settings("mix.toml")["historical_weights"]
    {'county': 2.0, 'town': 4.0, 'village': 1.0}
    """
    path = DATA_DIR / name
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        msg = f"示例名册数据表无法读取 / cannot read demo registry table {path}: {exc}"
        raise GridBuildError(msg) from exc


def _yes(text: str) -> bool:
    return text.strip().lower() == "yes"


def _words(text: str) -> tuple[str, ...]:
    """Split a space-separated list cell."""
    return tuple(text.split())


def _weights(table: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """Return ``(key, weight)`` pairs of a TOML table, in file order."""
    return tuple((str(k), v) for k, v in table.items())


# --------------------------------------------------------------------------
# the registry's columns and settings (code, not data)

#: Column headers of the registry, as real exports write them.
HEADERS: Final[tuple[str, ...]] = (
    "单位名称",
    "统一社会信用代码",
    "注册地址",
    "生产经营地址",
    "经度",
    "纬度",
    "坐标系",
    "行业代码",
    "行业名称",
    "经济类型",
    "重点类别",
    "职工人数",
    "男",
    "女",
    "在岗人数",
    "农民工人数",
    "应签合同人数",
    "劳动合同签订人数",
    "参保人数",
    "法定代表人",
    "联系电话",
    "更新日期",
)
#: Head-count columns (integers).
COUNT_HEADERS: Final[tuple[str, ...]] = HEADERS[11:19]

#: Reference date: update dates fall in the two years before it.
AS_OF: Final = dt.date(2026, 9, 30)
#: Data older than this many days is stale (the six-month refresh rule).
STALE_DAYS: Final = 183

#: Truth columns, one row per registry row.
TRUTH_COLUMNS: Final[tuple[str, ...]] = (
    "row",
    "uscc",
    "true_uscc",
    "true_name",
    "category",
    "county_code",
    "county_name",
    "township_code",
    "village_code",
    "has_geometry",
    "lon",
    "lat",
    "crs",
    "crs_label",
    "address_format",
    "historical",
    "historical_names",
    "registered_county_code",
    "registered_elsewhere",
    "uscc_area",
    "uscc_area_kind",
    "uscc_area_matches",
    "stale",
    "defects",
    "duplicate_of",
)

#: Share of employers in towns without geometry (address only).
NO_GEOMETRY_SHARE: Final = 0.03
#: Share of rows whose address uses historical names.
HISTORICAL_SHARE: Final = 0.09
#: Share of rows with a deliberate defect.
DEFECT_SHARE: Final = 0.03
#: Probability that a factory-type employer is a large plant (500-5,000).
LARGE_SHARE: Final = 0.04

CITY_CODE: Final = "370200"

# --------------------------------------------------------------------------
# planted problems, address formats, datums (defects.csv, address_formats.csv,
# mix.toml)

_DEFECT_ROWS = read_table("defects.csv", ("kind", "needs_coordinates", "zh", "en"))
#: Deliberate defects (names follow :data:`ingest.registry.KINDS` where one
#: exists): kind -> (Chinese, English).
DEFECTS: Final[dict[str, tuple[str, str]]] = {
    r["kind"]: (r["zh"], r["en"]) for r in _DEFECT_ROWS
}
#: Defects that need coordinates on the row.
COORD_DEFECTS: Final[tuple[str, ...]] = tuple(
    r["kind"] for r in _DEFECT_ROWS if _yes(r["needs_coordinates"])
)

_FORMAT_ROWS = read_table(
    "address_formats.csv", ("format", "urban_weight", "rural_weight", "example")
)
#: Address formats (truth ``address_format``) with an example each.
ADDRESS_FORMATS: Final[dict[str, str]] = {
    r["format"]: r["example"] for r in _FORMAT_ROWS
}
#: Address formats of a community (社区) and their weights.
URBAN_FORMATS: Final[tuple[tuple[str, float], ...]] = tuple(
    (r["format"], float(r["urban_weight"])) for r in _FORMAT_ROWS if r["urban_weight"]
)
#: Address formats of a village (村) and their weights.
RURAL_FORMATS: Final[tuple[tuple[str, float], ...]] = tuple(
    (r["format"], float(r["rural_weight"])) for r in _FORMAT_ROWS if r["rural_weight"]
)

_MIX = read_settings("mix.toml")
#: Declared datum labels per datum (truth ``crs``) and their weights.
CRS_LABELS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    datum: _weights(labels) for datum, labels in _MIX["crs_labels"].items()
}
#: Target shares of the datums over all rows ("none": no coordinates).
CRS_SHARES: Final[dict[str, float]] = dict(_MIX["crs_shares"])
#: Target shares of the USCC registration-area kinds.
USCC_AREA_SHARES: Final[dict[str, float]] = dict(_MIX["uscc_area_shares"])
#: Relative weights of the historical kinds when a row could use several.
HISTORICAL_WEIGHTS: Final[dict[str, float]] = dict(_MIX["historical_weights"])
#: 坐标系 labels of ``crs_unknown`` rows.
BAD_CRS_LABELS: Final[tuple[str, ...]] = tuple(_MIX["bad_values"]["crs_labels"])
#: 更新日期 texts of ``date_invalid`` rows.
BAD_DATES: Final[tuple[str, ...]] = tuple(_MIX["bad_values"]["dates"])

# --------------------------------------------------------------------------
# places (counties.csv, jiaonan_towns.csv, other_provinces.csv)

_COUNTY_ROWS = read_table(
    "counties.csv", ("code", "name", "share", "old_code", "old_name", "roads")
)
#: City-wide share of employers per county (before category multipliers).
COUNTY_SHARES: Final[dict[str, float]] = {
    r["code"]: float(r["share"]) for r in _COUNTY_ROWS
}
#: County codes of today -> their code and name before a reform.
OLD_COUNTIES: Final[dict[str, tuple[str, str]]] = {
    r["code"]: (r["old_code"], r["old_name"]) for r in _COUNTY_ROWS if r["old_code"]
}
#: Roads of each county's addresses.
ROADS: Final[dict[str, tuple[str, ...]]] = {
    r["code"]: _words(r["roads"]) for r in _COUNTY_ROWS
}
#: Towns of today's 黄岛区 that belonged to the former 胶南市 (370284).
JIAONAN_TOWNS: Final[tuple[str, ...]] = tuple(
    r["town_code"] for r in read_table("jiaonan_towns.csv", ("town_code",))
)
#: Registration areas in other provinces and how their addresses start.
OTHER_PROVINCES: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = tuple(
    (r["area_code"], r["prefix"], _words(r["roads"]))
    for r in read_table("other_provinces.csv", ("area_code", "prefix", "roads"))
)

# --------------------------------------------------------------------------
# industries and campaign categories (industries.csv, categories.toml)


@dataclass(frozen=True)
class Industry:
    """One GB/T 4754-2017 class used by the generator.

    Attributes
    ----------
    code : str
        Section letter + 4-digit class (``"C3031"``).
    name : str
        Class name in the standard.
    words : tuple of str
        Words for employer names (``"砖厂"``, ``"建材厂"``).
    factory : bool
        Manufacturing that may have large plants (500-5,000 staff).
    """

    code: str
    name: str
    words: tuple[str, ...]
    factory: bool = False


#: GB/T 4754-2017 classes used, keyed by code (``industries.csv``; its
#: sources are in ``data/demo_registry/README.md``).
INDUSTRIES: Final[dict[str, Industry]] = {
    r["code"]: Industry(r["code"], r["name"], _words(r["words"]), _yes(r["factory"]))
    for r in read_table("industries.csv", ("code", "name", "factory", "words"))
}


@dataclass(frozen=True)
class Category:
    """A campaign target type (重点类别) and how its employers look.

    Attributes
    ----------
    key : str
        English key (truth ``category``).
    label : str
        Value of the 重点类别 column (``""`` for ordinary employers).
    share : float
        Share of all employers.
    industries : tuple of (code, weight)
    urban, rural : float
        Location weight of a community (社区) and of a village (村).
    counties : tuple of (county code, multiplier)
        Multipliers of the city-wide county shares (others: 1).
    staff : (median, sigma, low, high)
        Log-normal staff size, clipped.
    individual : float
        Share of 个体工商户.
    female, migrant, signed, insured : float
        Mean shares of women, migrant workers, contracts signed, insured.
    """

    key: str
    label: str
    share: float
    industries: tuple[tuple[str, float], ...]
    urban: float
    rural: float
    counties: tuple[tuple[str, float], ...]
    staff: tuple[float, float, int, int]
    individual: float
    female: float
    migrant: float
    signed: float
    insured: float


def _category(entry: dict[str, Any]) -> Category:
    staff = entry["staff"]
    return Category(
        key=entry["key"],
        label=entry["label"],
        share=entry["share"],
        industries=_weights(entry["industries"]),
        urban=entry["urban"],
        rural=entry["rural"],
        counties=_weights(entry.get("counties", {})),
        staff=(staff["median"], staff["sigma"], staff["low"], staff["high"]),
        individual=entry["individual"],
        female=entry["female"],
        migrant=entry["migrant"],
        signed=entry["signed"],
        insured=entry["insured"],
    )


#: The categories, in a fixed order; shares add up to 1.
CATEGORIES: Final[tuple[Category, ...]] = tuple(
    _category(entry) for entry in read_settings("categories.toml")["category"]
)

# --------------------------------------------------------------------------
# names, people, phones (names.toml, surnames.csv, economic_types.csv)

_NAMES = read_settings("names.toml")
#: Characters of trade names (字号).
TRADE_CHARS: Final[str] = _NAMES["trade_chars"]
#: Characters of given names.
GIVEN_CHARS: Final[str] = _NAMES["given_chars"]
#: Trade names of foreign-invested companies.
FOREIGN_TRADE_NAMES: Final[tuple[str, ...]] = tuple(_NAMES["foreign_trade_names"])
#: Last characters of words that name a shop or works (no 有限公司 after them).
SHOP_ENDINGS: Final[tuple[str, ...]] = tuple(_NAMES["shop_endings"])
#: First three digits of mobile numbers.
MOBILE_PREFIXES: Final[tuple[str, ...]] = tuple(_NAMES["mobile_prefixes"])
#: Surnames of legal representatives and their weights.
SURNAMES: Final[tuple[tuple[str, float], ...]] = tuple(
    (r["surname"], float(r["weight"]))
    for r in read_table("surnames.csv", ("surname", "weight"))
)

_ECONOMIC_ROWS = read_table(
    "economic_types.csv",
    ("type", "authority", "org_type", "company_weight", "large_weight"),
)
#: Economic types (经济类型) -> (authority, organisation type) of the USCC.
ECONOMIC_TYPES: Final[dict[str, tuple[str, str]]] = {
    r["type"]: (r["authority"], r["org_type"]) for r in _ECONOMIC_ROWS
}
#: Economic types of companies and their weights.
COMPANY_TYPES: Final[tuple[tuple[str, float], ...]] = tuple(
    (r["type"], float(r["company_weight"]))
    for r in _ECONOMIC_ROWS
    if r["company_weight"]
)
#: Economic types of large plants and their weights.
LARGE_TYPES: Final[tuple[tuple[str, float], ...]] = tuple(
    (r["type"], float(r["large_weight"])) for r in _ECONOMIC_ROWS if r["large_weight"]
)

# --------------------------------------------------------------------------
# export styles (export_styles.csv)


@dataclass(frozen=True)
class ExportStyle:
    """How one county bureau exports its registry.

    Attributes
    ----------
    kind : {"csv", "xlsx"}
    encoding : str
        ``"gbk"`` (Chinese Excel's CSV; GB18030 if a character needs it),
        ``"utf-8-sig"`` (UTF-8 with BOM) or ``""`` for XLSX.
    date_format : str
        How dates are written in a CSV: ``"iso"`` (2024-03-05), ``"slash"``
        (2024/3/5), ``"compact"`` (20240305), ``"chinese"`` (2024年3月5日);
        XLSX files hold date cells.
    title_row : bool
        A title line above the header (XLSX).
    """

    kind: str
    encoding: str
    date_format: str
    title_row: bool = False


#: Export style of each county bureau.
EXPORT_STYLES: Final[dict[str, ExportStyle]] = {
    r["county_code"]: ExportStyle(
        r["kind"], r["encoding"], r["date_format"], _yes(r["title_row"])
    )
    for r in read_table(
        "export_styles.csv",
        ("county_code", "kind", "encoding", "date_format", "title_row"),
    )
}
