"""Import runs and their problems: how each import ended, what it refused.

Every import is recorded in ``import_run`` from its start (``outcome``
``running``) to its end (``succeeded``, ``failed`` with the error, or
``refused`` when the file could not be read at all); a run still
``running`` when the next import of its kind starts (which holds the
kind's lock, so none can really be running) was killed, and is marked
``interrupted`` then.  Every problem row goes to ``import_reject``: rejected
rows with all their original values (``raw``), warned rows with the value
and reason.

Imports of one kind never overlap: :func:`import_lock` takes the backend's
lock (:attr:`twonet.db.backends.SpatialBackend.import_lock`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update

from twonet.db.backends import backend_for
from twonet.db.models import ImportReject, ImportRun
from twonet.db.repository import Bind, transaction

#: Columns of :func:`problem_rows` (what ``import_reject`` stores).
PROBLEM_ROW_COLUMNS: tuple[str, ...] = (
    "row",
    "code",
    "column_name",
    "value",
    "severity",
    "kind",
    "reason_zh",
    "reason_en",
    "raw",
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@contextmanager
def import_lock(engine: Engine, kind: str) -> Iterator[None]:
    """Hold the lock of one kind of import for the block.

    PostgreSQL: a session advisory lock, waited for (a second import waits
    for the first, then finds its rows stored).  SQLite: a lock file beside
    the database; a second import is refused at once with a clear error.
    Either lock dies with the process that holds it.
    """
    with backend_for(engine).import_lock(engine, kind):
        yield


def begin_run(
    bind: Bind,
    *,
    kind: str,
    source_name: str,
    file_sha256: str | None = None,
    options: dict[str, object] | None = None,
) -> int:
    """Record the start of an import (holding its lock); return the run id.

    Runs of the same kind still marked ``running`` were killed: they are
    marked ``interrupted``.
    """
    now = _now()
    with transaction(bind) as connection:
        connection.execute(
            update(ImportRun)
            .where(ImportRun.kind == kind, ImportRun.outcome == "running")
            .values(outcome="interrupted")
        )
        return int(
            connection.execute(
                insert(ImportRun)
                .values(
                    kind=kind,
                    source_name=source_name,
                    file_sha256=file_sha256,
                    started_at=now,
                    options=options,
                    outcome="running",
                )
                .returning(ImportRun.id)
            ).scalar_one()
        )


def end_run(
    connection: Connection,
    run_id: int,
    *,
    outcome: str,
    counts: dict[str, int] | None = None,
    error: str | None = None,
    file_sha256: str | None = None,
) -> None:
    """Record how a run ended (in the caller's transaction)."""
    values: dict[str, Any] = {
        "outcome": outcome,
        "counts": counts,
        "error": error,
        "finished_at": _now(),
    }
    if file_sha256:
        values["file_sha256"] = file_sha256
    connection.execute(update(ImportRun).where(ImportRun.id == run_id).values(values))


def fail_run(bind: Bind, run_id: int, error: BaseException) -> None:
    """Mark a run failed, with its error (its own transaction)."""
    with transaction(bind) as connection:
        end_run(connection, run_id, outcome="failed", error=str(error) or repr(error))


def refuse_file(
    bind: Bind, *, kind: str, source_name: str, error: BaseException
) -> int:
    """Record a file refused whole (it could not be read); return the run id."""
    run_id = begin_run(bind, kind=kind, source_name=source_name)
    with transaction(bind) as connection:
        end_run(connection, run_id, outcome="refused", error=str(error))
    return run_id


def problem_rows(
    problems: pd.DataFrame, rejects: pd.DataFrame, *, key: str | None = None
) -> pd.DataFrame:
    """One row per problem, rejected rows carrying their original values.

    Parameters
    ----------
    problems : DataFrame
        :attr:`ingest.tables.problems.TableResult.problems`.
    rejects : DataFrame
        :attr:`ingest.tables.problems.TableResult.rejects` (``row``, the
        original columns, ``reasons_zh``/``reasons_en``).
    key : str, optional
        The table's key field: a problem of that field gives ``code``.

    Returns
    -------
    DataFrame
        Columns :data:`PROBLEM_ROW_COLUMNS`; ``raw`` is a dict of the row's
        original values for rejected rows, ``None`` for warnings.
    """
    original = rejects.drop(columns=["reasons_zh", "reasons_en"], errors="ignore")
    raw_by_row: dict[int, dict[str, Any]] = {}
    if len(original):
        values = original.drop(columns=["row"]).astype(object)
        values = values.where(values.notna(), None)
        for row, record in zip(
            original["row"].to_numpy(), values.to_dict("records"), strict=True
        ):
            raw_by_row[int(row)] = {str(k): _jsonable(v) for k, v in record.items()}
    reject = problems["severity"].to_numpy(object) == "reject"
    rows = problems["row"].to_numpy(np.int64)
    return pd.DataFrame(
        {
            "row": rows,
            "code": problems["value"].where(problems["field"] == key).to_numpy(),
            "column_name": problems["column"].to_numpy(),
            "value": problems["value"].to_numpy(),
            "severity": problems["severity"].to_numpy(),
            "kind": problems["kind"].to_numpy(),
            "reason_zh": problems["reason_zh"].to_numpy(),
            "reason_en": problems["reason_en"].to_numpy(),
            "raw": [
                raw_by_row.get(int(r)) if is_reject else None
                for r, is_reject in zip(rows, reject, strict=True)
            ],
        },
        columns=list(PROBLEM_ROW_COLUMNS),
    )


def _jsonable(value: object) -> object:
    """Return a cell value as JSON can hold it (dates as ISO text, NaN as null)."""
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        return None if value != value else value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return str(value)


def store_problems(connection: Connection, run_id: int, rows: pd.DataFrame) -> None:
    """Append problem rows to ``import_reject`` (bulk: COPY on PostGIS).

    ``rows`` has the columns of :func:`problem_rows`, or some of them (a
    missing column is stored empty, a missing ``severity`` as ``reject``):
    ``row``, ``reason_zh`` and ``reason_en`` at least.
    """
    if not len(rows):
        return

    def texts(column: str) -> list[str | None]:
        if column not in rows:
            return [None] * len(rows)
        return [
            None if v is None or (isinstance(v, float) and v != v) else str(v)
            for v in rows[column]
        ]

    raw = rows["raw"] if "raw" in rows else [None] * len(rows)
    severity = texts("severity")
    frame = pd.DataFrame(
        {
            "import_run_id": run_id,
            "row_number": rows["row"].astype("int64").to_numpy(),
            "code": texts("code"),
            "column_name": texts("column_name"),
            "value": texts("value"),
            "reason_zh": texts("reason_zh"),
            "reason_en": texts("reason_en"),
            "raw": [
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else None
                for v in raw
            ],
            "severity": [s or "reject" for s in severity],
            "kind": texts("kind"),
        }
    )
    backend_for(connection).bulk_load(connection, "import_reject", frame)


def runs(bind: Bind, *, kind: str | None = None, limit: int = 50) -> pd.DataFrame:
    """Return the latest import runs, newest first."""
    query = select(
        ImportRun.id,
        ImportRun.kind,
        ImportRun.source_name,
        ImportRun.started_at,
        ImportRun.finished_at,
        ImportRun.outcome,
        ImportRun.counts,
        ImportRun.error,
    ).order_by(ImportRun.id.desc())
    if kind is not None:
        query = query.where(ImportRun.kind == kind)
    with transaction(bind) as connection:
        found = connection.execute(query.limit(limit)).mappings().all()
    return pd.DataFrame(
        found,
        columns=[
            "id",
            "kind",
            "source_name",
            "started_at",
            "finished_at",
            "outcome",
            "counts",
            "error",
        ],
    )


def run_problems(bind: Bind, run_id: int) -> pd.DataFrame:
    """Return every problem row of one run, by row number."""
    query = (
        select(
            ImportReject.row_number,
            ImportReject.severity,
            ImportReject.kind,
            ImportReject.column_name,
            ImportReject.value,
            ImportReject.reason_zh,
            ImportReject.reason_en,
            ImportReject.raw,
        )
        .where(ImportReject.import_run_id == run_id)
        .order_by(ImportReject.row_number, ImportReject.id)
    )
    with transaction(bind) as connection:
        found = connection.execute(query).mappings().all()
    return pd.DataFrame(
        found,
        columns=[
            "row_number",
            "severity",
            "kind",
            "column_name",
            "value",
            "reason_zh",
            "reason_en",
            "raw",
        ],
    )


#: Columns of :func:`import_history`.
HISTORY_COLUMNS: tuple[str, ...] = (
    "id",
    "kind",
    "source_name",
    "started_at",
    "finished_at",
    "outcome",
    "actor",
    "read",
    "accepted",
    "rejected",
    "warned",
    "problems",
    "error",
)


def import_history(bind: Bind, *, limit: int = 200) -> pd.DataFrame:
    """Return the latest import runs with their counts, newest first.

    Parameters
    ----------
    bind : Engine or Connection
    limit : int
        At most this many runs.

    Returns
    -------
    DataFrame
        :data:`HISTORY_COLUMNS`: ``source_name`` is the file's name without
        its folder; ``actor`` the person recorded with the run (assignments
        imports), else empty; ``read``, ``accepted``, ``rejected`` and
        ``warned`` the run's counts (``<NA>`` when it stopped before
        counting); ``problems`` the rows stored in ``import_reject``.
    """
    problems = (
        select(ImportReject.import_run_id, func.count().label("n"))
        .group_by(ImportReject.import_run_id)
        .subquery()
    )
    query = (
        select(
            ImportRun.id,
            ImportRun.kind,
            ImportRun.source_name,
            ImportRun.started_at,
            ImportRun.finished_at,
            ImportRun.outcome,
            ImportRun.options,
            ImportRun.counts,
            func.coalesce(problems.c.n, 0).label("problems"),
            ImportRun.error,
        )
        .join(problems, problems.c.import_run_id == ImportRun.id, isouter=True)
        .order_by(ImportRun.id.desc())
        .limit(max(int(limit), 0))
    )
    with transaction(bind) as connection:
        found = connection.execute(query).mappings().all()
    records = []
    for run in found:
        counts = run["counts"] if isinstance(run["counts"], dict) else {}
        options = run["options"] if isinstance(run["options"], dict) else {}
        records.append(
            {
                **{c: run[c] for c in ("id", "kind", "started_at", "finished_at")},
                "source_name": PurePath(str(run["source_name"])).name,
                "outcome": run["outcome"],
                "actor": options.get("actor") or None,
                **{
                    c: counts.get(c) for c in ("read", "accepted", "rejected", "warned")
                },
                "problems": int(run["problems"]),
                "error": run["error"],
            }
        )
    frame = pd.DataFrame(records, columns=list(HISTORY_COLUMNS))
    for column in ("read", "accepted", "rejected", "warned"):
        frame[column] = frame[column].astype("Int64")
    return frame
