"""What the 人员分配 page reads, per user: cached loaders and the user's sight.

Every loader reads through the logged-in user's engine
(:func:`maps.auth.user_engine`): on PostGIS that connection sees only the
user's jurisdiction, whatever the query.  On SpatiaLite every connection
sees the whole file, so each frame is also cut to the user's sight here
(:func:`in_sight`, :func:`staff_in_sight` — the same rules as
:mod:`twonet.permissions` and PostgreSQL's policies), on both backends alike.

Answers are cached per :class:`Source`: the database, the user, the date and
the newest change set the user can see (:func:`generation`), so a change
applied by anyone refreshes every page that can see it at its next rerun.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from grid.staffing import cell_staffing, workload
from twonet.changes import change_log
from twonet.db import repository
from twonet.db.assignment_store import audit_rows
from twonet.permissions import Permission, User
from twonet.rules import load_rules, staffing_context
from twonet.staff_exports import assignments_frame, staff_frame

#: Change sets read for the audit trail and the user's last change.
LOG_LIMIT = 200
#: Audit rows shown at most (newest first).
AUDIT_LIMIT = 300


@dataclass(frozen=True)
class Source:
    """The cache key of one user's view of the database on one date."""

    url: str
    username: str
    as_of: dt.date
    generation: int


def generation(engine: Engine) -> int:
    """Return the id of the newest change set the engine can see (0: none)."""
    newest = change_log(engine, limit=1)
    return int(newest["id"].iloc[0]) if len(newest) else 0


# ----------------------------------------------------------------- sight
def in_sight(user: User, codes: pd.Series) -> pd.Series:
    """Return a mask: which cell codes ``user`` may see.

    A planner's or admin's scope is the whole city, a coordinator's or
    manager's their jurisdiction (:func:`twonet.permissions.can_view`).
    """
    if user.may(Permission.VIEW_CITY):
        return pd.Series(True, index=codes.index)
    if not user.may(Permission.VIEW):
        return pd.Series(False, index=codes.index)
    return codes.astype(str).isin(user.scope)


def staff_in_sight(user: User, staff: pd.DataFrame, cells_of: pd.Series) -> pd.Series:
    """Return a mask of ``staff``: people whose unit or an assignment is in sight.

    ``cells_of`` holds the ``staff_id`` of every assignment in sight.
    """
    if user.may(Permission.VIEW_CITY):
        return pd.Series(True, index=staff.index)
    unit = in_sight(user, staff["unit_code"].fillna(""))
    return unit | staff["staff_id"].isin(set(cells_of))


def on_duty(staff: pd.DataFrame, as_of: dt.date) -> pd.Series:
    """Return a mask of ``staff``: people active on ``as_of``.

    ``active_from`` is the first day, ``active_to`` the first day no longer
    active; either may be missing (as :func:`twonet.db.staffing_queries.
    active_on` reads them).

    Examples
    --------
    >>> staff = pd.DataFrame({"active_from": [dt.date(2024, 1, 1), None],
    ...                       "active_to": [dt.date(2025, 6, 30), None]})
    >>> on_duty(staff, dt.date(2025, 7, 1)).tolist()
    [False, True]
    """
    day = pd.Timestamp(as_of)
    start = pd.to_datetime(staff["active_from"])
    end = pd.to_datetime(staff["active_to"])
    return (start.isna() | (start <= day)) & (end.isna() | (end > day))


# ---------------------------------------------------------------- loaders
@st.cache_data(show_spinner=False, ttl=600, max_entries=32)
def staffing(_engine: Engine, source: Source, _user: User) -> dict[str, Any]:
    """Return the user's staffing frames on ``source.as_of``.

    Keys: ``cells`` (code, name, level, parent_code of every cell valid on
    the date), ``status`` (:func:`grid.staffing.cell_staffing` of the cells
    in sight), ``load`` (employers and workers per cell), ``assignments``
    (:func:`twonet.staff_exports.assignments_frame` in sight),
    ``staff`` (people in sight, phone and ID masked unless the role may
    see them) and ``workload`` (:func:`grid.staffing.workload` of them).
    """
    user = _user
    rules = load_rules()
    context = staffing_context(_engine, source.as_of)
    status = cell_staffing(context, rules)
    status = status[in_sight(user, status["code"])].reset_index(drop=True)
    jobs = assignments_frame(_engine, source.as_of)
    jobs = jobs[in_sight(user, jobs["cell_code"])].reset_index(drop=True)
    people = staff_frame(
        _engine, may_see_personal=user.may(Permission.SEE_PERSONAL_DATA)
    )
    people = people[staff_in_sight(user, people, jobs["staff_id"])]
    # the people of that date: on duty then, or still holding an assignment
    people = people[
        on_duty(people, source.as_of) | people["staff_id"].isin(jobs["staff_id"])
    ]
    loads = workload(context)
    loads = loads[loads["staff_id"].isin(set(people["staff_id"]))]
    return {
        "cells": context.cells.reset_index(drop=True),
        "status": status,
        "load": context.load.reset_index(drop=True),
        "assignments": jobs,
        "staff": people.reset_index(drop=True),
        "workload": loads.reset_index(drop=True),
    }


@st.cache_data(show_spinner=False, ttl=600, max_entries=64)
def view_cells(
    _engine: Engine, url: str, level: str, parent_code: str | None, as_of: dt.date
) -> gpd.GeoDataFrame:
    """Return the cells of one level (under one parent), with geometry.

    The grid itself is no secret (every role reads ``grid_cell``): the
    answer is shared by users and cut to each user's sight by the caller.
    """
    return repository.load_cells(
        _engine, level=level, parent_code=parent_code, as_of=as_of
    )


@st.cache_data(show_spinner=False, ttl=600, max_entries=32)
def history(_engine: Engine, source: Source, _user: User) -> dict[str, pd.DataFrame]:
    """Return the change sets and audit rows in the user's sight, newest first.

    A change set is in sight when the user made it or one of its audit rows
    is in sight (as PostgreSQL's policy on ``change_set`` says).
    """
    user = _user
    audit = audit_rows(_engine)
    audit = audit[in_sight(user, audit["cell_code"])]
    sets = change_log(_engine, limit=LOG_LIMIT)
    mine = sets["actor"].eq(user.username)
    seen = sets["id"].isin(set(audit["change_set_id"]))
    sets = sets[mine | seen | user.may(Permission.VIEW_CITY)]
    audit = audit.sort_values("id", ascending=False).head(AUDIT_LIMIT)
    return {
        "change_sets": sets.reset_index(drop=True),
        "audit": audit.reset_index(drop=True),
    }


def last_own_change(sets: pd.DataFrame, username: str) -> dict[str, Any] | None:
    """Return the user's newest change set that is not undone (``None``: none).

    Only change sets of kind ``change`` count: an undo is not undone again
    from the page.
    """
    own = sets[
        sets["actor"].eq(username)
        & sets["kind"].eq("change")
        & sets["undone_by"].isna()
    ]
    if own.empty:
        return None
    return dict(own.sort_values("id", ascending=False).iloc[0])
