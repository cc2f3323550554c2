"""User-facing strings of the map legends and the grid map's colouring.

Merged into :data:`maps.i18n.STRINGS`; key → (Chinese, English).
"""

from __future__ import annotations

LEGEND_STRINGS: dict[str, tuple[str, str]] = {
    "colour_by_employers": ("按用人单位数", "Employers per cell"),
    "colour_by_staffing": ("按人员配备", "Staffing status"),
    "legend_employers_title": (
        "每个网格的用人单位数（自然断点分级）",
        "Employers per cell (natural breaks)",
    ),
    "legend_level_title": ("网格层级", "Cell level"),
    "legend_children_title": ("下级网格数", "Number of child cells"),
    "legend_sizes_title": ("圆圈：用人单位数", "Circles: employers"),
    "legend_points_title": ("用人单位（按定位方式）", "Employers (by placement)"),
    "legend_candidates_title": ("待复核单位与候选网格", "Employer and candidate cells"),
    "legend_candidate_rank": ("第 {n} 候选网格", "candidate cell {n}"),
    "emp_counts_rolled_up": (
        "网格太多，圆圈按{level}汇总以免重叠；网格颜色仍为每个网格的用人单位数",
        "too many cells: circles are summed per {level} so they do not overlap; "
        "the cell colours still show employers per cell",
    ),
}
