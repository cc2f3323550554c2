"""Find the dataset in a grid file and read it with the right text encoding.

:func:`locate_source` decides what GDAL should open for a path: a GeoJSON or
GeoPackage as it is, a ``.shp``, a folder holding shapefiles or a ``.zip``
(member names written by Chinese Windows are decoded as GBK).
:func:`read_with_encoding` reads it, honouring a shapefile's ``.cpg`` and
otherwise detecting GBK/UTF-8 (:func:`ingest.dbf_encoding.detect_dbf_encoding`).
"""

from __future__ import annotations

import codecs
import hashlib
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pyogrio.errors

from grid.errors import GridFileError
from ingest.dbf_encoding import detect_dbf_encoding

_SHAPEFILE_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_OTHER_VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json")


@dataclass(frozen=True)
class Source:
    """Where GDAL reads from and what is known about the file beforehand."""

    dataset: str
    label: str
    sha256: str
    gdal_layer: str | None = None
    member: str | None = None
    is_shapefile: bool = False
    dbf: bytes | None = None
    cpg: str | None = None


def locate_source(path: Path, layer: str | None) -> Source:
    """Decide what GDAL should open for ``path``."""
    if not path.exists():
        msg = f"网格文件 {str(path)!r} 不存在 / grid file {str(path)!r} does not exist"
        raise GridFileError(msg)
    if path.is_dir():
        return _locate_in_folder(path, layer)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _locate_in_zip(path, layer)
    if suffix == ".shp":
        return _shapefile_source(path)
    return Source(
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
            msg = (
                f"图层 {layer!r} 在 {where} 中没有或有多个对应数据集 {candidates} / "
                f"layer {layer!r} names none or several of {candidates} in {where}"
            )
            raise GridFileError(msg)
    if len(candidates) == 1:
        return candidates[0]
    msg = (
        f"{where} 中有 {len(candidates)} 个数据集 {candidates}，"
        "请用 --layer 选择其一 / "
        f"{where} holds {len(candidates)} datasets {candidates}; "
        "choose one with layer=<name> (CLI: --layer)"
    )
    raise GridFileError(msg)


def _locate_in_folder(folder: Path, layer: str | None) -> Source:
    shapefiles = sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.suffix.lower() == ".shp" and not _hidden(p.relative_to(folder).parts)
    )
    if not shapefiles:
        msg = (
            f"文件夹 {str(folder)!r} 中没有 .shp 文件 / "
            f"folder {str(folder)!r} holds no .shp file"
        )
        raise GridFileError(msg)
    return _shapefile_source(folder / _choose(shapefiles, layer, f"folder {folder}"))


def _hidden(parts: Iterable[str]) -> bool:
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _shapefile_source(shp: Path) -> Source:
    siblings = {p.name.lower(): p for p in shp.parent.iterdir()}
    parts = [
        siblings[name]
        for name in (shp.stem.lower() + s for s in _SHAPEFILE_SIDECARS)
        if name in siblings
    ]
    dbf = siblings.get(shp.stem.lower() + ".dbf")
    cpg = siblings.get(shp.stem.lower() + ".cpg")
    _check_sidecars(
        shp.name,
        shp.stem,
        {s for s in _SHAPEFILE_SIDECARS if shp.stem.lower() + s in siblings},
    )
    return Source(
        dataset=str(shp),
        label=shp.name,
        sha256=_sha256_files(parts, with_suffix=True),
        member=shp.stem,
        is_shapefile=True,
        dbf=dbf.read_bytes() if dbf else None,
        cpg=_cpg_text(cpg.read_bytes()) if cpg else None,
    )


def _check_sidecars(label: str, stem: str, suffixes: set[str]) -> None:
    """Refuse a shapefile whose ``.dbf`` or ``.shx`` is missing, naming it.

    GDAL reads a ``.shp`` without ``.dbf`` as features without attributes
    (no code column), and refuses one without ``.shx`` with a hint at a
    configuration option; neither says what the user must fix.
    """
    for suffix, zh, en in (
        (".dbf", "属性表（编码、名称都在其中）", "attribute table (codes, names)"),
        (".shx", "索引文件", "index"),
    ):
        if suffix not in suffixes:
            msg = (
                f"shapefile {label} 缺少{zh} {stem}{suffix}：请把它与 .shp 放在同一"
                f"位置 / the shapefile {label} is missing its {en} {stem}{suffix}: "
                "put it next to the .shp"
            )
            raise GridFileError(msg)


def _locate_in_zip(archive: Path, layer: str | None) -> Source:
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
                msg = (
                    f"压缩包 {str(archive)!r} 中没有 .shp、.gpkg 或 .geojson："
                    f"{names} / "
                    f"zip {str(archive)!r} holds no .shp, .gpkg or .geojson: {names}"
                )
                raise GridFileError(msg)
            is_shapefile = bool(shapefiles)
            shown = {_zip_display_name(zf.getinfo(n)): n for n in candidates}
            display = _choose(
                list(shown), layer if is_shapefile else None, archive.name
            )
            member = shown[display]
            stem = member[: -len(PurePosixPath(member).suffix)].lower()
            if is_shapefile:
                _check_sidecars(
                    f"{archive.name}!{display}",
                    PurePosixPath(display).stem,
                    {s for s in _SHAPEFILE_SIDECARS if stem + s in by_lower},
                )
            dbf_name = by_lower.get(stem + ".dbf")
            cpg_name = by_lower.get(stem + ".cpg")
            dbf = zf.read(dbf_name) if is_shapefile and dbf_name else None
            cpg = _cpg_text(zf.read(cpg_name)) if is_shapefile and cpg_name else None
    except zipfile.BadZipFile as exc:
        msg = (
            f"{str(archive)!r} 不是可读的 zip 文件 / "
            f"{str(archive)!r} is not a readable zip file: {exc}"
        )
        raise GridFileError(msg) from exc
    return Source(
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


def read_with_encoding(
    src: Source, layer: str | None, encoding: str | None
) -> tuple[gpd.GeoDataFrame, str | None, list[str]]:
    """Read the dataset; return the frame, the encoding used and notes."""
    notes: list[str] = []
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            msg = (
                f"无法识别的编码 {encoding!r}，不能读取 {src.label!r}"
                "（可用如 GBK、UTF-8） / "
                f"unknown encoding {encoding!r} for {src.label!r} (try GBK or "
                "UTF-8)"
            )
            raise GridFileError(msg) from exc
    if not src.is_shapefile:
        try:
            return _read(src, layer, encoding), encoding, notes
        except UnicodeDecodeError as exc:
            msg = (
                f"无法按编码 {encoding!r} 读取 {src.label!r} / "
                f"cannot read {src.label!r} with encoding {encoding!r}: {exc}"
            )
            raise GridFileError(msg) from exc
    if encoding is None and src.cpg is not None:
        try:
            return _read(src, layer, None), src.cpg, notes
        except UnicodeDecodeError:
            encoding = _detect(src)
            if not _same_codec(encoding, src.cpg):
                notes.append(
                    f"{src.label} 的 .cpg 写的是 {src.cpg!r}，但属性不是该编码，已按 "
                    f"{encoding} 读取 / the .cpg of {src.label} says {src.cpg!r} but "
                    f"the attributes are not in that encoding; read as {encoding} "
                    "instead"
                )
    if encoding is None:
        encoding = _detect(src)
        if encoding in (None, "ASCII"):
            return _read(src, layer, None), encoding, notes
        notes.append(
            f"{src.label} 没有 .cpg，属性按 {encoding} 读取 / "
            f"{src.label} has no .cpg; attributes read as {encoding}"
        )
    try:
        return _read(src, layer, encoding), encoding, notes
    except UnicodeDecodeError:
        notes.append(
            f"{src.label} 的部分字段名或值不是有效的 {encoding}"
            "（字段名被截断为10字节？），"
            f"已丢弃损坏的字符 / some field names or values of {src.label} are not "
            f"valid {encoding} (names cut at 10 bytes?); the broken characters were "
            "dropped"
        )
        return _read_recoded(src, layer, encoding), encoding, notes


def _detect(src: Source) -> str | None:
    return detect_dbf_encoding(src.dbf) if src.dbf is not None else None


def _same_codec(a: str | None, b: str) -> bool:
    try:
        return a is not None and codecs.lookup(a).name == codecs.lookup(b).name
    except LookupError:
        return False


def _read_recoded(src: Source, layer: str | None, encoding: str) -> gpd.GeoDataFrame:
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


def choose_gdal_layer(src: Source) -> str | None:
    """Return the layer to read from a multi-layer dataset (GeoPackage)."""
    if src.is_shapefile:
        return None
    try:
        listing = pyogrio.list_layers(src.dataset)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = (
            f"无法打开 {src.label!r}（不是可识别的矢量数据） / "
            f"cannot open {src.label!r}: {_one_line(exc)}"
        )
        raise GridFileError(msg) from exc
    layers = [(str(name), gtype) for name, gtype in listing]
    described = [f"{name} ({gtype or 'no geometry'})" for name, gtype in layers]
    if src.gdal_layer is not None:
        if src.gdal_layer not in {name for name, _ in layers}:
            msg = (
                f"{src.label} 中没有图层 {src.gdal_layer!r}；现有图层：{described} / "
                f"{src.label} has no layer {src.gdal_layer!r}; layers: {described}"
            )
            raise GridFileError(msg)
        return src.gdal_layer
    spatial = [name for name, gtype in layers if gtype]
    if len(spatial) == 1:
        return spatial[0]
    if len(layers) == 1:
        return layers[0][0]
    msg = (
        f"{src.label} 有 {len(spatial)} 个几何图层，请用 --layer 选择其一："
        f"{described} / "
        f"{src.label} has {len(spatial)} geometry layers; choose one with "
        f"layer=<name> (CLI: --layer): {described}"
    )
    raise GridFileError(msg)


def _read(src: Source, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    kwargs: dict[str, Any] = {}
    if layer is not None:
        kwargs["layer"] = layer
    if encoding is not None:
        kwargs["encoding"] = encoding
    try:
        frame = gpd.read_file(src.dataset, engine="pyogrio", **kwargs)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        msg = f"无法读取 {src.label!r} / cannot read {src.label!r}: {_one_line(exc)}"
        raise GridFileError(msg) from exc
    except LookupError as exc:  # unknown codec name
        msg = (
            f"无法识别的编码 {encoding!r}，不能读取 {src.label!r} / "
            f"cannot read {src.label!r} with encoding {encoding!r}: {exc}"
        )
        raise GridFileError(msg) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        msg = (
            f"{src.label!r} 没有几何列（是属性表吗？） / "
            f"{src.label!r} has no geometry column (an attribute table?)"
        )
        raise GridFileError(msg)
    return frame


def check_has_features(frame: gpd.GeoDataFrame, label: str) -> None:
    """Refuse a dataset with no features, or with none that has a geometry.

    Raises
    ------
    GridFileError
        Naming the cause, rather than the missing code column that an empty
        FeatureCollection would otherwise be refused for.
    """
    if len(frame) == 0:
        msg = (
            f"{label} 没有要素（空的要素集合或图层） / "
            f"{label} holds no features (an empty FeatureCollection or layer)"
        )
        raise GridFileError(msg)
    geometry = frame.geometry
    if bool((geometry.isna() | geometry.is_empty).all()):
        msg = (
            f"{label} 的 {len(frame)} 个要素都没有几何图形（是属性表吗？） / "
            f"none of its {len(frame)} features in {label} has a geometry "
            "(an attribute table?)"
        )
        raise GridFileError(msg)


def _one_line(exc: BaseException) -> str:
    """Return an exception's text on one line (GDAL's may span several)."""
    return " ".join(str(exc).split())
