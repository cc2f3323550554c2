"""``twonet bench hotspots``: Gi* and emerging hotspots over every village cell.

Synthetic counts on the Qingdao demo grid's village cells, drawn from one
seed: employers spread as in :mod:`twonet.bench.analysis_data`, violations
per quarter Poisson around a city rate, tripled in a planted cluster (the
villages near one village) in the last third of the quarters.  Measured:

* :func:`grid.hotspots.hotspot_table` (empirical-Bayes smoothing, queen
  weights, Gi* with ``permutations``, Benjamini–Hochberg FDR, classes and
  explanations) beside esda alone on the same data: libpysal ``Queen``
  and ``G_Local(star=True)`` on the raw rates, same permutations and seed,
  so the ratio is our overhead;
* :func:`grid.emerging.emerging_table` over ``quarters`` quarters (Gi* per
  quarter with FDR, Mann–Kendall per cell, the pattern) beside ``Queen``
  once and ``G_Local`` per quarter;
* the page of the city-wide hotspot view at village level
  (:func:`twonet.bench.analysis_pages.hotspot_page_figures`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from twonet.bench import Figure, timed

#: Violations per employer per quarter outside the cluster.
_RATE = 0.01
#: Distance (degrees) from the cluster's centre village.
_CLUSTER_RADIUS = 0.06


@dataclass(frozen=True)
class HotspotData:
    """Village cells and their synthetic counts."""

    cells: Any  # GeoDataFrame: code, name, geometry
    counts: pd.DataFrame  # cell_code, violations, employers
    quarterly: pd.DataFrame  # cell_code, quarter, violations
    quarters: list[str]


def hotspot_data(
    cells: Any, *, employers: int, quarters: int = 12, seed: int = 1
) -> HotspotData:
    """Return the village cells of ``cells`` with synthetic counts (see above)."""
    from twonet.bench.analysis_data import spread, village_weights

    villages = cells[cells["level"] == "village"].sort_values("code")
    villages = villages.reset_index(drop=True)
    rng = np.random.default_rng(seed)
    firms = spread(employers, village_weights(villages["code"]))
    placed = villages.geometry.notna().to_numpy()
    centres = np.full((len(villages), 2), np.inf)
    points = villages.geometry[placed].representative_point()
    centres[placed] = np.column_stack([points.x, points.y])
    middle = centres[np.flatnonzero(placed)[placed.sum() // 2]]
    cluster = np.hypot(*(centres - middle).T) < _CLUSTER_RADIUS
    late = np.arange(quarters) >= quarters - max(1, quarters // 3)
    factor = 1 + 2 * np.outer(cluster, late)
    counts = rng.poisson(firms[:, None] * _RATE * factor)
    steps = [str(p) for p in pd.period_range(end="2026Q2", periods=quarters, freq="Q")]
    codes = villages["code"].to_numpy()
    quarterly = pd.DataFrame(
        {
            "cell_code": np.repeat(codes, quarters),
            "quarter": np.tile(steps, len(codes)),
            "violations": counts.ravel(),
        }
    )
    totals = pd.DataFrame(
        {"cell_code": codes, "violations": counts.sum(axis=1), "employers": firms}
    )
    return HotspotData(villages, totals, quarterly, steps)


def _esda_weights(data: HotspotData) -> tuple[Any, np.ndarray]:
    """Queen weights over the cells with employers and a geometry, binary."""
    from libpysal.weights import Queen

    keep = (data.counts["employers"] > 0).to_numpy() & (
        data.cells.geometry.notna().to_numpy()
    )
    rows = np.flatnonzero(keep)
    geometry = data.cells.iloc[rows][["geometry"]].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands, disconnected components
        w = Queen.from_dataframe(geometry, use_index=False, silence_warnings=True)
        w.transform = "B"
    return w, rows


def _esda_gi(values: np.ndarray, w: Any, permutations: int, seed: int) -> Any:
    from esda import G_Local

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        return G_Local(
            values,
            w,
            transform="B",
            permutations=permutations,
            star=True,
            n_jobs=1,
            seed=seed,
        )


def _esda_alone(data: HotspotData, permutations: int, seed: int) -> None:
    w, rows = _esda_weights(data)
    counts = data.counts.iloc[rows]
    _esda_gi(
        (counts["violations"] / counts["employers"]).to_numpy(float),
        w,
        permutations,
        seed,
    )


def _esda_quarters(data: HotspotData, permutations: int, seed: int) -> None:
    w, rows = _esda_weights(data)
    table = data.quarterly.pivot(
        index="cell_code", columns="quarter", values="violations"
    )
    table = table.reindex(index=data.cells["code"].to_numpy(), columns=data.quarters)
    base = data.counts["employers"].to_numpy(float)[rows]
    for step in data.quarters:
        rates = table[step].to_numpy(float)[rows] / base
        _esda_gi(rates, w, permutations, seed)


def hotspots_benchmark(
    data_dir: Path,
    *,
    employers: int = 1_000_000,
    permutations: int = 999,
    quarters: int = 12,
    seed: int = 1,
    pages: bool = True,
    cells: Any = None,
) -> list[Figure]:
    """Run the hotspot benchmark and return its figures.

    Parameters
    ----------
    data_dir : Path
        ``data/qingdao`` (the demo grid).
    employers : int
        Employers spread over the village cells (the counts' base).
    permutations : int
        Gi* permutations (the same for esda).
    quarters : int
        Quarters of the emerging-hotspot run.
    seed : int
        Seed of the counts and of the permutations.
    cells : GeoDataFrame, optional
        The grid; default the Qingdao demo built from ``data_dir``.
    pages : bool
        Also measure the city-wide hotspot page.
    """
    from grid.demo import build_qingdao_demo
    from grid.emerging import emerging_table
    from grid.hotspots import hotspot_table
    from twonet.bench.analysis_pages import hotspot_page_figures

    if cells is None:
        cells, _ = build_qingdao_demo(data_dir)
    data = hotspot_data(cells, employers=employers, quarters=quarters, seed=seed)
    n = len(data.cells)
    with warnings.catch_warnings():
        # libpysal warns of disconnected components on every weights build
        warnings.simplefilter("ignore", UserWarning)
        _esda_alone(data, 19, seed)  # warm-up: imports, numba compilation
        gi, table = timed(
            lambda: hotspot_table(
                data.cells, data.counts, permutations=permutations, seed=seed
            )
        )
        peer, _ = timed(lambda: _esda_alone(data, permutations, seed))
        per_cell = data.counts.set_index("cell_code")["employers"]
        emerging, trend = timed(
            lambda: emerging_table(
                data.cells,
                per_cell,
                data.quarterly,
                data.quarters,
                permutations=permutations,
                seed=seed,
            )
        )
        peer_q, _ = timed(lambda: _esda_quarters(data, permutations, seed))
    hot = int(table["class"].astype(str).str.startswith("hot_").sum())
    trends = trend["trend"].dropna().astype(str)
    new = int(trends.eq("new_hot").sum())
    hot_trends = int(trends.str.endswith("_hot").sum())
    figures = [
        Figure(
            f"Gi* hotspots, {n:,} village cells, {permutations} permutations "
            f"(smoothing, weights, Gi*, FDR, explanations; {hot} hot after FDR)",
            gi,
            "s",
            "esda alone: Queen + G_Local(star=True), raw rates",
            peer,
            higher_is_better=False,
        ),
        Figure(
            f"emerging hotspots, {quarters} quarters × Gi* {permutations} "
            f"permutations + Mann–Kendall ({hot_trends} cells with a hot pattern, "
            f"{new} new)",
            emerging,
            "s",
            f"esda alone: Queen + {quarters} × G_Local(star=True)",
            peer_q,
            higher_is_better=False,
        ),
    ]
    if pages:
        report = table.assign(
            trend=table["cell_code"].map(trend.set_index("cell_code")["trend"])
        )
        figures += hotspot_page_figures(cells, report)
    return figures
