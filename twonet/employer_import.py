"""Employer services: read a registry, place every employer, store it.

The layers meet here and nowhere else: :mod:`ingest.registry` reads and
checks the file, :mod:`grid.geocode` places the rows (pure), and
:mod:`twonet.db.employer_store` stores them.  Functions take the engine as an
argument; nothing here knows about Streamlit or the CLI.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid.geocode import (
    GeocodeOptions,
    address_keys,
)
from ingest.tables.pipeline import TableStream
from twonet.db import employer_store as store
from twonet.db import repository as repo

#: Registry fields whose change means the employer must be placed again.
from twonet.employer_rows import (
    AddressMemo,
    GridContext,
    area_county_mapper,
    content_hashes,
    count_flags,
    load_gazetteer,
    location_hashes,
    place_employers,
    registry_to_employers,
    review_items,
)
from twonet.errors import TwoNetError
from twonet.imports import ImportReport, KeysSeen, Stored, import_table

__all__ = [
    "EmployerStore",
    "GridContext",
    "ImportOptions",
    "geocode_file",
    "import_registry",
    "load_gazetteer",
    "resolve_review",
]


# -------------------------------------------------------------------- import
@dataclass(frozen=True)
class ImportOptions:
    """Options of :func:`import_registry` (see ``twonet employers import``)."""

    mapping: dict[str, str] | None = None
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    default_crs: str | None = None
    require_uscc: bool = True
    use_uscc_area: bool = True
    batch_rows: int = 100_000


def _with_empty_placement(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in store.PLACEMENT_COLUMNS:
        out[column] = None
    out["method"], out["confidence"], out["flags"] = "none", 0.0, ""
    return out


def _open(
    path: Path,
    options: ImportOptions,
    gazetteer: Any,
    grid: GridContext,
    seen: KeysSeen | None,
) -> TableStream:
    """Open a registry file to check it, chunk by chunk, against the grid."""
    from ingest.registry import open_registry

    return open_registry(
        path,
        mapping=options.mapping,
        encoding=options.encoding,
        sheet=options.sheet,
        delimiter=options.delimiter,
        default_crs=options.default_crs,
        known_area_codes=gazetteer.area_codes(),
        extent=grid.bounds,
        require_uscc=options.require_uscc,
        earlier_keys=None if seen is None else seen.where,
    )


def _read(
    path: Path,
    options: ImportOptions,
    gazetteer: Any,
    grid: GridContext,
    progress: Callable[[int, int | None], None] | None = None,
) -> Any:
    """Read and check a whole registry file against the gazetteer and the grid."""
    stream = _open(path, options, gazetteer, grid, None)
    return stream.summary(list(stream.chunks(progress=progress)))


#: A file of at least this many rows, over twice as many as the table holds,
#: is loaded in one transaction with the indexes rebuilt after (mostly new).
BULK_LOAD_MIN = 50_000
#: Rows placed at a time (each placed chunk is written before the next).
PLACE_CHUNK_ROWS = 100_000


class _NewEmployerWriter:
    """Write employers not stored before, batch by batch, as they are placed.

    A large first load (see :data:`BULK_LOAD_MIN`) is one transaction with
    the indexes and keys rebuilt at the end (the table is locked meanwhile);
    otherwise each batch is its own transaction.  Use it as a context
    manager: leaving it by an exception rolls back what is not committed.
    """

    def __init__(
        self, engine: Any, *, import_run_id: int | None, bulk: bool, batch_rows: int
    ) -> None:
        from twonet.db.backends import backend_for

        self.engine = engine
        self.backend = backend_for(engine)
        self.import_run_id = import_run_id
        self.bulk = bulk
        self.batch_rows = batch_rows
        self.inserted = 0
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> _NewEmployerWriter:
        if self.bulk:
            connection = self._stack.enter_context(self.engine.begin())
            self._stack.enter_context(
                self.backend.deferred_indexes(connection, "employer")
            )
            self._connection = connection
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)

    def put(self, rows: pd.DataFrame) -> None:
        """Write placed rows (and their review items)."""
        for start in range(0, len(rows), self.batch_rows):
            batch = rows.iloc[start : start + self.batch_rows]
            if self.bulk:
                self._write(self._connection, batch)
            else:
                with self.engine.begin() as connection:
                    self._write(connection, batch)

    def _write(self, connection: Any, batch: pd.DataFrame) -> None:
        payload = store.encode_new_employers(
            self.backend, batch, import_run_id=self.import_run_id
        )
        self.backend.bulk_send(connection, payload)
        items = review_items(batch)
        if len(items):
            self.backend.bulk_send(
                connection, store.encode_review_items(self.backend, items)
            )
        self.inserted += len(batch)


def import_registry(
    engine: Any,
    path: Path,
    *,
    gazetteer: Any,
    grid: GridContext,
    options: ImportOptions | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    seen: KeysSeen | None = None,
) -> ImportReport:
    """Read, check, place and store one registry file.

    Runs through :func:`twonet.imports.import_table`, chunk by chunk:
    rejected rows are kept (with row number, column, value and reason) in
    the returned report, in ``import_reject`` and beside the file; accepted
    rows are upserted by USCC, so re-importing is a no-op, a changed
    employer keeps its history and a moved one is placed again.  ``seen``
    carries the USCCs of the files imported before this one by the same
    command: a row repeating one of them is rejected.
    """
    options = options or ImportOptions()

    def open_file(file: Path) -> TableStream:
        return _open(file, options, gazetteer, grid, seen)

    def employer_store(engine: Any, run_id: int, stream: TableStream) -> EmployerStore:
        return EmployerStore(
            engine,
            run_id,
            estimated_rows=stream.estimated_rows,
            gazetteer=gazetteer,
            grid=grid,
            options=options,
            on_rows=None if seen is None else partial(seen.add, path, key="uscc"),
        )

    return import_table(
        engine,
        path,
        kind="employers",
        open_file=open_file,
        store=employer_store,
        options={"mapping": options.mapping, "default_crs": options.default_crs},
        progress=progress,
    )


class EmployerStore:
    """Compare, place and write a registry's accepted rows, chunk by chunk.

    Identical rows are skipped by their content hash; new and moved
    employers are placed (each distinct address parsed once per file) and
    written; changed ones get a new version.  A large first load (the file
    holds at least :data:`BULK_LOAD_MIN` rows and over twice as many as the table) is
    one transaction with the table's indexes and keys rebuilt at the end;
    the rows it changes are written after it.
    """

    def __init__(
        self,
        engine: Any,
        run_id: int,
        *,
        estimated_rows: int | None,
        gazetteer: Any,
        grid: GridContext,
        options: ImportOptions,
        on_rows: Callable[[pd.DataFrame], None] | None = None,
    ) -> None:
        self.engine = engine
        self.run_id = run_id
        self.grid = grid
        self.options = options
        self.on_rows = on_rows
        self.parse = AddressMemo(gazetteer, grid.region)
        self.area_county = area_county_mapper(gazetteer)
        self.existing = store.existing_hashes(engine)
        self._where = pd.Index(self.existing["uscc"], dtype=object)
        expected = estimated_rows or 0
        self.writer = _NewEmployerWriter(
            engine,
            import_run_id=run_id,
            # most of a large file will be new: the table holds less than
            # half as many rows (a re-import of a stored file is not)
            bulk=expected >= BULK_LOAD_MIN and 2 * len(self.existing) < expected,
            batch_rows=options.batch_rows,
        )
        self.totals = {"inserted": 0, "changed": 0, "relocated": 0, "unchanged": 0}
        self.placed: dict[str, int] = {}
        self.flagged: dict[str, int] = {}
        self.queued = 0
        self.deferred: list[pd.DataFrame] = []
        self.seconds = {"compare": 0.0, "place + write new": 0.0, "write changed": 0.0}

    def __enter__(self) -> EmployerStore:
        self.writer.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        import time

        started = time.perf_counter()
        self.writer.__exit__(*exc)  # a bulk load rebuilds its indexes here
        self.seconds["place + write new"] += time.perf_counter() - started
        if exc[0] is None:
            for changed in self.deferred:
                self._write_changed(changed)
            self.deferred = []

    def put(self, rows: pd.DataFrame) -> None:
        """Compare, place and write one chunk of accepted rows."""
        import time

        if self.on_rows is not None:
            self.on_rows(rows)
        started = time.perf_counter()
        stored_at = self._where.get_indexer(rows["uscc"])  # -1: never stored
        employers = registry_to_employers(rows, with_hashes=False)
        keys = address_keys(rows)
        employers["location_hash"] = location_hashes(employers)
        employers["content_hash"] = content_hashes(employers)

        def stored(column: str) -> np.ndarray:
            values = np.full(len(stored_at), None, dtype=object)
            found = stored_at >= 0
            values[found] = self.existing[column].to_numpy(object)[stored_at[found]]
            return values

        # identical rows need no work at all: re-importing a file is a no-op
        unchanged = employers["content_hash"].to_numpy(object) == stored("content_hash")
        self.totals["unchanged"] += int(unchanged.sum())
        employers = employers[~unchanged].reset_index(drop=True)
        keys = keys[~unchanged].reset_index(drop=True)
        brand_new = (stored_at < 0)[~unchanged]
        moved = brand_new | (
            employers["location_hash"].to_numpy(object)
            != stored("location_hash")[~unchanged]
        )
        self.seconds["compare"] += time.perf_counter() - started
        started = time.perf_counter()
        to_place = np.flatnonzero(moved)
        relocated_parts = []
        for first in range(0, len(to_place), PLACE_CHUNK_ROWS):
            chunk = to_place[first : first + PLACE_CHUNK_ROWS]
            placed = place_employers(
                employers.iloc[chunk],
                self.grid,
                self.parse,
                self.area_county,
                options=GeocodeOptions(use_uscc_area=self.options.use_uscc_area),
                keys=keys.iloc[chunk],
            )
            self._count(placed)
            new_here = brand_new[chunk]
            self.writer.put(placed[new_here])
            relocated_parts.append(placed[~new_here])
        self.seconds["place + write new"] += time.perf_counter() - started
        kept = _with_empty_placement(employers[~moved])
        # existing employers: the moved ones (placed again) first, then the rest
        changed = pd.concat([*relocated_parts, kept], ignore_index=True)
        changed.attrs["relocated"] = sum(len(p) for p in relocated_parts)
        if self.writer.bulk:  # the table is locked, its keys dropped: after
            self.deferred.append(changed)
        else:
            self._write_changed(changed)

    def _write_changed(self, changed: pd.DataFrame) -> None:
        import time

        started = time.perf_counter()
        relocated = int(changed.attrs.get("relocated", 0))
        batch_rows = self.options.batch_rows
        for start in range(0, len(changed), batch_rows):
            batch = changed.iloc[start : start + batch_rows]
            moved_here = batch["uscc"].iloc[: max(0, relocated - start)]
            with self.engine.begin() as connection:
                counts = store.upsert_employers(
                    connection, batch, import_run_id=self.run_id
                )
                store.replace_review_items(
                    connection, review_items(batch), usccs=moved_here.tolist()
                )
            for key, value in counts.items():
                self.totals[key] += value
        self.seconds["write changed"] += time.perf_counter() - started

    def _count(self, placed: pd.DataFrame) -> None:
        """Add a placed chunk's methods, flags and queued rows to the totals."""
        for method, n in placed["method"].value_counts().items():
            self.placed[str(method)] = self.placed.get(str(method), 0) + int(n)
        for flag, n in count_flags(placed["flags"]).items():
            self.flagged[flag] = self.flagged.get(flag, 0) + n
        self.queued += int(placed["review_reason"].notna().sum())

    def stored(self) -> Stored:
        """Return what was stored (after the ``with`` block)."""
        self.totals["inserted"] = self.writer.inserted
        return Stored(
            counts=dict(self.totals),
            details={
                "placed": dict(sorted(self.placed.items(), key=lambda kv: -kv[1])),
                "flagged": dict(sorted(self.flagged.items())),
            },
            queued=self.queued,
            seconds=dict(self.seconds),
        )


def geocode_file(
    path: Path,
    *,
    gazetteer: Any,
    grid: GridContext,
    options: ImportOptions | None = None,
) -> tuple[pd.DataFrame, Any]:
    """Geocode a registry file without storing anything.

    Returns the placed rows (:data:`twonet.exports.EXPORT_COLUMNS` plus ``row``) and the
    :class:`ingest.registry.RegistryResult` (problems and rejects).
    """
    options = options or ImportOptions()
    result = _read(path, options, gazetteer, grid)
    employers = registry_to_employers(result.rows, with_hashes=False)
    placed = place_employers(
        employers,
        grid,
        AddressMemo(gazetteer, grid.region),
        area_county_mapper(gazetteer),
        options=GeocodeOptions(use_uscc_area=options.use_uscc_area),
    )
    placed.insert(0, "row", result.rows["row"].to_numpy())
    return placed, result


def resolve_review(
    bind: repo.Bind, grid: GridContext, item_id: int, code: str, *, reviewer: str
) -> None:
    """Place a queued employer in the cell a reviewer chose.

    The chosen cell must exist in the current grid; its ancestors give the
    other levels.
    """
    if code not in grid.index.level:
        msg = f"cell {code!r} is not in the current grid"
        raise TwoNetError(msg)
    children = grid.index.children(code)
    if children:
        msg = (
            f"cell {code!r} has {len(children)} child cells; choose one of them "
            f"(e.g. {children[0]!r}) so the employer is placed at every level"
        )
        raise TwoNetError(msg)
    store.resolve_review_item(
        bind, item_id, placement=grid.index.lineage(code), reviewer=reviewer
    )
