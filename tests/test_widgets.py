"""One per-language widget binding for every page: :mod:`maps.widgets`."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script() -> None:
    import streamlit as st

    from maps.widgets import bound, current_lang, init_state, sync

    init_state({"w_level": "a", "w_page": 3, "w_flags": [], "w_text": ""})

    def first_page() -> None:
        st.session_state["w_page"] = 1

    lang = current_lang()
    st.selectbox(f"level {lang}", ["a", "b"], **bound("w_level", lang, then=first_page))
    st.multiselect(f"flags {lang}", ["p", "q"], **bound("w_flags", lang))
    st.text_input(f"text {lang}", **bound("w_text", lang))
    st.button(
        "read", on_click=lambda: st.session_state.update(read=sync("w_text", lang))
    )


def test_a_bound_widget_keeps_its_value_across_languages() -> None:
    at = AppTest.from_function(_script).run()
    assert at.selectbox(key="w_level__zh").value == "a"
    at.selectbox(key="w_level__zh").set_value("b")
    at.multiselect(key="w_flags__zh").select("q").run()
    assert not at.exception
    assert at.session_state["w_level"] == "b" and at.session_state["w_page"] == 1
    assert at.session_state["w_flags"] == ["q"]

    at.session_state["lang"] = "en"
    at.run()
    assert at.selectbox(key="w_level__en").value == "b"
    assert at.multiselect(key="w_flags__en").value == ["q"]
    assert at.selectbox[0].label == "level en"
    assert not at.warning  # no "value set via Session State API" warnings


def test_then_runs_only_on_a_change_and_sync_reads_the_widget() -> None:
    at = AppTest.from_function(_script).run()
    at.text_input(key="w_text__zh").input("abc").run()
    assert at.session_state["w_page"] == 3  # only the level resets the page
    assert at.session_state["w_text"] == "abc"
    at.button[0].click().run()
    assert at.session_state["read"] == "abc"
