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

from grid.cells import STORAGE_EPSG


class Base(DeclarativeBase):
    """Declarative base of every TwoNet table."""


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
    code: Mapped[str] = mapped_column(String(14), index=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(14))
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


class ImportReject(Base):
    """A row or feature an import refused, kept with its reason (nothing lost)."""

    __tablename__ = "import_reject"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"), index=True)
    row_number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(Text)
    reason_zh: Mapped[str] = mapped_column(Text)
    reason_en: Mapped[str] = mapped_column(Text)
    raw: Mapped[dict[str, object] | None] = mapped_column(JSON)
