"""Read and write cell frames; the only module that knows the grid tables.

Functions take an :class:`~sqlalchemy.Engine` or a
:class:`~sqlalchemy.Connection` and always work inside a transaction: on an
engine they open and commit one, on a connection already in a transaction
they use a savepoint, so a caller (or a test) can roll everything back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2.elements import WKBElement
from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update

from grid.cells import CELL_COLUMNS, STORAGE_EPSG, empty_cells, first_non_finite_vertex
from grid.codes import Level, parse_level
from twonet.db.models import GridCell, ImportRun

Bind = Engine | Connection

_ATTRIBUTES = (
    "name",
    "level",
    "parent_code",
    "source",
    "licence",
    "illustrative",
    "note",
)


@contextmanager
def transaction(bind: Bind) -> Iterator[Connection]:
    """Yield a connection inside a transaction (or a savepoint)."""
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            yield connection
    elif bind.in_transaction():
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin():
            yield bind


# ------------------------------------------------------------------- reading
def _valid_on(as_of: dt.date) -> Any:
    return and_(
        GridCell.valid_from <= as_of,
        or_(GridCell.valid_to.is_(None), GridCell.valid_to > as_of),
    )


def load_cells(
    bind: Bind,
    *,
    level: Level | str | None = None,
    parent_code: str | None = None,
    codes: Sequence[str] | None = None,
    as_of: dt.date | None = None,
) -> gpd.GeoDataFrame:
    """Load the cells valid on a date as a cell frame.

    Parameters
    ----------
    bind : Engine or Connection
    level : Level or str, optional
        Only cells of this level.
    parent_code : str, optional
        Only children of this cell.
    codes : sequence of str, optional
        Only these codes.
    as_of : date, optional
        Date the cells must be valid on; default today.

    Returns
    -------
    GeoDataFrame
        A cell frame (see :mod:`grid.cells`) sorted by code.
    """
    as_of = as_of or dt.date.today()
    columns = [getattr(GridCell, c) for c in CELL_COLUMNS if c != "geometry"]
    query = select(*columns, func.ST_AsBinary(GridCell.geom).label("wkb")).where(
        _valid_on(as_of)
    )
    if level is not None:
        query = query.where(GridCell.level == parse_level(level).value)
    if parent_code is not None:
        query = query.where(GridCell.parent_code == parent_code)
    if codes is not None:
        query = query.where(GridCell.code.in_(list(codes)))
    with transaction(bind) as connection:
        rows = connection.execute(query.order_by(GridCell.code)).all()
    if not rows:
        return empty_cells()
    frame = pd.DataFrame(rows, columns=[*CELL_COLUMNS[:-1], "wkb"])
    geometry = shapely.from_wkb(
        [bytes(w) if w is not None else None for w in frame.pop("wkb")]
    )
    frame["illustrative"] = frame["illustrative"].astype(bool)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=STORAGE_EPSG)[
        list(CELL_COLUMNS)
    ]


def child_counts(bind: Bind, *, as_of: dt.date | None = None) -> dict[str, int]:
    """Return the number of children valid on ``as_of`` for every parent code."""
    as_of = as_of or dt.date.today()
    query = (
        select(GridCell.parent_code, func.count())
        .where(_valid_on(as_of), GridCell.parent_code.is_not(None))
        .group_by(GridCell.parent_code)
    )
    with transaction(bind) as connection:
        return {str(code): int(n) for code, n in connection.execute(query).all()}


def cell_history(bind: Bind, code: str) -> pd.DataFrame:
    """Return every stored version of one cell, oldest first (no geometry)."""
    columns = [getattr(GridCell, c) for c in CELL_COLUMNS if c != "geometry"]
    query = select(*columns).where(GridCell.code == code).order_by(GridCell.valid_from)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(rows, columns=list(CELL_COLUMNS[:-1]))


# ------------------------------------------------------------------- writing
def content_hash(row: pd.Series | dict[str, Any], geometry: Any) -> str:
    """Return a stable hash of a cell's attributes and geometry.

    Two versions with the same hash are the same cell; a changed hash means
    the cell was redrawn, renamed or re-parented.
    """
    digest = hashlib.sha1(usedforsecurity=False)
    for attribute in _ATTRIBUTES:
        value = _none_if_missing(row[attribute])
        digest.update(repr("" if value is None else value).encode())
        digest.update(b"\x1f")
    if geometry is not None and not shapely.is_empty(geometry):
        digest.update(shapely.to_wkb(shapely.normalize(geometry), output_dimension=2))
    return digest.hexdigest()


@dataclass
class SaveResult:
    """What :func:`save_cells` did."""

    inserted: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    import_run_id: int | None = None
    extra_counts: dict[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Return counts per outcome."""
        return {
            "inserted": len(self.inserted),
            "replaced": len(self.replaced),
            "unchanged": len(self.unchanged),
        }

    @property
    def counts_with_extra(self) -> dict[str, int]:
        """Return the reading counts (features, rejected ...) then :attr:`counts`."""
        return {**self.extra_counts, **self.counts}


def _current_hashes(
    connection: Connection, codes: list[str]
) -> dict[str, tuple[int, dt.date, str]]:
    current: dict[str, tuple[int, dt.date, str]] = {}
    for start in range(0, len(codes), 900):  # stay under SQLite's variable limit
        chunk = codes[start : start + 900]
        query = select(
            GridCell.code, GridCell.id, GridCell.valid_from, GridCell.content_hash
        ).where(GridCell.code.in_(chunk), GridCell.valid_to.is_(None))
        for code, row_id, valid_from, digest in connection.execute(query):
            current[code] = (row_id, valid_from, digest)
    return current


def _none_if_missing(value: Any) -> Any:
    """Turn pandas' missing markers (NaN, NaT, NA) into ``None`` for the driver."""
    return (
        None
        if value is None or (pd.api.types.is_scalar(value) and pd.isna(value))
        else value
    )


def _row_values(
    row: pd.Series, geometry: Any, digest: str, run_id: int | None
) -> dict[str, Any]:
    values = {
        c: _none_if_missing(row[c])
        for c in CELL_COLUMNS
        if c not in ("geometry", "valid_to")
    }
    values["illustrative"] = bool(values["illustrative"])
    values["valid_to"] = None
    values["content_hash"] = digest
    values["import_run_id"] = run_id
    values["geom"] = (
        None
        if geometry is None or shapely.is_empty(geometry)
        else WKBElement(shapely.to_wkb(geometry, output_dimension=2), srid=STORAGE_EPSG)
    )
    return values


#: Problems listed at most when cells cannot be stored.
_SHOWN_PROBLEMS = 5


def _unstorable(cells: gpd.GeoDataFrame) -> list[str]:
    """Describe every value the database would refuse or store wrongly.

    Text longer than its column (PostgreSQL refuses it, SQLite would keep
    it whole) and coordinates that are NaN or infinite (SpatiaLite keeps an
    empty geometry, PostGIS a NaN polygon).  Rows are 1-based positions in
    ``cells``.
    """
    problems: list[str] = []
    codes = cells["code"].astype(str).to_numpy()
    for column in GridCell.__table__.columns:
        limit = getattr(column.type, "length", None)
        if limit is None or column.name not in cells:
            continue
        values = cells[column.name]
        lengths = values.map(lambda v: len(v) if isinstance(v, str) else 0)
        for position in np.flatnonzero(lengths.to_numpy() > limit):
            value = str(values.iloc[position])
            shown = value[:20] + "…"
            problems.append(
                f"第 {position + 1} 行网格 {codes[position]!r} 的 {column.name} 过长"
                f"（{len(value)} 个字符，最多 {limit}）：{shown!r} / row "
                f"{position + 1}, cell {codes[position]!r}: column {column.name!r} "
                f"holds at most {limit} characters, the value has {len(value)}: "
                f"{shown!r}"
            )
    bad_vertex = first_non_finite_vertex(cells.geometry.array)
    for position in np.flatnonzero(bad_vertex >= 0):
        vertex = int(bad_vertex[position]) + 1
        problems.append(
            f"第 {position + 1} 行网格 {codes[position]!r} 的几何第 {vertex} 个顶点"
            f"坐标不是有限数值（NaN或无穷大） / row {position + 1}, cell "
            f"{codes[position]!r}: vertex {vertex} of its geometry is not a finite "
            "number (NaN or infinity)"
        )
    return problems


def save_cells(
    bind: Bind,
    cells: gpd.GeoDataFrame,
    *,
    import_run_id: int | None = None,
) -> SaveResult:
    """Store a cell frame as the current version of its cells, in one transaction.

    For each cell: a new code is inserted; an unchanged cell is left alone
    (so loading the same data twice changes nothing); a changed cell closes
    its current version on the new ``valid_from`` and gets a new version.
    A change dated on the same day as the current version corrects it in
    place.  Every account's jurisdiction cells (``cell_scope``) are then
    recomputed in the same transaction.

    Parameters
    ----------
    bind : Engine or Connection
    cells : GeoDataFrame
        A cell frame in EPSG:4326 (or 4490, taken as equal).
    import_run_id : int, optional
        The :class:`ImportRun` the cells come from.

    Raises
    ------
    CRSError
        If the frame is not in EPSG:4326/4490.
    CellStorageError
        If a value is longer than its column or a geometry has a NaN or
        infinite coordinate (nothing is stored; every such cell is named).
    TwoNetError
        If a new version is dated before the current one.
    """
    from grid.cells import EQUIVALENT_EPSG
    from twonet.errors import CellStorageError, CRSError, TwoNetError

    if cells.crs is None or cells.crs.to_epsg() not in EQUIVALENT_EPSG:
        msg = (
            f"网格须为 EPSG:4326（或 4490）才能保存，而不是 {cells.crs!r} / "
            f"cells must be in EPSG:4326 (or 4490) to be stored; got {cells.crs!r}"
        )
        raise CRSError(msg)
    problems = _unstorable(cells)
    if problems:
        more = len(problems) - _SHOWN_PROBLEMS
        msg = "; ".join(problems[:_SHOWN_PROBLEMS]) + (
            f"; 另有 {more} 处 / and {more} more" if more > 0 else ""
        )
        raise CellStorageError(msg)
    result = SaveResult(import_run_id=import_run_id)
    geometries = cells.geometry.array
    with transaction(bind) as connection:
        current = _current_hashes(connection, cells["code"].tolist())
        new_rows: list[dict[str, Any]] = []
        for position, (_, row) in enumerate(cells.iterrows()):
            geometry = geometries[position]
            digest = content_hash(row, geometry)
            code = row["code"]
            existing = current.get(code)
            if existing is not None and existing[2] == digest:
                result.unchanged.append(code)
                continue
            values = _row_values(row, geometry, digest, import_run_id)
            if existing is None:
                result.inserted.append(code)
                new_rows.append(values)
                continue
            row_id, current_from, _ = existing
            if row["valid_from"] == current_from:
                values.pop("valid_to")
                connection.execute(
                    update(GridCell).where(GridCell.id == row_id).values(**values)
                )
            elif row["valid_from"] > current_from:
                connection.execute(
                    update(GridCell)
                    .where(GridCell.id == row_id)
                    .values(valid_to=row["valid_from"])
                )
                new_rows.append(values)
            else:
                msg = (
                    f"网格 {code!r} 的新版本日期 {row['valid_from']} 早于现有版本"
                    f"（{current_from}），请给出更晚的 --valid-from / "
                    f"cell {code!r}: new version dated {row['valid_from']} is older "
                    f"than the current one ({current_from}); pass a later valid-from"
                )
                raise TwoNetError(msg)
            result.replaced.append(code)
        if new_rows:
            connection.execute(insert(GridCell), new_rows)
        if result.inserted or result.replaced:
            from twonet.db.user_store import refresh_cell_scopes

            refresh_cell_scopes(connection)  # jurisdictions follow the grid
    return result


def start_import_run(
    bind: Bind,
    *,
    kind: str,
    source_name: str,
    file_sha256: str | None = None,
    options: dict[str, object] | None = None,
) -> int:
    """Record the start of an import and return its id.

    See :func:`twonet.db.import_runs.begin_run`.
    """
    from twonet.db.import_runs import begin_run  # it imports this module

    return begin_run(
        bind,
        kind=kind,
        source_name=source_name,
        file_sha256=file_sha256,
        options=options,
    )


def _text_or_none(value: Any) -> str | None:
    missing = value is None or (pd.api.types.is_scalar(value) and pd.isna(value))
    return None if missing else str(value)


def finish_import_run(
    bind: Bind,
    run_id: int,
    *,
    counts: dict[str, int],
    rejects: pd.DataFrame | None = None,
) -> None:
    """Store an import's counts and its rejected rows with their reasons.

    ``rejects`` has columns ``row``, ``code``, ``reason_zh``, ``reason_en``
    and optionally ``raw`` (a dict of the original values), ``column_name``
    and ``value``.
    """
    with transaction(bind) as connection:
        connection.execute(
            update(ImportRun)
            .where(ImportRun.id == run_id)
            .values(
                counts=counts,
                outcome="succeeded",
                finished_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            )
        )
        if rejects is not None and len(rejects):
            from twonet.db.import_runs import store_problems  # it imports this

            store_problems(connection, run_id, rejects)


def cells_at_point(
    bind: Bind, lon: float, lat: float, *, as_of: dt.date | None = None
) -> gpd.GeoDataFrame:
    """Return the cells (every level) whose geometry contains a WGS-84 point.

    Evaluated by the database (``ST_Intersects``), so it checks the stored
    geometries, not a cached copy.  A point on a shared edge touches both
    cells and both are returned; callers that need one cell per level apply
    their own boundary rule.
    """
    as_of = as_of or dt.date.today()
    point = func.ST_GeomFromText(f"POINT({float(lon)!r} {float(lat)!r})", STORAGE_EPSG)
    query = (
        select(GridCell.code)
        .where(_valid_on(as_of), func.ST_Intersects(GridCell.geom, point))
        .order_by(GridCell.code)
    )
    with transaction(bind) as connection:
        codes = list(connection.execute(query).scalars())
    return load_cells(bind, codes=codes, as_of=as_of)


def import_cells(
    bind: Bind,
    cells: gpd.GeoDataFrame,
    *,
    kind: str,
    source_name: str,
    file_sha256: str | None = None,
    options: dict[str, object] | None = None,
    rejects: pd.DataFrame | None = None,
    counts: dict[str, int] | None = None,
) -> SaveResult:
    """Store cells as one recorded import, all in a single transaction.

    Records an :class:`ImportRun`, saves the cells (:func:`save_cells`) and
    keeps every rejected feature with its reason; if anything fails, nothing
    of it is stored.

    Parameters
    ----------
    bind : Engine or Connection
    cells : GeoDataFrame
        The accepted cells.
    kind, source_name, file_sha256, options
        Describe the import run.
    rejects : DataFrame, optional
        Rejected features (``row``, ``code``, ``reason_zh``, ``reason_en``).
    counts : dict, optional
        Counts from reading (features, rejected ...), stored with the run.
    """
    with transaction(bind) as connection:
        run_id = start_import_run(
            connection,
            kind=kind,
            source_name=source_name,
            file_sha256=file_sha256,
            options=options,
        )
        saved = save_cells(connection, cells, import_run_id=run_id)
        saved.extra_counts = dict(counts or {})
        finish_import_run(
            connection, run_id, counts=saved.counts_with_extra, rejects=rejects
        )
    return saved
