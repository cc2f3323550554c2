"""Find the code, name, level and parent columns of a grid file.

Columns are looked up under common Chinese and English names
(:data:`COLUMN_ALIASES`), also when a shapefile cut them at 10 bytes, or
given explicitly with ``columns=``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from grid.errors import GridFileError

#: Our field names that ``columns=`` may map to the file's column names.
FIELDS: tuple[str, ...] = ("code", "name", "level", "parent_code")

#: Column names recognised for each field, in order of preference (compared
#: case-insensitively; shapefile names cut at 10 bytes also match).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "代码",
        "编码",
        "区划代码",
        "行政区划代码",
        "统计用区划代码",
        "网格编码",
        "网格代码",
        "网格编号",
        "division_code",
        "adcode",
        "nbs2023_code",
        "nbs2023_village_code",
        "nbs2023_town_code",
        "nbs2023_county_code",
        "village_code",
        "town_code",
        "county_code",
        "xzqdm",
        "xzqhdm",
        "grid_code",
    ),
    "name": (
        "name",
        "名称",
        "网格名称",
        "区划名称",
        "行政区划名称",
        "name_zh",
        "nbs2023_name",
        "nbs2023_village_name",
        "nbs2023_town_name",
        "village_name",
        "town_name",
        "county_name",
        "xzqmc",
        "grid_name",
    ),
    "level": ("level", "级别", "层级", "网格级别", "网格层级", "grid_level"),
    "parent_code": (
        "parent_code",
        "parent",
        "上级代码",
        "上级编码",
        "父级代码",
        "父级编码",
        "上级网格编码",
        "上级区划代码",
        "parent_adcode",
    ),
}


def map_columns(
    available: Iterable[str], columns: Mapping[str, str] | None, *, label: str
) -> dict[str, str]:
    """Return our field name -> the file's column name (``available``)."""
    names = [str(c) for c in available]
    given = {
        ("parent_code" if key == "parent" else key): value
        for key, value in (columns or {}).items()
    }
    unknown = sorted(set(given) - set(FIELDS))
    missing = sorted(v for v in given.values() if v not in names)
    if unknown or missing:
        problems, problems_zh = [], []
        if unknown:
            problems.append(f"unknown fields {unknown} (expected {list(FIELDS)})")
            problems_zh.append(f"未知字段 {unknown}（应为 {list(FIELDS)}）")
        if missing:
            problems.append(f"columns {missing} not in the file")
            problems_zh.append(f"文件中没有列 {missing}")
        msg = (
            f"{label} 的列映射有误：{'；'.join(problems_zh)}；文件的列：{names} / "
            f"bad columns= for {label}: {'; '.join(problems)}; file columns: {names}"
        )
        raise GridFileError(msg)
    mapping = dict(given)
    taken = set(mapping.values())
    for field_name in FIELDS:
        if field_name not in mapping:
            found = _find_alias(names, COLUMN_ALIASES[field_name], taken)
            if found is not None:
                mapping[field_name] = found
                taken.add(found)
    if not names:
        msg = (
            f"{label} 没有任何属性列（只有几何图形），找不到网格编码 / "
            f"{label} has no attribute columns at all (geometry only), so no cell "
            "codes"
        )
        raise GridFileError(msg)
    if "code" not in mapping:
        msg = (
            f"在 {label} 的列 {names} 中找不到网格编码列，请用 --code-column 指定 / "
            f"cannot find the cell code column of {label} among {names}; "
            "name it with columns={'code': '<column>'} "
            f"(recognised: {list(COLUMN_ALIASES['code'])})"
        )
        raise GridFileError(msg)
    return mapping


def _find_alias(
    names: list[str], aliases: tuple[str, ...], taken: set[str]
) -> str | None:
    folded = {n.strip().lower(): n for n in names if n not in taken}
    for alias in aliases:
        if alias in folded:
            return folded[alias]
    for alias in aliases:  # shapefile field names are cut at 10 bytes
        for key, name in folded.items():
            if alias.startswith(key) and key != alias and _looks_truncated(key):
                return name
    return None


def _looks_truncated(name: str) -> bool:
    """Tell whether a column name may have been cut at 10 bytes.

    In GBK a cut name keeps 9-10 bytes; in UTF-8 a cut character is dropped,
    leaving 7-10 bytes.
    """
    return len(name) >= 10 or (
        not name.isascii()
        and (len(name.encode("gb18030")) >= 9 or len(name.encode("utf-8")) >= 7)
    )
