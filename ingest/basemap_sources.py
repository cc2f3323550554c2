"""Read and write the offline basemap's data files.

Two kinds of files:

* the **packaged basemap** of a region (``data/basemap/*.geojson``): a GeoJSON
  FeatureCollection with one ``land`` and one ``water`` MultiPolygon and one
  Point per ``place``, plus a top-level ``coverage`` box and ``attribution``.
  It is built by :func:`build_basemap_file` (``twonet grid basemap``) and read
  by :func:`read_basemap_file` at run time;
* the **sources** it is built from: the OSM land polygons of
  ``roaring-landmask`` (through :func:`grid.landmask.load_land`), a water-body
  GeoJSON such as the npm package ``@geo-maps/earth-waterbodies-5m``
  (:func:`read_polygons`), and boundary GeoJSON whose names label the places
  (:func:`read_places`).

See ``data/basemap/PROVENANCE.md`` for the sources and their licences.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from grid.basemap_layers import (
    Bounds,
    Place,
    check_bounds,
    clip_polygons,
    inland_water,
    label_point,
    polygonal,
)
from grid.errors import GridFileError

#: Coordinates in the packaged file are rounded to this grid (about 0.1 m).
FILE_GRID_DEG = 1e-6
_DATA = Path(__file__).resolve().parents[1] / "data"
#: The packaged basemap of the Qingdao demo region.
QINGDAO_BASEMAP = _DATA / "basemap" / "qingdao_basemap.geojson"
#: Box the Qingdao file covers: the city (119.51–121.02 E, 35.58–37.15 N)
#: with room for the padding of a whole-city view on a wide screen
#: (:func:`grid.basemap_layers.padded_extent`).
QINGDAO_COVERAGE: Bounds = (116.9, 34.5, 123.5, 38.3)
#: Boundary files whose names label the Qingdao places, with the rank of
#: each OSM ``admin_level`` (6 = county/district, 8 = township/street).
QINGDAO_PLACE_FILES: tuple[tuple[Path, dict[int, int]], ...] = (
    (_DATA / "qingdao" / "qingdao_city_counties_osm_admin5_6.geojson", {6: 1}),
    (_DATA / "qingdao" / "qingdao_townships_osm_admin8.geojson", {8: 2}),
)
#: Attribution of the packaged Qingdao basemap (all of it is OSM data).
QINGDAO_ATTRIBUTION = (
    'Offline basemap: land, water, place names © <a href="https://www.openstreetmap.org'
    '/copyright">OpenStreetMap</a> contributors (ODbL 1.0)'
)


@dataclass(frozen=True)
class BasemapSource:
    """The packaged basemap of a region.

    Attributes
    ----------
    coverage : tuple of float
        Box the land and water are complete for.
    land, water : shapely MultiPolygon
        Land and inland water inside ``coverage`` (EPSG:4326).
    places : tuple of Place
        Label candidates.
    attribution : str
        Attribution HTML to show wherever the data is drawn.
    """

    coverage: Bounds
    land: BaseGeometry
    water: BaseGeometry
    places: tuple[Place, ...]
    attribution: str


def _load_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        msg = f"cannot read {path}: {exc}"
        raise GridFileError(msg) from exc


def _geometries(data: Any, path: Path) -> list[Any]:
    """Return the GeoJSON geometry dicts of a collection (features or not)."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        return [f.get("geometry") for f in data.get("features", [])]
    if kind == "GeometryCollection":
        return list(data.get("geometries", []))
    if kind == "Feature":
        return [data.get("geometry")]
    if isinstance(kind, str):
        return [data]
    msg = f"{path} is not GeoJSON (no 'type' at the top level)"
    raise GridFileError(msg)


def read_polygons(path: Path, bounds: Sequence[float]) -> BaseGeometry:
    """Read the polygons of a GeoJSON file that fall inside ``bounds``.

    Parameters
    ----------
    path : Path
        A FeatureCollection, GeometryCollection or single geometry in
        EPSG:4326, e.g. ``package/map.geo.json`` of
        ``@geo-maps/earth-waterbodies-5m`` (139 MB; reading takes ~10 s).
    bounds : tuple of float
        Box to clip to.

    Returns
    -------
    shapely.MultiPolygon
    """
    box = check_bounds(bounds)
    clipped = [
        clip_polygons(shapely.from_geojson(json.dumps(g)), box)
        for g in _geometries(_load_json(path), path)
        if g
    ]
    return polygonal(clipped)


def read_places(path: Path, *, rank_by_level: dict[int, int]) -> list[Place]:
    """Read named boundary polygons as places labelled at their centre.

    Parameters
    ----------
    path : Path
        GeoJSON FeatureCollection with ``name`` and ``admin_level``
        properties and an English name in ``name:en`` or ``name_en``
        (the OSM boundary files in ``data/qingdao``).
    rank_by_level : dict
        ``admin_level`` → place rank (1 county, 2 township); features of
        other levels are skipped.
    """
    places: list[Place] = []
    for feature in _load_json(path).get("features", []):
        props = feature.get("properties") or {}
        try:
            level = int(str(props.get("admin_level")))
        except (TypeError, ValueError):
            continue
        if level not in rank_by_level or not feature.get("geometry"):
            continue
        name_zh = str(props.get("name") or "").strip()
        name_en = str(props.get("name:en") or props.get("name_en") or "").strip()
        if not (name_zh or name_en):
            continue
        geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        lon, lat = label_point(geom)
        places.append(Place(name_zh, name_en, lon, lat, rank_by_level[level]))
    places.sort(key=lambda p: (p.rank, p.name_zh, p.name_en, p.lon, p.lat))
    return places


def build_basemap_file(
    out: Path,
    *,
    coverage: Sequence[float],
    land: BaseGeometry,
    waterbodies: BaseGeometry | None,
    places: Sequence[Place],
    attribution: str,
) -> BasemapSource:
    """Write the packaged basemap of a region, deterministically.

    Land is clipped to ``coverage``; only the water bodies that lie on land
    are kept (:func:`grid.basemap_layers.inland_water`).  The same inputs
    give the same bytes (sorted keys, coordinates on a 1e-6° grid).
    """
    box = check_bounds(coverage)
    land = _snap(clip_polygons(land, box))
    water: BaseGeometry = shapely.MultiPolygon()
    if waterbodies is not None:
        water = inland_water(clip_polygons(waterbodies, box), land)
        water = _snap(water)
    inside = tuple(
        p for p in places if box[0] <= p.lon <= box[2] and box[1] <= p.lat <= box[3]
    )
    source = BasemapSource(box, land, water, inside, attribution)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_dumps(source), encoding="utf-8")
    return source


def _snap(geometry: BaseGeometry) -> BaseGeometry:
    """Make polygons valid and put their vertices on :data:`FILE_GRID_DEG`."""
    valid = shapely.make_valid(geometry)
    return polygonal([shapely.set_precision(valid, FILE_GRID_DEG)])


def _feature(geometry: BaseGeometry, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": json.loads(shapely.to_geojson(geometry)),
    }


def _dumps(source: BasemapSource) -> str:
    features = [
        _feature(source.land, kind="land"),
        _feature(source.water, kind="water"),
    ] + [
        _feature(
            shapely.Point(p.lon, p.lat),
            kind="place",
            name_zh=p.name_zh,
            name_en=p.name_en,
            rank=p.rank,
        )
        for p in source.places
    ]
    data = {
        "type": "FeatureCollection",
        "coverage": list(source.coverage),
        "attribution": source.attribution,
        "features": features,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def read_basemap_file(path: Path) -> BasemapSource:
    """Read a packaged basemap written by :func:`build_basemap_file`.

    Raises
    ------
    GridFileError
        If the file is missing, not JSON, or lacks ``coverage``.
    """
    data = _load_json(path)
    if not isinstance(data, dict) or "coverage" not in data:
        msg = f"{path} is not a packaged basemap (no 'coverage')"
        raise GridFileError(msg)
    land: list[BaseGeometry] = []
    water: list[BaseGeometry] = []
    places: list[Place] = []
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        kind = props.get("kind")
        if kind == "land":
            land.append(geom)
        elif kind == "water":
            water.append(geom)
        elif kind == "place":
            lon, lat = (float(v) for v in shapely.get_coordinates(geom)[0])
            places.append(
                Place(
                    str(props.get("name_zh") or ""),
                    str(props.get("name_en") or ""),
                    lon,
                    lat,
                    int(props.get("rank") or 2),
                )
            )
    return BasemapSource(
        coverage=check_bounds(data["coverage"]),
        land=polygonal(land),
        water=polygonal(water),
        places=tuple(places),
        attribution=str(data.get("attribution") or ""),
    )
