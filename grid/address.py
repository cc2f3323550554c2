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
   (``黄岛路``, ``长江中路``, ``即墨路``, ``辛安社区``).
3. The tuple of remaining keyword ids is resolved once and memoised
   (addresses repeat their administrative prefix): every unit a keyword may
   mean is scored by the keywords that support it and its ancestors; the best
   consistent chain wins.  When two unrelated chains score alike (``黄岛区``
   but a township of 即墨区) the address is flagged ``ambiguous``, resolved
   only down to their common ancestor, and the chains are ranked in
   ``candidates``.  A ``region`` (code prefixes such as ``["3702"]``) adds
   support to units inside it, so an address naming only a township or a
   village resolves when the name is unique in the region.
4. The village is looked for after the township (or county) match, among the
   village names of that unit only, including villages of the 2016 list that
   were merged since (then the township is returned, with the likeliest
   current villages as candidates).

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
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from grid.errors import CellCodeError
from grid.gazetteer import (
    CODE_WIDTHS,
    KIND_ALIAS,
    KIND_FULL,
    KIND_HIST,
    KIND_HIST_SHORT,
    KIND_SHORT,
    KIND_WEIGHTS,
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
)
#: ``level`` of an address in which nothing was recognised.
LEVEL_NONE = "none"


def _normalise_table() -> list[str | None]:
    table: list[str | None] = [chr(i) for i in range(0x10000)]
    for i in range(94):
        table[0xFF01 + i] = chr(0x21 + i)
    for blank in "\u3000 \t\n\r\xa0":
        table[ord(blank)] = None
    return table


_TRANSLATE: Final = _normalise_table()
#: Characters :data:`_TRANSLATE` changes (full-width forms, blanks).
_FOLDED: Final = re.compile("[\uff01-\uff5e\u3000 \t\n\r\xa0]")
#: A bare stem followed by one of these is a road, building or village name.
_BLOCK_1: Final = frozenset("路街巷弄道号楼栋室湾桥村庄屯")
_BLOCK_2: Final = frozenset(
    {"小区", "大厦", "广场", "花园", "公寓", "大道", "大街", "社区", "家园", "新村"}
)
_ORDINALS: Final = frozenset("东西南北中一二三四五六七八九十")
_ROAD_WORDS: Final = frozenset("路街巷道")
#: First characters that may start one of the words above.
_BLOCK_FIRST: Final = _BLOCK_1 | {word[0] for word in _BLOCK_2} | _ORDINALS
#: A village stem followed by one of these is a road or building name.
_VBLOCK: Final = frozenset("路街巷弄道号楼栋室桥")
_STEM_KINDS: Final = frozenset((VKIND_SHORT, VKIND_HIST_SHORT))
_SIMILAR: Final = 0.3
_REGION_BONUS: Final = 0.5
_MAX_SMALL: Final = 8
_MAX_UNANCHORED: Final = 40
_SCAN: Final = 40
_MAX_FORM: Final = 16
_INDEX_AFTER: Final = 3
#: Addresses searched by the automaton in one call.
_BATCH: Final = 512
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
_KIND_FACTORS: Final = {
    KIND_SHORT: 0.95,
    KIND_HIST: 0.9,
    KIND_HIST_SHORT: 0.9,
    KIND_ALIAS: 0.9,
}
_KIND_TAG: Final = {
    KIND_SHORT: "short_form",
    KIND_HIST: "historical",
    KIND_HIST_SHORT: "historical",
    KIND_ALIAS: "zone_alias",
}


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


@dataclass(frozen=True)
class _Admin:
    """Memoised resolution of a tuple of admin keywords."""

    unit: int  # deepest unit resolved (-1: none)
    anchor: int  # index of the match that named it (-1: none)
    ambiguous: bool
    candidates: tuple[int, ...]
    tags: frozenset[str]
    confidence: float
    notes: tuple[int, ...]
    via_region: bool


_NOTHING: Final = _Admin(-1, -1, False, (), frozenset(), 0.0, (), False)


# --------------------------------------------------------------------------
# region


def region_units(gazetteer: Gazetteer, region: Sequence[str] | None) -> tuple[int, ...]:
    """Return the units of a region given as code prefixes.

    Parameters
    ----------
    gazetteer : Gazetteer
    region : sequence of str or None
        Codes of 2, 4, 6 or 9 digits (``"37"``, ``"3702"``, ``"370211"``);
        6-digit province or city codes padded with zeros (``"370200"``) are
        accepted too.

    Returns
    -------
    tuple of int

    Raises
    ------
    CellCodeError
        Listing every prefix that is malformed or not in the gazetteer.
    """
    if not region:
        return ()
    if isinstance(region, str):
        region = [region]
    units: list[int] = []
    problems: list[str] = []
    for prefix in region:
        text = str(prefix).strip()
        if len(text) == 6 and text.endswith("00"):
            shorter = text[:2] if text.endswith("0000") else text[:4]
            if text.isdigit() and gazetteer.index_of(text) is None:
                text = shorter
        if not text.isdigit() or len(text) not in CODE_WIDTHS[:4]:
            problems.append(f"{prefix!r} is not a 2, 4, 6 or 9-digit code")
            continue
        unit = gazetteer.index_of(text)
        if unit is None:
            problems.append(f"{prefix!r} is not in the gazetteer")
        else:
            units.append(unit)
    if problems:
        msg = "bad address region: " + "; ".join(problems)
        raise CellCodeError(msg)
    return tuple(dict.fromkeys(units))


# --------------------------------------------------------------------------
# matching


def normalise_address(text: object) -> str:
    """Return an address with full-width characters folded and blanks removed.

    Examples
    --------
    >>> normalise_address("黄岛区 辛安街道　前港村１２３号")
    '黄岛区辛安街道前港村123号'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    return str(text).translate(_TRANSLATE)


def _normalised(raw: object) -> str:
    """Return :func:`normalise_address`, skipping the copy when nothing folds."""
    if isinstance(raw, str):
        return raw.translate(_TRANSLATE) if _FOLDED.search(raw) else raw
    return normalise_address(raw)


def _match_batch(
    texts: list[str],
    find: Callable[..., list[tuple[int, int, int]]],
    is_stem: list[bool],
) -> list[tuple[list[tuple[int, int, int]], tuple[int, ...]]]:
    """Return each text's admin matches and keywords, in one automaton call.

    Matches are ``(start, end, keyword)`` in the text, end exclusive; the
    keywords are the resolution memo's key.  ``find`` is the gazetteer
    automaton's overlapping search.  Matches inside a longer match are
    dropped, and so is a bare stem followed by a road, building or village
    word (``黄岛路``, ``长江中路``, ``辛安社区``).

    The texts are normalised (so hold no newline) and joined by newlines; no
    keyword holds one, so every match lies inside one text.  Matches are
    taken in order of their end (the automaton reports them so; they are
    sorted if not), so each text's matches follow the previous text's.  One
    call instead of one per address saves the automaton's fixed cost, about
    a quarter of a short address's parse.
    """
    joined = "\n".join(texts)
    found = find(joined, overlapping=True)
    total = len(found)
    for i in range(1, total):
        if found[i][2] < found[i - 1][2]:
            found = sorted(found, key=_end_of)
            break
    out = []
    first = 0
    offset = 0
    for text in texts:
        stop = offset + len(text)
        last = first
        while last < total and found[last][2] <= stop:
            last += 1
        out.append(_kept_matches(joined, found, first, last, offset, is_stem))
        first = last
        offset = stop + 1
    return out


def _end_of(match: tuple[int, int, int]) -> int:
    return match[2]


def _kept_matches(
    text: str,
    found: list[tuple[int, int, int]],
    first: int,
    last: int,
    offset: int,
    is_stem: list[bool],
) -> tuple[list[tuple[int, int, int]], tuple[int, ...]]:
    """Filter ``found[first:last]``, matches in ``text`` from ``offset`` on.

    ``found`` must be ordered by end.  Keeps the matches inside no other
    match, in order, with positions relative to ``offset``: one pass with a
    stack, where a match drops the kept ones that start at or after it (they
    lie inside it) and is itself dropped when the last one kept ends where
    it does (it lies inside that).  Kept matches then rise in both start and
    end.  The character after a match is read from ``text``; past the
    address it is the newline that ends it (or nothing), which no road or
    building word starts with.
    """
    kept: list[tuple[int, int, int]] = []
    block_first, block_1, block_2 = _BLOCK_FIRST, _BLOCK_1, _BLOCK_2
    ordinals, roads = _ORDINALS, _ROAD_WORDS
    for i in range(first, last):
        keyword, start, end = found[i]
        if is_stem[keyword] and text[end : end + 1] in block_first:
            nxt = text[end : end + 2]
            if (
                nxt[0] in block_1
                or nxt in block_2
                or (nxt[0] in ordinals and nxt[1:] in roads)
            ):
                continue  # a road, building or village named after a place
        start -= offset
        end -= offset
        while kept and kept[-1][0] >= start:
            kept.pop()
        if kept and kept[-1][1] == end:
            continue
        kept.append((start, end, keyword))
    return kept, tuple([keyword for _, _, keyword in kept])


# --------------------------------------------------------------------------
# admin resolution (memoised)


def _collect(
    gazetteer: Gazetteer, keywords: tuple[int, ...], region: tuple[int, ...]
) -> tuple[dict[int, tuple[float, int, int, int]], bool]:
    """Collect the units the keywords may mean; return them and a too-vague flag.

    ``mentioned`` maps a unit to ``(weight, match index, kind, note)``.  A
    keyword with many meanings (``城关镇``) or valid only in a scope (``高新区``
    in Qingdao) is kept only inside the units the other keywords or the region
    name.
    """
    ent_unit, ent_kind, ent_note, ent_scope = gazetteer.entry_arrays
    pointers = gazetteer.keyword_pointers
    weights = KIND_WEIGHTS
    mentioned: dict[int, tuple[float, int, int, int]] = {}
    deferred: list[tuple[int, int]] = []
    many: list[int] = []
    for i, keyword in enumerate(keywords):
        lo = pointers[keyword]
        hi = pointers[keyword + 1]
        if hi - lo > _MAX_SMALL:
            many.append(i)
            continue
        for e in range(lo, hi):
            if ent_scope[e] >= 0:
                deferred.append((i, e))
                continue
            unit = ent_unit[e]
            weight = weights[ent_kind[e]]
            old = mentioned.get(unit)
            if old is None or weight > old[0]:
                mentioned[unit] = (weight, i, ent_kind[e], ent_note[e])
    if not deferred and not many:
        return mentioned, False
    chains = gazetteer.chains
    anchors = set(mentioned) | set(region)
    accepted = [
        (i, e)
        for i, e in deferred
        if any(a == ent_scope[e] or ent_scope[e] in chains[a] for a in anchors)
    ]
    vague = False
    for i in many:
        if anchors:
            by_holder = gazetteer.entries_under(keywords[i])
            accepted.extend((i, e) for a in anchors for e in by_holder.get(a, ()))
            continue
        lo, hi = pointers[keywords[i]], pointers[keywords[i] + 1]
        if hi - lo > _MAX_UNANCHORED:
            vague = True
        else:
            accepted.extend((i, e) for e in range(lo, hi) if ent_scope[e] < 0)
    for i, e in accepted:
        unit = ent_unit[e]
        weight = weights[ent_kind[e]]
        old = mentioned.get(unit)
        if old is None or weight > old[0]:
            mentioned[unit] = (weight, i, ent_kind[e], ent_note[e])
    return mentioned, vague


def _score(
    gazetteer: Gazetteer,
    mentioned: dict[int, tuple[float, int, int, int]],
    region: tuple[int, ...],
) -> list[tuple[float, int, int, int, bool]]:
    """Score each mentioned unit by the distinct matches along its chain.

    Returns ``(score, -duplicates, level, unit, in region)``, best first: a
    match counted twice on one chain (``城阳`` for both 城阳区 and 城阳街道) is
    a duplicate, and the chain without it wins a tie.
    """
    chains = gazetteer.chains
    level = gazetteer.level
    scored = []
    get = mentioned.get
    for unit, (weight, match, _kind, _note) in mentioned.items():
        used = 1 << match
        dup = 0
        score = weight
        chain = chains[unit]
        for p in chain:
            m = get(p)
            if m is not None:
                bit = 1 << m[1]
                if used & bit:
                    dup += 1
                else:
                    used |= bit
                    score += m[0]
        in_region = False
        for r in region:
            if r == unit or r in chain:
                in_region = True
                score += _REGION_BONUS
                break
        scored.append((score, -dup, level[unit], unit, in_region))
    scored.sort(reverse=True)
    return scored


def _lone_stem(
    mentioned: dict[int, tuple[float, int, int, int]],
    unit: int,
    score: float,
    in_region: bool,
) -> bool:
    """Tell whether a unit rests on one bare short form and nothing else.

    Such a rival (``书香`` of 书香门第, ``阿里`` of 阿里巴巴) does not make an
    address that names a unit in full (``嘉善县``, ``滨江区``) ambiguous.
    """
    weight, _, kind, _ = mentioned[unit]
    own = score - (_REGION_BONUS if in_region else 0.0)
    return kind in (KIND_SHORT, KIND_HIST_SHORT) and abs(own - weight) < 1e-9


def _within(chains: list[tuple[int, ...]], unit: int, ancestor: int) -> bool:
    return unit == ancestor or ancestor in chains[unit]


def _common_ancestor(gazetteer: Gazetteer, units: Iterable[int]) -> int:
    chains = [gazetteer.ancestors(u)[::-1] for u in units]
    common = -1
    for column in zip(*chains, strict=False):
        if all(c == column[0] for c in column):
            common = column[0]
        else:
            break
    return common


def _resolve(
    gazetteer: Gazetteer, keywords: tuple[int, ...], region: tuple[int, ...]
) -> _Admin:
    """Resolve a tuple of admin keyword ids to the deepest consistent unit."""
    mentioned, vague = _collect(gazetteer, keywords, region)
    if not mentioned:
        return _Admin(-1, -1, vague, (), frozenset(), 0.0, (), False)
    scored = _score(gazetteer, mentioned, region)
    best_score, _, _, best, in_region = scored[0]
    chains = gazetteer.chains
    best_kind = mentioned[best][2]
    rivals = [
        unit
        for score, _, _, unit, in_region in scored[1:]
        if score >= best_score - _SIMILAR
        and not _within(chains, unit, best)
        and not _within(chains, best, unit)
        and not (
            best_kind == KIND_FULL and _lone_stem(mentioned, unit, score, in_region)
        )
    ]
    chain = [u for u in (best, *chains[best]) if u in mentioned]
    tags: set[str] = set()
    confidence = 1.0
    notes: list[int] = []
    for unit in chain:
        _, _, kind, note = mentioned[unit]
        if kind != KIND_FULL:
            tags.add(_KIND_TAG[kind])
            confidence *= _KIND_FACTORS[kind]
        if note >= 0 and note not in notes:
            notes.append(note)
    kinds = {mentioned[u][2] for u in chain}
    if KIND_ALIAS not in kinds and min(gazetteer.level[u] for u in chain) >= 3:
        tags.add("town_only_in_region" if in_region else "town_only")
        confidence *= 0.85 if in_region else 0.75
    if not tags:
        tags.add("full")
    if rivals or vague:
        ranked = [best, *rivals][:10]
        common = _common_ancestor(gazetteer, ranked)
        anchor = mentioned[common][1] if common in mentioned else -1
        return _Admin(
            common,
            anchor,
            True,
            tuple(ranked),
            frozenset(tags),
            round(min(confidence, 0.5) / len(ranked), 3),
            tuple(notes),
            in_region,
        )
    return _Admin(
        best,
        mentioned[best][1],
        False,
        (best,),
        frozenset(tags),
        round(confidence, 3),
        tuple(notes),
        in_region,
    )


# --------------------------------------------------------------------------
# villages


def _find_in_block(text: str, start: int, block: str) -> tuple[int, int] | None:
    r"""Find the leftmost-longest village form of a town by substring search.

    ``block`` is ``"\\tform\\tform…\\t"``; returns ``(form position, end)``.
    Used on a town's first visits, before building its dict index pays off.
    """
    n = len(text)
    for s in range(start, min(n - 1, start + _SCAN)):
        if "\t" + text[s : s + 2] not in block:
            continue
        for end in range(min(n, s + _MAX_FORM), s + 1, -1):
            pos = block.find("\t" + text[s:end] + "\t")
            if pos >= 0:
                return block.count("\t", 0, pos), end
    return None


def _block_village(
    gazetteer: Gazetteer, text: str, start: int, town: int
) -> tuple[int, int, int] | None:
    """Find a village of a town without its index: ``(target, kind, record)``."""
    block = gazetteer.village_block(town)
    if not block:
        return None
    at = start
    while True:
        found = _find_in_block(text, at, block)
        if found is None:
            return None
        position, end = found
        target, kind, record = gazetteer.village_form_entry(town, position)
        if kind in _STEM_KINDS and text[end : end + 1] in _VBLOCK:
            at = end - 1  # a road named after the village: look further on
            continue
        return target, kind, record


def _find_village(text: str, start: int, index: Any) -> tuple[int, list[int]] | None:
    """Return the leftmost-longest village name at or after ``start``.

    Returns ``(form index, all entries of that form)``; stems followed by a
    road word are skipped.
    """
    first = index.first
    lookup = index.lookup
    kinds = index.kinds
    for s in range(start, min(len(text), start + _SCAN)):
        lengths = first.get(text[s])
        if lengths is None:
            continue
        for length in lengths:
            form = text[s : s + length]
            i = lookup.get(form)
            if i is None:
                continue
            if kinds[i] in _STEM_KINDS and text[s + length : s + length + 1] in _VBLOCK:
                continue
            duplicates = index.duplicates
            return i, (duplicates.get(form, [i]) if duplicates else [i])
    return None


# --------------------------------------------------------------------------
# one address


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
    gazetteer: Gazetteer, admin: _Admin, region: tuple[int, ...]
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


def _admin_row(gazetteer: Gazetteer, admin: _Admin) -> _Row:
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
    admin: _Admin,
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
            common = _common_ancestor(gazetteer, rivals)
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
    built so far and how often each town was visited.  A class rather than a
    closure so that, compiled by mypyc, these are read as fields.
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

    def __call__(self, raws: list[object]) -> list[_Row]:
        """Parse addresses.

        Parameters
        ----------
        raws : list
            Addresses (``None``, NaN and blanks give an empty row).

        Returns
        -------
        list of tuple
            One :data:`_Row` per address, in order.
        """
        rows: list[_Row] = []
        for at in range(0, len(raws), _BATCH):
            texts = [_normalised(raw) for raw in raws[at : at + _BATCH]]
            matched = _match_batch(texts, self.find, self.is_stem)
            for text, (matches, key) in zip(texts, matched, strict=True):
                rows.append(self.finish(text, matches, key) if text else _EMPTY)
        return rows

    def admin(self, key: tuple[int, ...]) -> tuple[_Admin, _Row, tuple[int, ...]]:
        """Return the memoised resolution of a keyword tuple."""
        cached: tuple[_Admin, _Row, tuple[int, ...]] | None = self.memo.get(key)
        if cached is None:
            gazetteer = self.gazetteer
            admin = _resolve(gazetteer, key, self.region) if key else _NOTHING
            cached = (
                admin,
                _admin_row(gazetteer, admin),
                _containers(gazetteer, admin, self.region),
            )
            self.memo[key] = cached
        return cached

    def finish(
        self, text: str, matches: list[tuple[int, int, int]], key: tuple[int, ...]
    ) -> _Row:
        """Parse one address whose admin matches are known."""
        admin, base, containers = self.admin(key)
        start = matches[admin.anchor][1] if admin.anchor >= 0 else 0
        gazetteer = self.gazetteer
        for container in containers:
            visits = self.seen.get(container, 0)
            if visits < _INDEX_AFTER and self.level[container] == 3:
                self.seen[container] = visits + 1
                hit = _block_village(gazetteer, text, start, container)
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
            found = _find_village(text, start, index)
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
    text: str, gazetteer: Gazetteer, *, region: Sequence[str] | None = None
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

    Returns
    -------
    ParsedAddress

    Raises
    ------
    CellCodeError
        If a region code is malformed or unknown.
    """
    parse_many = _Parser(gazetteer, region_units(gazetteer, region))
    frame = _frame(gazetteer, parse_many([text]))
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
    )


def parse_addresses(
    texts: Iterable[object],
    gazetteer: Gazetteer,
    *,
    region: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Parse many addresses; one row per address, in order.

    Parameters
    ----------
    texts : iterable
        Addresses (``None`` and NaN give an empty row).
    gazetteer : Gazetteer
    region : sequence of str, optional
        See :func:`parse_address`.

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
        not to be changed in place) and ``historical_note`` (Chinese /
        English).

    Raises
    ------
    CellCodeError
        If a region code is malformed or unknown.
    """
    units = region_units(gazetteer, region)
    texts = texts if isinstance(texts, list) else list(texts)
    with _cyclic_gc_paused():
        return _frame(gazetteer, _Parser(gazetteer, units)(texts))


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


def _frame(gazetteer: Gazetteer, rows: list[_Row]) -> pd.DataFrame:
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
    return pd.DataFrame(data, columns=list(COLUMNS))
