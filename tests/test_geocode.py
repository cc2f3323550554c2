"""Placement rules of :func:`grid.geocode.geocode_employers` on a tiny grid.

A hand-made grid (two counties, one township each, two villages in one),
a locator that knows three points and a parser that knows a few addresses:
every expected value below can be checked by reading the rules in the
module docstring.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from grid.geocode import GridIndex, geocode_employers

CELLS = pd.DataFrame(
    {
        "code": [
            "3702",
            "370211",
            "370211002",
            "370211002001",
            "370211002002",
            "370215",
            "370215010",
            "370215010001",
        ],
        "parent_code": [
            None,
            "3702",
            "370211",
            "370211002",
            "370211002",
            "3702",
            "370215",
            "370215010",
        ],
        "level": [
            "city",
            "county",
            "township",
            "village",
            "village",
            "county",
            "township",
            "village",
        ],
    }
)
GRID = GridIndex.from_cells(CELLS)
#: lon -> village the locator finds there (lat is ignored)
POINTS = {1.0: "370211002001", 2.0: "370211002002", 3.0: "370215010001"}
#: address -> (county, town, village, confidence, ambiguous, candidates, note)
ADDRESSES = {
    "辛安前港村": ("370211", "370211002", "370211002001", 1.0, False, [], None),
    "辛安": ("370211", "370211002", None, 0.9, False, ["370211002002"], None),
    "即墨蓝村": ("370215", "370215010", None, 1.0, False, [], "旧名 old name"),
    "黄岛": ("370211", None, None, 1.0, False, [], None),
    "北京朝阳": ("110105", None, None, 1.0, False, [], None),
    "两可": (None, None, None, 0.25, True, ["370211002", "370215010"], None),
    # two townships of one county: the county is certain
    "黄岛两镇": ("370211", None, None, 0.25, True, ["370211002", "370211005"], None),
}


class FakeLocator:
    def locate(self, lon, lat) -> pd.DataFrame:
        villages = [POINTS.get(float(x)) for x in np.asarray(lon, dtype=float)]
        rows = [GRID.lineage(v) for v in villages]
        frame = pd.DataFrame(rows)
        frame["on_boundary"] = [float(x) == 2.0 for x in np.asarray(lon)]
        return frame


class CountingParser:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, texts) -> pd.DataFrame:
        self.seen.extend(texts)
        rows = [
            ADDRESSES.get(str(t), (None, None, None, 0.0, False, [], None))
            for t in texts
        ]
        columns = [
            "county_code",
            "town_code",
            "village_code",
            "confidence",
            "ambiguous",
            "candidates",
            "historical_note",
        ]
        return pd.DataFrame(rows, columns=columns)


def _rows(*specs) -> pd.DataFrame:
    """``(lon, address)`` pairs; lat 0, WGS-84 where a lon is given."""
    return pd.DataFrame(
        {
            "lon_raw": [lon for lon, _ in specs],
            "lat_raw": [0.0 if lon is not None else None for lon, _ in specs],
            "datum": ["wgs84" if lon is not None else None for lon, _ in specs],
            "operating_address": [address for _, address in specs],
            "registered_address": [None] * len(specs),
        }
    )


def _place(rows, areas=None, parser=None):
    return geocode_employers(
        rows,
        locator=FakeLocator(),
        parse=parser or CountingParser(),
        grid=GRID,
        area_counties=None if areas is None else pd.Series(areas, dtype=object),
    )


def test_coordinates_win_and_fill_every_level() -> None:
    out = _place(_rows((1.0, "辛安前港村"), (2.0, "辛安前港村")))
    assert out["village_code"].tolist() == ["370211002001", "370211002002"]
    assert out["city_code"].tolist() == ["3702", "3702"]
    assert out["method"].tolist() == ["coordinates", "coordinates"]
    assert out["confidence"].tolist() == [0.95, 0.9]  # 0.9 on a shared boundary
    # same township, another village: not a conflict at township level
    assert out["review_reason"].isna().all()


def test_coordinates_and_address_in_other_townships_are_queued() -> None:
    out = _place(_rows((3.0, "辛安前港村")))
    row = out.iloc[0]
    assert row["village_code"] == "370215010001"  # coordinates kept
    assert row["confidence"] == 0.5
    assert row["review_reason"] == "coord_address_conflict"
    assert [c["code"] for c in row["candidates"]] == ["370215010001", "370211002001"]


@pytest.mark.parametrize(
    ("address", "village", "town", "county", "reason", "confidence"),
    [
        ("辛安前港村", "370211002001", "370211002", "370211", None, 0.85),
        ("辛安", None, "370211002", "370211", "village_unresolved", 0.54),
        ("黄岛", None, None, "370211", "unresolved", 0.3),
        ("北京朝阳", None, None, None, None, 0.0),
        ("两可", None, None, None, "ambiguous_address", 0.0),
        ("黄岛两镇", None, None, "370211", "ambiguous_address", 0.075),
    ],
)
def test_address_places_as_deep_as_it_resolves(
    address, village, town, county, reason, confidence
) -> None:
    row = _place(_rows((None, address))).iloc[0]
    assert (row["village_code"], row["township_code"], row["county_code"]) == (
        village,
        town,
        county,
    )
    assert row["review_reason"] == reason
    assert row["confidence"] == pytest.approx(confidence)


def test_candidates_for_a_missing_village_prefer_the_parsers_ranking() -> None:
    row = _place(_rows((None, "辛安"))).iloc[0]
    assert [c["code"] for c in row["candidates"]] == ["370211002002"]
    row = _place(_rows((None, "黄岛"))).iloc[0]
    assert [c["code"] for c in row["candidates"]] == ["370211002"]


def test_flags_are_written_in_a_fixed_order() -> None:
    out = _place(
        _rows((9.0, "即墨蓝村"), (None, "北京朝阳"), (1.0, "辛安前港村")),
        areas=["370211", None, "370215"],
    )
    assert out["flags"].tolist() == [
        "coords_outside_grid,historical_name,village_unresolved,registered_elsewhere",
        "outside_grid",
        "registered_elsewhere",
    ]


def test_uscc_area_agreeing_raises_confidence() -> None:
    out = _place(_rows((1.0, "辛安前港村")), areas=["370211"])
    assert out["confidence"].tolist() == [1.0]
    assert out["flags"].tolist() == [""]


def test_house_numbers_do_not_cost_a_parse_each() -> None:
    parser = CountingParser()
    out = _place(
        _rows(
            (None, "辛安前港村12号"),
            (None, "辛安前港村13号2栋301室"),
            (None, "辛安前港村"),
            (None, "辛安"),
        ),
        parser=parser,
    )
    assert sorted(parser.seen) == ["辛安", "辛安前港村"]
    assert out["village_code"].tolist()[:3] == ["370211002001"] * 3


def test_an_ambiguous_address_places_what_is_certain() -> None:
    row = _place(_rows((None, "黄岛两镇"))).iloc[0]
    assert (row["county_code"], row["method"]) == ("370211", "address_partial")
    assert row["flags"] == "ambiguous_address"
    assert [c["code"] for c in row["candidates"]] == ["370211002"]  # in the grid


class DatedParser(CountingParser):
    """Knows one alias whose meaning changed on 2007-11-01."""

    def __init__(self) -> None:
        super().__init__()
        self.dates: list[object] = []

    def __call__(self, texts, dates=None) -> pd.DataFrame:
        frame = super().__call__(texts)
        if dates is None:
            frame["date_dependent"] = [str(t) == "高新区" for t in texts]
            frame.loc[frame["date_dependent"], "ambiguous"] = True
            frame["multiple_addresses"] = [str(t) == "两址" for t in texts]
            return frame
        self.dates.extend(dates)
        early = [pd.Timestamp(d) < pd.Timestamp("2007-11-01") for d in dates]
        frame["county_code"] = ["370211" if e else "370215" for e in early]
        frame["ambiguous"] = False
        frame["date_dependent"] = True
        return frame


def test_a_dated_alias_is_parsed_again_with_each_record_date() -> None:
    rows = _rows((None, "高新区"), (None, "高新区"), (None, "高新区"), (None, "两址"))
    rows["updated"] = ["1999-01-01", "2019-06-01", None, "2019-06-01"]
    parser = DatedParser()
    out = _place(rows, parser=parser)
    counties = [c if isinstance(c, str) else None for c in out["county_code"]]
    assert counties == [
        "370211",
        "370215",
        None,
        None,
    ]
    assert out["review_reason"].tolist()[2] == "ambiguous_address"
    assert parser.dates == [pd.Timestamp("1999-01-01"), pd.Timestamp("2019-06-01")]
    assert out["flags"].tolist()[3] == "multiple_addresses,unresolved"
