"""Every import run says how it ended; every problem row is kept.

``import_run`` gets ``outcome`` (``running``, ``succeeded``, ``failed``,
``refused``, ``interrupted``), ``finished_at`` and ``error``: a run that
failed or was killed is no longer a run without counts that nothing marks.
Runs recorded before this revision with counts succeeded; those without
were interrupted.

``import_reject`` gets ``severity`` (``reject`` or ``warning``) and
``kind``: warned rows are listed too, each with its row, column, value and
reason, beside the rejected ones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("import_run") as batch:
        batch.add_column(sa.Column("outcome", sa.String(20)))
        batch.add_column(sa.Column("finished_at", sa.DateTime))
        batch.add_column(sa.Column("error", sa.Text))
    op.execute(
        "UPDATE import_run SET outcome = CASE WHEN counts IS NULL "
        "THEN 'interrupted' ELSE 'succeeded' END"
    )
    with op.batch_alter_table("import_reject") as batch:
        batch.add_column(
            sa.Column(
                "severity", sa.String(10), nullable=False, server_default="reject"
            )
        )
        batch.add_column(sa.Column("kind", sa.String(60)))


def downgrade() -> None:
    with op.batch_alter_table("import_reject") as batch:
        batch.drop_column("kind")
        batch.drop_column("severity")
    with op.batch_alter_table("import_run") as batch:
        batch.drop_column("error")
        batch.drop_column("finished_at")
        batch.drop_column("outcome")
