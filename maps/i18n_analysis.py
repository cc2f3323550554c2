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
    "hotspot_legend": ("热点（Gi*，FDR校正）", "Hotspots (Gi*, FDR-corrected)"),
    "trend_legend": ("热点趋势（按季度）", "Emerging trend (quarterly)"),
    # hotspots page
    "page_hotspots": ("违法热点", "Hotspots"),
    "hotspots_title": ("违法热点", "Violation hotspots"),
    "hotspots_intro": (
        "按网格统计违法案件：经验贝叶斯平滑后的每单位案件数，局部 Getis-Ord Gi*"
        "（999 次置换，双侧检验），再经 Benjamini–Hochberg 错误发现率校正。",
        "Violation cases per cell: empirical-Bayes smoothed rate per employer, "
        "local Getis-Ord Gi* (999 permutations, two-sided), then "
        "Benjamini–Hochberg false-discovery-rate correction.",
    ),
    "analysis_level": ("分析层级", "Level analysed"),
    "period_from": ("起始日期", "From"),
    "period_to": ("截止日期", "To"),
    "violation_types": ("违法类型（不选为全部）", "Violation types (none: all)"),
    "hotspot_view": ("显示", "Show"),
    "view_class": ("热点类别", "Hotspot class"),
    "view_trend": ("热点趋势（按季度）", "Emerging trend (quarterly)"),
    "view_rate": ("平滑违法率", "Smoothed rate"),
    "view_density": ("核密度（不依赖网格边界）", "Kernel density (boundary-free)"),
    "view_hexagon": ("H3 六边形（不依赖网格边界）", "H3 hexagons (boundary-free)"),
    "rate_legend": ("每家用人单位案件数（平滑）", "Cases per employer (smoothed)"),
    "density_legend": ("每平方公里案件数", "Cases per km²"),
    "hexagon_legend": ("每个六边形案件数", "Cases per hexagon"),
    "hotspots_significant": ("显著热点 {n} 个", "{n} significant hot spots"),
    "hotspots_under_inspected": (
        "检查不足的热点（检查覆盖率低于全市中位数）",
        "Under-inspected hot spots (inspection coverage below the city median)",
    ),
    "hotspots_none": ("所选条件下没有显著热点。", "No significant hot spot."),
    "hotspots_table": ("全部网格", "All cells"),
    "hotspots_no_points": (
        "所选条件下没有带坐标的违法案件。",
        "No violation case with coordinates in the selection.",
    ),
    "download_csv": ("下载 CSV", "Download CSV"),
    "download_xlsx": ("下载 XLSX", "Download XLSX"),
    "download_png": ("打印图 PNG", "Printable map PNG"),
    "download_pdf": ("打印图 PDF", "Printable map PDF"),
    "field_violations": ("违法案件", "Violations"),
    "field_employers": ("用人单位", "Employers"),
    "field_rate": ("每单位案件数", "Rate"),
    "field_smoothed": ("平滑后", "Smoothed"),
    "field_z": ("Gi* z", "Gi* z"),
    "field_p_fdr": ("p（FDR 校正后）", "p (FDR-corrected)"),
    "field_class": ("类别", "Class"),
    "field_trend": ("趋势", "Trend"),
    "field_coverage": ("12个月检查覆盖率", "Inspected, 12 months"),
    "field_explanation": ("说明", "Explanation"),
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
