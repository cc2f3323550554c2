"""The checks only inspection, violation and complaint records have.

Every kind (:func:`check_records`):

* the employer's unified social credit code, by GB 32100
  (:func:`ingest.uscc.validate_uscc_array`, the employer registry's verdicts:
  a wrong length, character or check character rejects the row); a row
  naming neither a code nor an employer name is rejected
  (``employer_missing``): it could never be matched;

Inspections: 检查人员编号 split into a list (separated by ``；;、,，`` or
blanks, codes upper-cased); ids not in the staff registry are a warning
(``staff_id_unknown``: the inspection is kept).

Violations: amounts and months of arrears are not negative
(``amount_negative``, reject); a case is not closed before it was found
(``closed_before_found``, reject).

Complaints: not closed before received (``closed_before_received``,
reject); a complaint whose status is closed has a closing date
(``closed_without_date``, warning).

Every problem of every row is gathered; nothing raises.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.registry_checks import check_uscc
from ingest.tables.validate import TableCheck
from ingest.tables.values import fold, to_bool

#: What separates the ids of several inspectors in one cell.
STAFF_ID_SEPARATORS = re.compile(r"[；;、,，/\s]+")
#: Amounts that cannot be negative, in violations.
AMOUNT_FIELDS: tuple[str, ...] = (
    "arrears_months",
    "arrears_yuan",
    "fine_yuan",
    "back_wages_yuan",
)


def check_records(
    table: TableCheck,
    *,
    kind: str,
    known_staff: Collection[str] | None = None,
    known_area_codes: Collection[str] | None = None,
) -> None:
    """Run the checks of one kind of record (see the module docstring).

    ``known_staff`` are the registry's staff ids (inspectors not checked
    when ``None``); ``known_area_codes`` the division codes a credit code's
    registration area is checked against (not when ``None``).
    """
    table.values["uscc"] = _check_uscc(table, known_area_codes)
    _check_employer(table)
    if kind == "inspections":
        table.values["staff_ids"] = _staff_lists(table, known_staff)
    elif kind == "violations":
        for name in AMOUNT_FIELDS:
            _check_not_negative(table, name)
        _check_order(table, "found_on", "closed_on", "closed_before_found")
    elif kind == "complaints":
        _check_order(table, "received_on", "closed_on", "closed_before_received")
        _check_closed_date(table)


# -------------------------------------------------------------------- USCC
def _check_uscc(table: TableCheck, known: Collection[str] | None) -> pa.Array:
    """Check the credit codes as registries do; return them, null when blank."""
    codes, _ = check_uscc(table, known, require_uscc=False)
    return codes


def _check_employer(table: TableCheck) -> None:
    """Reject rows naming neither a credit code nor an employer name."""
    has_code = to_bool(pc.is_valid(table.values["uscc"]))
    name = table.values.get("employer_name")
    has_name = np.zeros(table.n, dtype=np.bool_) if name is None else name.notna()
    table.add(
        ~has_code & ~np.asarray(has_name, dtype=np.bool_),
        "employer_missing",
        "uscc",
        "缺少统一社会信用代码和单位名称，无法对应用人单位",
        "neither a credit code nor an employer name: the employer cannot be found",
        value="",
    )


# ------------------------------------------------------------- inspectors
def _staff_lists(table: TableCheck, known: Collection[str] | None) -> pd.Series:
    """Split 检查人员编号 into lists of ids; warn about ids not in the registry."""
    text = pc.utf8_upper(fold(table.cells("staff_ids"))).to_pylist()
    lists: list[list[str] | None] = []
    unknown = np.full(table.n, "", dtype=object)
    for i, cell in enumerate(text):
        ids = [s for s in STAFF_ID_SEPARATORS.split(cell or "") if s]
        lists.append(list(dict.fromkeys(ids)) or None)
        if known is not None:
            unknown[i] = "、".join(s for s in ids if s not in known)
    table.add(
        unknown != "",
        "staff_id_unknown",
        "staff_ids",
        "人员名册中没有检查人员编号“{unknown}”",
        "inspector id(s) '{unknown}' not in the staff registry",
        unknown=unknown,
    )
    return pd.Series(lists, dtype=object)


# ---------------------------------------------------------------- numbers
def _check_not_negative(table: TableCheck, name: str) -> None:
    values = table.values.get(name)
    if values is None:
        return
    numbers = pd.Series(values, dtype="float64").to_numpy()
    negative = ~np.isnan(numbers) & (numbers < 0)
    field = table.schema.field(name)
    table.add(
        negative,
        "amount_negative",
        name,
        f"{table.label(name)}“{{value}}”不能为负数",
        f"{field.label_en} '{{value}}' must not be negative",
    )


# ------------------------------------------------------------------ dates
def _days(values: Any) -> npt.NDArray[np.datetime64]:
    return pd.Series(values).to_numpy(dtype="datetime64[s]")


def _check_order(table: TableCheck, first: str, closed: str, kind: str) -> None:
    """Reject rows closed (``closed``) before they began (``first``)."""
    start, end = table.values.get(first), table.values.get(closed)
    if start is None or end is None:
        return
    a, b = _days(start), _days(end)
    wrong = ~np.isnat(a) & ~np.isnat(b) & (b < a)
    first_field, last_field = table.schema.field(first), table.schema.field(closed)
    table.add(
        wrong,
        kind,
        closed,
        f"{last_field.label_zh}{{b}}早于{first_field.label_zh}{{a}}",
        f"{last_field.label_en} {{b}} is before {first_field.label_en} {{a}}",
        value="{a}/{b}",
        column=f"{table.label(first)}/{table.label(closed)}",
        a=np.datetime_as_string(a, unit="D"),
        b=np.datetime_as_string(b, unit="D"),
    )


def _check_closed_date(table: TableCheck) -> None:
    """Warn about complaints whose status is closed but that have no closing date."""
    status = table.values.get("status")
    if status is None:
        return
    closed_on = table.values.get("closed_on")
    undated = (
        np.ones(table.n, dtype=np.bool_)
        if closed_on is None
        else np.isnat(_days(closed_on))
    )
    closed = np.asarray(status.eq("closed").fillna(False), dtype=np.bool_)
    table.add(
        closed & undated,
        "closed_without_date",
        "status",
        "状态为已结案，但缺少结案日期",
        "status is closed but the closing date is missing",
    )
