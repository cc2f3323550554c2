"""Staff, their assignments to cells, change sets, the audit log, users.

* ``staff``: one row per person (人员编号), earlier states in
  ``staff_version`` (as employers).
* ``assignment``: a person's duty in a cell from ``valid_from`` to
  ``valid_to`` (open when null).  Rows are never deleted or rewritten: a
  change closes the open row (``valid_to``, ``closed_by``) and adds a new
  one, so any past date can be asked about.
* ``cell_version``: one version number per cell's set of assignments; every
  write is ``UPDATE … SET version = version + 1 WHERE version = :seen``
  (optimistic locking: a concurrent edit is refused, never overwritten).
* ``change_set`` and ``audit_log``: every applied change (who, when, why,
  each row before and after).  The log is append-only: a trigger refuses
  UPDATE and DELETE on both backends.
* ``app_user``: accounts with a hashed password, a role and a jurisdiction
  (a cell code; everything below it).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _code(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(
        sa.String(length, collation="C"), "postgresql"
    )


_APPEND_ONLY_PG = """
CREATE OR REPLACE FUNCTION twonet_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused (审计日志只能追加)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION twonet_refuse_change();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION twonet_refuse_change();
"""

_APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused "
    "(审计日志只能追加)'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused "
    "(审计日志只能追加)'); END",
)


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", _code(32), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("unit_code", _code(14)),
        sa.Column("phone", sa.Text),
        sa.Column("id_number", sa.String(18)),
        sa.Column("home_lon", sa.Float),
        sa.Column("home_lat", sa.Float),
        sa.Column("active_from", sa.Date),
        sa.Column("active_to", sa.Date),
        sa.Column("content_hash", sa.String(16), nullable=False),
        sa.Column("extra", sa.JSON),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_changed", sa.DateTime, nullable=False),
        sa.UniqueConstraint("staff_id", name="uq_staff_staff_id"),
    )
    op.create_index("ix_staff_unit_code", "staff", ["unit_code"])
    op.create_table(
        "staff_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", _code(32), nullable=False),
        sa.Column("valid_to", sa.DateTime, nullable=False),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("snapshot", sa.JSON, nullable=False),
    )
    op.create_index("ix_staff_version_staff_id", "staff_version", ["staff_id"])
    op.create_table(
        "change_set",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("undoes_id", sa.Integer, sa.ForeignKey("change_set.id")),
        sa.Column("import_run_id", sa.Integer, sa.ForeignKey("import_run.id")),
        sa.Column("changes", sa.JSON, nullable=False),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("staff_id", _code(32), nullable=False),
        sa.Column("cell_code", _code(14), nullable=False),
        sa.Column("duty", sa.String(20), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date),
        sa.Column("change_set_id", sa.Integer, sa.ForeignKey("change_set.id")),
        sa.Column("closed_by", sa.Integer, sa.ForeignKey("change_set.id")),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_assignment_staff_id", "assignment", ["staff_id"])
    op.create_index("ix_assignment_cell_code", "assignment", ["cell_code"])
    op.create_table(
        "cell_version",
        sa.Column("cell_code", _code(14), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_by", sa.Text),
        sa.Column("changed_at", sa.DateTime),
        sa.Column("change_set_id", sa.Integer, sa.ForeignKey("change_set.id")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "change_set_id",
            sa.Integer,
            sa.ForeignKey("change_set.id"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("cell_code", _code(14)),
        sa.Column("staff_id", _code(32)),
        sa.Column("before", sa.JSON),
        sa.Column("after", sa.JSON),
    )
    op.create_index("ix_audit_log_change_set_id", "audit_log", ["change_set_id"])
    op.create_index("ix_audit_log_cell_code", "audit_log", ["cell_code"])
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.Text),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("jurisdiction_code", _code(14)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(_APPEND_ONLY_PG)
    else:
        for statement in _APPEND_ONLY_SQLITE:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS twonet_refuse_change()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    op.drop_table("app_user")
    op.drop_index("ix_audit_log_cell_code", table_name="audit_log")
    op.drop_index("ix_audit_log_change_set_id", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("cell_version")
    op.drop_index("ix_assignment_cell_code", table_name="assignment")
    op.drop_index("ix_assignment_staff_id", table_name="assignment")
    op.drop_table("assignment")
    op.drop_table("change_set")
    op.drop_index("ix_staff_version_staff_id", table_name="staff_version")
    op.drop_table("staff_version")
    op.drop_index("ix_staff_unit_code", table_name="staff")
    op.drop_table("staff")
