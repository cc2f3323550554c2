"""User-facing strings of the map app, Simplified Chinese first, then English.

Every string a user sees goes through :func:`t`.  Chinese (``"zh"``) is the
default language; English (``"en"``) is available from the sidebar.

Examples
--------
>>> t("page_grid_map", "zh"), t("page_grid_map", "en")
('网格地图', 'Grid map')
>>> t("cells_in_view", "en", n=3)
'3 cells in view'
"""

from __future__ import annotations

from typing import Literal

from grid.codes import LEVEL_NAMES_ZH, Level
from grid.geocode import FLAGS
from maps.i18n_analysis import ANALYSIS_STRINGS
from maps.i18n_basemap import BASEMAP_STRINGS
from maps.i18n_downloads import DOWNLOAD_STRINGS
from maps.i18n_labels import LABEL_STRINGS
from maps.i18n_legend import LEGEND_STRINGS
from maps.i18n_records import RECORD_STRINGS
from maps.i18n_staffing import STAFFING_STRINGS
from maps.i18n_url import URL_STRINGS

Lang = Literal["zh", "en"]

#: Languages offered in the sidebar, default first.
LANGUAGES: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"

#: key -> (Chinese, English).  Placeholders use :meth:`str.format` syntax.
STRINGS: dict[str, tuple[str, str]] = {
    # app shell
    "app_title": ("两网化劳动保障监察网格", "Labour-inspection grid (TwoNet)"),
    "language": ("语言 / Language", "语言 / Language"),
    "page_grid_map": ("网格地图", "Grid map"),
    # grid map page
    "grid_map_title": ("网格地图", "Grid map"),
    "grid_map_intro": (
        "点击网格逐级下钻：市 → 县/区 → 乡镇/街道 → 村/社区。",
        "Click a cell to drill down: city → county → township → village.",
    ),
    "whole_city": ("全市", "Whole city"),
    "level_select": ("显示层级", "Level shown"),
    "level_select_help": (
        "选择层级即显示全市该层级的全部网格。",
        "Choosing a level shows every cell of that level across the city.",
    ),
    "colour_by": ("着色", "Colour by"),
    "colour_by_level": ("按层级", "Level"),
    "colour_by_children": ("按下级网格数", "Number of child cells"),
    "basemap": ("底图", "Basemap"),
    "as_of": ("日期", "As of"),
    "breadcrumb": ("当前位置", "You are here"),
    "selected_cell": ("选中网格", "Selected cell"),
    "cells_in_view": ("当前视图共 {n} 个网格", "{n} cells in view"),
    "illustrative_note": (
        "当前视图中有 {n} 个网格的边界为示意（程序生成，非官方边界），"
        "仅供演示，不得作为执法依据。",
        "{n} cells in view have illustrative boundaries (generated, not official); "
        "for demonstration only, not a basis for enforcement.",
    ),
    "no_geometry_title": ("按地址定位（无边界）", "Placed by address (no boundary)"),
    "no_geometry_help": (
        "这些网格没有边界数据，按用人单位地址归属。",
        "These cells have no boundary; employers are assigned to them by address.",
    ),
    "no_cells": ("此处没有网格。", "There are no cells here."),
    "database_error": (
        "无法读取网格数据库：{error}",
        "Cannot read the grid database: {error}",
    ),
    "database_hint": (
        "请用 `twonet demo --db URL` 建立演示数据库，或设置环境变量 "
        "TWONET_DATABASE_URL。",
        "Build a demo database with `twonet demo --db URL`, or set the "
        "environment variable TWONET_DATABASE_URL.",
    ),
    "attribution": ("数据与底图来源", "Data and map sources"),
    "page_size": ("地图数据量 {size}", "Map payload {size}"),
    "legend": ("图例", "Legend"),
    "legend_children": ("{lo}–{hi} 个下级网格", "{lo}–{hi} child cells"),
    "legend_children_one": ("{n} 个下级网格", "{n} child cells"),
    "legend_children_open": ("≥ {lo} 个下级网格", "≥ {lo} child cells"),
    # tooltip fields
    "field_code": ("代码", "Code"),
    "field_name": ("名称", "Name"),
    "field_level": ("层级", "Level"),
    "field_children": ("下级网格", "Child cells"),
    "field_boundary": ("边界", "Boundary"),
    "field_source": ("来源", "Source"),
    "field_licence": ("许可", "Licence"),
    "boundary_illustrative": ("示意", "illustrative"),
    "boundary_mapped": ("实测", "mapped"),
    # levels
    "level_city": (LEVEL_NAMES_ZH[Level.CITY], "city"),
    "level_county": (LEVEL_NAMES_ZH[Level.COUNTY], "county/district"),
    "level_township": (LEVEL_NAMES_ZH[Level.TOWNSHIP], "township/street"),
    "level_village": (LEVEL_NAMES_ZH[Level.VILLAGE], "village/community"),
    # basemaps
    "basemap_osm": ("OpenStreetMap", "OpenStreetMap"),
    "basemap_tianditu": ("天地图", "Tianditu"),
    "basemap_gaode": ("高德地图（GCJ-02）", "Gaode / AutoNavi (GCJ-02)"),
    "basemap_none": ("无底图", "No basemap"),
    "basemap_gaode_note": (
        "高德底图使用 GCJ-02 坐标，网格已相应偏移以对齐底图。",
        "Gaode tiles are in GCJ-02; the cells are shifted to line up with them.",
    ),
    "basemap_tianditu_missing": (
        "未配置天地图密钥（TWONET_TIANDITU_KEY），天地图不可用。",
        "No Tianditu key configured (TWONET_TIANDITU_KEY); Tianditu is unavailable.",
    ),
    # employers on the grid map (overlay)
    "show_employers": ("显示用人单位", "Show employers"),
    "show_employers_help": (
        "显示各网格的用人单位数量；单位不多（≤{limit} 家）时逐家显示点位，"
        "点击点位查看详情。",
        "Shows the number of employers per cell; where there are few "
        "(≤{limit}) each employer is a point: click it for details.",
    ),
    "emp_in_view": (
        "本视图用人单位 {n} 家（有标记 {flagged} 家，待复核 {queued} 家）",
        "{n} employers in view ({flagged} flagged, {queued} awaiting review)",
    ),
    "emp_counts_shown": (
        "圆圈面积与数字为各网格用人单位数",
        "Circle area and number: employers per cell",
    ),
    "emp_zoom_for_numbers": ("放大地图可显示数字", "zoom in to see the numbers"),
    "emp_points_shown": (
        "逐家显示 {shown} 个单位点位，点击查看详情",
        "{shown} employers drawn as points; click one for details",
    ),
    "emp_points_truncated": (
        "只显示前 {shown} 家（共 {n} 家有坐标）",
        "only the first {shown} shown ({n} have coordinates)",
    ),
    "emp_without_point": (
        "{n} 家无坐标（按地址定位），未在地图上显示",
        "{n} have no coordinates (placed by address) and are not drawn",
    ),
    "emp_none": (
        "尚未导入用人单位。可用 `twonet employers import` 导入名册。",
        "No employers imported yet; import a register with `twonet employers import`.",
    ),
    "emp_table_title": ("各网格用人单位", "Employers per cell"),
    "emp_layer_size": ("单位图层 {size}", "employer layer {size}"),
    "emp_field_employers": ("用人单位", "Employers"),
    "emp_field_flagged": ("有标记", "Flagged"),
    "emp_field_queued": ("待复核", "In review"),
    # employer popup and legend
    "emp_field_uscc": ("统一社会信用代码", "USCC"),
    "emp_field_address": ("地址", "Address"),
    "emp_field_cell": ("所在网格", "Cell"),
    "emp_field_method": ("定位方式", "Placement"),
    "emp_field_confidence": ("置信度", "Confidence"),
    "emp_field_flags": ("标记", "Flags"),
    "emp_legend_queued": ("待复核（红圈）", "in review (red ring)"),
    "field_score": ("得分", "score"),
    # placement methods
    "method_coordinates": ("坐标定位", "by coordinates"),
    "method_address": ("地址定位", "by address"),
    "method_address_partial": (
        "地址定位（仅确定的上级网格）",
        "by address, certain levels only",
    ),
    "method_manual": ("人工确认", "set by a reviewer"),
    "method_none": ("未定位", "not placed"),
    # flags, short (filters, popups, tables)
    "flag_queued": ("待复核", "in review"),
    "flag_coords_outside_grid": ("坐标在网格外", "coords outside grid"),
    "flag_coords_unusable": ("坐标无效", "coords unusable"),
    "flag_coord_address_conflict": ("坐标与地址冲突", "coords vs address"),
    "flag_registered_elsewhere": ("跨区注册", "registered elsewhere"),
    "flag_historical_name": ("历史地名", "historical name"),
    "flag_outside_grid": ("不在辖区", "outside the region"),
    "flag_village_unresolved": ("未定位到村", "village unresolved"),
    "flag_ambiguous_address": ("地址歧义", "ambiguous address"),
    "flag_multiple_addresses": ("一栏多地址", "several addresses in one field"),
    "flag_unresolved": ("无法定位", "unresolved"),
    # why a review candidate was proposed
    "why_coordinates": ("坐标所在网格", "where the coordinates are"),
    "why_address": ("地址所指网格", "where the address points"),
    "why_village of the township": ("所在乡镇下的村/社区", "village of the township"),
    "why_township of the county": ("所在区县下的乡镇", "township of the county"),
    "why_USCC registration area": ("信用代码登记地", "USCC registration area"),
    # employer search page
    "page_employers": ("用人单位查询", "Employer search"),
    "emp_search_title": ("用人单位查询", "Employer search"),
    "emp_search_intro": (
        "按网格、行业、重点类别和标记筛选用人单位，结果可下载。",
        "Filter employers by cell, industry, category and flags; download the result.",
    ),
    "emp_filters": ("筛选条件", "Filters"),
    "emp_filter_level": ("网格层级", "Cell level"),
    "emp_level_any": ("不限", "any"),
    "emp_filter_cell": ("网格", "Cell"),
    "emp_filter_cell_help": (
        "输入名称或代码查找网格。",
        "Type a name or a code to find a cell.",
    ),
    "emp_cell_any": ("全部网格", "all cells"),
    "emp_filter_industry": ("行业代码（前缀）", "Industry code (prefix)"),
    "emp_filter_industry_help": (
        "国民经济行业分类 GB/T 4754 代码的开头，如 C（制造业）、C18（服装）、"
        "H62（餐饮）。",
        "Start of a GB/T 4754 industry code, e.g. C (manufacturing), "
        "C18 (garments), H62 (catering).",
    ),
    "emp_filter_category": ("重点类别", "Target category"),
    "emp_category_any": ("不限", "any"),
    "emp_filter_flags": ("标记", "Flags"),
    "emp_filter_flags_help": (
        "须同时具备所选的全部标记。",
        "Employers must carry every flag chosen.",
    ),
    "emp_filter_flags_placeholder": ("选择标记", "Choose flags"),
    "emp_filter_method": ("定位方式", "Placement"),
    "emp_method_any": ("不限", "any"),
    "emp_filter_text": ("关键词", "Search text"),
    "emp_filter_text_help": (
        "单位名称或地址的一部分，或统一社会信用代码的开头。",
        "Part of the name or an address, or the start of the USCC.",
    ),
    "emp_filter_reset": ("清除筛选", "Clear filters"),
    "emp_filter_invalid": ("筛选条件有误：{error}", "Invalid filter: {error}"),
    "emp_results": ("共 {n} 家用人单位", "{n} employers found"),
    "emp_page": ("第 {page} / {pages} 页", "page {page} of {pages}"),
    "emp_prev": ("上一页", "Previous"),
    "emp_next": ("下一页", "Next"),
    "emp_download": ("下载 CSV（{n} 家）", "Download CSV ({n} employers)"),
    "emp_download_name": ("用人单位查询结果.csv", "employers.csv"),
    "emp_no_results": ("没有符合条件的用人单位。", "No employer matches."),
    "emp_result_map": ("结果地图", "Map of the result"),
    "emp_map_counts": (
        "结果较多（>{limit} 家），按{level}显示数量",
        "More than {limit} results: numbers per {level}",
    ),
    "col_uscc": ("统一社会信用代码", "USCC"),
    "col_name": ("单位名称", "Name"),
    "col_industry_code": ("行业代码", "Industry code"),
    "col_industry": ("行业", "Industry"),
    "col_category": ("重点类别", "Category"),
    "col_staff": ("职工人数", "Staff"),
    "col_operating_address": ("经营地址", "Operating address"),
    "col_registered_address": ("注册地址", "Registered address"),
    "col_county_code": ("县级网格", "County cell"),
    "col_township_code": ("乡级网格", "Township cell"),
    "col_village_code": ("村级网格", "Village cell"),
    "col_method": ("定位方式", "Placement"),
    "col_confidence": ("置信度", "Confidence"),
    "col_flags": ("标记", "Flags"),
    "col_queued": ("待复核", "In review"),
    "col_reason": ("原因", "Reason"),
    "col_rank": ("排名", "Rank"),
    "col_parent": ("上级网格", "Parent cell"),
    "col_score": ("得分", "Score"),
    "col_why": ("依据", "Why"),
    # review queue page
    "page_review": ("待复核", "Review queue"),
    "review_title": ("待复核队列", "Review queue"),
    "review_intro": (
        "未能自动定位到村/社区、地址有歧义或坐标与地址冲突的用人单位，"
        "由复核人选择所在网格。",
        "Employers that could not be placed to a village automatically, whose "
        "address is ambiguous, or whose coordinates and address disagree: a "
        "reviewer chooses their cell.",
    ),
    "review_open": ("待复核 {n} 项", "{n} open items"),
    "review_reason_filter": ("原因", "Reason"),
    "review_reason_any": ("全部原因", "all reasons"),
    "review_list": ("待复核事项", "Open items"),
    "review_pick": ("当前事项", "Item"),
    "review_employer": ("单位信息", "Employer"),
    "review_candidates": ("候选网格", "Candidate cells"),
    "review_candidates_help": (
        "按得分排序；点击“定位到此”即将该单位放入此网格（乡镇候选须先选其下的"
        "村/社区），事项随即移出队列。",
        "Ranked by score; “Place here” puts the employer in that cell (for a "
        "township, first choose one of its villages) and takes the item off "
        "the queue.",
    ),
    "review_place": ("定位到此", "Place here"),
    "review_choose_leaf": (
        "在其下 {n} 个村/社区中选择",
        "Choose one of its {n} villages",
    ),
    "review_village_placeholder": ("选择村/社区", "Choose a village"),
    "review_unknown_cell": (
        "网格代码 {code} 不在当前网格中。",
        "Cell code {code} is not in the current grid.",
    ),
    "review_has_children": (
        "网格 {code} 下还有 {n} 个下级网格，请选择其中之一，使单位在各层级都有归属。",
        "Cell {code} has {n} child cells: choose one of them so the employer "
        "is placed at every level.",
    ),
    "review_other": ("其他网格代码", "Another cell code"),
    "review_other_help": (
        "输入 9 位乡镇/街道或 12 位村/社区代码。",
        "A 9-digit township or 12-digit village code.",
    ),
    "review_place_other": ("定位到该网格", "Place in this cell"),
    "review_reviewer": ("复核人", "Reviewer"),
    "review_done": (
        "已将 {name} 定位到 {cell}（{code}）。",
        "Placed {name} in {cell} ({code}).",
    ),
    "review_failed": ("无法定位：{error}", "Could not place: {error}"),
    "review_empty": ("没有待复核事项。", "The review queue is empty."),
    "review_no_candidates": (
        "没有候选网格，请输入网格代码。",
        "No candidate cells: enter a cell code.",
    ),
    "review_map_caption": (
        "候选网格（数字为排名）；圆点为单位申报的坐标。",
        "Candidate cells (numbered by rank); the dot is the employer's "
        "declared coordinates.",
    ),
    "review_not_in_grid": ("不在当前网格", "not in the current grid"),
}
STRINGS.update({k: v for k, v in STAFFING_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in ANALYSIS_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in RECORD_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in LABEL_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in DOWNLOAD_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in BASEMAP_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in LEGEND_STRINGS.items() if k not in STRINGS})
STRINGS.update({k: v for k, v in URL_STRINGS.items() if k not in STRINGS})


def t(key: str, lang: str = DEFAULT_LANG, **values: object) -> str:
    """Return the string ``key`` in ``lang``, formatted with ``values``.

    Parameters
    ----------
    key : str
        A key of :data:`STRINGS`.
    lang : {"zh", "en"}
        Language; anything else falls back to Chinese.
    **values
        Placeholders to fill in with :meth:`str.format`.

    Raises
    ------
    KeyError
        If ``key`` is not in the strings table (a programming error).
    """
    zh, en = STRINGS[key]
    text = en if lang == "en" else zh
    return text.format(**values) if values else text


def level_label(level: Level | str, lang: str = DEFAULT_LANG) -> str:
    """Return the display name of a grid level.

    Examples
    --------
    >>> level_label("township"), level_label(Level.VILLAGE, "en")
    ('乡镇/街道', 'village/community')
    """
    return t(f"level_{Level(level).value}", lang)


def method_label(method: str, lang: str = DEFAULT_LANG) -> str:
    """Return the display name of a placement method (unknown ones as given).

    Examples
    --------
    >>> method_label("coordinates"), method_label("manual", "en")
    ('坐标定位', 'set by a reviewer')
    """
    key = f"method_{method}"
    return t(key, lang) if key in STRINGS else str(method)


def flag_label(flag: str, lang: str = DEFAULT_LANG) -> str:
    """Return the short label of an employer flag (``"queued"``: 待复核).

    Examples
    --------
    >>> flag_label("registered_elsewhere"), flag_label("historical_name", "en")
    ('跨区注册', 'historical name')
    """
    key = f"flag_{flag}"
    return t(key, lang) if key in STRINGS else str(flag)


def reason_label(reason: str, lang: str = DEFAULT_LANG) -> str:
    """Return the full sentence of a flag or review reason.

    Examples
    --------
    >>> reason_label("village_unresolved")
    '未能定位到村/社区'
    """
    if reason in FLAGS:
        zh, en = FLAGS[reason]
        return en if lang == "en" else zh
    return str(reason)


def why_label(why: str, lang: str = DEFAULT_LANG) -> str:
    """Return why a review candidate was proposed, in ``lang``.

    Examples
    --------
    >>> why_label("village of the township")
    '所在乡镇下的村/社区'
    """
    key = f"why_{why}"
    return t(key, lang) if key in STRINGS else str(why)
