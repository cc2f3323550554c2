"""Where the demo registry's rows say they are: addresses and coordinates.

:func:`draw_historical` picks the rows whose address uses historical names,
:func:`write_addresses` writes operating and registered addresses in the
formats of :data:`ingest.demo_tables.ADDRESS_FORMATS`, and
:func:`declare_coordinates` declares each point in one of several datums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from grid.coords import wgs84_to_bd09, wgs84_to_gcj02
from ingest.demo_gazetteer import Gazetteer
from ingest.demo_tables import (
    CRS_LABELS,
    CRS_SHARES,
    HISTORICAL_SHARE,
    HISTORICAL_WEIGHTS,
    JIAONAN_TOWNS,
    OLD_COUNTIES,
    OTHER_PROVINCES,
    ROADS,
    RURAL_FORMATS,
    URBAN_FORMATS,
)
from ingest.demo_values import choose_label, pick_labels

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def draw_historical(
    rng: np.random.Generator, gaz: Gazetteer, work: pd.DataFrame
) -> None:
    """Choose the rows whose address uses historical names, and which names."""
    n = len(work)
    county = work["county_code"].to_numpy(dtype=object)
    town = work["town_code"].to_numpy(dtype=object)
    village = work["village_code"].to_numpy(dtype=object)
    in_town = work["town_code"].isin(JIAONAN_TOWNS).to_numpy()
    can = {
        "county": work["county_code"].isin(list(OLD_COUNTIES)).to_numpy()
        & ((county != "370211") | in_town),
        "town": work["town_code"].isin(list(gaz.old_town_names)).to_numpy(),
        "village": work["village_code"].isin(list(gaz.predecessors)).to_numpy(),
    }
    eligible = np.flatnonzero(can["county"] | can["town"] | can["village"])
    m = min(round(HISTORICAL_SHARE * n), eligible.size)
    chosen = np.sort(rng.choice(eligible, size=m, replace=False))
    kinds = np.full(n, "", dtype=object)
    old_county = np.full(n, "", dtype=object)
    old_town = np.full(n, "", dtype=object)
    old_village = np.full(n, "", dtype=object)
    for i in chosen:
        available = [k for k in ("county", "town", "village") if can[k][i]]
        primary = choose_label(rng, [(k, HISTORICAL_WEIGHTS[k]) for k in available])
        used = [k for k in available if k == primary or rng.random() < 0.35]
        kinds[i] = ",".join(used)
        if "county" in used:
            old_county[i] = OLD_COUNTIES[county[i]][1]
        if "town" in used:
            old_town[i] = gaz.old_town_names[town[i]]
        if "village" in used:
            names = gaz.predecessors[village[i]]
            old_village[i] = names[rng.integers(len(names))]
    work["historical"] = kinds
    work["old_county"] = old_county
    work["old_town"] = old_town
    work["old_village"] = old_village


@dataclass(frozen=True)
class _Place:
    """The names an address is made of."""

    county_code: str
    county: str
    town: str
    village: str
    community: bool
    old_county: str = ""
    old_town: str = ""
    old_village: str = ""


def _format_for(rng: np.random.Generator, place: _Place) -> str:
    """Pick an address format that can carry the place's (historical) names."""
    options = URBAN_FORMATS if place.community else RURAL_FORMATS
    allowed = []
    for name, weight in options:
        if name == "xihaian" and (place.county_code != "370211" or place.old_county):
            continue
        if place.old_county and name not in ("full", "city", "county"):
            continue
        if (place.old_town or place.old_village) and name == "road":
            continue
        allowed.append((name, weight))
    return choose_label(rng, allowed)


def _detail(rng: np.random.Generator, road: str, place: _Place, village: str) -> str:
    """Return the part after the township: village, road, number, building."""
    number = int(rng.integers(1, 400))
    if place.community and not place.old_village:
        text = f"{road}{number}号"
        roll = rng.random()
        if roll < 0.2:
            text += f"{rng.integers(1, 30)}号楼{rng.integers(1, 6)}单元"
            text += f"{rng.integers(1, 33)}{rng.integers(1, 5):02d}室"
        elif roll < 0.35:
            text += f"{rng.integers(1, 30)}{rng.integers(1, 20):02d}室"
        elif roll < 0.45:
            text += f"{rng.integers(1, 6)}楼"
        with_village = rng.random() < 0.3
        return (village + text) if with_village else text
    roll = rng.random()
    if roll < 0.35:
        return village
    if roll < 0.65:
        return f"{village}{number}号"
    if roll < 0.8:
        side = "东南西北"[rng.integers(4)]
        extra = f"{rng.integers(1, 10) * 100}米" if rng.random() < 0.5 else ""
        return f"{village}{side}{extra}"
    if roll < 0.9:
        return f"{village}工业园{number}号"
    return f"{village}{road}{number}号"


def _address(rng: np.random.Generator, road: str, place: _Place, fmt: str) -> str:
    """Write one address in a format of :data:`ADDRESS_FORMATS`."""
    county = place.old_county or place.county
    town = place.old_town or place.town
    village = place.old_village or place.village
    detail = _detail(rng, road, place, village)
    if fmt == "full":
        city = "青岛市" if not place.old_county or rng.random() < 0.5 else ""
        text = f"山东省{city}{county}{town}{detail}"
    elif fmt == "city":
        text = f"青岛市{county}{town}{detail}"
    elif fmt == "county":
        text = f"{county}{town}{detail}"
    elif fmt == "short":
        text = f"青岛{_county_short(county)}{town}{detail}"
    elif fmt == "town":
        text = f"{town}{detail}"
    elif fmt == "road":
        text = f"青岛市{county}{road}{int(rng.integers(1, 400))}号"
    else:  # xihaian
        text = f"{'青岛' if rng.random() < 0.6 else '青岛市'}西海岸新区{town}{detail}"
    if rng.random() < 0.05:
        text = text.translate(_FULL_WIDTH)
    return text


@dataclass(frozen=True)
class _AddressRow:
    county_code: str
    town_code: str
    village_idx: int
    community: bool
    old_county: str
    old_town: str
    old_village: str
    registered_elsewhere: bool
    registered_county_code: str
    reg_village_idx: int


def write_addresses(
    rng: np.random.Generator, gaz: Gazetteer, work: pd.DataFrame
) -> None:
    """Write operating and registered addresses."""
    shorts = gaz.villages["short"].tolist()
    operating, registered, formats = [], [], []
    names = (
        "county_code", "town_code", "village_idx", "community", "old_county",
        "old_town", "old_village", "registered_elsewhere", "registered_county_code",
        "reg_village_idx",
    )  # fmt: skip
    columns = [work[c].tolist() for c in names]
    for values in zip(*columns, strict=True):
        row = _AddressRow(*values)
        place = _Place(
            county_code=row.county_code,
            county=gaz.county_names[row.county_code],
            town=gaz.town_names[row.town_code],
            village=shorts[row.village_idx],
            community=bool(row.community),
            old_county=row.old_county,
            old_town=row.old_town,
            old_village=row.old_village,
        )
        fmt = _format_for(rng, place)
        roads = ROADS.get(row.county_code, ("人民路",))
        road = roads[rng.integers(len(roads))]
        text = _address(rng, road, place, fmt)
        operating.append(text)
        formats.append(fmt)
        registered.append(_registered(rng, gaz, row, place, text))
    work["operating_address"] = operating
    work["registered_address"] = registered
    work["address_format"] = formats


def _registered(
    rng: np.random.Generator,
    gaz: Gazetteer,
    row: _AddressRow,
    place: _Place,
    text: str,
) -> str:
    """Return the registered address: mostly the operating one."""
    if row.registered_elsewhere and row.registered_county_code in gaz.county_names:
        code = row.registered_county_code
        village = gaz.villages.iloc[row.reg_village_idx]
        there = _Place(
            county_code=code,
            county=gaz.county_names[code],
            town=gaz.town_names[village["town_code"]],
            village=village["short"],
            community=bool(village["community"]),
        )
        roads = ROADS.get(code, ("人民路",))
        road = roads[rng.integers(len(roads))]
        return _address(rng, road, there, _format_for(rng, there))
    if row.registered_elsewhere:
        prefix, roads = next(
            (p[1], p[2]) for p in OTHER_PROVINCES if p[0] == row.registered_county_code
        )
        road = roads[rng.integers(len(roads))]
        return f"{prefix}{road}{rng.integers(1, 300)}号"
    if rng.random() < 0.15:
        roads = ROADS.get(place.county_code, ("人民路",))
        road = roads[rng.integers(len(roads))]
        return _address(rng, road, place, _format_for(rng, place))
    return text


# --------------------------------------------------------------------------
# coordinates


def declare_coordinates(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Declare coordinates in mixed datums; rows without geometry get none."""
    n = len(work)
    geo = work["has_geometry"].to_numpy()
    share_off = 1 - geo.mean()
    p_none = max(0.0, (CRS_SHARES["none"] - share_off) / max(1 - share_off, 1e-9))
    scale = (1 - p_none) / (1 - CRS_SHARES["none"])
    options = [(k, v * scale) for k, v in CRS_SHARES.items() if k != "none"]
    options.append(("none", p_none))
    crs = pick_labels(rng, options, n)
    crs[~geo] = "none"
    labels = np.full(n, "", dtype=object)
    for datum, choices in CRS_LABELS.items():
        rows = np.flatnonzero(crs == datum)
        labels[rows] = pick_labels(rng, choices, rows.size)
    lon0 = work["true_lon"].to_numpy()
    lat0 = work["true_lat"].to_numpy()
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    wgs = np.isin(crs, ["wgs84", "cgcs2000"])
    lon[wgs], lat[wgs] = lon0[wgs], lat0[wgs]
    for datum, convert in (("gcj02", wgs84_to_gcj02), ("bd09", wgs84_to_bd09)):
        rows = crs == datum
        lon[rows], lat[rows] = convert(lon0[rows], lat0[rows])
    work["crs"] = crs
    work["crs_label"] = labels
    work["lon"] = np.round(lon, 6)
    work["lat"] = np.round(lat, 6)


def _county_short(name: str) -> str:
    """Return a county name without 区/市 (``黄岛区`` -> ``黄岛``)."""
    return name[:-1] if len(name) > 2 and name[-1] in "区市县" else name
