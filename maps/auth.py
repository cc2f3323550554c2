"""Log in and out of the app: the sidebar form and the session's user.

:func:`twonet.accounts.authenticate` checks the password on the app's own
engine; then :func:`twonet.accounts.engine_for_user` opens the engine the
pages use for this user (on PostGIS the user's own login role, which the
database holds to their jurisdiction).  The session keeps the
:class:`~twonet.permissions.User` and that engine — never the password: the
form is cleared when it is sent.  Logging out disposes of the engine.

Pages that show staff or assignments call :func:`current_user` and, without
a user, ask to log in; the map, search and review pages work without one.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from maps.i18n import level_label, t
from maps.messages import localised
from maps.text import md_escape
from twonet.accounts import authenticate, engine_for_user
from twonet.db.engine import default_url, get_engine
from twonet.errors import TwoNetError
from twonet.permissions import User

USER = "auth_user"
ENGINE = "auth_engine"
_ERROR = "auth_error"
_NAME = "auth_username"
_PASSWORD = "auth_password"
#: Session keys of pages that hold a user's work; dropped at logout.
USER_STATE_PREFIX = "asg_"


@st.cache_resource(show_spinner=False)
def _app_engine(url: str) -> Engine:
    """Return the app's own engine (checks passwords; reads ``app_user``)."""
    return get_engine(url)


def current_user() -> User | None:
    """Return the logged-in user, or ``None``."""
    user = st.session_state.get(USER)
    return user if isinstance(user, User) else None


def user_engine() -> Engine:
    """Return the logged-in user's engine (call only with a user)."""
    engine = st.session_state.get(ENGINE)
    if not isinstance(engine, Engine):
        msg = "no user is logged in"
        raise RuntimeError(msg)
    return engine


def _log_in(lang: str) -> None:
    """Form callback: check the password, open the user's engine."""
    username = str(st.session_state.get(_NAME) or "").strip()
    password = str(st.session_state.get(_PASSWORD) or "")
    st.session_state[_PASSWORD] = ""
    if not username or not password:
        st.session_state[_ERROR] = t("login_missing", lang)
        return
    url = default_url()
    try:
        user = authenticate(_app_engine(url), username, password)
        engine = engine_for_user(url, user, password)
        with engine.connect():
            pass  # the user's own connection must open now, not on the page
    except TwoNetError as exc:
        st.session_state[_ERROR] = localised(exc, lang)
        return
    except SQLAlchemyError as exc:
        st.session_state[_ERROR] = t("login_db_error", lang, error=exc)
        return
    log_out()
    st.session_state[USER] = user
    st.session_state[ENGINE] = engine
    st.session_state.pop(_ERROR, None)


def log_out() -> None:
    """Forget the user, dispose of their engine and drop their page state."""
    engine = st.session_state.pop(ENGINE, None)
    if isinstance(engine, Engine):
        engine.dispose()
    st.session_state.pop(USER, None)
    for key in [k for k in st.session_state if str(k).startswith(USER_STATE_PREFIX)]:
        del st.session_state[key]


def role_label(user: User, lang: str) -> str:
    """Return the user's role in ``lang`` (``分配主管`` / ``manager``)."""
    return t(f"role_{user.role.value}", lang)


def sidebar(lang: str, *, expanded: bool) -> None:
    """Draw who is logged in and a log-out button, or the login form.

    Parameters
    ----------
    lang : {"zh", "en"}
    expanded : bool
        Open the login form (on a page that needs a user); otherwise it is
        a small entry at the foot of the sidebar.
    """
    user = current_user()
    with st.sidebar, st.container(key="login_box"):
        if user is not None:
            st.caption(
                t(
                    "login_as",
                    lang,
                    name=md_escape(user.name),
                    role=role_label(user, lang),
                    code=md_escape(user.jurisdiction_code or ""),
                )
            )
            st.button(t("logout", lang), key="logout_button", on_click=log_out)
            return
        with st.expander(t("login_title", lang), expanded=expanded):
            with st.form("login_form", clear_on_submit=True, border=False):
                st.text_input(t("login_username", lang), key=_NAME)
                st.text_input(t("login_password", lang), type="password", key=_PASSWORD)
                st.form_submit_button(
                    t("login_button", lang), on_click=_log_in, args=(lang,)
                )
            error = st.session_state.get(_ERROR)
            if error:
                st.error(md_escape(error))


def jurisdiction_text(
    user: User, name: str | None, level: str | None, lang: str
) -> str:
    """Return ``黄岛区（县/区，370211）``: the user's jurisdiction, Markdown-safe."""
    code = user.jurisdiction_code or ""
    where = f"{level_label(level, lang)}, {code}" if level else code
    return f"{md_escape(name or code)} ({md_escape(where)})"
