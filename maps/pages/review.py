"""待复核 / Review queue: place the employers the geocoder could not.

Lists the open review items (reason in Chinese or English, employer,
addresses, flags).  For the item chosen it shows the ranked candidate cells
(code, name, level, score, why) on a map, with a "定位到此 / place here"
button per candidate and a free cell-code input for any other cell.  A pick
goes through :func:`twonet.employer_import.resolve_review` (the cell must be in the
current grid), takes the item off the queue and clears the cached employer
answers of every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit_folium import st_folium

from maps import employer_layers as emap
from maps.downloads import REVIEW_COLUMNS, table_downloads
from maps.i18n import level_label, reason_label, t, why_label
from maps.pages.employer_search import (
    cell_directory,
    cell_label,
    cells_by_code,
    chosen_basemap,
    clear_employer_caches,
    engine,
    open_reviews,
    review_reason_counts,
    township_villages,
)
from maps.review_cells import leaf_cells, placement_problem
from maps.styles import card_markup, legend_markup
from maps.text import md_code, md_escape, t_md
from maps.widgets import bound, current_lang, init_state, sync, widget_key
from twonet.db.engine import default_url
from twonet.db.review_queries import CANDIDATE_COLUMNS
from twonet.employer_import import GridContext, resolve_review
from twonet.errors import TwoNetError

#: Items listed at once (the queue is worked from the oldest).
QUEUE_PAGE = 200
_MAP_HEIGHT = 420
_REASON = "review_reason"
_ITEM = "review_item"
_REVIEWER = "review_reviewer"
_OTHER = "review_other_code"
_FLASH = "review_flash"


@st.cache_resource(show_spinner=False, ttl=600)
def _grid(url: str) -> GridContext:
    return GridContext.from_database(engine(url))


# -------------------------------------------------------------- callbacks
def _place(url: str, item: dict[str, Any], code: str, lang: str) -> None:
    """Resolve ``item`` to cell ``code``; leave a message for the next run."""
    reviewer = str(st.session_state.get(_REVIEWER, "")).strip()
    code = code.strip()
    directory = cell_directory(url, dt.date.today())
    problem = placement_problem(directory, code)
    if not reviewer:
        st.session_state[_FLASH] = ("error", t("review_reviewer_missing", lang))
        return
    if problem is not None:
        key, values = problem
        st.session_state[_FLASH] = ("error", t_md(key, lang, **values))
        return
    try:
        resolve_review(
            engine(url), _grid(url), int(item["id"]), code, reviewer=reviewer
        )
    except (TwoNetError, SQLAlchemyError) as exc:
        st.session_state[_FLASH] = ("error", t_md("review_failed", lang, error=exc))
        return
    names = dict(zip(directory["code"], directory["name"], strict=True))
    st.session_state[_FLASH] = (
        "success",
        t_md("review_done", lang, name=item["name"], cell=names[code], code=code),
    )
    st.session_state[_ITEM] = None
    st.session_state[_OTHER] = ""
    clear_employer_caches()


def _place_other(url: str, item: dict[str, Any], lang: str) -> None:
    _place(url, item, str(sync(_OTHER, lang)), lang)


def _place_chosen(url: str, item: dict[str, Any], key: str, lang: str) -> None:
    _place(url, item, str(st.session_state.get(key) or ""), lang)


# ------------------------------------------------------------------ widgets
def _item_label(row: pd.Series, lang: str) -> str:
    reason = reason_label(row["reason"], lang)
    return f"#{row['id']} {row['name'] or row['uscc']} · {reason}"


def _queue_table(items: pd.DataFrame, lang: str) -> None:
    st.dataframe(
        pd.DataFrame(
            {
                "#": items["id"],
                t("col_name", lang): items["name"],
                t("col_reason", lang): items["reason"].map(
                    lambda r: reason_label(r, lang)
                ),
                t("col_operating_address", lang): items["operating_address"],
                t("col_flags", lang): items["flags"].map(
                    lambda f: emap.flags_text(f, lang=lang)
                ),
            }
        ),
        hide_index=True,
        height=220,
        key="review_queue_table",
    )


def _text(value: object) -> str:
    """Return a value as text; missing values (None, NaN) as ``""``."""
    return (
        ""
        if value is None or (isinstance(value, float) and value != value)
        else str(value)
    )


def _placed_cell(item: dict[str, Any]) -> str:
    """Return the finest cell the employer is placed in (``""``: none)."""
    return next(
        (
            _text(item.get(c))
            for c in ("village_code", "township_code", "county_code")
            if _text(item.get(c))
        ),
        "",
    )


def _employer_card(item: dict[str, Any], names: dict[str, str], lang: str) -> None:
    st.markdown(f"#### {md_escape(_text(item['name']) or _text(item['uscc']))}")
    placed = _placed_cell(item)
    rows = {
        t("col_uscc", lang): _text(item["uscc"]),
        t("col_reason", lang): reason_label(item["reason"], lang),
        t("col_registered_address", lang): _text(item["registered_address"]),
        t("col_operating_address", lang): _text(item["operating_address"]),
        t("emp_field_cell", lang): f"{names.get(placed, '')} ({placed})"
        if placed
        else "—",
        t("col_confidence", lang): f"{float(item['confidence'] or 0):.2f}",
        t("col_flags", lang): emap.flags_text(item["flags"], lang=lang) or "—",
    }
    st.markdown(card_markup(list(rows.items())), unsafe_allow_html=True)


def _candidates(
    url: str, item: dict[str, Any], candidates: pd.DataFrame, lang: str
) -> None:
    st.markdown(f"#### {t('review_candidates', lang)}")
    st.caption(t("review_candidates_help", lang))
    if candidates.empty:
        st.info(t("review_no_candidates", lang))
    directory = cell_directory(url, dt.date.today())
    for row in candidates.to_dict("records"):
        with st.container(border=True, key=f"candidate_{row['rank']}"):
            name = md_escape(row["name"]) or t("review_not_in_grid", lang)
            parent = md_escape(row["parent_name"])
            level = level_label(row["level"], lang) if row["level"] else ""
            st.markdown(
                f"**{row['rank']}. {name}**{f' · {parent}' if parent else ''}  \n"
                f"{md_code(row['code'])} · {level} · {t('col_score', lang)} "
                f"{row['score']:.2f} · {md_escape(why_label(row['why'], lang))}"
            )
            _place_controls(url, item, row, directory, lang)
    with st.container(horizontal=True, vertical_alignment="bottom", key="other_cell"):
        st.text_input(
            t("review_other", lang),
            help=t("review_other_help", lang),
            placeholder="370211001001",
            **bound(_OTHER, lang),
        )
        st.button(
            t("review_place_other", lang),
            key=f"place_other_{item['id']}",
            on_click=_place_other,
            args=(url, item, lang),
        )


def _place_controls(
    url: str,
    item: dict[str, Any],
    row: dict[Any, Any],
    directory: pd.DataFrame,
    lang: str,
) -> None:
    """Draw "place here" for a finest-level cell, else a picker of its cells."""
    primary: Literal["primary", "secondary"] = (
        "primary" if row["rank"] == 1 else "secondary"
    )
    leaves = leaf_cells(directory, row["code"]) if row["in_grid"] else None
    if leaves is None or leaves.empty:
        st.button(
            t("review_place", lang),
            key=f"place_{item['id']}_{row['code']}",
            type=primary,
            icon=":material/where_to_vote:",
            disabled=not row["in_grid"],
            on_click=_place,
            args=(url, item, row["code"], lang),
        )
        return
    labels = cell_label(leaves)
    key = widget_key(f"choose_{item['id']}_{row['code']}", lang)
    with st.container(horizontal=True, vertical_alignment="bottom"):
        st.selectbox(
            t("review_choose_leaf", lang, n=len(leaves)),
            leaves["code"].tolist(),
            index=None,
            key=key,
            placeholder=t("review_village_placeholder", lang),
            format_func=labels.__getitem__,
        )
        st.button(
            t("review_place", lang),
            key=f"place_{item['id']}_{row['code']}",
            type=primary,
            icon=":material/where_to_vote:",
            disabled=not st.session_state.get(key),
            on_click=_place_chosen,
            args=(url, item, key, lang),
        )


def _townships_of(item: dict[str, Any], candidates: pd.DataFrame) -> list[str]:
    """Return the townships whose villages the map outlines."""
    towns = candidates.loc[candidates["level"] == "township", "code"].tolist()
    placed = _text(item.get("township_code"))
    return sorted({*towns, placed} - {""})


def _candidate_map(
    url: str, item: dict[str, Any], candidates: pd.DataFrame, lang: str
) -> None:
    basemap = chosen_basemap(lang)
    codes = tuple(sorted(candidates.loc[candidates["in_grid"], "code"]))
    cells = cells_by_code(url, codes, dt.date.today())
    overlays: list[Any] = []
    bounds = None
    for town in _townships_of(item, candidates):
        villages = township_villages(url, town, dt.date.today())
        overlays.append(emap.outline_layer(villages, datum=basemap.datum, lang=lang))
    if len(cells):
        overlays.append(
            emap.candidate_layer(candidates, cells, datum=basemap.datum, lang=lang)
        )
        bounds = emap.cells_bounds(cells, datum=basemap.datum)
    point = pd.DataFrame([item])
    if pd.notna(item.get("lon")) and pd.notna(item.get("lat")):
        point["queued"] = True
        overlays.append(
            emap.point_layer(point, datum=basemap.datum, lang=lang, radius=7)
        )
        bounds = bounds or emap.points_bounds(point, datum=basemap.datum)
    fmap = emap.employer_map(basemap, overlays=overlays, bounds=bounds)
    st_folium(
        fmap,
        key="review_map",
        height=_MAP_HEIGHT,
        use_container_width=True,
        returned_objects=[],
    )
    caption = t("review_map_caption", lang)
    st.markdown(legend_markup([], lang, caption=caption), unsafe_allow_html=True)


def _flash() -> None:
    message = st.session_state.pop(_FLASH, None)
    if message is None:
        return
    kind, text = message
    (st.success if kind == "success" else st.error)(text)


# --------------------------------------------------------------------- page
def render() -> None:
    """Draw the review queue page."""
    lang = current_lang()
    init_state({_REASON: "", _ITEM: None, _REVIEWER: "", _OTHER: ""})
    url = default_url()
    st.title(t("review_title", lang))
    st.caption(t("review_intro", lang))
    _flash()
    try:
        reasons = review_reason_counts(url)
        directory = cell_directory(url, dt.date.today())
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        st.info(t("database_hint", lang))
        return
    if st.session_state[_REASON] not in ("", *reasons):
        st.session_state[_REASON] = ""
    with st.container(horizontal=True, vertical_alignment="bottom", key="review_bar"):
        st.selectbox(
            t("review_reason_filter", lang),
            ["", *reasons],
            format_func=lambda r: (
                f"{reason_label(r, lang)} ({reasons[r]})"
                if r
                else f"{t('review_reason_any', lang)} ({sum(reasons.values())})"
            ),
            **bound(_REASON, lang),
        )
        st.text_input(t("review_reviewer", lang), **bound(_REVIEWER, lang))
    reason = st.session_state[_REASON] or None
    total = reasons.get(reason, 0) if reason else sum(reasons.values())
    st.subheader(t("review_open", lang, n=f"{total:,}"))
    if not total:
        st.info(t("review_empty", lang))
        return
    items = open_reviews(url, reason, QUEUE_PAGE)
    _queue_table(items, lang)
    table_downloads(
        lambda: open_reviews(url, reason, total),
        REVIEW_COLUMNS,
        t("dl_review_queue", lang),
        lang,
        key="review_queue",
        names=dict(zip(directory["code"], directory["name"], strict=True)),
    )
    ids = items["id"].astype(int).tolist()
    if st.session_state[_ITEM] not in ids:
        st.session_state[_ITEM] = ids[0]
    labels = {int(r["id"]): _item_label(r, lang) for _, r in items.iterrows()}
    st.selectbox(
        t("review_pick", lang),
        ids,
        format_func=labels.__getitem__,
        **bound(_ITEM, lang),
    )
    item = items.loc[items["id"] == st.session_state[_ITEM]].iloc[0].to_dict()
    candidates = pd.DataFrame(item["candidates"], columns=list(CANDIDATE_COLUMNS))
    names = dict(zip(directory["code"], directory["name"], strict=True))
    left, right = st.columns([5, 6], gap="medium")
    with left:
        _employer_card(item, names, lang)
        _candidates(url, item, candidates, lang)
    with right:
        _candidate_map(url, item, candidates, lang)
