"""Coverage per cell and the gap list, from the database, as of a date.

* :func:`coverage_report` — :func:`grid.coverage.coverage` of one level on
  a date: the cells, staff and rule breaches of the staffing context
  (:func:`twonet.rules.staffing_context`), the employer facts aggregated in
  the database (:mod:`twonet.db.coverage_queries`).
* :func:`gap_report` — the ranked, filtered gap list
  (:func:`grid.gaps.gap_list`) of the same frame.
* :func:`frame_json`, :func:`coverage_file_bytes`, :func:`gaps_file_bytes`
  (a page's download buttons), :func:`write_coverage`, :func:`write_gaps` —
  out to people: JSON, CSV and XLSX with Chinese headers
  (:mod:`twonet.exports`); the gap list's XLSX carries the ranking rule in
  a second sheet.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from grid.coverage import COVERAGE_COLUMNS, coverage
from grid.errors import TwoNetError
from grid.gaps import GAP_COLUMNS, filter_gaps, gap_list, ranking_rule
from grid.staffing import StaffingRules, check_rules
from twonet.db.coverage_queries import employer_facts
from twonet.db.repository import Bind
from twonet.exports import csv_bytes, xlsx_bytes
from twonet.rules import load_rules, staffing_context

#: Chinese headers of coverage and gap tables in CSV/XLSX.
COVERAGE_HEADERS_ZH: dict[str, str] = {
    "rank": "排名",
    "cell_code": "网格编码",
    "cell_name": "网格名称",
    "level": "级别",
    "parent_code": "上级网格",
    "county_code": "所属区县",
    "place": "位置",
    "score": "缺口得分",
    "employers": "用人单位数",
    "workers": "职工人数",
    "inspectors": "专职监察员",
    "assistants": "协管员",
    "employers_per_assistant": "每名协管员负责单位数",
    "employers_per_inspector": "每名监察员负责单位数",
    "breaches": "人员配置违规数",
    "inspected_12m_share": "十二个月内检查比例",
    "patrolled_twice_share": "年巡查两次以上比例",
    "stale_data_share": "用工信息超六个月比例",
    "employers_without_cell": "未落下级网格单位数",
    "complaints_overdue": "超期未结投诉",
    "wage_complaints_overdue": "其中欠薪投诉",
    "violations_12m": "十二个月内违法案件",
    "reasons_zh": "原因",
    "reasons_en": "reasons",
}
#: Chinese headers of the ranking-rule sheet.
RULE_HEADERS_ZH: dict[str, str] = {
    "term": "项 / term",
    "weight": "权重 / weight",
    "rule_zh": "规则",
    "rule_en": "rule",
}


def coverage_report(
    bind: Bind,
    level: str,
    as_of: dt.date | None = None,
    rules: StaffingRules | None = None,
) -> pd.DataFrame:
    """Return the coverage of every cell at ``level`` in the database on ``as_of``.

    Parameters
    ----------
    bind : Engine or Connection
    level : str
        ``city``, ``county``, ``township`` or ``village`` (or 市/县/乡/村).
    as_of : date, optional
        Default today.  Cells, staff and assignments are those of the date;
        inspections, violations and complaints after it are ignored; the
        employers are the current register's.
    rules : StaffingRules, optional
        For the breaches; default :func:`twonet.rules.load_rules` ().

    Returns
    -------
    DataFrame
        :data:`grid.coverage.COVERAGE_COLUMNS`, one row per cell, by code.
    """
    as_of = as_of or dt.date.today()
    rules = rules if rules is not None else load_rules()
    context = staffing_context(bind, as_of)
    facts = employer_facts(bind, as_of)
    return coverage(
        context.cells,
        facts,
        level=level,
        as_of=as_of,
        staff=_active_staff(context.staff, context.assignments),
        breaches=check_rules(context, rules),
    )


def _active_staff(staff: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """Return ``staff_id, cell_code, kind`` of active people's assignments."""
    active = staff[staff["active"].astype(bool)].set_index("staff_id")["kind"]
    rows = assignments.loc[:, ["staff_id", "cell_code"]].drop_duplicates()
    rows = rows.assign(kind=rows["staff_id"].map(active))
    return rows.dropna(subset=["kind"]).reset_index(drop=True)


def gap_report(
    bind: Bind,
    level: str,
    as_of: dt.date | None = None,
    rules: StaffingRules | None = None,
    *,
    county: str | None = None,
    min_employers: int = 0,
    top: int | None = None,
) -> pd.DataFrame:
    """Return the ranked gap list of the cells at ``level`` on ``as_of``.

    Parameters
    ----------
    bind, level, as_of, rules
        As :func:`coverage_report`; ``rules`` also gives the limit of
        employers per 协管员 (rule ``employers_per_assistant``).
    county : str, optional
        Only cells in this county (the county itself at county level).
    min_employers : int
        Only cells with at least this many employers.
    top : int, optional
        Only the first N after filtering.

    Returns
    -------
    DataFrame
        :data:`grid.gaps.GAP_COLUMNS`, highest score first (``rank`` is the
        rank before filtering).
    """
    rules = rules if rules is not None else load_rules()
    frame = coverage_report(bind, level, as_of, rules)
    gaps = gap_list(frame, max_employers=_limit(rules))
    return filter_gaps(gaps, county=county, min_employers=min_employers, top=top)


def _limit(rules: StaffingRules) -> int:
    return int(rules.employers_per_assistant.limit or 150)


# ------------------------------------------------------------------ output
def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a frame as plain records (missing values as ``None``)."""
    records = []
    columns = [str(c) for c in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        record: dict[str, Any] = {}
        for key, value in zip(columns, row, strict=True):
            record[key] = _plain(value)
        records.append(record)
    return records


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def frame_json(frame: pd.DataFrame) -> str:
    """Return a frame as a JSON list of objects (UTF-8 text, not escaped)."""
    return json.dumps(frame_records(frame), ensure_ascii=False, indent=1)


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if str(column).endswith("_share") or str(column).startswith("employers_per"):
            out[column] = out[column].astype(float).round(3)
    return out


def coverage_file_bytes(frame: pd.DataFrame, suffix: str) -> bytes:
    """Return a coverage frame as a ``.json``, ``.csv`` or ``.xlsx`` file's bytes.

    For a page's download button; :func:`write_coverage` writes the same.
    """
    out = frame.loc[:, [c for c in COVERAGE_COLUMNS if c in frame]]
    return _file_bytes(out, suffix, {"覆盖情况": _rounded(out)})


def gaps_file_bytes(
    frame: pd.DataFrame, suffix: str, max_employers: int = 150
) -> bytes:
    """Return a gap list as a file's bytes; an XLSX has the ranking rule as sheet 2."""
    out = frame.loc[:, [c for c in GAP_COLUMNS if c in frame]]
    rule = ranking_rule(max_employers).rename(columns=RULE_HEADERS_ZH)
    return _file_bytes(out, suffix, {"覆盖缺口": _rounded(out), "排序规则": rule})


def write_coverage(frame: pd.DataFrame, path: Path) -> Path:
    """Write a coverage frame by suffix: ``.json``, ``.csv`` or ``.xlsx``."""
    path.write_bytes(coverage_file_bytes(frame, path.suffix))
    return path


def write_gaps(frame: pd.DataFrame, path: Path, max_employers: int = 150) -> Path:
    """Write a gap list by suffix; an XLSX gets the ranking rule as sheet 2."""
    path.write_bytes(gaps_file_bytes(frame, path.suffix, max_employers))
    return path


def _file_bytes(
    frame: pd.DataFrame, suffix: str, sheets: dict[str, pd.DataFrame]
) -> bytes:
    suffix = suffix.lower().lstrip(".")
    if suffix == "json":
        return (frame_json(frame) + "\n").encode("utf-8")
    if suffix == "csv":
        return csv_bytes(_rounded(frame), COVERAGE_HEADERS_ZH)
    if suffix == "xlsx":
        return xlsx_bytes(sheets, COVERAGE_HEADERS_ZH)
    msg = (
        f"无法写出 {suffix!r} 格式：请用 json、csv 或 xlsx / cannot write "
        f"{suffix!r}: use json, csv or xlsx"
    )
    raise TwoNetError(msg)
