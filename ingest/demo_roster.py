"""A synthetic inspection roster for the Qingdao demo (illustrative, generated).

:func:`generate_roster` staffs the demo grid the way the two-network model
asks (DOMAIN.md; seed 004 §二): per county bureau a few full-time
inspectors (专职监察员), per township (乡镇/街道) one inspector responsible
for it, per village-level cell (村/社区) two assistants (协管员) — and then
plants the gaps a planner must find:

* villages with no assistant, and villages with only one;
* one understaffed township: no responsible inspector, one assistant per
  village;
* one overloaded inspector, made responsible for townships of their county
  until they cover more employers than the default limit (only when the
  employer counts given make that possible; a cell's load is shared by the
  people holding the same duty in it);
* a few assistants assigned to a village outside their own county;
* one person whose service ended (终止日期 in the past) still assigned.

:attr:`RosterDemo.planted` lists every staffing-rule breach planted, as
``(rule, cell_code, staff_id)``: on the demo roster the rules report must
list exactly these.  :func:`write_roster` writes the two files a bureau
would send — the staff roster as GB18030 CSV, the assignments as UTF-8 CSV
with BOM — which ``twonet demo`` imports through the ordinary importers.

Every person is invented (names drawn like the registry's legal
representatives; identity numbers valid by their GB 11643 check digit but
belonging to nobody, born 1984–1998); places are the
demo grid's.  Deterministic: one seeded generator per aspect, codes sorted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from grid.errors import GridBuildError
from ingest.demo_tables import AS_OF
from ingest.demo_values import draw_people

#: When the demo staff and assignments start: the first day of the default
#: demo history (:func:`ingest.demo_records.generate_records`, three years to
#: 2026-11-30), so that every person an inspection names is in service.
VALID_FROM: Final = dt.date(2023, 12, 1)
#: When the planted inactive person's service ended (before :data:`AS_OF`).
ENDED_ON: Final = dt.date(2026, 6, 30)
#: Full-time inspectors per county bureau.
BUREAU_INSPECTORS: Final = 3
#: Employers and workers one inspector may cover (the rules' defaults).
INSPECTOR_LIMITS: Final = {"employers": 1_500, "workers": 20_000}

STAFF_HEADERS: Final = (
    "人员编号",
    "姓名",
    "类别",
    "所属单位",
    "联系电话",
    "身份证号",
    "驻地经度",
    "驻地纬度",
    "坐标系",
    "起始日期",
    "终止日期",
)
ASSIGNMENT_HEADERS: Final = ("人员编号", "网格编码", "职责", "起始日期", "终止日期")
PLANTED_COLUMNS: Final = ("rule", "cell_code", "staff_id", "note")


@dataclass(frozen=True)
class RosterDemo:
    """A generated roster: the two files' rows and the breaches planted."""

    staff: pd.DataFrame
    assignments: pd.DataFrame
    planted: pd.DataFrame
    as_of: dt.date


def generate_roster(
    cells: pd.DataFrame,
    *,
    load: pd.DataFrame | None = None,
    seed: int = 20232,
    as_of: dt.date = AS_OF,
) -> RosterDemo:
    """Staff the demo grid and plant the gaps (see the module docstring).

    Parameters
    ----------
    cells : DataFrame
        The demo cell frame (``code``, ``name``, ``level``, ``parent_code``,
        optionally ``geometry`` for home points).
    load : DataFrame, optional
        ``cell_code``, ``employers``, ``workers`` per cell (the employers
        placed in it): needed to plant the overloaded inspector.
    seed : int
    as_of : date
        The date the planted breaches hold on.

    Raises
    ------
    GridBuildError
        The cells hold fewer than 2 counties, 3 townships or 40 villages.
    """
    plan = _Plan(cells, load, seed)
    plan.staff_counties()
    plan.staff_townships()
    plan.staff_villages()
    plan.plant_gaps()
    staff, assignments = plan.frames()
    planted = pd.DataFrame(plan.planted, columns=list(PLANTED_COLUMNS))
    planted = planted.sort_values(["rule", "cell_code", "staff_id"], ignore_index=True)
    planted["staff_id"] = (
        planted["staff_id"].astype(object).where(planted["staff_id"].notna(), None)
    )
    return RosterDemo(staff, assignments, planted, as_of)


class _Plan:
    """The roster being drawn: people, assignments, what was planted."""

    def __init__(self, cells: pd.DataFrame, load: pd.DataFrame | None, seed: int):
        self.cells = cells.sort_values("code", ignore_index=True)
        by_level = {lvl: self.cells[self.cells["level"] == lvl] for lvl in _LEVELS}
        if (
            len(by_level["county"]) < 2
            or len(by_level["township"]) < 3
            or len(by_level["village"]) < 40
        ):
            counts = {k: len(v) for k, v in by_level.items()}
            msg = f"the cells are too few for a demo roster: {counts}"
            raise GridBuildError(msg)
        self.by_level = by_level
        self.parent = dict(
            zip(self.cells["code"], self.cells["parent_code"], strict=True)
        )
        self.load = (
            load.set_index("cell_code")[["employers", "workers"]]
            if load is not None
            else pd.DataFrame(columns=["employers", "workers"])
        )
        streams = iter(np.random.SeedSequence(seed).spawn(8))
        self.rng = [np.random.default_rng(next(streams)) for _ in range(8)]
        self.people: list[dict[str, object]] = []
        self.jobs: list[dict[str, object]] = []
        self.planted: list[tuple[str, str | None, str | None, str]] = []
        self._serial: dict[tuple[str, str], int] = {}
        self.responsible: dict[str, int] = {}  # township -> inspectors

    # ------------------------------------------------------------- people
    def person(self, kind: str, unit: str, home: str | None = None) -> str:
        county = self.county_of(unit)
        letter = "J" if kind == "专职监察员" else "X"
        serial = self._serial.get((county, letter), 0) + 1
        self._serial[(county, letter)] = serial
        staff_id = f"{county}{letter}{serial:04d}"
        self.people.append(
            {"人员编号": staff_id, "类别": kind, "所属单位": unit, "home": home or unit}
        )
        return staff_id

    def assign(self, staff_id: str, cell: str, duty: str) -> None:
        self.jobs.append({"人员编号": staff_id, "网格编码": cell, "职责": duty})

    def county_of(self, code: str) -> str:
        while code and len(code) > 6:
            code = str(self.parent.get(code) or code[:6])
        return code

    # ------------------------------------------------------------ staffing
    def staff_counties(self) -> None:
        for county in self.by_level["county"]["code"]:
            for _ in range(BUREAU_INSPECTORS):
                self.person("专职监察员", county)

    def staff_townships(self) -> None:
        self.understaffed = str(
            self._pick(self.rng[0], self.by_level["township"], 1)[0]
        )
        for town in self.by_level["township"]["code"]:
            if town == self.understaffed:
                self.planted.append(
                    ("responsible_per_township", town, None, "无责任监察员的乡镇")
                )
                continue
            for _ in range(self._inspectors_needed(town)):
                inspector = self.person("专职监察员", town)
                self.assign(inspector, town, "责任监察员")

    def _inspectors_needed(self, town: str) -> int:
        """One responsible inspector, more where a township's load needs them.

        A cell's load is shared by the people holding the same duty in it.
        """
        if town not in self.load.index:
            return 1
        values = self.load.loc[town, list(INSPECTOR_LIMITS)].to_numpy(dtype=float)
        need = values / np.array(list(INSPECTOR_LIMITS.values()), dtype=float)
        self.responsible[town] = max(1, int(np.ceil(need.max())))
        return self.responsible[town]

    def staff_villages(self) -> None:
        villages = self.by_level["village"]
        self.village_staff: dict[str, list[str]] = {}
        for village, town in zip(
            villages["code"], villages["parent_code"], strict=True
        ):
            wanted = 1 if town == self.understaffed else 2
            people = [
                self.person("协管员", str(town), home=village) for _ in range(wanted)
            ]
            for staff_id in people:
                self.assign(staff_id, village, "协管员")
            self.village_staff[village] = people
            if wanted == 1:
                self.planted.append(
                    ("assistants_per_village", village, None, "乡镇缺员：仅 1 名协管员")
                )

    # --------------------------------------------------------------- gaps
    def plant_gaps(self) -> None:
        villages = self.by_level["village"]
        free = villages[villages["parent_code"] != self.understaffed]
        picked = [str(c) for c in self._pick(self.rng[1], free, 4 + 6 + 3 + 1)]
        none, one, outside, inactive = (
            picked[:4],
            picked[4:10],
            picked[10:13],
            picked[13],
        )
        for village in none + one:
            dropped = self.village_staff[village][: 2 if village in none else 1]
            self.jobs = [
                job
                for job in self.jobs
                if not (job["网格编码"] == village and job["人员编号"] in dropped)
            ]
            note = "无协管员的村" if village in none else "仅 1 名协管员的村"
            self.planted.append(("assistants_per_village", village, None, note))
        for village in outside:
            self._assign_from_elsewhere(village)
        ended = self.person("协管员", str(self.parent[inactive]), home=inactive)
        self.ended = ended
        self.assign(ended, inactive, "协管员")
        self.planted.append(("inactive_staff", inactive, ended, "离岗人员仍在岗"))
        self._overload()

    def _assign_from_elsewhere(self, village: str) -> None:
        """Replace one of a village's assistants by one of another county."""
        county = self.county_of(village)
        towns = self.by_level["township"]
        elsewhere = towns[
            (towns["parent_code"] != county) & (towns["code"] != self.understaffed)
        ]
        town = str(self._pick(self.rng[2], elsewhere, 1)[0])
        stranger = self.person("协管员", town, home=village)
        replaced = self.village_staff[village][0]
        for job in self.jobs:
            if job["网格编码"] == village and job["人员编号"] == replaced:
                job["人员编号"] = stranger
        self.planted.append(("within_own_county", village, stranger, "跨区县分配"))

    def _overload(self) -> None:
        """Make a bureau inspector responsible for townships until overloaded.

        Only townships that have their own inspector (the understaffed one
        must stay without), and only when their shares can pass the limit.
        """
        if self.load.empty:
            return
        towns = self.by_level["township"]
        towns = towns[towns["code"] != self.understaffed]
        loads = self.load.reindex(towns["code"]).fillna(0).astype(float)
        sharing = np.array([self.responsible.get(c, 1) + 1 for c in loads.index])
        shares = loads.div(sharing, axis=0)  # shared with the township's own
        shares["county"] = towns["parent_code"].to_numpy()
        county = str(shares.groupby("county")["employers"].sum().idxmax())
        mine = shares[shares["county"] == county].sort_values(
            "employers", ascending=False, kind="stable"
        )
        reached = mine["employers"].cumsum() > INSPECTOR_LIMITS["employers"]
        if not reached.any():
            return  # too few employers to overload anyone
        taken = mine.iloc[: int(np.argmax(reached.to_numpy())) + 1]
        inspector = f"{county}J0002"
        for town in taken.index:
            self.assign(inspector, str(town), "责任监察员")
        for measure, limit in INSPECTOR_LIMITS.items():
            if taken[measure].sum() > limit:
                rule = f"{measure}_per_inspector"
                self.planted.append((rule, None, inspector, "超负荷的监察员"))

    # ------------------------------------------------------------ frames
    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        people = pd.DataFrame(self.people)
        n = len(people)
        work = pd.DataFrame({"individual": np.ones(n, dtype=bool)})
        draw_people(self.rng[3], work)
        people["姓名"] = work["legal_rep"].to_numpy()
        people["联系电话"] = work["phone"].to_numpy()
        people["身份证号"] = _id_numbers(self.rng[4], people["人员编号"].str[:6])
        lon, lat = self._homes(people["home"])
        people["驻地经度"], people["驻地纬度"] = lon, lat
        people["坐标系"] = pd.Series(["WGS84"] * n).where(~np.isnan(lon), None)
        people["起始日期"] = VALID_FROM.isoformat()
        ended = people["人员编号"] == self.ended
        people["终止日期"] = pd.Series([ENDED_ON.isoformat()] * n).where(ended, None)
        jobs = pd.DataFrame(self.jobs)
        jobs["起始日期"] = VALID_FROM.isoformat()
        jobs["终止日期"] = None
        jobs = jobs.sort_values(["网格编码", "职责", "人员编号"], ignore_index=True)
        return people.loc[:, list(STAFF_HEADERS)], jobs.loc[:, list(ASSIGNMENT_HEADERS)]

    def _homes(self, where: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Return a point in the cell each person lives in (NaN without geometry)."""
        lon = np.full(len(where), np.nan)
        lat = np.full(len(where), np.nan)
        if "geometry" not in self.cells:
            return lon, lat
        geometry = self.cells.set_index("code")["geometry"]
        points = geometry.reindex(where).to_numpy()
        for k, shape in enumerate(points):
            if shape is not None and not getattr(shape, "is_empty", True):
                point = shape.representative_point()
                lon[k], lat[k] = round(point.x, 6), round(point.y, 6)
        return lon, lat

    @staticmethod
    def _pick(rng: np.random.Generator, frame: pd.DataFrame, n: int) -> np.ndarray:
        codes = np.sort(frame["code"].to_numpy().astype(str))
        return rng.choice(codes, size=n, replace=False)


_LEVELS: Final = ("city", "county", "township", "village")
#: Birth area of people whose county did not exist yet when they were born.
BIRTH_AREA_FALLBACK: Final = "370202"


def _id_numbers(rng: np.random.Generator, areas: pd.Series) -> list[str]:
    """Identity numbers valid by GB 11643 (check digit by python-stdnum)."""
    from stdnum.cn import ric

    start = dt.date(1984, 1, 1).toordinal()
    days = rng.integers(0, 365 * 15, size=len(areas))
    serials = rng.integers(1, 999, size=len(areas))
    numbers = []
    for area, day, serial in zip(areas, days, serials, strict=True):
        birth = dt.date.fromordinal(start + int(day))
        number = ""
        # the area is where the person was registered at birth: a district
        # set up later (李沧区 1994, 即墨区 2017) cannot be it
        for place in (area, BIRTH_AREA_FALLBACK):
            body = f"{place}{birth:%Y%m%d}{int(serial):03d}"
            # calc_check_digit takes the whole number and ignores its last digit
            number = body + ric.calc_check_digit(body + "0")
            if ric.is_valid(number):
                break
        numbers.append(number)
    return numbers


def write_roster(demo: RosterDemo, folder: Path) -> dict[str, Path]:
    """Write ``人员名册.csv`` (GB18030) and ``网格分配.csv`` (UTF-8 with BOM).

    Returns
    -------
    dict
        ``"staff"`` and ``"assignments"`` → the file written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    staff = folder / "人员名册.csv"
    assignments = folder / "网格分配.csv"
    demo.staff.to_csv(staff, index=False, encoding="gb18030", lineterminator="\r\n")
    demo.assignments.to_csv(assignments, index=False, encoding="utf-8-sig")
    return {"staff": staff, "assignments": assignments}
