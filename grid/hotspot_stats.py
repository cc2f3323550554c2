"""The statistics under the hotspot map: smoothing, weights, Gi*, FDR.

Pure functions on numpy arrays and cell frames; :mod:`grid.hotspots` puts
them together.

Choices, and why
----------------
* **Rates** are violations per employer, smoothed by aspatial empirical
  Bayes (``esda.smoothing.Empirical_Bayes``, Marshall 1991): a cell with 3
  employers and 2 violations is pulled towards the city rate, a cell with
  400 employers keeps its own.  When the between-cell variance estimate is
  not positive (all cells alike), esda's weights are meaningless (negative
  or above 1); every cell then gets the global rate, Marshall's own rule.
* **Weights** are queen contiguity (``libpysal`` ``Queen.from_dataframe``).
  A cell without a neighbour (an island) gets no test: Gi* of a lone cell
  compares the cell with itself.
* **Gi*** is esda's ``G_Local(star=True, transform="B", permutations=999)``
  with a seed and ``n_jobs=1``: binary weights, the cell itself counted as
  its own neighbour (weight 1), as in ArcGIS.  Not ``transform="R"``: the
  permutation p-values are the same either way (row-standardising only
  rescales each cell's statistic and its simulations alike), but esda 2.9's
  analytical ``Zs`` assumes binary weights and, with row-standardised ones,
  comes out several times too small (z = 0.86 where the simulated z is
  2.41 on a 7 × 7 lattice).  esda 2.9 has no ``alternative`` argument:
  its ``p_sim`` is the *folded* one-sided pseudo p-value (the smaller tail),
  which reads about half the two-sided value.  We therefore compute the
  two-sided pseudo p-value ourselves from the simulated statistics
  (``rGs``, kept with ``keep_simulations=True``): twice the smaller tail,
  ``min(1, 2 (min(#sim >= obs, #sim <= obs) + 1) / (M + 1))``, the usual
  doubling rule (conservative, never below ``2 / (M + 1)``).  Where esda
  ≥ 2.10 takes ``alternative``, we pass ``"two-sided"`` and still compute
  our own value from ``rGs``, so results do not depend on the version.
  The z-score is esda's analytical ``Zs`` (normal approximation, as in
  ArcGIS); its sign says hot or cold.
* **FDR**: esda applies no multiple-testing correction (``esda.fdr`` only
  returns a cut-off).  :func:`bh_adjust` returns Benjamini–Hochberg
  adjusted p-values (step-up, made monotone), equal to
  ``scipy.stats.false_discovery_control(p, method="bh")``.
"""

from __future__ import annotations

import inspect
import warnings
from dataclasses import dataclass
from statistics import NormalDist

import geopandas as gpd
import numpy as np
from esda import G_Local
from esda.smoothing import Empirical_Bayes
from libpysal.weights import Queen, W

from grid.errors import HotspotError

#: esda ≥ 2.10 takes ``alternative``; 2.9 does not.
_HAS_ALTERNATIVE = "alternative" in inspect.signature(G_Local.__init__).parameters


def significant(z: np.ndarray, p_fdr: np.ndarray, alpha: float) -> np.ndarray:
    """Return whether each cell is significant at the false discovery rate ``alpha``.

    ``p_fdr <= alpha`` and ``|z|`` at least the two-sided normal critical
    value of ``alpha`` (1.645 at 0.10, 1.960 at 0.05, 2.576 at 0.01), as
    the classes of Hot Spot Analysis read z and p together.  The pseudo
    p-value alone can be tiny for a window that differs from every random
    draw by a sliver: smoothed rates of cells without violations differ by
    their size only, so a district of large cells with none in a quiet
    quarter beats nearly every draw of small ones, with z near -0.6.

    Examples
    --------
    >>> significant(np.array([3.0, -0.6, 2.0]), np.array([0.01, 0.01, 0.2]), 0.1)
    array([ True, False, False])
    """
    zs = np.asarray(z, dtype=float)
    ps = np.asarray(p_fdr, dtype=float)
    critical = NormalDist().inv_cdf(1 - alpha / 2)
    tested = ~np.isnan(ps) & ~np.isnan(zs)
    return np.asarray(
        tested
        & (np.nan_to_num(ps, nan=1.0) <= alpha)
        & (np.abs(np.nan_to_num(zs)) >= critical)
    )


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Return Benjamini–Hochberg adjusted p-values (NaN stays NaN).

    ``p_adj(i) = min over j >= i of min(1, p(j) * m / j)`` with the p-values
    sorted ascending and ``m`` the number of non-missing ones.  A test is
    significant at false discovery rate ``q`` when ``p_adj <= q``.

    Examples
    --------
    >>> bh_adjust(np.array([0.01, 0.04, 0.03, 0.2])).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.2]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    values = p[present]
    m = values.size
    if m == 0:
        return out
    if ((values < 0) | (values > 1)).any():
        msg = f"p 值须在 0 到 1 之间 / p-values must lie in [0, 1]: {values.tolist()}"
        raise HotspotError(msg)
    order = np.argsort(values, kind="stable")
    scaled = values[order] * m / np.arange(1, m + 1)
    monotone = np.minimum.accumulate(scaled[::-1])[::-1]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(monotone, 1.0)
    out[present] = adjusted
    return out


def smoothed_rates(events: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Return empirical-Bayes smoothed rates ``events / base``.

    Parameters
    ----------
    events, base : array of shape (n,)
        Violations and employers per cell; every ``base`` must be positive.

    Returns
    -------
    ndarray of shape (n,)
        esda's ``Empirical_Bayes(e, b).r``; the global rate for every cell
        when the between-cell variance estimate is not positive.
    """
    e = np.asarray(events, dtype=float)
    b = np.asarray(base, dtype=float)
    if e.size == 0:
        return np.array([], dtype=float)
    if (b <= 0).any() or (e < 0).any():
        msg = (
            f"平滑要求单位数为正、违法数非负 / smoothing needs positive bases and "
            f"non-negative counts: bases {b.tolist()}, counts {e.tolist()}"
        )
        raise HotspotError(msg)
    mean = e.sum() / b.sum()
    # the same moment estimate esda uses, to see whether its weights are sound
    variance = (b * (e / b - mean) ** 2).sum() / b.sum() - mean / b.mean()
    if mean == 0 or variance <= 0:
        return np.full(e.size, mean)
    return np.asarray(Empirical_Bayes(e, b).r, dtype=float).ravel()


@dataclass(frozen=True)
class Neighbours:
    """Queen contiguity of a cell frame, positions ``0..n-1``.

    Attributes
    ----------
    counts : ndarray of int
        Neighbours of each cell (0 for an island or a cell without geometry).
    weights : W or None
        Weights over the cells that have neighbours, ids ``tested`` (in
        order); ``None`` when fewer than two cells have neighbours.
    tested : ndarray of int
        Positions of the cells with at least one neighbour.
    """

    counts: np.ndarray
    weights: W | None
    tested: np.ndarray


def queen_neighbours(cells: gpd.GeoDataFrame) -> Neighbours:
    """Return the queen contiguity of ``cells`` (shared edge or corner)."""
    n = len(cells)
    counts = np.zeros(n, dtype=int)
    geometry = cells.geometry.reset_index(drop=True)
    usable = np.flatnonzero(~(geometry.isna() | geometry.is_empty).to_numpy())
    if usable.size < 2:
        return Neighbours(counts, None, np.array([], dtype=int))
    frame = gpd.GeoDataFrame(geometry=geometry.iloc[usable].reset_index(drop=True))
    w = Queen.from_dataframe(frame, use_index=True, silence_warnings=True)
    neighbours = {
        int(usable[i]): [int(usable[j]) for j in w.neighbors[i]]
        for i in range(len(frame))
        if w.neighbors[i]
    }
    for position, others in neighbours.items():
        counts[position] = len(others)
    tested = np.array(sorted(neighbours), dtype=int)
    if tested.size < 2:
        return Neighbours(counts, None, np.array([], dtype=int))
    weights = W(
        {i: neighbours[i] for i in tested}, id_order=list(tested), silence_warnings=True
    )
    # binary: G_Local(star=True) then puts 1 on the diagonal (the cell itself
    # counts as one neighbour) before row-standardising, without a warning
    weights.transform = "B"
    return Neighbours(counts, weights, tested)


def two_sided_p(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Return two-sided pseudo p-values: twice the smaller permutation tail.

    Parameters
    ----------
    observed : array of shape (n,)
    simulated : array of shape (n, M)
        The statistic under ``M`` conditional permutations.

    Examples
    --------
    >>> two_sided_p(np.array([5.0]), np.arange(9.0).reshape(1, 9)).tolist()
    [1.0]
    >>> two_sided_p(np.array([9.0]), np.arange(9.0).reshape(1, 9)).tolist()
    [0.2]
    """
    obs = np.asarray(observed, dtype=float)[:, None]
    sims = np.asarray(simulated, dtype=float)
    m = sims.shape[1]
    upper = (sims >= obs).sum(axis=1)
    lower = (sims <= obs).sum(axis=1)
    return np.minimum(1.0, 2.0 * (np.minimum(upper, lower) + 1) / (m + 1))


@dataclass(frozen=True)
class GiStar:
    """Local Gi* of every cell: NaN where a cell gets no test."""

    z: np.ndarray
    p: np.ndarray


def gi_star(
    values: np.ndarray,
    neighbours: Neighbours,
    *,
    permutations: int = 999,
    seed: int = 12345,
) -> GiStar:
    """Return Gi* z-scores and two-sided pseudo p-values of ``values``.

    Cells without neighbours get NaN.  When the tested values are all equal
    there is nothing to find: z = 0 and p = 1; likewise z = 0 for a cell
    whose neighbours are all the other tested cells.
    """
    n = len(values)
    z = np.full(n, np.nan)
    p = np.full(n, np.nan)
    tested = neighbours.tested
    if neighbours.weights is None or tested.size == 0:
        return GiStar(z, p)
    y = np.asarray(values, dtype=float)[tested]
    if np.isnan(y).any():
        msg = f"Gi* 的输入含缺失值 / Gi* values contain NaN: {y.tolist()}"
        raise HotspotError(msg)
    if np.ptp(y) == 0:
        z[tested] = 0.0
        p[tested] = 1.0
        return GiStar(z, p)
    if permutations < 19:
        msg = f"置换次数至少 19 / at least 19 permutations, got {permutations}"
        raise HotspotError(msg)
    extra = {"alternative": "two-sided"} if _HAS_ALTERNATIVE else {}
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # esda 2.9's crand warns that its default `alternative` will change;
        # we compute our own two-sided p-value from the simulations.
        warnings.filterwarnings(
            "ignore", message="The alternative hypothesis", category=DeprecationWarning
        )
        # G_Local(star=True) rebuilds the weights with their diagonal and
        # libpysal warns again about islands and separate groups of cells
        # (a real grid has both: islands, a county with no boundary shared);
        # the neighbours given already leave out every cell without one
        warnings.filterwarnings(
            "ignore", message="The weights matrix is not fully connected"
        )
        result = G_Local(
            y,
            neighbours.weights,
            transform="B",
            permutations=permutations,
            star=True,
            keep_simulations=True,
            n_jobs=1,
            seed=seed,
            **extra,
        )
    # a cell whose window holds every tested cell has a degenerate statistic
    # (always 1, variance 0): esda gives 0/0; it says nothing, z = 0
    z[tested] = np.nan_to_num(np.asarray(result.Zs, dtype=float), nan=0.0)
    p[tested] = two_sided_p(np.asarray(result.Gs), np.asarray(result.rGs))
    return GiStar(z, p)
