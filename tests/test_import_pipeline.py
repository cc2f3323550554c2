"""The generic import pipeline on both backends: runs, problems, locks, side files.

Each test writes a tiny registry by hand (a few rows, every value visible)
and imports it into the demo grid through :func:`twonet.imports.import_table`
(via the employer import), so what it checks is the pipeline every table
shares.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest.uscc import make_uscc
from twonet.db.import_runs import import_lock, run_problems, runs
from twonet.db.models import Employer, EmployerVersion
from twonet.employer_import import GridContext, ImportOptions, import_registry
from twonet.errors import ImportBusyError, RegistryFileError
from twonet.imports import KeysSeen, side_file

pytestmark = [pytest.mark.db, pytest.mark.slow]

A, B, C = (make_uscc("9", "1", "370211", f"MA3C010{k}") for k in range(3))
BAD = A[:17] + ("0" if A[17] != "0" else "1")
HEADER = "单位名称,统一社会信用代码,生产经营地址,职工人数,男,女\n"


@pytest.fixture()
def engine(demo_grid_db):
    return demo_grid_db


@pytest.fixture(scope="module")
def gazetteer(national_gazetteer):
    return national_gazetteer


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _import(engine, path, gazetteer, **kwargs):
    return import_registry(
        engine,
        path,
        gazetteer=gazetteer,
        grid=GridContext.from_database(engine),
        **kwargs,
    )


def _count(engine, model) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(model)).scalar_one()
        )


def test_every_problem_row_is_kept_with_its_values(engine, gazetteer, tmp_path):
    path = _write(
        tmp_path / "r.csv",
        HEADER
        + f"甲厂,{A},青岛市黄岛区长江中路1号,10,6,4\n"
        + f"乙厂,{BAD},青岛市黄岛区长江中路2号,5,3,2\n"  # rejected
        + f"丙厂,{B},青岛市黄岛区长江中路3号,2147483648,1,1\n",  # count > int32
    )
    report = _import(engine, path, gazetteer)
    assert (report.read, report.accepted, report.rejected) == (3, 2, 1)
    assert report.reconciles
    problems = run_problems(engine, report.import_run_id)
    reject = problems[problems["severity"] == "reject"].iloc[0]
    assert reject["row_number"] == 3
    raw = (
        reject["raw"] if isinstance(reject["raw"], dict) else json.loads(reject["raw"])
    )
    assert raw["单位名称"] == "乙厂"
    assert raw["统一社会信用代码"] == BAD
    warning = problems[problems["kind"] == "count_invalid"].iloc[0]
    assert (warning["row_number"], warning["value"]) == (4, "2147483648")
    assert warning["severity"] == "warning"
    (run,) = runs(engine, limit=1).to_dict("records")
    assert run["outcome"] == "succeeded"
    assert run["counts"]["rejected"] == 1
    assert set(report.side_files) == {"rejects", "problems"}
    assert "乙厂" in report.side_files["rejects"].read_text("utf-8-sig")
    assert "2147483648" in report.side_files["problems"].read_text("utf-8-sig")


def test_a_clean_import_removes_stale_side_files(engine, gazetteer, tmp_path):
    path = _write(tmp_path / "r.csv", HEADER + f"乙厂,{BAD},黄岛区,5,3,2\n")
    first = _import(engine, path, gazetteer)
    assert first.side_files["rejects"].exists()
    _write(path, HEADER + f"乙厂,{A},黄岛区,5,3,2\n")
    second = _import(engine, path, gazetteer)
    assert second.side_files == {}
    assert not first.side_files["rejects"].exists()
    assert not first.side_files["problems"].exists()


def test_a_long_file_name_gets_side_files_it_can_hold(engine, gazetteer, tmp_path):
    name = "青" * 81 + ".csv"  # 247 bytes: the name fits, name + suffix does not
    path = _write(tmp_path / name, HEADER + f"乙厂,{BAD},黄岛区,5,3,2\n")
    report = _import(engine, path, gazetteer)
    rejects = report.side_files["rejects"]
    assert rejects.exists() and len(rejects.name.encode()) <= 255
    assert rejects == side_file(path, ".rejects.csv")
    assert _count_rejects(engine, report.import_run_id) == 1


def _count_rejects(engine, run_id: int) -> int:
    problems = run_problems(engine, run_id)
    return int((problems["severity"] == "reject").sum())


def test_a_key_shared_by_two_files_of_one_command_changes_nothing_again(
    engine, gazetteer, tmp_path
):
    first = _write(tmp_path / "a.csv", HEADER + f"甲厂,{A},黄岛区长江中路1号,10,6,4\n")
    second = _write(
        tmp_path / "b.csv",
        HEADER
        + f"甲厂(新),{A},黄岛区长江中路9号,12,6,6\n"
        + f"乙厂,{C},黄岛区,3,1,2\n",
    )
    for _ in range(2):  # the same command twice
        seen = KeysSeen()
        _import(engine, first, gazetteer, seen=seen)
        report = _import(engine, second, gazetteer, seen=seen)
        assert (report.accepted, report.rejected) == (1, 1)
        assert "a.csv:2" in report.problems["reason_zh"].iloc[0]
    assert _count(engine, Employer) == 2
    assert _count(engine, EmployerVersion) == 0


def test_a_file_that_cannot_be_read_is_recorded_as_refused(engine, gazetteer, tmp_path):
    path = _write(tmp_path / "r.csv", "地址,电话\n黄岛区,123\n")
    with pytest.raises(RegistryFileError, match="单位名称"):
        _import(engine, path, gazetteer)
    (run,) = runs(engine, limit=1).to_dict("records")
    assert run["outcome"] == "refused"
    assert "name" in run["error"]


def test_rows_without_credit_code_are_stored_when_allowed(engine, gazetteer, tmp_path):
    path = _write(
        tmp_path / "r.csv",
        HEADER
        + "无照作坊,,青岛市黄岛区长江中路1号,3,2,1\n"
        + f"甲厂,{A},黄岛区,1,1,0\n",
    )
    options = ImportOptions(require_uscc=False)
    report = _import(engine, path, gazetteer, options=options)
    assert (report.accepted, report.rejected) == (2, 0)
    again = _import(engine, path, gazetteer, options=options)
    assert again.stored["unchanged"] == 2
    assert _count(engine, Employer) == 2


def test_a_second_import_of_a_kind_waits_or_is_refused(
    engine, gazetteer, tmp_path, backend_name
):
    path = _write(tmp_path / "r.csv", HEADER + f"甲厂,{A},黄岛区,1,1,0\n")
    if backend_name == "spatialite":
        with import_lock(engine, "employers"), pytest.raises(ImportBusyError):
            _import(engine, path, gazetteer)
        assert _import(engine, path, gazetteer).stored["inserted"] == 1
        return
    # PostgreSQL: two imports at once both end, with the same result
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: _import(engine, path, gazetteer), range(2)))
    stored = sorted(r.stored["inserted"] for r in reports)
    assert stored == [0, 1]
    assert _count(engine, Employer) == 1


def test_a_killed_import_is_marked_interrupted_by_the_next(engine, gazetteer, tmp_path):
    from twonet.db.import_runs import begin_run

    killed = begin_run(engine, kind="employers", source_name="killed.csv")
    path = _write(tmp_path / "r.csv", HEADER + f"甲厂,{A},黄岛区,1,1,0\n")
    _import(engine, path, gazetteer)
    outcomes = runs(engine, kind="employers").set_index("id")["outcome"]
    assert outcomes[killed] == "interrupted"
    assert (outcomes.drop(killed) == "succeeded").all()


def _bytes_held(frame):
    """Bytes of every buffer a frame's columns keep alive (views included)."""
    held = 0
    for block in frame._mgr.blocks:
        values = block.values
        if hasattr(values, "_pa_array"):  # Arrow-backed: whole buffers, slice or not
            held += values._pa_array.get_total_buffer_size()
        else:  # NumPy: a view keeps its base
            base = values if getattr(values, "base", None) is None else values.base
            held += base.nbytes
    return held


def test_a_stored_chunk_keeps_none_of_its_rows_in_memory():
    """What a chunk keeps after its rows are stored holds no row buffer.

    An empty slice of a column still holds the whole column's buffers (a
    NumPy view its base, an Arrow slice its buffers): kept for every chunk,
    a large file stayed in memory until the import ended.
    """
    import numpy as np
    import pandas as pd

    from ingest.tables.problems import TableResult
    from twonet.imports import _without_rows

    n = 1000
    rows = pd.DataFrame(
        {
            "name": pd.Series(["甲公司" * 20] * n, dtype="str"),
            "workers": np.arange(n, dtype=float),
            "extra": pd.Series([{"备注": "x"}] * n, dtype=object),
        }
    )
    chunk = TableResult(
        rows=rows,
        problems=pd.DataFrame(),
        rejects=pd.DataFrame(),
        n_rows=n,
        n_blank=0,
        columns={},
        unmapped=(),
        header_row=1,
        encoding="utf-8",
        sheet=None,
        file_sha256="",
    )
    kept = _without_rows(chunk).rows
    assert len(kept) == 0
    assert kept.dtypes.tolist() == rows.dtypes.tolist()
    assert _bytes_held(kept) < 100  # an empty offsets buffer at most
