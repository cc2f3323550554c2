"""The app's database engines: one per URL, shared by every page.

:func:`engine` is a Streamlit resource (one connection pool per database
URL for the whole app); pages and loaders take it from here (the employer
search page re-exports it as ``employer_search.engine``).
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from twonet.db.engine import get_engine


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    """Return the (shared) engine of a database URL."""
    return get_engine(url)
