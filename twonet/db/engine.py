"""Engines and migrations.

The database is chosen by, in order: an explicit URL (``--db``), the
environment variable ``TWONET_DATABASE_URL``, or the embedded SpatiaLite
default ``data/twonet.sqlite`` in the project folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from twonet.db.backends import backend_for
from twonet.errors import BackendUnavailableError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = PROJECT_ROOT / "sql" / "migrations"
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "twonet.sqlite"
ENV_VAR = "TWONET_DATABASE_URL"


def default_url() -> str:
    """Return the database URL from the environment or the embedded default."""
    return os.environ.get(ENV_VAR) or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def describe_url(url: str) -> str:
    """Return a URL safe to print (password hidden)."""
    return make_url(url).render_as_string(hide_password=True)


def get_engine(url: str | None = None) -> Engine:
    """Create an engine for a TwoNet database, spatial extension loaded.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL, e.g. ``postgresql://user@host/db`` or
        ``sqlite:///path/twonet.sqlite``; default :func:`default_url`.
    """
    url = url or default_url()
    backend = backend_for(url)
    parsed = make_url(url)
    if backend.dialect == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return backend.make_engine(url)


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (default: the latest).

    Raises
    ------
    BackendUnavailableError
        If the database cannot be reached.
    """
    try:
        with engine.begin() as connection:
            backend_for(engine).prepare(connection)
    except OperationalError as exc:
        msg = f"cannot reach database {describe_url(str(engine.url))}: {exc.orig}"
        raise BackendUnavailableError(msg) from exc
    command.upgrade(_alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the schema down to ``revision`` (default: empty)."""
    command.downgrade(_alembic_config(engine), revision)


def is_initialised(engine: Engine) -> bool:
    """Tell whether the grid tables exist."""
    return inspect(engine).has_table("grid_cell")
