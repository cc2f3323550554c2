"""Inspection, violation and complaint records; their history and match queue.

* ``inspection``, ``violation``, ``complaint``: one row per record, keyed
  by the file's own number (``record_id``: 检查编号, 案件编号, 投诉编号);
  the employer as the record names it (``uscc``, ``employer_name``,
  ``employer_address``) and as matched (``employer_uscc``, null while
  unmatched).  Codes are those of :mod:`grid.record_types`.
* ``record_version``: earlier states of changed records.
* ``record_match``: records whose employer is not known yet, queued.
* PostgreSQL only: row-level security enabled on the five tables and the
  policies of :mod:`twonet.db.row_security` installed, as 0006 does: a
  coordinator or manager sees the records of the employers in their cells,
  planners and admins every record.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _code(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(
        sa.String(length, collation="C"), "postgresql"
    )


def _record_columns(table: str) -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", _code(40), nullable=False),
        sa.Column("uscc", _code(18)),
        sa.Column("employer_name", sa.Text),
        sa.Column("employer_address", sa.Text),
        sa.Column("employer_uscc", _code(18)),
        sa.Column("content_hash", sa.String(16), nullable=False),
        sa.Column("extra", sa.JSON),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_changed", sa.DateTime, nullable=False),
        sa.UniqueConstraint("record_id", name=f"uq_{table}_record_id"),
    ]


def upgrade() -> None:
    op.create_table(
        "inspection",
        *_record_columns("inspection"),
        sa.Column("inspected_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("result", sa.String(12)),
        sa.Column("staff_ids", sa.JSON),
    )
    op.create_table(
        "violation",
        *_record_columns("violation"),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("workers", sa.Integer),
        sa.Column("arrears_months", sa.Float),
        sa.Column("arrears_yuan", sa.Float),
        sa.Column("rectification_ordered", sa.Boolean),
        sa.Column("penalized", sa.Boolean),
        sa.Column("fine_yuan", sa.Float),
        sa.Column("back_wages_yuan", sa.Float),
        sa.Column("contracts_signed", sa.Integer),
        sa.Column("insurance_enrolled", sa.Integer),
        sa.Column("shut_down", sa.Boolean),
        sa.Column("to_police", sa.Boolean),
        sa.Column("closed_on", sa.Date),
    )
    op.create_table(
        "complaint",
        *_record_columns("complaint"),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("channel", sa.Text),
        sa.Column("type", sa.String(20)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("accept_due", sa.Date, nullable=False),
        sa.Column("close_due", sa.Date, nullable=False),
    )
    for table, day in (
        ("inspection", "inspected_on"),
        ("violation", "found_on"),
        ("complaint", "received_on"),
    ):
        op.create_index(f"ix_{table}_employer_uscc", table, ["employer_uscc"])
        op.create_index(f"ix_{table}_{day}", table, [day])
    op.create_table(
        "record_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("record_id", _code(40), nullable=False),
        sa.Column("valid_to", sa.DateTime, nullable=False),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("snapshot", sa.JSON, nullable=False),
    )
    op.create_index(
        "ix_record_version_kind_record", "record_version", ["kind", "record_id"]
    )
    op.create_table(
        "record_match",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("record_id", _code(40), nullable=False),
        sa.Column("uscc", _code(18)),
        sa.Column("employer_name", sa.Text),
        sa.Column("employer_address", sa.Text),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("candidates", sa.JSON),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("matched_uscc", _code(18)),
        sa.Column("reviewer", sa.Text),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("resolved_at", sa.DateTime),
    )
    op.create_index(
        "ix_record_match_kind_record", "record_match", ["kind", "record_id"]
    )
    op.create_index("ix_record_match_status", "record_match", ["status"])
    _secure()


def _secure() -> None:
    """Enable row-level security on the record tables; install the policies."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from twonet.db import row_security
    from twonet.db.record_security import RECORD_TABLES

    for table in RECORD_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    if row_security.can_install(bind):
        row_security.install(bind)
    else:
        warnings.warn(
            "记录表的行级安全策略未安装（需要 CREATEROLE），"
            "将由 twonet users add 安装 / row-level security of the record "
            "tables not installed (the migrating role lacks CREATEROLE); "
            "`twonet users add` installs it",
            stacklevel=1,
        )


def downgrade() -> None:
    for table in ("record_match", "record_version", "complaint", "violation"):
        op.drop_table(table)
    op.drop_table("inspection")
