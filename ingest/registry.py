"""Read employer registries (用人单位信息表) from CSV or XLSX and validate them.

:func:`read_registry` reads a registry, maps its columns to our field names
(:data:`FIELDS`), checks every row and returns a :class:`RegistryResult`:
the accepted rows in canonical columns, every problem found (row, column,
value, severity, reason in Chinese and English), and the rejected rows with
all their original values and reasons, so that nothing is lost.

What it takes care of:

* **Encodings.**  A byte-order mark decides (UTF-8 or UTF-16); otherwise the
  first megabyte is tried as strict UTF-8, and read as GB18030 (a superset of
  GBK/GB2312, what Chinese Excel writes) when it is not.  An explicit
  ``encoding=`` always wins.  The delimiter (comma, tab, semicolon, bar) is
  sniffed from the first lines.
* **Headers.**  Chinese and English column names (:data:`FIELD_ALIASES`),
  compared after NFKC, without spaces, ``*`` marks or a unit in brackets
  (``职工人数（人）``); the header may follow a few title lines; or give the
  columns with ``mapping=``.  Columns we do not know are kept, per row, in
  the ``extra`` dict.
* **Values.**  Full-width digits, thousands separators and ``人`` suffixes in
  counts (``"１,２３４人"``); dates written ``2023-06-30``, ``2023/6/30``,
  ``2023.6.30``, ``20230630``, ``2023年6月30日``, ``二〇二三年六月三十日``, as
  Excel serial numbers or as date cells; coordinate systems by any name
  :func:`grid.coords.parse_datum` knows (``WGS84``, ``高德``, ``百度``...).

Row numbers
-----------
``row`` is the record's number in the file counting the header record as 1,
so the first data record is row 2 (with title lines above the header, the
header's own number + 1).  It is the line number a spreadsheet shows; in a
CSV it differs from the physical line only after a quoted value that spans
lines.

Severity
--------
``"reject"``: the row cannot be imported (no name; no or invalid credit code;
a credit code already used by an earlier row; a CSV record with the wrong
number of fields).  ``"warning"``: the row is imported but flagged; a bad
value is dropped (unusable coordinates are dropped so the address gets
geocoded; an unreadable count or date becomes empty).  See :data:`KINDS`.

Speed: every check is a pandas/numpy column operation; Python runs per row
only to word the messages of failing rows.  A million-row CSV (300 MB, 21
columns) reads and validates in about 7-10 s on a busy two-core VM, roughly
2.5 s of it parsing (see :func:`benchmark`).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import string
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from grid.coords import CHINA_BBOX, Datum, parse_datum
from grid.errors import CRSError, RegistryFileError
from ingest.uscc import MESSAGES as USCC_MESSAGES
from ingest.uscc import SEVERITY as USCC_SEVERITY
from ingest.uscc import bad_characters, validate_uscc_array

Progress = Callable[[int, int | None], None]

#: Our field names, in the order of :attr:`RegistryResult.rows`.
FIELDS: tuple[str, ...] = (
    "name",
    "uscc",
    "registered_address",
    "operating_address",
    "lon",
    "lat",
    "crs",
    "industry_code",
    "industry",
    "economic_type",
    "staff",
    "men",
    "women",
    "on_post",
    "migrant",
    "contracts_required",
    "contracts_signed",
    "insured",
    "legal_rep",
    "phone",
    "updated",
    "category",
)

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

#: Fields kept as text.
TEXT_FIELDS: tuple[str, ...] = (
    "name",
    "registered_address",
    "operating_address",
    "industry_code",
    "industry",
    "economic_type",
    "legal_rep",
    "phone",
    "category",
)

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

#: Problem kinds and their severity.
KINDS: Final[dict[str, str]] = {
    "name_missing": "reject",
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

#: Columns of :attr:`RegistryResult.problems`.
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

#: Columns of :attr:`RegistryResult.rows`.
ROW_COLUMNS: tuple[str, ...] = ("row", *FIELDS, "area_code", "extra")

#: Margin (degrees) around the grid extent for GCJ-02/BD-09 coordinates,
#: which lie within about 1 km of their WGS-84 position.
OBFUSCATED_MARGIN: Final = 0.02

_NULL_TOKENS: Final = frozenset(
    {"", "null", "none", "nan", "#n/a", "n/a", "na", "/", "-", "--", "—", "－", "无"}
)
_CSV_SUFFIXES: Final = frozenset({".csv", ".txt", ".tsv"})
_XLSX_SUFFIXES: Final = frozenset({".xlsx", ".xlsm"})
_SAMPLE_BYTES: Final = 1 << 20
_HEADER_SCAN: Final = 20
_DELIMITERS: Final = (",", "\t", ";", "|")
_NON_ASCII: Final = r"[^\x00-\x7f]"
_UNIT_SUFFIX = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")
_HEADER_NOISE = re.compile(r"[\s*:：_\-.]+")
_INDUSTRY_CODE = r"[A-T](?:\d{2,4})?|\d{2,4}"
_DATE_YMD = (
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_EXCEL_EPOCH: Final = np.datetime64("1899-12-30", "D")
_MIN_DATE: Final = np.datetime64("1949-10-01", "D")
_MAX_DATE: Final = np.datetime64("2100-12-31", "D")
_CN_DIGITS: Final = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True))
_CN_DATE = re.compile(
    r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日?$"
)


@dataclass(frozen=True, eq=False)
class RegistryResult:
    """What :func:`read_registry` found in a registry.

    Attributes
    ----------
    rows : DataFrame
        Accepted rows, columns :data:`ROW_COLUMNS`: ``row``; text fields as
        strings (NA when blank); ``uscc`` normalised (upper case, no
        spaces); ``lon``/``lat`` float64 (NaN when missing or dropped as
        unusable), in the datum named by ``crs`` (a :class:`Datum` value,
        ``"wgs84"``...); counts ``Int64``; ``updated`` ``datetime64[s]``;
        ``area_code`` (characters 3-8 of the credit code); ``extra``: dict of
        the unmapped columns' raw values.
    problems : DataFrame
        Every problem, columns :data:`PROBLEM_COLUMNS`, sorted by row:
        ``row`` (see the module docstring), ``field`` (ours), ``column`` (the
        file's header, ``a/b/c`` for rules over several columns), ``value``
        (raw text), ``kind`` (a key of :data:`KINDS`), ``severity``
        (``"reject"``/``"warning"``), ``reason_zh``, ``reason_en``.
    rejects : DataFrame
        Rejected rows: ``row``, every original column with its raw value,
        ``raw_line`` (only for CSV records with the wrong number of fields),
        ``reasons_zh`` and ``reasons_en`` (all the row's problems, joined).
    n_rows : int
        Data rows read (accepted + rejected; blank rows not counted).
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
        return int(warned[warned.isin(self.rows["row"])].nunique())


@dataclass
class _Raw:
    """A registry as read: text of every cell, before validation."""

    table: pa.Table  # text of every cell (non-null strings), unique headers
    rows: npt.NDArray[np.int64]  # row number of each record
    header_row: int
    values: pd.DataFrame | None = None  # XLSX: the cells' own values
    bad_records: list[tuple[int, str, int]] = field(default_factory=list)
    encoding: str | None = None
    sheet: str | None = None
    sha256: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


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
) -> RegistryResult:
    r"""Read an employer registry and check every row.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` (also ``.txt``/``.tsv``) or ``.xlsx`` file.  ``.xls`` is
        not supported (save it as ``.xlsx`` or CSV).
    mapping : mapping, optional
        Our field names (:data:`FIELDS`) to the file's column names, for
        columns the aliases do not find (or find wrongly).
    encoding : str, optional
        CSV encoding; overrides detection.
    sheet : str or int, optional
        XLSX worksheet, by name or 0-based position; default the first one
        whose header is recognised.
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
        Called as ``progress(rows_done, rows_total)`` while reading;
        ``rows_total`` is an estimate (or ``None``) until the last call,
        where it equals ``rows_done``.

    Returns
    -------
    RegistryResult

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
    default = None if default_crs is None else parse_datum(default_crs)
    if chunk_rows < 1:
        msg = f"chunk_rows must be positive, got {chunk_rows!r}"
        raise RegistryFileError(msg)
    source = Path(path)
    raw = _read_any(source, mapping, encoding, sheet, chunk_rows, progress)
    columns, unmapped = _map_columns(raw.table.column_names, mapping, source.name)
    raw, n_blank = _drop_blank(raw)
    checked = _Checker(raw, columns, known_area_codes, require_uscc=require_uscc)
    rows = checked.run(default=default, extent=extent, unmapped=unmapped)
    problems = checked.problems()
    rejects = _rejects(raw, checked.rejected, problems)
    if progress is not None:
        progress(
            len(raw.rows) + len(raw.bad_records), len(raw.rows) + len(raw.bad_records)
        )
    return RegistryResult(
        rows=rows,
        problems=problems,
        rejects=rejects,
        n_rows=len(raw.rows) + len(raw.bad_records),
        n_blank=n_blank,
        columns=columns,
        unmapped=tuple(unmapped),
        header_row=raw.header_row,
        encoding=raw.encoding,
        sheet=raw.sheet,
        file_sha256=raw.sha256,
        notes=tuple(raw.notes + checked.notes),
    )


def write_rejects(result: RegistryResult, path: str | PathLike[str]) -> Path:
    """Write the rejected rows, with their reasons, to CSV or XLSX.

    Parameters
    ----------
    result : RegistryResult
        What :func:`read_registry` returned.
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
        msg = f"rejects can be written to .csv or .xlsx, not {target.name!r}"
        raise RegistryFileError(msg)
    return target


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


def _read_any(
    path: Path,
    mapping: Mapping[str, str] | None,
    encoding: str | None,
    sheet: str | int | None,
    chunk_rows: int,
    progress: Progress | None,
) -> _Raw:
    if not path.is_file():
        msg = f"registry file {str(path)!r} does not exist"
        raise RegistryFileError(msg)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        msg = (
            f"{path.name!r} is an old Excel .xls file, which is not supported; "
            "save it as .xlsx or CSV (另存为 .xlsx 或 CSV)"
        )
        raise RegistryFileError(msg)
    with path.open("rb") as handle:
        magic = handle.read(4)
    if suffix in _XLSX_SUFFIXES or (
        suffix not in _CSV_SUFFIXES and magic == b"PK\x03\x04"
    ):
        return _read_xlsx(path, mapping, sheet, chunk_rows, progress)
    return _read_csv(path, mapping, encoding, chunk_rows, progress)


def _sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            digest.update(block)
    return digest.hexdigest()


def _count_newlines(path: Path) -> int:
    lines = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            lines += block.count(b"\n")
    return lines


def detect_encoding(sample: bytes) -> str:
    """Guess a CSV's encoding from its first bytes.

    Parameters
    ----------
    sample : bytes
        The start of the file (a megabyte is plenty).

    Returns
    -------
    str
        ``"utf-8-sig"`` or ``"utf-16"`` when a byte-order mark says so,
        ``"utf-8"`` when the sample is valid UTF-8 (ASCII included),
        otherwise ``"gb18030"``.

    Examples
    --------
    >>> detect_encoding("单位".encode("gbk")), detect_encoding("单位".encode())
    ('gb18030', 'utf-8')
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _read_csv(
    path: Path,
    mapping: Mapping[str, str] | None,
    encoding: str | None,
    chunk_rows: int,
    progress: Progress | None,
) -> _Raw:
    newlines = _count_newlines(path)
    with path.open("rb") as handle:
        sample = handle.read(_SAMPLE_BYTES)
    notes: list[str] = []
    used = encoding or detect_encoding(sample)
    if encoding is None and used != "utf-8":
        notes.append(f"{path.name}: encoding detected as {used}")
    try:
        text = codecs.getincrementaldecoder(used)("strict").decode(sample, final=False)
    except (LookupError, UnicodeDecodeError) as exc:
        msg = f"cannot decode {path.name!r} as {used!r}: {exc}"
        raise RegistryFileError(msg) from exc
    text = text.lstrip("\ufeff")
    delimiter = _sniff_delimiter(text)
    records = _first_records(text, delimiter)
    header_index = _find_header(records, mapping)
    header = _unique_names(records[header_index] if records else [])
    if not header:
        msg = f"{path.name!r} is empty: no header row"
        raise RegistryFileError(msg)
    row_bytes = max(len(sample) // max(len(records), 1), 16)
    block = int(min(max(row_bytes * chunk_rows, 1 << 16), 1 << 26))
    total = max(newlines - header_index - 1, 0)
    if newlines <= header_index:  # nothing after the header
        empty = pa.table({name: pa.array([], pa.string()) for name in header})
        return _Raw(
            table=empty,
            rows=np.zeros(0, dtype=np.int64),
            header_row=header_index + 1,
            encoding=used,
            sha256=_sha256(path),
            notes=notes,
        )
    try:
        table, bad = _arrow_csv(
            path, header, header_index, used, delimiter, block, total, progress
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if encoding is not None or used != "utf-8" or not sample.isascii():
            msg = (
                f"cannot read {path.name!r} as {used}: {exc}; "
                "give the encoding (encoding=..., e.g. 'gb18030')"
            )
            raise RegistryFileError(msg) from exc
        used = "gb18030"
        notes.append(
            f"{path.name}: not UTF-8 after the first megabyte; read as GB18030"
        )
        table, bad = _arrow_csv(
            path, header, header_index, used, delimiter, block, total, progress
        )
    n_records = table.num_rows + len(bad)
    bad_rows = np.asarray([r for r, _, _ in bad], dtype=np.int64)
    first = header_index + 2
    all_rows = np.arange(first, first + n_records, dtype=np.int64)
    rows = np.setdiff1d(all_rows, bad_rows, assume_unique=True)
    return _Raw(
        table=table,
        rows=rows,
        header_row=header_index + 1,
        bad_records=sorted(bad),
        encoding=used,
        sha256=_sha256(path),
        notes=notes,
    )


def _arrow_csv(
    path: Path,
    header: list[str],
    header_index: int,
    encoding: str,
    delimiter: str,
    block: int,
    total: int,
    progress: Progress | None,
) -> tuple[pa.Table, list[tuple[int, str, int]]]:
    """Stream the records after the header as strings; collect bad ones.

    Read on several threads first; Arrow knows the record number of a bad
    record only when reading on one thread, so a file with bad records is
    read again that way.
    """
    arguments = (path, header, header_index, encoding, delimiter, block, total)
    table, bad = _arrow_csv_pass(*arguments, progress, threads=True)
    if bad:
        table, bad = _arrow_csv_pass(*arguments, progress, threads=False)
    return table, bad


def _arrow_csv_pass(
    path: Path,
    header: list[str],
    header_index: int,
    encoding: str,
    delimiter: str,
    block: int,
    total: int,
    progress: Progress | None,
    *,
    threads: bool,
) -> tuple[pa.Table, list[tuple[int, str, int]]]:
    bad: list[tuple[int, str, int]] = []

    def on_bad(row: Any) -> str:
        number = -1 if row.number is None else int(row.number)
        bad.append((number, str(row.text), int(row.actual_columns)))
        return "skip"

    arrow_encoding = (
        "utf8" if encoding.replace("-", "").lower() in {"utf8", "utf8sig"} else encoding
    )
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(
            column_names=header,
            skip_rows=header_index + 1,
            encoding=arrow_encoding,
            block_size=block,
            use_threads=threads,
        ),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=True,
            ignore_empty_lines=False,
            invalid_row_handler=on_bad,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    batches = []
    done = 0
    for batch in reader:
        batches.append(batch)
        done += batch.num_rows
        if progress is not None:
            progress(done, max(total, done))
    table = pa.Table.from_batches(batches, schema=reader.schema)
    return table, bad


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:5]
    counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _first_records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) > _HEADER_SCAN:
                break
    except csv.Error:
        pass
    return records


def _header_key(name: object) -> str:
    """Normalise a column name for alias matching."""
    text = unicodedata.normalize("NFKC", "" if name is None else str(name))
    text = _HEADER_NOISE.sub("", text).lower()
    stripped = _UNIT_SUFFIX.sub("", text)
    return stripped or text


_ALIAS_INDEX: dict[str, str] = {
    _header_key(alias): name
    for name, aliases in FIELD_ALIASES.items()
    for alias in aliases
}


def _find_header(
    records: Sequence[Sequence[object]], mapping: Mapping[str, str] | None
) -> int:
    """Index of the header among the first records (0 when unsure)."""
    wanted = {_header_key(c) for c in (mapping or {}).values()}
    for index, record in enumerate(records[:_HEADER_SCAN]):
        keys = {_header_key(c) for c in record if c is not None and str(c).strip()}
        if wanted and wanted <= keys:
            return index
        fields = {_ALIAS_INDEX[k] for k in keys if k in _ALIAS_INDEX}
        if len(fields) >= 2 and fields & {"name", "uscc"}:
            return index
    return 0


def _unique_names(record: Sequence[object]) -> list[str]:
    """Header names made unique and non-empty (``电话``, ``电话.1``...)."""
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


def _read_xlsx(
    path: Path,
    mapping: Mapping[str, str] | None,
    sheet: str | int | None,
    chunk_rows: int,
    progress: Progress | None,
) -> _Raw:
    import openpyxl  # lazy: only needed for Excel files

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on broken files
        msg = f"cannot open {path.name!r} as an Excel workbook: {exc}"
        raise RegistryFileError(msg) from exc
    try:
        worksheet, header_index, first = _choose_sheet(book, sheet, mapping, path.name)
        total = worksheet.max_row - header_index - 1 if worksheet.max_row else None
        header = first[header_index]
        body: list[tuple[Any, ...]] = list(first[header_index + 1 :])
        for values in worksheet.iter_rows(min_row=len(first) + 1, values_only=True):
            body.append(values)
            if progress is not None and len(body) % chunk_rows == 0:
                progress(len(body), total)
        title = worksheet.title
    finally:
        book.close()
    width = max([len(header), *(len(r) for r in body)]) if body else len(header)
    names = _unique_names(list(header) + [None] * (width - len(header)))
    values = pd.DataFrame(
        [tuple(r) + (None,) * (width - len(r)) for r in body],
        columns=pd.Index(names),
        dtype=object,
    )
    table = pa.table(
        {
            name: pa.array([_cell_text(v) for v in values[name]], pa.string())
            for name in names
        }
    )
    rows = np.arange(header_index + 2, header_index + 2 + len(values), dtype=np.int64)
    return _Raw(
        table=table,
        rows=rows,
        header_row=header_index + 1,
        values=values,
        sheet=title,
        sha256=_sha256(path),
    )


def _choose_sheet(
    book: Any, sheet: str | int | None, mapping: Mapping[str, str] | None, label: str
) -> tuple[Any, int, list[tuple[Any, ...]]]:
    """Find the worksheet to read, its header index and its first rows."""
    names = list(book.sheetnames)
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            msg = f"{label!r} has {len(names)} sheets {names}; no sheet {sheet!r}"
            raise RegistryFileError(msg)
        candidates = [names[sheet]]
    elif sheet is not None:
        if sheet not in names:
            msg = f"{label!r} has no sheet {sheet!r}; its sheets are {names}"
            raise RegistryFileError(msg)
        candidates = [sheet]
    else:
        candidates = names
    for name in candidates:
        worksheet = book[name]
        first = list(worksheet.iter_rows(max_row=_HEADER_SCAN + 1, values_only=True))
        index = _find_header(first, mapping)
        if first and (sheet is not None or _recognised(first[index], mapping)):
            return worksheet, index, first
    msg = (
        f"no sheet of {label!r} has a recognisable header "
        "(单位名称, 统一社会信用代码...)"
    )
    raise RegistryFileError(msg)


def _recognised(record: Sequence[object], mapping: Mapping[str, str] | None) -> bool:
    keys = {_header_key(c) for c in record if c is not None}
    if mapping:
        return {_header_key(c) for c in mapping.values()} <= keys
    return bool({_ALIAS_INDEX.get(k) for k in keys} & {"name", "uscc"})


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _drop_blank(raw: _Raw) -> tuple[_Raw, int]:
    """Remove records with no value at all."""
    table = raw.table
    if table.num_rows == 0 or table.num_columns == 0:
        return raw, 0
    candidates = np.flatnonzero(_blank(table.column(0)))
    if candidates.size == 0:
        return raw, 0
    subset = table.take(pa.array(candidates))
    blank = np.ones(candidates.size, dtype=np.bool_)
    for column in subset.columns[1:]:
        blank &= _blank(column)
    drop = candidates[blank]
    if drop.size == 0:
        return raw, 0
    keep = np.ones(table.num_rows, dtype=np.bool_)
    keep[drop] = False
    raw.table = table.filter(pa.array(keep))
    raw.rows = raw.rows[keep]
    if raw.values is not None:
        raw.values = raw.values.iloc[keep].reset_index(drop=True)
    return raw, int(drop.size)


def _blank(values: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    trimmed = pc.utf8_trim_whitespace(values)
    return _np_bool(pc.equal(pc.fill_null(trimmed, ""), ""))


def _string_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Wrap Arrow strings in a pandas ``string[pyarrow]`` Series (no copy)."""
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if values.type != pa.large_string() and values.type != pa.string():
        values = values.cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(values))


def _blank_as_null(values: pa.Array) -> pa.Array:
    """Empty strings become nulls."""
    return pc.if_else(pc.equal(pc.fill_null(values, ""), ""), None, values)


def _np_bool(values: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    filled = pc.fill_null(values, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)


def _map_columns(
    headers: list[str], mapping: Mapping[str, str] | None, label: str
) -> tuple[dict[str, str], list[str]]:
    """Our field → the file's column, and the columns left over."""
    columns: dict[str, str] = {}
    by_key: dict[str, str] = {}
    for header in headers:
        by_key.setdefault(_header_key(header), header)
    for name, column in (mapping or {}).items():
        if name not in FIELDS:
            msg = f"mapping names unknown field {name!r}; fields are {list(FIELDS)}"
            raise RegistryFileError(msg)
        found = column if column in headers else by_key.get(_header_key(column))
        if found is None:
            msg = (
                f"mapping {name!r} → {column!r}: no such column in {label!r}; "
                f"columns are {headers}"
            )
            raise RegistryFileError(msg)
        columns[name] = found
    taken = set(columns.values())
    for header in headers:
        alias = _ALIAS_INDEX.get(_header_key(header))
        if alias is not None and alias not in columns and header not in taken:
            columns[alias] = header
            taken.add(header)
    missing = [f for f in ("name", "uscc") if f not in columns]
    if missing:
        wanted = ", ".join(f"{f} ({FIELD_LABELS[f][0]})" for f in missing)
        msg = (
            f"{label!r}: cannot find the column(s) {wanted}; columns are {headers}; "
            "give mapping={'name': ..., 'uscc': ...}"
        )
        raise RegistryFileError(msg)
    ordered = {f: columns[f] for f in FIELDS if f in columns}
    return ordered, [h for h in headers if h not in taken]


# --------------------------------------------------------------------------
# values
# --------------------------------------------------------------------------

_NULL_SET = pa.array(
    sorted(
        {
            variant
            for token in _NULL_TOKENS | {"暂无"}
            for variant in (token, token.upper(), token.title())
        }
    ),
    pa.string(),
)
_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"
_SERIAL = r"^\d{1,5}(\.\d+)?$"


def _text(values: pa.Array) -> pa.Array:
    """Trim Unicode whitespace (ideographic spaces included); nothing else."""
    return pc.utf8_trim_whitespace(values)


def _folded(values: pa.Array) -> pa.Array:
    """Trimmed and NFKC-normalised (full-width digits and punctuation → ASCII)."""
    values = pc.utf8_trim_whitespace(values)
    if not pc.all(pc.string_is_ascii(values)).as_py():
        values = pc.utf8_normalize(values, "NFKC")
    return values


def _is_null_token(values: pa.Array) -> npt.NDArray[np.bool_]:
    """Blank or a null word (any of :data:`_NULL_TOKENS`, in any usual case)."""
    return _np_bool(pc.is_in(values, value_set=_NULL_SET))


def parse_numbers(
    values: pa.Array,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Read numbers written by people: ``"1,234"``, ``"１２３"``, ``"12人"``.

    Parameters
    ----------
    values : pyarrow string array
        Cell texts.

    Returns
    -------
    numbers : ndarray of float64
        NaN where blank or unreadable.
    blank : ndarray of bool
        Where the cell is blank or a null word (``无``, ``-``, ``N/A``...).

    Examples
    --------
    >>> numbers, blank = parse_numbers(pa.array(["1,234", "１２", "12人", "", "x"]))
    >>> numbers.tolist(), blank.tolist()
    ([1234.0, 12.0, 12.0, nan, nan], [False, False, False, True, False])
    """
    text = _folded(values)
    empty = pc.equal(text, "")
    try:  # fast path: every cell a plain number or empty
        numbers = pc.cast(pc.if_else(empty, None, text), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        return numbers.to_numpy(zero_copy_only=False), _np_bool(empty)
    blank = _is_null_token(text)
    if pc.any(pc.match_substring_regex(text, r"[,\s]")).as_py():
        text = pc.replace_substring_regex(text, r"[,\s]+", "")
    if not pc.all(pc.string_is_ascii(text)).as_py():
        text = pc.replace_substring_regex(text, r"(人|名|个|户|°)$", "")
    ok = pc.match_substring_regex(text, _NUMBER)
    numbers = pc.cast(pc.if_else(ok, text, None), pa.float64())
    return numbers.to_numpy(zero_copy_only=False).astype(np.float64), blank


def parse_dates(
    values: pa.Array,
) -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.bool_]]:
    """Read dates as Chinese registries write them.

    Accepted: ``2023-06-30``, ``2023/6/30``, ``2023.6.30``, ``20230630``,
    ``2023年6月30日``, ``二〇二三年六月三十日``, any of these followed by a
    time, and Excel serial numbers (``45107``).  Dates before 1949-10-01 or
    after 2100 are refused.

    Parameters
    ----------
    values : pyarrow string array
        Cell texts (Excel date cells arrive as ``2023-06-30``).

    Returns
    -------
    dates : ndarray of datetime64[s]
        NaT where blank or unreadable.
    blank : ndarray of bool
        Where the cell is blank or a null word.

    Examples
    --------
    >>> dates, _ = parse_dates(pa.array(["2023年6月30日", "45107", "2023-02-30"]))
    >>> [str(d) for d in dates.astype("datetime64[D]")]
    ['2023-06-30', '2023-06-30', 'NaT']
    """
    text = _folded(values)
    blank = _is_null_token(text)
    chinese = pc.match_substring_regex(text, "[〇零一二三四五六七八九十]")
    if pc.any(chinese).as_py():
        where = np.flatnonzero(_np_bool(chinese))
        converted = [_chinese_date(t) for t in text.take(pa.array(where)).to_pylist()]
        text = pc.replace_with_mask(text, chinese, pa.array(converted, text.type))
    n = len(text)
    year = np.full(n, -1, dtype=np.int64)
    month = np.full(n, -1, dtype=np.int64)
    day = np.full(n, -1, dtype=np.int64)
    for pattern in (
        _DATE_YMD,
        r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$",
    ):
        parts = pc.extract_regex(text, pattern)
        found = _np_bool(parts.is_valid()) & (year < 0)
        if found.any():
            for target, name in ((year, "y"), (month, "m"), (day, "d")):
                child = pc.struct_field(parts, name)
                numbers = pc.cast(pc.if_else(pa.array(found), child, None), pa.int64())
                target[found] = numbers.to_numpy(zero_copy_only=False)[found]
    dates = _ymd_to_dates(year, month, day)
    serial = _np_bool(pc.match_substring_regex(text, _SERIAL)) & np.isnat(dates)
    if serial.any():
        days = pc.cast(pc.if_else(pa.array(serial), text, None), pa.float64())
        offsets = np.floor(days.to_numpy(zero_copy_only=False)[serial]).astype(np.int64)
        dates[serial] = (_EXCEL_EPOCH + offsets).astype("datetime64[s]")
    outside = (dates < _MIN_DATE) | (dates > _MAX_DATE)
    dates[outside] = np.datetime64("NaT")
    return dates, blank


def _ymd_to_dates(
    year: npt.NDArray[np.int64],
    month: npt.NDArray[np.int64],
    day: npt.NDArray[np.int64],
) -> npt.NDArray[np.datetime64]:
    """Calendar dates (datetime64[s]); NaT where the day does not exist."""
    ok = (year > 0) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    dates = months.astype("datetime64[D]") + np.where(ok, day - 1, 0)
    ok &= dates.astype("datetime64[M]") == months
    result = dates.astype("datetime64[s]")
    result[~ok] = np.datetime64("NaT")
    return result


def _chinese_number(text: str) -> int:
    """``"三十一"`` → 31 (1-99 written with 十)."""
    digits = {c: int(d) for c, d in _CN_DIGITS.items()}
    if "十" not in text:
        return digits.get(text, -1) if len(text) == 1 else -1
    tens, _, ones = text.partition("十")
    value = (digits.get(tens, -1) if tens else 1) * 10
    value += digits.get(ones, -100) if ones else 0
    return value if value > 0 else -1


def _chinese_date(text: str) -> str:
    """``二〇二三年六月三十日`` → ``2023年6月30日`` (other text unchanged)."""
    match = _CN_DATE.match(text)
    if match is None:
        return text
    year = "".join(_CN_DIGITS[c] for c in match[1])
    return f"{year}年{_chinese_number(match[2])}月{_chinese_number(match[3])}日"


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


class _Checker:
    """Every check of :func:`read_registry`, each over whole columns."""

    def __init__(
        self,
        raw: _Raw,
        columns: dict[str, str],
        known_area_codes: Collection[str] | None,
        *,
        require_uscc: bool,
    ) -> None:
        self.raw = raw
        self.columns = columns
        self.known = known_area_codes
        self.require_uscc = require_uscc
        self.n = raw.table.num_rows
        self.rejected = np.zeros(self.n, dtype=np.bool_)
        self.notes: list[str] = []
        self._parts: list[dict[str, Any]] = []
        self._cache: dict[str, pa.Array] = {}

    # -- helpers ----------------------------------------------------------

    def cells(self, name: str) -> pa.Array:
        """Raw text of a field's column (empty strings when absent)."""
        if name not in self._cache:
            column = self.columns.get(name)
            if column is None:
                self._cache[name] = pa.array([""] * self.n, pa.string())
            else:
                self._cache[name] = self.raw.table.column(column).combine_chunks()
        return self._cache[name]

    def label(self, name: str) -> str:
        """Return the file's column name for a field (ours when absent)."""
        return self.columns.get(name, FIELD_LABELS.get(name, (name, name))[0])

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
        """Record problem ``kind`` for the rows in ``mask``.

        ``zh`` and ``en`` are :meth:`str.format` templates; their fields are
        given as strings or as full-length arrays (pyarrow or numpy).
        """
        positions = np.flatnonzero(mask)
        if positions.size == 0:
            return
        take = pa.array(positions)
        level = severity or KINDS[kind]
        if level == "reject":
            self.rejected[positions] = True
        if isinstance(value, str):  # a template over ``fields``
            shown = _fill(value, fields, take)
        else:
            shown = (self.cells(name) if value is None else value).take(take)
        self._parts.append(
            {
                "pos": positions,
                "field": name,
                "column": column or self.label(name),
                "value": shown,
                "kind": kind,
                "severity": level,
                "reason_zh": _fill(zh, fields, take, value=shown),
                "reason_en": _fill(en, fields, take, value=shown),
            }
        )

    # -- the checks -------------------------------------------------------

    def run(
        self,
        *,
        default: Datum | None,
        extent: tuple[float, float, float, float] | None,
        unmapped: list[str],
    ) -> pd.DataFrame:
        """Check everything; return the accepted rows."""
        out: dict[str, Any] = {}
        names = _text(self.cells("name"))
        self.add(
            _np_bool(pc.equal(names, "")),
            "name_missing",
            "name",
            "缺少单位名称",
            "name missing",
        )
        out["name"] = names
        out["uscc"], out["area_code"] = self._check_uscc()
        out["lon"], out["lat"], out["crs"] = self._check_coordinates(default, extent)
        counts = self._check_counts()
        out.update(counts)
        self._check_staff_rules(counts)
        out["updated"] = self._check_dates()
        out["industry_code"] = self._check_industry_code()
        for name in TEXT_FIELDS:
            if name not in out:
                out[name] = _text(self.cells(name))
        return self._accepted(out, unmapped)

    def _check_uscc(self) -> tuple[pa.Array, pa.Array]:
        checks = validate_uscc_array(
            pd.Series(self.cells("uscc")), known_area_codes=self.known
        )
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
            self.add(mask, kind, "uscc", zh, en, severity=severity, code=code, **fields)

        add(
            ~present,
            "uscc_missing",
            severity=None if self.require_uscc else "warning",
        )
        add(present & ~length_ok, "uscc_length", n=pc.utf8_length(code))
        bad_chars = present & length_ok & ~charset_ok
        bad = np.full(self.n, "", dtype=object)
        if bad_chars.any():
            bad[bad_chars] = [bad_characters(c) for c in checks["code"][bad_chars]]
        add(bad_chars, "uscc_charset", bad=bad)
        area = pc.utf8_slice_codeunits(code, 2, 8)
        add(letters & ~checks["format_ok"].to_numpy(), "uscc_area_format", area=area)
        expected = pa.array(checks["check_char"])
        wrong = pc.not_equal(pc.utf8_slice_codeunits(code, 17, 18), expected)
        add(letters & _np_bool(wrong), "uscc_check", expected=expected)
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
        self._check_duplicates(code, present)
        code_out = pc.if_else(pa.array(present), code, None)
        return code_out, pa.array(checks["area_code"])

    def _check_duplicates(self, code: pa.Array, present: npt.NDArray[np.bool_]) -> None:
        where = np.flatnonzero(present)
        if where.size == 0:
            return
        encoded = pc.dictionary_encode(code.take(pa.array(where)))
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        first_position = np.empty(len(encoded.dictionary), dtype=np.int64)
        first_position[indices[::-1]] = np.arange(indices.size)[::-1]
        first = first_position[indices]
        later = first != np.arange(indices.size)
        if not later.any():
            return
        first_row = np.zeros(self.n, dtype=np.int64)
        first_row[where] = self.raw.rows[where[first]]
        mask = np.zeros(self.n, dtype=np.bool_)
        mask[where[later]] = True
        self.add(
            mask,
            "uscc_duplicate",
            "uscc",
            "统一社会信用代码“{code}”与第{first}行重复",
            "credit code '{code}' duplicates row {first}",
            code=code,
            first=first_row,
        )

    def _check_coordinates(
        self, default: Datum | None, extent: tuple[float, float, float, float] | None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], pa.Array]:
        lon, lon_blank = parse_numbers(self.cells("lon"))
        lat, lat_blank = parse_numbers(self.cells("lat"))
        drop = np.zeros(self.n, dtype=np.bool_)
        for name, values, blank in (("lon", lon, lon_blank), ("lat", lat, lat_blank)):
            bad = ~blank & np.isnan(values)
            zh_name, en_name = FIELD_LABELS[name]
            self.add(
                bad,
                "coord_not_numeric",
                name,
                f"{zh_name}“{{value}}”不是数字，坐标已舍弃，将按地址定位",
                f"{en_name} '{{value}}' is not a number; coordinates dropped, "
                "the address will be geocoded",
                value=self.cells(name),
            )
            drop |= bad
        partial = (lon_blank ^ lat_blank) & ~drop
        self.add(
            partial,
            "coord_partial",
            "lon",
            "经纬度只填了一个，坐标已舍弃，将按地址定位",
            "only one of longitude and latitude given; coordinates dropped, "
            "the address will be geocoded",
            value="{lon_text}, {lat_text}",
            lon_text=self.cells("lon"),
            lat_text=self.cells("lat"),
            column=f"{self.label('lon')}/{self.label('lat')}",
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
        texts = {"lon_text": self.cells("lon"), "lat_text": self.cells("lat")}
        both = f"{self.label('lon')}/{self.label('lat')}"
        self.add(
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
        self.add(
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
        datum, unknown = self._datums(default, usable & ~drop)
        self.add(
            unknown & ~self._blank_cells("crs"),
            "crs_unknown",
            "crs",
            "无法识别的坐标系“{value}”，坐标已舍弃，将按地址定位",
            "unknown coordinate system '{value}'; coordinates dropped, "
            "the address will be geocoded",
            value=self.cells("crs"),
        )
        drop |= unknown & usable
        if extent is not None:
            margin = np.where(
                _np_bool(pc.is_in(datum, value_set=pa.array(["gcj02", "bd09"]))),
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
            self.add(
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

    def _blank_cells(self, name: str) -> npt.NDArray[np.bool_]:
        return _is_null_token(_folded(self.cells(name)))

    def _datums(
        self, default: Datum | None, with_coordinates: npt.NDArray[np.bool_]
    ) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
        """Datum of each row (``Datum`` value or null) and where it is unknown."""
        text = _folded(self.cells("crs"))
        blank = _is_null_token(text)
        fallback = default or Datum.WGS84
        if default is None and (blank & with_coordinates).any():
            self.notes.append(
                f"{int((blank & with_coordinates).sum())} rows give coordinates "
                "without a coordinate system; taken as WGS-84 (pass default_crs=)"
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
        unknown = ~blank & ~_np_bool(pc.is_valid(datum))
        datum = pc.if_else(pa.array(blank), fallback.value, datum)
        return datum, unknown

    def _check_counts(self) -> dict[str, npt.NDArray[np.float64]]:
        counts: dict[str, npt.NDArray[np.float64]] = {}
        for name in COUNT_FIELDS:
            values, blank = parse_numbers(self.cells(name))
            finite = np.isfinite(values)
            bad = ~blank & (~finite | (values < 0) | (np.floor(values) != values))
            self.add(
                bad,
                "count_invalid",
                name,
                f"{self.label(name)}“{{value}}”不是有效人数(应为非负整数)，已忽略",
                f"{FIELD_LABELS[name][1]} '{{value}}' is not a head count "
                "(a non-negative integer); ignored",
            )
            counts[name] = np.where(bad, np.nan, values)
        return counts

    def _check_staff_rules(self, c: dict[str, npt.NDArray[np.float64]]) -> None:
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
            zh_terms = [f"{self.label(n)}({{v{i}}})" for i, n in enumerate(names)]
            en_terms = [f"{FIELD_LABELS[n][1]} ({{v{i}}})" for i, n in enumerate(names)]
            if kind == "staff_sum":
                zh = f"{zh_terms[0]}不等于{zh_terms[1]}与{zh_terms[2]}之和"
                en = f"{en_terms[0]} is not {en_terms[1]} + {en_terms[2]}"
            else:
                zh = f"{zh_terms[0]}大于{zh_terms[1]}"
                en = f"{en_terms[0]} is more than {en_terms[1]}"
            self.add(
                mask,
                kind,
                names[0],
                zh,
                en,
                value="/".join(f"{{v{i}}}" for i in range(len(names))),
                column="/".join(self.label(n) for n in names),
                **cast(dict[str, Any], {f"v{i}": v for i, v in enumerate(values)}),
            )

    def _check_dates(self) -> npt.NDArray[np.datetime64]:
        dates, blank = parse_dates(self.cells("updated"))
        bad = ~blank & np.isnat(dates)
        self.add(
            bad,
            "date_invalid",
            "updated",
            f"{self.label('updated')}“{{value}}”不是有效日期，已忽略",
            "update date '{value}' is not a valid date; ignored",
        )
        return dates

    def _check_industry_code(self) -> pa.Array:
        text = pc.utf8_upper(_folded(self.cells("industry_code")))
        blank = _np_bool(pc.equal(text, ""))
        ok = _np_bool(pc.match_substring_regex(text, f"^(?:{_INDUSTRY_CODE})$"))
        self.add(
            ~blank & ~ok,
            "industry_code_invalid",
            "industry_code",
            "行业代码“{value}”不符合GB/T 4754格式(门类字母加2-4位数字)",
            "industry code '{value}' is not a GB/T 4754 code "
            "(a section letter and/or 2-4 digits)",
        )
        return text

    # -- assembly ---------------------------------------------------------

    def _accepted(self, out: dict[str, Any], unmapped: list[str]) -> pd.DataFrame:
        keep = np.flatnonzero(~self.rejected)
        everything = keep.size == self.n
        take = pa.array(keep)
        data: dict[str, Any] = {"row": self.raw.rows[keep]}
        for name in FIELDS:
            values = out[name]
            if isinstance(values, np.ndarray):
                picked = values[keep]
                if name in COUNT_FIELDS:
                    data[name] = pd.array(picked, dtype="Float64").astype("Int64")
                else:
                    data[name] = picked
                continue
            picked = values if everything else values.take(take)
            data[name] = _string_series(_blank_as_null(picked))
        data["area_code"] = _string_series(out["area_code"].take(take))
        if unmapped:
            extra = self.raw.table.select(unmapped).take(take).to_pylist()
        else:
            extra = [{} for _ in range(len(keep))]
        data["extra"] = extra
        frame = pd.DataFrame(data)
        return frame[list(ROW_COLUMNS)]

    def problems(self) -> pd.DataFrame:
        """Every problem, sorted by row (then in the order found)."""
        parts = list(self._parts)
        for row, text, actual in self.raw.bad_records:
            expected = self.raw.table.num_columns
            parts.append(
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
        if not parts:
            return pd.DataFrame(
                {c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS}
            ).astype({"row": np.int64})
        frames = []
        for part in parts:
            pos = part["pos"]
            rows = part.get(
                "row", self.raw.rows[pos] if pos.size and pos[0] >= 0 else pos
            )
            frames.append(
                pd.DataFrame(
                    {
                        "row": rows,
                        "field": part["field"],
                        "column": part["column"],
                        "value": _string_series(part["value"]),
                        "kind": part["kind"],
                        "severity": part["severity"],
                        "reason_zh": _string_series(part["reason_zh"]),
                        "reason_en": _string_series(part["reason_en"]),
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


def _rejects(
    raw: _Raw, rejected: npt.NDArray[np.bool_], problems: pd.DataFrame
) -> pd.DataFrame:
    """Rejected rows with their raw values and every reason."""
    positions = np.flatnonzero(rejected)
    if raw.values is not None:
        original = raw.values.iloc[positions].reset_index(drop=True)
    else:
        original = raw.table.take(pa.array(positions)).to_pandas()
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
