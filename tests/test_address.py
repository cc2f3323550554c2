"""Address parsing: hand-checkable cases on a tiny gazetteer, and the real one."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.address import (
    COLUMNS,
    normalise_address,
    parse_address,
    parse_addresses,
    region_units,
)
from grid.gazetteer import Gazetteer
from twonet.bench.address import sample_addresses
from twonet.errors import CellCodeError

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "county", "town", "village", "method"),
    [
        (
            "山东省青岛市黄岛区辛安街道台头社区长江中路216号",
            "370211",
            "370211002",
            "370211002005",
            "full",
        ),
        (
            "青岛市西海岸新区王台镇田家窑村",
            "370211",
            "370211014",
            "370211014222",
            "historical+zone_alias",
        ),
        ("胶南市王台镇王台村8号", "370211", "370211014", "370211014221", "historical"),
        ("即墨市蓝村镇", "370215", "370215010", None, "historical"),
        (
            "山东青岛黄岛辛安台头１２３号",
            "370211",
            "370211002",
            "370211002005",
            "short_form",
        ),
        ("北京市朝阳区建外街道永安里", "110105", "110105001", "110105001026", "full"),
        ("青岛市黄岛区长江路街道", "370211", "370211005", None, "full"),
    ],
)
def test_parse_examples(
    tiny: Gazetteer,
    text: str,
    county: str,
    town: str,
    village: str | None,
    method: str,
) -> None:
    parsed = parse_address(text, tiny)
    assert (parsed.county_code, parsed.town_code, parsed.village_code) == (
        county,
        town,
        village,
    )
    assert parsed.method == method
    assert not parsed.ambiguous
    assert 0 < parsed.confidence <= 1


def test_codes_at_five_levels(tiny: Gazetteer) -> None:
    parsed = parse_address("山东省青岛市黄岛区辛安街道台头社区", tiny)
    assert parsed.province_code == "37"
    assert parsed.city_code == "3702"
    assert parsed.village_code == "370211002005"
    assert parsed.level == "village"
    assert parsed.village_name == "台头社区居民委员会"


def test_roads_are_not_admin_units(tiny: Gazetteer) -> None:
    # 黄岛路 is a road in 市南区, 香港中路 a road (and 香港中路街道 a town)
    parsed = parse_address("青岛市市南区黄岛路10号", tiny)
    assert (parsed.county_code, parsed.town_code) == ("370202", None)
    road = parse_address("青岛市市南区香港中路18号", tiny)
    assert (road.county_code, road.town_code) == ("370202", None)
    town = parse_address("青岛市市南区香港中路街道", tiny)
    assert town.town_code == "370202001"
    # 前湾港西路 is a road and a community; the road name alone is not the village
    street = parse_address("黄岛区辛安街道前湾港西路88号", tiny)
    assert street.village_code is None


def test_merged_village_gives_town_and_candidates(tiny: Gazetteer) -> None:
    parsed = parse_address("黄岛区王台街道后台村", tiny)
    assert parsed.town_code == "370211014"
    assert parsed.village_code is None
    assert "merged_village" in parsed.method
    assert parsed.historical_note is not None and "撤并" in parsed.historical_note
    assert set(parsed.candidates) <= {"370211014221", "370211014222"}


def test_town_only_needs_the_region(tiny: Gazetteer) -> None:
    plain = parse_address("城阳街道某某路1号", tiny)
    assert plain.town_code == "370214001"
    assert plain.method == "town_only"
    in_region = parse_address("城阳街道某某路1号", tiny, region=["3702"])
    assert in_region.method == "town_only_in_region"
    assert in_region.confidence > plain.confidence


def test_village_only_in_region(tiny: Gazetteer) -> None:
    parsed = parse_address("田家窑村5号", tiny, region=["370211"])
    assert parsed.village_code == "370211014222"
    assert "village_only_in_region" in parsed.method
    assert parse_address("田家窑村5号", tiny).level == "none"


def test_conflicting_county_and_town_are_ambiguous(tiny: Gazetteer) -> None:
    parsed = parse_address("青岛市黄岛区灵山街道", tiny)
    assert parsed.ambiguous
    assert parsed.county_code is None
    assert parsed.city_code == "3702"
    assert set(parsed.candidates) == {"370211", "370215009"}


def test_same_county_name_in_two_cities(tiny: Gazetteer) -> None:
    alone = parse_address("朝阳区建国路88号", tiny)
    assert alone.ambiguous and alone.level == "none"
    assert set(alone.candidates) == {"110105", "220104"}
    assert (
        parse_address("朝阳区建国路88号", tiny, region=["11"]).county_code == "110105"
    )
    assert parse_address("长春市朝阳区", tiny).county_code == "220104"


def test_scoped_alias_only_in_scope(tiny: Gazetteer) -> None:
    assert parse_address("青岛市高新区河东路", tiny).town_code == "370214400"
    assert parse_address("高新区河东路", tiny).level == "none"


def test_frame_columns_and_missing_input(tiny: Gazetteer) -> None:
    frame = parse_addresses(["黄岛区", None, float("nan"), ""], tiny)
    assert tuple(frame.columns) == COLUMNS
    assert frame["level"].tolist() == ["county", "none", "none", "none"]
    assert frame.loc[1, "county_code"] is None
    assert frame["candidates"].tolist()[1:] == [[], [], []]
    assert parse_addresses([], tiny).columns.tolist() == list(COLUMNS)


def test_region_validation_lists_every_problem(tiny: Gazetteer) -> None:
    assert region_units(tiny, ["370200"]) == region_units(tiny, ["3702"])
    with pytest.raises(CellCodeError) as info:
        region_units(tiny, ["99", "37x", "3702"])
    assert "'99'" in str(info.value) and "'37x'" in str(info.value)


def test_normalise_address() -> None:
    assert normalise_address("黄岛区 辛安街道\u3000１号") == "黄岛区辛安街道1号"
    assert normalise_address(None) == ""


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="山东青岛黄岛区辛安街道王台镇村路号123市南朝阳", max_size=20))
def test_lower_levels_lie_inside_higher_ones(tiny: Gazetteer, text: str) -> None:
    parsed = parse_address(text, tiny)
    codes = [
        parsed.province_code,
        parsed.city_code,
        parsed.county_code,
        parsed.town_code,
        parsed.village_code,
    ]
    present = [c for c in codes if c is not None]
    assert codes[: len(present)] == present  # no gaps
    for parent, child in itertools.pairwise(present):
        assert child.startswith(parent)
    assert 0.0 <= parsed.confidence <= 1.0


def test_sample_addresses_are_labelled(tiny: Gazetteer) -> None:
    sample = sample_addresses(tiny, 40, seed=3, region=["3702"])
    assert len(sample) == 40
    assert sample["county_code"].str.startswith("3702").all()
    again = sample_addresses(tiny, 40, seed=3, region=["3702"])
    assert sample["address"].tolist() == again["address"].tolist()
    parsed = parse_addresses(sample["address"], tiny, region=["3702"])
    assert (parsed["county_code"] == sample["county_code"]).mean() > 0.9


# ---------------------------------------------------------------- the real list


@pytest.fixture(scope="module")
def real(national_gazetteer: Gazetteer) -> Gazetteer:
    return national_gazetteer


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "region", "county", "town"),
    [
        ("山东省青岛市黄岛区辛安街道前港村123号", None, "370211", "370211002"),
        ("青岛市西海岸新区王台镇XX村", None, "370211", "370211014"),
        ("黄岛区灵山卫街道海军路5号", None, "370211", "370211007"),
        ("胶南市王台镇西南庄村", None, "370211", "370211014"),
        ("即墨市蓝村镇", None, "370215", "370215010"),
        ("崂山区沙子口街道东麦窑社区南京路8号", None, "370212", "370212002"),
        ("城阳区红岛街道", None, "370214", "370214009"),
        ("平度市南村镇郭庄村", None, "370283", "370283105"),
        ("山东青岛黄岛辛安", None, "370211", "370211002"),
        ("辛安街道前港村12号", ["3702"], "370211", "370211002"),
        ("城阳区青岛高新技术产业开发区河东路", None, "370214", "370214400"),
        ("四方区海岸路", None, "370203", None),
        ("北京市朝阳区建外街道永安里", None, "110105", "110105001"),
        ("青岛市黄岛区长江中路２１６号１号楼３０２室", None, "370211", None),
    ],
)
def test_real_addresses(
    real: Gazetteer,
    text: str,
    region: list[str] | None,
    county: str,
    town: str | None,
) -> None:
    parsed = parse_address(text, real, region=region)
    assert (parsed.county_code, parsed.town_code) == (county, town)


def test_lone_short_form_does_not_make_a_full_name_ambiguous(tiny: Gazetteer) -> None:
    # 辛安 (a 黄岛区 township's short form) inside a shop name must not compete
    # with the county the address names in full
    parsed = parse_address("即墨区辛安大饭店12号", tiny, region=["3702"])
    assert (parsed.county_code, parsed.ambiguous) == ("370215", False)
    # two full names still are a real conflict
    both = parse_address("即墨区辛安街道", tiny, region=["3702"])
    assert both.ambiguous


def _leftmost_longest_village(text: str, start: int, index: Any) -> object:
    """Brute-force reference for ``grid.address_village.find_village``."""
    from grid.address_village import _MAX_FORM, _SCAN, _STEM_KINDS, _VBLOCK

    for s in range(start, min(len(text), start + _SCAN)):
        for e in range(min(len(text), s + _MAX_FORM), s, -1):
            i = index.lookup.get(text[s:e])
            if i is None:
                continue
            if index.kinds[i] in _STEM_KINDS and text[e : e + 1] in _VBLOCK:
                continue
            return i, index.duplicates.get(text[s:e], [i])
    return None


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_village_search_is_leftmost_longest(
    tiny: Gazetteer, data: st.DataObject
) -> None:
    from grid.address_village import find_village

    containers = [u for u in range(len(tiny)) if tiny.level[u] in (2, 3)]
    container = data.draw(st.sampled_from(containers))
    index = tiny.village_index(container)
    pieces = st.sampled_from([*index.forms, "路", "街", "号", "1", "村", "社区", "东"])
    text = "".join(data.draw(st.lists(pieces, max_size=8)))
    start = data.draw(st.integers(0, max(0, len(text))))
    assert find_village(text, start, index) == _leftmost_longest_village(
        text, start, index
    )


def _maximal_matches(
    text: str, keywords: list[str], is_stem: list[bool]
) -> tuple[list[tuple[int, int, int]], tuple[int, ...]]:
    """Brute-force reference for ``grid.address_match.match_batch`` of one text.

    Every occurrence of every keyword by ``str.find``; bare stems followed by
    a road, building or village word dropped; then those starting inside a
    suffixed name, ending after it and not as long; then those inside no
    other.
    """
    from grid.address_match import _BLOCK_1, _BLOCK_2, _ORDINALS, _ROAD_WORDS

    found = []
    for keyword_id, keyword in enumerate(keywords):
        at = text.find(keyword)
        while at >= 0:
            end = at + len(keyword)
            nxt = text[end : end + 2]
            blocked = bool(nxt) and (
                nxt[0] in _BLOCK_1
                or nxt in _BLOCK_2
                or (nxt[0] in _ORDINALS and nxt[1:] in _ROAD_WORDS)
            )
            if not (is_stem[keyword_id] and blocked):
                found.append((at, end, keyword_id))
            at = text.find(keyword, at + 1)
    # a match starting inside a name with its suffix, ending after it, and
    # not as long as it, is dropped
    found = [
        m
        for m in found
        if not any(
            not is_stem[o[2]]
            and o[0] < m[0] < o[1] < m[1]
            and o[1] - o[0] != m[1] - m[0]
            for o in found
        )
    ]
    kept = sorted(
        m
        for m in found
        if not any(o != m and o[0] <= m[0] and o[1] >= m[1] for o in found)
    )
    return kept, tuple(k for _, _, k in kept)


#: Keywords nested at either end and overlapping (青岛市|市南区, 岛市 in 青岛市).
NESTED = ["青岛市", "岛市", "青岛", "市南区", "市南", "南区", "黄岛", "黄岛区", "岛区"]


def _searcher(tiny: Gazetteer, which: str) -> tuple[list[str], list[bool], Any]:
    import ahocorasick_rs

    if which == "tiny":
        keywords = tiny.keywords
        return keywords, tiny.keyword_is_stem, tiny.automaton()
    automaton = ahocorasick_rs.AhoCorasick(
        NESTED, matchkind=ahocorasick_rs.MatchKind.Standard
    )
    return NESTED, [k[-1] not in "市区" for k in NESTED], automaton


def _keyword_text(keywords: list[str]) -> st.SearchStrategy[str]:
    words = ["路", "中路", "社区", "小区", "村", "东", "1号", "市", "区"]
    pieces = st.sampled_from([*keywords, *words])
    return st.lists(pieces, max_size=7).map("".join)


@pytest.mark.parametrize("which", ["tiny", "nested"])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_admin_matches_are_the_maximal_unblocked_ones(
    tiny: Gazetteer, which: str, data: st.DataObject
) -> None:
    from grid.address_match import match_batch

    keywords, is_stem, automaton = _searcher(tiny, which)
    text = data.draw(_keyword_text(keywords))
    find = automaton.find_matches_as_indexes
    assert match_batch([text], find, is_stem)[0] == _maximal_matches(
        text, keywords, is_stem
    )


@pytest.mark.parametrize("which", ["tiny", "nested"])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_batched_search_matches_one_search_per_address(
    tiny: Gazetteer, which: str, data: st.DataObject
) -> None:
    from grid.address_match import match_batch

    keywords, is_stem, automaton = _searcher(tiny, which)
    texts = data.draw(st.lists(_keyword_text(keywords), max_size=6))
    find = automaton.find_matches_as_indexes
    assert match_batch(texts, find, is_stem) == [
        match_batch([text], find, is_stem)[0] for text in texts
    ]


def test_matches_out_of_order_are_sorted_first(tiny: Gazetteer) -> None:
    from grid.address_match import match_batch

    keywords, is_stem, automaton = _searcher(tiny, "nested")
    texts = ["山东青岛市南区黄岛区路", "", "青岛市", "黄岛区市南"]
    find = automaton.find_matches_as_indexes

    def reversed_find(text: str, overlapping: bool) -> list[tuple[int, int, int]]:
        return find(text, overlapping=overlapping)[::-1]

    expected = [_maximal_matches(text, keywords, is_stem) for text in texts]
    assert match_batch(texts, find, is_stem) == expected
    assert match_batch(texts, reversed_find, is_stem) == expected


def test_many_addresses_parse_as_each_alone(tiny: Gazetteer) -> None:
    from grid.address_match import BATCH

    pool = [
        "山东省青岛市黄岛区辛安街道台头社区长江中路216号",
        "即墨市蓝村镇蓝村社区",
        "",
        None,
        "黄岛王台田家窑村",
        "青岛市市南区香港中路街道",
        "长春市朝阳区",
    ]
    texts = [pool[i % len(pool)] for i in range(2 * BATCH + 3)]
    together = parse_addresses(texts, tiny, region=["3702"])
    alone = pd.concat(
        [parse_addresses([text], tiny, region=["3702"]) for text in pool],
        ignore_index=True,
    )
    expected = alone.iloc[[i % len(pool) for i in range(len(texts))]]
    pd.testing.assert_frame_equal(together, expected.reset_index(drop=True))
