"""What a coverage or hotspot map shows: fills, legend and tooltip per view.

Free of Streamlit and of the database.  A page picks a *view* of a report
(one row per cell, a ``cell_code`` column): a categorical one (hotspot
class, emerging pattern) or a numeric one classed by a scheme of
:mod:`maps.choropleth`; :func:`category_fills` and :func:`numeric_fills`
return the fill of every cell and the legend, the same for the screen and
the printed map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from maps.choropleth import category_legend, class_legend, classify


@dataclass(frozen=True)
class Fills:
    """The fill of every cell with a value, and the legend that explains them.

    Attributes
    ----------
    by_code : dict
        Cell code → fill colour (cells left out are drawn as no data).
    legend : list of (colour, label)
    title : str
        The legend's title.
    """

    by_code: dict[str, str]
    legend: list[tuple[str, str]]
    title: str

    def in_order(self, codes: pd.Series | list[str], missing: str) -> list[str]:
        """Return the fills of ``codes`` in order, ``missing`` where none."""
        return [self.by_code.get(str(c), missing) for c in codes]


def category_fills(
    report: pd.DataFrame,
    column: str,
    colours: Mapping[str, str],
    names: Mapping[str, tuple[str, str]],
    *,
    title: str,
    lang: str,
) -> Fills:
    """Return the fills of a categorical column (hotspot class, trend).

    Cells whose value has no colour (null: not analysed) are left out.

    Examples
    --------
    >>> r = pd.DataFrame({"cell_code": ["1", "2", "3"],
    ...                   "class": ["hot_99", "hot_99", None]})
    >>> f = category_fills(r, "class", {"hot_99": "#d00"},
    ...                    {"hot_99": ("热点", "hot")}, title="t", lang="zh")
    >>> f.by_code, f.legend
    ({'1': '#d00', '2': '#d00'}, [('#d00', '热点 (2)')])
    """
    values = report[column]
    by_code = {
        str(code): colours[value]
        for code, value in zip(report["cell_code"], values, strict=True)
        if isinstance(value, str) and value in colours
    }
    counts = {str(k): int(v) for k, v in values.value_counts().items()}
    return Fills(by_code, category_legend(counts, colours, names, lang), title)


def numeric_fills(
    report: pd.DataFrame,
    column: str,
    *,
    scheme: str,
    k: int,
    title: str,
    lang: str,
    fmt: Callable[[float], str] = lambda v: f"{v:,.2f}",
) -> Fills:
    """Return the fills of a numeric column classed by ``scheme``.

    Cells without a value are counted under 无数据 / no data.

    Examples
    --------
    >>> r = pd.DataFrame({"cell_code": ["1", "2", "3"], "rate": [0.1, 0.5, None]})
    >>> f = numeric_fills(r, "rate", scheme="equal_interval", k=2, title="t",
    ...                   lang="en", fmt=lambda v: f"{v:g}")
    >>> sorted(f.by_code), [label for _, label in f.legend]
    (['1', '2'], ['0.1 – 0.3', '0.3 – 0.5', 'No data (1)'])
    """
    values = pd.to_numeric(report[column], errors="coerce")
    classes = classify(values, scheme, k)
    codes = report["cell_code"].astype(str).to_numpy()
    known = np.flatnonzero(classes.labels >= 0)
    by_code = {codes[i]: classes.colours[classes.labels[i]] for i in known}
    missing = int((classes.labels < 0).sum())
    legend = class_legend(classes, lang, fmt=fmt, missing=missing)
    return Fills(by_code, legend, title)
