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
    "boundary_illustrative": ("示意 illustrative", "示意 illustrative"),
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
    "basemap_none": ("无底图（离线）", "None (offline)"),
    "basemap_gaode_note": (
        "高德底图使用 GCJ-02 坐标，网格已相应偏移以对齐底图。",
        "Gaode tiles are in GCJ-02; the cells are shifted to line up with them.",
    ),
    "basemap_tianditu_missing": (
        "未配置天地图密钥（TWONET_TIANDITU_KEY），天地图不可用。",
        "No Tianditu key configured (TWONET_TIANDITU_KEY); Tianditu is unavailable.",
    ),
}


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
