"""One change of a change set, normalised: the vocabulary and its checks.

:mod:`ingest.change_file` reads files into :class:`Change` and
:class:`ChangeSetDraft`; this module says what a change may hold
(:data:`OPERATIONS`, :data:`FIELD_NAMES`, :data:`REQUIRED`) and turns one raw
change (a JSON object or a CSV record, keys in Chinese or English) into a
:class:`Change` or a list of bilingual problems naming its line, field and
value (:func:`normalise_change`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from grid.codes import INVISIBLE_CHARACTERS, normalise_code, parse_level
from grid.errors import CellCodeError, ChangeSetError

#: Operations: stored name → accepted spellings (Chinese and English).
OPERATIONS: dict[str, tuple[str, ...]] = {
    "move": ("move", "调动"),
    "swap": ("swap", "对调"),
    "add": ("add", "新增"),
    "remove": ("remove", "撤销"),
    "bulk": ("bulk", "批量"),
}

#: Fields: name → accepted headers / JSON keys (Chinese and English).
FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "op": ("op", "操作", "operation"),
    "staff_id": ("staff_id", "人员编号"),
    "from": ("from", "原网格", "from_cell"),
    "to": ("to", "新网格", "to_cell"),
    "cell": ("cell", "网格", "网格编码", "cell_code"),
    "duty": ("duty", "职责"),
    "other_staff_id": ("other_staff_id", "对调人员编号"),
    "other_cell": ("other_cell", "对调网格"),
    "under": ("under", "范围网格"),
    "level": ("level", "层级"),
    "effective": ("effective", "生效日期"),
    "reason": ("reason", "原因"),
    "note": ("note", "备注"),
}

#: What each operation needs (``cell`` may come from ``to``/``from``, see above).
REQUIRED: dict[str, tuple[str, ...]] = {
    "move": ("staff_id", "from", "to", "duty"),
    "swap": ("staff_id", "other_staff_id", "cell", "other_cell", "duty"),
    "add": ("staff_id", "cell", "duty"),
    "remove": ("staff_id", "cell", "duty"),
    "bulk": ("under", "duty", "to"),
}
_CELL_FIELDS = frozenset({"cell", "other_cell", "under"})
#: Header or JSON key (case-folded) → field name.
HEADER_OF = {
    alias.casefold(): name for name, aliases in FIELD_NAMES.items() for alias in aliases
}
_OP_OF = {
    alias.casefold(): op for op, aliases in OPERATIONS.items() for alias in aliases
}


@dataclass(frozen=True)
class Change:
    """One requested change, normalised (codes as ASCII digits, duty as stored).

    ``from_`` and ``to`` are cells for ``move`` and people for ``bulk``;
    ``cell`` is the cell of ``swap``, ``add`` and ``remove``.  ``line`` is
    where it was read: the CSV line (header = 1) or the JSON change number;
    ``source`` says which (``"line"`` or ``"change"``).
    """

    op: str
    duty: str
    line: int = 0
    source: str = "change"
    staff_id: str | None = None
    from_: str | None = None
    to: str | None = None
    cell: str | None = None
    other_staff_id: str | None = None
    other_cell: str | None = None
    under: str | None = None
    level: str | None = None

    def where(self) -> tuple[str, str]:
        """Return where the change was read, in Chinese and English."""
        return where_read(self.line, self.source)

    def as_dict(self) -> dict[str, Any]:
        """Return the change as a JSON change set holds it (``from``, no blanks)."""
        values = asdict(self)
        values["from"] = values.pop("from_")
        for where in ("source", "line"):
            values.pop(where)
        return {k: v for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class ChangeSetDraft:
    """A change set not applied yet: what to change, why, from when."""

    changes: tuple[Change, ...]
    reason: str = ""
    #: ``None``: the day it is applied
    effective: dt.date | None = None
    source_name: str = ""

    def with_reason(self, reason: str | None) -> ChangeSetDraft:
        """Return the draft with another reason (``None`` keeps this one)."""
        return self if reason is None else replace(self, reason=reason)

    def as_dict(self) -> dict[str, Any]:
        """Return the draft as JSON data (what :func:`draft_from_dict` reads)."""
        values: dict[str, Any] = {"reason": self.reason}
        if self.effective is not None:
            values["effective"] = self.effective.isoformat()
        values["changes"] = [c.as_dict() for c in self.changes]
        return values


def problem(where: tuple[str, str], name: str, value: Any, zh: str, en: str) -> str:
    """Return one problem: where, field, value and reason, Chinese / English."""
    shown = f"{name} = {value!r}"
    return f"{where[0]}，字段 {shown}：{zh} / {where[1]}, field {shown}: {en}"


def clean(value: Any) -> str:
    """Return a value as text without invisible characters, NFKC-folded, stripped."""
    text = "".join(c for c in str(value) if c not in INVISIBLE_CHARACTERS)
    return unicodedata.normalize("NFKC", text).strip()


def where_read(line: int, source: str) -> tuple[str, str]:
    """Return "line N" (CSV) or "change N" (JSON), in Chinese and English."""
    if source == "line":
        return f"第 {line} 行", f"line {line}"
    return f"第 {line} 项变更", f"change {line}"


def normalise_change(
    item: Mapping[str, Any],
    line: int,
    source: str,
    duties: Mapping[str, tuple[str, str]],
    problems: list[str],
    *,
    strict: bool,
) -> Change | None:
    """Normalise one change; append its problems (``None`` when it has any)."""
    where = where_read(line, source)
    found = len(problems)
    values: dict[str, str] = {}
    for key, value in item.items():
        name = HEADER_OF.get(clean(key).casefold()) if strict else key
        if name is None or name in ("effective", "reason"):
            problems.append(problem(where, str(key), value, "未知的键", "unknown key"))
        elif name != "note" and value is not None and clean(value):
            values[name] = clean(value)
    op_text = values.pop("op", "")
    op = _OP_OF.get(op_text.casefold())
    if op is None:
        known = "、".join(f"{a[1]} {a[0]}" for a in OPERATIONS.values())
        zh, en = f"未知操作，应为 {known}", f"unknown operation; one of {known}"
        problems.append(problem(where, "op", op_text or None, zh, en))
        return None
    _fill_aliases(op, values, where, problems)
    allowed = set(REQUIRED[op]) | ({"from", "level"} if op == "bulk" else set())
    for name in REQUIRED[op]:
        if name not in values:
            zh, en = f"{op} 必填", f"required for {op}"
            problems.append(problem(where, name, None, zh, en))
    for name in sorted(set(values) - allowed):
        zh, en = f"{op} 不用此字段", f"not used by {op}"
        problems.append(problem(where, name, values[name], zh, en))
    normal = {}
    for name, value in values.items():
        error = _normal_error(op, name, value, duties)
        if isinstance(error, tuple):
            problems.append(problem(where, name, value, *error))
        else:
            normal[name] = error
    if len(problems) > found:
        return None
    if op == "bulk":
        normal.setdefault("level", "village")
    return Change(
        op=op,
        duty=normal.pop("duty"),
        line=line,
        source=source,
        from_=normal.pop("from", None),
        **normal,
    )


def _fill_aliases(
    op: str, values: dict[str, str], where: tuple[str, str], problems: list[str]
) -> None:
    """Take ``cell`` from ``to``/``from`` and a bulk's ``to`` from ``staff_id``."""
    alias = {"add": "to", "remove": "from", "swap": "from"}.get(op)
    if op == "bulk":
        alias_to, alias_from = "to", "staff_id"
    elif alias is not None:
        alias_to, alias_from = "cell", alias
    else:
        return
    if alias_from not in values:
        return
    moved = values.pop(alias_from)
    if alias_to in values and values[alias_to] != moved:
        zh, en = f"与 {alias_to} 不一致", f"differs from {alias_to}"
        problems.append(problem(where, alias_from, moved, zh, en))
    values[alias_to] = moved


def _normal_error(
    op: str, name: str, value: str, duties: Mapping[str, tuple[str, str]]
) -> str | tuple[str, str]:
    """Return the normal form of a value, or why it is bad (Chinese, English)."""
    if name in _CELL_FIELDS or (op == "move" and name in ("from", "to")):
        try:
            code = normalise_code(value)
        except CellCodeError:
            code = ""
        if len(code) in (6, 9, 12, 14):
            return code
        return (
            "网格编码应为 6、9、12 或 14 位数字",
            "a cell code is 6, 9, 12 or 14 ASCII digits",
        )
    if name == "duty":
        for stored, (zh, en) in duties.items():
            if value.casefold() in (stored.casefold(), zh, en.casefold()):
                return stored
        known = "、".join(f"{zh} {stored}" for stored, (zh, _en) in duties.items())
        return f"未知职责，应为 {known}", f"unknown duty; one of {known}"
    if name == "level":
        try:
            return parse_level(value).value
        except CellCodeError:
            return (
                "未知层级，应为 市/县/乡镇/村（city/county/township/village）",
                "unknown level; one of city, county, township, village (市/县/乡/村)",
            )
    return value


_CHINESE_DATE = re.compile(r"(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?")


def parse_change_date(value: Any) -> dt.date:
    """Read an effective date: ``2026-12-01``, ``2026/12/1``, ``2026年12月1日``.

    Examples
    --------
    >>> parse_change_date("2026年12月1日"), parse_change_date("2026-12-01")
    (datetime.date(2026, 12, 1), datetime.date(2026, 12, 1))
    """
    if isinstance(value, dt.date):
        return value
    match = _CHINESE_DATE.fullmatch(clean(value))
    try:
        if match is None:
            raise ValueError(value)
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        msg = (
            f"日期 {value!r} 无效，应为 YYYY-MM-DD / invalid date {value!r}; "
            "use YYYY-MM-DD"
        )
        raise ChangeSetError(msg) from None


def top_date(value: Any, problems: list[str]) -> dt.date | None:
    """Read a change set's effective date (``None`` when blank), or add a problem."""
    if value is None or not clean(value):
        return None
    try:
        return parse_change_date(value)
    except ChangeSetError:
        problems.append(
            problem(
                ("文件", "file"),
                "effective",
                value,
                "日期无效",
                "invalid date (YYYY-MM-DD)",
            )
        )
        return None


def staff_ids(changes: Iterable[Change]) -> set[str]:
    """Return every person a list of changes names."""
    found: set[str] = set()
    for change in changes:
        found.update(v for v in (change.staff_id, change.other_staff_id) if v)
        if change.op == "bulk":
            found.update(v for v in (change.to, change.from_) if v)
    return found
