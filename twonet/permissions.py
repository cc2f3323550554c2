"""Who may see and change what: roles, the logged-in user, permission checks.

Pure: no database access.  A :class:`User` carries its jurisdiction's cells
(``scope``), resolved once when the user logs in
(:func:`twonet.accounts.authenticate`), and every check is a set lookup:

============  ==========================================  =================
role          sees                                        changes
============  ==========================================  =================
coordinator   their jurisdiction (a cell and all below)   nothing
manager       their jurisdiction                          its assignments
planner       the whole city                              nothing
admin         the whole city                              users and rules
============  ==========================================  =================

On PostGIS a user's own connection (:func:`twonet.accounts.engine_for_user`)
is held to the same rows by the database; on SpatiaLite the application
must apply these checks and the ``*_filter`` helpers to every query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, false, or_, select, true

from twonet.db.models import (
    APP_ROLES,
    Assignment,
    AuditLog,
    CellVersion,
    Employer,
    Staff,
)
from twonet.errors import AccessDeniedError


class Role(StrEnum):
    """An account's role (stored value)."""

    COORDINATOR = "coordinator"
    MANAGER = "manager"
    PLANNER = "planner"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """Return ``中文 / English``, e.g. ``网格协调员 / coordinator``."""
        zh, en = APP_ROLES[self.value]
        return f"{zh} / {en}"


class Permission(StrEnum):
    """What a role may do (see :data:`ROLE_PERMISSIONS`)."""

    #: See staff, assignments, employers and the audit log of own cells.
    VIEW = "view"
    #: See every cell of the city (not only the jurisdiction's).
    VIEW_CITY = "view_city"
    #: Change assignments of own cells.
    CHANGE = "change"
    #: See staff phone and ID numbers unmasked.
    SEE_PERSONAL_DATA = "see_personal_data"
    #: Add, change and disable accounts.
    MANAGE_USERS = "manage_users"
    #: Edit the staffing rules.
    EDIT_RULES = "edit_rules"


#: Each role's permissions.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.COORDINATOR: frozenset({Permission.VIEW}),
    Role.MANAGER: frozenset(
        {Permission.VIEW, Permission.CHANGE, Permission.SEE_PERSONAL_DATA}
    ),
    Role.PLANNER: frozenset({Permission.VIEW, Permission.VIEW_CITY}),
    Role.ADMIN: frozenset(
        {
            Permission.VIEW,
            Permission.VIEW_CITY,
            Permission.SEE_PERSONAL_DATA,
            Permission.MANAGE_USERS,
            Permission.EDIT_RULES,
        }
    ),
}


@dataclass(frozen=True)
class User:
    """A logged-in user, as the app keeps them for the session.

    Attributes
    ----------
    username : str
        The login name; recorded as ``actor`` of every change the user makes.
    role : Role
    jurisdiction_code : str or None
        The cell of the jurisdiction.
    scope : frozenset of str
        The jurisdiction cell and every cell below it by the grid's parent
        chain, resolved at login.
    display_name : str or None
    db_role : str or None
        The user's PostgreSQL login role (on SpatiaLite the username).
    """

    username: str
    role: Role
    jurisdiction_code: str | None
    scope: frozenset[str] = field(repr=False)
    display_name: str | None = None
    db_role: str | None = None

    @property
    def name(self) -> str:
        """Return the display name, or the username without one."""
        return self.display_name or self.username

    def may(self, permission: Permission) -> bool:
        """Tell whether the user's role has ``permission``."""
        return permission in ROLE_PERMISSIONS[self.role]


def can_view(user: User, cell_code: str | None) -> bool:
    """Tell whether ``user`` may see a cell's staff, assignments and employers.

    Examples
    --------
    >>> wang = User("wang", Role.COORDINATOR, "370211001", frozenset({"370211001"}))
    >>> can_view(wang, "370211001"), can_view(wang, "370211002")
    (True, False)
    """
    if user.may(Permission.VIEW_CITY):
        return True
    return user.may(Permission.VIEW) and cell_code in user.scope


def can_change(user: User, cell_code: str | None) -> bool:
    """Tell whether ``user`` may change a cell's assignments.

    Examples
    --------
    >>> li = User("li", Role.MANAGER, "370211001", frozenset({"370211001"}))
    >>> can_change(li, "370211001"), can_change(li, "370211002")
    (True, False)
    """
    return user.may(Permission.CHANGE) and cell_code in user.scope


def require_change(user: User, cell_codes: Iterable[str]) -> None:
    """Refuse a change touching a cell ``user`` may not change.

    Raises
    ------
    AccessDeniedError
        Naming the first few such cells.
    """
    refused = sorted({c for c in cell_codes if not can_change(user, c)})
    if not refused:
        return
    shown = ", ".join(refused[:5]) + (" …" if len(refused) > 5 else "")
    msg = (
        f"用户“{user.username}”（{user.role.label}）无权修改网格 {shown} 的人员分配 / "
        f"user {user.username!r} ({user.role.value}) may not change the "
        f"assignments of cell(s) {shown}"
    )
    raise AccessDeniedError(msg)


# ----------------------------------------------------------------- queries
def jurisdiction_filter(user: User, *columns: Any) -> Any:
    """Return a SQL condition: the row is in ``user``'s sight.

    A row is in sight when any of ``columns`` (cell codes) is in the user's
    scope; for planners and admins always.  The scope's codes are written
    into the statement (no bind parameter per code: a city holds thousands).

    Parameters
    ----------
    user : User
    *columns : SQLAlchemy column expressions
        Cell-code columns of the queried table.

    Examples
    --------
    >>> wang = User("wang", Role.COORDINATOR, "370211001", frozenset({"370211001"}))
    >>> condition = jurisdiction_filter(wang, Assignment.cell_code)
    >>> print(condition.compile(compile_kwargs={"literal_binds": True}))
    assignment.cell_code IN ('370211001')
    """
    if user.may(Permission.VIEW_CITY):
        return true()
    if not columns:
        msg = "jurisdiction_filter needs at least one cell-code column"
        raise TypeError(msg)
    if not user.may(Permission.VIEW) or not user.scope:
        return false()
    codes = sorted(user.scope)
    return or_(
        *(
            column.in_(
                bindparam(
                    f"scope_{k}",
                    codes,
                    expanding=True,
                    literal_execute=True,
                    unique=True,
                )
            )
            for k, column in enumerate(columns, start=1)
        )
    )


def assignment_filter(user: User) -> Any:
    """Return the condition on ``assignment`` rows (by ``cell_code``)."""
    return jurisdiction_filter(user, Assignment.cell_code)


def cell_version_filter(user: User) -> Any:
    """Return the condition on ``cell_version`` rows (by ``cell_code``)."""
    return jurisdiction_filter(user, CellVersion.cell_code)


def audit_filter(user: User) -> Any:
    """Return the condition on ``audit_log`` rows (by ``cell_code``)."""
    return jurisdiction_filter(user, AuditLog.cell_code)


def employer_filter(user: User) -> Any:
    """Return the condition on ``employer`` rows: any of its four cells in sight."""
    return jurisdiction_filter(
        user,
        Employer.city_code,
        Employer.county_code,
        Employer.township_code,
        Employer.village_code,
    )


def staff_filter(user: User) -> Any:
    """Return the condition on ``staff`` rows.

    A person is in sight when their unit is, or when they have (or had) an
    assignment to a cell in sight — as PostgreSQL's policy says.
    """
    if user.may(Permission.VIEW_CITY):
        return true()
    assigned = select(Assignment.staff_id).where(assignment_filter(user))
    return or_(jurisdiction_filter(user, Staff.unit_code), Staff.staff_id.in_(assigned))
