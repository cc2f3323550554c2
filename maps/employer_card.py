"""单位详情 / The employer card: grades, wage-arrears warning, record history.

Drawn under the employer search page's table: one employer of the page is
picked (in the select box, or by clicking its row), and its card shows the
integrity grade of the last full year and of the current year to date with
their reasons, its wage-arrears warning with the months, and its
inspections, violations and complaints, newest first.

Also the loader of the marks drawn on employer points (:func:`map_marks`):
the warnings and grades of every point of a view come from one query.

Loaders are cached (:func:`st.cache_data`); the services are
:func:`twonet.grades.employer_standing`, :func:`twonet.grades.view_standings`
and :func:`twonet.db.employer_records.employer_history`; the text is
:mod:`maps.employer_standing`'s.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from maps.downloads import table_downloads
from maps.employer_standing import (
    PointMark,
    history_frame,
    mark_legend,
    point_marks,
    standing_rows,
)
from maps.engines import engine
from maps.i18n import t
from maps.styles import card_markup
from maps.text import md_escape, t_md
from maps.widgets import bound, init_state
from twonet import grades
from twonet.db.employer_records import employer_history
from twonet.errors import TwoNetError

#: Session value: the USCC of the employer shown (``""``: none).
DETAIL = "emp_detail"
#: Most records listed in the history table.
HISTORY_ROWS = 50


# ------------------------------------------------------------------ loaders
@st.cache_data(show_spinner=False, ttl=600)
def standing(url: str, uscc: str, year: int, as_of: dt.date) -> dict[str, object]:
    """Return one employer's grade for ``year`` and warning on ``as_of``."""
    return grades.employer_standing(engine(url), uscc, year=year, as_of=as_of)


@st.cache_data(show_spinner=False, ttl=600)
def history(url: str, uscc: str) -> pd.DataFrame:
    """Return one employer's inspections, violations and complaints, newest first."""
    return employer_history(engine(url), uscc)


@st.cache_data(show_spinner=False, ttl=600)
def view_standings(url: str, usccs: tuple[str, ...], as_of: dt.date) -> pd.DataFrame:
    """Return the warnings and last year's grades of the employers of a view."""
    return grades.view_standings(engine(url), usccs, as_of=as_of)


def map_marks(
    url: str, points: pd.DataFrame, lang: str, as_of: dt.date | None = None
) -> tuple[dict[str, PointMark], list[tuple[str, str]]]:
    """Return the marks of a view's points and their legend entries.

    One query for all the points (:func:`view_standings`); the grades are
    those of the year before ``as_of`` (default today).
    """
    as_of = as_of or dt.date.today()
    if points.empty:
        return {}, []
    usccs = tuple(sorted(points["uscc"].astype(str).unique()))
    year = as_of.year - 1
    marks = point_marks(view_standings(url, usccs, as_of), year=year, lang=lang)
    return marks, mark_legend(year, lang)


# --------------------------------------------------------------------- card
def pick_row(rows: pd.DataFrame, table_key: str) -> None:
    """Show the employer of the row clicked in table ``table_key`` (a callback)."""
    event = st.session_state.get(table_key)
    chosen = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    if chosen and 0 <= int(chosen[0]) < len(rows):
        st.session_state[DETAIL] = str(rows["uscc"].iloc[int(chosen[0])])
    else:  # the row was unticked: no card
        st.session_state[DETAIL] = ""


def render_card(url: str, rows: pd.DataFrame, lang: str) -> None:
    """Draw the picker of the page's employers and the card of the one picked.

    Parameters
    ----------
    url : str
        Database URL.
    rows : DataFrame
        The employers of the current result page (``uscc``, ``name``).
    lang : {"zh", "en"}
    """
    init_state({DETAIL: ""})
    usccs = rows["uscc"].astype(str).tolist()
    names = dict(zip(usccs, rows["name"].astype(str), strict=True))
    if st.session_state[DETAIL] not in names:
        st.session_state[DETAIL] = ""
    st.subheader(t("emp_card_title", lang))
    st.selectbox(
        t("emp_card_pick", lang),
        ["", *usccs],
        format_func=lambda u: (
            f"{names[u]} · {u}" if u else t("emp_card_pick_none", lang)
        ),
        help=t("emp_card_pick_help", lang),
        **bound(DETAIL, lang),
    )
    uscc = str(st.session_state[DETAIL])
    if uscc:
        _card(url, uscc, names[uscc], lang)


def _card(url: str, uscc: str, name: str, lang: str) -> None:
    today = dt.date.today()
    try:
        this_year = standing(url, uscc, today.year, today)
        last_year = standing(url, uscc, today.year - 1, today)
        records = history(url, uscc)
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("emp_card_error", lang, error=exc))
        return
    st.markdown(f"#### {md_escape(name)}")
    rows = [
        (t("emp_field_uscc", lang), uscc),
        *standing_rows(last_year, this_year, lang),
    ]
    st.markdown(card_markup(rows), unsafe_allow_html=True)
    st.markdown(f"##### {t('emp_history_title', lang)}")
    if records.empty:
        st.info(t("emp_history_none", lang))
        return
    shown = records.head(HISTORY_ROWS)
    st.caption(t("emp_history_shown", lang, shown=len(shown), n=len(records)))
    st.dataframe(history_frame(shown, lang), hide_index=True, key="emp_history")
    table_downloads(
        lambda: history_frame(records, lang),
        None,
        f"{t('dl_employer_records', lang)}{uscc}",
        lang,
        key="emp_history",
    )
