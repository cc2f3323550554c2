"""The 导入记录 / import history tables: runs and problem rows, labelled.

Pure: the page (:mod:`maps.pages.imports`) loads the frames from
:func:`twonet.db.import_runs.import_history` and
:func:`twonet.db.import_runs.run_problems` and shows what these return.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from maps.downloads import Column, labelled_frame
from maps.i18n import STRINGS, t


def coded(prefix: str) -> Callable[[object, str], str]:
    """Return ``(code, lang) -> label`` for codes with keys ``prefix + code``.

    A code without a label is shown as it is.

    Examples
    --------
    >>> coded("imp_outcome_")("failed", "zh"), coded("imp_outcome_")("new", "zh")
    ('失败', 'new')
    """

    def label(value: object, lang: str) -> str:
        key = f"{prefix}{value}"
        return t(key, lang) if key in STRINGS else str(value)

    return label


kind_label = coded("imp_kind_")

#: Columns of the runs table (:data:`twonet.db.import_runs.HISTORY_COLUMNS`).
RUN_COLUMNS: tuple[Column, ...] = (
    Column("id", "imp_col_id"),
    Column("kind", "imp_col_kind", values=kind_label),
    Column("source_name", "imp_col_file"),
    Column("started_at", "imp_col_started", values=lambda v, _: _when(v)),
    Column("finished_at", "imp_col_finished", values=lambda v, _: _when(v)),
    Column("outcome", "imp_col_outcome", values=coded("imp_outcome_")),
    Column("actor", "imp_col_actor"),
    Column("read", "imp_col_read"),
    Column("accepted", "imp_col_accepted"),
    Column("rejected", "imp_col_rejected"),
    Column("warned", "imp_col_warned"),
    Column("problems", "imp_col_problems"),
    Column("error", "imp_col_error"),
)

#: Columns of a run's problem rows (:func:`problems_in`).
PROBLEM_COLUMNS: tuple[Column, ...] = (
    Column("row_number", "imp_col_row"),
    Column("severity", "imp_col_severity", values=coded("imp_severity_")),
    Column("column_name", "imp_col_column"),
    Column("value", "imp_col_value"),
    Column("reason", "imp_col_reason"),
)


def _when(value: object) -> str:
    """Return a time to the second, without its fraction.

    Examples
    --------
    >>> _when(pd.Timestamp("2026-03-01 08:30:05.123"))
    '2026-03-01 08:30:05'
    """
    return pd.Timestamp(str(value)).strftime("%Y-%m-%d %H:%M:%S")


def runs_table(runs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return import runs as the page shows and downloads them."""
    return labelled_frame(runs, RUN_COLUMNS, lang)


def problems_table(problems: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return a run's problem rows with the reason in ``lang``.

    Examples
    --------
    >>> rows = pd.DataFrame({"row_number": [3], "severity": ["reject"],
    ...     "column_name": ["uscc"], "value": ["91X"],
    ...     "reason_zh": ["校验位错误"], "reason_en": ["bad check digit"]})
    >>> problems_table(rows, "zh").to_dict("records")[0]
    {'行号': 3, '处理': '拒收', '列': 'uscc', '值': '91X', '原因': '校验位错误'}
    """
    reason = problems["reason_en" if lang == "en" else "reason_zh"]
    return labelled_frame(problems.assign(reason=reason), PROBLEM_COLUMNS, lang)


def blank_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a table for the screen with missing values blank, not "None".

    A column with a missing value becomes text (numbers as they were).

    Examples
    --------
    >>> counts = pd.DataFrame({"n": pd.array([3, None], dtype="Int64")})
    >>> blank_missing(counts)["n"].tolist()
    ['3', '']
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.isna().any():
            out[column] = ["" if _missing(v) else str(v) for v in values.astype(object)]
    return out


def _missing(value: object) -> bool:
    return (
        value is None or value is pd.NA or (isinstance(value, float) and value != value)
    )


def run_label(run: dict[str, object], lang: str) -> str:
    """Return how a run is named in the run picker."""
    return t(
        "imp_run_label",
        lang,
        id=run["id"],
        kind=kind_label(run["kind"], lang),
        file=run["source_name"],
        when=_when(run["started_at"]),
    )
