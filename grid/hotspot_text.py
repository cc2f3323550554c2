"""Names of hotspot classes and the sentence that explains each cell.

Chinese first, English beside it, as everywhere in TwoNet.
"""

from __future__ import annotations

import math
from typing import Final

#: Gi* classes: code → (Chinese, English).  Order: hot to cold, then no test.
CLASS_NAMES: Final[dict[str, tuple[str, str]]] = {
    "hot_99": ("热点（99% 置信）", "hot spot, 99% confidence"),
    "hot_95": ("热点（95% 置信）", "hot spot, 95% confidence"),
    "hot_90": ("热点（90% 置信）", "hot spot, 90% confidence"),
    "not_significant": ("不显著", "not significant"),
    "cold_90": ("冷点（90% 置信）", "cold spot, 90% confidence"),
    "cold_95": ("冷点（95% 置信）", "cold spot, 95% confidence"),
    "cold_99": ("冷点（99% 置信）", "cold spot, 99% confidence"),
    "no_neighbours": ("无相邻网格，未检验", "no neighbouring cell, not tested"),
    "no_employers": ("无用人单位，未检验", "no employers, not tested"),
}

#: Emerging hotspot patterns (ArcGIS names): code → (Chinese, English).
TREND_NAMES: Final[dict[str, tuple[str, str]]] = {
    "new_hot": ("新增热点", "new hot spot"),
    "consecutive_hot": ("连续热点", "consecutive hot spot"),
    "intensifying_hot": ("加剧热点", "intensifying hot spot"),
    "persistent_hot": ("持续热点", "persistent hot spot"),
    "diminishing_hot": ("减弱热点", "diminishing hot spot"),
    "sporadic_hot": ("零星热点", "sporadic hot spot"),
    "oscillating_hot": ("振荡热点", "oscillating hot spot"),
    "historical_hot": ("历史热点", "historical hot spot"),
    "new_cold": ("新增冷点", "new cold spot"),
    "consecutive_cold": ("连续冷点", "consecutive cold spot"),
    "intensifying_cold": ("加剧冷点", "intensifying cold spot"),
    "persistent_cold": ("持续冷点", "persistent cold spot"),
    "diminishing_cold": ("减弱冷点", "diminishing cold spot"),
    "sporadic_cold": ("零星冷点", "sporadic cold spot"),
    "oscillating_cold": ("振荡冷点", "oscillating cold spot"),
    "historical_cold": ("历史冷点", "historical cold spot"),
    "no_pattern": ("无明显模式", "no pattern detected"),
}


def _num(value: float, digits: int = 2) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _p(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.3f}"


def explain(
    *,
    name: str,
    violations: int,
    employers: int,
    smoothed_rate: float,
    neighbours: int,
    z: float,
    p: float,
    p_fdr: float,
    klass: str,
) -> tuple[str, str]:
    """Return the Chinese and English sentence explaining one cell.

    Rates are read per 100 employers.

    Examples
    --------
    >>> zh, en = explain(name="甲村", violations=6, employers=40,
    ...     smoothed_rate=0.1, neighbours=3, z=2.5, p=0.004, p_fdr=0.02,
    ...     klass="hot_95")
    >>> zh.split("；")[-1]
    'Gi* z = 2.50，p = 0.004，错误发现率校正后 p = 0.020：热点（95% 置信）。'
    """
    zh_class, en_class = CLASS_NAMES[klass]
    if klass == "no_employers":
        return (
            f"{name}：无用人单位，违法案件 {violations} 件，无法计算比率，未检验。",
            f"{name}: no employers, {violations} violation case(s); "
            "no rate, not tested.",
        )
    rate = 100 * violations / employers
    smooth = 100 * smoothed_rate
    zh = (
        f"{name}：违法案件 {violations} 件，用人单位 {employers} 家，"
        f"每百家 {rate:.2f} 件（经验贝叶斯平滑后 {_num(smooth)} 件）；"
        f"相邻网格 {neighbours} 个；"
    )
    en = (
        f"{name}: {violations} violation case(s) among {employers} employers, "
        f"{rate:.2f} per 100 (empirically smoothed {_num(smooth)}); "
        f"{neighbours} neighbouring cell(s); "
    )
    if klass == "no_neighbours":
        return zh + f"{zh_class}。", en + f"{en_class}."
    zh += f"Gi* z = {_num(z)}，p = {_p(p)}，"
    zh += f"错误发现率校正后 p = {_p(p_fdr)}：{zh_class}。"
    en += f"Gi* z = {_num(z)}, p = {_p(p)}, after FDR p = {_p(p_fdr)}: {en_class}."
    return zh, en
