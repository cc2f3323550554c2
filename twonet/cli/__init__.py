"""The ``twonet`` command line.

Commands are thin: they parse options, call the services and print with
rich.  Messages are bilingual (Chinese first).  One module per group of
commands; importing them registers their commands on :data:`app`.
"""

from twonet.cli import (
    balance,
    bench,
    changes,
    coverage,
    demo,
    employers,
    grid,
    hotspots,
    imports,
    records,
    rules,
    staff,
    system,
    users,
)
from twonet.cli.common import app

__all__ = [
    "app",
    "balance",
    "bench",
    "changes",
    "coverage",
    "demo",
    "employers",
    "grid",
    "hotspots",
    "imports",
    "records",
    "rules",
    "staff",
    "system",
    "users",
]
