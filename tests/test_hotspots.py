"""Violation hotspots: the pure statistics on hand-checkable lattices.

A lattice of unit squares, row-major codes ``r{row}c{col}``; a 3 × 3 block
of high violation rates planted in the middle of a 7 × 7 lattice.  The
database side is in ``tests/test_hotspots_db.py``.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import false_discovery_control

from grid.emerging import emerging_pattern, emerging_table, mann_kendall
from grid.errors import CRSError, HotspotError
from grid.hotspot_density import h3_counts, kernel_density
from grid.hotspot_stats import (
    bh_adjust,
    gi_star,
    queen_neighbours,
    significant,
    smoothed_rates,
    two_sided_p,
)
from grid.hotspots import classify, hotspot_table, under_inspected


def lattice(n: int) -> gpd.GeoDataFrame:
    """Return an ``n`` × ``n`` lattice of unit squares, row-major."""
    return gpd.GeoDataFrame(
        {
            "code": [f"r{r}c{c}" for r in range(n) for c in range(n)],
            "name": [f"第{r}行第{c}列" for r in range(n) for c in range(n)],
        },
        geometry=[shapely.box(c, r, c + 1, r + 1) for r in range(n) for c in range(n)],
        crs=3857,
    )


BLOCK = [f"r{r}c{c}" for r in (2, 3, 4) for c in (2, 3, 4)]
CORE = ["r3c3", "r2c3", "r4c3", "r3c2", "r3c4"]  # the centre and its rook ring


def planted_counts(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    """Return 50 employers per cell, 20 violations in BLOCK and 2 elsewhere."""
    return pd.DataFrame(
        {
            "cell_code": cells["code"],
            "violations": np.where(cells["code"].isin(BLOCK), 20, 2),
            "employers": 50,
        }
    )


# ------------------------------------------------------------------ BH
def test_bh_adjusted_values_match_the_hand_worked_example():
    # sorted 0.01 0.03 0.04 0.20 0.50 → p·m/rank 0.05 0.075 0.0667 0.25 0.5,
    # then the running minimum from the top: 0.05 0.0667 0.0667 0.25 0.5
    p = np.array([0.01, 0.04, 0.03, 0.20, 0.50])
    np.testing.assert_allclose(
        bh_adjust(p), [0.05, 0.2 / 3, 0.2 / 3, 0.25, 0.5], rtol=1e-12
    )


def test_bh_keeps_missing_values_out_of_the_count():
    adjusted = bh_adjust(np.array([0.01, np.nan, 0.04]))
    assert math.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], [0.02, 0.04])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_bh_equals_scipy_and_never_lowers_a_p_value(values):
    p = np.array(values)
    adjusted = bh_adjust(p)
    np.testing.assert_allclose(adjusted, false_discovery_control(p, method="bh"))
    assert (adjusted >= p - 1e-12).all() and (adjusted <= 1).all()
    order = np.argsort(p)
    assert (np.diff(adjusted[order]) >= -1e-12).all()


def test_bh_refuses_values_outside_zero_one():
    with pytest.raises(HotspotError, match=r"1\.5"):
        bh_adjust(np.array([0.2, 1.5]))


# ---------------------------------------------------------- building blocks
def test_two_sided_p_doubles_the_smaller_tail():
    sims = np.arange(99.0).reshape(1, 99)  # 0 … 98
    assert two_sided_p(np.array([98.0]), sims)[0] == pytest.approx(2 * 2 / 100)
    assert two_sided_p(np.array([-1.0]), sims)[0] == pytest.approx(2 * 1 / 100)
    assert two_sided_p(np.array([49.0]), sims)[0] == 1.0


def test_smoothing_pulls_small_cells_further_towards_the_mean():
    events = np.array([1, 30, 2, 40, 5])
    base = np.array([2, 100, 50, 100, 60])
    rates = smoothed_rates(events, base)
    mean = events.sum() / base.sum()
    raw = events / base
    shrink = np.abs(rates - mean) / np.abs(raw - mean)
    assert (shrink <= 1 + 1e-12).all()
    assert shrink[0] < shrink[1]  # 2 employers move more than 100


def test_smoothing_without_extra_variance_gives_the_global_rate():
    rates = smoothed_rates(np.array([5, 10, 15]), np.array([50, 100, 150]))
    np.testing.assert_allclose(rates, 0.1)


def test_islands_get_no_test():
    cells = pd.concat(
        [
            lattice(3),
            lattice(1).assign(code="far", geometry=[shapely.box(9, 9, 10, 10)]),
        ]
    )
    nb = queen_neighbours(cells)
    assert nb.counts.tolist() == [3, 5, 3, 5, 8, 5, 3, 5, 3, 0]
    assert nb.tested.tolist() == list(range(9))
    gi = gi_star(np.arange(10.0), nb, permutations=99, seed=1)
    assert np.isnan(gi.z[9]) and np.isnan(gi.p[9])
    assert not np.isnan(gi.z[:9]).any()


def test_equal_values_are_not_significant_anywhere():
    gi = gi_star(np.full(9, 0.3), queen_neighbours(lattice(3)), seed=1)
    assert (gi.z == 0).all() and (gi.p == 1).all()


def test_classes_by_adjusted_p_and_sign():
    z = np.array([3.0, 2.0, 1.7, -3.0, -2.0, -1.7, 2.0, np.nan])
    p = np.array([0.005, 0.03, 0.08, 0.01, 0.05, 0.10, 0.2, np.nan])
    assert classify(z, p).tolist() == [
        "hot_99",
        "hot_95",
        "hot_90",
        "cold_99",
        "cold_95",
        "cold_90",
        "not_significant",
        "not_significant",
    ]


def test_a_small_z_is_not_significant_however_small_p():
    """Each class also needs |z| at its normal critical value (2.576/1.960/1.645)."""
    z = np.array([2.0, -0.6, 1.5, -1.7])
    p = np.array([0.002, 0.002, 0.08, 0.002])
    assert classify(z, p).tolist() == [
        "hot_95",  # p qualifies for 99 %, z only for 95 %
        "not_significant",
        "not_significant",
        "cold_90",
    ]
    assert significant(z, p, 0.10).tolist() == [True, False, False, True]


# ------------------------------------------------------------ the analysis
def test_a_planted_cluster_is_hot_after_fdr():
    cells = lattice(7)
    table = hotspot_table(cells, planted_counts(cells)).set_index("cell_code")
    hot = set(table.index[table["class"].str.startswith("hot_")])
    assert set(CORE) <= hot <= set(BLOCK)
    assert table.loc[CORE, "significant"].all()
    assert (table.loc[CORE, "p_fdr"] <= 0.10).all()
    assert (table.loc[CORE, "p_fdr"] >= table.loc[CORE, "p"]).all()
    centre = table.loc["r3c3"]
    assert centre["neighbours"] == 8 and centre["z"] > 3
    assert centre["rate"] == pytest.approx(0.4)
    assert (
        "错误发现率校正后" in centre["explanation_zh"]
        and "热点" in centre["explanation_zh"]
    )
    assert "after FDR" in centre["explanation_en"]


def test_the_same_seed_gives_the_same_answer():
    cells = lattice(5)
    counts = planted_counts(cells)
    first = hotspot_table(cells, counts, permutations=99, seed=7)
    again = hotspot_table(cells, counts, permutations=99, seed=7)
    pd.testing.assert_series_equal(first["p"], again["p"])


def test_cells_without_employers_or_neighbours_are_marked():
    cells = pd.concat(
        [
            lattice(3),
            lattice(1).assign(code="far", geometry=[shapely.box(9, 9, 10, 10)]),
        ]
    )
    counts = pd.DataFrame(
        {"cell_code": ["r0c0", "r0c1", "r1c1", "far"], "violations": [1, 3, 2, 4]}
    ).assign(employers=[0, 10, 12, 9])
    table = hotspot_table(cells, counts, permutations=99).set_index("cell_code")
    assert table.loc["r0c0", "class"] == "no_employers"
    assert math.isnan(table.loc["r0c0", "rate"])
    assert table.loc["far", "class"] == "no_neighbours"
    assert table.loc["r2c2", "class"] == "no_employers"  # absent from counts
    assert "无用人单位" in table.loc["r0c0", "explanation_zh"]


def test_counts_naming_unknown_cells_are_refused():
    counts = pd.DataFrame(
        {"cell_code": ["nowhere"], "violations": [1], "employers": [1]}
    )
    with pytest.raises(HotspotError, match="nowhere"):
        hotspot_table(lattice(2), counts)


def test_pure_noise_stays_at_the_fdr_level():
    """100 seeds of spatially random counts: few cells called significant.

    The counts are Poisson with an independent gamma rate per cell (noise
    with real between-cell variance, so the smoothing does not flatten it).
    The raw two-sided p-values must be calibrated (about 10 % below 0.1:
    the test could catch one-sided or folded p-values) while the share
    called significant after BH stays at or below the FDR level.
    """
    cells = lattice(7)
    significant, raw = [], []
    for seed in range(100):
        rng = np.random.default_rng(seed)
        employers = rng.integers(10, 60, len(cells))
        violations = rng.poisson(employers * rng.gamma(2.0, 0.05, len(cells)))
        counts = pd.DataFrame(
            {
                "cell_code": cells["code"],
                "violations": violations,
                "employers": employers,
            }
        )
        table = hotspot_table(cells, counts, permutations=99, seed=seed)
        significant.append(table["significant"].mean())
        raw.append((table["p"] <= 0.10).mean())
    assert np.mean(significant) <= 0.10
    assert 0.05 <= np.mean(raw) <= 0.16


def test_under_inspected_hot_cells_are_below_the_city_median():
    table = pd.DataFrame(
        {
            "class": ["hot_99", "hot_95", "not_significant", "cold_90", "hot_90"],
            "employers": [10, 10, 10, 10, 10],
            "coverage": [0.1, 0.9, 0.5, 0.2, np.nan],
        }
    )
    assert under_inspected(table).tolist() == [True, False, False, False, False]


# ------------------------------------------------------------ emerging
@pytest.mark.parametrize(
    ("z", "sig", "expected"),
    [
        ([0.1, -0.2, 0.3, 3.0], [0, 0, 0, 1], "new_hot"),
        ([0.1, 0.2, 3.0, 3.2], [0, 0, 1, 1], "consecutive_hot"),
        ([3.0, 0.2, 3.0, 3.2], [1, 0, 1, 1], "sporadic_hot"),
        ([-3.0, 0.2, 0.1, 3.2], [1, 0, 0, 1], "oscillating_hot"),
        ([2.0 + i for i in range(10)], [1] * 10, "intensifying_hot"),
        ([12.0 - i for i in range(10)], [1] * 10, "diminishing_hot"),
        (
            [3.0, 3.5, 2.9, 3.4, 3.1, 3.3, 3.0, 3.6, 2.8, 3.2],
            [1] * 10,
            "persistent_hot",
        ),
        ([3.0] * 9 + [0.5], [1] * 9 + [0], "historical_hot"),
        ([0.1, 0.2, 0.1, -3.0], [0, 0, 0, 1], "new_cold"),
        ([-3.0] * 9 + [-0.5], [1] * 9 + [0], "historical_cold"),
        ([3.0, 0.1, 0.2, 0.1], [1, 0, 0, 0], "no_pattern"),
        ([0.0] * 4, [0] * 4, "no_pattern"),
    ],
)
def test_emerging_patterns_on_hand_built_series(z, sig, expected):
    assert emerging_pattern(z, [bool(s) for s in sig]) == expected


def test_mann_kendall_reads_a_rising_series():
    trend = mann_kendall([1, 2, 3, 4, 5, 6, 7, 8])
    assert trend.tau == pytest.approx(1.0) and trend.p < 0.01
    assert math.isnan(mann_kendall([1.0, 2.0]).p)


def test_a_cluster_of_the_last_quarter_only_is_new():
    cells = lattice(7)
    quarters = ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    rows = [
        {"cell_code": code, "quarter": q, "violations": 20 if hit else 2}
        for q in quarters
        for code in cells["code"]
        for hit in [q == "2024Q4" and code in BLOCK]
    ]
    employers = pd.Series(50, index=cells["code"])
    table = emerging_table(cells, employers, pd.DataFrame(rows), quarters)
    trend = table.set_index("cell_code")["trend"]
    assert (trend[CORE] == "new_hot").all()
    outside = trend.drop(BLOCK)
    assert (outside == "no_pattern").all()


# ------------------------------------------------------------ boundary-free
def _points() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(1)
    lon = np.r_[120.38 + rng.normal(0, 0.002, 50), 120.1 + rng.uniform(0, 0.5, 50)]
    lat = np.r_[36.07 + rng.normal(0, 0.002, 50), 35.9 + rng.uniform(0, 0.3, 50)]
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)


def test_kernel_density_keeps_the_mass_and_peaks_at_the_cluster():
    density = kernel_density(_points(), cell_size_m=250, bandwidth_m=500, min_share=0)
    assert density.crs.to_epsg() == 4326
    mass = density["density_per_km2"].sum() * 0.25**2
    assert mass == pytest.approx(100, rel=0.01)
    peak = density.loc[density["density_per_km2"].idxmax(), "geometry"].centroid
    assert abs(peak.x - 120.38) < 0.01 and abs(peak.y - 36.07) < 0.01


def test_h3_counts_every_point_once():
    hexes = h3_counts(_points(), resolution=8)
    assert hexes["count"].sum() == 100
    assert hexes["h3"].is_unique
    top = hexes.iloc[0]
    assert top["count"] >= 10 and top["geometry"].contains(shapely.Point(120.38, 36.07))


def test_density_needs_a_crs():
    with pytest.raises(CRSError, match="CRS"):
        kernel_density(_points().set_crs(None, allow_override=True))


def test_an_uninspected_hot_cell_is_flagged_and_explained():
    cells = lattice(7)
    counts = planted_counts(cells).assign(
        coverage=np.where(cells["code"] == "r3c3", 0.0, 0.6)
    )
    table = hotspot_table(cells, counts).set_index("cell_code")
    assert table.index[table["under_inspected"]].tolist() == ["r3c3"]
    assert table.loc["r3c3", "explanation_zh"].endswith(
        "近 12 个月检查覆盖率 0%，低于全市中位数 60%：检查不足的热点。"
    )
    assert "under-inspected" in table.loc["r3c3", "explanation_en"]
