"""One import of a kind at a time, per database.

Two people importing the same table at once must not interleave their
writes (both would find a row missing, both would insert it).  Each backend
has its lock, chosen through :data:`twonet.db.backends.BACKENDS`:

* PostgreSQL: a session-level advisory lock keyed by the kind, held on a
  connection of its own for the import; a second import waits for the
  first, then finds its rows stored and changes nothing.
* SQLite: an exclusive ``flock`` on a lock file beside the database file; a
  second import is refused at once (:class:`~grid.errors.ImportBusyError`)
  naming the process that holds it.

Both locks are released by the operating system or the server when the
holding process dies, so a killed import never leaves a lock behind.
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

from grid.errors import ImportBusyError


def lock_key(kind: str) -> int:
    """Return the advisory-lock key of an import kind (a signed 32-bit integer)."""
    value = zlib.crc32(f"twonet-import:{kind}".encode())
    return value - (1 << 32) if value >= 1 << 31 else value


@contextmanager
def postgres_import_lock(engine: Engine, kind: str) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock of ``kind`` (waiting for it if taken)."""
    key = lock_key(kind)
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            connection.commit()


@contextmanager
def sqlite_import_lock(engine: Engine, kind: str) -> Iterator[None]:
    """Hold the lock file of ``kind`` beside an SQLite database (or refuse)."""
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private in-memory database: nobody else can import into it
        return
    import fcntl

    path = Path(f"{database}.import-{kind}.lock")
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            msg = (
                f"another import of {kind} is running on {database} "
                f"(process {holder}); wait for it to finish and try again "
                f"(另一个“{kind}”导入正在进行（进程 {holder}），请等它结束后再试)"
            )
            raise ImportBusyError(msg) from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(str(os.getpid()))
            handle.flush()
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)
