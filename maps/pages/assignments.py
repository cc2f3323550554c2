"""人员分配 / Assignments: who covers which cell, reassignment, undo, balancing.

Needs a logged-in user (:mod:`maps.auth`); everything is read through the
user's engine and cut to their jurisdiction (:mod:`maps.staffing_data`).
The map colours the cells by staffing status (:mod:`maps.staffing_map`);
clicking a cell (``st_folium(..., returned_objects=["last_active_drawing"])``,
as on the grid map) or choosing it selects it and opens its children; the
panels show the cell's staff and a person's cells and workload
(:mod:`maps.staffing_panels`).  Managers get the reassignment form with
preview, apply and undo (:mod:`maps.assignment_form`,
:mod:`maps.change_flow`) and, for a county, the balancing suggestion
(:mod:`maps.balance_panel`); everyone sees the audit trail of their
jurisdiction.  Coordinators and planners only look.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from streamlit_folium import st_folium

from grid.codes import LEVELS, Level
from maps import layers, url_state
from maps import staffing_data as data_
from maps.assignment_form import changeable_cells, prefill_person, reassignment_form
from maps.auth import current_user, role_label, user_engine
from maps.balance_panel import balance_panel
from maps.downloads import table_downloads
from maps.i18n import STRINGS, level_label, t
from maps.i18n_labels import attribution_text
from maps.messages import localised
from maps.pages.employer_search import chosen_basemap
from maps.staffing_map import staffing_collection, staffing_map
from maps.staffing_panels import (
    cell_names,
    cell_panel,
    duty_label,
    person_panel,
    staff_label,
)
from maps.text import md_escape, t_md
from maps.widgets import bound, current_lang, init_state
from twonet.db.engine import default_url
from twonet.errors import TwoNetError
from twonet.permissions import User

_VIEW = "asg_view"
_LEVEL = "asg_level"
_CELL = "asg_cell"
_PERSON = "asg_person"
_AS_OF = "asg_as_of"
_MAP = "asg_map"
_MAP_HEIGHT = 560
_URL = (
    url_state.view(_VIEW),
    url_state.code("pick", _CELL),
    url_state.token("person", _PERSON),
    url_state.date("date", _AS_OF),
)


# -------------------------------------------------------------------- view
def _home(user: User, cells: pd.DataFrame) -> layers.View:
    """Return the first view: the children of the user's jurisdiction cell."""
    levels = cells.set_index("code")["level"]
    code = user.jurisdiction_code or ""
    level = levels.get(code)
    child = Level(level).child if level else Level.COUNTY
    if child is None:  # a village: itself
        return layers.View(level=Level.VILLAGE, selected=code)
    return layers.View(level=child, parent_code=code)


def _open(code: str, level: str, parent: str | None) -> None:
    """Select a cell and show its children (a village: among ``parent``'s)."""
    st.session_state[_CELL] = code
    child = Level(level).child
    if child is not None:
        st.session_state[_VIEW] = layers.View(level=child, parent_code=code)
    else:
        st.session_state[_VIEW] = layers.View(
            level=Level.VILLAGE, parent_code=parent, selected=code
        )
    st.session_state[_LEVEL] = st.session_state[_VIEW].level.value


def _on_click() -> None:
    clicked = layers.clicked_cell(st.session_state.get(_MAP))
    if clicked is not None:  # a village stays among the cells drawn now
        view: layers.View = st.session_state[_VIEW]
        _open(clicked[0], clicked[1].value, view.parent_code)


def _on_cell_chosen(cells: pd.DataFrame) -> None:
    code = st.session_state.get(_CELL)
    found = cells[cells["code"] == code]
    if code and len(found):
        parent = found["parent_code"].iloc[0]
        _open(code, str(found["level"].iloc[0]), None if pd.isna(parent) else parent)


def _new_level() -> None:
    st.session_state[_VIEW] = layers.View(level=Level(st.session_state[_LEVEL]))


def _go(view: layers.View) -> None:
    st.session_state[_VIEW] = view
    st.session_state[_LEVEL] = view.level.value
    st.session_state[_CELL] = view.parent_code


def _levels_below(user: User, cells: pd.DataFrame) -> list[str]:
    """Return the levels shown to the user: those below their jurisdiction."""
    level = cells.set_index("code")["level"].get(user.jurisdiction_code or "")
    depth = Level(level).depth if level else 0
    below = [lv.value for lv in LEVELS if lv.depth > depth]
    return below or [Level.VILLAGE.value]


def _breadcrumb(user: User, cells: pd.DataFrame, view: layers.View, lang: str) -> None:
    """Draw the path from the jurisdiction down to the cell whose children show."""
    parents = cells.set_index("code")["parent_code"]
    names = cell_names(cells)
    levels = cells.set_index("code")["level"]
    top = user.jurisdiction_code or ""
    path = layers.ancestry(view.parent_code, lambda c: parents.get(c) or None)
    path = path[path.index(top) :] if top in path else [top]
    with st.container(
        horizontal=True, gap="small", vertical_alignment="center", key="asg_breadcrumb"
    ):
        st.markdown(f"{t('breadcrumb', lang)}:", width="content")
        for i, code in enumerate(path):
            if i:
                st.markdown("›", width="content")
            label = md_escape(names.get(code, code))
            if i == len(path) - 1 and view.parent_code == code:
                st.markdown(f"**{label}**", width="content")
                continue
            child = Level(levels.get(code, "county")).child or Level.VILLAGE
            st.button(
                label,
                key=f"asg_crumb_{code}",
                type="tertiary",
                on_click=_go,
                args=(layers.View(level=child, parent_code=code),),
            )
        if view.parent_code is None:
            st.markdown("›", width="content")
            st.markdown(f"**{level_label(view.level, lang)}**", width="content")


# --------------------------------------------------------------------- map
def _map(
    user: User, engine: Any, view: layers.View, data: dict[str, Any], lang: str
) -> None:
    url = default_url()
    as_of = st.session_state[_AS_OF]
    cells = data_.view_cells(engine, url, view.level.value, view.parent_code, as_of)
    cells = cells[data_.in_sight(user, cells["code"])]
    basemap = chosen_basemap(lang)
    ready = layers.prepare_geometries(cells, datum=basemap.datum)
    collection = staffing_collection(ready, data["status"], lang=lang)
    if not collection["features"]:
        st.info(t("no_cells", lang))
        return
    fmap = staffing_map(
        collection, basemap, lang=lang, selected=st.session_state.get(_CELL)
    )
    st_folium(
        fmap,
        key=_MAP,
        height=_MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_active_drawing"],
        on_change=_on_click,
    )
    st.caption(
        f"{t('asg_map_caption', lang, n=len(collection['features']))} · "
        f"{t('attribution', lang)}: "
        + attribution_text(" · ".join(basemap.attributions), lang),
        unsafe_allow_html=True,
    )


# ------------------------------------------------------------------ panels
def _pickers(user: User, data: dict[str, Any], lang: str) -> None:
    cells = data["cells"]
    visible = cells[data_.in_sight(user, cells["code"]) & (cells["level"] != "city")]
    labels = {
        str(r.code): f"{r.name} · {r.code} · {level_label(r.level, lang)}"
        for r in visible.itertuples()
    }
    if st.session_state.get(_CELL) not in labels:
        st.session_state[_CELL] = None
    st.selectbox(
        t("asg_pick_cell", lang),
        list(labels),
        index=None,
        placeholder=t("asg_pick_cell_hint", lang),
        format_func=labels.__getitem__,
        **bound(_CELL, lang, then=lambda: _on_cell_chosen(visible)),
    )
    if st.session_state[_CELL]:
        cell_panel(data, st.session_state[_CELL], lang)
    staff = data["staff"].sort_values(["kind", "staff_id"])
    people = {str(r["staff_id"]): staff_label(r, lang) for _, r in staff.iterrows()}
    if st.session_state.get(_PERSON) not in people:
        st.session_state[_PERSON] = None
    st.selectbox(
        t("asg_pick_person", lang),
        list(people),
        index=None,
        placeholder=t("asg_pick_person_hint", lang),
        format_func=people.__getitem__,
        **bound(_PERSON, lang, then=lambda: prefill_person(st.session_state[_PERSON])),
    )
    if st.session_state[_PERSON]:
        person_panel(data, st.session_state[_PERSON], lang)


def _history(
    history: dict[str, pd.DataFrame], names: dict[str, str], lang: str
) -> None:
    sets, audit = history["change_sets"], history["audit"]
    st.markdown(f"**{t('log_sets', lang, n=len(sets))}**")
    shown = pd.DataFrame(
        {
            "#": sets["id"],
            t("col_when", lang): sets["created_at"].astype(str),
            t("col_actor", lang): sets["actor"],
            t("col_kind_set", lang): sets["kind"].map(lambda k: t(f"set_{k}", lang)),
            t("col_change_reason", lang): sets["reason"],
            t("col_steps", lang): sets["steps"],
            t("col_undoes", lang): sets["undoes_id"].map(_id_text),
            t("col_undone_by", lang): sets["undone_by"].map(_id_text),
        }
    )
    st.dataframe(shown, hide_index=True, key="asg_log_sets")
    table_downloads(shown, None, t("dl_change_sets", lang), lang, key="asg_log_sets")
    st.markdown(f"**{t('log_rows', lang, n=len(audit))}**")
    shown = pd.DataFrame(
        {
            t("col_change_set", lang): audit["change_set_id"],
            t("col_when", lang): audit["at"].astype(str),
            t("col_actor", lang): audit["actor"],
            t("col_action", lang): audit["action"].map(lambda a: _op(a, lang)),
            t("field_code", lang): audit["cell_code"],
            t("field_name", lang): audit["cell_code"].map(
                lambda c: names.get(str(c), "")
            ),
            t("col_staff_id", lang): audit["staff_id"],
            t("col_before", lang): audit["before"].map(lambda r: _row_text(r, lang)),
            t("col_after", lang): audit["after"].map(lambda r: _row_text(r, lang)),
        }
    )
    st.dataframe(shown, hide_index=True, key="asg_log_rows")
    table_downloads(shown, None, t("dl_audit_rows", lang), lang, key="asg_log_rows")


def _id_text(value: Any) -> str:
    """Return a change set id as text (``""`` when missing)."""
    return "" if value is None or pd.isna(value) else str(int(value))


def _op(action: str, lang: str) -> str:
    """Return an audited action (``move``, ``undo`` …) in ``lang``."""
    key = f"op_{action}"
    return t(key, lang) if key in STRINGS else str(action)


def _row_text(row: Any, lang: str) -> str:
    """Return an audited assignment row as ``协管员 370211001001 2024-01-01–``."""
    if not isinstance(row, dict):
        return ""
    ends = str(row.get("valid_to") or "")[:10]
    return (
        f"{duty_label(row.get('duty'), lang)} {row.get('cell_code', '')} "
        f"{str(row.get('valid_from') or '')[:10]}–{ends}"
    )


# --------------------------------------------------------------------- page
def render() -> None:
    """Draw the assignments page."""
    lang = current_lang()
    st.title(t("asg_title", lang))
    user = current_user()
    if user is None:
        st.info(t("asg_login_needed", lang), icon=":material/login:")
        return
    engine = user_engine()
    defaults = {_AS_OF: dt.date.today(), _VIEW: None, _CELL: None, _PERSON: None}
    url_state.sync("assignments", _URL, defaults)
    init_state({_AS_OF: defaults[_AS_OF]})
    with st.sidebar:
        st.date_input(
            t("as_of", lang),
            help=t("as_of_help_staffing", lang),
            **bound(_AS_OF, lang),
        )
    try:
        source = data_.Source(
            default_url(),
            user.username,
            st.session_state[_AS_OF],
            data_.generation(engine),
        )
        data = data_.staffing(engine, source, user)
        history = data_.history(engine, source, user)
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=localised(exc, lang)))
        return
    cells = data["cells"]
    init_state({_VIEW: _home(user, cells), _CELL: None, _PERSON: None})
    init_state({_LEVEL: st.session_state[_VIEW].level.value})
    levels = _levels_below(user, cells)
    if st.session_state[_LEVEL] not in levels:
        st.session_state[_LEVEL] = levels[0]
    with st.sidebar:
        st.selectbox(
            t("level_select", lang),
            levels,
            format_func=lambda v: level_label(v, lang),
            **bound(_LEVEL, lang, then=_new_level),
        )
    names = cell_names(cells)
    home = user.jurisdiction_code or ""
    may_change = bool(changeable_cells(user, cells))
    st.caption(
        t(
            "asg_who",
            lang,
            name=md_escape(user.name),
            role=role_label(user, lang),
            where=md_escape(f"{names.get(home, '')} {home}".strip()),
            rights=t("asg_may_change" if may_change else "asg_read_only", lang),
        )
    )
    view: layers.View = st.session_state[_VIEW]
    _breadcrumb(user, cells, view, lang)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        _map(user, engine, view, data, lang)
    with right, st.container(key="asg_panels"):
        _pickers(user, data, lang)
    if may_change:
        st.subheader(t("form_title", lang))
        reassignment_form(user, data, history, lang)
        with st.expander(t("bal_title", lang), icon=":material/balance:"):
            balance_panel(user, engine, cells, names, lang)
    with st.expander(t("log_title", lang), icon=":material/history:"):
        _history(history, names, lang)
