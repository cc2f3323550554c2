"""The import history query on both backends: runs, counts, actor, problems."""

from __future__ import annotations

import pandas as pd
import pytest

from twonet.db import import_runs

pytestmark = pytest.mark.db


def _problem_rows() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": [3, 4, 7],
            "column_name": ["统一社会信用代码", "统一社会信用代码", "职工人数"],
            "value": ["91X", "91Y", "-1"],
            "severity": ["reject", "reject", "warning"],
            "reason_zh": ["校验位错误", "校验位错误", "人数不合理"],
            "reason_en": ["bad check digit", "bad check digit", "implausible staff"],
        }
    )


def test_import_history_lists_runs_newest_first_with_counts(db) -> None:
    before = len(import_runs.import_history(db))
    first = import_runs.begin_run(
        db,
        kind="assignments",
        source_name="/data/bureau/人员分配.xlsx",
        options={"actor": "张三"},
    )
    import_runs.store_problems(db, first, _problem_rows())
    import_runs.end_run(
        db,
        first,
        outcome="succeeded",
        counts={"read": 10, "accepted": 8, "rejected": 2, "warned": 1},
    )
    second = import_runs.refuse_file(
        db, kind="employers", source_name="bad.csv", error=ValueError("no header")
    )

    found = import_runs.import_history(db)
    assert len(found) == before + 2
    assert list(found.columns) == list(import_runs.HISTORY_COLUMNS)
    newest, older = found.iloc[0].to_dict(), found.iloc[1].to_dict()
    assert newest["id"] == second
    assert newest["outcome"] == "refused"
    assert newest["error"] == "no header"
    assert pd.isna(newest["read"]) and newest["problems"] == 0
    assert pd.isna(newest["actor"])
    assert older["id"] == first
    assert older["source_name"] == "人员分配.xlsx"  # without its folder
    assert older["actor"] == "张三"
    assert (older["read"], older["accepted"], older["rejected"], older["warned"]) == (
        10,
        8,
        2,
        1,
    )
    assert older["problems"] == 3
    assert older["finished_at"] is not None

    assert len(import_runs.import_history(db, limit=1)) == 1
    problems = import_runs.run_problems(db, first)
    assert problems["reason_en"].tolist()[-1] == "implausible staff"
