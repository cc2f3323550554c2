"""The staffing map: cells coloured by staffing status, legend on the map.

Free of Streamlit and of the database, like :mod:`maps.layers`: a cell frame
and the status frame of :func:`grid.staffing.cell_staffing` in, a folium map
out.  A cell is 已配齐 (``full``: its rule is met), 配备不足 (``under``:
someone is assigned but too few), 无人员 (``none``) or 无数据 (no status:
the cell is outside the staffing data of the date).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Figure

from maps import layers
from maps.basemaps import Basemap
from maps.cell_fills import CellFills
from maps.i18n import t
from maps.legend import Swatches, add_legend
from maps.styles import TOOLTIP_CSS

#: Staffing statuses in legend order, and the fill of each (no data last).
STATUS_ORDER: tuple[str, ...] = ("full", "under", "none", "nodata")
STATUS_COLOURS: dict[str, str] = {
    "full": "#1a9850",
    "under": "#f59e0b",
    "none": "#d7301f",
    "nodata": "#bdbdbd",
}
_TOOLTIP_FIELDS = ("code", "name", "level_label", "status_label", "staff")
_SELECTED = "#111827"


def status_label(status: str, lang: str) -> str:
    """Return the name of a staffing status (``full`` → 已配齐).

    Examples
    --------
    >>> status_label("under", "zh"), status_label("none", "en")
    ('配备不足', 'no staff')
    """
    return t(f"status_{status if status in STATUS_COLOURS else 'nodata'}", lang)


def staffing_collection(
    cells: gpd.GeoDataFrame, status: pd.DataFrame, *, lang: str = "zh"
) -> dict[str, Any]:
    """Return the GeoJSON of cells ready to draw, with their staffing.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells whose geometries are ready to draw
        (:func:`maps.layers.prepare_geometries`).
    status : DataFrame
        ``code, assistants, inspectors, status`` (cells missing: no data).
    lang : {"zh", "en"}

    Returns
    -------
    dict
        A FeatureCollection (:func:`maps.layers.feature_collection`) whose
        properties also hold ``status``, ``status_label`` and ``staff``
        (``协管员 2 · 责任监察员 1``).
    """
    return add_staffing(layers.feature_collection(cells, lang=lang), status, lang)


def add_staffing(
    collection: dict[str, Any], status: pd.DataFrame, lang: str
) -> dict[str, Any]:
    """Add ``status``, ``status_label`` and ``staff`` to a collection's features.

    ``status`` as in :func:`staffing_collection`; returns ``collection``,
    changed in place.
    """
    by_code = status.set_index("code") if len(status) else None
    for feature in collection["features"]:
        props = feature["properties"]
        code = props["code"]
        found = by_code is not None and code in by_code.index
        row = by_code.loc[code] if found and by_code is not None else None
        state = str(row["status"]) if row is not None else "nodata"
        props["status"] = state
        props["status_label"] = status_label(state, lang)
        props["staff"] = (
            t(
                "staff_counts",
                lang,
                assistants=int(row["assistants"]),
                inspectors=int(row["inspectors"]),
            )
            if row is not None
            else "—"
        )
    return collection


def status_style(properties: Mapping[str, Any], selected: str | None) -> dict[str, Any]:
    """Return the Leaflet style of a cell: fill by status, the selected outlined."""
    chosen = selected is not None and properties.get("code") == selected
    style: dict[str, Any] = {
        "fillColor": STATUS_COLOURS.get(str(properties.get("status")), "#bdbdbd"),
        "fillOpacity": 0.6,
        "color": _SELECTED if chosen else "#37474f",
        "weight": 3.5 if chosen else 0.8,
        "opacity": 0.9,
    }
    if properties.get("illustrative") and not chosen:
        style["dashArray"] = "4 3"
    return style


def legend_items(collection: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """Return (colour, label) of every status, with its number of cells.

    Examples
    --------
    >>> fc = {"features": [{"properties": {"status": "full"}}]}
    >>> legend_items(fc, "zh")[0]
    ('#1a9850', '已配齐 (1)')
    """
    counts = pd.Series(
        [f["properties"].get("status") for f in collection.get("features", [])],
        dtype=object,
    ).value_counts()
    return [
        (STATUS_COLOURS[s], f"{status_label(s, lang)} ({int(counts.get(s, 0))})")
        for s in STATUS_ORDER
    ]


def staffing_fills(collection: Mapping[str, Any], lang: str) -> CellFills:
    """Return the fills of a collection's cells by staffing status.

    For the grid map's "colour by staffing" (:mod:`maps.cell_fills`); the
    collection must have been through :func:`add_staffing`.

    Examples
    --------
    >>> fc = {"features": [{"properties": {"code": "a", "status": "under"}}]}
    >>> staffing_fills(fc, "zh").by_code
    {'a': '#f59e0b'}
    """
    by_code = {
        str(f["properties"]["code"]): STATUS_COLOURS.get(
            str(f["properties"].get("status")), STATUS_COLOURS["nodata"]
        )
        for f in collection.get("features", [])
    }
    return CellFills(
        by_code, t("staffing_legend", lang), legend_items(collection, lang)
    )


def legend_section(items: list[tuple[str, str]], lang: str) -> Swatches:
    """Return the legend section of the statuses (:mod:`maps.legend`)."""
    return Swatches(t("staffing_legend", lang), tuple(items))


def staffing_map(
    collection: dict[str, Any],
    basemap: Basemap,
    *,
    lang: str = "zh",
    selected: str | None = None,
) -> folium.Map:
    """Build the staffing map of a collection, fitted to its cells.

    The tooltip shows code, name, level, status and the staff counts; the
    legend (with the number of cells of each status) sits on the map.
    """
    fmap = layers.base_map(basemap, prefer_canvas=len(collection["features"]) > 500)
    root = cast(Figure, fmap.get_root())
    root.header.add_child(folium.Element(TOOLTIP_CSS))
    aliases = [
        t(k, lang)
        for k in (
            "field_code",
            "field_name",
            "field_level",
            "field_status",
            "field_staff",
        )
    ]
    folium.GeoJson(
        collection,
        name="staffing",
        style_function=lambda f: status_style(f["properties"], selected),
        highlight_function=lambda f: {"weight": 3, "fillOpacity": 0.8},
        tooltip=folium.GeoJsonTooltip(
            fields=list(_TOOLTIP_FIELDS),
            aliases=aliases,
            sticky=True,
            class_name="tn-tip",
        ),
        control=False,
        attribution=basemap.cells_attribution,
    ).add_to(fmap)
    add_legend(fmap, legend_section(legend_items(collection, lang), lang))
    bounds = layers.collection_bounds(collection)
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(8, 8))
    return fmap
