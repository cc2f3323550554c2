"""Check the rows of a table against its schema, gathering every problem.

:class:`TableCheck` holds one chunk of a file while it is checked:
:func:`check_fields` reads each field by its kind and checks the schema's
constraints with pandera; the table's own checks (a :data:`TableCheckHook`)
add theirs; :func:`accepted_rows` assembles the rows not rejected.  The
order, and the key check, are :mod:`ingest.tables.pipeline`'s.

Problem kinds the generic checks give, for a field ``f``:

* ``f_missing`` (reject): a required field is blank;
* ``f_too_long``: text longer than the field's ``max_length``;
* ``count_invalid``, ``date_invalid``, ``f_invalid``: a value that cannot be
  read or breaks a constraint (the field's ``invalid`` severity; a warning
  drops the value, the row is kept);
* ``f_duplicate`` (reject): the key repeats an earlier row's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.tables.problems import ProblemLog
from ingest.tables.reader import RawTable
from ingest.tables.schema import INT_MAX, Field, TableSchema, header_key
from ingest.tables.values import (
    blank_as_null,
    fold,
    null_token_mask,
    parse_dates,
    parse_numbers,
    string_series,
    to_bool,
    trim,
)

#: Characters nobody sees, removed from codes (and named in a warning).
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad"


class TableCheck:
    """The state of one table's checks: its cells, problems and values.

    A table's own checks (a :data:`TableCheckHook`) use :meth:`cells`,
    :meth:`label`, :meth:`add` and set :attr:`values` (columns of the
    accepted rows, full length, as Arrow or numpy arrays).
    """

    def __init__(
        self,
        raw: RawTable,
        schema: TableSchema,
        columns: dict[str, str],
        kinds: Mapping[str, str],
    ) -> None:
        self.raw = raw
        self.schema = schema
        self.columns = columns
        self.n = raw.table.num_rows
        self.log = ProblemLog(raw.rows, kinds)
        self.values: dict[str, Any] = {}
        self.notes: list[str] = []
        self._cache: dict[str, pa.Array] = {}

    @property
    def rejected(self) -> npt.NDArray[np.bool_]:
        """Rows rejected so far."""
        return self.log.rejected

    def cells(self, name: str) -> pa.Array:
        """Raw text of a field's column (empty strings when absent)."""
        if name not in self._cache:
            column = self.columns.get(name)
            if column is None:
                self._cache[name] = pa.array([""] * self.n, pa.string())
            else:
                self._cache[name] = self.raw.table.column(column).combine_chunks()
        return self._cache[name]

    def replace_cells(self, name: str, values: pa.Array) -> None:
        """Use ``values`` as a field's cells from now on (cleaned text)."""
        self._cache[name] = values

    def label(self, name: str) -> str:
        """Return the file's column name for a field (its Chinese label when absent)."""
        return self.columns.get(name, self.schema.field(name).label_zh)

    def add(
        self,
        mask: npt.NDArray[np.bool_],
        kind: str,
        name: str,
        zh: str,
        en: str,
        *,
        value: pa.Array | str | None = None,
        column: str | None = None,
        severity: str | None = None,
        **fields: object,
    ) -> None:
        """Record problem ``kind`` of field ``name`` for the rows in ``mask``.

        ``value`` defaults to the field's cells; see :meth:`ProblemLog.add`.
        """
        self.log.add(
            mask,
            kind,
            name,
            column or self.label(name),
            self.cells(name) if value is None else value,
            zh,
            en,
            severity=severity,
            **fields,
        )


#: A table's own checks: called with the :class:`TableCheck` after the
#: field checks and before the key check; adds problems and values.
TableCheckHook = Callable[[TableCheck], None]


def generic_kinds(schema: TableSchema) -> dict[str, str]:
    """Severity of every problem kind the generic checks can give."""
    kinds = {"field_count": "reject", "count_invalid": "warning"}
    kinds["date_invalid"] = "warning"
    for item in schema.fields:
        kinds[f"{item.name}_missing"] = "reject"
        kinds[f"{item.name}_invalid"] = item.invalid
        kinds[f"{item.name}_too_long"] = "reject" if item.required else item.invalid
        kinds[f"{item.name}_duplicate"] = "reject"
    return kinds


# ------------------------------------------------------------------ fields
def check_fields(table: TableCheck) -> None:
    """Read every field by its kind and check the schema's constraints.

    Values that cannot be read are found here; constraints on the values
    read (required, length, range, pattern, choices) by pandera, which
    gathers every failure at once.
    """
    import pandera.pandas as pandera

    typed: dict[str, pd.Series] = {}
    checks: dict[str, pandera.Column] = {}
    unreadable: dict[str, npt.NDArray[np.bool_]] = {}
    for item in table.schema.fields:
        if item.name not in table.columns and not item.required:
            continue
        series, bad = _read_field(table, item)
        typed[item.name] = series
        unreadable[item.name] = bad
        checks[item.name] = pandera.Column(
            None, checks=_constraints(item), nullable=not item.required
        )
    frame = pd.DataFrame(typed)
    failures = _failures(pandera.DataFrameSchema(checks), frame)
    for item in table.schema.fields:
        if item.name not in typed:
            continue
        failed = failures.get(item.name, {})
        missing = failed.pop("not_nullable", np.zeros(table.n, dtype=np.bool_))
        invalid = unreadable[item.name].copy()
        too_long = np.zeros(table.n, dtype=np.bool_)
        for check, mask in failed.items():
            if check.startswith("str_length"):
                too_long |= mask
            else:
                invalid |= mask
        _report(table, item, missing & ~invalid, invalid, too_long)
        series = typed[item.name]
        # a code off its pattern is kept (it still tells something)
        drop = too_long | (invalid if item.kind != "code" else unreadable[item.name])
        if drop.any():
            series = series.mask(drop)
        table.values[item.name] = series


def _read_field(
    table: TableCheck, item: Field
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Return a field's values by its kind and where a value is unreadable."""
    cells = table.cells(item.name)
    none = np.zeros(table.n, dtype=np.bool_)
    if item.kind in ("count", "integer", "number"):
        numbers, blank = parse_numbers(cells)
        bad = ~blank & np.isnan(numbers)
        dtype = "Float64" if item.kind != "number" else "float64"
        return pd.Series(numbers, dtype=dtype).mask(bad), bad
    if item.kind == "date":
        dates, blank = parse_dates(cells)
        return pd.Series(dates), ~blank & np.isnat(dates)
    if item.kind == "code":
        text = pc.utf8_upper(fold(cells))
        if not pc.all(pc.string_is_ascii(text)).as_py():
            text = pc.replace_substring_regex(text, f"[{INVISIBLE}\\s]", "")
        return string_series(blank_as_null(text)), none
    if item.kind == "choice":
        return _read_choice(table, item)
    return string_series(blank_as_null(trim(cells))), none


def _read_choice(
    table: TableCheck, item: Field
) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Map each spelling to its stored value; unknown spellings are unreadable."""
    choices = {header_key(k): v for k, v in (item.choices or {}).items()}
    choices.update({header_key(v): v for v in (item.choices or {}).values()})
    text = fold(table.cells(item.name))
    uniques = pc.unique(text).to_pylist()
    known = {u: choices.get(header_key(u)) for u in uniques}
    keys = pa.array(list(known), text.type)
    targets = pa.array(list(known.values()), pa.string())
    mapped = pc.take(targets, pc.index_in(text, value_set=keys))
    blank = null_token_mask(text)
    bad = ~blank & ~to_bool(pc.is_valid(mapped))
    return string_series(mapped), bad


def _constraints(item: Field) -> list[Any]:
    """Return the pandera checks of a field's values."""
    import pandera.pandas as pandera

    checks: list[Any] = []
    if item.max_length is not None and item.kind in ("text", "code"):
        checks.append(pandera.Check.str_length(max_value=item.max_length))
    if item.kind == "count":
        checks.append(pandera.Check.in_range(0, INT_MAX))
    if item.kind == "integer":
        checks.append(pandera.Check.in_range(-INT_MAX, INT_MAX))
    if item.kind in ("count", "integer"):
        checks.append(pandera.Check(lambda s: s == s.round(), name="is_integer"))
    if item.kind == "code" and item.pattern is not None:
        checks.append(pandera.Check.str_matches(f"^(?:{item.pattern})$"))
    return checks


def _failures(schema: Any, frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Column → check → mask of the rows failing it (pandera, lazily)."""
    import pandera.pandas as pandera

    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as errors:
        cases = errors.failure_cases
    else:
        return {}
    masks: dict[str, dict[str, Any]] = {}
    cases = cases[cases["index"].notna()]
    for (column, check), group in cases.groupby(["column", "check"], sort=False):
        mask = np.zeros(len(frame), dtype=np.bool_)
        mask[group["index"].to_numpy(dtype=np.int64)] = True
        masks.setdefault(str(column), {})[str(check)] = mask
    return masks


def _report(
    table: TableCheck,
    item: Field,
    missing: npt.NDArray[np.bool_],
    invalid: npt.NDArray[np.bool_],
    too_long: npt.NDArray[np.bool_],
) -> None:
    """Word the problems of one field."""
    label, en_label = table.label(item.name), item.label_en
    name = item.name
    table.add(
        missing, f"{name}_missing", name, f"缺少{item.label_zh}", f"{en_label} missing"
    )
    if item.max_length is not None:
        table.add(
            too_long,
            f"{name}_too_long",
            name,
            f"{label}“{{value}}”超过{item.max_length}个字符",
            f"{en_label} '{{value}}' is longer than {item.max_length} characters",
        )
    ignored = item.invalid == "warning" and item.kind != "code"
    if item.kind == "count":
        zh = f"{label}“{{value}}”不是有效人数(应为非负整数)"
        en = f"{en_label} '{{value}}' is not a head count (a non-negative integer)"
    elif item.kind == "date":
        zh, en = (
            f"{label}“{{value}}”不是有效日期",
            f"{en_label} '{{value}}' is not a valid date",
        )
    elif item.kind in ("integer", "number"):
        zh = f"{label}“{{value}}”不是有效数字"
        en = f"{en_label} '{{value}}' is not a valid number"
    else:
        zh = f"{label}“{{value}}”不符合{item.hint_zh or '要求'}"
        en = f"{en_label} '{{value}}' is not {item.hint_en or 'a valid value'}"
    kind = {"count": "count_invalid", "date": "date_invalid"}.get(
        item.kind, f"{name}_invalid"
    )
    table.add(
        invalid,
        kind,
        name,
        zh + ("，已忽略" if ignored else ""),
        en + ("; ignored" if ignored else ""),
    )


# ---------------------------------------------------------------- assembly
def accepted_rows(table: TableCheck, unmapped: list[str]) -> pd.DataFrame:
    """Return the rows not rejected: ``row``, the fields, added columns, ``extra``."""
    keep = np.flatnonzero(~table.rejected)
    data: dict[str, Any] = {"row": table.raw.rows[keep]}
    names = [*table.schema.field_names]
    names += [n for n in table.values if n not in names]
    for name in names:
        data[name] = _take(table, name, keep)
    if unmapped:
        extra = table.raw.table.select(unmapped).take(pa.array(keep)).to_pylist()
    else:
        extra = [{} for _ in range(len(keep))]
    data["extra"] = extra
    return pd.DataFrame(data)


def _take(table: TableCheck, name: str, keep: npt.NDArray[np.intp]) -> Any:
    """Return a column of the accepted rows, typed by its field's kind."""
    values = table.values.get(name)
    if values is None:  # a field the file does not have
        kind = table.schema.field(name).kind
        if kind in ("count", "integer"):
            return pd.array([pd.NA] * len(keep), dtype="Int64")
        if kind == "number":
            return np.full(len(keep), np.nan)
        if kind == "date":
            return np.full(len(keep), np.datetime64("NaT"), dtype="datetime64[s]")
        return pd.Series([pd.NA] * len(keep), dtype="string")
    if isinstance(values, pd.Series):
        picked = values.iloc[keep].reset_index(drop=True)
        if isinstance(picked.dtype, pd.Float64Dtype):
            return picked.astype("Int64")
        return picked
    if isinstance(values, np.ndarray):
        return values[keep]
    if len(keep) == table.n:
        return string_series(blank_as_null(values))
    return string_series(blank_as_null(values.take(pa.array(keep))))
