"""Employers on the map: counts per cell when there are many, points when few.

Free of Streamlit and of the database: functions take the frames returned by
:mod:`twonet.db.employer_queries` and return folium elements.

A city has tens of thousands of employers; folium with that many markers
takes half a minute to draw and streamlit-folium slows down past a few
thousand objects.  So the browser never gets more than :data:`POINT_LIMIT`
points (:func:`overlay_mode` decides); above that it gets one circle per cell
sized by its count, labelled with the number.  Both layers are single
:class:`~branca.element.MacroElement` objects carrying their data as one
compact JSON array and drawing it with a few lines of Leaflet, about 40 bytes
per cell and 200 per point, instead of a folium object (and its JavaScript
variable) per marker.

The count circles and labels are not interactive: clicks and hovers pass
through to the cell below, so the grid map's drill-down still works with
the overlay on.  Labels are drawn only while at most :data:`LABEL_LIMIT`
cells are in view (zooming in brings them back).

Points are in WGS-84 in the database and moved into the basemap's datum
here (:func:`maps.basemaps.to_basemap_datum`; Gaode is GCJ-02).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Figure, MacroElement
from jinja2 import Template

from maps import layers
from maps.basemaps import Basemap, Datum, to_basemap_datum
from maps.employer_standing import GRADE_C_COLOUR, WARNING_COLOURS, PointMark
from maps.i18n import flag_label, level_label, method_label, t
from maps.legend import Section, add_legend
from maps.styles import EMPLOYER_CSS
from maps.text import html_text

OverlayMode = Literal["points", "counts"]

#: Most employer points ever sent to the browser in one map.
POINT_LIMIT = 500
#: Most count labels drawn at once (more cells in view: circles only).
LABEL_LIMIT = 150
#: Fill colour of the points per placement method.
METHOD_COLOURS: dict[str, str] = {
    "coordinates": "#1565c0",
    "address": "#ef6c00",
    "address_partial": "#ffb74d",
    "manual": "#2e7d32",
    "none": "#757575",
}
#: Outline of a point whose employer waits in the review queue.
QUEUED_COLOUR = "#c62828"
#: Fill of the count circles.
COUNT_COLOUR = "#ad1457"
#: Colours of review candidates by rank (the rest use the last).
CANDIDATE_COLOURS: tuple[str, ...] = ("#d81b60", "#1e88e5", "#43a047", "#8e24aa")
_DECIMALS = 6


# ------------------------------------------------------------------- choice
def overlay_mode(total: int, *, limit: int = POINT_LIMIT) -> OverlayMode:
    """Return ``"points"`` when ``total`` employers may be drawn one by one.

    Examples
    --------
    >>> overlay_mode(12), overlay_mode(500), overlay_mode(501)
    ('points', 'points', 'counts')
    """
    return "points" if total <= limit else "counts"


def format_count(n: int, lang: str = "zh") -> str:
    """Return a count as a short label: ``12 345`` is ``1.2万`` or ``12.3k``.

    Examples
    --------
    >>> format_count(987), format_count(12_345), format_count(12_345, "en")
    ('987', '1.2万', '12.3k')
    """
    if n < 10_000:
        return str(n)
    if lang == "en":
        return f"{n / 1000:.1f}k"
    return f"{n / 10_000:.1f}万"


# ------------------------------------------------------------------ anchors
def anchor_points(cells: gpd.GeoDataFrame, *, datum: Datum = "wgs84") -> pd.DataFrame:
    """Return a point well inside each placed cell, where its count is drawn.

    The centre of the largest inscribed circle (pole of inaccessibility),
    so the label sits inside even a crescent-shaped cell.

    Parameters
    ----------
    cells : GeoDataFrame
        A cell frame in EPSG:4326; cells without geometry are skipped.
    datum : {"wgs84", "gcj02"}
        Datum of the basemap.

    Returns
    -------
    DataFrame
        ``code``, ``lon``, ``lat`` (in ``datum``).
    """
    placed = cells[cells.geometry.notna() & ~cells.geometry.is_empty]
    if placed.empty:
        return pd.DataFrame({"code": [], "lon": [], "lat": []})
    geoms = placed.geometry.to_numpy()
    tolerance = np.sqrt(shapely.area(geoms)) / 50 + 1e-7
    try:
        circles = shapely.maximum_inscribed_circle(geoms, tolerance)
        points = shapely.get_point(circles, 0)
    except shapely.errors.GEOSException:
        points = shapely.point_on_surface(geoms)
    points = to_basemap_datum(points, datum)
    xy = shapely.get_coordinates(points)
    return pd.DataFrame(
        {
            "code": placed["code"].astype(str).to_numpy(),
            "lon": xy[:, 0],
            "lat": xy[:, 1],
        }
    )


# ------------------------------------------------------------- map layers
def _payload(data: Mapping[str, Any]) -> str:
    """Return JSON safe to inline in a ``<script>`` (no ``</script>`` inside)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


class _DataLayer(MacroElement):
    """A layer drawn by a template from one JSON payload."""

    def __init__(self, name: str, payload: Mapping[str, Any]) -> None:
        super().__init__()
        self._name = name
        self.payload = _payload(payload)
        self.count = len(payload.get("rows", ()))
        self.css = EMPLOYER_CSS


class CountLayer(_DataLayer):
    """Circles sized by employer count at cell anchors, with number labels."""

    _template = Template(
        """
{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function (map) {
  var d = {{ this.payload }};
  var circles = L.layerGroup(), labels = L.layerGroup();
  var top = d.top;
  d.rows.forEach(function (r) {
    L.circleMarker([r[0], r[1]], {
      radius: d.rmin + (d.rmax - d.rmin) * Math.sqrt(r[2] / top),
      interactive: false, color: "#ffffff", weight: d.weight, opacity: 0.9,
      fillColor: d.colour, fillOpacity: 0.72
    }).addTo(circles);
  });
  function refresh() {
    var b = map.getBounds().pad(0.05);
    var shown = d.rows.filter(function (r) { return b.contains([r[0], r[1]]); });
    labels.clearLayers();
    if (shown.length > d.maxLabels) { return; }
    shown.forEach(function (r) {
      L.marker([r[0], r[1]], {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "tn-count", iconSize: [0, 0],
                         html: "<span>" + r[3] + "</span>"})
      }).addTo(labels);
    });
  }
  circles.addTo(map);
  labels.addTo(map);
  map.on("moveend", refresh);
  refresh();
  return circles;
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )


class PointLayer(_DataLayer):
    """Employer points coloured by placement method, with a popup each.

    Employers with a mark (:mod:`maps.employer_standing`) get a ring in the
    warning's colour and, graded C, a dashed ring further out; the rings do
    not take clicks.
    """

    _template = Template(
        """
{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function (map) {
  var d = {{ this.payload }};
  var group = L.featureGroup();
  var marks = d.marks || {};
  d.rows.forEach(function (r, n) {
    var m = marks[n];
    if (m && m[1]) {
      L.circleMarker([r[0], r[1]], {
        radius: d.radius + 7, interactive: false, fill: false,
        color: d.gradeC, weight: 2, opacity: 1, dashArray: "3 3"
      }).addTo(group);
    }
    if (m && m[0] >= 0) {
      L.circleMarker([r[0], r[1]], {
        radius: d.radius + 3.5, interactive: false, fill: false,
        color: d.rings[m[0]], weight: 3, opacity: 1
      }).addTo(group);
    }
    var marker = L.circleMarker([r[0], r[1]], {
      radius: d.radius, weight: r[3] ? 2.5 : 1.2,
      color: r[3] ? d.queued : "#ffffff", opacity: 1,
      fillColor: d.colours[r[2]], fillOpacity: 0.9
    });
    var html = '<div class="tn-emp"><div class="tn-emp-name">' + r[4] +
      "</div><table>";
    for (var i = 5; i < r.length; i++) {
      if (r[i] !== "") {
        html += "<tr><th>" + d.fields[i - 5] + "</th><td>" + r[i] + "</td></tr>";
      }
    }
    if (m) {
      html += "<tr><th>" + d.markField + "</th><td>" + m[2] + "</td></tr>";
    }
    marker.bindPopup(html + "</table></div>", {maxWidth: 360});
    marker.bindTooltip(r[4], {direction: "top", offset: [0, -4]});
    group.addLayer(marker);
  });
  return group.addTo(map);
})({{ this._parent.get_name() }});
{% endmacro %}
"""
    )


def _circle_sizes(n: int) -> tuple[float, float, float]:
    """Return smallest and largest radius, and outline width (px), for ``n``."""
    if n <= 40:
        return 9.0, 26.0, 1.2
    if n <= 400:
        return 5.0, 15.0, 1.0
    return 1.5, 6.5, 0.5


def count_layer(
    counts: pd.DataFrame,
    anchors: pd.DataFrame,
    *,
    lang: str = "zh",
    exclude: Sequence[str] = (),
    max_labels: int = LABEL_LIMIT,
) -> CountLayer:
    """Build the count layer: one circle per cell, area proportional to count.

    Parameters
    ----------
    counts : DataFrame
        ``code`` and ``employers`` (:func:`twonet.db.employer_queries.cell_counts`).
    anchors : DataFrame
        ``code``, ``lon``, ``lat`` in the basemap datum (:func:`anchor_points`);
        cells without an anchor (no geometry) are not drawn.
    lang : {"zh", "en"}
        Language of the number labels (``万`` or ``k``).
    exclude : sequence of str
        Codes not to draw (a selected cell whose points are shown instead).
    max_labels : int, default LABEL_LIMIT
        Labels are drawn only while at most this many cells are in view.
    """
    merged = counts.merge(anchors, on="code", how="inner")
    merged = merged[(merged["employers"] > 0) & ~merged["code"].isin(list(exclude))]
    merged = merged.sort_values("employers", ascending=False)  # small ones on top
    rows = [
        [
            round(float(r["lat"]), _DECIMALS),
            round(float(r["lon"]), _DECIMALS),
            int(r["employers"]),
            format_count(int(r["employers"]), lang),
        ]
        for r in merged.to_dict("records")
    ]
    rmin, rmax, weight = _circle_sizes(len(rows))
    payload = {
        "rows": rows,
        "top": int(merged["employers"].max()) if rows else 1,
        "rmin": rmin,
        "rmax": rmax,
        "weight": weight,
        "colour": COUNT_COLOUR,
        "maxLabels": int(max_labels),
    }
    return CountLayer("employer_counts", payload)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _first(*values: object) -> object:
    """Return the first value that is neither missing nor empty."""
    return next((v for v in values if not _missing(v) and v != ""), None)


def flags_text(flags: object, *, queued: bool = False, lang: str = "zh") -> str:
    """Return an employer's flags as short labels (``跨区注册、历史地名``).

    Examples
    --------
    >>> flags_text("historical_name,registered_elsewhere", queued=True)
    '待复核、历史地名、跨区注册'
    >>> flags_text("", lang="en")
    ''
    """
    keys = [f for f in str(flags or "").split(",") if f]
    labels = ([flag_label("queued", lang)] if queued else []) + [
        flag_label(f, lang) for f in keys
    ]
    return ("、" if lang != "en" else ", ").join(labels)


def point_layer(
    points: pd.DataFrame,
    *,
    datum: Datum = "wgs84",
    lang: str = "zh",
    limit: int = POINT_LIMIT,
    radius: float = 6.0,
    marks: Mapping[str, PointMark] | None = None,
) -> PointLayer:
    """Build the point layer of at most ``limit`` employers.

    Parameters
    ----------
    points : DataFrame
        :data:`twonet.db.employer_queries.POINT_COLUMNS` (``lon``/``lat`` in
        WGS-84); rows without a point are skipped, rows past ``limit``
        dropped.
    datum : {"wgs84", "gcj02"}
        Datum of the basemap; the points are moved into it.
    lang : {"zh", "en"}
        Language of the popup.
    limit : int, default POINT_LIMIT
    radius : float
        Circle radius in pixels.
    marks : mapping of str to PointMark, optional
        USCC → wage-arrears warning and grade C of the employers to mark
        (:func:`maps.employer_standing.point_marks`); their popups get a line
        saying why.

    Notes
    -----
    The popup shows name, USCC, address (operating, else registered), cell,
    placement method, confidence and flags; every value is HTML-escaped.
    """
    placed = points[points["lon"].notna() & points["lat"].notna()].head(limit)
    if len(placed):
        moved = to_basemap_datum(
            shapely.points(
                placed["lon"].to_numpy(float), placed["lat"].to_numpy(float)
            ),
            datum,
        )
        xy = np.round(shapely.get_coordinates(moved), _DECIMALS)
    else:
        xy = np.empty((0, 2))
    methods = list(METHOD_COLOURS)
    rows = []
    records = placed.to_dict("records")
    for (lon, lat), r in zip(xy.tolist(), records, strict=True):
        method = str(r["method"]) if r["method"] in METHOD_COLOURS else "none"
        address = _first(r.get("operating_address"), r.get("registered_address"))
        cell = _first(
            r.get("village_code"), r.get("township_code"), r.get("county_code")
        )
        queued = bool(r.get("queued", False))
        confidence = r.get("confidence")
        rows.append(
            [
                lat,
                lon,
                methods.index(method),
                int(queued),
                html_text(r["name"]),
                html_text(r["uscc"]),
                html_text(address),
                html_text(cell),
                html_text(method_label(method, lang)),
                ""
                if confidence is None or _missing(confidence)
                else f"{confidence:.2f}",
                html_text(flags_text(r.get("flags"), queued=queued, lang=lang)),
            ]
        )
    payload = {
        "rows": rows,
        **_mark_payload(placed["uscc"], marks or {}, lang),
        "radius": radius,
        "queued": QUEUED_COLOUR,
        "colours": [METHOD_COLOURS[m] for m in methods],
        "fields": [
            t(key, lang)
            for key in (
                "emp_field_uscc",
                "emp_field_address",
                "emp_field_cell",
                "emp_field_method",
                "emp_field_confidence",
                "emp_field_flags",
            )
        ],
    }
    return PointLayer("employer_points", payload)


def _mark_payload(
    usccs: pd.Series, marks: Mapping[str, PointMark], lang: str
) -> dict[str, Any]:
    """Return the marks of the points by row number (nothing when none)."""
    levels = list(WARNING_COLOURS)
    found = {
        str(n): [
            levels.index(mark.warning) if mark.warning in WARNING_COLOURS else -1,
            int(mark.grade_c),
            html_text(mark.note),
        ]
        for n, mark in enumerate(marks.get(str(u)) for u in usccs)
        if mark is not None
    }
    if not found:
        return {}
    return {
        "marks": found,
        "rings": [WARNING_COLOURS[level] for level in levels],
        "gradeC": GRADE_C_COLOUR,
        "markField": t("emp_field_standing", lang),
    }


def layer_size(layer: _DataLayer) -> int:
    """Return the size in bytes of a layer's data as sent to the browser."""
    return len(layer.payload.encode("utf-8"))


def method_legend(lang: str = "zh") -> list[tuple[str, str]]:
    """Return (colour, label) of the point colours, and the queued outline."""
    items = [(c, method_label(m, lang)) for m, c in METHOD_COLOURS.items()]
    return [*items, (QUEUED_COLOUR, t("emp_legend_queued", lang))]


# ------------------------------------------------------------ small maps
def outline_layer(
    cells: gpd.GeoDataFrame, *, datum: Datum = "wgs84", lang: str = "zh"
) -> folium.GeoJson | None:
    """Return faint outlines of cells (context for a result map), or ``None``."""
    ready = layers.prepare_geometries(cells, datum=datum)
    if ready.empty:
        return None
    collection = layers.feature_collection(ready, lang=lang)
    return folium.GeoJson(
        collection,
        name="outlines",
        style_function=lambda f: {
            "fillColor": "#90a4ae",
            "fillOpacity": 0.08,
            "color": "#546e7a",
            "weight": 1.0,
            "opacity": 0.8,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "code", "level_label"],
            aliases=[
                t("field_name", lang),
                t("field_code", lang),
                t("field_level", lang),
            ],
            class_name="tn-tip",
        ),
        control=False,
    )


def candidate_layer(
    candidates: pd.DataFrame,
    cells: gpd.GeoDataFrame,
    *,
    datum: Datum = "wgs84",
    lang: str = "zh",
) -> folium.FeatureGroup:
    """Draw the candidate cells of a review item, numbered by rank.

    Parameters
    ----------
    candidates : DataFrame
        ``rank``, ``code``, ``score`` and ``why``
        (:func:`twonet.db.review_queries.review_candidates`).
    cells : GeoDataFrame
        The candidate cells (cells without geometry are not drawn).
    """
    group = folium.FeatureGroup(name="candidates", control=False)
    ready = layers.prepare_geometries(cells, datum=datum)
    if ready.empty:
        return group
    anchors = anchor_points(cells, datum=datum).set_index("code")
    by_code = ready.set_index("code")
    for row in candidates.sort_values("rank", ascending=False).to_dict("records"):
        code, rank = str(row["code"]), int(row["rank"])
        if code not in by_code.index:
            continue
        cell = by_code.loc[code]
        colour = CANDIDATE_COLOURS[min(rank, len(CANDIDATE_COLOURS)) - 1]
        tip = (
            f"{rank}. {html_text(cell['name'])} ({html_text(code)}) · "
            f"{level_label(str(cell['level']), lang)} · {t('field_score', lang)} "
            f"{float(row['score']):.2f}"
        )
        folium.GeoJson(
            shapely.geometry.mapping(cell.geometry),
            style_function=lambda f, c=colour: {
                "fillColor": c,
                "fillOpacity": 0.18,
                "color": c,
                "weight": 2.5,
            },
            tooltip=tip,
        ).add_to(group)
        if code in anchors.index:
            lon, lat = anchors.loc[code, ["lon", "lat"]].to_numpy(float)
            folium.Marker(
                [float(lat), float(lon)],
                icon=folium.DivIcon(
                    html=f'<span style="background:{colour}">{rank}</span>',
                    class_name="tn-rank",
                    icon_size=(0, 0),
                ),
                tooltip=tip,
            ).add_to(group)
    return group


def employer_map(
    basemap: Basemap,
    *,
    overlays: Sequence[Any] = (),
    bounds: Sequence[Sequence[float]] | None = None,
    legend: Sequence[Section] = (),
) -> folium.Map:
    """Build a small map: the basemap, the bundled Leaflet, ``overlays``.

    Parameters
    ----------
    basemap : Basemap
        Overlays must already be in its datum.
    overlays : sequence of folium elements
        Added in order (outlines first, then candidates or employers).
    bounds : [[south, west], [north, east]], optional
        Fitted to; default the whole of Qingdao.
    legend : sequence of legend sections
        Shown as a legend control on the map (:func:`maps.legend.add_legend`).
    """
    fmap = layers.base_map(basemap)
    root = cast(Figure, fmap.get_root())
    root.header.add_child(folium.Element(EMPLOYER_CSS), name="tn_employer_css")
    # the cells are OSM-derived: credit them on every basemap
    folium.FeatureGroup(
        name="credits", control=False, attribution=basemap.cells_attribution
    ).add_to(fmap)
    for overlay in overlays:
        if overlay is not None:
            overlay.add_to(fmap)
    add_legend(fmap, *legend)
    if bounds is not None:
        fmap.fit_bounds(bounds, padding=(20, 20), max_zoom=16)
    return fmap


def points_bounds(
    points: pd.DataFrame, *, datum: Datum = "wgs84"
) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of the points, or ``None``."""
    placed = points[points["lon"].notna() & points["lat"].notna()]
    if placed.empty:
        return None
    moved = to_basemap_datum(
        shapely.points(placed["lon"].to_numpy(float), placed["lat"].to_numpy(float)),
        datum,
    )
    minx, miny, maxx, maxy = shapely.total_bounds(moved)
    pad = 0.002  # a lone point still gets a street-level view
    return [
        [float(miny) - pad, float(minx) - pad],
        [float(maxy) + pad, float(maxx) + pad],
    ]


def cells_bounds(
    cells: gpd.GeoDataFrame, *, datum: Datum = "wgs84"
) -> list[list[float]] | None:
    """Return ``[[south, west], [north, east]]`` of placed cells, or ``None``."""
    placed = cells[cells.geometry.notna() & ~cells.geometry.is_empty]
    if placed.empty:
        return None
    minx, miny, maxx, maxy = placed.total_bounds
    corners = to_basemap_datum(shapely.points([minx, maxx], [miny, maxy]), datum)
    (west, south), (east, north) = shapely.get_coordinates(corners).tolist()
    return [[south, west], [north, east]]
