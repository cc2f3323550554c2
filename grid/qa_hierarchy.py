"""QA checks of codes and of the hierarchy, on a working table of the cells.

:func:`prepare_table` normalises codes and levels and repairs geometries
once; the checks here read it: malformed codes, levels contradicting codes,
duplicates (:func:`check_codes`), missing parents, skipped levels and codes
not under their parent (:func:`check_hierarchy`), invalid or missing
geometries (:func:`check_geometry_presence`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.cells import repair_geometries
from grid.codes import (
    LEVEL_NAMES_ZH,
    Level,
    code_extends_parent,
    level_of_code,
    normalise_code,
)
from grid.errors import CellCodeError
from grid.qa_problems import is_blank, problem_record


def _safe_code(value: object) -> str | None:
    """Normalise a code, or return ``None`` when it is not one."""
    if is_blank(value):
        return None
    try:
        code = normalise_code(value)
        level_of_code(code)
    except CellCodeError:
        return None
    return code


def _safe_level(value: object) -> Level | None:
    """Parse a level value, or return ``None``."""
    try:
        return Level(str(value))
    except ValueError:
        return None


def prepare_table(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """Build a working table: normalised codes, levels and valid geometries."""
    raw = cells["code"].to_numpy()
    geoms = cells.geometry.to_numpy()
    has_geom = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    valid = shapely.is_valid(geoms)
    vgeom = repair_geometries(geoms)
    vgeom[~has_geom] = None
    has_geom &= ~shapely.is_missing(vgeom)
    codes = [_safe_code(v) for v in raw]
    code_levels = [level_of_code(c) if c is not None else None for c in codes]
    levels = [
        _safe_level(v) or cl
        for v, cl in zip(cells["level"].to_numpy(), code_levels, strict=True)
    ]
    return pd.DataFrame(
        {
            "raw": raw,
            "code": pd.Series(codes, dtype=object),
            "parent": pd.Series(
                [_safe_code(v) for v in cells["parent_code"].to_numpy()], dtype=object
            ),
            "raw_parent": cells["parent_code"].to_numpy(),
            "level": pd.Series(levels, dtype=object),
            "code_level": pd.Series(code_levels, dtype=object),
            "has_geom": has_geom,
            "valid": valid | ~has_geom,
            "vgeom": vgeom,
        }
    )


def _rows(table: pd.DataFrame) -> list[Any]:
    """Return the rows of a table as named tuples (typed loosely)."""
    return list(table.itertuples())


def check_codes(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Report malformed codes, level mismatches and duplicate codes."""
    out = []
    for row in _rows(table):
        if row.code is None:
            out.append(
                problem_record(
                    "bad_code",
                    row.raw,
                    row.level,
                    f"编码 {row.raw!r} 不是有效的区划代码",
                    f"code {row.raw!r} is not a 6/9/12/14-digit division code",
                )
            )
        elif row.level is not None and row.level is not row.code_level:
            out.append(
                problem_record(
                    "level_mismatch",
                    row.code,
                    row.level,
                    f"编码 {row.code} 属于{LEVEL_NAMES_ZH[row.code_level]}级，"
                    f"但层级标为{LEVEL_NAMES_ZH[row.level]}",
                    f"code {row.code!r} is a {row.code_level.value} code but the "
                    f"level says {row.level.value!r}",
                )
            )
    counts = table["code"].dropna().value_counts()
    for code, n in counts[counts > 1].items():
        level = level_of_code(str(code))
        out.append(
            problem_record(
                "duplicate_code",
                code,
                level,
                f"编码 {code} 出现 {n} 次",
                f"code {code!r} occurs {n} times",
            )
        )
    return out


def check_hierarchy(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Report missing parents, skipped levels and codes not under the parent."""
    level_by_code = dict(zip(table["code"], table["level"], strict=True))
    out: list[dict[str, Any]] = []
    for row in _rows(table):
        if row.code is None or row.level is None or row.level.parent is None:
            continue
        if row.parent is None or row.parent not in level_by_code:
            shown = None if is_blank(row.raw_parent) else row.raw_parent
            out.append(
                problem_record(
                    "missing_parent",
                    row.code,
                    row.level,
                    f"上级 {shown!r} 为空或不在网格中",
                    f"parent {shown!r} is empty or not in the grid",
                    related=row.parent,
                )
            )
            continue
        out += _parent_level_records(row, level_by_code[row.parent])
    return out


def _parent_level_records(row: Any, plevel: Level | None) -> list[dict[str, Any]]:
    """Check one child against its (existing) parent's level and code."""
    out = []
    expected = row.level.parent
    if plevel is not expected:
        pname = LEVEL_NAMES_ZH[plevel] if plevel is not None else "?"
        out.append(
            problem_record(
                "skipped_level",
                row.code,
                row.level,
                f"{LEVEL_NAMES_ZH[row.level]} {row.code} 的上级 {row.parent} "
                f"是{pname}，应为{LEVEL_NAMES_ZH[expected]}",
                f"{row.level.value} {row.code!r} has parent {row.parent!r} of "
                f"level {getattr(plevel, 'value', None)!r}; "
                f"expected a {expected.value}",
                related=row.parent,
            )
        )
    if not code_extends_parent(row.code, row.parent):
        out.append(
            problem_record(
                "code_not_under_parent",
                row.code,
                row.level,
                f"编码 {row.code} 未延续上级编码 {row.parent}",
                f"code {row.code!r} does not extend parent code {row.parent!r}",
                related=row.parent,
            )
        )
    return out


def check_geometry_presence(
    cells: gpd.GeoDataFrame, table: pd.DataFrame
) -> list[dict[str, Any]]:
    """Report invalid geometries (with the reason) and cells without geometry."""
    out = []
    geoms = cells.geometry.to_numpy()
    invalid = np.flatnonzero(~table["valid"].to_numpy())
    reasons = shapely.is_valid_reason(geoms[invalid]) if len(invalid) else []
    for i, reason in zip(invalid, reasons, strict=True):
        row = table.iloc[i]
        out.append(
            problem_record(
                "invalid_geometry",
                row["raw"],
                row["level"],
                f"几何无效：{reason}",
                f"invalid geometry: {reason}",
            )
        )
    for i in np.flatnonzero(~table["has_geom"].to_numpy()):
        row = table.iloc[i]
        out.append(
            problem_record(
                "no_geometry",
                row["raw"],
                row["level"],
                "无边界：用人单位按地址落格",
                "no geometry: employers are placed by address only",
            )
        )
    return out
