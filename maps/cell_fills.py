"""Fills of the grid map's cells by a figure per cell (employers per cell).

Free of Streamlit and of the database.  The counts are put in classes by
mapclassify's Fisher–Jenks natural breaks (:func:`maps.choropleth.classify`:
exact and deterministic, and it follows the skew of counts per cell, where
most cells have a few employers and a few have hundreds), each class a shade
of YlOrRd.  A cell with no employer gets its own pale fill (zero is a value,
not a class boundary), and a cell without a figure gets
:data:`maps.choropleth.NO_DATA_COLOUR`, never the lowest class.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from maps.choropleth import NO_DATA_COLOUR, classify
from maps.i18n import t

#: Fill of a cell without any employer.
ZERO_COLOUR = "#fbfbf7"
#: Classes of the employer counts at most.
EMPLOYER_CLASSES = 5
#: Classification scheme of the employer counts (:data:`maps.choropleth.SCHEMES`).
EMPLOYER_SCHEME = "natural_breaks"


@dataclass(frozen=True)
class CellFills:
    """The fill of every cell drawn, and the legend that explains them.

    Attributes
    ----------
    by_code : dict of str to str
        Fill colour per cell code.
    title : str
        Heading of the legend.
    legend : list of (colour, label)
        Classes present, in order (no data last).
    """

    by_code: dict[str, str]
    title: str
    legend: list[tuple[str, str]]


def _count(value: Any) -> float:
    """Return a count as a float (missing or not a number: NaN)."""
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def _ranges(lower: float, bins: tuple[float, ...]) -> list[str]:
    """Return whole-number class ranges ``1–12``, ``13–40`` (one value: ``7``)."""
    labels = []
    low = math.ceil(lower)
    for upper in bins:
        high = math.floor(upper)
        labels.append(f"{low:,}" if high <= low else f"{low:,}–{high:,}")
        low = high + 1
    return labels


def employer_fills(collection: Mapping[str, Any], lang: str) -> CellFills:
    """Return the fills of the cells by their ``employers`` property.

    Parameters
    ----------
    collection : mapping
        A FeatureCollection whose properties carry ``employers`` (an int, or
        ``None`` where unknown) — :func:`maps.layers.feature_collection`
        with ``employers=``.
    lang : {"zh", "en"}

    Examples
    --------
    >>> fc = {"features": [
    ...     {"properties": {"code": c, "employers": n}}
    ...     for c, n in [("a", 0), ("b", 3), ("c", 40), ("d", None)]]}
    >>> fills = employer_fills(fc, "en")
    >>> [label for _, label in fills.legend]
    ['0', '3', '4–40', 'No data (1)']
    >>> fills.by_code["d"] == NO_DATA_COLOUR
    True
    """
    features = collection.get("features", [])
    codes = [str(f["properties"]["code"]) for f in features]
    values = np.array([_count(f["properties"].get("employers")) for f in features])
    positive = np.where(values > 0, values, np.nan)
    classes = classify(positive, EMPLOYER_SCHEME, k=EMPLOYER_CLASSES)
    by_code: dict[str, str] = {}
    for i, code in enumerate(codes):
        if values[i] == 0:
            by_code[code] = ZERO_COLOUR
        else:
            by_code[code] = classes.colour_of(i)  # NaN: no data
    legend: list[tuple[str, str]] = []
    if np.any(values == 0):
        legend.append((ZERO_COLOUR, "0"))
    legend += list(
        zip(classes.colours, _ranges(classes.lower, classes.bins), strict=True)
    )
    missing = int(np.isnan(values).sum())
    if missing:
        legend.append((NO_DATA_COLOUR, f"{t('legend_no_data', lang)} ({missing})"))
    return CellFills(by_code, t("legend_employers_title", lang), legend)
