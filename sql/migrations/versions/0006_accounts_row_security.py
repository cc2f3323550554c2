"""Accounts' jurisdictions, materialised; row-level security on PostgreSQL.

* ``app_user.db_role``: the user's PostgreSQL login role
  (``<database>.<username>``; on SpatiaLite the username).
* ``cell_scope(role_name, cell_code)``: every cell under each active
  coordinator's or manager's jurisdiction, by the grid's parent chain
  (rewritten when users or the grid change, never walked per row).
* PostgreSQL only: row-level security enabled (``ENABLE``, not ``FORCE``: the
  tables' owner, which runs migrations, imports and ``twonet users``, is not
  bound by it) on ``staff``, ``assignment``, ``employer``, ``audit_log``,
  ``change_set``, ``cell_version`` and ``cell_scope``, and the group roles,
  grants and policies of :mod:`twonet.db.row_security` installed when the
  migrating role may create roles (or they exist).  Otherwise they are left
  to ``twonet users add`` and, meanwhile, no role but the owner sees a row of
  those tables.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import warnings

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _code(length: int) -> sa.types.TypeEngine[str]:
    return sa.String(length).with_variant(
        sa.String(length, collation="C"), "postgresql"
    )


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("db_role", sa.String(80)))
    op.execute("UPDATE app_user SET db_role = username")
    op.create_table(
        "cell_scope",
        sa.Column("role_name", sa.String(80), primary_key=True),
        sa.Column("cell_code", _code(14), primary_key=True),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from twonet.db import row_security

    op.execute("UPDATE app_user SET db_role = current_database() || '.' || username")
    for table in row_security.SECURED_TABLES_0006:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    if row_security.can_install(bind):
        row_security.install(bind)
    else:
        warnings.warn(
            "行级安全的组角色未安装（需要 CREATEROLE），将由 twonet users add 安装 / "
            "row-level security roles not installed (the migrating role lacks "
            "CREATEROLE); `twonet users add` installs them",
            stacklevel=1,
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from twonet.db import row_security

        row_security.uninstall(bind)
        for table in row_security.SECURED_TABLES_0006:
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.drop_table("cell_scope")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("db_role")
