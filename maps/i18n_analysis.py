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
