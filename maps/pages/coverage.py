"""覆盖缺口 / Coverage: where supervision does not reach, and why.

The page wires widgets to the cached coverage frame of
:func:`twonet.coverage.coverage_report` (one level, as of a date) and its gap
list (:func:`grid.gaps.gap_list`), maps one metric classed by a chosen
scheme and lists the gaps; choosing a row of the list flies the map to
that cell and shows its figures.  What is mapped and listed comes from
:mod:`maps.coverage_view`, the map from :mod:`maps.analysis_map`, the
printable sheet from :mod:`maps.print_map`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit_folium import st_folium

from grid.codes import Level
from maps import analysis_map, coverage_view, layers, url_state
from maps.analysis_view import Fills
from maps.basemaps import available_basemaps, default_basemap_key
from maps.choropleth import NO_DATA_COLOUR, SCHEMES
from maps.i18n import level_label, t
from maps.pages import employer_search as loaders
from maps.print_map import render_print_map
from maps.text import t_md
from maps.widgets import bound, current_lang, init_state
from twonet import coverage
from twonet.db.engine import default_url
from twonet.errors import TwoNetError
from twonet.rules import load_rules

_LEVEL = "cov_level"
_AS_OF = "cov_as_of"
_METRIC = "cov_metric"
_SCHEME = "cov_scheme"
_K = "cov_k"
_COUNTY = "cov_county"
_MIN = "cov_min_employers"
_BASEMAP = "cov_basemap"
_MAP = "cov_map"
_GAPS = "cov_gaps"
_LEVELS = (Level.COUNTY.value, Level.TOWNSHIP.value, Level.VILLAGE.value)
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_URL = (
    url_state.choice("level", _LEVEL, _LEVELS),
    url_state.date("date", _AS_OF),
    url_state.choice("metric", _METRIC, coverage_view.METRICS),
    url_state.choice("scheme", _SCHEME, SCHEMES),
    url_state.integer("k", _K, 3, 7),
    url_state.code("county", _COUNTY),
    url_state.integer("min", _MIN, 0, 10**6),
    url_state.token("basemap", _BASEMAP),
)


# ------------------------------------------------------------------ loaders
@st.cache_data(show_spinner=False, ttl=600)
def _coverage(url: str, level: str, as_of: dt.date) -> tuple[pd.DataFrame, int]:
    """Return the coverage frame and the employers one 协管员 may cover."""
    rules = load_rules()
    frame = coverage.coverage_report(loaders.engine(url), level, as_of, rules)
    return frame, int(rules.employers_per_assistant.limit or 150)


@st.cache_data(show_spinner=False, ttl=600)
def _cells(url: str, level: str, as_of: dt.date, datum: str) -> gpd.GeoDataFrame:
    cells = loaders.load_cells(url, level, None, as_of)
    return layers.prepare_geometries(cells, datum=datum)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, ttl=600)
def _counties(url: str, as_of: dt.date) -> dict[str, str]:
    cells = loaders.load_cells(url, Level.COUNTY.value, None, as_of)
    return dict(zip(cells["code"].astype(str), cells["name"].astype(str), strict=True))


@st.cache_data(show_spinner=False, ttl=600)
def _printable(
    url: str, level: str, key: tuple[Any, ...], fills: tuple[str, ...], fmt: str
) -> bytes:
    title, legend, legend_title, as_of, lang = key
    cells = loaders.load_cells(url, level, None, as_of)
    return render_print_map(
        cells,
        list(fills),
        title=title,
        legend=list(legend),
        legend_title=legend_title,
        data_date=as_of,
        lang=lang,
        fmt=fmt,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------ widgets
def _forget_selection() -> None:
    """Drop the chosen gap-list row: the list it pointed into has changed."""
    st.session_state.pop(_GAPS, None)


def _sidebar(url: str, lang: str) -> dict[str, Any]:
    basemaps = {b.key: b for b in available_basemaps(lang)}
    if st.session_state[_BASEMAP] not in basemaps:
        st.session_state[_BASEMAP] = next(iter(basemaps))
    with st.sidebar:
        st.selectbox(
            t("analysis_level", lang),
            _LEVELS,
            format_func=lambda v: level_label(v, lang),
            **bound(_LEVEL, lang, then=_forget_selection),
        )
        st.date_input(
            t("as_of", lang),
            help=t("as_of_help_coverage", lang),
            **bound(_AS_OF, lang, then=_forget_selection),
        )
        st.radio(
            t("cov_metric", lang),
            list(coverage_view.METRICS),
            format_func=lambda m: t(coverage_view.METRICS[m].label, lang),
            **bound(_METRIC, lang),
        )
        st.selectbox(
            t("scheme", lang),
            list(SCHEMES),
            format_func=lambda s: t(SCHEMES[s], lang),
            **bound(_SCHEME, lang),
        )
        st.slider(t("classes", lang), 3, 7, **bound(_K, lang))
        counties = {"": t("cov_all_counties", lang)} | _counties(
            url, st.session_state[_AS_OF]
        )
        if st.session_state[_COUNTY] not in counties:
            st.session_state[_COUNTY] = ""
        st.selectbox(
            t("cov_county", lang),
            list(counties),
            format_func=lambda c: counties[c] if not c else f"{counties[c]} {c}",
            **bound(_COUNTY, lang, then=_forget_selection),
        )
        st.number_input(
            t("cov_min_employers", lang),
            0,
            step=1,
            **bound(_MIN, lang, then=_forget_selection),
        )
        st.selectbox(
            t("basemap", lang),
            list(basemaps),
            format_func=lambda k: basemaps[k].label(lang),
            **bound(_BASEMAP, lang),
        )
    names = (
        ("level", _LEVEL),
        ("as_of", _AS_OF),
        ("metric", _METRIC),
        ("scheme", _SCHEME),
        ("k", _K),
        ("county", _COUNTY),
        ("min_employers", _MIN),
    )
    state = {name: st.session_state[key] for name, key in names}
    state["basemap"] = basemaps[st.session_state[_BASEMAP]]
    return state


def _draw_map(
    url: str,
    frame: pd.DataFrame,
    fills: Fills,
    state: dict[str, Any],
    selected: str | None,
    lang: str,
) -> None:
    basemap = state["basemap"]
    cells = _cells(url, state["level"], state["as_of"], basemap.datum)
    tooltip = coverage_view.TOOLTIP
    collection = analysis_map.figure_collection(
        cells,
        frame,
        fills.by_code,
        fields=[p for p, _ in tooltip if p != "name"],
        lang=lang,
    )
    fmap = analysis_map.figure_map(
        collection,
        basemap,
        tooltip=[(p, t(k, lang)) for p, k in tooltip],
        legend_title=fills.title,
        legend=fills.legend,
        selected=selected,
    )
    st_folium(fmap, key=_MAP, height=560, use_container_width=True, returned_objects=[])


def _gap_rows(shown: pd.DataFrame, lang: str) -> str | None:
    """Draw the gap list as a selectable table; return the chosen cell's code."""
    st.markdown(f"**{t('cov_gaps', lang, n=len(shown))}**")
    if shown.empty:
        st.caption(t("cov_gaps_none", lang))
        return None
    st.caption(t("cov_gaps_help", lang))
    event = st.dataframe(
        coverage_view.gap_table(shown, lang),
        key=_GAPS,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
    )
    return coverage_view.selected_code(shown, list(event.selection.rows))


def _selected_panel(
    frame: pd.DataFrame, gaps: pd.DataFrame, code: str, lang: str
) -> None:
    row = frame.loc[frame["cell_code"].astype(str) == code]
    place = str(row["place"].iloc[0]) if len(row) else code
    st.markdown(f"**{t('cov_selected', lang, place=place, code=code)}**")
    reasons = coverage_view.selected_reasons(gaps, code, lang)
    if reasons:
        st.caption(reasons)
    st.dataframe(coverage_view.cell_figures(frame, code, lang), hide_index=True)


def _downloads(
    url: str,
    frame: pd.DataFrame,
    shown: pd.DataFrame,
    limit: int,
    fills: Fills,
    state: dict[str, Any],
    lang: str,
) -> None:
    stamp = f"{state['level']}_{state['as_of']:%Y%m%d}"
    columns = st.columns(6)
    files = (
        ("cov_download_coverage_csv", "coverage", "csv"),
        ("cov_download_coverage_xlsx", "coverage", "xlsx"),
        ("cov_download_gaps_csv", "gaps", "csv"),
        ("cov_download_gaps_xlsx", "gaps", "xlsx"),
    )
    for column, (label, what, fmt) in zip(columns[:4], files, strict=True):
        data = (  # written when clicked, not on every rerun
            partial(coverage.coverage_file_bytes, frame, fmt)
            if what == "coverage"
            else partial(coverage.gaps_file_bytes, shown, fmt, limit)
        )
        column.download_button(
            t(label, lang),
            data,
            file_name=f"{what}_{stamp}.{fmt}",
            mime="text/csv" if fmt == "csv" else _XLSX,
        )
    cells = loaders.load_cells(url, state["level"], None, state["as_of"])
    title = f"{t('coverage_title', lang)} · {level_label(state['level'], lang)}"
    key = (title, tuple(fills.legend), fills.title, state["as_of"], lang)
    ordered = tuple(fills.in_order(cells["code"], NO_DATA_COLOUR))
    for column, fmt in zip(columns[4:], ("png", "pdf"), strict=True):
        column.download_button(
            t(f"download_{fmt}", lang),
            partial(_printable, url, state["level"], key, ordered, fmt),
            file_name=f"coverage_{stamp}.{fmt}",
            mime="image/png" if fmt == "png" else "application/pdf",
        )


# --------------------------------------------------------------------- page
def render() -> None:
    """Draw the coverage page."""
    lang = current_lang()
    defaults = {
        _LEVEL: Level.TOWNSHIP.value,
        _AS_OF: dt.date.today(),
        _METRIC: "score",
        _SCHEME: "quantiles",
        _K: 5,
        _COUNTY: "",
        _MIN: 0,
        _BASEMAP: default_basemap_key(),
    }
    url_state.sync("coverage", _URL, defaults)
    init_state(defaults)
    st.title(t("coverage_title", lang))
    st.caption(t("coverage_intro", lang))
    url = default_url()
    try:
        state = _sidebar(url, lang)
        frame, limit = _coverage(url, state["level"], state["as_of"])
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        return
    gaps, shown = coverage_view.ranked_gaps(
        frame, limit, county=state["county"], min_employers=state["min_employers"]
    )
    mapped = coverage_view.mapped_frame(frame, gaps)
    fills = coverage_view.metric_fills(
        mapped, state["metric"], scheme=state["scheme"], k=state["k"], lang=lang
    )
    map_slot = st.container()
    selected = _gap_rows(shown, lang)
    with map_slot:
        try:
            _draw_map(url, mapped, fills, state, selected, lang)
        except TwoNetError as exc:
            st.error(t_md("database_error", lang, error=exc))
        if selected is not None:
            _selected_panel(mapped, gaps, selected, lang)
        _downloads(url, frame, shown, limit, fills, state, lang)
