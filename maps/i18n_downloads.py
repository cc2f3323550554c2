"""Strings of the table downloads and of the 导入记录 / import history page.

Merged into :data:`maps.i18n.STRINGS`; keys start with ``dl_`` or ``imp_``.
"""

from __future__ import annotations

DOWNLOAD_STRINGS: dict[str, tuple[str, str]] = {
    # table downloads (maps/downloads.py)
    "dl_cell_name": ("{column}名称", "{column} name"),
    "dl_city_code": ("市级网格", "City cell"),
    "dl_lon": ("经度(WGS84)", "Longitude (WGS84)"),
    "dl_lat": ("纬度(WGS84)", "Latitude (WGS84)"),
    "dl_yes": ("是", "yes"),
    "dl_no": ("否", "no"),
    "dl_employers": ("用人单位", "employers"),
    "dl_cells_employers": ("网格用人单位统计", "employers per cell"),
    "dl_cells_without_boundary": ("无边界网格", "cells without boundary"),
    "dl_cell": ("网格", "cell"),
    "dl_review_queue": ("待复核清单", "review queue"),
    "dl_change_sets": ("变更集", "change sets"),
    "dl_audit_rows": ("变更明细", "change log"),
    # import history page (maps/pages/imports.py)
    "page_imports": ("导入记录", "Import history"),
    "imp_title": ("导入记录", "Import history"),
    "imp_intro": (
        "每次导入的文件、时间、结果和行数；选中一次导入，查看并下载被拒收或有警告的行及原因。",
        "Every import: file, time, outcome and row counts. Choose a run to see "
        "and download its rejected and warned rows with their reasons.",
    ),
    "imp_none": ("还没有导入记录。", "No imports yet."),
    "imp_runs": ("导入记录（{n} 次）", "Import runs ({n})"),
    "imp_pick": ("选择导入记录", "Choose an import run"),
    "imp_run_label": (
        "#{id} {kind} · {file} · {when}",
        "#{id} {kind} · {file} · {when}",
    ),
    "imp_problems": (
        "第 {id} 次导入的问题行（{n} 行）",
        "Problem rows of run {id} ({n})",
    ),
    "imp_no_problems": (
        "这次导入没有被拒收或有警告的行。",
        "This run has no rejected or warned rows.",
    ),
    "imp_error": ("错误：{error}", "Error: {error}"),
    "imp_file_runs": ("导入记录", "import runs"),
    "imp_file_problems": ("导入{id}问题行", "import {id} problem rows"),
    "imp_unplaced": ("未定位的用人单位（{n} 家）", "Employers not placed ({n})"),
    "imp_unplaced_help": (
        "这些用人单位没有落到任何网格（定位方式为“未定位”）；可在“待复核”页面逐一定位。",
        "These employers are in no cell (placement: not placed); place them one "
        "by one on the review queue page.",
    ),
    "imp_unplaced_none": ("所有用人单位都已定位。", "Every employer is placed."),
    "imp_unplaced_shown": (
        "列出前 {shown} 家，共 {n} 家；下载包含全部。",
        "The first {shown} of {n} are listed; the download holds them all.",
    ),
    "imp_file_unplaced": ("未定位的用人单位", "employers not placed"),
    "imp_col_id": ("编号", "Run"),
    "imp_col_kind": ("导入内容", "Table"),
    "imp_col_file": ("文件", "File"),
    "imp_col_started": ("开始时间", "Started"),
    "imp_col_finished": ("结束时间", "Finished"),
    "imp_col_outcome": ("结果", "Outcome"),
    "imp_col_actor": ("操作人", "By"),
    "imp_col_read": ("读取行数", "Rows read"),
    "imp_col_accepted": ("接受", "Accepted"),
    "imp_col_rejected": ("拒收", "Rejected"),
    "imp_col_warned": ("有警告", "With warnings"),
    "imp_col_problems": ("问题行", "Problem rows"),
    "imp_col_error": ("错误", "Error"),
    "imp_col_row": ("行号", "Row"),
    "imp_col_severity": ("处理", "Severity"),
    "imp_col_column": ("列", "Column"),
    "imp_col_value": ("值", "Value"),
    "imp_col_reason": ("原因", "Reason"),
    "imp_outcome_running": ("进行中", "running"),
    "imp_outcome_succeeded": ("成功", "succeeded"),
    "imp_outcome_failed": ("失败", "failed"),
    "imp_outcome_refused": ("拒收", "refused"),
    "imp_outcome_interrupted": ("中断", "interrupted"),
    "imp_severity_reject": ("拒收", "rejected"),
    "imp_severity_warning": ("警告", "warning"),
    "imp_kind_employers": ("用人单位", "employers"),
    "imp_kind_grid": ("网格", "grid cells"),
    "imp_kind_demo-grid": ("演示网格", "demo grid"),
    "imp_kind_staff": ("人员名册", "staff"),
    "imp_kind_assignments": ("人员分配", "assignments"),
    "imp_kind_inspections": ("检查记录", "inspections"),
    "imp_kind_violations": ("违法案件", "violations"),
    "imp_kind_complaints": ("举报投诉", "complaints"),
}
