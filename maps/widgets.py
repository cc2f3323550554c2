"""Widgets bound to plain session values, keyed per language.

Every page keys its widgets per language (``grid_level__zh``,
``emp_cell__en``): Streamlit would otherwise keep a widget's old labels and
options after the language changes.  The value itself lives in a plain
session key (``grid_level``), copied into the widget's key before the widget
is drawn and back out in its ``on_change`` callback, so it survives a
language switch and other pages can read it.

Usage::

    init_state({"emp_level": "", "emp_flags": []})
    st.selectbox(label, options, **bound("emp_level", lang, then=first_page))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

from maps.i18n import DEFAULT_LANG


def current_lang() -> str:
    """Return the language chosen in the sidebar (default Chinese)."""
    return str(st.session_state.get("lang", DEFAULT_LANG))


def init_state(defaults: Mapping[str, Any]) -> None:
    """Set the session values not set yet (lists are copied, never shared)."""
    for name, value in defaults.items():
        st.session_state.setdefault(
            name, list(value) if isinstance(value, list) else value
        )


def widget_key(name: str, lang: str) -> str:
    """Return the session key of widget ``name`` drawn in ``lang``.

    Examples
    --------
    >>> widget_key("grid_level", "en")
    'grid_level__en'
    """
    return f"{name}__{lang}"


def bound(
    name: str, lang: str, *, then: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Bind a widget to session value ``name``; return its keyword arguments.

    Copies the value into the widget's key for ``lang`` and returns ``key``,
    ``on_change`` and ``args`` for the widget call: on a change the widget's
    value is copied back into ``name``, then ``then()`` runs (resetting a
    pager, a dependent filter …).

    Parameters
    ----------
    name : str
        The plain session key holding the value (set it first,
        :func:`init_state`).
    lang : str
        The language the widget is drawn in.
    then : callable, optional
        Called without arguments after the value is stored.
    """
    key = widget_key(name, lang)
    st.session_state[key] = st.session_state[name]
    return {"key": key, "on_change": _store, "args": (name, key, then)}


def sync(name: str, lang: str) -> Any:
    """Copy the widget value of ``name`` in ``lang`` into ``name``; return it.

    For a button callback that reads a text input whose ``on_change`` may
    not have run yet.
    """
    key = widget_key(name, lang)
    if key in st.session_state:
        st.session_state[name] = st.session_state[key]
    return st.session_state[name]


def _store(name: str, key: str, then: Callable[[], None] | None) -> None:
    st.session_state[name] = st.session_state[key]
    if then is not None:
        then()
