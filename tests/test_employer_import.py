"""The employer pipeline end to end on both backends: read, place, store, review.

Uses the real Qingdao demo grid, the national gazetteer and a small demo
registry written in the encodings real exports use.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from twonet.db.employer_store import open_review_items
from twonet.db.import_runs import runs
from twonet.db.models import Employer, EmployerVersion, ImportReject
from twonet.employer_import import (
    GridContext,
    geocode_file,
    import_registry,
    resolve_review,
)
from twonet.errors import ImportFailedError
from twonet.exports import employers_frame, write_employers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gazetteer(national_gazetteer):
    return national_gazetteer


@pytest.fixture(scope="module")
def registry(qingdao_demo, tmp_path_factory):
    from ingest.demo_registry import generate_registry, write_registry

    demo = generate_registry(qingdao_demo[0], n=1500, seed=7)
    folder = tmp_path_factory.mktemp("registry")
    files = [p for p in write_registry(demo, folder) if p.parent == folder]
    return demo, files


@pytest.fixture()
def grid_db(demo_grid_db):
    return demo_grid_db


def _count(engine, model) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(model)).scalar_one()
        )


def test_every_row_is_placed_queued_or_rejected_and_reimport_is_a_no_op(
    grid_db, registry, gazetteer
):
    demo, files = registry
    grid = GridContext.from_database(grid_db)
    reports = [
        import_registry(grid_db, f, gazetteer=gazetteer, grid=grid) for f in files
    ]
    read = sum(r.read for r in reports)
    accepted = sum(r.accepted for r in reports)
    rejected = sum(r.rejected for r in reports)
    assert read == len(demo.rows) == accepted + rejected  # nothing lost
    assert _count(grid_db, Employer) == accepted
    rejects = sum(len(r.rejects) for r in reports)
    assert rejects == rejected
    assert (
        _count(grid_db, ImportReject) >= rejected
    )  # every reject kept with its reason
    stored = employers_frame(grid_db)
    queue = open_review_items(grid_db)
    unplaced = stored[stored["village_code"].isna()]
    # every employer without a village is queued or outside the grid
    outside = unplaced["flags"].str.contains("outside_grid")
    assert set(unplaced.loc[~outside, "uscc"]) <= set(queue["uscc"])
    # levels never disagree
    placed = stored[stored["village_code"].notna()]
    assert (placed["village_code"].str[:9] == placed["township_code"]).all()
    assert (placed["township_code"].str[:6] == placed["county_code"]).all()
    again = [import_registry(grid_db, f, gazetteer=gazetteer, grid=grid) for f in files]
    assert sum(r.stored["unchanged"] for r in again) == accepted
    assert sum(r.stored["inserted"] + r.stored["changed"] for r in again) == 0


def test_coordinates_place_employers_in_their_true_village(
    grid_db, registry, gazetteer
):
    demo, files = registry
    grid = GridContext.from_database(grid_db)
    for f in files:
        import_registry(grid_db, f, gazetteer=gazetteer, grid=grid)
    stored = employers_frame(grid_db)
    truth = demo.truth.drop_duplicates("uscc")[["uscc", "village_code"]]
    merged = stored.merge(truth, on="uscc", suffixes=("", "_true"))
    by_coords = merged[merged["method"] == "coordinates"]
    assert len(by_coords) > 0.6 * len(merged)
    assert (by_coords["village_code"] == by_coords["village_code_true"]).mean() > 0.995


def test_changed_employer_keeps_history_and_moved_one_is_placed_again(
    grid_db, gazetteer, tmp_path
):
    grid = GridContext.from_database(grid_db)
    header = "单位名称,统一社会信用代码,生产经营地址,经度,纬度,坐标系,职工人数\n"
    uscc = "91370211MA3C5UXW49"
    first = tmp_path / "a.csv"
    first.write_text(
        header + f"青岛甲公司,{uscc},青岛市黄岛区辛安街道,120.12,36.02,WGS84,10\n",
        encoding="utf-8-sig",
    )
    report = import_registry(grid_db, first, gazetteer=gazetteer, grid=grid)
    assert report.rejected == 0, report.problems
    before = employers_frame(grid_db).iloc[0]
    second = tmp_path / "b.csv"
    second.write_text(
        header + f"青岛甲公司,{uscc},青岛市黄岛区辛安街道,120.12,36.02,WGS84,12\n",
        encoding="gb18030",
    )
    import_registry(grid_db, second, gazetteer=gazetteer, grid=grid)
    assert _count(grid_db, EmployerVersion) == 1
    moved = tmp_path / "c.csv"
    moved.write_text(
        header + f"青岛甲公司,{uscc},青岛市崂山区沙子口街道,120.55,36.12,WGS84,12\n",
        encoding="utf-8",
    )
    report = import_registry(grid_db, moved, gazetteer=gazetteer, grid=grid)
    assert report.stored["relocated"] == 1
    after = employers_frame(grid_db).iloc[0]
    assert before["county_code"] == "370211" and after["county_code"] == "370212"


def test_reviewer_places_a_queued_employer(grid_db, gazetteer, tmp_path):
    grid = GridContext.from_database(grid_db)
    path = tmp_path / "q.csv"
    path.write_text(
        "单位名称,统一社会信用代码,注册地址\n"
        "青岛乙商店,92370211MA3C5UXW46,青岛市黄岛区辛安街道某某路8号\n",
        encoding="utf-8-sig",
    )
    report = import_registry(grid_db, path, gazetteer=gazetteer, grid=grid)
    assert report.rejected == 0, report.problems
    queue = open_review_items(grid_db)
    assert len(queue) == 1 and queue["reason"].iloc[0] == "village_unresolved"
    first = queue["candidates"].iloc[0][0]["code"]
    resolve_review(grid_db, grid, int(queue["id"].iloc[0]), first, reviewer="张三")
    assert open_review_items(grid_db).empty
    row = employers_frame(grid_db).iloc[0]
    assert row["village_code"] == first and row["method"] == "manual"


def test_stateless_geocode_writes_every_format(grid_db, registry, gazetteer, tmp_path):
    _, files = registry
    grid = GridContext.from_database(grid_db)
    placed, result = geocode_file(files[0], gazetteer=gazetteer, grid=grid)
    assert len(placed) == result.n_accepted
    assert _count(grid_db, Employer) == 0  # nothing stored
    for suffix in (".csv", ".xlsx", ".geojson", ".gpkg"):
        out = write_employers(placed, tmp_path / f"out{suffix}")
        assert out.stat().st_size > 0
    back = pd.read_csv(tmp_path / "out.csv", encoding="utf-8-sig", dtype=str)
    assert "村级网格" in back.columns and len(back) == len(placed)


def _index_definitions(engine) -> set[str]:
    """Every index and constraint of ``employer``, as the database has it."""
    from sqlalchemy import text

    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                    "WHERE indrelid = 'employer'::regclass UNION ALL "
                    "SELECT conname || ' ' || pg_get_constraintdef(oid) "
                    "FROM pg_constraint WHERE conrelid = 'employer'::regclass"
                )
            )
        else:
            rows = connection.execute(
                text(
                    "SELECT coalesce(sql, name) FROM sqlite_master "
                    "WHERE type = 'index' AND tbl_name = 'employer' UNION ALL "
                    'SELECT "table" || \'.\' || "to" '
                    "FROM pragma_foreign_key_list('employer')"
                )
            )
        return {str(r[0]) for r in rows}


def _small_bulk_import(monkeypatch, engine, file, gazetteer):
    """Import a small file through the bulk path, in several chunks and batches."""
    import twonet.employer_import as service

    monkeypatch.setattr(service, "BULK_LOAD_MIN", 1)  # this small file is "large"
    monkeypatch.setattr(service, "PLACE_CHUNK_ROWS", 97)  # several chunks in flight
    return import_registry(
        engine,
        file,
        gazetteer=gazetteer,
        grid=GridContext.from_database(engine),
        options=service.ImportOptions(batch_rows=41),
    )


def test_bulk_first_load_rebuilds_every_index_and_matches_batched_load(
    grid_db, registry, gazetteer, monkeypatch
):
    _, files = registry
    indexes = _index_definitions(grid_db)
    assert len(indexes) >= 5  # USCC key, three cell codes, the run FK (PK, GiST)
    report = _small_bulk_import(monkeypatch, grid_db, files[0], gazetteer)
    assert _index_definitions(grid_db) == indexes  # rebuilt exactly as they were
    stored = employers_frame(grid_db)
    assert report.stored["inserted"] == report.accepted == len(stored)
    assert stored["uscc"].is_unique
    with_point = stored["lon"].notna()
    assert with_point.any()
    with grid_db.connect() as connection:
        points = connection.execute(
            select(func.count()).select_from(Employer).where(Employer.geom.is_not(None))
        ).scalar_one()
    assert points == int(with_point.sum())  # geometry written from lon/lat
    assert len(open_review_items(grid_db)) == report.queued
    grid = GridContext.from_database(grid_db)
    again = import_registry(grid_db, files[0], gazetteer=gazetteer, grid=grid)
    assert again.stored["unchanged"] == report.accepted  # still a no-op


def test_failed_bulk_write_rolls_back_every_new_employer(
    grid_db, registry, gazetteer, monkeypatch
):
    import twonet.db.employer_store as store

    _, files = registry
    indexes = _index_definitions(grid_db)
    real_encode = store.encode_new_employers
    calls = []

    def failing_encode(backend, frame, **kwargs):
        calls.append(len(frame))
        if len(calls) == 3:
            msg = "disk full (simulated)"
            raise OSError(msg)
        return real_encode(backend, frame, **kwargs)

    monkeypatch.setattr(store, "encode_new_employers", failing_encode)
    with pytest.raises(ImportFailedError, match="simulated"):
        _small_bulk_import(monkeypatch, grid_db, files[0], gazetteer)
    assert _count(grid_db, Employer) == 0  # one transaction: all or nothing
    assert _index_definitions(grid_db) == indexes
    (run,) = runs(grid_db, kind="employers", limit=1).to_dict("records")
    assert run["outcome"] == "failed"
    assert "simulated" in run["error"]


def test_failed_send_stops_the_import_and_keeps_nothing(
    grid_db, registry, gazetteer, monkeypatch
):
    from twonet.db import backends

    _, files = registry
    backend = backends.backend_for(grid_db)
    sent = []

    def failing_send(connection, payload):
        sent.append(payload.sql)
        if len(sent) == 4:
            msg = "connection lost (simulated)"
            raise ConnectionError(msg)
        backend.bulk_send(connection, payload)

    failing = backends.SpatialBackend(**{**vars(backend), "bulk_send": failing_send})
    monkeypatch.setattr(backends, "backend_for", lambda _bind: failing)
    with pytest.raises(ImportFailedError, match="simulated"):
        _small_bulk_import(monkeypatch, grid_db, files[0], gazetteer)
    assert _count(grid_db, Employer) == 0


def test_address_memo_parses_each_address_once(gazetteer, monkeypatch):
    import grid.address as address
    import twonet.employer_rows as service

    calls: list[list[str]] = []
    real_parse = address.parse_addresses

    def counting_parse(texts, *args, **kwargs):
        calls.append(list(texts))
        return real_parse(texts, *args, **kwargs)

    monkeypatch.setattr(address, "parse_addresses", counting_parse)
    first = ["即墨市蓝村镇", "胶南市王台镇王台村", "即墨市蓝村镇"]
    second = ["胶南市王台镇王台村", "青岛市市北区", "即墨市蓝村镇"]
    memo = service.AddressMemo(gazetteer, ["3702"])
    expected = real_parse(first + second, gazetteer, region=["3702"])
    got = pd.concat([memo(first), memo(second)], ignore_index=True)
    pd.testing.assert_frame_equal(got, expected)
    assert calls == [["即墨市蓝村镇", "胶南市王台镇王台村"], ["青岛市市北区"]]
    monkeypatch.setattr(service, "PARSE_MEMO_MAX", 2)  # full: start afresh
    assert memo(["崂山区王哥庄街道"])["county_code"].tolist() == ["370212"]
    assert calls[-1] == ["崂山区王哥庄街道"]
    # known and new together overflow: everything asked for is parsed again
    got = memo(["崂山区王哥庄街道", "青岛市市北区", "即墨市蓝村镇"])
    assert got["county_code"].tolist() == ["370212", "370203", "370215"]
    assert calls[-1] == ["崂山区王哥庄街道", "青岛市市北区", "即墨市蓝村镇"]


def test_geocode_cli_accepts_a_file_without_a_credit_code_column(
    grid_db, gazetteer, tmp_path
):
    """`twonet geocode --allow-missing-uscc` on a file with no USCC column (issue 14).

    Old registrations as a bureau has them: a county-level city followed by a
    direction, a zone alias whose meaning depends on the update date, and two
    addresses in one field.
    """
    from typer.testing import CliRunner

    from twonet.cli import app

    registry = tmp_path / "old.csv"
    registry.write_text(
        "单位名称,经营地址,更新日期\n"
        "北关机械厂,青岛市胶州市北关工业园,2003-05-01\n"
        "高科园电子厂,青岛高新区株洲路1号,1998-05-04\n"
        "红岛电子厂,青岛高新区火炬路1号,2019-03-01\n"
        "两址商行,青岛市城阳区流亭街道 青岛市李沧区九水路,2010-01-01\n",
        encoding="gb18030",
    )
    out = tmp_path / "placed.csv"
    url = grid_db.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app, ["geocode", str(registry), "--out", str(out), "--db", url]
    )
    assert result.exit_code != 0 and "统一社会信用代码" in result.output
    command = ["geocode", str(registry), "--out", str(out), "--db", url]
    result = CliRunner().invoke(app, [*command, "--allow-missing-uscc"])
    assert result.exit_code == 0, result.output
    placed = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert placed["县级网格"].tolist() == ["370281", "370212", "370214", "370214"]
    assert "multiple_addresses" in placed["标记"].iloc[3]
    assert placed["标记"].iloc[:3].fillna("").str.contains("ambiguous").sum() == 0
