"""Assignment imports: one audited change set per file (``twonet assignments import``).

:func:`import_assignments` runs through :func:`twonet.imports.import_table`
(kind ``"assignments"``).  Each file is one change set of kind ``import``
(:class:`AssignmentStore`), written only through
:mod:`twonet.db.assignment_store`: every cell it writes is claimed at the
version read (optimistic locking), every added or changed assignment has an
audit row with the row before and after, no row is deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ingest.staff_schema import ASSIGNMENTS
from ingest.tables.keys import key_texts
from ingest.tables.pipeline import TableStream
from ingest.tables.reader import Progress
from twonet.db import assignment_store as assignments
from twonet.db import staff_store
from twonet.imports import ImportReport, KeysSeen, Stored, import_table
from twonet.privacy import redact_personal
from twonet.staff_rows import ReadOptions, dates, default_actor, grid_codes, nullable

__all__ = ["AssignmentStore", "import_assignments"]

#: The key of an assignment.
ASSIGNMENT_KEY: tuple[str, ...] = ASSIGNMENTS.key


def _local_now() -> dt.datetime:
    """Return the time of an assignment change: local, as change sets record it."""
    return dt.datetime.now().replace(microsecond=0)


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _assignment_records(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": nullable(rows["staff_id"]),
            "cell_code": nullable(rows["cell_code"]),
            "duty": nullable(rows["duty"]),
            "valid_from": dates(rows["valid_from"]),
            "valid_to": dates(rows["valid_to"]),
        },
        dtype=object,
    )


def _row(values: Any, **ids: int | None) -> dict[str, Any]:
    """Return an assignment as the audit log keeps it (dates as ISO text).

    The keys of an assignment row, as change sets write them: ``id``, the
    key, ``valid_to``, ``change_set_id`` and ``closed_by`` (from ``ids``).
    """
    row: dict[str, Any] = {"id": ids.get("id")}
    for name in (*ASSIGNMENT_KEY, "valid_to"):
        value = values[name]
        row[name] = value.isoformat() if isinstance(value, dt.date) else value
    row["change_set_id"] = ids.get("change_set_id")
    row["closed_by"] = ids.get("closed_by")
    return row


class AssignmentStore:
    """Compare an assignment list with the stored assignments, then write it.

    The file is one transaction and one change set of kind ``import``
    (created only when something changes).  Each chunk's rows are compared
    with the latest stored row of their key (staff id, cell, duty,
    valid_from), and the versions of the cells they would write are read
    then; at the end of the file, in the same transaction, those cells are
    claimed at the versions read (:func:`~twonet.db.assignment_store.claim_cells`:
    a change applied meanwhile is a conflict, and nothing is written) and:

    * a new key is opened (audit ``add``);
    * a key whose ``valid_to`` is the same is left alone (``unchanged``);
    * a key whose ``valid_to`` differs is changed (audit ``change``, the row
      before and after): the stored row is closed at its own ``valid_from``
      (valid on no day since; kept, with ``closed_by``) and a row with the
      new ``valid_to`` opened, so the latest row of a key is always what the
      last file said;
    * a key whose latest row a change set has closed since (a manager's
      move, an undo) is left to that change set (``superseded``): the file
      does not undo it.
    """

    def __init__(
        self,
        engine: Engine,
        run_id: int,
        *,
        actor: str,
        reason: str,
        now: dt.datetime | None = None,
        on_rows: Callable[[pd.DataFrame], None] | None = None,
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.actor = actor
        self.reason = reason
        self.now = now or _local_now()
        self.on_rows = on_rows
        self.totals = {"inserted": 0, "changed": 0, "unchanged": 0, "superseded": 0}
        self.versions: dict[str, int] = {}
        self.added: list[dict[str, Any]] = []
        self.changed: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.change_set_id: int | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> AssignmentStore:
        self.connection = self._stack.enter_context(self.engine.begin())
        return self

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            try:
                self._write()
            except BaseException:
                self._stack.__exit__(*sys.exc_info())
                raise
        self._stack.__exit__(*exc)

    def put(self, rows: pd.DataFrame) -> None:
        """Compare one chunk of accepted rows with the stored assignments."""
        if self.on_rows is not None:
            self.on_rows(rows)
        if not len(rows):
            return
        incoming = _assignment_records(rows)
        stored = staff_store.latest_assignments(
            self.connection, incoming["staff_id"].unique()
        )
        merged = incoming.merge(
            stored.astype(object),
            on=list(ASSIGNMENT_KEY),
            how="left",
            suffixes=("", "_stored"),
        )
        new = merged["id"].isna().to_numpy()
        same = np.array(
            [
                a == b
                for a, b in zip(
                    merged["valid_to"], merged["valid_to_stored"], strict=True
                )
            ]
        )
        closed = merged["closed_by"].notna().to_numpy()
        unchanged = ~new & same
        superseded = ~new & ~same & closed
        changed = ~new & ~same & ~closed
        self.totals["unchanged"] += int(unchanged.sum())
        self.totals["superseded"] += int(superseded.sum())
        for record in merged[new].to_dict("records"):
            self.added.append(_row(record))
        for record in merged[changed].to_dict("records"):
            before = _row(
                {**record, "valid_to": record["valid_to_stored"]},
                id=int(record["id"]),
                change_set_id=_int_or_none(record["change_set_id"]),
            )
            self.changed.append((before, _row(record)))
        touched = set(merged.loc[new | changed, "cell_code"]) - set(self.versions)
        if touched:
            self.versions.update(assignments.cell_versions(self.connection, touched))

    def _write(self) -> None:
        """Write the change set, claim the cells, open/close rows, audit."""
        if not self.added and not self.changed:
            return
        connection, now = self.connection, self.now
        asked = ("staff_id", "cell_code", "duty", "valid_from", "valid_to")
        changes = [{"op": "add", **{k: a[k] for k in asked}} for a in self.added]
        changes += [
            {"op": "change", **{k: a[k] for k in asked}, "was_valid_to": b["valid_to"]}
            for b, a in self.changed
        ]
        change_set = assignments.begin_change_set(
            connection,
            actor=self.actor,
            reason=self.reason,
            kind="import",
            changes=changes,
            now=now,
            import_run_id=self.run_id,
        )
        self.change_set_id = change_set
        assignments.claim_cells(
            connection,
            self.versions,
            actor=self.actor,
            change_set_id=change_set,
            now=now,
        )
        for after in self.added:
            after["id"] = self._open(after, change_set)
            after["change_set_id"] = change_set
            self._audit("add", None, after, change_set)
        for before, after in self.changed:
            assignments.close_assignment(
                connection,
                before["id"],
                valid_to=dt.date.fromisoformat(before["valid_from"]),
                change_set_id=change_set,
            )
            after["id"] = self._open(after, change_set)
            after["change_set_id"] = change_set
            self._audit("change", before, after, change_set)
        self.totals["inserted"] = len(self.added)
        self.totals["changed"] = len(self.changed)

    def _open(self, row: dict[str, Any], change_set: int) -> int:
        valid_to = row["valid_to"]
        return assignments.open_assignment(
            self.connection,
            staff_id=row["staff_id"],
            cell_code=row["cell_code"],
            duty=row["duty"],
            valid_from=dt.date.fromisoformat(row["valid_from"]),
            valid_to=None if valid_to is None else dt.date.fromisoformat(valid_to),
            change_set_id=change_set,
            now=self.now,
        )

    def _audit(
        self,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any],
        change_set: int,
    ) -> None:
        assignments.audit(
            self.connection,
            change_set_id=change_set,
            actor=self.actor,
            reason=self.reason,
            action=action,
            cell_code=after["cell_code"],
            staff_id=after["staff_id"],
            before=before,
            after=after,
            now=self.now,
        )

    def stored(self) -> Stored:
        """Return what was stored (after the ``with`` block)."""
        return Stored(counts=dict(self.totals))


def import_assignments(
    engine: Engine,
    path: Path,
    *,
    actor: str | None = None,
    options: ReadOptions | None = None,
    progress: Progress | None = None,
    seen: KeysSeen | None = None,
    now: dt.datetime | None = None,
) -> ImportReport:
    """Read, check and store one assignment list (``twonet assignments import``).

    Parameters
    ----------
    engine : Engine
    path : Path
        CSV or XLSX with the columns of :data:`ingest.staff_schema.ASSIGNMENTS`.
    actor : str, optional
        Who imports (the change set's and audit rows' actor); default
        :func:`default_actor`.
    options : ReadOptions, optional
    progress : callable, optional
    seen : KeysSeen, optional
        Keys of the files imported before this one by the same command: a
        row repeating one is rejected.
    now : datetime, optional
        Time recorded for the change (default now, UTC).

    Returns
    -------
    ImportReport
        ``stored`` has ``inserted``, ``changed``, ``unchanged`` and
        ``superseded`` (see :class:`AssignmentStore`).

    Raises
    ------
    TwoNetError
        No grid in the database; the file cannot be read; storing failed,
        e.g. a cell changed by someone else meanwhile
        (:class:`~grid.errors.ImportFailedError` naming the cell and who).
    """
    from ingest.staff import open_assignments

    options = options or ReadOptions()
    codes, _ = grid_codes(engine)
    people = staff_store.staff_ids(engine)
    who = actor or default_actor()

    def open_file(file: Path) -> TableStream:
        return open_assignments(
            file,
            known_staff=people,
            known_cells=codes,
            mapping=options.mapping,
            encoding=options.encoding,
            sheet=options.sheet,
            delimiter=options.delimiter,
            earlier_keys=None if seen is None else seen.where,
        )

    def remember(rows: pd.DataFrame) -> None:
        if seen is not None:
            keys = key_texts([rows[k] for k in ASSIGNMENT_KEY])
            frame = pd.DataFrame({"key": keys.to_pandas(), "row": rows["row"]})
            seen.add(path, frame, key="key")

    def store(engine: Engine, run_id: int, stream: TableStream) -> AssignmentStore:
        return AssignmentStore(
            engine,
            run_id,
            actor=who,
            reason=f"导入 {path.name}",
            now=now,
            on_rows=remember,
        )

    return import_table(
        engine,
        path,
        kind="assignments",
        open_file=open_file,
        store=store,
        options={"mapping": options.mapping, "actor": who},
        progress=progress,
        redact=redact_personal,
    )
