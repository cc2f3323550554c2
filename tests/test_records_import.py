"""Record imports on both backends: read, check, match, store, queue, CLI."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, text
from typer.testing import CliRunner

from ingest.records import read_records
from ingest.uscc import make_uscc
from twonet.cli import app
from twonet.db import record_queue, record_store
from twonet.db.engine import get_engine
from twonet.db.models import (
    Complaint,
    Employer,
    ImportReject,
    Inspection,
    RecordMatch,
    RecordVersion,
)
from twonet.imports import KeysSeen
from twonet.record_import import import_records, match_pending
from twonet.record_match import EmployerIndex, match_records, name_index, normalise_name

runner = CliRunner()


def _uscc(n: int) -> str:
    return make_uscc("9", "1", "370211", f"MA3C{n:04d}")


U1, U2, U3 = _uscc(1), _uscc(2), _uscc(3)
U4 = _uscc(4)  # not in the registry at first
BAD = U1[:-1] + ("0" if U1[-1] != "0" else "1")
NOW = dt.datetime(2026, 12, 1, 9, 0)

#: uscc, name, operating address
EMPLOYERS = [
    (U1, "青岛甲建筑有限公司", "黄岛区辛安街道前港路1号"),
    (U2, "青岛乙餐饮店", "黄岛区长江路2号"),
    (U3, "青岛乙餐饮店", "黄岛区珠江路3号"),
]


def _add_employers(engine, rows) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(Employer),
            [
                {
                    "uscc": uscc,
                    "name": name,
                    "operating_address": address,
                    "method": "test",
                    "confidence": 1.0,
                    "flags": "",
                    "content_hash": uscc[-8:],
                    "location_hash": uscc[-8:],
                    "first_seen": NOW,
                    "last_changed": NOW,
                }
                for uscc, name, address in rows
            ],
        )


@pytest.fixture()
def engine(backend_name, migrated_database):
    """A fresh database of each backend holding three employers."""
    with migrated_database(backend_name, "records") as url:
        engine = get_engine(url)
        try:
            _add_employers(engine, EMPLOYERS)
            yield engine
        finally:
            engine.dispose()


def _count(engine, model, *where) -> int:
    with engine.connect() as connection:
        query = select(func.count()).select_from(model)
        return int(connection.execute(query.where(*where)).scalar_one())


def _stored(engine, kind):
    return record_store.load_records(engine, kind).set_index("record_id")


INSPECTIONS = (
    "检查编号,检查日期,检查类型,统一社会信用代码,单位名称,检查人员编号,检查结果\n"
    f"JC001,2025-03-01,日常巡查,{U1},,S01；S02、S03,未发现问题\n"
    f"JC002,2025年3月2日,双随机抽查,{U4},青岛丁科技有限公司,S01 S02,发现问题\n"
    "JC003,2025/03/03,written,,青岛乙餐饮店,S02,clean\n"
)


# ------------------------------------------------------------------ storing
def test_a_gbk_file_is_stored_once_and_reimporting_it_changes_nothing(engine, tmp_path):
    path = tmp_path / "检查记录.csv"
    path.write_text(INSPECTIONS, encoding="gbk")
    report = import_records(engine, path, kind="inspections")
    assert (report.read, report.accepted, report.rejected) == (3, 3, 0)
    assert report.stored == {
        "inserted": 3,
        "changed": 0,
        "rematched": 0,
        "unchanged": 0,
    }
    assert report.queued == 2  # an unknown credit code; a name two employers share
    assert report.placed == {"uscc": 1}
    stored = _stored(engine, "inspections")
    assert stored.loc["JC001", "inspected_on"] == dt.date(2025, 3, 1)
    assert stored.loc["JC001", "kind"] == "patrol"
    assert stored.loc["JC001", "result"] == "clean"
    assert stored.loc["JC001", "staff_ids"] == ["S01", "S02", "S03"]
    assert stored.loc["JC001", "employer_uscc"] == U1
    assert stored.loc["JC002", "staff_ids"] == ["S01", "S02"]
    assert stored.loc["JC002", "kind"] == "random"
    assert stored.loc["JC002", "employer_uscc"] is None  # kept, not dropped
    assert stored.loc["JC003", "kind"] == "written"

    again = import_records(engine, path, kind="inspections")
    assert again.stored == {"inserted": 0, "changed": 0, "rematched": 0, "unchanged": 3}
    assert _count(engine, RecordVersion) == 0
    assert _count(engine, RecordMatch) == 2  # still one item per record
    after = _stored(engine, "inspections")
    assert after["last_changed"].equals(stored["last_changed"])


def test_a_changed_record_keeps_its_earlier_state(engine, tmp_path):
    header = "案件编号,统一社会信用代码,违法类型,发现日期,涉及人数,罚款金额,行政处罚\n"
    first = tmp_path / "a.csv"
    first.write_text(header + f"AJ1,{U1},拖欠工资,2025-04-01,12,,否\n", "utf-8-sig")
    before = import_records(engine, first, kind="violations")
    second = tmp_path / "b.csv"
    second.write_text(header + f"AJ1,{U1},拖欠工资,2025-04-01,12,5000,是\n", "utf-8")
    changed = import_records(engine, second, kind="violations")
    assert changed.stored["changed"] == 1
    history = record_store.record_versions(engine, "violations", "AJ1")
    assert len(history) == 1
    snapshot = history.loc[0, "snapshot"]
    assert (snapshot["fine_yuan"], snapshot["penalized"]) == (None, False)
    assert snapshot["import_run_id"] == before.import_run_id
    assert history.loc[0, "import_run_id"] == changed.import_run_id
    now = _stored(engine, "violations").loc["AJ1"]
    assert (now["fine_yuan"], now["penalized"], now["workers"]) == (5000.0, True, 12)


# ------------------------------------------------------------------ rejects
def test_every_problem_is_named_with_its_row_and_bad_rows_are_rejected(
    engine, tmp_path
):
    path = tmp_path / "违法案件.csv"
    path.write_text(
        "案件编号,统一社会信用代码,违法类型,发现日期,涉及人数,欠薪月数,欠薪金额,"
        "责令改正,行政处罚,罚款金额,补发工资,补签合同人数,补缴社保人数,取缔,移送公安,"
        "结案日期\n"
        f"AJ1,{U1},使用童工,2025-05-06,3,,,是,是,20000,,,,否,是,2025-06-30\n"
        f"AJ2,{U1},拖欠工资,2025-02-30,5,2,30000,是,否,,,,,,,\n"  # no such day
        f"AJ3,{U1},偷懒,2025-05-06,5,,,,,,,,,,,\n"  # unknown type
        f"AJ4,{U1},03,2025-05-06,-5,,-1,,,,,,,,,\n"  # two negatives
        f"AJ5,{BAD},wage_arrears,2025-05-06,1,,,,,,,,,,,\n"  # check character
        f"AJ6,{U1},overtime,2025-05-06,1,,,,,,,,,,,2025-05-01\n"  # closed first
        f"AJ7,{U1},未签劳动合同,2025-05-06,8,,,是,,,,8,,也许,,\n",  # a flag
        encoding="utf-8-sig",
    )
    report = import_records(engine, path, kind="violations")
    assert (report.read, report.accepted, report.rejected) == (7, 1, 6)
    assert report.rejects["row"].tolist() == [3, 4, 5, 6, 7, 8]
    with engine.connect() as connection:
        problems = connection.execute(
            select(ImportReject.row_number, ImportReject.kind)
            .where(ImportReject.import_run_id == report.import_run_id)
            .order_by(ImportReject.row_number, ImportReject.kind)
        ).all()
    assert [tuple(p) for p in problems] == [
        (3, "date_invalid"),
        (4, "type_invalid"),
        (5, "amount_negative"),
        (5, "count_invalid"),
        (6, "uscc_check"),
        (7, "closed_before_found"),
        (8, "shut_down_invalid"),
    ]
    reasons = " ".join(report.problems["reason_zh"])
    assert "2025-02-30" in reasons and "偷懒" in reasons and BAD in reasons
    assert set(report.side_files) == {"rejects", "problems"}
    stored = _stored(engine, "violations").loc["AJ1"]
    assert stored["type"] == "child_labour"
    assert (stored["rectification_ordered"], stored["shut_down"]) == (True, False)
    assert stored["closed_on"] == dt.date(2025, 6, 30)


def test_a_row_naming_no_employer_is_rejected_and_ids_repeat_across_files(
    engine, tmp_path
):
    header = "投诉编号,受理日期,单位名称,状态\n"
    first, second = tmp_path / "1.csv", tmp_path / "2.csv"
    first.write_text(header + "T1,2025-01-24,青岛甲建筑有限公司,已受理\n", "utf-8")
    second.write_text(header + "T1,2025-01-24,别家,已受理\nT2,2025-01-24,,已受理\n")
    seen = KeysSeen()
    import_records(engine, first, kind="complaints", seen=seen)
    report = import_records(engine, second, kind="complaints", seen=seen)
    kinds = dict(zip(report.problems["row"], report.problems["kind"], strict=True))
    assert kinds == {2: "complaint_id_duplicate", 3: "employer_missing"}
    assert report.accepted == 0


# ----------------------------------------------------------------- matching
def test_complaints_get_their_deadlines_and_are_matched_by_name_and_address(
    engine, tmp_path
):
    path = tmp_path / "举报投诉.csv"
    path.write_text(
        "投诉编号,受理日期,渠道,单位名称,单位地址,类型,状态,结案日期\n"
        "T1,2024-09-27,12333,青岛甲建筑有限公司,,拖欠工资,已结案,2024-11-01\n"
        "T2,2025-01-24,网络,青岛乙餐饮店,黄岛区珠江路３号,超时加班,已受理,\n"
        "T3,2025-01-24,来信,青岛乙餐饮店,,未签劳动合同,已登记,\n"
        "T4,2025-01-24,来访, 青岛丙 工厂 ,,,已登记,\n",
        encoding="gbk",
    )
    report = import_records(engine, path, kind="complaints")
    assert report.placed == {"name": 1, "address": 1}
    stored = _stored(engine, "complaints")
    assert stored.loc["T1", "accept_due"] == dt.date(2024, 10, 10)  # National Day
    assert stored.loc["T1", "close_due"] == dt.date(2025, 1, 2)
    assert stored.loc["T2", "accept_due"] == dt.date(2025, 2, 7)  # Spring Festival
    assert stored.loc["T1", "employer_uscc"] == U1
    assert stored.loc["T2", "employer_uscc"] == U3  # told apart by address
    assert stored.loc["T3", "employer_uscc"] is None
    queue = record_queue.open_matches(engine, kind="complaints").set_index("record_id")
    assert queue.loc["T3", "reason"] == "ambiguous"
    assert sorted(c["uscc"] for c in queue.loc["T3", "candidates"]) == [U2, U3]
    assert queue.loc["T4", "reason"] == "name_unknown"
    assert stored.loc["T4", "employer_name"] == "青岛丙 工厂"


def test_an_unknown_employer_is_queued_then_matched_once_it_is_imported(
    engine, tmp_path
):
    path = tmp_path / "i.csv"
    path.write_text(INSPECTIONS, encoding="utf-8-sig")
    import_records(engine, path, kind="inspections")
    queue = record_queue.open_matches(engine).set_index("record_id")
    assert queue.loc["JC002", "reason"] == "uscc_unknown"
    assert queue.loc["JC002", "uscc"] == U4
    assert match_pending(engine) == {"matched": 0, "open": 2}

    _add_employers(engine, [(U4, "青岛丁科技有限公司", "黄岛区4号")])
    assert match_pending(engine) == {"matched": 1, "open": 1}
    assert _stored(engine, "inspections").loc["JC002", "employer_uscc"] == U4
    closed = _count(engine, RecordMatch, RecordMatch.status == "matched")
    assert closed == 1
    assert record_queue.open_matches(engine)["record_id"].tolist() == ["JC003"]
    # re-importing keeps the match and changes nothing
    again = import_records(engine, path, kind="inspections")
    assert again.stored["unchanged"] == 3
    assert _stored(engine, "inspections").loc["JC002", "employer_uscc"] == U4
    assert _count(engine, RecordVersion) == 0


def test_a_record_matched_at_reimport_is_updated_without_a_version(engine, tmp_path):
    path = tmp_path / "i.csv"
    path.write_text(INSPECTIONS, encoding="utf-8")
    import_records(engine, path, kind="inspections")
    _add_employers(engine, [(U4, "青岛丁科技有限公司", "黄岛区4号")])
    again = import_records(engine, path, kind="inspections")
    assert again.stored == {"inserted": 0, "changed": 0, "rematched": 1, "unchanged": 2}
    assert _count(engine, RecordVersion) == 0
    assert _count(engine, RecordMatch, RecordMatch.status == "open") == 1


# ---------------------------------------------------------------------- CLI
def test_the_cli_imports_lists_and_matches(engine, tmp_path):
    from openpyxl import Workbook

    url = engine.url.render_as_string(hide_password=False)
    book = Workbook()
    sheet = book.active
    sheet.append(["complaint_id", "received_on", "employer_name", "status", "type"])
    sheet.append(["T9", "2025-05-06", "青岛甲建筑有限公司", "received", "wage_arrears"])
    sheet.append(["T8", "2025-05-06", "无名", "closed", "拖欠工资"])
    xlsx = tmp_path / "complaints.xlsx"
    book.save(xlsx)
    result = runner.invoke(
        app, ["records", "import", str(xlsx), "--kind", "complaints", "--db", url]
    )
    assert result.exit_code == 0, result.output
    assert "待复核" in result.output
    listed = runner.invoke(
        app,
        ["records", "list", "--kind", "complaints", "--format", "json", "--db", url],
    )
    assert listed.exit_code == 0, listed.output
    rows = {r["record_id"]: r for r in json.loads(listed.stdout)}
    assert rows["T9"]["employer_uscc"] == U1
    assert rows["T9"]["accept_due"] == "2025-05-13"
    assert rows["T8"]["employer_uscc"] is None
    csv = runner.invoke(
        app, ["records", "list", "--kind", "complaints", "--format", "csv", "--db", url]
    )
    assert csv.stdout.splitlines()[0].startswith("record_id,uscc,employer_name")
    matched = runner.invoke(app, ["records", "match", "--db", url])
    assert matched.exit_code == 0, matched.output
    assert "仍待复核" in matched.output
    wrong = runner.invoke(
        app, ["records", "import", str(xlsx), "--kind", "cases", "--db", url]
    )
    assert wrong.exit_code != 0
    assert "Traceback" not in wrong.output
    assert _count(engine, Complaint) == 2
    assert _count(engine, Inspection) == 0


# ------------------------------------------------------------- no database
def test_english_headers_and_codes_are_read_like_chinese(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text(
        "inspection_id,date,kind,uscc,staff_ids,result\n"
        f"X1,2025-03-01,complaint,{U1.lower()},s1;s2,problem found\n"
        f"X2,2025-03-01,2,{U1},,1\n",
        encoding="utf-8",
    )
    rows = read_records(path, "inspections").rows.set_index("inspection_id")
    assert rows.loc["X1", "kind"] == "complaint"
    assert rows.loc["X2", "kind"] == "complaint"
    assert rows.loc["X1", "uscc"] == U1
    assert rows.loc["X1", "staff_ids"] == ["S1", "S2"]
    assert rows.loc["X1", "result"] == "problem"
    assert rows.loc["X2", "result"] == "clean"


def test_an_invisible_character_in_a_code_is_removed_and_named(tmp_path):
    path = tmp_path / "i.csv"
    path.write_text(
        "检查编号,检查日期,检查类型,统一社会信用代码,检查结果\n"
        f"X1,2025-03-01,日常巡查,{U1[:5]}\u200b{U1[5:]},未发现问题\n",
        encoding="utf-8",
    )
    read = read_records(path, "inspections")
    assert read.rows["uscc"].tolist() == [U1]
    problems = read.problems
    assert problems["kind"].tolist() == ["uscc_invisible"]
    assert "U+200B" in problems["reason_zh"].iloc[0]


def test_migration_0007_goes_down_and_up(backend_name, migrated_database):
    from sqlalchemy import inspect

    from twonet.db.engine import downgrade, upgrade

    with migrated_database(backend_name, "records_down") as url:
        engine = get_engine(url)
        try:
            downgrade(engine, "0006")
            assert not inspect(engine).has_table("inspection")
            upgrade(engine)
            assert inspect(engine).has_table("record_match")
            if backend_name == "postgis":
                with engine.connect() as connection:
                    secured = connection.execute(
                        select(func.count()).select_from(
                            text(
                                "pg_class WHERE relrowsecurity AND relname IN "
                                "('inspection', 'violation', 'complaint', "
                                "'record_version', 'record_match')"
                            )
                        )
                    ).scalar_one()
                assert secured == 5
        finally:
            engine.dispose()


# --------------------------------------------------- matching, properties
class _Index(EmployerIndex):
    """An employer index over a frame, without a database."""

    def __init__(self, employers: pd.DataFrame) -> None:
        super().__init__(bind=None)  # type: ignore[arg-type]
        self._by_name = name_index(employers)
        self.codes = set(employers["uscc"])

    def known(self, codes):
        return self.codes & set(codes)


_NAMES = ["青岛甲厂", "青岛乙店", "ＡＢＣ公司"]
_ADDRESSES = ["一路1号", "二路2号", None]


def _spelled(name: str, style: int) -> str:
    """The same name as people write it: spaced, half-width, lower case."""
    import unicodedata

    return [name, f" {name} ", unicodedata.normalize("NFKC", name).lower()][style]


@given(
    employers=st.lists(
        st.tuples(st.sampled_from(_NAMES), st.sampled_from(_ADDRESSES)), max_size=6
    ),
    records=st.lists(
        st.tuples(
            st.integers(min_value=-2, max_value=7),  # employer, -1 unknown, -2 none
            st.sampled_from([*_NAMES, None]),
            st.sampled_from(_ADDRESSES),
            st.integers(min_value=0, max_value=2),
        ),
        max_size=12,
    ),
)
def test_every_record_is_matched_to_a_stored_employer_or_queued(employers, records):
    frame = pd.DataFrame(
        {
            "uscc": [_uscc(100 + i) for i in range(len(employers))],
            "name": [n for n, _ in employers],
            "registered_address": [None] * len(employers),
            "operating_address": [a for _, a in employers],
        }
    )
    rows = pd.DataFrame(
        [
            {
                "uscc": (
                    frame["uscc"].iloc[pick]
                    if 0 <= pick < len(frame)
                    else (_uscc(999) if pick == -1 else None)
                ),
                "employer_name": None if name is None else _spelled(name, style),
                "employer_address": address,
            }
            for pick, name, address, style in records
        ],
        columns=["uscc", "employer_name", "employer_address"],
        dtype=object,
    )
    matches = match_records(rows, _Index(frame))
    assert len(matches) == len(rows)
    for row, match in zip(rows.to_dict("records"), matches, strict=True):
        assert (match.uscc is None) != (match.reason is None)  # one or the other
        if match.uscc is not None:
            assert match.uscc in set(frame["uscc"])
        if row["uscc"] is not None:  # a code is never overruled by a name
            assert match.uscc in (row["uscc"], None)
            assert match.reason in (None, "uscc_unknown")
            continue
        base = _base(row["employer_name"]) if row["employer_name"] else None
        named = frame[frame["name"] == base]
        if len(named) == 1:
            assert match.uscc == named["uscc"].iloc[0]
        elif named.empty:
            assert match.reason == "name_unknown"
        elif match.uscc is not None:  # told apart by the address
            assert match.by == "address"
            chosen = named[named["uscc"] == match.uscc]
            assert chosen["operating_address"].iloc[0] == row["employer_address"]
        else:
            assert match.reason == "ambiguous"
            assert len(match.candidates) == len(named)


def _base(spelled: str) -> str:
    """The listed name a spelled name stands for."""
    return next(n for n in _NAMES if normalise_name(n) == normalise_name(spelled))


def test_an_employer_import_matches_the_records_waiting_for_it(
    synthetic_grid_db, tmp_path
):
    engine = synthetic_grid_db
    url = engine.url.render_as_string(hide_password=False)
    records = tmp_path / "i.csv"
    records.write_text(INSPECTIONS, encoding="utf-8")
    import_records(engine, records, kind="inspections")
    assert record_queue.open_matches(engine)["record_id"].tolist() == [
        "JC001",
        "JC002",
        "JC003",
    ]
    registry = tmp_path / "用人单位.csv"
    registry.write_text(
        "统一社会信用代码,单位名称,生产经营地址,经度,纬度\n"
        f"{U1},青岛甲建筑有限公司,黄岛区第1街道,120.05,36.05\n"
        f"{U4},青岛丁科技有限公司,黄岛区第1街道,120.05,36.05\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["employers", "import", str(registry), "--db", url])
    assert result.exit_code == 0, result.output
    assert "记录匹配 / records matched: 2" in result.output
    stored = _stored(engine, "inspections")
    assert stored.loc["JC001", "employer_uscc"] == U1
    assert stored.loc["JC002", "employer_uscc"] == U4
    assert record_queue.open_matches(engine)["record_id"].tolist() == ["JC003"]
