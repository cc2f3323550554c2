"""Preview → apply → undo of a change set on the 人员分配 page.

A change set comes from the reassignment form or the balancing suggestion
as a document (``{"reason", "effective", "changes"}``, what
:func:`twonet.changes.change_set_from_dict` reads).  :func:`request_preview`
checks that the user may change every cell it names, previews it
(:func:`twonet.changes.preview`, through the user's engine) and keeps it
with the cell versions read; :func:`preview_panel` shows the cells, people
and breaches before and after, beside 提交 / 放弃.  提交 applies it
(:func:`twonet.changes.apply`, ``actor`` = the user, the versions read at
preview): a change made meanwhile by someone else is a conflict, shown right
there, naming the cell and who.  :func:`undo_last` undoes the user's newest
change set.  Messages wait in the session for the next run, in the panel of
the part of the page they came from (``origin``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from grid.staffing import RULE_LABELS
from maps.auth import current_user, user_engine
from maps.downloads import table_downloads
from maps.i18n import STRINGS, t
from maps.messages import localised
from maps.staffing_map import status_label
from maps.staffing_panels import duty_label, kind_label
from maps.text import md_escape
from twonet.change_steps import duty_text
from twonet.changes import apply, change_set_from_dict, preview, undo
from twonet.db.models import DUTIES
from twonet.errors import AssignmentConflictError, TwoNetError
from twonet.permissions import require_change

PENDING = "asg_pending"
_FLASH = "asg_flash"
#: Keys of a change that name cells.
_CELL_KEYS = ("from", "to", "cell", "other_cell", "under")


def flash(origin: str, kind: str, text: str) -> None:
    """Leave a message for the part of the page ``origin`` (shown once)."""
    st.session_state[_FLASH] = (origin, kind, text)


def show_flash(origin: str) -> None:
    """Show (once) the message left for this part of the page."""
    found = st.session_state.get(_FLASH)
    if not found or found[0] != origin:
        return
    del st.session_state[_FLASH]
    _, kind, text = found
    (st.success if kind == "success" else st.error)(md_escape(text))


def _named_cells(document: dict[str, Any]) -> list[str]:
    return [
        str(change[k])
        for change in document.get("changes", [])
        for k in _CELL_KEYS
        if change.get(k)
    ]


def _refused(exc: Exception, lang: str) -> str:
    if isinstance(exc, TwoNetError):
        return localised(exc, lang)
    return t("change_db_error", lang, error=exc)


# -------------------------------------------------------------- callbacks
def request_preview(origin: str, document: dict[str, Any], lang: str) -> None:
    """Preview ``document`` for the logged-in user; keep it or leave an error."""
    user = current_user()
    if user is None:
        return
    st.session_state.pop(PENDING, None)
    try:
        draft = change_set_from_dict(document)
        require_change(user, _named_cells(document))
        result = preview(user_engine(), draft)
        require_change(user, result.steps["cell_code"].astype(str))
    except (TwoNetError, SQLAlchemyError) as exc:
        flash(origin, "error", _refused(exc, lang))
        return
    st.session_state[PENDING] = {
        "origin": origin,
        "document": document,
        "preview": result,
        "error": None,
    }


def _apply(lang: str) -> None:
    user, pending = current_user(), st.session_state.get(PENDING)
    if user is None or not pending:
        return
    result = pending["preview"]
    try:
        require_change(user, result.steps["cell_code"].astype(str))
        done = apply(
            user_engine(),
            change_set_from_dict(pending["document"]),
            actor=user.username,
            versions=result.versions,
        )
    except AssignmentConflictError as exc:
        pending["error"] = t("conflict", lang, message=localised(exc, lang))
        return
    except (TwoNetError, SQLAlchemyError) as exc:
        pending["error"] = _refused(exc, lang)
        return
    st.session_state.pop(PENDING, None)
    flash(pending["origin"], "success", t("applied", lang, id=done))


def _discard() -> None:
    st.session_state.pop(PENDING, None)


def _again(lang: str) -> None:
    pending = st.session_state.get(PENDING)
    if pending:
        request_preview(pending["origin"], pending["document"], lang)


def undo_last(change_set_id: int, lang: str) -> None:
    """Undo the user's change set ``change_set_id`` (a button callback)."""
    user = current_user()
    if user is None:
        return
    try:
        done = undo(
            user_engine(),
            change_set_id,
            actor=user.username,
            reason=t("undo_reason", lang, id=change_set_id),
        )
    except (TwoNetError, SQLAlchemyError) as exc:
        flash("form", "error", _refused(exc, lang))
        return
    st.session_state.pop(PENDING, None)
    flash("form", "success", t("undone", lang, id=change_set_id, undo=done))


# ------------------------------------------------------------------ panel
def _staff_text(text: object, lang: str) -> str:
    """Return ``协管员 assistant: 张三 S1`` with the duty in ``lang`` only."""
    out = "" if text is None else str(text)
    for duty in DUTIES:
        out = out.replace(duty_text(duty), duty_label(duty, lang))
    return out or "—"


def _pair(before: Iterable[Any], after: Iterable[Any]) -> list[str]:
    return [
        f"{b}" if b == a else f"{b} → {a}" for b, a in zip(before, after, strict=True)
    ]


def _cells_table(cells: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("field_code", lang): cells["cell_code"],
            t("field_name", lang): cells["cell_name"],
            t("col_employers", lang): cells["employers"],
            t("col_workers", lang): cells["workers"],
            t("col_staff_before", lang): cells["staff_before"].map(
                lambda v: _staff_text(v, lang)
            ),
            t("col_staff_after", lang): cells["staff_after"].map(
                lambda v: _staff_text(v, lang)
            ),
            t("field_status", lang): _pair(
                cells["status_before"].map(lambda s: status_label(str(s), lang)),
                cells["status_after"].map(lambda s: status_label(str(s), lang)),
            ),
            t("col_breaches", lang): _pair(
                cells["breaches_before"], cells["breaches_after"]
            ),
        }
    )


def _people_table(people: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            t("col_staff_id", lang): people["staff_id"],
            t("col_staff_name", lang): people["name"],
            t("col_kind", lang): people["kind"].map(lambda k: kind_label(k, lang)),
            t("col_cells", lang): _pair(people["cells_before"], people["cells_after"]),
            t("col_person_employers", lang): _pair(
                people["employers_before"], people["employers_after"]
            ),
            t("col_person_workers", lang): _pair(
                people["workers_before"], people["workers_after"]
            ),
            t("col_breaches", lang): _pair(
                people["breaches_before"], people["breaches_after"]
            ),
        }
    )


def _known(key: str, value: object, lang: str) -> str:
    """Return string ``key`` in ``lang``, or ``value`` as it is when unknown."""
    return t(key, lang) if key in STRINGS else str(value)


def _breaches_table(breaches: pd.DataFrame, lang: str) -> pd.DataFrame:
    side = 1 if lang == "en" else 0
    return pd.DataFrame(
        {
            t("col_change", lang): breaches["change"].map(
                lambda c: _known(f"breach_{c}", c, lang)
            ),
            t("col_rule", lang): breaches["rule"].map(
                lambda r: RULE_LABELS.get(r, (r, r))[side]
            ),
            t("col_severity", lang): breaches["severity"].map(
                lambda s: _known(f"severity_{s}", s, lang)
            ),
            t("field_code", lang): breaches["cell_code"].fillna(""),
            t("col_staff_id", lang): breaches["staff_id"].fillna(""),
            t("col_message", lang): breaches[
                "message_en" if lang == "en" else "message_zh"
            ],
        }
    )


def preview_panel(origin: str, lang: str) -> None:
    """Draw the pending preview of ``origin`` with 提交 and 放弃 (if any)."""
    pending = st.session_state.get(PENDING)
    if not pending or pending["origin"] != origin:
        return
    result = pending["preview"]
    breaches = result.breaches
    counts = breaches["change"].value_counts()
    with st.container(border=True, key=f"asg_preview_{origin}"):
        st.markdown(f"##### {t('preview_title', lang, date=result.effective)}")
        st.caption(
            t(
                "preview_summary",
                lang,
                steps=len(result.steps),
                cells=len(result.cells),
                people=len(result.people),
                new=int(counts.get("new", 0)),
                resolved=int(counts.get("resolved", 0)),
            )
        )
        st.markdown(f"**{t('preview_cells', lang)}**")
        table = _cells_table(result.cells, lang)
        st.dataframe(table, hide_index=True)
        stem = t("dl_preview_cells", lang)
        table_downloads(table, None, stem, lang, key=f"asg_preview_cells_{origin}")
        st.markdown(f"**{t('preview_people', lang)}**")
        table = _people_table(result.people, lang)
        st.dataframe(table, hide_index=True)
        stem = t("dl_preview_people", lang)
        table_downloads(table, None, stem, lang, key=f"asg_preview_people_{origin}")
        changed = breaches[breaches["change"] != "unchanged"]
        st.markdown(f"**{t('preview_breaches', lang)}**")
        if changed.empty:
            st.caption(t("preview_no_breach_change", lang))
        else:
            table = _breaches_table(changed, lang)
            st.dataframe(table, hide_index=True)
            stem = t("dl_preview_breaches", lang)
            key = f"asg_preview_breaches_{origin}"
            table_downloads(table, None, stem, lang, key=key)
        if pending["error"]:
            st.error(md_escape(pending["error"]), icon="⚠️")
        with st.container(horizontal=True, key=f"asg_preview_buttons_{origin}"):
            if pending["error"]:
                st.button(
                    t("preview_again", lang),
                    key=f"asg_again_{origin}",
                    type="primary",
                    on_click=_again,
                    args=(lang,),
                )
            else:
                st.button(
                    t("apply_button", lang),
                    key=f"asg_apply_{origin}",
                    type="primary",
                    on_click=_apply,
                    args=(lang,),
                )
            st.button(
                t("discard_button", lang),
                key=f"asg_discard_{origin}",
                on_click=_discard,
            )
