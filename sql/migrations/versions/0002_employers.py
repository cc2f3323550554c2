"""Employers with placement, their history, the review queue.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import alembic_helpers  # noqa: F401  -- registers geo ops

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CODE_INDEXES = ("city_code", "county_code", "township_code", "village_code")


def upgrade() -> None:
    with op.batch_alter_table("import_reject") as batch:
        batch.add_column(sa.Column("column_name", sa.Text))
        batch.add_column(sa.Column("value", sa.Text))
    op.create_geospatial_table(
        "employer",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("legal_rep", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("registered_address", sa.Text),
        sa.Column("operating_address", sa.Text),
        sa.Column("industry_code", sa.String(8)),
        sa.Column("industry", sa.Text),
        sa.Column("economic_type", sa.Text),
        sa.Column("category", sa.Text),
        *(
            sa.Column(name, sa.Integer)
            for name in (
                "staff",
                "men",
                "women",
                "on_post",
                "migrant",
                "contracts_required",
                "contracts_signed",
                "insured",
            )
        ),
        sa.Column("updated", sa.Date),
        sa.Column("lon_raw", sa.Float),
        sa.Column("lat_raw", sa.Float),
        sa.Column("datum", sa.String(10)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("registration_area_code", sa.String(6)),
        *(sa.Column(name, sa.String(14)) for name in _CODE_INDEXES),
        sa.Column("address_county_code", sa.String(6)),
        sa.Column("address_township_code", sa.String(9)),
        sa.Column("method", sa.String(20), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False, server_default="0"),
        sa.Column("flags", sa.Text, nullable=False, server_default=""),
        sa.Column("content_hash", sa.String(16), nullable=False),
        sa.Column("location_hash", sa.String(16), nullable=False),
        sa.Column("extra", sa.JSON),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_changed", sa.DateTime, nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.Geometry(
                "POINT", srid=4326, spatial_index=False, nullable=True
            ),
            nullable=True,
        ),
        sa.UniqueConstraint("uscc", name="uq_employer_uscc"),
    )
    for name in _CODE_INDEXES:
        op.create_index(f"ix_employer_{name}", "employer", [name])
    op.create_geospatial_index(
        "idx_employer_geom",
        "employer",
        ["geom"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={},
    )
    op.create_table(
        "employer_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("valid_to", sa.DateTime, nullable=False),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("snapshot", sa.JSON, nullable=False),
    )
    op.create_index("ix_employer_version_uscc", "employer_version", ["uscc"])
    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uscc", sa.String(18), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("candidates", sa.JSON, nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("chosen_code", sa.String(14)),
        sa.Column("reviewer", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
    )
    op.create_index("ix_review_item_uscc", "review_item", ["uscc"])
    op.create_index("ix_review_item_status", "review_item", ["status"])


def downgrade() -> None:
    op.drop_index("ix_review_item_status", table_name="review_item")
    op.drop_index("ix_review_item_uscc", table_name="review_item")
    op.drop_table("review_item")
    op.drop_index("ix_employer_version_uscc", table_name="employer_version")
    op.drop_table("employer_version")
    op.drop_geospatial_index(
        "idx_employer_geom", table_name="employer", column_name="geom"
    )
    for name in _CODE_INDEXES:
        op.drop_index(f"ix_employer_{name}", table_name="employer")
    op.drop_geospatial_table("employer")
    with op.batch_alter_table("import_reject") as batch:
        batch.drop_column("value")
        batch.drop_column("column_name")
