"""Accuracy measurement: hand-checkable cases, and the committed labelled sets."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from grid.address import parse_addresses
from grid.cells import make_cells
from grid.coords import wgs84_to_gcj02
from grid.gazetteer import LEVEL_NAMES, Gazetteer
from grid.locate import CellLocator
from twonet.bench.accuracy import (
    dataset_of,
    load_gcj02_points,
    load_labelled_addresses,
)
from twonet.bench.datum_accuracy import (
    GCJ02_ACCURACY_COLUMNS,
    GCJ02_COLUMNS,
    gcj02_accuracy,
    sample_points_in_districts,
)
from twonet.bench.parser_accuracy import (
    ACCURACY_COLUMNS,
    ALL,
    address_accuracy,
    label_is_known_name,
    label_names_unit,
    label_outcomes,
    split_label,
)
from twonet.errors import GridFileError

ROOT = Path(__file__).resolve().parents[1]
ADDRESSES = ROOT / "data" / "accuracy" / "addresses.csv"
GCJ02_POINTS = ROOT / "data" / "accuracy" / "gcj02_points.csv"
QINGDAO = ROOT / "data" / "accuracy" / "qingdao_addresses.csv"
CCKS = "CCKS2021-address-NER dev set"


# ------------------------------------------------------------ label matching


@pytest.mark.parametrize(
    ("label", "code", "expected"),
    [
        ("黄岛区", "370211", True),  # full name
        ("黄岛", "370211", True),  # short form
        ("胶南市", "370211", True),  # change table
        ("即墨市", "370215", True),  # 2016 list
        ("即墨市", "370211", False),  # a historical name of another county
        ("西海岸新区", "370211", True),  # zone alias
        ("黄岛县", "370211", True),  # suffix changed, same stem
        ("城阳区", "370211", False),  # 2023 full name of another county
        ("朝阳区", "110105", True),
        ("朝阳区", "370211", False),
        ("市南区|黄岛", "370211", True),  # any part
        ("市南区|城阳区", "370211", False),
        ("王台镇", "370211014", True),  # 2016 township name
        ("辛安街道办事处", "370211002", True),
        ("辛安", "370211005", False),
        ("长江路", "370211005", True),  # stem + suffix (no short form of 长江路街道)
        ("北京", "1101", True),  # placeholder city: its province
        ("青岛", "1101", False),
        ("山东", "37", True),
        ("王台村", "370211014221", True),  # village forms
        ("王台", "370211014221", True),
        ("田家窑", "370211014221", False),
        ("后台村", "370211014221", False),  # merged into the town, not this village
        ("", "370211", False),
    ],
)
def test_label_names_unit(
    tiny: Gazetteer, label: str, code: str, expected: bool
) -> None:
    unit = tiny.index_of(code)
    assert unit is not None
    assert label_names_unit(tiny, label, unit) is expected


def test_label_is_known_name(tiny: Gazetteer) -> None:
    assert label_is_known_name(tiny, "即墨市", 2)
    assert label_is_known_name(tiny, "x|黄岛", 2)
    assert not label_is_known_name(tiny, "黄岛", 1)  # a county, not a city
    assert not label_is_known_name(tiny, "红河洲", 1)
    assert not label_is_known_name(tiny, "王台村", 4)


def test_split_label_and_dataset() -> None:
    assert split_label("富阳市 |富阳区|") == ["富阳市", "富阳区"]
    assert split_label("ＡＢ") == ["AB"]
    assert split_label(float("nan")) == []
    assert dataset_of("src, via x line 3") == "src"
    assert dataset_of("") == ALL


# ------------------------------------------------------------ address accuracy


def _labelled() -> pd.DataFrame:
    rows = [
        # all five levels right
        (
            "a",
            "山东省青岛市黄岛区辛安街道台头社区长江中路216号",
            "山东",
            "青岛市",
            "黄岛",
            "辛安街道",
            "台头社区",
        ),
        # historical names in the text and in the labels
        ("a", "胶南市王台镇王台村8号", "", "", "胶南市", "王台镇", "王台村"),
        # county label disagrees; the township has the labelled name but lies
        # in another county than the labelled one
        ("a", "青岛市黄岛区长江路街道", "", "", "即墨区", "长江路街道", ""),
        # we stop at the county
        ("b", "青岛市城阳区", "", "", "", "城阳街道", ""),
        # nothing labelled, nothing counted
        ("b", "无名路1号", "", "", "", "", ""),
    ]
    return pd.DataFrame(rows, columns=["dataset", "address", *LEVEL_NAMES])


def test_label_outcomes_by_hand(tiny: Gazetteer) -> None:
    labelled = _labelled()
    parsed = parse_addresses(labelled["address"], tiny)
    outcomes = label_outcomes(labelled, parsed, tiny)
    assert outcomes.to_numpy().tolist() == [
        ["correct", "correct", "correct", "correct", "correct"],
        [None, None, "correct", "correct", "correct"],
        [None, None, "wrong", "wrong", None],
        [None, None, None, "unresolved", None],
        [None, None, None, None, None],
    ]
    loose = label_outcomes(labelled, parsed, tiny, chain=False)
    assert loose.loc[2, "township"] == "correct"


def test_address_accuracy_table_by_hand(tiny: Gazetteer) -> None:
    table = address_accuracy(_labelled(), tiny)
    assert list(table.columns) == list(ACCURACY_COLUMNS)
    assert table["dataset"].tolist() == ["a"] * 5 + ["b"] * 5 + [ALL] * 5
    assert table["level"].tolist() == list(LEVEL_NAMES) * 3
    pooled = table[table["dataset"] == ALL].set_index("level")
    counts = pooled[["n_labelled", "correct", "wrong", "unresolved"]]
    assert counts.to_numpy().tolist() == [
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        [3, 2, 1, 0],
        [4, 2, 1, 1],
        [2, 2, 0, 0],
    ]
    assert pooled.loc["township", "accuracy"] == pytest.approx(2 / 4)
    assert pooled.loc["township", "precision"] == pytest.approx(2 / 3)
    b = table[table["dataset"] == "b"].set_index("level")
    assert b.loc["township", "unresolved"] == 1
    assert math.isnan(b.loc["county", "accuracy"])
    only_pooled = address_accuracy(_labelled(), tiny, by=None)
    assert only_pooled["dataset"].tolist() == [ALL] * 5
    pd.testing.assert_frame_equal(
        only_pooled.reset_index(drop=True),
        table[table["dataset"] == ALL].reset_index(drop=True),
    )


def test_address_accuracy_reads_each_record_on_its_date(tiny: Gazetteer) -> None:
    # 高新区 is ambiguous without a date; the tiny list knows one meaning,
    # so a dated alias is made here by hand
    labelled = pd.DataFrame(
        {
            "address": ["西海岸新区", "西海岸新区"],
            **{level: [""] * 2 for level in LEVEL_NAMES},
            "date": ["2020-01-01", ""],
        }
    )
    labelled["county"] = ["黄岛区", "黄岛区"]
    table = address_accuracy(labelled, tiny, by=None).set_index("level")
    assert table.loc["county", "correct"] == 2  # a blank date is no date


def test_load_labelled_addresses_checks_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("address,province\n青岛,山东\n", encoding="utf-8")
    with pytest.raises(GridFileError, match="lack columns: city, county"):
        load_labelled_addresses(bad)


# ------------------------------------------------------------ GCJ-02 points


def _two_counties() -> CellLocator:
    """Two county cells meeting at 120° E, in WGS-84; the city has no geometry."""
    records: list[dict[str, Any]] = [
        {"code": "370211", "geometry": shapely.box(119.9, 35.9, 120.0, 36.1)},
        {"code": "370212", "geometry": shapely.box(120.0, 35.9, 120.1, 36.1)},
        {"code": "370200", "geometry": None},
    ]
    cells = make_cells(
        records, valid_from=dt.date(2023, 6, 30), source="test", licence="CC0-1.0"
    )
    return CellLocator.from_cells(cells)


def test_gcj02_accuracy_by_hand() -> None:
    # True (WGS-84) positions: 300 m west of the border, well inside the east
    # county, and far outside the grid.  GCJ-02 moves them ~470 m east here.
    lon = np.array([119.9967, 120.05, 121.0])
    lat = np.array([36.0, 36.0, 36.0])
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert glon[0] > 120.0  # the declared point lies across the border
    points = pd.DataFrame(
        {
            "lon_gcj02": glon,
            "lat_gcj02": glat,
            "county_code": ["370211", "370212", "370212"],
        }
    )
    table = gcj02_accuracy(points, _two_counties())
    assert list(table.columns) == list(GCJ02_ACCURACY_COLUMNS)
    rows = table.set_index("method")[["n_points", "correct", "wrong", "unlocated"]]
    assert rows.loc["gcj02_to_wgs84"].tolist() == [3, 2, 0, 1]
    assert rows.loc["naive_wgs84"].tolist() == [3, 1, 1, 1]
    converted = table.set_index("method").loc["gcj02_to_wgs84"]
    assert 400 < converted["shift_median_m"] <= converted["shift_max_m"] < 600
    assert table.set_index("method").loc["naive_wgs84", "shift_max_m"] == 0


def _squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["370212", "370211"],
            "name": ["东", "西"],
            "geometry": [
                shapely.box(120.0, 36.0, 120.1, 36.1),  # ~9 x 11 km
                shapely.box(119.9, 36.0, 119.95, 36.05),  # a quarter of it
            ],
        }
    )


def test_sample_points_in_districts() -> None:
    points = sample_points_in_districts(_squares(), 7, seed=3, inset_m=500)
    again = sample_points_in_districts(_squares(), 7, seed=3, inset_m=500)
    pd.testing.assert_frame_equal(points, again)
    assert points["county_code"].tolist() == ["370211"] * 4 + ["370212"] * 3
    assert points["name"].tolist()[:2] == ["西 sample 001", "西 sample 002"]
    boxes = dict(zip(_squares()["code"], _squares().geometry, strict=True))
    # every point at least 500 m (~0.0045° of latitude, ~0.0056° of
    # longitude at 36° N) inside its own square
    for code, lon, lat in points[["county_code", "lon", "lat"]].itertuples(index=False):
        minx, miny, maxx, maxy = boxes[code].bounds
        assert min(lat - miny, maxy - lat) > 0.0044
        assert min(lon - minx, maxx - lon) > 0.0055
    other = sample_points_in_districts(_squares(), 7, seed=4)
    assert not other[["lon", "lat"]].equals(points[["lon", "lat"]])
    by_area = sample_points_in_districts(_squares(), 10, allocation="area")
    assert by_area["county_code"].value_counts().to_dict() == {"370212": 8, "370211": 2}


def test_sample_points_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="allocation"):
        sample_points_in_districts(_squares(), 5, allocation="population")
    with pytest.raises(ValueError, match="no area left"):
        sample_points_in_districts(_squares(), 5, inset_m=5000)


# ------------------------------------------------------------ the committed sets


def test_committed_gcj02_points() -> None:
    points = load_gcj02_points(GCJ02_POINTS)
    assert list(points.columns) == list(GCJ02_COLUMNS)
    assert len(points) == 1020
    sampled = points[points["name"].str.contains(" sample ")]
    assert len(sampled) == 1000
    assert sampled["county_code"].value_counts().eq(100).all()
    assert set(points["county_code"]) == {
        "370202", "370203", "370211", "370212", "370213",
        "370214", "370215", "370281", "370283", "370285",
    }  # fmt: skip
    assert points["lon_gcj02"].between(119.5, 121.1).all()
    assert points["lat_gcj02"].between(35.5, 37.2).all()


@pytest.mark.slow
def test_gcj02_accuracy_on_the_demo_grid(qingdao_demo: tuple[Any, Any, float]) -> None:
    points = load_gcj02_points(GCJ02_POINTS)
    table = gcj02_accuracy(points, CellLocator.from_cells(qingdao_demo[0]))
    rows = table.set_index("method")
    # measured: converted 1020/1020, naive 1019/1020 (the 500 m inset is
    # larger than the ~460 m GCJ-02 shift, so naive errors are rare here)
    assert rows.loc["gcj02_to_wgs84", "accuracy"] >= 0.99
    assert rows.loc["gcj02_to_wgs84", "unlocated"] == 0
    assert 400 < rows.loc["gcj02_to_wgs84", "shift_median_m"] < 520
    assert rows.loc["gcj02_to_wgs84", "correct"] >= rows.loc["naive_wgs84", "correct"]


@pytest.mark.slow
def test_address_accuracy_on_the_committed_set(national_gazetteer: Gazetteer) -> None:
    labelled = load_labelled_addresses(ADDRESSES)
    assert len(labelled) == 660
    table = address_accuracy(labelled, national_gazetteer)
    assert list(table.columns) == list(ACCURACY_COLUMNS)
    assert table["dataset"].unique().tolist() == [
        CCKS,
        "dongrixinyu/JioNLP:test/test_location_parser.py",
        ALL,
    ]
    assert table["level"].tolist() == list(LEVEL_NAMES) * 3
    counted = table["correct"] + table["wrong"] + table["unresolved"]
    assert (counted == table["n_labelled"]).all()
    ccks = table[table["dataset"] == CCKS].set_index("level")
    # the label counts of data/accuracy/PROVENANCE.md
    assert ccks["n_labelled"].tolist() == [301, 352, 427, 287, 115]
    # measured when written: province 0.997, county 0.838 (precision 0.973),
    # township 0.676 (precision 0.911)
    assert ccks.loc["province", "accuracy"] >= 0.95
    assert ccks.loc["county", "accuracy"] >= 0.80
    assert ccks.loc["county", "precision"] >= 0.95
    assert ccks.loc["township", "precision"] >= 0.85


@pytest.mark.slow
def test_qingdao_set_is_labelled_by_its_sources(national_gazetteer: Gazetteer) -> None:
    labelled = load_labelled_addresses(QINGDAO)
    assert len(labelled) >= 400
    assert labelled["address"].is_unique
    assert (labelled[list(LEVEL_NAMES)] != "").any(axis=1).all()
    assert labelled["source"].str.len().gt(0).all()
    assert labelled["label_method"].str.len().gt(0).all()
    assert (labelled["date"] == "").all()  # no source says when the address held
    table = address_accuracy(labelled, national_gazetteer, region=["3702"], by=None)
    county = table.set_index("level").loc["county"]
    # measured when written: 347 of 395 (0.878), precision 0.969
    assert county["accuracy"] >= 0.85
    assert county["precision"] >= 0.95
