"""The cell frame: the one in-memory shape of a grid, shared by every module.

A *cell frame* is a :class:`geopandas.GeoDataFrame` in EPSG:4326 with the
columns of :data:`CELL_COLUMNS`.  Importers produce it, the database layer
stores and returns it, QA and the maps consume it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.codes import Level, level_of_code, normalise_code, parent_code_of
from grid.errors import CellCodeError

#: Storage CRS.  CGCS2000 (EPSG:4490) is accepted as equal (< 1 m apart).
STORAGE_EPSG = 4326
#: Geographic CRSs treated as identical to the storage CRS.
EQUIVALENT_EPSG = frozenset({4326, 4490})

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
