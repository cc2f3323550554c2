"""Staffing rules on a tiny hand-made roster (no database).

The grid: 青岛市 → 崂山区 (and 黄岛区, empty) → two townships: 沙子口街道
(370212001) and 高新区 (370214400, a zone filed under 崂山区 although its
code starts with 城阳区's 370214) → villages 东社区, 西社区, 南村 under the
first and 北村 under the zone.

Who is where (duty in brackets), and what each rule should find:

=====  ====================  ===========  ==========================================
id     person                unit         assignments
=====  ====================  ===========  ==========================================
A1     赵一 协管员            沙子口街道    东社区, 西社区 (assistant): half of each
                                          (shared): 160 employers, 5,500 workers
                                          → both assistant limits
A2     钱二 协管员            沙子口街道    东社区 (assistant), 高新区 (responsible)
                                          → duty_matches_kind
A3     孙三 协管员            高新区        北村 (assistant): same county by chain
A4     李四 协管员            黄岛区        西社区 (assistant) → within_own_county
A5     周五 协管员 (inactive) 崂山区        南村 (assistant) → inactive_staff
I1     吴六 监察员            崂山区        沙子口街道 (responsible), 东社区 (liaison,
                                          inside: counted once → 330 employers)
I2     郑七 监察员            崂山区        北村 (supervisor; prefix differs, chain
                                          agrees), 370212001009 (closed) → closed_cell
X1     (not in the register)              南村 (assistant) → inactive_staff
=====  ====================  ===========  ==========================================

东社区 and 西社区 have exactly 2 assistants (fine), 北村 1, 南村 0 (an
inactive and an unknown person do not count); 高新区 has no responsible
inspector (钱二 is an assistant).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.errors import StaffingRulesError, TwoNetError
from grid.staffing import (
    BREACH_COLUMNS,
    CELL_STAFFING_COLUMNS,
    RULE_NAMES,
    WORKLOAD_COLUMNS,
    RuleSetting,
    StaffingContext,
    StaffingRules,
    cell_staffing,
    check_rules,
    workload,
)

AS_OF = dt.date(2026, 6, 30)
EAST, WEST, SOUTH = "370212001001", "370212001002", "370212001003"
NORTH = "370214400001"
SHAZIKOU, ZONE, LAOSHAN = "370212001", "370214400", "370212"
CLOSED = "370212001009"


def _cells() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("370200", "青岛市", "city", None),
            (LAOSHAN, "崂山区", "county", "370200"),
            ("370211", "黄岛区", "county", "370200"),
            (SHAZIKOU, "沙子口街道", "township", LAOSHAN),
            (ZONE, "高新区", "township", LAOSHAN),
            (EAST, "东社区", "village", SHAZIKOU),
            (WEST, "西社区", "village", SHAZIKOU),
            (SOUTH, "南村", "village", SHAZIKOU),
            (NORTH, "北村", "village", ZONE),
        ],
        columns=["code", "name", "level", "parent_code"],
    )


def _staff() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("A1", "赵一", "assistant", SHAZIKOU, True),
            ("A2", "钱二", "assistant", SHAZIKOU, True),
            ("A3", "孙三", "assistant", ZONE, True),
            ("A4", "李四", "assistant", "370211", True),
            ("A5", "周五", "assistant", LAOSHAN, False),
            ("I1", "吴六", "inspector", LAOSHAN, True),
            ("I2", "郑七", "inspector", LAOSHAN, True),
        ],
        columns=["staff_id", "name", "kind", "unit_code", "active"],
    )


def _assignments() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("A1", EAST, "assistant"),
            ("A1", WEST, "assistant"),
            ("A2", EAST, "assistant"),
            ("A2", ZONE, "responsible"),
            ("A3", NORTH, "assistant"),
            ("A4", WEST, "assistant"),
            ("A5", SOUTH, "assistant"),
            ("I1", SHAZIKOU, "responsible"),
            ("I1", EAST, "liaison"),
            ("I2", NORTH, "supervisor"),
            ("I2", CLOSED, "liaison"),
            ("X1", SOUTH, "assistant"),
        ],
        columns=["staff_id", "cell_code", "duty"],
    )


def _load() -> pd.DataFrame:
    return pd.DataFrame(
        [
            (EAST, 200, 4_000),
            (WEST, 120, 7_000),
            (SOUTH, 10, 100),
            (NORTH, 5, 50),
            (SHAZIKOU, 330, 11_100),
            (ZONE, 5, 50),
            (LAOSHAN, 335, 11_150),
            ("370200", 335, 11_150),
        ],
        columns=["cell_code", "employers", "workers"],
    )


def _context(**frames: pd.DataFrame) -> StaffingContext:
    parts = {
        "cells": _cells(),
        "staff": _staff(),
        "assignments": _assignments(),
        "load": _load(),
        **frames,
    }
    return StaffingContext(**parts, as_of=AS_OF)


def _keys(breaches: pd.DataFrame) -> list[tuple[object, ...]]:
    rows = breaches[["rule", "cell_code", "staff_id", "value", "limit"]]
    return [
        tuple(None if pd.isna(v) else v for v in row)
        for row in rows.itertuples(index=False, name=None)
    ]


EXPECTED = [
    ("assistants_per_village", SOUTH, None, 0, 2),
    ("assistants_per_village", NORTH, None, 1, 2),
    ("responsible_per_township", ZONE, None, 0, 1),
    ("within_own_county", WEST, "A4", None, None),
    ("employers_per_assistant", None, "A1", 160, 150),
    ("workers_per_assistant", None, "A1", 5_500, 5_000),
    ("closed_cell", CLOSED, "I2", None, None),
    ("inactive_staff", SOUTH, "A5", None, None),
    ("inactive_staff", SOUTH, "X1", None, None),
    ("duty_matches_kind", ZONE, "A2", None, None),
]


# ------------------------------------------------------------------ rules
def test_every_planted_breach_is_found_and_nothing_else():
    breaches = check_rules(_context())
    assert list(breaches.columns) == list(BREACH_COLUMNS)
    assert _keys(breaches) == EXPECTED


def test_severities_follow_the_defaults():
    breaches = check_rules(_context()).drop_duplicates("rule")
    severity = dict(zip(breaches["rule"], breaches["severity"], strict=True))
    assert severity["assistants_per_village"] == "warning"
    assert severity["responsible_per_township"] == "error"
    assert severity["closed_cell"] == "error"


def test_messages_name_the_place_the_person_and_the_numbers():
    breaches = check_rules(_context()).set_index(["rule", "cell_code", "staff_id"])
    zh = breaches["message_zh"]
    en = breaches["message_en"]
    assert zh["assistants_per_village", NORTH, None] == (
        "崂山区高新区北村：协管员 1 名，少于 2 名"
    )
    assert en["assistants_per_village", NORTH, None].startswith(
        "崂山区高新区北村: 1 assistant"
    )
    assert zh["employers_per_assistant", None, "A1"] == (
        "协管员赵一（A1）负责 2 个网格，用人单位 160 家，超过 150 家"
    )
    assert "5500 workers" in en["workers_per_assistant", None, "A1"]
    assert zh["within_own_county", WEST, "A4"] == (
        "李四（A4）的所属单位属黄岛区，却分配到崂山区沙子口街道西社区"
    )
    assert "2026-06-30" in zh["inactive_staff", SOUTH, "A5"]
    assert "不在人员名册" in zh["inactive_staff", SOUTH, "X1"]
    assert CLOSED in en["closed_cell", CLOSED, "I2"]
    assert "钱二（A2）是协管员" in zh["duty_matches_kind", ZONE, "A2"]


def test_names_are_filled_and_missing_ones_are_none():
    breaches = check_rules(_context()).set_index(["rule", "cell_code", "staff_id"])
    assert breaches.loc[("within_own_county", WEST, "A4"), "cell_name"] == "西社区"
    assert breaches.loc[("within_own_county", WEST, "A4"), "staff_name"] == "李四"
    assert breaches.loc[("closed_cell", CLOSED, "I2"), "cell_name"] is None
    assert breaches.loc[("inactive_staff", SOUTH, "X1"), "staff_name"] is None


def test_exactly_the_minimum_is_fine_and_the_limit_is_configurable():
    rules = StaffingRules.from_mapping(
        {"assistants_per_village": {"min_assistants": 1}}
    )
    found = check_rules(_context(), rules)
    villages = found[found["rule"] == "assistants_per_village"]
    assert villages["cell_code"].tolist() == [SOUTH]  # 北村's one is now enough
    rules = StaffingRules.from_mapping(
        {"assistants_per_village": {"min_assistants": 3}}
    )
    found = check_rules(_context(), rules)
    villages = found[found["rule"] == "assistants_per_village"]
    assert villages["cell_code"].tolist() == [EAST, WEST, SOUTH, NORTH]


def test_a_disabled_rule_reports_nothing_and_severity_is_configurable():
    rules = StaffingRules.from_mapping(
        {
            "inactive_staff": {"enabled": False},
            "closed_cell": {"severity": "warning"},
        }
    )
    found = check_rules(_context(), rules)
    assert "inactive_staff" not in set(found["rule"])
    assert found.loc[found["rule"] == "closed_cell", "severity"].tolist() == ["warning"]


def test_load_is_summed_over_cells_and_a_nested_cell_counts_once():
    rules = StaffingRules.from_mapping(
        {"employers_per_inspector": {"max_employers": 329}}
    )
    found = check_rules(_context(), rules)
    over = found[found["rule"] == "employers_per_inspector"]
    # 沙子口街道 330; 东社区 lies inside it, so not 330 + 200
    assert over[["staff_id", "value", "limit"]].values.tolist() == [["I1", 330, 329]]


def test_county_comes_from_the_parent_chain_not_the_code_prefix():
    # I2 (崂山区) in 北村 370214400001: prefix 370214 ≠ 370212, chain says 崂山区
    found = check_rules(_context())
    county = found[found["rule"] == "within_own_county"]
    assert county["staff_id"].tolist() == ["A4"]


def test_a_unit_that_is_no_cell_falls_back_to_its_county_code():
    staff = _staff()
    staff.loc[staff["staff_id"] == "A3", "unit_code"] = "370211005"  # not a cell
    staff.loc[staff["staff_id"] == "I2", "unit_code"] = "370212999"  # not a cell
    found = check_rules(_context(staff=staff))
    county = found[found["rule"] == "within_own_county"]
    assert county[["cell_code", "staff_id"]].values.tolist() == [
        [WEST, "A4"],
        [NORTH, "A3"],
    ]


def test_an_inactive_person_does_not_count_and_is_reported():
    staff = _staff()
    staff.loc[staff["staff_id"] == "A1", "active"] = False
    found = check_rules(_context(staff=staff))
    villages = found[found["rule"] == "assistants_per_village"]
    assert villages[["cell_code", "value"]].values.tolist() == [
        [EAST, 1],
        [WEST, 1],
        [SOUTH, 0],
        [NORTH, 1],
    ]
    inactive = found[found["rule"] == "inactive_staff"]
    assert inactive[["cell_code", "staff_id"]].values.tolist() == [
        [EAST, "A1"],
        [WEST, "A1"],
        [SOUTH, "A5"],
        [SOUTH, "X1"],
    ]


def test_a_split_village_is_judged_by_its_sub_grids():
    cells = pd.concat(
        [
            _cells(),
            pd.DataFrame(
                [(SOUTH + "01", "南村一格", "village", SOUTH)],
                columns=["code", "name", "level", "parent_code"],
            ),
        ]
    )
    found = check_rules(_context(cells=cells))
    villages = found[found["rule"] == "assistants_per_village"]
    assert villages["cell_code"].tolist() == [SOUTH + "01", NORTH]
    assert villages["message_zh"].iloc[0].startswith("崂山区沙子口街道南村南村一格：")


def test_an_inspector_on_duty_assistant_is_no_assistant():
    assignments = pd.concat(
        [
            _assignments(),
            pd.DataFrame(
                [("I1", NORTH, "assistant")], columns=["staff_id", "cell_code", "duty"]
            ),
        ]
    )
    found = check_rules(_context(assignments=assignments))
    north = found[
        (found["rule"] == "assistants_per_village") & (found["cell_code"] == NORTH)
    ]
    assert north["value"].tolist() == [1]


def test_the_same_assignment_twice_is_one_breach():
    assignments = pd.concat([_assignments(), _assignments()])
    assert _keys(check_rules(_context(assignments=assignments))) == _keys(
        check_rules(_context())
    )


def test_no_assignments_at_all():
    empty = _assignments().iloc[0:0]
    found = check_rules(_context(assignments=empty))
    assert set(found["rule"]) == {"assistants_per_village", "responsible_per_township"}
    assert found["cell_code"].tolist() == [EAST, WEST, SOUTH, NORTH, SHAZIKOU, ZONE]


def test_all_rules_disabled_gives_an_empty_frame_with_the_columns():
    rules = dataclasses.replace(
        StaffingRules(),
        **{
            name: dataclasses.replace(StaffingRules().setting(name), enabled=False)
            for name in RULE_NAMES
        },
    )
    found = check_rules(_context(), rules)
    assert found.empty and list(found.columns) == list(BREACH_COLUMNS)


def test_a_context_frame_without_its_columns_is_refused():
    with pytest.raises(TwoNetError, match=r"assignments.*cell_code"):
        _context(assignments=pd.DataFrame({"staff_id": ["A1"], "duty": ["x"]}))


# ------------------------------------------------------- workload, status
def test_workload_per_person():
    load = workload(_context())
    assert list(load.columns) == list(WORKLOAD_COLUMNS)
    rows = load.astype(object).where(load.notna(), None).values.tolist()
    assert rows == [
        ["A1", "赵一", "assistant", 2, 160, 5_500],
        ["A2", "钱二", "assistant", 2, 105, 2_050],
        ["A3", "孙三", "assistant", 1, 5, 50],
        ["A4", "李四", "assistant", 1, 60, 3_500],
        ["A5", "周五", "assistant", 1, 10, 100],
        ["I1", "吴六", "inspector", 2, 330, 11_100],
        ["I2", "郑七", "inspector", 2, 5, 50],
        ["X1", None, None, 1, 10, 100],
    ]


def test_an_active_person_without_assignments_has_zero_load():
    staff = pd.concat(
        [
            _staff(),
            pd.DataFrame(
                [
                    ("A9", "冯九", "assistant", SHAZIKOU, True),
                    ("A8", "陈八", "assistant", SHAZIKOU, False),
                ],
                columns=["staff_id", "name", "kind", "unit_code", "active"],
            ),
        ]
    )
    load = workload(_context(staff=staff)).set_index("staff_id")
    assert load.loc["A9", ["cells", "employers", "workers"]].tolist() == [0, 0, 0]
    assert "A8" not in load.index  # inactive and unassigned


def test_cell_staffing_status():
    status = cell_staffing(_context())
    assert list(status.columns) == list(CELL_STAFFING_COLUMNS)
    assert status.values.tolist() == [
        ["370200", "city", 0, 0, "none"],
        ["370211", "county", 0, 0, "none"],
        [LAOSHAN, "county", 0, 0, "none"],
        [SHAZIKOU, "township", 0, 1, "full"],
        [EAST, "village", 2, 0, "full"],
        [WEST, "village", 2, 0, "full"],
        [SOUTH, "village", 0, 0, "none"],
        [ZONE, "township", 0, 0, "under"],
        [NORTH, "village", 1, 0, "under"],
    ]


def test_cell_staffing_follows_the_configured_minimum():
    rules = StaffingRules.from_mapping(
        {"assistants_per_village": {"min_assistants": 1}}
    )
    status = cell_staffing(_context(), rules).set_index("code")["status"]
    assert status[NORTH] == "full"


# -------------------------------------------------------------- settings
def test_defaults_are_the_deployment_defaults():
    rules = StaffingRules()
    assert rules.assistants_per_village == RuleSetting(True, "warning", 2)
    assert rules.responsible_per_township.limit == 1
    assert (rules.employers_per_assistant.limit, rules.workers_per_assistant.limit) == (
        150,
        5_000,
    )
    assert (
        rules.employers_per_inspector.limit,
        rules.workers_per_inspector.limit,
    ) == (1_500, 20_000)
    assert all(rules.setting(name).enabled for name in RULE_NAMES)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"assistants_per_villages": {}}, "'assistants_per_villages'"),
        ({"closed_cell": {"limit": 3}}, "'limit'"),
        ({"assistants_per_village": {"max_employers": 3}}, "'max_employers'"),
        ({"closed_cell": {"severity": "fatal"}}, "'fatal'"),
        ({"closed_cell": {"enabled": "yes"}}, "'yes'"),
        ({"assistants_per_village": {"min_assistants": 0}}, "got 0"),
        ({"workers_per_inspector": {"max_workers": -5}}, "got -5"),
        ({"workers_per_inspector": {"max_workers": 2.5}}, "got 2.5"),
        ({"workers_per_inspector": {"max_workers": True}}, "got True"),
        ({"workers_per_inspector": {"max_workers": "20000"}}, "got '20000'"),
        ({"closed_cell": "error"}, "'error'"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_value_and_the_source(data, shown):
    with pytest.raises(StaffingRulesError) as caught:
        StaffingRules.from_mapping(data, source="部署.toml")
    assert shown in str(caught.value)
    assert "部署.toml" in str(caught.value)


def test_every_problem_is_reported_at_once():
    with pytest.raises(StaffingRulesError) as caught:
        StaffingRules.from_mapping(
            {"nope": {}, "closed_cell": {"severity": "x", "enabled": 1}}
        )
    message = str(caught.value)
    assert "'nope'" in message and "'x'" in message and "got 1" in message


def test_a_setting_is_checked_when_made_in_code():
    with pytest.raises(StaffingRulesError, match="'fatal'"):
        RuleSetting(severity="fatal")
    with pytest.raises(StaffingRulesError, match="min_assistants"):
        dataclasses.replace(StaffingRules(), assistants_per_village=RuleSetting())
    with pytest.raises(StaffingRulesError, match="unknown rule"):
        StaffingRules().setting("nope")


# -------------------------------------------------------------- property
_VILLAGES = (EAST, WEST, SOUTH, NORTH)
_POOL = [
    (person, village, duty)
    for person in ("A1", "A2", "A3", "A4", "A5", "I1", "X1")
    for village in _VILLAGES
    for duty in ("assistant", "liaison")
]


_ONLY_VILLAGES = StaffingRules.from_mapping(
    {name: {"enabled": name == "assistants_per_village"} for name in RULE_NAMES}
)


@settings(max_examples=50, deadline=None)
@given(
    chosen=st.lists(st.sampled_from(_POOL), max_size=12),
    inactive=st.sets(st.sampled_from(["A1", "A2", "A3", "A4"])),
    village=st.sampled_from(_VILLAGES),
)
def test_adding_an_assistant_never_adds_a_village_breach(chosen, inactive, village):
    staff = _staff()
    staff.loc[staff["staff_id"].isin(inactive), "active"] = False
    staff = pd.concat(
        [
            staff,
            pd.DataFrame(
                [("NEW", "新人", "assistant", SHAZIKOU, True)], columns=staff.columns
            ),
        ]
    )
    before_rows = pd.DataFrame(chosen, columns=["staff_id", "cell_code", "duty"])
    after_rows = pd.concat(
        [
            before_rows,
            pd.DataFrame([("NEW", village, "assistant")], columns=before_rows.columns),
        ]
    )

    def village_breaches(rows: pd.DataFrame) -> dict[str, int]:
        found = check_rules(_context(staff=staff, assignments=rows), _ONLY_VILLAGES)
        return dict(zip(found["cell_code"], found["value"], strict=True))

    before, after = village_breaches(before_rows), village_breaches(after_rows)
    assert set(after) <= set(before)
    assert all(after[code] >= before[code] for code in after)
    if village in after:
        assert after[village] == before[village] + 1
