"""Store employers: bulk upsert by USCC with history, review queue, queries.

Employers not stored yet go straight into ``employer`` with the backend's
fastest bulk path (:func:`encode_new_employers`, then the backend's
``bulk_send``; no staging table); when an import brings more
new employers than the table holds, the table's indexes are rebuilt once
after loading instead of being updated row by row.

Employers already stored go through a staging table filled with the
backend's fastest bulk path (``COPY`` on PostGIS, one ``executemany`` on
SpatiaLite), then one
``INSERT … ON CONFLICT (uscc) DO UPDATE`` that

* inserts new employers,
* leaves unchanged ones alone (same content hash: re-importing is a no-op),
* updates changed ones after copying their previous state into
  ``employer_version`` (history is kept),
* replaces the placement (cell codes, method, confidence, flags, point) only
  when the location inputs changed (addresses, coordinates, datum), so a
  reviewer's manual placement survives a re-import of the same data.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select, text, update

from twonet.db.backends import BulkPayload, SpatialBackend, backend_for
from twonet.db.models import Employer, ReviewItem
from twonet.db.repository import Bind, transaction

#: Columns an import supplies (everything but keys, timestamps and geometry).
STORED_COLUMNS: tuple[str, ...] = tuple(
    c.name
    for c in Employer.__table__.columns
    if c.name not in ("id", "geom", "first_seen", "last_changed", "import_run_id")
)
#: Columns that describe where the employer was placed, not what it is.
PLACEMENT_COLUMNS: tuple[str, ...] = (
    "lon",
    "lat",
    "city_code",
    "county_code",
    "township_code",
    "village_code",
    "address_county_code",
    "address_township_code",
    "method",
    "confidence",
    "flags",
)
_STAGE = "employer_stage"


def existing_hashes(bind: Bind) -> pd.DataFrame:
    """Return ``uscc``, ``content_hash`` and ``location_hash`` of every employer."""
    query = select(Employer.uscc, Employer.content_hash, Employer.location_hash)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    names = ("uscc", "content_hash", "location_hash")
    # column by column: a DataFrame built from a million Row objects takes
    # seconds, from three lists a tenth of that
    columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=object)
            for name, values in zip(names, columns, strict=True)
        }
    )


def has_employers(bind: Bind) -> bool:
    """Tell whether any employer is stored."""
    with transaction(bind) as connection:
        return connection.execute(select(Employer.id).limit(1)).first() is not None


def _stage_frame(frame: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in STORED_COLUMNS if c not in frame]
    if missing:
        msg = f"employer rows lack columns {missing}"
        raise KeyError(msg)
    staged = frame.loc[:, list(STORED_COLUMNS)].copy()
    staged["extra"] = [
        None if not isinstance(v, dict) or not v else json.dumps(v, ensure_ascii=False)
        for v in staged["extra"]
    ]
    return staged


def _json_snapshot(function: str, alias: str) -> str:
    pairs = ", ".join(f"'{c}', {alias}.{c}" for c in STORED_COLUMNS if c != "extra")
    return f"{function}({pairs})"


def _upsert_sql(point: str) -> str:
    """Return the INSERT … ON CONFLICT statement from the staging table."""
    moved = "employer.location_hash <> excluded.location_hash"
    assignments = []
    for column in (*STORED_COLUMNS, "geom"):
        if column == "uscc":
            continue
        if column in PLACEMENT_COLUMNS or column == "geom":
            value = (
                f"CASE WHEN {moved} THEN excluded.{column} ELSE employer.{column} END"
            )
        else:
            value = f"excluded.{column}"
        assignments.append(f"{column} = {value}")
    assignments += [
        "last_changed = excluded.last_changed",
        "import_run_id = excluded.import_run_id",
    ]
    targets = ", ".join((*STORED_COLUMNS, "first_seen", "last_changed"))
    sources = ", ".join(f"s.{c}" for c in STORED_COLUMNS)
    return (
        f"INSERT INTO employer ({targets}, import_run_id, geom) "
        f"SELECT {sources}, :now, :now, :run, {point} FROM {_STAGE} s WHERE true "
        f"ON CONFLICT (uscc) DO UPDATE SET {', '.join(assignments)} "
        "WHERE employer.content_hash <> excluded.content_hash"
    )


def encode_new_employers(
    backend: SpatialBackend,
    frame: pd.DataFrame,
    *,
    import_run_id: int | None,
    now: dt.datetime | None = None,
) -> BulkPayload:
    """Encode employers whose USCC is not stored yet, for ``bulk_send`` (pure).

    No conflict handling: the caller has checked the USCCs are new (a clash
    still fails on the unique constraint and rolls the transaction back).
    Kept apart from the write so that a batch can be encoded while the
    database takes the previous one.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = _stage_frame(frame).assign(
        first_seen=now, last_changed=now, import_run_id=import_run_id
    )
    rows["import_run_id"] = rows["import_run_id"].astype("Int64")
    return backend.bulk_encode("employer", rows, points={"geom": ("lon", "lat")})


def upsert_employers(
    connection: Connection,
    frame: pd.DataFrame,
    *,
    import_run_id: int | None,
    now: dt.datetime | None = None,
) -> dict[str, int]:
    """Upsert a batch of employers by USCC (call inside a transaction).

    Parameters
    ----------
    connection : Connection
        In a transaction; the batch commits or rolls back as a whole.
    frame : DataFrame
        One row per USCC with :data:`STORED_COLUMNS`.  Placement columns may
        be empty for rows whose location did not change.
    import_run_id : int, optional
    now : datetime, optional
        Timestamp of the change (default: now, UTC, naive).

    Returns
    -------
    dict
        ``inserted``, ``changed`` (history kept), ``relocated`` (placement
        replaced) and ``unchanged`` counts.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    backend = backend_for(connection)
    columns = ", ".join(STORED_COLUMNS)
    connection.execute(text(f"DROP TABLE IF EXISTS {_STAGE}"))
    connection.execute(
        text(
            f"CREATE TEMP TABLE {_STAGE} AS SELECT {columns} FROM employer WHERE 1 = 0"
        )
    )
    backend.bulk_load(connection, _STAGE, _stage_frame(frame))
    join = f"FROM employer e JOIN {_STAGE} s ON s.uscc = e.uscc"
    counts = connection.execute(
        text(
            "SELECT "
            "SUM(CASE WHEN e.content_hash = s.content_hash THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN e.content_hash <> s.content_hash THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN e.location_hash <> s.location_hash THEN 1 ELSE 0 END) "
            + join
        )
    ).one()
    unchanged, changed, relocated = (int(v or 0) for v in counts)
    snapshot = _json_snapshot(backend.json_object_function, "e")
    connection.execute(
        text(
            "INSERT INTO employer_version (uscc, valid_to, import_run_id, snapshot) "
            f"SELECT e.uscc, :now, :run, {snapshot} {join} "
            "WHERE e.content_hash <> s.content_hash"
        ),
        {"now": now, "run": import_run_id},
    )
    connection.execute(
        text(_upsert_sql(backend.point_sql("s.lon", "s.lat"))),
        {"now": now, "run": import_run_id},
    )
    connection.execute(text(f"DROP TABLE {_STAGE}"))
    inserted = len(frame) - unchanged - changed
    return {
        "inserted": inserted,
        "changed": changed,
        "relocated": relocated,
        "unchanged": unchanged,
    }


def replace_review_items(
    connection: Connection,
    items: pd.DataFrame,
    *,
    usccs: Sequence[str],
    now: dt.datetime | None = None,
) -> int:
    """Replace the open review items of ``usccs`` with ``items``.

    ``items`` has ``uscc``, ``reason`` and ``candidates`` (a list of dicts
    ranked best first).  Resolved items are kept as the record of decisions.
    ``usccs`` may be empty when the employers are new (nothing to replace).
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    backend = backend_for(connection)
    if len(usccs):
        connection.execute(text("DROP TABLE IF EXISTS review_stage"))
        connection.execute(text("CREATE TEMP TABLE review_stage (uscc VARCHAR(18))"))
        backend.bulk_load(
            connection, "review_stage", pd.DataFrame({"uscc": list(usccs)})
        )
        connection.execute(
            text(
                "DELETE FROM review_item WHERE status = 'open' "
                "AND uscc IN (SELECT uscc FROM review_stage)"
            )
        )
        connection.execute(text("DROP TABLE review_stage"))
    if len(items):
        backend.bulk_send(connection, encode_review_items(backend, items, now=now))
    return len(items)


def encode_review_items(
    backend: SpatialBackend, items: pd.DataFrame, *, now: dt.datetime | None = None
) -> BulkPayload:
    """Encode new open review items (``uscc``, ``reason``, ``candidates``)."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # rows with the same candidates mostly share one list: encode it once
    # (the lists are alive in ``items``, so their ids are not reused)
    encoded: dict[int, str] = {}
    texts = []
    for candidates in items["candidates"]:
        text = encoded.get(id(candidates))
        if text is None:
            text = encoded[id(candidates)] = json.dumps(candidates, ensure_ascii=False)
        texts.append(text)
    rows = pd.DataFrame(
        {
            "uscc": items["uscc"].to_numpy(),
            "reason": items["reason"].to_numpy(),
            "candidates": pd.array(texts, dtype="str"),
            "status": "open",
            "created_at": now,
        }
    )
    return backend.bulk_encode("review_item", rows)


def open_review_items(bind: Bind, *, limit: int | None = None) -> pd.DataFrame:
    """Return open review items with the employer's name and addresses."""
    query = (
        select(
            ReviewItem.id,
            ReviewItem.uscc,
            ReviewItem.reason,
            ReviewItem.candidates,
            Employer.name,
            Employer.registered_address,
            Employer.operating_address,
            Employer.flags,
        )
        .join(Employer, Employer.uscc == ReviewItem.uscc, isouter=True)
        .where(ReviewItem.status == "open")
        .order_by(ReviewItem.id)
    )
    if limit is not None:
        query = query.limit(limit)
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    columns = [
        "id",
        "uscc",
        "reason",
        "candidates",
        "name",
        "registered_address",
        "operating_address",
        "flags",
    ]
    return pd.DataFrame(rows, columns=columns)


def resolve_review_item(
    bind: Bind,
    item_id: int,
    *,
    placement: dict[str, Any],
    reviewer: str,
    now: dt.datetime | None = None,
) -> None:
    """Record a reviewer's choice and place the employer accordingly.

    ``placement`` gives the four cell codes (``city_code`` … ``village_code``)
    of the chosen cell, derived from the grid by the caller.
    """
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with transaction(bind) as connection:
        item = connection.execute(
            select(ReviewItem.uscc, ReviewItem.status).where(ReviewItem.id == item_id)
        ).one_or_none()
        if item is None or item.status != "open":
            from twonet.errors import TwoNetError

            msg = f"review item {item_id!r} does not exist or is already resolved"
            raise TwoNetError(msg)
        chosen = placement.get("village_code") or placement.get("township_code")
        connection.execute(
            update(ReviewItem)
            .where(ReviewItem.id == item_id)
            .values(
                status="resolved",
                chosen_code=chosen,
                reviewer=reviewer,
                resolved_at=now,
            )
        )
        connection.execute(
            update(Employer)
            .where(Employer.uscc == item.uscc)
            .values(**placement, method="manual", confidence=1.0, last_changed=now)
        )


def employer_counts(bind: Bind) -> dict[str, int]:
    """Return counts of employers per placement method and open review items."""
    with transaction(bind) as connection:
        per_method = dict(
            connection.execute(
                select(Employer.method, func.count()).group_by(Employer.method)
            ).all()
        )
        open_items = connection.execute(
            select(func.count())
            .select_from(ReviewItem)
            .where(ReviewItem.status == "open")
        ).scalar_one()
    return {
        **{str(k): int(v) for k, v in per_method.items()},
        "review_open": int(open_items),
    }
