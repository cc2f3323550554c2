"""Personal data: phone and ID numbers, masked wherever people see them.

A person's phone number and ID number (身份证号) are shown masked — in the
CLI, the app, exports, import problems and rejected rows — unless the one
asking may see them.  Who may is a role's business (accounts come later):
every function that shows personal data takes ``may_see_personal: bool``,
the one hook a role check has to set.

* :func:`mask_phone`: ``"13812345678"`` → ``"138****5678"``;
* :func:`mask_id_number`: ``"11010519491231002X"`` → ``"110105********002X"``;
* :func:`mask_text`: the same for numbers inside free text (a raw CSV line);
* :func:`personal_view`: a frame's personal columns, masked unless allowed;
* :func:`redact_personal`: an import's problems and rejected rows, masked
  (for :func:`twonet.imports.import_table`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Final

import pandas as pd

from ingest.tables.problems import TableResult

#: A vectorised masking function.
Masker = Callable[[pd.Series], pd.Series]

_ID_IN_TEXT: Final = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9])")
_MOBILE_IN_TEXT: Final = re.compile(r"(?<![0-9])(1\d{2})\d{4}(\d{4})(?![0-9])")


def _texts(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Return the values as trimmed text and where a value is present."""
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    return text, present.fillna(False).astype(bool)


def mask_phone(values: pd.Series) -> pd.Series:
    """Mask phone numbers: the first 3 and last 4 characters are kept.

    Shorter values (under 8 characters) keep only their last 2.

    Examples
    --------
    >>> mask_phone(pd.Series(["13812345678", "0532-88886666", "110", None])).tolist()
    ['138****5678', '053****6666', '****10', <NA>]
    """
    text, present = _texts(values)
    long = text.str.len() >= 8
    masked = (text.str.slice(0, 3) + "****" + text.str.slice(-4)).where(
        long, "****" + text.str.slice(-2)
    )
    return masked.where(present, pd.NA).astype("string")


def mask_id_number(values: pd.Series) -> pd.Series:
    """Mask ID numbers: the first 6 (place) and last 4 characters are kept.

    The birth date in between is hidden; a value under 15 characters is
    hidden whole.

    Examples
    --------
    >>> mask_id_number(pd.Series(["11010519491231002X", "12345", None])).tolist()
    ['110105********002X', '********', <NA>]
    """
    text, present = _texts(values)
    long = text.str.len() >= 15
    masked = (text.str.slice(0, 6) + "********" + text.str.slice(-4)).where(
        long, "********"
    )
    return masked.where(present, pd.NA).astype("string")


def mask_text(values: pd.Series) -> pd.Series:
    """Mask ID and mobile numbers found inside free text (a raw CSV line).

    Examples
    --------
    >>> mask_text(pd.Series(["S001,王芳,13812345678,11010519491231002X"])).tolist()
    ['S001,王芳,138****5678,110105********002X']
    """
    text = values.astype("string")
    text = text.str.replace(_ID_IN_TEXT, r"\1********\2", regex=True)
    return text.str.replace(_MOBILE_IN_TEXT, r"\1****\2", regex=True)


#: Personal fields of the staff registry and how each is masked.
STAFF_PERSONAL: Final[dict[str, Masker]] = {
    "phone": mask_phone,
    "id_number": mask_id_number,
}


def personal_view(
    frame: pd.DataFrame,
    *,
    may_see_personal: bool,
    personal: Mapping[str, Masker] = STAFF_PERSONAL,
) -> pd.DataFrame:
    """Return ``frame`` with its personal columns masked, unless allowed.

    Parameters
    ----------
    frame : DataFrame
    may_see_personal : bool
        The one asking may see personal data (``--show-personal``; later
        their role).  Nothing is masked then.
    personal : mapping
        Column → its masking function (default: phone and ID number).
    """
    if may_see_personal:
        return frame
    out = frame.copy()
    for column, mask in personal.items():
        if column in out:
            out[column] = mask(out[column])
    return out


def redact_personal(
    result: TableResult, personal: Mapping[str, Masker] = STAFF_PERSONAL
) -> TableResult:
    """Mask personal data in an import's problems and rejected rows.

    The problem values of personal fields, the rejected rows' values in the
    columns those fields were read from, and raw CSV lines (records with
    the wrong number of fields) are masked; the accepted rows are left as
    they are (they are stored).
    """
    problems = result.problems.copy()
    for name, mask in personal.items():
        mine = problems["field"] == name
        if mine.any():
            problems.loc[mine, "value"] = mask(problems.loc[mine, "value"])
    lines = problems["kind"] == "field_count"
    if lines.any():
        problems.loc[lines, "value"] = mask_text(problems.loc[lines, "value"])
    rejects = result.rejects.copy()
    for name, mask in personal.items():
        column = result.columns.get(name)
        if column is not None and column in rejects:
            rejects[column] = mask(rejects[column])
    if "raw_line" in rejects:
        rejects["raw_line"] = mask_text(rejects["raw_line"])
    return dataclasses.replace(result, problems=problems, rejects=rejects)
