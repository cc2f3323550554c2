"""Read employers back out: counts per cell, points, searches, cell pickers.

Everything here is SQLAlchemy Core over the :class:`~twonet.db.models.Employer`
table (and :class:`~twonet.db.models.ReviewItem` for "queued"), the same
statements on PostGIS and SpatiaLite (no dialect branches).  Employers carry the code of
their cell at each of the four levels (``city_code`` … ``village_code``), so
"employers in a cell" is an equality on one indexed column and "counts per
cell" a ``GROUP BY`` on one; no spatial join is needed.

Functions take an :class:`~sqlalchemy.Engine` or a
:class:`~sqlalchemy.Connection` and work inside a transaction
(:func:`twonet.db.repository.transaction`).

Flags are stored comma-separated (``"historical_name,village_unresolved"``);
a flag filter matches whole names, so ``unresolved`` does not match
``village_unresolved``.  The review queue is read by
:mod:`twonet.db.review_queries`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from grid.codes import Level, level_of_code, parse_level
from grid.geocode import FLAGS
from twonet.db.models import Employer, GridCell, ReviewItem
from twonet.db.repository import Bind, transaction
from twonet.errors import CellCodeError, TwoNetError

#: Employer column holding the cell code of each level.
LEVEL_COLUMNS: dict[Level, Any] = {
    Level.CITY: Employer.city_code,
    Level.COUNTY: Employer.county_code,
    Level.TOWNSHIP: Employer.township_code,
    Level.VILLAGE: Employer.village_code,
}
#: Columns of :func:`employer_points` (what a map marker and its popup need).
POINT_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "registered_address",
    "operating_address",
    "lon",
    "lat",
    "county_code",
    "township_code",
    "village_code",
    "method",
    "confidence",
    "flags",
    "queued",
)
#: Columns of :func:`search_employers` rows, in display order.
SEARCH_COLUMNS: tuple[str, ...] = (
    "uscc",
    "name",
    "industry_code",
    "industry",
    "category",
    "staff",
    "operating_address",
    "registered_address",
    "county_code",
    "township_code",
    "village_code",
    "method",
    "confidence",
    "flags",
    "queued",
    "lon",
    "lat",
)
#: Largest page a search returns (the CSV export asks for everything).
MAX_PAGE = 1000
_INDUSTRY = re.compile(r"^[A-T]\d{0,4}$")


# ------------------------------------------------------------------ filters
@dataclass(frozen=True)
class EmployerFilter:
    """What to search for; every field set narrows the result (AND).

    Frozen and hashable, so a Streamlit cache can key on it.

    Attributes
    ----------
    cell_code : str, optional
        A cell of any level (6, 9, 12 or 14 digits): employers placed in it.
    industry : str, optional
        GB/T 4754 code prefix: a section letter and up to four digits
        (``"C"``, ``"C18"``, ``"H6220"``), case-insensitive.
    category : str, optional
        Exact 重点类别 (``"小作坊"``, ``"餐饮"`` …).
    flags : tuple of str
        Flags the employer must all carry (keys of :data:`grid.geocode.FLAGS`).
    queued : bool
        Only employers with an open review item (待复核).
    text : str, optional
        Part of the name, the operating or registered address, or the start
        of the USCC.
    method : str, optional
        Placement method (``coordinates``, ``address``, ``manual``, ``none``).
    has_point : bool, optional
        Only employers with (``True``) or without (``False``) a point.
    """

    cell_code: str | None = None
    industry: str | None = None
    category: str | None = None
    flags: tuple[str, ...] = ()
    queued: bool = False
    text: str | None = None
    method: str | None = None
    has_point: bool | None = None

    def issues(self) -> list[tuple[str, dict[str, str]]]:
        """Return every problem as ``(kind, values)``, for a translated message.

        ``kind`` is ``"cell"``, ``"industry"`` or ``"flags"``; ``values``
        hold the offending value (``code``, ``industry``, ``flags``) so that
        the app can say what is wrong in the user's language.

        Examples
        --------
        >>> EmployerFilter(industry="X9").issues()
        [('industry', {'industry': 'X9'})]
        """
        found: list[tuple[str, dict[str, str]]] = []
        if self.cell_code:
            try:
                level_of_code(self.cell_code)
            except CellCodeError:
                found.append(("cell", {"code": self.cell_code}))
        if self.industry and not _INDUSTRY.match(self.industry.strip().upper()):
            found.append(("industry", {"industry": self.industry}))
        unknown = [f for f in self.flags if f not in FLAGS]
        if unknown:
            found.append(("flags", {"flags": ", ".join(map(repr, unknown))}))
        return found

    def problems(self) -> list[str]:
        """Return every problem with the filter in English (empty when usable)."""
        english = {
            "cell": "{code!r} is not a cell code (6, 9, 12 or 14 digits)",
            "industry": "industry prefix {industry!r} is not a GB/T 4754 code "
            "(a letter A-T and up to four digits)",
            "flags": "unknown flags {flags}; known: " + ", ".join(sorted(FLAGS)),
        }
        return [english[kind].format(**values) for kind, values in self.issues()]

    def validate(self) -> EmployerFilter:
        """Return the filter, or raise listing every problem.

        Raises
        ------
        TwoNetError
            If :meth:`problems` finds any.
        """
        found = self.problems()
        if found:
            msg = "invalid employer filter: " + "; ".join(found)
            raise TwoNetError(msg)
        return self


def _queued_usccs() -> Select[Any]:
    return select(ReviewItem.uscc).where(ReviewItem.status == "open")


def _has_flag(flag: str) -> ColumnElement[bool]:
    comma = literal_column("','", String)
    padded = comma + func.coalesce(Employer.flags, "") + comma
    return padded.like(f"%,{flag},%")


def _conditions(filters: EmployerFilter | None) -> list[ColumnElement[bool]]:
    """Return the WHERE clauses of a (validated) filter."""
    if filters is None:
        return []
    filters.validate()
    where: list[ColumnElement[bool]] = []
    if filters.cell_code:
        code = filters.cell_code.strip()
        where.append(LEVEL_COLUMNS[level_of_code(code)] == code)
    if filters.industry:
        prefix = filters.industry.strip().upper()
        where.append(Employer.industry_code.startswith(prefix, autoescape=True))
    if filters.category:
        where.append(Employer.category == filters.category)
    where += [_has_flag(flag) for flag in filters.flags]
    if filters.queued:
        where.append(Employer.uscc.in_(_queued_usccs()))
    if filters.text and filters.text.strip():
        text = filters.text.strip()
        where.append(
            or_(
                Employer.name.contains(text, autoescape=True),
                Employer.operating_address.contains(text, autoescape=True),
                Employer.registered_address.contains(text, autoescape=True),
                Employer.uscc.startswith(text.upper(), autoescape=True),
            )
        )
    if filters.method:
        where.append(Employer.method == filters.method)
    if filters.has_point is not None:
        located = and_(Employer.lon.is_not(None), Employer.lat.is_not(None))
        where.append(located if filters.has_point else ~located)
    return where


def _queued_column() -> ColumnElement[Any]:
    return case((Employer.uscc.in_(_queued_usccs()), 1), else_=0)


# ------------------------------------------------------------------- counts
def cell_counts(
    bind: Bind,
    *,
    level: Level | str,
    parent_code: str | None = None,
    filters: EmployerFilter | None = None,
) -> pd.DataFrame:
    """Count employers per cell of ``level``, optionally under one parent.

    Parameters
    ----------
    bind : Engine or Connection
    level : Level or str
        Level of the cells counted (the code column grouped by).
    parent_code : str, optional
        Only employers under this cell (of any level above ``level``).
    filters : EmployerFilter, optional
        Only employers matching it.

    Returns
    -------
    DataFrame
        ``code``, ``employers``, ``flagged`` (any flag) and ``queued`` (an
        open review item), one row per cell with at least one employer,
        sorted by code.  Employers not placed down to ``level`` are left out
        (see :func:`count_employers` for the total).
    """
    column = LEVEL_COLUMNS[parse_level(level)]
    where = _conditions(filters)
    if parent_code:
        where.append(LEVEL_COLUMNS[level_of_code(parent_code)] == parent_code)
    flagged = case((func.coalesce(Employer.flags, "") != "", 1), else_=0)
    query = (
        select(
            column.label("code"),
            func.count().label("employers"),
            func.sum(flagged).label("flagged"),
            func.sum(_queued_column()).label("queued"),
        )
        .where(column.is_not(None), *where)
        .group_by(column)
        .order_by(column)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=["code", "employers", "flagged", "queued"])
    for name in ("employers", "flagged", "queued"):
        frame[name] = frame[name].fillna(0).astype("int64")
    frame["code"] = frame["code"].astype(str)
    return frame


def employer_summary(
    bind: Bind, filters: EmployerFilter | None = None
) -> dict[str, int]:
    """Return how many employers match, and how many of them are flagged or queued.

    Returns
    -------
    dict
        ``employers``, ``flagged`` (any flag), ``queued`` (an open review
        item) and ``with_point`` (coordinates known).
    """
    flagged = case((func.coalesce(Employer.flags, "") != "", 1), else_=0)
    located = case(
        (and_(Employer.lon.is_not(None), Employer.lat.is_not(None)), 1), else_=0
    )
    query = select(
        func.count(),
        func.sum(flagged),
        func.sum(_queued_column()),
        func.sum(located),
    ).where(*_conditions(filters))
    with transaction(bind) as connection:
        row = connection.execute(query).one()
    keys = ("employers", "flagged", "queued", "with_point")
    return {k: int(v or 0) for k, v in zip(keys, row, strict=True)}


def count_employers(bind: Bind, filters: EmployerFilter | None = None) -> int:
    """Return how many employers match ``filters`` (all of them by default)."""
    query = select(func.count()).select_from(Employer).where(*_conditions(filters))
    with transaction(bind) as connection:
        return int(connection.execute(query).scalar_one())


# ------------------------------------------------------------------- points
def employer_points(
    bind: Bind, filters: EmployerFilter | None = None, *, limit: int = 500
) -> pd.DataFrame:
    """Return up to ``limit`` employers with a point, for map markers.

    Employers without coordinates (placed by address only) have no point
    and are not returned.

    Returns
    -------
    DataFrame
        :data:`POINT_COLUMNS`, sorted by USCC; ``lon``/``lat`` in WGS-84,
        ``queued`` a bool.
    """
    columns = [getattr(Employer, c) for c in POINT_COLUMNS if c != "queued"]
    query = (
        select(*columns, _queued_column().label("queued"))
        .where(Employer.lon.is_not(None), Employer.lat.is_not(None))
        .where(*_conditions(filters))
        .order_by(Employer.uscc)
        .limit(max(int(limit), 0))
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(rows, columns=list(POINT_COLUMNS))
    frame["queued"] = frame["queued"].astype(bool)
    return frame


def employers_in_cell(bind: Bind, code: str, *, limit: int = 500) -> pd.DataFrame:
    """Return up to ``limit`` employers with a point placed in cell ``code``.

    Same columns as :func:`employer_points`.
    """
    return employer_points(bind, EmployerFilter(cell_code=code), limit=limit)


# ------------------------------------------------------------------- search
@dataclass(frozen=True)
class SearchPage:
    """One page of a search.

    Attributes
    ----------
    rows : DataFrame
        :data:`SEARCH_COLUMNS`, sorted by USCC.
    total : int
        Matches in all pages.
    offset, limit : int
        Where the page starts and its size (``limit=None``: everything).
    """

    rows: pd.DataFrame
    total: int
    offset: int
    limit: int | None

    @property
    def pages(self) -> int:
        """Return the number of pages of this size (at least 1)."""
        if not self.limit:
            return 1
        return max(1, -(-self.total // self.limit))


def search_employers(
    bind: Bind,
    filters: EmployerFilter | None = None,
    *,
    offset: int = 0,
    limit: int | None = 50,
) -> SearchPage:
    """Search employers; return one page of rows and the total count.

    Parameters
    ----------
    bind : Engine or Connection
    filters : EmployerFilter, optional
        Validated here; an invalid filter raises :class:`TwoNetError`.
    offset : int, default 0
        Rows to skip.
    limit : int or None, default 50
        Page size, at most :data:`MAX_PAGE`; ``None`` returns every match
        (for exports).
    """
    where = _conditions(filters)
    if limit is not None:
        limit = min(max(int(limit), 1), MAX_PAGE)
    offset = max(int(offset), 0)
    columns = [getattr(Employer, c) for c in SEARCH_COLUMNS if c != "queued"]
    query = (
        select(*columns, _queued_column().label("queued"))
        .where(*where)
        .order_by(Employer.uscc)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    total_query = select(func.count()).select_from(Employer).where(*where)
    with transaction(bind) as connection:
        total = int(connection.execute(total_query).scalar_one())
        rows = connection.execute(query).all()
    names = [c for c in SEARCH_COLUMNS if c != "queued"] + ["queued"]
    frame = pd.DataFrame(rows, columns=names)[list(SEARCH_COLUMNS)]
    frame["queued"] = frame["queued"].astype(bool)
    return SearchPage(rows=frame, total=total, offset=offset, limit=limit)


def filter_options(bind: Bind) -> dict[str, list[str]]:
    """Return the values offered by the search filters.

    Returns
    -------
    dict
        ``categories`` (distinct 重点类别), ``methods`` and ``flags`` present
        in the data (flags in the order of :data:`grid.geocode.FLAGS`).
    """
    with transaction(bind) as connection:
        categories = connection.execute(
            select(Employer.category)
            .where(Employer.category.is_not(None), Employer.category != "")
            .distinct()
            .order_by(Employer.category)
        ).scalars()
        methods = connection.execute(
            select(Employer.method).distinct().order_by(Employer.method)
        ).scalars()
        flag_sets = connection.execute(
            select(Employer.flags).where(Employer.flags != "").distinct()
        ).scalars()
        present = {f for s in flag_sets for f in str(s).split(",") if f}
        return {
            "categories": [str(c) for c in categories],
            "methods": [str(m) for m in methods],
            "flags": [f for f in FLAGS if f in present],
        }


def industry_classes(bind: Bind) -> dict[str, str]:
    """Return the GB/T 4754 codes in the register with their names.

    For the industry picker: ``code -> name`` of every distinct
    ``industry_code`` (its first stored name; ``""`` if none), by code.
    """
    query = (
        select(Employer.industry_code, func.min(Employer.industry))
        .where(Employer.industry_code.is_not(None), Employer.industry_code != "")
        .group_by(Employer.industry_code)
        .order_by(Employer.industry_code)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return {str(code): str(name or "") for code, name in rows}


def cell_directory(bind: Bind, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """Return every cell valid on ``as_of`` with its parent's name (no geometry).

    For pickers: ``code``, ``name``, ``level``, ``parent_code``,
    ``parent_name``, sorted by code.
    """
    as_of = as_of or dt.date.today()
    parent = aliased(GridCell)
    query = (
        select(
            GridCell.code,
            GridCell.name,
            GridCell.level,
            GridCell.parent_code,
            parent.name.label("parent_name"),
        )
        .join(
            parent,
            and_(parent.code == GridCell.parent_code, valid_on(parent, as_of)),
            isouter=True,
        )
        .where(valid_on(GridCell, as_of))
        .order_by(GridCell.code)
    )
    with transaction(bind) as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame(
        rows, columns=["code", "name", "level", "parent_code", "parent_name"]
    )


def valid_on(table: Any, as_of: dt.date) -> ColumnElement[bool]:
    """Return the condition that a row of a cell table is valid on ``as_of``."""
    return and_(
        table.valid_from <= as_of,
        or_(table.valid_to.is_(None), table.valid_to > as_of),
    )
