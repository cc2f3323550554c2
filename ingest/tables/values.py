"""Values as people write them in registers: numbers, dates, blanks.

Every function works on whole Arrow columns of cell texts; Python runs per
row only for the rare Chinese-numeral dates.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Cell texts that mean "no value" (compared in lower case).
NULL_TOKENS: Final = frozenset(
    {"", "null", "none", "nan", "#n/a", "n/a", "na", "/", "-", "--", "—", "－", "无"}
)

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

_NULL_SET = pa.array(
    sorted(
        {
            variant
            for token in NULL_TOKENS | {"暂无"}
            for variant in (token, token.upper(), token.title())
        }
    ),
    pa.string(),
)

_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"

_SERIAL = r"^\d{1,5}(\.\d+)?$"


def trim(values: pa.Array) -> pa.Array:
    """Trim Unicode whitespace (ideographic spaces included); nothing else."""
    return pc.utf8_trim_whitespace(values)


def fold(values: pa.Array) -> pa.Array:
    """Trimmed and NFKC-normalised (full-width digits and punctuation → ASCII)."""
    values = pc.utf8_trim_whitespace(values)
    if not pc.all(pc.string_is_ascii(values)).as_py():
        values = pc.utf8_normalize(values, "NFKC")
    return values


def null_token_mask(values: pa.Array) -> npt.NDArray[np.bool_]:
    """Blank or a null word (any of :data:`NULL_TOKENS`, in any usual case)."""
    return to_bool(pc.is_in(values, value_set=_NULL_SET))


def blank_mask(values: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    """Where a cell is empty or only blanks."""
    trimmed = pc.utf8_trim_whitespace(values)
    return to_bool(pc.equal(pc.fill_null(trimmed, ""), ""))


def string_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """Wrap Arrow strings in a pandas ``string[pyarrow]`` Series (no copy)."""
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if values.type != pa.large_string() and values.type != pa.string():
        values = values.cast(pa.string())
    return pd.Series(pd.arrays.ArrowStringArray(values))


def blank_as_null(values: pa.Array) -> pa.Array:
    """Empty strings become nulls."""
    return pc.if_else(pc.equal(pc.fill_null(values, ""), ""), None, values)


def to_bool(values: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bool_]:
    """Return an Arrow boolean column as numpy, nulls as ``False``."""
    filled = pc.fill_null(values, False)
    return np.asarray(filled.to_numpy(zero_copy_only=False), dtype=np.bool_)


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
    text = fold(values)
    empty = pc.equal(text, "")
    try:  # fast path: every cell a plain number or empty
        numbers = pc.cast(pc.if_else(empty, None, text), pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        return numbers.to_numpy(zero_copy_only=False), to_bool(empty)
    blank = null_token_mask(text)
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
    text = fold(values)
    blank = null_token_mask(text)
    chinese = pc.match_substring_regex(text, "[〇零一二三四五六七八九十]")
    if pc.any(chinese).as_py():
        where = np.flatnonzero(to_bool(chinese))
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
        found = to_bool(parts.is_valid()) & (year < 0)
        if found.any():
            for target, name in ((year, "y"), (month, "m"), (day, "d")):
                child = pc.struct_field(parts, name)
                numbers = pc.cast(pc.if_else(pa.array(found), child, None), pa.int64())
                target[found] = numbers.to_numpy(zero_copy_only=False)[found]
    dates = _ymd_to_dates(year, month, day)
    serial = to_bool(pc.match_substring_regex(text, _SERIAL)) & np.isnat(dates)
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
