"""Gazetteer: name forms, historical names, aliases, cache round trip.

All tests but the module-scoped ``real`` fixture's use the tiny hand-written
gazetteer of ``conftest.py`` (three provinces, a few counties, towns and
villages).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from grid.gazetteer import (
    KIND_ALIAS,
    KIND_FULL,
    KIND_HIST,
    KIND_SHORT,
    Gazetteer,
    name_forms,
)
from grid.gazetteer_builder import village_candidates
from ingest.gazetteer_build import parse_jionlp_changes
from ingest.gazetteer_cache import read_gazetteer_cache, write_gazetteer_cache
from twonet.errors import CellCodeError, GridFileError

ROOT = Path(__file__).resolve().parents[1]


def _meanings(gazetteer: Gazetteer, keyword: str) -> dict[str, int]:
    found = gazetteer.keyword_id(keyword)
    if found is None:
        return {}
    return {
        gazetteer.code(u): kind for u, kind, _, _ in gazetteer.keyword_entries(found)
    }


# ---------------------------------------------------------------- name forms


@pytest.mark.parametrize(
    ("name", "level", "expected"),
    [
        ("山东省", 0, ["山东省", "山东"]),
        ("广西壮族自治区", 0, ["广西壮族自治区", "广西"]),
        ("青岛市", 1, ["青岛市", "青岛"]),
        ("市辖区", 1, []),
        ("城阳区", 2, ["城阳区", "城阳"]),
        ("长阳土家族自治县", 2, ["长阳土家族自治县", "长阳", "长阳县"]),
        ("城区", 2, ["城区"]),
        ("惜福镇街道", 3, ["惜福镇街道", "惜福镇街道办事处", "惜福镇", "惜福"]),
        ("辛安街道办事处", 3, ["辛安街道办事处", "辛安街道", "辛安"]),
        ("香港中路街道", 3, ["香港中路街道", "香港中路街道办事处"]),
        ("青岛高新技术产业开发区", 3, ["青岛高新技术产业开发区"]),
        ("台头社区居民委员会", 4, ["台头社区居民委员会", "台头社区", "台头"]),
        ("开拓路社区居民委员会", 4, ["开拓路社区居民委员会", "开拓路社区"]),
    ],
)
def test_name_forms(name: str, level: int, expected: list[str]) -> None:
    assert name_forms(name, level) == expected


@given(
    st.text(alphabet="东西南北中山河新安城镇乡村区县市街道路", min_size=1, max_size=8),
    st.integers(0, 4),
)
def test_name_forms_never_one_character_stems(name: str, level: int) -> None:
    forms = name_forms(name, level)
    assert all(len(f) >= 2 for f in forms[1:])
    assert len(forms) == len(set(forms))
    assert not forms or forms[0] == name


# ---------------------------------------------------------------- the tiny list


def test_units_and_codes(tiny: Gazetteer) -> None:
    assert tiny.summary()["village"] == 6
    unit = tiny.index_of("370211014")
    assert unit is not None
    assert tiny.name(unit) == "王台街道"
    assert [tiny.code(u) for u in tiny.ancestors(unit)] == [
        "370211014",
        "370211",
        "3702",
        "37",
    ]
    assert tiny.index_of("370299") is None
    with pytest.raises(CellCodeError, match="12345"):
        tiny.index_of("12345")


def test_current_and_short_names(tiny: Gazetteer) -> None:
    assert _meanings(tiny, "黄岛区") == {"370211": KIND_FULL}
    assert _meanings(tiny, "黄岛") == {"370211": KIND_SHORT}
    assert _meanings(tiny, "辛安") == {"370211002": KIND_SHORT}
    assert _meanings(tiny, "市辖区") == {}
    assert _meanings(tiny, "长江路") == {}  # a road, not a town stem
    assert _meanings(tiny, "香港中路") == {}


def test_historical_names_map_to_successors(tiny: Gazetteer) -> None:
    assert _meanings(tiny, "即墨市") == {"370215": KIND_HIST}
    assert _meanings(tiny, "王台镇") == {"370211014": KIND_HIST}
    assert _meanings(tiny, "蓝村镇") == {"370215010": KIND_HIST}
    assert _meanings(tiny, "胶南市") == {"370211": KIND_HIST}
    successor = tiny.successor("370211100")
    assert successor is not None
    assert successor.new_code == "370211014"
    assert "王台镇" in successor.reason_zh and "2016" in successor.reason_en
    jiaonan = tiny.successor("370284")
    assert jiaonan is not None and jiaonan.new_code == "370211"
    assert tiny.successor("370211") is None


def test_merged_and_recoded_villages(tiny: Gazetteer) -> None:
    # 王台村委会 (2016, 370211100221) is 王台村村委会 (2023): same stem, recoded
    recoded = tiny.successor("370211100221")
    assert recoded is not None and recoded.new_code == "370211014221"
    # 后台村 has no 2023 counterpart: merged into its (mapped) town
    merged = tiny.successor("370211100230")
    assert merged is not None and merged.new_code == "370211014"
    assert "撤并" in merged.reason_zh
    town = tiny.index_of("370211014")
    assert town is not None
    index = tiny.village_index(town)
    assert "后台村" in index.lookup
    assert "王台村" in index.lookup


def test_aliases_keep_their_scope(tiny: Gazetteer) -> None:
    assert _meanings(tiny, "西海岸新区") == {"370211": KIND_ALIAS}
    found = tiny.keyword_id("高新区")
    assert found is not None
    ((_, kind, _, scope),) = tiny.keyword_entries(found)
    assert kind == KIND_ALIAS and tiny.code(scope) == "3702"


def test_village_candidates_ranked_by_similarity(tiny: Gazetteer) -> None:
    town = tiny.index_of("370211014")
    assert town is not None
    ranked = [tiny.code(v) for v in village_candidates(tiny, town, "王台东村委会")]
    assert ranked[0] == "370211014221"


def test_merged_villages_ranked_when_built(tiny: Gazetteer) -> None:
    successors = tiny.historical_village_successors()
    merged_into_towns = 0
    for record, successor in enumerate(successors.tolist()):
        old_name = tiny.historical_village(record)[0]
        expected = (
            tuple(village_candidates(tiny, successor, old_name))
            if tiny.level[successor] == 3
            else ()
        )
        assert tiny.merged_village_candidates(record) == expected
        merged_into_towns += tiny.level[successor] == 3
    assert merged_into_towns > 0


def test_parse_jionlp_changes() -> None:
    lines = [
        "# comment",
        "2018-02-09\t国批\t山西省\t山西\t大同市\t大同\t城区\t城区=>山西省\t大同市\t平城区",
        "2010-12-09\t国批\t湖北省\t湖北\t襄樊市\t襄樊=>湖北省\t襄阳市",
    ]
    rows = parse_jionlp_changes(lines)
    assert [(r["old_name"], r["new_path"]) for r in rows] == [
        ("城区", "山西省|大同市|平城区"),
        ("襄樊市", "湖北省|襄阳市"),
    ]


def test_save_and_load_round_trip(tiny: Gazetteer, tmp_path: Path) -> None:
    path = tmp_path / "g.pkl"
    write_gazetteer_cache(tiny, path)
    again = read_gazetteer_cache(path)
    assert again.keywords == tiny.keywords
    assert again.successor("370282") == tiny.successor("370282")
    (tmp_path / "bad.pkl").write_bytes(b"not a pickle")
    with pytest.raises(GridFileError, match=r"bad\.pkl"):
        read_gazetteer_cache(tmp_path / "bad.pkl")


def test_curated_tables_are_complete() -> None:
    data = ROOT / "data" / "gazetteer"
    changes = pd.read_csv(data / "changes_curated.csv", dtype=str)
    assert {"370205", "370284", "370282"} <= set(changes["old_code"])
    aliases = pd.read_csv(data / "zone_aliases.csv", dtype=str, keep_default_na=False)
    assert aliases["source"].str.len().min() > 0
    wanted = {
        "青岛西海岸新区",
        "西海岸新区",
        "青岛经济技术开发区",
        "青岛开发区",
        "黄岛开发区",
        "青岛高新区",
        "高新技术产业开发区",
        "蓝色硅谷",
        "董家口",
    }
    assert wanted <= set(aliases["alias"])


# ---------------------------------------------------------------- the real list


@pytest.fixture(scope="module")
def real(national_gazetteer: Gazetteer) -> Gazetteer:
    return national_gazetteer


@pytest.mark.slow
def test_real_gazetteer(real: Gazetteer) -> None:
    summary = real.summary()
    assert summary["village"] > 600_000
    assert summary["township"] > 40_000
    assert real.lookup("即墨市") == ["370215"]
    assert real.lookup("胶南市") == ["370211"]
    assert real.lookup("四方区") == ["370203"]
    assert "370211014" in real.lookup("王台镇")
    assert real.lookup("西海岸新区") == ["370211"]
    assert set(real.lookup("朝阳区")) >= {"110105", "220104"}


def test_area_codes_include_historical_counties(tiny: Gazetteer) -> None:
    codes = tiny.area_codes()
    assert {"370000", "370200", "370211"} <= codes
    assert "370284" in codes  # 胶南市, merged in 2012
    assert "370282" in codes  # 即墨市 of the 2016 list
