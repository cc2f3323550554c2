"""The demo history (ingest.demo_records): deterministic, well-formed, planted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.record_types import (
    COMPLAINT_STATUSES,
    INSPECTION_KINDS,
    INSPECTION_RESULTS,
    VIOLATION_TYPES,
)
from ingest.demo_record_sites import grow, neighbours, staffed_villages
from ingest.demo_record_staff import STAFF_SEPARATOR
from ingest.demo_records import (
    HEADERS,
    RecordsDemo,
    generate_records,
    write_demo_records,
)
from ingest.demo_registry import RegistryDemo, generate_registry
from ingest.demo_roster import RosterDemo, generate_roster
from twonet.errors import GridBuildError

N = 3_000
START, END, LAST_YEAR = "2023-12-01", "2026-11-30", "2025-12-01"
LAST_QUARTER = "2026-10-01"  # the final step of a quarterly analysis to END


@pytest.fixture(scope="module")
def cells(qingdao_demo: tuple[Any, Any, float]) -> Any:
    return qingdao_demo[0]


@pytest.fixture(scope="module")
def registry(cells: Any) -> RegistryDemo:
    return generate_registry(cells, n=N, seed=1)


@pytest.fixture(scope="module")
def roster(cells: Any) -> RosterDemo:
    return generate_roster(cells)


@pytest.fixture(scope="module")
def demo(cells: Any, registry: RegistryDemo, roster: RosterDemo) -> RecordsDemo:
    return generate_records(
        cells, registry.rows, roster.staff, roster.assignments, truth=registry.truth
    )


@pytest.fixture(scope="module")
def places(registry: RegistryDemo) -> pd.DataFrame:
    """Employer code → village, township, industry, category (good rows)."""
    rows, truth = registry.rows, registry.truth
    frame = pd.DataFrame(
        {
            "uscc": rows["统一社会信用代码"].to_numpy(),
            "village": truth["village_code"].to_numpy(),
            "township": truth["township_code"].to_numpy(),
            "county": truth["county_code"].to_numpy(),
            "industry": rows["行业代码"].to_numpy(),
            "category": rows["重点类别"].to_numpy(),
        }
    )
    frame = frame[(truth["defects"] == "").to_numpy()]
    return frame.drop_duplicates("uscc", keep=False).set_index("uscc")


def _where(frame: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    return frame.join(places, on="统一社会信用代码")


def _connected(cells: Any, codes: list[str]) -> bool:
    """Whether the cells form one group linked by shared boundaries."""
    geoms = cells.set_index("code").loc[codes, "geometry"].to_numpy()
    reached, todo = {0}, [0]
    while todo:
        a = todo.pop()
        for b in range(len(codes)):
            if b not in reached and shapely.touches(geoms[a], geoms[b]):
                reached.add(b)
                todo.append(b)
    return len(reached) == len(codes)


# ------------------------------------------------------------- determinism
def test_the_same_seed_gives_the_same_records(cells, registry, roster, demo):
    again = generate_records(
        cells, registry.rows, roster.staff, roster.assignments, truth=registry.truth
    )
    for kind, frame in demo.frames().items():
        pd.testing.assert_frame_equal(frame, again.frames()[kind])
    assert again.planted == demo.planted
    other = generate_records(
        cells,
        registry.rows,
        roster.staff,
        roster.assignments,
        truth=registry.truth,
        seed=5,
    )
    assert not other.violations.equals(demo.violations)


# ------------------------------------------------------------------ format
def test_headers_are_the_import_columns(demo):
    assert list(demo.inspections.columns) == [
        "检查编号", "检查日期", "检查类型", "统一社会信用代码", "检查人员编号",
        "检查结果",
    ]  # fmt: skip
    assert list(demo.violations.columns) == [
        "案件编号", "统一社会信用代码", "违法类型", "发现日期", "涉及人数",
        "欠薪月数", "欠薪金额", "责令改正", "行政处罚", "罚款金额", "补发工资",
        "补签合同人数", "补缴社保人数", "取缔", "移送公安", "结案日期",
    ]  # fmt: skip
    assert list(demo.complaints.columns) == [
        "投诉编号", "受理日期", "渠道", "统一社会信用代码", "单位名称", "单位地址",
        "类型", "状态", "结案日期",
    ]  # fmt: skip
    for kind, frame in demo.frames().items():
        assert tuple(frame.columns) == HEADERS[kind]


def test_values_are_coded_and_dates_in_the_window(demo):
    i, v, c = demo.inspections, demo.violations, demo.complaints
    assert set(i["检查类型"]) == {k.zh for k in INSPECTION_KINDS.values()}
    assert set(i["检查结果"]) == {k.zh for k in INSPECTION_RESULTS.values()}
    assert set(v["违法类型"]) <= {k.zh for k in VIOLATION_TYPES.values()}
    assert set(c["类型"]) <= {k.zh for k in VIOLATION_TYPES.values()}
    assert set(c["状态"]) <= {k.zh for k in COMPLAINT_STATUSES.values()}
    assert set(c["渠道"]) <= {"12333热线", "网上投诉", "来信来访", "现场举报"}
    for column in ("责令改正", "行政处罚", "取缔", "移送公安"):
        assert set(v[column]) <= {"是", "否"}
    for frame, column in ((i, "检查编号"), (v, "案件编号"), (c, "投诉编号")):
        assert frame[column].is_unique
    for dates in (i["检查日期"], v["发现日期"], c["受理日期"]):
        assert dates.min() >= START and dates.max() <= END
        dt.date.fromisoformat(dates.iloc[0])
    closed = v["结案日期"].dropna()
    assert (closed.to_numpy() > v.loc[closed.index, "发现日期"].to_numpy()).all()
    arrears = v["违法类型"] == "拖欠工资"
    assert v.loc[arrears, "欠薪月数"].notna().all()
    assert v.loc[~arrears, "欠薪月数"].isna().all()
    assert (v.loc[arrears, "欠薪金额"] > 0).all()


# ------------------------------------------------------------ who and what
def test_every_code_is_an_employer_but_the_planted_unknowns(demo, registry, places):
    known = set(places.index)
    unknown = set(demo.planted["unknown_uscc"]["uscc"])
    assert len(unknown) >= 3
    assert not unknown & set(registry.rows["统一社会信用代码"].astype(str))
    assert set(demo.inspections["统一社会信用代码"]) <= known
    assert set(demo.violations["统一社会信用代码"]) <= known
    named = demo.complaints["统一社会信用代码"].dropna()
    assert set(named) - known == unknown
    nameless = demo.complaints[demo.complaints["统一社会信用代码"].isna()]
    assert len(nameless) >= 3
    assert list(nameless["投诉编号"]) == demo.planted["name_only"]["complaints"]
    rows = registry.rows.set_index("统一社会信用代码")
    meant = rows.loc[demo.planted["name_only"]["uscc"]]
    assert sorted(nameless["单位名称"]) == sorted(meant["单位名称"])
    assert nameless["单位地址"].str.len().gt(0).all()


def test_inspectors_come_from_the_employers_cells(demo, roster, places):
    jobs = roster.assignments
    staff = roster.staff.set_index("人员编号")
    checks = _where(demo.inspections, places)
    for row in checks.sample(500, random_state=0).itertuples():
        for person in row.检查人员编号.split(STAFF_SEPARATOR):
            cells = set(jobs.loc[jobs["人员编号"] == person, "网格编码"])
            unit = staff.loc[person, "所属单位"]
            if row.检查类型 == "双随机抽查":  # drawn from the county's roster
                assert unit == row.county or {c[:6] for c in cells} == {row.county}
            else:
                near = cells & {row.village, row.township}
                assert near or unit == row.county, (row.检查编号, person)


# ---------------------------------------------------------------- planted
def test_wage_arrears_cluster_in_neighbouring_townships(cells, demo, places):
    planted = demo.planted["wage_arrears"]
    towns = planted["cells"]
    assert planted["level"] == "township" and 3 <= len(towns) <= 4
    assert set(cells.set_index("code").loc[towns, "level"]) == {"township"}
    assert _connected(cells, towns)
    v = _where(demo.violations, places)
    arrears = v[(v["违法类型"] == "拖欠工资") & v["industry"].str.startswith("E")]
    inside = arrears["township"].isin(towns)
    construction = places[places["industry"].str.startswith("E")]
    n_in = construction["township"].isin(towns).sum()
    rate_in = inside.sum() / n_in
    rate_out = (~inside).sum() / (len(construction) - n_in)
    assert inside.sum() >= 5 and rate_in > 10 * rate_out


def test_child_labour_cluster_in_workshops_of_neighbouring_villages(
    cells, demo, places
):
    villages = demo.planted["child_labour"]["cells"]
    assert 3 <= len(villages) <= 4 and _connected(cells, villages)
    v = _where(demo.violations, places)
    child = v[v["违法类型"] == "使用童工"]
    inside = child["village"].isin(villages)
    assert inside.sum() >= 3 and inside.mean() > 0.8
    assert (child.loc[inside, "category"] == "小作坊").all()


def test_never_inspected_villages_are_staffed_but_unvisited(
    cells, demo, roster, places
):
    villages = demo.planted["never_inspected"]["cells"]
    assert len(villages) >= 3 and _connected(cells, villages)
    assistants = staffed_villages(roster.assignments, roster.staff)
    assert (assistants.reindex(villages).fillna(0) >= 2).all()
    employers = places[places["village"].isin(villages)]
    assert len(employers) >= 10
    assert demo.planted["never_inspected"]["employers"] == len(employers)
    for frame in (demo.inspections, demo.violations):
        assert not frame["统一社会信用代码"].isin(employers.index).any()
    elsewhere = places[~places["village"].isin(villages)]
    seen = elsewhere.index.isin(demo.inspections["统一社会信用代码"])
    assert seen.mean() > 0.95


def test_new_hotspot_bursts_in_the_final_quarter(cells, demo, places):
    planted = demo.planted["new_hotspot"]
    villages = planted["cells"]
    assert planted["from"] == LAST_QUARTER and _connected(cells, villages)
    v = _where(demo.violations, places)
    inside = v[v["village"].isin(villages)]
    # the planted burst, on top of the base rate the villages keep throughout
    assert len(inside) >= 5 and (inside["发现日期"] >= LAST_QUARTER).mean() > 0.5
    employers = places["village"].isin(villages).sum()
    last = v[v["发现日期"] >= LAST_YEAR]
    rate_in = last["village"].isin(villages).sum() / employers
    rate_out = (~last["village"].isin(villages)).sum() / (len(places) - employers)
    assert rate_in > 5 * rate_out


def test_planted_patterns_never_share_a_township(demo):
    towns = [
        {c[:9] for c in demo.planted[key]["cells"]}
        for key in ("child_labour", "never_inspected", "new_hotspot")
    ]
    towns.append(set(demo.planted["wage_arrears"]["cells"]))
    assert sum(len(t) for t in towns) == len(set().union(*towns))


# ----------------------------------------------------------------- volumes
def test_volumes_are_plausible(demo, places):
    n = len(places)
    year = "2025"  # a full calendar year
    i = demo.inspections[demo.inspections["检查日期"].str[:4] == year]
    kinds = i["检查类型"].value_counts()
    assert 1.5 < kinds["日常巡查"] / n < 2.5
    assert 0.7 < kinds["书面审查"] / n < 0.95
    assert 0.04 < kinds["双随机抽查"] / n < 0.07
    patrolled = i.loc[i["检查类型"] == "日常巡查", "统一社会信用代码"].nunique()
    assert patrolled / n > 0.7
    v = demo.violations[demo.violations["发现日期"].str[:4] == year]
    assert 0.01 < len(v) / n < 0.03
    c = demo.complaints[demo.complaints["受理日期"].str[:4] == year]
    assert 0.005 < len(c) / n < 0.03
    random = i[i["检查类型"] == "双随机抽查"]
    assert random["检查人员编号"].str.contains(STAFF_SEPARATOR).mean() > 0.9


# -------------------------------------------------------------- writing
def test_written_files_are_utf8_with_bom(demo, tmp_path):
    files = write_demo_records(demo, tmp_path)
    assert sorted(files) == ["complaints", "inspections", "violations"]
    for kind, path in files.items():
        assert path.name == f"{kind}.csv"
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
        back = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
        assert tuple(back.columns) == HEADERS[kind]
        assert len(back) == len(demo.frames()[kind])


def test_too_few_employers_are_refused(cells, registry, roster):
    with pytest.raises(GridBuildError, match="100"):
        generate_records(
            cells,
            registry.rows.head(50),
            roster.staff,
            roster.assignments,
            truth=registry.truth.head(50),
        )


# ------------------------------------------------------- the group grower
def _strip(n: int) -> gpd.GeoDataFrame:
    """``n`` unit squares in a row: each touches the one before and after."""
    boxes = [shapely.box(i, 0, i + 1, 1) for i in range(n)]
    return gpd.GeoDataFrame(
        {"code": [f"c{i}" for i in range(n)], "level": "village"}, geometry=boxes
    )


def test_grow_takes_the_best_touching_cells():
    graph = neighbours(_strip(6), "village")
    assert graph["c0"] == ["c1"] and graph["c2"] == ["c1", "c3"]
    scores = {"c0": 10, "c1": 1, "c2": 1, "c3": 5, "c4": 5, "c5": 0}
    # c0+c1+c2 = 12 beats c2+c3+c4 = 11; c5 scores 0 and is never taken
    assert grow(scores, graph, 3, allowed=list(graph)) == ("c0", "c1", "c2")
    assert grow(scores, graph, 3, allowed=["c2", "c3", "c4", "c5"]) == (
        "c2",
        "c3",
        "c4",
    )
    assert grow(scores, graph, 3, allowed=["c0", "c1"]) == ()


@settings(max_examples=50, deadline=None)
@given(
    scores=st.lists(st.integers(0, 9), min_size=8, max_size=8),
    allowed=st.sets(st.integers(0, 7)),
    size=st.integers(3, 5),
)
def test_grow_returns_a_connected_allowed_group(scores, allowed, size):
    strip = _strip(8)
    graph = neighbours(strip, "village")
    named = {f"c{i}": s for i, s in enumerate(scores)}
    group = grow(named, graph, size, allowed=[f"c{i}" for i in allowed])
    if group:
        index = sorted(int(c[1:]) for c in group)
        assert 3 <= len(group) <= size
        assert index == list(range(index[0], index[0] + len(index)))  # contiguous
        assert all(i in allowed and scores[i] > 0 for i in index)
    else:
        runs = np.diff(
            np.flatnonzero(
                np.diff(
                    np.r_[0, [int(i in allowed and scores[i] > 0) for i in range(8)], 0]
                )
            )
        )[::2]
        assert (runs < 3).all()


def test_without_truth_employers_are_placed_by_their_coordinates(
    cells, registry, roster, places
):
    demo = generate_records(cells, registry.rows, roster.staff, roster.assignments)
    named = _where(demo.violations, places)
    assert named["village"].notna().all()  # every code is a good registry row
    rows = registry.rows.set_index("统一社会信用代码")
    without = rows["经度"].isna() | rows["坐标系"].isna()
    used = set(demo.inspections["统一社会信用代码"])
    assert not used & set(rows.index[without])  # no point, no record
    assert len(used) > 0.6 * len(places)
