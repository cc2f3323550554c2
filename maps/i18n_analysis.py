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
    "hotspot_legend": ("热点（Gi*，错误发现率校正）", "Hotspots (Gi*, FDR-corrected)"),
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
    "field_p_fdr": ("p（错误发现率校正后）", "p (FDR-corrected)"),
    "field_class": ("类别", "Class"),
    "field_trend": ("趋势", "Trend"),
    "field_coverage": ("12个月检查覆盖率", "Inspected, 12 months"),
    "field_explanation": ("说明", "Explanation"),
    # coverage page
    "page_coverage": ("覆盖缺口", "Coverage"),
    "coverage_title": ("覆盖缺口", "Coverage gaps"),
    "coverage_intro": (
        "各网格的监管覆盖情况（截至所选日期）：用人单位、人员配置、十二个月内检查与巡查、"
        "用工信息更新、超期未结投诉；缺口清单按文档化的得分排序，点选一行地图即定位到该网格。",
        "Supervision coverage per cell as of the chosen date: employers, staff, "
        "inspections and patrols in 12 months, labour data freshness, overdue "
        "complaints; the gap list is ranked by a documented score, choose a row "
        "and the map goes there.",
    ),
    "cov_metric": ("地图指标", "Mapped figure"),
    "cov_metric_score": ("缺口得分", "Gap score"),
    "cov_metric_per_assistant": ("每名协管员负责单位数", "Employers per assistant"),
    "cov_metric_inspected": ("十二个月内检查比例", "Inspected in 12 months"),
    "cov_metric_patrolled": ("年巡查两次以上比例", "Patrolled twice a year"),
    "cov_metric_stale": ("用工信息超六个月比例", "Labour data older than 6 months"),
    "cov_metric_overdue": ("超期未结投诉", "Overdue complaints"),
    "cov_metric_employers": ("用人单位", "Employers"),
    "cov_metric_breaches": ("人员配置违规数", "Staffing rule breaches"),
    "cov_county": ("缺口清单：区县", "Gap list: county"),
    "cov_all_counties": ("全部区县", "All counties"),
    "cov_min_employers": ("缺口清单：最少用人单位数", "Gap list: minimum employers"),
    "cov_gaps": ("覆盖缺口清单（{n} 个网格）", "Gap list ({n} cells)"),
    "cov_gaps_help": (
        "点选一行，地图定位到该网格并显示其指标。",
        "Choose a row: the map goes to that cell and shows its figures.",
    ),
    "cov_gaps_none": ("所选条件下没有网格。", "No cell matches."),
    "cov_selected": ("所选网格：{place}（{code}）", "Selected cell: {place} ({code})"),
    "cov_field_rank": ("排名", "Rank"),
    "cov_field_place": ("位置", "Place"),
    "cov_field_reasons": ("原因", "Reasons"),
    "cov_field_workers": ("职工人数", "Workers"),
    "cov_field_assistants": ("协管员", "Assistants"),
    "cov_field_inspectors": ("专职监察员", "Inspectors"),
    "cov_field_per_inspector": ("每名监察员负责单位数", "Employers per inspector"),
    "cov_field_without_cell": ("未落下级网格单位数", "Employers without a cell"),
    "cov_field_wage_overdue": ("其中欠薪投诉", "of which wage arrears"),
    "cov_field_violations": ("十二个月内违法案件", "Violations in 12 months"),
    "cov_field_figure": ("指标", "Figure"),
    "cov_field_value": ("数值", "Value"),
    "cov_download_coverage_csv": ("覆盖情况 CSV", "Coverage CSV"),
    "cov_download_coverage_xlsx": ("覆盖情况 XLSX", "Coverage XLSX"),
    "cov_download_gaps_csv": ("缺口清单 CSV", "Gap list CSV"),
    "cov_download_gaps_xlsx": ("缺口清单 XLSX", "Gap list XLSX"),
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
