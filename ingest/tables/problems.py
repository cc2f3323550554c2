"""Problems found in a table, and the rejected rows with their reasons.

A :class:`ProblemLog` gathers every problem of a table column-wise (one call
per check, over a mask of rows), and words each one in Chinese and English
from templates filled column-wise too: Python runs per row only where a
value must be shown.  :func:`reject_rows` keeps the rejected rows with all
their original values and every reason, so nothing is lost.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grid.errors import RegistryFileError
from ingest.tables.reader import RawTable
from ingest.tables.values import string_series

#: Columns of a problems frame (:attr:`TableResult.problems`).
PROBLEM_COLUMNS: tuple[str, ...] = (
    "row",
    "field",
    "column",
    "value",
    "kind",
    "severity",
    "reason_zh",
    "reason_en",
)


@dataclass(frozen=True, eq=False)
class TableResult:
    """What reading and checking a table found.

    Attributes
    ----------
    rows : DataFrame
        Accepted rows: ``row``, then every field of the schema (text as
        strings, NA when blank; counts and integers ``Int64``; numbers
        float64; dates ``datetime64[s]``), columns the table's checks add,
        and ``extra``: a dict of the unmapped columns' raw values.
    problems : DataFrame
        Every problem, columns :data:`PROBLEM_COLUMNS`, sorted by row:
        ``row`` (see :mod:`ingest.tables.reader`), ``field`` (ours),
        ``column`` (the file's header, ``a/b/c`` for rules over several
        columns), ``value`` (raw text), ``kind``, ``severity``
        (``"reject"``/``"warning"``), ``reason_zh``, ``reason_en``.
    rejects : DataFrame
        Rejected rows: ``row``, every original column with its raw value,
        ``raw_line`` (only for CSV records with the wrong number of fields),
        ``reasons_zh`` and ``reasons_en`` (all the row's problems, joined).
    n_rows : int
        Data rows read: accepted + rejected (blank rows not counted).
    n_blank : int
        Rows with no value at all, skipped.
    columns : dict
        Our field → the file's column it was read from.
    unmapped : tuple of str
        Columns kept in ``extra``.
    header_row : int
        Row number of the header (1 unless title rows precede it).
    encoding : str or None
        Encoding used for a CSV (``"utf-8"``, ``"utf-8-sig"``, ``"gb18030"``,
        or as given); ``None`` for XLSX.
    sheet : str or None
        Worksheet read (XLSX).
    file_sha256 : str
        SHA-256 of the file.
    notes : tuple of str
        Things worth telling the user (encoding detected, datum assumed...).
    """

    rows: pd.DataFrame
    problems: pd.DataFrame
    rejects: pd.DataFrame
    n_rows: int
    n_blank: int
    columns: dict[str, str]
    unmapped: tuple[str, ...]
    header_row: int
    encoding: str | None
    sheet: str | None
    file_sha256: str
    notes: tuple[str, ...] = ()

    @property
    def n_accepted(self) -> int:
        """Number of accepted rows."""
        return len(self.rows)

    @property
    def n_rejected(self) -> int:
        """Number of rejected rows."""
        return len(self.rejects)

    @property
    def n_warned(self) -> int:
        """Number of accepted rows with at least one warning."""
        warned = self.problems.loc[self.problems["severity"] == "warning", "row"]
        return int(warned[~warned.isin(self.rejects["row"])].nunique())


class ProblemLog:
    """Every problem of one table, gathered column-wise.

    Parameters
    ----------
    rows : ndarray of int
        Row number of each record (:attr:`RawTable.rows`).
    kinds : mapping
        Problem kind → its severity (``"reject"`` or ``"warning"``).
    """

    def __init__(self, rows: npt.NDArray[np.int64], kinds: Mapping[str, str]) -> None:
        self.rows = rows
        self.kinds = dict(kinds)
        self.rejected = np.zeros(len(rows), dtype=np.bool_)
        self._parts: list[dict[str, Any]] = []

    def add(
        self,
        mask: npt.NDArray[np.bool_],
        kind: str,
        field: str,
        column: str,
        value: pa.Array | str,
        zh: str,
        en: str,
        *,
        severity: str | None = None,
        **fields: object,
    ) -> None:
        """Record problem ``kind`` for the rows in ``mask``.

        ``value`` is the cells' text (a full-length array) or a template
        over ``fields``; ``zh`` and ``en`` are :meth:`str.format` templates
        whose fields are strings or full-length arrays (pyarrow or numpy),
        ``{value}`` being the value shown.
        """
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        take = pa.array(positions)
        level = severity or self.kinds[kind]
        if level == "reject":
            self.rejected[positions] = True
        shown = (
            _fill(value, fields, take) if isinstance(value, str) else value.take(take)
        )
        self._parts.append(
            {
                "pos": positions,
                "field": field,
                "column": column,
                "value": shown,
                "kind": kind,
                "severity": level,
                "reason_zh": _fill(zh, fields, take, value=shown),
                "reason_en": _fill(en, fields, take, value=shown),
            }
        )

    def add_bad_records(self, raw: RawTable) -> None:
        """Record the CSV records whose number of fields is wrong."""
        expected = raw.table.num_columns
        for row, text, actual in raw.bad_records:
            self._parts.append(
                {
                    "pos": np.array([-1]),
                    "row": np.array([row]),
                    "field": "",
                    "column": "",
                    "value": pa.array([text]),
                    "kind": "field_count",
                    "severity": "reject",
                    "reason_zh": pa.array(
                        [f"该行有{actual}个字段，表头有{expected}列"]
                    ),
                    "reason_en": pa.array(
                        [f"the record has {actual} fields, the header {expected}"]
                    ),
                }
            )

    def frame(self) -> pd.DataFrame:
        """Every problem, sorted by row (then in the order found)."""
        if not self._parts:
            return pd.DataFrame(
                {c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS}
            ).astype({"row": np.int64})
        frames = []
        for part in self._parts:
            pos = part["pos"]
            rows = part["row"] if "row" in part else self.rows[pos]
            frames.append(
                pd.DataFrame(
                    {
                        "row": rows,
                        "field": part["field"],
                        "column": part["column"],
                        "value": string_series(part["value"]),
                        "kind": part["kind"],
                        "severity": part["severity"],
                        "reason_zh": string_series(part["reason_zh"]),
                        "reason_en": string_series(part["reason_en"]),
                    }
                )
            )
        problems = pd.concat(frames, ignore_index=True)
        problems = problems.sort_values("row", kind="stable", ignore_index=True)
        return problems.astype({c: "string" for c in PROBLEM_COLUMNS[1:]})


def _as_text_array(values: object, take: pa.Array) -> pa.Array | str:
    if isinstance(values, str):
        return values
    if isinstance(values, np.ndarray):
        picked = values[take.to_numpy()]
        if picked.dtype.kind == "f":
            as_int = np.where(
                np.isfinite(picked) & (picked == np.round(picked)), picked, np.nan
            )
            text = pa.array(picked, from_pandas=True).cast(pa.string())
            ints = (
                pa.array(as_int, from_pandas=True)
                .cast(pa.int64(), safe=False)
                .cast(pa.string())
            )
            return pc.fill_null(pc.coalesce(ints, text), "")
        return pa.array(
            picked.astype(str).tolist()
            if picked.dtype.kind != "O"
            else [str(v) for v in picked],
            pa.string(),
        )
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return pc.fill_null(values.take(take).cast(pa.string()), "")
    return str(values)


def _fill(
    template: str,
    fields: Mapping[str, object],
    take: pa.Array,
    *,
    value: pa.Array | None = None,
) -> pa.Array:
    """Format ``template`` for the rows ``take``, column-wise.

    ``fields`` hold full-length arrays (or strings); ``value``, if given, is
    already limited to ``take``.
    """
    pieces: list[pa.Array | str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if name == "value" and value is not None:
            pieces.append(pc.fill_null(value.cast(pa.string()), ""))
        elif name is not None:
            pieces.append(_as_text_array(fields[name], take))
    arrays = [p for p in pieces if not isinstance(p, str)]
    if not arrays:
        return pa.array(["".join(str(p) for p in pieces)] * len(take), pa.string())
    return pc.binary_join_element_wise(*pieces, "")


def reject_rows(
    raw: RawTable, rejected: npt.NDArray[np.bool_], problems: pd.DataFrame
) -> pd.DataFrame:
    """Rejected rows with their raw values and every reason."""
    positions = np.flatnonzero(rejected)
    if raw.values is not None:
        original = raw.values.iloc[positions].reset_index(drop=True)
    else:
        original = raw.table.take(pa.array(positions)).to_pandas()
    original = _rename_clashes(original)
    original.insert(0, "row", raw.rows[positions])
    if raw.bad_records:
        lines = pd.DataFrame(
            {
                "row": [r for r, _, _ in raw.bad_records],
                "raw_line": [t for _, t, _ in raw.bad_records],
            }
        )
        original = pd.concat([original, lines], ignore_index=True)
        original = original.sort_values("row", kind="stable", ignore_index=True)
    mine = problems[problems["row"].isin(original["row"])]
    # every reason of a row joined, in the order found (Arrow groups keep
    # their rows' order when not threaded)
    grouped = (
        pa.table(
            {
                "row": pa.array(mine["row"].to_numpy()),
                "zh": pa.array(mine["reason_zh"], pa.string()),
                "en": pa.array(mine["reason_en"], pa.string()),
            }
        )
        .group_by("row", use_threads=False)
        .aggregate([("zh", "list"), ("en", "list")])
    )
    rows = pd.Index(grouped["row"].to_numpy())
    positions = rows.get_indexer(original["row"])
    for column, separator, source in (
        ("reasons_zh", "；", "zh_list"),
        ("reasons_en", "; ", "en_list"),
    ):
        joined = pc.binary_join(grouped[source], separator).to_numpy(
            zero_copy_only=False
        )
        values = np.full(len(positions), None, dtype=object)
        found = positions >= 0
        values[found] = joined[positions[found]]
        original[column] = pd.Series(values, dtype="string")
    return original


#: Columns :func:`reject_rows` adds to the file's own.
_REJECT_COLUMNS = ("row", "raw_line", "reasons_zh", "reasons_en")


def _rename_clashes(original: pd.DataFrame) -> pd.DataFrame:
    """Rename the file's columns named like ours (``row`` → ``row.1``...)."""
    taken = {str(c) for c in original.columns}
    renamed: dict[str, str] = {}
    for name in _REJECT_COLUMNS:
        if name in taken:
            k = 1
            while f"{name}.{k}" in taken:
                k += 1
            renamed[name] = f"{name}.{k}"
            taken.add(renamed[name])
    return original.rename(columns=renamed) if renamed else original


def write_rejects(result: TableResult, path: str | PathLike[str]) -> Path:
    """Write the rejected rows, with their reasons, to CSV or XLSX.

    Parameters
    ----------
    result : RegistryResult
        What reading the table returned.
    path : str or path-like
        ``.csv`` (UTF-8 with a BOM, which Excel opens correctly) or
        ``.xlsx``; overwritten.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    TwoNetError
        Another suffix.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        result.rejects.to_csv(target, index=False, encoding="utf-8-sig")
    elif suffix == ".xlsx":
        result.rejects.to_excel(target, index=False, sheet_name="rejects")
    else:
        msg = (
            f"rejects can be written to .csv or .xlsx, not {target.name!r} "
            "(被拒行只能写为 .csv 或 .xlsx)"
        )
        raise RegistryFileError(msg)
    return target
