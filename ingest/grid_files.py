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
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError
from shapely.geometry.base import BaseGeometry

from grid.cells import (
    EQUIVALENT_EPSG,
    STORAGE_EPSG,
    empty_cells,
    make_cells,
    to_multipolygon,
)
from grid.codes import Level, level_of_code, normalise_code, parent_code_of, parse_level
from grid.coords import CHINA_BBOX, Datum, parse_datum, transform_geometry
from grid.errors import CellCodeError, CRSError, GridFileError

#: Our field names that ``columns=`` may map to the file's column names.
FIELDS: tuple[str, ...] = ("code", "name", "level", "parent_code")

#: Column names recognised for each field, in order of preference (compared
#: case-insensitively; shapefile names cut at 10 bytes also match).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": (
        "code",
        "代码",
        "编码",
        "区划代码",
        "行政区划代码",
        "统计用区划代码",
        "网格编码",
        "网格代码",
        "网格编号",
        "division_code",
        "adcode",
        "nbs2023_code",
        "nbs2023_village_code",
        "nbs2023_town_code",
        "nbs2023_county_code",
        "village_code",
        "town_code",
        "county_code",
        "xzqdm",
        "xzqhdm",
        "grid_code",
    ),
    "name": (
        "name",
        "名称",
        "网格名称",
        "区划名称",
        "行政区划名称",
        "name_zh",
        "nbs2023_name",
        "nbs2023_village_name",
        "nbs2023_town_name",
        "village_name",
        "town_name",
        "county_name",
        "xzqmc",
        "grid_name",
    ),
    "level": ("level", "级别", "层级", "网格级别", "网格层级", "grid_level"),
    "parent_code": (
        "parent_code",
        "parent",
        "上级代码",
        "上级编码",
        "父级代码",
        "父级编码",
        "上级网格编码",
        "上级区划代码",
        "parent_adcode",
    ),
}

#: Columns of :attr:`GridFileResult.rejects`.
REJECT_COLUMNS: tuple[str, ...] = ("feature", "row", "code", "reason_zh", "reason_en")

_SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_OTHER_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json")
_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
_OBFUSCATED = frozenset({Datum.GCJ02, Datum.BD09})
_DBF_TEXT_TYPES = frozenset(b"CM")


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
    def n_rejected(self) -> int:
        """Number of rejected features (``rejects`` may list several per feature)."""
        return int(self.rejects["feature"].nunique())


@dataclass(frozen=True)
class _Source:
    """Where GDAL reads from and what is known about the file beforehand."""

    dataset: str
    label: str
    sha256: str
    gdal_layer: str | None = None
    member: str | None = None
    is_shapefile: bool = False
    dbf: bytes | None = None
    cpg: str | None = None


# --------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------


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
        The file cannot be found or read, the layer/shapefile is ambiguous or
        unknown, or the code column cannot be found.
    CRSError
        The file has no CRS and ``crs`` is not given, a CRS is unknown, or
        the coordinates do not fit the CRS.
    CellCodeError
        ``level`` is not a level name.

    Notes
    -----
    Features are rejected for: missing code; malformed code (not 6, 9, 12 or
    14 digits); a level (column or ``level=``) that contradicts the code
    length; an unknown level word; a parent code inconsistent with the code;
    missing or empty geometry; non-polygon geometry; a code already used by
    an earlier feature (every later occurrence is rejected, naming the first).

    ``file_sha256`` is the SHA-256 of the file; for a shapefile given as
    ``.shp`` or folder it is the SHA-256 over its ``.shp``, ``.shx``,
    ``.dbf``, ``.prj`` and ``.cpg`` (those present, in that order, each
    preceded by its suffix); for a zip, of the zip.
    """
    datum = parse_datum(datum)
    forced_level = None if level is None else parse_level(level)
    src = _locate(Path(path), layer)
    gdal_layer = _choose_gdal_layer(src)
    frame, used_encoding, notes = _read_with_encoding(src, gdal_layer, encoding)
    mapping = _map_columns(
        [c for c in frame.columns if c != frame.geometry.name],
        columns,
        label=src.label,
    )
    frame, source_crs, crs_notes = _to_storage_crs(
        frame, crs=crs, datum=datum, label=src.label
    )
    notes += crs_notes
    geoms = _prepare_geometries(frame, datum)
    records, problems = _validate(frame, geoms, mapping, forced_level)
    records, repair_problems, invalid_codes, repaired = _check_validity(
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
    return GridFileResult(
        cells=cells,
        rejects=_rejects_frame(problems),
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


# --------------------------------------------------------------------------
# locating the dataset
# --------------------------------------------------------------------------


def _locate(path: Path, layer: str | None) -> _Source:
    """Decide what GDAL should open for ``path``."""
    if not path.exists():
        msg = f"grid file {str(path)!r} does not exist"
        raise GridFileError(msg)
    if path.is_dir():
        return _locate_in_folder(path, layer)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _locate_in_zip(path, layer)
    if suffix == ".shp":
        return _shapefile_source(path)
    return _Source(
        dataset=str(path),
        label=path.name,
        sha256=_sha256_files([path], with_suffix=False),
        gdal_layer=layer,
    )


def _choose(candidates: list[str], layer: str | None, where: str) -> str:
    """Pick one dataset among ``candidates`` (paths), by ``layer`` if needed."""
    if layer is not None:
        wanted = layer.lower()
        matches = [
            c
            for c in candidates
            if wanted
            in (c.lower(), PurePosixPath(c).name.lower(), PurePosixPath(c).stem.lower())
        ]
        if len(matches) == 1:
            return matches[0]
        if len(candidates) > 1 or matches:
            msg = f"layer {layer!r} names none or several of {candidates} in {where}"
            raise GridFileError(msg)
    if len(candidates) == 1:
        return candidates[0]
    msg = (
        f"{where} holds {len(candidates)} datasets {candidates}; "
        "choose one with layer=<name> (CLI: --layer)"
    )
    raise GridFileError(msg)


def _locate_in_folder(folder: Path, layer: str | None) -> _Source:
    shapefiles = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.suffix.lower() == ".shp" and not _hidden(p.relative_to(folder).parts)
    )
    if not shapefiles:
        msg = f"folder {str(folder)!r} holds no .shp file"
        raise GridFileError(msg)
    return _shapefile_source(folder / _choose(shapefiles, layer, f"folder {folder}"))


def _hidden(parts: Iterable[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _shapefile_source(shp: Path) -> _Source:
    siblings = {p.name.lower(): p for p in shp.parent.iterdir()}
    parts = [
        siblings[name]
        for name in (shp.stem.lower() + s for s in _SHAPEFILE_SIDECARS)
        if name in siblings
    ]
    dbf = siblings.get(shp.stem.lower() + ".dbf")
    cpg = siblings.get(shp.stem.lower() + ".cpg")
    return _Source(
        dataset=str(shp),
        label=shp.name,
        sha256=_sha256_files(parts, with_suffix=True),
        member=shp.stem,
        is_shapefile=True,
        dbf=dbf.read_bytes() if dbf else None,
        cpg=_cpg_text(cpg.read_bytes()) if cpg else None,
    )


def _locate_in_zip(archive: Path, layer: str | None) -> _Source:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [
                n
                for n in zf.namelist()
                if not n.endswith("/") and not _hidden(PurePosixPath(n).parts)
            ]
            by_lower = {n.lower(): n for n in names}
            shapefiles = [n for n in names if n.lower().endswith(".shp")]
            others = [n for n in names if n.lower().endswith(_OTHER_VECTOR_SUFFIXES)]
            candidates = shapefiles or others
            if not candidates:
                msg = f"zip {str(archive)!r} holds no .shp, .gpkg or .geojson: {names}"
                raise GridFileError(msg)
            is_shapefile = bool(shapefiles)
            shown = {_zip_display_name(zf.getinfo(n)): n for n in candidates}
            display = _choose(
                list(shown), layer if is_shapefile else None, archive.name
            )
            member = shown[display]
            stem = member[: -len(PurePosixPath(member).suffix)].lower()
            dbf_name = by_lower.get(stem + ".dbf")
            cpg_name = by_lower.get(stem + ".cpg")
            dbf = zf.read(dbf_name) if is_shapefile and dbf_name else None
            cpg = _cpg_text(zf.read(cpg_name)) if is_shapefile and cpg_name else None
    except zipfile.BadZipFile as exc:
        msg = f"{str(archive)!r} is not a readable zip file: {exc}"
        raise GridFileError(msg) from exc
    return _Source(
        dataset=f"/vsizip/{archive.resolve()}/{member}",
        label=f"{archive.name}!{display}",
        sha256=_sha256_files([archive], with_suffix=False),
        gdal_layer=None if is_shapefile else layer,
        member=PurePosixPath(display).stem if is_shapefile else None,
        is_shapefile=is_shapefile,
        dbf=dbf,
        cpg=cpg,
    )


def _zip_display_name(info: zipfile.ZipInfo) -> str:
    """Return a member name for messages, undoing GBK names read as CP437.

    Zips made on Chinese Windows store GBK names without the UTF-8 flag;
    Python (like GDAL, which is given the name as Python decoded it) reads
    them as CP437.
    """
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _sha256_files(paths: list[Path], *, with_suffix: bool) -> str:
    digest = hashlib.sha256()
    for p in paths:
        if with_suffix:
            digest.update(p.suffix.lower().encode() + b"\0")
        with p.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def _cpg_text(raw: bytes) -> str | None:
    text = raw.decode("ascii", errors="ignore").strip()
    return text or None


# --------------------------------------------------------------------------
# reading, with the attribute encoding worked out
# --------------------------------------------------------------------------


def _read_with_encoding(
    src: _Source, layer: str | None, encoding: str | None
) -> tuple[gpd.GeoDataFrame, str | None, list[str]]:
    """Read the dataset; return the frame, the encoding used and notes."""
    notes: list[str] = []
    if not src.is_shapefile:
        return _read(src, layer, encoding), encoding, notes
    if encoding is None and src.cpg is not None:
        try:
            return _read(src, layer, None), src.cpg, notes
        except UnicodeDecodeError:
            encoding = _detect(src)
            if not _same_codec(encoding, src.cpg):
                notes.append(
                    f"the .cpg of {src.label} says {src.cpg!r} but the attributes "
                    f"are not in that encoding; read as {encoding} instead"
                )
    if encoding is None:
        encoding = _detect(src)
        if encoding in (None, "ASCII"):
            return _read(src, layer, None), encoding, notes
        notes.append(f"{src.label} has no .cpg; attributes read as {encoding}")
    try:
        return _read(src, layer, encoding), encoding, notes
    except UnicodeDecodeError:
        notes.append(
            f"some field names or values of {src.label} are not valid {encoding} "
            "(names cut at 10 bytes?); the broken characters were dropped"
        )
        return _read_recoded(src, layer, encoding), encoding, notes


def _detect(src: _Source) -> str | None:
    return detect_dbf_encoding(src.dbf) if src.dbf is not None else None


def _same_codec(a: str | None, b: str) -> bool:
    try:
        return a is not None and codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _read_recoded(src: _Source, layer: str | None, encoding: str) -> gpd.GeoDataFrame:
    """Read text as ISO-8859-1 (byte for byte), then decode it leniently.

    GDAL cuts shapefile field names at 10 bytes, which can split a UTF-8
    character; pyogrio then refuses the whole file.
    """
    frame = _read(src, layer, "ISO-8859-1")

    def recode(text: str, errors: str) -> str:
        return text.encode("latin-1").decode(encoding, errors=errors)

    geometry = frame.geometry.name
    frame = frame.rename(
        columns={c: recode(c, "ignore") for c in frame.columns if c != geometry}
    )
    for column in frame.columns:
        if column != geometry and not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = [
                recode(v, "replace") if isinstance(v, str) else v for v in frame[column]
            ]
    return frame


def _choose_gdal_layer(src: _Source) -> str | None:
    """Return the layer to read from a multi-layer dataset (GeoPackage)."""
    if src.is_shapefile:
        return None
    try:
        listing = pyogrio.list_layers(src.dataset)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"cannot open {src.label!r}: {exc}"
        raise GridFileError(msg) from exc
    layers = [(str(name), gtype) for name, gtype in listing]
    described = [f"{name} ({gtype or 'no geometry'})" for name, gtype in layers]
    if src.gdal_layer is not None:
        if src.gdal_layer not in {name for name, _ in layers}:
            msg = f"{src.label} has no layer {src.gdal_layer!r}; layers: {described}"
            raise GridFileError(msg)
        return src.gdal_layer
    spatial = [name for name, gtype in layers if gtype]
    if len(spatial) == 1:
        return spatial[0]
    if len(layers) == 1:
        return layers[0][0]
    msg = (
        f"{src.label} has {len(spatial)} geometry layers; choose one with "
        f"layer=<name> (CLI: --layer): {described}"
    )
    raise GridFileError(msg)


def _read(src: _Source, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    kwargs: dict[str, Any] = {}
    if layer is not None:
        kwargs["layer"] = layer
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        frame = gpd.read_file(src.dataset, engine="pyogrio", **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"cannot read {src.label!r}: {exc}"
        raise GridFileError(msg) from exc
    except LookupError as exc:  # unknown codec name
        msg = f"cannot read {src.label!r} with encoding {encoding!r}: {exc}"
        raise GridFileError(msg) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        msg = f"{src.label!r} has no geometry column"
        raise GridFileError(msg)
    return frame


def detect_dbf_encoding(dbf: bytes) -> str | None:
    """Guess the text encoding of a shapefile's ``.dbf`` from its bytes.

    Parameters
    ----------
    dbf : bytes
        Content of the ``.dbf``.

    Returns
    -------
    str or None
        ``"ASCII"`` when no text byte is above 127 (any encoding reads it),
        ``"UTF-8"`` when every non-ASCII field name and value decodes as
        UTF-8 (a character cut by the fixed field width is allowed), else
        ``"GB18030"`` (superset of GBK and GB2312, which Chinese GIS software
        writes); ``None`` if the file is not a dBASE table.

    Examples
    --------
    >>> detect_dbf_encoding(b"")
    """
    strings = _dbf_strings(dbf)
    if strings is None:
        return None
    non_ascii = [s for s in strings if not s.isascii()]
    if not non_ascii:
        return "ASCII"
    if all(_is_utf8(s) for s in non_ascii):
        return "UTF-8"
    return "GB18030"


def _is_utf8(raw: bytes) -> bool:
    """Tell whether bytes are UTF-8, allowing a character cut at the end."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _dbf_strings(dbf: bytes) -> list[bytes] | None:
    """Return the field names and text values of a dBASE table, or ``None``."""
    if len(dbf) < 33:
        return None
    n_records = int.from_bytes(dbf[4:8], "little")
    header_len = int.from_bytes(dbf[8:10], "little")
    record_len = int.from_bytes(dbf[10:12], "little")
    strings: list[bytes] = []
    text_fields: list[tuple[int, int]] = []
    offset = 1  # each record starts with a deletion flag
    for pos in range(32, min(header_len, len(dbf)) - 31, 32):
        desc = dbf[pos : pos + 32]
        if desc[0] == 0x0D:
            break
        strings.append(desc[:11].split(b"\0", 1)[0])
        length = desc[16]
        if desc[11] in _DBF_TEXT_TYPES:
            length |= desc[17] << 8  # long character fields (Clipper, GDAL)
            text_fields.append((offset, length))
        offset += length
    if dbf[header_len:].isascii():
        return strings
    for i in range(n_records):
        record = dbf[header_len + i * record_len : header_len + (i + 1) * record_len]
        if record.isascii():
            continue
        strings.extend(record[o : o + n].rstrip(b" \0") for o, n in text_fields)
    return strings


# --------------------------------------------------------------------------
# CRS and datum
# --------------------------------------------------------------------------


def _to_storage_crs(
    frame: gpd.GeoDataFrame,
    *,
    crs: str | int | CRS | None,
    datum: Datum,
    label: str,
) -> tuple[gpd.GeoDataFrame, str, list[str]]:
    """Put ``frame`` in EPSG:4326; return it, the source CRS and notes."""
    notes: list[str] = []
    if crs is not None:
        given = _parse_crs(crs)
        if frame.crs is not None and not _same_crs(frame.crs, given):
            notes.append(
                f"the CRS of {label} ({_crs_label(frame.crs)}) was overridden "
                f"by crs={_crs_label(given)}"
            )
        frame = frame.set_crs(given, allow_override=True)
    elif frame.crs is None:
        if datum not in _OBFUSCATED:
            raise CRSError(_no_crs_message(frame, label))
        notes.append(
            f"{label} has no CRS; {datum.value} coordinates are longitude/"
            "latitude, read as EPSG:4326"
        )
        frame = frame.set_crs(STORAGE_EPSG)
    source_crs = _crs_label(CRS.from_user_input(frame.crs))
    frame = _reproject(frame)
    notes += _check_lonlat(frame, label, source_crs)
    return frame, source_crs, notes


def _parse_crs(crs: str | int | CRS) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except PyprojCRSError as exc:
        msg = f"unknown CRS {crs!r}: {exc}"
        raise CRSError(msg) from exc


def _same_crs(a: Any, b: CRS) -> bool:
    a = CRS.from_user_input(a)
    both = {a.to_epsg(), b.to_epsg()}
    return a == b or both <= EQUIVALENT_EPSG


def _crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg is not None else crs.to_string()


def _reproject(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    crs = CRS.from_user_input(frame.crs)
    if crs.to_epsg() in EQUIVALENT_EPSG:
        # CGCS2000 and WGS-84 are under a metre apart: relabel, do not move.
        return frame.set_crs(STORAGE_EPSG, allow_override=True)
    geodetic = crs.geodetic_crs
    if geodetic is not None and geodetic.to_epsg() == 4490:
        # A CGCS2000 projection: unproject to CGCS2000 lon/lat, then relabel.
        return frame.to_crs(4490).set_crs(STORAGE_EPSG, allow_override=True)
    return frame.to_crs(STORAGE_EPSG)


def _bounds_text(frame: gpd.GeoDataFrame) -> str:
    minx, miny, maxx, maxy = frame.total_bounds
    return f"({minx:.6g}, {miny:.6g}, {maxx:.6g}, {maxy:.6g})"


def _no_crs_message(frame: gpd.GeoDataFrame, label: str) -> str:
    minx, miny, maxx, maxy = frame.total_bounds
    lonlat = bool(
        np.all(np.isfinite([minx, miny, maxx, maxy]))
        and -180 <= minx <= maxx <= 180
        and -90 <= miny <= maxy <= 90
    )
    hint = (
        "the coordinates look like longitude/latitude, so probably EPSG:4490"
        if lonlat
        else "the coordinates look projected (metres): give that projection, "
        "e.g. EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E) or EPSG:3857"
    )
    return (
        f"{label} has no coordinate reference system (no .prj?); bounds "
        f"{_bounds_text(frame)}. Pass it explicitly: `--crs EPSG:4490` on the "
        f"command line, or crs='EPSG:4490' to read_grid_file ({hint})"
    )


def _check_lonlat(frame: gpd.GeoDataFrame, label: str, source_crs: str) -> list[str]:
    """Refuse coordinates that are not lon/lat; note ones outside China."""
    present = frame.geometry[~(frame.geometry.isna() | frame.geometry.is_empty)]
    if present.empty:
        return []
    minx, miny, maxx, maxy = present.total_bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        msg = (
            f"coordinates of {label} are not longitude/latitude after converting "
            f"from {source_crs} to EPSG:4326: bounds {_bounds_text(present)}; the "
            "declared CRS is probably wrong, pass the right one with `--crs`"
        )
        raise CRSError(msg)
    lon_min, lat_min, lon_max, lat_max = CHINA_BBOX
    if maxx < lon_min or minx > lon_max or maxy < lat_min or miny > lat_max:
        return [
            f"{label} lies outside China (bounds {_bounds_text(present)}); "
            f"check that {source_crs} is the right CRS"
        ]
    return []


def _prepare_geometries(frame: gpd.GeoDataFrame, datum: Datum) -> np.ndarray:
    """Return 2-D WGS-84 geometries as an object array (``None`` kept)."""
    geoms = shapely.force_2d(np.asarray(frame.geometry.array, dtype=object))
    if datum in _OBFUSCATED:
        return np.asarray(transform_geometry(geoms, datum, Datum.WGS84), dtype=object)
    return geoms


# --------------------------------------------------------------------------
# columns
# --------------------------------------------------------------------------


def _map_columns(
    available: Iterable[str], columns: Mapping[str, str] | None, *, label: str
) -> dict[str, str]:
    """Return our field name -> the file's column name (``available``)."""
    names = [str(c) for c in available]
    given = {
        ("parent_code" if key == "parent" else key): value
        for key, value in (columns or {}).items()
    }
    unknown = sorted(set(given) - set(FIELDS))
    missing = sorted(v for v in given.values() if v not in names)
    if unknown or missing:
        problems = []
        if unknown:
            problems.append(f"unknown fields {unknown} (expected {list(FIELDS)})")
        if missing:
            problems.append(f"columns {missing} not in the file")
        msg = f"bad columns= for {label}: {'; '.join(problems)}; file columns: {names}"
        raise GridFileError(msg)
    mapping = dict(given)
    taken = set(mapping.values())
    for field_name in FIELDS:
        if field_name not in mapping:
            found = _find_alias(names, COLUMN_ALIASES[field_name], taken)
            if found is not None:
                mapping[field_name] = found
                taken.add(found)
    if "code" not in mapping:
        msg = (
            f"cannot find the cell code column of {label} among {names}; "
            "name it with columns={'code': '<column>'} "
            f"(recognised: {list(COLUMN_ALIASES['code'])})"
        )
        raise GridFileError(msg)
    return mapping


def _find_alias(
    names: list[str], aliases: tuple[str, ...], taken: set[str]
) -> str | None:
    folded = {n.strip().lower(): n for n in names if n not in taken}
    for alias in aliases:
        if alias in folded:
            return folded[alias]
    for alias in aliases:  # shapefile field names are cut at 10 bytes
        for key, name in folded.items():
            if alias.startswith(key) and key != alias and _looks_truncated(key):
                return name
    return None


def _looks_truncated(name: str) -> bool:
    """Tell whether a column name may have been cut at 10 bytes.

    In GBK a cut name keeps 9-10 bytes; in UTF-8 a cut character is dropped,
    leaving 7-10 bytes.
    """
    return len(name) >= 10 or (
        not name.isascii()
        and (len(name.encode("gb18030")) >= 9 or len(name.encode("utf-8")) >= 7)
    )


# --------------------------------------------------------------------------
# per-feature validation
# --------------------------------------------------------------------------


_Problem = tuple[int, Any, str, str]  # feature, raw code, reason_zh, reason_en


def _raw(value: Any) -> Any:
    """Return a cell value with missing values as ``None`` and 3.0 as 3."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return None
        if float(value).is_integer():
            return int(value)
    if isinstance(value, str) and not value.strip():
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _check_code(raw: Any) -> tuple[str | None, list[tuple[str, str]]]:
    if raw is None:
        return None, [("缺少网格编码", "missing code")]
    try:
        code = normalise_code(raw)
        level_of_code(code)
    except CellCodeError as exc:
        zh = f"编码格式错误：{raw!r}（应为6、9、12或14位数字）"
        return None, [(zh, f"malformed code: {exc}")]
    return code, []


def _check_level(code: str, raw: Any, forced: Level | None) -> list[tuple[str, str]]:
    implied = level_of_code(code)
    problems: list[tuple[str, str]] = []
    declared: list[tuple[str, Level]] = []
    if raw is not None:
        try:
            declared.append((f"level column {raw!r}", parse_level(str(raw))))
        except CellCodeError:
            en = f"unknown level {raw!r} in the level column"
            problems.append((f"无法识别的级别：{raw!r}", en))
    if forced is not None:
        declared.append((f"level={forced.value!r}", forced))
    for what, lvl in declared:
        if lvl is not implied:
            problems.append(
                (
                    f"级别与编码长度不符：{raw if raw is not None else lvl.value}，"
                    f"而{len(code)}位编码 {code} 表示{implied.value}",
                    f"{what} ({lvl.value}) contradicts code {code!r}: "
                    f"{len(code)} digits means {implied.value}",
                )
            )
    return problems


def _check_parent(code: str, raw: Any) -> list[tuple[str, str]]:
    if raw is None:
        return []
    try:
        parent = normalise_code(raw)
    except CellCodeError:
        parent = None
    expected = parent_code_of(code)
    if parent is not None and parent == expected:
        return []
    if expected is None and parent is not None and _is_province_of(parent, code):
        return []  # a city's province is not a cell, but it is consistent
    return [
        (
            f"上级编码 {raw!r} 与编码 {code} 不符（应为 {expected}）",
            f"parent code {raw!r} is inconsistent with code {code!r} "
            f"(expected {expected!r})",
        )
    ]


def _is_province_of(parent: str, code: str) -> bool:
    return len(parent) == 6 and parent.endswith("0000") and parent[:2] == code[:2]


def _check_geometry(geom: BaseGeometry | None) -> list[tuple[str, str]]:
    if geom is None or geom.is_empty:
        return [("缺少几何图形或图形为空", "missing or empty geometry")]
    kind = geom.geom_type
    if kind in _POLYGONAL:
        return []
    if kind == "GeometryCollection":
        kinds = {p.geom_type for p in shapely.get_parts(geom) if not p.is_empty}
        if kinds <= _POLYGONAL:
            return []
        kind = f"GeometryCollection of {sorted(kinds)}"
    return [(f"几何类型不是面：{kind}", f"non-polygon geometry: {kind}")]


def _validate(
    frame: pd.DataFrame,
    geoms: np.ndarray,
    mapping: Mapping[str, str],
    forced_level: Level | None,
) -> tuple[list[dict[str, Any]], list[_Problem]]:
    """Check every feature; return accepted records and all problems."""

    def column(field_name: str) -> list[Any]:
        if field_name not in mapping:
            return [None] * len(frame)
        return [_raw(v) for v in frame[mapping[field_name]].tolist()]

    raw_codes, names = column("code"), column("name")
    levels, parents = column("level"), column("parent_code")
    records: list[dict[str, Any]] = []
    problems: list[_Problem] = []
    first_index: dict[str, int] = {}
    for i, raw_code in enumerate(raw_codes):
        code, found = _check_code(raw_code)
        if code is not None:
            found += _check_level(code, levels[i], forced_level)
            found += _check_parent(code, parents[i])
            first = first_index.setdefault(code, i)
            if first != i:
                found.append(
                    (
                        f"编码重复：与第{first + 1}行（要素{first}）相同",
                        f"duplicate code {code!r}: first used by feature {first} "
                        f"(row {first + 1})",
                    )
                )
        found += _check_geometry(geoms[i])
        display = None if raw_code is None else str(raw_code)
        problems.extend((i, display, zh, en) for zh, en in found)
        if not found and code is not None:
            name = names[i]
            records.append(
                {
                    "code": code,
                    "name": code if name is None else str(name).strip(),
                    "level": level_of_code(code).value,
                    "parent_code": parent_code_of(code),
                    "geometry": geoms[i],
                    "_feature": i,
                }
            )
    return records, problems


def _check_validity(
    records: list[dict[str, Any]], *, repair: bool
) -> tuple[list[dict[str, Any]], list[_Problem], list[str], int]:
    """Count invalid polygons; repair them if asked.

    Returns the records (without the private ``_feature`` key), problems
    from repairs that left no polygon, the invalid codes and the number
    repaired.
    """
    problems: list[_Problem] = []
    invalid_codes: list[str] = []
    kept: list[dict[str, Any]] = []
    repaired = 0
    geoms = np.array([r["geometry"] for r in records], dtype=object)
    valid = shapely.is_valid(geoms) if len(geoms) else np.array([], dtype=bool)
    for record, ok in zip(records, valid, strict=True):
        feature = record.pop("_feature")
        if not ok:
            invalid_codes.append(record["code"])
            if repair:
                fixed = to_multipolygon(shapely.make_valid(record["geometry"]))
                if fixed is None:
                    problems.append(
                        (
                            feature,
                            record["code"],
                            "几何图形无效且无法修复为面",
                            "invalid geometry that make_valid reduced to no polygon",
                        )
                    )
                    continue
                record["geometry"] = fixed
                repaired += 1
        kept.append(record)
    return kept, problems, invalid_codes, repaired


def _rejects_frame(problems: list[_Problem]) -> pd.DataFrame:
    rows = [
        {
            "feature": feature,
            "row": feature + 1,
            "code": code,
            "reason_zh": zh,
            "reason_en": en,
        }
        for feature, code, zh, en in sorted(problems, key=lambda p: p[0])
    ]
    frame = pd.DataFrame(rows, columns=list(REJECT_COLUMNS))
    return frame.astype({"feature": "int64", "row": "int64", "code": object})
