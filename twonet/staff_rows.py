"""What the staff and assignment imports share: read options, the actor, the grid.

Helpers of :mod:`twonet.staff_import` and :mod:`twonet.assignment_import`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from twonet.db import repository as repo
from twonet.db import staff_store
from twonet.errors import TwoNetError


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file (see ``twonet staff import``).

    ``mapping`` (our field → the file's column), ``encoding`` (CSV;
    detected by default), ``sheet`` (XLSX), ``delimiter`` (CSV; sniffed by
    default).
    """

    mapping: dict[str, str] | None = None
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None


def default_actor() -> str:
    """Return who runs an import: the operating system's user, else ``import``."""
    import getpass

    try:
        return getpass.getuser() or "import"
    except (OSError, KeyError):
        return "import"


def grid_codes(engine: Engine) -> tuple[set[str], tuple[float, float, float, float]]:
    """Return the grid's cell codes (any version) and its current extent.

    Raises
    ------
    TwoNetError
        The database holds no cell.
    """
    codes = staff_store.cell_codes(engine)
    if not codes:
        msg = (
            "no grid cells in the database; run `twonet demo` or `twonet grid load` "
            "first (数据库中没有网格，请先运行 twonet demo 或 twonet grid load)"
        )
        raise TwoNetError(msg)
    cells = repo.load_cells(engine)
    placed = cells[cells.geometry.notna()]
    if placed.empty:
        return codes, (-180.0, -90.0, 180.0, 90.0)
    x0, y0, x1, y1 = (float(v) for v in placed.total_bounds)
    return codes, (x0, y0, x1, y1)


def nullable(values: pd.Series) -> list[Any]:
    """Return values as Python objects, missing ones as ``None``."""
    out = values.astype(object)
    return list(out.where(out.notna(), None))


def dates(values: pd.Series) -> list[dt.date | None]:
    """Return dates as :class:`datetime.date`, missing ones as ``None``."""
    days = pd.to_datetime(values).dt.date
    return list(days.astype(object).where(days.notna(), None))
