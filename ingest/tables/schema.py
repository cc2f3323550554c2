"""Declarative table schemas: fields, header aliases, types and constraints.

A :class:`TableSchema` says what a table of one kind (employers, staff,
assignments...) holds: its fields, the column names each is known by in
Chinese and English, how a value is read (text, head count, number, date,
code, choice), which constraints it must meet, and the key that makes a
re-import idempotent.  The reader finds the header with it, maps the file's
columns to fields, and :mod:`ingest.tables.validate` checks every row
against it.

Constraints are checked by pandera (a maintained, vectorised validation
library that collects every failure of a frame at once, ``lazy=True``);
parsing what people write (full-width digits, ``1,234人``, Chinese dates)
is ours (:mod:`ingest.tables.values`), because no library reads those.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from grid.errors import RegistryFileError

#: How a field's cells are read.
#:
#: ``text``: trimmed text; ``count``: a head count (a non-negative integer
#: below 2**31); ``integer``: any integer below 2**31 in absolute value;
#: ``number``: a float; ``date``: a calendar date; ``code``: text folded
#: (NFKC) and upper-cased, invisible characters removed; ``choice``: one of
#: ``choices`` (any alias).
FieldKind = Literal["text", "count", "integer", "number", "date", "code", "choice"]

#: Largest value of a count or integer (PostgreSQL ``integer``).
INT_MAX: Final = 2**31 - 1

_UNIT_SUFFIX = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")
_HEADER_NOISE = re.compile(r"[\s*:：_\-.\u200b\u200e\u200f\ufeff]+")


@dataclass(frozen=True)
class Field:
    """One field of a table.

    Parameters
    ----------
    name : str
        Our name (English, snake case), the column of the accepted rows.
    label_zh, label_en : str
        How messages name it.
    aliases : tuple of str
        Column names it is found by (besides ``name`` and the labels).
    kind : FieldKind
        How its cells are read.
    required : bool
        A row without a value is rejected.
    max_length : int, optional
        Longest text accepted (the database column's length).
    pattern : str, optional
        Regular expression a ``code`` must match in full.
    hint_zh, hint_en : str
        What a valid value looks like, for the message when ``pattern`` or
        ``choices`` refuse one.
    choices : mapping, optional
        For ``choice``: every accepted spelling → the stored value.
    invalid : {"warning", "reject"}
        What an unreadable or invalid value does: a warning drops the value
        (the row is kept), a reject drops the row.
    """

    name: str
    label_zh: str
    label_en: str
    aliases: tuple[str, ...] = ()
    kind: FieldKind = "text"
    required: bool = False
    max_length: int | None = None
    pattern: str | None = None
    hint_zh: str = ""
    hint_en: str = ""
    choices: Mapping[str, str] | None = None
    invalid: Literal["warning", "reject"] = "warning"

    def names(self) -> tuple[str, ...]:
        """Every column name this field is known by."""
        return (self.label_zh, self.name, *self.aliases)


@dataclass(frozen=True)
class TableSchema:
    """What a table of one kind holds; see the module docstring.

    Parameters
    ----------
    name : str
        The kind (``"employers"``, ``"staff"``...), as ``import_run.kind``.
    label_zh, label_en : str
        How messages name a table of this kind.
    fields : tuple of Field
        In the order of the accepted rows' columns.
    key : tuple of str
        Fields that identify a record: a later row with the same key is
        rejected as a duplicate, and a re-import updates by it.
    must_have : tuple of str
        Fields whose columns the file must have.
    header_fields : tuple of str
        A record naming two known fields, one of them among these, is taken
        as the header.
    """

    name: str
    label_zh: str
    label_en: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    must_have: tuple[str, ...]
    header_fields: tuple[str, ...]
    _aliases: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, str] = {}
        for item in self.fields:
            for alias in item.names():
                index.setdefault(header_key(alias), item.name)
        object.__setattr__(self, "_aliases", index)

    @property
    def field_names(self) -> tuple[str, ...]:
        """The fields' names, in order."""
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for item in self.fields:
            if item.name == name:
                return item
        msg = f"table {self.name!r} has no field {name!r}"
        raise KeyError(msg)

    def field_of(self, column: object) -> str | None:
        """Return the field a column name stands for, if any."""
        return self._aliases.get(header_key(column))

    def find_header(
        self, records: Sequence[Sequence[object]], mapping: Mapping[str, str] | None
    ) -> int:
        """Return the index of the header among the first records (0 when unsure)."""
        wanted = {header_key(c) for c in (mapping or {}).values()}
        for index, record in enumerate(records):
            keys = {header_key(c) for c in record if c is not None and str(c).strip()}
            if wanted and wanted <= keys:
                return index
            if self._recognised_keys(keys):
                return index
        return 0

    def recognises(
        self, record: Sequence[object], mapping: Mapping[str, str] | None
    ) -> bool:
        """Tell whether ``record`` is a header of this kind of table."""
        keys = {header_key(c) for c in record if c is not None}
        if mapping:
            return {header_key(c) for c in mapping.values()} <= keys
        found = {self._aliases.get(k) for k in keys}
        return bool(found & set(self.header_fields))

    def _recognised_keys(self, keys: set[str]) -> bool:
        fields = {self._aliases[k] for k in keys if k in self._aliases}
        return len(fields) >= 2 and bool(fields & set(self.header_fields))

    def map_columns(
        self, headers: Sequence[str], mapping: Mapping[str, str] | None, label: str
    ) -> tuple[dict[str, str], list[str]]:
        """Return our field → the file's column, and the columns left over.

        Raises
        ------
        RegistryFileError
            ``mapping`` names an unknown field or column, or a column of
            :attr:`must_have` cannot be found.
        """
        columns: dict[str, str] = {}
        by_key: dict[str, str] = {}
        for header in headers:
            by_key.setdefault(header_key(header), header)
        names = self.field_names
        for name, column in (mapping or {}).items():
            if name not in names:
                msg = (
                    f"mapping names unknown field {name!r}; fields are {list(names)} "
                    f"(对照表中的字段“{name}”不存在)"
                )
                raise RegistryFileError(msg)
            found = column if column in headers else by_key.get(header_key(column))
            if found is None:
                msg = (
                    f"mapping {name!r} → {column!r}: no such column in {label!r}; "
                    f"columns are {list(headers)} "
                    f"(“{label}”中没有列“{column}”)"
                )
                raise RegistryFileError(msg)
            columns[name] = found
        taken = set(columns.values())
        for header in headers:
            alias = self.field_of(header)
            if alias is not None and alias not in columns and header not in taken:
                columns[alias] = header
                taken.add(header)
        missing = [f for f in self.must_have if f not in columns]
        if missing:
            wanted = ", ".join(f"{f} ({self.field(f).label_zh})" for f in missing)
            wanted_zh = "、".join(self.field(f).label_zh for f in missing)
            example = ", ".join(f"{f!r}: ..." for f in missing)
            msg = (
                f"{label!r}: cannot find the column(s) {wanted}; columns are "
                f"{list(headers)}; give mapping={{{example}}} "
                f"(找不到{wanted_zh}列，请用 --mapping 指定)"
            )
            raise RegistryFileError(msg)
        ordered = {f: columns[f] for f in names if f in columns}
        return ordered, [h for h in headers if h not in taken]


def header_key(name: object) -> str:
    """Normalise a column name for alias matching.

    NFKC, without blanks, invisible characters, ``*`` marks, punctuation or
    a unit in brackets, lower case.

    Examples
    --------
    >>> header_key(" 职工人数（人）* "), header_key("Company_Name")
    ('职工人数', 'companyname')
    """
    text = unicodedata.normalize("NFKC", "" if name is None else str(name))
    text = _HEADER_NOISE.sub("", text).lower()
    stripped = _UNIT_SUFFIX.sub("", text)
    return stripped or text


def unique_names(record: Sequence[object]) -> list[str]:
    """Header names made unique and non-empty (``电话``, ``电话.1``...).

    Examples
    --------
    >>> unique_names(["电话", None, "电话"])
    ['电话', 'column_2', '电话.1']
    """
    names: list[str] = []
    seen: set[str] = set()
    for position, value in enumerate(record):
        name = "" if value is None else str(value).strip()
        name = name or f"column_{position + 1}"
        unique, k = name, 1
        while unique in seen:
            unique, k = f"{name}.{k}", k + 1
        seen.add(unique)
        names.append(unique)
    return names
