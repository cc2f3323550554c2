"""Staff and assignments as people read them: lists and exports.

* :func:`staff_frame` — the staff, personal data masked unless
  ``may_see_personal`` (``twonet staff list``);
* :func:`assignments_frame` — one row per assignment valid on a date, with
  the person's name and kind, the duty, the cell and its county
  (``twonet assignments export``); :func:`write_assignments` writes it as
  CSV, XLSX or GeoJSON (the cell's polygon).

The export is a function of the database state and the date only: sorted
by cell, duty, person and start, no time of writing, so the same state gives
the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from grid.codes import LEVEL_NAMES_ZH, Level
from twonet.db import assignment_store, staff_store
from twonet.db import repository as repo
from twonet.db.models import DUTIES, STAFF_KINDS, Staff
from twonet.errors import TwoNetError
from twonet.exports import write_table
from twonet.privacy import personal_view

#: Columns of :func:`staff_frame`.
STAFF_LIST_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "name",
    "kind",
    "unit_code",
    "phone",
    "id_number",
    "active_from",
    "active_to",
)
#: Chinese headers of the staff list.
STAFF_HEADERS_ZH: dict[str, str] = {
    "staff_id": "人员编号",
    "name": "姓名",
    "kind": "类别",
    "unit_code": "所属单位",
    "phone": "联系电话",
    "id_number": "身份证号",
    "active_from": "起始日期",
    "active_to": "终止日期",
}
#: Columns of :func:`assignments_frame`, in order.
ASSIGNMENT_EXPORT_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "staff_name",
    "staff_kind",
    "duty",
    "cell_code",
    "cell_name",
    "cell_level",
    "county_code",
    "county_name",
    "valid_from",
    "valid_to",
)
#: Chinese headers of assignment exports (CSV, XLSX).
ASSIGNMENT_HEADERS_ZH: dict[str, str] = {
    "staff_id": "人员编号",
    "staff_name": "姓名",
    "staff_kind": "类别",
    "duty": "职责",
    "cell_code": "网格编码",
    "cell_name": "网格名称",
    "cell_level": "网格层级",
    "county_code": "区县编码",
    "county_name": "区县名称",
    "valid_from": "起始日期",
    "valid_to": "终止日期",
}
#: Suffixes an assignment export can be written to.
ASSIGNMENT_SUFFIXES = (".csv", ".xlsx", ".geojson")


def staff_frame(
    bind: repo.Bind, *, unit: str | None = None, may_see_personal: bool = False
) -> pd.DataFrame:
    """Return the staff (:data:`STAFF_LIST_COLUMNS`), kinds as Chinese labels.

    Parameters
    ----------
    bind : Engine or Connection
    unit : str, optional
        Only people of this unit or a unit below it.
    may_see_personal : bool, default False
        Show phone and ID numbers whole; masked otherwise (the hook a role
        check sets).
    """
    staff = staff_store.load_staff(bind, unit=unit).loc[:, list(STAFF_LIST_COLUMNS)]
    staff["kind"] = staff["kind"].map(lambda k: STAFF_KINDS.get(k, (k, k))[0])
    return personal_view(staff, may_see_personal=may_see_personal)


def _levels_zh(levels: pd.Series) -> pd.Series:
    names = {level.value: name for level, name in LEVEL_NAMES_ZH.items()}
    return levels.map(lambda v: names.get(v, v) if isinstance(v, str) else None)


def assignments_frame(
    bind: repo.Bind, as_of: dt.date | None = None, *, with_geometry: bool = False
) -> pd.DataFrame:
    """Return the assignments valid on ``as_of`` (default today), for people.

    Parameters
    ----------
    bind : Engine or Connection
    as_of : date, optional
    with_geometry : bool, default False
        Add ``geometry``: the cell's polygon valid on ``as_of`` (WGS-84).

    Returns
    -------
    DataFrame
        :data:`ASSIGNMENT_EXPORT_COLUMNS`: kind, duty and level as Chinese
        labels, the cell and county as valid on ``as_of`` (empty when the
        grid held no such cell then), dates as :class:`datetime.date`;
        sorted by cell, duty, person and start.
    """
    as_of = as_of or dt.date.today()
    found = assignment_store.assignments_as_of(bind, as_of)
    people = _people(bind, found["staff_id"].unique())
    frame = found.merge(people, on="staff_id", how="left")
    codes = set(frame["cell_code"])
    levels = _cell_levels(codes)
    counties = {c[:6] for c, level in levels.items() if level != Level.CITY.value}
    cells = repo.load_cells(bind, codes=sorted(codes | counties), as_of=as_of)
    by_code = cells.set_index("code")
    county_code = frame["cell_code"].map(
        lambda c: c[:6] if levels.get(c) not in (None, Level.CITY.value) else None
    )
    out = pd.DataFrame(
        {
            "staff_id": frame["staff_id"],
            "staff_name": frame["name"],
            "staff_kind": frame["kind"].map(
                lambda k: STAFF_KINDS[k][0] if k in STAFF_KINDS else k
            ),
            "duty": frame["duty"].map(lambda d: DUTIES.get(d, (d,))[0]),
            "cell_code": frame["cell_code"],
            "cell_name": frame["cell_code"].map(by_code["name"]),
            "cell_level": _levels_zh(frame["cell_code"].map(by_code["level"])),
            "county_code": county_code,
            "county_name": county_code.map(by_code["name"]),
            "valid_from": frame["valid_from"],
            "valid_to": frame["valid_to"],
        }
    )
    duty_rank = frame["duty"].map({d: i for i, d in enumerate(DUTIES)})
    order = (
        out.assign(_rank=duty_rank.fillna(len(DUTIES)))
        .sort_values(["cell_code", "_rank", "staff_id", "valid_from"], kind="mergesort")
        .index
    )
    if with_geometry:
        out["geometry"] = frame["cell_code"].map(by_code["geometry"])
    out = out.loc[order].reset_index(drop=True)
    return out.astype(object).where(out.notna(), None)


def _people(bind: repo.Bind, ids: Any) -> pd.DataFrame:
    """Return ``staff_id``, ``name`` and ``kind`` of these people."""
    wanted = sorted({str(i) for i in ids})
    rows: list[Any] = []
    with repo.transaction(bind) as connection:
        for start in range(0, len(wanted), 1000):
            part = wanted[start : start + 1000]
            query = select(Staff.staff_id, Staff.name, Staff.kind).where(
                Staff.staff_id.in_(part)
            )
            rows += connection.execute(query).all()
    return pd.DataFrame(rows, columns=["staff_id", "name", "kind"])


def _cell_levels(codes: set[str]) -> dict[str, str]:
    """Return the level of each code by its length (``None`` when unreadable)."""
    from grid.codes import level_of_code
    from grid.errors import CellCodeError

    levels: dict[str, str] = {}
    for code in codes:
        try:
            levels[code] = level_of_code(code).value
        except CellCodeError:
            continue
    return levels


def write_assignments(frame: pd.DataFrame, path: Path) -> Path:
    """Write :func:`assignments_frame` as CSV, XLSX or GeoJSON (by suffix).

    CSV and XLSX get Chinese headers; GeoJSON keeps the English names and
    has the cell's polygon as geometry (pass ``with_geometry=True`` to
    :func:`assignments_frame`).

    Raises
    ------
    TwoNetError
        Another suffix (a GeoPackage records the time it was written).
    """
    suffix = path.suffix.lower()
    if suffix not in ASSIGNMENT_SUFFIXES:
        msg = (
            f"cannot write assignments to {path.name!r}: use .csv, .xlsx or "
            f".geojson (人员分配只能导出为 .csv、.xlsx 或 .geojson)"
        )
        raise TwoNetError(msg)
    table = frame.loc[:, list(ASSIGNMENT_EXPORT_COLUMNS)]
    if suffix == ".geojson":
        if "geometry" not in frame:
            msg = "GeoJSON needs the cells: assignments_frame(..., with_geometry=True)"
            raise TwoNetError(msg)
        dates = {
            c: table[c].map(lambda d: d.isoformat() if d is not None else None)
            for c in ("valid_from", "valid_to")
        }
        return write_table(
            table.assign(**dates),
            path,
            geometry=list(frame["geometry"]),
            layer="assignments",  # not the file's name: same state, same bytes
        )
    return write_table(table, path, headers=ASSIGNMENT_HEADERS_ZH, sheet="人员分配")
