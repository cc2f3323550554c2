"""Benchmarks: figures printed beside a peer baseline measured in the same run.

``twonet bench grid`` measures the foundation:

* building the Qingdao demo grid (target: under two minutes),
* grid QA on it,
* writing and reading it on SpatiaLite and PostGIS,
* the page weight of the whole-city view at village level (target: ≤ 3 MB)
  against the naive peer, ``folium.GeoJson`` of the raw cells.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from grid.codes import Level


@dataclass(frozen=True)
class Figure:
    """One measured figure, with the peer baseline when there is one."""

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    target: str = ""

    @property
    def ratio(self) -> float | None:
        """Return baseline / value (above 1: we are faster or lighter)."""
        if self.baseline is None or self.value == 0:
            return None
        return self.baseline / self.value


def _timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


@contextmanager
def _scratch_databases(postgres_admin_url: str | None) -> Iterator[dict[str, str]]:
    """Yield fresh database URLs: SpatiaLite always, PostGIS when a URL is given."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    with tempfile.TemporaryDirectory() as folder:
        urls = {"SpatiaLite": f"sqlite:///{Path(folder) / 'bench.sqlite'}"}
        admin = None
        name = f"twonet_bench_{uuid.uuid4().hex[:8]}"
        if postgres_admin_url:
            parsed = make_url(postgres_admin_url).set(drivername="postgresql+psycopg")
            admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            urls["PostGIS"] = parsed.set(database=name).render_as_string(
                hide_password=False
            )
        try:
            yield urls
        finally:
            if admin is not None:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin.dispose()


def _page_figures(cells: Any) -> list[Figure]:
    import folium

    from maps.basemaps import available_basemaps
    from maps.layers import (
        build_map,
        feature_collection,
        map_html_size,
        prepare_geometries,
    )

    villages = cells[cells["level"] == Level.VILLAGE.value]
    basemap = available_basemaps("zh")[0]
    seconds, fmap = _timed(
        lambda: build_map(feature_collection(prepare_geometries(villages)), basemap)
    )
    ours = map_html_size(fmap) / 1e6
    placed = villages[villages.geometry.notna()]
    peer = folium.Map(tiles=None)
    folium.GeoJson(placed[["code", "name", "geometry"]]).add_to(peer)
    naive = map_html_size(peer) / 1e6
    return [
        Figure(
            "whole-city village view, page",
            ours,
            "MB",
            "folium.GeoJson(raw cells)",
            naive,
            "≤ 3 MB",
        ),
        Figure("whole-city village view, build", seconds, "s"),
    ]


def grid_benchmark(
    data_dir: Path, *, postgres_admin_url: str | None = None
) -> list[Figure]:
    """Run the grid benchmark and return its figures."""
    from grid.demo import build_qingdao_demo
    from grid.qa import run_qa
    from twonet.db import repository as repo
    from twonet.db.engine import get_engine, upgrade

    figures: list[Figure] = []
    cold, (cells, _) = _timed(lambda: build_qingdao_demo(data_dir))
    warm, _ = _timed(lambda: build_qingdao_demo(data_dir))
    figures.append(
        Figure("demo grid build, first in process", cold, "s", target="< 120 s")
    )
    figures.append(Figure("demo grid build, land mask loaded", warm, "s"))
    qa_seconds, _ = _timed(lambda: run_qa(cells, land="auto"))
    figures.append(Figure("grid QA of the demo", qa_seconds, "s"))
    with _scratch_databases(postgres_admin_url) as urls:
        for backend, url in urls.items():
            engine = get_engine(url)
            try:
                upgrade(engine)
                store = partial(repo.save_cells, engine, cells)
                write, _ = _timed(store)
                again, _ = _timed(store)
                read, _ = _timed(partial(repo.load_cells, engine, level="village"))
            finally:
                engine.dispose()
            figures.append(
                Figure(f"{backend}: store demo ({len(cells)} cells)", write, "s")
            )
            figures.append(Figure(f"{backend}: store again (no-op)", again, "s"))
            figures.append(Figure(f"{backend}: load 2,120 villages", read, "s"))
    figures.extend(_page_figures(cells))
    return figures
