"""Staff imports: read, check, store with history (``twonet staff import``).

:func:`import_staff` runs through :func:`twonet.imports.import_table` (kind
``"staff"``: the lock, the run record, the rejected rows with their row
numbers in ``import_reject`` and beside the file), with phone and ID
numbers masked in every problem and rejected row
(:func:`twonet.privacy.redact_personal`).  Rows are upserted by 人员编号 by
their content hash (:class:`StaffStore`): a re-import changes nothing, a
changed person's previous state goes to ``staff_version``.

Assignment imports are :mod:`twonet.assignment_import`; :class:`AssignmentStore`
and :func:`import_assignments` are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from ingest.tables.pipeline import TableStream
from ingest.tables.reader import Progress
from twonet.assignment_import import AssignmentStore, import_assignments
from twonet.db import staff_store
from twonet.imports import ImportReport, KeysSeen, Stored, import_table
from twonet.privacy import redact_personal
from twonet.staff_rows import ReadOptions, dates, default_actor, grid_codes, nullable

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


def _now() -> dt.datetime:
    """Return the time of a change: UTC for staff rows (as employers)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
            "staff_id": nullable(rows["staff_id"]),
            "name": nullable(rows["name"]),
            "kind": nullable(rows["kind"]),
            "unit_code": nullable(rows["unit"]),
            "phone": nullable(rows["phone"]),
            "id_number": nullable(rows["id_number"]),
            "home_lon": nullable(pd.Series(rows["home_lon"], dtype=float)),
            "home_lat": nullable(pd.Series(rows["home_lat"], dtype=float)),
            "active_from": dates(rows["active_from"]),
            "active_to": dates(rows["active_to"]),
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
    codes, extent = grid_codes(engine)

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
