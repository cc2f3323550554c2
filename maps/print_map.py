"""The printable map: a choropleth drawn on the server as PNG or PDF.

Free of Streamlit and of the database.  A page passes the cells with their
fill colours, a title and the legend it shows on screen;
:func:`render_print_map` draws them with matplotlib (the Agg and PDF
back-ends, no display) on an A4 landscape sheet with the title, the legend,
a scale bar, a north arrow, the map and data dates and the attribution.

Distances on the scale bar are measured in CGCS2000 / 3-degree
Gauss–Krüger CM 120°E (EPSG:4549), the projection of Qingdao's official
maps: the cells are drawn in it, so a kilometre is a kilometre everywhere
on the sheet (in degrees it would not be).  Chinese text needs a CJK font
(Debian's ``fonts-noto-cjk``, installed by ``scripts/bootstrap.sh``);
without one, matplotlib draws empty boxes and says so in a warning.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import geopandas as gpd

from maps.i18n import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.patches import Rectangle

#: The projected CRS the sheet is drawn in (metres; see the module docstring).
PRINT_EPSG = 4549

#: Fonts tried for Chinese labels, first found wins.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Noto Sans CJK JP",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
)

Format = Literal["png", "pdf"]


def nice_length(span_m: float) -> float:
    """Return a round scale-bar length (1, 2 or 5 × 10ⁿ m) near a fifth of a span.

    Examples
    --------
    >>> nice_length(87_000), nice_length(12_000), nice_length(900)
    (10000.0, 2000.0, 100.0)
    """
    target = max(span_m / 5, 1.0)
    power = 10.0 ** math.floor(math.log10(target))
    if power > target:  # log10 rounded up just below a power of ten
        power /= 10
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return power  # pragma: no cover - step 1 always fits


def _scale_label(length_m: float) -> str:
    return f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"


def _font_family() -> list[str]:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return [name for name in CJK_FONTS if name in names] + ["DejaVu Sans"]


def render_print_map(
    cells: gpd.GeoDataFrame,
    fills: Sequence[str],
    *,
    title: str,
    legend: Sequence[tuple[str, str]],
    legend_title: str,
    data_date: dt.date,
    lang: str = "zh",
    fmt: Format = "png",
    printed_on: dt.date | None = None,
    dpi: int = 150,
) -> bytes:
    """Draw cells filled with their colours on an A4 landscape sheet.

    Parameters
    ----------
    cells : GeoDataFrame
        The cells to draw (any CRS with one set).
    fills : sequence of str
        One fill colour per cell, in the frame's order.
    title : str
        Printed above the map.
    legend : sequence of (colour, label)
        As shown on screen (e.g. :func:`maps.choropleth.class_legend`).
    legend_title : str
    data_date : date
        The date the figures are as of.
    lang : {"zh", "en"}
    fmt : {"png", "pdf"}
    printed_on : date, optional
        The map date (default today).
    dpi : int
        Resolution of a PNG.

    Returns
    -------
    bytes
        The PNG or PDF file.

    Raises
    ------
    ValueError
        No CRS on the cells, a fill count that differs from the cell count,
        or an unknown format.
    """
    if cells.crs is None:
        msg = "网格没有坐标参照系 / the cells have no CRS"
        raise ValueError(msg)
    if len(fills) != len(cells):
        msg = f"填色数 {len(fills)} ≠ 网格数 {len(cells)} / fills and cells differ"
        raise ValueError(msg)
    if fmt not in ("png", "pdf"):
        msg = f"不支持的格式 / unsupported format: {fmt!r}"
        raise ValueError(msg)
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    projected = cells.to_crs(epsg=PRINT_EPSG)
    with plt.rc_context({"font.family": _font_family(), "pdf.fonttype": 42}):
        fig, ax = plt.subplots(figsize=(11.69, 8.27))  # A4 landscape, inches
        try:
            projected.plot(ax=ax, color=list(fills), edgecolor="#546e7a", linewidth=0.3)
            ax.set_axis_off()
            ax.set_aspect("equal")
            fig.suptitle(title, fontsize=16, fontweight="bold", y=0.97)
            _draw_scale_bar(ax)
            _draw_north_arrow(ax, t("print_north", lang))
            handles = [
                Patch(facecolor=c, edgecolor="#546e7a", label=label)
                for c, label in legend
            ]
            if handles:
                ax.legend(
                    handles=handles,
                    title=legend_title,
                    loc="lower left",
                    fontsize=8,
                    title_fontsize=9,
                    framealpha=0.9,
                )
            printed = (printed_on or dt.date.today()).isoformat()
            footer = "    ".join(
                (
                    t("print_data_as_of", lang, date=data_date.isoformat()),
                    t("print_date", lang, date=printed),
                    t("print_attribution", lang),
                )
            )
            fig.text(0.5, 0.02, footer, ha="center", fontsize=7, color="#37474f")
            buffer = io.BytesIO()
            fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_metadata(fmt, title))
        finally:
            plt.close(fig)
    return buffer.getvalue()


def _metadata(fmt: Format, title: str) -> dict[str, str | None]:
    # a PDF with a fixed creation date is the same file for the same map
    if fmt == "pdf":
        return {"Title": title, "Creator": "TwoNet", "CreationDate": None}
    return {"Title": title, "Software": "TwoNet"}


def _draw_scale_bar(ax: Axes) -> None:
    """Draw a black-and-white bar of a round length in the lower right corner."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    length = nice_length(x1 - x0)
    height = (y1 - y0) * 0.008
    left = x1 - (x1 - x0) * 0.04 - length
    bottom = y0 + (y1 - y0) * 0.04
    half = length / 2
    for i, colour in enumerate(("#111111", "#ffffff")):
        ax.add_patch(_rectangle((left + i * half, bottom), half, height, colour))
    ax.text(left, bottom + height * 1.8, "0", ha="center", fontsize=7)
    ax.text(
        left + length,
        bottom + height * 1.8,
        _scale_label(length),
        ha="center",
        fontsize=7,
    )


def _rectangle(
    xy: tuple[float, float], width: float, height: float, colour: str
) -> Rectangle:
    from matplotlib.patches import Rectangle

    return Rectangle(xy, width, height, facecolor=colour, edgecolor="#111111", lw=0.6)


def _draw_north_arrow(ax: Axes, label: str) -> None:
    """Draw an arrow to grid north (up) in the upper right corner."""
    ax.annotate(
        "",
        xy=(0.95, 0.90),
        xytext=(0.95, 0.80),
        xycoords="axes fraction",
        arrowprops={"facecolor": "#111111", "width": 4, "headwidth": 11},
    )
    ax.text(
        0.95,
        0.93,
        label,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=11,
        fontweight="bold",
    )
