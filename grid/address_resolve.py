"""Resolve the admin keywords of an address to units (memoised by the parser).

Step 3 of :mod:`grid.address`: every unit a tuple of keywords may mean is
scored by the keywords that support it and its ancestors, and the best
consistent chain wins (:func:`resolve_admin`); two unrelated chains that
score alike make the address ``ambiguous``.  :func:`region_units` turns a
region's code prefixes into the units that add support.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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
#: Kinds too weak to rule out another name (short forms).
_WEAK: Final = frozenset({KIND_SHORT, KIND_HIST_SHORT})
#: Support of a town named with another suffix (南泉镇 for 南泉街道).
_WEIGHT_OTHER_SUFFIX: Final = 0.7
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
    gazetteer: Gazetteer,
    keywords: tuple[int, ...],
    region: tuple[int, ...],
    on: int | None = None,
) -> tuple[dict[int, tuple[float, int, int, int]], bool]:
    """Collect the units the keywords may mean; return them and a too-vague flag.

    ``mentioned`` maps a unit to ``(weight, match index, kind, note)``.  A
    keyword with many meanings (``城关镇``) or valid only in a scope (``高新区``
    in Qingdao) is kept only inside the units the other keywords or the region
    name.  A meaning valid only in a period (an alias that named one county
    before a date and another after) is kept when ``on`` (YYYYMMDD) falls in
    it; without ``on`` every period's meaning is kept, so the address is
    ambiguous between them rather than guessed.
    """
    ent_unit, ent_kind, ent_note, ent_scope = gazetteer.entry_arrays
    in_force = _in_force_test(gazetteer, keywords, on)
    dated = in_force is not _always
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
            if dated and not in_force(e):
                continue
            if ent_scope[e] >= 0:
                deferred.append((i, e))
                continue
            unit = ent_unit[e]
            weight = weights[ent_kind[e]]
            old = mentioned.get(unit)
            if old is None or weight > old[0]:
                mentioned[unit] = (weight, i, ent_kind[e], ent_note[e])
    anchors = set(mentioned) | _region_anchors(gazetteer, region, mentioned)
    _add_other_suffix_towns(gazetteer, keywords, anchors, mentioned, in_force)
    if not deferred and not many:
        return mentioned, False
    chains = gazetteer.chains
    accepted = [
        (i, e)
        for i, e in deferred
        if any(a == ent_scope[e] or ent_scope[e] in chains[a] for a in anchors)
    ]
    vague = False
    for i in many:
        if anchors:
            by_holder = gazetteer.entries_under(keywords[i])
            accepted.extend(
                (i, e) for a in anchors for e in by_holder.get(a, ()) if in_force(e)
            )
            continue
        lo, hi = pointers[keywords[i]], pointers[keywords[i] + 1]
        if hi - lo > _MAX_UNANCHORED:
            vague = True
        else:
            accepted.extend(
                (i, e) for e in range(lo, hi) if ent_scope[e] < 0 and in_force(e)
            )
    for i, e in accepted:
        unit = ent_unit[e]
        weight = weights[ent_kind[e]]
        old = mentioned.get(unit)
        if old is None or weight > old[0]:
            mentioned[unit] = (weight, i, ent_kind[e], ent_note[e])
    return mentioned, vague


def _region_anchors(
    gazetteer: Gazetteer,
    region: tuple[int, ...],
    mentioned: dict[int, tuple[float, int, int, int]],
) -> set[int]:
    """Return the region units that may anchor scoped and many-meaning names.

    The region stands for an address that does not say where it is: when
    the address names a province or city outside a region unit (``烟台开发区``
    parsed for a Qingdao grid), that unit anchors nothing, so ``开发区`` is
    not read as Qingdao's.
    """
    if not region:
        return set()
    level = gazetteer.level
    chains = gazetteer.chains
    named = [u for u in mentioned if level[u] <= 1]
    return {
        r
        for r in region
        if all(_within(chains, r, u) or _within(chains, u, r) for u in named)
    }


def _in_force_test(
    gazetteer: Gazetteer, keywords: tuple[int, ...], on: int | None
) -> Callable[[int], bool]:
    """Return whether an entry's meaning was in force on ``on`` (YYYYMMDD).

    Every meaning is in force without a date or a dated keyword.
    """
    if on is None or not any(gazetteer.keyword_is_dated[k] for k in keywords):
        return _always
    ent_from, ent_to = gazetteer.entry_periods

    def in_force(e: int) -> bool:
        return ent_from[e] <= on < ent_to[e]

    return in_force


def _always(e: int) -> bool:
    return True


def _add_other_suffix_towns(
    gazetteer: Gazetteer,
    keywords: tuple[int, ...],
    anchors: set[int],
    mentioned: dict[int, tuple[float, int, int, int]],
    in_force: Callable[[int], bool],
) -> None:
    """Add the towns of a named county that carry another suffix (in place).

    ``即墨市南泉镇``: 南泉 is looked for among the towns of 即墨区 whatever
    their suffix today (a town became a subdistrict, a township a town).
    """
    ent_unit = gazetteer.entry_arrays[0]
    level = gazetteer.level
    counties = [a for a in anchors if level[a] >= 2]
    if not counties:
        return
    for i, keyword in enumerate(keywords):
        stem = gazetteer.keyword_town_stem[keyword]
        if stem < 0:
            continue
        by_holder = gazetteer.entries_under(stem)
        for county in counties:
            for e in by_holder.get(county, ()):
                unit = ent_unit[e]
                if level[unit] == 3 and unit not in mentioned and in_force(e):
                    mentioned[unit] = (_WEIGHT_OTHER_SUFFIX, i, KIND_HIST_SHORT, -1)


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

    Such a rival (``书香`` of 书香门第, ``阿里`` of 阿里巴巴, ``南泉`` after
    ``即墨市``) does not make an address that names a unit in full, by an old
    name or by a zone alias (``嘉善县``, ``滨江区``, ``即墨市``) ambiguous.
    """
    weight, _, kind, _ = mentioned[unit]
    own = score - (_REGION_BONUS if in_region else 0.0)
    return kind in (KIND_SHORT, KIND_HIST_SHORT) and abs(own - weight) < 1e-9


def _drop_out_of_order(
    gazetteer: Gazetteer, mentioned: dict[int, tuple[float, int, int, int]]
) -> bool:
    """Drop the meanings that an earlier, coarser name rules out (in place).

    Addresses run from the larger unit to the smaller.  A unit found after
    a coarser unit named in full (or by its old name or a zone alias) that
    lies outside that unit's parent, and whose own ancestor at that level
    the address does not name, cannot be meant: in ``即墨市南泉镇`` the
    南泉镇 of Sichuan does not compete with 即墨区 (the county is kept
    although its town is not found), and in ``绍兴市绍兴县`` 兴县 of Shanxi
    does not compete with 绍兴市.  Inside the same parent the conflict stays
    for review: ``黄岛区灵山街道`` names a town of 即墨区, and in
    ``崂山区流亭镇`` (before 1994) or ``余杭区乔司`` (before 2021) the town
    lies in another district today.  Short forms (``西湖``) are too weak to
    rule anything out, and so is a unit itself ruled out.  Returns whether
    anything was dropped.
    """
    chains = gazetteer.chains
    level = gazetteer.level
    if all(m[2] in _WEAK for m in mentioned.values()):
        return False  # short forms only: nothing rules anything out
    parent = gazetteer.parent
    supporting: set[int] | None = None  # ancestors of what is mentioned
    firm: list[tuple[int, int, int]] = []  # (match, level, unit) kept so far
    out: list[int] = []
    for unit, (_, match, kind, _) in sorted(
        mentioned.items(), key=lambda item: item[1][1]
    ):
        chain = chains[unit]
        ruled_out = firm and any(
            at < match
            and lv < level[unit]
            and other not in chain
            and chain[level[unit] - 1 - lv] not in mentioned
            and (parent[other] < 0 or parent[other] not in chain)
            for at, lv, other in firm
        )
        if ruled_out:
            if supporting is None:
                supporting = {p for other in mentioned for p in chains[other]}
            ruled_out = unit not in supporting
        if ruled_out:
            out.append(unit)
        elif kind not in _WEAK:
            firm.append((match, level[unit], unit))
    for unit in out:
        del mentioned[unit]
    return bool(out)


def _rank(
    gazetteer: Gazetteer,
    mentioned: dict[int, tuple[float, int, int, int]],
    region: tuple[int, ...],
) -> tuple[int, bool, list[int]]:
    """Return the best unit, whether it lies in the region, and its rivals.

    A rival is an unrelated unit scoring within :data:`_SIMILAR` of the
    best, unless it rests on one bare short form while the best is named
    in full (:func:`_lone_stem`).
    """
    scored = _score(gazetteer, mentioned, region)
    best_score, _, _, best, best_in_region = scored[0]
    chains = gazetteer.chains
    best_kind = mentioned[best][2]
    rivals = [
        unit
        for score, _, _, unit, in_region in scored[1:]
        if score >= best_score - _SIMILAR
        and not _within(chains, unit, best)
        and not _within(chains, best, unit)
        and not (
            best_kind not in _WEAK and _lone_stem(mentioned, unit, score, in_region)
        )
    ]
    return best, best_in_region, rivals


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
    gazetteer: Gazetteer,
    keywords: tuple[int, ...],
    region: tuple[int, ...],
    on: int | None = None,
) -> Admin:
    """Resolve a tuple of admin keyword ids to the deepest consistent unit.

    ``on`` is the record's date (YYYYMMDD), for aliases whose meaning
    changed (see :func:`_collect`).
    """
    mentioned, vague = _collect(gazetteer, keywords, region, on)
    if not mentioned:
        return Admin(-1, -1, vague, (), frozenset(), 0.0, (), False)
    best, in_region, rivals = _rank(gazetteer, mentioned, region)
    # only a rival can be a meaning that the order of the names rules out
    if rivals and _drop_out_of_order(gazetteer, mentioned):
        best, in_region, rivals = _rank(gazetteer, mentioned, region)
    chains = gazetteer.chains
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
