"""Violation hotspots: where violations per employer cluster beyond chance.

:func:`hotspot_table` takes the cells of one level and their counts and
returns one row per cell: raw and smoothed rate, Gi* z and p before and
after the Benjamini–Hochberg correction, the class and a sentence in
Chinese and English.  The statistics and why they are done this way are in
:mod:`grid.hotspot_stats`; the emerging-hotspot trend is in
:mod:`grid.emerging`; kernel density and H3 in :mod:`grid.hotspot_density`.

Which cells are tested
----------------------
A cell without employers has no rate: class ``no_employers``; it is left
out of the weights, so a cell whose only neighbours have no employers
becomes an island.  A cell without a neighbour gets no test, class
``no_neighbours``.  The FDR correction runs over the tested cells only.

Classes
-------
With ``p_fdr`` the adjusted p-value and ``z`` the Gi* z-score:
``hot_99`` (``p_fdr <= 0.01``, ``z > 0``), ``hot_95`` (``<= 0.05``),
``hot_90`` (``<= 0.10``), ``cold_…`` the same with ``z < 0``, else
``not_significant``; each level also needs ``|z|`` at its two-sided normal
critical value (2.576, 1.960, 1.645: :func:`grid.hotspot_stats.significant`).
``significant`` is the same test at ``alpha`` (default 0.10).
"""

from __future__ import annotations

from typing import Final

import geopandas as gpd
import numpy as np
import pandas as pd

from grid.errors import HotspotError
from grid.hotspot_stats import (
    bh_adjust,
    gi_star,
    queen_neighbours,
    significant,
    smoothed_rates,
)
from grid.hotspot_text import CLASS_NAMES, explain

#: Confidence levels and the adjusted p-value each needs.
CONFIDENCE: Final[tuple[tuple[int, float], ...]] = ((99, 0.01), (95, 0.05), (90, 0.10))

#: Columns of :func:`hotspot_table`, in order (plus ``geometry``).
HOTSPOT_COLUMNS: Final[tuple[str, ...]] = (
    "cell_code",
    "cell_name",
    "violations",
    "employers",
    "rate",
    "smoothed_rate",
    "neighbours",
    "z",
    "p",
    "p_fdr",
    "significant",
    "class",
    "coverage",
    "under_inspected",
    "explanation_zh",
    "explanation_en",
)

#: Default seed of the permutations: results are reproducible.
DEFAULT_SEED: Final = 20240601


def classify(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """Return the class of each cell from its z-score and adjusted p-value.

    NaN p-values (cells not tested) give ``not_significant`` here; the
    caller marks why they were not tested.

    Examples
    --------
    >>> classify(np.array([3.0, -2.0, 1.0]), np.array([0.004, 0.03, 0.5])).tolist()
    ['hot_99', 'cold_95', 'not_significant']
    """
    z = np.asarray(z, dtype=float)
    p = np.asarray(p_fdr, dtype=float)
    out = np.full(z.shape, "not_significant", dtype=object)
    for level, cut in sorted(CONFIDENCE, key=lambda c: -c[1]):
        hit = significant(z, p, cut)
        out[hit & (z > 0)] = f"hot_{level}"
        out[hit & (z < 0)] = f"cold_{level}"
    return out


def _checked_counts(cells: gpd.GeoDataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """Return counts aligned on ``cells.code`` (missing cells count zero)."""
    missing = {"code", "name", "geometry"} - set(cells.columns)
    if missing:
        msg = f"网格表缺少列 / cells lack columns: {sorted(missing)}"
        raise HotspotError(msg)
    if cells["code"].duplicated().any():
        dupes = sorted(cells.loc[cells["code"].duplicated(), "code"].unique())
        msg = f"网格编码重复 / duplicate cell codes: {dupes[:10]}"
        raise HotspotError(msg)
    frame = counts.set_index("cell_code") if "cell_code" in counts else counts
    need = {"violations", "employers"} - set(frame.columns)
    if need:
        msg = f"计数表缺少列 / counts lack columns: {sorted(need)}"
        raise HotspotError(msg)
    unknown = sorted(set(frame.index) - set(cells["code"]))
    if unknown:
        msg = f"计数表含未知网格 / counts name unknown cells: {unknown[:10]}"
        raise HotspotError(msg)
    aligned = frame.reindex(cells["code"].to_numpy())
    out = pd.DataFrame(
        {
            "violations": aligned["violations"].fillna(0).astype("int64").to_numpy(),
            "employers": aligned["employers"].fillna(0).astype("int64").to_numpy(),
            "coverage": (
                aligned["coverage"].astype(float).to_numpy()
                if "coverage" in aligned
                else np.full(len(cells), np.nan)
            ),
        }
    )
    if (out[["violations", "employers"]] < 0).to_numpy().any():
        msg = "计数不能为负 / counts must not be negative"
        raise HotspotError(msg)
    return out


def hotspot_table(
    cells: gpd.GeoDataFrame,
    counts: pd.DataFrame,
    *,
    permutations: int = 999,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.10,
) -> gpd.GeoDataFrame:
    """Return the Gi* hotspot analysis of violations per employer.

    Parameters
    ----------
    cells : GeoDataFrame
        The cells of one level: ``code``, ``name``, ``geometry``.
    counts : DataFrame
        ``cell_code`` (column or index), ``violations``, ``employers`` and
        optionally ``coverage`` (share of employers inspected, 0–1).  Cells
        absent from it count zero.
    permutations, seed : int
        Conditional permutations of Gi* and their seed.
    alpha : float
        False discovery rate that makes ``significant`` true.

    Returns
    -------
    GeoDataFrame
        One row per cell in the order of ``cells``, columns
        :data:`HOTSPOT_COLUMNS` and ``geometry``.
    """
    data = _checked_counts(cells, counts)
    has_employers = (data["employers"] > 0).to_numpy()
    rows = np.flatnonzero(has_employers)
    rate = np.where(
        has_employers,
        data["violations"] / data["employers"].where(has_employers),
        np.nan,
    )
    smooth = np.full(len(cells), np.nan)
    smooth[rows] = smoothed_rates(
        data["violations"].to_numpy()[rows], data["employers"].to_numpy()[rows]
    )
    sub = cells.iloc[rows]
    neighbours = queen_neighbours(sub)
    gi = gi_star(smooth[rows], neighbours, permutations=permutations, seed=seed)
    z = np.full(len(cells), np.nan)
    p = np.full(len(cells), np.nan)
    z[rows], p[rows] = gi.z, gi.p
    p_fdr = bh_adjust(p)
    klass = classify(z, p_fdr)
    counts_all = np.zeros(len(cells), dtype=int)
    counts_all[rows] = neighbours.counts
    klass[has_employers & np.isnan(p)] = "no_neighbours"
    klass[~has_employers] = "no_employers"
    out = pd.DataFrame(
        {
            "cell_code": cells["code"].to_numpy(),
            "cell_name": cells["name"].to_numpy(),
            "violations": data["violations"].to_numpy(),
            "employers": data["employers"].to_numpy(),
            "rate": rate,
            "smoothed_rate": smooth,
            "neighbours": counts_all,
            "z": z,
            "p": p,
            "p_fdr": p_fdr,
            "significant": significant(z, p_fdr, alpha),
            "class": klass,
            "coverage": data["coverage"].to_numpy(),
        }
    )
    out["under_inspected"] = under_inspected(out)
    texts = [
        explain(
            name=str(name),
            violations=int(v),
            employers=int(e),
            smoothed_rate=float(sr),
            neighbours=int(nb),
            z=float(zz),
            p=float(pp),
            p_fdr=float(pf),
            klass=str(k),
        )
        for name, v, e, sr, nb, zz, pp, pf, k in zip(
            out["cell_name"],
            out["violations"],
            out["employers"],
            out["smoothed_rate"],
            out["neighbours"],
            out["z"],
            out["p"],
            out["p_fdr"],
            out["class"],
            strict=True,
        )
    ]
    out["explanation_zh"] = [t[0] for t in texts]
    out["explanation_en"] = [t[1] for t in texts]
    _add_coverage_note(out)
    return gpd.GeoDataFrame(
        out[list(HOTSPOT_COLUMNS)], geometry=cells.geometry.to_numpy(), crs=cells.crs
    )


def under_inspected(table: pd.DataFrame) -> pd.Series:
    """Return which cells are significant hot spots inspected below the median.

    The median is the city's: over every cell of the table with employers
    and a known coverage.  A cell with unknown coverage is never flagged.
    """
    known = table["coverage"].notna() & (table["employers"] > 0)
    if not known.any():
        return pd.Series(False, index=table.index)
    median = float(table.loc[known, "coverage"].median())
    hot = table["class"].astype(str).str.startswith("hot_")
    return (hot & known & (table["coverage"] < median)).astype(bool)


def _add_coverage_note(table: pd.DataFrame) -> None:
    """Append the coverage sentence to the explanation of under-inspected cells."""
    flagged = table["under_inspected"].to_numpy(dtype=bool)
    if not flagged.any():
        return
    known = table["coverage"].notna() & (table["employers"] > 0)
    median = float(table.loc[known, "coverage"].median())
    zh: list[str] = [str(t) for t in table["explanation_zh"]]
    en: list[str] = [str(t) for t in table["explanation_en"]]
    for i in np.flatnonzero(flagged):
        share = float(table["coverage"].iloc[i])
        zh[i] += (
            f"近 12 个月检查覆盖率 {share:.0%}，低于全市中位数 {median:.0%}："
            "检查不足的热点。"
        )
        en[i] += (
            f" Inspected in the last 12 months: {share:.0%}, below the city "
            f"median of {median:.0%}: an under-inspected hot spot."
        )
    table["explanation_zh"] = zh
    table["explanation_en"] = en


def class_names(code: str) -> tuple[str, str]:
    """Return the Chinese and English name of a class code."""
    return CLASS_NAMES[code]
