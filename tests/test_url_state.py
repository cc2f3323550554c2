"""Pure tests of the URL state, the cell search and the map focus patch.

No browser, no database: :mod:`maps.url_state` reads and writes plain
mappings, :mod:`maps.cell_search` works on a hand-made cell directory, and
the focus patch is checked in the map's HTML.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from grid.codes import Level
from maps import basemaps, cell_search, layers, url_state
from maps.layers import View

# ---------------------------------------------------------------- url state
DEFAULTS: dict[str, Any] = {
    "view": View(),
    "date": dt.date(2026, 12, 3),
    "colour": "children",
    "emp": True,
    "k": 5,
    "types": [],
    "cell": "",
    "q": "",
    "basemap": "osm",
}
PARAMS = (
    url_state.view("view"),
    url_state.date("date", "date"),
    url_state.choice("colour", "colour", ("children", "level")),
    url_state.flag("emp", "emp"),
    url_state.integer("k", "k", 3, 7),
    url_state.choices("types", "types", ("wage_arrears", "no_contract")),
    url_state.code("cell_code", "cell"),
    url_state.text("q", "q", max_length=10),
    url_state.token("basemap", "basemap"),
)


def test_an_empty_url_gives_the_defaults() -> None:
    assert url_state.read({}, PARAMS, DEFAULTS) == DEFAULTS


def test_good_values_are_read() -> None:
    query = {
        "level": "village",
        "in": "370211001",
        "cell": "370211001003",
        "date": "2025-06-30",
        "colour": "level",
        "emp": "0",
        "k": "7",
        "types": "no_contract,wage_arrears,no_contract",
        "cell_code": "370211",
        "q": "辛安 公司",
        "basemap": "tianditu",
    }
    values = url_state.read(query, PARAMS, DEFAULTS)
    assert values == {
        "view": View(Level.VILLAGE, "370211001", "370211001003"),
        "date": dt.date(2025, 6, 30),
        "colour": "level",
        "emp": False,
        "k": 7,
        "types": ["no_contract", "wage_arrears"],
        "cell": "370211",
        "q": "辛安 公司",
        "basemap": "tianditu",
    }


@pytest.mark.parametrize(
    ("name", "bad"),
    [
        ("level", "province"),
        ("date", "2025-13-01"),
        ("date", "1066-10-14"),
        ("date", "yesterday"),
        ("colour", "rainbow"),
        ("emp", "yes"),
        ("k", "99"),
        ("k", "2.5"),
        ("k", ""),
        ("types", "wage_arrears,arson"),
        ("cell_code", "37021"),
        ("cell_code", "３７０２１１"),
        ("q", "x" * 11),
        ("q", "a\nb"),
        ("basemap", "<script>"),
    ],
)
def test_a_bad_value_falls_back_to_the_default(name: str, bad: str) -> None:
    assert url_state.read({name: bad}, PARAMS, DEFAULTS) == DEFAULTS


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # "in" one level above "level", "cell" a village under "in"
        ({"level": "township", "in": "370211"}, View(Level.TOWNSHIP, "370211")),
        ({"level": "county", "in": "370200"}, View(Level.COUNTY, "370200")),
        # "in" at the wrong level or malformed: dropped
        ({"level": "township", "in": "370211001"}, View(Level.TOWNSHIP)),
        ({"level": "village", "in": "37x211001"}, View(Level.VILLAGE)),
        ({"level": "village", "in": "3702110011"}, View(Level.VILLAGE)),
        # a selected cell that is no village, or not under "in": dropped
        (
            {"level": "village", "in": "370211001", "cell": "370212001001"},
            View(Level.VILLAGE, "370211001"),
        ),
        (
            {"level": "township", "in": "370211", "cell": "370211001001"},
            View(Level.TOWNSHIP, "370211"),
        ),
        ({"level": "village", "cell": "370211001"}, View(Level.VILLAGE)),
    ],
)
def test_the_drill_position_is_checked(query: dict[str, str], expected: View) -> None:
    assert url_state.read(query, PARAMS, DEFAULTS)["view"] == expected


def test_no_level_means_the_default_view() -> None:
    values = url_state.read({"in": "370211", "cell": "370211001001"}, PARAMS, DEFAULTS)
    assert values["view"] == View()


def test_defaults_are_left_out_of_the_url() -> None:
    assert url_state.write(DEFAULTS, PARAMS, DEFAULTS) == {}


@pytest.mark.parametrize(
    "changes",
    [
        {"view": View(Level.VILLAGE, "370211001", "370211001003")},
        {"view": View(Level.TOWNSHIP, "370211")},
        {"view": View(Level.VILLAGE)},
        {"date": dt.date(2024, 2, 29), "colour": "level", "emp": False},
        {"k": 3, "types": ["wage_arrears", "no_contract"], "cell": "370211001"},
        {"q": "辛安&a=b", "basemap": "gaode"},
    ],
)
def test_written_values_read_back(changes: dict[str, Any]) -> None:
    values = {**DEFAULTS, **changes}
    query = url_state.write(values, PARAMS, DEFAULTS)
    assert set(query) <= set(url_state.names_of(PARAMS))
    assert url_state.read(query, PARAMS, DEFAULTS) == values


def test_the_view_is_written_with_short_names() -> None:
    view = View(Level.VILLAGE, "370211001", "370211001003")
    query = url_state.write({"view": view}, PARAMS, DEFAULTS)
    assert query == {"level": "village", "in": "370211001", "cell": "370211001003"}


def test_a_missing_default_reads_as_none() -> None:
    params = (url_state.integer("item", "item", 1, 100),)
    assert url_state.read({"item": "abc"}, params, {}) == {"item": None}
    assert url_state.write({"item": None}, params, {"item": None}) == {}
    assert url_state.write({"item": 4}, params, {"item": None}) == {"item": "4"}


# -------------------------------------------------------------- cell search
@pytest.fixture()
def directory() -> pd.DataFrame:
    rows = [
        ("370200", "青岛市", "city", None, None),
        ("370211", "黄岛区", "county", "370200", "青岛市"),
        ("370212", "崂山区", "county", "370200", "青岛市"),
        ("370211002", "辛安街道", "township", "370211", "黄岛区"),
        ("370211003", "薛家岛街道", "township", "370211", "黄岛区"),
        ("370212001", "中韩街道", "township", "370212", "崂山区"),
        ("370211002001", "辛安社区", "village", "370211002", "辛安街道"),
        ("370211003001", "东村", "village", "370211003", "薛家岛街道"),
        ("370212001001", "东村", "village", "370212001", "中韩街道"),
        ("370212001002", "辛安", "village", "370212001", "中韩街道"),
    ]
    return pd.DataFrame(
        rows, columns=["code", "name", "level", "parent_code", "parent_name"]
    )


def _codes(found: cell_search.CellMatches) -> list[str]:
    return found.rows["code"].tolist()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("370200", "370200"),  # a city
        ("370211", "370211"),  # a county, not its townships
        ("370211003", "370211003"),  # a township
        ("370212001002", "370212001002"),  # a village
        ("黄岛区", "370211"),
        ("黄岛", "370211"),  # part of a name
        ("薛家", "370211003"),
        (" 崂山 ", "370212"),
        ("３７０２１１", "370211"),  # typed with a full-width input method
    ],
)
def test_a_unique_match_at_every_level(
    directory: pd.DataFrame, query: str, code: str
) -> None:
    found = cell_search.find_cells(directory, query)
    assert found.unique and _codes(found) == [code]


def test_a_shared_name_lists_every_cell_with_its_parent(
    directory: pd.DataFrame,
) -> None:
    found = cell_search.find_cells(directory, "东村")
    assert not found.unique and found.total == 2
    assert set(found.rows["parent_name"]) == {"薛家岛街道", "中韩街道"}


def test_exact_names_come_first_then_coarse_levels(directory: pd.DataFrame) -> None:
    # 辛安 (a village named exactly so) before 辛安街道 and 辛安社区
    found = cell_search.find_cells(directory, "辛安")
    assert _codes(found) == ["370212001002", "370211002", "370211002001"]


def test_a_parent_name_narrows_a_shared_name(directory: pd.DataFrame) -> None:
    found = cell_search.find_cells(directory, "中韩 东村")
    assert _codes(found) == ["370212001001"]
    # the last word must be in the cell's own name
    assert cell_search.find_cells(directory, "东村 中韩").total == 0


def test_a_code_prefix_lists_the_cells_under_it(directory: pd.DataFrame) -> None:
    found = cell_search.find_cells(directory, "3702120")
    assert _codes(found) == ["370212001", "370212001001", "370212001002"]


@pytest.mark.parametrize("query", ["", "   ", "不存在", "999999", "街道 东村 乙"])
def test_no_match(directory: pd.DataFrame, query: str) -> None:
    found = cell_search.find_cells(directory, query)
    assert found.total == 0 and found.rows.empty


def test_the_list_is_cut_but_the_total_is_not(directory: pd.DataFrame) -> None:
    found = cell_search.find_cells(directory, "3702", limit=3)
    assert len(found.rows) == 3 and found.total == len(directory)


def test_a_jump_opens_what_a_click_would() -> None:
    assert cell_search.view_for("370200", "city", None) == View(Level.COUNTY, "370200")
    assert cell_search.view_for("370211", "county", "370200") == layers.drill(
        View(), "370211", "county"
    )
    assert cell_search.view_for("370211002", "township", "370211") == View(
        Level.VILLAGE, "370211002"
    )
    village = cell_search.view_for("370211002001", "village", "370211002")
    assert village == layers.drill(
        View(Level.VILLAGE, "370211002"), "370211002001", "village"
    )
    assert village.selected == "370211002001"


# ---------------------------------------------------------------- map focus
def test_every_map_focuses_without_scrolling_the_page() -> None:
    fmap = layers.base_map(basemaps.available_basemaps("zh")[0])
    html = fmap.get_root().render()
    assert "preventScroll: true" in html
    assert html.count('"mousedown", keyboard._onMouseDown') == 2  # off, then on


def test_a_candidate_without_parent_has_none(directory: pd.DataFrame) -> None:
    directory.loc[directory["code"] == "370200", "parent_code"] = float("nan")
    row = cell_search.find_cells(directory, "370200").rows.iloc[0]
    assert row["parent_code"] is None and row["parent_name"] is None
    assert cell_search.match_label(row, "en") == "青岛市 · city (370200)"
