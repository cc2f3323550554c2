"""Violation hotspots from the database: the service behind ``twonet hotspots``.

Checks (level, types, dates) → reads (:mod:`twonet.db.hotspot_queries`) →
statistics (:mod:`grid.hotspots`, :mod:`grid.emerging`,
:mod:`grid.hotspot_density`) → rows for people (JSON, CSV, XLSX).

What a page calls
-----------------
* :func:`hotspot_report` — one row per cell with class, explanation and,
  with ``emerging=True``, the emerging-hotspot pattern (``trend``);
* :func:`density_view` and :func:`hexagon_view` — the boundary-free checks;
* :func:`report_records` / :func:`write_report` — export.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import geopandas as gpd
import pandas as pd

from grid.codes import Level, parse_level
from grid.emerging import emerging_table, quarter_of
from grid.errors import HotspotError
from grid.hotspot_density import h3_counts, kernel_density
from grid.hotspot_text import CLASS_NAMES, TREND_NAMES
from grid.hotspots import DEFAULT_SEED, HOTSPOT_COLUMNS, hotspot_table
from grid.record_types import VIOLATION_TYPES
from twonet.db import hotspot_queries as q
from twonet.db.repository import Bind, load_cells
from twonet.exports import write_table

#: Columns of a report, in order (JSON keys, CSV/XLSX columns).
REPORT_COLUMNS: Final[tuple[str, ...]] = (
    *HOTSPOT_COLUMNS[:12],
    "class_zh",
    "trend",
    "trend_zh",
    "mk_tau",
    "mk_p",
    *HOTSPOT_COLUMNS[12:],
)

#: Spreadsheet headers (Chinese first).
REPORT_HEADERS_ZH: Final[dict[str, str]] = {
    "cell_code": "网格编码 / cell_code",
    "cell_name": "网格名称 / cell_name",
    "violations": "违法案件数 / violations",
    "employers": "用人单位数 / employers",
    "rate": "每单位案件数 / rate",
    "smoothed_rate": "平滑后比率 / smoothed_rate",
    "neighbours": "相邻网格数 / neighbours",
    "z": "Gi* z",
    "p": "p（校正前） / p",
    "p_fdr": "p（FDR 校正后） / p_fdr",
    "significant": "显著 / significant",
    "class": "类别代码 / class",
    "class_zh": "类别 / class name",
    "trend": "趋势代码 / trend",
    "trend_zh": "新兴热点模式 / emerging pattern",
    "mk_tau": "Mann-Kendall tau",
    "mk_p": "Mann-Kendall p",
    "coverage": "12个月检查覆盖率 / coverage",
    "under_inspected": "检查不足的热点 / under-inspected",
    "explanation_zh": "说明",
    "explanation_en": "explanation",
}


@dataclass(frozen=True)
class HotspotQuery:
    """What to analyse: a level, violation types and the days found.

    ``date_to`` defaults to today; ``date_from`` to no lower bound.  The
    inspection coverage is the 12 months up to ``date_to``.
    """

    level: Level
    types: tuple[str, ...] | None
    date_from: dt.date | None
    date_to: dt.date

    def filters(self) -> dict[str, Any]:
        """Return the keyword filters of :mod:`twonet.db.hotspot_queries`."""
        return {
            "types": self.types,
            "date_from": self.date_from,
            "date_to": self.date_to,
        }


def violation_type_code(value: str) -> str:
    """Return the code of a violation type given by code or Chinese name."""
    text = value.strip()
    if text in VIOLATION_TYPES:
        return text
    for code, coded in VIOLATION_TYPES.items():
        if text in (coded.zh, coded.number):
            return code
    known = "、".join(f"{c}（{v.zh}）" for c, v in VIOLATION_TYPES.items())
    msg = (
        f"未知的违法类型 {value!r}，可选 / unknown violation type {value!r}; "
        f"known: {known}"
    )
    raise HotspotError(msg)


def make_query(
    level: Level | str,
    *,
    types: Sequence[str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> HotspotQuery:
    """Return a checked :class:`HotspotQuery` (bad values raise, bilingual)."""
    end = date_to or dt.date.today()
    if date_from is not None and date_from > end:
        msg = f"起始日期晚于截止日期 / --from {date_from} is after --to {end}"
        raise HotspotError(msg)
    codes = (
        tuple(dict.fromkeys(violation_type_code(t) for t in types)) if types else None
    )
    return HotspotQuery(parse_level(level), codes, date_from, end)


def _quarters(query: HotspotQuery, days: pd.DataFrame) -> list[str]:
    start = query.date_from or (min(days["found_on"]) if not days.empty else None)
    if start is None:
        return []
    return list(
        pd.period_range(pd.Period(start, "Q"), pd.Period(query.date_to, "Q")).astype(
            str
        )
    )


def hotspot_report(
    bind: Bind,
    query: HotspotQuery,
    *,
    emerging: bool = False,
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.10,
) -> gpd.GeoDataFrame:
    """Return the hotspot analysis of the cells of ``query.level``.

    Parameters
    ----------
    bind : Engine or Connection
    query : HotspotQuery
        From :func:`make_query`.
    emerging : bool
        Also run Gi* per quarter and fill ``trend`` (else null).
    permutations, seed, alpha
        Gi* permutations and seed; false discovery rate of ``significant``.

    Returns
    -------
    GeoDataFrame
        :data:`REPORT_COLUMNS` and the cell geometry (EPSG:4326), one row
        per cell valid on ``query.date_to``, in code order.
    """
    cells = load_cells(bind, level=query.level, as_of=query.date_to)
    if cells.empty:
        msg = (
            f"{query.date_to} 没有 {query.level.value} 级网格 / "
            f"no {query.level.value} cells on {query.date_to}"
        )
        raise HotspotError(msg)
    days = q.violation_days(bind, query.level, **query.filters())
    coverage = q.employer_coverage(bind, query.level, as_of=query.date_to)
    known = set(cells["code"])
    counts = coverage.merge(
        days.groupby("cell_code", as_index=False)["violations"].sum(),
        on="cell_code",
        how="outer",
    )
    counts = counts[counts["cell_code"].isin(known)]
    table = hotspot_table(
        cells, counts, permutations=permutations, seed=seed, alpha=alpha
    )
    table["class_zh"] = table["class"].map(lambda c: CLASS_NAMES[c][0])
    table["trend"] = None
    table["trend_zh"] = None
    table["mk_tau"] = math.nan
    table["mk_p"] = math.nan
    if emerging:
        days = days[days["cell_code"].isin(known)]
        quarterly = days.assign(quarter=quarter_of(days["found_on"]))
        trend = emerging_table(
            cells,
            coverage.set_index("cell_code")["employers"],
            quarterly,
            _quarters(query, days),
            permutations=permutations,
            seed=seed,
            alpha=alpha,
        ).set_index("cell_code")
        codes = table["cell_code"]
        table["trend"] = codes.map(trend["trend"]).to_numpy()
        table["trend_zh"] = [
            TREND_NAMES[t][0] if isinstance(t, str) else None for t in table["trend"]
        ]
        table["mk_tau"] = codes.map(trend["mk_tau"]).to_numpy()
        table["mk_p"] = codes.map(trend["mk_p"]).to_numpy()
        _add_trend_note(table)
    return gpd.GeoDataFrame(
        table[[*REPORT_COLUMNS, "geometry"]], geometry="geometry", crs=cells.crs
    )


def _add_trend_note(table: pd.DataFrame) -> None:
    """Append the emerging pattern to each tested cell's explanation."""
    zh: list[str] = []
    en: list[str] = []
    for code, text_zh, text_en in zip(
        table["trend"], table["explanation_zh"], table["explanation_en"], strict=True
    ):
        names = TREND_NAMES.get(code) if isinstance(code, str) else None
        zh.append(f"{text_zh}按季度趋势：{names[0]}。" if names else str(text_zh))
        en.append(f"{text_en} Quarterly trend: {names[1]}." if names else str(text_en))
    table["explanation_zh"] = zh
    table["explanation_en"] = en


def density_view(
    bind: Bind,
    query: HotspotQuery,
    *,
    cell_size_m: float = 500.0,
    bandwidth_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Return the kernel density of the violation points (raster squares)."""
    points = q.violation_points(bind, query.level, **query.filters())
    return kernel_density(points, cell_size_m=cell_size_m, bandwidth_m=bandwidth_m)


def hexagon_view(
    bind: Bind, query: HotspotQuery, *, resolution: int = 8
) -> gpd.GeoDataFrame:
    """Return violation points counted per H3 hexagon."""
    points = q.violation_points(bind, query.level, **query.filters())
    return h3_counts(points, resolution=resolution)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def report_records(report: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the report as JSON-ready dicts (missing values are ``None``)."""
    rows = report.loc[:, list(REPORT_COLUMNS)]
    return [
        {k: _plain(v) for k, v in zip(REPORT_COLUMNS, row, strict=True)}
        for row in rows.itertuples(index=False, name=None)
    ]


def report_json(report: pd.DataFrame) -> str:
    """Return the report as a JSON list of objects (UTF-8 text, not escaped)."""
    return json.dumps(report_records(report), ensure_ascii=False, indent=1)


def write_report(report: pd.DataFrame, path: Path) -> Path:
    """Write the report by suffix: ``.json``, ``.csv`` or ``.xlsx``."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.write_text(report_json(report) + "\n", encoding="utf-8")
        return path
    if suffix in (".csv", ".xlsx"):
        frame = pd.DataFrame(report.loc[:, list(REPORT_COLUMNS)])
        return write_table(frame, path, headers=REPORT_HEADERS_ZH, sheet="违法热点")
    msg = (
        f"无法写出“{path.name}”：请用 .json、.csv 或 .xlsx / cannot write "
        f"{path.name!r}: use .json, .csv or .xlsx"
    )
    raise HotspotError(msg)
