"""Staff and assignment imports: read, check, store, with history and audit.

Both run through :func:`twonet.imports.import_table` (the lock, the run
record, the rejected rows with their row numbers in ``import_reject`` and
beside the file), with personal data masked in every problem and rejected
row (:func:`twonet.privacy.redact_personal`).

* :func:`import_staff` — kind ``"staff"``: rows are upserted by 人员编号 by
  their content hash (:class:`StaffStore`): a re-import changes nothing, a
  changed person's previous state goes to ``staff_version``.
* :func:`import_assignments` — kind ``"assignments"``: one change set of
  kind ``import`` per file (:class:`AssignmentStore`), written only through
  :mod:`twonet.db.assignment_store`: every cell it writes is claimed at the
  version read (optimistic locking), every added or changed assignment has
  an audit row, no row is deleted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
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
from twonet.db import repository as repo
from twonet.db import staff_store
from twonet.errors import TwoNetError
from twonet.imports import ImportReport, KeysSeen, Stored, import_table
from twonet.privacy import redact_personal

__all__ = [
    "AssignmentStore",
    "ReadOptions",
    "StaffStore",
    "default_actor",
    "import_assignments",
    "import_staff",
    "staff_records",
]

#: Fields whose change makes a new version of a person (``content_hash``).
CONTENT_FIELDS: tuple[str, ...] = (
    "name",
    "kind",
    "unit_code",
    "phone",
    "id_number",
    "home_lon",
    "home_lat",
    "active_from",
    "active_to",
    "extra",
)
#: The key of an assignment.
ASSIGNMENT_KEY: tuple[str, ...] = ASSIGNMENTS.key


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file (see ``twonet staff import``).

    ``mapping`` (our field → the file's column), ``encoding`` (CSV;
    detected by default), ``sheet`` (XLSX), ``delimiter`` (CSV; sniffed by
    default).
    """

    mapping: dict[str, str] | None = None
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None


def _now() -> dt.datetime:
    """Return the time of a change: UTC for staff rows (as employers)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _local_now() -> dt.datetime:
    """Return the time of an assignment change: local, as change sets record it."""
    return dt.datetime.now().replace(microsecond=0)


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def default_actor() -> str:
    """Return who runs an import: the operating system's user, else ``import``."""
    import getpass

    try:
        return getpass.getuser() or "import"
    except (OSError, KeyError):
        return "import"


def _grid(engine: Engine) -> tuple[set[str], tuple[float, float, float, float]]:
    """Return the grid's cell codes (any version) and its current extent."""
    codes = staff_store.cell_codes(engine)
    if not codes:
        msg = (
            "no grid cells in the database; run `twonet demo` or `twonet grid load` "
            "first (数据库中没有网格，请先运行 twonet demo 或 twonet grid load)"
        )
        raise TwoNetError(msg)
    cells = repo.load_cells(engine)
    placed = cells[cells.geometry.notna()]
    if placed.empty:
        return codes, (-180.0, -90.0, 180.0, 90.0)
    x0, y0, x1, y1 = (float(v) for v in placed.total_bounds)
    return codes, (x0, y0, x1, y1)


# ------------------------------------------------------------------- staff
def _nullable(values: pd.Series) -> list[Any]:
    """Return values as Python objects, missing ones as ``None``."""
    out = values.astype(object)
    return list(out.where(out.notna(), None))


def _dates(values: pd.Series) -> list[dt.date | None]:
    dates = pd.to_datetime(values).dt.date
    return list(dates.astype(object).where(dates.notna(), None))


def _row_hash(values: tuple[Any, ...]) -> str:
    parts = []
    for value in values:
        if value is None:
            parts.append("\0")
        elif isinstance(value, float):
            parts.append(f"{value:.9f}")
        elif isinstance(value, dict):
            parts.append(repr(sorted(value.items())))
        elif isinstance(value, dt.date):
            parts.append(value.isoformat())
        else:
            parts.append(str(value))
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8)
    return digest.hexdigest()


def staff_records(rows: pd.DataFrame) -> pd.DataFrame:
    """Turn accepted staff rows into stored records with their content hash.

    Returns
    -------
    DataFrame
        :data:`twonet.db.staff_store.STAFF_COLUMNS`; missing values ``None``,
        dates :class:`datetime.date`, ``extra`` ``None`` when empty.
    """
    frame = pd.DataFrame(
        {
            "staff_id": _nullable(rows["staff_id"]),
            "name": _nullable(rows["name"]),
            "kind": _nullable(rows["kind"]),
            "unit_code": _nullable(rows["unit"]),
            "phone": _nullable(rows["phone"]),
            "id_number": _nullable(rows["id_number"]),
            "home_lon": _nullable(pd.Series(rows["home_lon"], dtype=float)),
            "home_lat": _nullable(pd.Series(rows["home_lat"], dtype=float)),
            "active_from": _dates(rows["active_from"]),
            "active_to": _dates(rows["active_to"]),
            "extra": [v if isinstance(v, dict) and v else None for v in rows["extra"]],
        },
        dtype=object,
    )
    frame["content_hash"] = [
        _row_hash(values)
        for values in frame.loc[:, list(CONTENT_FIELDS)].itertuples(
            index=False, name=None
        )
    ]
    return frame.loc[:, list(staff_store.STAFF_COLUMNS)]


class StaffStore:
    """Upsert a staff registry's accepted rows by staff id, chunk by chunk.

    Each chunk is one transaction; counts ``inserted``, ``changed`` and
    ``unchanged``.
    """

    def __init__(
        self,
        engine: Engine,
        run_id: int,
        *,
        now: dt.datetime | None = None,
        on_rows: Callable[[pd.DataFrame], None] | None = None,
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.now = now or _now()
        self.on_rows = on_rows
        self.totals = {"inserted": 0, "changed": 0, "unchanged": 0}

    def __enter__(self) -> StaffStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def put(self, rows: pd.DataFrame) -> None:
        """Store one chunk of accepted rows."""
        if self.on_rows is not None:
            self.on_rows(rows)
        if not len(rows):
            return
        with self.engine.begin() as connection:
            counts = staff_store.upsert_staff(
                connection,
                staff_records(rows),
                import_run_id=self.run_id,
                now=self.now,
            )
        for key, value in counts.items():
            self.totals[key] += value

    def stored(self) -> Stored:
        """Return what was stored."""
        return Stored(counts=dict(self.totals))


def import_staff(
    engine: Engine,
    path: Path,
    *,
    options: ReadOptions | None = None,
    default_crs: str | None = None,
    progress: Progress | None = None,
    seen: KeysSeen | None = None,
) -> ImportReport:
    """Read, check and store one staff registry (``twonet staff import``).

    Parameters
    ----------
    engine : Engine
    path : Path
        CSV or XLSX with the columns of :data:`ingest.staff_schema.STAFF`.
    options : ReadOptions, optional
    default_crs : str, optional
        Datum of home points whose row names none (default WGS-84).
    progress : callable, optional
        ``progress(records_done, records_estimated)``.
    seen : KeysSeen, optional
        Staff ids of the files imported before this one by the same
        command: a row repeating one is rejected.

    Returns
    -------
    ImportReport
        ``stored`` has ``inserted``, ``changed`` and ``unchanged``; phone and
        ID numbers in ``problems`` and ``rejects`` are masked.

    Raises
    ------
    TwoNetError
        No grid in the database; the file cannot be read; storing failed.
    """
    from ingest.staff import open_staff

    options = options or ReadOptions()
    codes, extent = _grid(engine)

    def open_file(file: Path) -> TableStream:
        return open_staff(
            file,
            known_cells=codes,
            default_crs=default_crs,
            extent=extent,
            mapping=options.mapping,
            encoding=options.encoding,
            sheet=options.sheet,
            delimiter=options.delimiter,
            earlier_keys=None if seen is None else seen.where,
        )

    def store(engine: Engine, run_id: int, stream: TableStream) -> StaffStore:
        def remember(rows: pd.DataFrame) -> None:
            if seen is not None:
                seen.add(path, rows, key="staff_id")

        return StaffStore(engine, run_id, on_rows=remember)

    return import_table(
        engine,
        path,
        kind="staff",
        open_file=open_file,
        store=store,
        options={"mapping": options.mapping, "default_crs": default_crs},
        progress=progress,
        redact=redact_personal,
    )


# ------------------------------------------------------------- assignments
def _assignment_records(rows: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": _nullable(rows["staff_id"]),
            "cell_code": _nullable(rows["cell_code"]),
            "duty": _nullable(rows["duty"]),
            "valid_from": _dates(rows["valid_from"]),
            "valid_to": _dates(rows["valid_to"]),
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
    codes, _ = _grid(engine)
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
