"""Employer registries (用人单位信息表): the employer schema and its checks.

:func:`read_registry` reads a registry through the generic table pipeline
(:mod:`ingest.tables`) with :data:`EMPLOYERS`, the employer schema, and
:func:`check_employers`, the checks that only employers have:

* the unified social credit code (GB 32100-2015: length, characters, check
  characters, registration area, duplicates);
* coordinates in their declared datum (numbers, both or neither, swapped,
  inside China, inside the grid's extent, a known coordinate system);
* head-count rules (staff = men + women; staff ≥ on post ≥ migrant workers;
  signed ≤ required ≤ staff).

Values people write (full-width digits, ``1,234人``, Chinese dates, Excel
serials), encodings (UTF-8 with or without BOM, GBK/GB18030), title rows,
Chinese and English headers and the rejects file are the pipeline's.

Severity
--------
``"reject"``: the row cannot be imported (no name; no or invalid credit code;
a credit code already used by an earlier row; a CSV record with the wrong
number of fields).  ``"warning"``: the row is imported but flagged; a bad
value is dropped (unusable coordinates are dropped so the address gets
geocoded; an unreadable count or date becomes empty).  See :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import partial
from os import PathLike
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grid.coords import CHINA_BBOX, Datum, parse_datum
from grid.errors import CRSError
from ingest.tables.pipeline import TableStream, open_table
from ingest.tables.problems import PROBLEM_COLUMNS, TableResult, write_rejects
from ingest.tables.reader import Progress, detect_encoding
from ingest.tables.schema import Field, TableSchema
from ingest.tables.validate import INVISIBLE, TableCheck
from ingest.tables.values import (
    fold,
    null_token_mask,
    parse_dates,
    parse_numbers,
    to_bool,
)
from ingest.uscc import MESSAGES as USCC_MESSAGES
from ingest.uscc import SEVERITY as USCC_SEVERITY
from ingest.uscc import bad_characters, validate_uscc_array

__all__ = [
    "COUNT_FIELDS",
    "EMPLOYERS",
    "FIELDS",
    "KINDS",
    "PROBLEM_COLUMNS",
    "ROW_COLUMNS",
    "RegistryResult",
    "detect_encoding",
    "open_registry",
    "parse_dates",
    "parse_numbers",
    "read_registry",
    "write_rejects",
]

#: What :func:`read_registry` returns.
RegistryResult = TableResult

#: Column names recognised for each field (compared after the normalisation
#: described in the module docstring, case-insensitively).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": (
        "单位名称",
        "企业名称",
        "用人单位名称",
        "用人单位",
        "名称",
        "单位",
        "name",
        "company",
        "company_name",
        "employer",
        "employer_name",
        "enterprise_name",
        "unit_name",
    ),
    "uscc": (
        "统一社会信用代码",
        "信用代码",
        "社会信用代码",
        "统一信用代码",
        "统一代码",
        "uscc",
        "usci",
        "credit_code",
        "social_credit_code",
        "unified_social_credit_code",
    ),
    "registered_address": (
        "注册地址",
        "住所",
        "注册地",
        "登记地址",
        "registered_address",
        "reg_address",
    ),
    "operating_address": (
        "经营地址",
        "生产经营地址",
        "实际经营地址",
        "经营场所",
        "地址",
        "单位地址",
        "详细地址",
        "operating_address",
        "business_address",
        "address",
    ),
    "lon": ("经度", "经度坐标", "x坐标", "lon", "lng", "long", "longitude", "x"),
    "lat": ("纬度", "纬度坐标", "y坐标", "lat", "latitude", "y"),
    "crs": (
        "坐标系",
        "坐标类型",
        "坐标系统",
        "坐标体系",
        "crs",
        "datum",
        "coordinate_system",
        "coord_system",
    ),
    "industry_code": (
        "行业代码",
        "国民经济行业代码",
        "行业分类代码",
        "industry_code",
    ),
    "industry": (
        "行业",
        "行业名称",
        "所属行业",
        "国民经济行业",
        "行业分类",
        "industry",
        "industry_name",
    ),
    "economic_type": (
        "经济类型",
        "登记注册类型",
        "企业类型",
        "经济性质",
        "单位性质",
        "economic_type",
        "ownership",
        "registration_type",
    ),
    "staff": (
        "职工人数",
        "从业人数",
        "职工总数",
        "用工人数",
        "员工人数",
        "staff",
        "employees",
        "headcount",
        "staff_count",
    ),
    "men": ("男", "男职工", "男性", "其中男", "男职工人数", "men", "male"),
    "women": ("女", "女职工", "女性", "其中女", "女职工人数", "women", "female"),
    "on_post": ("在岗人数", "在岗职工人数", "在岗职工", "on_post", "on_duty"),
    "migrant": (
        "农民工人数",
        "农民工",
        "其中农民工",
        "migrant",
        "migrants",
        "migrant_workers",
    ),
    "contracts_required": (
        "应签合同人数",
        "应签订劳动合同人数",
        "应签劳动合同人数",
        "contracts_required",
    ),
    "contracts_signed": (
        "劳动合同签订人数",
        "已签合同人数",
        "签订劳动合同人数",
        "已签订劳动合同人数",
        "contracts_signed",
    ),
    "insured": (
        "参保人数",
        "参加社会保险人数",
        "参保职工人数",
        "insured",
        "social_insurance",
    ),
    "legal_rep": (
        "法定代表人",
        "负责人",
        "法人代表",
        "法定代表人(负责人)",
        "法人",
        "legal_rep",
        "legal_representative",
        "representative",
    ),
    "phone": ("联系电话", "电话", "手机", "联系方式", "phone", "tel", "telephone"),
    "updated": (
        "更新日期",
        "填报日期",
        "更新时间",
        "填报时间",
        "updated",
        "update_date",
        "updated_at",
        "report_date",
    ),
    "category": ("重点类别", "行业类别", "类别", "category"),
}


#: Names of the fields in messages (Chinese, English).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "registered_address": ("注册地址", "registered address"),
    "operating_address": ("生产经营地址", "operating address"),
    "industry": ("行业", "industry"),
    "economic_type": ("经济类型", "economic type"),
    "legal_rep": ("法定代表人", "legal representative"),
    "phone": ("联系电话", "phone"),
    "category": ("重点类别", "category"),
    "name": ("单位名称", "name"),
    "uscc": ("统一社会信用代码", "credit code"),
    "lon": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "crs": ("坐标系", "coordinate system"),
    "industry_code": ("行业代码", "industry code"),
    "staff": ("职工人数", "staff"),
    "men": ("男职工", "men"),
    "women": ("女职工", "women"),
    "on_post": ("在岗人数", "on-post staff"),
    "migrant": ("农民工人数", "migrant workers"),
    "contracts_required": ("应签合同人数", "contracts required"),
    "contracts_signed": ("劳动合同签订人数", "contracts signed"),
    "insured": ("参保人数", "insured"),
    "updated": ("更新日期", "update date"),
}


#: Fields holding head counts (non-negative integers, ``Int64``).
COUNT_FIELDS: tuple[str, ...] = (
    "staff",
    "men",
    "women",
    "on_post",
    "migrant",
    "contracts_required",
    "contracts_signed",
    "insured",
)


_INDUSTRY_CODE = r"[A-T](?:\d{2,4})?|\d{2,4}"


def _field(name: str, **options: Any) -> Field:
    zh, en = FIELD_LABELS[name]
    return Field(name, zh, en, aliases=FIELD_ALIASES[name], **options)


#: The employer registry's schema: fields in the order of the accepted rows.
EMPLOYERS: Final = TableSchema(
    name="employers",
    label_zh="用人单位信息表",
    label_en="employer registry",
    fields=(
        _field("name", required=True),
        _field("uscc"),
        _field("registered_address"),
        _field("operating_address"),
        _field("lon"),
        _field("lat"),
        _field("crs"),
        _field(
            "industry_code",
            kind="code",
            pattern=_INDUSTRY_CODE,
            hint_zh="GB/T 4754格式(门类字母加2-4位数字)",
            hint_en="a GB/T 4754 code (a section letter and/or 2-4 digits)",
        ),
        _field("industry"),
        _field("economic_type"),
        *(_field(name, kind="count") for name in COUNT_FIELDS[:6]),
        *(_field(name, kind="count") for name in COUNT_FIELDS[6:]),
        _field("legal_rep"),
        _field("phone"),
        _field("updated", kind="date"),
        _field("category"),
    ),
    key=("uscc",),
    must_have=("name", "uscc"),
    header_fields=("name", "uscc"),
)

#: Our field names, in the order of :attr:`RegistryResult.rows`.
FIELDS: tuple[str, ...] = EMPLOYERS.field_names

#: Columns of :attr:`RegistryResult.rows`.
ROW_COLUMNS: tuple[str, ...] = ("row", *FIELDS, "area_code", "extra")

#: Problem kinds and their severity.
KINDS: Final[dict[str, str]] = {
    "name_missing": "reject",
    "uscc_invisible": "warning",
    **USCC_SEVERITY,
    "uscc_duplicate": "reject",
    "field_count": "reject",
    "coord_not_numeric": "warning",
    "coord_partial": "warning",
    "coord_swapped": "warning",
    "coord_out_of_range": "warning",
    "coord_outside_extent": "warning",
    "crs_unknown": "warning",
    "count_invalid": "warning",
    "staff_sum": "warning",
    "on_post_gt_staff": "warning",
    "migrant_gt_on_post": "warning",
    "migrant_gt_staff": "warning",
    "signed_gt_required": "warning",
    "required_gt_staff": "warning",
    "date_invalid": "warning",
    "industry_code_invalid": "warning",
}


#: Margin (degrees) around the grid extent for GCJ-02/BD-09 coordinates,
#: which lie within about 1 km of their WGS-84 position.
OBFUSCATED_MARGIN: Final = 0.02


def read_registry(
    path: str | PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    default_crs: str | Datum | None = None,
    known_area_codes: Collection[str] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    require_uscc: bool = True,
    chunk_rows: int = 200_000,
    progress: Progress | None = None,
    earlier_keys: Mapping[str, str] | None = None,
    delimiter: str | None = None,
) -> RegistryResult:
    r"""Read an employer registry and check every row.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` (also ``.txt``/``.tsv``) or ``.xlsx`` file.
    mapping : mapping, optional
        Our field names (:data:`FIELDS`) to the file's column names, for
        columns the aliases do not find (or find wrongly).
    encoding : str, optional
        CSV encoding; overrides detection.
    sheet : str or int, optional
        XLSX worksheet, by name or 0-based position.
    default_crs : str or Datum, optional
        Datum of coordinates whose row names none (blank or no ``坐标系``
        column), any name :func:`grid.coords.parse_datum` knows.  Without
        it such coordinates are taken as WGS-84 (said in ``notes``).
    known_area_codes : collection of str, optional
        Division codes known as registration areas (current and historical
        province, prefecture and county codes).  Not checked when ``None``.
    extent : (lon_min, lat_min, lon_max, lat_max), optional
        WGS-84 bounding box of the grid; coordinates outside it are dropped
        (with :data:`OBFUSCATED_MARGIN` for GCJ-02/BD-09 coordinates).
    require_uscc : bool, default True
        When False, a row without a credit code (an unlicensed workshop...)
        is accepted with a warning instead of rejected.
    chunk_rows : int, default 200000
        About how many rows to read between two ``progress`` calls.
    progress : callable, optional
        Called as ``progress(rows_done, rows_total)`` while reading.
    earlier_keys : mapping, optional
        Credit codes of files read before this one by the same import →
        where (``file:row``); a row repeating one is rejected.
    delimiter : str, optional
        CSV delimiter (one character, or ``"tab"``); default detected.

    Returns
    -------
    RegistryResult
        Accepted rows in :data:`ROW_COLUMNS` (``crs`` a :class:`Datum`
        value, ``area_code`` characters 3-8 of the credit code).

    Raises
    ------
    TwoNetError
        The file cannot be found, read or decoded, is an ``.xls``, or its
        name/credit-code columns cannot be found; ``mapping`` names an
        unknown field or column; ``sheet`` is unknown.
    CRSError
        ``default_crs`` is not a datum name.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "r.csv").write_text(
    ...     "单位名称,统一社会信用代码\n福州某公司,91350100M000100Y43\n"
    ... )
    >>> result = read_registry(folder / "r.csv")
    >>> result.rows[["row", "name", "uscc"]].to_numpy().tolist()
    [[2, '福州某公司', '91350100M000100Y43']]
    """
    stream = open_registry(
        path,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        default_crs=default_crs,
        known_area_codes=known_area_codes,
        extent=extent,
        require_uscc=require_uscc,
        earlier_keys=earlier_keys,
    )
    return stream.summary(list(stream.chunks(chunk_rows, progress)))


def open_registry(
    path: str | PathLike[str],
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
    default_crs: str | Datum | None = None,
    known_area_codes: Collection[str] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    require_uscc: bool = True,
    earlier_keys: Mapping[str, str] | None = None,
) -> TableStream:
    """Open a registry to check it chunk by chunk (see :func:`read_registry`).

    Returns
    -------
    TableStream
        Its :meth:`~ingest.tables.pipeline.TableStream.chunks` yield the
        checked rows of about 100,000 records at a time: a large registry
        is imported in bounded memory.
    """
    default = None if default_crs is None else parse_datum(default_crs)
    check = partial(
        check_employers,
        default=default,
        extent=extent,
        known_area_codes=known_area_codes,
        require_uscc=require_uscc,
    )
    return open_table(
        path,
        EMPLOYERS,
        check=check,
        kinds=KINDS,
        mapping=mapping,
        encoding=encoding,
        sheet=sheet,
        delimiter=delimiter,
        earlier_keys=earlier_keys,
    )


def check_employers(
    table: TableCheck,
    *,
    default: Datum | None,
    extent: tuple[float, float, float, float] | None,
    known_area_codes: Collection[str] | None,
    require_uscc: bool,
) -> None:
    """Run the checks only employers have (see the module docstring)."""
    values = table.values
    values["uscc"], values["area_code"] = _check_uscc(
        table, known_area_codes, require_uscc
    )
    if not require_uscc:
        values["uscc"] = _internal_codes(table, values["uscc"])
    values["lon"], values["lat"], values["crs"] = _check_coordinates(
        table, default, extent
    )
    counts = {n: _as_float(values.get(n), table.n) for n in COUNT_FIELDS}
    _check_staff_rules(table, counts)


#: First characters of the code given to an employer without a credit code:
#: ``Z`` is not in the credit-code alphabet, so it never meets a real one.
INTERNAL_CODE_PREFIX: Final = "ZZ"


def _internal_codes(table: TableCheck, codes: pa.Array) -> pa.Array:
    """Give rows without a credit code an internal code, with a warning.

    The code is ``ZZ`` and 16 hexadecimal digits of a hash of the name and
    the address, so the same workshop gets the same code at every import
    (and two rows naming the same one are caught as duplicates).
    """
    import hashlib

    missing = ~to_bool(pc.is_valid(codes)) & ~table.rejected
    if not missing.any():
        return codes
    names = table.cells("name").to_pylist()
    operating = table.cells("operating_address").to_pylist()
    registered = table.cells("registered_address").to_pylist()
    made = codes.to_pylist()
    for i in np.flatnonzero(missing):
        basis = "|".join(
            str(v or "").strip() for v in (names[i], operating[i] or registered[i])
        )
        digest = hashlib.blake2b(basis.encode(), digest_size=8).hexdigest().upper()
        made[i] = INTERNAL_CODE_PREFIX + digest
    result = pa.array(made, pa.string())
    table.add(
        missing,
        "uscc_missing",
        "uscc",
        "缺少统一社会信用代码，按名称和地址编为内部编码“{code}”",
        "credit code missing; given the internal code '{code}' from name and address",
        value="{code}",
        severity="warning",
        code=result,
    )
    return result


def _as_float(values: pd.Series | None, n: int) -> npt.NDArray[np.float64]:
    if values is None:
        return np.full(n, np.nan)
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_uscc(
    table: TableCheck, known: Collection[str] | None, require_uscc: bool
) -> tuple[pa.Array, pa.Array]:
    _strip_invisible(table)
    checks = validate_uscc_array(pd.Series(table.cells("uscc")), known_area_codes=known)
    code = pa.array(checks["code"])
    present = checks["present"].to_numpy()
    length_ok = checks["length_ok"].to_numpy()
    charset_ok = checks["charset_ok"].to_numpy()
    letters = length_ok & charset_ok
    templates = USCC_MESSAGES

    def add(
        mask: npt.NDArray[np.bool_],
        kind: str,
        *,
        severity: str | None = None,
        **fields: Any,
    ) -> None:
        zh, en = templates[kind]
        table.add(mask, kind, "uscc", zh, en, severity=severity, code=code, **fields)

    if require_uscc:
        add(~present, "uscc_missing")
    add(present & ~length_ok, "uscc_length", n=pc.utf8_length(code))
    bad_chars = present & length_ok & ~charset_ok
    bad = np.full(table.n, "", dtype=object)
    if bad_chars.any():
        bad[bad_chars] = [bad_characters(c) for c in checks["code"][bad_chars]]
    add(bad_chars, "uscc_charset", bad=bad)
    area = pc.utf8_slice_codeunits(code, 2, 8)
    add(letters & ~checks["format_ok"].to_numpy(), "uscc_area_format", area=area)
    expected = pa.array(checks["check_char"])
    wrong = pc.not_equal(pc.utf8_slice_codeunits(code, 17, 18), expected)
    add(letters & to_bool(wrong), "uscc_check", expected=expected)
    add(
        letters & ~checks["org_check_ok"].to_numpy(),
        "uscc_org_check",
        expected=pa.array(checks["org_check_char"]),
    )
    add(
        letters & ~checks["authority_ok"].to_numpy(),
        "uscc_authority",
        pair=pc.utf8_slice_codeunits(code, 0, 2),
    )
    unknown = (checks["area_known"] == False).fillna(False).to_numpy(bool)  # noqa: E712
    add(unknown, "uscc_area_unknown", area=area)
    code_out = pc.if_else(pa.array(present), code, None)
    return code_out, pa.array(checks["area_code"])


def _check_coordinates(
    table: TableCheck,
    default: Datum | None,
    extent: tuple[float, float, float, float] | None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], pa.Array]:
    lon, lon_blank = parse_numbers(table.cells("lon"))
    lat, lat_blank = parse_numbers(table.cells("lat"))
    drop = np.zeros(table.n, dtype=np.bool_)
    for name, values, blank in (("lon", lon, lon_blank), ("lat", lat, lat_blank)):
        bad = ~blank & np.isnan(values)
        zh_name, en_name = FIELD_LABELS[name]
        table.add(
            bad,
            "coord_not_numeric",
            name,
            f"{zh_name}“{{value}}”不是数字，坐标已舍弃，将按地址定位",
            f"{en_name} '{{value}}' is not a number; coordinates dropped, "
            "the address will be geocoded",
            value=table.cells(name),
        )
        drop |= bad
    partial = (lon_blank ^ lat_blank) & ~drop
    table.add(
        partial,
        "coord_partial",
        "lon",
        "经纬度只填了一个，坐标已舍弃，将按地址定位",
        "only one of longitude and latitude given; coordinates dropped, "
        "the address will be geocoded",
        value="{lon_text}, {lat_text}",
        lon_text=table.cells("lon"),
        lat_text=table.cells("lat"),
        column=f"{table.label('lon')}/{table.label('lat')}",
    )
    drop |= partial
    usable = ~np.isnan(lon) & ~np.isnan(lat)
    swapped = usable & (lat >= 73) & (lat <= 136) & (lon >= 3) & (lon <= 54)
    x_min, y_min, x_max, y_max = CHINA_BBOX
    outside = (
        usable
        & ~swapped
        & ~((lon >= x_min) & (lon <= x_max) & (lat >= y_min) & (lat <= y_max))
    )
    pair = "{lon_text}, {lat_text}"
    texts = {"lon_text": table.cells("lon"), "lat_text": table.cells("lat")}
    both = f"{table.label('lon')}/{table.label('lat')}"
    table.add(
        swapped,
        "coord_swapped",
        "lon",
        "经纬度疑似颠倒(经度{lon}，纬度{lat})，坐标已舍弃，将按地址定位",
        "longitude and latitude look swapped (lon {lon}, lat {lat}); "
        "coordinates dropped, the address will be geocoded",
        value=pair,
        column=both,
        **texts,
        lon=lon,
        lat=lat,
    )
    table.add(
        outside,
        "coord_out_of_range",
        "lon",
        "坐标(经度{lon}，纬度{lat})不在中国范围内，已舍弃，将按地址定位",
        "coordinates (lon {lon}, lat {lat}) are outside China; dropped, "
        "the address will be geocoded",
        value=pair,
        column=both,
        **texts,
        lon=lon,
        lat=lat,
    )
    drop |= swapped | outside
    datum, unknown = _datums(table, default, usable & ~drop)
    table.add(
        unknown & ~_blank_cells(table, "crs"),
        "crs_unknown",
        "crs",
        "无法识别的坐标系“{value}”，坐标已舍弃，将按地址定位",
        "unknown coordinate system '{value}'; coordinates dropped, "
        "the address will be geocoded",
        value=table.cells("crs"),
    )
    drop |= unknown & usable
    if extent is not None:
        margin = np.where(
            to_bool(pc.is_in(datum, value_set=pa.array(["gcj02", "bd09"]))),
            OBFUSCATED_MARGIN,
            0.0,
        )
        inside = (
            (lon >= extent[0] - margin)
            & (lon <= extent[2] + margin)
            & (lat >= extent[1] - margin)
            & (lat <= extent[3] + margin)
        )
        beyond = usable & ~drop & ~inside
        table.add(
            beyond,
            "coord_outside_extent",
            "lon",
            "坐标(经度{lon}，纬度{lat})不在本网格范围内，已舍弃，将按地址定位",
            "coordinates (lon {lon}, lat {lat}) are outside the grid's extent; "
            "dropped, the address will be geocoded",
            value=pair,
            column=both,
            **texts,
            lon=lon,
            lat=lat,
        )
        drop |= beyond
    lon = np.where(drop | ~usable, np.nan, lon)
    lat = np.where(drop | ~usable, np.nan, lat)
    return lon, lat, datum


def _blank_cells(table: TableCheck, name: str) -> npt.NDArray[np.bool_]:
    return null_token_mask(fold(table.cells(name)))


def _datums(
    table: TableCheck, default: Datum | None, with_coordinates: npt.NDArray[np.bool_]
) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
    """Datum of each row (``Datum`` value or null) and where it is unknown."""
    text = fold(table.cells("crs"))
    blank = null_token_mask(text)
    fallback = default or Datum.WGS84
    if default is None and (blank & with_coordinates).any():
        table.notes.append(
            "rows give coordinates without a coordinate system; taken as "
            "WGS-84 (pass default_crs= / --default-crs) "
            "(有坐标而未注明坐标系的行按 WGS-84 处理)"
        )
    uniques = pc.unique(text).to_pylist()
    parsed: dict[str, str | None] = {}
    for value in uniques:
        try:
            parsed[value] = parse_datum(value).value
        except CRSError:
            parsed[value] = None
    keys = pa.array(list(parsed), text.type)
    targets = pa.array(list(parsed.values()), pa.string())
    datum = pc.take(targets, pc.index_in(text, value_set=keys))
    unknown = ~blank & ~to_bool(pc.is_valid(datum))
    datum = pc.if_else(pa.array(blank), fallback.value, datum)
    return datum, unknown


def _check_staff_rules(
    table: TableCheck, c: dict[str, npt.NDArray[np.float64]]
) -> None:
    rules = (
        ("staff_sum", ("staff", "men", "women"), "≠", "{a} ≠ {b} + {c}"),
        ("on_post_gt_staff", ("on_post", "staff"), ">", "{a} > {b}"),
        ("migrant_gt_on_post", ("migrant", "on_post"), ">", "{a} > {b}"),
        ("migrant_gt_staff", ("migrant", "staff"), ">", "{a} > {b}"),
        ("signed_gt_required", ("contracts_signed", "contracts_required"), ">", ""),
        ("required_gt_staff", ("contracts_required", "staff"), ">", ""),
    )
    for kind, names, _, _ in rules:
        values = [c[n] for n in names]
        if kind == "staff_sum":
            mask = values[0] != values[1] + values[2]
        else:
            mask = values[0] > values[1]
            if kind == "migrant_gt_staff":
                mask &= np.isnan(c["on_post"])
        mask &= np.all([~np.isnan(v) for v in values], axis=0)
        zh_terms = [f"{table.label(n)}({{v{i}}})" for i, n in enumerate(names)]
        en_terms = [f"{FIELD_LABELS[n][1]} ({{v{i}}})" for i, n in enumerate(names)]
        if kind == "staff_sum":
            zh = f"{zh_terms[0]}不等于{zh_terms[1]}与{zh_terms[2]}之和"
            en = f"{en_terms[0]} is not {en_terms[1]} + {en_terms[2]}"
        else:
            zh = f"{zh_terms[0]}大于{zh_terms[1]}"
            en = f"{en_terms[0]} is more than {en_terms[1]}"
        table.add(
            mask,
            kind,
            names[0],
            zh,
            en,
            value="/".join(f"{{v{i}}}" for i in range(len(names))),
            column="/".join(table.label(n) for n in names),
            **cast(dict[str, Any], {f"v{i}": v for i, v in enumerate(values)}),
        )


def _strip_invisible(table: TableCheck) -> None:
    """Remove invisible characters from credit codes, naming them in a warning.

    A zero-width space or a direction mark copied in with a code would
    otherwise make it 19 characters long while it looks right.
    """
    cells = table.cells("uscc")
    found = pc.match_substring_regex(cells, f"[{INVISIBLE}]")
    if not pc.any(found).as_py():
        return
    mask = to_bool(found)
    named = np.full(table.n, "", dtype=object)
    for i in np.flatnonzero(mask):
        chars = dict.fromkeys(c for c in str(cells[i]) if c in INVISIBLE)
        named[i] = "、".join(f"U+{ord(c):04X}" for c in chars)
    table.add(
        mask,
        "uscc_invisible",
        "uscc",
        "统一社会信用代码中含不可见字符{chars}，已删除",
        "credit code contains invisible characters {chars}; removed",
        value=pc.replace_substring_regex(cells, f"[{INVISIBLE}]", ""),
        chars=named,
    )
    table.replace_cells("uscc", pc.replace_substring_regex(cells, f"[{INVISIBLE}]", ""))
