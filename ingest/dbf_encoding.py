"""Guess the text encoding of a shapefile's ``.dbf`` from its bytes.

Chinese GIS software writes attribute tables in GBK (or GB18030) and often
leaves out the ``.cpg`` that would say so; newer tools write UTF-8.
:func:`detect_dbf_encoding` tells them apart from the field names and text
values of the dBASE table.
"""

from __future__ import annotations

import codecs

_DBF_TEXT_TYPES = frozenset(b"CM")


def detect_dbf_encoding(dbf: bytes) -> str | None:
    """Guess the text encoding of a shapefile's ``.dbf`` from its bytes.

    Parameters
    ----------
    dbf : bytes
        Content of the ``.dbf``.

    Returns
    -------
    str or None
        ``"ASCII"`` when no text byte is above 127 (any encoding reads it),
        ``"UTF-8"`` when every non-ASCII field name and value decodes as
        UTF-8 (a character cut by the fixed field width is allowed), else
        ``"GB18030"`` (superset of GBK and GB2312, which Chinese GIS software
        writes); ``None`` if the file is not a dBASE table.

    Examples
    --------
    >>> detect_dbf_encoding(b"")
    """
    strings = _dbf_strings(dbf)
    if strings is None:
        return None
    non_ascii = [s for s in strings if not s.isascii()]
    if not non_ascii:
        return "ASCII"
    if all(_is_utf8(s) for s in non_ascii):
        return "UTF-8"
    return "GB18030"


def _is_utf8(raw: bytes) -> bool:
    """Tell whether bytes are UTF-8, allowing a character cut at the end."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _dbf_strings(dbf: bytes) -> list[bytes] | None:
    """Return the field names and text values of a dBASE table, or ``None``."""
    if len(dbf) < 33:
        return None
    n_records = int.from_bytes(dbf[4:8], "little")
    header_len = int.from_bytes(dbf[8:10], "little")
    record_len = int.from_bytes(dbf[10:12], "little")
    strings: list[bytes] = []
    text_fields: list[tuple[int, int]] = []
    offset = 1  # each record starts with a deletion flag
    for pos in range(32, min(header_len, len(dbf)) - 31, 32):
        desc = dbf[pos : pos + 32]
        if desc[0] == 0x0D:
            break
        strings.append(desc[:11].split(b"\0", 1)[0])
        length = desc[16]
        if desc[11] in _DBF_TEXT_TYPES:
            length |= desc[17] << 8  # long character fields (Clipper, GDAL)
            text_fields.append((offset, length))
        offset += length
    if dbf[header_len:].isascii():
        return strings
    for i in range(n_records):
        record = dbf[header_len + i * record_len : header_len + (i + 1) * record_len]
        if record.isascii():
            continue
        strings.extend(record[o : o + n].rstrip(b" \0") for o, n in text_fields)
    return strings
