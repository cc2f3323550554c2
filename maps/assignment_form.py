"""The reassignment form of the 人员分配 page: move, add, remove, swap.

Only for users who may change some cell (managers).  The fields are bound
per language (:func:`maps.widgets.bound`); 预览 builds a one-change document
and hands it to :func:`maps.change_flow.request_preview`.  Cells offered are
those the user may change; a person's cells are theirs with the chosen duty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from maps.change_flow import (
    flash,
    preview_panel,
    request_preview,
    show_flash,
    undo_last,
)
from maps.i18n import t
from maps.staffing_data import last_own_change
from maps.staffing_panels import duty_label, staff_label
from maps.text import md_escape
from maps.widgets import bound, init_state, sync
from twonet.db.models import DUTIES
from twonet.permissions import User, can_change

OPS = ("move", "add", "remove", "swap")
_OP = "asg_f_op"
_STAFF = "asg_f_staff"
_DUTY = "asg_f_duty"
_FROM = "asg_f_from"
_TO = "asg_f_to"
_CELL = "asg_f_cell"
_OTHER = "asg_f_other"
_OTHER_CELL = "asg_f_other_cell"
_REASON = "asg_f_reason"
_EFFECTIVE = "asg_f_effective"


def prefill_person(staff_id: str | None) -> None:
    """Put the person chosen in the panel into the form (when one is chosen)."""
    if staff_id:
        st.session_state[_STAFF] = staff_id


def changeable_cells(user: User, cells: pd.DataFrame) -> list[str]:
    """Return the codes of the cells below the city that ``user`` may change."""
    below_city = cells[cells["level"] != "city"]
    return [str(c) for c in below_city["code"] if can_change(user, str(c))]


def held_cells(jobs: pd.DataFrame, staff_id: str | None, duty: str) -> list[str]:
    """Return the cells ``staff_id`` holds with ``duty`` (export frame, labels)."""
    if not staff_id:
        return []
    label = DUTIES.get(duty, (duty,))[0]
    mine = jobs[(jobs["staff_id"] == staff_id) & (jobs["duty"] == label)]
    return sorted(str(c) for c in mine["cell_code"].unique())


def document(values: dict[str, Any]) -> dict[str, Any]:
    """Return the change-set document of the form's values.

    Examples
    --------
    >>> document({"op": "move", "staff": "A1", "duty": "assistant", "from": "1",
    ...           "to": "2", "reason": "", "effective": dt.date(2026, 1, 5)})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'reason': '', 'effective': '2026-01-05', 'changes': [{'op': 'move',
     'staff_id': 'A1', 'duty': 'assistant', 'from': '1', 'to': '2'}]}
    """
    op = values["op"]
    change: dict[str, Any] = {
        "op": op,
        "staff_id": values["staff"],
        "duty": values["duty"],
    }
    if op == "move":
        change.update({"from": values["from"], "to": values["to"]})
    elif op == "swap":
        change.update(
            {
                "cell": values["cell"],
                "other_staff_id": values["other"],
                "other_cell": values["other_cell"],
            }
        )
    else:
        change["cell"] = values["cell"]
    return {
        "reason": values["reason"],
        "effective": values["effective"].isoformat(),
        "changes": [change],
    }


_NEEDED = {
    "move": ("staff", "from", "to"),
    "add": ("staff", "cell"),
    "remove": ("staff", "cell"),
    "swap": ("staff", "cell", "other", "other_cell"),
}


def _preview(lang: str) -> None:
    values = {
        "op": sync(_OP, lang),
        "staff": sync(_STAFF, lang),
        "duty": sync(_DUTY, lang),
        "from": sync(_FROM, lang),
        "to": sync(_TO, lang),
        "cell": sync(_CELL, lang),
        "other": sync(_OTHER, lang),
        "other_cell": sync(_OTHER_CELL, lang),
        "reason": str(sync(_REASON, lang) or "").strip(),
        "effective": sync(_EFFECTIVE, lang),
    }
    missing = [k for k in _NEEDED[values["op"]] if not values[k]]
    if missing:
        flash("form", "error", t("form_incomplete", lang))
        return
    if not values["reason"]:
        values["reason"] = t("form_default_reason", lang)
    request_preview("form", document(values), lang)


def _select(
    label: str, name: str, options: list[str], labels: dict[str, str], lang: str
) -> None:
    """Draw a selectbox over ``options`` bound to ``name`` (reset if not offered)."""
    if st.session_state.get(name) not in options:
        st.session_state[name] = None
    st.selectbox(
        label,
        options,
        index=None,
        placeholder=t("form_choose", lang),
        format_func=lambda c: labels.get(c, c),
        **bound(name, lang),
    )


def reassignment_form(
    user: User, data: dict[str, Any], history: dict[str, pd.DataFrame], lang: str
) -> None:
    """Draw the form, the pending preview, the user's undo and their messages."""
    init_state(
        {
            _OP: "move",
            _STAFF: st.session_state.get("asg_person"),
            _DUTY: "assistant",
            _FROM: None,
            _TO: None,
            _CELL: None,
            _OTHER: None,
            _OTHER_CELL: None,
            _REASON: "",
            _EFFECTIVE: dt.date.today(),
        }
    )
    cells = data["cells"]
    names = dict(zip(cells["code"], cells["name"], strict=True))
    mine = changeable_cells(user, cells)
    cell_labels = {c: f"{names.get(c, '')} · {c}" for c in mine}
    staff = data["staff"].sort_values(["kind", "staff_id"])
    people = [str(s) for s in staff["staff_id"]]
    person_labels = {
        str(r["staff_id"]): staff_label(r, lang) for _, r in staff.iterrows()
    }
    jobs = data["assignments"]
    with st.container(border=True, key="asg_form"):
        st.radio(
            t("form_op", lang),
            list(OPS),
            horizontal=True,
            format_func=lambda op: t(f"op_{op}", lang),
            **bound(_OP, lang),
        )
        op = st.session_state[_OP]
        left, right = st.columns(2)
        with left:
            _select(t("form_staff", lang), _STAFF, people, person_labels, lang)
        with right:
            st.selectbox(
                t("form_duty", lang),
                list(DUTIES),
                format_func=lambda d: duty_label(d, lang),
                **bound(_DUTY, lang),
            )
        duty = st.session_state[_DUTY]
        held = held_cells(jobs, st.session_state[_STAFF], duty)
        held_labels = {c: f"{names.get(c, '')} · {c}" for c in held}
        left, right = st.columns(2)
        if op == "move":
            with left:
                _select(t("form_from", lang), _FROM, held, held_labels, lang)
            with right:
                _select(t("form_to", lang), _TO, mine, cell_labels, lang)
        elif op == "add":
            with left:
                _select(t("form_cell", lang), _CELL, mine, cell_labels, lang)
        else:
            with left:
                _select(t("form_cell", lang), _CELL, held, held_labels, lang)
        if op == "swap":
            other = held_cells(jobs, st.session_state[_OTHER], duty)
            with right:
                _select(t("form_other", lang), _OTHER, people, person_labels, lang)
                _select(
                    t("form_other_cell", lang),
                    _OTHER_CELL,
                    other,
                    {c: f"{names.get(c, '')} · {c}" for c in other},
                    lang,
                )
        left, right = st.columns([3, 1])
        with left:
            st.text_input(
                t("form_reason", lang),
                placeholder=t("form_default_reason", lang),
                **bound(_REASON, lang),
            )
        with right:
            st.date_input(t("form_effective", lang), **bound(_EFFECTIVE, lang))
        st.button(
            t("preview_button", lang),
            key="asg_preview_button",
            icon=":material/preview:",
            on_click=_preview,
            args=(lang,),
        )
    show_flash("form")
    preview_panel("form", lang)
    _undo(user, history, lang)


def _undo(user: User, history: dict[str, pd.DataFrame], lang: str) -> None:
    last = last_own_change(history["change_sets"], user.username)
    with st.container(horizontal=True, vertical_alignment="center", key="asg_undo"):
        if last is None:
            st.caption(t("undo_none", lang))
            return
        when = pd.Timestamp(last["created_at"]).strftime("%Y-%m-%d %H:%M")
        st.caption(
            t(
                "undo_last",
                lang,
                id=int(last["id"]),
                when=when,
                reason=md_escape(last["reason"]),
            )
        )
        st.button(
            t("undo_button", lang),
            key="asg_undo_button",
            icon=":material/undo:",
            on_click=undo_last,
            args=(int(last["id"]), lang),
        )
