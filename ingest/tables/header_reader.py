"""Headers of tables: where the header is, and a header written over two rows.

Shared by :mod:`ingest.tables.csv_reader` and :mod:`ingest.tables.xlsx_reader`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from ingest.tables.schema import TableSchema

#: Records searched for the header.
HEADER_SCAN: Final = 20

_NUMBER_LIKE = re.compile(r"^[\d\s.,:/+\-%年月日]*$")


def could_be_header_band(
    schema: TableSchema, upper: Sequence[object], lower: Sequence[object]
) -> bool:
    """Tell whether ``lower`` may hold sub-headings of header row ``upper``.

    Its cells are all text (not numbers) and it is blank under the upper
    row's identifying headings (``单位名称``, ``统一社会信用代码``), which a data
    row fills.
    """
    top, bottom, texts = _band_rows(upper, lower)
    return _band_shape(schema, top, bottom, texts)


def combine_header_band(
    schema: TableSchema,
    upper: Sequence[object],
    lower: Sequence[object],
    groups: Mapping[int, object] | None = None,
) -> list[object] | None:
    """Combine a header written over two rows into one, if it is one.

    A group heading (``人数``) above its sub-headings (``职工人数``, ``男``,
    ``女``), the other headings usually merged down over both rows.  The
    lower row is taken as sub-headings when :func:`could_be_header_band`
    and, in a workbook, a merged group heading lies above one of its
    cells; or it names a field the upper row does not, under a blank upper
    cell (where a merged heading was exported as blanks).  A data row
    missing its name and code is thus not taken for sub-headings.

    Parameters
    ----------
    schema : TableSchema
    upper, lower : sequence
        The header row found and the row below it.
    groups : mapping, optional
        Column index → the group heading above it, from a workbook's merged
        cells; without it a blank upper cell takes the heading on its left
        when both have sub-headings.

    Returns
    -------
    list or None
        One header: a sub-heading the schema knows as is, otherwise
        ``"上-下"`` (the group heading, ``-``, the sub-heading), the group
        heading where there is no sub-heading; ``None`` when the rows are
        not a header band.
    """
    top, bottom, texts = _band_rows(upper, lower)
    if not _band_shape(schema, top, bottom, texts):
        return None
    known = {schema.field_of(t) for t in top} - {None}
    new = {schema.field_of(t) for t in texts if t} - {None} - known
    merged = any(texts[j] for j in (groups or {}))
    under_blank = any(t and not top[j] for j, t in enumerate(texts))
    if not merged and not (new and under_blank):
        return None
    heading = _group_headings(top, texts, groups)
    names: list[object] = []
    for above, below in zip(heading, texts, strict=True):
        if not below:
            names.append(above or None)
        elif schema.field_of(below) is not None or not above:
            names.append(below)
        else:
            names.append(f"{above}-{below}")
    return names


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _band_rows(
    upper: Sequence[object], lower: Sequence[object]
) -> tuple[list[str], list[object], list[str]]:
    width = max(len(upper), len(lower))
    top = [_text(upper[j]) if j < len(upper) else "" for j in range(width)]
    bottom = [lower[j] if j < len(lower) else None for j in range(width)]
    return top, bottom, [_text(v) for v in bottom]


def _band_shape(
    schema: TableSchema, top: list[str], bottom: list[object], texts: list[str]
) -> bool:
    if not any(texts):
        return False
    for value, text in zip(bottom, texts, strict=True):
        if text and (not isinstance(value, str) or _NUMBER_LIKE.match(text)):
            return False
    identifying = [
        j for j, t in enumerate(top) if schema.field_of(t) in schema.header_fields
    ]
    return bool(identifying) and not any(texts[j] for j in identifying)


def _group_headings(
    top: list[str], texts: list[str], groups: Mapping[int, object] | None
) -> list[str]:
    """Return the heading above each column, carried over merged cells."""
    if groups:
        return [top[j] or _text(groups.get(j)) for j in range(len(top))]
    heading = list(top)
    for j in range(1, len(top)):
        if not top[j] and texts[j] and texts[j - 1]:
            heading[j] = heading[j - 1]
    return heading
