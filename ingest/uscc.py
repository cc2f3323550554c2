"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

A code has 18 characters from a 31-symbol alphabet (digits and upper-case
letters without I, O, Z, S, V)::

    9 1 350100 M000100Y4 3
    | | |      |         +- 18: check character, ISO 7064 MOD 31-3 (GB/T 17710)
    | | |      +----------- 9-17: organisation code (组织机构代码, GB 11714),
    | | |                   8 characters + its own MOD 11 check character
    | | +------------------ 3-8: registration-area code (GB/T 2260)
    | +-------------------- 2: organisation type (机构类别)
    +---------------------- 1: registration authority (登记管理部门)

Check character: each of the first 17 characters has a value (its index in
:data:`ALPHABET`) and a weight ``3**i mod 31`` (``i`` = 0 for the first
character); the check is ``(31 - sum(value * weight) mod 31) mod 31``, as a
symbol of the alphabet.  Organisation-code check: values ``0-9`` then
``A-Z`` = 10-35, weights ``3 7 9 10 5 8 4 2``, check ``11 - sum mod 11``
written ``X`` for 10 and ``0`` for 11.

Which failures reject a code
----------------------------
A code that is missing, not 18 characters, uses a character outside the
alphabet, has a non-digit area code or a wrong 18th character is *invalid*
(severity ``"reject"``).  A wrong organisation-code check, an authority/type
pair not in the GB 32100 table and an unknown area code are *warnings*: the
18th character already guards against typing errors, legacy organisation
codes exist, the table of authorities grows, and area codes change with
boundary reforms.  (A few genuine codes issued in Xiamen before 2016, e.g.
``91350203M0001QKT19``, fail even the 18th-character check; they are
rejected, with the reason, for a person to confirm.)

:func:`validate_uscc` checks one code; :func:`validate_uscc_array` checks a
column of them with numpy (about a million codes per second), giving the same
verdicts.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from grid.errors import UsccError

#: The 31 symbols of a unified social credit code, in value order.
ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of characters 1-17 for the check character (``3**i mod 31``).
WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))
#: Weights of the 8 body characters of an organisation code (GB 11714).
ORG_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)
#: Alphabet of an organisation code's body, in value order.
ORG_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Length of a code.
LENGTH: Final = 18

#: Registration authorities (position 1) → their organisation types
#: (position 2), from GB 32100-2015 and its amendment.
AUTHORITIES: Final[dict[str, tuple[str, str, frozenset[str]]]] = {
    "1": ("机构编制", "establishment office", frozenset("1239")),
    "2": ("外交", "foreign affairs", frozenset("19")),
    "3": ("司法行政", "justice", frozenset("123459")),
    "4": ("文化", "culture", frozenset("19")),
    "5": ("民政", "civil affairs", frozenset("1239")),
    "6": ("旅游", "tourism", frozenset("129")),
    "7": ("宗教", "religious affairs", frozenset("129")),
    "8": ("工会", "trade unions", frozenset("19")),
    "9": ("工商(市场监管)", "market regulation", frozenset("123")),
    "A": ("中央军委改革和编制办公室", "CMC reform office", frozenset("19")),
    "N": ("农业", "agriculture", frozenset("1239")),
    "Y": ("其他", "other", frozenset("1")),
}

#: Area code of registrations by a national authority (always known).
NATIONAL_AREA: Final = "100000"

Severity = Literal["reject", "warning"]

#: Severity of each problem kind.
SEVERITY: Final[dict[str, Severity]] = {
    "uscc_missing": "reject",
    "uscc_length": "reject",
    "uscc_charset": "reject",
    "uscc_area_format": "reject",
    "uscc_check": "reject",
    "uscc_org_check": "warning",
    "uscc_authority": "warning",
    "uscc_area_unknown": "warning",
}

#: Reasons of each problem kind (Chinese, English), as :meth:`str.format`
#: templates over ``code``, ``n`` (length), ``bad`` (foreign characters),
#: ``area``, ``pair`` (characters 1-2) and ``expected`` (check character).
MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "uscc_missing": ("缺少统一社会信用代码", "credit code missing"),
    "uscc_length": (
        "统一社会信用代码“{code}”应为18位，实为{n}位",
        "credit code '{code}' has {n} characters, not 18",
    ),
    "uscc_charset": (
        "统一社会信用代码“{code}”含非法字符“{bad}”(不使用I、O、Z、S、V)",
        "credit code '{code}' has invalid characters '{bad}' "
        "(I, O, Z, S, V are not used)",
    ),
    "uscc_area_format": (
        "统一社会信用代码“{code}”第3-8位登记管理机关行政区划码“{area}”应为数字",
        "credit code '{code}': registration-area code '{area}' "
        "(characters 3-8) is not 6 digits",
    ),
    "uscc_check": (
        "统一社会信用代码“{code}”校验码错误(第18位应为“{expected}”)",
        "credit code '{code}': check character (18th) should be '{expected}'",
    ),
    "uscc_org_check": (
        "统一社会信用代码“{code}”中组织机构代码校验位错误(第17位应为“{expected}”)",
        "credit code '{code}': organisation-code check character (17th) "
        "should be '{expected}'",
    ),
    "uscc_authority": (
        "统一社会信用代码“{code}”的登记管理部门/机构类别“{pair}”不在国标代码表中",
        "credit code '{code}': authority/type '{pair}' is not in the GB 32100 table",
    ),
    "uscc_area_unknown": (
        "统一社会信用代码“{code}”的登记管理机关行政区划码“{area}”不是已知的区划代码",
        "credit code '{code}': registration-area code '{area}' is not a known "
        "division code",
    ),
}

_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_ORG_VALUE = {c: i for i, c in enumerate(ORG_ALPHABET)}
_DIGITS = frozenset("0123456789")

# byte → value tables for the vectorised check (-1: not in the alphabet)
_LUT = np.full(256, -1, dtype=np.int8)
_LUT[np.frombuffer(ALPHABET.encode(), dtype=np.uint8)] = np.arange(len(ALPHABET))
_ORG_LUT = np.full(256, -1, dtype=np.int8)
_ORG_LUT[np.frombuffer(ORG_ALPHABET.encode(), dtype=np.uint8)] = np.arange(36)
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_ORG_CHECK_BYTES = np.frombuffer(b"0123456789X0", dtype=np.uint8)
_PAIRS = np.zeros((256, 256), dtype=np.bool_)
for _a, (_, _, _types) in AUTHORITIES.items():
    for _t in _types:
        _PAIRS[ord(_a), ord(_t)] = True


@dataclass(frozen=True)
class UsccProblem:
    """One thing wrong with a code.

    Attributes
    ----------
    kind : str
        Machine-readable kind, a key of :data:`SEVERITY` (``"uscc_check"``...).
    severity : {"reject", "warning"}
        ``"reject"`` when the code is invalid, ``"warning"`` when it is
        probably genuine but something is odd.
    reason_zh, reason_en : str
        Explanation, showing the bad value.
    """

    kind: str
    severity: Severity
    reason_zh: str
    reason_en: str


def normalise_uscc(code: object) -> str:
    """Return a code as typed, cleaned: NFKC, spaces removed, upper case.

    Full-width characters (``９１３５…``) become ASCII; ``None``/NaN become
    ``""``.

    Examples
    --------
    >>> normalise_uscc(" ９１３５０１００ｍ000100y43 ")
    '91350100M000100Y43'
    """
    if code is None or (isinstance(code, float) and code != code):
        return ""
    text = unicodedata.normalize("NFKC", str(code))
    return "".join(text.split()).upper()


def uscc_check_char(first17: str) -> str:
    """Compute the 18th character of a code from its first 17.

    Parameters
    ----------
    first17 : str
        17 characters of :data:`ALPHABET`.

    Returns
    -------
    str

    Raises
    ------
    TwoNetError
        Wrong length or a character outside the alphabet.

    Examples
    --------
    >>> uscc_check_char("91350100M000100Y4")
    '3'
    """
    if len(first17) != LENGTH - 1:
        msg = f"need the first 17 characters of a credit code, got {first17!r}"
        raise UsccError(msg)
    bad = sorted({c for c in first17 if c not in _VALUE})
    if bad:
        msg = f"{first17!r} has characters outside {ALPHABET!r}: {bad}"
        raise UsccError(msg)
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def org_check_char(body8: str) -> str:
    """Compute the check character of an organisation code (GB 11714).

    Parameters
    ----------
    body8 : str
        The 8 body characters (digits and upper-case letters).

    Returns
    -------
    str
        ``"0"``-``"9"`` or ``"X"``.

    Raises
    ------
    TwoNetError
        Wrong length or a character that is not a digit or A-Z.

    Examples
    --------
    >>> org_check_char("M000100Y")
    '4'
    """
    if len(body8) != len(ORG_WEIGHTS) or any(c not in _ORG_VALUE for c in body8):
        msg = f"an organisation code body is 8 characters 0-9/A-Z, got {body8!r}"
        raise UsccError(msg)
    total = sum(_ORG_VALUE[c] * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    return "0123456789X0"[11 - total % 11]


def make_uscc(authority: str, org_type: str, area: str, org_body8: str) -> str:
    """Build a valid code from its parts, computing both check characters.

    Parameters
    ----------
    authority : str
        Registration authority, one character (``"9"`` market regulation).
    org_type : str
        Organisation type, one character (``"1"`` enterprise).
    area : str
        6-digit registration-area code (``"370211"``).
    org_body8 : str
        8 body characters of the organisation code, from :data:`ALPHABET`
        (the USCC alphabet, so that the result is a valid code).

    Returns
    -------
    str
        18 characters that pass :func:`validate_uscc` (apart from the
        area-code test, which needs a gazetteer).

    Raises
    ------
    TwoNetError
        A part has the wrong length or characters.

    Examples
    --------
    >>> make_uscc("9", "1", "350100", "M000100Y")
    '91350100M000100Y43'
    """
    problems = []
    if len(authority) != 1 or authority not in _VALUE:
        problems.append(f"authority {authority!r} is not one symbol of {ALPHABET}")
    if len(org_type) != 1 or org_type not in _VALUE:
        problems.append(f"type {org_type!r} is not one symbol of {ALPHABET}")
    if len(area) != 6 or not set(area) <= _DIGITS:
        problems.append(f"area {area!r} is not 6 digits")
    if len(org_body8) != 8 or not set(org_body8) <= _VALUE.keys():
        problems.append(f"organisation body {org_body8!r} is not 8 symbols")
    if problems:
        msg = "cannot make a credit code: " + "; ".join(problems)
        raise UsccError(msg)
    first17 = authority + org_type + area + org_body8 + org_check_char(org_body8)
    return first17 + uscc_check_char(first17)


def _problem(kind: str, **values: object) -> UsccProblem:
    zh, en = MESSAGES[kind]
    return UsccProblem(kind, SEVERITY[kind], zh.format(**values), en.format(**values))


def validate_uscc(
    code: object, *, known_area_codes: Collection[str] | None = None
) -> list[UsccProblem]:
    """Check one code and list every problem (empty list: valid).

    Parameters
    ----------
    code : object
        The code as found (normalised first with :func:`normalise_uscc`).
    known_area_codes : collection of str, optional
        Registration-area codes considered known (current and historical
        province, prefecture and county codes).  Not checked when ``None``;
        ``"100000"`` (national) is always known.

    Returns
    -------
    list of UsccProblem
        A code of the wrong length or with foreign characters gets only that
        problem; otherwise every failing check is listed, in the order of
        :data:`SEVERITY`.

    Examples
    --------
    >>> validate_uscc("91350100M000100Y43")
    []
    >>> [p.kind for p in validate_uscc("91350100M000100Y44")]
    ['uscc_check']
    """
    text = normalise_uscc(code)
    if not text:
        return [_problem("uscc_missing")]
    if len(text) != LENGTH:
        return [_problem("uscc_length", code=text, n=len(text))]
    bad = bad_characters(text)
    if bad:
        return [_problem("uscc_charset", code=text, bad=bad)]
    problems: list[UsccProblem] = []
    area = text[2:8]
    area_digits = set(area) <= _DIGITS
    if not area_digits:
        problems.append(_problem("uscc_area_format", code=text, area=area))
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        problems.append(_problem("uscc_check", code=text, expected=expected))
    org_expected = org_check_char(text[8:16])
    if text[16] != org_expected:
        problems.append(_problem("uscc_org_check", code=text, expected=org_expected))
    if text[1] not in AUTHORITIES.get(text[0], ("", "", frozenset()))[2]:
        problems.append(_problem("uscc_authority", code=text, pair=text[:2]))
    if (
        known_area_codes is not None
        and area_digits
        and area != NATIONAL_AREA
        and area not in known_area_codes
    ):
        problems.append(_problem("uscc_area_unknown", code=text, area=area))
    return problems


def bad_characters(code: str) -> str:
    """Return the distinct characters of ``code`` outside :data:`ALPHABET`, sorted.

    Examples
    --------
    >>> bad_characters("91O5I")
    'IO'
    """
    return "".join(sorted({c for c in code if c not in _VALUE}))


#: Columns of :func:`validate_uscc_array`.
ARRAY_COLUMNS: tuple[str, ...] = (
    "code",
    "present",
    "length_ok",
    "charset_ok",
    "format_ok",
    "check_ok",
    "org_check_ok",
    "authority_ok",
    "area_code",
    "area_known",
    "check_char",
    "org_check_char",
)


def validate_uscc_array(
    codes: pd.Series, *, known_area_codes: Collection[str] | None = None
) -> pd.DataFrame:
    """Check a column of codes at once (numpy over the character matrix).

    Parameters
    ----------
    codes : Series
        Codes as found; normalised like :func:`normalise_uscc` (NFKC,
        whitespace removed, upper case).
    known_area_codes : collection of str, optional
        As for :func:`validate_uscc`.

    Returns
    -------
    DataFrame
        Same index as ``codes``, columns :data:`ARRAY_COLUMNS`:

        * ``code`` (str): the normalised code, ``""`` when missing;
        * ``present``, ``length_ok`` (18 characters), ``charset_ok`` (all
          in :data:`ALPHABET`), ``format_ok`` (all three and a 6-digit area
          code), ``check_ok`` (18th character right, and ``format_ok``)
          (bool);
        * ``org_check_ok``, ``authority_ok`` (bool): organisation-code check
          and authority/type pair, False unless ``length_ok & charset_ok``;
        * ``area_code`` (str or NA): characters 3-8 when ``format_ok``;
        * ``area_known`` (nullable boolean): NA when ``known_area_codes`` is
          ``None`` or the code is not well formed;
        * ``check_char``, ``org_check_char`` (str or NA): the expected 18th
          and 17th characters, when the code is 18 alphabet characters.

        A code is valid (not rejected) when ``format_ok & check_ok``.

    Examples
    --------
    >>> out = validate_uscc_array(pd.Series(["91350100M000100Y43", "x"]))
    >>> out[["format_ok", "check_ok"]].to_numpy().tolist()
    [[True, True], [False, False]]
    """
    index = codes.index
    arr = normalise_uscc_arrow(codes)
    lengths = pc.fill_null(pc.utf8_length(arr), 0).to_numpy(zero_copy_only=False)
    n_bytes = pc.fill_null(pc.binary_length(arr), 0).to_numpy(zero_copy_only=False)
    present = lengths > 0
    length_ok = lengths == LENGTH
    n = len(arr)
    charset_ok = np.zeros(n, dtype=np.bool_)
    area_digits = np.zeros(n, dtype=np.bool_)
    check_ok = np.zeros(n, dtype=np.bool_)
    org_ok = np.zeros(n, dtype=np.bool_)
    authority_ok = np.zeros(n, dtype=np.bool_)
    check_char = np.zeros(n, dtype=np.uint8)
    org_check_char = np.zeros(n, dtype=np.uint8)
    computed = np.zeros(n, dtype=np.bool_)
    where = np.flatnonzero(length_ok & (n_bytes == LENGTH))  # 18 ASCII characters
    if where.size:
        chars = _char_matrix(arr.take(pa.array(where)))
        values = _LUT[chars]
        in_alphabet = (values >= 0).all(axis=1)
        charset_ok[where] = in_alphabet
        digits = chars[:, 2:8]
        area_digits[where] = ((digits >= 48) & (digits <= 57)).all(axis=1)
        total = values[:, :17].astype(np.int32) @ np.asarray(WEIGHTS, dtype=np.int32)
        expected = _ALPHABET_BYTES[(31 - total % 31) % 31]
        check_ok[where] = in_alphabet & (expected == chars[:, 17])
        org_values = _ORG_LUT[chars[:, 8:16]].astype(np.int32)
        org_total = org_values @ np.asarray(ORG_WEIGHTS, dtype=np.int32)
        org_expected = _ORG_CHECK_BYTES[11 - org_total % 11]
        org_ok[where] = in_alphabet & (org_expected == chars[:, 16])
        authority_ok[where] = in_alphabet & _PAIRS[chars[:, 0], chars[:, 1]]
        computed[where] = in_alphabet
        check_char[where] = expected
        org_check_char[where] = org_expected
    format_ok = length_ok & charset_ok & area_digits
    check_ok &= format_ok
    mask = pa.array(format_ok)
    area = pc.if_else(mask, pc.utf8_slice_codeunits(arr, 2, 8), None)
    if known_area_codes is None:
        known = pa.nulls(n, pa.bool_())
    else:
        value_set = pa.array(sorted({*known_area_codes, NATIONAL_AREA}), arr.type)
        known = pc.if_else(mask, pc.is_in(area, value_set=value_set), None)

    def series(values: pa.Array, dtype: str) -> pd.Series:
        return pd.Series(values.to_pandas(), dtype=dtype).set_axis(index)

    return pd.DataFrame(
        {
            "code": series(pc.fill_null(arr, ""), "str"),
            "present": present,
            "length_ok": length_ok,
            "charset_ok": charset_ok,
            "format_ok": format_ok,
            "check_ok": check_ok,
            "org_check_ok": org_ok,
            "authority_ok": authority_ok,
            "area_code": series(area, "string"),
            "area_known": series(known, "boolean"),
            "check_char": series(_char_array(check_char, computed), "string"),
            "org_check_char": series(_char_array(org_check_char, computed), "string"),
        },
        index=index,
    )


def normalise_uscc_arrow(codes: pd.Series) -> pa.Array:
    """Normalise a column of codes like :func:`normalise_uscc`, in Arrow.

    Parameters
    ----------
    codes : Series
        Codes as found (any dtype; numbers become their text).

    Returns
    -------
    pyarrow.Array
        ``large_string``; blank codes become null.
    """
    arr = pa.array(codes.astype("string[pyarrow]"))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pc.all(pc.string_is_ascii(arr)).as_py():
        arr = pc.utf8_normalize(arr, "NFKC")
    arr = pc.utf8_upper(pc.utf8_trim_whitespace(arr))
    if pc.any(pc.match_substring_regex(arr, r"\s")).as_py():
        arr = pc.replace_substring_regex(arr, r"\s+", "")
    blank = pc.equal(pc.binary_length(arr), 0)
    return pc.if_else(blank, pa.scalar(None, arr.type), arr)


def _char_matrix(codes: pa.Array) -> npt.NDArray[np.uint8]:
    """Bytes of 18-ASCII-character codes as an (n, 18) array."""
    codes = codes.cast(pa.large_string())
    _, offsets_buffer, data_buffer = codes.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        codes.offset : codes.offset + len(codes) + 1
    ]
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(-1, LENGTH)


def _char_array(chars: npt.NDArray[np.uint8], valid: npt.NDArray[np.bool_]) -> pa.Array:
    """One-character strings from their bytes; null where not ``valid``."""
    offsets = np.arange(len(chars) + 1, dtype=np.int32)
    validity = np.packbits(valid, bitorder="little")
    return pa.Array.from_buffers(
        pa.string(),
        len(chars),
        [pa.py_buffer(validity), pa.py_buffer(offsets), pa.py_buffer(chars)],
    )
