"""TwoNet map app: the Streamlit entry point, a router only.

Run with ``streamlit run app.py`` (or ``twonet app``); the database is the
one named by ``TWONET_DATABASE_URL`` or the embedded SpatiaLite default.
The login box (:mod:`maps.auth`) sits at the foot of the sidebar: the
人员分配 page needs a user, the map, search and review pages do not.
"""

from __future__ import annotations

import streamlit as st

from maps import auth, url_state
from maps.i18n import DEFAULT_LANG, LANGUAGES, t
from maps.pages import (
    assignments,
    coverage,
    employer_search,
    grid_map,
    hotspots,
    imports,
    review,
)
from maps.zh_widgets import localize_builtins

_LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}

# the language is kept in the URL (?lang=en) like each page's view
url_state.sync(
    url_state.APP,
    (url_state.choice("lang", "lang", LANGUAGES),),
    {"lang": DEFAULT_LANG},
)
st.set_page_config(
    page_title=t("app_title", st.session_state.get("lang", DEFAULT_LANG)),
    page_icon="🗺️",
    layout="wide",
)
st.session_state.setdefault("lang", DEFAULT_LANG)
with st.sidebar:
    lang = st.radio(
        t("language", DEFAULT_LANG),
        LANGUAGES,
        key="lang",
        format_func=_LANGUAGE_NAMES.__getitem__,
        horizontal=True,
    )
localize_builtins(lang)

page = st.navigation(
    [
        st.Page(
            grid_map.render,
            title=t("page_grid_map", lang),
            icon=":material/map:",
            url_path="grid-map",
            default=True,
        ),
        st.Page(
            employer_search.render,
            title=t("page_employers", lang),
            icon=":material/factory:",
            url_path="employers",
        ),
        st.Page(
            review.render,
            title=t("page_review", lang),
            icon=":material/rule:",
            url_path="review",
        ),
        st.Page(
            assignments.render,
            title=t("page_assignments", lang),
            icon=":material/groups:",
            url_path="assignments",
        ),
        st.Page(
            coverage.render,
            title=t("page_coverage", lang),
            icon=":material/travel_explore:",
            url_path="coverage",
        ),
        st.Page(
            hotspots.render,
            title=t("page_hotspots", lang),
            icon=":material/local_fire_department:",
            url_path="hotspots",
        ),
        st.Page(
            imports.render,
            title=t("page_imports", lang),
            icon=":material/history:",
            url_path="imports",
        ),
    ]
)
page.run()
url_state.flush()
# last in the sidebar: a small entry on the map pages, open where a login is needed
auth.sidebar(lang, expanded=page.url_path == "assignments")
