"""Choropleths: numbers per cell classed with mapclassify, classes coloured.

Free of Streamlit and of the database, like :mod:`maps.layers`.  A value
per cell is put in ``k`` classes by one of three schemes
(:data:`SCHEMES`: quantiles, equal intervals, natural breaks by
Fisher–Jenks — exact and deterministic, unlike k-means ``NaturalBreaks``),
each class a shade of a ColorBrewer sequential palette; a cell without a
value gets :data:`NO_DATA_COLOUR`, never the lowest class.  Hotspot classes
(:data:`HOTSPOT_COLOURS`, the colours ArcGIS's Hot Spot Analysis uses) and
emerging-trend patterns (:data:`TREND_COLOURS`) are categorical, named by
:mod:`grid.hotspot_text`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from maps.i18n import t

#: A cell without a value (no data), whatever the scheme.
NO_DATA_COLOUR = "#d9d9d9"

#: ColorBrewer YlOrRd, by number of classes.
_YL_OR_RD: dict[int, tuple[str, ...]] = {
    1: ("#fd8d3c",),
    2: ("#fecc5c", "#e31a1c"),
    3: ("#ffeda0", "#feb24c", "#f03b20"),
    4: ("#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"),
    5: ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"),
    6: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"),
    7: ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"),
}
MAX_CLASSES = max(_YL_OR_RD)


def _classifier(name: str) -> Callable[..., Any]:
    import mapclassify

    return {
        "quantiles": mapclassify.Quantiles,
        "equal_interval": mapclassify.EqualInterval,
        "natural_breaks": mapclassify.FisherJenks,
    }[name]


#: Classification schemes: name → message key of its label.
SCHEMES: dict[str, str] = {
    "quantiles": "scheme_quantiles",
    "equal_interval": "scheme_equal_interval",
    "natural_breaks": "scheme_natural_breaks",
}

#: Hotspot classes (:data:`grid.hotspot_text.CLASS_NAMES`) in legend order
#: and their fill (ArcGIS's palette).
HOTSPOT_COLOURS: dict[str, str] = {
    "hot_99": "#d62f27",
    "hot_95": "#ed7551",
    "hot_90": "#fab984",
    "not_significant": "#f7f7e6",
    "cold_90": "#c0ccbe",
    "cold_95": "#849eba",
    "cold_99": "#4575b5",
    "no_neighbours": NO_DATA_COLOUR,
    "no_employers": "#eeeeee",
}

#: Emerging hot spot patterns (:data:`grid.hotspot_text.TREND_NAMES`) and
#: their fill: reds for hot, blues for cold, the newest the darkest.
TREND_COLOURS: dict[str, str] = {
    "new_hot": "#67000d",
    "consecutive_hot": "#a50f15",
    "intensifying_hot": "#cb181d",
    "persistent_hot": "#ef3b2c",
    "diminishing_hot": "#fc9272",
    "sporadic_hot": "#fdae6b",
    "oscillating_hot": "#fdd0a2",
    "historical_hot": "#d4b9da",
    "new_cold": "#08306b",
    "consecutive_cold": "#08519c",
    "intensifying_cold": "#2171b5",
    "persistent_cold": "#4292c6",
    "diminishing_cold": "#6baed6",
    "sporadic_cold": "#9ecae1",
    "oscillating_cold": "#c6dbef",
    "historical_cold": "#bcbddc",
    "no_pattern": "#f7f7e6",
}


@dataclass(frozen=True)
class Classes:
    """Values put in classes.

    Attributes
    ----------
    scheme : str
        A key of :data:`SCHEMES`.
    bins : tuple of float
        Upper bound of each class (the last is the maximum).
    lower : float
        The smallest value classed.
    labels : numpy.ndarray
        Class of each value, ``-1`` for a missing one.
    colours : tuple of str
        Fill of each class, lightest first.
    """

    scheme: str
    bins: tuple[float, ...]
    lower: float
    labels: np.ndarray
    colours: tuple[str, ...]

    def colour_of(self, position: int) -> str:
        """Return the fill of the value at ``position`` (no data: grey)."""
        label = int(self.labels[position])
        return NO_DATA_COLOUR if label < 0 else self.colours[label]

    def ranges(self, fmt: Callable[[float], str] = lambda v: f"{v:,.2f}") -> list[str]:
        """Return each class's range as text, ``lo – hi``."""
        if not self.bins:
            return []
        lows = (self.lower, *self.bins[:-1])
        return [
            f"{fmt(lo)} – {fmt(hi)}" for lo, hi in zip(lows, self.bins, strict=True)
        ]


def classify(values: pd.Series | np.ndarray, scheme: str, k: int = 5) -> Classes:
    """Put values in at most ``k`` classes by a scheme of :data:`SCHEMES`.

    Missing values (NaN, None) stay out of the classes (label ``-1``).  With
    fewer distinct values than ``k`` there are as many classes as values.

    Raises
    ------
    ValueError
        An unknown scheme, or ``k`` outside 1–7.

    Examples
    --------
    >>> c = classify(pd.Series([1.0, 2.0, 3.0, 4.0, None]), "equal_interval", k=3)
    >>> c.labels.tolist(), c.ranges(lambda v: f"{v:g}")
    ([0, 0, 1, 2, -1], ['1 – 2', '2 – 3', '3 – 4'])
    """
    if scheme not in SCHEMES:
        msg = f"未知的分级方法 / unknown classification scheme: {scheme!r}"
        raise ValueError(msg)
    if not 1 <= k <= MAX_CLASSES:
        msg = f"分级数须为1至{MAX_CLASSES} / classes must be 1–{MAX_CLASSES}: {k!r}"
        raise ValueError(msg)
    array = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
    known = np.isfinite(array)
    labels = np.full(len(array), -1, dtype=int)
    present = array[known]
    distinct = np.unique(present)
    if len(distinct) == 0:
        return Classes(scheme, (), float("nan"), labels, ())
    k = min(k, len(distinct))
    if k == 1:
        bins = np.array([distinct[-1]])
        labels[known] = 0
    else:
        with warnings.catch_warnings():
            # Fisher-Jenks says once that numba would make it faster
            warnings.filterwarnings("ignore", message="Numba not installed")
            # quantiles of tied values: fewer classes than asked, said once
            warnings.filterwarnings("ignore", message="Not enough unique values")
            fitted = _classifier(scheme)(present, k=k)
        bins = np.asarray(fitted.bins, dtype=float)
        labels[known] = np.asarray(fitted.yb, dtype=int)
    colours = _YL_OR_RD[len(bins)]
    return Classes(
        scheme, tuple(float(b) for b in bins), float(distinct[0]), labels, colours
    )


def class_legend(
    classes: Classes,
    lang: str,
    *,
    fmt: Callable[[float], str] = lambda v: f"{v:,.2f}",
    missing: int = 0,
) -> list[tuple[str, str]]:
    """Return (colour, label) of every class, then no data when any is missing."""
    items = list(zip(classes.colours, classes.ranges(fmt), strict=True))
    if missing or not items:
        items.append((NO_DATA_COLOUR, f"{t('legend_no_data', lang)} ({missing})"))
    return items


def category_legend(
    counts: Mapping[str, int],
    colours: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
    lang: str,
) -> list[tuple[str, str]]:
    """Return (colour, name (n)) of the categories present, in legend order.

    ``names`` maps a category to its (Chinese, English) name, e.g.
    :data:`grid.hotspot_text.CLASS_NAMES`.

    Examples
    --------
    >>> category_legend({"b": 2}, {"a": "#111", "b": "#222"},
    ...                 {"a": ("甲", "A"), "b": ("乙", "B")}, "zh")
    [('#222', '乙 (2)')]
    """
    index = 0 if lang == "zh" else 1
    return [
        (colour, f"{names.get(name, (name, name))[index]} ({int(counts.get(name, 0))})")
        for name, colour in colours.items()
        if counts.get(name, 0)
    ]


def fill_style(fill: str, *, selected: bool = False) -> dict[str, Any]:
    """Return the Leaflet style of a cell filled with ``fill``."""
    return {
        "fillColor": fill,
        "fillOpacity": 0.7,
        "color": "#111827" if selected else "#546e7a",
        "weight": 3.5 if selected else 0.6,
        "opacity": 0.9,
    }
