"""Find the admin names in addresses: normalisation and the keyword filter.

Step 1 and 2 of :mod:`grid.address`: an address is normalised (full-width
digits and letters to ASCII, blanks removed), then the gazetteer's
Aho-Corasick automaton finds every province-to-township keyword in
:data:`BATCH` addresses at a time (:func:`match_batch`).  A match inside a
longer match is dropped, and so is a bare stem followed by a road, building
or village word (``黄岛路``, ``长江中路``, ``即墨路``, ``辛安社区``), and so
is a match that starts inside a name with its suffix and runs past it
(``胶州市北关`` is 胶州市, not 市北 of 市北区; ``青岛市南区`` keeps both
青岛市 and 市南区, as long as each other).  :func:`second_address` finds
where a second address run into the field starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from grid.gazetteer import Gazetteer


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
#: Addresses searched by the automaton in one call.
BATCH: Final = 512


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


def normalise_fast(raw: object) -> str:
    """Return :func:`normalise_address`, skipping the copy when nothing folds."""
    if isinstance(raw, str):
        return raw.translate(_TRANSLATE) if _FOLDED.search(raw) else raw
    return normalise_address(raw)


def match_batch(
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

    ``found`` must be ordered by end.  A match that starts inside an
    earlier name with its suffix and ends after it is dropped unless both
    are as long (``胶州市北关`` is not 市北, ``莱西市经济技术开发区`` not
    市经济技术开发区; ``青岛市南区`` keeps 青岛市 and 市南区, one 市 written
    once).  Keeps the matches inside no other
    match, in order, with positions relative to ``offset``: one pass with a
    stack, where a match drops the kept ones that start at or after it (they
    lie inside it) and is itself dropped when the last one kept ends where
    it does (it lies inside that).  Kept matches then rise in both start and
    end.  The character after a match is read from ``text``; past the
    address it is the newline that ends it (or nothing), which no road or
    building word starts with.
    """
    kept: list[tuple[int, int, int]] = []
    suffixed: list[tuple[int, int]] = []  # names with their suffix, so far
    block_first, block_1, block_2 = _BLOCK_FIRST, _BLOCK_1, _BLOCK_2
    ordinals, roads = _ORDINALS, _ROAD_WORDS
    for i in range(first, last):
        keyword, start, end = found[i]
        stem = is_stem[keyword]
        if stem and text[end : end + 1] in block_first:
            nxt = text[end : end + 2]
            if (
                nxt[0] in block_1
                or nxt in block_2
                or (nxt[0] in ordinals and nxt[1:] in roads)
            ):
                continue  # a road, building or village named after a place
        start -= offset
        end -= offset
        if (
            suffixed
            and suffixed[-1][1] > start
            and _starts_inside(suffixed, start, end)
        ):
            continue  # starts inside a name with its suffix: 胶州市|北关
        if not stem:
            suffixed.append((start, end))
        while kept and kept[-1][0] >= start:
            kept.pop()
        if kept and kept[-1][1] == end:
            continue
        kept.append((start, end, keyword))
    return kept, tuple([keyword for _, _, keyword in kept])


def _starts_inside(suffixed: list[tuple[int, int]], start: int, end: int) -> bool:
    """Tell whether a match starts inside a suffixed name and runs past it.

    ``suffixed`` is ordered by end, so only its tail can reach ``start``.
    """
    length = end - start
    for s, e in reversed(suffixed):
        if e <= start:
            return False
        if s < start < e < end and e - s != length:
            return True
    return False


def second_address(gazetteer: Gazetteer, key: tuple[int, ...]) -> int:
    """Return where a second address starts among an address's keywords (0: none).

    Two addresses run together in one field (``青岛市城阳区流亭街道 青岛市
    李沧区九水路``) show as the admin names starting again: a name with its
    suffix (``青岛市``) that may only mean a unit coarser than a suffixed
    name before it, followed by another suffixed name of a finer unit.
    Bare stems (``江湖`` inside ``浙江湖州``) are too weak to tell, and a
    single coarser name after the first (``…香港中路青岛市政府``) is not a
    second address.  Whether the second one is only the first repeated is
    for the caller to tell.
    """
    if len(key) < 3:
        return 0
    coarsest = gazetteer.keyword_level
    is_stem = gazetteer.keyword_is_stem
    deepest = -1
    for i in range(len(key) - 1):
        if is_stem[key[i]]:
            continue
        level = coarsest[key[i]]
        nxt = key[i + 1]
        if level < deepest and not is_stem[nxt] and coarsest[nxt] > level:
            return i
        deepest = max(deepest, level)
    return 0
