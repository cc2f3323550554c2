"""Cell levels and codes of the four-level inspection grid (市/县/乡/村).

Codes follow the statistical division codes (GB/T 2260 + NBS):

======== ======= ============================ ==============
level    digits  example                      parent
======== ======= ============================ ==============
city     6       ``370200`` (4 digits + 00)   none
county   6       ``370211``                   ``370200``
township 9       ``370211001``                ``370211``
village  12      ``370211001003``             ``370211001``
======== ======= ============================ ==============

A grid drawn below a village (split by number of employers) appends a
2-digit sequence (CJ/T 349), giving 14 digits; it is kept at village level.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

from grid.errors import CellCodeError

_ASCII_DIGITS = re.compile(r"[0-9]+")

#: Characters that cannot be seen but come along when codes are pasted from
#: web pages, Word or Excel: zero-width spaces and joiners, direction marks,
#: no-break spaces, the byte-order mark, the soft hyphen.  Codes lose them.
INVISIBLE_CHARACTERS = frozenset(
    "\u00a0\u00ad\u2007\u202f"  # no-break spaces, soft hyphen
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters, BOM
    "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e"  # direction marks
    "\u2066\u2067\u2068\u2069"  # direction isolates
)


class Level(StrEnum):
    """Grid level, ordered from the city down."""

    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def depth(self) -> int:
        """Return 0 for the city down to 3 for a village."""
        return LEVELS.index(self)

    @property
    def child(self) -> Level | None:
        """Return the level below, or ``None`` for villages."""
        return LEVELS[self.depth + 1] if self.depth + 1 < len(LEVELS) else None

    @property
    def parent(self) -> Level | None:
        """Return the level above, or ``None`` for the city."""
        return LEVELS[self.depth - 1] if self.depth > 0 else None


LEVELS: tuple[Level, ...] = (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)

LEVEL_NAMES_ZH: dict[Level, str] = {
    Level.CITY: "市",
    Level.COUNTY: "县/区",
    Level.TOWNSHIP: "乡镇/街道",
    Level.VILLAGE: "村/社区",
}


def parse_level(value: str | Level) -> Level:
    """Parse a level from English or Chinese names.

    Parameters
    ----------
    value : str or Level
        ``"city"``, ``"county"``, ``"township"``, ``"village"`` or a Chinese
        name such as ``"市"``, ``"县"``, ``"区"``, ``"乡"``, ``"镇"``,
        ``"街道"``, ``"村"``, ``"社区"``.

    Returns
    -------
    Level

    Examples
    --------
    >>> parse_level("镇")
    <Level.TOWNSHIP: 'township'>
    """
    if isinstance(value, Level):
        return value
    text = str(value).strip().lower()
    for level in LEVELS:
        if text == level.value:
            return level
    for level, words in _LEVEL_WORDS.items():
        if text in words:
            return level
    expected = [lv.value for lv in LEVELS]
    msg = (
        f"无法识别的网格级别 {value!r}，应为市、县/区、乡镇/街道、村/社区之一 / "
        f"unknown grid level {value!r}; expected one of {expected}"
    )
    raise CellCodeError(msg)


_LEVEL_WORDS: dict[Level, set[str]] = {
    Level.CITY: {"市", "地级市", "1", "prefecture"},
    Level.COUNTY: {"县", "区", "县级市", "县/区", "县区", "2", "district"},
    Level.TOWNSHIP: {"乡", "镇", "街道", "乡镇", "乡镇/街道", "乡镇街道", "3", "town"},
    Level.VILLAGE: {"村", "社区", "村/社区", "村居", "居委会", "村委会", "4", "grid"},
}


def level_of_code(code: str) -> Level:
    """Infer the level of a cell from its code length.

    Parameters
    ----------
    code : str
        A 6, 9, 12 or 14 digit code.  A 6-digit code ending in ``00`` is a
        city (``370200``), otherwise a county.

    Returns
    -------
    Level

    Examples
    --------
    >>> level_of_code("370200"), level_of_code("370211001")
    (<Level.CITY: 'city'>, <Level.TOWNSHIP: 'township'>)
    """
    code = normalise_code(code)
    n = len(code)
    if n == 6:
        return Level.CITY if code.endswith("00") else Level.COUNTY
    if n == 9:
        return Level.TOWNSHIP
    if n in (12, 14):
        return Level.VILLAGE
    msg = f"cell code {code!r} has {n} digits; expected 6, 9, 12 or 14"
    raise CellCodeError(msg)


def normalise_code(code: object) -> str:
    """Return a code as a string of ASCII digits, undoing spreadsheet damage.

    Accepts ints and floats (``370211.0``) and strips whitespace; full-width
    digits (``３７０２１１``) become ASCII (NFKC); invisible characters
    (:data:`INVISIBLE_CHARACTERS`) are removed wherever they are; a 4-digit
    city code (``3702``) is padded to ``370200``.

    Raises
    ------
    CellCodeError
        If the value is not made of digits, or holds digits of another
        script (Arabic-Indic ``٣``, Devanagari ``३`` ...), which are named.

    Examples
    --------
    >>> normalise_code("３７０２１１"), normalise_code("\ufeff370211\u200b001")
    ('370211', '370211001')
    >>> normalise_code(3702.0)
    '370200'
    """
    if isinstance(code, float) and code.is_integer():
        code = int(code)
    text = str(code).strip()
    if not _ASCII_DIGITS.fullmatch(text):
        text = _clean_code_text(text)
        others = non_ascii_digits(text)
        if others:
            msg = (
                f"cell code {code!r} has the non-ASCII digit {others[0]}; "
                "write it with 0-9"
            )
            raise CellCodeError(msg)
    if text.endswith(".0") and _ASCII_DIGITS.fullmatch(text[:-2]):
        text = text[:-2]
    if not _ASCII_DIGITS.fullmatch(text):
        msg = f"cell code {code!r} is not a string of digits"
        raise CellCodeError(msg)
    if len(text) == 4:
        text += "00"
    return text


def _clean_code_text(text: str) -> str:
    """Drop invisible characters and fold full-width forms (NFKC)."""
    visible = "".join(c for c in text if c not in INVISIBLE_CHARACTERS)
    return unicodedata.normalize("NFKC", visible).strip()


def describe_character(char: str) -> str:
    """Return a character's code point and Unicode name, e.g. ``U+200B ZERO ...``.

    Examples
    --------
    >>> describe_character("٣")
    "'٣' U+0663 ARABIC-INDIC DIGIT THREE"
    >>> describe_character("\u200b")
    'U+200B ZERO WIDTH SPACE'
    """
    name = unicodedata.name(char, "unnamed character")
    point = f"U+{ord(char):04X} {name}"
    return point if char in INVISIBLE_CHARACTERS else f"{char!r} {point}"


def invisible_characters(text: str) -> tuple[str, ...]:
    """Describe the invisible characters of a text, each once, in order.

    Examples
    --------
    >>> invisible_characters("\ufeff370211\u200b001\u200b")
    ('U+FEFF ZERO WIDTH NO-BREAK SPACE', 'U+200B ZERO WIDTH SPACE')
    """
    found = dict.fromkeys(c for c in text if c in INVISIBLE_CHARACTERS)
    return tuple(describe_character(c) for c in found)


def non_ascii_digits(text: str) -> tuple[str, ...]:
    """Describe the digits of other scripts in a text (after NFKC), each once.

    Full-width digits are not among them: NFKC folds them to ASCII.

    Examples
    --------
    >>> non_ascii_digits("37०2１1")
    ("'०' U+0966 DEVANAGARI DIGIT ZERO",)
    """
    folded = unicodedata.normalize("NFKC", text)
    found = dict.fromkeys(c for c in folded if c.isdigit() and not c.isascii())
    return tuple(describe_character(c) for c in found)


def parent_code_of(code: str) -> str | None:
    """Return the code of the parent cell implied by a code.

    Examples
    --------
    >>> parent_code_of("370211001003"), parent_code_of("370211")
    ('370211001', '370200')
    >>> parent_code_of("370200") is None
    True
    """
    code = normalise_code(code)
    level = level_of_code(code)
    if level is Level.CITY:
        return None
    if level is Level.COUNTY:
        return code[:4] + "00"
    if level is Level.TOWNSHIP:
        return code[:6]
    return code[:9] if len(code) == 12 else code[:12]


def code_extends_parent(code: str, parent_code: str) -> bool:
    """Tell whether a child code is consistent with its parent's code.

    A county's code shares the city's first four digits; every other level
    starts with the parent's full code.
    """
    code, parent_code = normalise_code(code), normalise_code(parent_code)
    if level_of_code(code) is Level.COUNTY:
        return code[:4] == parent_code[:4] and level_of_code(parent_code) is Level.CITY
    return len(code) > len(parent_code) and code.startswith(parent_code)
