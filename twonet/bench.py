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
    higher_is_better: bool | None = None

    @property
    def ratio(self) -> float | None:
        """Return how many times better than the peer (above 1: we win).

        Rates (units ending in ``/s``) compare value / baseline; times and
        sizes compare baseline / value.
        """
        if self.baseline is None or not self.value or not self.baseline:
            return None
        higher = self.higher_is_better
        if higher is None:
            higher = self.unit.endswith("/s")
        if higher:
            return self.value / self.baseline
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


# ------------------------------------------------------------------- issue 3
def locate_benchmark(data_dir: Path, n_points: int) -> list[Figure]:
    """Four-level point location vs ``geopandas.sjoin`` on the village cells."""
    from grid.demo import build_qingdao_demo
    from grid.locate_bench import benchmark_locate

    cells, _ = build_qingdao_demo(data_dir)
    result = benchmark_locate(cells, n_points, repeat=3, measure_memory=False)
    return [
        Figure(
            f"locate {n_points:,} points, 4 levels",
            n_points / result["locate_seconds"] / 1e6,
            "M points/s",
            "geopandas.sjoin (villages only)",
            n_points / result["sjoin_seconds"] / 1e6,
            "≥ 3× sjoin",
        ),
        Figure("locate: speed-up over sjoin", result["speedup"], "×"),
        Figure(
            "locate: assignments differing from sjoin", result["mismatches"], "rows"
        ),
        Figure("locate: index build", result["build_seconds"], "s"),
    ]


#: Cold runs of each parser, the median reported (this VM's speed swings).
_RUNS = 5


def address_benchmark(n: int, *, reference_limit: int | None) -> list[Figure]:
    """Address parsing vs jionlp.parse_location and cpca.transform."""
    from grid.address_bench import benchmark_addresses, sample_addresses
    from twonet.employer_import import load_gazetteer

    gazetteer = load_gazetteer()
    gazetteer.clear_caches()
    sample = sample_addresses(gazetteer, n, seed=7, region=["3702"])
    result = benchmark_addresses(
        sample,
        gazetteer,
        region=["3702"],
        reference_limit=reference_limit,
        repeats=_RUNS,
    )
    ours = result["ours"]
    figures = [
        Figure(
            f"parse {ours['n']:,} addresses (cold, median of {_RUNS} runs)",
            ours["addresses_per_second"],
            "addr/s",
            target="≥ 30,000 addr/s",
        )
    ]
    for peer in ("jionlp", "cpca"):
        theirs = result.get(peer, {})
        if "addresses_per_second" not in theirs:
            continue
        figures.append(
            Figure(
                f"  vs {peer} on {theirs['n']:,} of them",
                ours["addresses_per_second"],
                "addr/s",
                peer,
                theirs["addresses_per_second"],
            )
        )
    reference = result.get("ours_on_reference", ours)
    for level in ("county", "township"):
        key = f"{level}_accuracy"
        peer_value = result.get("jionlp", {}).get(key)
        figures.append(
            Figure(
                f"{level} accuracy (same addresses as jionlp)",
                reference[key],
                "",
                "jionlp" if peer_value is not None else "",
                peer_value,
                "≥ jionlp",
                higher_is_better=True,
            )
        )
    return figures


def _bench_registry(cache_dir: Path, data_dir: Path, n: int) -> Path:
    """Write (once) an n-row demo registry CSV for the import benchmark."""
    from grid.demo import build_qingdao_demo
    from ingest.demo_registry import generate_registry

    path = cache_dir / f"bench-registry-{n}.csv"
    if not path.exists():
        cells, _ = build_qingdao_demo(data_dir)
        demo = generate_registry(cells, n=n, seed=1)
        cache_dir.mkdir(parents=True, exist_ok=True)
        demo.rows.to_csv(path, index=False, encoding="utf-8")
    return path


def import_benchmark(
    data_dir: Path, cache_dir: Path, n: int, *, postgres_admin_url: str | None
) -> list[Figure]:
    """End-to-end import of an n-row registry into PostGIS and SpatiaLite."""
    from grid.demo import build_qingdao_demo
    from twonet.db import repository as repo
    from twonet.db.engine import get_engine, upgrade
    from twonet.employer_import import GridContext, import_registry, load_gazetteer

    path = _bench_registry(cache_dir, data_dir, n)
    cells, _ = build_qingdao_demo(data_dir)
    gazetteer = load_gazetteer()
    figures: list[Figure] = []
    with _scratch_databases(postgres_admin_url) as urls:
        # PostGIS first: the target is its figure, taken before SpatiaLite's
        # file has filled the page cache and the heap
        for backend, url in sorted(urls.items(), key=lambda kv: kv[0] != "PostGIS"):
            engine = get_engine(url)
            try:
                upgrade(engine)
                repo.save_cells(engine, cells)
                grid = GridContext.from_database(engine)
                seconds, report = _timed(
                    partial(
                        import_registry, engine, path, gazetteer=gazetteer, grid=grid
                    )
                )
                again, _ = _timed(
                    partial(
                        import_registry, engine, path, gazetteer=gazetteer, grid=grid
                    )
                )
            finally:
                engine.dispose()
            phases = ", ".join(f"{k} {v:.1f}s" for k, v in report.seconds.items())
            target = "≤ 30 s" if backend == "PostGIS" else ""
            figures.append(
                Figure(
                    f"{backend}: import {n:,} rows ({phases})",
                    seconds,
                    "s",
                    target=target,
                )
            )
            figures.append(Figure(f"{backend}: re-import (no-op)", again, "s"))
    return figures


def accuracy_benchmark(data_dir: Path) -> dict[str, Any]:
    """Accuracy on labelled sets TwoNet did not make (``data/accuracy``).

    Returns
    -------
    dict
        ``addresses``: per source and level, from
        :func:`grid.accuracy.address_accuracy` (human-labelled CCKS 2021
        addresses and JioNLP's test cases); ``gcj02``: county accuracy of
        points declared GCJ-02, converted versus taken naively as WGS-84
        (:func:`grid.accuracy.gcj02_accuracy`); ``township_moved``: the share
        of those points whose township cell changes when the datum is ignored.
    """
    from grid import accuracy
    from grid.demo import build_qingdao_demo
    from grid.locate import CellLocator
    from twonet.employer_import import load_gazetteer

    folder = data_dir / "accuracy"
    labelled = accuracy.load_labelled_addresses(folder / "addresses.csv")
    gazetteer = load_gazetteer()
    addresses = accuracy.address_accuracy(labelled, gazetteer)
    cells, _ = build_qingdao_demo(data_dir / "qingdao")
    locator = CellLocator.from_cells(cells)
    points = accuracy.load_gcj02_points(folder / "gcj02_points.csv")
    found = accuracy.locate_gcj02_points(points, locator)
    both = found["township_converted"].notna() & found["township_naive"].notna()
    moved = both & (found["township_converted"] != found["township_naive"])
    return {
        "addresses": addresses,
        "gcj02": accuracy.gcj02_accuracy(points, locator),
        "township_moved": float(moved.sum() / max(int(both.sum()), 1)),
    }
