"""Every domain error of TwoNet, in one place.

All subclass :class:`TwoNetError`, itself a :class:`ValueError`, and carry a
message that shows the offending value.
"""

from __future__ import annotations

__all__ = [
    "AccessDeniedError",
    "AccountError",
    "AssignmentConflictError",
    "AuthenticationError",
    "BackendUnavailableError",
    "BalanceError",
    "CRSError",
    "CellCodeError",
    "CellStorageError",
    "ChangeSetError",
    "GridBuildError",
    "GridFileError",
    "HotspotError",
    "ImportBusyError",
    "ImportFailedError",
    "RegistryFileError",
    "StaffingRulesError",
    "TwoNetError",
    "UnsupportedDatabaseError",
    "UsccError",
]


class TwoNetError(ValueError):
    """Base class of TwoNet's domain errors."""


class CellCodeError(TwoNetError):
    """A grid cell code is malformed or inconsistent with its level or parent."""


class CRSError(TwoNetError):
    """A coordinate reference system is missing, unknown or unsupported."""


class GridFileError(TwoNetError):
    """A grid file cannot be read or its columns cannot be mapped."""


class BackendUnavailableError(TwoNetError):
    """A database backend (PostGIS or SpatiaLite) cannot be reached or loaded."""


class BalanceError(TwoNetError):
    """A workload-balancing problem is malformed or cannot be built."""


class UnsupportedDatabaseError(TwoNetError):
    """A database URL names a dialect TwoNet has no spatial backend for."""


class GridBuildError(TwoNetError):
    """A grid (e.g. the demo) cannot be generated from its inputs."""


class RegistryFileError(TwoNetError):
    """An employer registry cannot be read or its columns cannot be mapped."""


class UsccError(TwoNetError):
    """A unified social credit code cannot be built from the given parts."""


class ImportBusyError(TwoNetError):
    """Another import of the same kind is running on the same database."""


class ImportFailedError(TwoNetError):
    """Storing an import's rows failed; what was not committed was rolled back."""


class CellStorageError(TwoNetError):
    """A cell cannot be stored as it is (a value too long, a NaN coordinate)."""


class AccessDeniedError(TwoNetError):
    """A user asked for something outside their role or jurisdiction."""


class AccountError(TwoNetError):
    """An account cannot be added or changed as asked (name, password, role, cell)."""


class AuthenticationError(TwoNetError):
    """A login is refused: unknown user or wrong password, or a disabled account."""


class AssignmentConflictError(TwoNetError):
    """A cell's assignments changed since they were read (optimistic locking)."""


class ChangeSetError(TwoNetError):
    """A change set cannot be read, previewed, applied or undone as given."""


class StaffingRulesError(TwoNetError):
    """A staffing-rules file cannot be read or names an unknown rule or value."""


class HotspotError(TwoNetError):
    """A hotspot analysis cannot run on its inputs (counts, cells, dates)."""
