"""Where the demo records plant their patterns (:mod:`ingest.demo_records`).

Each pattern is a small group of cells of one level that share boundaries:
a seed cell and the touching cells added one by one, always the cell
touching most of the group so far and, among those, the best-scoring
(``shapely.touches``: the cells share a boundary, not an interior).  A
compact group is what a local statistic such as Gi* can see: each cell's
neighbours are mostly in the group.  Scores are employer counts, ties broken by
code, so the choice depends only on the grid, the employers and the roster,
never on a random draw.

The four patterns never share a township: each is drawn away from the
townships the earlier ones took.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from grid.errors import GridBuildError

#: Cells per planted group: wage-arrears townships, child-labour villages,
#: never-inspected villages, new-hotspot villages.
GROUP_SIZES = {"wage_arrears": 4, "child_labour": 4, "never_inspected": 5, "new": 4}
#: Smallest group accepted (a group that cannot grow this far is skipped).
MIN_GROUP = 3


@dataclass(frozen=True)
class Sites:
    """The cells each planted pattern takes.

    Attributes
    ----------
    wage_arrears : tuple of str
        Township codes of the construction wage-arrears cluster.
    child_labour : tuple of str
        Village codes of the small-workshop child-labour cluster.
    never_inspected : tuple of str
        Village codes, fully staffed, where nobody ever inspects.
    new : tuple of str
        Village codes of the hotspot of the last twelve months.
    """

    wage_arrears: tuple[str, ...]
    child_labour: tuple[str, ...]
    never_inspected: tuple[str, ...]
    new: tuple[str, ...]


def neighbours(cells: pd.DataFrame, level: str) -> dict[str, list[str]]:
    """Return, per cell of ``level`` with geometry, the cells it touches.

    Parameters
    ----------
    cells : GeoDataFrame
        ``code``, ``level``, ``geometry``.
    level : str
        ``"township"`` or ``"village"``.

    Returns
    -------
    dict
        code → sorted codes of the cells of the same level sharing a
        boundary with it.
    """
    frame = cells[(cells["level"] == level) & cells["geometry"].notna()]
    frame = frame[~frame["geometry"].is_empty].sort_values("code")
    codes = frame["code"].astype(str).to_numpy()
    geoms = frame["geometry"].to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="touches")
    found: dict[str, list[str]] = {str(c): [] for c in codes}
    for a, b in zip(left, right, strict=True):
        if a != b:
            found[str(codes[a])].append(str(codes[b]))
    return {code: sorted(near) for code, near in found.items()}


def grow(
    scores: Mapping[str, float],
    graph: Mapping[str, list[str]],
    size: int,
    *,
    allowed: Collection[str],
) -> tuple[str, ...]:
    """Return the best connected group of ``size`` allowed cells.

    Every allowed cell with a positive score is tried as a seed; the group
    grows by the allowed, positively scored cell touching most of its cells
    (a compact group: a hotspot statistic sees a cell's neighbours), the
    best-scoring among those.  Groups in which every cell touches two others
    win over the rest; then the highest total (ties: the larger group, then
    codes).

    Parameters
    ----------
    scores : mapping
        code → score (cells missing score 0).
    graph : mapping
        :func:`neighbours`.
    size : int
        Cells wanted.
    allowed : collection of str
        Cells that may be taken.

    Returns
    -------
    tuple of str
        Sorted codes; empty when no group of at least :data:`MIN_GROUP`
        cells exists.

    Examples
    --------
    >>> graph = {"a": ["b"], "b": ["a", "c"], "c": ["b", "d"], "d": ["c"]}
    >>> grow({"a": 1, "b": 1, "c": 5, "d": 5}, graph, 3, allowed=list(graph))
    ('b', 'c', 'd')
    >>> grow({"a": 1, "b": 1, "c": 5, "d": 5}, graph, 3, allowed=["a", "b", "d"])
    ()
    """
    ok = {c for c in allowed if c in graph and scores.get(c, 0) > 0}
    best: tuple[int, float, int, tuple[str, ...]] = (0, 0.0, 0, ())
    for seed in sorted(ok):
        group = [seed]
        while len(group) < size:
            edge = sorted(
                {n for c in group for n in graph[c] if n in ok} - set(group),
                key=lambda c: (-len(set(graph[c]) & set(group)), -scores.get(c, 0), c),
            )
            if not edge:
                break
            group.append(edge[0])
        if len(group) < MIN_GROUP:
            continue
        key = (
            _compactness(group, graph),
            float(sum(scores.get(c, 0) for c in group)),
            len(group),
        )
        if key > best[:3]:
            best = (*key, tuple(sorted(group)))
    return best[3]


def _compactness(group: list[str], graph: Mapping[str, list[str]]) -> int:
    """Return 2 when every cell of ``group`` touches two others of it, else 1.

    Gi* tests a cell with its neighbours against random sets of cells; a
    planted cell touching a single other one of its group is barely
    distinguishable from a draw that happens to hold two planted cells.
    """
    members = set(group)
    return 2 if all(len(members & set(graph[c])) >= 2 for c in group) else 1


def choose_sites(
    cells: pd.DataFrame, pool: pd.DataFrame, assistants: pd.Series
) -> Sites:
    """Choose the cells of the four planted patterns.

    Parameters
    ----------
    cells : GeoDataFrame
        The demo grid.
    pool : DataFrame
        The employers records may name: ``village``, ``township``,
        ``construction`` and ``workshop`` (bool).
    assistants : Series
        Village code → number of active assistants (协管员) assigned.

    Returns
    -------
    Sites

    Raises
    ------
    GridBuildError
        A pattern finds no group of neighbouring cells.
    """
    towns = neighbours(cells, "township")
    villages = neighbours(cells, "village")
    town_of = dict(zip(cells["code"].astype(str), cells["parent_code"], strict=True))
    per_town = pool[pool["construction"]].groupby("township").size()
    wage = grow(
        _scores(per_town), towns, GROUP_SIZES["wage_arrears"], allowed=list(towns)
    )
    taken = set(wage)

    def free(codes: Collection[str]) -> list[str]:
        return [c for c in codes if str(town_of.get(c)) not in taken]

    workshops = _scores(pool[pool["workshop"]].groupby("village").size())
    child = grow(
        workshops, villages, GROUP_SIZES["child_labour"], allowed=free(villages)
    )
    taken |= {str(town_of[c]) for c in child}
    employers = _scores(pool.groupby("village").size())
    staffed = set(assistants[assistants >= 2].index.astype(str))
    never = grow(
        employers,
        villages,
        GROUP_SIZES["never_inspected"],
        allowed=[c for c in free(villages) if c in staffed],
    )
    taken |= {str(town_of[c]) for c in never}
    new = grow(employers, villages, GROUP_SIZES["new"], allowed=free(villages))
    sites = Sites(wage, child, never, new)
    missing = [name for name, codes in vars(sites).items() if not codes]
    if missing:
        msg = (
            f"示例记录找不到相邻网格 / no group of neighbouring cells for {missing}"
            f" (employers: {len(pool)})"
        )
        raise GridBuildError(msg)
    return sites


def staffed_villages(assignments: pd.DataFrame, staff: pd.DataFrame) -> pd.Series:
    """Return active assistants per village cell (those without an end date).

    Parameters
    ----------
    assignments : DataFrame
        ``人员编号``, ``网格编码``, ``职责``, ``终止日期``.
    staff : DataFrame
        ``人员编号``, ``终止日期``.

    Returns
    -------
    Series
        Cell code → count of assistants assigned and still in service.
    """
    ended = set(staff.loc[_has_value(staff["终止日期"]), "人员编号"].astype(str))
    jobs = assignments[
        (assignments["职责"] == "协管员")
        & ~_has_value(assignments["终止日期"])
        & ~assignments["人员编号"].astype(str).isin(ended)
    ]
    return jobs.groupby(jobs["网格编码"].astype(str)).size()


def _has_value(column: pd.Series) -> pd.Series:
    text = column.astype("string").fillna("").str.strip()
    return pd.Series(np.asarray(text != ""), index=column.index)


def _scores(counts: pd.Series) -> dict[str, float]:
    return {str(k): float(v) for k, v in counts.items()}
