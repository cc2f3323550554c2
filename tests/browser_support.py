"""Plain helpers shared by the browser tests (not a test module, no fixtures).

The fixtures that serve the app and open an offline Chromium page live in
``tests/conftest.py`` (``serve_app`` and ``offline_page``); this module holds
what cannot sensibly be a fixture: the wait budget the tests pass to
Playwright and the request router whose record they check.
"""

from __future__ import annotations

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
