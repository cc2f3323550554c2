"""A synthetic employer registry for the Qingdao demo (illustrative, generated).

:func:`generate_registry` makes tens of thousands of employers placed in the
demo grid's village cells, with everything a real labour-inspection export
has and the faults real exports have; :func:`write_registry` writes them, one
file per county bureau, in the formats and encodings such exports come in.
Every employer is invented; place names are real (NBS 2023 list and, for
historical names, the 2016 list).

What a row carries
------------------
* **Who**: a name in the styles registers use (``青岛XX服装有限公司``,
  ``黄岛区XX小吃店``), a valid unified social credit code
  (:func:`ingest.uscc.make_uscc`) whose registration-area code is the true
  county for about 85 % of rows, the city (370200) or an old county code
  (370282 即墨市, 370284 胶南市) for about 8 %, another Qingdao county for
  about 5 % and another province for about 2 %; a legal representative and a
  phone number.
* **What**: a GB/T 4754-2017 industry (:data:`INDUSTRIES`) for one of the
  campaign target types of the seeds (小作坊, 小砖窑, 小矿山, garment and toy
  processing, catering, construction, entertainment venues, live-streaming,
  labour dispatch and overseas-labour agencies) or an ordinary employer;
  economic type; staff counts that obey the register's rules (staff = men +
  women; staff >= on post >= migrant workers; signed <= required <= staff;
  insured <= staff); an update date, some of them stale (> 6 months).
* **Where**: a true point drawn uniformly inside a village cell (weights:
  urban communities denser than rural villages, campaign types where they
  occur); about 3 % of employers sit in the six development-zone towns
  without geometry and have an address only.  Addresses follow the formats
  of real registers (:data:`ADDRESS_FORMATS`), some with full-width digits;
  about 9 % use historical names: 即墨市 / 胶南市, towns renamed since 2016
  (王台镇, 蓝村镇...), villages merged away in 2019-2021.  The registered
  address mostly equals the operating address; some employers are
  registered in another county or province.  Coordinates come in mixed
  datums: about 45 % WGS-84/CGCS2000, 25 % GCJ-02, 10 % BD-09, 20 % missing.
* **Faults**: about 3 % of rows carry one deliberate defect
  (:data:`DEFECTS`).

:attr:`RegistryDemo.truth` records, per row, the true cells and point, how
the row was written and which defect it carries; it is for accuracy checks
and never part of the registry.

Everything is deterministic: one seeded :class:`numpy.random.Generator`
stream per aspect, no iteration over sets or unordered dicts, a fixed
reference date (:data:`AS_OF`).

Where the parts are
-------------------
This module runs the generator and assembles the result.  The tables it
draws from (industries, categories, counties, name parts, formats,
datums, defects) are CSV and TOML files in ``data/demo_registry/``, read by
:mod:`ingest.demo_tables`; the places come from :mod:`ingest.demo_gazetteer`;
:mod:`ingest.demo_values` draws who and what each row is,
:mod:`ingest.demo_places` its addresses and coordinates,
:mod:`ingest.demo_problems` the planted defects, and
:mod:`ingest.demo_export` writes the files.  The public names of those
modules that callers use are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from grid.errors import GridBuildError
from ingest.demo_export import write_registry
from ingest.demo_gazetteer import Gazetteer, read_gazetteer
from ingest.demo_places import declare_coordinates, draw_historical, write_addresses
from ingest.demo_problems import plant_defects
from ingest.demo_tables import (
    ADDRESS_FORMATS,
    AS_OF,
    CATEGORIES,
    CITY_CODE,
    COUNT_HEADERS,
    COUNTY_SHARES,
    CRS_LABELS,
    CRS_SHARES,
    DEFECT_SHARE,
    DEFECTS,
    ECONOMIC_TYPES,
    EXPORT_STYLES,
    HEADERS,
    HISTORICAL_SHARE,
    INDUSTRIES,
    JIAONAN_TOWNS,
    NO_GEOMETRY_SHARE,
    OLD_COUNTIES,
    OTHER_PROVINCES,
    STALE_DAYS,
    TRUTH_COLUMNS,
    USCC_AREA_SHARES,
    Category,
    ExportStyle,
    Industry,
)
from ingest.demo_values import (
    draw_dates,
    draw_names,
    draw_people,
    draw_points,
    draw_staff,
    draw_uscc_areas,
    draw_uscc_codes,
    draw_who_and_where,
)
from ingest.divisions import HISTORICAL_VERSION, division_files

__all__ = [
    "ADDRESS_FORMATS",
    "AS_OF",
    "CATEGORIES",
    "CITY_CODE",
    "COUNTY_SHARES",
    "COUNT_HEADERS",
    "CRS_LABELS",
    "CRS_SHARES",
    "DEFECTS",
    "DEFECT_SHARE",
    "ECONOMIC_TYPES",
    "EXPORT_STYLES",
    "HEADERS",
    "HISTORICAL_SHARE",
    "INDUSTRIES",
    "JIAONAN_TOWNS",
    "NO_GEOMETRY_SHARE",
    "OLD_COUNTIES",
    "OTHER_PROVINCES",
    "STALE_DAYS",
    "TRUTH_COLUMNS",
    "USCC_AREA_SHARES",
    "Category",
    "ExportStyle",
    "Industry",
    "RegistryDemo",
    "generate_registry",
    "write_registry",
]

_DEFAULT_CACHE = Path(__file__).resolve().parents[1] / "data" / "cache"


# --------------------------------------------------------------------------
# result


@dataclass(frozen=True)
class RegistryDemo:
    """A generated registry and its ground truth.

    Attributes
    ----------
    rows : pandas.DataFrame
        The registry, columns :data:`HEADERS`: text columns as ``str``
        (missing: NA), ``经度``/``纬度`` float (NaN when missing), head
        counts ``Int64``, ``更新日期`` a :class:`datetime.date` or, on rows
        with an unparseable date, the text.
    truth : pandas.DataFrame
        Columns :data:`TRUTH_COLUMNS`, aligned with ``rows`` (``row`` is the
        position in ``rows``).  ``lon``/``lat``: true WGS-84 point (NaN in
        towns without geometry); ``crs``: ``wgs84``, ``cgcs2000``,
        ``gcj02``, ``bd09`` or ``none``; ``historical``: comma-separated
        ``county``/``town``/``village`` (names in ``historical_names``);
        ``uscc_area_kind``: a key of :data:`USCC_AREA_SHARES`;
        ``defects``: comma-separated keys of :data:`DEFECTS` (``""`` on good
        rows); ``duplicate_of``: the row whose code a ``uscc_duplicate`` row
        copies (-1 otherwise).
    seconds : float
        Generation time.
    as_of : datetime.date
        Reference date of the update dates.
    """

    rows: pd.DataFrame
    truth: pd.DataFrame
    seconds: float
    as_of: dt.date

    def mix(self) -> dict[str, pd.Series]:
        """Return the shares and counts actually produced.

        Returns
        -------
        dict of pandas.Series
            ``crs``, ``address_format``, ``historical``, ``uscc_area_kind``,
            ``category``, ``county`` (shares), ``defects`` (counts per kind).
        """
        t = self.truth
        defects = t["defects"][t["defects"] != ""].str.split(",").explode()
        return {
            "crs": t["crs"].value_counts(normalize=True).sort_index(),
            "address_format": t["address_format"]
            .value_counts(normalize=True)
            .sort_index(),
            "historical": t["historical"][t["historical"] != ""]
            .str.split(",")
            .explode()
            .value_counts()
            .sort_index()
            / len(t),
            "uscc_area_kind": t["uscc_area_kind"]
            .value_counts(normalize=True)
            .sort_index(),
            "category": t["category"].value_counts(normalize=True).sort_index(),
            "county": t["county_code"].value_counts(normalize=True).sort_index(),
            "defects": defects.value_counts().sort_index(),
        }

    def summary(self) -> str:
        """Return a plain-text summary of :meth:`mix`."""
        t = self.truth
        lines = [
            f"{len(t)} employers generated in {self.seconds:.2f} s "
            f"(as of {self.as_of.isoformat()})",
            f"no geometry (address only): {(~t['has_geometry']).mean():.1%}; "
            f"historical names: {(t['historical'] != '').mean():.1%}; "
            f"registered elsewhere: {t['registered_elsewhere'].mean():.1%}; "
            f"stale: {t['stale'].mean():.1%}; "
            f"bad rows: {(t['defects'] != '').sum()}",
        ]
        for key, values in self.mix().items():
            if key == "defects":
                text = ", ".join(f"{k} {int(v)}" for k, v in values.items())
            else:
                text = ", ".join(f"{k or '-'} {v:.1%}" for k, v in values.items())
            lines.append(f"{key}: {text}")
        return "\n".join(lines)


# --------------------------------------------------------------------------
# the generator


def generate_registry(
    cells: pd.DataFrame,
    *,
    n: int = 30_000,
    seed: int = 20231,
    divisions_2016: Mapping[str, Path] | None = None,
    as_of: dt.date = AS_OF,
) -> RegistryDemo:
    """Generate a synthetic employer registry on the Qingdao demo grid.

    Parameters
    ----------
    cells : GeoDataFrame
        The demo cell frame (:func:`grid.demo.build_qingdao_demo`); its
        village cells (with or without geometry) are the places employers
        get.
    n : int, default 30,000
        Number of rows.
    seed : int, default 20231
        Seed; the same seed, cells and 2016 list give the same registry.
    divisions_2016 : mapping, optional
        The 2016 division list as returned by
        ``division_files("2.0.0", cache)`` (needs ``streets.csv`` and
        ``villages.csv``); by default read from ``data/cache`` (fetched once
        with npm when missing).
    as_of : date, default :data:`AS_OF`
        Update dates fall in the two years before it.

    Returns
    -------
    RegistryDemo

    Raises
    ------
    GridBuildError
        ``n`` below 100, or no village cells in ``cells``.

    Examples
    --------
    Needs the demo grid, so not run as a doctest::

        cells, _ = build_qingdao_demo(Path("data/qingdao"))
        demo = generate_registry(cells, n=2_000)
        demo.rows.head()
    """
    started = time.perf_counter()
    if n < 100:
        msg = f"generate at least 100 rows, got n={n!r}"
        raise GridBuildError(msg)
    files = (
        division_files(HISTORICAL_VERSION, _DEFAULT_CACHE)
        if divisions_2016 is None
        else divisions_2016
    )
    gaz = read_gazetteer(cells, files)
    streams = iter(np.random.SeedSequence(seed).spawn(16))

    def rng() -> np.random.Generator:
        return np.random.default_rng(next(streams))

    work = draw_who_and_where(rng(), rng(), gaz, n)
    draw_points(rng(), gaz, work)
    draw_uscc_areas(rng(), gaz, work)
    draw_uscc_codes(rng(), work)
    draw_names(rng(), gaz, work)
    draw_people(rng(), work)
    draw_staff(rng(), work)
    draw_dates(rng(), work, as_of)
    draw_historical(rng(), gaz, work)
    write_addresses(rng(), gaz, work)
    declare_coordinates(rng(), work)
    work["true_uscc"] = work["uscc"]
    work["true_name"] = work["name"]
    plant_defects(rng(), work)
    rows, truth = _assemble(work, gaz)
    return RegistryDemo(rows, truth, time.perf_counter() - started, as_of)


# --------------------------------------------------------------------------
# assembly


def _assemble(work: pd.DataFrame, gaz: Gazetteer) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the registry rows and the truth table."""
    label = {c.key: c.label for c in CATEGORIES}
    industry = work["industry"]
    rows = pd.DataFrame(
        {
            "单位名称": work["name"],
            "统一社会信用代码": work["uscc"],
            "注册地址": work["registered_address"],
            "生产经营地址": work["operating_address"],
            "经度": work["lon"].astype(float),
            "纬度": work["lat"].astype(float),
            "坐标系": work["crs_label"].replace("", None),
            "行业代码": industry,
            "行业名称": industry.map(lambda c: INDUSTRIES[c].name),
            "经济类型": work["econ"],
            "重点类别": work["category"].map(label).replace("", None),
            "职工人数": work["staff"],
            "男": work["men"],
            "女": work["women"],
            "在岗人数": work["on_post"],
            "农民工人数": work["migrant"],
            "应签合同人数": work["required"],
            "劳动合同签订人数": work["signed"],
            "参保人数": work["insured"],
            "法定代表人": work["legal_rep"],
            "联系电话": work["phone"],
            "更新日期": pd.Series(work["updated"].tolist(), dtype=object),
        }
    )
    for column in COUNT_HEADERS:
        rows[column] = rows[column].astype("Int64")
    for column in HEADERS:
        if column not in COUNT_HEADERS and column not in ("经度", "纬度", "更新日期"):
            rows[column] = rows[column].astype("str")
    truth = pd.DataFrame(
        {
            "row": np.arange(len(work)),
            "uscc": work["uscc"],
            "true_uscc": work["true_uscc"],
            "true_name": work["true_name"],
            "category": work["category"],
            "county_code": work["county_code"],
            "county_name": work["county_code"].map(gaz.county_names),
            "township_code": work["town_code"],
            "village_code": work["village_code"],
            "has_geometry": work["has_geometry"].astype(bool),
            "lon": work["true_lon"],
            "lat": work["true_lat"],
            "crs": work["crs"],
            "crs_label": work["crs_label"],
            "address_format": work["address_format"],
            "historical": work["historical"],
            "historical_names": [
                "/".join(x for x in names if x)
                for names in zip(
                    work["old_county"],
                    work["old_town"],
                    work["old_village"],
                    strict=True,
                )
            ],
            "registered_county_code": work["registered_county_code"],
            "registered_elsewhere": work["registered_elsewhere"].astype(bool),
            "uscc_area": work["uscc_area"],
            "uscc_area_kind": work["uscc_area_kind"],
            "uscc_area_matches": work["uscc_area"] == work["county_code"],
            "stale": work["stale"].astype(bool),
            "defects": work["defects"],
            "duplicate_of": work["duplicate_of"],
        }
    )
    for column in truth.columns:
        if truth[column].dtype == object:
            truth[column] = truth[column].astype("str")
    return rows, truth
