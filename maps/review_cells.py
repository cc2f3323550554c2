"""Which cell a reviewer may place an employer in (pure, no Streamlit).

A reviewer places an employer in a cell without children, so that it gets a
code at every level: a township candidate offers its villages
(:func:`leaf_cells`), and a typed code is checked before the service is
asked (:func:`placement_problem`).  Both work on the cell directory of
:func:`twonet.db.employer_queries.cell_directory`.
"""

from __future__ import annotations

import pandas as pd


def leaf_cells(directory: pd.DataFrame, code: str) -> pd.DataFrame:
    """Return the finest-level cells under ``code`` (empty if it has none).

    A reviewer places an employer in a cell without children, so that it
    gets a code at every level; a township candidate offers its villages.

    Parameters
    ----------
    directory : DataFrame
        ``code`` and ``parent_code`` of every cell
        (:func:`twonet.db.employer_queries.cell_directory`).
    code : str
        Any cell.

    Examples
    --------
    >>> d = pd.DataFrame({"code": ["1", "11", "111", "112", "12"],
    ...                   "parent_code": [None, "1", "11", "11", "1"]})
    >>> leaf_cells(d, "1")["code"].tolist(), leaf_cells(d, "111").empty
    (['111', '112', '12'], True)
    """
    children: dict[str, list[str]] = {}
    for child, parent in zip(directory["code"], directory["parent_code"], strict=True):
        if isinstance(parent, str):
            children.setdefault(parent, []).append(str(child))
    leaves: list[str] = []
    frontier = list(children.get(code, []))
    while frontier:
        cell = frontier.pop()
        below = children.get(cell)
        if below:
            frontier.extend(below)
        else:
            leaves.append(cell)
    found = directory[directory["code"].isin(leaves)]
    return found.sort_values("code").reset_index(drop=True)


def placement_problem(
    directory: pd.DataFrame, code: str
) -> tuple[str, dict[str, object]] | None:
    """Return why ``code`` cannot take a reviewed employer, or ``None``.

    The answer is an :func:`maps.i18n.t` key and its values, so the page can
    say it in either language before the service refuses it.

    Examples
    --------
    >>> d = pd.DataFrame({"code": ["11", "111"], "parent_code": [None, "11"]})
    >>> placement_problem(d, "111") is None
    True
    >>> placement_problem(d, "11")
    ('review_has_children', {'code': '11', 'n': 1})
    >>> placement_problem(d, "99")[0]
    'review_unknown_cell'
    """
    code = code.strip()
    if code not in set(directory["code"]):
        return "review_unknown_cell", {"code": code}
    n = int((directory["parent_code"] == code).sum())
    if n:
        return "review_has_children", {"code": code, "n": n}
    return None
