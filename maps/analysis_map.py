"""Maps of figures per cell: coverage choropleths and hotspot classes.

Free of Streamlit and of the database, like :mod:`maps.staffing_map`: a cell
frame ready to draw (:func:`maps.layers.prepare_geometries`), a frame of
figures per cell code and a fill per code in; a folium map with its tooltip
and on-map legend out.  Only the figures the tooltip shows travel to the
browser, rounded, so a city-wide village map stays small.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure

from maps import layers
from maps.basemaps import Basemap
from maps.choropleth import NO_DATA_COLOUR, fill_style
from maps.legend import Swatches, add_legend
from maps.styles import TOOLTIP_CSS
from maps.text import html_text


def _shown(value: Any) -> Any:
    """Return a figure as the tooltip shows it (missing: a dash)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, float):
        return round(value, 3)
    if hasattr(value, "item"):  # numpy scalars
        return _shown(value.item())
    return html_text(value) if isinstance(value, str) else value


#: Grid properties a figure map keeps: the tooltip's name, the code (the
#: selected cell, the style lookup) and the level (a clicked cell).  The grid
#: map's others (level label, children, boundary mark) are not shown here.
KEPT_PROPERTIES: tuple[str, ...] = ("code", "name", "level")


def figure_collection(
    cells: gpd.GeoDataFrame,
    figures: pd.DataFrame,
    fills: Mapping[str, str],
    *,
    fields: Sequence[str],
    lang: str = "zh",
) -> dict[str, Any]:
    """Return the GeoJSON of cells with their figures and fill.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells ready to draw.
    figures : DataFrame
        One row per cell, a ``cell_code`` column and the ``fields``.
    fills : mapping of str to str
        Fill colour per cell code; a cell without one is no data (grey).
    fields : sequence of str
        Columns of ``figures`` copied into the properties (text escaped).
    lang : {"zh", "en"}

    Returns
    -------
    dict
        A FeatureCollection (:func:`maps.layers.feature_collection`) whose
        properties are :data:`KEPT_PROPERTIES`, ``fill`` and the fields.
    """
    collection = layers.feature_collection(cells, lang=lang)
    by_code = figures.drop_duplicates("cell_code").set_index("cell_code")
    table = by_code.loc[:, list(fields)]
    # one pass over the rows (not a row lookup per feature: 2,000 cells)
    shown = {
        code: [_shown(value) for value in row]
        for code, row in zip(
            table.index, table.itertuples(index=False, name=None), strict=True
        )
    }
    missing = ["—"] * len(fields)
    for feature in collection["features"]:
        grid = feature["properties"]
        code = grid["code"]
        props = {key: grid[key] for key in KEPT_PROPERTIES}
        props.update(zip(fields, shown.get(code, missing), strict=True))
        props["fill"] = fills.get(code, NO_DATA_COLOUR)
        feature["properties"] = props
    return collection


def figure_map(
    collection: dict[str, Any],
    basemap: Basemap,
    *,
    tooltip: Sequence[tuple[str, str]],
    legend_title: str,
    legend: Sequence[tuple[str, str]],
    selected: str | None = None,
) -> folium.Map:
    """Build the map of a figure collection, fitted to its cells.

    Parameters
    ----------
    collection : dict
        From :func:`figure_collection`.
    basemap : Basemap
    tooltip : sequence of (property, label)
        What the tooltip shows, in order.
    legend_title : str
    legend : sequence of (colour, label)
    selected : str, optional
        The code of the cell outlined (e.g. the gap-list row chosen).
    """
    fmap = layers.base_map(basemap, prefer_canvas=len(collection["features"]) > 500)
    root = cast(Figure, fmap.get_root())
    root.header.add_child(folium.Element(TOOLTIP_CSS))
    folium.GeoJson(
        collection,
        name="figures",
        style_function=lambda f: fill_style(
            f["properties"]["fill"], selected=f["properties"]["code"] == selected
        ),
        highlight_function=lambda f: {"weight": 3, "fillOpacity": 0.85},
        tooltip=folium.GeoJsonTooltip(
            fields=[p for p, _ in tooltip],
            aliases=[label for _, label in tooltip],
            sticky=True,
            class_name="tn-tip",
        ),
        control=False,
        attribution=basemap.cells_attribution,
    ).add_to(fmap)
    add_legend(fmap, Swatches(legend_title, tuple(legend)))
    bounds = _selected_bounds(collection, selected) or layers.collection_bounds(
        collection
    )
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(8, 8))
    return fmap


def _selected_bounds(
    collection: Mapping[str, Any], selected: str | None
) -> list[list[float]] | None:
    """Return the bounds of the selected cell, to fly there (None: not drawn)."""
    if selected is None:
        return None
    chosen = [
        f for f in collection["features"] if f["properties"].get("code") == selected
    ]
    return layers.collection_bounds({"features": chosen}) if chosen else None
