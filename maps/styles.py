"""Stylesheets and legends of the maps and pages (HTML, no Streamlit).

The folium maps get their stylesheets in the page head
(:data:`TOOLTIP_CSS` for the cell tooltips of :mod:`maps.layers`,
:data:`EMPLOYER_CSS` for the count labels, popups and rank badges of
:mod:`maps.employer_layers`); the review page's employer card uses
:data:`CARD_CSS`.  :func:`legend_markup` draws a caption (and, where one is
wanted off the map, a colour legend) under a map; the legends on the maps
are Leaflet controls (:mod:`maps.legend`).  Every label shown is escaped
(:func:`maps.text.html_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from maps.i18n import t
from maps.text import html_text

TOOLTIP_CSS = """
<style>
.tn-tip table { border-collapse: collapse; font-size: 13px; }
.tn-tip th { text-align: left; padding: 1px 8px 1px 0; color: #546e7a;
  font-weight: 500; }
.tn-tip td { padding: 1px 0; }
.tn-ill { color: #b45309; font-weight: 600; }
.leaflet-interactive:focus { outline: none; }
</style>
"""

EMPLOYER_CSS = """
<style>
.tn-count { background: none; border: none; }
.tn-count span { position: absolute; transform: translate(-50%, -50%);
  font: 600 12px/1 system-ui, sans-serif; color: #fff; white-space: nowrap;
  text-shadow: 0 0 3px #4a0e2b, 0 0 2px #4a0e2b; pointer-events: none; }
.tn-emp { font-size: 13px; min-width: 220px; }
.tn-emp-name { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
.tn-emp table { border-collapse: collapse; }
.tn-emp th { text-align: left; color: #546e7a; font-weight: 500;
  padding: 1px 8px 1px 0; white-space: nowrap; vertical-align: top; }
.tn-emp td { padding: 1px 0; }
.tn-emp .tn-q { color: #c62828; font-weight: 600; }
.tn-tip table { border-collapse: collapse; font-size: 13px; }
.tn-tip th { text-align: left; padding: 1px 8px 1px 0; color: #546e7a;
  font-weight: 500; }
.leaflet-interactive:focus { outline: none; }
.tn-rank { background: none; border: none; }
.tn-rank span { position: absolute; transform: translate(-50%, -50%);
  width: 22px; height: 22px; border-radius: 11px; color: #fff;
  font: 700 13px/22px system-ui, sans-serif; text-align: center;
  border: 2px solid #fff; box-shadow: 0 0 3px rgba(0,0,0,.5); }
</style>
"""

# one line: a blank line would end the HTML block Streamlit's Markdown sees
CARD_CSS = (
    "<style>.tn-card{border-collapse:collapse;font-size:0.9rem;width:100%}"
    ".tn-card th{color:#546e7a;font-weight:500;text-align:left;"
    "white-space:nowrap;padding:3px 12px 3px 0;vertical-align:top;border:none}"
    ".tn-card td{padding:3px 0;border:none}.tn-card tr{border:none}</style>"
)

_SQUARE = (
    "display:inline-block;width:12px;height:12px;border:1px solid #37474f;"
    "margin:0 4px -1px 10px"
)
_ROUND = (
    "display:inline-block;width:11px;height:11px;border-radius:6px;"
    "border:1px solid #fff;box-shadow:0 0 0 1px #90a4ae;margin:0 4px -1px 12px"
)


def card_markup(rows: Sequence[tuple[str, str]]) -> str:
    """Return a two-column table (label, value) with its stylesheet, one line.

    Examples
    --------
    >>> "<th>名称</th><td>&lt;A&amp;B&gt;</td>" in card_markup([("名称", "<A&B>")])
    True
    """
    body = "".join(
        f"<tr><th>{html_text(k)}</th><td>{html_text(v)}</td></tr>" for k, v in rows
    )
    return f'<table class="tn-card">{body}</table>{CARD_CSS}'


def legend_markup(
    items: Sequence[tuple[str, str]],
    lang: str,
    *,
    caption: str = "",
    shape: str = "round",
) -> str:
    """Return a caption and a colour legend as one line of HTML.

    Parameters
    ----------
    items : sequence of (colour, label)
        Swatches in order; none: the caption alone.
    lang : {"zh", "en"}
        Language of the word "legend".
    caption : str
        Text before the legend (escaped here).
    shape : {"round", "square"}
        Round swatches for points, square ones for cell fills.

    Examples
    --------
    >>> legend_markup([], "en", caption="3 < 4")
    '<div style="font-size:0.85rem;color:#546e7a">3 &lt; 4</div>'
    """
    style = _ROUND if shape == "round" else _SQUARE
    swatches = "".join(
        f'<span style="{style};background:{html_text(c)}"></span>{html_text(label)}'
        for c, label in items
    )
    parts = [html_text(caption)] if caption else []
    if items:
        parts.append(f"{html_text(t('legend', lang))}:{swatches}")
    return (
        '<div style="font-size:0.85rem;color:#546e7a">' + " · ".join(parts) + "</div>"
    )
