"""The places of the demo registry: villages, towns and their historical names.

:func:`read_gazetteer` collects, from the demo grid's cells, the village
cells employers are placed in with their town and county names, and, from
the 2016 NBS division list, the names an old address may still use: towns
renamed since (王台镇 -> 王台街道) and villages merged away in 2019-2021.
Used by :func:`ingest.demo_registry.generate_registry`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely

from grid.errors import GridBuildError
from ingest.demo_tables import OLD_COUNTIES


@dataclass(frozen=True)
class Gazetteer:
    """Villages (one row per village cell) and historical names."""

    villages: pd.DataFrame
    town_names: dict[str, str]
    county_names: dict[str, str]
    old_town_names: dict[str, str]
    #: village code -> old names of villages merged into it (sorted)
    predecessors: dict[str, tuple[str, ...]]


def short_village(name: str) -> str:
    """Return a committee name as addresses write it (``王台东村委会`` -> ``王台东村``).

    Examples
    --------
    >>> short_village("台东路社区居民委员会"), short_village("雒家村委会")
    ('台东路社区', '雒家村')
    """
    for suffix, kind in (
        ("村民委员会", "村"),
        ("村委会", "村"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
        ("委员会", "社区"),
    ):
        if name.endswith(suffix) and len(name) > len(suffix):
            base = name[: -len(suffix)]
            if kind == "村":
                return base if base.endswith("村") else base + "村"
            return base if base.endswith(("社区", "村")) else base + "社区"
    return name


def _town_stem(name: str) -> str:
    return re.sub(r"(街道办事处|办事处|街道|镇|乡)$", "", name)


def read_gazetteer(cells: pd.DataFrame, files: Mapping[str, Path]) -> Gazetteer:
    """Collect villages, names and the historical names of the 2016 list."""
    lacking = [c for c in ("code", "name", "level", "geometry") if c not in cells]
    if lacking:
        msg = f"the cell frame lacks columns {lacking}; has {list(cells.columns)}"
        raise GridBuildError(msg)
    villages = cells[cells["level"].astype(str) == "village"]
    if villages.empty:
        msg = "the cell frame has no village cells to place employers in"
        raise GridBuildError(msg)
    names = dict(zip(cells["code"].astype(str), cells["name"].astype(str), strict=True))
    table = pd.DataFrame(
        {
            "code": villages["code"].astype(str).to_numpy(),
            "name": villages["name"].astype(str).to_numpy(),
        }
    )
    table["town_code"] = table["code"].str[:9]
    table["county_code"] = table["code"].str[:6]
    table["short"] = table["name"].map(short_village)
    table["community"] = table["code"].str[-3:].astype(int) < 200
    geometry = villages["geometry"].to_numpy(dtype=object)
    has = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    table["has_geometry"] = has
    table["geometry"] = geometry
    table = table.sort_values("code", ignore_index=True)
    town_names = {t: names.get(t, t) for t in sorted(set(table["town_code"]))}
    counties = sorted(set(table["county_code"]))
    old_towns, predecessors = _historical_names(table, town_names, files)
    return Gazetteer(
        villages=table,
        town_names=town_names,
        county_names={c: names.get(c, c) for c in counties},
        old_town_names=old_towns,
        predecessors=predecessors,
    )


def _historical_names(
    villages: pd.DataFrame, town_names: dict[str, str], files: Mapping[str, Path]
) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Map 2016 towns and vanished villages onto today's towns and villages.

    A 2016 town maps to today's town of the same county (即墨市 370282 is
    today's 370215) with the same name stem (王台镇 -> 王台街道), else with
    the same code (藏南镇 -> 藏马镇).  A 2016 village whose name is found
    nowhere in today's county vanished in a merger; its successor is the
    village of its town sharing the longest name prefix (two characters at
    least), else the one at the same relative position in the town's code
    order (codes run roughly along the ground).
    """
    missing = [k for k in ("streets.csv", "villages.csv") if k not in files]
    if missing:
        msg = f"the 2016 division list lacks {missing}; got {sorted(files)}"
        raise GridBuildError(msg)
    counties = set(villages["county_code"])
    fix = {old: new for new, (old, _) in OLD_COUNTIES.items()}
    streets = pd.read_csv(
        files["streets.csv"], dtype=str, usecols=["code", "name", "areaCode"]
    )
    streets["county"] = streets["areaCode"].replace(fix)
    streets = streets[streets["county"].isin(counties)].sort_values("code")
    stems = {(code[:6], _town_stem(name)): code for code, name in town_names.items()}
    old_to_new: dict[str, str] = {}
    old_town_names: dict[str, str] = {}
    for code, name, county in zip(
        streets["code"], streets["name"], streets["county"], strict=True
    ):
        target = stems.get((county, _town_stem(name)))
        if target is None and county + code[6:] in town_names:
            target = county + code[6:]
        if target is None:
            continue
        old_to_new[code] = target
        display = name.removesuffix("办事处")
        now = town_names[target]
        renamed = _town_stem(display) != _town_stem(now)
        if renamed or (display.endswith("镇") and now.endswith("街道")):
            old_town_names[target] = display
    old = pd.read_csv(
        files["villages.csv"],
        dtype=str,
        usecols=["code", "name", "streetCode"],
        engine="pyarrow",
    )
    old = old[old["streetCode"].isin(old_to_new)].sort_values("code")
    return old_town_names, _predecessors(villages, old, old_to_new)


def _predecessors(
    villages: pd.DataFrame, old: pd.DataFrame, old_to_new: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """Return today's village code -> old names of villages merged into it."""
    known = set(zip(villages["county_code"], villages["short"], strict=True))
    by_town = {
        str(town): list(zip(group["code"], group["short"], strict=True))
        for town, group in villages.groupby("town_code", sort=True)
    }
    found: dict[str, list[str]] = {}
    for street, group in old.groupby("streetCode", sort=True):
        town = old_to_new[str(street)]
        now = by_town.get(town)
        if not now:
            continue
        shorts = group["name"].map(short_village).tolist()
        for position, short in enumerate(shorts):
            if (town[:6], short) in known:
                continue
            code = _successor(short, position / max(len(shorts), 1), now)
            found.setdefault(code, []).append(short)
    return {code: tuple(sorted(set(v))) for code, v in sorted(found.items())}


def _successor(short: str, position: float, now: list[tuple[str, str]]) -> str:
    """Pick today's village that an old village most plausibly merged into."""
    best, best_len = "", 1
    for code, name in now:
        common = 0
        for a, b in zip(short, name, strict=False):
            if a != b:
                break
            common += 1
        if common > best_len:
            best, best_len = str(code), common
    if best:
        return best
    index = min(int(position * len(now)), len(now) - 1)
    return str(now[index][0])
