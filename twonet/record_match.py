"""Match records to the stored employers; re-match the queue.

A record names its employer by credit code (统一社会信用代码) or by name
and address.  :func:`match_records` decides, per record:

1. a credit code that a stored employer has → that employer;
2. a credit code no stored employer has → queued, reason ``uscc_unknown``
   (the employer registry may not have it yet; employers of the same name
   are listed as candidates, never taken: a code names a legal person);
3. no credit code: the name, normalised (full-width forms folded, blanks
   removed, Latin letters upper-cased: :func:`normalise_name`), equal to
   exactly one stored employer's → that employer; to several → the one
   whose registered or operating address equals the record's (normalised),
   if exactly one does, else queued ``ambiguous`` with the candidates; to
   none → queued ``name_unknown``.

A queued record is stored with ``employer_uscc`` null, never dropped.
:func:`match_pending` runs the same rules again over the open queue items
(after an employer import, or ``twonet records match``) and closes those
now matched.

The name index holds every stored employer's name and addresses; it is
read once per import or re-match, and only when a record without a known
credit code asks for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from grid.address_match import normalise_address
from grid.record_types import RECORD_KINDS
from twonet.db import record_queue, record_store
from twonet.db.repository import Bind

#: Reasons a record waits in the queue: (Chinese, English).
MATCH_REASONS: dict[str, tuple[str, str]] = {
    "uscc_unknown": (
        "统一社会信用代码不在用人单位库中",
        "credit code not in the registry",
    ),
    "name_unknown": ("单位名称不在用人单位库中", "employer name not in the registry"),
    "ambiguous": ("同名单位不止一家，地址无法区分", "several employers of that name"),
}


def normalise_name(text: object) -> str:
    """Return a name or address as compared: folded, without blanks, upper case.

    Examples
    --------
    >>> normalise_name(" 青岛某某（有限）公司 ") == normalise_name("青岛某某(有限)公司")
    True
    """
    return normalise_address(text).upper()


@dataclass(frozen=True)
class Match:
    """How one record's employer was found: ``uscc`` or a ``reason`` to queue.

    ``by`` tells how a match was made: ``"uscc"``, ``"name"`` or
    ``"address"`` (a name several employers share, told apart by address).
    """

    uscc: str | None
    reason: str | None = None
    candidates: tuple[dict[str, object], ...] = ()
    by: str | None = None


def name_index(employers: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Return normalised name → the employers of that name.

    ``employers`` has ``uscc``, ``name``, ``registered_address`` and
    ``operating_address``; each employer is a dict of ``uscc``, ``name``,
    ``address`` (as shown) and ``addresses`` (both, normalised).
    """
    index: dict[str, list[dict[str, Any]]] = {}
    for row in employers.itertuples(index=False):
        addresses = (row.registered_address, row.operating_address)
        index.setdefault(normalise_name(row.name), []).append(
            {
                "uscc": row.uscc,
                "name": row.name,
                "addresses": {normalise_name(a) for a in addresses} - {""},
                "address": row.operating_address or row.registered_address,
            }
        )
    return index


@dataclass
class EmployerIndex:
    """The stored employers a record can be matched to (names read lazily)."""

    bind: Bind
    _by_name: dict[str, list[dict[str, Any]]] | None = field(default=None)

    def known(self, codes: Iterable[str]) -> set[str]:
        """Return those of ``codes`` that stored employers have."""
        return record_store.known_usccs(self.bind, codes)

    def named(self, name: object) -> list[dict[str, Any]]:
        """Return the stored employers whose normalised name equals ``name``'s."""
        if self._by_name is None:
            self._by_name = name_index(record_store.employer_identities(self.bind))
        key = normalise_name(name) if isinstance(name, str) else ""
        return self._by_name.get(key, []) if key else []


def _candidates(found: list[dict[str, Any]]) -> tuple[dict[str, object], ...]:
    return tuple(
        {"uscc": c["uscc"], "name": c["name"], "address": c["address"]} for c in found
    )


def match_records(records: pd.DataFrame, index: EmployerIndex) -> list[Match]:
    """Find the employer of each record (see the module docstring).

    Parameters
    ----------
    records : DataFrame
        ``uscc``, ``employer_name``, ``employer_address`` (``None`` when
        missing).
    index : EmployerIndex

    Returns
    -------
    list of Match
        One per record, in order.
    """
    codes = [c for c in records["uscc"] if isinstance(c, str) and c]
    known = index.known(codes) if codes else set()
    out: list[Match] = []
    for uscc, name, address in zip(
        records["uscc"],
        records["employer_name"],
        records["employer_address"],
        strict=True,
    ):
        if isinstance(uscc, str) and uscc:
            if uscc in known:
                out.append(Match(uscc, by="uscc"))
            else:
                named = _candidates(index.named(name))
                out.append(Match(None, "uscc_unknown", named))
            continue
        found, by = index.named(name), "name"
        if len(found) > 1 and address:
            wanted = normalise_name(address)
            at = [c for c in found if wanted in c["addresses"]]
            found, by = (at, "address") if len(at) == 1 else (found, by)
        if len(found) == 1:
            out.append(Match(str(found[0]["uscc"]), by=by))
        elif found:
            out.append(Match(None, "ambiguous", _candidates(found)))
        else:
            out.append(Match(None, "name_unknown"))
    return out


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def match_pending(
    engine: Engine, *, kind: str | None = None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Match the open queue items again; close those whose employer is found.

    Run after an employer import (the new employers may be the ones the
    queue waits for) or by ``twonet records match``.

    Parameters
    ----------
    engine : Engine
    kind : str, optional
        Only this kind of record (all kinds by default).
    now : datetime, optional
        Time of the change (UTC, naive).

    Returns
    -------
    dict
        ``matched`` (records now linked to their employer) and ``open``
        (items still waiting).
    """
    now = now or _now()
    queue = record_queue.open_matches(engine, kind=kind)
    index = EmployerIndex(engine)
    totals = {"matched": 0, "open": 0}
    for each in RECORD_KINDS:
        items = queue[queue["kind"] == each]
        if items.empty:
            continue
        matches = match_records(items, index)
        found = {
            str(rid): str(m.uscc)
            for rid, m in zip(items["record_id"], matches, strict=True)
            if m.uscc is not None
        }
        waiting = [
            queue_item(row, m)
            for row, m in zip(items.to_dict("records"), matches, strict=True)
            if m.uscc is None
        ]
        with engine.begin() as connection:
            record_store.set_employers(connection, each, found)
            record_queue.close_matched(connection, each, found, now=now)
            record_queue.queue_unmatched(connection, each, waiting, now=now)
        totals["matched"] += len(found)
        totals["open"] += len(waiting)
    return totals


def queue_item(record: Mapping[Any, Any], match: Match) -> dict[str, Any]:
    """Return the queue item of a record whose employer was not found.

    ``record`` has ``record_id``, ``uscc``, ``employer_name`` and
    ``employer_address``.
    """
    return {
        "record_id": record["record_id"],
        "uscc": record["uscc"],
        "employer_name": record["employer_name"],
        "employer_address": record["employer_address"],
        "reason": match.reason,
        "candidates": list(match.candidates) or None,
    }
