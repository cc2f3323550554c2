"""One import path for every table: lock, read, store, record, report.

:func:`import_table` runs one file through the steps every table shares;
what differs between tables is two functions: how the file is read and
checked (an :mod:`ingest` reader built on :mod:`ingest.tables`) and how the
accepted rows are stored (a :class:`RowStore`).

1. Take the table kind's lock (:func:`twonet.db.import_runs.import_lock`):
   imports of one kind never overlap.
2. Read and check the file.  A file that cannot be read at all is recorded
   as a ``refused`` run and its error raised.
3. Check and store the file chunk by chunk (about 100,000 records at a
   time, so memory does not grow with the file) and store the accepted rows
   through the table's :class:`RowStore`; then, in one transaction, every
   problem row (rejected rows with all their values, warned rows with
   theirs) into ``import_reject`` and the run's outcome, counts and the
   file's SHA-256.  An error marks the run ``failed`` with the error.
4. Write the side files beside the input: ``FILE.rejects.csv`` (rejected
   rows, every original value and reason) and ``FILE.problems.csv`` (every
   problem: row, column, value, severity, reason), under a shorter name when
   the file system refuses the long one; side files of an earlier run that
   the new one does not produce are removed.

Adding a table is a schema (and its own checks) in :mod:`ingest`, a
:class:`RowStore` in :mod:`twonet` and a command calling
:func:`import_table`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from grid.errors import ImportFailedError, TwoNetError
from ingest.tables.pipeline import TableStream
from ingest.tables.problems import PROBLEM_COLUMNS, TableResult
from ingest.tables.reader import Progress
from twonet.db import import_runs
from twonet.db.repository import transaction
from twonet.exports import csv_bytes

#: Longest file name most file systems take, in bytes.
NAME_MAX = 255


@dataclass
class Stored:
    """What a table's store function did with the accepted rows.

    Attributes
    ----------
    counts : dict
        Rows written, by what happened to them (``inserted``, ``changed``,
        ``unchanged``...).
    details : dict
        Other counts worth reporting (``placed``, ``flagged``...), each a
        dict of label → number.
    queued : int
        Rows sent to a review queue.
    seconds : dict
        Time taken by each step.
    """

    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, dict[str, int]] = field(default_factory=dict)
    queued: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class RowStore(Protocol):
    """Stores a table's accepted rows, chunk by chunk, inside a ``with`` block.

    Leaving the block by an exception rolls back what is not committed;
    :meth:`stored` tells what was written, once the block is left.
    """

    def __enter__(self) -> RowStore: ...

    def __exit__(self, *exc: Any) -> None: ...

    def put(self, rows: pd.DataFrame) -> None:
        """Store one chunk of accepted rows."""

    def stored(self) -> Stored:
        """Return what was stored."""


#: ``(engine, import_run_id, stream) -> RowStore`` for one file.
StoreFactory = Callable[[Engine, int, TableStream], RowStore]


@dataclass
class ImportReport:
    """What :func:`import_table` did, for the CLI and the app."""

    read: int = 0
    accepted: int = 0
    rejected: int = 0
    warned: int = 0
    stored: dict[str, int] = field(default_factory=dict)
    placed: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    import_run_id: int | None = None
    problems: pd.DataFrame | None = None
    rejects: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    side_files: dict[str, Path] = field(default_factory=dict)

    @property
    def reconciles(self) -> bool:
        """Tell whether every row read was accepted or rejected."""
        return self.read == self.accepted + self.rejected


class KeysSeen:
    """Keys of the files imported by one command, and where each came from.

    A row whose key an earlier file of the same command holds is rejected
    as a duplicate, as one repeated within a file is: otherwise the later
    file would overwrite the earlier one's row, and every re-import of the
    same files would make new versions of it.
    """

    def __init__(self) -> None:
        self.where: MutableMapping[str, str] = {}

    def add(self, file: Path, rows: pd.DataFrame, *, key: str) -> None:
        """Remember the keys of a file's accepted rows."""
        for value, row in zip(rows[key], rows["row"], strict=True):
            if isinstance(value, str) and value not in self.where:
                self.where[value] = f"{file.name}:{int(row)}"


def import_table(
    engine: Engine,
    path: Path,
    *,
    kind: str,
    open_file: Callable[[Path], TableStream],
    store: StoreFactory,
    options: dict[str, object] | None = None,
    progress: Progress | None = None,
    redact: Callable[[TableResult], TableResult] | None = None,
) -> ImportReport:
    """Import one file of one kind of table (see the module docstring).

    Parameters
    ----------
    engine : Engine
    path : Path
    kind : str
        The table kind (``import_run.kind``, the lock's name).
    open_file : callable
        ``path -> TableStream``: open the file (header, columns).
    store : callable
        Makes the :class:`RowStore` of the accepted rows (:data:`StoreFactory`).
    options : dict, optional
        Recorded with the run.
    progress : callable, optional
        ``progress(records_done, records_estimated)``, after each chunk.
    redact : callable, optional
        Applied to each chunk's problems and rejected rows before they are
        kept, stored or written (personal data masked:
        :func:`twonet.privacy.redact_personal`); not to the accepted rows.

    Raises
    ------
    TwoNetError
        The file cannot be read (the run is recorded as ``refused``);
        another import of ``kind`` holds the lock (SQLite); storing failed
        (:class:`~grid.errors.ImportFailedError`, the run ``failed``).
    """
    import time

    started = time.perf_counter()
    with import_runs.import_lock(engine, kind):
        try:
            stream = open_file(path)
        except TwoNetError as exc:
            import_runs.refuse_file(engine, kind=kind, source_name=str(path), error=exc)
            raise
        run_id = import_runs.begin_run(
            engine, kind=kind, source_name=str(path), options=options
        )
        parts: list[TableResult] = []
        accepted = 0  # counted from the rows stored, not derived
        try:
            with store(engine, run_id, stream) as rows:
                for chunk in stream.chunks(progress=progress):
                    rows.put(chunk.rows)
                    accepted += len(chunk.rows)
                    kept = chunk if redact is None else redact(chunk)
                    parts.append(_without_rows(kept))
            result = stream.summary(parts)
            report = _report(result, accepted, rows.stored(), run_id)
            # after the rows: a large first load holds the table's locks
            # (its keys are dropped) until its one transaction ends
            with transaction(engine) as connection:
                import_runs.store_problems(
                    connection,
                    run_id,
                    import_runs.problem_rows(
                        result.problems,
                        result.rejects,
                        key=next(iter(stream.schema.key), None),
                    ),
                )
                import_runs.end_run(
                    connection,
                    run_id,
                    outcome="succeeded",
                    counts=_counts(report),
                    file_sha256=result.file_sha256,
                )
        except (SQLAlchemyError, OSError, TwoNetError) as exc:
            import_runs.fail_run(engine, run_id, exc)
            msg = (
                f"import of {path.name!r} failed (run {run_id}); what was not "
                f"committed was rolled back: {_first_line(exc)} "
                f"(“{path.name}”导入失败，未提交的部分已回滚)"
            )
            raise ImportFailedError(msg) from exc
        except BaseException as exc:
            import_runs.fail_run(engine, run_id, exc)
            raise
    report.side_files = write_side_files(path, result)
    report.seconds = {"total": time.perf_counter() - started, **report.seconds}
    return report


def _without_rows(chunk: TableResult) -> TableResult:
    """Return a chunk's result without its accepted rows (stored already).

    The empty frame is made anew: an empty slice of an Arrow-backed column
    would still hold the whole chunk's buffers, and every chunk of the file
    would stay in memory until the import ends.
    """
    rows = chunk.rows
    empty = pd.DataFrame(
        {column: pd.Series([], dtype=rows[column].dtype) for column in rows.columns}
    )
    return dataclasses.replace(chunk, rows=empty)


def _report(
    result: TableResult, accepted: int, stored: Stored, run_id: int
) -> ImportReport:
    return ImportReport(
        read=result.n_rows,
        accepted=accepted,
        rejected=result.n_rejected,
        warned=result.n_warned,
        stored=stored.counts,
        placed=stored.details.get("placed", {}),
        flagged=stored.details.get("flagged", {}),
        queued=stored.queued,
        import_run_id=run_id,
        problems=result.problems,
        rejects=result.rejects,
        notes=result.notes,
        seconds=stored.seconds,
    )


def _counts(report: ImportReport) -> dict[str, int]:
    return {
        "read": report.read,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "warned": report.warned,
        "queued": report.queued,
        **report.stored,
    }


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


# -------------------------------------------------------------- side files
def side_file(path: Path, suffix: str) -> Path:
    """Return ``path`` + ``suffix``, shortened to a name the file system takes.

    A name longer than :data:`NAME_MAX` bytes keeps its start and gets a
    short hash of the whole name, so two long names stay apart.

    Examples
    --------
    >>> side_file(Path("a.csv"), ".rejects.csv").name
    'a.csv.rejects.csv'
    >>> len(side_file(Path("名" * 120 + ".csv"), ".rejects.csv").name.encode())
    255
    """
    name = path.name + suffix
    if len(name.encode()) <= NAME_MAX:
        return path.with_name(name)
    digest = hashlib.sha256(path.name.encode()).hexdigest()[:8]
    tail = f"~{digest}{suffix}"
    room = NAME_MAX - len(tail.encode())
    head = path.name.encode()[:room].decode("utf-8", errors="ignore")
    return path.with_name(head + tail)


def write_side_files(path: Path, result: TableResult) -> dict[str, Path]:
    """Write (or remove, when there is nothing to say) the rejects and problems.

    Returns
    -------
    dict
        ``"rejects"`` and/or ``"problems"`` → the file written.  A side file
        that cannot be written is skipped: the database has the same rows.
    """
    written: dict[str, Path] = {}
    tables = {
        "rejects": (".rejects.csv", result.rejects),
        "problems": (".problems.csv", result.problems.loc[:, list(PROBLEM_COLUMNS)]),
    }
    for name, (suffix, frame) in tables.items():
        target = side_file(path, suffix)
        try:
            if len(frame):
                target.write_bytes(csv_bytes(frame))
                written[name] = target
            else:
                target.unlink(missing_ok=True)
        except OSError:
            continue
    return written


def report_counts(report: ImportReport) -> dict[str, Any]:
    """Return the counts of a report with bilingual labels, for printing."""
    return {
        "读取 / rows read": report.read,
        "接受 / accepted": report.accepted,
        "拒绝 / rejected": report.rejected,
        "有警告 / with warnings": report.warned,
        **{f"写入 / {k}": v for k, v in report.stored.items()},
        **{f"定位 / placed by {k}": v for k, v in report.placed.items()},
        **{f"标记 / flag {k}": v for k, v in report.flagged.items()},
        "待复核 / queued for review": report.queued,
    }
