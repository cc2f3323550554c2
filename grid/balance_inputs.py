"""Inputs of a balancing problem from cells and employers (pure).

* :func:`cell_neighbours` — adjacency from polygons;
* :func:`cell_points` — one point inside each cell;
* :func:`cell_loads` — the load of each cell by employers, workers or risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
import shapely

from grid.errors import BalanceError

#: Degrees added around each polygon before testing contact (~1 m): shared
#: edges of generated or digitised grids rarely match to the last digit.
ADJACENCY_TOLERANCE: Final = 1e-5
#: What a cell's load may count.
LOAD_MEASURES: Final = ("employers", "workers", "risk")


def cell_neighbours(
    codes: Sequence[str],
    geometries: Sequence[shapely.Geometry | None],
    *,
    tolerance: float = ADJACENCY_TOLERANCE,
) -> list[list[str]]:
    """Return, per cell, the codes of the cells its polygon touches.

    Two cells are neighbours when their polygons, each grown by
    ``tolerance`` degrees, intersect (a shapely ``STRtree`` query): shared
    edges and also shared corners (queen contiguity).  A cell without
    geometry has no neighbours.

    Examples
    --------
    >>> boxes = [shapely.box(x, 0, x + 1, 1) for x in (0, 1, 3)]
    >>> cell_neighbours(["a", "b", "c"], boxes)
    [['b'], ['a'], []]
    """
    shapes = np.array(
        [None if g is None or shapely.is_empty(g) else g for g in geometries],
        dtype=object,
    )
    present = np.flatnonzero(shapely.is_geometry(shapes))
    grown = shapely.buffer(shapes[present], tolerance, quad_segs=2)
    tree = shapely.STRtree(grown)
    left, right = tree.query(grown, predicate="intersects")
    found: list[set[str]] = [set() for _ in codes]
    for a, b in zip(present[left], present[right], strict=True):
        if a != b:
            found[int(a)].add(str(codes[int(b)]))
    return [sorted(f) for f in found]


def cell_points(
    geometries: Sequence[shapely.Geometry | None],
) -> tuple[np.ndarray, np.ndarray]:
    """Return lon, lat of a point inside each cell (NaN without geometry).

    ``point_on_surface``: unlike the centroid it lies inside even an
    L-shaped or ring-shaped cell.
    """
    shapes = np.array(
        [None if g is None or shapely.is_empty(g) else g for g in geometries],
        dtype=object,
    )
    points = shapely.point_on_surface(shapes)
    return shapely.get_x(points), shapely.get_y(points)


def cell_loads(employers: pd.DataFrame, codes: Sequence[str], by: str) -> pd.Series:
    """Return the load of each cell, indexed by code (0 for a cell without any).

    Parameters
    ----------
    employers : DataFrame
        One row per employer: ``cell_code`` (the cell it is placed in at the
        level balanced), ``staff``, ``contracts_required``,
        ``contracts_signed``, ``insured`` (missing counts allowed).
    codes : sequence of str
    by : {"employers", "workers", "risk"}
        ``employers``: how many employers; ``workers``: their registered
        staff (``staff``; missing counts as 0); ``risk``: employers weighted
        by what they lack, each ``1 + c + i`` where ``c`` is the share of
        required labour contracts not signed and ``i`` the share of staff not
        insured (each 0 when its counts are missing; 1 to 3 per employer).

    Raises
    ------
    BalanceError
        ``by`` is not one of :data:`LOAD_MEASURES`.

    Examples
    --------
    >>> frame = pd.DataFrame({"cell_code": ["a", "a"], "staff": [10, None],
    ...     "contracts_required": [10, None], "contracts_signed": [5, None],
    ...     "insured": [0, None]})
    >>> cell_loads(frame, ["a", "b"], "risk").tolist()
    [3.5, 0.0]
    """
    if by not in LOAD_MEASURES:
        msg = (
            f"未知的负荷口径 {by!r}（应为 {'、'.join(LOAD_MEASURES)}）/ "
            f"unknown load measure {by!r}; expected one of {', '.join(LOAD_MEASURES)}"
        )
        raise BalanceError(msg)
    frame = employers
    if by == "employers":
        weight = pd.Series(1.0, index=frame.index)
    elif by == "workers":
        weight = _number(frame, "staff").fillna(0.0)
    else:
        required = _number(frame, "contracts_required")
        signed = _number(frame, "contracts_signed")
        staff = _number(frame, "staff")
        insured = _number(frame, "insured")
        contracts = _gap(required - signed, required)
        insurance = _gap(staff - insured, staff)
        weight = 1.0 + contracts + insurance
    totals = weight.groupby(frame["cell_code"].astype(str)).sum()
    return totals.reindex(list(codes), fill_value=0.0).astype(float)


def _number(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").astype(float)


def _gap(missing: pd.Series, total: pd.Series) -> pd.Series:
    """Return missing / total clipped to 0–1; 0 where either is unknown or total ≤ 0."""
    share = (missing / total.where(total > 0)).clip(0.0, 1.0)
    return share.fillna(0.0)
