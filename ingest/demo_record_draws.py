"""The draws behind the demo records (:mod:`ingest.demo_records`).

Every function takes its own :class:`numpy.random.Generator` and the
employer pool (one row per employer records may name: ``village``,
``township``, ``county``, ``category``, ``staff``, bool columns
``construction``, ``workshop``, ``never``, ``new``, ``wage_site``,
``child_site``) and returns events as frames of plain columns: ``emp``
(row of the pool), ``day`` (date ordinal), and what the event is.  Days lie
in ``[start, end]`` (:class:`Window`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

#: Violations per employer and year before risk (noise everywhere).
VIOLATION_RATE: Final = 0.016
#: Relative risk of violations by category (keys of the registry's CATEGORIES).
RISK: Final = {
    "construction": 2.0, "workshop": 1.8, "brick_kiln": 2.0, "mine": 2.0,
    "garment": 1.5, "toy": 1.5, "entertainment": 1.5, "labour_dispatch": 1.5,
    "overseas_labour": 2.0, "catering": 1.2, "live_streaming": 1.2,
}  # fmt: skip
#: Type mix of noise violations: default and by category.
TYPE_MIX: Final[dict[str, dict[str, float]]] = {
    "default": {
        "no_contract": 28, "no_insurance": 25, "wage_arrears": 18, "overtime": 12,
        "withheld_id": 2, "unlicensed": 3, "women_minors": 4, "other": 8,
    },
    "construction": {
        "wage_arrears": 50, "no_contract": 20, "no_insurance": 15, "overtime": 5,
        "other": 10,
    },
    "workshop": {
        "no_contract": 25, "no_insurance": 20, "wage_arrears": 15, "overtime": 15,
        "child_labour": 1, "unlicensed": 12, "women_minors": 5, "other": 7,
    },
    "labour_dispatch": {
        "illegal_agency": 30, "withheld_id": 10, "no_contract": 25,
        "no_insurance": 20, "other": 15,
    },
    "overseas_labour": {
        "illegal_agency": 40, "withheld_id": 20, "no_contract": 20, "other": 20,
    },
    "brick_kiln": {
        "wage_arrears": 30, "no_contract": 25, "forced_labour": 2, "unlicensed": 20,
        "no_insurance": 20, "other": 3,
    },
}  # fmt: skip
#: Wage arrears per construction employer of the townships around the
#: wage-arrears cluster (spill-over from its contractors; 1.5 inside).
RING_ARREARS: Final = 0.3
#: Type mix of the hotspot of the last year.
NEW_MIX: Final = {"overtime": 35, "no_contract": 30, "no_insurance": 20, "other": 15}
#: How a violation came to light, by type: source → weight.
SOURCES: Final = {
    "wage_arrears": {"complaint": 60, "patrol": 25, "campaign": 15},
    "child_labour": {"campaign": 40, "complaint": 30, "patrol": 30},
    "default": {"patrol": 45, "complaint": 30, "random": 15, "campaign": 10},
}
#: Channels of complaints (渠道) and their shares.
CHANNELS: Final = {"12333热线": 50, "网上投诉": 30, "来信来访": 10, "现场举报": 10}
#: Complaints per employer and year not leading to a case.
COMPLAINT_RATE: Final = 0.008
#: Routine inspection rates: patrols per employer-year, written reviews and
#: random checks per employer and year, campaign shares of their targets.
PATROLS: Final = 2.0
WRITTEN: Final = 0.85
RANDOM: Final = 0.05
CAMPAIGNS: Final = (
    # (first month-day, last month-day, share, target categories)
    ((12, 1), (1, 31), 0.30,
     ("construction", "workshop", "garment", "toy", "brick_kiln", "mine")),
    ((6, 1), (7, 31), 0.20,
     ("workshop", "entertainment", "catering", "live_streaming")),
)  # fmt: skip


@dataclass(frozen=True)
class Window:
    """The history's days (ordinals): ``start`` … ``end`` and the last year."""

    start: int
    end: int
    last_year: int

    @property
    def last_quarter(self) -> int:
        """First day of the calendar quarter holding ``end`` (clipped to ``start``).

        A quarterly emerging-hotspot analysis up to ``end`` has this
        quarter as its final time step.
        """
        day = dt.date.fromordinal(self.end)
        first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return max(first.toordinal(), self.start)

    @property
    def years(self) -> float:
        """Length in years."""
        return (self.end - self.start + 1) / 365.25

    def spans(self, first: tuple[int, int], last: tuple[int, int]) -> list[range]:
        """Each yearly span from month-day ``first`` to ``last``, clipped."""
        out = []
        begin = dt.date.fromordinal(self.start).year - 1
        for year in range(begin, dt.date.fromordinal(self.end).year + 1):
            a = dt.date(year, *first).toordinal()
            b = dt.date(year + (last < first), *last).toordinal()
            a, b = max(a, self.start), min(b, self.end)
            if a <= b:
                out.append(range(a, b + 1))
        return out


def workdays(days: np.ndarray, window: Window) -> np.ndarray:
    """Move Saturdays to Fridays and Sundays to Mondays (within the window)."""
    weekday = (days - 1) % 7  # date.fromordinal(1) is a Monday
    moved = days - (weekday == 5) + (weekday == 6)
    return np.clip(moved, window.start, window.end)


def _choice(rng: np.random.Generator, mix: Mapping[str, float], n: int) -> np.ndarray:
    keys = np.array(list(mix))
    weights = np.array(list(mix.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=weights / weights.sum())]


def draw_days(rng: np.random.Generator, a: int, b: int, n: int) -> np.ndarray:
    """Draw ``n`` days uniformly from ``a`` to ``b`` (ordinals, inclusive)."""
    return rng.integers(a, b + 1, size=n)


# ------------------------------------------------------------------ violations
def noise_violations(
    rng: np.random.Generator, pool: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """Violations at the base rate everywhere but where nobody inspects.

    The new hotspot's villages keep theirs: emptied before the last year
    they would stand out as a cold spot, and a hot spot that was a cold
    spot before is *oscillating*, not *new*.
    """
    risk = pool["category"].map(RISK).fillna(0.7).to_numpy(dtype=float)
    lam = np.where(pool["never"], 0.0, VIOLATION_RATE * window.years * risk)
    emp = np.repeat(np.arange(len(pool)), rng.poisson(lam))
    day = draw_days(rng, window.start, window.end, len(emp))
    kinds = pool["category"].to_numpy()[emp]
    types = np.empty(len(emp), dtype=object)
    for category in sorted(set(kinds)):
        at = kinds == category
        types[at] = _choice(rng, TYPE_MIX.get(category, TYPE_MIX["default"]), at.sum())
    return pd.DataFrame({"emp": emp, "day": day, "type": types, "pattern": ""})


def planted_violations(
    rng: np.random.Generator, pool: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """Draw the violations of the three planted hotspots.

    The new hotspot's fall in the final calendar quarter of the window
    (:attr:`Window.last_quarter`): hot in the last time step of a quarterly
    analysis and never before, what Emerging Hot Spot Analysis calls *new*
    (hot in each quarter of the last year would be *consecutive*).
    """
    frames = []
    wage = np.flatnonzero(pool["wage_site"] & pool["construction"])
    emp = np.repeat(wage, 1 + rng.poisson(0.5, len(wage)))
    winters = window.spans((11, 1), (2, 15))
    season = [d for span in winters for d in span]
    day = np.where(
        rng.random(len(emp)) < 0.7,
        rng.choice(np.array(season), size=len(emp)),
        draw_days(rng, window.start, window.end, len(emp)),
    )
    frames.append(_events(emp, day, "wage_arrears", "wage_arrears"))
    ring = np.flatnonzero(
        pool["wage_ring"] & pool["construction"] & ~pool["never"] & ~pool["new"]
    )
    emp = np.repeat(ring, rng.poisson(RING_ARREARS, len(ring)))
    day = draw_days(rng, window.start, window.end, len(emp))
    frames.append(_events(emp, day, "wage_arrears", "wage_arrears"))
    child = np.flatnonzero(pool["child_site"] & pool["workshop"])
    emp = np.repeat(child, 1 + (rng.random(len(child)) < 0.3))
    day = draw_days(rng, window.start, window.end, len(emp))
    frames.append(_events(emp, day, "child_labour", "child_labour"))
    new = np.flatnonzero(pool["new"])
    emp = np.repeat(new, rng.poisson(0.4, len(new)))
    day = draw_days(rng, window.last_quarter, window.end, len(emp))
    frames.append(_events(emp, day, _choice(rng, NEW_MIX, len(emp)), "new"))
    return pd.concat(frames, ignore_index=True)


def _events(
    emp: np.ndarray, day: np.ndarray, kind: object, pattern: str
) -> pd.DataFrame:
    return pd.DataFrame({"emp": emp, "day": day, "type": kind, "pattern": pattern})


def outcomes(
    rng: np.random.Generator, pool: pd.DataFrame, found: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """Add workers, arrears, outcome, closing day and source to violations."""
    v = found.copy()
    n = len(v)
    day = workdays(v["day"].to_numpy(), window)
    v["day"] = day
    kind = v["type"].to_numpy()
    staff = pool["staff"].to_numpy(dtype=float)[v["emp"].to_numpy()]
    share = rng.uniform(0.2, 0.8, n)
    workers = np.maximum(1, np.round(staff * share)).astype(int)
    planted_wage = (v["pattern"] == "wage_arrears").to_numpy()
    workers = np.where(
        planted_wage, np.maximum(workers, rng.integers(8, 40, n)), workers
    )
    workers = np.where(kind == "child_labour", rng.integers(1, 4, n), workers)
    arrears = kind == "wage_arrears"
    months = np.where(
        planted_wage,
        rng.choice([2.0, 3.0, 4.0, 5.0, 6.0], n),
        rng.choice(
            [0.5, 1.0, 1.5, 2.0, 3.0, 4.0], n, p=[0.25, 0.3, 0.2, 0.12, 0.08, 0.05]
        ),
    )
    months = np.where(arrears, months, np.nan)
    monthly = rng.integers(35, 76, n) * 100
    amount = np.where(arrears, np.round(workers * months * monthly), np.nan)
    serious = np.isin(kind, ["child_labour", "forced_labour"])
    p_penalty = np.select([serious, kind == "unlicensed"], [0.95, 0.5], 0.2)
    penalised = rng.random(n) < p_penalty
    fine = np.where(
        serious,
        5000 * workers * rng.integers(1, 7, n),
        rng.integers(2, 51, n) * 1000,
    )
    length = np.where(
        rng.random(n) < 0.04, rng.integers(90, 141, n), rng.integers(10, 85, n)
    )
    closed = day + length
    is_closed = closed <= window.end
    p_police = np.select(
        [kind == "forced_labour", kind == "child_labour", arrears & (amount > 100_000)],
        [0.8, 0.3, 0.3],
        0.0,
    )
    v["workers"] = workers
    v["months"] = months
    v["arrears_yuan"] = amount
    v["rectify"] = rng.random(n) < 0.92
    v["penalised"] = penalised
    v["fine"] = np.where(penalised, fine, np.nan)
    back = np.round(amount * rng.uniform(0.8, 1.0, n))
    v["back_wages"] = np.where(arrears & is_closed, back, np.nan)
    v["contracts"] = np.where((kind == "no_contract") & is_closed, workers, np.nan)
    v["insured"] = np.where((kind == "no_insurance") & is_closed, workers, np.nan)
    v["shut"] = (kind == "unlicensed") & (rng.random(n) < 0.4)
    v["police"] = rng.random(n) < p_police
    v["closed"] = np.where(is_closed, closed, -1)
    v["source"] = ""
    for key in sorted(set(kind)):
        at = kind == key
        v.loc[at, "source"] = _choice(
            rng, SOURCES.get(key, SOURCES["default"]), at.sum()
        )
    return v


# ------------------------------------------------------------------ complaints
def case_complaints(
    rng: np.random.Generator, cases: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """One complaint before each case that a complaint brought to light."""
    c = cases[cases["source"] == "complaint"]
    day = np.maximum(c["day"].to_numpy() - rng.integers(2, 16, len(c)), window.start)
    return pd.DataFrame(
        {
            "emp": c["emp"].to_numpy(),
            "day": day,
            "type": c["type"].to_numpy(),
            "status": np.where(c["closed"] >= 0, "closed", "accepted"),
            "closed": c["closed"].to_numpy(),
            "check": -1,  # the case's own inspection is drawn with the case
        }
    )


def other_complaints(
    rng: np.random.Generator, pool: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """Complaints that lead to no case: rejected, checked clean, or left open."""
    n = round(COMPLAINT_RATE * len(pool) * window.years)
    candidates = np.flatnonzero(~pool["never"].to_numpy())
    emp = np.sort(rng.choice(candidates, size=n))
    day = draw_days(rng, window.start, window.end, n)
    check = day + rng.integers(3, 13, n)
    closed = check + rng.integers(1, 21, n)
    fate = rng.random(n)
    rejected = fate < 0.15
    stalled = (fate > 0.97) & (day < window.end - 30)  # open past deadline
    status = np.select(
        [rejected, stalled, closed <= window.end, check <= window.end],
        ["rejected", "accepted", "closed", "accepted"],
        "received",
    )
    checked = (status == "closed") | ((status == "accepted") & ~stalled)
    return pd.DataFrame(
        {
            "emp": emp,
            "day": day,
            "type": _choice(rng, TYPE_MIX["default"], n),
            "status": status,
            "closed": np.where(status == "closed", closed, -1),
            "check": np.where(checked & (check <= window.end), check, -1),
        }
    )


def unheard_complaints(
    rng: np.random.Generator, pool: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """One complaint per village nobody inspects, registered and never handled."""
    never = pool[pool["never"]]
    first = never.reset_index().groupby("village", sort=True)["index"].min()
    n = len(first)
    return pd.DataFrame(
        {
            "emp": first.to_numpy(),
            "day": draw_days(rng, window.end - 180, window.end - 30, n),
            "type": _choice(rng, {"wage_arrears": 1, "no_contract": 1}, n),
            "status": "received",
            "closed": -1,
            "check": -1,
        }
    )


def channels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Channels (渠道) of ``n`` complaints."""
    return _choice(rng, CHANNELS, n)


# ----------------------------------------------------------------- inspections
def routine_inspections(
    rng: np.random.Generator, pool: pd.DataFrame, window: Window
) -> pd.DataFrame:
    """Patrols, written reviews, random checks and campaign checks."""
    seen = np.flatnonzero(~pool["never"].to_numpy())
    villages = np.array(sorted(set(pool["village"])))
    zeal = dict(zip(villages, rng.gamma(6.0, 1 / 6.0, len(villages)), strict=True))
    lam = PATROLS * window.years * pool["village"].map(zeal).to_numpy()[seen]
    emp = np.repeat(seen, rng.poisson(lam))
    frames = [
        _checks(emp, draw_days(rng, window.start, window.end, len(emp)), "patrol")
    ]
    for span in window.spans((3, 1), (6, 30)):
        emp = seen[rng.random(len(seen)) < WRITTEN]
        frames.append(
            _checks(emp, draw_days(rng, span[0], span[-1], len(emp)), "written")
        )
    for span in window.spans((4, 1), (10, 31)):
        k = round(RANDOM * len(seen))
        emp = np.sort(rng.choice(seen, size=k, replace=False))
        frames.append(_checks(emp, draw_days(rng, span[0], span[-1], k), "random"))
    category = pool["category"].to_numpy()
    for first, last, share, targets in CAMPAIGNS:
        target = seen[np.isin(category[seen], targets)]
        for span in window.spans(first, last):
            emp = target[rng.random(len(target)) < share]
            days = draw_days(rng, span[0], span[-1], len(emp))
            frames.append(_checks(emp, days, "campaign"))
    checks = pd.concat(frames, ignore_index=True)
    checks["day"] = workdays(checks["day"].to_numpy(), window)
    minor = rng.random(len(checks)) < 0.02  # put right on the spot, no case
    checks["result"] = np.where(minor, "problem", "clean")
    return checks


def _checks(emp: np.ndarray, day: np.ndarray, kind: str) -> pd.DataFrame:
    return pd.DataFrame({"emp": emp, "day": day, "kind": kind})
