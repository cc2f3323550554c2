"""Keys that make a record: a row repeating an earlier row's key is rejected.

A file is checked chunk by chunk; :class:`KeyLedger` remembers the keys of
the chunks already checked (as Arrow strings, about 20 bytes a key) with the
row each was first seen on, so a repeat is caught wherever it falls.  Keys of
files read before by the same import (one command naming several files)
come as a mapping ``key → "file:row"``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.tables.validate import TableCheck
from ingest.tables.values import to_bool


class KeyLedger:
    """The keys of one file seen so far, each with the row it first came on.

    Kept as 64-bit hashes of the keys, sorted, beside their rows: 16 bytes
    a key whatever its length, and a chunk's keys are looked up by binary
    search.  Two different keys share a hash with a chance of about
    n² / 2⁶⁵ (3 in 100 million for a million keys).
    """

    def __init__(self) -> None:
        self._hashes = np.zeros(0, dtype=np.uint64)
        self._rows = np.zeros(0, dtype=np.int64)

    def first_rows(self, code: pa.Array) -> npt.NDArray[np.int64]:
        """Return the row each key was first seen on (-1: not seen, or null)."""
        found = np.full(len(code), -1, dtype=np.int64)
        if not self._hashes.size:
            return found
        present = to_bool(pc.is_valid(code))
        hashes = _hashes(code)
        at = np.searchsorted(self._hashes, hashes)
        at[at == self._hashes.size] = 0
        hit = present & (self._hashes[at] == hashes)
        found[hit] = self._rows[at[hit]]
        return found

    def add(self, code: pa.Array, rows: npt.NDArray[np.int64]) -> None:
        """Remember keys (not seen before) and their rows."""
        if not len(code):
            return
        hashes = np.concatenate([self._hashes, _hashes(code)])
        order = np.argsort(hashes, kind="stable")
        self._hashes = hashes[order]
        self._rows = np.concatenate([self._rows, rows.astype(np.int64)])[order]


def _hashes(code: pa.Array) -> npt.NDArray[np.uint64]:
    """64-bit hashes of keys (pandas' SipHash of each text)."""
    values = code.to_numpy(zero_copy_only=False).astype(object)
    return pd.util.hash_array(values, categorize=False)


def check_key(
    table: TableCheck,
    ledger: KeyLedger | None = None,
    earlier: Mapping[str, str] | None = None,
) -> None:
    """Reject rows whose key repeats an earlier row's (blank keys excepted).

    Parameters
    ----------
    table : TableCheck
        One chunk of a file, its fields checked.
    ledger : KeyLedger, optional
        Keys of the file's chunks checked before; this chunk's are added.
    earlier : mapping, optional
        Keys of files read before this one by the same import (key →
        ``file:row``): a row repeating one is rejected too.
    """
    key = table.schema.key
    if not key or any(name not in table.values for name in key):
        return
    code = key_texts([table.values[name] for name in key])
    present = to_bool(pc.is_valid(code))
    if earlier:
        _check_earlier_files(table, code, earlier)
    where = np.flatnonzero(present)
    if where.size == 0:
        return
    prior = np.full(table.n, -1, dtype=np.int64)
    if ledger is not None:
        prior = ledger.first_rows(code)
    encoded = pc.dictionary_encode(code.take(pa.array(where)))
    indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    first_position = np.empty(len(encoded.dictionary), dtype=np.int64)
    first_position[indices[::-1]] = np.arange(indices.size)[::-1]
    first = first_position[indices]
    later = first != np.arange(indices.size)
    first_row = np.zeros(table.n, dtype=np.int64)
    first_row[where] = table.raw.rows[where[first]]
    mask = np.zeros(table.n, dtype=np.bool_)
    mask[where[later]] = True
    seen_before = prior >= 0
    first_row[seen_before] = prior[seen_before]
    mask |= seen_before
    if ledger is not None:
        new = where[~later & ~seen_before[where]]
        ledger.add(code.take(pa.array(new)), table.raw.rows[new])
    if not mask.any():
        return
    _add_duplicates(
        table,
        mask,
        "{labels_zh}“{code}”与第{first}行重复",
        "{labels_en} '{code}' duplicates row {first}",
        code=code,
        first=first_row,
    )


def _check_earlier_files(
    table: TableCheck, code: pa.Array, earlier: Mapping[str, str]
) -> None:
    """Reject rows whose key a file read before in the same import holds."""
    known = to_bool(pc.is_in(code, value_set=pa.array(list(earlier), pa.string())))
    if not known.any():
        return
    where = np.full(table.n, "", dtype=object)
    texts = code.to_pylist()
    for i in np.flatnonzero(known):
        where[i] = earlier[texts[i]]
    _add_duplicates(
        table,
        known,
        "{labels_zh}“{code}”与同批导入的{where}重复",
        "{labels_en} '{code}' duplicates {where} imported with it",
        code=code,
        where=where,
    )


def _add_duplicates(
    table: TableCheck,
    mask: npt.NDArray[np.bool_],
    zh: str,
    en: str,
    **fields: Any,
) -> None:
    key = table.schema.key
    labels_zh = "、".join(table.schema.field(k).label_zh for k in key)
    labels_en = ", ".join(table.schema.field(k).label_en for k in key)
    table.add(
        mask,
        f"{key[0]}_duplicate",
        key[0],
        zh.replace("{labels_zh}", labels_zh),
        en.replace("{labels_en}", labels_en),
        value="{code}",
        column="/".join(table.label(k) for k in key),
        **fields,
    )


def key_texts(columns: Sequence[Any]) -> pa.Array:
    """Return each row's key as text: its fields' values joined by ``/``.

    ``columns`` are the key fields' values (Arrow, pandas or numpy), in the
    key's order; a row missing one has no key (null).

    Examples
    --------
    >>> key_texts([pd.Series(["S001", None]), pd.Series(["370211", "370212"])])
    ... # doctest: +ELLIPSIS
    <pyarrow.lib.StringArray object at ...>
    [
      "S001/370211",
      null
    ]
    """
    parts = [_text_array(values) for values in columns]
    return parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "/")


def _text_array(values: Any) -> pa.Array:
    """Return a column of values (Arrow, pandas or numpy) as Arrow text."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values.cast(pa.string())
    series = pd.Series(values).astype("string")
    return pa.array(series, type=pa.string(), from_pandas=True)
