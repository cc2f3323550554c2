"""Place employers in the four grid levels from every signal they carry.

Three independent signals, combined by fixed, documented rules:

1. **Coordinates** (any declared datum, converted to WGS-84) located in the
   finest cell by :class:`grid.locate.CellLocator`; parents come from the
   hierarchy, so the levels never disagree.
2. **Address** (operating address, else registered address) parsed by
   :func:`grid.address.parse_addresses` against the national gazetteer.
3. **USCC registration-area code** (characters 3–8), mapped to today's
   county: an independent county signal that can be switched off.

Rules
-----
* Coordinates inside the grid win; the address is still parsed and a
  township (or county) disagreement is flagged ``coord_address_conflict``
  and queued for review, never silently resolved.
* Without usable coordinates the address places the employer; a village
  resolves all four levels, a township only three (queued for a village).
* The USCC area agreeing with the placement county raises the confidence by
  ``USCC_AGREEMENT_BONUS``; disagreeing flags ``registered_elsewhere``
  ("registered in A, operating in B"), a list inspectors want.
* Nothing is guessed: an employer that cannot be placed to the village is
  queued with ranked candidate cells.

Confidence (0–1): coordinates in a cell 0.95 (0.9 on a shared boundary);
address to a village 0.85, to a township 0.6 (times the parser's own
confidence); conflicts cap it at 0.5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from grid.coords import parse_datum, to_wgs84

#: Placement methods.
METHODS = ("coordinates", "address", "manual", "none")
#: Flags an employer may carry (comma-separated in storage).
FLAGS: dict[str, tuple[str, str]] = {
    "coords_outside_grid": ("坐标不在网格内", "coordinates outside the grid"),
    "coords_unusable": (
        "坐标无效，已按地址定位",
        "coordinates unusable, placed by address",
    ),
    "coord_address_conflict": (
        "坐标与地址所在乡镇不一致",
        "coordinates and address disagree at township level",
    ),
    "registered_elsewhere": (
        "注册地与经营地不在同一区县",
        "registered in one county, operating in another",
    ),
    "historical_name": ("地址使用旧地名", "address uses a historical place name"),
    "outside_grid": ("不在本网格区域内", "outside the grid's region"),
    "village_unresolved": ("未能定位到村/社区", "village not resolved"),
    "ambiguous_address": ("地址有多个可能位置", "address is ambiguous"),
    "unresolved": ("无法定位", "cannot be placed"),
}
USCC_AGREEMENT_BONUS = 0.05
LEVEL_COLUMNS = ("city_code", "county_code", "township_code", "village_code")
OUTPUT_COLUMNS: tuple[str, ...] = (
    "lon",
    "lat",
    *LEVEL_COLUMNS,
    "address_county_code",
    "address_township_code",
    "method",
    "confidence",
    "flags",
    "review_reason",
    "candidates",
)


class Locator(Protocol):
    """What :func:`geocode_employers` needs from a point locator."""

    def locate(self, lon: Any, lat: Any) -> pd.DataFrame:
        """Return city/county/township/village codes and ``on_boundary``."""
        ...


#: ``texts -> DataFrame`` of parsed addresses (see :func:`geocode_employers`).
AddressParser = Callable[[Sequence[str]], pd.DataFrame]


@dataclass(frozen=True)
class GridIndex:
    """The grid's cells as plain lookups: parent, level and children of each code.

    Built once from a cell frame with :meth:`from_cells`.
    """

    parent: dict[str, str | None]
    level: dict[str, str]
    kids: dict[str, list[str]]

    @classmethod
    def from_cells(cls, cells: pd.DataFrame) -> GridIndex:
        """Index a cell frame (only ``code``, ``parent_code``, ``level`` are read)."""
        parents = cells["parent_code"].where(cells["parent_code"].notna(), None)
        parent = dict(zip(cells["code"], parents, strict=True))
        kids: dict[str, list[str]] = {}
        for code, up in sorted(parent.items()):
            if up is not None:
                kids.setdefault(up, []).append(code)
        return cls(
            parent=parent,
            level=dict(zip(cells["code"], cells["level"], strict=True)),
            kids=kids,
        )

    def lineage(self, code: str | None) -> dict[str, str | None]:
        """Return the four level codes of a cell and its ancestors."""
        out: dict[str, str | None] = dict.fromkeys(LEVEL_COLUMNS)
        while code is not None and code in self.level:
            out[f"{self.level[code]}_code"] = code
            code = self.parent.get(code)
        return out

    def children(self, code: str) -> list[str]:
        """Return the codes of a cell's children, sorted."""
        return list(self.kids.get(code, []))


@dataclass(frozen=True)
class GeocodeOptions:
    """Switches of :func:`geocode_employers`.

    Attributes
    ----------
    use_uscc_area : bool
        Use the USCC registration-area code as a county signal.
    max_candidates : int
        Candidates kept per review item.
    """

    use_uscc_area: bool = True
    max_candidates: int = 5


def wgs84_coordinates(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convert ``lon_raw``/``lat_raw`` in each row's ``datum`` to WGS-84.

    Returns
    -------
    lon, lat : ndarray
        WGS-84 degrees, NaN where unusable.
    usable : ndarray of bool
        Rows with numeric coordinates and a known datum.
    """
    lon_raw = pd.to_numeric(rows["lon_raw"], errors="coerce").to_numpy(float)
    lat_raw = pd.to_numeric(rows["lat_raw"], errors="coerce").to_numpy(float)
    datums = rows["datum"].fillna("wgs84").astype(str)
    lon = np.full(len(rows), np.nan)
    lat = np.full(len(rows), np.nan)
    usable = np.isfinite(lon_raw) & np.isfinite(lat_raw)
    for name in datums[usable].unique():
        mask = usable & (datums == name).to_numpy()
        try:
            datum = parse_datum(name)
        except ValueError:
            usable &= ~mask
            continue
        lon[mask], lat[mask] = to_wgs84(lon_raw[mask], lat_raw[mask], datum)
    return lon, lat, usable


def _address_texts(rows: pd.DataFrame) -> pd.Series:
    operating = rows["operating_address"].where(rows["operating_address"].notna(), "")
    registered = rows["registered_address"].where(
        rows["registered_address"].notna(), ""
    )
    return operating.astype(str).where(
        operating.astype(str).str.strip() != "", registered
    )


def _parse_unique(texts: pd.Series, parser: AddressParser) -> pd.DataFrame:
    """Parse each distinct address once and spread the result to every row."""
    unique = pd.Index(texts.unique())
    parsed = parser(list(unique)).reset_index(drop=True)
    positions = unique.get_indexer(texts)
    return parsed.iloc[positions].reset_index(drop=True)


class _Placement:
    """Column buffers for the output, filled step by step."""

    def __init__(self, n: int) -> None:
        self.codes = {c: np.full(n, None, dtype=object) for c in LEVEL_COLUMNS}
        self.method = np.full(n, "none", dtype=object)
        self.confidence = np.zeros(n)
        self.flags: list[list[str]] = [[] for _ in range(n)]
        self.review: list[str | None] = [None] * n
        self.candidates: list[list[dict[str, Any]]] = [[] for _ in range(n)]

    def set_codes(self, i: int, lineage: dict[str, str | None]) -> None:
        for column in LEVEL_COLUMNS:
            self.codes[column][i] = lineage[column]

    def queue(self, i: int, reason: str, candidates: list[dict[str, Any]]) -> None:
        if self.review[i] is None:
            self.review[i] = reason
        self.candidates[i].extend(candidates)
        if reason not in self.flags[i]:
            self.flags[i].append(reason)


def _candidate(code: str, score: float, why: str) -> dict[str, Any]:
    return {"code": code, "score": round(float(score), 3), "why": why}


def _place_by_coordinates(
    out: _Placement, located: pd.DataFrame, usable: np.ndarray, in_grid: np.ndarray
) -> None:
    boundary = located["on_boundary"].fillna(False).to_numpy(bool)
    for column in LEVEL_COLUMNS:
        codes = located[column].to_numpy(object).copy()
        codes[~in_grid] = None
        out.codes[column] = codes
    out.method[in_grid] = "coordinates"
    out.confidence[in_grid] = np.where(boundary[in_grid], 0.9, 0.95)
    for i in np.flatnonzero(usable & ~in_grid).tolist():
        out.flags[i].append("coords_outside_grid")


def _check_conflict(
    out: _Placement, i: int, parsed: Any, grid: GridIndex, in_grid: bool
) -> None:
    """Flag coordinates and address that disagree (township, else county)."""
    if not in_grid:
        return
    town, county = parsed.town_code, parsed.county_code
    placed_town, placed_county = (
        out.codes["township_code"][i],
        out.codes["county_code"][i],
    )
    clash = (
        isinstance(town, str) and placed_town is not None and town != placed_town
    ) or (
        isinstance(county, str)
        and placed_county is not None
        and county != placed_county
    )
    if not clash:
        return
    out.confidence[i] = min(out.confidence[i], 0.5)
    placed = out.codes["village_code"][i] or placed_town or placed_county
    other = parsed.village_code if isinstance(parsed.village_code, str) else town
    candidates = [_candidate(str(placed), 0.5, "coordinates")]
    if isinstance(other, str) and other in grid.level:
        candidates.append(_candidate(other, 0.5, "address"))
    out.queue(i, "coord_address_conflict", candidates)


def _place_by_address(
    out: _Placement, i: int, parsed: Any, grid: GridIndex, options: GeocodeOptions
) -> None:
    village, town = parsed.village_code, parsed.town_code
    score = float(parsed.confidence) if parsed.confidence == parsed.confidence else 0.0
    ranked = [c for c in (parsed.candidates or []) if c in grid.level]
    if bool(parsed.ambiguous):
        cands = [
            _candidate(c, score / (k + 1), "address") for k, c in enumerate(ranked)
        ]
        out.queue(i, "ambiguous_address", cands[: options.max_candidates])
        return
    if isinstance(village, str) and village in grid.level:
        out.set_codes(i, grid.lineage(village))
        out.method[i], out.confidence[i] = "address", 0.85 * max(score, 0.5)
        return
    if isinstance(town, str) and town in grid.level:
        out.set_codes(i, grid.lineage(town))
        out.method[i], out.confidence[i] = "address", 0.6 * max(score, 0.5)
        villages = [c for c in ranked if grid.parent.get(c) == town]
        villages = villages or grid.children(town)
        cands = [
            _candidate(c, 1 / (k + 2), "village of the township")
            for k, c in enumerate(villages)
        ]
        out.queue(i, "village_unresolved", cands[: options.max_candidates])
        return
    county = parsed.county_code
    if isinstance(county, str) and county not in grid.level:
        out.flags[i].append("outside_grid")
        return
    towns = grid.children(county) if isinstance(county, str) else []
    if isinstance(county, str):
        out.set_codes(i, grid.lineage(county))
        out.method[i], out.confidence[i] = "address", 0.3 * max(score, 0.5)
    cands = [
        _candidate(c, 1 / (k + 2), "township of the county")
        for k, c in enumerate(towns)
    ]
    out.queue(i, "unresolved", cands[: options.max_candidates])


def _apply_uscc_area(
    out: _Placement, area_counties: pd.Series, grid: GridIndex
) -> None:
    counties = out.codes["county_code"]
    for i, area in enumerate(area_counties.to_numpy(object)):
        if not isinstance(area, str):
            continue
        placed = counties[i]
        if placed is None:
            if area in grid.level and out.review[i] is not None:
                out.candidates[i].append(
                    _candidate(area, 0.2, "USCC registration area")
                )
            continue
        if placed == area:
            out.confidence[i] = min(1.0, out.confidence[i] + USCC_AGREEMENT_BONUS)
        else:
            out.flags[i].append("registered_elsewhere")


def geocode_employers(
    rows: pd.DataFrame,
    *,
    locator: Locator,
    parse: AddressParser,
    grid: GridIndex,
    area_counties: pd.Series | None = None,
    options: GeocodeOptions | None = None,
) -> pd.DataFrame:
    """Place employers in the grid; vectorised where the work is heavy.

    Parameters
    ----------
    rows : DataFrame
        ``lon_raw``, ``lat_raw``, ``datum``, ``operating_address``,
        ``registered_address``.
    locator : Locator
        Point locator over the grid (:class:`grid.locate.CellLocator`).
    parse : callable
        ``texts -> DataFrame`` with ``county_code``, ``town_code``,
        ``village_code``, ``confidence``, ``ambiguous``, ``candidates``,
        ``historical_note`` (:func:`grid.address.parse_addresses` bound to a
        gazetteer and region).
    grid : GridIndex
        The grid's hierarchy.
    area_counties : Series, optional
        Today's county code of each row's USCC registration area (``None``
        where unknown), aligned with ``rows``.
    options : GeocodeOptions, optional

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`, aligned with ``rows``.
    """
    options = options or GeocodeOptions()
    rows = rows.reset_index(drop=True)
    n = len(rows)
    out = _Placement(n)
    lon, lat, usable = wgs84_coordinates(rows)
    for i in np.flatnonzero(rows["lon_raw"].notna().to_numpy() & ~usable).tolist():
        out.flags[i].append("coords_unusable")
    located = locator.locate(lon, lat)
    in_grid = usable & located["county_code"].notna().to_numpy()
    _place_by_coordinates(out, located, usable, in_grid)
    parsed = _parse_unique(_address_texts(rows), parse)
    for i, record in enumerate(parsed.itertuples(index=False)):
        if (
            isinstance(getattr(record, "historical_note", None), str)
            and record.historical_note
        ):
            out.flags[i].append("historical_name")
        if in_grid[i]:
            _check_conflict(out, i, record, grid, True)
        else:
            _place_by_address(out, i, record, grid, options)
    if options.use_uscc_area and area_counties is not None:
        _apply_uscc_area(out, area_counties.reset_index(drop=True), grid)
    result = pd.DataFrame({column: out.codes[column] for column in LEVEL_COLUMNS})
    result.insert(0, "lat", np.where(in_grid | usable, lat, np.nan))
    result.insert(0, "lon", np.where(in_grid | usable, lon, np.nan))
    result["address_county_code"] = parsed["county_code"].to_numpy(object)
    result["address_township_code"] = parsed["town_code"].to_numpy(object)
    result["method"] = out.method
    result["confidence"] = np.round(out.confidence, 3)
    result["flags"] = [",".join(dict.fromkeys(f)) for f in out.flags]
    result["review_reason"] = out.review
    result["candidates"] = pd.Series(
        [
            sorted(c, key=lambda d: -d["score"])[: options.max_candidates]
            for c in out.candidates
        ],
        dtype=object,
    )
    return result[list(OUTPUT_COLUMNS)]
