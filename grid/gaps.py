"""The gap list (覆盖缺口清单): cells ranked by where supervision does not reach.

Pure computation on the frame of :func:`grid.coverage.coverage`.

The ranking rule
----------------
Each cell gets eight terms, each normalised to 0…1 (1 = worst):

=================  ======  =====================================================
term               weight  value
=================  ======  =====================================================
``no_assistant``   3       1 when the cell has no 协管员, else 0
``no_inspector``   2       1 when no full-time inspector is assigned to the cell
                           or below; villages get 0 (their inspectors are the
                           township's)
``not_inspected``  4       share of employers not inspected in 12 months
``not_patrolled``  1       share of employers patrolled fewer than twice in
                           12 months
``stale_data``     1       share of employers whose labour data is older than
                           6 months
``overdue``        2       open complaints past deadline, ``n / (n + 5)``
                           (5 overdue → 0.5, saturating towards 1)
``overload``       1       employers per 协管员 above the limit ``L`` (staffing
                           rule ``employers_per_assistant``, default 150):
                           ``min(1, e/L - 1)`` when above, else 0; 0 when there
                           is no 协管员 (``no_assistant`` counts it)
``violations``     1       violations found in 12 months per employer ``r``,
                           ``r / (r + 0.1)`` (0.1 per employer → 0.5)
=================  ======  =====================================================

``need = Σ weight × term / Σ weight`` (0…1) is then scaled by the cell's size,
``size = e / (e + 10)`` with ``e`` its employers (a cell of 10 employers weighs
half, of 400 nearly fully, of none nothing), and ``score = round(100 × need ×
size, 1)``.  Ties are broken by more employers, then by code.  A term whose
share is empty (no employers) counts 0.

Each row carries its reasons in plain words, Chinese and English: the
place, its employers and 协管员, then every term above that is not 0, the
heaviest first ("黄岛区辛安街道台头社区：412 家用人单位，0 名协管员，38% 十二个月内
未检查，5 件欠薪投诉超期未结"); overdue complaints name how many are
about wage arrears.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "GAP_COLUMNS",
    "TERMS",
    "GapTerm",
    "filter_gaps",
    "gap_list",
    "ranking_rule",
]


@dataclass(frozen=True)
class GapTerm:
    """One term of the gap score: its weight and what it measures."""

    name: str
    weight: float
    zh: str
    en: str


#: The terms of the score, in the docstring's order.
TERMS: tuple[GapTerm, ...] = (
    GapTerm("no_assistant", 3, "无协管员（有=0，无=1）", "no assistant (0 or 1)"),
    GapTerm(
        "no_inspector",
        2,
        "网格及以下无专职监察员（村级为0）",
        "no full-time inspector in the cell or below (0 for villages)",
    ),
    GapTerm(
        "not_inspected",
        4,
        "十二个月内未检查的用人单位比例",
        "share of employers not inspected in 12 months",
    ),
    GapTerm(
        "not_patrolled",
        1,
        "十二个月内巡查不足两次的用人单位比例",
        "share of employers patrolled fewer than twice in 12 months",
    ),
    GapTerm(
        "stale_data",
        1,
        "用工信息超过六个月未更新的比例",
        "share of employers with labour data older than 6 months",
    ),
    GapTerm(
        "overdue",
        2,
        "超期未结投诉 n/(n+5)",
        "overdue open complaints n/(n+5)",
    ),
    GapTerm(
        "overload",
        1,
        "人均负责单位超出上限部分 min(1, e/L-1)",
        "employers per assistant above the limit, min(1, e/L-1)",
    ),
    GapTerm(
        "violations",
        1,
        "十二个月内每单位违法案件数 r/(r+0.1)",
        "violations per employer in 12 months, r/(r+0.1)",
    ),
)
#: Employers at which a cell's size factor is one half.
SIZE_HALF = 10
#: Columns of :func:`gap_list`, in order.
GAP_COLUMNS: tuple[str, ...] = (
    "rank",
    "cell_code",
    "cell_name",
    "level",
    "county_code",
    "place",
    "score",
    "employers",
    "assistants",
    "inspectors",
    "inspected_12m_share",
    "patrolled_twice_share",
    "stale_data_share",
    "complaints_overdue",
    "wage_complaints_overdue",
    "employers_per_assistant",
    "violations_12m",
    "reasons_zh",
    "reasons_en",
)


def gap_list(coverage: pd.DataFrame, *, max_employers: int = 150) -> pd.DataFrame:
    """Return the cells of a coverage frame ranked by their gap score.

    Parameters
    ----------
    coverage : DataFrame
        :func:`grid.coverage.coverage` of one level.
    max_employers : int
        Employers one 协管员 may cover (the ``employers_per_assistant`` rule).

    Returns
    -------
    DataFrame
        :data:`GAP_COLUMNS`, best-to-fix first, ``rank`` from 1.
    """
    terms = _terms(coverage, max_employers)
    weights = pd.Series({t.name: t.weight for t in TERMS})
    need = (terms * weights).sum(axis=1) / weights.sum()
    employers = coverage["employers"].astype(float)
    size = employers / (employers + SIZE_HALF)
    out = coverage.copy()
    out["score"] = (100 * need * size).round(1)
    out["reasons_zh"], out["reasons_en"] = _reasons(out, terms * weights)
    out = out.sort_values(
        ["score", "employers", "cell_code"],
        ascending=[False, False, True],
        ignore_index=True,
    )
    out["rank"] = np.arange(1, len(out) + 1)
    return out.loc[:, list(GAP_COLUMNS)]


def filter_gaps(
    gaps: pd.DataFrame,
    *,
    county: str | None = None,
    min_employers: int = 0,
    top: int | None = None,
) -> pd.DataFrame:
    """Return the gaps of one county, of cells with enough employers, the top N.

    ``rank`` stays the cell's rank in the whole list.
    """
    keep = gaps["employers"].ge(min_employers)
    if county:
        keep &= gaps["county_code"].eq(county) | gaps["cell_code"].eq(county)
    out = gaps[keep.to_numpy()]
    if top is not None and top > 0:
        out = out.head(top)
    return out.reset_index(drop=True)


def ranking_rule(max_employers: int = 150) -> pd.DataFrame:
    """Return the ranking rule as a table (the XLSX's second sheet)."""
    rows = [
        {"term": t.name, "weight": t.weight, "rule_zh": t.zh, "rule_en": t.en}
        for t in TERMS
    ]
    rows.append(
        {
            "term": "score",
            "weight": None,
            "rule_zh": (
                f"得分 = 100 × Σ(权重×项)/Σ权重 × e/(e+{SIZE_HALF})，e 为用人单位数；"
                f"协管员负责单位上限 L = {max_employers}"
            ),
            "rule_en": (
                f"score = 100 × Σ(weight×term)/Σweight × e/(e+{SIZE_HALF}), e the "
                f"employers; limit per assistant L = {max_employers}"
            ),
        }
    )
    return pd.DataFrame(rows, columns=["term", "weight", "rule_zh", "rule_en"])


# ------------------------------------------------------------------ helpers
def _share(coverage: pd.DataFrame, column: str) -> pd.Series:
    return coverage[column].astype(float)


def _terms(coverage: pd.DataFrame, max_employers: int) -> pd.DataFrame:
    assistants = coverage["assistants"].astype(float)
    inspectors = coverage["inspectors"].astype(float)
    employers = coverage["employers"].astype(float)
    overdue = coverage["complaints_overdue"].astype(float)
    per_assistant = _share(coverage, "employers_per_assistant")
    rate = coverage["violations_12m"].astype(float) / employers.where(employers > 0)
    limit = float(max(max_employers, 1))
    terms = pd.DataFrame(
        {
            "no_assistant": assistants.eq(0).astype(float),
            "no_inspector": (inspectors.eq(0) & coverage["level"].ne("village")).astype(
                float
            ),
            "not_inspected": 1 - _share(coverage, "inspected_12m_share"),
            "not_patrolled": 1 - _share(coverage, "patrolled_twice_share"),
            "stale_data": _share(coverage, "stale_data_share"),
            "overdue": overdue / (overdue + 5),
            "overload": (per_assistant / limit - 1).clip(0, 1),
            "violations": rate / (rate + 0.1),
        },
        index=coverage.index,
    )
    return terms.fillna(0.0)


def _pct(value: float) -> str:
    return f"{round(100 * value):d}%"


def _reasons(out: pd.DataFrame, weighted: pd.DataFrame) -> tuple[list[str], list[str]]:
    zh_all, en_all = [], []
    names = list(weighted.columns)
    for row, weights in zip(out.to_dict("records"), weighted.to_numpy(), strict=True):
        zh = [
            f"{int(row['employers'])} 家用人单位",
            f"{int(row['assistants'])} 名协管员",
        ]
        en = [
            f"{int(row['employers'])} employers",
            f"{int(row['assistants'])} assistants",
        ]
        order = sorted(
            (i for i in range(len(names)) if weights[i] > 0),
            key=lambda i: -weights[i],
        )
        for i in order:
            phrase = _phrase(names[i], row)
            if phrase is not None:
                zh.append(phrase[0])
                en.append(phrase[1])
        zh_all.append(f"{row['place']}：" + "，".join(zh))
        en_all.append(f"{row['place']}: " + ", ".join(en))
    return zh_all, en_all


def _phrase(name: str, row: Mapping[Any, Any]) -> tuple[str, str] | None:
    """Return the words of one term for one cell (None: said already)."""
    if name == "no_assistant":
        return None  # the head of every reason gives the assistants
    if name == "no_inspector":
        return "0 名专职监察员", "0 full-time inspectors"
    if name == "not_inspected":
        share = _pct(1 - float(row["inspected_12m_share"]))
        return f"{share} 十二个月内未检查", f"{share} not inspected in 12 months"
    if name == "not_patrolled":
        share = _pct(1 - float(row["patrolled_twice_share"]))
        return (
            f"{share} 十二个月内巡查不足两次",
            f"{share} patrolled fewer than twice in 12 months",
        )
    if name == "stale_data":
        share = _pct(float(row["stale_data_share"]))
        return (
            f"{share} 用工信息超过六个月未更新",
            f"{share} with labour data older than 6 months",
        )
    if name == "overdue":
        n = int(row["complaints_overdue"])
        wage = int(row.get("wage_complaints_overdue") or 0)
        if wage == n:
            return f"{n} 件欠薪投诉超期未结", f"{n} wage-arrears complaints overdue"
        if wage:
            return (
                f"{n} 件投诉超期未结（其中欠薪 {wage} 件）",
                f"{n} complaints overdue ({wage} on wage arrears)",
            )
        return f"{n} 件投诉超期未结", f"{n} complaints overdue"
    if name == "overload":
        per = round(float(row["employers_per_assistant"]))
        return (
            f"每名协管员负责 {per} 家用人单位",
            f"{per} employers per assistant",
        )
    n = int(row["violations_12m"])
    return f"十二个月内 {n} 件违法案件", f"{n} violations in 12 months"
