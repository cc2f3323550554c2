"""Chinese for the few texts Streamlit writes itself, in English only.

Most built-in widget texts have a supported switch, used where the widgets
are drawn: ``placeholder=`` replaces "Choose an option" / "Choose options",
``select_all=False`` removes a multiselect's "Select all" row, and
``client.toolbarMode = "minimal"`` (``.streamlit/config.toml``) hides the
Deploy button and the English main menu.  Streamlit 1.67 has no option for
the empty state of a selectbox or multiselect dropdown ("No results"), so
:func:`localize_builtins` adds a small style sheet that hides that text and
shows the Chinese one in its place.

The rule relies on the dropdowns' test ids (``stSelectboxVirtualDropdown``,
``stMultiSelectDropdown``) and on the empty state being the only ``span``
inside an ``option`` (real options hold a ``div``): check it again when
Streamlit is upgraded (``tests/test_browser_chinese.py`` does).
"""

from __future__ import annotations

import streamlit as st

from maps.i18n import t

_DROPDOWNS = (
    '[data-testid="stSelectboxVirtualDropdown"]',
    '[data-testid="stMultiSelectDropdown"]',
)


def builtin_text_css(lang: str) -> str:
    """Return the style sheet that puts ``lang``'s texts in Streamlit's place.

    Empty for English, Streamlit's own language.

    Examples
    --------
    >>> "无匹配项" in builtin_text_css("zh"), builtin_text_css("en")
    (True, '')
    """
    if lang == "en":
        return ""
    empty = ", ".join(f'{d} [role="option"] > span:only-child' for d in _DROPDOWNS)
    after = ", ".join(
        f'{d} [role="option"] > span:only-child::after' for d in _DROPDOWNS
    )
    text = t("widget_no_results", lang).replace('"', "")
    return (
        f"<style>{empty} {{ visibility: hidden; position: relative; }}"
        f'{after} {{ content: "{text}"; visibility: visible; position: absolute;'
        " left: 0; right: 0; text-align: center; }</style>"
    )


def localize_builtins(lang: str) -> None:
    """Add the style sheet of :func:`builtin_text_css` to the page (no space)."""
    css = builtin_text_css(lang)
    if css:
        st.html(css)
