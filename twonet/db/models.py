"""ORM models: one schema for PostGIS and SpatiaLite.

The schema is created by the Alembic migrations in ``sql/migrations``; these
classes describe it to SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from grid.cells import STORAGE_EPSG


class Base(DeclarativeBase):
    """Declarative base of every TwoNet table."""


def code_type(length: int) -> TypeEngine[str]:
    """Return the type of a code column: division codes, USCCs (ASCII, bytewise).

    On PostgreSQL the column has ``COLLATE "C"`` (migration 0003): indexes on
    codes build and search with ``memcmp`` instead of the locale's
    ``strcoll``.  SQLite compares bytes anyway.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")


class GridCell(Base):
    """One version of a grid cell (网格).

    A redrawn or renamed cell closes its current version (``valid_to``) and
    gets a new row, so any past date can be queried: a version is valid on
    ``d`` when ``valid_from <= d`` and (``valid_to`` is null or ``d < valid_to``).
    """

    __tablename__ = "grid_cell"
    __table_args__ = (
        UniqueConstraint("code", "valid_from", name="uq_grid_cell_code_valid_from"),
        Index("ix_grid_cell_parent_code", "parent_code"),
        Index("ix_grid_cell_level", "level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(code_type(14), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(code_type(14))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str | None] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(40))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    geom = mapped_column(
        Geometry("MULTIPOLYGON", srid=STORAGE_EPSG, spatial_index=False),
        nullable=True,
    )


class ImportRun(Base):
    """One run of an importer: what was read, when, and what came of it."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    source_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    options: Mapped[dict[str, object] | None] = mapped_column(JSON)
    counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    #: ``running``, ``succeeded``, ``failed``, ``refused`` or ``interrupted``
    outcome: Mapped[str | None] = mapped_column(String(20))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    error: Mapped[str | None] = mapped_column(Text)


class ImportReject(Base):
    """A row or feature an import refused or warned about, with its reason.

    ``severity`` is ``reject`` (the row was not imported; ``raw`` keeps all
    its values, so nothing is lost) or ``warning`` (imported, a value
    dropped or doubtful).
    """

    __tablename__ = "import_reject"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(Text)
    column_name: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, object] | None] = mapped_column(JSON)
    severity: Mapped[str] = mapped_column(String(10), server_default="reject")
    kind: Mapped[str | None] = mapped_column(String(60))


class Employer(Base):
    """The current record of one employer (用人单位), keyed by its USCC.

    Placement: the four grid cell codes, how they were found (``method``),
    how sure we are (``confidence`` 0–1) and what a person should look at
    (``flags``).  Every earlier version is kept in :class:`EmployerVersion`.
    """

    __tablename__ = "employer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(code_type(18), unique=True)
    name: Mapped[str] = mapped_column(Text)
    legal_rep: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(Text)
    registered_address: Mapped[str | None] = mapped_column(Text)
    operating_address: Mapped[str | None] = mapped_column(Text)
    industry_code: Mapped[str | None] = mapped_column(String(8))
    industry: Mapped[str | None] = mapped_column(Text)
    economic_type: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(Text)
    staff: Mapped[int | None] = mapped_column(Integer)
    men: Mapped[int | None] = mapped_column(Integer)
    women: Mapped[int | None] = mapped_column(Integer)
    on_post: Mapped[int | None] = mapped_column(Integer)
    migrant: Mapped[int | None] = mapped_column(Integer)
    contracts_required: Mapped[int | None] = mapped_column(Integer)
    contracts_signed: Mapped[int | None] = mapped_column(Integer)
    insured: Mapped[int | None] = mapped_column(Integer)
    updated: Mapped[dt.date | None] = mapped_column(Date)
    lon_raw: Mapped[float | None]
    lat_raw: Mapped[float | None]
    datum: Mapped[str | None] = mapped_column(String(10))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    registration_area_code: Mapped[str | None] = mapped_column(code_type(6))
    # no index: one city or a few per grid (see migration 0003)
    city_code: Mapped[str | None] = mapped_column(code_type(14))
    county_code: Mapped[str | None] = mapped_column(code_type(14), index=True)
    township_code: Mapped[str | None] = mapped_column(code_type(14), index=True)
    village_code: Mapped[str | None] = mapped_column(code_type(14), index=True)
    address_county_code: Mapped[str | None] = mapped_column(code_type(6))
    address_township_code: Mapped[str | None] = mapped_column(code_type(9))
    method: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[float] = mapped_column(default=0.0)
    flags: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(16))
    location_hash: Mapped[str] = mapped_column(String(16))
    extra: Mapped[dict[str, object] | None] = mapped_column(JSON)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_changed: Mapped[dt.datetime] = mapped_column(DateTime)
    geom = mapped_column(Geometry("POINT", srid=STORAGE_EPSG, spatial_index=False))


class EmployerVersion(Base):
    """An earlier state of an employer, kept when an import changes it."""

    __tablename__ = "employer_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(code_type(18), index=True)
    valid_to: Mapped[dt.datetime] = mapped_column(DateTime)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    snapshot: Mapped[dict[str, object]] = mapped_column(JSON)


class ReviewItem(Base):
    """An employer a person must place: unresolved, ambiguous or conflicting."""

    __tablename__ = "review_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(code_type(18), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    candidates: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    chosen_code: Mapped[str | None] = mapped_column(code_type(14))
    reviewer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# ------------------------------------------------------------ staff (0005)
#: Kinds of staff: stored value → (Chinese, English).
STAFF_KINDS: dict[str, tuple[str, str]] = {
    "inspector": ("专职监察员", "full-time inspector"),
    "assistant": ("协管员", "assistant"),
}

#: Duties in a cell: stored value → (Chinese, English).
DUTIES: dict[str, tuple[str, str]] = {
    "responsible": ("责任监察员", "responsible inspector"),
    "assistant": ("协管员", "assistant"),
    "liaison": ("联络员", "liaison"),
    "supervisor": ("督导员", "supervisor"),
}


class Staff(Base):
    """One person of the inspection staff (人员), keyed by 人员编号.

    ``unit_code`` is the cell (county bureau or township office) that employs
    them; the home point is WGS-84.  Earlier states are kept in
    :class:`StaffVersion`.  ``phone`` and ``id_number`` are personal data:
    shown masked unless the role may see them.
    """

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[str] = mapped_column(code_type(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))
    unit_code: Mapped[str | None] = mapped_column(code_type(14), index=True)
    phone: Mapped[str | None] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(String(18))
    home_lon: Mapped[float | None]
    home_lat: Mapped[float | None]
    active_from: Mapped[dt.date | None] = mapped_column(Date)
    active_to: Mapped[dt.date | None] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(16))
    extra: Mapped[dict[str, object] | None] = mapped_column(JSON)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_changed: Mapped[dt.datetime] = mapped_column(DateTime)


class StaffVersion(Base):
    """An earlier state of a person, kept when an import changes them."""

    __tablename__ = "staff_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[str] = mapped_column(code_type(32), index=True)
    valid_to: Mapped[dt.datetime] = mapped_column(DateTime)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    snapshot: Mapped[dict[str, object]] = mapped_column(JSON)


class ChangeSet(Base):
    """One applied change of assignments: a manager's, an undo or an import."""

    __tablename__ = "change_set"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: ``change``, ``undo`` or ``import``
    kind: Mapped[str] = mapped_column(String(10))
    undoes_id: Mapped[int | None] = mapped_column(ForeignKey("change_set.id"))
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    changes: Mapped[list[dict[str, object]]] = mapped_column(JSON)


class Assignment(Base):
    """A person's duty in a cell, valid on ``valid_from <= d < valid_to``.

    Never deleted or rewritten: a change closes the open row (``valid_to``
    and ``closed_by``) and adds a new one.
    """

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[str] = mapped_column(code_type(32), index=True)
    cell_code: Mapped[str] = mapped_column(code_type(14), index=True)
    duty: Mapped[str] = mapped_column(String(20))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    change_set_id: Mapped[int | None] = mapped_column(ForeignKey("change_set.id"))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("change_set.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CellVersion(Base):
    """The version of one cell's set of assignments (optimistic locking)."""

    __tablename__ = "cell_version"

    cell_code: Mapped[str] = mapped_column(code_type(14), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    changed_by: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    change_set_id: Mapped[int | None] = mapped_column(ForeignKey("change_set.id"))


class AuditLog(Base):
    """One row of the append-only audit log (UPDATE/DELETE refused by a trigger)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    change_set_id: Mapped[int] = mapped_column(ForeignKey("change_set.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(String(20))
    cell_code: Mapped[str | None] = mapped_column(code_type(14), index=True)
    staff_id: Mapped[str | None] = mapped_column(code_type(32))
    before: Mapped[dict[str, object] | None] = mapped_column(JSON)
    after: Mapped[dict[str, object] | None] = mapped_column(JSON)


#: Roles of an account: stored value → (Chinese, English).  Coordinators and
#: managers see their jurisdiction (a cell and all below it); planners and
#: admins the whole city.
APP_ROLES: dict[str, tuple[str, str]] = {
    "coordinator": ("网格协调员", "coordinator"),
    "manager": ("分配主管", "manager"),
    "planner": ("规划员", "planner"),
    "admin": ("系统管理员", "admin"),
}

#: Roles bound to their jurisdiction's cells (the others see the whole city).
SCOPED_ROLES: tuple[str, ...] = ("coordinator", "manager")


class AppUser(Base):
    """An account: hashed password, role, jurisdiction (a cell and all below)."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)
    #: ``coordinator``, ``manager``, ``planner`` or ``admin``
    role: Mapped[str] = mapped_column(String(12))
    jurisdiction_code: Mapped[str | None] = mapped_column(code_type(14))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: The user's PostgreSQL login role (``<database>.<username>``); on
    #: SpatiaLite the username.  The key of :class:`CellScope` (0006).
    db_role: Mapped[str | None] = mapped_column(String(80))


class CellScope(Base):
    """The cells under one user's jurisdiction, materialised (migration 0006).

    One row per (login role, cell): the jurisdiction cell and every cell
    below it by the grid's parent chain.  Rewritten when a user is added,
    changed or disabled and when the grid changes; read by PostgreSQL's
    row-level security policies (``role_name = current_user``) so that no
    policy walks the tree per row.
    """

    __tablename__ = "cell_scope"

    role_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    cell_code: Mapped[str] = mapped_column(code_type(14), primary_key=True)


# ----------------------------------------------- records (0007): see grid.record_types
class _Record:
    """Columns every inspection, violation and complaint record has.

    ``record_id`` is the file's own number (检查编号, 案件编号, 投诉编号), the
    key of idempotent re-imports.  ``uscc``, ``employer_name`` and
    ``employer_address`` are the employer as the record names it;
    ``employer_uscc`` the stored employer it was matched to (null while it
    waits in :class:`RecordMatch`: a record naming an unknown employer is
    kept, never dropped).  Earlier states go to :class:`RecordVersion`.
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[str] = mapped_column(code_type(40), unique=True)
    uscc: Mapped[str | None] = mapped_column(code_type(18))
    employer_name: Mapped[str | None] = mapped_column(Text)
    employer_address: Mapped[str | None] = mapped_column(Text)
    employer_uscc: Mapped[str | None] = mapped_column(code_type(18), index=True)
    content_hash: Mapped[str] = mapped_column(String(16))
    extra: Mapped[dict[str, object] | None] = mapped_column(JSON)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    first_seen: Mapped[dt.datetime] = mapped_column(DateTime)
    last_changed: Mapped[dt.datetime] = mapped_column(DateTime)


class Inspection(_Record, Base):
    """One inspection (检查记录) of one employer on one day.

    ``kind`` and ``result`` are codes of :data:`grid.record_types.INSPECTION_KINDS`
    and ``INSPECTION_RESULTS``; ``staff_ids`` the 人员编号 of the inspectors.
    """

    __tablename__ = "inspection"

    inspected_on: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(12))
    result: Mapped[str | None] = mapped_column(String(12))
    staff_ids: Mapped[list[str] | None] = mapped_column(JSON)


class Violation(_Record, Base):
    """One violation case (违法案件): its type, size and outcome.

    ``type`` is a code of :data:`grid.record_types.VIOLATION_TYPES`; the
    outcome columns are those of ``CASE_OUTCOMES``.
    """

    __tablename__ = "violation"

    type: Mapped[str] = mapped_column(String(20))
    found_on: Mapped[dt.date] = mapped_column(Date, index=True)
    workers: Mapped[int | None] = mapped_column(Integer)
    arrears_months: Mapped[float | None]
    arrears_yuan: Mapped[float | None]
    rectification_ordered: Mapped[bool | None] = mapped_column(Boolean)
    penalized: Mapped[bool | None] = mapped_column(Boolean)
    fine_yuan: Mapped[float | None]
    back_wages_yuan: Mapped[float | None]
    contracts_signed: Mapped[int | None] = mapped_column(Integer)
    insurance_enrolled: Mapped[int | None] = mapped_column(Integer)
    shut_down: Mapped[bool | None] = mapped_column(Boolean)
    to_police: Mapped[bool | None] = mapped_column(Boolean)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)


class Complaint(_Record, Base):
    """One complaint or report (举报投诉) and its deadlines.

    ``accept_due`` is 5 working days after ``received_on``, ``close_due``
    60 working days after acceptance (Chinese public holidays and their
    make-up working days counted), both computed at import.
    """

    __tablename__ = "complaint"

    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    channel: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    accept_due: Mapped[dt.date] = mapped_column(Date)
    close_due: Mapped[dt.date] = mapped_column(Date)


class RecordVersion(Base):
    """An earlier state of a record, kept when an import changes it."""

    __tablename__ = "record_version"
    __table_args__ = (Index("ix_record_version_kind_record", "kind", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: ``inspections``, ``violations`` or ``complaints``
    kind: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[str] = mapped_column(code_type(40))
    valid_to: Mapped[dt.datetime] = mapped_column(DateTime)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id"))
    snapshot: Mapped[dict[str, object]] = mapped_column(JSON)


class RecordMatch(Base):
    """A record whose employer is not (yet) known: queued for matching.

    Matched later by USCC or by name and address (``status`` ``matched``,
    ``matched_uscc``), or by a person; never dropped.
    """

    __tablename__ = "record_match"
    __table_args__ = (Index("ix_record_match_kind_record", "kind", "record_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    record_id: Mapped[str] = mapped_column(code_type(40))
    uscc: Mapped[str | None] = mapped_column(code_type(18))
    employer_name: Mapped[str | None] = mapped_column(Text)
    employer_address: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(40))
    candidates: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
    #: ``open``, ``matched`` or ``dismissed``
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    matched_uscc: Mapped[str | None] = mapped_column(code_type(18))
    reviewer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
