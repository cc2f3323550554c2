"""Assembly of the demo records' frames (:mod:`ingest.demo_records`).

Turns the drawn events (:mod:`ingest.demo_record_draws`) into the columns
``twonet records import`` reads, numbers the records, adds the awkward
complaints and describes the planted patterns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import numpy as np
import pandas as pd

from grid.record_types import COMPLAINT_STATUSES, INSPECTION_KINDS, VIOLATION_TYPES
from ingest import demo_record_draws as draws
from ingest.demo_record_sites import Sites
from ingest.uscc import ALPHABET, make_uscc

#: Columns of each kind of record, as ``twonet records import`` reads them.
HEADERS: Final[dict[str, tuple[str, ...]]] = {
    "inspections": (
        "检查编号", "检查日期", "检查类型", "统一社会信用代码", "检查人员编号",
        "检查结果",
    ),
    "violations": (
        "案件编号", "统一社会信用代码", "违法类型", "发现日期", "涉及人数",
        "欠薪月数", "欠薪金额", "责令改正", "行政处罚", "罚款金额", "补发工资",
        "补签合同人数", "补缴社保人数", "取缔", "移送公安", "结案日期",
    ),
    "complaints": (
        "投诉编号", "受理日期", "渠道", "统一社会信用代码", "单位名称", "单位地址",
        "类型", "状态", "结案日期",
    ),
}  # fmt: skip
#: Complaints of each awkward kind per 5,000 employers (at least 3).
AWKWARD_PER_5000: Final = 1
_RESULTS: Final = {"clean": "未发现问题", "problem": "发现问题"}
_NAME_PARTS: Final = ("鑫盛", "恒泰", "华宏", "达利", "源隆", "兴聚", "顺通", "安泰")
_NAME_KINDS: Final = (
    "建筑劳务有限公司",
    "服装加工厂",
    "食品加工坊",
    "装饰工程有限公司",
)


def iso(days: pd.Series | np.ndarray) -> list[str | None]:
    """Return ISO dates of ordinals (None for negative ones: no date)."""
    return [dt.date.fromordinal(int(d)).isoformat() if d >= 0 else None for d in days]


def numbered(frame: pd.DataFrame, date: str, prefix: str, width: int) -> pd.DataFrame:
    """Sort by date (stable) and number the rows per year: ``JC2024000001``."""
    frame = frame.sort_values(date, kind="stable", ignore_index=True)
    year = frame[date].str[:4]
    serial = frame.groupby(year).cumcount() + 1
    ident = prefix + year + serial.map(lambda s: f"{s:0{width}d}")
    column = {"JC": "检查编号", "AJ": "案件编号", "TS": "投诉编号"}[prefix]
    frame.insert(0, column, ident)
    return frame


def inspection_frame(pool: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """Return the inspections' columns, numbered ``JC`` + year + serial."""
    order = {k: int(c.number) for k, c in INSPECTION_KINDS.items()}
    checks = checks.assign(
        order=checks["kind"].map(order), uscc=pool["uscc"].to_numpy()[checks["emp"]]
    ).sort_values(["day", "order", "uscc", "staff"], kind="stable")
    frame = pd.DataFrame(
        {
            "检查日期": iso(checks["day"].to_numpy()),
            "检查类型": checks["kind"].map(lambda k: INSPECTION_KINDS[k].zh).to_numpy(),
            "统一社会信用代码": checks["uscc"].to_numpy(),
            "检查人员编号": checks["staff"].to_numpy(),
            "检查结果": checks["result"].map(_RESULTS).to_numpy(),
        }
    )
    return numbered(frame, "检查日期", "JC", 7).loc[:, list(HEADERS["inspections"])]


def violation_frame(pool: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Return the cases' columns, numbered ``AJ`` + year + serial."""
    cases = cases.assign(uscc=pool["uscc"].to_numpy()[cases["emp"]]).sort_values(
        ["day", "uscc", "type"], kind="stable"
    )

    def yes(column: str) -> np.ndarray:
        return np.where(cases[column].to_numpy(), "是", "否")

    def count(column: str) -> pd.Series:
        return (
            pd.Series(cases[column].to_numpy(), dtype="Float64").round().astype("Int64")
        )

    frame = pd.DataFrame(
        {
            "统一社会信用代码": cases["uscc"].to_numpy(),
            "违法类型": cases["type"].map(lambda k: VIOLATION_TYPES[k].zh).to_numpy(),
            "发现日期": iso(cases["day"].to_numpy()),
            "涉及人数": count("workers"),
            "欠薪月数": cases["months"].to_numpy(dtype=float),
            "欠薪金额": count("arrears_yuan"),
            "责令改正": yes("rectify"),
            "行政处罚": yes("penalised"),
            "罚款金额": count("fine"),
            "补发工资": count("back_wages"),
            "补签合同人数": count("contracts"),
            "补缴社保人数": count("insured"),
            "取缔": yes("shut"),
            "移送公安": yes("police"),
            "结案日期": iso(cases["closed"].to_numpy()),
        }
    )
    return numbered(frame, "发现日期", "AJ", 5).loc[:, list(HEADERS["violations"])]


def complaint_frame(
    rng: np.random.Generator, pool: pd.DataFrame, said: pd.DataFrame
) -> pd.DataFrame:
    """Return the complaints' columns (numbered later, with the awkward ones)."""
    said = said.sort_values(["day", "emp", "type"], kind="stable")
    emp = said["emp"].to_numpy()
    return pd.DataFrame(
        {
            "受理日期": iso(said["day"].to_numpy()),
            "渠道": draws.channels(rng, len(said)),
            "统一社会信用代码": pool["uscc"].to_numpy()[emp],
            "单位名称": pool["name"].to_numpy()[emp],
            "单位地址": pool["address"].to_numpy()[emp],
            "类型": said["type"].map(lambda k: VIOLATION_TYPES[k].zh).to_numpy(),
            "状态": said["status"].map(lambda k: COMPLAINT_STATUSES[k].zh).to_numpy(),
            "结案日期": iso(said["closed"].to_numpy()),
        }
    )


def awkward_complaints(
    rng: np.random.Generator,
    cells: pd.DataFrame,
    pool: pd.DataFrame,
    employers: pd.DataFrame,
    window: draws.Window,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Complaints by name and address only, and complaints naming unknown codes."""
    k = max(3, AWKWARD_PER_5000 * len(pool) // 5000)
    known = set(employers["统一社会信用代码"].astype(str))
    named = np.sort(rng.choice(np.flatnonzero(~pool["never"].to_numpy()), k, False))
    villages = cells[(cells["level"] == "village") & cells["geometry"].notna()]
    names = dict(zip(cells["code"].astype(str), cells["name"].astype(str), strict=True))
    places = np.sort(villages["code"].astype(str).to_numpy())[
        rng.choice(len(villages), k, replace=False)
    ]
    unknown, invented, addresses = [], [], []
    for place in places:
        code = ""
        while not code or code in known:
            body = "".join(rng.choice(list(ALPHABET[:10]), 8))
            code = make_uscc("9", "1", place[:6], body)
        unknown.append(code)
        invented.append(f"青岛{rng.choice(_NAME_PARTS)}{rng.choice(_NAME_KINDS)}")
        county, town = place[:6], place[:9]
        addresses.append(
            f"{names[county]}{names[town]}{names[place]}{rng.integers(1, 300)}号"
        )
    days = draws.draw_days(rng, window.end - 90, window.end - 10, 2 * k)
    frame = pd.DataFrame(
        {
            "受理日期": iso(days),
            "渠道": draws.channels(rng, 2 * k),
            "统一社会信用代码": [None] * k + unknown,
            "单位名称": list(pool["name"].to_numpy()[named]) + invented,
            "单位地址": list(pool["address"].to_numpy()[named]) + addresses,
            "类型": VIOLATION_TYPES["wage_arrears"].zh,
            "状态": COMPLAINT_STATUSES["received"].zh,
            "结案日期": None,
        }
    )
    meant = [str(code) for code in pool["uscc"].to_numpy()[named]]
    return frame, {"name_only": meant, "unknown_uscc": unknown}


def awkward_ids(
    complaints: pd.DataFrame, planted: dict[str, list[str]]
) -> dict[str, dict[str, Any]]:
    """Describe the awkward complaints: their numbers and the codes they meant."""
    no_code = complaints["统一社会信用代码"].isna()
    unknown = complaints["统一社会信用代码"].isin(planted["unknown_uscc"])
    return {
        "name_only": {
            "complaints": complaints.loc[no_code, "投诉编号"].tolist(),
            "uscc": planted["name_only"],
        },
        "unknown_uscc": {
            "complaints": complaints.loc[unknown, "投诉编号"].tolist(),
            "uscc": planted["unknown_uscc"],
        },
    }


def describe(
    sites: Sites, pool: pd.DataFrame, cases: pd.DataFrame, window: draws.Window
) -> dict[str, dict[str, Any]]:
    """Describe each planted pattern: level, cells, period, type, counts.

    ``employers`` counts the employers the pattern concerns (construction
    employers of the townships, workshops of the villages, every employer
    of the villages); ``violations`` the cases planted on top of the noise.
    """
    start, end, last = iso(np.array([window.start, window.end, window.last_quarter]))
    made = cases.groupby("pattern").size()

    def towns(codes: tuple[str, ...]) -> list[str]:
        return sorted({c[:9] for c in codes})

    return {
        "wage_arrears": {
            "level": "township",
            "cells": list(sites.wage_arrears),
            "from": start,
            "to": end,
            "type": "wage_arrears",
            "targets": "建筑业 (GB/T 4754 门类 E)",
            "employers": int((pool["wage_site"] & pool["construction"]).sum()),
            "violations": int(made.get("wage_arrears", 0)),
        },
        "child_labour": {
            "level": "village",
            "cells": list(sites.child_labour),
            "from": start,
            "to": end,
            "type": "child_labour",
            "townships": towns(sites.child_labour),
            "targets": "小作坊",
            "employers": int((pool["child_site"] & pool["workshop"]).sum()),
            "violations": int(made.get("child_labour", 0)),
        },
        "never_inspected": {
            "level": "village",
            "cells": list(sites.never_inspected),
            "townships": towns(sites.never_inspected),
            "from": start,
            "to": end,
            "type": None,
            "employers": int(pool["never"].sum()),
            "inspections": 0,
        },
        "new_hotspot": {
            "level": "village",
            "cells": list(sites.new),
            "townships": towns(sites.new),
            "employers": int(pool["new"].sum()),
            "from": last,
            "to": end,
            "type": None,
            "types": sorted(draws.NEW_MIX),
            "violations": int(made.get("new", 0)),
        },
    }
