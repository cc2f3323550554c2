"""Keep the page still when a map takes the keyboard focus.

The first click on a map that is not wholly on screen used to be lost: the
page jumped and nothing was selected; a second click worked.  The cause is
Leaflet's keyboard handler.  On the first ``mousedown`` in a map it calls
``container.focus()`` (to let the arrow keys pan) and then restores the
scroll position of the map's own window.  The map lives in the
streamlit-folium ``<iframe>``, so the browser also scrolls the *Streamlit
page* to bring the whole 400–600 px map into view — between ``mousedown``
and ``mouseup``.  The ``mouseup`` then lands on another spot of the map, the
browser sends the ``click`` to the common ancestor of both targets (the map
pane, not the cell) and Leaflet never reports a cell click.  Once the map
has the focus, Leaflet does not call ``focus()`` again, hence the working
second click.

:class:`FocusWithoutScroll`, added to every map by
:func:`maps.assets.use_bundled_leaflet`, re-binds that handler so that it
focuses the map with ``focus({preventScroll: true})``: the arrow keys still
pan the map, and the page no longer moves under the pointer.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

_SCRIPT = """
{% macro script(this, kwargs) %}
(function (map) {
    var keyboard = map.keyboard;
    if (!keyboard || !keyboard._onMouseDown) { return; }
    var container = map.getContainer();
    L.DomEvent.off(container, "mousedown", keyboard._onMouseDown, keyboard);
    keyboard._onMouseDown = function () {
        if (this._focused) { return; }
        container.focus({preventScroll: true});
    };
    L.DomEvent.on(container, "mousedown", keyboard._onMouseDown, keyboard);
})({{ this._parent.get_name() }});
{% endmacro %}
"""


class FocusWithoutScroll(MacroElement):
    """Make a map take the focus on a click without scrolling the page.

    Add it to a :class:`folium.Map`; see the module docstring for why.
    """

    _template = Template(_SCRIPT)

    def __init__(self) -> None:
        super().__init__()
        self._name = "FocusWithoutScroll"


def focus_without_scroll(fmap: folium.Map) -> folium.Map:
    """Add :class:`FocusWithoutScroll` to ``fmap`` (once) and return the map."""
    if not any(isinstance(c, FocusWithoutScroll) for c in fmap._children.values()):
        fmap.add_child(FocusWithoutScroll())
    return fmap
