"""Find a cell by name or code, and the map view a jump to it opens.

Pure functions over the cell directory
(:func:`twonet.db.employer_queries.cell_directory`: ``code``, ``name``,
``level``, ``parent_code``, ``parent_name``); the grid map's search box
(:mod:`maps.pages.grid_map`) only draws what they return.

Matching:

* digits only (full-width too) — the cell with that code, else the cells
  whose code starts with it (``370211`` → 黄岛区; ``370211001`` → one
  township);
* anything else — cells whose name contains the text (partial Chinese
  names: ``辛安`` finds 辛安街道), exact names first, then names starting
  with it, then the rest, coarse levels before fine ones;
* several words (``黄岛 辛安``) — every word must occur in the cell's name or
  its parent's name, so a parent disambiguates a common village name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from grid.codes import LEVELS, Level
from maps.i18n import level_label
from maps.layers import View, drill

#: Candidates listed at most.
MATCH_LIMIT = 12
_DEPTH = {lv.value: i for i, lv in enumerate(LEVELS)}


@dataclass(frozen=True)
class CellMatches:
    """The cells a search found.

    Attributes
    ----------
    rows : pandas.DataFrame
        At most ``limit`` matching directory rows, best first.
    total : int
        How many cells matched in all.
    """

    rows: pd.DataFrame
    total: int

    @property
    def unique(self) -> bool:
        """Return whether exactly one cell matched."""
        return self.total == 1


def find_cells(
    directory: pd.DataFrame, query: str, *, limit: int = MATCH_LIMIT
) -> CellMatches:
    """Return the cells of ``directory`` matching ``query`` (name or code).

    Parameters
    ----------
    directory : pandas.DataFrame
        ``code``, ``name``, ``level``, ``parent_code``, ``parent_name``.
    query : str
        A code or code prefix, or one or more (partial) names.
    limit : int
        Rows returned at most (``total`` counts them all).

    Examples
    --------
    >>> cells = pd.DataFrame({
    ...     "code": ["370211", "370211001", "370212001"],
    ...     "name": ["黄岛区", "辛安街道", "辛安镇"],
    ...     "level": ["county", "township", "township"],
    ...     "parent_code": ["370200", "370211", "370212"],
    ...     "parent_name": ["青岛市", "黄岛区", "崂山区"],
    ... })
    >>> find_cells(cells, "辛安").rows["code"].tolist()
    ['370211001', '370212001']
    >>> find_cells(cells, "黄岛 辛安").rows["code"].tolist()
    ['370211001']
    >>> find_cells(cells, "370211").unique
    True
    """
    text = unicodedata.normalize("NFKC", query)  # full-width digits and spaces
    words = re.sub(r"[\s,、/]+", " ", text).strip().split()
    empty = CellMatches(directory.iloc[0:0], 0)
    if not words:
        return empty
    codes = directory["code"].astype(str)
    if len(words) == 1 and words[0].isascii() and words[0].isdigit():
        exact = directory[codes == words[0]]
        found = exact if len(exact) else directory[codes.str.startswith(words[0])]
        rank = pd.Series(0, index=found.index)
    else:
        names = directory["name"].fillna("").astype(str)
        both = names + " " + directory["parent_name"].fillna("").astype(str)
        keep = pd.Series(True, index=directory.index)
        for word in words:
            keep &= both.str.contains(word, regex=False)
        last = words[-1]
        keep &= names.str.contains(last, regex=False)
        found = directory[keep]
        name = names[keep]
        rank = (name != last).astype(int) + (~name.str.startswith(last)).astype(int)
    if found.empty:
        return empty
    order = pd.DataFrame(
        {
            "rank": rank,
            "depth": found["level"].map(_DEPTH).fillna(len(LEVELS)),
            "code": found["code"].astype(str),
        }
    ).sort_values(["rank", "depth", "code"])
    rows = found.loc[order.index[:limit]]
    parents = rows[["parent_code", "parent_name"]].astype(object)
    rows = rows.assign(**parents.where(parents.notna(), None))  # NaN → None
    return CellMatches(rows, len(found))


def match_label(row: Mapping[Any, Any], lang: str) -> str:
    """Return how a candidate is listed: name, parent, level and code.

    Examples
    --------
    >>> row = {"code": "370211001", "name": "辛安街道", "level": "township",
    ...        "parent_name": "黄岛区"}
    >>> match_label(row, "zh")
    '辛安街道 · 黄岛区 · 乡镇/街道 (370211001)'
    """
    parts = (row["name"], row.get("parent_name"), level_label(row["level"], lang))
    return " · ".join(str(p) for p in parts if p) + f" ({row['code']})"


def view_for(code: str, level: str | Level, parent_code: str | None) -> View:
    """Return the grid map view a jump to a cell opens, as a click would.

    A cell with children opens them; a village is selected among the
    villages of its township.

    Examples
    --------
    >>> view_for("370211", "county", "370200")
    View(level=<Level.TOWNSHIP: 'township'>, parent_code='370211', selected=None)
    >>> view_for("370211001003", "village", "370211001").selected
    '370211001003'
    """
    level = Level(level)
    return drill(View(level=level, parent_code=parent_code or None), code, level)
