"""User-facing strings of the coverage and hotspot pages and the printed map.

Merged into :data:`maps.i18n.STRINGS`; key → (Chinese, English).
"""

from __future__ import annotations

ANALYSIS_STRINGS: dict[str, tuple[str, str]] = {
    # classification
    "scheme": ("分级方法", "Classification"),
    "scheme_quantiles": ("分位数", "Quantiles"),
    "scheme_equal_interval": ("等间距", "Equal interval"),
    "scheme_natural_breaks": ("自然间断点", "Natural breaks (Fisher–Jenks)"),
    "classes": ("分级数", "Classes"),
    "legend_no_data": ("无数据", "No data"),
    # hotspot classes (Gi*, after Benjamini–Hochberg correction)
    "hotspot_legend": ("热点（Gi*，FDR校正）", "Hotspots (Gi*, FDR-corrected)"),
    "class_hot_99": ("热点 99% 置信", "Hot spot, 99% confidence"),
    "class_hot_95": ("热点 95% 置信", "Hot spot, 95% confidence"),
    "class_hot_90": ("热点 90% 置信", "Hot spot, 90% confidence"),
    "class_not_significant": ("不显著", "Not significant"),
    "class_cold_90": ("冷点 90% 置信", "Cold spot, 90% confidence"),
    "class_cold_95": ("冷点 95% 置信", "Cold spot, 95% confidence"),
    "class_cold_99": ("冷点 99% 置信", "Cold spot, 99% confidence"),
    "class_no_neighbours": ("无相邻网格（未检验）", "No neighbours (not tested)"),
    # emerging hot spot categories (as ArcGIS names them)
    "trend_legend": ("热点趋势", "Hotspot trend"),
    "trend_new": ("新热点", "New"),
    "trend_consecutive": ("连续热点", "Consecutive"),
    "trend_intensifying": ("加剧热点", "Intensifying"),
    "trend_persistent": ("持续热点", "Persistent"),
    "trend_diminishing": ("减弱热点", "Diminishing"),
    "trend_sporadic": ("零星热点", "Sporadic"),
    "trend_oscillating": ("振荡热点", "Oscillating"),
    "trend_historical": ("历史热点", "Historical"),
    "trend_no_pattern": ("无模式", "No pattern"),
    # printed map
    "print_scale": ("比例尺", "Scale"),
    "print_north": ("北", "N"),
    "print_date": ("制图日期：{date}", "Map date: {date}"),
    "print_data_as_of": ("数据截至：{date}", "Data as of: {date}"),
    "print_attribution": (
        "边界：OpenStreetMap 贡献者（ODbL），村级边界为示意；数据：TwoNet",
        "Boundaries: © OpenStreetMap contributors (ODbL), village boundaries "
        "illustrative; data: TwoNet",
    ),
}
