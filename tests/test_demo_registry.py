"""Tests of the synthetic Qingdao employer registry (ingest.demo_registry)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from grid.coords import bd09_to_wgs84, gcj02_to_wgs84
from ingest import demo_tables
from ingest.demo_export import csv_frame
from ingest.demo_gazetteer import short_village
from ingest.demo_problems import break_uscc
from ingest.demo_registry import (
    AS_OF,
    CATEGORIES,
    COUNT_HEADERS,
    DEFECT_SHARE,
    DEFECTS,
    EXPORT_STYLES,
    HEADERS,
    INDUSTRIES,
    TRUTH_COLUMNS,
    RegistryDemo,
    generate_registry,
    write_registry,
)
from ingest.uscc import ALPHABET, make_uscc, validate_uscc, validate_uscc_array
from twonet.errors import GridBuildError

N = 2_000
BAD_USCC = ("uscc_check", "uscc_malformed")
STAFF_DEFECTS = ("staff_sum", "migrant_gt_on_post", "signed_gt_required")


@pytest.fixture(scope="module")
def cells(qingdao_demo: tuple[Any, Any, float]) -> Any:
    return qingdao_demo[0]


@pytest.fixture(scope="module")
def demo(cells: Any) -> RegistryDemo:
    return generate_registry(cells, n=N, seed=7)


@pytest.fixture(scope="module")
def written(demo: RegistryDemo, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_registry(demo, tmp_path_factory.mktemp("registry"))


def _has(truth: pd.DataFrame, kinds: tuple[str, ...]) -> pd.Series:
    return truth["defects"].isin(kinds)


# --------------------------------------------------------------------------
# small, hand-checkable pieces


def test_short_village_names() -> None:
    assert short_village("台东路社区居民委员会") == "台东路社区"
    assert short_village("王台东村委会") == "王台东村"
    assert short_village("王台村村委会") == "王台村"
    assert short_village("龙山街居委会") == "龙山街社区"
    assert short_village("云霄路社区") == "云霄路社区"


def test_industries_of_categories_are_known() -> None:
    assert abs(sum(c.share for c in CATEGORIES) - 1) < 1e-9
    for category in CATEGORIES:
        for code, _ in category.industries:
            assert code in INDUSTRIES
    assert INDUSTRIES["L7263"].name == "劳务派遣服务"
    assert INDUSTRIES["C3031"].name == "粘土砖瓦及建筑砌块制造"


def test_tables_come_from_the_data_files() -> None:
    assert demo_tables.DATA_DIR.name == "demo_registry"
    assert demo_tables.DATA_DIR.parent.name == "data"
    assert [c.key for c in CATEGORIES][:3] == ["workshop", "brick_kiln", "mine"]
    assert CATEGORIES[1].counties[0] == ("370202", 0.0)
    assert CATEGORIES[0].staff == (8, 0.6, 3, 40)
    assert demo_tables.OLD_COUNTIES == {
        "370211": ("370284", "胶南市"),
        "370215": ("370282", "即墨市"),
    }
    assert demo_tables.COORD_DEFECTS == (
        "coord_swapped",
        "coord_out_of_range",
        "crs_unknown",
    )
    assert [f for f, _ in demo_tables.RURAL_FORMATS] == [
        "full", "city", "county", "short", "town", "xihaian",
    ]  # fmt: skip
    assert demo_tables.LARGE_TYPES[0] == ("私营有限责任公司", 0.3)
    assert len(demo_tables.TRADE_CHARS) == 72
    assert EXPORT_STYLES["370215"].date_format == "chinese"


def test_table_lacking_a_column_rejected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lacking.csv").write_text("code,name\nC1,x\n", encoding="utf-8")
    monkeypatch.setattr(demo_tables, "DATA_DIR", tmp_path)
    with pytest.raises(GridBuildError, match=r"lacks columns \['words'\]"):
        demo_tables.read_table("lacking.csv", ("code", "words"))
    with pytest.raises(GridBuildError, match=r"missing\.toml"):
        demo_tables.read_settings("missing.toml")


@settings(max_examples=60, deadline=None)
@given(
    area=st.text("0123456789", min_size=6, max_size=6),
    body=st.text(ALPHABET, min_size=8, max_size=8),
    kind=st.sampled_from(BAD_USCC),
    seed=st.integers(0, 2**32 - 1),
)
def test_broken_codes_never_validate(
    area: str, body: str, kind: str, seed: int
) -> None:
    code = make_uscc("9", "1", area, body)
    assert validate_uscc(code) == []
    broken = break_uscc(np.random.default_rng(seed), code, kind)
    assert any(p.severity == "reject" for p in validate_uscc(broken))


def test_too_few_rows_rejected(cells: Any) -> None:
    with pytest.raises(GridBuildError, match="n=10"):
        generate_registry(cells, n=10)


def test_cell_frame_without_geometry_column_rejected(cells: Any) -> None:
    frame = pd.DataFrame(cells.drop(columns="geometry"))
    with pytest.raises(GridBuildError, match="geometry"):
        generate_registry(frame, n=100)


# --------------------------------------------------------------------------
# the generated registry


def test_same_seed_same_registry(cells: Any, demo: RegistryDemo) -> None:
    again = generate_registry(cells, n=N, seed=7)
    pd.testing.assert_frame_equal(again.rows, demo.rows)
    pd.testing.assert_frame_equal(again.truth, demo.truth)
    other = generate_registry(cells, n=N, seed=8)
    assert not other.rows["统一社会信用代码"].equals(demo.rows["统一社会信用代码"])


def test_shape_and_truth_alignment(demo: RegistryDemo) -> None:
    rows, truth = demo.rows, demo.truth
    assert tuple(rows.columns) == HEADERS
    assert tuple(truth.columns) == TRUTH_COLUMNS
    assert len(rows) == len(truth) == N
    assert truth["row"].tolist() == list(range(N))
    assert (truth["uscc"] == rows["统一社会信用代码"]).all()
    named = ~_has(truth, ("name_missing", "uscc_duplicate"))
    assert (truth.loc[named, "true_name"] == rows.loc[named, "单位名称"]).all()
    assert rows.loc[_has(truth, ("name_missing",)), "单位名称"].isna().all()
    assert (truth["county_code"] == truth["village_code"].str[:6]).all()
    assert (truth["township_code"] == truth["village_code"].str[:9]).all()


def test_mix_of_rows(demo: RegistryDemo) -> None:
    truth = demo.truth
    assert (truth["defects"] != "").sum() == round(DEFECT_SHARE * N)
    assert set(truth.loc[truth["defects"] != "", "defects"]) <= set(DEFECTS)
    crs = truth["crs"].value_counts(normalize=True)
    assert 0.15 < crs["none"] < 0.25
    assert 0.2 < crs["gcj02"] < 0.3
    assert 0.07 < crs["bd09"] < 0.13
    assert 0.38 < crs["wgs84"] + crs["cgcs2000"] < 0.52
    assert 0.07 < (truth["historical"] != "").mean() < 0.11
    assert 0.01 < (~truth["has_geometry"]).mean() < 0.06
    assert 0.8 < truth["uscc_area_matches"].mean() < 0.9
    assert set(truth["category"]) == {c.key for c in CATEGORIES}


def test_credit_codes(demo: RegistryDemo) -> None:
    rows, truth = demo.rows, demo.truth
    checked = validate_uscc_array(rows["统一社会信用代码"])
    valid = checked["format_ok"] & checked["check_ok"]
    bad = _has(truth, BAD_USCC)
    assert valid[~bad].all()
    assert not valid[bad].any()
    assert checked.loc[~bad, "org_check_ok"].all()
    assert checked.loc[~bad, "authority_ok"].all()
    codes = rows["统一社会信用代码"]
    dup = _has(truth, ("uscc_duplicate",))
    assert codes[~dup].is_unique
    source = truth.loc[dup, "duplicate_of"].to_numpy()
    assert (source < truth.loc[dup, "row"].to_numpy()).all()
    assert (codes[dup].to_numpy() == codes.iloc[source].to_numpy()).all()
    same = truth.loc[dup, "county_code"].to_numpy()
    assert (same == truth["county_code"].iloc[source].to_numpy()).all()
    good = ~bad & ~dup
    assert (codes[good].str[2:8] == truth.loc[good, "uscc_area"]).all()
    kind = truth["uscc_area_kind"]
    assert (truth.loc[kind == "true_county", "uscc_area_matches"]).all()
    individual = rows["经济类型"] == "个体工商户"
    assert codes[individual & good].str[:2].eq("92").all()


def test_staff_rules_on_good_rows(demo: RegistryDemo) -> None:
    rows, truth = demo.rows, demo.truth
    good = ~_has(truth, STAFF_DEFECTS)
    r = rows[good]
    assert (r["男"] + r["女"] == r["职工人数"]).all()
    assert (r["职工人数"] >= r["在岗人数"]).all()
    assert (r["在岗人数"] >= r["农民工人数"]).all()
    assert (r["劳动合同签订人数"] <= r["应签合同人数"]).all()
    assert (r["应签合同人数"] <= r["职工人数"]).all()
    assert (r["参保人数"] <= r["职工人数"]).all()
    assert (rows[list(COUNT_HEADERS)] >= 0).all().all()
    staff = rows["职工人数"]
    assert staff.between(3, 50).mean() > 0.5
    assert staff.max() <= 5000
    flagged = rows[~good]
    broken = (
        (flagged["男"] + flagged["女"] != flagged["职工人数"])
        | (flagged["农民工人数"] > flagged["在岗人数"])
        | (flagged["劳动合同签订人数"] > flagged["应签合同人数"])
    )
    assert broken.all()


def test_dates(demo: RegistryDemo) -> None:
    rows, truth = demo.rows, demo.truth
    bad = _has(truth, ("date_invalid",))
    dates = rows.loc[~bad, "更新日期"]
    assert all(isinstance(d, dt.date) for d in dates)
    age = np.array([(AS_OF - d).days for d in dates])
    assert age.min() >= 0
    assert age.max() <= 731
    assert ((age >= 183) == truth.loc[~bad, "stale"].to_numpy()).all()
    assert all(isinstance(d, str) for d in rows.loc[bad, "更新日期"])


def test_true_points_lie_in_their_village(cells: Any, demo: RegistryDemo) -> None:
    truth = demo.truth[demo.truth["has_geometry"]]
    geoms = cells.set_index("code").geometry
    inside = shapely.contains_xy(
        geoms.loc[truth["village_code"]].to_numpy(),
        truth["lon"].to_numpy(),
        truth["lat"].to_numpy(),
    )
    assert inside.all()
    no_geometry = demo.truth[~demo.truth["has_geometry"]]
    assert no_geometry["lon"].isna().all()
    assert (no_geometry["crs"] == "none").all()
    assert demo.rows.loc[no_geometry.index, "经度"].isna().all()


def _metres(lon: Any, lat: Any, lon0: Any, lat0: Any) -> Any:
    dx = (np.asarray(lon) - lon0) * 111_320.0 * np.cos(np.radians(lat0))
    dy = (np.asarray(lat) - lat0) * 110_574.0
    return np.hypot(dx, dy)


@pytest.mark.parametrize(
    ("datum", "back"),
    [("gcj02", gcj02_to_wgs84), ("bd09", bd09_to_wgs84), ("wgs84", None)],
)
def test_declared_coordinates_convert_back(
    demo: RegistryDemo, datum: str, back: Any
) -> None:
    rows, truth = demo.rows, demo.truth
    pick = (truth["crs"] == datum) & ~_has(
        truth, ("coord_swapped", "coord_out_of_range")
    )
    assert pick.sum() > 50
    lon, lat = rows.loc[pick, "经度"].to_numpy(), rows.loc[pick, "纬度"].to_numpy()
    if back is not None:
        lon, lat = back(lon, lat)
    error = _metres(lon, lat, truth.loc[pick, "lon"], truth.loc[pick, "lat"])
    assert error.max() < 1.0


def test_coordinate_defects(demo: RegistryDemo) -> None:
    rows, truth = demo.rows, demo.truth
    swapped = _has(truth, ("coord_swapped",))
    assert (rows.loc[swapped, "经度"] < 40).all()
    out = rows[_has(truth, ("coord_out_of_range",))]
    assert ((out["经度"].abs() > 180) | (out["纬度"].abs() > 90)).all()
    unknown = rows.loc[_has(truth, ("crs_unknown",)), "坐标系"]
    assert unknown.notna().all()
    assert not unknown.isin(["WGS84", "GCJ02", "BD09", "高德", "百度"]).any()


def test_historical_names_appear_in_addresses(demo: RegistryDemo) -> None:
    truth = demo.truth
    old = truth[truth["historical"] != ""]
    assert {"county", "village"} <= set(old["historical"].str.split(",").explode())
    for i, names in zip(old["row"], old["historical_names"], strict=True):
        address = demo.rows.at[i, "生产经营地址"]
        for name in names.split("/"):
            assert name in address
    jimo = old[
        old["historical"].str.contains("county") & (old["county_code"] == "370215")
    ]
    assert demo.rows.loc[jimo.index, "生产经营地址"].str.contains("即墨市").all()


def test_registered_elsewhere(demo: RegistryDemo) -> None:
    rows, truth = demo.rows, demo.truth
    elsewhere = truth["registered_elsewhere"]
    assert 0.02 < elsewhere.mean() < 0.08
    same = rows["注册地址"] == rows["生产经营地址"]
    assert same[~elsewhere].mean() > 0.8
    assert (~same[elsewhere]).all()


# --------------------------------------------------------------------------
# the written exports


def _manifest(paths: list[Path]) -> pd.DataFrame:
    return pd.read_csv(paths[-1], dtype=str, keep_default_na=False)


def test_exports_per_county(demo: RegistryDemo, written: list[Path]) -> None:
    manifest = _manifest(written)
    assert [p.name for p in written[-2:]] == ["truth.csv", "manifest.csv"]
    assert manifest["rows"].astype(int).sum() == N
    assert sorted(manifest["county_code"]) == sorted(set(demo.truth["county_code"]))
    kinds = set(manifest["kind"] + ":" + manifest["encoding"])
    assert {"csv:gbk", "csv:utf-8-sig", "xlsx:"} <= kinds
    for path in written[:-2]:
        assert path.parent == written[0].parent


#: SHA-256 over the CSV exports and truth.csv of the N=2,000, seed=7 registry
#: (name, NUL, the file's SHA-256, newline per file, sorted by name).  It
#: pins the generator's output: a change to the code or to the tables in
#: data/demo_registry/ that alters a single byte changes it.  XLSX files are
#: left out: they carry the time they were written.
SMALL_REGISTRY_SHA256 = (
    "4148d3e3dffec8624cea4985b0abd0a03aa95b677e5246a8c25705936a99e103"
)


def test_small_registry_is_pinned(written: list[Path]) -> None:
    folder = written[0].parent
    files = sorted(p for p in written if p.suffix == ".csv" and p.parent == folder)
    files.append(written[-2])  # truth.csv
    digest = hashlib.sha256()
    for path in files:
        file_hash = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"{path.name}\0{file_hash}\n".encode())
    assert len(files) == 8
    assert digest.hexdigest() == SMALL_REGISTRY_SHA256


def test_csv_exports_round_trip(demo: RegistryDemo, written: list[Path]) -> None:
    manifest = _manifest(written)
    folder = written[0].parent
    truth = pd.read_csv(written[-2], dtype=str, keep_default_na=False)
    for entry in manifest[manifest["kind"] == "csv"].itertuples():
        raw = (folder / entry.file).read_bytes()
        if entry.encoding == "utf-8-sig":
            assert raw.startswith(b"\xef\xbb\xbf")
        else:
            raw.decode("gbk")  # strict: a real GBK file
        assert b"\r\n" in raw[:2000]
        back = pd.read_csv(
            folder / entry.file,
            encoding=entry.encoding,
            dtype=str,
            keep_default_na=False,
        )
        rows = truth.loc[truth["file"] == entry.file, "row"].astype(int)
        style = EXPORT_STYLES[entry.county_code]
        expected = csv_frame(demo.rows.iloc[rows.to_numpy()], style)
        pd.testing.assert_frame_equal(back, expected.reset_index(drop=True))
        first = truth.loc[truth["file"] == entry.file, "file_row"].astype(int)
        assert first.tolist() == list(range(2, len(rows) + 2))


def test_xlsx_exports_round_trip(demo: RegistryDemo, written: list[Path]) -> None:
    manifest = _manifest(written)
    folder = written[0].parent
    truth = pd.read_csv(written[-2], dtype=str, keep_default_na=False)
    for entry in manifest[manifest["kind"] == "xlsx"].itertuples():
        book = load_workbook(folder / entry.file, read_only=True)
        try:  # a read-only workbook keeps its file open until closed
            records = list(book.active.iter_rows(values_only=True))
        finally:
            book.close()
        header_row = int(entry.header_row)
        assert tuple(records[header_row - 1]) == HEADERS
        data = records[header_row:]
        mine = truth[truth["file"] == entry.file]
        assert len(data) == len(mine)
        for record, i in zip(data, mine["row"].astype(int), strict=True):
            row = demo.rows.iloc[i]
            assert record[0] == (None if pd.isna(row["单位名称"]) else row["单位名称"])
            assert record[1] == row["统一社会信用代码"]
            assert record[11] == row["职工人数"]
            updated = record[HEADERS.index("更新日期")]
            if isinstance(row["更新日期"], dt.date):
                assert isinstance(updated, dt.datetime)
                assert updated.date() == row["更新日期"]
            else:
                assert updated == row["更新日期"]
            lon = record[HEADERS.index("经度")]
            assert (lon is None) == pd.isna(row["经度"])
        assert mine["file_row"].astype(int).tolist() == list(
            range(header_row + 1, header_row + 1 + len(mine))
        )
