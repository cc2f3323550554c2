"""Emerging hotspots: Gi* per quarter, a Mann–Kendall trend, ArcGIS's patterns.

esda has no emerging-hotspot analysis; this follows ArcGIS Pro's Emerging
Hot Spot Analysis ("How Emerging Hot Spot Analysis works"): Gi* for every
cell in every time step with the FDR correction (here: Benjamini–Hochberg
over the cells of each quarter), then the Mann–Kendall trend of each cell's
Gi* z-scores, then one pattern per cell.  With ``n`` time steps, ``hot`` the
steps where the cell is a significant hot spot (``p_fdr <= alpha`` and z
beyond its normal critical value, :func:`grid.hotspot_stats.significant`)
and ``cold`` likewise:

* **new**: hot in the final step only, never significant before (a cell
  that was a cold spot before is *oscillating*).
* **consecutive**: one uninterrupted run of at least two hot steps ending
  with the final step, never significant before the run, and fewer than
  90 % of the steps hot.
* **intensifying**: hot in at least 90 % of the steps including the final
  one, with a significant increasing trend of z.
* **persistent**: hot in at least 90 % of the steps including the final one,
  no significant trend.
* **diminishing**: as intensifying, with a significant decreasing trend.
* **sporadic**: hot in the final step, hot on and off before, fewer than
  90 % of the steps hot, never a significant cold spot.
* **oscillating**: hot in the final step, a significant cold spot in some
  earlier step, fewer than 90 % of the steps hot.
* **historical**: not hot in the final step, hot in at least 90 % of them.
* **no pattern**: none of these.

Cold patterns mirror hot ones (swap hot and cold, "increasing" and
"decreasing").  A cell that is hot in the final step gets a hot pattern,
cold a cold one; otherwise historical or no pattern.  ArcGIS reads
"persistent" without requiring the final step; with the final step not hot
such a cell is historical here, so the patterns never overlap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd
import pymannkendall

from grid.errors import HotspotError
from grid.hotspot_stats import (
    bh_adjust,
    gi_star,
    queen_neighbours,
    significant,
    smoothed_rates,
)

#: Share of the steps a cell must be hot to be intensifying, persistent,
#: diminishing or historical (ArcGIS: 90 %).
MOST_STEPS: Final = 0.9

#: Columns of :func:`emerging_table`.
EMERGING_COLUMNS: Final[tuple[str, ...]] = (
    "cell_code",
    "trend",
    "mk_tau",
    "mk_p",
    "hot_steps",
    "cold_steps",
    "steps",
)


@dataclass(frozen=True)
class Trend:
    """Mann–Kendall trend of one z series: Kendall's tau and its p-value."""

    tau: float
    p: float


def mann_kendall(z: Sequence[float] | np.ndarray) -> Trend:
    """Return the Mann–Kendall trend of ``z`` (``pymannkendall.original_test``)."""
    values = np.asarray(z, dtype=float)
    if values.size < 3 or np.isnan(values).any():
        return Trend(math.nan, math.nan)
    result = pymannkendall.original_test(values)
    return Trend(float(result.Tau), float(result.p))


def _pattern(
    hot: np.ndarray, cold: np.ndarray, rising: bool, falling: bool
) -> str | None:
    """Return the hot pattern of a series (``cold`` = the opposite kind)."""
    n = hot.size
    share = hot.sum() / n
    if not hot[-1]:
        return "historical" if share >= MOST_STEPS else None
    if share >= MOST_STEPS:
        if rising:
            return "intensifying"
        if falling:
            return "diminishing"
        return "persistent"
    if cold[:-1].any():
        return "oscillating"
    run = n - (np.flatnonzero(~hot)[-1] + 1)  # hot steps at the end
    before = hot[: n - run]
    if not before.any():
        return "new" if run == 1 else "consecutive"
    return "sporadic"


def emerging_pattern(
    z: Sequence[float],
    significant: Sequence[bool],
    *,
    trend_alpha: float = 0.05,
) -> str:
    """Return the emerging-hotspot pattern of one cell.

    Parameters
    ----------
    z : sequence of float
        The cell's Gi* z-score in each time step, oldest first.
    significant : sequence of bool
        Whether each step is significant after the FDR correction.
    trend_alpha : float
        Level of the Mann–Kendall test that makes a trend significant.

    Returns
    -------
    str
        A code of :data:`grid.hotspot_text.TREND_NAMES`.

    Examples
    --------
    >>> emerging_pattern([0.1, -0.3, 0.2, 3.1], [False, False, False, True])
    'new_hot'
    """
    zs = np.asarray(z, dtype=float)
    sig = np.asarray(significant, dtype=bool)
    if zs.size == 0 or zs.size != sig.size:
        msg = (
            f"z 序列与显著性长度不符 / z and significance differ: {zs.size}, {sig.size}"
        )
        raise HotspotError(msg)
    if np.isnan(zs).all():
        return "no_pattern"
    sig = sig & ~np.isnan(zs)
    hot = sig & (zs > 0)
    cold = sig & (zs < 0)
    trend = mann_kendall(zs)
    up = bool(trend.p <= trend_alpha and trend.tau > 0)
    down = bool(trend.p <= trend_alpha and trend.tau < 0)
    if hot[-1] or (not cold[-1] and hot.sum() / hot.size >= MOST_STEPS):
        found = _pattern(hot, cold, up, down)
        return f"{found}_hot" if found else "no_pattern"
    found = _pattern(cold, hot, down, up)
    return f"{found}_cold" if found else "no_pattern"


def quarter_of(dates: pd.Series) -> pd.Series:
    """Return the quarter of each date as text, e.g. ``"2024Q3"``."""
    return pd.to_datetime(dates).dt.to_period("Q").astype(str)


def emerging_table(
    cells: gpd.GeoDataFrame,
    employers: pd.Series,
    quarterly: pd.DataFrame,
    quarters: Sequence[str],
    *,
    permutations: int = 999,
    seed: int = 20240601,
    alpha: float = 0.10,
    trend_alpha: float = 0.05,
) -> pd.DataFrame:
    """Return each cell's emerging-hotspot pattern over ``quarters``.

    Parameters
    ----------
    cells : GeoDataFrame
        Cells of one level (``code``, ``geometry``).
    employers : Series
        Employers per cell code (cells absent: none; they get no test).
    quarterly : DataFrame
        ``cell_code``, ``quarter`` (as :func:`quarter_of`), ``violations``.
    quarters : sequence of str
        The time steps, oldest first; a quarter without rows counts zero.
    permutations, seed, alpha, trend_alpha
        Gi* permutations and seed (the same every quarter), FDR level of a
        significant step, level of the Mann–Kendall trend.

    Returns
    -------
    DataFrame
        Columns :data:`EMERGING_COLUMNS`, one row per cell in cell order;
        ``trend`` is null for cells never tested.
    """
    if len(quarters) < 2:
        msg = (
            "新兴热点至少需要两个季度 / emerging hotspots need 2+ quarters: "
            f"{list(quarters)}"
        )
        raise HotspotError(msg)
    codes = cells["code"].to_numpy()
    base = employers.reindex(codes).fillna(0).to_numpy(dtype=float)
    rows = np.flatnonzero(base > 0)
    neighbours = queen_neighbours(cells.iloc[rows])
    table = quarterly.pivot_table(
        index="cell_code", columns="quarter", values="violations", aggfunc="sum"
    ).reindex(index=codes, columns=list(quarters))
    counts = table.fillna(0).to_numpy(dtype=float)
    z = np.full((len(codes), len(quarters)), np.nan)
    sig = np.zeros((len(codes), len(quarters)), dtype=bool)
    for step in range(len(quarters)):
        rates = smoothed_rates(counts[rows, step], base[rows])
        gi = gi_star(rates, neighbours, permutations=permutations, seed=seed)
        z[rows, step] = gi.z
        p_fdr = bh_adjust(gi.p)
        sig[rows, step] = significant(gi.z, p_fdr, alpha)
    out = []
    for i, code in enumerate(codes):
        tested = not np.isnan(z[i]).all()
        trend = mann_kendall(z[i]) if tested else Trend(math.nan, math.nan)
        out.append(
            {
                "cell_code": code,
                "trend": (
                    emerging_pattern(z[i], sig[i], trend_alpha=trend_alpha)
                    if tested
                    else None
                ),
                "mk_tau": trend.tau,
                "mk_p": trend.p,
                "hot_steps": int((sig[i] & (z[i] > 0)).sum()),
                "cold_steps": int((sig[i] & (z[i] < 0)).sum()),
                "steps": len(quarters),
            }
        )
    return pd.DataFrame(out, columns=list(EMERGING_COLUMNS))
