"""用人单位查询 / Employer search: filters, a paged table, CSV, a result map.

The page only wires widgets to an :class:`~twonet.db.employer_queries.
EmployerFilter`; the SQL lives in :mod:`twonet.db.employer_queries` and the
map layers in :mod:`maps.employer_layers`.

This module also holds the cached employer loaders the grid map and the
review queue use, so that :func:`clear_employer_caches` (called after a
reviewer places an employer) refreshes every page at once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit_folium import st_folium

from grid.codes import LEVELS, Level, level_of_code
from maps import count_circles, employer_card, url_state
from maps import employer_layers as emap
from maps.basemaps import (
    Basemap,
    available_basemaps,
    default_basemap_key,
    tianditu_key,
)
from maps.downloads import EMPLOYER_COLUMNS, table_downloads
from maps.engines import engine as engine
from maps.i18n import flag_label, level_label, method_label, t
from maps.i18n_labels import industry_options
from maps.legend import Section, Swatches
from maps.styles import legend_markup
from maps.text import t_md
from maps.widgets import bound, current_lang, init_state
from twonet.db import employer_queries as eq
from twonet.db import repository
from twonet.db import review_queries as rq
from twonet.db.engine import default_url
from twonet.errors import TwoNetError

PAGE_SIZE = 50
_MAP_HEIGHT = 460
# session keys: plain values, copied into per-language widget keys
_LEVEL = "emp_level"
_CELL = "emp_cell"
_INDUSTRY = "emp_industry"
_CATEGORY = "emp_category"
_FLAGS = "emp_flags"
_METHOD = "emp_method"
_TEXT = "emp_text"
_PAGE = "emp_page"
_DEFAULTS: dict[str, Any] = {
    _LEVEL: "",
    _CELL: "",
    _INDUSTRY: "",
    _CATEGORY: "",
    _FLAGS: [],
    _METHOD: "",
    _TEXT: "",
    _PAGE: 1,
}
#: The filters and the page in the URL (:mod:`maps.url_state`).
_URL = (
    url_state.choice("level", _LEVEL, ("", *url_state.LEVEL_VALUES)),
    url_state.code("cell", _CELL),
    url_state.text("industry", _INDUSTRY, max_length=20),
    url_state.text("category", _CATEGORY, max_length=40),
    url_state.tokens("flags", _FLAGS),
    url_state.token("method", _METHOD),
    url_state.text("q", _TEXT),
    url_state.integer("page", _PAGE, 1, 100_000),
)


# ------------------------------------------------------------------ loaders
@st.cache_data(show_spinner=False, ttl=600)
def load_cells(
    url: str, level: str | None, parent_code: str | None, as_of: dt.date
) -> gpd.GeoDataFrame:
    """Return the cells of one level under one parent (a cell frame)."""
    return repository.load_cells(
        engine(url), level=level, parent_code=parent_code, as_of=as_of
    )


def township_villages(url: str, township: str, as_of: dt.date) -> gpd.GeoDataFrame:
    """Return the villages of one township (a cell frame)."""
    return load_cells(url, Level.VILLAGE.value, township, as_of)


@st.cache_data(show_spinner=False, ttl=600)
def cells_by_code(url: str, codes: tuple[str, ...], as_of: dt.date) -> gpd.GeoDataFrame:
    """Return the cells with these codes (a cell frame)."""
    return repository.load_cells(engine(url), codes=list(codes), as_of=as_of)


@st.cache_data(show_spinner=False, ttl=600)
def cell_directory(url: str, as_of: dt.date) -> pd.DataFrame:
    """Return code, name, level and parent name of every cell."""
    return eq.cell_directory(engine(url), as_of=as_of)


@st.cache_data(show_spinner=False, ttl=600)
def filter_options(url: str) -> dict[str, Any]:
    """Return the categories, methods, flags and industries in the data."""
    found: dict[str, Any] = eq.filter_options(engine(url))
    return {**found, "industries": eq.industry_classes(engine(url))}


@st.cache_data(show_spinner=False, ttl=600)
def employer_counts(
    url: str, level: str, parent_code: str | None, filters: eq.EmployerFilter | None
) -> pd.DataFrame:
    """Return employers, flagged and queued per cell of ``level``."""
    return eq.cell_counts(
        engine(url), level=level, parent_code=parent_code, filters=filters
    )


@st.cache_data(show_spinner=False, ttl=600)
def employer_total(url: str, filters: eq.EmployerFilter | None) -> int:
    """Return the number of employers matching ``filters``."""
    return eq.count_employers(engine(url), filters)


@st.cache_data(show_spinner=False, ttl=600)
def employer_summary(url: str, filters: eq.EmployerFilter | None) -> dict[str, int]:
    """Return employers, flagged, queued and with-point counts of ``filters``."""
    return eq.employer_summary(engine(url), filters)


@st.cache_data(show_spinner=False, ttl=600)
def employer_points(
    url: str, filters: eq.EmployerFilter | None, limit: int
) -> pd.DataFrame:
    """Return up to ``limit`` employer points matching ``filters``."""
    return eq.employer_points(engine(url), filters, limit=limit)


@st.cache_data(show_spinner=False, ttl=600)
def search(
    url: str, filters: eq.EmployerFilter, offset: int, limit: int | None
) -> eq.SearchPage:
    """Return one page of a search."""
    return eq.search_employers(engine(url), filters, offset=offset, limit=limit)


@st.cache_data(show_spinner=False, ttl=600)
def open_reviews(url: str, reason: str | None, limit: int) -> pd.DataFrame:
    """Return the first ``limit`` open review items (optionally of one reason)."""
    return rq.open_reviews(engine(url), reason=reason, limit=limit)


@st.cache_data(show_spinner=False, ttl=600)
def review_reason_counts(url: str) -> dict[str, int]:
    """Return open review items per reason."""
    return rq.review_reason_counts(engine(url))


def clear_employer_caches() -> None:
    """Forget every cached employer answer (after a placement changed)."""
    for loader in (
        filter_options,
        employer_counts,
        employer_total,
        employer_summary,
        employer_points,
        search,
        open_reviews,
        review_reason_counts,
    ):
        loader.clear()


# ------------------------------------------------------------- callbacks
# Filter widgets are bound per language (:func:`maps.widgets.bound`); a new
# filter value goes back to the first page.
def _first_page() -> None:
    st.session_state[_PAGE] = 1


def _new_level() -> None:
    _first_page()
    st.session_state[_CELL] = ""


def _reset_filters() -> None:
    for name, value in _DEFAULTS.items():
        st.session_state[name] = list(value) if isinstance(value, list) else value


def _turn_page(step: int) -> None:
    st.session_state[_PAGE] = max(1, int(st.session_state[_PAGE]) + step)


# ------------------------------------------------------------------ widgets
def cell_label(directory: pd.DataFrame) -> dict[str, str]:
    """Return ``code -> "name · parent (code)"`` for cell pickers."""
    parent = directory["parent_name"].fillna("")
    text = directory["name"] + (" · " + parent).where(parent != "", "")
    return dict(
        zip(directory["code"], text + " (" + directory["code"] + ")", strict=True)
    )


def _filters(
    lang: str, options: dict[str, Any], directory: pd.DataFrame
) -> eq.EmployerFilter:
    """Draw the filter panel; return the filter it describes."""
    labels = cell_label(directory)
    state = st.session_state
    level = state[_LEVEL]
    codes = directory.loc[directory["level"] == level, "code"].tolist() if level else []
    if state[_CELL] not in codes:
        state[_CELL] = ""
    if state[_CATEGORY] not in ["", *options["categories"]]:
        state[_CATEGORY] = ""
    if state[_METHOD] not in ["", *options["methods"]]:
        state[_METHOD] = ""
    flag_choices = ["queued", *options["flags"]]
    state[_FLAGS] = [f for f in state[_FLAGS] if f in flag_choices]
    with st.container(border=True, key="emp_filters"):
        left, middle, right = st.columns([1, 2, 1])
        left.selectbox(
            t("emp_filter_level", lang),
            ["", *[lv.value for lv in LEVELS]],
            format_func=lambda v: (
                level_label(v, lang) if v else t("emp_level_any", lang)
            ),
            **bound(_LEVEL, lang, then=_new_level),
        )
        middle.selectbox(
            t("emp_filter_cell", lang),
            ["", *codes],
            format_func=lambda c: labels.get(c, c) if c else t("emp_cell_any", lang),
            help=t("emp_filter_cell_help", lang),
            disabled=not level,
            **bound(_CELL, lang, then=_first_page),
        )
        industries = industry_options(options.get("industries", {}), lang)
        if state[_INDUSTRY] and state[_INDUSTRY] not in industries:
            industries[state[_INDUSTRY]] = state[_INDUSTRY]  # a code from elsewhere
        right.selectbox(
            t("emp_filter_industry_name", lang),
            ["", *industries],
            format_func=lambda c: industries[c] if c else t("emp_industry_any", lang),
            help=t("emp_filter_industry_name_help", lang),
            **bound(_INDUSTRY, lang, then=_first_page),
        )
        first, second, third, fourth = st.columns([1, 2, 1, 1])
        first.selectbox(
            t("emp_filter_category", lang),
            ["", *options["categories"]],
            format_func=lambda v: v or t("emp_category_any", lang),
            **bound(_CATEGORY, lang, then=_first_page),
        )
        second.multiselect(
            t("emp_filter_flags", lang),
            flag_choices,
            placeholder=t("emp_filter_flags_placeholder", lang),
            format_func=lambda f: flag_label(f, lang),
            help=t("emp_filter_flags_help", lang),
            select_all=False,
            **bound(_FLAGS, lang, then=_first_page),
        )
        third.selectbox(
            t("emp_filter_method", lang),
            ["", *options["methods"]],
            format_func=lambda m: (
                method_label(m, lang) if m else t("emp_method_any", lang)
            ),
            **bound(_METHOD, lang, then=_first_page),
        )
        fourth.text_input(
            t("emp_filter_text", lang),
            help=t("emp_filter_text_help", lang),
            **bound(_TEXT, lang, then=_first_page),
        )
        st.button(
            t("emp_filter_reset", lang),
            key="emp_reset",
            type="tertiary",
            icon=":material/filter_alt_off:",
            on_click=_reset_filters,
        )
    flags = tuple(f for f in state[_FLAGS] if f != "queued")
    return eq.EmployerFilter(
        cell_code=state[_CELL] or None,
        industry=state[_INDUSTRY].strip() or None,
        category=state[_CATEGORY] or None,
        flags=flags,
        queued="queued" in state[_FLAGS],
        text=state[_TEXT].strip() or None,
        method=state[_METHOD] or None,
    )


def display_frame(rows: pd.DataFrame, names: dict[str, str], lang: str) -> pd.DataFrame:
    """Return search rows as shown in the table: labels, not keys."""
    cell = (
        rows["village_code"].fillna(rows["township_code"]).fillna(rows["county_code"])
    )
    industry = rows["industry_code"].fillna("") + " " + rows["industry"].fillna("")
    return pd.DataFrame(
        {
            t("col_name", lang): rows["name"],
            t("col_uscc", lang): rows["uscc"],
            t("col_industry", lang): industry.str.strip(),
            t("col_category", lang): rows["category"].fillna(""),
            t("col_staff", lang): rows["staff"],
            t("col_operating_address", lang): rows["operating_address"],
            t("emp_field_cell", lang): [
                f"{names.get(c, '')} ({c})" if isinstance(c, str) else "" for c in cell
            ],
            t("col_method", lang): rows["method"].map(lambda m: method_label(m, lang)),
            t("col_confidence", lang): rows["confidence"],
            t("col_flags", lang): [
                emap.flags_text(f, queued=bool(q), lang=lang)
                for f, q in zip(rows["flags"], rows["queued"], strict=True)
            ],
        }
    )


def _pager(page: eq.SearchPage, lang: str) -> None:
    current = page.offset // PAGE_SIZE + 1
    with st.container(horizontal=True, vertical_alignment="center", key="emp_pager"):
        st.button(
            t("emp_prev", lang),
            key="emp_prev",
            icon=":material/chevron_left:",
            disabled=current <= 1,
            on_click=_turn_page,
            args=(-1,),
        )
        st.markdown(
            t("emp_page", lang, page=current, pages=page.pages), width="content"
        )
        st.button(
            t("emp_next", lang),
            key="emp_next",
            icon=":material/chevron_right:",
            icon_position="right",
            disabled=current >= page.pages,
            on_click=_turn_page,
            args=(1,),
        )


# --------------------------------------------------------------------- map
def _count_level(cell_code: str | None) -> tuple[Level, str | None]:
    """Return the level counted on the map of a result, and its parent."""
    if not cell_code:
        return Level.COUNTY, None
    level = level_of_code(cell_code)
    return (level.child or level), (cell_code if level.child else None)


def result_map(
    url: str,
    filters: eq.EmployerFilter,
    total: int,
    basemap: Basemap,
    lang: str,
    *,
    key: str = "emp_map",
) -> None:
    """Draw the map of a result: points when few, counts per cell otherwise."""
    as_of = dt.date.today()
    level, parent = _count_level(filters.cell_code)
    village = filters.cell_code and level_of_code(filters.cell_code) == Level.VILLAGE
    cells = load_cells(url, level.value, parent, as_of)
    if village:
        cells = cells[cells["code"] == filters.cell_code]
    overlays: list[Any] = [emap.outline_layer(cells, datum=basemap.datum, lang=lang)]
    bounds = emap.cells_bounds(cells, datum=basemap.datum)
    legend: list[Section] = []
    if emap.overlay_mode(total) == "points" or village:
        points = employer_points(url, filters, emap.POINT_LIMIT)
        marks, mark_items = employer_card.map_marks(url, points, lang, as_of)
        overlays.append(
            emap.point_layer(points, datum=basemap.datum, lang=lang, marks=marks)
        )
        bounds = emap.points_bounds(points, datum=basemap.datum) or bounds
        caption = t("emp_points_shown", lang, shown=len(points))
        if total > emap.POINT_LIMIT:
            caption += " · " + t(
                "emp_points_truncated", lang, shown=len(points), n=total
            )
        elif total > len(points):
            caption += " · " + t("emp_without_point", lang, n=total - len(points))
        items = (*emap.method_legend(lang), *mark_items)
        legend.append(Swatches(t("legend_points_title", lang), items, "round"))
    else:
        counts = employer_counts(url, level.value, parent, filters)
        anchors = emap.anchor_points(cells, datum=basemap.datum)
        count_layer = emap.count_layer(counts, anchors, lang=lang)
        overlays.append(count_layer)
        legend.append(count_circles.size_legend(count_layer, lang))
        caption = t(
            "emp_map_counts",
            lang,
            limit=emap.POINT_LIMIT,
            level=level_label(level, lang),
        )
    fmap = emap.employer_map(basemap, overlays=overlays, bounds=bounds, legend=legend)
    st_folium(
        fmap, key=key, height=_MAP_HEIGHT, use_container_width=True, returned_objects=[]
    )
    st.markdown(legend_markup([], lang, caption=caption), unsafe_allow_html=True)


def chosen_basemap(lang: str) -> Basemap:
    """Return the basemap chosen on the grid map (offline or Tianditu by default)."""
    key = tianditu_key()
    basemaps = {b.key: b for b in available_basemaps(lang, tianditu=key)}
    default = basemaps[default_basemap_key(key)]
    return basemaps.get(st.session_state.get("grid_basemap", default.key), default)


# --------------------------------------------------------------------- page
def render() -> None:
    """Draw the employer search page."""
    lang = current_lang()
    url_state.sync("employers", _URL, _DEFAULTS)
    init_state(_DEFAULTS)
    url = default_url()
    st.title(t("emp_search_title", lang))
    st.caption(t("emp_search_intro", lang))
    try:
        options = filter_options(url)
        directory = cell_directory(url, dt.date.today())
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        st.info(t("database_hint", lang))
        return
    filters = _filters(lang, options, directory)
    problems = [t(f"emp_problem_{kind}", lang, **v) for kind, v in filters.issues()]
    if problems:
        st.error(t_md("emp_filter_invalid", lang, error="; ".join(problems)))
        return
    offset = (int(st.session_state[_PAGE]) - 1) * PAGE_SIZE
    page = search(url, filters, offset, PAGE_SIZE)
    if page.total and offset >= page.total:  # the result shrank under the pager
        st.session_state[_PAGE] = page.pages
        page = search(url, filters, (page.pages - 1) * PAGE_SIZE, PAGE_SIZE)
    with st.container(horizontal=True, vertical_alignment="center", key="emp_summary"):
        st.subheader(t("emp_results", lang, n=f"{page.total:,}"), width="content")
        st.space("stretch")
        table_downloads(
            lambda: search(url, filters, 0, None).rows,
            EMPLOYER_COLUMNS,
            t("dl_employers_found", lang),
            lang,
            key="emp_download",
            names=dict(zip(directory["code"], directory["name"], strict=True)),
            empty=not page.total,
        )
    if not page.total:
        st.info(t("emp_no_results", lang))
        return
    names = dict(zip(directory["code"], directory["name"], strict=True))
    st.dataframe(
        display_frame(page.rows, names, lang),
        hide_index=True,
        column_config={
            t("col_confidence", lang): st.column_config.NumberColumn(format="%.2f"),
            t("col_staff", lang): st.column_config.NumberColumn(format="%d"),
        },
        key="emp_table",
        on_select=lambda: employer_card.pick_row(page.rows, "emp_table"),
        selection_mode="single-row",
    )
    _pager(page, lang)
    employer_card.render_card(url, page.rows, lang)
    st.subheader(t("emp_result_map", lang))
    result_map(url, filters, page.total, chosen_basemap(lang), lang)
