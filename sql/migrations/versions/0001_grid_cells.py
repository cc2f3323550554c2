"""Grid cells with validity dates, import runs and rejects.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import alembic_helpers  # noqa: F401  -- registers geo ops

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("file_sha256", sa.String(64)),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("options", sa.JSON),
        sa.Column("counts", sa.JSON),
    )
    op.create_table(
        "import_reject",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "import_run_id", sa.Integer, sa.ForeignKey("import_run.id"), nullable=False
        ),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("code", sa.Text),
        sa.Column("reason_zh", sa.Text, nullable=False),
        sa.Column("reason_en", sa.Text, nullable=False),
        sa.Column("raw", sa.JSON),
    )
    op.create_index(
        "ix_import_reject_import_run_id", "import_reject", ["import_run_id"]
    )
    op.create_geospatial_table(
        "grid_cell",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(14), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("parent_code", sa.String(14)),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("source", sa.Text),
        sa.Column("licence", sa.Text),
        sa.Column(
            "illustrative", sa.Boolean, nullable=False, server_default=sa.false()
        ),
        sa.Column("note", sa.Text),
        sa.Column("content_hash", sa.String(40), nullable=False),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column(
            "geom",
            geoalchemy2.Geometry(
                "MULTIPOLYGON", srid=4326, spatial_index=False, nullable=True
            ),
            nullable=True,
        ),
        sa.UniqueConstraint("code", "valid_from", name="uq_grid_cell_code_valid_from"),
        sa.CheckConstraint(
            "level IN ('city', 'county', 'township', 'village')",
            name="ck_grid_cell_level",
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to > valid_from", name="ck_grid_cell_validity"
        ),
    )
    op.create_index("ix_grid_cell_code", "grid_cell", ["code"])
    op.create_index("ix_grid_cell_parent_code", "grid_cell", ["parent_code"])
    op.create_index("ix_grid_cell_level", "grid_cell", ["level"])
    op.create_geospatial_index(
        "idx_grid_cell_geom",
        "grid_cell",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )


def downgrade() -> None:
    op.drop_geospatial_index(
        "idx_grid_cell_geom", table_name="grid_cell", column_name="geom"
    )
    op.drop_index("ix_grid_cell_level", table_name="grid_cell")
    op.drop_index("ix_grid_cell_parent_code", table_name="grid_cell")
    op.drop_index("ix_grid_cell_code", table_name="grid_cell")
    op.drop_geospatial_table("grid_cell")
    op.drop_index("ix_import_reject_import_run_id", table_name="import_reject")
    op.drop_table("import_reject")
    op.drop_table("import_run")
