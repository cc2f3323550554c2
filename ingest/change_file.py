"""Read a change set file (JSON or CSV): reassignments a manager asks for.

A change set is a list of changes with a reason and an effective date:

* ``move`` 调动 — ``staff_id`` leaves cell ``from`` for cell ``to`` (``duty``);
* ``swap`` 对调 — ``staff_id`` (in ``cell``) and ``other_staff_id`` (in
  ``other_cell``) change places;
* ``add`` 新增 / ``remove`` 撤销 — ``staff_id`` gets / loses ``duty`` in ``cell``;
* ``bulk`` 批量 — every cell at ``level`` (default village) below ``under``
  gets person ``to`` in ``duty``, replacing ``from`` (or whoever holds that
  duty when ``from`` is omitted).

JSON: ``{"reason": …, "effective": "2026-12-01", "changes": [{"op": …}, …]}``.
CSV: one change a record, headers in Chinese or English (:data:`FIELD_NAMES`):
操作 op, 人员编号 staff_id, 原网格 from, 新网格 to, 职责 duty, 对调人员编号
other_staff_id, 对调网格 other_cell, 范围网格 under, 层级 level; optional
网格 cell, 生效日期 effective and 原因 reason (the same on every record) and
备注 note (ignored).  In a CSV the cell of ``add`` is 新网格 (to), of
``remove`` and ``swap`` 原网格 (from); a ``bulk`` record may name the
incoming person in 人员编号 instead of 新网格.  Encodings as every other
input: UTF-8, UTF-8 with BOM, GBK/GB18030 (detected).

Every bad record is reported with its line (CSV: the header is line 1; JSON:
the change's number), field and value, in Chinese and English, all at once
(:class:`~grid.errors.ChangeSetError`).  The reader knows nothing of the
database: whether the people, cells and assignments exist is checked when
the change set is expanded against the stored assignments.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from grid.errors import ChangeSetError
from ingest.change_items import (
    FIELD_NAMES,
    HEADER_OF,
    Change,
    ChangeSetDraft,
    clean,
    normalise_change,
    parse_change_date,
    problem,
    top_date,
    where_read,
)
from ingest.tables.reader import detect_encoding


def read_change_file(
    path: str | Path, *, duties: Mapping[str, tuple[str, str]]
) -> ChangeSetDraft:
    """Read a change set from a ``.json`` or ``.csv`` file.

    Parameters
    ----------
    path : str or Path
        The file; JSON when its name ends in ``.json`` or its text starts
        with ``{`` or ``[``, CSV otherwise.
    duties : mapping
        Duty vocabulary: stored value → (Chinese, English) name, e.g.
        :data:`twonet.db.models.DUTIES`.  Any of the three is accepted.

    Returns
    -------
    ChangeSetDraft

    Raises
    ------
    ChangeSetError
        The file cannot be read, or records are bad: every bad record named
        with its line, field and value, in Chinese and English.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        msg = f"无法读取变更文件 {path} / cannot read change set file {path}: {exc}"
        raise ChangeSetError(msg) from exc
    encoding = detect_encoding(raw[: 1 << 20])
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        msg = (
            f"变更文件 {path.name} 无法按 {encoding} 解码（第 {exc.start} 字节）/ "
            f"change set file {path.name} cannot be decoded as {encoding} "
            f"(byte {exc.start})"
        )
        raise ChangeSetError(msg) from exc
    text = text.lstrip("\ufeff")
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "["):
        return parse_json_text(text, duties=duties, source_name=path.name)
    return parse_csv_text(text, duties=duties, source_name=path.name)


def parse_json_text(
    text: str, *, duties: Mapping[str, tuple[str, str]], source_name: str = ""
) -> ChangeSetDraft:
    """Read a JSON change set from its text (see :func:`read_change_file`)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = (
            f"{source_name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列："
            f"{exc.msg}）/ {source_name} is not valid JSON (line {exc.lineno}, "
            f"column {exc.colno}: {exc.msg})"
        )
        raise ChangeSetError(msg) from exc
    return draft_from_dict(data, duties=duties, source_name=source_name)


def draft_from_dict(
    data: Any, *, duties: Mapping[str, tuple[str, str]], source_name: str = ""
) -> ChangeSetDraft:
    """Build a draft from parsed JSON: ``{"reason", "effective", "changes"}``.

    A bare list is taken as the changes.  Keys may be Chinese (操作, 人员编号 …).

    Examples
    --------
    >>> duties = {"assistant": ("协管员", "assistant")}
    >>> draft = draft_from_dict(
    ...     {"reason": "调整", "changes": [{"op": "新增", "staff_id": "S1",
    ...      "cell": "370211001001", "duty": "协管员"}]}, duties=duties)
    >>> draft.changes[0].op, draft.changes[0].duty, draft.effective
    ('add', 'assistant', None)
    """
    if isinstance(data, list):
        data = {"changes": data}
    if not isinstance(data, dict) or not isinstance(data.get("changes"), list):
        msg = (
            f"{source_name} 应为含 changes 列表的对象 / {source_name} must be an "
            'object with a "changes" list'
        )
        raise ChangeSetError(msg)
    problems: list[str] = []
    unknown = sorted(set(data) - {"reason", "effective", "changes", "原因", "生效日期"})
    if unknown:
        problems.append(
            problem(("文件", "file"), "keys", unknown, "未知的键", "unknown keys")
        )
    effective = top_date(data.get("effective", data.get("生效日期")), problems)
    changes = []
    for number, item in enumerate(data["changes"], start=1):
        if not isinstance(item, dict):
            where = where_read(number, "change")
            problems.append(problem(where, "change", item, "应为对象", "not an object"))
            continue
        change = normalise_change(item, number, "change", duties, problems, strict=True)
        if change is not None:
            changes.append(change)
    reason = data.get("reason", data.get("原因")) or ""
    return _finish(changes, str(reason).strip(), effective, source_name, problems)


def parse_csv_text(
    text: str, *, duties: Mapping[str, tuple[str, str]], source_name: str = ""
) -> ChangeSetDraft:
    r"""Read a CSV change set from its text (see :func:`read_change_file`).

    Examples
    --------
    >>> duties = {"assistant": ("协管员", "assistant")}
    >>> text = "操作,人员编号,原网格,新网格,职责\n"
    >>> text += "调动,S1,370211001001,370211001002,协管员\n"
    >>> change = parse_csv_text(text, duties=duties).changes[0]
    >>> change.op, change.from_, change.to, change.line
    ('move', '370211001001', '370211001002', 2)
    """
    records = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    start = next((i for i, r in enumerate(records) if any(v.strip() for v in r)), None)
    if start is None:
        msg = f"变更文件 {source_name} 为空 / change set file {source_name} is empty"
        raise ChangeSetError(msg)
    fields = _csv_header(records[start], source_name)
    problems: list[str] = []
    changes = []
    shared: dict[str, set[str]] = {"effective": set(), "reason": set()}
    for index in range(start + 1, len(records)):
        values = records[index]
        if not any(v.strip() for v in values):
            continue
        line = index + 1
        if len(values) > len(fields) and any(v.strip() for v in values[len(fields) :]):
            where = where_read(line, "line")
            problems.append(
                problem(
                    where,
                    "columns",
                    len(values),
                    "列数多于表头",
                    "more values than headers",
                )
            )
            continue
        item = {f: v for f, v in zip(fields, values, strict=False) if f and v.strip()}
        for key in shared:
            if key in item:
                shared[key].add(
                    _same_date(item.pop(key))
                    if key == "effective"
                    else item.pop(key).strip()
                )
        change = normalise_change(item, line, "line", duties, problems, strict=False)
        if change is not None:
            changes.append(change)
    effective = None
    for key, seen in shared.items():
        if len(seen) > 1:
            problems.append(
                problem(
                    ("文件", "file"),
                    key,
                    sorted(seen),
                    "各行不一致",
                    "differs between lines",
                )
            )
    if len(shared["effective"]) == 1:
        effective = top_date(next(iter(shared["effective"])), problems)
    reason = next(iter(shared["reason"])) if len(shared["reason"]) == 1 else ""
    return _finish(changes, reason, effective, source_name, problems)


# ------------------------------------------------------------------ helpers
def _finish(
    changes: list[Change],
    reason: str,
    effective: dt.date | None,
    source_name: str,
    problems: list[str],
) -> ChangeSetDraft:
    if not changes and not problems:
        problems.append(
            problem(("文件", "file"), "changes", [], "没有任何变更", "holds no change")
        )
    if problems:
        source_name = source_name or "(text)"
        head = (
            f"变更文件 {source_name} 有 {len(problems)} 处错误 / change set file "
            f"{source_name} has {len(problems)} problem(s):"
        )
        raise ChangeSetError("\n".join([head, *problems]))
    return ChangeSetDraft(tuple(changes), reason, effective, source_name)


def _same_date(value: str) -> str:
    """Return a date as ISO text (to compare lines), or as given if it is none."""
    try:
        return parse_change_date(value).isoformat()
    except ChangeSetError:
        return value.strip()


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", "\t", ";", "|"), key=first.count)


def _csv_header(record: list[str], source_name: str) -> list[str | None]:
    fields: list[str | None] = []
    unknown = []
    for header in record:
        key = clean(header)
        if not key:
            fields.append(None)
            continue
        name = HEADER_OF.get(key.casefold())
        if name is None:
            unknown.append(header)
        fields.append(None if name == "note" else name)
    named = [f for f in fields if f is not None]
    repeated = sorted({f for f in named if named.count(f) > 1})
    if unknown or repeated or "op" not in named:
        known = " ".join(f"{a[1]}/{a[0]}" for a in FIELD_NAMES.values())
        msg = (
            f"变更文件 {source_name} 的表头有误（未知：{unknown}，重复：{repeated}，"
            f"须有“操作”列）/ the header of change set file {source_name} is wrong "
            f"(unknown: {unknown}, repeated: {repeated}, an 'op' column is "
            f"required); known headers: {known}"
        )
        raise ChangeSetError(msg)
    return fields
