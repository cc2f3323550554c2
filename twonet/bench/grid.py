"""``twonet bench grid``: the foundation, beside a peer baseline.

Measured:

* building the Qingdao demo grid (target: under two minutes),
* grid QA on it,
* writing and reading it on SpatiaLite and PostGIS,
* the page weight of the whole-city view at village level (target: ≤ 3 MB)
  against the naive peer, ``folium.GeoJson`` of the raw cells.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from grid.codes import Level
from twonet.bench import Figure, scratch_databases, timed


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
    seconds, fmap = timed(
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
    from twonet.db.engine import get_engine

    figures: list[Figure] = []
    cold, (cells, _) = timed(lambda: build_qingdao_demo(data_dir))
    warm, _ = timed(lambda: build_qingdao_demo(data_dir))
    figures.append(
        Figure("demo grid build, first in process", cold, "s", target="< 120 s")
    )
    figures.append(Figure("demo grid build, land mask loaded", warm, "s"))
    qa_seconds, _ = timed(lambda: run_qa(cells, land="auto"))
    figures.append(Figure("grid QA of the demo", qa_seconds, "s"))
    with scratch_databases(postgres_admin_url) as urls:
        for backend, url in urls.items():
            engine = get_engine(url)
            try:
                store = partial(repo.save_cells, engine, cells)
                write, _ = timed(store)
                again, _ = timed(store)
                read, _ = timed(partial(repo.load_cells, engine, level="village"))
            finally:
                engine.dispose()
            figures.append(
                Figure(f"{backend}: store demo ({len(cells)} cells)", write, "s")
            )
            figures.append(Figure(f"{backend}: store again (no-op)", again, "s"))
            figures.append(Figure(f"{backend}: load 2,120 villages", read, "s"))
    figures.extend(_page_figures(cells))
    return figures
