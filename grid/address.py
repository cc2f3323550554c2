"""Parse Chinese addresses down to county, township and village codes.

:func:`parse_address` and :func:`parse_addresses` resolve an address such as
``山东省青岛市黄岛区辛安街道前港村123号`` against a
:class:`~grid.gazetteer.Gazetteer` to the five statistical levels (province 2
digits, city 4, county 6, township 9, village 12).

How it works
------------
1. The text is normalised (full-width digits and letters to ASCII, blanks
   removed).
2. An Aho-Corasick automaton finds every province/city/county/township name,
   short form (``青岛``, ``黄岛``, ``辛安``), historical name (``胶南市``,
   ``王台镇``) and zone alias (``西海岸新区``) in it.  A match inside a longer
   match is dropped; a bare stem followed by a road or building word is dropped
   (``黄岛路``, ``长江中路``, ``即墨路``, ``辛安社区``), and so is a match
   starting inside a name with its suffix (``胶州市北关``: not 市北).  A second
   address run into the field (the admin names starting again) is cut off
   and flagged ``multiple_addresses``.
3. The tuple of remaining keyword ids is resolved once and memoised
   (addresses repeat their administrative prefix): every unit a keyword may
   mean is scored by the keywords that support it and its ancestors; the best
   consistent chain wins.  A unit found after a coarser unit named in full
   that does not contain it is dropped (``即墨市南泉镇``: not the 南泉镇 of
   Sichuan); a town named with another suffix is looked for in the county
   named (南泉镇 → 南泉街道); an alias valid only in a period (``高新区``)
   means what it meant on the record's date, and is ambiguous without one.
   When two unrelated chains score alike (``黄岛区``
   but a township of 即墨区) the address is flagged ``ambiguous``, resolved
   only down to their common ancestor, and the chains are ranked in
   ``candidates``.  A ``region`` (code prefixes such as ``["3702"]``) adds
   support to units inside it, so an address naming only a township or a
   village resolves when the name is unique in the region.
4. The village is looked for after the township (or county) match, among the
   village names of that unit only, including villages of the 2016 list that
   were merged since (then the township is returned, with the likeliest
   current villages as candidates).

Steps 1–2 are in :mod:`grid.address_match`, step 3 in
:mod:`grid.address_resolve` and step 4 in :mod:`grid.address_village`; this
module binds them in a parser and assembles the output frame.

Speed
-----
The automaton searches 512 addresses at a time, joined by newlines, in one
call; each distinct address is parsed once per call, and the hot loops use
plain tuples, lists and ints.  It is plain typed Python: no build step.

Confidence
----------
1.0 for full names, times 0.95 for short forms, 0.9 for historical names and
zone aliases, 0.85 when the address names only a township or village in the
region (0.75 without a region), 0.8 for a merged village; an ambiguous
address gets at most 0.5 divided by the number of competing chains; an
address with nothing recognised gets 0.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from grid.address_match import BATCH, match_batch, normalise_fast, second_address
from grid.address_match import normalise_address as normalise_address
from grid.address_resolve import (
    NO_ADMIN,
    Admin,
    common_ancestor,
    region_units,
    resolve_admin,
)
from grid.address_village import block_village, find_village
from grid.gazetteer import (
    LEVEL_NAMES,
    VKIND_FULL,
    VKIND_HIST,
    VKIND_HIST_SHORT,
    VKIND_SHORT,
    Gazetteer,
)

#: Columns of :func:`parse_addresses`, in order.
COLUMNS: tuple[str, ...] = (
    "province_code",
    "city_code",
    "county_code",
    "town_code",
    "village_code",
    "province_name",
    "city_name",
    "county_name",
    "town_name",
    "village_name",
    "level",
    "confidence",
    "method",
    "ambiguous",
    "candidates",
    "historical_note",
    "date_dependent",
    "multiple_addresses",
)
#: ``level`` of an address in which nothing was recognised.
LEVEL_NONE = "none"
#: Visits to a town whose villages are searched as text before it is indexed.
_INDEX_AFTER: Final = 3
#: Order of the tags joined in ``method``.
_METHOD_ORDER: Final = (
    "full",
    "short_form",
    "historical",
    "zone_alias",
    "town_only",
    "town_only_in_region",
    "village_only_in_region",
    "merged_village",
)


@dataclass(frozen=True)
class ParsedAddress:
    """One parsed address: codes and names at five levels, and how it was found.

    Codes are ``None`` below the deepest level resolved.  ``level`` is one of
    ``province``, ``city``, ``county``, ``township``, ``village`` or ``none``.
    """

    province_code: str | None = None
    city_code: str | None = None
    county_code: str | None = None
    town_code: str | None = None
    village_code: str | None = None
    province_name: str | None = None
    city_name: str | None = None
    county_name: str | None = None
    town_name: str | None = None
    village_name: str | None = None
    level: str = LEVEL_NONE
    confidence: float = 0.0
    method: str = ""
    ambiguous: bool = False
    candidates: list[str] = field(default_factory=list)
    historical_note: str | None = None
    date_dependent: bool = False
    multiple_addresses: bool = False


#: One parsed address: deepest unit, confidence, method, ambiguous,
#: candidate units, note.
_Row = tuple[int, float, str, bool, tuple[int, ...], str | None]
#: The row of an address with nothing in it.
_EMPTY: Final[_Row] = (-1, 0.0, "", False, (), None)


def _merged_note(gazetteer: Gazetteer, record: int) -> tuple[str, tuple[int, ...]]:
    memo = gazetteer.memo(("__merged_villages__",))
    found = memo.get(record)
    if found is None:
        old_name, old_code, successor, _ = gazetteer.historical_village(record)
        where = gazetteer.name(successor)
        zh = f"2016年名单中的村“{old_name}”（{old_code}），2023年已撤并，属“{where}”"
        en = (
            f"village {old_name} ({old_code}) of the 2016 list was merged by 2023; "
            f"it lies in {where} ({gazetteer.code(successor)})"
        )
        found = (f"{zh} / {en}", gazetteer.merged_village_candidates(record))
        memo[record] = found
    return found


_METHODS: Final[dict[frozenset[str], str]] = {}


def _method(tags: Iterable[str]) -> str:
    key = frozenset(tags)
    found = _METHODS.get(key)
    if found is None:
        found = "+".join(t for t in _METHOD_ORDER if t in key)
        _METHODS[key] = found
    return found


def _containers(
    gazetteer: Gazetteer, admin: Admin, region: tuple[int, ...]
) -> tuple[int, ...]:
    """Return where to look for a village.

    The county or town found, else the region units inside what was found.
    """
    unit = admin.unit
    if unit >= 0 and gazetteer.level[unit] >= 2:
        return (unit,)
    if region and not admin.ambiguous:
        return tuple(r for r in region if unit < 0 or gazetteer.is_within(r, unit))
    return ()


def _admin_row(gazetteer: Gazetteer, admin: Admin) -> _Row:
    if admin.unit < 0:
        return (-1, 0.0, "", admin.ambiguous, admin.candidates, None)
    notes = "；".join(gazetteer.notes[n] for n in admin.notes) if admin.notes else None
    return (
        admin.unit,
        admin.confidence,
        _method(admin.tags),
        admin.ambiguous,
        admin.candidates,
        notes,
    )


def _village_row(
    gazetteer: Gazetteer,
    admin: Admin,
    base: _Row,
    container: int,
    found: tuple[int, list[int], int, int],
) -> _Row:
    """Combine an admin resolution with the village found in ``container``."""
    village, rivals, kind, record = found
    unit, confidence, _, ambiguous, candidates, note_text = base
    tags = set(admin.tags)
    notes = [note_text] if note_text else []
    if gazetteer.level[container] < 3:
        if unit < 0 or gazetteer.level[unit] < 2:
            tags.discard("full")
            tags.add("village_only_in_region")
            confidence = (confidence or 1.0) * 0.85
        else:
            confidence *= 0.9
        if len(rivals) > 1:
            common = common_ancestor(gazetteer, rivals)
            return (
                common,
                round(0.5 / len(rivals), 3),
                _method(tags),
                True,
                tuple(rivals[:10]),
                note_text,
            )
    if kind in (VKIND_HIST, VKIND_HIST_SHORT):
        note, ranked = _merged_note(gazetteer, record)
        notes.append(note)
        tags.add("merged_village")
        candidates = ranked
        confidence *= 0.8
    else:
        if not ambiguous:
            candidates = (village,)
        if kind == VKIND_SHORT:
            confidence *= 0.95
    return (
        village,
        round(confidence, 3),
        _method(tags),
        ambiguous,
        candidates,
        "；".join(notes) if notes else None,
    )


class _Parser:
    """Parses lists of addresses against a gazetteer and region.

    Holds what parsing needs, bound once: the automaton's search, the
    region's resolution memo (kept on the gazetteer), the village indices
    built so far and how often each town was visited.
    """

    def __init__(self, gazetteer: Gazetteer, region: tuple[int, ...]) -> None:
        self.gazetteer = gazetteer
        self.region = region
        self.find: Callable[..., list[tuple[int, int, int]]] = (
            gazetteer.automaton().find_matches_as_indexes
        )
        self.is_stem: list[bool] = gazetteer.keyword_is_stem
        self.memo: dict[Any, Any] = gazetteer.memo(
            tuple(gazetteer.code(u) for u in region)
        )
        self.level: list[int] = gazetteer.level
        #: village indices by town, without a method call
        self.indices: dict[int, Any] = {}
        #: visits per town before its index is built
        self.seen: dict[int, int] = {}
        #: rows parsed that name an alias valid only in a period
        self.dated: list[int] = []
        #: rows parsed where a second address follows the first
        self.multiple: list[int] = []
        #: :meth:`plan` by keyword tuple
        self.plans: dict[tuple[int, ...], tuple[int, bool]] = {}
        #: keywords with a meaning valid only in a period
        self.dated_keywords: frozenset[int] = frozenset(
            k for k, dated in enumerate(gazetteer.keyword_is_dated) if dated
        )

    def __call__(
        self, raws: list[object], dates: list[int | None] | None = None
    ) -> list[_Row]:
        """Parse addresses.

        Parameters
        ----------
        raws : list
            Addresses (``None``, NaN and blanks give an empty row).
        dates : list, optional
            Each address's record date as YYYYMMDD (``None``: unknown).

        Returns
        -------
        list of tuple
            One :data:`_Row` per address, in order; :attr:`dated` and
            :attr:`multiple` list the rows that depend on the date and that
            hold a second address.
        """
        rows: list[_Row] = []
        plans = self.plans
        for at in range(0, len(raws), BATCH):
            texts = [normalise_fast(raw) for raw in raws[at : at + BATCH]]
            matched = match_batch(texts, self.find, self.is_stem)
            for k, (text, (matches, key)) in enumerate(
                zip(texts, matched, strict=True)
            ):
                if not text:
                    rows.append(_EMPTY)
                    continue
                plan = plans.get(key)
                if plan is None:
                    plan = plans[key] = self.plan(key)
                second, dated = plan
                on = None
                if second:
                    text = text[: matches[second][0]]
                    matches, key = matches[:second], key[:second]
                    self.multiple.append(len(rows))
                if dated:
                    self.dated.append(len(rows))
                    on = None if dates is None else dates[at + k]
                rows.append(self.finish(text, matches, key, on))
        return rows

    def plan(self, key: tuple[int, ...]) -> tuple[int, bool]:
        """Return how to parse a keyword tuple: ``(second, dated)``.

        ``second``: where a second address starts (0: none); ``dated``:
        whether the first one depends on the record's date.
        """
        second = self.second_address(key)
        first = key[:second] if second else key
        return second, not self.dated_keywords.isdisjoint(first)

    def second_address(self, key: tuple[int, ...]) -> int:
        """Return where a different second address starts in ``key`` (0: none).

        An address written twice (``浙江省杭州市余杭区浙江省杭州市余杭区五常
        街道``) is one address: the second part counts only when it does not
        lie in the first one's unit, nor the first in its.
        """
        second = second_address(self.gazetteer, key)
        if second == 0:
            return 0
        first = self.admin(key[:second])[0].unit
        then = self.admin(key[second:])[0].unit
        if first < 0 or then < 0:
            return second
        gazetteer = self.gazetteer
        if gazetteer.is_within(then, first) or gazetteer.is_within(first, then):
            return 0
        return second

    def admin(
        self, key: tuple[int, ...], on: int | None = None
    ) -> tuple[Admin, _Row, tuple[int, ...]]:
        """Return the memoised resolution of a keyword tuple (on a date)."""
        memo_key: Any = key if on is None else (key, on)
        cached: tuple[Admin, _Row, tuple[int, ...]] | None = self.memo.get(memo_key)
        if cached is None:
            gazetteer = self.gazetteer
            admin = resolve_admin(gazetteer, key, self.region, on) if key else NO_ADMIN
            cached = (
                admin,
                _admin_row(gazetteer, admin),
                _containers(gazetteer, admin, self.region),
            )
            self.memo[memo_key] = cached
        return cached

    def finish(
        self,
        text: str,
        matches: list[tuple[int, int, int]],
        key: tuple[int, ...],
        on: int | None = None,
    ) -> _Row:
        """Parse one address whose admin matches are known."""
        admin, base, containers = self.admin(key, on)
        start = matches[admin.anchor][1] if admin.anchor >= 0 else 0
        gazetteer = self.gazetteer
        for container in containers:
            visits = self.seen.get(container, 0)
            if visits < _INDEX_AFTER and self.level[container] == 3:
                self.seen[container] = visits + 1
                hit = block_village(gazetteer, text, start, container)
                if hit is None:
                    continue
                target, kind, record = hit
                if kind == VKIND_FULL and container == admin.unit:
                    return (
                        target,
                        base[1],
                        base[2],
                        base[3],
                        base[4] if base[3] else (target,),
                        base[5],
                    )
                return _village_row(
                    gazetteer, admin, base, container, (target, [target], kind, record)
                )
            index = self.indices.get(container)
            if index is None:
                index = self.indices[container] = gazetteer.village_index(container)
            found = find_village(text, start, index)
            if found is None:
                continue
            i, hits = found
            kind = index.kinds[i]
            if kind == VKIND_FULL and len(hits) == 1 and container == admin.unit:
                village = index.targets[i]
                return (
                    village,
                    base[1],
                    base[2],
                    base[3],
                    base[4] if base[3] else (village,),
                    base[5],
                )
            rivals = list(dict.fromkeys(index.targets[h] for h in hits))
            return _village_row(
                gazetteer,
                admin,
                base,
                container,
                (index.targets[i], rivals, kind, index.records[i]),
            )
        return base


# --------------------------------------------------------------------------
# public API


def parse_address(
    text: str,
    gazetteer: Gazetteer,
    *,
    region: Sequence[str] | None = None,
    on: object = None,
) -> ParsedAddress:
    """Parse one address to codes at five levels.

    Parameters
    ----------
    text : str
        A Chinese address, e.g. ``"山东省青岛市黄岛区辛安街道前港村123号"``.
    gazetteer : Gazetteer
    region : sequence of str, optional
        Code prefixes (``["3702"]``) used to resolve addresses that name only a
        township or village and to prefer matches inside the region.
    on : date or str, optional
        The record's date (registration or update date): an alias whose
        meaning changed (``高新区`` in Qingdao) is read as it was meant then;
        without it such an address is ambiguous.

    Returns
    -------
    ParsedAddress

    Raises
    ------
    CellCodeError
        If a region code is malformed or unknown.
    """
    parse_many = _Parser(gazetteer, region_units(gazetteer, region))
    frame = _frame(gazetteer, parse_many([text], date_numbers([on])), parse_many)
    row = {str(k): v for k, v in frame.iloc[0].to_dict().items()}
    return ParsedAddress(
        province_code=row["province_code"],
        city_code=row["city_code"],
        county_code=row["county_code"],
        town_code=row["town_code"],
        village_code=row["village_code"],
        province_name=row["province_name"],
        city_name=row["city_name"],
        county_name=row["county_name"],
        town_name=row["town_name"],
        village_name=row["village_name"],
        level=str(row["level"]),
        confidence=float(row["confidence"]),
        method=str(row["method"]),
        ambiguous=bool(row["ambiguous"]),
        candidates=list(row["candidates"]),
        historical_note=row["historical_note"],
        date_dependent=bool(row["date_dependent"]),
        multiple_addresses=bool(row["multiple_addresses"]),
    )


def parse_addresses(
    texts: Iterable[object],
    gazetteer: Gazetteer,
    *,
    region: Sequence[str] | None = None,
    dates: Iterable[object] | None = None,
) -> pd.DataFrame:
    """Parse many addresses; one row per address, in order.

    Parameters
    ----------
    texts : iterable
        Addresses (``None`` and NaN give an empty row).
    gazetteer : Gazetteer
    region : sequence of str, optional
        See :func:`parse_address`.
    dates : iterable, optional
        Each address's record date (see ``on`` of :func:`parse_address`;
        ``None``/NaT where unknown), aligned with ``texts``.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: codes and names at five levels (``None``
        below the level resolved), ``level``, ``confidence`` (0–1),
        ``method`` (``+``-joined tags: ``full``, ``short_form``,
        ``historical``, ``zone_alias``, ``town_only``,
        ``town_only_in_region``, ``village_only_in_region``,
        ``merged_village``), ``ambiguous``, ``candidates`` (a list of
        codes, best first; rows with the same candidates share one list,
        not to be changed in place), ``historical_note`` (Chinese /
        English), ``date_dependent`` (the address names an alias whose
        meaning changed: its parse depends on the date given) and
        ``multiple_addresses`` (a second address follows the first; only
        the first is parsed, see :func:`second_address`).

    Raises
    ------
    CellCodeError
        If a region code is malformed or unknown.
    """
    units = region_units(gazetteer, region)
    texts = texts if isinstance(texts, list) else list(texts)
    on = None if dates is None else date_numbers(dates)
    if on is not None and len(on) != len(texts):
        msg = f"{len(on)} dates for {len(texts)} addresses"
        raise ValueError(msg)
    parse_many = _Parser(gazetteer, units)
    with _cyclic_gc_paused():
        return _frame(gazetteer, parse_many(texts, on), parse_many)


def date_numbers(dates: Iterable[object]) -> list[int | None]:
    """Return record dates as YYYYMMDD numbers (``None`` where unknown).

    Examples
    --------
    >>> import datetime
    >>> date_numbers(["1998-05-04", datetime.date(2010, 1, 2), None, "bad"])
    [19980504, 20100102, None, None]
    """
    stamps = pd.to_datetime(pd.Series(list(dates), dtype=object), errors="coerce")
    return [
        None if pd.isna(t) else t.year * 10_000 + t.month * 100 + t.day for t in stamps
    ]


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a batch of addresses.

    Parsing allocates millions of small tuples, lists and strings, none of
    them in a reference cycle, so reference counting frees them all; but the
    allocations alone trigger collector passes that walk every live
    container (the gazetteer's included), which cost about a fifth of the
    parse time.  The collector is switched back on, as it was, on exit.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _frame(gazetteer: Gazetteer, rows: list[_Row], parser: _Parser) -> pd.DataFrame:
    """Assemble parsed rows into the output frame, vectorised per level."""
    n = len(rows)
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    deep = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
    levels = np.full(n, -1, dtype=np.int64)
    known = deep >= 0
    levels[known] = gazetteer.unit_level[deep[known]]
    per_level = np.full((5, n), -1, dtype=np.int64)
    village = levels == 4
    per_level[4, village] = deep[village]
    admin = deep.copy()
    admin[village] = gazetteer.unit_parent[deep[village]]
    table = gazetteer.ancestor_table()
    has_admin = admin >= 0
    for lv in range(4):
        per_level[lv, has_admin] = table[lv, admin[has_admin]]
    data: dict[str, Any] = {}
    names = ("province", "city", "county", "town", "village")
    for lv, label in enumerate(names):
        column = per_level[lv]
        uniq, inverse = np.unique(column, return_inverse=True)
        codes = np.array(
            [None if u < 0 else gazetteer.code(int(u)) for u in uniq], dtype=object
        )
        labels = np.array(
            [None if u < 0 else gazetteer.name(int(u)) for u in uniq], dtype=object
        )
        data[f"{label}_code"] = pd.Series(codes[inverse], dtype=object)
        data[f"{label}_name"] = pd.Series(labels[inverse], dtype=object)
    level_labels = np.array([*LEVEL_NAMES, LEVEL_NONE], dtype=object)
    data["level"] = pd.Series(level_labels[levels], dtype=object)
    _, confidences, methods, ambiguous, candidates, notes = zip(*rows, strict=True)
    data["confidence"] = np.array(confidences, dtype=np.float64)
    data["method"] = pd.Series(methods, dtype=object)
    data["ambiguous"] = np.array(ambiguous, dtype=bool)
    # rows with the same candidates share one list (read-only)
    coded: dict[tuple[int, ...], list[str]] = {}
    code = gazetteer.code
    for ranked in set(candidates):
        coded[ranked] = [code(u) for u in ranked]
    data["candidates"] = pd.Series([coded[c] for c in candidates], dtype=object)
    data["historical_note"] = pd.Series(notes, dtype=object)
    for column, rows_flagged in (
        ("date_dependent", parser.dated),
        ("multiple_addresses", parser.multiple),
    ):
        flags = np.zeros(n, dtype=bool)
        flags[rows_flagged] = True
        data[column] = flags
    return pd.DataFrame(data, columns=list(COLUMNS))
