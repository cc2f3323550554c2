"""Every table the app shows can be taken away: XLSX and CSV downloads.

:func:`table_downloads` puts two download buttons under a table: XLSX (a
frozen header row, columns as wide as their text) and CSV (UTF-8 with a
byte-order mark, so Excel opens Chinese right).  Both are written by
:mod:`twonet.exports`, as the CLI's exports are (formulas stay text).

A page either hands over the frame it shows (already labelled), or a raw
frame with a column spec (:class:`Column`): :func:`labelled_frame` then
picks the columns, turns codes into labels (定位方式, 标记...) and puts the
cell name beside each cell code, with headers in the chosen language.
That part is pure and tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import pandas as pd

from maps.i18n import t
from twonet.exports import csv_bytes, xlsx_bytes


@dataclass(frozen=True)
class Column:
    """One column of a download: where it comes from and how it is labelled.

    Attributes
    ----------
    field : str
        The column of the raw frame.
    label : str
        The i18n key of its header.
    values : callable, optional
        ``(value, lang) -> text``: a code as its label (e.g.
        :func:`maps.i18n.method_label`); missing values stay empty.
    cell_names : bool
        The column holds grid cell codes: a column with the cells' names
        follows it (from the ``names`` given to :func:`labelled_frame`).
    """

    field: str
    label: str
    values: Callable[[object, str], object] | None = None
    cell_names: bool = False


def labelled_frame(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    lang: str,
    *,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return ``frame`` as a download shows it: labelled, in ``lang``.

    Parameters
    ----------
    frame : DataFrame
        Raw rows (English field names, codes).
    columns : sequence of Column
        The columns to keep, in order; fields missing from ``frame`` are
        skipped.
    lang : {"zh", "en"}
    names : mapping, optional
        Cell code → cell name, for the columns with ``cell_names``.

    Examples
    --------
    >>> rows = pd.DataFrame({"code": ["370202"], "n": [3]})
    >>> spec = [Column("code", "field_code", cell_names=True),
    ...         Column("n", "emp_field_employers")]
    >>> shown = labelled_frame(rows, spec, "zh", names={"370202": "市南区"})
    >>> list(shown.columns), shown.iloc[0, 1]
    (['代码', '代码名称', '用人单位'], '市南区')
    """
    out: dict[str, pd.Series] = {}
    for column in columns:
        if column.field not in frame:
            continue
        values = frame[column.field]
        label = t(column.label, lang)
        if column.values is not None:
            values = values.map(partial(_converted, convert=column.values, lang=lang))
        out[label] = values.reset_index(drop=True)
        if column.cell_names:
            known = dict(names or {})
            out[t("dl_cell_name", lang, column=label)] = pd.Series(
                ["" if _missing(c) else known.get(str(c), "") for c in values],
                dtype=object,
            )
    return pd.DataFrame(out)


def _converted(
    value: object, *, convert: Callable[[object, str], object], lang: str
) -> object:
    return "" if _missing(value) else convert(value, lang)


def _missing(value: object) -> bool:
    if isinstance(value, list | tuple | dict | set):
        return False
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


def download_file(shown: pd.DataFrame, fmt: str, sheet: str) -> bytes:
    r"""Return a labelled table as an ``"xlsx"`` or ``"csv"`` file.

    Examples
    --------
    >>> download_file(pd.DataFrame({"名称": ["甲"]}), "csv", "表")[:3]  # the BOM
    b'\xef\xbb\xbf'
    """
    if fmt == "xlsx":
        return xlsx_bytes({sheet: shown})
    return csv_bytes(shown)


#: MIME type of each download format.
MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}


def table_downloads(
    frame: pd.DataFrame | Callable[[], pd.DataFrame],
    columns: Sequence[Column] | None,
    file_stem: str,
    lang: str,
    *,
    key: str,
    names: Mapping[str, str] | None = None,
    empty: bool | None = None,
) -> None:
    """Draw the XLSX and CSV download buttons of a table.

    The files are made when a button is clicked (Streamlit's deferred
    download), not on every rerun.

    Parameters
    ----------
    frame : DataFrame or callable
        The table, or a function returning it (a large export, loaded only
        when asked for): raw with ``columns``, or already labelled (as shown
        on the page) when ``columns`` is None.
    columns : sequence of Column, optional
        How to label a raw frame (:func:`labelled_frame`).
    file_stem : str
        The file name without suffix (already in ``lang``); also the sheet.
    lang : {"zh", "en"}
    key : str
        Unique prefix of the buttons' widget keys; the buttons sit in a
        container keyed ``{key}_downloads``.
    names : mapping, optional
        Cell code → name, for code columns with ``cell_names``.
    empty : bool, optional
        The table is empty (buttons disabled); default: ``frame.empty`` for
        a frame, False for a function.
    """
    import streamlit as st

    def shown() -> pd.DataFrame:
        raw = frame() if callable(frame) else frame
        return (
            raw if columns is None else labelled_frame(raw, columns, lang, names=names)
        )

    if empty is None:
        empty = frame.empty if isinstance(frame, pd.DataFrame) else False
    with st.container(horizontal=True, key=f"{key}_downloads"):
        for fmt in ("xlsx", "csv"):
            st.download_button(
                t(f"download_{fmt}", lang),
                data=partial(_file, shown, fmt, file_stem),
                file_name=f"{file_stem}.{fmt}",
                mime=MIME_TYPES[fmt],
                key=f"{key}_{fmt}",
                icon=":material/download:",
                on_click="ignore",
                disabled=empty,
                width="content",
            )


def _file(shown: Callable[[], pd.DataFrame], fmt: str, sheet: str) -> bytes:
    return download_file(shown(), fmt, sheet)


# ------------------------------------------------------------ shared specs
def _method(value: object, lang: str) -> str:
    from maps.i18n import method_label

    return method_label(str(value), lang)


def _flags(value: object, lang: str) -> str:
    from maps.employer_layers import flags_text

    return flags_text(value, lang=lang)


def yes_no(value: object, lang: str) -> str:
    """Return a truth value as 是/否 (yes/no)."""
    return t("dl_yes" if bool(value) else "dl_no", lang)


#: An employer row (search results, unplaced employers): every code with
#: the cell's name beside it, placement method and flags as labels.
EMPLOYER_COLUMNS: tuple[Column, ...] = (
    Column("uscc", "col_uscc"),
    Column("name", "col_name"),
    Column("registered_address", "col_registered_address"),
    Column("operating_address", "col_operating_address"),
    Column("industry_code", "col_industry_code"),
    Column("industry", "col_industry"),
    Column("category", "col_category"),
    Column("staff", "col_staff"),
    Column("city_code", "dl_city_code", cell_names=True),
    Column("county_code", "col_county_code", cell_names=True),
    Column("township_code", "col_township_code", cell_names=True),
    Column("village_code", "col_village_code", cell_names=True),
    Column("method", "col_method", values=_method),
    Column("confidence", "col_confidence"),
    Column("flags", "col_flags", values=_flags),
    Column("queued", "col_queued", values=yes_no),
    Column("lon", "dl_lon"),
    Column("lat", "dl_lat"),
)


def _reason(value: object, lang: str) -> str:
    from maps.i18n import reason_label

    return reason_label(str(value), lang)


#: An open review item (待复核): the employer, why it waits, where it is now.
REVIEW_COLUMNS: tuple[Column, ...] = (
    Column("id", "dl_review_id"),
    Column("uscc", "col_uscc"),
    Column("name", "col_name"),
    Column("reason", "col_reason", values=_reason),
    Column("created_at", "dl_queued_at", values=lambda v, _: str(v)[:19]),
    Column("registered_address", "col_registered_address"),
    Column("operating_address", "col_operating_address"),
    Column("county_code", "col_county_code", cell_names=True),
    Column("township_code", "col_township_code", cell_names=True),
    Column("village_code", "col_village_code", cell_names=True),
    Column("method", "col_method", values=_method),
    Column("confidence", "col_confidence"),
    Column("flags", "col_flags", values=_flags),
    Column("lon", "dl_lon"),
    Column("lat", "dl_lat"),
)
