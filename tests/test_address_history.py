"""Address misses of old registrations, one class per test (issue 14).

A small hand-made division list (:func:`history`) holds just what each case
needs: county-level cities next to 市北区/市南区, a town that changed its
suffix, a village name found in two towns of one county, zone aliases whose
meaning changed on a date, and a town of the same name in another province.
Every expected value can be checked by reading the tables below; each test
failed before the fix it is named after.  Property tests run the general
rules on the national list.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.address import date_numbers, parse_address, parse_addresses
from grid.address_match import match_batch
from grid.gazetteer import Gazetteer

_CURRENT = {
    "provinces": [(33, "浙江省"), (37, "山东省"), (51, "四川省")],
    "cities": [(3301, "杭州市"), (3702, "青岛市"), (5106, "德阳市")],
    "areas": [
        (330110, "余杭区"),
        (330113, "临平区"),
        (370202, "市南区"),
        (370203, "市北区"),
        (370211, "黄岛区"),
        (370212, "崂山区"),
        (370214, "城阳区"),
        (370215, "即墨区"),
        (370281, "胶州市"),
        (370283, "平度市"),
        (510682, "什邡市"),
    ],
    "streets": [
        (330110005, "五常街道"),
        (330113001, "乔司街道"),
        (370203001, "辽宁路街道"),
        (370211002, "辛安街道"),
        (370211005, "长江路街道"),
        (370212001, "中韩街道"),
        (370214003, "流亭街道"),
        (370214400, "青岛高新技术产业开发区"),
        (370215011, "南泉街道"),
        (370281008, "胶北街道"),
        (370283105, "南村镇"),
        (510682113, "南泉镇"),
    ],
    "villages": [
        (370211002001, "前港村村委会"),
        (370211005001, "前港村村委会"),
        (370281008001, "北关社区居民委员会"),
    ],
}
_CHANGES = [
    {
        "old_name": "即墨市",
        "old_code": "370282",
        "new_name": "即墨区",
        "new_code": "370215",
        "date": "2017-07",
        "note_zh": "撤市设区",
        "note_en": "city became a district",
    }
]
_ALIASES = [
    # the Laoshan park until the zone moved to the north of the bay
    ("青岛高新区", "370212", "", "", "2007-11-01"),
    ("青岛高新区", "370214400", "", "2007-11-01", ""),
    ("青岛经济技术开发区", "370211", "", "", ""),
    ("青岛市经济技术开发区", "370211", "", "", ""),
    ("开发区", "370211", "3702", "", ""),
    ("青岛高科技工业园", "370212", "", "", ""),
]


@pytest.fixture(scope="module")
def history() -> Gazetteer:
    """The division list of this module's cases (no historical list)."""
    frames = {k: pd.DataFrame(v, columns=["code", "name"]) for k, v in _CURRENT.items()}
    aliases = pd.DataFrame(
        [
            {
                "alias": alias,
                "code": code,
                "scope": scope,
                "valid_from": since,
                "valid_to": until,
                "note_zh": "",
                "note_en": "",
            }
            for alias, code, scope, since, until in _ALIASES
        ]
    )
    return Gazetteer.from_frames(
        frames, changes=pd.DataFrame(_CHANGES), aliases=aliases
    )


# ---------------------------------------------------------------- class 1


@pytest.mark.parametrize(
    ("text", "county"),
    [
        ("山东省青岛市胶州市北关社区", "370281"),
        ("青岛市胶州市北关工业园", "370281"),
        ("青岛市即墨市南泉镇", "370215"),
        ("青岛市即墨市 北 营村", "370215"),
        ("青岛市平度市北京路100号", "370283"),
        ("青岛市平度市南村镇", "370283"),
        # the districts themselves still read as before
        ("青岛市市北区辽宁路街道", "370203"),
        ("青岛市南区香港中路", "370202"),
    ],
)
def test_county_level_city_then_a_direction(
    history: Gazetteer, text: str, county: str
) -> None:
    parsed = parse_address(text, history)
    assert (parsed.county_code, parsed.ambiguous) == (county, False)


# ---------------------------------------------------------------- class 2


def test_town_with_another_suffix_is_found_in_the_named_county(
    history: Gazetteer,
) -> None:
    # 南泉镇 is a town in Sichuan; in 即墨 the town is 南泉街道 today
    parsed = parse_address("即墨市南泉镇南泉村", history)
    assert (parsed.county_code, parsed.town_code) == ("370215", "370215011")
    assert "historical" in parsed.method
    alone = parse_address("南泉镇", history)
    assert alone.town_code == "510682113"


def test_a_certain_county_is_kept_when_its_town_is_unknown(
    history: Gazetteer,
) -> None:
    # a town of that name lies in another province only: not this one
    parsed = parse_address("青岛市即墨区乔司镇朝阳村", history)
    assert (parsed.county_code, parsed.ambiguous) == ("370215", False)
    assert parsed.town_code is None


def test_a_town_of_another_county_of_the_city_is_left_for_review(
    history: Gazetteer,
) -> None:
    # 乔司 was in 余杭区 until 2021 and lies in 临平区 today: the employer
    # may belong to either grid, so a reviewer decides
    parsed = parse_address("杭州市余杭区乔司镇朝阳村", history)
    assert parsed.ambiguous and parsed.city_code == "3301"
    assert set(parsed.candidates) == {"330110", "330113001"}


def test_ambiguous_village_keeps_its_county(history: Gazetteer) -> None:
    parsed = parse_address("黄岛区前港村", history)
    assert parsed.ambiguous
    assert (parsed.county_code, parsed.village_code) == ("370211", None)
    assert set(parsed.candidates) == {"370211002001", "370211005001"}


# ---------------------------------------------------------------- class 3


@pytest.mark.parametrize(
    ("on", "county", "town"),
    [
        ("1998-05-04", "370212", None),
        ("2007-10-31", "370212", None),
        ("2007-11-01", "370214", "370214400"),
        ("2021-01-01", "370214", "370214400"),
    ],
)
def test_zone_alias_means_what_it_meant_on_the_record_date(
    history: Gazetteer, on: str, county: str, town: str | None
) -> None:
    parsed = parse_address("青岛高新区株洲路1号", history, on=on)
    assert (parsed.county_code, parsed.town_code) == (county, town)
    assert parsed.date_dependent and not parsed.ambiguous


def test_zone_alias_without_a_date_is_ambiguous(history: Gazetteer) -> None:
    parsed = parse_address("青岛高新区株洲路1号", history)
    assert parsed.ambiguous and parsed.date_dependent
    assert parsed.county_code is None and parsed.city_code == "3702"
    assert set(parsed.candidates) == {"370212", "370214400"}


@pytest.mark.parametrize(
    ("text", "county"),
    [
        ("青岛市经济技术开发区长江西路", "370211"),
        ("青岛开发区长江西路", "370211"),
        ("青岛高科技工业园株洲路1号", "370212"),
    ],
)
def test_historical_zone_names(history: Gazetteer, text: str, county: str) -> None:
    parsed = parse_address(text, history)
    assert (parsed.county_code, parsed.ambiguous) == (county, False)


def test_a_scoped_alias_is_not_read_in_another_city(history: Gazetteer) -> None:
    # the region stands for an address that does not say where it is
    assert parse_address("开发区长江西路", history, region=["3702"]).county_code == (
        "370211"
    )
    elsewhere = parse_address("杭州市开发区", history, region=["3702"])
    assert elsewhere.county_code is None and elsewhere.city_code == "3301"


def test_dates_per_address(history: Gazetteer) -> None:
    texts = ["青岛高新区", "青岛高新区", "黄岛区", "青岛高新区"]
    parsed = parse_addresses(
        texts, history, dates=["1999-01-01", "2019-01-01", "1999-01-01", None]
    )
    assert parsed["county_code"].tolist() == ["370212", "370214", "370211", None]
    assert parsed["date_dependent"].tolist() == [True, True, False, True]
    with pytest.raises(ValueError, match="2 dates for 1 addresses"):
        parse_addresses(["黄岛区"], history, dates=[None, None])


def test_date_numbers() -> None:
    assert date_numbers(["2007-11-01", pd.Timestamp("2001-02-03"), None, ""]) == [
        20071101,
        20010203,
        None,
        None,
    ]


# ---------------------------------------------------------------- class 4


def test_two_addresses_in_one_field_place_the_first(history: Gazetteer) -> None:
    parsed = parse_address("青岛市胶州市胶北街道 青岛市市北区辽宁路街道", history)
    assert parsed.multiple_addresses
    assert (parsed.county_code, parsed.town_code) == ("370281", "370281008")


def test_an_address_written_twice_is_one_address(history: Gazetteer) -> None:
    parsed = parse_address("浙江省杭州市余杭区浙江省杭州市余杭区五常街道", history)
    assert not parsed.multiple_addresses
    assert parsed.town_code == "330110005"


def test_short_city_name_without_shi(history: Gazetteer) -> None:
    parsed = parse_address("杭州余杭区五常街道", history)
    assert (parsed.city_code, parsed.town_code) == ("3301", "330110005")


# ----------------------------------------------------- properties (national)


def _unique_county_cities(gazetteer: Gazetteer) -> list[int]:
    """Counties whose full name only they bear (胶州市, 即墨区 …)."""
    found = []
    for unit in range(gazetteer.level_start[2], gazetteer.level_start[3]):
        keyword = gazetteer.keyword_id(gazetteer.name(unit))
        if keyword is not None and len(gazetteer.keyword_entries(keyword)) == 1:
            found.append(unit)
    return found


@pytest.fixture(scope="module")
def counties(national_gazetteer: Gazetteer) -> list[int]:
    return _unique_county_cities(national_gazetteer)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_a_fully_named_county_is_never_displaced_by_an_overlapping_name(
    national_gazetteer: Any, counties: list[int], data: st.DataObject
) -> None:
    gazetteer = national_gazetteer
    unit = data.draw(st.sampled_from(counties))
    city = gazetteer.parent[unit]
    prefix = data.draw(
        st.sampled_from(
            ["", gazetteer.name(city), gazetteer.name(gazetteer.parent[city])]
        )
    )
    if prefix == gazetteer.name(gazetteer.parent[city]):
        prefix += gazetteer.name(city)
    direction = data.draw(st.sampled_from("东西南北中"))
    tail = data.draw(st.sampled_from(["关", "关路1号", "京路8号", "大街", " 营村"]))
    text = prefix + gazetteer.name(unit) + direction + tail
    matches, _ = match_batch(
        [text],
        gazetteer.automaton().find_matches_as_indexes,
        gazetteer.keyword_is_stem,
    )[0]
    found = {gazetteer.keywords[keyword] for _, _, keyword in matches}
    assert gazetteer.name(unit) in found, text
    # the county is what the address resolves to, or a candidate of a
    # conflict left for review (a town of another county after it): never
    # another county
    parsed = parse_address(text, gazetteer)
    code = gazetteer.code(unit)
    assert parsed.county_code in (code, None), text
    if parsed.county_code is None:
        assert parsed.ambiguous and any(c.startswith(code) for c in parsed.candidates)


_CHAINS = (
    ("浙江省", "杭州市", "余杭区", "五常街道"),
    ("山东省", "青岛市", "胶州市", "胶北街道", "北关社区"),
    ("山东省", "青岛市", "市北区", "辽宁路街道"),
)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_an_address_repeated_is_parsed_as_once(
    history: Gazetteer, data: st.DataObject
) -> None:
    chain = data.draw(st.sampled_from(_CHAINS))
    first = data.draw(st.integers(0, len(chain) - 1))
    last = data.draw(st.integers(first + 1, len(chain)))
    text = "".join(chain[first:last]) + data.draw(st.sampled_from(["", "1号", " "]))
    once = parse_address(text, history)
    twice = parse_address(text + text, history)
    assert not twice.multiple_addresses, text
    assert (twice.county_code, twice.town_code) == (once.county_code, once.town_code)


# ------------------------------------------ the curated zone table (national)


@pytest.mark.parametrize(
    ("text", "on", "county"),
    [
        ("青岛市经济技术开发区长江西路", None, "370211"),
        ("青岛保税区上海路", None, "370211"),
        ("青岛前湾保税港区", None, "370211"),
        ("胶南开发区珠山路", None, "370211"),
        ("黄岛开发区", None, "370211"),
        ("青岛高科技工业园株洲路1号", None, "370212"),
        ("即墨省级高新技术产业开发区", None, "370215"),
        ("胶州经济技术开发区", None, "370281"),
        ("青岛市台东区", None, "370203"),
        ("青岛高新区株洲路", "1998-05-04", "370212"),
        ("青岛高新区火炬路", "2019-03-01", "370214"),
        ("青岛高新区火炬路", None, None),
    ],
)
def test_zone_aliases_of_qingdao(
    national_gazetteer: Any, text: str, on: str | None, county: str | None
) -> None:
    parsed = parse_address(text, national_gazetteer, on=on)
    assert parsed.county_code == county
    assert parsed.ambiguous == (county is None)


@pytest.mark.parametrize(
    ("text", "county"),
    [
        ("青岛市胶州路1号", None),  # a street of 市北区, not the city 胶州
        ("青岛市市北区杭州路10号", "370203"),
        ("平度市常州路255号", "370283"),
        ("山东省青岛市胶州市海尔大道69号", "370281"),
    ],
)
def test_streets_named_after_cities(
    national_gazetteer: Any, text: str, county: str | None
) -> None:
    assert parse_address(text, national_gazetteer).county_code == county


def test_parse_address_command_reads_the_date(national_gazetteer: Any) -> None:
    from typer.testing import CliRunner

    from twonet.cli import app

    runner = CliRunner()
    text = "青岛高新区株洲路1号"
    early = runner.invoke(app, ["parse-address", text, "--on", "1998-05-04"])
    assert early.exit_code == 0, early.output
    assert "370212" in early.output
    late = runner.invoke(app, ["parse-address", text, "--on", "2019-05-04"])
    assert "370214400" in late.output and "370212 " not in late.output
