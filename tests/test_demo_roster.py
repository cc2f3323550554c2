"""The demo roster: deterministic, valid, with exactly the gaps it says it planted."""

from __future__ import annotations

import pandas as pd
import pytest
from stdnum.cn import ric

from ingest.demo_roster import generate_roster, write_roster


@pytest.fixture(scope="module")
def cells(qingdao_demo):
    return qingdao_demo[0]


@pytest.fixture(scope="module")
def roster(cells):
    return generate_roster(cells)


def test_the_same_seed_gives_the_same_roster(cells, roster):
    again = generate_roster(cells)
    pd.testing.assert_frame_equal(roster.staff, again.staff)
    pd.testing.assert_frame_equal(roster.assignments, again.assignments)
    pd.testing.assert_frame_equal(roster.planted, again.planted)


def test_people_are_valid_and_unique(roster):
    staff = roster.staff
    assert staff["人员编号"].is_unique
    assert staff["身份证号"].map(ric.is_valid).all()
    assert set(staff["类别"]) == {"专职监察员", "协管员"}
    assert set(roster.assignments["人员编号"]) <= set(staff["人员编号"])


def test_every_township_but_one_has_a_responsible_inspector(cells, roster):
    towns = set(cells.loc[cells["level"] == "township", "code"])
    jobs = roster.assignments
    covered = set(jobs.loc[jobs["职责"] == "责任监察员", "网格编码"])
    missing = towns - covered
    planted = roster.planted
    assert missing == set(
        planted.loc[planted["rule"] == "responsible_per_township", "cell_code"]
    )
    assert len(missing) == 1


def test_villages_short_of_assistants_are_exactly_the_planted_ones(cells, roster):
    villages = cells.loc[cells["level"] == "village", "code"]
    jobs = roster.assignments
    staff = roster.staff.set_index("人员编号")
    active = jobs["人员编号"].map(staff["终止日期"]).isna()
    per_village = (
        jobs[(jobs["职责"] == "协管员") & active]
        .groupby("网格编码")
        .size()
        .reindex(villages, fill_value=0)
    )
    short = set(per_village[per_village < 2].index)
    planted = roster.planted
    assert short == set(
        planted.loc[planted["rule"] == "assistants_per_village", "cell_code"]
    )
    assert (per_village == 0).sum() == 4


def test_planted_people_outside_their_county_and_inactive(roster):
    planted = roster.planted.set_index("rule")
    staff = roster.staff.set_index("人员编号")
    outside = roster.planted[roster.planted["rule"] == "within_own_county"]
    assert len(outside) == 3
    for village, person in zip(outside["cell_code"], outside["staff_id"], strict=True):
        assert staff.loc[person, "所属单位"][:6] != village[:6]
    ended = planted.loc["inactive_staff", "staff_id"]
    assert staff.loc[ended, "终止日期"] < roster.as_of.isoformat()


def test_an_inspector_is_overloaded_when_the_counts_allow(cells):
    towns = cells.loc[cells["level"] == "township", "code"]
    load = pd.DataFrame({"cell_code": towns, "employers": 800, "workers": 1_000})
    roster = generate_roster(cells, load=load)
    overloaded = roster.planted[roster.planted["rule"] == "employers_per_inspector"]
    assert len(overloaded) == 1
    person = overloaded["staff_id"].iloc[0]
    jobs = roster.assignments[roster.assignments["人员编号"] == person]
    assert len(jobs) == 4  # 4 × 800 employers, shared by two: 1,600 > 1,500


def test_files_are_written_in_the_encodings_bureaus_send(tmp_path, roster):
    files = write_roster(roster, tmp_path)
    assert files["staff"].read_bytes().decode("gb18030").startswith("人员编号,姓名")
    assert files["assignments"].read_bytes().startswith("\ufeff".encode())


@pytest.fixture(scope="module")
def roster_db(backend_name, employer_database, tmp_path_factory, qingdao_demo):
    """A demo database: grid, employers and roster, imported as twonet demo does."""
    from twonet.db.engine import get_engine
    from twonet.db.staffing_queries import employer_load
    from twonet.staff_import import import_assignments, import_staff

    tmp_dir = tmp_path_factory.mktemp(f"roster-{backend_name}")
    cells = qingdao_demo[0]
    with employer_database(backend_name, tmp_dir, cells, "roster") as url:
        engine = get_engine(url)
        try:
            demo = generate_roster(cells, load=employer_load(engine))
            files = write_roster(demo, tmp_dir / "roster")
            import_staff(engine, files["staff"])
            import_assignments(engine, files["assignments"], actor="demo")
            yield engine, demo
        finally:
            engine.dispose()


@pytest.mark.slow
def test_the_rules_report_lists_exactly_the_planted_breaches(roster_db):
    from twonet.rules import rules_report

    engine, demo = roster_db
    found = rules_report(engine, demo.as_of)
    columns = ["rule", "cell_code", "staff_id"]

    def keys(frame):
        rows = frame[columns].astype(object).where(frame[columns].notna(), None)
        return sorted(map(tuple, rows.values.tolist()), key=str)

    assert keys(found) == keys(demo.planted)
    assert {"assistants_per_village", "responsible_per_township"} <= set(found["rule"])
    assert {"within_own_county", "inactive_staff"} <= set(found["rule"])
