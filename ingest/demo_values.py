"""What the demo registry's rows are: employer, place, credit code, name, staff.

Each ``draw_*`` function adds columns to the generator's work frame (one row
per employer) from its own random stream; the order in which
:func:`ingest.demo_registry.generate_registry` calls them is fixed.  The
tables they draw from are in :mod:`ingest.demo_tables`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from grid.errors import GridBuildError
from ingest.demo_gazetteer import Gazetteer
from ingest.demo_tables import (
    CATEGORIES,
    CITY_CODE,
    COMPANY_TYPES,
    COUNTY_SHARES,
    ECONOMIC_TYPES,
    FOREIGN_TRADE_NAMES,
    GIVEN_CHARS,
    INDUSTRIES,
    JIAONAN_TOWNS,
    LARGE_SHARE,
    LARGE_TYPES,
    MOBILE_PREFIXES,
    NO_GEOMETRY_SHARE,
    OLD_COUNTIES,
    OTHER_PROVINCES,
    SHOP_ENDINGS,
    STALE_DAYS,
    SURNAMES,
    TRADE_CHARS,
    USCC_AREA_SHARES,
    Category,
)
from ingest.uscc import ALPHABET, make_uscc


def _village_weights(gaz: Gazetteer, category: Category) -> npt.NDArray[np.float64]:
    """Return the probability of each village for employers of a category."""
    v = gaz.villages
    kind = np.where(v["community"].to_numpy(), category.urban, category.rural)
    mult = dict(category.counties)
    county = v["county_code"]
    county_w = county.map(lambda c: COUNTY_SHARES.get(c, 0.0) * mult.get(c, 1.0))
    per_county = pd.Series(kind, index=v.index).groupby(county).transform("sum")
    denominator = per_county.to_numpy(dtype=float)
    weights = np.divide(
        county_w.to_numpy(dtype=float) * kind,
        denominator,
        out=np.zeros(len(v)),
        where=denominator > 0,
    )
    geo = v["has_geometry"].to_numpy()
    on, off = weights[geo].sum(), weights[~geo].sum()
    if on > 0 and off > 0:
        weights[geo] *= (1 - NO_GEOMETRY_SHARE) / on
        weights[~geo] *= NO_GEOMETRY_SHARE / off
    total = weights.sum()
    if total <= 0:
        msg = f"no village can hold employers of category {category.key!r}"
        raise GridBuildError(msg)
    return np.asarray(weights / total, dtype=np.float64)


def pick_labels(
    rng: np.random.Generator, options: Sequence[tuple[str, float]], size: int
) -> npt.NDArray[np.object_]:
    """Draw ``size`` labels from ``(label, weight)`` pairs."""
    labels = np.array([o[0] for o in options], dtype=object)
    weights = np.array([o[1] for o in options], dtype=float)
    return labels[rng.choice(len(labels), size=size, p=weights / weights.sum())]


def choose_label(rng: np.random.Generator, options: Sequence[tuple[str, float]]) -> str:
    """Draw one label from ``(label, weight)`` pairs (cheap, for per-row loops)."""
    left = rng.random() * sum(w for _, w in options)
    for label, weight in options:
        left -= weight
        if left < 0:
            return label
    return options[-1][0]


def draw_who_and_where(
    rng: np.random.Generator, place_rng: np.random.Generator, gaz: Gazetteer, n: int
) -> pd.DataFrame:
    """Draw category, industry, economic type and village of every row."""
    shares = np.array([c.share for c in CATEGORIES])
    cat = rng.choice(len(CATEGORIES), size=n, p=shares / shares.sum())
    industry = np.empty(n, dtype=object)
    village = np.zeros(n, dtype=np.int64)
    individual = np.zeros(n, dtype=bool)
    for k, category in enumerate(CATEGORIES):
        rows = np.flatnonzero(cat == k)
        if rows.size == 0:
            continue
        industry[rows] = pick_labels(rng, category.industries, rows.size)
        individual[rows] = rng.random(rows.size) < category.individual
        weights = _village_weights(gaz, category)
        village[rows] = place_rng.choice(len(weights), size=rows.size, p=weights)
    # a 个体工商户 runs a shop or works, not a property or software firm
    shop = np.array([any(_is_shop(w) for w in INDUSTRIES[c].words) for c in industry])
    individual &= shop
    factory = np.array([INDUSTRIES[c].factory for c in industry])
    large = factory & ~individual & (rng.random(n) < LARGE_SHARE)
    econ = pick_labels(rng, COMPANY_TYPES, n)
    econ[large] = pick_labels(rng, LARGE_TYPES, int(large.sum()))
    coop = (industry == "A0411") & (rng.random(n) < 0.3)
    econ[coop] = "农民专业合作社"
    econ[individual] = "个体工商户"
    v = gaz.villages
    return pd.DataFrame(
        {
            "category": [CATEGORIES[k].key for k in cat],
            "cat": cat,
            "industry": industry,
            "individual": individual,
            "large": large,
            "econ": econ,
            "village_idx": village,
            "village_code": v["code"].to_numpy()[village],
            "town_code": v["town_code"].to_numpy()[village],
            "county_code": v["county_code"].to_numpy()[village],
            "community": v["community"].to_numpy()[village],
            "has_geometry": v["has_geometry"].to_numpy()[village],
        }
    )


def draw_points(rng: np.random.Generator, gaz: Gazetteer, work: pd.DataFrame) -> None:
    """Draw a true point uniformly inside each row's village (rejection in bbox)."""
    v = gaz.villages
    geo = v["has_geometry"].to_numpy()
    geoms = np.full(len(v), None, dtype=object)
    # copies, so that preparing them does not touch the caller's cells
    geoms[geo] = shapely.from_wkb(shapely.to_wkb(v["geometry"].to_numpy()[geo]))
    shapely.prepare(geoms[geo])
    bounds = np.full((len(v), 4), np.nan)
    bounds[geo] = shapely.bounds(geoms[geo])
    vi = work["village_idx"].to_numpy()
    lon = np.full(len(work), np.nan)
    lat = np.full(len(work), np.nan)
    pending = np.flatnonzero(work["has_geometry"].to_numpy())
    for _ in range(200):
        if pending.size == 0:
            break
        box = bounds[vi[pending]]
        x = box[:, 0] + rng.random(pending.size) * (box[:, 2] - box[:, 0])
        y = box[:, 1] + rng.random(pending.size) * (box[:, 3] - box[:, 1])
        inside = shapely.contains_xy(geoms[vi[pending]], x, y)
        lon[pending[inside]] = x[inside]
        lat[pending[inside]] = y[inside]
        pending = pending[~inside]
    if pending.size:
        fallback = shapely.point_on_surface(geoms[vi[pending]])
        lon[pending] = shapely.get_x(fallback)
        lat[pending] = shapely.get_y(fallback)
    work["true_lon"] = lon
    work["true_lat"] = lat


# --------------------------------------------------------------------------
# credit codes


def draw_uscc_areas(
    rng: np.random.Generator, gaz: Gazetteer, work: pd.DataFrame
) -> None:
    """Choose each code's registration area and where the employer is registered."""
    n = len(work)
    individual = work["individual"].to_numpy()
    # individual businesses register locally: give companies their share
    lift = 1 / max(1 - individual.mean(), 0.5)
    shares = dict(USCC_AREA_SHARES)
    shares["other_province"] *= lift
    shares["true_county"] -= USCC_AREA_SHARES["other_province"] * (lift - 1)
    kind = pick_labels(rng, tuple(shares.items()), n)
    kind[individual & (kind == "other_province")] = "true_county"
    county = work["county_code"].to_numpy().astype(object)
    area = county.copy()
    old = np.array([OLD_COUNTIES.get(c, ("", ""))[0] for c in county], dtype=object)
    in_town = work["town_code"].isin(JIAONAN_TOWNS).to_numpy()
    in_old = (old != "") & ((county != "370211") | in_town)
    city = kind == "city_or_old"
    use_old = city & in_old & (rng.random(n) < 0.75)
    area[city] = CITY_CODE
    area[use_old] = old[use_old]
    codes = sorted(COUNTY_SHARES)
    other = np.flatnonzero(kind == "other_county")
    shift = rng.integers(1, len(codes), size=other.size)
    position = np.searchsorted(codes, county[other])
    area[other] = np.array(codes, dtype=object)[(position + shift) % len(codes)]
    province = np.flatnonzero(kind == "other_province")
    pick = rng.integers(0, len(OTHER_PROVINCES), size=province.size)
    area[province] = np.array([p[0] for p in OTHER_PROVINCES], dtype=object)[pick]
    elsewhere = np.zeros(n, dtype=bool)
    elsewhere[other] = rng.random(other.size) < 0.7
    elsewhere[province] = rng.random(province.size) < 0.8
    registered = np.where(elsewhere, area, county)
    reg_village = work["village_idx"].to_numpy().copy()
    v = gaz.villages
    for code in codes:
        rows = np.flatnonzero(elsewhere & (registered == code))
        pool = np.flatnonzero(v["county_code"].to_numpy() == code)
        if rows.size and pool.size:
            reg_village[rows] = pool[rng.integers(0, pool.size, size=rows.size)]
    work["uscc_area"] = area
    work["uscc_area_kind"] = kind
    work["registered_elsewhere"] = elsewhere
    work["registered_county_code"] = registered
    work["reg_village_idx"] = reg_village


def draw_uscc_codes(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Make a valid, unique credit code for every row."""
    n = len(work)
    codes = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    econ = work["econ"].tolist()
    area = work["uscc_area"].tolist()
    while todo.size:
        bodies = _org_bodies(rng, work["individual"].to_numpy()[todo])
        clashes = []
        for i, body in zip(todo.tolist(), bodies, strict=True):
            authority, org_type = ECONOMIC_TYPES[econ[i]]
            code = make_uscc(authority, org_type, area[i], body)
            if code in seen:
                clashes.append(i)
                continue
            seen.add(code)
            codes[i] = code
        todo = np.array(clashes, dtype=np.int64)
    work["uscc"] = codes


def _org_bodies(
    rng: np.random.Generator, individual: npt.NDArray[np.bool_]
) -> list[str]:
    """Draw the 8 body characters of organisation codes.

    Since 2015 new registrations get ``MA`` codes (``MA3C...`` in Shandong,
    ``MAC...`` from 2023); older companies keep their numeric organisation
    code, older individual businesses an ``L`` code.
    """
    n = individual.size
    letters = np.array(list(ALPHABET), dtype=object)
    rest = letters[rng.integers(0, len(ALPHABET), size=(n, 6))]
    digits = np.array(list("0123456789"), dtype=object)[rng.integers(0, 10, (n, 7))]
    legacy = rng.random(n) < np.where(individual, 0.3, 0.35)
    head = pick_labels(
        rng, (("MA3", 0.55), ("MAC", 0.2), ("MA9", 0.15), ("MA7", 0.1)), n
    )
    first = pick_labels(
        rng, (("7", 3), ("6", 2), ("5", 2), ("2", 1), ("1", 1), ("0", 1)), n
    )
    out = []
    for i in range(n):
        if legacy[i]:
            lead = "L" if individual[i] else first[i]
            out.append(lead + "".join(digits[i]))
        else:
            out.append(head[i] + "".join(rest[i, : 8 - len(head[i])]))
    return out


# --------------------------------------------------------------------------
# names and people


@dataclass(frozen=True)
class _NameParts:
    industry: str
    individual: bool
    econ: str


def _is_shop(word: str) -> bool:
    return word.endswith(SHOP_ENDINGS)


def _name(
    rng: np.random.Generator,
    row: _NameParts,
    county_name: str,
    town_name: str,
    long_trade: bool,
) -> str:
    """Return one employer name in the style of its economic type."""
    industry = INDUSTRIES[row.industry]
    shops = [w for w in industry.words if _is_shop(w)]
    firms = [w for w in industry.words if not _is_shop(w)]
    size = 3 if long_trade else 2
    trade = "".join(TRADE_CHARS[k] for k in rng.integers(0, len(TRADE_CHARS), size))
    if row.individual:
        word = shops[rng.integers(len(shops))] if shops else firms[0] + "经营部"
        if rng.random() < 0.3:
            trade = SURNAMES[rng.integers(len(SURNAMES))][0] + "记"
        prefix = county_name + (town_name if rng.random() < 0.2 else "")
        return prefix + trade + word
    if row.econ in ("外商投资企业", "港澳台商投资企业") and rng.random() < 0.6:
        foreign = FOREIGN_TRADE_NAMES[rng.integers(len(FOREIGN_TRADE_NAMES))]
        word = firms[rng.integers(len(firms))] if firms else "实业"
        return f"{foreign}{trade[:1]}(青岛){word}有限公司"
    prefix = choose_label(
        rng, (("青岛", 0.65), (county_name, 0.2), ("山东", 0.05), ("", 0.1))
    )
    if row.econ in ("私营独资企业", "集体企业") and shops:
        return prefix + trade + shops[rng.integers(len(shops))]
    word = firms[rng.integers(len(firms))] if firms else "实业"
    suffix = {
        "股份有限公司": "股份有限公司",
        "农民专业合作社": "专业合作社",
        "私营合伙企业": "(有限合伙)",
    }.get(row.econ, "有限公司")
    if not prefix:
        return f"{trade}(青岛){word}{suffix}"
    return prefix + trade + word + suffix


def draw_names(rng: np.random.Generator, gaz: Gazetteer, work: pd.DataFrame) -> None:
    """Give every row a unique employer name."""
    names = np.empty(len(work), dtype=object)
    parts = [
        _NameParts(str(i), bool(p), str(e))
        for i, p, e in zip(
            work["industry"], work["individual"], work["econ"], strict=True
        )
    ]
    counties = [gaz.county_names[c] for c in work["county_code"]]
    towns = [gaz.town_names[t] for t in work["town_code"]]
    todo = list(range(len(work)))
    seen: set[str] = set()
    long_trade = False
    for _ in range(20):
        clashes = []
        for i in todo:
            name = _name(
                rng, parts[i], counties[i], towns[i], long_trade or rng.random() < 0.2
            )
            if name in seen:
                clashes.append(i)
                continue
            seen.add(name)
            names[i] = name
        todo, long_trade = clashes, True
        if not todo:
            break
    for k, i in enumerate(todo):  # pragma: no cover - practically unreachable
        names[i] = f"{names[i] or '青岛'}第{k + 1}分公司"
    work["name"] = names


def draw_people(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Draw legal representatives and phone numbers."""
    n = len(work)
    surnames = pick_labels(rng, SURNAMES, n)
    given = np.array(list(GIVEN_CHARS), dtype=object)[
        rng.integers(0, len(GIVEN_CHARS), size=(n, 2))
    ]
    two = rng.random(n) < 0.7
    work["legal_rep"] = [
        s + g[0] + (g[1] if t else "")
        for s, g, t in zip(surnames, given, two, strict=True)
    ]
    prefixes = np.array(MOBILE_PREFIXES, dtype=object)[
        rng.integers(0, len(MOBILE_PREFIXES), size=n)
    ]
    mobile_tail = rng.integers(0, 100_000_000, size=n)
    land_head = pick_labels(rng, (("8", 6), ("6", 2), ("5", 1), ("6", 1)), n)
    land_tail = rng.integers(0, 10_000_000, size=n)
    landline = (rng.random(n) < 0.25) & ~work["individual"].to_numpy()
    work["phone"] = [
        f"0532-{h}{t:07d}" if land else f"{p}{m:08d}"
        for land, h, t, p, m in zip(
            landline, land_head, land_tail, prefixes, mobile_tail, strict=True
        )
    ]


# --------------------------------------------------------------------------
# staff and dates


def _jitter(rng: np.random.Generator, mean: npt.NDArray[np.float64]) -> Any:
    """Per-row probabilities around ``mean`` (beta, concentration 8)."""
    k = 8.0
    return rng.beta(mean * k, (1 - mean) * k)


def draw_staff(rng: np.random.Generator, work: pd.DataFrame) -> None:
    """Draw staff counts that obey the register's rules."""
    n = len(work)
    cats = [CATEGORIES[k] for k in work["cat"]]
    median = np.array([c.staff[0] for c in cats], dtype=float)
    sigma = np.array([c.staff[1] for c in cats], dtype=float)
    low = np.array([c.staff[2] for c in cats])
    high = np.array([c.staff[3] for c in cats])
    staff = np.clip(np.rint(median * np.exp(sigma * rng.standard_normal(n))), low, high)
    individual = work["individual"].to_numpy()
    staff[individual] = rng.integers(1, 9, size=int(individual.sum()))
    large = work["large"].to_numpy()
    big = np.rint(1200 * np.exp(0.6 * rng.standard_normal(int(large.sum()))))
    staff[large] = np.clip(big, 500, 5000)
    staff = staff.astype(np.int64)

    def share(attribute: str) -> Any:
        return _jitter(rng, np.array([getattr(c, attribute) for c in cats]))

    women = rng.binomial(staff, share("female"))
    on_post = staff - rng.binomial(staff, 0.03)
    migrant = rng.binomial(on_post, share("migrant"))
    required = staff - rng.binomial(staff, 0.04)
    signed = rng.binomial(required, share("signed"))
    insured = rng.binomial(staff, share("insured"))
    for column, values in (
        ("staff", staff),
        ("men", staff - women),
        ("women", women),
        ("on_post", on_post),
        ("migrant", migrant),
        ("required", required),
        ("signed", signed),
        ("insured", insured),
    ):
        work[column] = np.asarray(values, dtype=np.int64)


def draw_dates(rng: np.random.Generator, work: pd.DataFrame, as_of: dt.date) -> None:
    """Draw update dates: 70 % in the last six months, the rest up to 2 years old."""
    n = len(work)
    fresh = rng.random(n) < 0.7
    age = np.where(
        fresh,
        rng.integers(0, STALE_DAYS, size=n),
        rng.integers(STALE_DAYS, 731, size=n),
    )
    work["updated"] = [as_of - dt.timedelta(days=int(a)) for a in age]
    work["stale"] = age >= STALE_DAYS
