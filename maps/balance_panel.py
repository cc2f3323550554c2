"""The balancing suggestion on the 人员分配 page (工作量均衡).

For users who may change a whole county (a manager of a county or above):
:func:`twonet.balance.balance_county` runs on the user's engine with a short
time limit, CP-SAT beside the greedy baseline of the same run; the page
shows the measures before and after each, the changes of the answer chosen
(the lower objective) and hands its change set to the ordinary preview →
apply path (:func:`maps.change_flow.request_preview`).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from maps.change_flow import preview_panel, request_preview, show_flash
from maps.downloads import table_downloads
from maps.i18n import t
from maps.messages import localised
from maps.staffing_panels import duty_label
from maps.text import md_escape
from maps.widgets import bound, init_state
from twonet.balance import balance_county, change_set_document
from twonet.errors import TwoNetError
from twonet.permissions import User, can_change

_COUNTY = "asg_b_county"
_BY = "asg_b_by"
_DUTY = "asg_b_duty"
_SECONDS = "asg_b_seconds"
_MOVES = "asg_b_moves"
_RUN = "asg_b_run"
_RESULT = "asg_b_result"
MEASURES = ("employers", "workers", "risk")
BALANCED_DUTIES = ("assistant", "responsible")


def balance_counties(user: User, cells: pd.DataFrame) -> list[str]:
    """Return the counties ``user`` may change as a whole (may balance)."""
    counties = cells[cells["level"] == "county"]["code"]
    return [str(c) for c in counties if can_change(user, str(c))]


def _number(value: float, digits: int = 2) -> str:
    return "∞" if math.isinf(value) else f"{value:,.{digits}f}"


def metrics_table(result: Any, lang: str) -> pd.DataFrame:
    """Return before / CP-SAT / greedy measures of a county's balancing."""
    rows = (
        (t("bal_before", lang), result.cp_sat.before, None),
        ("CP-SAT", result.cp_sat.after, result.cp_sat),
        (t("bal_greedy", lang), result.greedy.after, result.greedy),
    )
    records = []
    for label, m, solved in rows:
        records.append(
            {
                t("bal_row", lang): label,
                t("bal_ratio", lang): _number(m.ratio),
                t("bal_std", lang): _number(m.std_load),
                t("bal_max", lang): _number(m.max_load, 1),
                t("bal_min", lang): _number(m.min_load, 1),
                t("bal_moves", lang): m.moves,
                t("bal_km", lang): _number(m.distance_km, 1),
                t("bal_short", lang): m.shortfall,
                t("bal_idle", lang): m.idle,
                t("bal_objective", lang): _number(m.objective, 0),
                t("bal_seconds", lang): ""
                if solved is None
                else f"{solved.seconds:.1f}",
            }
        )
    return pd.DataFrame(records)


def _cells(change: dict[str, Any]) -> tuple[str, str]:
    """Return the cell a change takes a person from and the one it gives them.

    Examples
    --------
    >>> _cells({"op": "add", "cell": "1"})
    ('', '1')
    >>> _cells({"op": "move", "from": "1", "to": "2"})
    ('1', '2')
    """
    if change["op"] == "add":
        return "", str(change.get("cell", ""))
    if change["op"] in ("remove", "swap"):
        return str(change.get("cell", "")), str(change.get("other_cell", ""))
    return str(change.get("from", "")), str(change.get("to", ""))


def _changes_table(changes: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_op", lang): [t(f"op_{c['op']}", lang) for c in changes],
            t("col_staff_id", lang): [c["staff_id"] for c in changes],
            t("form_from", lang): [_cells(c)[0] for c in changes],
            t("form_to", lang): [_cells(c)[1] for c in changes],
        }
    )


def _ask(lang: str) -> None:
    st.session_state[_RUN] = True
    st.session_state.pop(_RESULT, None)


def _run(engine: Any, lang: str) -> None:
    """Balance the county chosen (in the script run: it shows a spinner)."""
    st.session_state[_RUN] = False
    county = st.session_state[_COUNTY]
    moves = int(st.session_state[_MOVES]) or None
    try:
        with st.spinner(t("bal_running", lang, seconds=st.session_state[_SECONDS])):
            result = balance_county(
                engine,
                county,
                time_limit=float(st.session_state[_SECONDS]),
                by=st.session_state[_BY],
                duty=st.session_state[_DUTY],
                max_moves=moves,
            )
    except (TwoNetError, SQLAlchemyError) as exc:
        st.session_state[_RESULT] = {"error": localised(exc, lang)}
        return
    document = change_set_document(result, effective=dt.date.today())
    st.session_state[_RESULT] = {
        "error": None,
        "county": county,
        "metrics": result,
        "chosen": result.chosen.solver,
        "document": document,
    }


def balance_panel(
    user: User, engine: Any, cells: pd.DataFrame, names: dict[str, str], lang: str
) -> None:
    """Draw the balancing controls, the last answer and its preview."""
    counties = balance_counties(user, cells)
    if not counties:
        st.caption(t("bal_not_allowed", lang))
        return
    init_state(
        {
            _COUNTY: counties[0],
            _BY: "employers",
            _DUTY: "assistant",
            _SECONDS: 5,
            _MOVES: 30,
            _RUN: False,
        }
    )
    if st.session_state[_COUNTY] not in counties:
        st.session_state[_COUNTY] = counties[0]
    st.caption(t("bal_intro", lang))
    with st.container(horizontal=True, vertical_alignment="bottom", key="asg_bal"):
        st.selectbox(
            t("bal_county", lang),
            counties,
            format_func=lambda c: f"{names.get(c, '')} · {c}",
            **bound(_COUNTY, lang),
        )
        st.selectbox(
            t("bal_by", lang),
            list(MEASURES),
            format_func=lambda m: t(f"bal_by_{m}", lang),
            **bound(_BY, lang),
        )
        st.selectbox(
            t("form_duty", lang),
            list(BALANCED_DUTIES),
            format_func=lambda d: duty_label(d, lang),
            **bound(_DUTY, lang),
        )
        st.number_input(
            t("bal_seconds_input", lang),
            min_value=1,
            max_value=60,
            **bound(_SECONDS, lang),
        )
        st.number_input(
            t("bal_moves_input", lang),
            min_value=0,
            max_value=500,
            **bound(_MOVES, lang),
        )
        st.button(
            t("bal_button", lang), key="asg_bal_button", on_click=_ask, args=(lang,)
        )
    if st.session_state[_RUN]:
        _run(engine, lang)
    found = st.session_state.get(_RESULT)
    show_flash("balance")
    if found is None:
        return
    if found["error"]:
        st.error(md_escape(found["error"]))
        return
    st.dataframe(metrics_table(found["metrics"], lang), hide_index=True)
    changes = found["document"]["changes"]
    st.caption(
        t(
            "bal_chosen",
            lang,
            solver=t("bal_greedy", lang) if found["chosen"] == "greedy" else "CP-SAT",
            n=len(changes),
        )
    )
    if not changes:
        st.info(t("bal_nothing", lang))
        return
    table = _changes_table(changes, lang)
    st.dataframe(table, hide_index=True)
    table_downloads(table, None, t("dl_balance_moves", lang), lang, key="asg_bal_moves")
    st.button(
        t("bal_preview", lang),
        key="asg_bal_preview",
        on_click=request_preview,
        args=("balance", found["document"], lang),
    )
    preview_panel("balance", lang)
