"""Check every feature of a grid file and explain each one refused.

:func:`validate_features` turns the rows of a file into cell records and a
list of problems, one per reason a feature is refused, in Chinese and in
English; :func:`check_validity` counts (and optionally repairs) invalid
polygons; :func:`rejects_frame` lays the problems out as the rejects table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.cells import NAME_MAX_LENGTH, first_non_finite_vertex, to_multipolygon
from grid.codes import (
    Level,
    invisible_characters,
    level_of_code,
    non_ascii_digits,
    normalise_code,
    parent_code_of,
    parse_level,
)
from grid.errors import CellCodeError

#: Columns of the rejects table (:attr:`ingest.grid_files.GridFileResult.rejects`).
REJECT_COLUMNS: tuple[str, ...] = ("feature", "row", "code", "reason_zh", "reason_en")

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
#: Rows listed at most in a note about invisible characters.
_NOTE_ROWS = 10

Problem = tuple[int, Any, str, str]  # feature, raw code, reason_zh, reason_en


def _raw(value: Any) -> Any:
    """Return a cell value with missing values as ``None`` and 3.0 as 3."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return int(value)
    if isinstance(value, str) and not value.strip():
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _check_code(raw: Any) -> tuple[str | None, list[tuple[str, str]]]:
    if raw is None:
        return None, [("缺少网格编码", "missing code")]
    try:
        code = normalise_code(raw)
        level_of_code(code)
    except CellCodeError as exc:
        others = non_ascii_digits(str(raw))
        if others:
            zh = f"编码含非ASCII数字 {others[0]}：{raw!r}（请用0-9书写）"
        else:
            zh = f"编码格式错误：{raw!r}（应为6、9、12或14位数字）"
        return None, [(zh, f"malformed code: {exc}")]
    return code, []


def _check_name(name: str, column: str) -> list[tuple[str, str]]:
    if len(name) <= NAME_MAX_LENGTH:
        return []
    shown = name[:20] + "…"
    return [
        (
            f"名称过长：列 {column!r} 的值 {shown!r} 有{len(name)}个字符，"
            f"最多可存{NAME_MAX_LENGTH}个",
            f"name too long: column {column!r} holds {shown!r}, {len(name)} "
            f"characters long; at most {NAME_MAX_LENGTH} can be stored",
        )
    ]


def _check_level(code: str, raw: Any, forced: Level | None) -> list[tuple[str, str]]:
    implied = level_of_code(code)
    problems: list[tuple[str, str]] = []
    declared: list[tuple[str, Level]] = []
    if raw is not None:
        try:
            declared.append((f"level column {raw!r}", parse_level(str(raw))))
        except CellCodeError:
            en = f"unknown level {raw!r} in the level column"
            problems.append((f"无法识别的级别：{raw!r}", en))
    if forced is not None:
        declared.append((f"level={forced.value!r}", forced))
    for what, lvl in declared:
        if lvl is not implied:
            problems.append(
                (
                    f"级别与编码长度不符：{raw if raw is not None else lvl.value}，"
                    f"而{len(code)}位编码 {code} 表示{implied.value}",
                    f"{what} ({lvl.value}) contradicts code {code!r}: "
                    f"{len(code)} digits means {implied.value}",
                )
            )
    return problems


def _check_parent(code: str, raw: Any) -> list[tuple[str, str]]:
    if raw is None:
        return []
    try:
        parent = normalise_code(raw)
    except CellCodeError:
        parent = None
    expected = parent_code_of(code)
    if parent is not None and parent == expected:
        return []
    if expected is None and parent is not None and _is_province_of(parent, code):
        return []  # a city's province is not a cell, but it is consistent
    return [
        (
            f"上级编码 {raw!r} 与编码 {code} 不符（应为 {expected}）",
            f"parent code {raw!r} is inconsistent with code {code!r} "
            f"(expected {expected!r})",
        )
    ]


def _is_province_of(parent: str, code: str) -> bool:
    return len(parent) == 6 and parent.endswith("0000") and parent[:2] == code[:2]


def _check_geometry(
    geom: BaseGeometry | None, bad_vertex: int
) -> list[tuple[str, str]]:
    if geom is None or geom.is_empty:
        return [("缺少几何图形或图形为空", "missing or empty geometry")]
    if bad_vertex >= 0:
        x, y = shapely.get_coordinates(geom)[bad_vertex]
        where = f"({_number(x)}, {_number(y)})"
        return [
            (
                f"坐标不是有限数值（NaN或无穷大）：第{bad_vertex + 1}个顶点为 {where}",
                f"coordinates that are not finite numbers (NaN or infinity): "
                f"vertex {bad_vertex + 1} is {where}",
            )
        ]
    kind = geom.geom_type
    if kind in _POLYGONAL:
        return []
    if kind == "GeometryCollection":
        kinds = {p.geom_type for p in shapely.get_parts(geom) if not p.is_empty}
        if kinds <= _POLYGONAL:
            return []
        kind = f"GeometryCollection of {sorted(kinds)}"
    return [(f"几何类型不是面：{kind}", f"non-polygon geometry: {kind}")]


def _number(value: float) -> str:
    """Show a coordinate, NaN as ``NaN``."""
    return "NaN" if np.isnan(value) else repr(float(value))


def _invisible_note(rows_by_char: dict[str, list[int]]) -> list[str]:
    """Tell which invisible characters were removed from codes, and where."""
    notes = []
    for char, rows in rows_by_char.items():
        shown = ", ".join(str(r) for r in rows[:_NOTE_ROWS])
        more = len(rows) - _NOTE_ROWS
        zh_more = f"等{len(rows)}行" if more > 0 else ""
        en_more = f" and {more} more" if more > 0 else ""
        notes.append(
            f"已从网格编码中删除不可见字符 {char}（第 {shown} 行{zh_more}） / "
            f"invisible character {char} removed from the codes of row"
            f"{'s' if len(rows) > 1 else ''} {shown}{en_more}"
        )
    return notes


def validate_features(
    frame: pd.DataFrame,
    geoms: np.ndarray,
    mapping: Mapping[str, str],
    forced_level: Level | None,
) -> tuple[list[dict[str, Any]], list[Problem], list[str]]:
    """Check every feature; return accepted records, all problems and notes.

    A feature is refused for a missing or malformed code (digits of another
    script are named), a level or parent contradicting the code, a code
    already used, a name longer than :data:`grid.cells.NAME_MAX_LENGTH`, or
    a geometry that is missing, empty, not polygonal or has a coordinate
    that is not a finite number.  Invisible characters in codes are removed,
    and the notes say which and where.
    """

    def column(field_name: str) -> list[Any]:
        if field_name not in mapping:
            return [None] * len(frame)
        return [_raw(v) for v in frame[mapping[field_name]].tolist()]

    raw_codes, names = column("code"), column("name")
    levels, parents = column("level"), column("parent_code")
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    first_index: dict[str, int] = {}
    bad_vertex = first_non_finite_vertex(geoms)
    invisible: dict[str, list[int]] = {}
    for i, raw_code in enumerate(raw_codes):
        if isinstance(raw_code, str):
            for char in invisible_characters(raw_code):
                invisible.setdefault(char, []).append(i + 1)
        code, found = _check_code(raw_code)
        if code is not None:
            found += _check_level(code, levels[i], forced_level)
            found += _check_parent(code, parents[i])
            first = first_index.setdefault(code, i)
            if first != i:
                found.append(
                    (
                        f"编码重复：与第{first + 1}行（要素{first}）相同",
                        f"duplicate code {code!r}: first used by feature {first} "
                        f"(row {first + 1})",
                    )
                )
        name = code if names[i] is None else str(names[i]).strip()
        if names[i] is not None and name is not None:
            found += _check_name(name, mapping["name"])
        found += _check_geometry(geoms[i], int(bad_vertex[i]))
        display = None if raw_code is None else str(raw_code)
        problems.extend((i, display, zh, en) for zh, en in found)
        if not found and code is not None:
            records.append(
                {
                    "code": code,
                    "name": name,
                    "level": level_of_code(code).value,
                    "parent_code": parent_code_of(code),
                    "geometry": geoms[i],
                    "_feature": i,
                }
            )
    return records, problems, _invisible_note(invisible)


def check_validity(
    records: list[dict[str, Any]], *, repair: bool
) -> tuple[list[dict[str, Any]], list[Problem], list[str], int]:
    """Count invalid polygons; repair them if asked.

    Returns the records (without the private ``_feature`` key), problems
    from repairs that left no polygon, the invalid codes and the number
    repaired.
    """
    problems: list[Problem] = []
    invalid_codes: list[str] = []
    kept: list[dict[str, Any]] = []
    repaired = 0
    geoms = np.array([r["geometry"] for r in records], dtype=object)
    valid = shapely.is_valid(geoms) if len(geoms) else np.array([], dtype=bool)
    for record, ok in zip(records, valid, strict=True):
        feature = record.pop("_feature")
        if not ok:
            invalid_codes.append(record["code"])
            if repair:
                fixed = to_multipolygon(shapely.make_valid(record["geometry"]))
                if fixed is None:
                    problems.append(
                        (
                            feature,
                            record["code"],
                            "几何图形无效且无法修复为面",
                            "invalid geometry that make_valid reduced to no polygon",
                        )
                    )
                    continue
                record["geometry"] = fixed
                repaired += 1
        kept.append(record)
    return kept, problems, invalid_codes, repaired


def rejects_frame(problems: list[Problem]) -> pd.DataFrame:
    """Return the problems as the rejects table, sorted by feature."""
    rows = [
        {
            "feature": feature,
            "row": feature + 1,
            "code": code,
            "reason_zh": zh,
            "reason_en": en,
        }
        for feature, code, zh, en in sorted(problems, key=lambda p: p[0])
    ]
    frame = pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
    return frame.astype({"feature": "int64", "row": "int64", "code": object})
