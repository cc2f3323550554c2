"""Measure geocoding accuracy on labelled sets that TwoNet did not make.

Two measurements, both pure (no database, no Streamlit):

* :func:`address_accuracy` parses labelled addresses with
  :func:`grid.address.parse_addresses` and compares the unit found at each of
  the five levels with the name a human annotator wrote for that level
  (``data/accuracy/addresses.csv``, read by :func:`load_labelled_addresses`).
* :func:`gcj02_accuracy` converts points declared GCJ-02 (高德/Amap) to WGS-84
  with :func:`grid.coords.to_wgs84`, places them with a
  :class:`grid.locate.CellLocator` and compares the county found with the
  county the point was labelled with (``data/accuracy/gcj02_points.csv``, read
  by :func:`load_gcj02_points`); the same points taken naively as WGS-84 are
  scored beside them.  :func:`sample_points_in_districts` generates such
  points inside district polygons (how the committed points were made).

How a label is matched
----------------------
The labels are **names** (``余杭``, ``乔司街道``, ``江干区``, ``富阳市``,
``袁新庄行政村|大朱庄``), never codes, and a label is **never parsed** with
the address parser (that would be circular).  For a level *L* with a
non-empty label and the unit *u* we resolved at *L*, the label names *u*
when **any** of its ``|``-separated **parts** (blanks removed, full-width
characters folded, as :func:`grid.address.normalise_address` does) passes
the first of these rules that decides (:func:`label_names_unit`):

1. **A name the gazetteer lists for u** names *u*: a province-to-township
   keyword of :meth:`~grid.gazetteer.Gazetteer.keyword_entries` whose
   meanings include *u* — its 2023 full name and short forms, a historical
   name (2016 list and change tables: ``江干区`` → 上城区, ``即墨市`` →
   即墨区, ``马山镇`` → 马山街道) or a zone alias (``西海岸新区`` → 黄岛区).
   A historical name the gazetteer maps only to a coarser unit (``江东区``
   "merged, lies in 宁波市") names no county.
2. **The 2023 full name of other units** at level *L* (``朝阳县`` against
   朝阳区, ``高桥镇`` against 银湖街道) does **not** name *u*.
3. **Shared name forms.**  Otherwise the part names *u* when the forms of
   :func:`grid.gazetteer.name_forms` at level *L* of the part and of *u*'s
   2023 name intersect (the full name and the short forms without
   省/市/区/县/旗/镇/乡/街道/办事处/村委会/居委会/社区/村 …): ``余杭`` names
   余杭区, ``暨阳`` 暨阳街道, ``观前村`` 观前村村民委员会, and a county whose
   suffix changed keeps its stem (``富阳市`` names 富阳区); a bare part also
   names *u* when the part plus a suffix of level *L* (省/市/自治区,
   市/地区/盟/州, 区/县/市/旗, 镇/乡/街道, 村/社区) is one of *u*'s forms
   (``柯桥`` names 柯桥区, although ``name_forms`` gives no short form
   ending in 桥).  A village also
   has the forms of the 2016 villages the gazetteer maps to it (renamed
   villages, :meth:`~grid.gazetteer.Gazetteer.village_index`); villages have
   no national keyword table, so for them only rule 3 applies.  A
   placeholder city without a name of its own (市辖区, 县,
   省直辖县级行政区划) takes the forms of its province (``北京``) and of its
   counties (``仙桃市``).

Outcome at level *L* (:func:`label_outcomes`):

* not counted when the label at *L* is empty (the source gives no label);
* ``unresolved`` when we resolved no unit at *L*;
* ``correct`` when the label names *u* and, with ``chain=True`` (the
  default), no coarser level is ``wrong`` with a label the gazetteer knows as
  a name at that coarser level (:func:`label_is_known_name`): a 城东街道 found
  in another county than the labelled one is not the labelled 城东街道,
  while a coarser label that is no name at its level (``慈溪市`` written as
  the city, a typo like ``红河洲``) does not discredit the finer levels;
* ``wrong`` otherwise.

``accuracy = correct / n_labelled`` and ``precision = correct / (correct +
wrong)``.

Known limits of the rule: the gazetteer knows the units of the 2016 list
that are gone by 2023 and the county changes of its change tables, but not
older township mergers, so a label such as ``受降镇`` (not in the 2016 list;
the parse gives 银湖街道) counts as ``wrong`` even where the parse is right;
and variant characters (``于潜`` for 於潜, ``翁阳`` for 翁垟) and annotation
slips are not forgiven.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from grid.address import normalise_address, parse_addresses
from grid.coords import to_wgs84
from grid.errors import GridFileError
from grid.gazetteer import KIND_FULL, LEVEL_NAMES, Gazetteer, name_forms
from grid.locate import CellLocator
from grid.qa import metric_crs

#: Label columns of a labelled address set, from the province down.
LABEL_COLUMNS: tuple[str, ...] = LEVEL_NAMES
#: Code column of :func:`grid.address.parse_addresses` for each label column.
PARSED_CODE_COLUMNS: tuple[str, ...] = (
    "province_code",
    "city_code",
    "county_code",
    "town_code",
    "village_code",
)
#: Columns of :func:`address_accuracy`.
ACCURACY_COLUMNS: tuple[str, ...] = (
    "dataset",
    "level",
    "n_labelled",
    "correct",
    "wrong",
    "unresolved",
    "accuracy",
    "precision",
)
#: Columns of a labelled GCJ-02 point set (:func:`load_gcj02_points`).
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
#: ``dataset`` of the rows that pool every dataset.
ALL = "all"
#: Outcomes of one label (``None``: not labelled).
CORRECT, WRONG, UNRESOLVED = "correct", "wrong", "unresolved"

#: Names of the statistical list that are placeholders, not places.
_PLACEHOLDERS = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)
#: Administrative suffixes of each level, for bare stems that
#: :func:`~grid.gazetteer.name_forms` does not produce (柯桥 of 柯桥区).
_SUFFIXES: tuple[tuple[str, ...], ...] = (
    ("省", "市", "自治区"),
    ("市", "地区", "盟", "州"),
    ("区", "县", "市", "旗"),
    ("镇", "乡", "街道"),
    ("村", "社区"),
)
#: Trailing row locators of a ``source`` value (`` line 12``, `` case 3``).
_ROW_LOCATOR = re.compile(r"\s+(?:line|case|row)\s+\d+\s*$")
#: Mean Earth radius (IUGG), metres.
_EARTH_RADIUS_M = 6_371_008.8


# --------------------------------------------------------------------------
# labelled addresses


def _read_text_csv(
    path: Path | str, what: str, required: Sequence[str]
) -> pd.DataFrame:
    """Read a UTF-8 CSV (BOM allowed) as text; every ``required`` column present.

    Raises
    ------
    GridFileError
        If the file cannot be read or a required column is missing (``what``
        names the file's kind in the message).
    """
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
    except (OSError, ValueError) as exc:
        msg = f"cannot read {what} {str(path)!r}: {exc}"
        raise GridFileError(msg) from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        msg = f"{what} {str(path)!r} lack columns: {', '.join(missing)}"
        raise GridFileError(msg)
    return frame


def load_labelled_addresses(path: Path | str) -> pd.DataFrame:
    """Read a labelled address set such as ``data/accuracy/addresses.csv``.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV with the columns ``address`` and :data:`LABEL_COLUMNS`
        (names as the source wrote them, ``|`` between several; empty = not
        labelled), and optionally ``source`` and ``label_method``.

    Returns
    -------
    DataFrame
        Every column as text (missing values as ``""``), plus ``dataset``:
        the ``source`` without its row locator (``, via …``, `` line 12``,
        ``@commit``), e.g. ``CCKS2021-address-NER dev set``; ``all`` when the
        file has no ``source`` column.

    Raises
    ------
    GridFileError
        If the file cannot be read or a required column is missing.
    """
    frame = _read_text_csv(path, "labelled addresses", ("address", *LABEL_COLUMNS))
    for column in LABEL_COLUMNS:
        frame[column] = frame[column].str.strip()
    if "source" in frame.columns:
        frame["dataset"] = frame["source"].map(dataset_of)
    else:
        frame["dataset"] = ALL
    return frame


def dataset_of(source: str) -> str:
    """Return the dataset part of a ``source`` value (its row locator dropped).

    Examples
    --------
    >>> dataset_of("CCKS2021-address-NER dev set, via a/b:dev.json@1d73 line 2")
    'CCKS2021-address-NER dev set'
    >>> dataset_of("dongrixinyu/JioNLP:test/test_location_parser.py@12c5 case 3")
    'dongrixinyu/JioNLP:test/test_location_parser.py'
    """
    text = str(source).split(",", 1)[0].strip()
    text = _ROW_LOCATOR.sub("", text)
    return text.split("@", 1)[0].strip() or ALL


def split_label(label: object) -> list[str]:
    """Return the parts of a label: ``|``-separated, normalised, non-empty.

    Examples
    --------
    >>> split_label(" 袁新庄行政村 | 大朱庄 ")
    ['袁新庄行政村', '大朱庄']
    >>> split_label(None)
    []
    """
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return []
    parts = (normalise_address(p) for p in str(label).split("|"))
    return [p for p in parts if p]


def _unit_forms(gazetteer: Gazetteer, unit: int) -> set[str]:
    """Return the name forms of a unit (rule 3 of the module docstring)."""
    level = gazetteer.level[unit]
    name = gazetteer.name(unit)
    forms = set(name_forms(name, level))
    if level == 4:
        town = gazetteer.parent[unit]
        if town >= 0:
            index = gazetteer.village_index(town)
            forms.update(
                form
                for form, target in zip(index.forms, index.targets, strict=True)
                if target == unit
            )
    elif level == 1 and name in _PLACEHOLDERS:
        province = gazetteer.parent[unit]
        if province >= 0:
            forms.update(name_forms(gazetteer.name(province), 0))
        for county in gazetteer.descendants(unit, 2):
            forms.update(name_forms(gazetteer.name(county), 2))
    return forms


def label_names_unit(gazetteer: Gazetteer, label: object, unit: int) -> bool:
    """Tell whether a label names a unit, by the rules of the module docstring.

    Parameters
    ----------
    gazetteer : Gazetteer
    label : str
        A name as an annotator wrote it; several names joined by ``|`` match
        when any of them does.
    unit : int
        A unit index of ``gazetteer`` (its level is the level compared).

    Returns
    -------
    bool

    Examples
    --------
    >>> import pandas as pd
    >>> frames = {
    ...     "provinces": pd.DataFrame({"code": [33], "name": ["浙江省"]}),
    ...     "cities": pd.DataFrame({"code": [3301], "name": ["杭州市"]}),
    ...     "areas": pd.DataFrame({"code": [330110, 330111],
    ...                            "name": ["余杭区", "富阳区"]}),
    ... }
    >>> g = Gazetteer.from_frames(frames)
    >>> yuhang, fuyang = g.index_of("330110"), g.index_of("330111")
    >>> label_names_unit(g, "余杭", yuhang), label_names_unit(g, "富阳市", fuyang)
    (True, True)
    >>> label_names_unit(g, "余杭区", fuyang), label_names_unit(g, "x|余杭区", yuhang)
    (False, True)
    """
    parts = split_label(label)
    if not parts:
        return False
    level = gazetteer.level[unit]
    own: set[str] | None = None
    for part in parts:
        entries = _keyword_entries(gazetteer, part) if level < 4 else []
        if any(u == unit for u, _ in entries):
            return True
        if any(
            kind == KIND_FULL and gazetteer.level[u] == level for u, kind in entries
        ):
            continue
        if own is None:
            own = _unit_forms(gazetteer, unit)
        if own.intersection(name_forms(part, level) or [part]):
            return True
        if own.intersection(part + suffix for suffix in _SUFFIXES[level]):
            return True
    return False


def label_is_known_name(gazetteer: Gazetteer, label: object, level: int) -> bool:
    """Tell whether the gazetteer knows a label as a name of some unit at a level.

    Any ``|``-separated part that is a full name, short form, historical name
    or zone alias of a province, city, county or township of ``level``
    counts.  Always ``False`` for villages (level 4), which have no national
    name table.

    Examples
    --------
    >>> import pandas as pd
    >>> g = Gazetteer.from_frames({
    ...     "provinces": pd.DataFrame({"code": [33], "name": ["浙江省"]}),
    ...     "cities": pd.DataFrame({"code": [3302], "name": ["宁波市"]}),
    ...     "areas": pd.DataFrame({"code": [330282], "name": ["慈溪市"]})})
    >>> label_is_known_name(g, "慈溪市", 1), label_is_known_name(g, "宁波", 1)
    (False, True)
    """
    if level >= 4:
        return False
    return any(
        gazetteer.level[u] == level
        for part in split_label(label)
        for u, _ in _keyword_entries(gazetteer, part)
    )


def _keyword_entries(gazetteer: Gazetteer, name: str) -> list[tuple[int, int]]:
    """Return ``(unit, kind)`` of every meaning of an admin keyword."""
    keyword = gazetteer.keyword_id(name)
    if keyword is None:
        return []
    return [(unit, kind) for unit, kind, _, _ in gazetteer.keyword_entries(keyword)]


def label_outcomes(
    labelled: pd.DataFrame,
    parsed: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    chain: bool = True,
) -> pd.DataFrame:
    """Score every label of every row against a parse of the same rows.

    Parameters
    ----------
    labelled : DataFrame
        :data:`LABEL_COLUMNS` (names; empty or missing = not labelled).
    parsed : DataFrame
        :func:`grid.address.parse_addresses` of the same rows, in the same
        order (:data:`PARSED_CODE_COLUMNS` are used).
    gazetteer : Gazetteer
        The gazetteer the addresses were parsed with.
    chain : bool, default True
        Count a level as ``wrong`` when a coarser level is wrong and its
        label is a name the gazetteer knows at that level, even if the names
        agree (see the module docstring).

    Returns
    -------
    DataFrame
        One row per input row, index of ``labelled``; one column per level
        with ``correct``, ``wrong``, ``unresolved`` or ``None`` (not
        labelled).

    Raises
    ------
    ValueError
        If the two frames differ in length.
    """
    if len(labelled) != len(parsed):
        msg = f"{len(labelled)} labelled rows but {len(parsed)} parsed rows"
        raise ValueError(msg)
    memo: dict[tuple[str, str], bool] = {}
    units: dict[str, int | None] = {}
    out: dict[str, list[str | None]] = {level: [] for level in LABEL_COLUMNS}
    label_rows = labelled.reindex(columns=list(LABEL_COLUMNS)).to_numpy(dtype=object)
    code_rows = parsed[list(PARSED_CODE_COLUMNS)].to_numpy(dtype=object)
    for labels, codes in zip(label_rows, code_rows, strict=True):
        failed = False
        for depth, (level, label, code) in enumerate(
            zip(LABEL_COLUMNS, labels, codes, strict=True)
        ):
            if not split_label(label):
                out[level].append(None)
                continue
            if code is None or (isinstance(code, float) and math.isnan(code)):
                out[level].append(UNRESOLVED)
                continue
            key = (str(label), str(code))
            match = memo.get(key)
            if match is None:
                if key[1] not in units:
                    units[key[1]] = gazetteer.index_of(key[1])
                unit = units[key[1]]
                match = unit is not None and label_names_unit(gazetteer, label, unit)
                memo[key] = match
            if match and not (chain and failed):
                out[level].append(CORRECT)
            else:
                out[level].append(WRONG)
                failed = failed or (
                    not match and label_is_known_name(gazetteer, label, depth)
                )
    return pd.DataFrame(out, index=labelled.index, dtype=object)


def summarise_outcomes(
    outcomes: pd.DataFrame, datasets: Sequence[str] | pd.Series | None = None
) -> pd.DataFrame:
    """Count the outcomes of :func:`label_outcomes` per dataset and level.

    Parameters
    ----------
    outcomes : DataFrame
        From :func:`label_outcomes`.
    datasets : sequence of str, optional
        The dataset of each row; without it every row is in ``all``.

    Returns
    -------
    DataFrame
        Columns :data:`ACCURACY_COLUMNS`: for each dataset (in order of first
        appearance) one row per level, then five ``all`` rows pooling every
        row (only these without ``datasets``).
        ``accuracy`` and ``precision`` are NaN when their denominator is 0.
    """
    everything = pd.Series(True, index=outcomes.index)
    selections: list[tuple[str, pd.Series]] = []
    if datasets is not None:
        keys = pd.Series(list(datasets), index=outcomes.index, dtype=object)
        for group in dict.fromkeys(keys.tolist()):
            selections.append((str(group), keys == group))
    selections.append((ALL, everything))
    rows: list[dict[str, Any]] = []
    for dataset, mask in selections:
        for level in LABEL_COLUMNS:
            values = outcomes.loc[mask, level]
            correct = int((values == CORRECT).sum())
            wrong = int((values == WRONG).sum())
            unresolved = int((values == UNRESOLVED).sum())
            n = correct + wrong + unresolved
            rows.append(
                {
                    "dataset": dataset,
                    "level": level,
                    "n_labelled": n,
                    "correct": correct,
                    "wrong": wrong,
                    "unresolved": unresolved,
                    "accuracy": correct / n if n else math.nan,
                    "precision": (
                        correct / (correct + wrong) if correct + wrong else math.nan
                    ),
                }
            )
    return pd.DataFrame(rows, columns=list(ACCURACY_COLUMNS))


def address_accuracy(
    labelled: pd.DataFrame,
    gazetteer: Gazetteer,
    *,
    region: Sequence[str] | None = None,
    by: str | None = "dataset",
    chain: bool = True,
) -> pd.DataFrame:
    """Per-level accuracy of the address parser on a labelled set.

    Parameters
    ----------
    labelled : DataFrame
        ``address`` and :data:`LABEL_COLUMNS`, e.g. from
        :func:`load_labelled_addresses`.
    gazetteer : Gazetteer
    region : sequence of str, optional
        Passed to :func:`grid.address.parse_addresses` (``None`` for a
        nationwide set).
    by : str or None, default ``"dataset"``
        Column to break the table down by (ignored when absent); ``None``
        gives only the pooled ``all`` rows.
    chain : bool, default True
        See :func:`label_outcomes`.

    Returns
    -------
    DataFrame
        Columns :data:`ACCURACY_COLUMNS`, one row per level (province, city,
        county, township, village) and dataset, then five pooled ``all``
        rows (see :func:`summarise_outcomes`):
        ``n_labelled`` rows with a label at that level, of which ``correct``
        (our unit there is the one the label names, see the module
        docstring), ``wrong`` (we resolved another unit) and ``unresolved``
        (we did not resolve down to that level); ``accuracy = correct /
        n_labelled``, ``precision = correct / (correct + wrong)``.

    Raises
    ------
    CellCodeError
        If a region code is malformed or unknown.
    """
    parsed = parse_addresses(labelled["address"], gazetteer, region=region)
    outcomes = label_outcomes(labelled, parsed, gazetteer, chain=chain)
    datasets = labelled[by] if by is not None and by in labelled.columns else None
    return summarise_outcomes(outcomes, datasets)


# --------------------------------------------------------------------------
# points declared GCJ-02


def load_gcj02_points(path: Path | str) -> pd.DataFrame:
    """Read a labelled GCJ-02 point set such as ``data/accuracy/gcj02_points.csv``.

    Parameters
    ----------
    path : path-like
        A UTF-8 CSV with the columns :data:`GCJ02_COLUMNS`.

    Returns
    -------
    DataFrame
        ``lon_gcj02`` and ``lat_gcj02`` as float, every other column as text.

    Raises
    ------
    GridFileError
        If the file cannot be read, a column is missing or a coordinate is
        not a number.
    """
    frame = _read_text_csv(path, "GCJ-02 points", GCJ02_COLUMNS)
    for column in ("lon_gcj02", "lat_gcj02"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = frame.index[values.isna()].tolist()
        if bad:
            rows = ", ".join(str(i + 2) for i in bad[:10])
            msg = (
                f"GCJ-02 points {str(path)!r}: {column} is not a number in rows {rows}"
            )
            raise GridFileError(msg)
        frame[column] = values.astype(np.float64)
    return frame


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
        e.g. from :func:`load_gcj02_points`.
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


def read_datav_districts(path: Path | str) -> gpd.GeoDataFrame:
    """Read an Aliyun DataV.GeoAtlas ``*_full.json`` export of districts.

    Parameters
    ----------
    path : path-like
        A GeoJSON FeatureCollection whose features carry ``adcode`` and
        ``name`` properties (e.g. ``370200_full.json``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``code`` (6-digit adcode as text), ``name`` and ``geometry``, sorted
        by code.  The coordinates are **GCJ-02** (Amap); the frame has no CRS
        on purpose.

    Raises
    ------
    GridFileError
        If the file cannot be read or is not such a FeatureCollection.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        records = [
            {
                "code": str(int(f["properties"]["adcode"])),
                "name": str(f["properties"]["name"]),
                "geometry": shape(f["geometry"]),
            }
            for f in data["features"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = f"cannot read DataV districts {str(path)!r}: {exc}"
        raise GridFileError(msg) from exc
    frame = gpd.GeoDataFrame(records, geometry="geometry", crs=None)
    return frame.sort_values("code", ignore_index=True)


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
        :func:`read_datav_districts`.
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
