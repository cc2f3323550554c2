"""Workload balancing on tiny hand-checkable problems: cells in a row."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.balance import (
    BalanceProblem,
    BalanceWeights,
    apply_changes,
    balance_cp_sat,
    balance_greedy,
    is_connected,
)
from grid.balance_inputs import cell_loads, cell_neighbours
from grid.errors import BalanceError

#: Tiny problems are solved to optimality far sooner.
LIMIT = 2.0


def row(
    loads: list[float],
    holds: dict[str, list[int]],
    homes: dict[str, int] | None = None,
    **options: object,
) -> BalanceProblem:
    """Cells V0… in a row 0.01° apart (each touches the next), people at home."""
    codes = [f"V{i}" for i in range(len(loads))]
    cells = pd.DataFrame(
        {
            "code": codes,
            "load": loads,
            "lon": [120.0 + 0.01 * i for i in range(len(loads))],
            "lat": 36.0,
            "neighbours": [
                [codes[j] for j in (i - 1, i + 1) if 0 <= j < len(codes)]
                for i in range(len(codes))
            ],
        }
    )
    homes = homes or {s: cells_[0] for s, cells_ in holds.items() if cells_}
    people = pd.DataFrame(
        {
            "staff_id": list(holds),
            "lon": [120.0 + 0.01 * homes.get(s, 0) for s in holds],
            "lat": 36.0,
        }
    )
    jobs = pd.DataFrame(
        [(s, codes[c]) for s, cells_ in holds.items() for c in cells_],
        columns=["staff_id", "cell_code"],
    )
    return BalanceProblem(cells, people, jobs, **options)  # type: ignore[arg-type]


def held(result) -> dict[str, set[str]]:
    frame = result.assignments
    return {
        s: set(frame.loc[frame["staff_id"] == s, "cell_code"])
        for s in frame["staff_id"].unique()
    }


SOLVERS = {
    "cp-sat": lambda problem: balance_cp_sat(problem, time_limit=LIMIT, workers=1),
    "greedy": balance_greedy,
}


def test_cp_sat_finds_the_obviously_balanced_answer():
    problem = row([10, 10, 10, 10], {"A": [0, 1, 2], "B": [3]}, {"A": 0, "B": 3})
    result = balance_cp_sat(problem, time_limit=LIMIT)
    assert result.status == "OPTIMAL"
    assert held(result) == {"A": {"V0", "V1"}, "B": {"V2", "V3"}}
    assert (result.before.max_load, result.after.max_load) == (30, 20)
    assert result.after.ratio == 1.0
    assert result.changes == [
        {"op": "remove", "staff_id": "A", "cell": "V2", "duty": "assistant"},
        {"op": "add", "staff_id": "B", "cell": "V2", "duty": "assistant"},
    ]
    assert result.after.moves == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_no_moves_allowed_changes_nothing(solver):
    problem = row([10, 10, 10, 10], {"A": [0, 1, 2], "B": [3]}, max_moves=0)
    result = SOLVERS[solver](problem)
    assert result.changes == []
    pd.testing.assert_frame_equal(
        result.assignments,
        problem.assignments.sort_values(["staff_id", "cell_code"], ignore_index=True),
    )
    assert result.after == result.before


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_moves_stay_within_max_moves(solver, limit):
    problem = row(
        [10, 10, 10, 10, 10, 10],
        {"A": [0, 1, 2, 3], "B": [4], "C": [5]},
        max_moves=limit,
        extra_holders=1,
    )
    result = SOLVERS[solver](problem)
    assert len(result.changes) == result.after.moves <= limit


def test_a_person_replaced_elsewhere_is_one_move():
    # A (home V0) holds V3, far away; B (home V3) holds V1: swapping is two moves
    problem = row(
        [10, 10, 10, 10],
        {"A": [0, 3], "B": [1, 2]},
        {"A": 0, "B": 3},
        weights=BalanceWeights(moves=1.0),
    )
    result = balance_cp_sat(problem, time_limit=LIMIT)
    assert held(result) == {"A": {"V0", "V1"}, "B": {"V2", "V3"}}
    assert result.changes == [
        {"op": "move", "staff_id": "A", "from": "V3", "to": "V1", "duty": "assistant"},
        {"op": "move", "staff_id": "B", "from": "V1", "to": "V3", "duty": "assistant"},
    ]


def test_nobody_takes_a_cell_outside_their_candidates():
    # one county's cells only; with candidates=1 a person may take only the
    # cell nearest home besides those held
    problem = row(
        [30, 1, 1, 1, 1],
        {"A": [0], "B": [1], "C": [4]},
        {"A": 0, "B": 1, "C": 4},
        candidates=1,
        extra_holders=2,
    )
    index = problem.index
    for solver in SOLVERS.values():
        result = solver(problem)
        assert set(result.assignments["cell_code"]) <= set(problem.cells["code"])
        assert set(result.assignments["staff_id"]) <= set(problem.people["staff_id"])
        for staff_id, cells in held(result).items():
            p = index.staff.index(staff_id)
            allowed = {index.codes[c] for c in index.candidates[p]}
            assert cells <= allowed
    assert [sorted(index.codes[c] for c in cs) for cs in index.candidates] == [
        ["V0"],
        ["V1"],
        ["V4"],
    ]


@pytest.mark.parametrize("solver", SOLVERS)
def test_contiguity_is_kept_when_asked(solver):
    # loads 3 | 4 | 3: the best split, {V0, V2} | {V1}, is not connected
    free = SOLVERS[solver](row([3, 4, 3], {"A": [0, 1], "B": [2]}))
    assert free.after.max_load == 6
    assert {"V0", "V2"} in held(free).values()
    kept = SOLVERS[solver](row([3, 4, 3], {"A": [0, 1], "B": [2]}, contiguous=True))
    assert held(kept) == {"A": {"V0", "V1"}, "B": {"V2"}}
    assert kept.after.max_load == 7


def test_contiguity_of_larger_sets_by_flow():
    # 1 1 5 1 1: B taking V0, V1, V3, V4 would balance (5 | 4) but splits B;
    # four cells and no max_cells, so the flow formulation is used
    holds = {"A": [0, 1, 2], "B": [3, 4]}
    problem = row([1, 1, 5, 1, 1], holds, {"A": 2, "B": 3}, contiguous=True)
    result = balance_cp_sat(problem, time_limit=LIMIT)
    neighbours = problem.index.neighbours
    codes = problem.index.codes
    for cells in held(result).values():
        assert is_connected({codes.index(c) for c in cells}, neighbours)
    assert result.after.max_load == 7
    free = balance_cp_sat(row([1, 1, 5, 1, 1], holds), time_limit=LIMIT)
    assert held(free) == {"A": {"V2"}, "B": {"V0", "V1", "V3", "V4"}}


def test_a_person_whose_cells_are_split_is_exempt():
    problem = row([10, 10, 10], {"A": [0, 2], "B": [1]}, contiguous=True)
    result = balance_cp_sat(problem, time_limit=LIMIT)
    assert result.exempt == ("A",)


def test_a_cell_short_of_holders_is_filled_and_shares_its_load():
    # V0 needs 2 holders and has 1; B nearby is idle
    problem = row([10, 2], {"A": [0], "B": []}, {"A": 0, "B": 0}, min_holders=2)
    assert problem.index.need.tolist() == [2, 2]
    result = balance_cp_sat(problem, time_limit=LIMIT)
    assert result.before.shortfall == 3
    assert "V0" in held(result)["B"]
    assert result.after.shortfall < result.before.shortfall
    assert result.after.max_load < result.before.max_load


def test_an_extra_holder_shares_a_heavy_cell():
    problem = row([10, 2], {"A": [0], "B": [1]}, extra_holders=1)
    result = balance_cp_sat(problem, time_limit=LIMIT)
    # both take both cells: 10 / 2 + 2 / 2 each
    assert held(result) == {"A": {"V0", "V1"}, "B": {"V0", "V1"}}
    assert result.after.max_load == result.after.min_load == 6
    # greedy: B joins V0 (5 | 7), then A joins V1 (6 | 6)
    greedy = balance_greedy(problem)
    assert held(greedy) == held(result)
    assert greedy.after.moves == 2


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_change_set_turns_the_current_assignments_into_the_new(solver):
    problem = row(
        [5, 1, 8, 1, 3, 9],
        {"A": [0, 1], "B": [2, 3, 4], "C": [5]},
        {"A": 0, "B": 3, "C": 5},
        extra_holders=1,
        weights=BalanceWeights(moves=1.0),
    )
    result = SOLVERS[solver](problem)
    assert result.changes
    after = apply_changes(problem.assignments, result.changes)
    pd.testing.assert_frame_equal(after, result.assignments)


def test_apply_changes_refuses_what_does_not_fit():
    jobs = pd.DataFrame({"staff_id": ["A"], "cell_code": ["V0"]})
    with pytest.raises(BalanceError, match="change 1"):
        apply_changes(jobs, [{"op": "remove", "staff_id": "B", "cell": "V0"}])
    swapped = apply_changes(
        pd.DataFrame({"staff_id": ["A", "B"], "cell_code": ["V0", "V1"]}),
        [
            {
                "op": "swap",
                "staff_id": "A",
                "other_staff_id": "B",
                "cell": "V0",
                "other_cell": "V1",
            }
        ],
    )
    assert swapped.values.tolist() == [["A", "V1"], ["B", "V0"]]


@settings(max_examples=40, deadline=None)
@given(
    loads=st.lists(st.integers(0, 20), min_size=3, max_size=7),
    owners=st.lists(st.integers(0, 2), min_size=7, max_size=7),
    contiguous=st.booleans(),
    extra=st.integers(0, 1),
    max_moves=st.one_of(st.none(), st.integers(0, 4)),
)
def test_greedy_never_makes_the_maximum_worse(
    loads, owners, contiguous, extra, max_moves
):
    holds: dict[str, list[int]] = {"A": [], "B": [], "C": []}
    for cell in range(len(loads)):
        holds["ABC"[owners[cell]]].append(cell)
    problem = row(
        loads,
        holds,
        {"A": 0, "B": len(loads) // 2, "C": len(loads) - 1},
        contiguous=contiguous,
        extra_holders=extra,
        max_moves=max_moves,
    )
    result = balance_greedy(problem)
    assert result.after.max_load <= result.before.max_load + 1e-9
    if max_moves is not None:
        assert result.after.moves <= max_moves
    after = apply_changes(problem.assignments, result.changes)
    pd.testing.assert_frame_equal(after, result.assignments)
    if contiguous:
        index = problem.index
        for p, staff_id in enumerate(index.staff):
            if p not in index.exempt:
                cells = held(result).get(staff_id, set())
                assert is_connected(
                    {index.codes.index(c) for c in cells}, index.neighbours
                )


def test_a_malformed_problem_names_what_is_wrong():
    cells = pd.DataFrame(
        {
            "code": ["V0"],
            "load": [-1.0],
            "lon": [120.0],
            "lat": [36.0],
            "neighbours": [[]],
        }
    )
    people = pd.DataFrame({"staff_id": ["A"], "lon": [120.0], "lat": [36.0]})
    jobs = pd.DataFrame({"staff_id": ["A", "Z"], "cell_code": ["V9", "V0"]})
    with pytest.raises(BalanceError) as caught:
        BalanceProblem(cells, people, jobs)
    message = str(caught.value)
    assert "V9" in message and "'Z'" in message and "load" in message


def test_neighbours_tolerate_slivers_and_skip_missing_geometry():
    left = shapely.box(0, 0, 1, 1)
    right = shapely.box(1.000001, 0, 2, 1)  # a 1e-6° gap: still neighbours
    far = shapely.box(3, 0, 4, 1)
    assert cell_neighbours(["a", "b", "c", "d"], [left, right, far, None]) == [
        ["b"],
        ["a"],
        [],
        [],
    ]


def test_loads_by_employers_workers_and_risk():
    employers = pd.DataFrame(
        {
            "cell_code": ["a", "a", "b"],
            "staff": [10, None, 4],
            "contracts_required": [10, None, 0],
            "contracts_signed": [10, None, 0],
            "insured": [5, None, 4],
        }
    )
    assert cell_loads(employers, ["a", "b", "c"], "employers").tolist() == [2, 1, 0]
    assert cell_loads(employers, ["a", "b", "c"], "workers").tolist() == [10, 4, 0]
    # a: 1 + 0 + 0.5 (half uninsured) and 1 (counts unknown); b: 1
    assert cell_loads(employers, ["a", "b", "c"], "risk").tolist() == [2.5, 1, 0]
    with pytest.raises(BalanceError, match="'staff'"):
        cell_loads(employers, ["a"], "staff")
