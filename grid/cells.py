"""The cell frame: the one in-memory shape of a grid, shared by every module.

A *cell frame* is a :class:`geopandas.GeoDataFrame` in EPSG:4326 with the
columns of :data:`CELL_COLUMNS`.  Importers produce it, the database layer
stores and returns it, QA and the maps consume it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.codes import Level, level_of_code, normalise_code, parent_code_of
from grid.errors import CellCodeError, CRSError

#: Storage CRS.  CGCS2000 (EPSG:4490) is accepted as equal (< 1 m apart).
STORAGE_EPSG = 4326
#: Geographic CRSs treated as identical to the storage CRS.
EQUIVALENT_EPSG = frozenset({4326, 4490})

#: Longest cell name that can be stored (``grid_cell.name`` is VARCHAR(200)).
NAME_MAX_LENGTH = 200

CELL_COLUMNS: tuple[str, ...] = (
    "code",
    "name",
    "level",
    "parent_code",
    "valid_from",
    "valid_to",
    "source",
    "licence",
    "illustrative",
    "note",
    "geometry",
)


def empty_cells() -> gpd.GeoDataFrame:
    """Return an empty cell frame with the right columns and CRS."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in CELL_COLUMNS if c != "geometry"},
        geometry=gpd.GeoSeries([], crs=STORAGE_EPSG),
        crs=STORAGE_EPSG,
    )


def to_multipolygon(geom: BaseGeometry | None) -> BaseGeometry | None:
    """Return a geometry as a MultiPolygon (polygonal parts only), or ``None``.

    GeometryCollections left by clipping are reduced to their polygons;
    an empty result becomes ``None``.
    """
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "MultiPolygon":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon(list(shapely.get_parts(geom)))
    polygonal = ("Polygon", "MultiPolygon")
    polys: list[Any] = []
    for part in shapely.get_parts(geom):
        if part.geom_type in polygonal:
            polys.extend(shapely.get_parts(part))
    return shapely.MultiPolygon(polys) if polys else None


def first_non_finite_vertex(geoms: Any) -> np.ndarray:
    """Return, per geometry, the 0-based index of its first non-finite vertex.

    A coordinate that is NaN or infinite cannot be stored faithfully
    (SpatiaLite keeps an empty geometry, PostGIS a NaN polygon).

    Parameters
    ----------
    geoms : array_like of shapely geometries (or None)

    Returns
    -------
    numpy.ndarray of int64
        ``-1`` where every coordinate is finite (and for missing geometries).

    Examples
    --------
    >>> ring = [(0, 0), (1, 0), (1, float("inf")), (0, 1)]
    >>> first_non_finite_vertex([shapely.box(0, 0, 1, 1), shapely.Polygon(ring), None])
    array([-1,  2, -1])
    """
    geoms = np.asarray(geoms, dtype=object).ravel()
    out = np.full(len(geoms), -1, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        xy, owner = shapely.get_coordinates(geoms, return_index=True)
    bad = np.flatnonzero(~np.isfinite(xy).all(axis=1))
    if len(bad) == 0:
        return out
    counts = np.bincount(owner, minlength=len(geoms))
    starts = np.cumsum(counts) - counts
    first_owner, first_at = np.unique(owner[bad], return_index=True)
    out[first_owner] = bad[first_at] - starts[first_owner]
    return out


def check_cell_frame(
    cells: Any,
    *,
    purpose: str,
    columns: Iterable[str] = ("code", "level", "parent_code"),
    problems: Iterable[str] = (),
) -> None:
    """Refuse anything but a cell frame in the storage CRS with ``columns``.

    Parameters
    ----------
    cells : object
        What the caller was given.
    purpose : str
        Who needs the frame, for the messages (``"run_qa"``, ``"CellLocator"``).
    columns : iterable of str, default code, level and parent_code
        Columns the frame must have.
    problems : iterable of str, optional
        The caller's own problems with its other arguments, reported in the
        same message as missing columns.

    Raises
    ------
    CellCodeError
        If ``cells`` is not a GeoDataFrame, lacks columns, or ``problems``
        is not empty.
    CRSError
        If the frame is not in EPSG:4326 (or EPSG:4490, taken as equal).
    """
    if not isinstance(cells, gpd.GeoDataFrame):
        msg = f"{purpose} needs a GeoDataFrame cell frame; got {type(cells).__name__}"
        raise CellCodeError(msg)
    epsg = cells.crs.to_epsg() if cells.crs is not None else None
    if epsg not in EQUIVALENT_EPSG:
        msg = f"cell frame must be in EPSG:{STORAGE_EPSG}; got {cells.crs!r}"
        raise CRSError(msg)
    found = []
    missing = set(columns) - set(cells.columns)
    if missing:
        found.append(
            f"cell frame lacks columns {sorted(missing)}; got {list(cells.columns)}"
        )
    found += problems
    if found:
        msg = f"{purpose} cannot use this cell frame: " + "; ".join(found)
        raise CellCodeError(msg)


def repair_geometries(geoms: np.ndarray) -> np.ndarray:
    """Return a copy of geometries with the invalid ones repaired.

    Invalid geometries go through :func:`shapely.make_valid` (``structure``
    method: shells bound area, holes remove it) and keep their polygonal
    parts only (:func:`to_multipolygon`); one that collapses entirely
    becomes ``None``.  Valid and missing geometries are left as they are.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries (or None)

    Returns
    -------
    numpy.ndarray
        Same length and order.
    """
    out = np.array(geoms, dtype=object)
    bad = ~shapely.is_missing(out) & ~shapely.is_valid(out)
    if bad.any():
        fixed = shapely.make_valid(out[bad], method="structure", keep_collapsed=False)
        out[bad] = [to_multipolygon(g) for g in fixed]
    return out


def make_cells(
    records: list[dict[str, Any]] | pd.DataFrame,
    *,
    valid_from: dt.date,
    source: str,
    licence: str,
    illustrative: bool = False,
) -> gpd.GeoDataFrame:
    """Build a cell frame from records with at least ``code`` and ``geometry``.

    Missing ``level`` and ``parent_code`` are derived from the code; names
    default to the code.  Geometries become MultiPolygons.

    Parameters
    ----------
    records : list of dict or DataFrame
        Rows with ``code``, ``geometry`` (shapely, in EPSG:4326, may be
        ``None``) and optionally ``name``, ``level``, ``parent_code``, ``note``.
    valid_from : date
        Date from which the cells are valid.
    source, licence : str
        Provenance stored with every cell.
    illustrative : bool, default False
        Mark the cells as generated (not official boundaries).
    """
    frame = pd.DataFrame(records).copy()
    if "code" not in frame:
        msg = f"cell records need a 'code' column; got {list(frame.columns)}"
        raise CellCodeError(msg)
    frame["code"] = frame["code"].map(normalise_code)
    if "level" not in frame:
        frame["level"] = frame["code"].map(level_of_code)
    frame["level"] = frame["level"].map(lambda v: Level(v).value)
    if "parent_code" not in frame:
        frame["parent_code"] = frame["code"].map(parent_code_of)
    if "name" not in frame:
        frame["name"] = frame["code"]
    defaults = {
        "valid_from": valid_from,
        "valid_to": None,
        "source": source,
        "licence": licence,
        "illustrative": illustrative,
        "note": None,
    }
    for column, value in defaults.items():
        if column not in frame:
            frame[column] = value
    geometries = frame["geometry"] if "geometry" in frame else [None] * len(frame)
    frame["geometry"] = pd.Series(
        [to_multipolygon(g) for g in geometries], index=frame.index, dtype=object
    )
    gdf = gpd.GeoDataFrame(frame, geometry="geometry", crs=STORAGE_EPSG)
    return gdf[list(CELL_COLUMNS)]
