"""Choropleth classes (mapclassify) and the printable map (matplotlib)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import box

from maps.choropleth import (
    NO_DATA_COLOUR,
    SCHEMES,
    class_legend,
    classify,
)
from maps.print_map import nice_length, render_print_map


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_classes_cover_every_known_value_and_leave_missing_out(scheme: str) -> None:
    values = pd.Series([0.0, 1.0, 2.0, 3.0, 10.0, 11.0, None, float("nan")])
    classes = classify(values, scheme, k=3)
    assert classes.labels.tolist()[-2:] == [-1, -1]
    known = classes.labels[:6]
    assert set(known) <= {0, 1, 2} and known.min() == 0 and known.max() == 2
    # classes are ordered: a larger value never falls in a lower class
    assert list(known) == sorted(known)
    assert classes.colour_of(6) == NO_DATA_COLOUR
    assert classes.bins[-1] == 11.0


def test_natural_breaks_split_at_the_gap() -> None:
    classes = classify([1, 1, 2, 2, 50, 51, 52], "natural_breaks", k=2)
    assert classes.labels.tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_fewer_distinct_values_than_classes() -> None:
    classes = classify([5.0, 5.0, 7.0], "quantiles", k=5)
    assert len(classes.colours) == 2
    assert classes.labels.tolist() == [0, 0, 1]


def test_quantiles_that_coincide_make_fewer_classes_without_a_warning() -> None:
    # the median is the maximum: two distinct values, one quantile class
    classes = classify(np.array([0.0, 1.0, 1.0]), "quantiles", k=5)
    assert classes.labels.tolist() == [0, 0, 0]
    assert len(classes.colours) == len(classes.bins) == 1


def test_no_values_at_all_gives_only_no_data() -> None:
    classes = classify([None, None], "equal_interval")
    assert classes.labels.tolist() == [-1, -1]
    assert class_legend(classes, "en", missing=2) == [(NO_DATA_COLOUR, "No data (2)")]


def test_legend_names_no_data_in_chinese_by_default() -> None:
    classes = classify([1.0, 2.0, None], "equal_interval", k=2)
    legend = class_legend(classes, "zh", fmt=lambda v: f"{v:g}", missing=1)
    assert legend == [
        (classes.colours[0], "1 – 1.5"),
        (classes.colours[1], "1.5 – 2"),
        (NO_DATA_COLOUR, "无数据 (1)"),
    ]


@pytest.mark.parametrize("bad", [{"scheme": "jenks"}, {"k": 0}, {"k": 8}])
def test_bad_scheme_or_class_count_is_refused_with_the_value(bad: dict) -> None:
    args = {"scheme": "quantiles", "k": 5, **bad}
    with pytest.raises(ValueError, match=repr(next(iter(bad.values())))):
        classify([1.0, 2.0], args["scheme"], k=args["k"])


@given(st.floats(min_value=1, max_value=5e6))
def test_scale_bar_is_round_and_fits(span: float) -> None:
    length = nice_length(span)
    mantissa = length / 10 ** np.floor(np.log10(length))
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    assert length <= max(span / 5, 1.0)
    assert length > max(span / 5, 1.0) / 2.5


def _cells() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": ["370211001", "370211002"]},
        geometry=[box(120.0, 35.9, 120.1, 36.0), box(120.1, 35.9, 120.2, 36.0)],
        crs="EPSG:4326",
    )


def test_printed_map_is_a_png_and_a_repeatable_pdf() -> None:
    args = {
        "title": "黄岛区 违法热点",
        "legend": [("#d62f27", "热点 99% 置信 (1)")],
        "legend_title": "热点",
        "data_date": dt.date(2026, 11, 30),
        "printed_on": dt.date(2026, 12, 2),
    }
    png = render_print_map(_cells(), ["#d62f27", "#f7f7e6"], **args, dpi=40)
    assert png.startswith(b"\x89PNG")
    pdf = render_print_map(_cells(), ["#d62f27", "#f7f7e6"], **args, fmt="pdf")
    assert pdf.startswith(b"%PDF")
    again = render_print_map(_cells(), ["#d62f27", "#f7f7e6"], **args, fmt="pdf")
    assert pdf == again


def test_printed_map_refuses_mismatched_fills_and_missing_crs() -> None:
    with pytest.raises(ValueError, match="填色数 1"):
        render_print_map(
            _cells(),
            ["#fff"],
            title="",
            legend=[],
            legend_title="",
            data_date=dt.date(2026, 1, 1),
        )
    with pytest.raises(ValueError, match="CRS"):
        render_print_map(
            _cells().set_crs(None, allow_override=True),
            ["#fff", "#fff"],
            title="",
            legend=[],
            legend_title="",
            data_date=dt.date(2026, 1, 1),
        )
