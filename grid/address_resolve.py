"""Resolve the admin keywords of an address to units (memoised by the parser).

Step 3 of :mod:`grid.address`: every unit a tuple of keywords may mean is
scored by the keywords that support it and its ancestors, and the best
consistent chain wins (:func:`resolve_admin`); two unrelated chains that
score alike make the address ``ambiguous``.  :func:`region_units` turns a
region's code prefixes into the units that add support.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from grid.errors import CellCodeError
from grid.gazetteer import (
    CODE_WIDTHS,
    KIND_ALIAS,
    KIND_FULL,
    KIND_HIST,
    KIND_HIST_SHORT,
    KIND_SHORT,
    KIND_WEIGHTS,
    Gazetteer,
)

#: A rival chain scoring within this of the best makes an address ambiguous.
_SIMILAR: Final = 0.3
#: Support a unit gets for lying in the region.
_REGION_BONUS: Final = 0.5
#: Keywords with more meanings are kept only inside units named otherwise.
_MAX_SMALL: Final = 8
#: With nothing else named, a keyword with more meanings is too vague.
_MAX_UNANCHORED: Final = 40
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
class Admin:
    """Memoised resolution of a tuple of admin keywords."""

    unit: int  # deepest unit resolved (-1: none)
    anchor: int  # index of the match that named it (-1: none)
    ambiguous: bool
    candidates: tuple[int, ...]
    tags: frozenset[str]
    confidence: float
    notes: tuple[int, ...]
    via_region: bool


#: The resolution of an address with no admin keyword.
NO_ADMIN: Final = Admin(-1, -1, False, (), frozenset(), 0.0, (), False)


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


def common_ancestor(gazetteer: Gazetteer, units: Iterable[int]) -> int:
    """Return the deepest unit all ``units`` lie in (``-1``: none)."""
    chains = [gazetteer.ancestors(u)[::-1] for u in units]
    common = -1
    for column in zip(*chains, strict=False):
        if all(c == column[0] for c in column):
            common = column[0]
        else:
            break
    return common


def resolve_admin(
    gazetteer: Gazetteer, keywords: tuple[int, ...], region: tuple[int, ...]
) -> Admin:
    """Resolve a tuple of admin keyword ids to the deepest consistent unit."""
    mentioned, vague = _collect(gazetteer, keywords, region)
    if not mentioned:
        return Admin(-1, -1, vague, (), frozenset(), 0.0, (), False)
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
        common = common_ancestor(gazetteer, ranked)
        anchor = mentioned[common][1] if common in mentioned else -1
        return Admin(
            common,
            anchor,
            True,
            tuple(ranked),
            frozenset(tags),
            round(min(confidence, 0.5) / len(ranked), 3),
            tuple(notes),
            in_region,
        )
    return Admin(
        best,
        mentioned[best][1],
        False,
        (best,),
        frozenset(tags),
        round(confidence, 3),
        tuple(notes),
        in_region,
    )
