"""导入记录 / Import history: every import run, its rejects, the unplaced.

Lists the import runs, newest first (table, file, time, outcome, person,
rows read / accepted / rejected / warned), downloadable; for the run chosen,
its rejected and warned rows (row, column, value, reason in the chosen
language), downloadable; and the employers no import could place in a cell
(placement 未定位), downloadable, with a pointer to the review queue.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from maps import import_view
from maps.downloads import EMPLOYER_COLUMNS, table_downloads
from maps.engines import engine
from maps.i18n import t
from maps.pages import employer_search as loaders
from maps.text import t_md
from maps.widgets import current_lang
from twonet.db import import_runs
from twonet.db.employer_queries import EmployerFilter
from twonet.db.engine import default_url
from twonet.errors import TwoNetError

#: Runs listed (the newest).
RUN_LIMIT = 500
#: Unplaced employers listed on the page (the download holds them all).
UNPLACED_SHOWN = 200
_RUN = "imports_run"
_UNPLACED = EmployerFilter(method="none")


@st.cache_data(show_spinner=False, ttl=30)
def history(url: str) -> pd.DataFrame:
    """Return the latest import runs with their counts."""
    return import_runs.import_history(engine(url), limit=RUN_LIMIT)


@st.cache_data(show_spinner=False, ttl=30)
def problems(url: str, run_id: int) -> pd.DataFrame:
    """Return the rejected and warned rows of one run."""
    return import_runs.run_problems(engine(url), run_id)


def render() -> None:
    """Draw the import history page."""
    lang = current_lang()
    url = default_url()
    st.title(t("imp_title", lang))
    st.caption(t("imp_intro", lang))
    try:
        runs = history(url)
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        st.info(t("database_hint", lang))
        return
    if runs.empty:
        st.info(t("imp_none", lang))
    else:
        _runs(url, runs, lang)
    _unplaced(url, lang)


def _runs(url: str, runs: pd.DataFrame, lang: str) -> None:
    st.subheader(t("imp_runs", lang, n=len(runs)))
    shown = import_view.runs_table(runs, lang)
    st.dataframe(
        import_view.blank_missing(shown), hide_index=True, key="imports_runs_table"
    )
    table_downloads(shown, None, t("imp_file_runs", lang), lang, key="imports_runs")
    records: dict[int, dict[str, Any]] = {
        int(r["id"]): {str(k): v for k, v in r.items()} for r in runs.to_dict("records")
    }
    if st.session_state.get(_RUN) not in records:
        st.session_state[_RUN] = next(iter(records))
    chosen = st.selectbox(
        t("imp_pick", lang),
        list(records),
        format_func=lambda i: import_view.run_label(records[i], lang),
        key=_RUN,
    )
    run_id = int(chosen if chosen is not None else next(iter(records)))
    run = records[run_id]
    if isinstance(run["error"], str) and run["error"]:
        st.error(t_md("imp_error", lang, error=run["error"]))
    found = problems(url, run_id)
    st.markdown(f"**{t('imp_problems', lang, id=run_id, n=len(found))}**")
    if found.empty:
        st.info(t("imp_no_problems", lang))
        return
    table = import_view.problems_table(found, lang)
    st.dataframe(table, hide_index=True, key="imports_problems_table")
    table_downloads(
        table,
        None,
        t("imp_file_problems", lang, id=run_id),
        lang,
        key="imports_problems",
    )


def _unplaced(url: str, lang: str) -> None:
    try:
        found = loaders.search(url, _UNPLACED, 0, None)
        directory = loaders.cell_directory(url, dt.date.today())
    except (TwoNetError, SQLAlchemyError) as exc:
        st.error(t_md("database_error", lang, error=exc))
        return
    st.subheader(t("imp_unplaced", lang, n=f"{found.total:,}"))
    if not found.total:
        st.info(t("imp_unplaced_none", lang))
        return
    st.caption(t("imp_unplaced_help", lang))
    names = dict(zip(directory["code"], directory["name"], strict=True))
    rows = found.rows
    st.dataframe(
        import_view.blank_missing(
            loaders.display_frame(rows.head(UNPLACED_SHOWN), names, lang)
        ),
        hide_index=True,
        key="imports_unplaced_table",
    )
    if len(rows) > UNPLACED_SHOWN:
        st.caption(t("imp_unplaced_shown", lang, shown=UNPLACED_SHOWN, n=len(rows)))
    table_downloads(
        rows,
        EMPLOYER_COLUMNS,
        t("imp_file_unplaced", lang),
        lang,
        key="imports_unplaced",
        names=names,
    )
