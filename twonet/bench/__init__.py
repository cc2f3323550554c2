"""Benchmarks and accuracy reports: measurement tools, not the product.

Each ``twonet bench`` command runs one function of this package and prints
its :class:`Figure` list (or, for ``accuracy``, its tables):

* ``twonet bench grid``: :func:`twonet.bench.grid.grid_benchmark` (demo grid
  build, QA, database round trips, page weight of the whole-city view);
* ``twonet bench locate``: :func:`twonet.bench.locate.locate_benchmark`
  (four-level point location vs ``geopandas.sjoin``);
* ``twonet bench address``: :func:`twonet.bench.address.address_benchmark`
  (address parsing vs jionlp and cpca);
* ``twonet bench import``: :func:`twonet.bench.imports.import_benchmark`
  (end-to-end registry import into PostGIS and SpatiaLite, time and peak
  memory);
* ``twonet bench balance``: :func:`twonet.bench.balance.balance_benchmark`
  (balancing 黄岛区 on the demo roster: CP-SAT vs the greedy baseline);
* ``twonet bench coverage``: :func:`twonet.bench.coverage.coverage_benchmark`
  (coverage of all four levels over synthetic employers and records,
  aggregated in the database vs in-process, and the coverage page);
* ``twonet bench hotspots``: :func:`twonet.bench.hotspots.hotspots_benchmark`
  (Gi* and emerging hotspots over every village vs esda alone, and the
  hotspot page);
* ``twonet bench accuracy``: :func:`twonet.bench.accuracy.accuracy_benchmark`
  (accuracy on labelled sets TwoNet did not make, ``data/accuracy``).

The accuracy rules live in :mod:`twonet.bench.parser_accuracy` (labelled
addresses) and :mod:`twonet.bench.datum_accuracy` (points declared GCJ-02).
The synthetic employers and records of ``coverage`` are drawn and
bulk-loaded by :mod:`twonet.bench.analysis_data`; the page figures of both
are :mod:`twonet.bench.analysis_pages`.  Scratch databases come from
:func:`twonet.db.scratch.scratch_database`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")


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

        Examples
        --------
        >>> Figure("read", 2.0, "s", "peer", 6.0).ratio
        3.0
        >>> Figure("parse", 30.0, "addr/s", "peer", 10.0).ratio
        3.0
        >>> Figure("alone", 1.0, "s").ratio is None
        True
        """
        if self.baseline is None or not self.value or not self.baseline:
            return None
        higher = self.higher_is_better
        if higher is None:
            higher = self.unit.endswith("/s")
        if higher:
            return self.value / self.baseline
        return self.baseline / self.value


def timed(run: Callable[[], _T]) -> tuple[float, _T]:
    """Run once; return (seconds, result)."""
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def best_of(repeat: int, run: Callable[[], _T]) -> tuple[float, _T]:
    """Run ``repeat`` times (at least once); return the fastest time and a result."""
    best, result = timed(run)
    for _ in range(repeat - 1):
        seconds, result = timed(run)
        best = min(best, seconds)
    return best, result


@contextmanager
def scratch_databases(postgres_admin_url: str | None) -> Iterator[dict[str, str]]:
    """Yield fresh migrated database URLs: SpatiaLite always, PostGIS with a URL.

    Keys are the backend names the figures print (``SpatiaLite``,
    ``PostGIS``); every database is dropped when the block ends.
    """
    from twonet.db.scratch import scratch_database

    with ExitStack() as stack:
        urls = {
            "SpatiaLite": stack.enter_context(
                scratch_database("spatialite", label="bench")
            )
        }
        if postgres_admin_url:
            urls["PostGIS"] = stack.enter_context(
                scratch_database("postgis", postgres_admin_url, label="bench")
            )
        yield urls
