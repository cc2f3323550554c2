"""Legends, scale bar and attribution of every map, as Leaflet controls.

Free of Streamlit and of the database.  Every map of the app starts from
:func:`maps.layers.base_map`, which adds :class:`MapChrome`: a scale bar in
metres and kilometres only (folium's ``control_scale`` adds miles and feet
too) and an attribution control without Leaflet's "Leaflet" link and flag
(the data attributions stay).  A map's legend is a :class:`MapLegend`, one
``L.control`` in the lower right corner that moves and prints with the map
(not an HTML box pinned to the page), made of sections:

- :class:`Swatches` — colour classes of cells (square) or points (round);
- :class:`Sizes` — circles sized like the count circles, with their counts.

Every label is escaped here (:func:`maps.text.html_text`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import folium
from branca.element import MacroElement
from jinja2 import Template

from maps.text import html_text

#: Stylesheet of the legend control (added once per map).
LEGEND_CSS = """
<style>
.tn-legend { background: rgba(255,255,255,.92); padding: 6px 10px;
  border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.3);
  font: 12px/1.5 system-ui, sans-serif; color: #263238; max-width: 260px;
  max-height: 60vh; overflow-y: auto; }
.tn-legend-title { font-weight: 600; margin-top: 4px; }
.tn-legend-title:first-child { margin-top: 0; }
.tn-legend-row { display: flex; align-items: center; gap: 6px; }
.tn-sw { flex: none; width: 12px; height: 12px; border: 1px solid #37474f; }
.tn-sw-round { border-radius: 50%; border: 1px solid #fff;
  box-shadow: 0 0 0 1px #90a4ae; }
.tn-size-box { flex: none; display: flex; justify-content: center;
  align-items: center; }
.tn-size { border-radius: 50%; border: 1px solid #fff;
  box-shadow: 0 0 0 1px rgba(0,0,0,.25); }
</style>
"""


@dataclass(frozen=True)
class Swatches:
    """A legend section of colour classes.

    Attributes
    ----------
    title : str
        Heading of the section (empty: none).
    items : tuple of (colour, label)
        Classes in order.
    shape : {"square", "round"}
        Square swatches for cell fills, round ones for points.
    """

    title: str
    items: tuple[tuple[str, str], ...]
    shape: Literal["square", "round"] = "square"


@dataclass(frozen=True)
class Sizes:
    """A legend section of proportional circles.

    Attributes
    ----------
    title : str
        Heading (e.g. 用人单位数).
    entries : tuple of (radius, label)
        Circle radius in pixels and the count it stands for, largest first.
    colour : str
        Fill of the circles.
    """

    title: str
    entries: tuple[tuple[float, str], ...]
    colour: str


Section = Swatches | Sizes


def _swatches_html(section: Swatches) -> str:
    shape = "tn-sw tn-sw-round" if section.shape == "round" else "tn-sw"
    return "".join(
        f'<div class="tn-legend-row"><span class="{shape}" '
        f'style="background:{html_text(colour)}"></span>{html_text(label)}</div>'
        for colour, label in section.items
    )


def _sizes_html(section: Sizes) -> str:
    width = 2 * max((r for r, _ in section.entries), default=0) + 2
    rows = []
    for radius, label in section.entries:
        d = round(2 * radius, 1)
        rows.append(
            f'<div class="tn-legend-row"><span class="tn-size-box" '
            f'style="width:{width:g}px"><span class="tn-size" style="width:{d:g}px;'
            f'height:{d:g}px;background:{html_text(section.colour)}"></span></span>'
            f"{html_text(label)}</div>"
        )
    return "".join(rows)


def legend_html(sections: Sequence[Section]) -> str:
    """Return the inner HTML of a legend control (every text escaped).

    Sections without items are left out.

    Examples
    --------
    >>> legend_html([Swatches("热点", (("#d62f27", "<99%>"),))]).count("&lt;99%&gt;")
    1
    >>> legend_html([Swatches("空", ())])
    ''
    """
    parts = []
    for section in sections:
        body = (
            _sizes_html(section)
            if isinstance(section, Sizes)
            else _swatches_html(section)
        )
        if not body:
            continue
        if section.title:
            title = html_text(section.title)
            parts.append(f'<div class="tn-legend-title">{title}</div>')
        parts.append(body)
    return "".join(parts)


class MapLegend(MacroElement):
    """A legend as a Leaflet control in a corner of the map.

    Its container has the classes ``leaflet-control`` (given by Leaflet)
    and ``tn-legend``; clicks and wheel turns on it do not reach the map.
    """

    _template = Template(
        """
{% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function () {
  var div = L.DomUtil.create("div", "tn-legend");
  div.innerHTML = {{ this.html }};
  L.DomEvent.disableClickPropagation(div);
  L.DomEvent.disableScrollPropagation(div);
  return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{% endmacro %}
"""
    )

    def __init__(
        self, sections: Sequence[Section], *, position: str = "bottomright"
    ) -> None:
        super().__init__()
        self._name = "MapLegend"
        self.sections = tuple(sections)
        self.position = position
        self.css = LEGEND_CSS
        # JSON string literal, safe inside <script> (no "</" can close it)
        self.html = json.dumps(legend_html(self.sections), ensure_ascii=False).replace(
            "</", "<\\/"
        )


def add_legend(
    fmap: folium.Map, *sections: Section, position: str = "bottomright"
) -> MapLegend | None:
    """Add a legend control of the non-empty ``sections`` to ``fmap``.

    Returns the control, or ``None`` when there is nothing to show.
    """
    if not legend_html(sections):
        return None
    legend = MapLegend(sections, position=position)
    legend.add_to(fmap)
    return legend


class MapChrome(MacroElement):
    """Metric-only scale bar, and no "Leaflet" prefix in the attribution."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
if ({{ this._parent.get_name() }}.attributionControl) {
  {{ this._parent.get_name() }}.attributionControl.setPrefix(false);
}
{% endmacro %}
"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapChrome"


def add_chrome(fmap: folium.Map) -> folium.Map:
    """Give ``fmap`` the metric scale bar and the prefix-free attribution."""
    MapChrome().add_to(fmap)
    return fmap
