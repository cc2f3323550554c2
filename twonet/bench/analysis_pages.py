"""Page build time and weight of the city-wide coverage and hotspot views.

What a page does on a rerun with its cells cached
(:func:`maps.layers.prepare_geometries` is an ``st.cache_data`` loader):
the fills (:mod:`maps.analysis_view`), :func:`maps.analysis_map.figure_collection`,
:func:`maps.analysis_map.figure_map`, and folium's render of the HTML that
goes to the browser.  Timed together, beside the grid map of the same cells
(:func:`maps.layers.feature_collection` + :func:`maps.layers.build_map` +
render) in the same run.  Targets (issue 12): ≤ 3 MB, ≤ 1 s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from twonet.bench import Figure, best_of

#: What the coverage view's tooltip shows: column, label.
COVERAGE_TOOLTIP: tuple[tuple[str, str], ...] = (
    ("name", "网格"),
    ("employers", "用人单位数"),
    ("workers", "职工人数"),
    ("inspectors", "专职监察员"),
    ("assistants", "协管员"),
    ("inspected_12m_share", "十二个月内检查比例"),
    ("patrolled_twice_share", "年巡查两次以上比例"),
    ("stale_data_share", "用工信息超六个月比例"),
    ("complaints_overdue", "超期未结投诉"),
    ("violations_12m", "十二个月内违法案件"),
)
#: What the hotspot view's tooltip shows (as the 违法热点 page).
HOTSPOT_TOOLTIP: tuple[tuple[str, str], ...] = (
    ("name", "网格"),
    ("violations", "违法案件"),
    ("employers", "用人单位"),
    ("smoothed_rate", "平滑后"),
    ("z", "Gi* z"),
    ("p_fdr", "p（FDR 校正后）"),
    ("class_label", "类别"),
    ("trend_label", "趋势"),
)
_SIZE_TARGET = "≤ 3 MB"
_TIME_TARGET = "≤ 1 s"


def _rendered(build: Callable[[], Any], repeat: int = 3) -> tuple[float, int]:
    """Build a map and render its page; return (best seconds, bytes).

    The best of ``repeat`` runs: the first pays for imports and folium's
    template compilation, which a page's reruns do not.
    """

    def run() -> int:
        return len(build().get_root().render().encode("utf-8"))

    return best_of(repeat, run)


def _page_figures(
    cells: Any, report: pd.DataFrame, view: str, fills: Any, tooltip: Sequence[Any]
) -> list[Figure]:
    from grid.codes import Level
    from maps import analysis_map, layers
    from maps.basemaps import available_basemaps

    basemap = available_basemaps("zh")[0]
    villages = cells[cells["level"] == Level.VILLAGE.value]
    prepared = layers.prepare_geometries(villages, datum=basemap.datum)

    def ours() -> Any:
        shown = fills()
        collection = analysis_map.figure_collection(
            prepared,
            report,
            shown.by_code,
            fields=[p for p, _ in tooltip if p != "name"],
        )
        return analysis_map.figure_map(
            collection,
            basemap,
            tooltip=list(tooltip),
            legend_title=shown.title,
            legend=shown.legend,
        )

    def peer() -> Any:
        return layers.build_map(layers.feature_collection(prepared), basemap)

    seconds, size = _rendered(ours)
    peer_seconds, peer_size = _rendered(peer)
    n = len(prepared[prepared.geometry.notna()])
    name = f"{view} view, city-wide, village level ({n:,} cells)"
    grid_map = "grid map of the same cells (layers.build_map)"
    return [
        Figure(
            f"{name}: page build (fills, figure_collection, figure_map, render)",
            seconds,
            "s",
            grid_map,
            peer_seconds,
            _TIME_TARGET,
        ),
        Figure(
            f"{name}: page HTML",
            size / 1e6,
            "MB",
            grid_map,
            peer_size / 1e6,
            _SIZE_TARGET,
        ),
    ]


def coverage_page_figures(cells: Any, report: pd.DataFrame) -> list[Figure]:
    """Measure the coverage view (share inspected in 12 months, quantiles)."""
    from maps.analysis_view import numeric_fills

    def fills() -> Any:
        return numeric_fills(
            report,
            "inspected_12m_share",
            scheme="quantiles",
            k=5,
            title="十二个月内检查比例",
            lang="zh",
            fmt=lambda v: f"{v:.0%}",
        )

    return _page_figures(cells, report, "coverage", fills, COVERAGE_TOOLTIP)


def hotspot_page_figures(cells: Any, report: pd.DataFrame) -> list[Figure]:
    """Measure the hotspot view (classes after FDR), as the 违法热点 page draws it.

    ``report`` is a hotspot table with ``trend`` (null where untested).
    """
    from grid.hotspot_text import CLASS_NAMES, TREND_NAMES
    from maps.analysis_view import category_fills
    from maps.choropleth import HOTSPOT_COLOURS

    labelled = pd.DataFrame(report.drop(columns="geometry", errors="ignore"))
    labelled["class_label"] = [CLASS_NAMES[c][0] for c in labelled["class"]]
    labelled["trend_label"] = [
        TREND_NAMES[c][0] if isinstance(c, str) else None for c in labelled["trend"]
    ]

    def fills() -> Any:
        return category_fills(
            labelled,
            "class",
            HOTSPOT_COLOURS,
            CLASS_NAMES,
            title="热点（Gi*，FDR校正）",
            lang="zh",
        )

    return _page_figures(cells, labelled, "hotspot", fills, HOTSPOT_TOOLTIP)
