"""违法热点 / Hotspots: where violations concentrate beyond chance.

The page wires widgets to the cached report of :func:`twonet.hotspots.hotspot_report`
(Gi* with FDR correction, optionally the quarterly emerging pattern) and
draws one view of it: the hotspot class, the emerging trend, the smoothed
rate classed by a chosen scheme, or the boundary-free kernel density and
H3 hexagons.  Fills and legends come from :mod:`maps.analysis_view`, the map
from :mod:`maps.analysis_map`, the printable sheet from :mod:`maps.print_map`.
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
from grid.hotspot_text import CLASS_NAMES, TREND_NAMES
from grid.record_types import VIOLATION_TYPES
from maps import analysis_map, layers, url_state
from maps.analysis_view import Fills, category_fills, numeric_fills
from maps.basemaps import available_basemaps, default_basemap_key
from maps.choropleth import HOTSPOT_COLOURS, NO_DATA_COLOUR, SCHEMES, TREND_COLOURS
from maps.downloads import table_downloads
from maps.i18n import level_label, t
from maps.pages import employer_search as loaders
from maps.print_map import render_print_map
from maps.text import t_md
from maps.widgets import bound, current_lang, init_state
from twonet import hotspots
from twonet.db.engine import default_url
from twonet.errors import TwoNetError
from twonet.exports import csv_bytes, xlsx_bytes

_LEVEL = "hot_level"
_FROM = "hot_from"
_TO = "hot_to"
_TYPES = "hot_types"
_VIEW = "hot_view"
_SCHEME = "hot_scheme"
_K = "hot_k"
_BASEMAP = "hot_basemap"
_MAP = "hot_map"
_VIEWS = ("class", "trend", "rate", "density", "hexagon")
_LEVELS = (Level.COUNTY.value, Level.TOWNSHIP.value, Level.VILLAGE.value)
_URL = (
    url_state.choice("level", _LEVEL, _LEVELS),
    url_state.date("from", _FROM),
    url_state.date("to", _TO),
    url_state.choices("types", _TYPES, VIOLATION_TYPES),
    url_state.choice("view", _VIEW, _VIEWS),
    url_state.choice("scheme", _SCHEME, SCHEMES),
    url_state.integer("k", _K, 3, 7),
    url_state.token("basemap", _BASEMAP),
)


# ------------------------------------------------------------------ loaders
@st.cache_data(show_spinner=False, ttl=600)
def _report(
    url: str, level: str, types: tuple[str, ...], start: dt.date, end: dt.date
) -> gpd.GeoDataFrame:
    query = hotspots.make_query(
        level, types=list(types) or None, date_from=start, date_to=end
    )
    return hotspots.hotspot_report(loaders.engine(url), query, emerging=True)


@st.cache_data(show_spinner=False, ttl=600)
def _cells(url: str, level: str, as_of: dt.date, datum: str) -> gpd.GeoDataFrame:
    cells = loaders.load_cells(url, level, None, as_of)
    return layers.prepare_geometries(cells, datum=datum)  # type: ignore[arg-type]


@st.cache_data(show_spinner=False, ttl=600)
def _boundary_free(
    url: str,
    level: str,
    types: tuple[str, ...],
    start: dt.date,
    end: dt.date,
    view: str,
) -> gpd.GeoDataFrame:
    query = hotspots.make_query(
        level, types=list(types) or None, date_from=start, date_to=end
    )
    engine = loaders.engine(url)
    if view == "density":
        return hotspots.density_view(engine, query)
    return hotspots.hexagon_view(engine, query)


@st.cache_data(show_spinner=False, ttl=600)
def _printable(
    url: str, level: str, key: tuple[Any, ...], fills: tuple[str, ...], fmt: str
) -> bytes:
    title, legend, legend_title, end, lang = key
    cells = loaders.load_cells(url, level, None, end)
    return render_print_map(
        cells,
        list(fills),
        title=title,
        legend=list(legend),
        legend_title=legend_title,
        data_date=end,
        lang=lang,
        fmt=fmt,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------ widgets
def _sidebar(lang: str) -> dict[str, Any]:
    basemaps = {b.key: b for b in available_basemaps(lang)}
    if st.session_state[_BASEMAP] not in basemaps:
        st.session_state[_BASEMAP] = next(iter(basemaps))
    with st.sidebar:
        st.selectbox(
            t("analysis_level", lang),
            _LEVELS,
            format_func=lambda v: level_label(v, lang),
            **bound(_LEVEL, lang),
        )
        period = t("period_help", lang)
        st.date_input(t("period_from", lang), help=period, **bound(_FROM, lang))
        st.date_input(t("period_to", lang), help=period, **bound(_TO, lang))
        index = 0 if lang == "zh" else 1
        st.multiselect(
            t("violation_types", lang),
            list(VIOLATION_TYPES),
            format_func=lambda c: VIOLATION_TYPES[c][1 + index],
            placeholder=t("hot_types_placeholder", lang),
            select_all=False,
            **bound(_TYPES, lang),
        )
        st.radio(
            t("hotspot_view", lang),
            _VIEWS,
            format_func=lambda v: t(f"view_{v}", lang),
            **bound(_VIEW, lang),
        )
        if st.session_state[_VIEW] in ("rate", "density", "hexagon"):
            st.selectbox(
                t("scheme", lang),
                list(SCHEMES),
                format_func=lambda s: t(SCHEMES[s], lang),
                **bound(_SCHEME, lang),
            )
            st.slider(t("classes", lang), 3, 7, **bound(_K, lang))
        st.selectbox(
            t("basemap", lang),
            list(basemaps),
            format_func=lambda k: basemaps[k].label(lang),
            **bound(_BASEMAP, lang),
        )
    state = {
        name: st.session_state[key]
        for name, key in (
            ("level", _LEVEL),
            ("start", _FROM),
            ("end", _TO),
            ("view", _VIEW),
            ("scheme", _SCHEME),
            ("k", _K),
        )
    }
    state["types"] = tuple(st.session_state[_TYPES])
    state["basemap"] = basemaps[st.session_state[_BASEMAP]]
    return state


def _fills(report: pd.DataFrame, state: dict[str, Any], lang: str) -> Fills:
    view = state["view"]
    if view == "trend":
        title = t("trend_legend", lang)
        return category_fills(
            report, "trend", TREND_COLOURS, TREND_NAMES, title=title, lang=lang
        )
    if view == "rate":
        return numeric_fills(
            report,
            "smoothed_rate",
            scheme=state["scheme"],
            k=state["k"],
            title=t("rate_legend", lang),
            lang=lang,
            fmt=lambda v: f"{v:.3f}",
        )
    title = t("hotspot_legend", lang)
    return category_fills(
        report, "class", HOTSPOT_COLOURS, CLASS_NAMES, title=title, lang=lang
    )


_TOOLTIP = (
    ("name", "field_name"),
    ("violations", "field_violations"),
    ("employers", "field_employers"),
    ("smoothed_rate", "field_smoothed"),
    ("z", "field_z"),
    ("p_fdr", "field_p_fdr"),
    ("class_label", "field_class"),
    ("trend_label", "field_trend"),
)


def _labelled(report: pd.DataFrame, lang: str) -> pd.DataFrame:
    index = 0 if lang == "zh" else 1
    out = pd.DataFrame(report.drop(columns="geometry"))
    out["class_label"] = [CLASS_NAMES[c][index] for c in out["class"]]
    out["trend_label"] = [
        TREND_NAMES[c][index] if isinstance(c, str) else None for c in out["trend"]
    ]
    out["explanation"] = out["explanation_zh" if lang == "zh" else "explanation_en"]
    return out


def _cell_map(
    url: str, report: pd.DataFrame, fills: Fills, state: dict[str, Any], lang: str
) -> None:
    basemap = state["basemap"]
    cells = _cells(url, state["level"], state["end"], basemap.datum)
    collection = analysis_map.figure_collection(
        cells,
        report,
        fills.by_code,
        fields=[p for p, _ in _TOOLTIP if p != "name"],
        lang=lang,
    )
    fmap = analysis_map.figure_map(
        collection,
        basemap,
        tooltip=[(p, t(k, lang)) for p, k in _TOOLTIP],
        legend_title=fills.title,
        legend=fills.legend,
    )
    st_folium(fmap, key=_MAP, height=600, use_container_width=True, returned_objects=[])


def _surface_map(surface: gpd.GeoDataFrame, state: dict[str, Any], lang: str) -> None:
    """Draw the kernel density squares or the H3 hexagons, classed."""
    if surface.empty:
        st.info(t("hotspots_no_points", lang))
        return
    column = "density_per_km2" if state["view"] == "density" else "count"
    frame = pd.DataFrame(
        {"cell_code": [str(i) for i in range(len(surface))], "value": surface[column]}
    )
    fills = numeric_fills(
        frame,
        "value",
        scheme=state["scheme"],
        k=state["k"],
        title=t(f"{state['view']}_legend", lang),
        lang=lang,
        fmt=lambda v: f"{v:,.1f}",
    )
    drawn = gpd.GeoDataFrame(
        {
            "code": frame["cell_code"],
            "name": frame["value"].round(2).astype(str),
            "level": Level.VILLAGE.value,
            "illustrative": False,
        },
        geometry=surface.geometry.to_numpy(),
        crs=surface.crs,
    )
    collection = analysis_map.figure_collection(
        drawn, frame, fills.by_code, fields=["value"], lang=lang
    )
    fmap = analysis_map.figure_map(
        collection,
        state["basemap"],
        tooltip=[("value", fills.title)],
        legend_title=fills.title,
        legend=fills.legend,
    )
    st_folium(
        fmap,
        key=f"{_MAP}_surface",
        height=600,
        use_container_width=True,
        returned_objects=[],
    )


def _downloads(
    url: str, report: pd.DataFrame, fills: Fills, state: dict[str, Any], lang: str
) -> None:
    table = pd.DataFrame(report.loc[:, list(hotspots.REPORT_COLUMNS)])
    stamp = f"{state['level']}_{state['end']:%Y%m%d}"
    columns = st.columns(4)
    columns[0].download_button(
        t("download_csv", lang),
        csv_bytes(table, hotspots.REPORT_HEADERS_ZH),
        file_name=f"hotspots_{stamp}.csv",
        mime="text/csv",
    )
    columns[1].download_button(
        t("download_xlsx", lang),
        xlsx_bytes({"违法热点": table}, hotspots.REPORT_HEADERS_ZH),
        file_name=f"hotspots_{stamp}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    cells = loaders.load_cells(url, state["level"], None, state["end"])
    title = f"{t('hotspots_title', lang)} · {level_label(state['level'], lang)}"
    key = (title, tuple(fills.legend), fills.title, state["end"], lang)
    ordered = tuple(fills.in_order(cells["code"], NO_DATA_COLOUR))
    for column, fmt in zip(columns[2:], ("png", "pdf"), strict=True):
        column.download_button(
            t(f"download_{fmt}", lang),
            partial(_printable, url, state["level"], key, ordered, fmt),
            file_name=f"hotspots_{stamp}.{fmt}",
            mime="image/png" if fmt == "png" else "application/pdf",
        )


def _tables(report: pd.DataFrame, lang: str) -> None:
    labelled = _labelled(report, lang)
    hot = labelled[labelled["class"].str.startswith("hot_")].sort_values(
        "z", ascending=False
    )
    st.markdown(f"**{t('hotspots_significant', lang, n=len(hot))}**")
    names = {p: t(k, lang) for p, k in _TOOLTIP} | {
        "cell_code": t("field_code", lang),
        "cell_name": t("field_name", lang),
        "coverage": t("field_coverage", lang),
        "explanation": t("field_explanation", lang),
    }
    shown = [
        "cell_code",
        "cell_name",
        "violations",
        "employers",
        "smoothed_rate",
        "z",
        "p_fdr",
        "class_label",
        "trend_label",
        "coverage",
        "explanation",
    ]
    if hot.empty:
        st.caption(t("hotspots_none", lang))
    else:
        table = hot[shown].rename(columns=names)
        st.dataframe(table, hide_index=True)
        stem = t("dl_hotspots_significant", lang)
        table_downloads(table, None, stem, lang, key="hotspots_significant")
    under = hot[hot["under_inspected"].fillna(False).astype(bool)]
    if len(under):
        st.markdown(f"**{t('hotspots_under_inspected', lang)}** ({len(under)})")
        table = under[shown].rename(columns=names)
        st.dataframe(table, hide_index=True)
        stem = t("dl_hotspots_under", lang)
        table_downloads(table, None, stem, lang, key="hotspots_under")
    with st.expander(f"{t('hotspots_table', lang)} ({len(labelled)})"):
        table = labelled[shown].rename(columns=names)
        st.dataframe(table, hide_index=True)
        stem = t("dl_hotspots_all", lang)
        table_downloads(table, None, stem, lang, key="hotspots_all")


# --------------------------------------------------------------------- page
def render() -> None:
    """Draw the hotspots page."""
    lang = current_lang()
    today = dt.date.today()
    defaults = {
        _LEVEL: Level.TOWNSHIP.value,
        _FROM: today.replace(year=today.year - 3),
        _TO: today,
        _TYPES: [],
        _VIEW: "class",
        _SCHEME: "quantiles",
        _K: 5,
        _BASEMAP: default_basemap_key(),
    }
    url_state.sync("hotspots", _URL, defaults)
    init_state(defaults)
    st.title(t("hotspots_title", lang))
    st.caption(t("hotspots_intro", lang))
    state = _sidebar(lang)
    url = default_url()
    args = (url, state["level"], state["types"], state["start"], state["end"])
    try:
        report = _report(*args)
        surface = (
            _boundary_free(*args, state["view"])
            if state["view"] in ("density", "hexagon")
            else None
        )
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        return
    labelled = _labelled(report, lang)
    fills = _fills(report, state, lang)
    try:
        if surface is None:
            _cell_map(url, labelled, fills, state, lang)
        else:
            _surface_map(surface, state, lang)
    except TwoNetError as exc:
        st.error(t_md("database_error", lang, error=exc))
    _downloads(url, report, fills, state, lang)
    _tables(report, lang)
