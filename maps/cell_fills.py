"""Fills of the grid map's cells, and the legend that explains them.

Free of Streamlit and of the database.  The grid map colours its cells by
one of :data:`COLOUR_CHOICES`: employers per cell (the default), number of
child cells, or level.  The employer counts are put in classes by
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
from typing import Any, Literal

import numpy as np

from grid.codes import Level
from maps.choropleth import NO_DATA_COLOUR, classify
from maps.i18n import level_label, t
from maps.legend import Swatches

ColourBy = Literal["employers", "staffing", "level", "children"]
#: The grid map's colourings, the default first ("staffing" is offered only
#: to a logged-in user, whose staffing data the page can read).
COLOUR_CHOICES: tuple[ColourBy, ...] = ("employers", "children", "level")


#: Fill colour of each level (colour by level).
LEVEL_COLOURS: dict[Level, str] = {
    Level.CITY: "#6a51a3",
    Level.COUNTY: "#2171b5",
    Level.TOWNSHIP: "#238b45",
    Level.VILLAGE: "#d94801",
}
#: Lower bounds of the child-count classes and their colours (YlGnBu).
CHILD_BINS: tuple[int, ...] = (0, 1, 5, 10, 20, 50)
CHILD_COLOURS: tuple[str, ...] = (
    "#f0f0f0",
    "#c7e9b4",
    "#7fcdbb",
    "#41b6c4",
    "#1d91c0",
    "#253494",
)
_LINE_COLOUR = "#37474f"

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


# ------------------------------------------------------- level and children
def child_class(children: int) -> int:
    """Return the index in :data:`CHILD_BINS` of a child count.

    Examples
    --------
    >>> [child_class(n) for n in (0, 1, 4, 5, 49, 50, 999)]
    [0, 1, 1, 2, 4, 5, 5]
    """
    return int(np.searchsorted(CHILD_BINS, children, side="right") - 1)


def fill_colour(properties: Mapping[str, Any], colour_by: ColourBy) -> str:
    """Return the fill colour of a feature from its properties."""
    if colour_by == "children":
        return CHILD_COLOURS[child_class(int(properties.get("children", 0)))]
    return LEVEL_COLOURS[Level(properties["level"])]


def cell_style(
    properties: Mapping[str, Any],
    colour_by: ColourBy,
    fills: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the Leaflet path style of a feature.

    ``fills`` (fill per code, e.g. :attr:`maps.cell_fills.CellFills.by_code`)
    overrides ``colour_by``; a code missing from it is no data.
    Illustrative cells get a dashed outline, so the mark is visible on the
    map itself and not only in the tooltip.
    """
    village = properties.get("level") == Level.VILLAGE.value
    fill = (
        fill_colour(properties, colour_by)
        if fills is None
        else fills.get(str(properties.get("code")), NO_DATA_COLOUR)
    )
    style: dict[str, Any] = {
        "fillColor": fill,
        "fillOpacity": 0.5,
        "color": _LINE_COLOUR,
        "weight": 0.7 if village else 1.4,
        "opacity": 0.9,
    }
    if properties.get("illustrative"):
        style["dashArray"] = "4 3"
    return style


def effective_colour_by(collection: Mapping[str, Any], colour_by: ColourBy) -> ColourBy:
    """Return ``colour_by``, or a colouring the collection can show.

    Without staffing statuses (:func:`maps.staffing_map.add_staffing`)
    ``"staffing"`` falls back to ``"employers"``; without employer figures
    (no register loaded) ``"employers"`` falls back to ``"children"``;
    ``"children"`` falls back to ``"level"`` when no cell drawn has children:
    colouring villages by their (zero) number of children would paint them
    all the same pale grey.
    """
    features = collection.get("features", [])
    if colour_by == "staffing" and not any(
        "status" in f["properties"] for f in features
    ):
        colour_by = "employers"
    if colour_by == "employers" and not any(
        "employers" in f["properties"] for f in features
    ):
        colour_by = "children"
    if colour_by == "children" and not any(
        int(f["properties"].get("children", 0)) for f in collection.get("features", [])
    ):
        return "level"
    return colour_by


def legend_items(
    collection: Mapping[str, Any], colour_by: ColourBy, lang: str
) -> list[tuple[str, str]]:
    """Return (colour, label) pairs for the classes present in a collection."""
    props = [f["properties"] for f in collection.get("features", [])]
    fills = figure_fills(collection, colour_by, lang)
    if fills is not None:
        return fills.legend
    colour_by = effective_colour_by(collection, colour_by)
    if colour_by == "level":
        levels = sorted({Level(p["level"]) for p in props}, key=lambda lv: lv.depth)
        return [(LEVEL_COLOURS[lv], level_label(lv, lang)) for lv in levels]
    present = sorted({child_class(int(p["children"])) for p in props})
    items = []
    for i in present:
        lo = CHILD_BINS[i]
        hi = CHILD_BINS[i + 1] - 1 if i + 1 < len(CHILD_BINS) else None
        if hi == lo:
            label = t("legend_children_one", lang, n=lo)
        elif hi is not None:
            label = t("legend_children", lang, lo=lo, hi=hi)
        else:
            label = t("legend_children_open", lang, lo=lo)
        items.append((CHILD_COLOURS[i], label))
    return items


def cell_legend(
    collection: Mapping[str, Any], colour_by: ColourBy, lang: str
) -> Swatches:
    """Return the legend section of the cell fills (title and classes present)."""
    fills = figure_fills(collection, colour_by, lang)
    if fills is not None:
        return Swatches(fills.title, tuple(fills.legend))
    colour_by = effective_colour_by(collection, colour_by)
    title = t(f"legend_{colour_by}_title", lang)
    return Swatches(title, tuple(legend_items(collection, colour_by, lang)))


def figure_fills(
    collection: Mapping[str, Any], colour_by: ColourBy, lang: str
) -> CellFills | None:
    """Return the fills of a colouring by a figure per cell (``None``: by class).

    Employers and staffing have a fill per cell code; level and child
    counts are coloured from each feature's own properties
    (:func:`fill_colour`).
    """
    colour_by = effective_colour_by(collection, colour_by)
    if colour_by == "employers":
        return employer_fills(collection, lang)
    if colour_by == "staffing":
        # imported here: maps.staffing_map builds on maps.layers, which uses us
        from maps.staffing_map import staffing_fills

        return staffing_fills(collection, lang)
    return None
