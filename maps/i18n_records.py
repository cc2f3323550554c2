"""User-facing strings of an employer's standing and record history.

Merged into :data:`maps.i18n.STRINGS`; key → (Chinese, English).  Names of
coded values (inspection kinds, violation types, grades, warning levels)
come from :mod:`grid.record_types` and :mod:`grid.grades`.
"""

from __future__ import annotations

RECORD_STRINGS: dict[str, tuple[str, str]] = {
    # the employer card
    "emp_card_title": ("单位详情", "Employer details"),
    "emp_card_pick": ("查看单位", "Show employer"),
    "emp_card_pick_none": ("（选择本页的一家单位）", "(pick an employer on this page)"),
    "emp_card_pick_help": (
        "等级与预警按已匹配到该单位的违法案件计算（人社部规〔2016〕1号）。",
        "Grades and warnings are computed from the violation cases matched to "
        "the employer (MOHRSS rules of 2016).",
    ),
    "emp_card_grade_year": ("守法诚信等级（{year} 年度）", "Integrity grade ({year})"),
    "emp_card_grade_ytd": (
        "守法诚信等级（{year} 年至今）",
        "Integrity grade ({year} to date)",
    ),
    "emp_card_warning": ("欠薪预警", "Wage-arrears warning"),
    "emp_warning_none": ("无欠薪预警", "no wage-arrears warning"),
    "emp_warning_text": (
        "{level}：欠薪 {months} 个月，未结欠薪案件 {cases} 件",
        "{level} warning: {months} month(s) of wage arrears, {cases} open case(s)",
    ),
    "emp_warning_no_months": (
        "{level}：欠薪月数未填，未结欠薪案件 {cases} 件",
        "{level} warning: months of arrears not recorded, {cases} open case(s)",
    ),
    "emp_grade_text": ("{grade}：{reason}", "{grade}: {reason}"),
    "emp_card_error": (
        "无法读取该单位的记录：{error}",
        "Could not read the records: {error}",
    ),
    # the history table
    "emp_history_title": (
        "检查、违法与投诉记录",
        "Inspections, violations and complaints",
    ),
    "emp_history_none": (
        "暂无与该单位匹配的检查、违法案件或投诉记录。",
        "No inspection, violation case or complaint is matched to this employer.",
    ),
    "emp_history_shown": ("最近 {shown} 条，共 {n} 条", "newest {shown} of {n}"),
    "hist_col_date": ("日期", "Date"),
    "hist_col_record": ("记录", "Record"),
    "hist_col_type": ("类型", "Kind / type"),
    "hist_col_result": ("结果 / 处理 / 状态", "Result / outcome / status"),
    "hist_col_id": ("编号", "Number"),
    "hist_inspection": ("检查", "inspection"),
    "hist_violation": ("违法案件", "violation case"),
    "hist_complaint": ("举报投诉", "complaint"),
    "hist_open": ("未结案", "open"),
    "hist_closed": ("{day} 结案", "closed {day}"),
    "hist_arrears": ("欠薪 {months} 个月", "{months} month(s) of arrears"),
    "hist_fine": ("罚款 {yuan} 元", "fine {yuan} yuan"),
    "hist_back_wages": ("补发工资 {yuan} 元", "back wages {yuan} yuan"),
    # marks on the map
    "emp_field_standing": ("预警与等级", "Warning and grade"),
    "emp_legend_warning": ("{level}（外圈）", "{level} warning (outer ring)"),
    "emp_legend_grade_c": (
        "{year} 年度 C 级（紫色虚线圈）",
        "grade C in {year} (purple dashed ring)",
    ),
    "emp_mark_grade_c": ("{year} 年度 C 级", "grade C in {year}"),
}
