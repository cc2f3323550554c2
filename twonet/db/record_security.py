"""Row-level security of the record tables (migration 0007).

A coordinator or manager sees an inspection, violation or complaint where
its matched employer is: ``employer_uscc`` is the credit code of an
employer in their cells (the employer table's own scope rule).  Earlier
versions (``record_version``) follow their record, match-queue items
(``record_match``) the employer they were matched to; a record not matched
yet is seen by planners and admins only.  :mod:`twonet.db.row_security`
installs these policies with the others.
"""

from __future__ import annotations

from collections.abc import Callable

#: Inspection, violation and complaint records, their history and match
#: queue: row-level security since migration 0007.
RECORD_TABLES: tuple[str, ...] = (
    "inspection",
    "violation",
    "complaint",
    "record_version",
    "record_match",
)
#: Record table → its kind in ``record_version`` and ``record_match``.
RECORD_KINDS: dict[str, str] = {
    "inspection": "inspections",
    "violation": "violations",
    "complaint": "complaints",
}

#: (table, policy, command, USING, WITH CHECK), as in ``row_security``.
Policy = tuple[str, str, str, str | None, str | None]


def record_policies(in_scope: Callable[..., str]) -> tuple[Policy, ...]:
    """Return the read policies of the record tables.

    ``in_scope(*columns)`` is row security's "one of these columns is one of
    my cells" (:func:`twonet.db.row_security._in_scope`).
    """
    employers = (
        "(SELECT e.uscc FROM employer e WHERE "
        + in_scope("e.city_code", "e.county_code", "e.township_code", "e.village_code")
        + ")"
    )
    versions = " OR ".join(
        f"(record_version.kind = '{kind}' AND record_version.record_id IN "
        f"(SELECT r.record_id FROM {table} r WHERE r.employer_uscc IN {employers}))"
        for table, kind in RECORD_KINDS.items()
    )
    read = "twonet_scoped_read"
    return (
        *(
            (table, read, "SELECT", f"{table}.employer_uscc IN {employers}", None)
            for table in RECORD_KINDS
        ),
        ("record_version", read, "SELECT", versions, None),
        (
            "record_match",
            read,
            "SELECT",
            f"record_match.matched_uscc IN {employers}",
            None,
        ),
    )
