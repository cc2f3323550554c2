"""Read grid boundary files into a cell frame, explaining every rejected feature.

:func:`read_grid_file` reads GeoJSON, Shapefile (a ``.shp``, a folder holding
one, or a ``.zip`` of one) and GeoPackage through pyogrio, and returns a
:class:`GridFileResult`: the accepted features as a cell frame
(:func:`grid.cells.make_cells`) and the others in ``rejects``, one row per
problem, with a reason in Chinese and in English.

What it takes care of:

* **Attribute encoding.**  A shapefile's ``.cpg`` is honoured; without one the
  ``.dbf`` bytes are examined: text that is valid UTF-8 is read as UTF-8,
  otherwise as GB18030 (a superset of GBK/GB2312, what Chinese GIS software
  writes).  An explicit ``encoding=`` always wins.
* **CRS.**  Anything pyproj knows is reprojected to EPSG:4326; CGCS2000
  (EPSG:4490) is relabelled 4326 without moving a coordinate.  A file without
  a CRS is refused unless ``crs=`` is given.
* **Obfuscated datums.**  ``datum="gcj02"`` or ``"bd09"`` (Gaode, Baidu...)
  converts the lon/lat back to WGS-84 with :mod:`grid.coords`.
* **Columns.**  Code, name, level and parent columns are found under common
  Chinese and English names, or given with ``columns=``.

Invalid (self-intersecting) polygons are kept and counted; QA reports them,
or ``repair=True`` fixes them with :func:`shapely.make_valid`.

The work is shared out: :mod:`ingest.grid_sources` finds and decodes the
dataset, :mod:`ingest.grid_crs` brings it to WGS-84, :mod:`ingest.grid_columns`
finds the columns and :mod:`ingest.grid_features` checks every feature.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from grid.cells import empty_cells, make_cells
from grid.codes import Level, parse_level
from grid.coords import Datum, parse_datum
from grid.errors import CRSError, GridFileError
from ingest.dbf_encoding import detect_dbf_encoding
from ingest.grid_columns import COLUMN_ALIASES, FIELDS, map_columns
from ingest.grid_crs import prepare_geometries, to_storage_crs
from ingest.grid_features import (
    REJECT_COLUMNS,
    check_validity,
    rejects_frame,
    validate_features,
)
from ingest.grid_sources import (
    check_has_features,
    choose_gdal_layer,
    locate_source,
    read_with_encoding,
)

__all__ = [
    "COLUMN_ALIASES",
    "FIELDS",
    "REJECT_COLUMNS",
    "GridFileResult",
    "detect_dbf_encoding",
    "read_grid_file",
    "write_rejects",
]


@dataclass(frozen=True, eq=False)
class GridFileResult:
    """What :func:`read_grid_file` found in a file.

    Attributes
    ----------
    cells : GeoDataFrame
        Accepted features as a cell frame (EPSG:4326, MultiPolygons).
    rejects : DataFrame
        One row per problem, columns :data:`REJECT_COLUMNS`: ``feature``
        (0-based position in the file), ``row`` (1-based, for people),
        ``code`` (raw value, or ``None``), ``reason_zh``, ``reason_en``.
        A feature with several problems has several rows.
    source_crs : str
        CRS the coordinates were read in (``"EPSG:3857"``, or WKT).
    n_features : int
        Number of features in the file (accepted + rejected).
    file_sha256 : str
        SHA-256 of the file (for a shapefile: of its component files, see
        :func:`read_grid_file`).
    invalid : int
        Accepted polygons that were not valid (self-intersections...).
    invalid_codes : tuple of str
        Their codes.
    repaired : int
        How many of them were repaired (``repair=True``).
    layer : str or None
        Layer (GeoPackage) or member/shapefile name that was read.
    encoding : str or None
        Attribute encoding used: explicit, from the ``.cpg``, detected
        (``"UTF-8"``, ``"GB18030"``) or ``"ASCII"``; ``None`` when GDAL chose.
    datum : Datum
        Datum the coordinates were declared in (converted to WGS-84).
    notes : tuple of str
        Things worth telling the user (CRS overridden, encoding detected...).
    """

    cells: gpd.GeoDataFrame
    rejects: pd.DataFrame
    source_crs: str
    n_features: int
    file_sha256: str
    invalid: int = 0
    invalid_codes: tuple[str, ...] = ()
    repaired: int = 0
    layer: str | None = None
    encoding: str | None = None
    datum: Datum = Datum.WGS84
    notes: tuple[str, ...] = ()

    @property
    def n_accepted(self) -> int:
        """Number of accepted features (the cells)."""
        return len(self.cells)

    @property
    def n_rejected(self) -> int:
        """Number of rejected features (``rejects`` may list several per feature)."""
        return int(self.rejects["feature"].nunique())


def read_grid_file(
    path: str | PathLike[str],
    *,
    valid_from: dt.date,
    crs: str | int | CRS | None = None,
    datum: str | Datum = Datum.WGS84,
    layer: str | None = None,
    encoding: str | None = None,
    columns: Mapping[str, str] | None = None,
    level: str | Level | None = None,
    source: str | None = None,
    licence: str | None = None,
    repair: bool = False,
) -> GridFileResult:
    """Read a grid boundary file into a cell frame and a table of rejects.

    Parameters
    ----------
    path : str or path-like
        A GeoJSON, a GeoPackage, a ``.shp``, a folder holding one ``.shp``,
        or a ``.zip`` holding one shapefile (or one GeoJSON/GeoPackage).
    valid_from : date
        Date from which the cells are valid.
    crs : str, int or pyproj.CRS, optional
        CRS of the coordinates, e.g. ``"EPSG:4490"``.  Required when the file
        has none (a shapefile without ``.prj``); when the file has one, this
        overrides it (recorded in ``notes``).
    datum : str or Datum, default "wgs84"
        ``"gcj02"`` (Gaode/Amap, Tencent) or ``"bd09"`` (Baidu) when the
        lon/lat come from those maps; they are converted to WGS-84.  Any name
        :func:`grid.coords.parse_datum` knows is accepted.  With such a datum
        and no CRS in the file, lon/lat (EPSG:4326) is assumed.
    layer : str, optional
        GeoPackage layer, or which shapefile of a folder/zip holding several
        (by name, with or without ``.shp``).  Required when ambiguous.
    encoding : str, optional
        Attribute encoding; overrides the ``.cpg`` and detection.
    columns : mapping, optional
        Our field names (``code``, ``name``, ``level``, ``parent_code``) to
        the file's column names.  Unmapped fields are looked up in
        :data:`COLUMN_ALIASES`; ``code`` must be found.
    level : str or Level, optional
        Level of every feature (e.g. ``"乡镇"`` for a township layer);
        features whose code says otherwise are rejected.
    source, licence : str, optional
        Provenance stored with every cell; default the file name and
        ``"unspecified"``.
    repair : bool, default False
        Replace invalid polygons by :func:`shapely.make_valid`, keeping the
        polygonal parts.

    Returns
    -------
    GridFileResult

    Raises
    ------
    GridFileError
        The file cannot be found or read (a shapefile without its ``.dbf`` or
        ``.shx``), holds no features or none with a geometry, the
        layer/shapefile is ambiguous or unknown, or the code column cannot be
        found.  Messages are in Chinese, then English.
    CRSError
        The file has no CRS and ``crs`` is not given, a CRS is unknown, or
        the coordinates do not fit the CRS.
    CellCodeError
        ``level`` is not a level name.

    Notes
    -----
    Features are rejected for: missing code; malformed code (not 6, 9, 12 or
    14 digits; digits of another script than 0-9, named); a level (column or
    ``level=``) that contradicts the code length; an unknown level word; a
    parent code inconsistent with the code; a name longer than
    :data:`grid.cells.NAME_MAX_LENGTH`; missing or empty geometry;
    non-polygon geometry; a coordinate that is NaN or infinite; a code
    already used by an earlier feature (every later occurrence is rejected,
    naming the first).  Full-width digits in codes are read as 0-9, and
    invisible characters (zero-width spaces, direction marks, no-break
    spaces, byte-order marks) are removed, with a note naming them.

    Every feature read is accounted for: ``n_features == n_accepted +
    n_rejected``.  A file with no features, or none with a geometry, is
    refused as a whole.

    ``file_sha256`` is the SHA-256 of the file; for a shapefile given as
    ``.shp`` or folder it is the SHA-256 over its ``.shp``, ``.shx``,
    ``.dbf``, ``.prj`` and ``.cpg`` (those present, in that order, each
    preceded by its suffix); for a zip, of the zip.
    """
    try:
        datum = parse_datum(datum)
    except CRSError as exc:
        msg = f"无法识别的坐标基准 {datum!r} / {exc}"
        raise CRSError(msg) from exc
    forced_level = None if level is None else parse_level(level)
    src = locate_source(Path(path), layer)
    gdal_layer = choose_gdal_layer(src)
    # NaN coordinates are rejected feature by feature, not warned about
    with np.errstate(invalid="ignore"):
        frame, used_encoding, notes = read_with_encoding(src, gdal_layer, encoding)
        check_has_features(frame, src.label)
        mapping = map_columns(
            [c for c in frame.columns if c != frame.geometry.name],
            columns,
            label=src.label,
        )
        frame, source_crs, crs_notes = to_storage_crs(
            frame, crs=crs, datum=datum, label=src.label
        )
        notes += crs_notes
        geoms = prepare_geometries(frame, datum)
        records, problems, code_notes = validate_features(
            frame, geoms, mapping, forced_level
        )
        notes += code_notes
        records, repair_problems, invalid_codes, repaired = check_validity(
            records, repair=repair
        )
    problems += repair_problems
    cells = (
        make_cells(
            records,
            valid_from=valid_from,
            source=source or f"file:{src.label}",
            licence=licence or "unspecified",
        )
        if records
        else empty_cells()
    )
    result = GridFileResult(
        cells=cells,
        rejects=rejects_frame(problems),
        source_crs=source_crs,
        n_features=len(frame),
        file_sha256=src.sha256,
        invalid=len(invalid_codes),
        invalid_codes=tuple(invalid_codes),
        repaired=repaired,
        layer=gdal_layer or src.member,
        encoding=used_encoding,
        datum=datum,
        notes=tuple(notes),
    )
    if result.n_features != result.n_accepted + result.n_rejected:  # pragma: no cover
        msg = (
            f"{src.label} 的要素未能全部核对：读入 {result.n_features}，接受 "
            f"{result.n_accepted}，拒绝 {result.n_rejected} / not every feature of "
            f"{src.label} is accounted for: {result.n_features} read, "
            f"{result.n_accepted} accepted, {result.n_rejected} rejected"
        )
        raise GridFileError(msg)
    return result


def write_rejects(rejects: pd.DataFrame, path: str | PathLike[str]) -> Path:
    """Write rejected features to CSV in UTF-8 with a BOM (opens in Excel).

    Parameters
    ----------
    rejects : DataFrame
        :attr:`GridFileResult.rejects`.
    path : str or path-like
        Target ``.csv`` file; overwritten.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    rejects.to_csv(target, index=False, encoding="utf-8-sig")
    return target
