"""Find the village of an address inside the town or county it names.

Step 4 of :mod:`grid.address`: village names are looked for after the
township (or county) match, among the village names of that unit only.  A
town's first visits search its joined village forms as text
(:func:`block_village`); later visits use its dict index
(:func:`find_village`).  Both find the leftmost-longest name and skip a bare
stem followed by a road or building word.
"""

from __future__ import annotations

from typing import Any, Final

from grid.gazetteer import VKIND_HIST_SHORT, VKIND_SHORT, Gazetteer

#: A village stem followed by one of these is a road or building name.
_VBLOCK: Final = frozenset("路街巷弄道号楼栋室桥")
_STEM_KINDS: Final = frozenset((VKIND_SHORT, VKIND_HIST_SHORT))
#: Characters after the admin match at which a village name may start.
_SCAN: Final = 40
#: Longest village form tried.
_MAX_FORM: Final = 16


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


def block_village(
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


def find_village(text: str, start: int, index: Any) -> tuple[int, list[int]] | None:
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
