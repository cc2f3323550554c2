"""Facts behind the staffing rules: a context's frames indexed and joined once.

:class:`Facts` holds the cells (with each one's county and its path of names
as people write a place), the staff and the assignments joined to both;
:func:`workload` and :func:`cell_staffing` answer per person and per cell.
Walking up the parent chain is vectorised: one ``map`` per level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from grid.staffing import StaffingContext

#: Kind of staff → (Chinese, English).
KIND_LABELS: dict[str, tuple[str, str]] = {
    "inspector": ("专职监察员", "full-time inspector"),
    "assistant": ("协管员", "assistant"),
}
#: Columns of :func:`workload`.
WORKLOAD_COLUMNS: tuple[str, ...] = (
    "staff_id",
    "name",
    "kind",
    "cells",
    "employers",
    "workers",
)
#: Columns of :func:`cell_staffing`.
CELL_STAFFING_COLUMNS: tuple[str, ...] = (
    "code",
    "level",
    "assistants",
    "inspectors",
    "status",
)
#: Longest parent chain followed (city → county → township → village → grid).
MAX_DEPTH = 8


@dataclass(frozen=True, eq=False)
class Facts:
    """A context's frames, indexed and joined once for every check.

    Attributes
    ----------
    cells : DataFrame
        Indexed by ``code``: ``name, level, parent_code``, ``path`` (names
        from the county down, as people write a place), ``county`` (the
        county ancestor's code, missing above counties) and ``leaf_village``.
    staff : DataFrame
        Indexed by ``staff_id``: ``person_name, kind, unit_code, active``.
    joined : DataFrame
        One row per distinct assignment (``staff_id, cell_code, duty``) with
        the person (``known``, ``active``, ``kind``, ``unit_code``,
        ``person``/``person_en`` labels) and the cell (``cell_open``,
        ``place``/``place_en`` labels).
    load : DataFrame
        Indexed by ``cell_code``: ``employers, workers``.
    as_of : date, optional
    """

    cells: pd.DataFrame
    staff: pd.DataFrame
    joined: pd.DataFrame
    load: pd.DataFrame
    as_of: dt.date | None

    @classmethod
    def of(cls, context: StaffingContext) -> Facts:
        """Index and join the frames of ``context``."""
        cells = _cells(context.cells)
        staff = (
            context.staff.dropna(subset=["staff_id"])
            .astype({"staff_id": str})
            .drop_duplicates("staff_id")
            .rename(columns={"name": "person_name"})
            .set_index("staff_id")
        )
        staff["active"] = staff["active"].eq(True)
        load = (
            context.load.dropna(subset=["cell_code"])
            .astype({"cell_code": str})
            .groupby("cell_code")[["employers", "workers"]]
            .sum()
        )
        return cls(
            cells,
            staff,
            _joined(context.assignments, cells, staff),
            load,
            context.as_of,
        )

    @cached_property
    def workload(self) -> pd.DataFrame:
        """Return :func:`workload` of these facts (computed once)."""
        return workload(self)

    def date_text(self) -> tuple[str, str]:
        """Return the date for messages, Chinese (spaced) and English."""
        if self.as_of is None:
            return "该日", "that date"
        return f" {self.as_of.isoformat()} ", self.as_of.isoformat()


def is_in(values: pd.Series, index: pd.Index) -> pd.Series:
    """Tell which ``values`` are in the unique ``index`` (a hash lookup).

    ``Series.isin`` on Arrow-backed strings goes through Python objects;
    ``get_indexer`` stays in the index's hash table.
    """
    found = index.get_indexer(pd.Index(values)) >= 0
    return pd.Series(found, index=values.index)


def _cells(frame: pd.DataFrame) -> pd.DataFrame:
    cells = frame.dropna(subset=["code"]).astype({"code": str})
    cells = cells.drop_duplicates("code").set_index("code")
    cells["parent_code"] = cells["parent_code"].where(cells["parent_code"].notna())
    cells["name"] = cells["name"].fillna(pd.Series(cells.index, index=cells.index))
    cells["path"] = _paths(cells)
    cells["county"] = _county_of(cells)
    village = cells["level"].eq("village")
    split = set(cells.loc[village, "parent_code"].dropna())
    cells["leaf_village"] = village & ~is_in(cells.index.to_series(), pd.Index(split))
    return cells


def _paths(cells: pd.DataFrame) -> pd.Series:
    """Return each cell's name prefixed by its ancestors' below the city."""
    path = cells["name"].astype(str)
    current = cells["parent_code"]
    for _ in range(MAX_DEPTH):
        step = is_in(current, cells.index)
        step &= current.map(cells["level"]).ne("city")
        if not step.any():
            break
        path = path.where(~step, current.map(cells["name"]).astype(str) + path)
        current = current.where(step).map(cells["parent_code"])
    return path


def _county_of(cells: pd.DataFrame) -> pd.Series:
    """Return each cell's county ancestor (itself for a county) by parent chain."""
    county = pd.Series(None, index=cells.index, dtype=object)
    current = pd.Series(cells.index, index=cells.index, dtype=object)
    for _ in range(MAX_DEPTH):
        todo = county.isna() & current.notna()
        if not todo.any():
            break
        hit = todo & current.map(cells["level"]).eq("county")
        county = county.where(~hit, current)
        current = current.where(todo & ~hit).map(cells["parent_code"])
    return county


def _joined(
    assignments: pd.DataFrame, cells: pd.DataFrame, staff: pd.DataFrame
) -> pd.DataFrame:
    joined = (
        assignments.dropna(subset=["staff_id", "cell_code"])
        .astype({"staff_id": str, "cell_code": str})
        .drop_duplicates(["staff_id", "cell_code", "duty"])
        .join(staff, on="staff_id")
        .reset_index(drop=True)
    )
    joined["known"] = is_in(joined["staff_id"], staff.index)
    joined["active"] = joined["active"].eq(True)
    joined["cell_open"] = is_in(joined["cell_code"], cells.index)
    ids = joined["staff_id"]
    name = joined["person_name"].astype(str)
    joined["person"] = (name + "（" + ids + "）").where(
        joined["known"], "人员编号 " + ids + " 的人员"
    )
    joined["person_en"] = (name + " (" + ids + ")").where(
        joined["known"], "staff " + ids
    )
    path = joined["cell_code"].map(cells["path"])
    joined["place"] = path.where(joined["cell_open"], "网格 " + joined["cell_code"])
    joined["place_en"] = path.where(joined["cell_open"], "cell " + joined["cell_code"])
    return joined


# --------------------------------------------------------------------- load
def workload(facts: Facts) -> pd.DataFrame:
    """Return each person's cells, employers and workers (see grid.staffing)."""
    pairs = facts.joined[["staff_id", "cell_code"]].drop_duplicates()
    counted = pairs[~_inside_covered(pairs, facts.cells["parent_code"])]
    sharing = _sharing(facts, counted)
    cell_load = {
        column: counted["cell_code"].map(facts.load[column]).astype(float).fillna(0)
        for column in ("employers", "workers")
    }
    counted = counted.assign(
        employers=cell_load["employers"] / sharing,
        workers=cell_load["workers"] / sharing,
    )
    sums = counted.groupby("staff_id")[["employers", "workers"]].sum().round()
    active = facts.staff.index[facts.staff["active"]]
    people = sorted(set(active) | set(pairs["staff_id"]))
    out = pd.DataFrame({"staff_id": pd.Series(people, dtype=object)})
    out["name"] = out["staff_id"].map(facts.staff["person_name"])
    out["kind"] = out["staff_id"].map(facts.staff["kind"])
    out["cells"] = out["staff_id"].map(pairs.groupby("staff_id").size())
    for column in ("employers", "workers"):
        out[column] = out["staff_id"].map(sums[column])
    for column in ("cells", "employers", "workers"):
        out[column] = out[column].fillna(0).astype("int64")
    for column in ("name", "kind"):
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out.loc[:, list(WORKLOAD_COLUMNS)]


def _sharing(facts: Facts, pairs: pd.DataFrame) -> np.ndarray:
    """Return how many people share each (person, cell) pair's load.

    A cell's load is shared by the active people of the same kind (协管员
    with 协管员, 专职监察员 with 专职监察员) assigned to it: two assistants of
    a village of 60 employers cover 30 each, so adding a person relieves
    the others.  Never less than 1 (an inactive person alone carries it).
    """
    joined = facts.joined
    present = joined[joined["active"]].drop_duplicates(["staff_id", "cell_code"])
    holders = present.groupby(["cell_code", "kind"])["staff_id"].nunique()
    kinds = pairs["staff_id"].map(facts.staff["kind"])
    keys = pd.MultiIndex.from_arrays([pairs["cell_code"], kinds])
    counts = holders.reindex(keys).to_numpy(dtype=float)
    return np.where(np.isnan(counts) | (counts < 1), 1.0, counts)


def _inside_covered(pairs: pd.DataFrame, parent: pd.Series) -> np.ndarray:
    """Tell which (person, cell) pairs lie below another cell of the person."""
    keys = pd.MultiIndex.from_frame(pairs[["staff_id", "cell_code"]])
    covered = np.zeros(len(pairs), dtype=bool)
    current = pairs["cell_code"].map(parent)
    for _ in range(MAX_DEPTH):
        if current.isna().all():
            break
        probe = pd.MultiIndex.from_arrays([pairs["staff_id"], current])
        covered |= probe.isin(keys)
        current = current.map(parent)
    return covered


def cell_staffing(
    facts: Facts, *, min_assistants: int, min_responsible: int
) -> pd.DataFrame:
    """Return each cell's assistants, inspectors and status (see grid.staffing)."""
    cells = facts.cells
    present = facts.joined[facts.joined["active"] & facts.joined["cell_open"]]
    anyone = distinct_per_cell(present, cells.index)
    assistants = distinct_per_cell(assistants_on_duty(present), cells.index)
    inspectors = distinct_per_cell(responsible_on_duty(present), cells.index)
    met = anyone.gt(0)
    met = met.where(~cells["leaf_village"], assistants.ge(min_assistants))
    met = met.where(cells["level"].ne("township"), inspectors.ge(min_responsible))
    status = np.select([met, anyone.gt(0)], ["full", "under"], "none")
    out = pd.DataFrame(
        {
            "code": cells.index,
            "level": cells["level"].to_numpy(),
            "assistants": assistants.to_numpy(),
            "inspectors": inspectors.to_numpy(),
            "status": status,
        }
    )
    return out.sort_values("code", ignore_index=True)


def distinct_per_cell(rows: pd.DataFrame, codes: pd.Index) -> pd.Series:
    """Return the number of distinct people of ``rows`` in each cell of ``codes``."""
    counts = rows.groupby("cell_code")["staff_id"].nunique()
    return counts.reindex(codes, fill_value=0).astype("int64")


def assistants_on_duty(rows: pd.DataFrame) -> pd.DataFrame:
    """Active 协管员 on duty ``assistant`` (the rows given are active)."""
    return rows[rows["duty"].eq("assistant") & rows["kind"].eq("assistant")]


def responsible_on_duty(rows: pd.DataFrame) -> pd.DataFrame:
    """Full-time inspectors on duty ``responsible``."""
    return rows[rows["duty"].eq("responsible") & rows["kind"].eq("inspector")]
