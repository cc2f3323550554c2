"""The checks behind :func:`grid.staffing.check_rules`, one function per rule.

Every check takes the :class:`~grid.staffing_facts.Facts` of a context and
the rule's limit, and returns the breaches as a frame of ``cell_code,
staff_id, value, limit, message_zh, message_en``; :func:`finish_breaches`
adds the names, drops repeats and sorts.  All vectorised: a city has
thousands of villages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from grid.staffing_facts import (
    KIND_LABELS,
    Facts,
    assistants_on_duty,
    distinct_per_cell,
    is_in,
    responsible_on_duty,
)

_RAW_COLUMNS = ("cell_code", "staff_id", "value", "limit", "message_zh", "message_en")


# ------------------------------------------------------------------ checks
def _minimum(
    facts: Facts,
    chosen: pd.Series,
    counted: pd.DataFrame,
    limit: int,
    what: tuple[str, str],
) -> pd.DataFrame:
    """Breaches of "at least ``limit`` distinct people" in the chosen cells."""
    n = distinct_per_cell(counted, facts.cells.index)[chosen]
    short = n[n < limit]
    path = facts.cells.loc[short.index, "path"]
    count = short.astype(str)
    return _raw(
        cell_code=short.index,
        staff_id=None,
        value=short.to_numpy(),
        limit=limit,
        message_zh=path + f"：{what[0]} " + count + f" 名，少于 {limit} 名",
        message_en=path + ": " + count + f" {what[1]}, fewer than {limit}",
    )


def assistants_per_village(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find the finest village grids with fewer than ``limit`` active 协管员."""
    present = facts.joined[facts.joined["active"]]
    return _minimum(
        facts,
        facts.cells["leaf_village"],
        assistants_on_duty(present),
        int(limit or 0),
        ("协管员", "assistant(s) (协管员)"),
    )


def responsible_per_township(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find townships with fewer than ``limit`` active responsible inspectors."""
    present = facts.joined[facts.joined["active"]]
    return _minimum(
        facts,
        facts.cells["level"].eq("township"),
        responsible_on_duty(present),
        int(limit or 0),
        ("责任监察员", "responsible inspector(s)"),
    )


def within_own_county(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find assignments to a cell outside the county of the person's unit."""
    cells = facts.cells
    rows = facts.joined
    rows = rows[rows["known"] & rows["unit_code"].notna() & rows["cell_open"]]
    unit = rows["unit_code"].astype(str)
    prefix = unit.str[:6]
    fallback = prefix.where(
        unit.str.len().ge(6) & prefix.str.isdigit() & ~prefix.str.endswith("00")
    )
    unit_county = unit.map(cells["county"]).where(is_in(unit, cells.index), fallback)
    cell_county = rows["cell_code"].map(cells["county"])
    bad = unit_county.notna() & cell_county.notna() & unit_county.ne(cell_county)
    rows, unit_county = rows[bad], unit_county[bad]
    unit_name = unit_county.map(cells["name"]).fillna(unit_county).astype(str)
    return _raw(
        cell_code=rows["cell_code"],
        staff_id=rows["staff_id"],
        value=None,
        limit=None,
        message_zh=rows["person"]
        + "的所属单位属"
        + unit_name
        + "，却分配到"
        + rows["place"],
        message_en=rows["person_en"]
        + " belongs to a unit in "
        + unit_name
        + " but is assigned to "
        + rows["place_en"],
    )


def _maximum(
    facts: Facts, kind: str, column: str, limit: int, unit: tuple[str, str, str]
) -> pd.DataFrame:
    """People of ``kind`` whose load in ``column`` exceeds ``limit``.

    ``unit`` is the counted thing in Chinese, its measure word and English.
    """
    load = facts.workload
    over = load[load["kind"].eq(kind) & load[column].gt(limit)]
    (kind_zh, kind_en), (noun_zh, measure, noun_en) = KIND_LABELS[kind], unit
    name = over["name"].astype(str)
    value, cells = over[column].astype(str), over["cells"].astype(str)
    zh = (
        kind_zh
        + name
        + "（"
        + over["staff_id"]
        + "）负责 "
        + cells
        + f" 个网格，{noun_zh} "
        + value
        + f" {measure}，超过 {limit} {measure}"
    )
    en = (
        kind_en
        + " "
        + name
        + " ("
        + over["staff_id"]
        + ") covers "
        + value
        + f" {noun_en} in "
        + cells
        + f" cell(s), more than {limit}"
    )
    return _raw(
        cell_code=None,
        staff_id=over["staff_id"],
        value=over[column].to_numpy(),
        limit=limit,
        message_zh=zh,
        message_en=en,
    )


_EMPLOYERS = ("用人单位", "家", "employers")
_WORKERS = ("职工", "人", "workers")


def employers_per_assistant(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find assistants covering more than ``limit`` employers."""
    return _maximum(facts, "assistant", "employers", int(limit or 0), _EMPLOYERS)


def workers_per_assistant(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find assistants covering more than ``limit`` workers."""
    return _maximum(facts, "assistant", "workers", int(limit or 0), _WORKERS)


def employers_per_inspector(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find inspectors covering more than ``limit`` employers."""
    return _maximum(facts, "inspector", "employers", int(limit or 0), _EMPLOYERS)


def workers_per_inspector(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find inspectors covering more than ``limit`` workers."""
    return _maximum(facts, "inspector", "workers", int(limit or 0), _WORKERS)


def closed_cell(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find assignments to a cell with no version valid on the date."""
    rows = facts.joined[~facts.joined["cell_open"]]
    zh_date, en_date = facts.date_text()
    return _raw(
        cell_code=rows["cell_code"],
        staff_id=rows["staff_id"],
        value=None,
        limit=None,
        message_zh=rows["person"]
        + "分配到网格 "
        + rows["cell_code"]
        + f"，该网格在{zh_date}无有效版本（已撤销或尚未设立）",
        message_en=rows["person_en"]
        + " is assigned to cell "
        + rows["cell_code"]
        + f", which has no version valid on {en_date} (closed or not yet created)",
    )


def inactive_staff(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find assignments of a person not active on the date or not in the register."""
    rows = facts.joined[~facts.joined["active"]]
    zh_date, en_date = facts.date_text()
    known = rows["known"]
    zh = (rows["person"] + f"在{zh_date}不在岗，仍分配在" + rows["place"]).where(
        known, rows["person"] + "不在人员名册中，却分配在" + rows["place"]
    )
    en = (
        rows["person_en"]
        + f" is not active on {en_date} but is still assigned to "
        + rows["place_en"]
    ).where(
        known,
        rows["person_en"]
        + " is not in the staff register but is assigned to "
        + rows["place_en"],
    )
    return _raw(
        cell_code=rows["cell_code"],
        staff_id=rows["staff_id"],
        value=None,
        limit=None,
        message_zh=zh,
        message_en=en,
    )


def duty_matches_kind(facts: Facts, limit: int | None) -> pd.DataFrame:
    """Find duty ``responsible`` held by someone who is not a full-time inspector."""
    rows = facts.joined
    rows = rows[rows["known"] & rows["duty"].eq("responsible")]
    rows = rows[rows["kind"].ne("inspector")]
    kind = rows["kind"].astype(str)
    kind_zh = kind.map(lambda k: KIND_LABELS.get(k, (k, k))[0])
    kind_en = kind.map(lambda k: KIND_LABELS.get(k, (k, k))[1])
    return _raw(
        cell_code=rows["cell_code"],
        staff_id=rows["staff_id"],
        value=None,
        limit=None,
        message_zh=rows["person"]
        + "是"
        + kind_zh
        + "，不是专职监察员，却担任"
        + rows["place"]
        + "的责任监察员",
        message_en=rows["person_en"]
        + " is a(n) "
        + kind_en
        + ", not a full-time inspector, but holds the duty of responsible "
        "inspector in " + rows["place_en"],
    )


#: Rule name → check.
CHECKS: dict[str, Callable[[Facts, int | None], pd.DataFrame]] = {
    "assistants_per_village": assistants_per_village,
    "responsible_per_township": responsible_per_township,
    "within_own_county": within_own_county,
    "employers_per_assistant": employers_per_assistant,
    "workers_per_assistant": workers_per_assistant,
    "employers_per_inspector": employers_per_inspector,
    "workers_per_inspector": workers_per_inspector,
    "closed_cell": closed_cell,
    "inactive_staff": inactive_staff,
    "duty_matches_kind": duty_matches_kind,
}


# ------------------------------------------------------------------ frames
def _raw(**columns: object) -> pd.DataFrame:
    """Return a check's breaches; scalars are broadcast."""
    arrays = (pd.Series, pd.Index, np.ndarray)
    lengths = [len(v) for v in columns.values() if isinstance(v, arrays)]
    n = lengths[0] if lengths else 0
    data = {}
    for name in _RAW_COLUMNS:
        value = columns[name]
        if isinstance(value, arrays):
            data[name] = np.asarray(value, dtype=object)
        else:
            data[name] = np.full(n, value, dtype=object)
    return pd.DataFrame(data)


def empty_breaches(columns: Sequence[str]) -> pd.DataFrame:
    """Return a breach frame without rows."""
    out = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    return out.astype({"value": "Int64", "limit": "Int64"})


def finish_breaches(
    frame: pd.DataFrame,
    facts: Facts,
    columns: Sequence[str],
    rule_order: Sequence[str],
) -> pd.DataFrame:
    """Add names, type the numbers, drop repeats and sort (rule, cell, person)."""
    out = frame.assign(
        cell_name=frame["cell_code"].map(facts.cells["name"]),
        staff_name=frame["staff_id"].map(facts.staff["person_name"]),
        value=pd.array(frame["value"].tolist(), dtype="Int64"),
        limit=pd.array(frame["limit"].tolist(), dtype="Int64"),
        order=frame["rule"].map({r: i for i, r in enumerate(rule_order)}),
    )
    out = out.drop_duplicates(["rule", "cell_code", "staff_id"])
    out = out.sort_values(
        ["order", "cell_code", "staff_id"], na_position="last", kind="stable"
    )
    for column in ("cell_code", "cell_name", "staff_id", "staff_name"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out.loc[:, list(columns)].reset_index(drop=True)
