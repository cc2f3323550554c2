"""What the 覆盖缺口 / Coverage page shows: metrics, the gap table, a cell's figures.

Free of Streamlit and of the database.  The page hands in the coverage
frame of :func:`twonet.coverage.coverage_report` (one row per cell) and gets
back the frame it maps (:func:`mapped_frame`: coverage plus each cell's gap
score and rank), the fills of the chosen metric (:func:`metric_fills`), the
gap list as the page shows it (:func:`gap_table`), the cell a selected row
names (:func:`selected_code`) and that cell's figures (:func:`cell_figures`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grid.gaps import filter_gaps, gap_list
from maps.analysis_view import Fills, numeric_fills
from maps.i18n import t


def _share(value: float) -> str:
    return f"{value:.0%}"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _ratio(value: float) -> str:
    return f"{value:,.1f}"


@dataclass(frozen=True)
class Metric:
    """One figure the map can show: its column, label key and number format."""

    column: str
    label: str
    fmt: Callable[[float], str]


#: Metrics of the map, in the order the page offers them (the first is the default).
METRICS: dict[str, Metric] = {
    "score": Metric("score", "cov_metric_score", _ratio),
    "employers_per_assistant": Metric(
        "employers_per_assistant", "cov_metric_per_assistant", _ratio
    ),
    "inspected_12m_share": Metric(
        "inspected_12m_share", "cov_metric_inspected", _share
    ),
    "patrolled_twice_share": Metric(
        "patrolled_twice_share", "cov_metric_patrolled", _share
    ),
    "stale_data_share": Metric("stale_data_share", "cov_metric_stale", _share),
    "complaints_overdue": Metric("complaints_overdue", "cov_metric_overdue", _count),
    "employers": Metric("employers", "cov_metric_employers", _count),
    "breaches": Metric("breaches", "cov_metric_breaches", _count),
}

#: Figures of one cell (column, label key, format), as the page lists them.
CELL_FIGURES: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("rank", "cov_field_rank", _count),
    ("score", "cov_metric_score", _ratio),
    ("employers", "cov_metric_employers", _count),
    ("workers", "cov_field_workers", _count),
    ("assistants", "cov_field_assistants", _count),
    ("inspectors", "cov_field_inspectors", _count),
    ("employers_per_assistant", "cov_metric_per_assistant", _ratio),
    ("employers_per_inspector", "cov_field_per_inspector", _ratio),
    ("breaches", "cov_metric_breaches", _count),
    ("inspected_12m_share", "cov_metric_inspected", _share),
    ("patrolled_twice_share", "cov_metric_patrolled", _share),
    ("stale_data_share", "cov_metric_stale", _share),
    ("employers_without_cell", "cov_field_without_cell", _count),
    ("complaints_overdue", "cov_metric_overdue", _count),
    ("wage_complaints_overdue", "cov_field_wage_overdue", _count),
    ("violations_12m", "cov_field_violations", _count),
)

#: Tooltip of the map: (column, label key).
TOOLTIP: tuple[tuple[str, str], ...] = (
    ("name", "field_name"),
    ("employers", "cov_metric_employers"),
    ("assistants", "cov_field_assistants"),
    ("inspectors", "cov_field_inspectors"),
    ("inspected_12m_share", "cov_metric_inspected"),
    ("complaints_overdue", "cov_metric_overdue"),
    ("score", "cov_metric_score"),
    ("rank", "cov_field_rank"),
)


def mapped_frame(coverage: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    """Return the coverage frame with each cell's gap ``score`` and ``rank``.

    ``gaps`` is the whole (unfiltered) gap list of the same frame.

    Examples
    --------
    >>> c = pd.DataFrame({"cell_code": ["1", "2"], "employers": [3, 0]})
    >>> g = pd.DataFrame({"cell_code": ["2", "1"], "score": [0.0, 5.5],
    ...                   "rank": [2, 1]})
    >>> mapped_frame(c, g)[["cell_code", "score", "rank"]].to_dict("list")
    {'cell_code': ['1', '2'], 'score': [5.5, 0.0], 'rank': [1, 2]}
    """
    ranked = gaps.loc[:, ["cell_code", "score", "rank"]]
    out = coverage.drop(columns=["score", "rank"], errors="ignore")
    return out.merge(ranked, on="cell_code", how="left", validate="one_to_one")


def ranked_gaps(
    coverage: pd.DataFrame,
    max_employers: int,
    *,
    county: str | None = None,
    min_employers: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the whole gap list of a coverage frame and the filtered one."""
    gaps = gap_list(coverage, max_employers=max_employers)
    shown = filter_gaps(gaps, county=county or None, min_employers=min_employers)
    return gaps, shown


def metric_fills(
    frame: pd.DataFrame, metric: str, *, scheme: str, k: int, lang: str
) -> Fills:
    """Return the fills and legend of ``metric`` classed by ``scheme``.

    A cell whose figure is undefined (a share of no employers, employers per
    协管员 where there is none) is no data.

    Examples
    --------
    >>> f = pd.DataFrame({"cell_code": ["1", "2", "3"],
    ...                   "stale_data_share": [0.0, 1.0, None]})
    >>> fills = metric_fills(f, "stale_data_share", scheme="equal_interval",
    ...                      k=2, lang="en")
    >>> fills.title, [label for _, label in fills.legend]
    ('Labour data older than 6 months', ['0% – 50%', '50% – 100%', 'No data (1)'])
    """
    chosen = METRICS[metric]
    values = pd.to_numeric(frame[chosen.column], errors="coerce").astype(float)
    values = values.where(np.isfinite(values))
    figures = pd.DataFrame({"cell_code": frame["cell_code"], "value": values})
    return numeric_fills(
        figures,
        "value",
        scheme=scheme,
        k=k,
        title=t(chosen.label, lang),
        lang=lang,
        fmt=chosen.fmt,
    )


def gap_table(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the gap list as the page shows it: rank, place, score, reasons.

    Headers and reasons are in ``lang``; the cell code stays for reference.

    Examples
    --------
    >>> g = pd.DataFrame({"rank": [1], "cell_code": ["370211"],
    ...                   "place": ["黄岛区"], "score": [12.5], "employers": [3],
    ...                   "reasons_zh": ["黄岛区：3 家"],
    ...                   "reasons_en": ["3 employers"]})
    >>> table = gap_table(g, "en")
    >>> list(table.columns)
    ['Rank', 'Place', 'Gap score', 'Employers', 'Reasons', 'Code']
    >>> table["Reasons"].tolist()
    ['3 employers']
    """
    reasons = "reasons_zh" if lang == "zh" else "reasons_en"
    columns = {
        "rank": t("cov_field_rank", lang),
        "place": t("cov_field_place", lang),
        "score": t("cov_metric_score", lang),
        "employers": t("cov_metric_employers", lang),
        reasons: t("cov_field_reasons", lang),
        "cell_code": t("field_code", lang),
    }
    return gaps.loc[:, list(columns)].rename(columns=columns).reset_index(drop=True)


def selected_code(gaps: pd.DataFrame, rows: Sequence[int]) -> str | None:
    """Return the cell code of the first selected row (None: none, or stale).

    Examples
    --------
    >>> g = pd.DataFrame({"cell_code": ["a", "b"]})
    >>> selected_code(g, [1]), selected_code(g, []), selected_code(g, [5])
    ('b', None, None)
    """
    if not rows or not 0 <= rows[0] < len(gaps):
        return None
    return str(gaps["cell_code"].iloc[rows[0]])


def cell_figures(frame: pd.DataFrame, code: str, lang: str) -> pd.DataFrame:
    """Return the figures of cell ``code`` as two columns: figure, value.

    A figure that is undefined shows as a dash.

    Examples
    --------
    >>> f = pd.DataFrame({"cell_code": ["1"], "employers": [12],
    ...                   "inspected_12m_share": [0.25]})
    >>> cell_figures(f, "1", "zh").values.tolist()
    [['用人单位', '12'], ['十二个月内检查比例', '25%']]
    """
    row = frame.loc[frame["cell_code"].astype(str) == code]
    if row.empty:
        return pd.DataFrame(
            {t("cov_field_figure", lang): [], t("cov_field_value", lang): []}
        )
    first = row.iloc[0]
    names, values = [], []
    for column, label, fmt in CELL_FIGURES:
        if column not in row:
            continue
        value = pd.to_numeric(pd.Series([first[column]]), errors="coerce").iloc[0]
        names.append(t(label, lang))
        values.append(fmt(float(value)) if np.isfinite(value) else "—")
    return pd.DataFrame(
        {t("cov_field_figure", lang): names, t("cov_field_value", lang): values}
    )


def selected_reasons(gaps: pd.DataFrame, code: str, lang: str) -> str:
    """Return the reasons of cell ``code`` in ``lang`` (empty when not listed)."""
    row = gaps.loc[gaps["cell_code"].astype(str) == code]
    if row.empty:
        return ""
    return str(row.iloc[0]["reasons_zh" if lang == "zh" else "reasons_en"])
