"""网格地图 / Grid map: a choropleth of the cells, clicked to drill down.

The page only wires session state to widgets.  Data comes from cached
loaders over :mod:`twonet.db.repository`; geometry simplification, the
GeoJSON, the folium map and the drill-down rules live in :mod:`maps.layers`.

Drill-down: the map is drawn with ``st_folium(...,
returned_objects=["last_active_drawing"], on_change=...)``.  A click on a
cell makes Leaflet return that feature's GeoJSON (its properties carry the
code and level); the ``on_change`` callback turns it into the next
:class:`~maps.layers.View` before the rerun, so each click costs one rerun
and panning or zooming none.

The view (drill position, level, date, colouring, basemap, employer layer)
lives in the URL (:mod:`maps.url_state`); the search box above the map
jumps to a cell by name or code (:mod:`maps.cell_search`) as a click would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

import geopandas as gpd
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit_folium import st_folium

from grid.codes import LEVELS, Level, level_of_code
from maps import (
    cell_search,
    count_circles,
    employer_card,
    layers,
    staffing_data,
    url_state,
)
from maps import employer_layers as emap
from maps.auth import current_user, user_engine
from maps.basemaps import (
    Basemap,
    available_basemaps,
    default_basemap_key,
    tianditu_key,
)
from maps.downloads import table_downloads
from maps.i18n import level_label, t
from maps.i18n_labels import attribution_text, provenance_text
from maps.legend import Section, Swatches
from maps.pages import employer_search as employer_loaders
from maps.staffing_map import add_staffing
from maps.styles import legend_markup
from maps.text import md_escape, t_md
from maps.widgets import bound, current_lang, init_state
from twonet.db import repository
from twonet.db.employer_queries import EmployerFilter
from twonet.db.engine import default_url
from twonet.errors import TwoNetError

_VIEW = "grid_view"
_LEVEL = "grid_level"
_COLOUR_BY = "grid_colour_by"
_BASEMAP = "grid_basemap"
_AS_OF = "grid_as_of"
_EMPLOYERS = "grid_employers"
_MAP = "grid_map"
_SEARCH = "grid_search"
_FOUND = "grid_search_found"
_MAP_HEIGHT = 620
_URL = (
    url_state.view(_VIEW),
    url_state.date("date", _AS_OF),
    url_state.choice("colour", _COLOUR_BY, get_args(layers.ColourBy)),
    url_state.token("basemap", _BASEMAP),
    url_state.flag("emp", _EMPLOYERS),
)


# ------------------------------------------------------------------ loaders
@st.cache_data(show_spinner=False, ttl=600)
def _cells(
    url: str,
    level: str | None,
    parent_code: str | None,
    codes: tuple[str, ...] | None,
    as_of: dt.date,
) -> gpd.GeoDataFrame:
    return repository.load_cells(
        employer_loaders.engine(url),
        level=level,
        parent_code=parent_code,
        codes=list(codes) if codes is not None else None,
        as_of=as_of,
    )


@st.cache_data(show_spinner=False, ttl=600)
def _child_counts(url: str, as_of: dt.date) -> dict[str, int]:
    return repository.child_counts(employer_loaders.engine(url), as_of=as_of)


@st.cache_data(show_spinner=False, ttl=600)
def _lineage(url: str, code: str | None, as_of: dt.date) -> list[dict[str, Any]]:
    """Return code, name and level of ``code`` and its ancestors, top first."""
    rows: dict[str, dict[str, Any]] = {}

    def parent_of(c: str) -> str | None:
        found = _cells(url, None, None, (c,), as_of)
        if found.empty:
            return None
        row = found.iloc[0]
        rows[c] = {"code": c, "name": row["name"], "level": row["level"]}
        parent = row["parent_code"]
        return None if pd.isna(parent) or not parent else str(parent)

    path = layers.ancestry(code, parent_of)
    return [rows[c] for c in path if c in rows]


@st.cache_data(show_spinner=False, ttl=600)
def _view_data(
    url: str, level: str, parent_code: str | None, as_of: dt.date, datum: str, lang: str
) -> dict[str, Any]:
    """Return the GeoJSON and the summaries of one view on one basemap datum."""
    cells = _cells(url, level, parent_code, None, as_of)
    ready = layers.prepare_geometries(cells, datum=datum)  # type: ignore[arg-type]
    employers = None
    if employer_loaders.employer_total(url, None):  # a register is loaded
        counts = employer_loaders.employer_counts(url, level, parent_code, None)
        employers = dict(zip(counts["code"], counts["employers"], strict=True))
    return {
        "collection": layers.feature_collection(
            ready, counts=_child_counts(url, as_of), employers=employers, lang=lang
        ),
        "n_cells": len(cells),
        "n_illustrative": layers.illustrative_count(cells),
        "unplaced": layers.unplaced_cells(cells),
        "cells": pd.DataFrame(cells.drop(columns="geometry")),
    }


# -------------------------------------------------------------- callbacks
# Sidebar widgets are bound per language (:func:`maps.widgets.bound`).
def _set_view(view: layers.View) -> None:
    st.session_state[_VIEW] = view
    st.session_state[_LEVEL] = view.level.value


def _new_level() -> None:
    _set_view(layers.View(level=Level(st.session_state[_LEVEL])))


def _on_map_click() -> None:
    clicked = layers.clicked_cell(st.session_state.get(_MAP))
    if clicked is not None:
        _set_view(layers.drill(st.session_state[_VIEW], *clicked))


def _jump(code: str, level: str, parent_code: str | None) -> None:
    """Open a cell found by the search box, as a click on it would."""
    st.session_state[_FOUND] = None
    _set_view(cell_search.view_for(code, level, parent_code))


def _on_search(url: str, as_of: dt.date) -> None:
    """Jump to the only cell matching the search text, else list the matches."""
    query = str(st.session_state[_SEARCH]).strip()
    found = cell_search.find_cells(employer_loaders.cell_directory(url, as_of), query)
    if found.unique:
        row = found.rows.iloc[0]
        _jump(str(row["code"]), str(row["level"]), row["parent_code"] or None)
    else:
        st.session_state[_FOUND] = query or None


# ------------------------------------------------------------------ widgets
def _secrets() -> Any:
    try:
        return st.secrets if st.secrets.load_if_toml_exists() else None
    except (FileNotFoundError, OSError):
        return None


def _sidebar(lang: str) -> tuple[Basemap, layers.ColourBy, dt.date]:
    basemaps = {
        b.key: b for b in available_basemaps(lang, tianditu=tianditu_key(_secrets()))
    }
    if st.session_state[_BASEMAP] not in basemaps:
        st.session_state[_BASEMAP] = next(iter(basemaps))
    # staffing status needs a user: it is read through their jurisdiction
    colourings = [*layers.COLOUR_CHOICES, *(["staffing"] if current_user() else [])]
    if st.session_state[_COLOUR_BY] not in colourings:
        st.session_state[_COLOUR_BY] = colourings[0]
    with st.sidebar:
        st.selectbox(
            t("level_select", lang),
            [lv.value for lv in LEVELS],
            format_func=lambda v: level_label(v, lang),
            help=t("level_select_help", lang),
            **bound(_LEVEL, lang, then=_new_level),
        )
        st.radio(
            t("colour_by", lang),
            colourings,
            format_func=lambda v: t(f"colour_by_{v}", lang),
            horizontal=True,
            **bound(_COLOUR_BY, lang),
        )
        st.selectbox(
            t("basemap", lang),
            list(basemaps),
            format_func=lambda k: basemaps[k].label(lang),
            **bound(_BASEMAP, lang),
        )
        basemap = basemaps[st.session_state[_BASEMAP]]
        if "tianditu" not in basemaps:
            st.caption(t("basemap_tianditu_missing", lang))
        if basemap.datum == "gcj02":
            st.caption(t("basemap_gaode_note", lang))
        if basemap.offline:
            st.caption(t("basemap_offline_note", lang))
        st.date_input(
            t("as_of", lang), help=t("as_of_help_grid", lang), **bound(_AS_OF, lang)
        )
        st.toggle(
            t("show_employers", lang),
            help=t("show_employers_help", lang, limit=emap.POINT_LIMIT),
            **bound(_EMPLOYERS, lang),
        )
    return basemap, st.session_state[_COLOUR_BY], st.session_state[_AS_OF]


def _search_box(url: str, as_of: dt.date, lang: str) -> None:
    """Draw the search box and, for an ambiguous name, the cells it matches."""
    with st.container(key="grid_search_box"):
        st.text_input(
            t("cell_search", lang),
            placeholder=t("cell_search_placeholder", lang),
            help=t("cell_search_help", lang),
            width=480,
            **bound(_SEARCH, lang, then=lambda: _on_search(url, as_of)),
        )
        query = st.session_state.get(_FOUND)
        if not query:
            return
        directory = employer_loaders.cell_directory(url, as_of)
        found = cell_search.find_cells(directory, query)
        if not found.total:
            st.caption(t("cell_search_none", lang, query=md_escape(query)))
            return
        st.caption(t("cell_search_many", lang, n=found.total, shown=len(found.rows)))
        with st.container(horizontal=True, gap="small", key="grid_search_hits"):
            for row in found.rows.to_dict("records"):
                st.button(
                    md_escape(cell_search.match_label(row, lang)),
                    key=f"grid_hit_{row['code']}",
                    on_click=_jump,
                    args=(row["code"], row["level"], row["parent_code"] or None),
                )


def _breadcrumb(
    crumbs: list[dict[str, Any]], root: str, view: layers.View, lang: str
) -> None:
    """Draw 青岛市 › 黄岛区 › 辛安街道 › …; every item but the last goes back up."""
    if not crumbs:  # the whole city at one level
        crumbs = [
            {"code": None, "name": root, "level": None},
            {"code": "", "name": level_label(view.level, lang), "level": None},
        ]
    with st.container(
        horizontal=True, gap="small", vertical_alignment="center", key="breadcrumb"
    ):
        st.markdown(f"{t('breadcrumb', lang)}:", width="content")
        for i, crumb in enumerate(crumbs):
            if i:
                st.markdown("›", width="content")
            if i == len(crumbs) - 1:
                st.markdown(f"**{md_escape(crumb['name'])}**", width="content")
                continue
            st.button(
                md_escape(crumb["name"]),
                key=f"crumb_{crumb['code']}",
                type="tertiary",
                on_click=_set_view,
                args=(layers.view_of(crumb["code"], crumb["level"]),),
            )


def _selected_cell(cells: pd.DataFrame, code: str, lang: str) -> None:
    row = cells.loc[cells["code"] == code]
    if row.empty:
        return
    cell = row.iloc[0]
    st.markdown(f"#### {t('selected_cell', lang)}: {md_escape(cell['name'])}")
    mark = t(
        "boundary_illustrative" if cell["illustrative"] else "boundary_mapped", lang
    )
    shown = pd.DataFrame(
        {
            t("field_code", lang): [cell["code"]],
            t("field_name", lang): [cell["name"]],
            t("field_level", lang): [level_label(cell["level"], lang)],
            t("field_boundary", lang): [mark],
            t("field_source", lang): [provenance_text(cell["source"], lang)],
            t("field_licence", lang): [provenance_text(cell["licence"], lang)],
        }
    )
    st.dataframe(shown, hide_index=True)
    table_downloads(
        shown, None, f"{t('dl_cell', lang)}{cell['code']}", lang, key="grid_cell"
    )


def _add_staffing(
    collection: dict[str, Any], url: str, as_of: dt.date, lang: str
) -> None:
    """Give the cells the logged-in user's staffing status (no user: none)."""
    user = current_user()
    if user is None:
        return
    engine = user_engine()
    source = staffing_data.Source(
        url, user.username, as_of, staffing_data.generation(engine)
    )
    add_staffing(
        collection, staffing_data.staffing(engine, source, user)["status"], lang
    )


# ---------------------------------------------------------------- employers
def _employer_overlay(
    url: str, view: layers.View, as_of: dt.date, basemap: Basemap, lang: str
) -> dict[str, Any] | None:
    """Return the employer layer of a view and what to say about it.

    Counts per cell of the view's level; every employer as a point when the
    view holds at most :data:`maps.employer_layers.POINT_LIMIT`; the points of a
    selected village on top of the counts otherwise.
    """
    in_view = EmployerFilter(cell_code=view.parent_code)
    counts = employer_loaders.employer_counts(
        url, view.level.value, view.parent_code, None
    )
    # The register is not dated: count it in the cells valid on the date
    # chosen, as drawn, so that the numbers agree with the map and the table.
    cells = _cells(url, view.level.value, view.parent_code, None, as_of)
    counts = counts[counts["code"].isin(cells["code"])]
    total = int(counts["employers"].sum())
    if not total:
        return None
    notes = [
        t(
            "emp_in_view",
            lang,
            n=f"{total:,}",
            flagged=f"{int(counts['flagged'].sum()):,}",
            queued=f"{int(counts['queued'].sum()):,}",
        )
    ]
    shown = in_view if emap.overlay_mode(total) == "points" else None
    if shown is None and view.selected:
        shown = EmployerFilter(cell_code=view.selected)
    layers_: list[Any] = []
    legend: list[Section] = []
    if shown is not in_view:
        circles, exclude = counts, [view.selected] if view.selected else []
        parent_level = view.level.parent
        if (
            count_circles.needs_roll_up(counts)
            and parent_level is not None
            and parent_level.depth > _depth_of(view.parent_code)
        ):
            # one circle per parent cell: summed, anchored in the parent
            circles = count_circles.roll_up(counts, cells)
            cells = _cells(url, None, None, tuple(circles["code"]), as_of)
            exclude = []
            notes.append(
                t("emp_counts_rolled_up", lang, level=level_label(parent_level, lang))
            )
        anchors = emap.anchor_points(cells, datum=basemap.datum)
        count_layer = emap.count_layer(circles, anchors, lang=lang, exclude=exclude)
        layers_.append(count_layer)
        legend.append(count_circles.size_legend(count_layer, lang))
        notes.append(t("emp_counts_shown", lang))
        if len(anchors) > emap.LABEL_LIMIT:
            notes.append(t("emp_zoom_for_numbers", lang))
    if shown is not None:
        n_shown = employer_loaders.employer_total(url, shown)
        points = employer_loaders.employer_points(url, shown, emap.POINT_LIMIT)
        marks, mark_items = employer_card.map_marks(url, points, lang, as_of)
        layers_.append(
            emap.point_layer(points, datum=basemap.datum, lang=lang, marks=marks)
        )
        notes.append(t("emp_points_shown", lang, shown=len(points)))
        if n_shown > emap.POINT_LIMIT:
            notes.append(t("emp_points_truncated", lang, shown=len(points), n=n_shown))
        elif n_shown > len(points):
            notes.append(t("emp_without_point", lang, n=n_shown - len(points)))
        items = (*emap.method_legend(lang), *mark_items)
        legend.append(Swatches(t("legend_points_title", lang), items, "round"))
    return {"layers": layers_, "notes": notes, "legend": legend, "counts": counts}


def _depth_of(code: str | None) -> int:
    """Return the depth of a cell code's level (the whole city: -1)."""
    return level_of_code(code).depth if code else -1


def _employer_table(counts: pd.DataFrame, cells: pd.DataFrame, lang: str) -> None:
    """List employers, flagged and queued per cell of the view."""
    table = cells[["code", "name"]].merge(counts, on="code", how="inner")
    with st.expander(f"{t('emp_table_title', lang)} ({len(table)})"):
        shown = table.sort_values("employers", ascending=False).rename(
            columns={
                "code": t("field_code", lang),
                "name": t("field_name", lang),
                "employers": t("emp_field_employers", lang),
                "flagged": t("emp_field_flagged", lang),
                "queued": t("emp_field_queued", lang),
            }
        )
        st.dataframe(shown, hide_index=True)
        table_downloads(
            shown, None, t("dl_cells_employers", lang), lang, key="grid_employers"
        )


# --------------------------------------------------------------------- page
def render() -> None:
    """Draw the grid map page."""
    lang = current_lang()
    defaults = {
        _VIEW: layers.View(),
        _COLOUR_BY: layers.COLOUR_CHOICES[0],
        _BASEMAP: default_basemap_key(tianditu_key(_secrets())),
        _AS_OF: dt.date.today(),
        _EMPLOYERS: True,
    }
    url_state.sync("grid_map", _URL, defaults)
    init_state({**defaults, _SEARCH: "", _FOUND: None})
    view: layers.View = st.session_state[_VIEW]
    st.session_state[_LEVEL] = view.level.value
    url = default_url()

    st.title(t("grid_map_title", lang))
    st.caption(t("grid_map_intro", lang))
    basemap, colour_by, as_of = _sidebar(lang)
    try:
        data = _view_data(
            url, view.level.value, view.parent_code, as_of, basemap.datum, lang
        )
        crumbs = _lineage(url, view.focus, as_of)
        cities = _cells(url, Level.CITY.value, None, None, as_of)
        overlay = (
            _employer_overlay(url, view, as_of, basemap, lang)
            if st.session_state[_EMPLOYERS]
            else None
        )
        if colour_by == "staffing":
            _add_staffing(data["collection"], url, as_of, lang)
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        st.info(t("database_hint", lang))
        return

    root = cities["name"].iloc[0] if len(cities) == 1 else t("whole_city", lang)
    _search_box(url, as_of, lang)
    _breadcrumb(crumbs, root, view, lang)
    collection = data["collection"]
    if data["n_illustrative"]:
        st.warning(t("illustrative_note", lang, n=data["n_illustrative"]), icon="⚠️")
    if collection["features"]:
        fmap = layers.build_map(
            collection,
            basemap,
            lang=lang,
            colour_by=colour_by,
            legend=overlay["legend"] if overlay else (),
        )
        for layer in overlay["layers"] if overlay else []:
            layer.add_to(fmap)
        st_folium(
            fmap,
            key=_MAP,
            height=_MAP_HEIGHT,
            use_container_width=True,
            returned_objects=["last_active_drawing"],
            on_change=_on_map_click,
        )
    else:
        st.info(t("no_cells", lang))
    if overlay:
        caption = " · ".join(overlay["notes"])
        st.markdown(
            legend_markup([], lang, caption=caption),
            unsafe_allow_html=True,
        )
    elif st.session_state[_EMPLOYERS]:
        st.caption(t("emp_none", lang))
    payload = layers.geojson_size(collection) + sum(
        emap.layer_size(layer) for layer in (overlay["layers"] if overlay else [])
    )
    size = layers.format_size(payload)
    st.caption(
        f"{t('cells_in_view', lang, n=data['n_cells'])} · "
        f"{t('page_size', lang, size=size)} · {t('attribution', lang)}: "
        + attribution_text(" · ".join(basemap.attributions), lang),
        unsafe_allow_html=True,
    )
    if view.selected:
        _selected_cell(data["cells"], view.selected, lang)
    if overlay:
        _employer_table(overlay["counts"], data["cells"], lang)
    unplaced = data["unplaced"]
    if len(unplaced):
        with st.expander(f"{t('no_geometry_title', lang)} ({len(unplaced)})"):
            st.caption(t("no_geometry_help", lang))
            shown = unplaced.rename(
                columns={
                    "code": t("field_code", lang),
                    "name": t("field_name", lang),
                }
            )
            st.dataframe(shown, hide_index=True)
            table_downloads(
                shown,
                None,
                t("dl_cells_without_boundary", lang),
                lang,
                key="grid_no_geometry",
            )
