"""User-facing strings of the cell search box and the review queue's errors.

Merged into :data:`maps.i18n.STRINGS`; key → (Chinese, English).
"""

from __future__ import annotations

URL_STRINGS: dict[str, tuple[str, str]] = {
    # the grid map's search box (maps.cell_search)
    "cell_search": ("查找网格", "Find a cell"),
    "cell_search_placeholder": (
        "名称或代码，如 辛安 或 370211001",
        "name or code, e.g. 辛安 or 370211001",
    ),
    "cell_search_help": (
        "输入网格名称（可只输入一部分）或代码，按回车跳转。重名时列出候选及其上级，"
        "可加上级名称缩小范围，如“黄岛 辛安”。",
        "Type a cell name (or part of it) or a code and press Enter to jump "
        "there.  Where a name is shared, the candidates are listed with their "
        "parents; add a parent name to narrow it down, e.g. “黄岛 辛安”.",
    ),
    "cell_search_none": (
        "没有名称或代码含“{query}”的网格。",
        "No cell has “{query}” in its name or code.",
    ),
    "cell_search_many": (
        "找到 {n} 个网格（列出前 {shown} 个），请选择：",
        "{n} cells match (first {shown} listed); choose one:",
    ),
    # the review queue: the error shown beside the button pressed
    "review_need_reviewer": (
        "请先在页面顶部的“{field}”框中填写姓名，再定位。",
        "Enter your name in the “{field}” box at the top of the page first, "
        "then place the employer.",
    ),
}
