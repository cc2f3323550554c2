"""Employer storage on both backends: bulk upsert, history, review queue."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from twonet.db import employer_store as store
from twonet.db.models import Employer, EmployerVersion

T0 = dt.datetime(2026, 1, 1, 8, 0)
T1 = dt.datetime(2026, 2, 1, 8, 0)


def _rows(**changes: object) -> pd.DataFrame:
    base = {c: None for c in store.STORED_COLUMNS}
    rows = []
    for i, (uscc, village) in enumerate(
        [("91370211MA3C000001", "370211001001"), ("91370211MA3C000002", "370211001002")]
    ):
        row = dict(base)
        row.update(
            uscc=uscc,
            name=f"青岛测试{i}有限公司",
            operating_address="山东省青岛市黄岛区黄岛街道",
            staff=10 + i,
            lon=120.2 + i / 100,
            lat=35.96,
            lon_raw=120.2 + i / 100,
            lat_raw=35.96,
            datum="wgs84",
            city_code="370200",
            county_code="370211",
            township_code="370211001",
            village_code=village,
            method="coordinates",
            confidence=0.9,
            flags="",
            content_hash=f"c{i}",
            location_hash=f"l{i}",
            extra={"备注": "样例"} if i == 0 else None,
            updated=dt.date(2025, 12, 31),
        )
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column, value in changes.items():
        frame.loc[0, column] = value
    return frame


def _employer(db, uscc: str):
    table = Employer.__table__
    return db.execute(select(table).where(table.c.uscc == uscc)).one()


def _count(db, model) -> int:
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


def test_insert_then_reimport_is_a_no_op(db):
    first = store.upsert_employers(db, _rows(), import_run_id=None, now=T0)
    again = store.upsert_employers(db, _rows(), import_run_id=None, now=T1)
    assert first == {"inserted": 2, "changed": 0, "relocated": 0, "unchanged": 0}
    assert again == {"inserted": 0, "changed": 0, "relocated": 0, "unchanged": 2}
    assert _count(db, EmployerVersion) == 0
    row = _employer(db, "91370211MA3C000001")
    assert row.last_changed == T0 and row.extra == {"备注": "样例"}
    assert row.updated == dt.date(2025, 12, 31)
    lon = db.execute(
        select(func.ST_X(Employer.geom)).where(Employer.id == row.id)
    ).scalar_one()
    assert lon == pytest.approx(120.2)


def test_changed_employer_keeps_history_and_placement(db):
    store.upsert_employers(db, _rows(), import_run_id=None, now=T0)
    # staff changed, same location: placement columns (empty here) are not applied
    changed = _rows(staff=99, content_hash="c0-v2", village_code=None, method="none")
    counts = store.upsert_employers(db, changed, import_run_id=None, now=T1)
    assert counts == {"inserted": 0, "changed": 1, "relocated": 0, "unchanged": 1}
    row = _employer(db, "91370211MA3C000001")
    assert (
        row.staff == 99
        and row.village_code == "370211001001"
        and row.method == "coordinates"
    )
    history = db.execute(
        select(EmployerVersion.snapshot, EmployerVersion.valid_to)
    ).all()
    assert len(history) == 1 and history[0].valid_to == T1
    snapshot = history[0].snapshot
    snapshot = (
        snapshot if isinstance(snapshot, dict) else __import__("json").loads(snapshot)
    )
    assert snapshot["staff"] == 10


def test_relocated_employer_gets_new_placement(db):
    store.upsert_employers(db, _rows(), import_run_id=None, now=T0)
    moved = _rows(
        content_hash="c0-v2",
        location_hash="l0-v2",
        lon=120.3,
        village_code="370211001003",
        method="address",
    )
    counts = store.upsert_employers(db, moved, import_run_id=None, now=T1)
    assert counts["relocated"] == 1 and counts["changed"] == 1
    row = _employer(db, "91370211MA3C000001")
    assert row.village_code == "370211001003" and row.method == "address"
    lon = db.execute(
        select(func.ST_X(Employer.geom)).where(Employer.id == row.id)
    ).scalar_one()
    assert lon == pytest.approx(120.3)


def test_review_queue_round_trip(db):
    store.upsert_employers(db, _rows(), import_run_id=None, now=T0)
    items = pd.DataFrame(
        {
            "uscc": ["91370211MA3C000002"],
            "reason": ["ambiguous_address"],
            "candidates": [
                [
                    {"code": "370211001002", "score": 0.6},
                    {"code": "370211001003", "score": 0.3},
                ]
            ],
        }
    )
    store.replace_review_items(db, items, usccs=["91370211MA3C000002"], now=T0)
    queue = store.open_review_items(db)
    assert queue["uscc"].tolist() == ["91370211MA3C000002"]
    assert queue["candidates"].iloc[0][0]["code"] == "370211001002"
    store.resolve_review_item(
        db,
        int(queue["id"].iloc[0]),
        placement={
            "city_code": "370200",
            "county_code": "370211",
            "township_code": "370211001",
            "village_code": "370211001003",
        },
        reviewer="张三",
        now=T1,
    )
    assert store.open_review_items(db).empty
    row = _employer(db, "91370211MA3C000002")
    assert row.village_code == "370211001003" and row.method == "manual"
    # a re-import of the same data keeps the reviewer's choice
    store.upsert_employers(db, _rows(), import_run_id=None, now=T1)
    row = _employer(db, "91370211MA3C000002")
    assert row.method == "manual"
    assert store.employer_counts(db) == {
        "coordinates": 1,
        "manual": 1,
        "review_open": 0,
    }


def test_code_columns_compare_bytes(db) -> None:
    """Every code column (cells, employers, queue) has one byte-wise collation.

    PostgreSQL gets ``COLLATE "C"`` (migration 0003) so code indexes skip the
    locale; mixing collations in a join would be an error, hence all of them.
    SQLite compares bytes without being told.
    """
    from sqlalchemy import text
    from sqlalchemy.dialects import postgresql

    from twonet.db.models import Base

    code_columns = {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if 'COLLATE "C"' in column.type.compile(dialect=postgresql.dialect())
    }
    assert ("employer", "county_code") in code_columns
    assert ("grid_cell", "parent_code") in code_columns
    if db.dialect.name != "postgresql":
        assert (
            "COLLATE"
            not in db.execute(
                text("SELECT sql FROM sqlite_master WHERE name = 'employer'")
            ).scalar_one()
        )
        return
    stored = {
        (table, column): collation
        for table, column, collation in db.execute(
            text(
                "SELECT table_name, column_name, collation_name "
                "FROM information_schema.columns WHERE table_schema = 'public'"
            )
        )
    }
    assert {key: stored[key] for key in code_columns} == dict.fromkeys(
        code_columns, "C"
    )
    # a cell code and an employer code compare without a collation clash
    db.execute(
        text(
            "SELECT count(*) FROM employer e JOIN grid_cell c "
            "ON c.code = e.village_code AND c.parent_code = e.township_code"
        )
    ).scalar_one()
