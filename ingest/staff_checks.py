"""The checks only staff registries and assignment lists have.

Staff (:func:`check_staff`):

* the unit is a cell of the grid (``unit_unknown``, reject);
* the ID number (身份证号) is checked by GB 11643 with the maintained
  ``python-stdnum`` (:mod:`stdnum.cn.ric`): length, digits, check digit,
  birth date, birth place; an invalid number is a warning that drops it,
  naming the reason, never the number (it is personal data);
* the home point, in its declared datum, converted to WGS-84
  (:func:`ingest.tables.coordinates.check_point`);
* ``active_from`` is before ``active_to`` (``active_dates_order``, reject):
  ``active_to`` is the first day no longer active, as an assignment's
  ``valid_to``, so a person active from and to the same day is never active.

Assignments (:func:`check_assignments`): the person is in the staff
registry (``staff_id_unknown``), the cell in the grid
(``cell_code_unknown``), and the assignment ends after it starts
(``valid_dates_order``; an assignment is valid on ``valid_from <= d <
valid_to``, so one ending the day it starts is valid on no day); each a
reject.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

from grid.coords import Datum
from ingest.tables.coordinates import PointFields, check_point, to_wgs84_points
from ingest.tables.validate import INVISIBLE, TableCheck
from ingest.tables.values import blank_as_null, fold, string_series, to_bool

#: A person's home point: a dropped point leaves the person without one.
STAFF_POINT = PointFields(
    lon="home_lon", lat="home_lat", crs="crs", default_option="--crs"
)

#: Why an ID number is refused: problem kind → (Chinese, English) reason.
ID_NUMBER_REASONS: dict[str, tuple[str, str]] = {
    "id_number_length": (
        "身份证号应为18位(现为{n}位)，已舍弃",
        "ID number must have 18 characters (has {n}); dropped",
    ),
    "id_number_format": (
        "身份证号前17位应为数字，已舍弃",
        "ID number must be 17 digits and a check character; dropped",
    ),
    "id_number_check": (
        "身份证号校验码错误(应为{expected})，已舍弃",
        "ID number check digit is wrong (expected {expected}); dropped",
    ),
    "id_number_birth_date": (
        "身份证号中的出生日期无效，已舍弃",
        "ID number holds no valid birth date; dropped",
    ),
    "id_number_birth_place": (
        "身份证号中的地址码不存在，已舍弃",
        "ID number holds an unknown place code; dropped",
    ),
}


def check_staff(
    table: TableCheck,
    *,
    known_cells: Collection[str] | None,
    default: Datum | None,
    extent: tuple[float, float, float, float] | None,
) -> None:
    """Run the checks only staff registries have (see the module docstring).

    ``known_cells`` are the grid's cell codes (units not checked when
    ``None``); ``default`` the datum of a home point whose row names none;
    ``extent`` the grid's WGS-84 bounding box.
    """
    if known_cells is not None:
        _check_known(table, "unit", known_cells, "unit_unknown", "网格中没有", "grid")
    table.values["id_number"] = _check_id_numbers(table)
    lon, lat, datum = check_point(table, STAFF_POINT, default=default, extent=extent)
    table.values["home_lon"], table.values["home_lat"] = to_wgs84_points(
        lon, lat, datum
    )
    located = pa.array(~np.isnan(table.values["home_lon"]))
    table.values["crs"] = string_series(
        pc.if_else(located, datum, pa.scalar(None, pa.string()))
    )
    _check_order(table, "active_from", "active_to", "active_dates_order")


def check_assignments(
    table: TableCheck,
    *,
    known_staff: Collection[str] | None,
    known_cells: Collection[str] | None,
) -> None:
    """Run the checks only assignment lists have (see the module docstring).

    ``known_staff`` are the staff ids of the registry, ``known_cells`` the
    grid's cell codes (not checked when ``None``).
    """
    if known_staff is not None:
        _check_known(
            table,
            "staff_id",
            known_staff,
            "staff_id_unknown",
            "人员名册中没有",
            "staff registry",
        )
    if known_cells is not None:
        _check_known(
            table, "cell_code", known_cells, "cell_code_unknown", "网格中没有", "grid"
        )
    _check_order(table, "valid_from", "valid_to", "valid_dates_order")


def _check_known(
    table: TableCheck,
    name: str,
    known: Collection[str],
    kind: str,
    where_zh: str,
    where_en: str,
) -> None:
    """Reject rows whose code (read and matching its pattern) is not in ``known``."""
    values = table.values.get(name)
    if values is None:
        return
    codes = pa.array(values.astype(object).where(values.notna(), None), pa.string())
    field = table.schema.field(name)
    valid = to_bool(pc.is_valid(codes))
    if field.pattern is not None:
        matches = pc.match_substring_regex(codes, f"^(?:{field.pattern})$")
        valid &= to_bool(matches)
    listed = to_bool(pc.is_in(codes, value_set=pa.array(sorted(known), pa.string())))
    table.add(
        valid & ~listed,
        kind,
        name,
        f"{where_zh}{field.label_zh}“{{value}}”",
        f"{field.label_en} '{{value}}' is not in the {where_en}",
        value=codes,
    )


def _check_id_numbers(table: TableCheck) -> pa.Array:
    """Check ID numbers by GB 11643; return them cleaned, null where invalid."""
    text = pc.utf8_upper(fold(table.cells("id_number")))
    text = pc.replace_substring_regex(text, f"[{INVISIBLE}\\s]", "")
    text = blank_as_null(text)
    found: dict[str, tuple[str, str]] = {}  # number → (problem kind, detail)
    for number in pc.unique(text).to_pylist():
        if number is None:
            continue
        found[number] = _id_problem(number)
    numbers = np.asarray(text.to_pylist(), dtype=object)
    kinds = np.array([found[v][0] if v is not None else "" for v in numbers])
    details = np.array([found[v][1] if v is not None else "" for v in numbers])
    for kind, (zh, en) in ID_NUMBER_REASONS.items():
        table.add(
            kinds == kind,
            kind,
            "id_number",
            zh,
            en,
            n=pc.utf8_length(text),
            expected=details,
        )
    bad: npt.NDArray[np.bool_] = kinds != ""
    return pc.if_else(pa.array(bad), None, text)


def _id_problem(number: str) -> tuple[str, str]:
    """Return ``("", "")`` for a valid number, else the problem kind and detail."""
    if len(number) != 18:
        return "id_number_length", ""
    if not number[:17].isdigit() or not number[:17].isascii():
        return "id_number_format", ""
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        return "id_number_check", expected
    try:
        ric.get_birth_date(number)
    except ValidationError:
        return "id_number_birth_date", ""
    try:
        ric.get_birth_place(number)
    except ValidationError:
        return "id_number_birth_place", ""
    return "", ""


def _check_order(table: TableCheck, first: str, last: str, kind: str) -> None:
    """Reject rows whose ``first`` date is not before their ``last`` (the end)."""
    start, end = table.values.get(first), table.values.get(last)
    if start is None or end is None:
        return
    a = pd.Series(start).to_numpy(dtype="datetime64[s]")
    b = pd.Series(end).to_numpy(dtype="datetime64[s]")
    both = ~np.isnat(a) & ~np.isnat(b)
    wrong = both & (a >= b)
    first_field, last_field = table.schema.field(first), table.schema.field(last)
    table.add(
        wrong,
        kind,
        first,
        f"{first_field.label_zh}{{a}}不早于{last_field.label_zh}{{b}}",
        f"{first_field.label_en} {{a}} is not before {last_field.label_en} {{b}}",
        value="{a}/{b}",
        column=f"{table.label(first)}/{table.label(last)}",
        a=np.datetime_as_string(a, unit="D"),
        b=np.datetime_as_string(b, unit="D"),
    )
