"""The coverage and hotspot benchmarks: their data, their in-process twin, smoke runs.

No timing is asserted: the smoke tests run each benchmark at a tiny size and
check that its figures come out.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from grid.codes import LEVELS
from twonet.bench.analysis_data import (
    AS_OF,
    load_records,
    spread,
    synthetic_records,
    village_weights,
)
from twonet.db.engine import PROJECT_ROOT, get_engine

DATA = PROJECT_ROOT / "data" / "qingdao"


def _admin_url(backend: str) -> str | None:
    if backend != "postgis":
        return None
    return os.environ.get(
        "TWONET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )


@given(
    st.integers(0, 10_000),
    st.lists(st.floats(0.1, 10.0), min_size=1, max_size=50),
)
def test_spread_adds_up_and_stays_within_one_of_the_exact_share(
    total: int, weights: list[float]
) -> None:
    w = np.array(weights)
    shares = spread(total, w)
    assert shares.sum() == total
    assert (np.abs(shares - total * w / w.sum()) < 1).all()


def test_synthetic_records_are_spread_by_weight_and_reproducible(
    synthetic_cells: Any,
) -> None:
    one = synthetic_records(synthetic_cells, 900, 3_000, seed=7)
    two = synthetic_records(synthetic_cells, 900, 3_000, seed=7)
    pd.testing.assert_frame_equal(one.inspections, two.inspections)
    firms = one.employers
    assert len(firms) == 900
    assert firms["uscc"].is_unique
    assert firms["uscc"].str.len().eq(18).all()
    # every village of the grid is a community (001–003): equal weights,
    # 9 villages get 100 each before 1 % lose their village code
    villages = synthetic_cells.loc[synthetic_cells["level"] == "village", "code"]
    assert (village_weights(villages) == 3.0).all()
    placed = firms.groupby("township_code").size()
    assert placed.sum() == 900
    assert placed["370211001"] == 300  # its three villages
    assert set(one.inspections["employer_uscc"]) <= set(firms["uscc"])
    assert len(one.violations) == 300
    assert len(one.complaints) == 100
    assert one.inspections["inspected_on"].max() <= AS_OF


def test_in_process_coverage_equals_the_database_service(
    backend_name: str, migrated_database: Any, synthetic_cells: Any
) -> None:
    from twonet.bench.coverage import (
        coverage_in_process,
        facts_in_process,
        read_frames,
    )
    from twonet.coverage import coverage_report
    from twonet.db import repository as repo
    from twonet.db.coverage_queries import employer_facts

    records = synthetic_records(synthetic_cells, 400, 2_400, seed=3)
    with migrated_database(backend_name, "bench_cov") as url:
        engine = get_engine(url)
        try:
            repo.save_cells(engine, synthetic_cells)
            load_records(engine, records)
            frames = read_frames(engine, AS_OF)
            facts = facts_in_process(frames, AS_OF)
            in_db = employer_facts(engine, AS_OF)
            pd.testing.assert_frame_equal(
                facts.drop(columns=["updated", "last_inspected"]),
                in_db.drop(columns=["updated", "last_inspected"]),
                check_dtype=False,
            )
            assert list(facts["last_inspected"]) == list(in_db["last_inspected"])
            assert facts["complaints_overdue"].sum() > 0
            for level in LEVELS:
                ours = coverage_in_process(frames, facts, level.value, AS_OF)
                theirs = coverage_report(engine, level.value, AS_OF)
                pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)
        finally:
            engine.dispose()


def _check(figures: list[Any], *needles: str) -> None:
    assert figures
    names = " | ".join(f.name for f in figures)
    for needle in needles:
        assert needle in names, needle
    for figure in figures:
        assert math.isfinite(figure.value) and figure.value >= 0, figure


def test_coverage_benchmark_smoke(backend_name: str, qingdao_demo: Any) -> None:
    from twonet.bench.coverage import coverage_benchmark

    figures = coverage_benchmark(
        DATA,
        employers=2_000,
        inspections=6_000,
        postgres_admin_url=_admin_url(backend_name),
        cells=qingdao_demo[0],
    )
    backend = "PostGIS" if backend_name == "postgis" else "SpatiaLite"
    _check(
        figures,
        f"{backend}: coverage, village level",
        "aggregated in the database",
        "in-process: all four levels",
        "coverage view, city-wide, village level",
        "page HTML",
    )
    page = next(f for f in figures if f.name.endswith("page HTML"))
    assert page.target == "≤ 3 MB" and page.baseline is not None
    assert sum("level" in f.name and f.baseline is not None for f in figures) >= 4


def test_hotspots_benchmark_smoke(qingdao_demo: Any) -> None:
    from twonet.bench.hotspots import hotspots_benchmark

    figures = hotspots_benchmark(
        DATA, employers=2_000, permutations=99, quarters=4, cells=qingdao_demo[0]
    )
    _check(
        figures,
        "Gi* hotspots",
        "99 permutations",
        "emerging hotspots, 4 quarters",
        "hotspot view, city-wide, village level",
    )
    assert all(f.baseline is not None for f in figures)


def test_hotspot_data_plants_a_late_cluster(qingdao_demo: Any) -> None:
    from twonet.bench.hotspots import hotspot_data

    data = hotspot_data(qingdao_demo[0], employers=200_000, quarters=12, seed=1)
    assert data.counts["employers"].sum() == 200_000
    assert data.quarters[-1] == "2026Q2" and len(data.quarters) == 12
    by_quarter = data.quarterly.groupby("quarter")["violations"].sum()
    # the cluster triples its rate in the last four quarters only
    assert by_quarter[data.quarters[-4:]].mean() > by_quarter[data.quarters[:8]].max()
