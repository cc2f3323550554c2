"""``twonet bench import``: end-to-end registry import, time and peak memory.

An n-row demo registry (:func:`ingest.demo_registry.generate_registry`,
written once to the cache folder) is imported into a scratch PostGIS and a
scratch SpatiaLite database that hold the Qingdao demo grid, then imported
again (a no-op).

Each backend's import runs in a fresh child interpreter
(``python -c``, :func:`measure_import`), which loads the gazetteer and the
grid as ``twonet`` itself would, times both imports and reports its own peak
resident set size (:func:`peak_rss_mb`).  The child is needed because the peak
RSS of a process is a lifetime maximum: measured in the benchmark process it
would include the demo grid and everything measured before.  The peak is read
from ``VmHWM`` in ``/proc/self/status``, the high-water mark of the child's
own address space, and not from ``getrusage(RUSAGE_SELF).ru_maxrss``: on
Linux a freshly started child inherits in ``ru_maxrss`` the peak of the
parent it was forked from.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

from twonet.bench import Figure, scratch_databases, timed

#: Run by the child interpreter: read the arguments as JSON on stdin, print
#: the measurement as JSON on the last line of stdout.
_CHILD = (
    "import json, sys\n"
    "from twonet.bench.imports import measure_import\n"
    "print(json.dumps(measure_import(**json.load(sys.stdin))))\n"
)


def peak_rss_mb() -> float:
    """Return the peak resident set size of this process so far, in MB (10⁶ B).

    ``VmHWM`` of ``/proc/self/status`` where there is one (Linux); elsewhere
    ``getrusage(RUSAGE_SELF).ru_maxrss`` (which, in a child process, may
    include the parent's size when it was started); NaN if neither exists.
    """
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6  # kB
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return math.nan
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def measure_import(url: str, path: str) -> dict[str, Any]:
    """Import a registry twice into a database holding the grid, in this process.

    Meant for a fresh interpreter (see the module docstring).

    Parameters
    ----------
    url : str
        A migrated database holding the grid cells.
    path : str
        The registry CSV.

    Returns
    -------
    dict
        ``seconds`` and ``again`` (the import and the re-import, s),
        ``phases`` (the import's :attr:`ImportReport.seconds
        <twonet.imports.ImportReport>`), ``rss_before_mb`` (peak RSS
        with the gazetteer and the grid loaded, before the import) and
        ``rss_peak_mb`` (peak RSS after the import), both in MB.
    """
    from twonet.db.engine import get_engine
    from twonet.employer_import import GridContext, import_registry, load_gazetteer

    engine = get_engine(url)
    try:
        gazetteer = load_gazetteer()
        grid = GridContext.from_database(engine)
        run = partial(
            import_registry, engine, Path(path), gazetteer=gazetteer, grid=grid
        )
        before = peak_rss_mb()
        seconds, report = timed(run)
        peak = peak_rss_mb()
        again, _ = timed(run)
    finally:
        engine.dispose()
    return {
        "seconds": seconds,
        "again": again,
        "phases": dict(report.seconds),
        "rss_before_mb": before,
        "rss_peak_mb": peak,
    }


def _measure_in_child(url: str, path: Path) -> dict[str, Any]:
    """Run :func:`measure_import` in a fresh interpreter; return its result."""
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps({"url": url, "path": str(path)}),
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


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
    """End-to-end import of an n-row registry into PostGIS and SpatiaLite.

    Per backend: the import (its phases in the name), the re-import (a
    no-op) and the peak RSS of the process that ran them (see the module
    docstring).
    """
    from grid.demo import build_qingdao_demo
    from twonet.db import repository as repo
    from twonet.db.engine import get_engine

    path = _bench_registry(cache_dir, data_dir, n)
    cells, _ = build_qingdao_demo(data_dir)
    figures: list[Figure] = []
    with scratch_databases(postgres_admin_url) as urls:
        # PostGIS first: the target is its figure, taken before SpatiaLite's
        # file has filled the page cache
        for backend, url in sorted(urls.items(), key=lambda kv: kv[0] != "PostGIS"):
            engine = get_engine(url)
            try:
                repo.save_cells(engine, cells)
            finally:
                engine.dispose()
            measured = _measure_in_child(url, path)
            phases = ", ".join(f"{k} {v:.1f}s" for k, v in measured["phases"].items())
            target = "≤ 30 s" if backend == "PostGIS" else ""
            figures.append(
                Figure(
                    f"{backend}: import {n:,} rows ({phases})",
                    measured["seconds"],
                    "s",
                    target=target,
                )
            )
            figures.append(
                Figure(f"{backend}: re-import (no-op)", measured["again"], "s")
            )
            figures.append(
                Figure(
                    f"{backend}: import peak memory (RSS of a fresh process, "
                    f"{measured['rss_before_mb']:,.0f} MB before the import)",
                    measured["rss_peak_mb"],
                    "MB",
                )
            )
    return figures
