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
* An ambiguous address places what is certain: when the parser cannot
  choose between villages or townships but knows their township or county
  (``…胶州市北关…`` with two 北关), the employer is placed there with the
  method ``address_partial``, a low confidence and the ``ambiguous_address``
  flag, and queued with the ranked candidates.
* Nothing is guessed: an employer that cannot be placed to the village is
  queued with ranked candidate cells.

Confidence (0–1): coordinates in a cell 0.95 (0.9 on a shared boundary);
address to a village 0.85, to a township 0.6, to a county 0.3 (times the
parser's own confidence, at least 0.5); an ambiguous address placed in part
gets half of that; conflicts cap it at 0.5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

import numpy as np
import pandas as pd

from grid.coords import parse_datum, to_wgs84

#: Placement methods.
METHODS = ("coordinates", "address", "address_partial", "manual", "none")
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
    "multiple_addresses": (
        "一栏中有多个地址，按第一个定位",
        "several addresses in one field; the first is placed",
    ),
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


#: ``texts -> DataFrame`` of parsed addresses (see :func:`geocode_employers`);
#: called as ``parse(texts, dates=...)`` for addresses whose parse depends on
#: the record's date.
AddressParser = Callable[..., pd.DataFrame]
#: Record columns whose date tells which meaning of a dated zone alias was
#: in force (the latest update first: the address was current then).
RECORD_DATE_COLUMNS = ("updated",)


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


#: A house, building or room number and everything after it: it names no
#: administrative unit (addresses run from the province down to the room).
_HOUSE_NUMBER = r"[0-9０-９]+(?:[-－][0-9０-９]+)*(?:号|號|栋|幢|座|楼|室|单元).*$"


def address_keys(rows: pd.DataFrame) -> pd.Series:
    """Return the text :func:`geocode_employers` parses for each row.

    The operating address (the registered one where it is blank), without
    its house number and what follows (``…村委会东100米``,
    ``…路12号3栋201室``), so the employers of one street, village or
    building share one parse.  Exposed so that a caller can start parsing
    (:func:`grid.address.parse_addresses_later`) before it places the rows.
    """
    texts = _address_texts(rows)
    return (
        texts.astype(object)
        .where(texts.notna(), "")
        .astype(str)
        .str.replace(_HOUSE_NUMBER, "", regex=True)
    )


def _parse_unique(
    keys: pd.Series, parser: AddressParser
) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse each distinct key once.

    Returns the parse of each distinct key and, per row, the number of its
    key (a position in that parse): rows with the same number have the same
    parse.
    """
    positions, unique = pd.factorize(keys)
    parsed = parser(unique.tolist()).reset_index(drop=True)
    return parsed, positions


def _record_dates(rows: pd.DataFrame) -> pd.Series | None:
    """Return each row's record date (:data:`RECORD_DATE_COLUMNS`), or ``None``."""
    found: pd.Series | None = None
    for column in RECORD_DATE_COLUMNS:  # the first known date of a row wins
        if column in rows:
            values = pd.to_datetime(rows[column], errors="coerce")
            found = values if found is None else found.fillna(values)
    return found


def _parse_dated(
    keys: pd.Series,
    dates: pd.Series | None,
    parsed: pd.DataFrame,
    positions: np.ndarray,
    parser: AddressParser,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Parse again, with their dates, the rows whose parse depends on the date.

    An address naming a zone alias whose meaning changed (``高新区``) is
    ambiguous without a date; a row with a record date gets the meaning in
    force then.  Each distinct (address, date) is parsed once; returns the
    parse with those rows appended and the rows' positions in it.
    """
    if dates is None:
        return parsed, positions
    dependent = _parsed_flag(parsed, "date_dependent")[positions]
    redo = np.flatnonzero(dependent & dates.notna().to_numpy())
    if not len(redo):
        return parsed, positions
    pairs = pd.DataFrame(
        {"key": keys.to_numpy(object)[redo], "date": dates.to_numpy()[redo]}
    )
    pair_ids, unique = pd.factorize(pd.MultiIndex.from_frame(pairs))
    texts = [key for key, _ in unique]
    again = parser(texts, dates=[date for _, date in unique])
    positions = positions.copy()
    positions[redo] = len(parsed) + pair_ids
    return pd.concat([parsed, again], ignore_index=True), positions


def _parsed_flag(parsed: pd.DataFrame, column: str) -> np.ndarray:
    """Return a boolean column of the parse (all false if the parser has none)."""
    if column not in parsed:
        return np.zeros(len(parsed), dtype=bool)
    return parsed[column].fillna(False).to_numpy(bool)


def _candidate(code: str, score: float, why: str) -> dict[str, Any]:
    return {"code": code, "score": round(float(score), 3), "why": why}


def _in_grid(codes: np.ndarray, grid: GridIndex) -> np.ndarray:
    """Tell, per code (``None`` allowed), whether it is a cell of the grid."""
    return pd.Series(codes, dtype=object).isin(grid.level.keys()).to_numpy()


def _lineages(codes: np.ndarray, grid: GridIndex) -> dict[str, np.ndarray]:
    """Return the four level codes of each cell code (vectorised lookup)."""
    known = list(grid.level)
    table = pd.DataFrame(
        [grid.lineage(code) for code in known], index=known, columns=LEVEL_COLUMNS
    )
    found = table.reindex(pd.Index(codes, dtype=object))
    return {
        column: found[column]
        .astype(object)
        .where(found[column].notna(), None)
        .to_numpy(object)
        for column in LEVEL_COLUMNS
    }


def _conflict_candidates(
    placed: str, parsed_village: object, parsed_town: object, grid: GridIndex
) -> list[dict[str, Any]]:
    other = parsed_village if isinstance(parsed_village, str) else parsed_town
    candidates = [_candidate(placed, 0.5, "coordinates")]
    if isinstance(other, str) and other in grid.level:
        candidates.append(_candidate(other, 0.5, "address"))
    return candidates


def _address_candidates(
    reason: str,
    ranked_codes: Sequence[str] | None,
    score: float,
    town: object,
    county: object,
    grid: GridIndex,
    limit: int,
) -> list[dict[str, Any]]:
    """Rank the cells a reviewer may pick for an employer placed by address."""
    ranked = [c for c in (ranked_codes or ()) if c in grid.level]
    if reason == "ambiguous_address":
        return [
            _candidate(c, score / (k + 1), "address")
            for k, c in enumerate(ranked[:limit])
        ]
    if reason == "village_unresolved":
        villages = [c for c in ranked if grid.parent.get(c) == town]
        villages = villages or grid.children(str(town))
        return [
            _candidate(c, 1 / (k + 2), "village of the township")
            for k, c in enumerate(villages[:limit])
        ]
    if isinstance(county, str):
        return [
            _candidate(c, 1 / (k + 2), "township of the county")
            for k, c in enumerate(grid.children(county)[:limit])
        ]
    return []


#: Flags in the order they are written, each with the rows that carry it.
_FLAG_ORDER = (
    "coords_unusable",
    "coords_outside_grid",
    "historical_name",
    "coord_address_conflict",
    "ambiguous_address",
    "multiple_addresses",
    "village_unresolved",
    "unresolved",
    "outside_grid",
    "registered_elsewhere",
)


def _flag_strings(masks: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Join the flags of each row (``,``-separated, in :data:`_FLAG_ORDER`)."""
    bits = np.zeros(n, dtype=np.int64)
    for position, name in enumerate(_FLAG_ORDER):
        bits |= masks[name].astype(np.int64) << position
    unique, inverse = np.unique(bits, return_inverse=True)
    labels = np.array(
        [
            ",".join(name for k, name in enumerate(_FLAG_ORDER) if value >> k & 1)
            for value in unique.tolist()
        ],
        dtype=object,
    )
    return labels[inverse]


def geocode_employers(
    rows: pd.DataFrame,
    *,
    locator: Locator,
    parse: AddressParser,
    grid: GridIndex,
    area_counties: pd.Series | None = None,
    options: GeocodeOptions | None = None,
    keys: pd.Series | None = None,
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
    keys : Series, optional
        The rows' :func:`address_keys`, aligned with ``rows``, if the caller
        has them already.

    Returns
    -------
    DataFrame
        :data:`OUTPUT_COLUMNS`, aligned with ``rows``.
    """
    options = options or GeocodeOptions()
    rows = rows.reset_index(drop=True)
    n = len(rows)
    # 1. coordinates
    lon, lat, usable = wgs84_coordinates(rows)
    located = locator.locate(lon, lat)
    in_grid = usable & located["county_code"].notna().to_numpy()
    codes: dict[str, np.ndarray] = {}
    for column in LEVEL_COLUMNS:
        codes[column] = located[column].to_numpy(object).copy()
        codes[column][~in_grid] = None
    boundary = located["on_boundary"].fillna(False).to_numpy(bool)
    method = np.where(in_grid, "coordinates", "none").astype(object)
    confidence = np.where(in_grid, np.where(boundary, 0.9, 0.95), 0.0)
    reason = np.full(n, None, dtype=object)
    # 2. address, parsed for every row (conflicts and historical names)
    keys = address_keys(rows) if keys is None else keys.reset_index(drop=True)
    parsed, parse_ids = _parse_unique(keys, parse)
    parsed, parse_ids = _parse_dated(
        keys, _record_dates(rows), parsed, parse_ids, parse
    )

    def per_row(column: str) -> np.ndarray:
        return parsed[column].to_numpy(object)[parse_ids]

    p_county, p_town = per_row("county_code"), per_row("town_code")
    p_village, p_candidates = per_row("village_code"), per_row("candidates")
    score = np.nan_to_num(parsed["confidence"].to_numpy(float), nan=0.0)
    p_score = score[parse_ids]
    p_ambiguous = parsed["ambiguous"].fillna(False).to_numpy(bool)[parse_ids]
    notes = parsed["historical_note"]
    historical = (notes.notna() & (notes.astype(str) != "")).to_numpy()[parse_ids]
    has_town, has_county = pd.notna(p_town), pd.notna(p_county)
    clash = in_grid & (
        (
            has_town
            & pd.notna(codes["township_code"])
            & (p_town != codes["township_code"])
        )
        | (
            has_county
            & pd.notna(codes["county_code"])
            & (p_county != codes["county_code"])
        )
    )
    confidence[clash] = np.minimum(confidence[clash], 0.5)
    reason[clash] = "coord_address_conflict"
    by_address = ~in_grid
    ambiguous = by_address & p_ambiguous
    to_village = by_address & ~p_ambiguous & _in_grid(p_village, grid)
    to_town = by_address & ~to_village & _in_grid(p_town, grid)
    rest = by_address & ~to_village & ~to_town
    county_known = _in_grid(p_county, grid)
    outside = rest & has_county & ~county_known
    to_county = rest & county_known
    reason[to_town] = "village_unresolved"
    reason[rest & ~outside] = "unresolved"
    reason[ambiguous] = "ambiguous_address"
    target = np.where(to_village, p_village, np.where(to_town, p_town, p_county))
    placed_by_address = to_village | to_town | to_county
    lineage = _lineages(target[placed_by_address], grid)
    for column in LEVEL_COLUMNS:
        codes[column][placed_by_address] = lineage[column]
    method[placed_by_address] = "address"
    method[placed_by_address & ambiguous] = "address_partial"
    floor = np.maximum(p_score, 0.5)
    confidence = np.where(to_village, 0.85 * floor, confidence)
    confidence = np.where(to_town, 0.6 * floor, confidence)
    confidence = np.where(to_county, 0.3 * floor, confidence)
    confidence = np.where(placed_by_address & ambiguous, confidence / 2, confidence)
    # 3. the USCC registration area, an independent county signal
    elsewhere = np.zeros(n, dtype=bool)
    area = np.full(n, None, dtype=object)
    if options.use_uscc_area and area_counties is not None:
        area = area_counties.reset_index(drop=True).to_numpy(object)
        placed_county = codes["county_code"]
        both = pd.notna(area) & pd.notna(placed_county)
        agree = both & (area == placed_county)
        confidence[agree] = np.minimum(1.0, confidence[agree] + USCC_AGREEMENT_BONUS)
        elsewhere = both & ~agree
    # 4. ranked candidates for everything queued; rows whose candidates are
    # the same share one list (read-only), so they are built, and encoded
    # for storage, once
    candidates: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    shared: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for i in np.flatnonzero(pd.notna(reason)).tolist():
        fallback = area[i] if codes["county_code"][i] is None else None
        build: Callable[[], list[dict[str, Any]]]
        if reason[i] == "coord_address_conflict":
            placed = (
                codes["village_code"][i]
                or codes["township_code"][i]
                or codes["county_code"][i]
            )
            key: tuple[Any, ...] = (placed, p_village[i], p_town[i], fallback)
            build = partial(
                _conflict_candidates, str(placed), p_village[i], p_town[i], grid
            )
        else:
            key = (reason[i], parse_ids[i], fallback)
            build = partial(
                _address_candidates,
                reason[i],
                p_candidates[i],
                p_score[i],
                p_town[i],
                p_county[i],
                grid,
                options.max_candidates,
            )
        found = shared.get(key)
        if found is None:
            found = build()
            if fallback in grid.level:
                found.append(_candidate(fallback, 0.2, "USCC registration area"))
            found.sort(key=lambda d: -d["score"])
            found = shared[key] = found[: options.max_candidates]
        candidates[i] = found
    flags = _flag_strings(
        {
            "coords_unusable": rows["lon_raw"].notna().to_numpy() & ~usable,
            "coords_outside_grid": usable & ~in_grid,
            "historical_name": historical,
            "coord_address_conflict": clash,
            "ambiguous_address": ambiguous,
            "multiple_addresses": _parsed_flag(parsed, "multiple_addresses")[parse_ids],
            "village_unresolved": to_town & ~ambiguous,
            "unresolved": rest & ~outside & ~ambiguous,
            "outside_grid": outside,
            "registered_elsewhere": elsewhere,
        },
        n,
    )
    result = pd.DataFrame({column: codes[column] for column in LEVEL_COLUMNS})
    result.insert(0, "lat", np.where(usable, lat, np.nan))
    result.insert(0, "lon", np.where(usable, lon, np.nan))
    result["address_county_code"] = p_county
    result["address_township_code"] = p_town
    result["method"] = method
    result["confidence"] = np.round(confidence, 3)
    result["flags"] = flags
    result["review_reason"] = reason
    result["candidates"] = pd.Series(candidates, dtype=object)
    return result[list(OUTPUT_COLUMNS)]
