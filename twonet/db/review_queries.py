"""Read the review queue: open items, their employers and named candidates.

The employers the geocoder could not place wait in
:class:`~twonet.db.models.ReviewItem` rows (``status = 'open'``) with their
candidate cells stored as JSON (code, score, why).  These queries join each
item to its employer and name the candidates from the grid valid on a date,
in SQLAlchemy Core, the same statements on PostGIS and SpatiaLite.  The
service that resolves an item is :func:`twonet.employer_import.resolve_review`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from grid.codes import level_of_code
from twonet.db.employer_queries import LEVEL_COLUMNS, valid_on
from twonet.db.models import Employer, GridCell, ReviewItem
from twonet.db.repository import Bind, transaction

#: Columns of :func:`open_reviews` rows.
REVIEW_COLUMNS: tuple[str, ...] = (
    "id",
    "uscc",
    "reason",
    "created_at",
    "name",
    "registered_address",
    "operating_address",
    "flags",
    "method",
    "confidence",
    "county_code",
    "township_code",
    "village_code",
    "lon",
    "lat",
    "candidates",
)
#: Columns of :func:`review_candidates` (one row per candidate cell).
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "rank",
    "code",
    "name",
    "level",
    "parent_name",
    "score",
    "why",
    "in_grid",
)
_SQL_CHUNK = 900  # stay under SQLite's bound-variable limit


def review_reason_counts(bind: Bind) -> dict[str, int]:
    """Return the number of open review items per reason."""
    query = (
        select(ReviewItem.reason, func.count())
        .where(ReviewItem.status == "open")
        .group_by(ReviewItem.reason)
        .order_by(ReviewItem.reason)
    )
    with transaction(bind) as connection:
        return {str(r): int(n) for r, n in connection.execute(query).all()}


def open_reviews(
    bind: Bind,
    *,
    reason: str | None = None,
    cell_code: str | None = None,
    offset: int = 0,
    limit: int | None = 100,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Return open review items with their employer and named candidates.

    Parameters
    ----------
    bind : Engine or Connection
    reason : str, optional
        Only items queued for this reason (``village_unresolved`` …).
    cell_code : str, optional
        Only employers placed in this cell (of any level).
    offset, limit : int
        Paging, oldest item first; ``limit=None`` returns every item.
    as_of : date, optional
        Date the candidate cells' names are read on; default today.

    Returns
    -------
    DataFrame
        :data:`REVIEW_COLUMNS`; ``candidates`` is a list of dicts per item
        (:data:`CANDIDATE_COLUMNS`), ranked best first.
    """
    columns = [
        getattr(ReviewItem, c) for c in ("id", "uscc", "reason", "created_at")
    ] + [getattr(Employer, c) for c in REVIEW_COLUMNS[4:-1]]
    query = (
        select(*columns, ReviewItem.candidates)
        .join(Employer, Employer.uscc == ReviewItem.uscc, isouter=True)
        .where(ReviewItem.status == "open")
        .order_by(ReviewItem.id)
        .offset(max(int(offset), 0))
    )
    if reason:
        query = query.where(ReviewItem.reason == reason)
    if cell_code:
        code = cell_code.strip()
        query = query.where(LEVEL_COLUMNS[level_of_code(code)] == code)
    if limit is not None:
        query = query.limit(max(int(limit), 0))
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
        raw = [list(r.candidates or []) for r in rows]
        names = _cell_names(connection, _codes_of(raw), as_of or dt.date.today())
    frame = pd.DataFrame(
        [tuple(r)[:-1] for r in rows], columns=list(REVIEW_COLUMNS[:-1])
    )
    frame["candidates"] = pd.Series(
        [_ranked(c, names) for c in raw], index=frame.index, dtype=object
    )
    return frame


def review_candidates(
    bind: Bind, candidates: Sequence[dict[str, Any]], *, as_of: dt.date | None = None
) -> pd.DataFrame:
    """Return the candidate cells of one review item with their names.

    Parameters
    ----------
    candidates : sequence of dict
        ``code``, ``score`` and ``why`` per candidate, as stored.
    as_of : date, optional
        Date the cells must be valid on; default today.

    Returns
    -------
    DataFrame
        :data:`CANDIDATE_COLUMNS`, ranked by score (best first, rank 1);
        ``in_grid`` is false for a code with no cell valid on ``as_of``.
    """
    with transaction(bind) as connection:
        names = _cell_names(
            connection, _codes_of([candidates]), as_of or dt.date.today()
        )
    return pd.DataFrame(_ranked(candidates, names), columns=list(CANDIDATE_COLUMNS))


def _codes_of(lists: Iterable[Sequence[dict[str, Any]]]) -> list[str]:
    return sorted({str(c["code"]) for cands in lists for c in cands if c.get("code")})


def _cell_names(
    connection: Any, codes: list[str], as_of: dt.date
) -> dict[str, tuple[str, str, str | None]]:
    """Return code -> (name, level, parent name) of the cells valid on a date."""
    parent = aliased(GridCell)
    found: dict[str, tuple[str, str, str | None]] = {}
    for start in range(0, len(codes), _SQL_CHUNK):
        query = (
            select(GridCell.code, GridCell.name, GridCell.level, parent.name)
            .join(
                parent,
                and_(parent.code == GridCell.parent_code, valid_on(parent, as_of)),
                isouter=True,
            )
            .where(
                GridCell.code.in_(codes[start : start + _SQL_CHUNK]),
                valid_on(GridCell, as_of),
            )
        )
        for code, name, level, parent_name in connection.execute(query):
            found[str(code)] = (str(name), str(level), parent_name)
    return found


def _ranked(
    candidates: Sequence[dict[str, Any]],
    names: dict[str, tuple[str, str, str | None]],
) -> list[dict[str, Any]]:
    best: dict[str, dict[str, Any]] = {}
    for candidate in candidates:  # a code named twice keeps its best score
        code = str(candidate.get("code") or "")
        if code and (
            code not in best
            or float(candidate.get("score") or 0) > float(best[code].get("score") or 0)
        ):
            best[code] = candidate
    ordered = sorted(best.values(), key=lambda c: -float(c.get("score") or 0.0))
    out = []
    for rank, candidate in enumerate(ordered, start=1):
        code = str(candidate["code"])
        name, level, parent_name = names.get(code, (None, None, None))
        out.append(
            {
                "rank": rank,
                "code": code,
                "name": name,
                "level": level,
                "parent_name": parent_name,
                "score": float(candidate.get("score") or 0.0),
                "why": str(candidate.get("why") or ""),
                "in_grid": code in names,
            }
        )
    return out
