"""Staffing rules (人员配置规则): who must cover which cell, and how much.

Pure computation on four small frames (a :class:`StaffingContext`): the cells
valid on a date, the staff, the assignments valid on that date and the
employer load per cell.  Nothing here reads a database or a file:
:mod:`twonet.rules` builds the context and loads the rules file.

The rules (their names are a contract: the rules file, the report and the
change-set preview use them):

============================ ================================================
rule                         breach when …
============================ ================================================
``assistants_per_village``   村级网格协管员不足：a village-level grid has fewer
                             than ``min_assistants`` (default 2) active 协管员
                             with duty ``assistant`` (DOMAIN: at least 2 per
                             grid).  Only the finest grids count: a village
                             split into sub-grids is judged by its sub-grids.
``responsible_per_township`` 乡镇/街道无责任监察员：a township has fewer than
                             ``min_responsible`` (default 1) active full-time
                             inspectors with duty ``responsible``.
``within_own_county``        跨区县分配：a person's unit (``unit_code``) and the
                             assigned cell lie in different counties.  Both
                             counties are found by walking the cells' parent
                             chain, so a development zone filed under another
                             county's code prefix is judged by its real
                             parent; only a unit that is not a cell on the date
                             falls back to its 6-digit code prefix.
``employers_per_assistant``  协管员负责用人单位过多：an assistant covers more than
                             ``max_employers`` employers (default 150).
``workers_per_assistant``    协管员负责职工过多：… more than ``max_workers``
                             workers (default 5,000).
``employers_per_inspector``  监察员负责用人单位过多：an inspector covers more than
                             ``max_employers`` employers (default 1,500).
``workers_per_inspector``    监察员负责职工过多：… more than ``max_workers``
                             workers (default 20,000: the ILO benchmark for
                             transition economies, one inspector per 20,000
                             workers).
``closed_cell``              分配到已撤销网格：an assignment valid on the date
                             to a cell that has no version valid on the date.
``inactive_staff``           非在岗人员仍有分配：an assignment valid on the date
                             of a person not active on the date, or not in the
                             staff table at all.
``duty_matches_kind``        职责与人员类别不符：duty ``responsible`` held by
                             someone who is not a full-time inspector.
============================ ================================================

The numeric defaults are **deployment defaults**, not law: each deployment
sets its own in its rules file (``twonet/staffing_rules.toml``).

A person's load is the sum, over the distinct cells they are assigned to
(any duty), of their share of the employers placed in that cell at that
cell's level and of their workers (``Employer.staff``).  A cell's load is
shared by the active people of the same kind assigned to it (two 协管员 of a
village of 60 employers carry 30 each), so adding a person relieves the
others; shares are summed and rounded.  A cell lying inside another cell
the same person covers adds nothing (its employers are already counted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from grid import staffing_checks as checks
from grid import staffing_facts
from grid.errors import TwoNetError
from grid.staffing_config import (
    LIMIT_KEYS,
    RULE_LABELS,
    RULE_NAMES,
    SEVERITIES,
    RuleSetting,
    StaffingRules,
)

__all__ = [
    "BREACH_COLUMNS",
    "CELL_STAFFING_COLUMNS",
    "CONTEXT_COLUMNS",
    "LIMIT_KEYS",
    "RULE_LABELS",
    "RULE_NAMES",
    "SEVERITIES",
    "WORKLOAD_COLUMNS",
    "RuleSetting",
    "StaffingContext",
    "StaffingRules",
    "cell_staffing",
    "check_rules",
    "workload",
]

#: Columns of :func:`check_rules`.
BREACH_COLUMNS: tuple[str, ...] = (
    "rule",
    "severity",
    "cell_code",
    "cell_name",
    "staff_id",
    "staff_name",
    "value",
    "limit",
    "message_zh",
    "message_en",
)
#: Columns of :func:`workload`.
WORKLOAD_COLUMNS: tuple[str, ...] = staffing_facts.WORKLOAD_COLUMNS
#: Columns of :func:`cell_staffing`.
CELL_STAFFING_COLUMNS: tuple[str, ...] = staffing_facts.CELL_STAFFING_COLUMNS
#: Columns each frame of a :class:`StaffingContext` must have.
CONTEXT_COLUMNS: dict[str, tuple[str, ...]] = {
    "cells": ("code", "name", "level", "parent_code"),
    "staff": ("staff_id", "name", "kind", "unit_code", "active"),
    "assignments": ("staff_id", "cell_code", "duty"),
    "load": ("cell_code", "employers", "workers"),
}


@dataclass(frozen=True, eq=False)
class StaffingContext:
    """What the rules look at, on one date.

    Attributes
    ----------
    cells : DataFrame
        ``code, name, level, parent_code``: every cell valid on the date.
    staff : DataFrame
        ``staff_id, name, kind, unit_code, active``: ``kind`` is
        ``inspector`` or ``assistant``; ``active`` (bool) says whether the
        person is active on the date.
    assignments : DataFrame
        ``staff_id, cell_code, duty``: the assignments valid on the date
        (other columns are ignored).
    load : DataFrame
        ``cell_code, employers, workers``: employers placed in each cell at
        that cell's level and their workers, for cells of every level.
    as_of : date, optional
        The date, for messages.
    """

    cells: pd.DataFrame
    staff: pd.DataFrame
    assignments: pd.DataFrame
    load: pd.DataFrame
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        for name, columns in CONTEXT_COLUMNS.items():
            frame = getattr(self, name)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                msg = (
                    f"人员配置数据 {name} 缺少列 {missing} / staffing context "
                    f"frame {name!r} lacks columns {missing}; has {list(frame.columns)}"
                )
                raise TwoNetError(msg)
            object.__setattr__(self, name, frame.loc[:, list(columns)])


def check_rules(
    context: StaffingContext, rules: StaffingRules | None = None
) -> pd.DataFrame:
    """Return every breach of the enabled rules.

    Parameters
    ----------
    context : StaffingContext
    rules : StaffingRules, optional
        Default: :class:`StaffingRules` ().

    Returns
    -------
    DataFrame
        :data:`BREACH_COLUMNS`, one row per (rule, cell, person), sorted by
        rule (in :data:`RULE_NAMES` order), ``cell_code`` and ``staff_id``
        (missing values last).  ``staff_id``/``staff_name`` are ``None`` for
        a cell's breach (too few staff), ``cell_code``/``cell_name`` are
        ``None`` for a person's (too much load); ``cell_name`` is also
        ``None`` for a closed cell.  ``value`` and ``limit`` (nullable
        integers) are the count or load found and the rule's limit; rules
        without numbers leave them missing.
    """
    rules = rules if rules is not None else StaffingRules()
    facts = staffing_facts.Facts.of(context)
    frames = []
    for name in RULE_NAMES:
        setting = rules.setting(name)
        if not setting.enabled:
            continue
        found = checks.CHECKS[name](facts, setting.limit)
        if not found.empty:
            frames.append(found.assign(rule=name, severity=setting.severity))
    if not frames:
        return checks.empty_breaches(BREACH_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return checks.finish_breaches(out, facts, BREACH_COLUMNS, RULE_NAMES)


def workload(context: StaffingContext) -> pd.DataFrame:
    """Return each person's load on the context's date.

    Returns
    -------
    DataFrame
        :data:`WORKLOAD_COLUMNS` (``staff_id, name, kind, cells, employers,
        workers``), one row per active person and per person holding an
        assignment (``name`` and ``kind`` missing for one not in the staff
        table), sorted by ``staff_id``.  ``cells`` counts the distinct
        cells assigned; ``employers`` and ``workers`` sum their share of
        each cell's load, a cell inside another covered cell counted once.
    """
    return staffing_facts.workload(staffing_facts.Facts.of(context))


def cell_staffing(
    context: StaffingContext, rules: StaffingRules | None = None
) -> pd.DataFrame:
    """Return each cell's staffing and status for the map.

    ``assistants`` counts active 协管员 with duty ``assistant``;
    ``inspectors`` active full-time inspectors with duty ``responsible``.
    ``status`` is ``full`` when the cell's rule is met
    (``assistants_per_village`` for the finest village grids,
    ``responsible_per_township`` for townships; for other cells: some active
    person is assigned), ``under`` when some active person is assigned but
    the rule is not met, ``none`` when no active person is assigned.  The
    limits come from ``rules`` even when a rule is disabled.

    Returns
    -------
    DataFrame
        :data:`CELL_STAFFING_COLUMNS` (``code, level, assistants,
        inspectors, status``), one row per cell, sorted by code.
    """
    rules = rules if rules is not None else StaffingRules()
    return staffing_facts.cell_staffing(
        staffing_facts.Facts.of(context),
        min_assistants=rules.assistants_per_village.limit or 0,
        min_responsible=rules.responsible_per_township.limit or 0,
    )
