"""Who carries out each demo inspection (:mod:`ingest.demo_records`).

People come from the demo roster (:mod:`ingest.demo_roster`): the
assistants (协管员) assigned to the employer's village, the inspectors
responsible for its township (责任监察员) and the county bureau's own
inspectors (专职监察员 whose unit is the county).  Each kind of check has
its team:

========  =============================================================
kind      team (a missing pool falls back to the next one)
========  =============================================================
patrol    1 assistant of the village (2 in 40 % of patrols);
          else the township's inspector; else a county inspector
written   the township's inspector; else a county inspector
complaint the township's inspector and an assistant of the village
campaign  the township's inspector and a county inspector
random    2 inspectors drawn from the county (双随机: random inspectors)
========  =============================================================

Only people in service on the day are drawn (起始日期 ≤ day ≤ 终止日期);
when nobody of a pool is, the pool is used as it is (the demo roster's
people start on the first day of the default history,
:data:`ingest.demo_roster.VALID_FROM`, so this only happens with a longer
history).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

#: Separator of several staff numbers in 检查人员编号.
STAFF_SEPARATOR: Final = "；"
#: Share of patrols made by two assistants.
PAIR_PATROLS: Final = 0.4

_FAR: Final = dt.date(9999, 12, 31).toordinal()


@dataclass
class StaffPools:
    """Staff numbers by cell and their days of service (date ordinals)."""

    village: dict[str, list[str]]
    township: dict[str, list[str]]
    county: dict[str, list[str]]
    start: dict[str, int]
    end: dict[str, int]
    _valid: dict[tuple[str, str, int], list[str]] = field(default_factory=dict)

    @classmethod
    def from_roster(cls, staff: pd.DataFrame, assignments: pd.DataFrame) -> StaffPools:
        """Build the pools from the roster's two frames.

        Parameters
        ----------
        staff : DataFrame
            ``人员编号``, ``类别``, ``所属单位``, ``起始日期``, ``终止日期``.
        assignments : DataFrame
            ``人员编号``, ``网格编码``, ``职责``, ``终止日期``.
        """
        jobs = assignments[~_filled(assignments["终止日期"])]
        ids = jobs["人员编号"].astype(str)
        cells = jobs["网格编码"].astype(str)
        duty = jobs["职责"].astype(str)
        village = _group(cells[duty == "协管员"], ids[duty == "协管员"])
        township = _group(cells[duty == "责任监察员"], ids[duty == "责任监察员"])
        unit = staff["所属单位"].astype(str)
        bureau = (staff["类别"] == "专职监察员") & (unit.str.len() == 6)
        county = _group(unit[bureau], staff.loc[bureau, "人员编号"].astype(str))
        people = staff["人员编号"].astype(str).to_numpy()
        return cls(
            village,
            township,
            county,
            dict(zip(people, _ordinals(staff["起始日期"], 0), strict=True)),
            dict(zip(people, _ordinals(staff["终止日期"], _FAR), strict=True)),
        )

    def pool(self, kind: str, code: str, day: int) -> list[str]:
        """People of one pool in service on ``day`` (all of it when none is)."""
        key = (kind, code, day)
        if key not in self._valid:
            people = getattr(self, kind).get(code, [])
            valid = [p for p in people if self.start[p] <= day <= self.end[p]]
            self._valid[key] = valid or people
        return self._valid[key]

    def county_wide(self, county: str, towns: list[str], day: int) -> list[str]:
        """Return a county's bureau inspectors and its townships' inspectors."""
        people = list(self.pool("county", county, day))
        for town in towns:
            people += [p for p in self.pool("township", town, day) if p not in people]
        return people


def assign_staff(
    rng: np.random.Generator,
    pools: StaffPools,
    events: pd.DataFrame,
    towns_of: dict[str, list[str]],
) -> list[str]:
    """Return 检查人员编号 for each inspection.

    Parameters
    ----------
    rng : numpy.random.Generator
    pools : StaffPools
    events : DataFrame
        ``kind``, ``day`` (ordinal), ``village``, ``township``, ``county``.
    towns_of : dict
        County code → its township codes (sorted).

    Returns
    -------
    list of str
        Staff numbers joined with :data:`STAFF_SEPARATOR` (``""`` when the
        roster has nobody near the employer).
    """
    draws = rng.random((len(events), 3))
    result = []
    columns = ("kind", "day", "village", "township", "county")
    rows = zip(*(events[c].tolist() for c in columns), strict=True)
    for (kind, day, village, town, county), u in zip(rows, draws, strict=True):
        v = pools.pool("village", village, day)
        t = pools.pool("township", town, day)
        c = pools.pool("county", county, day)
        if kind == "patrol":
            team = _take(v, u, 2 if u[2] < PAIR_PATROLS else 1) or _take(t or c, u, 1)
        elif kind == "written":
            team = _take(t or c, u, 1)
        elif kind == "complaint":
            team = _take(t or c, u[:1], 1) + _take(v or c, u[1:], 1)
        elif kind == "campaign":
            team = _take(t or c, u[:1], 1) + _take(c or t, u[1:], 1)
        else:  # random: two inspectors drawn from the county's roster
            team = _take(pools.county_wide(county, towns_of.get(county, []), day), u, 2)
        result.append(STAFF_SEPARATOR.join(dict.fromkeys(team)))
    return result


def _take(people: list[str], u: np.ndarray, k: int) -> list[str]:
    """Draw up to ``k`` distinct people with the uniforms ``u``."""
    left = list(people)
    team = []
    for x in u[:k]:
        if not left:
            break
        team.append(left.pop(int(x * len(left))))
    return team


def _group(keys: pd.Series, values: pd.Series) -> dict[str, list[str]]:
    frame = pd.DataFrame({"k": keys.to_numpy(), "v": values.to_numpy()})
    frame = frame.sort_values(["k", "v"])
    return {str(k): list(g["v"]) for k, g in frame.groupby("k", sort=True)}


def _filled(column: pd.Series) -> pd.Series:
    text = column.astype("string").fillna("").str.strip()
    return pd.Series(np.asarray(text != ""), index=column.index)


def _ordinals(column: pd.Series, missing: int) -> list[int]:
    out = []
    for value in column.tolist():
        text = "" if value is None or value is pd.NA else str(value).strip()
        if text in ("", "nan", "NaT", "None"):
            out.append(missing)
        else:
            out.append(dt.date.fromisoformat(text[:10]).toordinal())
    return out
