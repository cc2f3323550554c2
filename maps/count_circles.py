"""Count circles that read at a glance: rolled up when dense, explained by size.

Free of Streamlit and of the database.  The count circles of
:class:`maps.employer_layers.CountLayer` sit one per cell.  Over a whole city
at village level that is thousands of circles on top of each other; so when
a view would draw more than :data:`CIRCLE_LIMIT` of them, the counts are
summed per parent cell (:func:`roll_up`: one circle per township instead of
one per village).  The cells themselves are still coloured by employers per
cell (:mod:`maps.cell_fills`), so no detail is lost, and each circle stands
for a named unit the user knows.

Clustering by screen distance (Leaflet.markercluster) was the alternative:
it regroups on every zoom into clusters that follow no boundary (a number
summing half of one township and a corner of the next), needs one more
script bundled for offline use, and clusters are clickable, which would
swallow the clicks the grid map's drill-down relies on.

:func:`size_legend` gives the legend section that tells what a circle's size
means, computed from the layer's own radius rule.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from maps.employer_layers import COUNT_COLOUR, CountLayer, format_count
from maps.i18n import t
from maps.legend import Sizes

#: Most count circles drawn before they are summed per parent cell.
CIRCLE_LIMIT = 150
_SUMMED = ("employers", "flagged", "queued")


def needs_roll_up(counts: pd.DataFrame, *, limit: int = CIRCLE_LIMIT) -> bool:
    """Return whether a view's count circles are too many to read.

    Examples
    --------
    >>> needs_roll_up(pd.DataFrame({"employers": [1, 0, 2]}), limit=2)
    False
    >>> needs_roll_up(pd.DataFrame({"employers": [1, 3, 2]}), limit=2)
    True
    """
    return int((counts["employers"] > 0).sum()) > limit


def roll_up(counts: pd.DataFrame, parents: pd.DataFrame) -> pd.DataFrame:
    """Sum counts per cell into counts per parent cell.

    Parameters
    ----------
    counts : DataFrame
        ``code``, ``employers`` and optionally ``flagged`` and ``queued``
        (:func:`twonet.db.employer_queries.cell_counts`).
    parents : DataFrame
        ``code`` and ``parent_code`` of the cells (a cell frame); counts of
        cells without a parent are dropped.

    Returns
    -------
    DataFrame
        The same columns, one row per parent code, sorted by code.

    Examples
    --------
    >>> counts = pd.DataFrame({"code": ["a1", "a2", "b1"], "employers": [2, 3, 4]})
    >>> parents = pd.DataFrame({"code": ["a1", "a2", "b1"],
    ...                         "parent_code": ["a", "a", "b"]})
    >>> roll_up(counts, parents).to_dict("records")
    [{'code': 'a', 'employers': 5}, {'code': 'b', 'employers': 4}]
    """
    columns = [c for c in _SUMMED if c in counts.columns]
    merged = counts.merge(parents[["code", "parent_code"]], on="code", how="inner")
    merged = merged[merged["parent_code"].notna() & (merged["parent_code"] != "")]
    summed = (
        merged.groupby("parent_code", sort=True)[columns]
        .sum()
        .reset_index()
        .rename(columns={"parent_code": "code"})
    )
    return summed.astype({c: int for c in columns})


def _nice(value: float) -> int:
    """Round down to one significant digit: 1, 2 or 5 times a power of ten.

    Examples
    --------
    >>> [_nice(v) for v in (1, 3.7, 8, 42, 180, 7300)]
    [1, 2, 5, 20, 100, 5000]
    """
    if value < 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    step = max(s for s in (1, 2, 5) if s * power <= value)
    return int(step * power)


def size_steps(top: int) -> list[int]:
    """Return the counts shown in the size legend: the largest, then rounder.

    Examples
    --------
    >>> size_steps(734), size_steps(3), size_steps(1)
    ([734, 100, 20], [3, 1], [1])
    """
    steps = [int(top)]
    for fraction in (1 / 6, 1 / 36):
        value = _nice(top * fraction)
        if value < steps[-1]:
            steps.append(value)
    return steps


def size_legend(layer: CountLayer, lang: str = "zh") -> Sizes:
    """Return the size legend of a count layer (no circles: no entries).

    The radii follow the layer's rule: ``rmin + (rmax - rmin) * sqrt(n /
    top)``, so the legend's circles are as large as the map's.
    """
    data = json.loads(layer.payload)
    title = t("legend_sizes_title", lang)
    if not data["rows"]:
        return Sizes(title, (), COUNT_COLOUR)
    top, rmin, rmax = int(data["top"]), float(data["rmin"]), float(data["rmax"])
    entries = tuple(
        (
            round(rmin + (rmax - rmin) * math.sqrt(n / top), 1),
            format_count(n, lang),
        )
        for n in size_steps(top)
    )
    return Sizes(title, entries, COUNT_COLOUR)
