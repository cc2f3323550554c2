"""The 人员分配 page's panels: a cell's staff, a person's cells, tables in a language.

Frames come from :mod:`maps.staffing_data` (already cut to the user's
sight); this module only puts them in front of people: labels in the
language chosen, numbers formatted, outside text escaped.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from maps.downloads import table_downloads
from maps.i18n import level_label, t
from maps.staffing_map import status_label
from maps.styles import card_markup
from maps.text import md_escape
from twonet.db.models import DUTIES, STAFF_KINDS


def kind_label(kind: object, lang: str) -> str:
    """Return a staff kind (stored value or Chinese label) in ``lang``.

    Examples
    --------
    >>> kind_label("assistant", "zh"), kind_label("专职监察员", "en")
    ('协管员', 'full-time inspector')
    """
    return _label(kind, STAFF_KINDS, lang)


def duty_label(duty: object, lang: str) -> str:
    """Return a duty (stored value or Chinese label) in ``lang``.

    Examples
    --------
    >>> duty_label("responsible", "zh"), duty_label("协管员", "en")
    ('责任监察员', 'assistant')
    """
    return _label(duty, DUTIES, lang)


def _label(value: object, table: dict[str, tuple[str, str]], lang: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    for code, (zh, en) in table.items():
        if value in (code, zh):
            return en if lang == "en" else zh
    return str(value)


def _text(value: Any) -> str:
    """Return a value as text; missing values (None, NaN, NA) as ``""``."""
    return "" if value is None or pd.isna(value) else str(value)


def _date(value: Any) -> str:
    return _text(value)[:10]


def staff_label(row: Any, lang: str) -> str:
    """Return ``张三 · 370211X0001 · 协管员`` for a staff row (selectbox text)."""
    return f"{row['name']} · {row['staff_id']} · {kind_label(row['kind'], lang)}"


def cell_names(cells: pd.DataFrame) -> dict[str, str]:
    """Return code → name of every cell of the staffing data."""
    return dict(zip(cells["code"].astype(str), cells["name"].astype(str), strict=True))


def assignment_table(
    jobs: pd.DataFrame, loads: pd.DataFrame, lang: str, *, by_cell: bool
) -> pd.DataFrame:
    """Return assignments as people read them.

    ``by_cell``: the table of one cell — its people, each with their whole
    workload; otherwise of one person — their cells.
    """
    load = loads.set_index("staff_id") if len(loads) else None

    def of(column: str) -> pd.Series:
        if load is None:
            return pd.Series(0, index=jobs.index)
        return jobs["staff_id"].map(load[column]).fillna(0).astype(int)

    duty = {t("col_duty", lang): jobs["duty"].map(lambda d: duty_label(d, lang))}
    dates = {
        t("col_valid_from", lang): jobs["valid_from"].map(_date),
        t("col_valid_to", lang): jobs["valid_to"].map(_date),
    }
    if not by_cell:  # one person's cells: the load is theirs, on the card
        return pd.DataFrame(
            {
                t("field_code", lang): jobs["cell_code"],
                t("field_name", lang): jobs["cell_name"],
                **duty,
                **dates,
            }
        )
    return pd.DataFrame(
        {
            t("col_staff_id", lang): jobs["staff_id"],
            t("col_staff_name", lang): jobs["staff_name"],
            t("col_kind", lang): jobs["staff_kind"].map(lambda k: kind_label(k, lang)),
            **duty,
            t("col_person_employers", lang): of("employers"),
            t("col_person_workers", lang): of("workers"),
            **dates,
        }
    )


def cell_panel(data: dict[str, Any], code: str, lang: str) -> None:
    """Draw one cell: status, staff counts, load, children by status, its staff."""
    cells = data["cells"].set_index("code")
    if code not in cells.index:
        return
    cell = cells.loc[code]
    status = data["status"].set_index("code")
    row = status.loc[code] if code in status.index else None
    load = data["load"].set_index("cell_code")
    employers = int(load["employers"].get(code, 0))
    workers = int(load["workers"].get(code, 0))
    st.markdown(f"#### {md_escape(cell['name'])} · {md_escape(code)}")
    facts = [
        (t("field_level", lang), level_label(cell["level"], lang)),
        (
            t("field_status", lang),
            status_label(str(row["status"]) if row is not None else "", lang),
        ),
        (
            t("field_staff", lang),
            t(
                "staff_counts",
                lang,
                assistants=int(row["assistants"]) if row is not None else 0,
                inspectors=int(row["inspectors"]) if row is not None else 0,
            ),
        ),
        (t("col_employers", lang), f"{employers:,}"),
        (t("col_workers", lang), f"{workers:,}"),
    ]
    children = cells.index[cells["parent_code"] == code]
    if len(children):
        kids = status[status.index.isin(children)]["status"].value_counts()
        facts.append(
            (
                t("children_status", lang),
                " · ".join(
                    f"{status_label(s, lang)} {int(n)}" for s, n in kids.items()
                ),
            )
        )
    st.markdown(card_markup(facts), unsafe_allow_html=True)
    jobs = data["assignments"]
    here = jobs[jobs["cell_code"] == code]
    if here.empty:
        st.caption(t("cell_no_staff", lang))
        return
    shown = assignment_table(here, data["workload"], lang, by_cell=True)
    st.dataframe(shown, hide_index=True, key="asg_cell_table")
    stem = f"{t('dl_cell_staff', lang)}{code}"
    table_downloads(shown, None, stem, lang, key="asg_cell_table")


def person_panel(data: dict[str, Any], staff_id: str, lang: str) -> None:
    """Draw one person: card (personal data as the role may see it), load, cells."""
    staff = data["staff"].set_index("staff_id")
    if staff_id not in staff.index:
        return
    person = staff.loc[staff_id]
    names = cell_names(data["cells"])
    loads = data["workload"].set_index("staff_id")
    load = loads.loc[staff_id] if staff_id in loads.index else None
    unit = str(person["unit_code"] or "")
    st.markdown(f"#### {md_escape(person['name'])} · {md_escape(staff_id)}")
    span = (
        f"{_date(person['active_from']) or '…'} – {_date(person['active_to']) or '…'}"
    )
    facts = [
        (t("col_kind", lang), kind_label(person["kind"], lang)),
        (t("col_unit", lang), f"{names.get(unit, '')} {unit}".strip()),
        (t("col_phone", lang), _text(person["phone"])),
        (t("col_id_number", lang), _text(person["id_number"])),
        (t("col_active", lang), span),
    ]
    for key, column in (
        ("col_cells", "cells"),
        ("col_person_employers", "employers"),
        ("col_person_workers", "workers"),
    ):
        facts.append(
            (t(key, lang), f"{int(load[column]) if load is not None else 0:,}")
        )
    st.markdown(card_markup(facts), unsafe_allow_html=True)
    jobs = data["assignments"]
    mine = jobs[jobs["staff_id"] == staff_id]
    if mine.empty:
        st.caption(t("person_no_cells", lang))
        return
    shown = assignment_table(mine, data["workload"], lang, by_cell=False)
    st.dataframe(shown, hide_index=True, key="asg_person_table")
    stem = f"{t('dl_person_cells', lang)}{staff_id}"
    table_downloads(shown, None, stem, lang, key="asg_person_table")
